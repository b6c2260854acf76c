#include "engine/plan/expand.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "engine/common/error.hpp"
#include "engine/expr/build.hpp"
#include "engine/expr/printer.hpp"

namespace tilesum::plan {

using expr::Node;
using expr::NodeKind;
using expr::NodePtr;

namespace {

const std::string all_letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// The labels of a term, every distinct one once.
std::string used_labels(const Term& term) {
    std::string used = term.output_labels;
    for (const std::string& labels : term.operand_labels)
        for (char label : labels)
            if (used.find(label) == std::string::npos) used += label;
    return used;
}

bool reads_label(const Term& term, char label) {
    for (const std::string& labels : term.operand_labels)
        if (labels.find(label) != std::string::npos) return true;
    return false;
}

// The output letters of `term` that none of its operands reads: axes it is broadcast along (see expand below).
std::string broadcast_labels(const Term& term) {
    std::string missing;
    for (char label : term.output_labels)
        if (!reads_label(term, label)) missing += label;
    return missing;
}

// Renames `term`: its output labels become `target_output`; every other label a letter not in `taken`
// (which grows). std::nullopt when the letters run out.
std::optional<Term> rename(const Term& term, const std::string& target_output, std::string& taken) {
    std::map<char, char> mapping;
    for (std::size_t axis = 0; axis < term.output_labels.size(); ++axis)
        mapping[term.output_labels[axis]] = target_output[axis];
    for (char label : used_labels(term)) {
        if (mapping.count(label)) continue;
        auto fresh = std::find_if(all_letters.begin(), all_letters.end(),
                                  [&](char letter) { return taken.find(letter) == std::string::npos; });
        if (fresh == all_letters.end()) return std::nullopt;
        mapping[label] = *fresh;
        taken += *fresh;
    }
    Term renamed = term;
    renamed.output_labels = target_output;
    for (std::string& labels : renamed.operand_labels)
        for (char& label : labels) label = mapping.at(label);
    return renamed;
}

// Every combination of one term per factor, each renamed so that its output takes `factor_outputs[f]`; the
// product's operands are concatenated and its output is `output`. A letter summed here (in factor_outputs, not
// in `output`) that no operand of the product reads is a broadcast axis summed over: it multiplies the
// coefficient by its extent, from `extents` (Σ_i x_j = n_i x_j).
std::optional<std::vector<Term>> multiply(const std::vector<std::vector<Term>>& factors,
                                          const std::vector<std::string>& factor_outputs, const std::string& output,
                                          const std::map<char, Extent>& extents) {
    std::size_t combinations = 1;
    for (const auto& terms : factors) {
        combinations *= terms.size();
        if (combinations > max_expanded_terms) return std::nullopt;
    }
    std::vector<Term> products;
    std::vector<std::size_t> choice(factors.size(), 0);
    for (std::size_t combination = 0; combination < combinations; ++combination) {
        std::size_t rest = combination;
        for (std::size_t factor = factors.size(); factor-- > 0;) {
            choice[factor] = rest % factors[factor].size();
            rest /= factors[factor].size();
        }
        Term product;
        product.output_labels = output;
        std::string taken = output;
        for (const std::string& labels : factor_outputs) taken += labels;
        for (std::size_t factor = 0; factor < factors.size(); ++factor) {
            std::optional<Term> renamed = rename(factors[factor][choice[factor]], factor_outputs[factor], taken);
            if (!renamed) return std::nullopt;
            product.coefficient *= renamed->coefficient;
            product.inputs.insert(product.inputs.end(), renamed->inputs.begin(), renamed->inputs.end());
            product.operand_labels.insert(product.operand_labels.end(), renamed->operand_labels.begin(),
                                          renamed->operand_labels.end());
        }
        std::string summed_away;
        for (const std::string& labels : factor_outputs)
            for (char label : labels)
                if (output.find(label) == std::string::npos && summed_away.find(label) == std::string::npos &&
                    !reads_label(product, label))
                    summed_away += label;
        for (char label : summed_away) product.coefficient *= static_cast<double>(extents.at(label));
        products.push_back(std::move(product));
    }
    return products;
}

}  // namespace

// Operands sorted by input name, then labels renamed in order of appearance, output labels first.
std::string canonical_key(const Term& term) {
    std::vector<std::size_t> order(term.inputs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
        if (term.inputs[left]->name != term.inputs[right]->name)
            return term.inputs[left]->name < term.inputs[right]->name;
        return term.operand_labels[left] < term.operand_labels[right];
    });
    std::map<char, char> mapping;
    auto canonical = [&](char label) {
        auto [it, inserted] = mapping.try_emplace(label, all_letters[mapping.size()]);
        return it->second;
    };
    std::string key;
    for (char label : term.output_labels) key += canonical(label);
    key += "<-";
    for (std::size_t position : order) {
        key += term.inputs[position]->name + ":";
        for (char label : term.operand_labels[position]) key += canonical(label);
        key += ";";
    }
    return key;
}

std::vector<Term> merge_identical(const std::vector<Term>& terms) {
    std::vector<Term> merged;
    std::map<std::string, std::size_t> index_of;
    for (const Term& term : terms) {
        auto [it, inserted] = index_of.try_emplace(canonical_key(term), merged.size());
        if (inserted)
            merged.push_back(term);
        else
            merged[it->second].coefficient += term.coefficient;
    }
    std::vector<Term> nonzero;
    for (Term& term : merged)
        if (term.coefficient != 0) nonzero.push_back(std::move(term));
    if (nonzero.empty() && !merged.empty()) nonzero.push_back(merged.front());  // keeps the shape: an all-zero sum
    return nonzero;
}

namespace {

// Broadcasting (numpy's, in sums and elementwise products). A term is one einsum, and an einsum cannot make an
// output axis that none of its operands has: the x of A + x, x of shape (n,) and A (m, n), is x_j repeated
// along i. So, while expanding, a term may carry output letters that none of its operands reads (its
// broadcast_labels): it stands for the einsum over the letters it does read, repeated along the others. Such a
// term becomes an einsum again as soon as a factor supplies the letter (A * x + x inside einsum('ij,ij->', .., B)
// gives x_j B_ij), or when the letter is summed: Σ_i x_j is n_i x_j, a coefficient (see multiply). An axis of
// extent 1 stretched against n gets a letter of its own, summed over its one value, and the stretched axis
// then has no reader either. What is left with such letters at the end is an output that is a broadcast sum
// (A + x as an output): it cannot be written as einsums over inputs, and expand_terms says so; the planner then
// evaluates that output as written. Every term that leaves this file reads all of its output letters.

// `terms` of an operand of shape `from`, aligned numpy's way (on the right) against `to`, whose axes are
// `letters`: each term's output becomes `letters`. An operand axis of the same extent takes the axis' letter; a
// stretched one (extent 1) a fresh letter, summed; the axes the operand lacks or stretches are left unread.
std::optional<std::vector<Term>> broadcast_to(const std::vector<Term>& terms, const Shape& from, const Shape& to,
                                              const std::string& letters) {
    TILESUM_ASSERT(from.size() <= to.size() && letters.size() == to.size());
    if (from == to) return terms;
    const std::size_t offset = to.size() - from.size();
    std::string target, taken = letters;
    for (std::size_t axis = 0; axis < from.size(); ++axis) {
        if (from[axis] == to[offset + axis]) {
            target += letters[offset + axis];
            continue;
        }
        TILESUM_ASSERT(from[axis] == 1);
        auto fresh = std::find_if(all_letters.begin(), all_letters.end(),
                                  [&](char letter) { return taken.find(letter) == std::string::npos; });
        if (fresh == all_letters.end()) return std::nullopt;
        target += *fresh;
        taken += *fresh;
    }
    std::vector<Term> lifted;
    for (const Term& term : terms) {
        std::string term_taken = taken;
        std::optional<Term> renamed = rename(term, target, term_taken);
        if (!renamed) return std::nullopt;
        renamed->output_labels = letters;  // the stretched axes' fresh letters are summed (over one value)
        lifted.push_back(std::move(*renamed));
    }
    return lifted;
}

std::optional<std::vector<Term>> expand(const NodePtr& pointer, FunctionLeaves& leaves) {
    const Node& node = *pointer;
    switch (node.kind) {
        case NodeKind::function: {
            // Not multilinear: a leaf of the expansion, like an input. What is below it is evaluated as written,
            // tile by tile; sums and einsums above it still distribute over it.
            Term term;
            term.inputs = {leaves.leaf(pointer)};
            term.output_labels = all_letters.substr(0, node.shape.size());
            term.operand_labels = {term.output_labels};
            return std::vector<Term>{term};
        }
        case NodeKind::input: {
            Term term;
            term.inputs = {pointer};
            term.output_labels = all_letters.substr(0, node.shape.size());
            term.operand_labels = {term.output_labels};
            return std::vector<Term>{term};
        }
        case NodeKind::lincomb: {
            const std::string output = all_letters.substr(0, node.shape.size());
            std::vector<Term> terms;
            for (std::size_t position = 0; position < node.operands.size(); ++position) {
                auto child = expand(node.operands[position], leaves);
                if (!child) return std::nullopt;
                auto lifted = broadcast_to(*child, node.operands[position]->shape, node.shape, output);
                if (!lifted) return std::nullopt;
                for (Term& term : *lifted) {
                    term.coefficient *= node.coefficients[position];
                    terms.push_back(std::move(term));
                }
                if (terms.size() > max_expanded_terms) return std::nullopt;
            }
            return terms;
        }
        case NodeKind::product: {
            const std::string output = all_letters.substr(0, node.shape.size());
            std::vector<std::vector<Term>> factors;
            for (const NodePtr& operand : node.operands) {
                auto terms = expand(operand, leaves);
                if (!terms) return std::nullopt;
                auto lifted = broadcast_to(*terms, operand->shape, node.shape, output);
                if (!lifted) return std::nullopt;
                factors.push_back(std::move(*lifted));
            }
            return multiply(factors, {output, output}, output, {});
        }
        case NodeKind::einsum: {
            // An einsum node has one extent per letter (expr/einsum_labels.hpp): nothing broadcasts within it.
            std::vector<std::vector<Term>> factors;
            for (const expr::NodePtr& operand : node.operands) {
                auto terms = expand(operand, leaves);
                if (!terms) return std::nullopt;
                factors.push_back(std::move(*terms));
            }
            return multiply(factors, node.operand_labels, node.output_labels,
                            expr::label_extents(node.operand_labels, node.operands));
        }
    }
    return std::nullopt;
}

}  // namespace

bool same_structure(const Node& left, const Node& right) {
    if (&left == &right) return true;
    if (left.kind != right.kind || left.shape != right.shape || left.dtype != right.dtype ||
        left.operands.size() != right.operands.size() || left.operand_labels != right.operand_labels ||
        left.output_labels != right.output_labels || left.coefficients != right.coefficients ||
        left.diagonal_of != right.diagonal_of || left.piece != right.piece)
        return false;
    if (left.kind == NodeKind::input) return left.name == right.name;
    if (left.kind == NodeKind::function &&
        (left.function != right.function || left.parameter != right.parameter || left.constants != right.constants))
        return false;
    for (std::size_t position = 0; position < left.operands.size(); ++position)
        if (!same_structure(*left.operands[position], *right.operands[position])) return false;
    return true;
}

std::vector<const Node*> function_barriers(const Node& root) {
    std::vector<const Node*> found;
    std::vector<const Node*> pending{&root};
    std::set<const Node*> seen;
    while (!pending.empty()) {
        const Node* node = pending.back();
        pending.pop_back();
        if (!seen.insert(node).second) continue;
        if (node->kind == NodeKind::function) {
            found.push_back(node);
            continue;
        }
        // Pushed last to first, so the first operand is visited first.
        for (std::size_t position = node->operands.size(); position-- > 0;)
            pending.push_back(node->operands[position].get());
    }
    return found;
}

NodePtr FunctionLeaves::leaf(const NodePtr& function) {
    if (auto known = leaves_.find(function.get()); known != leaves_.end()) return known->second;
    const std::string text = function->name.empty() ? expr::to_text(*function) : function->name;
    std::vector<NodePtr>& same_text = by_text_[text];
    for (const NodePtr& other : same_text)
        if (same_structure(*other, *function)) return leaves_[function.get()] = other;
    auto leaf = std::make_shared<Node>(*function);
    leaf->name = same_text.empty() ? text : text + "#" + std::to_string(same_text.size() + 1);
    same_text.push_back(leaf);
    keep_.push_back(function);  // the key's node stays alive, so its address is never reused while mapped
    return leaves_[function.get()] = leaf;
}

std::string Term::subscripts() const {
    std::string text;
    for (std::size_t position = 0; position < operand_labels.size(); ++position)
        text += (position ? "," : "") + operand_labels[position];
    return text + "->" + output_labels;
}

std::optional<std::vector<Term>> expand_terms(const NodePtr& node, std::string* why, FunctionLeaves* leaves) {
    FunctionLeaves own;
    auto terms = expand(node, leaves ? *leaves : own);
    if (!terms) {
        if (why) *why = "the expansion exceeds " + std::to_string(max_expanded_terms) + " terms or 52 index letters";
        return std::nullopt;
    }
    std::vector<Term> merged = merge_identical(*terms);
    for (const Term& term : merged)
        if (const std::string missing = broadcast_labels(term); !missing.empty()) {
            if (why) {
                // "a sum broadcasts x along axis i: ..." (axes by the output's index letters where it has them).
                std::string inputs;
                for (const NodePtr& input : term.inputs) inputs.append(inputs.empty() ? "" : ", ").append(input->name);
                std::string along;
                for (char label : missing) {
                    const std::size_t axis = term.output_labels.find(label);
                    along.append(along.empty() ? "" : ", ");
                    if (axis < node->axis_labels.size() && node->axis_labels[axis])
                        along.append(1, node->axis_labels[axis]);
                    else
                        along.append(std::to_string(axis));
                }
                *why = "a sum broadcasts ";
                why->append(term.inputs.size() == 1 ? inputs : "the product of " + inputs)
                    .append(missing.size() == 1 ? " along axis " : " along axes ")
                    .append(along)
                    .append(": no einsum over inputs repeats a term along an axis none of them has");
            }
            return std::nullopt;
        }
    return merged;
}

NodePtr terms_to_node(const std::vector<Term>& terms, const Node& original) {
    TILESUM_ASSERT(!terms.empty());
    std::vector<expr::Operand> einsums;
    std::vector<double> coefficients;
    for (const Term& term : terms) {
        std::vector<expr::Operand> operands;
        for (const NodePtr& input : term.inputs) operands.push_back({input, input->name, std::nullopt});
        einsums.push_back(
            {expr::make_einsum(term.operand_labels, term.output_labels, operands, std::nullopt), "term", std::nullopt});
        coefficients.push_back(term.coefficient);
    }
    NodePtr result = terms.size() == 1 && coefficients[0] == 1.0
                         ? einsums[0].node
                         : expr::make_lincomb(coefficients, einsums, std::nullopt);
    // Keep the original's index letters (for --tile and plan printing) and dtype (shared pieces are float64).
    auto named = std::make_shared<Node>(*result);
    named->name = original.name;
    named->axis_labels = original.axis_labels;
    named->dtype = original.dtype;
    return named;
}

}  // namespace tilesum::plan
