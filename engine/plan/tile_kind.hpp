// What a tile's work is, for how large it may be (cost_model.hpp): a contraction handed to BLAS, which blocks for
// cache itself and so runs as fast on a tile of hundreds of MiB, or work that materializes slices and streams
// through them (sums, products, reductions, outer products), which is fast only while they stay in cache.
#pragma once

#include "engine/eval/schedule.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::plan {

enum class TileKind { materializing, gemm };

// gemm when `root` is an einsum of two or more inputs whose every pairwise step (in the schedule's order) is a
// matrix product, as engine/eval/tile_eval.cpp runs it: a summed label and a free label on each side, so the step
// is one batched GEMM and not a matrix-vector product, a batched dot or an outer product; materializing otherwise.
TileKind tile_kind(const expr::Node& root, const eval::Schedule& schedule);

}  // namespace tilesum::plan
