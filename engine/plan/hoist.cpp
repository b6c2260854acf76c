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

std::vector<Item> initial_items(const Term& term) {
    std::vector<Item> items;
    for (std::size_t position = 0; position < term.inputs.size(); ++position)
        items.push_back(Item{{term.inputs[position]}, {term.operand_labels[position]}, term.operand_labels[position]});
    return items;
}

}  // namespace

void PieceRegistry::count(const Term& term) {
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

Term PieceRegistry::hoist(const Term& term) {
    if (term.inputs.size() < 2) return term;
    const std::map<char, Extent> extents = extents_of(term);
    std::vector<Item> items = initial_items(term);

    for (const auto& [first, second] : choose_path(term.operand_labels, term.output_labels, extents)) {
        const Item& left = items[first];
        const Item& right = items[second];
        const std::string kept = kept_labels(items, first, second, term.output_labels);
        bool independent = true;
        for (char label : kept) independent = independent && term.output_labels.find(label) == std::string::npos;

        const double kept_elements = elements(kept, extents);
        const bool reduces = kept_elements < std::max(elements(left.labels, extents), elements(right.labels, extents));
        const std::size_t kept_bytes = static_cast<std::size_t>(kept_elements) * sizeof(double);

        Item merged;
        // (The last step makes the term itself: a piece there would only copy it.)
        if (items.size() > 2 && left.is_leaf() && right.is_leaf() && reduces) {
            Term step{1.0, {left.leaves[0], right.leaves[0]}, {left.labels, right.labels}, kept};
            const std::string key = canonical_key(step);
            auto known = by_key_.find(key);
            const bool worth_it = policy_ == PiecePolicy::every_reduction || independent || occurrences_[key] > 1;
            if (known == by_key_.end() && worth_it && bytes_ + kept_bytes <= byte_limit_) {
                SharedPiece piece;
                piece.definition = expr::make_einsum(step.operand_labels, kept,
                                                     {{left.leaves[0], left.leaves[0]->name, std::nullopt},
                                                      {right.leaves[0], right.leaves[0]->name, std::nullopt}},
                                                     std::nullopt);
                auto input = std::make_shared<expr::Node>(
                    *expr::make_input("~" + std::to_string(pieces_.size()), piece.definition->shape, DType::f64));
                input->piece = true;
                piece.input = std::move(input);
                piece.bytes = kept_bytes;
                bytes_ += kept_bytes;
                known = by_key_.emplace(key, pieces_.size()).first;
                pieces_.push_back(std::move(piece));
            }
            if (known != by_key_.end()) merged = Item{{pieces_[known->second].input}, {kept}, kept};
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
