#include "engine/expr/node.hpp"

#include <unordered_set>

namespace tilesum::expr {

namespace {
void visit(const Node* node, std::unordered_set<const Node*>& seen, std::vector<const Node*>& order) {
    if (!seen.insert(node).second) return;
    for (const NodePtr& operand : node->operands) visit(operand.get(), seen, order);
    order.push_back(node);
}
}  // namespace

std::map<char, Extent> label_extents(const std::vector<std::string>& operand_labels,
                                     const std::vector<NodePtr>& operands) {
    std::map<char, Extent> extents;
    for (std::size_t position = 0; position < operands.size(); ++position)
        for (std::size_t axis = 0; axis < operand_labels[position].size(); ++axis)
            extents[operand_labels[position][axis]] = operands[position]->shape[axis];
    return extents;
}

std::vector<const Node*> topological_order(const std::vector<NodePtr>& roots) {
    std::unordered_set<const Node*> seen;
    std::vector<const Node*> order;
    for (const NodePtr& root : roots) visit(root.get(), seen, order);
    return order;
}

}  // namespace tilesum::expr
