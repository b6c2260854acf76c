#include "engine/plan/contraction_path.hpp"

#include <algorithm>
#include <compare>
#include <limits>

#include "engine/common/error.hpp"
#include "engine/plan/exact_path.hpp"
#include "engine/plan/path_problem.hpp"

namespace tilesum::plan {

using paths::LabelMask;
using paths::Problem;

namespace {

// --- Greedy search ------------------------------------------------------------------------------------------
//
// For einsums too large to search exactly: repeatedly the pair whose step keeps the live bytes within the limit
// (when any does), then with the fewest flops, then the one that shrinks the live set most.
eval::ContractionPath greedy_path(const Problem& problem, double limit) {
    std::vector<LabelMask> items = problem.operands;
    double live_bytes = 0;
    for (LabelMask labels : items) live_bytes += problem.bytes(labels);
    auto result_of = [&](std::size_t left, std::size_t right) {
        LabelMask elsewhere = problem.output;
        for (std::size_t other = 0; other < items.size(); ++other)
            if (other != left && other != right) elsewhere |= items[other];
        return (items[left] | items[right]) & elsewhere;
    };
    eval::ContractionPath path;
    while (items.size() > 1) {
        struct Key {
            bool over_limit = true;
            double flops = std::numeric_limits<double>::infinity();
            double growth = std::numeric_limits<double>::infinity();
            auto operator<=>(const Key&) const = default;
        } best;
        std::pair<std::size_t, std::size_t> best_pair{0, 1};
        double best_growth = 0;
        for (std::size_t left = 0; left < items.size(); ++left)
            for (std::size_t right = left + 1; right < items.size(); ++right) {
                const LabelMask result = result_of(left, right);
                const double result_bytes = problem.bytes(result);
                const Key key{live_bytes + result_bytes > limit, problem.step_flops(items[left], items[right], result),
                              result_bytes - problem.bytes(items[left]) - problem.bytes(items[right])};
                if (key < best) {
                    best = key;
                    best_pair = {left, right};
                    best_growth = key.growth;
                }
            }
        const LabelMask result = result_of(best_pair.first, best_pair.second);
        path.push_back(best_pair);
        live_bytes += best_growth;
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(best_pair.second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(best_pair.first));
        items.push_back(result);
    }
    return path;
}

}  // namespace

eval::ContractionPath choose_path(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                                  const std::map<char, Extent>& extents, const PathOptions& options) {
    if (operand_labels.size() < 2) return {};
    const Problem problem = paths::make_problem(operand_labels, output_labels, extents, options.element_bytes);
    return operand_labels.size() <= exact_operand_limit ? paths::exact_path(problem, options.memory_limit_bytes)
                                                        : greedy_path(problem, options.memory_limit_bytes);
}

PathCost path_cost(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                   const std::map<char, Extent>& extents, const eval::ContractionPath& path,
                   std::size_t element_bytes) {
    const Problem problem = paths::make_problem(operand_labels, output_labels, extents, element_bytes);
    std::vector<LabelMask> items = problem.operands;
    PathCost cost;
    double live_bytes = 0;  // the whole current list
    for (LabelMask labels : items) live_bytes += problem.bytes(labels);
    cost.peak_bytes = live_bytes;
    for (const auto& [first, second] : path) {
        TILESUM_ASSERT(first < second && second < items.size());
        LabelMask elsewhere = problem.output;
        for (std::size_t other = 0; other < items.size(); ++other)
            if (other != first && other != second) elsewhere |= items[other];
        const LabelMask result = (items[first] | items[second]) & elsewhere;
        const double result_bytes = problem.bytes(result);
        cost.flops += problem.step_flops(items[first], items[second], result);
        cost.peak_bytes = std::max(cost.peak_bytes, live_bytes + result_bytes);
        cost.largest_intermediate_bytes = std::max(cost.largest_intermediate_bytes, result_bytes);
        live_bytes += result_bytes - problem.bytes(items[first]) - problem.bytes(items[second]);
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(first));
        items.push_back(result);
    }
    return cost;
}

}  // namespace tilesum::plan
