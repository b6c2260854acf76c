#include "engine/plan/tile_output.hpp"

#include <algorithm>

#include "engine/common/bytes.hpp"
#include "engine/plan/choose_schedule.hpp"
#include "engine/plan/chunk_alignment.hpp"
#include "engine/plan/cost_model.hpp"
#include "engine/plan/cuttable.hpp"
#include "engine/plan/streamed_gemm.hpp"
#include "engine/plan/tile_sizes.hpp"

namespace tilesum::plan {

namespace {

// A matrix product of two inputs whose tiles fit as a streamed GEMM runs as one (streamed_gemm.hpp, the executor's
// exec/gemm_run.cpp applies the same test): its C tile and two slabs' panels in the arena, so two slabs in flight
// (one multiplying, one being read), each counted with half of C.
bool plan_streamed_gemm(const Cuttable& cuttable, const Shape& sizes, const PlanOptions& options, OutputPlan& output) {
    if (!streamed_gemm(*cuttable.root)) return false;
    const std::size_t bytes = streamed_gemm_bytes(sizes[0], sizes[1], std::min(sizes[2], cuttable.extents[2]));
    if (bytes > options.budget_bytes) return false;
    output.tiles_in_flight = static_cast<int>(std::min<Extent>(2, output.tiling.tile_count()));
    output.peak_bytes = bytes / static_cast<std::size_t>(output.tiles_in_flight);
    return true;
}

}  // namespace

Fit<TiledRoot> tile_root(const std::string& name, const expr::NodePtr& root, Strategy strategy,
                         const PlanOptions& options, std::set<char>& forced_used) {
    TiledRoot result;
    OutputPlan& output = result.output;
    output.name = name;
    output.root = root;
    output.strategy = strategy;

    const Cuttable cuttable = Cuttable::of(*root);
    Shape sizes = cuttable.extents;
    for (std::size_t axis = 0; axis < sizes.size(); ++axis) {
        const char label = cuttable.label(axis);
        auto it = options.forced_tiles.find(label);
        if (label == '\0' || it == options.forced_tiles.end()) continue;
        sizes[axis] = std::clamp<Extent>(it->second, 1, std::max<Extent>(cuttable.extents[axis], 1));
        forced_used.insert(label);
        output.forced = true;
    }
    if (output.forced) {
        // The contraction paths best for the forced tile's extents, not the full ones.
        const eval::TileSpec first = cuttable.first_tile(sizes);
        result.schedule = choose_schedule(root, options.budget_bytes, &first);
    } else {
        result.schedule = choose_schedule(root, options.budget_bytes);
        Fit<Shape> chosen = choose_tile_sizes(cuttable, name, options.budget_bytes, result.schedule, options.machine);
        if (!chosen.fits()) return chosen.no_fit();
        // Then onto chunk boundaries of the inputs (only ever smaller, so still within the budget).
        const ChunkAlignment aligned = align_to_chunks(
            CutAxes{cuttable.root, cuttable.extents, cuttable.output_rank, cuttable.summed_labels}, chosen.value());
        sizes = aligned.sizes;
        output.chunk_note = aligned.note(0, cuttable.output_rank);
        output.summed_chunk_note = aligned.note(cuttable.output_rank, sizes.size());
    }
    // Sizes stay at least 1 while cutting; an output axis of extent 0 is one empty tile of size 0 (as printed).
    for (std::size_t axis = 0; axis < cuttable.output_rank; ++axis)
        sizes[axis] = std::min(sizes[axis], cuttable.extents[axis]);
    output.tiling = cuttable.tiling(sizes);
    if (plan_streamed_gemm(cuttable, sizes, options, output)) {
        estimate_totals(cuttable, sizes, output, result.schedule);
        output.predicted_seconds = cost::streamed_gemm_seconds(output, options.machine);
        return result;
    }
    const std::size_t tile_bytes = cuttable.tile_bytes(sizes, result.schedule);
    const std::size_t partial_sum_bytes = cuttable.partial_sum_bytes(sizes);
    if (output.forced && tile_bytes + partial_sum_bytes > options.budget_bytes)
        return NoFit{"forced tile " + tile_text(cuttable, sizes) + " of output '" + name + "' needs " +
                     format_bytes(static_cast<double>(tile_bytes + partial_sum_bytes)) +
                     ", more than the memory budget " + format_bytes(static_cast<double>(options.budget_bytes)) +
                     "; use a smaller --tile or --memory " + format_size_option(tile_bytes + partial_sum_bytes)};
    // The partial sum is held once, beside the tiles in flight; each tile's peak counts its share of it, so that
    // tiles in flight x peak bytes stays within the budget.
    const std::size_t beside_partial_sum =
        options.budget_bytes > partial_sum_bytes ? options.budget_bytes - partial_sum_bytes : 0;
    output.tiles_in_flight =
        cost::tiles_in_flight(beside_partial_sum, tile_bytes, options.threads, output.tiling.tile_count());
    output.peak_bytes = tile_bytes + partial_sum_bytes / static_cast<std::size_t>(output.tiles_in_flight);
    estimate_totals(cuttable, sizes, output, result.schedule);
    output.predicted_seconds = cost::seconds(output, options.machine, options.threads);
    return result;
}

}  // namespace tilesum::plan
