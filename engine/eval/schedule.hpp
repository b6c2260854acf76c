// How to evaluate, as plain data chosen by the planner: for each einsum node, the pairwise contraction order.
// An einsum without an entry is contracted left to right.
#pragma once

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

#include "engine/expr/node.hpp"

namespace tilesum::eval {

// numpy's linear path format (np.einsum_path): each step contracts the operands at two positions of the
// current list, removes them and appends the result at the end.
using ContractionPath = std::vector<std::pair<std::size_t, std::size_t>>;

// Left to right: (0, 1), then the next operand (now first) with the running result (last).
inline ContractionPath left_to_right_path(std::size_t operand_count) {
    ContractionPath path;
    for (std::size_t remaining = operand_count; remaining > 1; --remaining)
        path.emplace_back(0, path.empty() ? 1 : remaining - 1);
    return path;
}

struct Schedule {
    std::map<const expr::Node*, ContractionPath> paths;

    // The path the evaluator follows for an einsum node: the chosen one, else left to right.
    ContractionPath path_for(const expr::Node& node) const {
        auto it = paths.find(&node);
        return it != paths.end() ? it->second : left_to_right_path(node.operands.size());
    }
};

}  // namespace tilesum::eval
