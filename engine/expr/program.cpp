#include "engine/expr/program.hpp"

#include <memory>
#include <set>

namespace tilesum::expr {

std::vector<NamedNode> find_views(const std::vector<NamedNode>& outputs) {
    std::vector<NodePtr> roots;
    for (const NamedNode& output : outputs) roots.push_back(output.node);
    std::vector<NamedNode> views;
    std::set<std::string> seen;
    for (const Node* node : topological_order(roots))
        if (node->kind == NodeKind::input && node->diagonal_of && seen.insert(node->name).second)
            views.push_back({node->name, std::make_shared<Node>(*node)});
    return views;
}

}  // namespace tilesum::expr
