#include "engine/exec/executor.hpp"

#include <tbb/global_control.h>

#include <memory>
#include <optional>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/exec/checkpoints.hpp"
#include "engine/exec/memory_tensor.hpp"
#include "engine/exec/output_run.hpp"
#include "engine/exec/pass_run.hpp"
#include "engine/kernels/block_ops.hpp"

namespace tilesum::exec {

RunStats execute(const plan::Plan& plan, const Bindings& bindings, const RunControl& control) {
    kernels::use_single_threaded_blas();
    tbb::global_control thread_limit(tbb::global_control::max_allowed_parallelism,
                                     static_cast<std::size_t>(plan.threads));
    // Shared pieces and HDF5's chunk caches live outside the arena, so the arena gets what the plan left for tiles.
    TILESUM_ASSERT(plan.piece_bytes + plan.chunk_cache_total_bytes <= plan.budget_bytes);
    eval::Arena arena(plan.budget_bytes - plan.piece_bytes - plan.chunk_cache_total_bytes, eval::Arena::Mode::real);
    // Pieces run alone or in fused passes, in the plan's order; without one (plans made by hand), alone in order.
    std::vector<plan::Plan::PieceStep> steps = plan.piece_steps;
    if (steps.empty())
        for (std::size_t piece = 0; piece < plan.pieces.size(); ++piece) steps.push_back({false, piece});
    Progress progress;
    for (const plan::Plan::PieceStep& step : steps)
        progress.tiles_total += step.fused ? plan.passes[step.index].tile_count()
                                           : plan.pieces[step.index].tiling.tile_count();
    TILESUM_ASSERT(control.output_tiles.empty() || control.output_tiles.size() == plan.outputs.size());
    // An MPI rank's share of each output (RunControl::output_tiles); none: every tile, as a run alone.
    auto share_of = [&](std::size_t output) -> std::optional<Range> {
        if (control.output_tiles.empty()) return std::nullopt;
        return control.output_tiles[output];
    };
    for (std::size_t output = 0; output < plan.outputs.size(); ++output) {
        const std::optional<Range> share = share_of(output);
        const plan::Tiling& tiling = plan.outputs[output].tiling;
        progress.tiles_total += share ? share->length() * tiling.slab_count() : tiling.tile_count();
    }
    RunStats stats;
    stats.tiles_total = progress.tiles_total;

    // Pieces first, each into memory (zeros, which fused passes add into), then readable by later pieces and the
    // outputs under its name.
    Bindings with_pieces = bindings;
    std::vector<std::unique_ptr<MemoryTensor>> pieces;
    for (const plan::OutputPlan& piece : plan.pieces) {
        pieces.push_back(std::make_unique<MemoryTensor>(piece.root->shape));
        with_pieces.outputs[piece.name] = pieces.back().get();
    }
    Checkpoints checkpoints(control.checkpoints, steps.size(), plan.outputs.size());
    for (std::size_t step_index = 0; step_index < steps.size(); ++step_index) {
        const plan::Plan::PieceStep& step = steps[step_index];
        std::vector<std::size_t> step_pieces;  // the pieces this step computes
        if (step.fused)
            for (const plan::PassMember& member : plan.passes[step.index].members) step_pieces.push_back(member.piece);
        else
            step_pieces.push_back(step.index);
        const StepProgress resumed = checkpoints.resumed().steps[step_index];
        if (resumed.done) {  // an earlier run finished it: its pieces are saved
            for (std::size_t piece : step_pieces)
                checkpoints.load(Checkpoints::piece_key(piece), pieces[piece]->data(), pieces[piece]->values().size());
            const Extent tiles = step.fused ? plan.passes[step.index].tile_count()
                                            : plan.pieces[step.index].tiling.tile_count();
            progress.tiles_done += tiles;
            stats.tiles_resumed += tiles;
        } else if (!step.fused) {
            run_output(plan.pieces[step.index], plan.schedule, with_pieces, arena, progress, control, stats);
        } else {
            const plan::FusedPass& pass = plan.passes[step.index];
            std::vector<MemoryTensor*> results;
            for (std::size_t piece : step_pieces) {
                results.push_back(pieces[piece].get());
                if (resumed.tiles > 0)
                    checkpoints.load(Checkpoints::pass_key(step_index, resumed.tiles, piece), pieces[piece]->data(),
                                     pieces[piece]->values().size());
            }
            progress.tiles_done += resumed.tiles;
            stats.tiles_resumed += resumed.tiles;
            run_pass(pass, plan, with_pieces, results, arena, progress, control, stats,
                     PassCheckpoints{checkpoints, step_index, resumed.tiles});
        }
        std::vector<Checkpoints::Tensor> finished;
        for (std::size_t piece : step_pieces) {
            with_pieces.inputs[plan.pieces[piece].name] = pieces[piece].get();
            finished.push_back(
                {Checkpoints::piece_key(piece), pieces[piece]->values().data(), pieces[piece]->values().size()});
        }
        if (!resumed.done) checkpoints.step_done(step_index, finished);
    }
    // Spilled intermediates go where the caller's bindings say (scratch storage, api/run.cpp); a caller without
    // any (in-memory tests) gets them in memory.
    std::vector<std::unique_ptr<MemoryTensor>> scratch_in_memory;
    for (const plan::OutputPlan& output : plan.outputs) {
        if (!output.scratch || with_pieces.inputs.count(output.name)) continue;
        scratch_in_memory.push_back(std::make_unique<MemoryTensor>(output.root->shape));
        with_pieces.outputs[output.name] = scratch_in_memory.back().get();
        with_pieces.inputs[output.name] = scratch_in_memory.back().get();
    }
    for (std::size_t output = 0; output < plan.outputs.size(); ++output) {
        const OutputCheckpoints recording{checkpoints, output};
        run_output(plan.outputs[output], plan.schedule, with_pieces, arena, progress, control, stats, &recording,
                   share_of(output));
    }
    stats.arena_peak_bytes = arena.peak_bytes();
    return stats;
}

}  // namespace tilesum::exec
