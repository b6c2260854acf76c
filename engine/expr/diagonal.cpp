#include "engine/expr/diagonal.hpp"

#include <algorithm>
#include <map>

#include "engine/common/error.hpp"
#include "engine/expr/build.hpp"
#include "engine/expr/einsum_labels.hpp"

namespace tilesum::expr {

namespace {

bool has_repeats_or_drops(const std::string& labels) {
    for (std::size_t axis = 0; axis < labels.size(); ++axis)
        if (labels[axis] == dropped_label || labels.find(labels[axis]) != axis) return true;
    return false;
}

// Each distinct kept letter of `labels` once, in order of first appearance.
std::string distinct_labels(const std::string& labels) {
    std::string distinct;
    for (char label : labels)
        if (label != dropped_label && distinct.find(label) == std::string::npos) distinct += label;
    return distinct;
}

Operand internal_operand(const NodePtr& node) {
    return Operand{node, node->name.empty() ? "the operand of shape " + format_shape(node->shape) : node->name,
                   std::nullopt};
}

// The same values with axes `from` reordered as `to`: an einsum that sums nothing.
NodePtr transpose(const NodePtr& node, const std::string& from, const std::string& to) {
    if (from == to) return node;
    return make_einsum({from}, to, {internal_operand(node)}, std::nullopt);
}

// A view of the input, its axes in order of first appearance in `labels`. A view of a view reads the base
// input directly, composing the axis maps.
NodePtr view_of_input(const Node& input, const std::string& labels) {
    const std::string order = distinct_labels(labels);
    std::vector<std::size_t> input_to_view;
    for (char label : labels)
        input_to_view.push_back(label == dropped_label ? DiagonalView::dropped_axis : order.find(label));
    DiagonalView view;
    if (input.diagonal_of) {
        view = *input.diagonal_of;
        for (std::size_t& axis : view.axes)
            if (axis != DiagonalView::dropped_axis) axis = input_to_view[axis];
    } else {
        view = view_of(input);
        view.axes = input_to_view;
    }
    Shape shape;
    for (char label : order) shape.push_back(input.shape[labels.find(label)]);
    auto node = std::make_shared<Node>(*make_input(view_name(view), shape, input.dtype));
    node->diagonal_of = std::move(view);
    return node;
}

// The einsum renamed so that the output axes merged by `labels` share one of its letters, and dropped ones
// are summed (over their one value) under a letter it does not use.
NodePtr diagonal_of_einsum(const Node& einsum, const std::string& labels, const std::string& order) {
    std::string used = einsum.output_labels;
    for (const std::string& operand_labels : einsum.operand_labels) used += operand_labels;
    std::map<char, char> renamed;    // einsum letter -> its new letter
    std::map<char, char> letter_of;  // caller's letter -> einsum letter
    for (std::size_t axis = 0; axis < labels.size(); ++axis) {
        const char own = einsum.output_labels[axis];
        if (labels[axis] == dropped_label) {
            const char* fresh = fresh_label_pool;
            while (*fresh && used.find(*fresh) != std::string::npos) ++fresh;
            if (!*fresh) fail(ErrorKind::unsupported, "a diagonal of an einsum that uses all 52 letters");
            used += *fresh;
            renamed[own] = *fresh;
            continue;
        }
        renamed[own] = letter_of.try_emplace(labels[axis], own).first->second;
    }
    std::vector<std::string> operand_labels = einsum.operand_labels;
    for (std::string& operand : operand_labels)
        for (char& label : operand)
            if (auto it = renamed.find(label); it != renamed.end()) label = it->second;
    std::string output;
    for (char label : order) output += letter_of.at(label);
    std::vector<Operand> operands;
    for (const NodePtr& operand : einsum.operands) operands.push_back(internal_operand(operand));
    return make_einsum(operand_labels, output, operands, std::nullopt);
}

// A sum or product: each operand takes the diagonal of its aligned axes (numpy aligns on the right). Along
// a merged axis an operand may broadcast (extent 1): its extent-1 axes are dropped when it has the full
// extent on another axis of the group, and merged into one extent-1 axis when it has not. The result's axes
// are ordered by the last axis of each group, so an operand lacking leading axes still aligns on the right.
NodePtr diagonal_of_elementwise(const Node& node, const std::string& labels, const std::string& order) {
    const std::size_t rank = node.shape.size();
    std::map<char, std::size_t> last_axis;
    for (std::size_t axis = 0; axis < rank; ++axis)
        if (labels[axis] != dropped_label) last_axis[labels[axis]] = axis;
    std::string natural = distinct_labels(labels);
    std::sort(natural.begin(), natural.end(),
              [&](char left, char right) { return last_axis[left] < last_axis[right]; });

    std::vector<Operand> operands;
    for (const NodePtr& operand : node.operands) {
        const std::size_t offset = rank - operand->shape.size();
        std::string operand_labels;
        for (std::size_t axis = 0; axis < operand->shape.size(); ++axis) {
            const char label = labels[offset + axis];
            const Extent full = node.shape[offset + axis];
            bool full_elsewhere = false;
            for (std::size_t other = 0; other < operand->shape.size(); ++other)
                full_elsewhere = full_elsewhere || (labels[offset + other] == label && operand->shape[other] == full);
            const bool broadcasts = operand->shape[axis] == 1 && full != 1;
            operand_labels += label == dropped_label || (broadcasts && full_elsewhere) ? dropped_label : label;
        }
        std::string operand_order;
        for (char label : natural)
            if (operand_labels.find(label) != std::string::npos) operand_order += label;
        operands.push_back(internal_operand(take_diagonal(operand, operand_labels, operand_order)));
    }
    NodePtr result;
    if (node.kind == NodeKind::function) {
        std::vector<NodePtr> nodes;
        for (const Operand& operand : operands) nodes.push_back(operand.node);
        result = function_with_operands(node, nodes);
    } else {
        result = node.kind == NodeKind::lincomb ? make_lincomb(node.coefficients, operands, std::nullopt)
                                                : make_product(operands[0], operands[1], std::nullopt);
    }
    return transpose(result, natural, order);
}

}  // namespace

DiagonalView view_of(const Node& input) {
    if (input.diagonal_of) return *input.diagonal_of;
    DiagonalView view;
    view.base = input.name;
    view.base_shape = input.shape;
    view.base_chunk_shape = input.chunk_shape;
    for (std::size_t axis = 0; axis < input.shape.size(); ++axis) view.axes.push_back(axis);
    return view;
}

std::string view_name(const DiagonalView& view) {
    const bool strided = !view.starts.empty() || !view.steps.empty();
    if (view.reciprocal && view.axes.empty()) return "1/" + view.base;  // a 0-d input
    std::string name = std::string(view.reciprocal ? "1/" : "") + (strided ? "view(" : "diag(") + view.base;
    for (std::size_t base_axis = 0; base_axis < view.axes.size(); ++base_axis) {
        const std::size_t axis = view.axes[base_axis];
        const Extent start = view.start(base_axis), step = view.step(base_axis);
        name += ',';
        if (axis == DiagonalView::dropped_axis) {
            name += strided ? std::to_string(start) : std::string("-");
            continue;
        }
        if (start != 0) name += std::to_string(start) + "+";
        if (step != 1) name += std::to_string(step) + "*";
        name += std::to_string(axis);
    }
    return name + ")";
}

NodePtr take_diagonal(const NodePtr& node, const std::string& labels, const std::string& order) {
    TILESUM_ASSERT(labels.size() == node->shape.size());
    TILESUM_ASSERT(order.size() == distinct_labels(labels).size());
    if (labels == order) return node;
    switch (node->kind) {
        case NodeKind::einsum: return diagonal_of_einsum(*node, labels, order);
        case NodeKind::input:
            if (!has_repeats_or_drops(labels)) return transpose(node, labels, order);
            return transpose(view_of_input(*node, labels), distinct_labels(labels), order);
        case NodeKind::lincomb:
        case NodeKind::product:
        case NodeKind::function:
            if (!has_repeats_or_drops(labels)) return transpose(node, labels, order);
            return diagonal_of_elementwise(*node, labels, order);
    }
    TILESUM_ASSERT(false);
}

}  // namespace tilesum::expr
