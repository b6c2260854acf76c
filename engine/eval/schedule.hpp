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

struct Schedule {
    std::map<const expr::Node*, ContractionPath> paths;
};

}  // namespace tilesum::eval
