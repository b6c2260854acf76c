// A matrix product of two inputs (einsum 'ij,jk->ik' and its transposes), run out of core as a streamed GEMM
// (exec/gemm_run.cpp): one output block C stays in memory while panels of the summed label stream through it,
// slab after slab, each multiplied into C by BLAS (C += A_panel · B_panel), the next slab's panels read while the
// current ones multiply. C holds most of the budget, so A and B are re-read as few times as it allows: the I/O
// approaches the lower bound 2 n^3 / sqrt(M), where tiles of the general pipeline (each with its own result beside
// the partial sum, several in flight) re-read them about twice as often. The planner (tile_sizes.cpp,
// tile_output.cpp) and the executor share these rules, so that what is planned is what runs.
#pragma once

#include <cstddef>
#include <optional>

#include "engine/common/shape.hpp"
#include "engine/expr/node.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

struct StreamedGemm {
    // The operand holding the output's first label (rows of C) and the one holding its second (columns).
    const expr::Node* left = nullptr;
    const expr::Node* right = nullptr;
    // Stored summed-major: left as (summed, rows), right as (columns, summed). BLAS reads them transposed.
    bool left_transposed = false;
    bool right_transposed = false;
    Extent rows = 0, columns = 0, depth = 0;  // the extents of C's two labels and of the summed label
};

// The product's roles when `root` is an einsum of exactly two inputs, each two distinct labels, one label summed
// and each output label from a different input, every extent at least 1 and C at least 1024^2 elements (smaller
// ones run through the tile pipeline); std::nullopt otherwise.
std::optional<StreamedGemm> streamed_gemm(const expr::Node& root);

// C's sub-blocks multiplied in parallel: a grid fixed by the tile's shape (never by the thread count), so that each
// element of C is formed by the same BLAS calls in the same order whatever --threads is. Blocks are near-equal parts
// of the tile, at most 2048 columns wide and 1024 rows high: BLAS packs up to 256 summed rows by a block's rows
// (a row-major call is a column-major one on the transposes) and a 512 x 256 part of the right panel, 3 MiB per
// thread, within the fixed overhead above --memory (tile_kind.hpp); lower blocks when the tile would be fewer than
// 8, so that threads have something to share.
struct GemmGrid {
    Extent block_rows = 1, block_columns = 1, row_blocks = 1, column_blocks = 1;
};
GemmGrid gemm_grid(Extent rows, Extent columns);

// The arena bytes a streamed GEMM with C tiles of `rows` x `columns` and slabs `depth` deep holds: C, and two
// slabs' panels (the one multiplying, the one being read).
std::size_t streamed_gemm_bytes(Extent rows, Extent columns, Extent depth);

// The tile sizes (rows, columns, slab depth, as Cuttable orders them: output axes, then the summed label) that fit
// `budget_bytes` and read fastest at the machine's rates: A is read once per column of C tiles and B once per row,
// so C as large as the budget allows after two slabs' panels, which are as deep as what is left of it. Slabs are at
// least 256 deep (or the whole summed extent), so each BLAS call still runs at its matrix-matrix rate.
// std::nullopt when no C tile fits with such slabs.
std::optional<Shape> streamed_gemm_sizes(const StreamedGemm& gemm, std::size_t budget_bytes,
                                         const MachineProfile& machine);

}  // namespace tilesum::plan
