// The order in which one einsum contracts its operands pairwise. Pure functions of labels and extents.
//
// Cost of one pairwise step (numpy's convention, so that paths compare with np.einsum_path): the product of the
// extents of every label the two operands touch, times 2 when a label is summed (a multiply and an add).
//
// Peak bytes of a path (numpy's linear format): the most bytes live at once while it runs. Every array in the
// current list is live: the inputs from the start (they are read as blocks) until the step that consumes them,
// each intermediate from the step that creates it until the step that consumes it; during a step its result
// coexists with both operands. So a step's live bytes are the bytes of the whole current list plus its result,
// and the order in which independent subtrees are evaluated changes the peak.
//
// Search: exact dynamic programming over subsets of operands up to `exact_operand_limit` operands, greedy (cheapest
// next pair, smaller live set on ties) beyond. Among the paths whose peak fits `PathOptions::memory_limit_bytes`
// the one with the fewest flops is chosen (fewer peak bytes on ties); when none fits, the one with the smallest
// peak, and the planner tiles.
#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"
#include "engine/eval/schedule.hpp"

namespace tilesum::plan {

// Measured on random einsums (Release, a shared 2-core machine): up to 8 operands the exact search takes under
// 0.1 ms, 12 about 3 ms, 16 about 0.15 s (each operand more triples it, 3^n splits); greedy beyond, well under 1 ms.
inline constexpr std::size_t exact_operand_limit = 14;  // measured worst case ≈ 85 ms at 14, ≈ 0.2 s at 16

struct PathOptions {
    std::size_t element_bytes = sizeof(double);  // the engine computes in float64
    double memory_limit_bytes = std::numeric_limits<double>::infinity();
};

struct PathCost {
    double flops = 0;
    double peak_bytes = 0;                  // see above: inputs, live intermediates and the step's result
    double largest_intermediate_bytes = 0;  // the largest single step result
};

eval::ContractionPath choose_path(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                                  const std::map<char, Extent>& extents, const PathOptions& options = {});

PathCost path_cost(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                   const std::map<char, Extent>& extents, const eval::ContractionPath& path,
                   std::size_t element_bytes = sizeof(double));

}  // namespace tilesum::plan
