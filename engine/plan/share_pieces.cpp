#include "engine/plan/share_pieces.hpp"

#include <map>
#include <set>

namespace tilesum::plan {

namespace {

bool reads_a_piece(const Term& term) {
    for (const expr::NodePtr& input : term.inputs)
        if (input->piece) return true;
    return false;
}

std::string summed_labels(const Term& term) {
    std::string summed;
    for (const std::string& labels : term.operand_labels)
        for (char label : labels)
            if (term.output_labels.find(label) == std::string::npos) summed += label;
    return summed;
}

// Whether `term` could become a piece of its own: over inputs only, summing something, no index forced by --tile.
bool could_be_piece(const Term& term, const std::string& forced_labels) {
    const std::string summed = summed_labels(term);
    return !reads_a_piece(term) && !summed.empty() && summed.find_first_of(forced_labels) == std::string::npos;
}

// How many readers that could share a pass each input has: every piece reading it, and every output with a term
// that could be a piece reading it directly.
std::map<std::string, int> readers_of_inputs(const SharedTerms& shared, const std::string& forced_labels) {
    std::map<std::string, int> readers;
    for (const SharedPiece& piece : shared.registry.pieces()) {
        std::set<std::string> names;
        for (const expr::NodePtr& operand : piece.definition->operands)
            if (operand->kind == expr::NodeKind::input && !operand->piece) names.insert(operand->name);
        for (const std::string& name : names) ++readers[name];
    }
    for (const auto& terms : shared.expanded) {
        if (!terms) continue;
        std::set<std::string> names;
        for (const Term& term : *terms)
            if (could_be_piece(term, forced_labels))
                for (const expr::NodePtr& input : term.inputs) names.insert(input->name);
        for (const std::string& name : names) ++readers[name];
    }
    return readers;
}

// A term of inputs only, that reduces and reads an input that a piece or another such term reads too, becomes a
// piece of its own (when the output fits among the pieces): pieces reading one input share one pass over it
// (fuse.hpp), so the
// centred covariance's Σ_n X_ni X_nj is summed in the same pass over X as its column sums, and two outputs
// reading one large input read it once. The output is then a sum of terms over pieces.
void hoist_terms_sharing_inputs(SharedTerms& shared, const std::string& forced_labels) {
    const std::map<std::string, int> readers = readers_of_inputs(shared, forced_labels);
    for (auto& terms : shared.expanded) {
        if (!terms) continue;
        for (Term& term : *terms) {
            if (!could_be_piece(term, forced_labels)) continue;
            bool shares_an_input = false;
            for (const expr::NodePtr& input : term.inputs)
                shares_an_input = shares_an_input || readers.at(input->name) > 1;
            if (!shares_an_input) continue;
            if (auto piece = shared.registry.whole_term_piece(term))
                term = Term{term.coefficient, {*piece}, {term.output_labels}, term.output_labels};
        }
        *terms = merge_identical(*terms);
    }
}

}  // namespace

SharedTerms share_pieces(const ExpandedOutputs& expanded, std::size_t piece_budget_bytes, PiecePolicy policy,
                         const std::string& forced_labels) {
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
    hoist_terms_sharing_inputs(shared, forced_labels);
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
