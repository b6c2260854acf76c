#include "engine/expr/einsum_labels.hpp"

#include <algorithm>
#include <map>

namespace tilesum::expr {

namespace {

// Hands out letters that no label of the einsum uses, in fresh_label_pool's order.
class FreshLabels {
public:
    FreshLabels(const Subscripts& subscripts, std::optional<SourceSpan> span) : span_(span) {
        taken_ = subscripts.output;
        for (const std::string& labels : subscripts.inputs) taken_ += labels;
    }
    char take() {
        for (const char* letter = fresh_label_pool; *letter; ++letter)
            if (taken_.find(*letter) == std::string::npos) {
                taken_ += *letter;
                return *letter;
            }
        fail(ErrorKind::unsupported,
             "this einsum needs more than 52 distinct indices (its letters, plus one per ellipsis dimension and per "
             "broadcast extent-1 axis)",
             span_);
    }

private:
    std::string taken_;
    std::optional<SourceSpan> span_;
};

// Labels as the user wrote them: the ellipsis mark shown as "...".
std::string written(const std::string& labels) {
    std::string text;
    for (char label : labels) text += label == ellipsis_mark ? std::string("...") : std::string(1, label);
    return text;
}

std::string operand_text(const Operand& operand, std::size_t position) {
    return "einsum operand " + std::to_string(position + 1) + " (" + operand.display + ")";
}

}  // namespace

EinsumLabels resolve_einsum_labels(const Subscripts& subscripts, const std::vector<Operand>& operands,
                                   std::optional<SourceSpan> span) {
    TILESUM_ASSERT(subscripts.inputs.size() == operands.size());
    const bool has_spans = subscripts.input_spans.size() == operands.size();
    const auto operand_span = [&](std::size_t position) {
        return operands[position].span ? operands[position].span : span;
    };
    const auto label_span = [&](std::size_t position, std::size_t index) -> std::optional<SourceSpan> {
        return has_spans ? std::optional<SourceSpan>(subscripts.input_spans[position][index]) : span;
    };

    // How many dimensions each operand's ellipsis stands for.
    std::vector<std::size_t> ellipsis_rank(operands.size(), 0);
    for (std::size_t position = 0; position < operands.size(); ++position) {
        const std::string& labels = subscripts.inputs[position];
        const Shape& shape = operands[position].node->shape;
        const bool has_ellipsis = labels.find(ellipsis_mark) != std::string::npos;
        const std::size_t named = labels.size() - (has_ellipsis ? 1 : 0);
        if (has_ellipsis ? named > shape.size() : named != shape.size()) {
            std::string message = operand_text(operands[position], position) + " has " + std::to_string(shape.size()) +
                                  " dimension(s) " + format_shape(shape) + " but its subscripts '" + written(labels) +
                                  "' name ";
            if (has_ellipsis) message += "at least ";
            message += std::to_string(named);
            if (!has_ellipsis && named < shape.size()) message += " (an ellipsis '...' would stand for the rest)";
            fail(ErrorKind::semantic, message, operand_span(position));
        }
        if (has_ellipsis) ellipsis_rank[position] = shape.size() - named;
    }

    // numpy broadcasts the ellipsis dimensions of all operands together, aligned on the right.
    const std::size_t broadcast_rank = *std::max_element(ellipsis_rank.begin(), ellipsis_rank.end());
    Shape broadcast(broadcast_rank, 1);
    std::vector<std::size_t> broadcast_from(broadcast_rank, 0);  // the operand that set each extent
    const auto ellipsis_shape = [&](std::size_t position) {
        const Shape& shape = operands[position].node->shape;
        const auto start = static_cast<std::ptrdiff_t>(subscripts.inputs[position].find(ellipsis_mark));
        return Shape(shape.begin() + start,
                     shape.begin() + start + static_cast<std::ptrdiff_t>(ellipsis_rank[position]));
    };
    for (std::size_t position = 0; position < operands.size(); ++position) {
        if (subscripts.inputs[position].find(ellipsis_mark) == std::string::npos) continue;
        const Shape dims = ellipsis_shape(position);
        for (std::size_t index = 0; index < dims.size(); ++index) {
            const std::size_t axis = broadcast_rank - dims.size() + index;
            if (dims[index] == 1 || dims[index] == broadcast[axis]) continue;
            if (broadcast[axis] == 1) {
                broadcast[axis] = dims[index];
                broadcast_from[axis] = position;
                continue;
            }
            const std::size_t other = broadcast_from[axis];
            std::string message = "operands could not be broadcast together under the ellipsis '...': it stands for ";
            message += format_shape(ellipsis_shape(other)) + " in " + operand_text(operands[other], other) + ", shape ";
            message += format_shape(operands[other].node->shape) + ", but for " + format_shape(dims) + " in ";
            message += operand_text(operands[position], position) + ", shape ";
            message += format_shape(operands[position].node->shape);
            fail(ErrorKind::semantic, message, operand_span(position));
        }
    }
    if (subscripts.output.find(ellipsis_mark) == std::string::npos && broadcast_rank > 0) {
        std::string message = "the operands' ellipsis '...' stands for " + std::to_string(broadcast_rank) +
                              " dimension(s) " + format_shape(broadcast) +
                              " but the output subscripts have no '...' to keep them (numpy does not sum them)";
        fail(ErrorKind::semantic, message, has_spans ? std::optional<SourceSpan>(subscripts.output_span) : span);
    }

    // Operands that repeat a label take a diagonal, which needs equal extents (numpy does not broadcast there).
    for (std::size_t position = 0; position < operands.size(); ++position) {
        const std::string& labels = subscripts.inputs[position];
        const Shape& shape = operands[position].node->shape;
        const std::size_t ellipsis_at = labels.find(ellipsis_mark);
        const auto axis_of = [&](std::size_t index) {
            return ellipsis_at == std::string::npos || index < ellipsis_at ? index
                                                                           : index - 1 + ellipsis_rank[position];
        };
        for (std::size_t index = 0; index < labels.size(); ++index) {
            if (labels[index] == ellipsis_mark) continue;
            const std::size_t first = labels.find(labels[index]);
            if (first == index || shape[axis_of(first)] == shape[axis_of(index)]) continue;
            std::string message = operand_text(operands[position], position) + " repeats index '";
            message += labels[index];
            message += "' (a diagonal) over axes of different extents: " + std::to_string(shape[axis_of(first)]) +
                       " at axis " + std::to_string(axis_of(first)) + " and " + std::to_string(shape[axis_of(index)]) +
                       " at axis " + std::to_string(axis_of(index)) + " of shape " + format_shape(shape);
            fail(ErrorKind::semantic, message, label_span(position, index));
        }
    }

    FreshLabels fresh(subscripts, span);
    std::string ellipsis_labels;
    for (std::size_t axis = 0; axis < broadcast_rank; ++axis) ellipsis_labels += fresh.take();

    EinsumLabels result;
    for (std::size_t position = 0; position < operands.size(); ++position) {
        std::string labels = subscripts.inputs[position];
        if (const std::size_t at = labels.find(ellipsis_mark); at != std::string::npos)
            labels.replace(at, 1, ellipsis_labels.substr(broadcast_rank - ellipsis_rank[position]));
        result.operands.push_back(std::move(labels));
    }
    result.output = subscripts.output;
    if (const std::size_t at = result.output.find(ellipsis_mark); at != std::string::npos)
        result.output.replace(at, 1, ellipsis_labels);

    // An axis of extent 1 whose label is larger elsewhere broadcasts: it gets a label of its own, which the
    // einsum sums over its one value, so the engine never sees one label with two extents.
    std::map<char, Extent> largest;
    for (std::size_t position = 0; position < operands.size(); ++position)
        for (std::size_t axis = 0; axis < result.operands[position].size(); ++axis) {
            Extent& extent = largest[result.operands[position][axis]];
            extent = std::max(extent, operands[position].node->shape[axis]);
        }
    for (std::size_t position = 0; position < operands.size(); ++position)
        for (std::size_t axis = 0; axis < result.operands[position].size(); ++axis) {
            char& label = result.operands[position][axis];
            if (operands[position].node->shape[axis] == 1 && largest[label] > 1) label = fresh.take();
        }
    return result;
}

}  // namespace tilesum::expr
