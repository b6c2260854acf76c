#include "engine/plan/share_pieces.hpp"

namespace tilesum::plan {

SharedTerms share_pieces(const ExpandedOutputs& expanded, std::size_t piece_budget_bytes, PiecePolicy policy) {
    SharedTerms shared{PieceRegistry(piece_budget_bytes, policy), {}};
    // Every term counted first, so that a step several terms or outputs share is known to be shared.
    for (const auto& output_terms : expanded.terms)
        if (output_terms)
            for (const Term& term : *output_terms) shared.registry.count(term);
    for (const auto& output_terms : expanded.terms) {
        shared.expanded.push_back(output_terms);
        if (shared.expanded.back())
            for (Term& term : *shared.expanded.back()) term = shared.registry.hoist(term);
    }
    return shared;
}

std::vector<const SharedPiece*> pieces_in_use(const PieceRegistry& registry, const std::vector<OutputPlan>& outputs) {
    std::vector<expr::NodePtr> roots;
    for (const OutputPlan& output : outputs) roots.push_back(output.root);
    std::vector<bool> used(registry.pieces().size(), false);
    auto mark = [&](const std::vector<expr::NodePtr>& from) {
        for (const expr::Node* node : expr::topological_order(from))
            for (std::size_t index = 0; index < registry.pieces().size(); ++index)
                if (registry.pieces()[index].input.get() == node) used[index] = true;
    };
    mark(roots);
    for (std::size_t index = registry.pieces().size(); index-- > 0;)  // pieces only read earlier pieces
        if (used[index]) mark({registry.pieces()[index].definition});
    std::vector<const SharedPiece*> result;
    for (std::size_t index = 0; index < used.size(); ++index)
        if (used[index]) result.push_back(&registry.pieces()[index]);
    return result;
}

}  // namespace tilesum::plan
