#include "engine/expr/slice.hpp"

#include <string>

#include "engine/expr/diagonal.hpp"
#include "engine/expr/einsum_labels.hpp"

namespace tilesum::expr {

namespace {

bool is_whole(const AxisSlice& slice, Extent extent) {
    return slice.start == 0 && slice.step == 1 && slice.count == extent;
}

AxisSlice whole(Extent extent) { return AxisSlice{0, 1, extent}; }

Operand internal_operand(const NodePtr& node) {
    return Operand{node, node->name.empty() ? "the operand of shape " + format_shape(node->shape) : node->name,
                   std::nullopt};
}

// An input read through a view: a plain input gets one, a view (a diagonal or an earlier slice) gets its starts and
// steps composed, so that every view reads its base input directly.
NodePtr slice_of_input(const Node& input, const std::vector<AxisSlice>& slices) {
    TILESUM_ASSERT(!input.piece);  // slices are taken while binding, before the planner makes pieces
    DiagonalView view = view_of(input);
    std::vector<Extent> starts, steps;
    for (std::size_t base_axis = 0; base_axis < view.axes.size(); ++base_axis) {
        Extent start = view.start(base_axis), step = view.step(base_axis);
        if (const std::size_t axis = view.axes[base_axis]; axis != DiagonalView::dropped_axis) {
            start += step * slices[axis].start;
            step *= slices[axis].step;
        }
        starts.push_back(start);
        steps.push_back(step);
    }
    view.starts = std::move(starts);
    view.steps = std::move(steps);
    Shape shape;
    for (const AxisSlice& slice : slices) shape.push_back(slice.count);
    auto node = std::make_shared<Node>(*make_input(view_name(view), shape, input.dtype));
    node->diagonal_of = std::move(view);
    return node;
}

NodePtr slice_of_einsum(const Node& einsum, const std::vector<AxisSlice>& slices) {
    std::vector<Operand> operands;
    for (std::size_t position = 0; position < einsum.operands.size(); ++position) {
        const NodePtr& operand = einsum.operands[position];
        const std::string& labels = einsum.operand_labels[position];
        std::vector<AxisSlice> operand_slices;
        for (std::size_t axis = 0; axis < labels.size(); ++axis) {
            const std::size_t output_axis = einsum.output_labels.find(labels[axis]);
            operand_slices.push_back(output_axis == std::string::npos ? whole(operand->shape[axis])
                                                                      : slices[output_axis]);
        }
        operands.push_back(internal_operand(take_slice(operand, operand_slices)));
    }
    return make_einsum(einsum.operand_labels, einsum.output_labels, operands, std::nullopt);
}

// numpy aligns operands on the right; an axis an operand broadcasts along (extent 1) is not sliced.
NodePtr slice_of_elementwise(const Node& node, const std::vector<AxisSlice>& slices) {
    std::vector<Operand> operands;
    for (const NodePtr& operand : node.operands) {
        const std::size_t offset = node.shape.size() - operand->shape.size();
        std::vector<AxisSlice> operand_slices;
        for (std::size_t axis = 0; axis < operand->shape.size(); ++axis) {
            const bool broadcasts = operand->shape[axis] == 1 && node.shape[offset + axis] != 1;
            operand_slices.push_back(broadcasts ? whole(1) : slices[offset + axis]);
        }
        operands.push_back(internal_operand(take_slice(operand, operand_slices)));
    }
    if (node.kind == NodeKind::function) {
        std::vector<NodePtr> nodes;
        for (const Operand& operand : operands) nodes.push_back(operand.node);
        return function_with_operands(node, nodes);
    }
    return node.kind == NodeKind::lincomb ? make_lincomb(node.coefficients, operands, std::nullopt)
                                          : make_product(operands[0], operands[1], std::nullopt);
}

// numpy's slice.indices(): the elements a slice selects of an axis of `extent`.
AxisSlice resolve_slice(const IndexItem& item, Extent extent) {
    const Extent step = item.step.value_or(1);
    if (step == 0) fail(ErrorKind::usage, "slice step cannot be zero", item.span);
    const auto clamp = [&](Extent value, Extent low, Extent high) {
        if (value < 0) value += extent;
        return value < low ? low : value > high ? high : value;
    };
    Extent start = 0, stop = 0;
    if (step > 0) {
        start = item.start ? clamp(*item.start, 0, extent) : 0;
        stop = item.stop ? clamp(*item.stop, 0, extent) : extent;
    } else {
        start = item.start ? clamp(*item.start, -1, extent - 1) : extent - 1;
        stop = item.stop ? clamp(*item.stop, -1, extent - 1) : -1;
    }
    const Extent span = step > 0 ? stop - start : start - stop;
    const Extent magnitude = step > 0 ? step : -step;
    const Extent count = span > 0 ? (span + magnitude - 1) / magnitude : 0;
    return AxisSlice{count > 0 ? start : 0, step, count};
}

}  // namespace

NodePtr take_slice(const NodePtr& node, const std::vector<AxisSlice>& slices) {
    TILESUM_ASSERT(slices.size() == node->shape.size());
    bool whole_node = true;
    for (std::size_t axis = 0; axis < slices.size(); ++axis)
        whole_node = whole_node && is_whole(slices[axis], node->shape[axis]);
    if (whole_node) return node;
    switch (node->kind) {
        case NodeKind::input: return slice_of_input(*node, slices);
        case NodeKind::einsum: return slice_of_einsum(*node, slices);
        case NodeKind::lincomb:
        case NodeKind::product:
        case NodeKind::function: return slice_of_elementwise(*node, slices);
    }
    TILESUM_ASSERT(false);
}

NodePtr make_index(const Operand& operand, const std::vector<IndexItem>& items, std::optional<SourceSpan> span) {
    const Shape& shape = operand.node->shape;
    std::size_t ellipses = 0, indexed = 0;
    for (const IndexItem& item : items) {
        if (item.kind == IndexItem::Kind::ellipsis) {
            if (++ellipses > 1) fail(ErrorKind::usage, "an index can only have a single ellipsis ('...')", item.span);
        } else {
            ++indexed;
        }
    }
    if (indexed > shape.size())
        fail(ErrorKind::usage,
             "too many indices for " + operand.display + ": it is " + std::to_string(shape.size()) +
                 "-dimensional, but " + std::to_string(indexed) + " were indexed",
             span);
    // Each axis's slice, and which axes an integer index removes (labelled dropped_label for take_diagonal).
    std::vector<AxisSlice> slices;
    std::string labels, kept;
    const auto add_axis = [&](const AxisSlice& slice, bool dropped) {
        const char label = fresh_label_pool[labels.size()];
        slices.push_back(slice);
        labels += dropped ? dropped_label : label;
        if (!dropped) kept += label;
    };
    for (const IndexItem& item : items) {
        const std::size_t axis = slices.size();
        switch (item.kind) {
            case IndexItem::Kind::ellipsis:
                for (std::size_t count = shape.size() - indexed; count > 0; --count)
                    add_axis(whole(shape[slices.size()]), false);
                break;
            case IndexItem::Kind::slice: add_axis(resolve_slice(item, shape[axis]), false); break;
            case IndexItem::Kind::index: {
                const Extent index = item.index < 0 ? item.index + shape[axis] : item.index;
                if (index < 0 || index >= shape[axis])
                    fail(ErrorKind::usage,
                         "index " + std::to_string(item.index) + " is out of bounds for axis " + std::to_string(axis) +
                             " of " + operand.display + ", of size " + std::to_string(shape[axis]),
                         item.span);
                add_axis(AxisSlice{index, 1, 1}, true);
                break;
            }
        }
    }
    while (slices.size() < shape.size()) add_axis(whole(shape[slices.size()]), false);
    if (shape.size() > 52) fail(ErrorKind::unsupported, "indexing a tensor of more than 52 axes", span);
    return take_diagonal(take_slice(operand.node, slices), labels, kept);
}

Tensor index(const Tensor& operand, const std::vector<IndexItem>& items) {
    const NodePtr& node = operand.node();
    return Tensor(
        make_index(Operand{node, node->name.empty() ? "the operand" : node->name, std::nullopt}, items, std::nullopt));
}

}  // namespace tilesum::expr
