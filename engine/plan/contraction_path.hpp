// The order in which one einsum contracts its operands pairwise. Pure functions of labels and extents.
//
// Cost of one pairwise step (numpy's convention, so that paths compare with np.einsum_path): the product of the
// extents of every label the two operands touch, times 2 when a label is summed (a multiply and an add).
// Search: exhaustive dynamic programming over subsets of operands (exact) up to `exact_operand_limit` operands,
// greedy (cheapest next pair) beyond.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"
#include "engine/eval/schedule.hpp"

namespace tilesum::plan {

inline constexpr std::size_t exact_operand_limit = 12;

struct PathCost {
    double flops = 0;
    double largest_intermediate = 0;  // elements
};

eval::ContractionPath choose_path(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                                  const std::map<char, Extent>& extents);

PathCost path_cost(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                   const std::map<char, Extent>& extents, const eval::ContractionPath& path);

}  // namespace tilesum::plan
