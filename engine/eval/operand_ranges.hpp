// How a tile's ranges propagate from a node to its operands: the one rule that the leaf collection, the
// materializing evaluator (tile_eval.cpp) and the fused one (fused_einsum.cpp) share, so that every evaluator asks
// for exactly the input hyperslabs that were read.
#pragma once

#include <map>
#include <vector>

#include "engine/common/shape.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::eval {

// The ranges each operand of `node` needs for the tile `ranges` of `node`; `summed` narrows summed labels of an
// einsum. An einsum operand's axis takes its label's range (whole when the label is summed and not narrowed); an
// elementwise operand's axes align with the last axes of the node, an extent-1 axis that broadcasts staying [0, 1).
std::vector<Ranges> operand_ranges(const expr::Node& node, const Ranges& ranges,
                                   const std::map<char, Range>* summed = nullptr);

}  // namespace tilesum::eval
