#include "engine/expr/reciprocal.hpp"

#include "engine/expr/diagonal.hpp"
#include "engine/expr/dtype_promotion.hpp"

namespace tilesum::expr {

namespace {

// numpy's true_divide of two arrays: the promoted dtype, float64 when that is an integer.
DType quotient_dtype(DType left, DType right) {
    const DType promoted = promote_types(left, right);
    return is_exact_kind(promoted) ? DType::f64 : promoted;
}

Operand internal_operand(const NodePtr& node) {
    return Operand{node, node->name.empty() ? "the operand of shape " + format_shape(node->shape) : node->name,
                   std::nullopt};
}

NodePtr with_dtype(const NodePtr& node, DType dtype) {
    if (node->dtype == dtype) return node;
    auto copy = std::make_shared<Node>(*node);
    copy->dtype = dtype;
    return copy;
}

// An input read as 1 / value: a view of it (or the view it already is) with `reciprocal` toggled.
NodePtr reciprocal_of_input(const Node& input) {
    TILESUM_ASSERT(!input.piece);  // taken while binding, before the planner makes pieces
    DiagonalView view = view_of(input);
    view.reciprocal = !view.reciprocal;
    // An integer input's reciprocal is float64, as numpy's 1 / D; the base keeps its own dtype.
    const DType dtype = quotient_dtype(input.dtype, input.dtype);
    if (dtype != input.dtype && !view.base_dtype) view.base_dtype = input.dtype;
    auto node = std::make_shared<Node>(*make_input(view_name(view), input.shape, dtype));
    node->diagonal_of = std::move(view);
    return node;
}

// 1 / node pushed down, or nullptr when node sums (it must be computed, not read).
NodePtr push_reciprocal(const NodePtr& node) {
    switch (node->kind) {
        case NodeKind::input: return reciprocal_of_input(*node);
        case NodeKind::einsum: {
            // An einsum that sums nothing only rearranges and multiplies its operands (a transpose, an outer or an
            // elementwise product): 1 / (a b) = (1 / a) (1 / b).
            std::vector<Operand> operands;
            for (std::size_t position = 0; position < node->operands.size(); ++position) {
                for (char label : node->operand_labels[position])
                    if (node->output_labels.find(label) == std::string::npos) return nullptr;
                NodePtr operand = push_reciprocal(node->operands[position]);
                if (!operand) return nullptr;
                operands.push_back(internal_operand(operand));
            }
            return make_einsum(node->operand_labels, node->output_labels, operands, std::nullopt);
        }
        case NodeKind::lincomb: {
            // c * x: 1 / (c x) = (1 / c) * (1 / x). A sum of several arrays is computed data.
            if (node->operands.size() != 1) return nullptr;
            NodePtr operand = push_reciprocal(node->operands[0]);
            if (!operand) return nullptr;
            return make_lincomb({1.0 / node->coefficients[0]}, {internal_operand(operand)}, std::nullopt);
        }
        case NodeKind::product: {
            NodePtr left = push_reciprocal(node->operands[0]), right = push_reciprocal(node->operands[1]);
            if (!left || !right) return nullptr;
            return make_product(internal_operand(left), internal_operand(right), std::nullopt);
        }
        case NodeKind::function: return nullptr;  // computed data: 1 / exp(X) is not a view of an input
    }
    TILESUM_ASSERT(false);
}

}  // namespace

NodePtr make_reciprocal(const Operand& divisor, std::optional<SourceSpan> span) {
    if (is_complex(divisor.node->dtype))
        fail(ErrorKind::unsupported,
             "division by a complex array (" + divisor.display +
                 ") is not supported; multiply by its conjugate and "
                 "divide by the squared magnitude, stored as a real input",
             divisor.span ? divisor.span : span);
    NodePtr reciprocal = push_reciprocal(divisor.node);
    if (!reciprocal)
        fail(ErrorKind::unsupported,
             "division by " + divisor.display +
                 ", an array computed by a sum or a contraction, is not supported yet: divide by an input read from "
                 "storage (g / D), a slice or transpose of one, or a number; or store the divisor as an input",
             divisor.span ? divisor.span : span);
    return with_dtype(reciprocal, quotient_dtype(divisor.node->dtype, divisor.node->dtype));
}

NodePtr make_quotient(const Operand& dividend, const Operand& divisor, std::optional<SourceSpan> span) {
    const NodePtr reciprocal = make_reciprocal(divisor, span);
    const NodePtr product = make_product(dividend, Operand{reciprocal, divisor.display, divisor.span}, span);
    return with_dtype(product, quotient_dtype(dividend.node->dtype, divisor.node->dtype));
}

}  // namespace tilesum::expr
