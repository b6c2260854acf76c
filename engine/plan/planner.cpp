// make_plan: the planner's passes in order. Expand choice (expand_outputs.hpp), shared pieces (share_pieces.hpp)
// under both piece policies, and for each: strategy choice per output (choose_strategy.hpp), which tiles the
// candidates (tile_output.hpp: contraction paths, tile sizes), the pieces the outputs read, tiled alike, fused passes
// over shared inputs (fuse.hpp), and the chunk caches the tiles leave room for (chunk_cache_budget.hpp). Every pass
// prices with the one cost model (cost_model.hpp). A candidate that does not fit the budget is a return value
// (fit.hpp); only when nothing fits does it become the user's error.
#include <set>

#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/plan/choose_strategy.hpp"
#include "engine/plan/chunk_cache_budget.hpp"
#include "engine/plan/expand_outputs.hpp"
#include "engine/plan/fuse.hpp"
#include "engine/plan/plan.hpp"
#include "engine/plan/share_pieces.hpp"
#include "engine/plan/spill.hpp"
#include "engine/plan/tile_output.hpp"

namespace tilesum::plan {

namespace {

// Fused passes replace their members' own passes.
double total_predicted_seconds(const Plan& plan) {
    double seconds = 0;
    for (const OutputPlan& piece : plan.pieces) seconds += piece.predicted_seconds;
    for (const FusedPass& pass : plan.passes) seconds += pass.predicted_seconds - pass.separate_seconds;
    for (const OutputPlan& output : plan.outputs) seconds += output.predicted_seconds;
    return seconds;
}

// Tiles every output and piece within what the pieces and `cache_bytes` of HDF5 chunk caches leave of the budget.
Fit<Plan> plan_tiles(const expr::Program& program, const PlanOptions& options, const ExpandedOutputs& expanded,
                     const SharedTerms& shared, std::size_t cache_bytes, std::set<char>& forced_used) {
    Plan plan;
    plan.budget_bytes = options.budget_bytes;
    plan.threads = options.threads;
    plan.machine = options.machine;
    PlanOptions remaining = options;
    remaining.budget_bytes = options.budget_bytes - shared.registry.bytes() - cache_bytes;

    for (std::size_t index = 0; index < program.outputs.size(); ++index) {
        Fit<TiledRoot> chosen = choose_strategy(program.outputs[index], shared.expanded[index], expanded.terms[index],
                                                expanded.why_not[index], remaining, forced_used);
        if (!chosen.fits()) return chosen.no_fit();
        plan.schedule.paths.insert(chosen.value().schedule.paths.begin(), chosen.value().schedule.paths.end());
        plan.outputs.push_back(std::move(chosen.value().output));
    }

    // The pieces the chosen plans read, tiled like outputs (forced tile sizes name the user's indices, not theirs).
    PlanOptions for_pieces = remaining;
    for_pieces.forced_tiles.clear();
    std::set<char> unused;
    for (const SharedPiece* piece : pieces_in_use(shared.registry, plan.outputs)) {
        Fit<TiledRoot> planned = tile_root(piece->input->name, piece->definition, Strategy::tile, for_pieces, unused);
        if (!planned.fits()) return planned.no_fit();
        plan.schedule.paths.insert(planned.value().schedule.paths.begin(), planned.value().schedule.paths.end());
        plan.pieces.push_back(std::move(planned.value().output));
        plan.piece_bytes += piece->bytes;
    }
    fuse_pieces(plan, for_pieces);
    return plan;
}

// The plan of the outputs with the pieces of one policy, its tiles and chunk caches settled within the budget.
Fit<Plan> plan_shared(const expr::Program& program, const PlanOptions& options, const ExpandedOutputs& expanded,
                      const SharedTerms& shared, std::set<char>& forced_used) {
    return plan_with_chunk_caches(program, options.budget_bytes, shared.registry.bytes(), options.chunk_caches,
                                  [&](std::size_t cache_bytes) {
                                      return plan_tiles(program, options, expanded, shared, cache_bytes, forced_used);
                                  });
}

// The plan of the program as given, every intermediate computed where it is read (no spills).
Fit<Plan> plan_in_memory(const expr::Program& program, const PlanOptions& options, std::set<char>& forced_used) {
    const ExpandedOutputs expanded = expand_outputs(program, options.strategy);
    // Pieces are held in memory within a quarter of the budget.
    const std::size_t piece_budget_bytes = options.budget_bytes / 4;
    std::string forced_labels;
    for (const auto& [label, size] : options.forced_tiles) forced_labels += label;
    const SharedTerms few_pieces =
        share_pieces(expanded, piece_budget_bytes, PiecePolicy::independent_or_shared, forced_labels);
    Fit<Plan> plan = plan_shared(program, options, expanded, few_pieces, forced_used);
    if (!plan.fits()) return plan;
    // The other piece policy, sized only when it makes other pieces, and kept when predicted faster (its pieces
    // read inputs in their own best order).
    const SharedTerms every_piece =
        share_pieces(expanded, piece_budget_bytes, PiecePolicy::every_reduction, forced_labels);
    if (every_piece.registry.pieces().size() != few_pieces.registry.pieces().size()) {
        std::set<char> other_forced_used;
        Fit<Plan> other = plan_shared(program, options, expanded, every_piece, other_forced_used);
        if (!other.fits()) return other;
        if (total_predicted_seconds(other.value()) < total_predicted_seconds(plan.value())) plan = std::move(other);
    }

    return plan;
}

}  // namespace

Plan make_plan(const expr::Program& program, const PlanOptions& options) {
    TILESUM_ASSERT(options.threads >= 1);
    if (options.budget_bytes < options.minimum_budget)
        fail(ErrorKind::resource, "memory budget " + format_bytes(static_cast<double>(options.budget_bytes)) +
                                      " is too small: the smallest budget tilesum accepts is --memory " +
                                      format_size_option(options.minimum_budget));
    std::set<char> forced_used;
    Fit<Plan> in_memory = plan_in_memory(program, options, forced_used);
    Plan plan = plan_with_spills(program, std::move(in_memory), forced_used,
                                 [&options](const expr::Program& variant, std::set<char>& used) {
                                     return plan_in_memory(variant, options, used);
                                 })
                    .value_or_fail();
    for (const auto& [label, size] : options.forced_tiles) {
        if (forced_used.count(label)) continue;
        std::string known;
        for (const OutputPlan& output : plan.outputs)
            for (char axis_label : output.root->axis_labels)
                if (axis_label && known.find(axis_label) == std::string::npos) known += axis_label;
        fail(ErrorKind::usage, std::string("--tile ") + label + "=" + std::to_string(size) +
                                   ": no output has an index '" + label +
                                   "' (output indices: " + (known.empty() ? "none" : known) + ")");
    }
    return plan;
}

}  // namespace tilesum::plan
