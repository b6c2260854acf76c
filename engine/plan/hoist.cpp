#include "engine/plan/hoist.hpp"

#include "engine/common/error.hpp"
#include "engine/expr/build.hpp"
#include "engine/plan/contraction_path.hpp"

namespace tilesum::plan {

namespace {

// One operand of a term while its path is replayed: the inputs (and pieces) it is made of.
struct Item {
    std::vector<expr::NodePtr> leaves;
    std::vector<std::string> leaf_labels;
    std::string labels;  // the labels it has at this point of the path
    bool is_leaf() const { return leaves.size() == 1; }
};

std::map<char, Extent> extents_of(const Term& term) { return expr::label_extents(term.operand_labels, term.inputs); }

double elements(const std::string& labels, const std::map<char, Extent>& extents) {
    double count = 1;
    for (char label : labels) count *= static_cast<double>(extents.at(label));
    return count;
}

// The kept labels of contracting items `first` and `second`: those the output or another item still needs.
std::string kept_labels(const std::vector<Item>& items, std::size_t first, std::size_t second,
                        const std::string& output) {
    std::string needed = output;
    for (std::size_t other = 0; other < items.size(); ++other)
        if (other != first && other != second) needed += items[other].labels;
    std::string kept;
    for (char label : items[first].labels + items[second].labels)
        if (needed.find(label) != std::string::npos && kept.find(label) == std::string::npos) kept += label;
    return kept;
}

// The labels of operand `position` that no other operand and not the output has: what a one-input reduction of
// it sums before any pairwise step (a column sum, a trace, a norm's inner sum).
std::string private_labels(const Term& term, std::size_t position) {
    std::string others = term.output_labels;
    for (std::size_t other = 0; other < term.operand_labels.size(); ++other)
        if (other != position) others += term.operand_labels[other];
    std::string summed;
    for (char label : term.operand_labels[position])
        if (others.find(label) == std::string::npos && summed.find(label) == std::string::npos) summed += label;
    return summed;
}

// The one-input reduction of operand `position` as a term of its own: the operand's labels without its private
// ones, in order.
Term reduction_of(const Term& term, std::size_t position, const std::string& summed) {
    std::string kept;
    for (char label : term.operand_labels[position])
        if (summed.find(label) == std::string::npos && kept.find(label) == std::string::npos) kept += label;
    return Term{1.0, {term.inputs[position]}, {term.operand_labels[position]}, kept};
}

std::vector<Item> initial_items(const Term& term) {
    std::vector<Item> items;
    for (std::size_t position = 0; position < term.inputs.size(); ++position)
        items.push_back(Item{{term.inputs[position]}, {term.operand_labels[position]}, term.operand_labels[position]});
    return items;
}

}  // namespace

void PieceRegistry::count(const Term& term) {
    if (term.inputs.size() < 2) return;
    for (std::size_t position = 0; position < term.inputs.size(); ++position)
        if (const std::string summed = private_labels(term, position); !summed.empty())
            ++occurrences_[canonical_key(reduction_of(term, position, summed))];
    if (term.inputs.size() < 3) return;
    const std::vector<Item> items = initial_items(term);
    for (const auto& [first, second] : choose_path(term.operand_labels, term.output_labels, extents_of(term))) {
        if (second >= items.size()) continue;  // a step on an earlier step's result: not two inputs
        const std::string kept = kept_labels(items, first, second, term.output_labels);
        Term step{
            1.0, {items[first].leaves[0], items[second].leaves[0]}, {items[first].labels, items[second].labels}, kept};
        ++occurrences_[canonical_key(step)];
    }
}

std::optional<std::size_t> PieceRegistry::piece_for(const Term& step, bool independent) {
    const std::string key = canonical_key(step);
    if (auto known = by_key_.find(key); known != by_key_.end()) return known->second;
    const bool worth_it = policy_ == PiecePolicy::every_reduction || independent || occurrences_[key] > 1;
    const std::size_t bytes = static_cast<std::size_t>(elements(step.output_labels, extents_of(step))) * sizeof(double);
    if (!worth_it || bytes_ + bytes > byte_limit_) return std::nullopt;
    std::vector<expr::Operand> operands;
    for (const expr::NodePtr& input : step.inputs) operands.push_back({input, input->name, std::nullopt});
    SharedPiece piece;
    piece.definition = expr::make_einsum(step.operand_labels, step.output_labels, operands, std::nullopt);
    auto input = std::make_shared<expr::Node>(*expr::make_input(std::string("~").append(std::to_string(pieces_.size())),
                                                                piece.definition->shape, DType::f64));
    input->piece = true;
    piece.input = std::move(input);
    piece.bytes = bytes;
    bytes_ += bytes;
    by_key_.emplace(key, pieces_.size());
    pieces_.push_back(std::move(piece));
    return pieces_.size() - 1;
}

std::optional<expr::NodePtr> PieceRegistry::whole_term_piece(const Term& term) {
    Term step = term;
    step.coefficient = 1.0;
    if (auto piece = piece_for(step, true)) return pieces_[*piece].input;
    return std::nullopt;
}

bool PieceRegistry::independent_of_output(const std::string& kept, const Term& term) {
    for (char label : kept)
        if (term.output_labels.find(label) != std::string::npos) return false;
    return true;
}

Term PieceRegistry::hoist(const Term& term) {
    if (term.inputs.size() < 2) return term;
    const std::map<char, Extent> extents = extents_of(term);
    std::vector<Item> items = initial_items(term);

    // One-input reductions first: an operand's private labels are summed before any pairwise step would read it.
    for (std::size_t position = 0; position < term.inputs.size(); ++position) {
        const std::string summed = private_labels(term, position);
        if (summed.empty()) continue;
        const Term step = reduction_of(term, position, summed);
        if (elements(step.output_labels, extents) >= elements(term.operand_labels[position], extents)) continue;
        if (auto piece = piece_for(step, independent_of_output(step.output_labels, term)))
            items[position] = Item{{pieces_[*piece].input}, {step.output_labels}, step.output_labels};
    }

    for (const auto& [first, second] : choose_path(term.operand_labels, term.output_labels, extents)) {
        const Item& left = items[first];
        const Item& right = items[second];
        const std::string kept = kept_labels(items, first, second, term.output_labels);
        const bool independent = independent_of_output(kept, term);

        const double kept_elements = elements(kept, extents);
        const bool reduces = kept_elements < std::max(elements(left.labels, extents), elements(right.labels, extents));

        Item merged;
        // (The last step makes the term itself: a piece there would only copy it.)
        if (items.size() > 2 && left.is_leaf() && right.is_leaf() && reduces) {
            const Term step{1.0, {left.leaves[0], right.leaves[0]}, {left.labels, right.labels}, kept};
            if (auto piece = piece_for(step, independent)) merged = Item{{pieces_[*piece].input}, {kept}, kept};
        }
        if (merged.leaves.empty()) {  // not hoisted: the operands stay in the term
            merged.leaves = left.leaves;
            merged.leaf_labels = left.leaf_labels;
            merged.leaves.insert(merged.leaves.end(), right.leaves.begin(), right.leaves.end());
            merged.leaf_labels.insert(merged.leaf_labels.end(), right.leaf_labels.begin(), right.leaf_labels.end());
            merged.labels = kept;
        }
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(first));
        items.push_back(std::move(merged));
    }
    TILESUM_ASSERT(items.size() == 1);
    Term hoisted = term;
    hoisted.inputs = items[0].leaves;
    hoisted.operand_labels = items[0].leaf_labels;
    return hoisted;
}

}  // namespace tilesum::plan
