// Pass: chunk caches. The HDF5 chunk caches a plan's tiles want (chunk_cache.hpp) come out of the budget the tiles
// are planned in, so tiling and caches are settled together: tiles are planned first with nothing reserved; the
// caches their tiling wants (those that fit a share of the budget, the rest at HDF5's default) are then reserved and
// the tiles planned again, until the caches need no more than was reserved. When that does not settle, or the tiles
// do not fit beside the caches, every chunked input keeps HDF5's default cache, reserved too.
#pragma once

#include <cstddef>
#include <functional>

#include "engine/expr/program.hpp"
#include "engine/plan/fit.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

// Plans the tiles within what `cache_bytes` of caches leave of the budget.
using TilePlanner = std::function<Fit<Plan>(std::size_t cache_bytes)>;

// The plan with its chunk caches set, within `budget_bytes` of which the pieces take `piece_bytes`; or why it does
// not fit: the first tiling's reason, or HDF5's default caches alone taking the budget.
Fit<Plan> plan_with_chunk_caches(const expr::Program& program, std::size_t budget_bytes, std::size_t piece_bytes,
                                 const ChunkCacheTraits& traits, const TilePlanner& plan_tiles);

}  // namespace tilesum::plan
