#include "engine/plan/choose_strategy.hpp"

#include <algorithm>
#include <cmath>

namespace tilesum::plan {

namespace {

// Predictions closer than 5% are within the cost model's error (both are then mostly fixed overheads): the plan
// that does less work, fewer flops and bytes, is the better bet there.
bool predicted_better(const OutputPlan& candidate, const OutputPlan& best) {
    const double margin = 0.05 * std::max(candidate.predicted_seconds, best.predicted_seconds);
    if (std::abs(candidate.predicted_seconds - best.predicted_seconds) > margin)
        return candidate.predicted_seconds < best.predicted_seconds;
    return candidate.flops + candidate.bytes_read < best.flops + best.bytes_read;
}

Candidate summarize(const OutputPlan& output) {
    return Candidate{output.strategy,         true, "", output.flops, output.bytes_read, output.peak_bytes,
                     output.predicted_seconds};
}

}  // namespace

const char* strategy_name(Strategy strategy) {
    switch (strategy) {
        case Strategy::automatic: return "auto";
        case Strategy::expand: return "expand";
        case Strategy::tile: return "tile";
    }
    return "?";
}

Fit<TiledRoot> choose_strategy(const expr::NamedNode& named, const std::optional<std::vector<Term>>& expanded,
                               const std::optional<std::vector<Term>>& terms, const std::string& why_not_expanded,
                               const PlanOptions& options, std::set<char>& forced_used) {
    std::vector<Candidate> considered;
    std::optional<TiledRoot> best;
    std::optional<NoFit> first_no_fit;
    auto consider = [&](Strategy strategy, const expr::NodePtr& root, std::vector<Term> candidate_terms) {
        Fit<TiledRoot> candidate = tile_root(named.name, root, strategy, options, forced_used);
        if (!candidate.fits()) {
            considered.push_back(Candidate{strategy, false, candidate.why_not(), 0, 0, 0, 0});
            if (!first_no_fit) first_no_fit = candidate.no_fit();
            return;
        }
        candidate.value().output.terms = std::move(candidate_terms);
        considered.push_back(summarize(candidate.value().output));
        if (!best || predicted_better(candidate.value().output, best->output)) best = std::move(candidate.value());
    };

    std::string fallback_note;
    if (options.strategy != Strategy::tile) {
        if (expanded) {
            consider(Strategy::expand, terms_to_node(*expanded, *named.node), *terms);
        } else {
            std::string why = "cannot expand: ";
            why += why_not_expanded;
            considered.push_back(Candidate{Strategy::expand, false, why, 0, 0, 0, 0});
            // --strategy expand asks for every output that can be expanded; this one is evaluated as written.
            if (options.strategy == Strategy::expand)
                fallback_note = "--strategy expand " + why + "; planned as written";
        }
    }
    if (options.strategy != Strategy::expand || !fallback_note.empty()) consider(Strategy::tile, named.node, {});
    if (!best) return *first_no_fit;
    best->output.considered = std::move(considered);
    best->output.strategy_note = std::move(fallback_note);
    return std::move(*best);
}

}  // namespace tilesum::plan
