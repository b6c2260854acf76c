#include "engine/exec/gemm_run.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <future>

#include "engine/common/error.hpp"
#include "engine/common/thread_handoff.hpp"
#include "engine/exec/tile_pipeline.hpp"
#include "engine/kernels/gemm_update.hpp"

namespace tilesum::exec {

namespace {

// One slab's panels: the left operand's rows of C by the slab, the right operand's slab by C's columns, each in the
// input's own axis order.
struct Panels {
    eval::Block left, right;
    bool same = false;  // both are one hyperslab of one input (A·Aᵀ on C's diagonal tiles): read once, into left
};

struct SlabShape {
    Range rows, columns, depth;
};

SlabShape slab_shape(const plan::OutputPlan& output, const plan::StreamedGemm& gemm, Extent index) {
    const eval::TileSpec tile = output.tiling.tile(index);
    const Range depth = tile.summed.empty() ? Range{0, gemm.depth} : tile.summed.begin()->second;
    return {tile.ranges[0], tile.ranges[1], depth};
}

void read_panels(const plan::StreamedGemm& gemm, const SlabShape& slab, const Bindings& bindings, Panels& panels) {
    const Ranges left = gemm.left_transposed ? Ranges{slab.depth, slab.rows} : Ranges{slab.rows, slab.depth};
    const Ranges right = gemm.right_transposed ? Ranges{slab.columns, slab.depth} : Ranges{slab.depth, slab.columns};
    panels.same = gemm.left == gemm.right && left == right;
    reader_for(bindings, gemm.left->name).read(left, panels.left.data());
    if (!panels.same) reader_for(bindings, gemm.right->name).read(right, panels.right.data());
}

// Addresses standing for "the slab's inputs are ready" and "a sub-block is done", for ThreadSanitizer, which does not
// see TBB's own synchronization (thread_handoff.hpp).
char slab_ready = 0;
char block_done = 0;

// C (the slab's rows x columns, row-major) = or += left panel · right panel, in a fixed grid of sub-blocks that
// run in parallel: each sub-block of C is one BLAS call per slab, whatever the number of threads.
void multiply_slab(const plan::StreamedGemm& gemm, const SlabShape& slab, const Panels& panels, double* c,
                   bool accumulate) {
    const Extent rows = slab.rows.length(), columns = slab.columns.length(), depth = slab.depth.length();
    const plan::GemmGrid grid = plan::gemm_grid(rows, columns);
    const double* left = panels.left.data();
    const double* right = panels.same ? left : panels.right.data();
    handoff_release(&slab_ready);
    tbb::parallel_for(Extent{0}, grid.row_blocks * grid.column_blocks, [&](Extent block) {
        handoff_acquire(&slab_ready);
        const Extent first_row = block / grid.column_blocks * grid.block_rows;
        const Extent first_column = block % grid.column_blocks * grid.block_columns;
        const Extent m = std::min(grid.block_rows, rows - first_row);
        const Extent n = std::min(grid.block_columns, columns - first_column);
        const kernels::StridedMatrix a = gemm.left_transposed
                                             ? kernels::StridedMatrix{left + first_row, rows, true}
                                             : kernels::StridedMatrix{left + first_row * depth, depth, false};
        const kernels::StridedMatrix b = gemm.right_transposed
                                             ? kernels::StridedMatrix{right + first_column * depth, depth, true}
                                             : kernels::StridedMatrix{right + first_column, columns, false};
        kernels::gemm_update(m, n, depth, a, b, c + first_row * columns + first_column, columns, accumulate);
        handoff_release(&block_done);
    });
    handoff_acquire(&block_done);
}

}  // namespace

std::optional<plan::StreamedGemm> streamed_gemm_of(const plan::OutputPlan& output, const eval::Arena& arena) {
    std::optional<plan::StreamedGemm> gemm = plan::streamed_gemm(*output.root);
    if (!gemm) return std::nullopt;
    const Shape& tile = output.tiling.tile_shape;
    const Extent depth = output.tiling.summed_tile.empty() ? gemm->depth : output.tiling.summed_tile.front();
    if (plan::streamed_gemm_bytes(tile[0], tile[1], depth) > arena.budget_bytes()) return std::nullopt;
    return gemm;
}

void run_streamed_gemm(const plan::OutputPlan& output, const plan::StreamedGemm& gemm, const Bindings& bindings,
                       eval::Arena& arena, Progress& progress, const RunControl& control, RunStats& stats,
                       const OutputCheckpoints* recording) {
    auto writer_it = bindings.outputs.find(output.name);
    TILESUM_ASSERT(writer_it != bindings.outputs.end() && writer_it->second);
    TensorWriter& writer = *writer_it->second;
    const Extent slabs = output.tiling.slab_count();
    const Extent tile_count = output.tiling.tile_count();
    // Buffers of the first (largest) tile, reused by every tile: C and two slabs' panels.
    const SlabShape largest = slab_shape(output, gemm, 0);
    const Extent rows = largest.rows.length(), columns = largest.columns.length(), depth = largest.depth.length();
    eval::Block c{arena.allocate(static_cast<std::size_t>(rows * columns)), Shape{rows, columns}};
    Panels panels[2];
    for (Panels& slot : panels) {
        slot.left = {arena.allocate(static_cast<std::size_t>(rows * depth)), Shape{rows, depth}};
        slot.right = {arena.allocate(static_cast<std::size_t>(depth * columns)), Shape{depth, columns}};
    }

    Extent first_tile = 0;
    if (recording) {
        const OutputProgress start = recording->checkpoints.resumed().outputs.at(recording->output);
        first_tile = start.tiles * slabs + start.slabs;
        if (start.slabs > 0) {
            const SlabShape slab = slab_shape(output, gemm, first_tile);
            recording->checkpoints.load(Checkpoints::partial_key(recording->output, start.tiles, start.slabs),
                                        c.data(), static_cast<std::size_t>(slab.rows.length() * slab.columns.length()));
        }
        progress.tiles_done += first_tile;
        stats.tiles_resumed += first_tile;
    }

    // The next slab's panels are read on another thread while this one multiplies. Declared after the buffers:
    // a pending read is waited for (the future's destructor) before they are freed, also when a slab throws.
    std::future<void> reading;
    auto read_async = [&](Extent index) {
        return std::async(std::launch::async, [&, index] {
            read_panels(gemm, slab_shape(output, gemm, index), bindings, panels[index % 2]);
        });
    };
    if (first_tile < tile_count) reading = read_async(first_tile);
    for (Extent index = first_tile; index < tile_count; ++index) {
        reading.get();
        if (control.interrupted && control.interrupted->load())
            fail(ErrorKind::interrupted, "interrupted after " + std::to_string(progress.tiles_done) + " of " +
                                             std::to_string(progress.tiles_total) + " tiles; no output was written");
        if (index + 1 < tile_count) reading = read_async(index + 1);
        const SlabShape slab = slab_shape(output, gemm, index);
        const Extent slab_index = index % slabs, output_tile = index / slabs;
        multiply_slab(gemm, slab, panels[index % 2], c.data(), slab_index > 0);
        stats.flops += 2.0 * static_cast<double>(slab.rows.length() * slab.columns.length()) *
                       static_cast<double>(slab.depth.length());
        const bool last_slab = slab_index == slabs - 1;
        if (last_slab) writer.write(Ranges{slab.rows, slab.columns}, c.data());
        ++progress.tiles_done;
        if (recording && recording->checkpoints.due()) {
            if (last_slab)
                recording->checkpoints.output_checkpoint(recording->output, output_tile + 1);
            else
                recording->checkpoints.output_checkpoint(
                    recording->output, output_tile, slab_index + 1, c.data(), nullptr,
                    static_cast<std::size_t>(slab.rows.length() * slab.columns.length()));
        }
        if (control.on_progress) control.on_progress(progress);
    }
    if (recording) recording->checkpoints.output_checkpoint(recording->output, output.tiling.output_tile_count());
}

}  // namespace tilesum::exec
