// What a tile's work is, for how large it may be (cost_model.hpp): a contraction handed to BLAS, which blocks for
// cache itself and so runs as fast on a tile of hundreds of MiB, or work that materializes slices and streams
// through them (sums, products, reductions, outer products), which is fast only while they stay in cache.
#pragma once

#include <cstddef>
#include <map>

#include "engine/common/shape.hpp"
#include "engine/eval/schedule.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::plan {

enum class TileKind { materializing, gemm };

// gemm when `root` is an einsum of two or more inputs whose every pairwise step (in the schedule's order) is a
// matrix product, as engine/eval/tile_eval.cpp runs it: a summed label and a free label on each side, so the step
// is one batched GEMM and not a matrix-vector product, a batched dot or an outer product; materializing otherwise.
TileKind tile_kind(const expr::Node& root, const eval::Schedule& schedule);

// What BLAS packs beside a GEMM-shaped tile's buffers while it computes, unseen by the arena: OpenBLAS copies up to
// 256 summed rows of an operand by its whole free extent into its thread's buffer. Measured with Debian's
// OpenBLAS, single-threaded dgemm, beyond its operands and result: 3.3, 5.3 and 9.3 MiB for square products 1024,
// 2048 and 4096 wide (about 1.3 MiB fixed, part of the fixed overhead, and 2 KiB per column). Counted as 256
// float64 per element of the widest free extent of any step (at most OpenBLAS's panel of 13824 columns), less the
// 4 MiB per tile that the fixed overhead above --memory holds, `extents` giving each label's extent within the
// tile; 0 for a tile that is not GEMM-shaped.
std::size_t blas_packing_bytes(const expr::Node& root, const eval::Schedule& schedule,
                               const std::map<char, Extent>& extents);

}  // namespace tilesum::plan
