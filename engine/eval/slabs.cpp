#include "engine/eval/slabs.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "engine/kernels/accurate_sum.hpp"

namespace tilesum::eval {

using expr::Node;
using expr::NodeKind;

namespace {

// The labels einsum `term` sums (its operands' labels that are not its output's), with their extents.
std::map<char, Extent> einsum_summed(const Node& term) {
    std::map<char, Extent> summed;
    if (term.kind != NodeKind::einsum) return summed;
    for (std::size_t position = 0; position < term.operands.size(); ++position)
        for (std::size_t axis = 0; axis < term.operand_labels[position].size(); ++axis) {
            const char label = term.operand_labels[position][axis];
            if (term.output_labels.find(label) == std::string::npos)
                summed.emplace(label, term.operands[position]->shape[axis]);
        }
    return summed;
}

}  // namespace

std::optional<std::map<char, Range>> term_slab(const Node& term, const std::map<char, Range>& summed) {
    const std::map<char, Extent> own = einsum_summed(term);
    std::map<char, Range> narrowed;
    for (const auto& [label, range] : summed) {
        if (own.count(label))
            narrowed[label] = range;
        else if (range.begin != 0)
            return std::nullopt;
    }
    return narrowed;
}

std::vector<std::pair<char, Extent>> slab_labels(const Node& root) {
    std::vector<std::pair<char, Extent>> labels;
    std::set<char> refused;  // read as an output label by a term, or summed with different extents
    auto add_summed_of = [&](const Node& term) {
        if (term.kind != NodeKind::einsum) return;
        for (char label : term.output_labels) refused.insert(label);
        for (std::size_t position = 0; position < term.operands.size(); ++position)
            for (std::size_t axis = 0; axis < term.operand_labels[position].size(); ++axis) {
                const char label = term.operand_labels[position][axis];
                const Extent extent = term.operands[position]->shape[axis];
                if (term.output_labels.find(label) != std::string::npos) continue;
                auto known =
                    std::find_if(labels.begin(), labels.end(), [&](const auto& seen) { return seen.first == label; });
                if (known == labels.end())
                    labels.emplace_back(label, extent);
                else if (known->second != extent)
                    refused.insert(label);
            }
    };
    if (root.kind == NodeKind::einsum) add_summed_of(root);
    if (root.kind == NodeKind::lincomb)
        for (const expr::NodePtr& term : root.operands) add_summed_of(*term);
    std::erase_if(labels, [&](const auto& label) { return refused.count(label.first) > 0; });
    return labels;
}

bool compensated_terms(Extent terms) { return kernels::compensates(terms); }

}  // namespace tilesum::eval
