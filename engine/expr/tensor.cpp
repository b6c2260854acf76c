#include "engine/expr/tensor.hpp"

#include <cmath>

#include "engine/expr/build.hpp"
#include "engine/expr/dtype_promotion.hpp"
#include "engine/expr/integer_wraparound.hpp"
#include "engine/expr/subscripts.hpp"

namespace tilesum::expr {

namespace {
Operand operand(const Tensor& tensor, std::size_t position = 0) {
    const Node& node = *tensor.node();
    std::string display = !node.name.empty() ? node.name
                          : position         ? "operand " + std::to_string(position)
                                             : "the operand of shape " + format_shape(node.shape);
    return Operand{tensor.node(), display, std::nullopt};
}
// A C++ double counts as a Python int when it is integral: numpy's dtype of int32 ** 2 or maximum(int32, 0).
ScalarLiteral number(double value) {
    return ScalarLiteral{value, std::isfinite(value) && std::floor(value) == value && std::abs(value) < 9.0e15};
}

FunctionArgument array_argument(const Tensor& tensor, std::size_t position) {
    return FunctionArgument{operand(tensor, position), {}};
}
FunctionArgument number_argument(double value) { return FunctionArgument{std::nullopt, number(value)}; }

Tensor apply(FunctionOp op, const std::vector<FunctionArgument>& arguments, ScalarLiteral exponent = {}) {
    return Tensor(make_function(op, arguments, std::nullopt, exponent));
}
Tensor unary(FunctionOp op, const Tensor& x) { return apply(op, {array_argument(x, 0)}); }
Tensor binary(FunctionOp op, const Tensor& a, const Tensor& b) {
    return apply(op, {array_argument(a, 1), array_argument(b, 2)});
}
Tensor binary(FunctionOp op, const Tensor& a, double b) {
    return apply(op, {array_argument(a, 1), number_argument(b)});
}
}  // namespace

Tensor exp(const Tensor& x) { return unary(FunctionOp::exp, x); }
Tensor log(const Tensor& x) { return unary(FunctionOp::log, x); }
Tensor log1p(const Tensor& x) { return unary(FunctionOp::log1p, x); }
Tensor expm1(const Tensor& x) { return unary(FunctionOp::expm1, x); }
Tensor sqrt(const Tensor& x) { return unary(FunctionOp::sqrt, x); }
Tensor sin(const Tensor& x) { return unary(FunctionOp::sin, x); }
Tensor cos(const Tensor& x) { return unary(FunctionOp::cos, x); }
Tensor tanh(const Tensor& x) { return unary(FunctionOp::tanh, x); }
Tensor abs(const Tensor& x) { return unary(FunctionOp::abs, x); }
Tensor sign(const Tensor& x) { return unary(FunctionOp::sign, x); }
Tensor pow(const Tensor& x, double p) { return apply(FunctionOp::power, {array_argument(x, 0)}, number(p)); }
Tensor pow(const Tensor& x, const Tensor& y) { return binary(FunctionOp::array_power, x, y); }
Tensor pow(double x, const Tensor& y) {
    return apply(FunctionOp::array_power, {number_argument(x), array_argument(y, 2)});
}
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(FunctionOp::maximum, a, b); }
Tensor maximum(const Tensor& a, double b) { return binary(FunctionOp::maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(FunctionOp::minimum, a, b); }
Tensor minimum(const Tensor& a, double b) { return binary(FunctionOp::minimum, a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return binary(FunctionOp::less, a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return binary(FunctionOp::less_equal, a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return binary(FunctionOp::greater, a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return binary(FunctionOp::greater_equal, a, b); }
Tensor operator<(const Tensor& a, double b) { return binary(FunctionOp::less, a, b); }
Tensor operator<=(const Tensor& a, double b) { return binary(FunctionOp::less_equal, a, b); }
Tensor operator>(const Tensor& a, double b) { return binary(FunctionOp::greater, a, b); }
Tensor operator>=(const Tensor& a, double b) { return binary(FunctionOp::greater_equal, a, b); }
Tensor equal(const Tensor& a, const Tensor& b) { return binary(FunctionOp::equal, a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return binary(FunctionOp::not_equal, a, b); }
Tensor equal(const Tensor& a, double b) { return binary(FunctionOp::equal, a, b); }
Tensor not_equal(const Tensor& a, double b) { return binary(FunctionOp::not_equal, a, b); }
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
    return apply(FunctionOp::where, {array_argument(condition, 1), array_argument(a, 2), array_argument(b, 3)});
}
Tensor where(const Tensor& condition, const Tensor& a, double b) {
    return apply(FunctionOp::where, {array_argument(condition, 1), array_argument(a, 2), number_argument(b)});
}
Tensor where(const Tensor& condition, double a, const Tensor& b) {
    return apply(FunctionOp::where, {array_argument(condition, 1), number_argument(a), array_argument(b, 3)});
}

Tensor Tensor::input(std::string name, Shape shape, DType dtype) {
    return Tensor(make_input(std::move(name), std::move(shape), dtype));
}

Tensor einsum(const std::string& subscripts, const std::vector<Tensor>& operands) {
    Subscripts parsed = parse_subscripts(subscripts, SourceSpan{0, subscripts.size()});
    std::vector<Operand> wrapped;
    for (std::size_t position = 0; position < operands.size(); ++position)
        wrapped.push_back(operand(operands[position], position + 1));
    return Tensor(make_einsum(parsed, wrapped, std::nullopt));
}

Tensor operator+(const Tensor& left, const Tensor& right) {
    return Tensor(make_lincomb({1.0, 1.0}, {operand(left), operand(right)}, std::nullopt));
}
Tensor operator-(const Tensor& left, const Tensor& right) {
    refuse_bool_minus({operand(left), operand(right)}, std::nullopt);
    return Tensor(make_lincomb({1.0, -1.0}, {operand(left), operand(right)}, std::nullopt));
}
Tensor operator-(const Tensor& tensor) {
    refuse_bool_minus({operand(tensor)}, std::nullopt);
    return Tensor(make_lincomb({-1.0}, {operand(tensor)}, std::nullopt));
}
Tensor operator*(double coefficient, const Tensor& tensor) {
    return Tensor(make_lincomb({coefficient}, {operand(tensor)}, std::nullopt));
}
Tensor operator*(const Tensor& tensor, double coefficient) { return coefficient * tensor; }

namespace {
NodePtr retyped(const NodePtr& node, DType dtype) {
    if (node->dtype == dtype) return node;
    auto copy = std::make_shared<Node>(*node);
    copy->dtype = dtype;
    return copy;
}
}  // namespace

Tensor scaled(const Tensor& operand, ScalarLiteral number) {
    const Tensor result = number.value * operand;
    return Tensor(retyped(result.node(), promote_with_scalar(operand.node()->dtype, number)));
}
Tensor as_dtype(const Tensor& operand, DType dtype) {
    // An input keeps its stored dtype (its reader is bound by it): a one-term sum of it takes the new one.
    const NodePtr& node = operand.node();
    if (node->kind == NodeKind::input && node->dtype != dtype)
        return Tensor(retyped(make_lincomb({1.0}, {Operand{node, node->name, std::nullopt}}, std::nullopt), dtype));
    return Tensor(retyped(node, dtype));
}

Tensor divided(const Tensor& operand, ScalarLiteral number) {
    const Tensor result = operand / number.value;
    return Tensor(retyped(result.node(), true_divide_dtype(operand.node()->dtype, number)));
}
Tensor operator/(const Tensor& tensor, double divisor) { return (1.0 / divisor) * tensor; }
Tensor operator*(const Tensor& left, const Tensor& right) {
    return Tensor(make_product(operand(left), operand(right), std::nullopt));
}

}  // namespace tilesum::expr
