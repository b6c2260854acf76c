// Script text -> Script (statements with spans). Throws Error{syntax} with the span of the culprit.
#pragma once

#include <string_view>

#include "engine/script/ast.hpp"

namespace tilesum::script {

Script parse_script(std::string_view text);

}  // namespace tilesum::script
