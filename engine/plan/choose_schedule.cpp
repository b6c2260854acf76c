#include "engine/plan/choose_schedule.hpp"

#include <algorithm>
#include <map>

#include "engine/plan/contraction_path.hpp"

namespace tilesum::plan {

namespace {

using expr::Node;
using NodeExtents = std::map<const Node*, Shape>;

// The extents of every node's axes within a tile of the root: the tile's ranges reach the operands as the evaluator
// sends them (engine/eval/tile_eval.cpp): an einsum narrows its operands' axes labelled like its output axes (and, at
// the root, like its summed labels cut into slabs); a sum or product narrows its operands' aligned axes, except
// broadcast extent-1 ones. A node reached twice keeps the larger extents of the two.
void narrow(const Node& node, const Shape& extents, const std::map<char, Extent>& slabs, NodeExtents& within) {
    auto [it, inserted] = within.emplace(&node, extents);
    if (!inserted) {
        bool grew = false;
        for (std::size_t axis = 0; axis < extents.size(); ++axis)
            if (extents[axis] > it->second[axis]) {
                it->second[axis] = extents[axis];
                grew = true;
            }
        if (!grew) return;
    }
    const Shape mine = it->second;
    if (node.kind == expr::NodeKind::einsum) {
        std::map<char, Extent> labels = slabs;
        for (std::size_t axis = 0; axis < node.output_labels.size(); ++axis)
            labels[node.output_labels[axis]] = mine[axis];
        for (std::size_t position = 0; position < node.operands.size(); ++position) {
            Shape operand = node.operands[position]->shape;
            for (std::size_t axis = 0; axis < operand.size(); ++axis) {
                auto label = labels.find(node.operand_labels[position][axis]);
                if (label != labels.end()) operand[axis] = std::min(operand[axis], label->second);
            }
            narrow(*node.operands[position], operand, {}, within);
        }
        return;
    }
    for (const expr::NodePtr& operand : node.operands) {
        const std::size_t offset = node.shape.size() - operand->shape.size();
        Shape narrowed = operand->shape;
        for (std::size_t axis = 0; axis < narrowed.size(); ++axis)
            if (!(narrowed[axis] == 1 && node.shape[offset + axis] != 1)) narrowed[axis] = mine[offset + axis];
        narrow(*operand, narrowed, {}, within);
    }
}

}  // namespace

// Not the budget alone: over data larger than memory no full-size path fits it, tiling shrinks every path's peak
// alike, and the cheapest path would be given up for nothing. What tiling cannot undo cheaply is a path whose
// intermediates outgrow its operands (an outer product before its reduction). A forced tile is another matter: its
// extents are fixed, and the path best for them (the tiled operand contracted first) may need far less than the
// path best for the full extents.
eval::Schedule choose_schedule(const expr::NodePtr& root, std::size_t budget_bytes, const eval::TileSpec* tile) {
    NodeExtents within;
    std::map<char, Extent> root_slabs;
    if (tile) {
        for (const auto& [label, range] : tile->summed) root_slabs[label] = range.length();
        narrow(*root, range_shape(tile->ranges), root_slabs, within);
    }
    eval::Schedule schedule;
    for (const Node* node : expr::topological_order({root})) {
        if (node->kind != expr::NodeKind::einsum || node->operands.size() < 3) continue;
        std::map<char, Extent> extents = expr::label_extents(node->operand_labels, node->operands);
        if (auto narrowed = within.find(node); narrowed != within.end()) {
            for (std::size_t axis = 0; axis < node->output_labels.size(); ++axis)
                extents[node->output_labels[axis]] = narrowed->second[axis];
            if (node == root.get())
                for (const auto& [label, size] : root_slabs) extents[label] = size;
        }
        double operand_bytes = 0;
        for (std::size_t position = 0; position < node->operands.size(); ++position) {
            const Shape& shape = node->operands[position]->shape;
            double elements = 1;
            for (std::size_t axis = 0; axis < shape.size(); ++axis)
                elements *=
                    static_cast<double>(std::min(shape[axis], extents.at(node->operand_labels[position][axis])));
            operand_bytes += elements * sizeof(double);
        }
        PathOptions path_options;
        path_options.memory_limit_bytes = std::max(static_cast<double>(budget_bytes), 2 * operand_bytes);
        schedule.paths[node] = choose_path(node->operand_labels, node->output_labels, extents, path_options);
    }
    return schedule;
}

}  // namespace tilesum::plan
