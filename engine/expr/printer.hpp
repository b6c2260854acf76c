// A DAG as numpy-like text, for plans and messages: named intermediates print by name.
#pragma once

#include <string>

#include "engine/expr/node.hpp"

namespace tilesum::expr {

std::string to_text(const Node& root);

}  // namespace tilesum::expr
