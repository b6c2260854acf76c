// Pass: contraction paths. The order in which every einsum of an expression contracts its operands pairwise
// (contraction_path.hpp), chosen for the full extents before the expression is tiled, or for the extents of a tile
// the user forced (`--tile`).
#pragma once

#include <cstddef>

#include "engine/eval/schedule.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::plan {

// The cheapest contraction order of every einsum of three or more operands reachable from `root`, for the full
// extents (or, given `tile`, for the extents each einsum has within that tile of `root`), among those whose peak
// bytes stay within `budget_bytes` or twice the operands' own bytes, whichever is more; when none does, the one with
// the smallest peak.
eval::Schedule choose_schedule(const expr::NodePtr& root, std::size_t budget_bytes,
                               const eval::TileSpec* tile = nullptr);

}  // namespace tilesum::plan
