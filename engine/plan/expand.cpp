#include "engine/plan/expand.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "engine/common/error.hpp"
#include "engine/expr/build.hpp"

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

// Renames `term`: its output labels become `target_output`; every other label a letter not in `taken`
// (which grows). std::nullopt when the letters run out.
std::optional<Term> rename(const Term& term, const std::string& target_output, std::string& taken) {
    std::map<char, char> mapping;
    for (std::size_t axis = 0; axis < term.output_labels.size(); ++axis) mapping[term.output_labels[axis]] = target_output[axis];
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
// product's operands are concatenated and its output is `output`.
std::optional<std::vector<Term>> multiply(const std::vector<std::vector<Term>>& factors,
                                          const std::vector<std::string>& factor_outputs, const std::string& output) {
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
        if (term.inputs[left]->name != term.inputs[right]->name) return term.inputs[left]->name < term.inputs[right]->name;
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

namespace {

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

std::optional<std::vector<Term>> expand(const NodePtr& pointer) {
    const Node& node = *pointer;
    switch (node.kind) {
        case NodeKind::input: {
            Term term;
            term.inputs = {pointer};
            term.output_labels = all_letters.substr(0, node.shape.size());
            term.operand_labels = {term.output_labels};
            return std::vector<Term>{term};
        }
        case NodeKind::lincomb: {
            std::vector<Term> terms;
            for (std::size_t position = 0; position < node.operands.size(); ++position) {
                if (node.operands[position]->shape != node.shape) return std::nullopt;  // broadcasting: not here
                auto child = expand(node.operands[position]);
                if (!child) return std::nullopt;
                for (Term& term : *child) {
                    term.coefficient *= node.coefficients[position];
                    terms.push_back(std::move(term));
                }
                if (terms.size() > max_expanded_terms) return std::nullopt;
            }
            return terms;
        }
        case NodeKind::product: {
            if (node.operands[0]->shape != node.shape || node.operands[1]->shape != node.shape) return std::nullopt;
            auto left = expand(node.operands[0]);
            auto right = expand(node.operands[1]);
            if (!left || !right) return std::nullopt;
            const std::string output = all_letters.substr(0, node.shape.size());
            return multiply({*left, *right}, {output, output}, output);
        }
        case NodeKind::einsum: {
            std::vector<std::vector<Term>> factors;
            for (const NodePtr& operand : node.operands) {
                auto terms = expand(operand);
                if (!terms) return std::nullopt;
                factors.push_back(std::move(*terms));
            }
            return multiply(factors, node.operand_labels, node.output_labels);
        }
    }
    return std::nullopt;
}

}  // namespace

std::string Term::subscripts() const {
    std::string text;
    for (std::size_t position = 0; position < operand_labels.size(); ++position)
        text += (position ? "," : "") + operand_labels[position];
    return text + "->" + output_labels;
}

std::optional<std::vector<Term>> expand_terms(const NodePtr& node) {
    auto terms = expand(node);
    if (!terms) return std::nullopt;
    return merge_identical(*terms);
}

NodePtr terms_to_node(const std::vector<Term>& terms, const Node& original) {
    TILESUM_ASSERT(!terms.empty());
    std::vector<expr::Operand> einsums;
    std::vector<double> coefficients;
    for (const Term& term : terms) {
        std::vector<expr::Operand> operands;
        for (const NodePtr& input : term.inputs) operands.push_back({input, input->name, std::nullopt});
        einsums.push_back({expr::make_einsum(term.operand_labels, term.output_labels, operands, std::nullopt),
                           "term", std::nullopt});
        coefficients.push_back(term.coefficient);
    }
    NodePtr result = terms.size() == 1 && coefficients[0] == 1.0 ? einsums[0].node
                                                                 : expr::make_lincomb(coefficients, einsums, std::nullopt);
    // Keep the original's index letters (for --tile and plan printing) and dtype (shared pieces are float64).
    auto named = std::make_shared<Node>(*result);
    named->name = original.name;
    named->axis_labels = original.axis_labels;
    named->dtype = original.dtype;
    return named;
}

}  // namespace tilesum::plan
