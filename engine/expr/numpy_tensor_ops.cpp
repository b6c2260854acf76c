// numpy's array functions on Tensors (numpy_ops.hpp): the C++ API's and the Python module's way to the same
// einsum builders the script binder uses, so a @ b means one thing in a script, in C++ and in Python.
#include <string>

#include "engine/expr/numpy_ops.hpp"

namespace tilesum::expr {

namespace {

// The operand as errors name it: its input name, else its position among the call's operands.
Operand operand(const Tensor& tensor, int position) {
    const Node& node = *tensor.node();
    return Operand{tensor.node(), !node.name.empty() ? node.name : "operand " + std::to_string(position), std::nullopt};
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) { return Tensor(make_matmul(operand(a, 1), operand(b, 2), {})); }
Tensor dot(const Tensor& a, const Tensor& b) { return Tensor(make_dot(operand(a, 1), operand(b, 2), {})); }
Tensor inner(const Tensor& a, const Tensor& b) { return Tensor(make_inner(operand(a, 1), operand(b, 2), {})); }
Tensor outer(const Tensor& a, const Tensor& b) { return Tensor(make_outer(operand(a, 1), operand(b, 2), {})); }

Tensor tensordot(const Tensor& a, const Tensor& b, const AxisList& a_axes, const AxisList& b_axes) {
    return Tensor(make_tensordot(operand(a, 1), operand(b, 2), a_axes, b_axes, {}));
}

Tensor tensordot(const Tensor& a, const Tensor& b, std::int64_t count) {
    return Tensor(make_tensordot(operand(a, 1), operand(b, 2), count, {}));
}

Tensor trace(const Tensor& a, std::int64_t axis1, std::int64_t axis2) {
    return Tensor(make_trace(operand(a, 1), axis1, axis2, {}));
}

Tensor diagonal(const Tensor& a, std::int64_t axis1, std::int64_t axis2) {
    return Tensor(make_diagonal(operand(a, 1), axis1, axis2, {}));
}

Tensor transpose(const Tensor& a, const std::optional<AxisList>& axes) {
    return Tensor(make_transpose(operand(a, 1), axes, {}));
}

Tensor swapaxes(const Tensor& a, std::int64_t axis1, std::int64_t axis2) {
    return Tensor(make_swapaxes(operand(a, 1), axis1, axis2, {}));
}

Tensor sum(const Tensor& a, const std::optional<AxisList>& axes) { return Tensor(make_sum(operand(a, 1), axes, {})); }
Tensor mean(const Tensor& a, const std::optional<AxisList>& axes) { return Tensor(make_mean(operand(a, 1), axes, {})); }

}  // namespace tilesum::expr
