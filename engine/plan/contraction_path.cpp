#include "engine/plan/contraction_path.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

#include "engine/common/error.hpp"

namespace tilesum::plan {

namespace {

using LabelMask = std::uint64_t;  // one bit per letter: a-z, then A-Z

int label_bit(char label) { return label >= 'a' && label <= 'z' ? label - 'a' : 26 + (label - 'A'); }

LabelMask mask_of(const std::string& labels) {
    LabelMask mask = 0;
    for (char label : labels) mask |= LabelMask{1} << label_bit(label);
    return mask;
}

struct Problem {
    std::vector<LabelMask> operands;
    LabelMask output = 0;
    double extent[52] = {};

    double size(LabelMask labels) const {
        double product = 1;
        for (; labels; labels &= labels - 1) product *= extent[std::countr_zero(labels)];
        return product;
    }
    // numpy's cost of contracting two operands into `result`: every touched label once, twice when summing.
    double step_flops(LabelMask left, LabelMask right, LabelMask result) const {
        const LabelMask touched = left | right;
        return size(touched) * (touched != result ? 2.0 : 1.0);
    }
};

Problem make_problem(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                     const std::map<char, Extent>& extents) {
    Problem problem;
    for (const std::string& labels : operand_labels) problem.operands.push_back(mask_of(labels));
    problem.output = mask_of(output_labels);
    for (const auto& [label, extent] : extents) problem.extent[label_bit(label)] = static_cast<double>(extent);
    return problem;
}

// Exact: the cheapest binary contraction tree over subsets of operands, O(3^n).
eval::ContractionPath exact_path(const Problem& problem) {
    const std::size_t count = problem.operands.size();
    const std::size_t subsets = std::size_t{1} << count;
    std::vector<LabelMask> labels_in(subsets, 0);
    for (std::size_t subset = 1; subset < subsets; ++subset) {
        const std::size_t lowest = static_cast<std::size_t>(std::countr_zero(subset));
        labels_in[subset] = labels_in[subset & (subset - 1)] | problem.operands[lowest];
    }
    const std::size_t all = subsets - 1;
    // The labels a subset's intermediate keeps: those also needed outside it (or in the output).
    auto kept = [&](std::size_t subset) { return labels_in[subset] & (labels_in[all & ~subset] | problem.output); };
    auto labels_of = [&](std::size_t subset) {
        return std::has_single_bit(subset) ? labels_in[subset] : kept(subset);
    };

    std::vector<double> best(subsets, std::numeric_limits<double>::infinity());
    std::vector<std::size_t> split(subsets, 0);
    for (std::size_t operand = 0; operand < count; ++operand) best[std::size_t{1} << operand] = 0;
    for (std::size_t subset = 1; subset < subsets; ++subset) {
        if (std::has_single_bit(subset)) continue;
        const std::size_t lowest = subset & (~subset + 1);
        const LabelMask result = kept(subset);
        // Each unordered split once: the left part holds the subset's lowest operand.
        for (std::size_t left = (subset - 1) & subset; left; left = (left - 1) & subset) {
            if (!(left & lowest)) continue;
            const std::size_t right = subset & ~left;
            const double cost = best[left] + best[right] + problem.step_flops(labels_of(left), labels_of(right), result);
            if (cost < best[subset]) {
                best[subset] = cost;
                split[subset] = left;
            }
        }
    }

    // The tree as numpy's linear format: the list starts as the operands; each step appends its result.
    eval::ContractionPath path;
    std::vector<std::size_t> items;
    for (std::size_t operand = 0; operand < count; ++operand) items.push_back(std::size_t{1} << operand);
    auto emit = [&](auto&& self, std::size_t subset) -> void {
        if (std::has_single_bit(subset)) return;
        const std::size_t left = split[subset], right = subset & ~left;
        self(self, left);
        self(self, right);
        const std::size_t left_position = static_cast<std::size_t>(std::find(items.begin(), items.end(), left) - items.begin());
        const std::size_t right_position = static_cast<std::size_t>(std::find(items.begin(), items.end(), right) - items.begin());
        path.emplace_back(std::min(left_position, right_position), std::max(left_position, right_position));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(path.back().second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(path.back().first));
        items.push_back(subset);
    };
    emit(emit, all);
    return path;
}

// Greedy: repeatedly the cheapest pair, for einsums too large to search exactly.
eval::ContractionPath greedy_path(const Problem& problem) {
    std::vector<LabelMask> items = problem.operands;
    eval::ContractionPath path;
    while (items.size() > 1) {
        double best_cost = std::numeric_limits<double>::infinity();
        std::pair<std::size_t, std::size_t> best_pair{0, 1};
        for (std::size_t left = 0; left < items.size(); ++left)
            for (std::size_t right = left + 1; right < items.size(); ++right) {
                LabelMask elsewhere = problem.output;
                for (std::size_t other = 0; other < items.size(); ++other)
                    if (other != left && other != right) elsewhere |= items[other];
                const LabelMask result = (items[left] | items[right]) & elsewhere;
                const double cost = problem.step_flops(items[left], items[right], result);
                if (cost < best_cost) {
                    best_cost = cost;
                    best_pair = {left, right};
                }
            }
        LabelMask elsewhere = problem.output;
        for (std::size_t other = 0; other < items.size(); ++other)
            if (other != best_pair.first && other != best_pair.second) elsewhere |= items[other];
        const LabelMask result = (items[best_pair.first] | items[best_pair.second]) & elsewhere;
        path.push_back(best_pair);
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(best_pair.second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(best_pair.first));
        items.push_back(result);
    }
    return path;
}

}  // namespace

eval::ContractionPath choose_path(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                                  const std::map<char, Extent>& extents) {
    if (operand_labels.size() < 2) return {};
    Problem problem = make_problem(operand_labels, output_labels, extents);
    return operand_labels.size() <= exact_operand_limit ? exact_path(problem) : greedy_path(problem);
}

PathCost path_cost(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                   const std::map<char, Extent>& extents, const eval::ContractionPath& path) {
    Problem problem = make_problem(operand_labels, output_labels, extents);
    std::vector<LabelMask> items = problem.operands;
    PathCost cost;
    for (const auto& [first, second] : path) {
        TILESUM_ASSERT(first < second && second < items.size());
        LabelMask elsewhere = problem.output;
        for (std::size_t other = 0; other < items.size(); ++other)
            if (other != first && other != second) elsewhere |= items[other];
        const LabelMask result = (items[first] | items[second]) & elsewhere;
        cost.flops += problem.step_flops(items[first], items[second], result);
        cost.largest_intermediate = std::max(cost.largest_intermediate, problem.size(result));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(first));
        items.push_back(result);
    }
    return cost;
}

}  // namespace tilesum::plan
