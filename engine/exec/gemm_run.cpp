#include "engine/exec/gemm_run.hpp"

#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/common/error.hpp"
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

// C written out in bands of rows on a thread of its own, while the next tile's first slab multiplies into the same
// buffer: each sub-block of that slab waits until the bands it overwrites are written. Writing C no longer stops
// the threads that multiply, and takes no second buffer.
class BandWriter {
public:
    BandWriter() = default;
    BandWriter(const BandWriter&) = delete;
    BandWriter& operator=(const BandWriter&) = delete;
    ~BandWriter() {
        if (pending_.valid()) pending_.wait();  // before the buffer it writes from is freed
    }

    // Starts writing the `rows` x `columns` block at `c` (row-major) to those ranges of `writer`.
    void start(TensorWriter& writer, Range rows, Range columns, const double* c) {
        {
            std::lock_guard lock(mutex_);
            written_ = 0;
            total_ = rows.length() * columns.length();
            failed_ = false;
        }
        const Extent band_rows =
            std::max<Extent>(1, (Extent{16} << 20) / static_cast<Extent>(sizeof(double)) / columns.length());
        pending_ = std::async(std::launch::async, [this, &writer, rows, columns, c, band_rows] {
            try {
                for (Extent first = 0; first < rows.length(); first += band_rows) {
                    const Extent count = std::min(band_rows, rows.length() - first);
                    writer.write(Ranges{{rows.begin + first, rows.begin + first + count}, columns},
                                 c + first * columns.length());
                    std::lock_guard lock(mutex_);
                    written_ = (first + count) * columns.length();
                    done_.notify_all();
                }
            } catch (...) {
                std::lock_guard lock(mutex_);
                failed_ = true;  // waiters go on; finish() rethrows
                done_.notify_all();
                throw;
            }
        });
    }
    bool pending() const { return pending_.valid(); }
    // Blocks until the buffer's elements [0, end) are written, or writing failed.
    void wait_for(Extent end) {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return failed_ || written_ >= std::min(end, total_); });
    }
    // Waits for the writes to end and rethrows their error; whether any was pending.
    bool finish() {
        if (!pending_.valid()) return false;
        pending_.get();
        return true;
    }

private:
    std::mutex mutex_;
    std::condition_variable done_;
    Extent written_ = 0, total_ = 0;
    bool failed_ = false;
    std::future<void> pending_;
};

// When to save the partial C for --resume mid-tile. C takes most of the budget (hundreds of MiB), so saving it at
// every checkpoint (once a second) wrote gigabytes more than the output itself (n = 8192 under 256 MiB: 7.7 GiB
// written for a 0.5 GiB output): a save is made only after 20 times as long as the last one took, which keeps them
// within 5% of the run, and a tile's end is always recorded.
class PartialSaves {
public:
    bool worth_it() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_end_).count() >=
               20 * last_seconds_;
    }
    void saved(std::chrono::steady_clock::time_point begin) {
        last_end_ = std::chrono::steady_clock::now();
        last_seconds_ = std::chrono::duration<double>(last_end_ - begin).count();
    }

private:
    std::chrono::steady_clock::time_point last_end_ = std::chrono::steady_clock::now();
    double last_seconds_ = 0;
};

// C (the slab's rows x columns, row-major) = or += left panel · right panel, in a fixed grid of sub-blocks: each
// sub-block of C is one BLAS call per slab, whatever the number of threads. Threads take the blocks in row order, so
// that after a tile was written out (`written`, still writing) the first blocks wait least.
void multiply_slab(const plan::StreamedGemm& gemm, const SlabShape& slab, const Panels& panels, double* c,
                   bool accumulate, BandWriter* written) {
    const Extent rows = slab.rows.length(), columns = slab.columns.length(), depth = slab.depth.length();
    const plan::GemmGrid grid = plan::gemm_grid(rows, columns);
    const Extent blocks = grid.row_blocks * grid.column_blocks;
    const double* left = panels.left.data();
    const double* right = panels.same ? left : panels.right.data();
    std::atomic<Extent> next_block{0};
    auto work = [&] {
        for (Extent block = next_block++; block < blocks; block = next_block++) {
            const Extent first_row = block / grid.column_blocks * grid.block_rows;
            const Extent first_column = block % grid.column_blocks * grid.block_columns;
            const Extent m = std::min(grid.block_rows, rows - first_row);
            const Extent n = std::min(grid.block_columns, columns - first_column);
            if (written) written->wait_for((first_row + m - 1) * columns + first_column + n);
            const kernels::StridedMatrix a = gemm.left_transposed
                                                 ? kernels::StridedMatrix{left + first_row, rows, true}
                                                 : kernels::StridedMatrix{left + first_row * depth, depth, false};
            const kernels::StridedMatrix b = gemm.right_transposed
                                                 ? kernels::StridedMatrix{right + first_column * depth, depth, true}
                                                 : kernels::StridedMatrix{right + first_column, columns, false};
            kernels::gemm_update(m, n, depth, a, b, c + first_row * columns + first_column, columns, accumulate);
        }
    };
    // Plain threads, joined here: their start and join order every access for ThreadSanitizer too (TBB's own
    // task hand-offs are invisible to it: tbb::parallel_for here showed 14 reports inside TBB's task objects).
    // Nothing in `work` throws (BLAS, waiting for bands written), so no exception crosses a thread.
    const auto workers = std::min<Extent>(blocks, tbb::this_task_arena::max_concurrency());
    std::vector<std::thread> helpers;
    for (Extent worker = 1; worker < workers; ++worker) helpers.emplace_back(work);
    work();
    for (std::thread& helper : helpers) helper.join();
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
                       const OutputCheckpoints* recording, std::optional<Range> share) {
    auto writer_it = bindings.outputs.find(output.name);
    TILESUM_ASSERT(writer_it != bindings.outputs.end() && writer_it->second);
    TensorWriter& writer = *writer_it->second;
    const Extent slabs = output.tiling.slab_count();
    // An MPI rank's share (run_output): its output tiles only, each with all its slabs.
    const Extent tile_count = share ? share->end * slabs : output.tiling.tile_count();
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
            recording->checkpoints.load(Checkpoints::partial_key(recording->output, start.tiles, start.slabs), c.data(),
                                        static_cast<std::size_t>(slab.rows.length() * slab.columns.length()));
        }
        progress.tiles_done += first_tile;
        stats.tiles_resumed += first_tile;
    }
    if (share) {
        TILESUM_ASSERT(first_tile == 0);  // a share never resumes
        first_tile = share->begin * slabs;
    }

    PartialSaves partial_saves;
    // The next slab's panels are read on another thread while this one multiplies, and a finished C is written on a
    // third. Declared after the buffers: pending reads and writes are waited for (the futures' destructors) before
    // the buffers are freed, also when a slab throws.
    std::future<void> reading;
    BandWriter band_writer;
    auto read_async = [&](Extent index) {
        return std::async(std::launch::async, [&, index] {
            read_panels(gemm, slab_shape(output, gemm, index), bindings, panels[index % 2]);
        });
    };
    if (first_tile < tile_count) reading = read_async(first_tile);
    for (Extent index = first_tile; index < tile_count; ++index) {
        reading.get();
        if (control.interrupted && control.interrupted->load()) {
            band_writer.finish();
            fail(ErrorKind::interrupted, "interrupted after " + std::to_string(progress.tiles_done) + " of " +
                                             std::to_string(progress.tiles_total) + " tiles; no output was written");
        }
        if (index + 1 < tile_count) reading = read_async(index + 1);
        const SlabShape slab = slab_shape(output, gemm, index);
        const Extent slab_index = index % slabs, output_tile = index / slabs;
        const Extent elements = slab.rows.length() * slab.columns.length();
        // The first slab of a tile overwrites C (beta = 0) as the previous tile's bands are written out.
        multiply_slab(gemm, slab, panels[index % 2], c.data(), slab_index > 0,
                      slab_index == 0 && band_writer.pending() ? &band_writer : nullptr);
        band_writer.finish();  // every tile before this one is written
        stats.flops += 2.0 * static_cast<double>(elements) * static_cast<double>(slab.depth.length());
        const bool last_slab = slab_index == slabs - 1;
        if (last_slab) band_writer.start(writer, slab.rows, slab.columns, c.data());
        ++progress.tiles_done;
        if (recording && recording->checkpoints.due()) {
            if (last_slab) {  // this tile is still being written
                recording->checkpoints.output_checkpoint(recording->output, output_tile);
            } else if (partial_saves.worth_it()) {
                const auto begin = std::chrono::steady_clock::now();
                recording->checkpoints.output_checkpoint(recording->output, output_tile, slab_index + 1, c.data(),
                                                         nullptr, static_cast<std::size_t>(elements));
                partial_saves.saved(begin);
            }
        }
        if (control.on_progress) control.on_progress(progress);
    }
    band_writer.finish();
    if (recording) recording->checkpoints.output_checkpoint(recording->output, output.tiling.output_tile_count());
}

}  // namespace tilesum::exec
