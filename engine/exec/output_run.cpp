#include "engine/exec/output_run.hpp"

#include <algorithm>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/eval/slabs.hpp"
#include "engine/exec/gemm_run.hpp"
#include "engine/exec/tile_pipeline.hpp"
#include "engine/kernels/accurate_sum.hpp"

namespace tilesum::exec {

namespace {

// After tile `index` (the tiling's order) of an output passed the write stage: notes an output tile written, and
// when a record is due, records the written prefix, or the partial sum when a tile is half summed.
void record_output_tile(const OutputCheckpoints& recording, Extent index, Extent slabs, const eval::Block& partial_sum,
                        const double* compensation, std::vector<char>& written, Extent& written_prefix) {
    const Extent output_tile = index / slabs, slab = index % slabs;
    if (slab == slabs - 1) {
        written[static_cast<std::size_t>(output_tile)] = 1;
        while (written_prefix < static_cast<Extent>(written.size()) &&
               written[static_cast<std::size_t>(written_prefix)])
            ++written_prefix;
    }
    if (!recording.checkpoints.due()) return;
    if (slab == slabs - 1) {
        recording.checkpoints.output_checkpoint(recording.output, written_prefix);
        return;
    }
    // Summed slabs arrive in order, so every tile before this one is written.
    TILESUM_ASSERT(written_prefix == output_tile);
    recording.checkpoints.output_checkpoint(recording.output, output_tile, slab + 1, partial_sum.data(), compensation,
                                            static_cast<std::size_t>(element_count(partial_sum.shape)));
}

}  // namespace

void run_output(const plan::OutputPlan& output, const eval::Schedule& schedule, const Bindings& bindings,
                eval::Arena& arena, Progress& progress, const RunControl& control, RunStats& stats,
                const OutputCheckpoints* recording, std::optional<Range> share) {
    if (const std::optional<plan::StreamedGemm> gemm = streamed_gemm_of(output, arena))
        return run_streamed_gemm(output, *gemm, bindings, arena, progress, control, stats, recording, share);
    auto writer_it = bindings.outputs.find(output.name);
    TILESUM_ASSERT(writer_it != bindings.outputs.end() && writer_it->second);
    TensorWriter& writer = *writer_it->second;
    const expr::Node& root = *output.root;
    const Extent slabs = output.tiling.slab_count();
    const bool compensated = eval::compensated_terms(slabs);
    Extent first_tile = 0;
    // Slabs of a reduction arrive in order (serial_in_order) and are added to the first one's buffer, so the
    // sum is formed in the same order whatever the number of threads; a resumed run starts from the saved sum
    // after the same slab, and adds the next ones in the same order: bit-identical. They are added with
    // compensated summation when there are many (eval::compensated_terms), so the error does not grow with the
    // number of slabs; the compensations are saved and resumed with the sum (and counted by the planner:
    // Cuttable::partial_sum_bytes).
    eval::Block partial_sum;
    eval::Block compensation;
    // Tiles of an unsummed output are written out of order: the prefix all written is what gets recorded.
    std::vector<char> written;
    Extent written_prefix = 0;
    if (recording) {
        const OutputProgress start = recording->checkpoints.resumed().outputs.at(recording->output);
        written.assign(static_cast<std::size_t>(output.tiling.output_tile_count()), 0);
        written_prefix = start.tiles;
        first_tile = start.tiles * slabs + start.slabs;
        if (start.slabs > 0) {
            const Shape shape = range_shape(output.tiling.tile(first_tile).ranges);
            const auto count = static_cast<std::size_t>(element_count(shape));
            partial_sum = {arena.allocate(count), shape};
            recording->checkpoints.load(Checkpoints::partial_key(recording->output, start.tiles, start.slabs),
                                        partial_sum.data(), count);
            if (compensated) {
                compensation = {arena.allocate(count), shape};
                recording->checkpoints.load(Checkpoints::compensation_key(recording->output, start.tiles, start.slabs),
                                            compensation.data(), count);
            }
        }
        progress.tiles_done += first_tile;
        stats.tiles_resumed += first_tile;
    }

    if (share) {
        TILESUM_ASSERT(first_tile == 0);  // a share never resumes (the CLI refuses --resume under mpirun)
        first_tile = share->begin * slabs;
    }
    TileStages stages;
    stages.tile_count = share ? share->end * slabs : output.tiling.tile_count();
    stages.tiles_in_flight = output.tiles_in_flight;
    stages.write_in_order = slabs > 1;
    stages.start = [&](Extent next_tile, TileJob& job) {
        TileJob::Tile& tile = job.tiles.emplace_back();
        tile.index = next_tile;
        tile.members.push_back({&root, output.tiling.tile(next_tile)});
        return eval::collect_leaves(root, tile.members.front().tile);
    };
    stages.write = [&](TileJob& job) {
        TileJob::Tile& tile = job.tiles.front();
        eval::Block& result = tile.results.front();
        const Extent slab = tile.index % slabs;
        if (slabs > 1) {
            const Extent elements = element_count(result.shape);
            if (slab == 0) {
                partial_sum = std::move(result);
                if (compensated) {
                    compensation = {arena.allocate(static_cast<std::size_t>(elements)), partial_sum.shape};
                    std::fill(compensation.data(), compensation.data() + elements, 0.0);
                }
            } else if (compensated) {
                kernels::compensated_accumulate(partial_sum.data(), compensation.data(), result.data(), elements);
            } else {
                for (Extent element = 0; element < elements; ++element)
                    partial_sum.data()[element] += result.data()[element];
            }
            result = {};
            if (compensated && slab == slabs - 1)
                kernels::finish_sum(partial_sum.data(), compensation.data(), elements);
        }
        if (slab == slabs - 1) {
            eval::Block& finished = slabs > 1 ? partial_sum : result;
            if (element_count(finished.shape) > 0) writer.write(tile.members.front().tile.ranges, finished.data());
            finished = {};
            compensation = {};
        }
        if (recording)
            record_output_tile(*recording, tile.index, slabs, partial_sum,
                               compensation.buffer ? compensation.data() : nullptr, written, written_prefix);
    };
    run_tiles(stages, first_tile, bindings, schedule, arena, progress, control, stats);
    if (recording) recording->checkpoints.output_checkpoint(recording->output, output.tiling.output_tile_count());
}

}  // namespace tilesum::exec
