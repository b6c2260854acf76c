#include "engine/expr/tensor.hpp"

#include "engine/expr/build.hpp"
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
}  // namespace

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
    return Tensor(make_lincomb({1.0, -1.0}, {operand(left), operand(right)}, std::nullopt));
}
Tensor operator-(const Tensor& tensor) { return Tensor(make_lincomb({-1.0}, {operand(tensor)}, std::nullopt)); }
Tensor operator*(double coefficient, const Tensor& tensor) {
    return Tensor(make_lincomb({coefficient}, {operand(tensor)}, std::nullopt));
}
Tensor operator*(const Tensor& tensor, double coefficient) { return coefficient * tensor; }
Tensor operator/(const Tensor& tensor, double divisor) { return (1.0 / divisor) * tensor; }
Tensor operator*(const Tensor& left, const Tensor& right) {
    return Tensor(make_product(operand(left), operand(right), std::nullopt));
}

}  // namespace tilesum::expr
