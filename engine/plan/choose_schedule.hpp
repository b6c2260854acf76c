// Pass: contraction paths. The order in which every einsum of an expression contracts its operands pairwise
// (contraction_path.hpp), chosen for the full extents before the expression is tiled.
#pragma once

#include <cstddef>

#include "engine/eval/schedule.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::plan {

// The cheapest contraction order of every einsum of three or more operands reachable from `root`, for the full
// extents, among those whose peak bytes stay within `budget_bytes` or twice the operands' own bytes, whichever is
// more; when none does, the one with the smallest peak.
eval::Schedule choose_schedule(const expr::NodePtr& root, std::size_t budget_bytes);

}  // namespace tilesum::plan
