// numpy's array functions that are einsums in disguise, built as einsum nodes (build.hpp) with numpy's shape
// and dtype rules and numpy's errors: np.matmul (@), np.dot, np.inner, np.outer, np.tensordot, np.trace,
// np.diagonal, np.transpose (.T), np.swapaxes, np.sum and np.mean. The script binder lowers the numpy spellings
// to these (engine/script/numpy_calls.hpp); nothing here knows about scripts.
//
// Axes are numpy's: an int in [-ndim, ndim), negative counting from the end. Every error is a user error
// (Error{semantic|unsupported}) at `span`, naming the operands by their Operand::display.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/expr/build.hpp"
#include "engine/expr/tensor.hpp"

namespace tilesum::expr {

using AxisList = std::vector<std::int64_t>;

// a @ b: 1-D operands are promoted (and the axis removed) as numpy does; batch axes broadcast.
NodePtr make_matmul(const Operand& a, const Operand& b, std::optional<SourceSpan> span);

// np.dot: a 0-d operand scales the other; otherwise the sum over a's last axis and b's second-to-last (its only
// axis when 1-D), the result's axes a's others then b's others.
NodePtr make_dot(const Operand& a, const Operand& b, std::optional<SourceSpan> span);

// np.inner: the sum over both last axes (a 0-d operand scales the other).
NodePtr make_inner(const Operand& a, const Operand& b, std::optional<SourceSpan> span);

// np.outer: numpy flattens both operands; an einsum can flatten only an operand with at most one axis of extent
// other than 1, so anything else is refused with the einsum that keeps the axes.
NodePtr make_outer(const Operand& a, const Operand& b, std::optional<SourceSpan> span);

// np.tensordot(a, b, axes=(a_axes, b_axes)): the sum over the pairs a_axes[i], b_axes[i]; the result has a's
// remaining axes, then b's.
NodePtr make_tensordot(const Operand& a, const Operand& b, const AxisList& a_axes, const AxisList& b_axes,
                       std::optional<SourceSpan> span);
// tensordot(a, b, axes=N): the last N axes of a with the first N of b.
NodePtr make_tensordot(const Operand& a, const Operand& b, std::int64_t count, std::optional<SourceSpan> span);

// np.trace(a, 0, axis1, axis2) (the main diagonal only; axes of equal extent) and np.diagonal(a, 0, axis1,
// axis2), whose diagonal axis comes last.
NodePtr make_trace(const Operand& a, std::int64_t axis1, std::int64_t axis2, std::optional<SourceSpan> span);
NodePtr make_diagonal(const Operand& a, std::int64_t axis1, std::int64_t axis2, std::optional<SourceSpan> span);

// np.transpose(a) (axes reversed; also a.T) or np.transpose(a, axes), and np.swapaxes.
NodePtr make_transpose(const Operand& a, const std::optional<AxisList>& axes, std::optional<SourceSpan> span);
NodePtr make_swapaxes(const Operand& a, std::int64_t axis1, std::int64_t axis2, std::optional<SourceSpan> span);

// np.sum(a, axis) and np.mean(a, axis), keepdims=False; std::nullopt sums every axis. numpy's dtypes: a sum of
// int32 is int64, a mean of integers float64.
NodePtr make_sum(const Operand& a, const std::optional<AxisList>& axes, std::optional<SourceSpan> span);
NodePtr make_mean(const Operand& a, const std::optional<AxisList>& axes, std::optional<SourceSpan> span);

// The same on Tensors, for the C++ API (tilesum.hpp) and the Python module (numpy_tensor_ops.cpp): numpy's
// semantics, errors naming the operands by input name (or position).
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor inner(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
Tensor tensordot(const Tensor& a, const Tensor& b, const AxisList& a_axes, const AxisList& b_axes);
Tensor tensordot(const Tensor& a, const Tensor& b, std::int64_t count = 2);
Tensor trace(const Tensor& a, std::int64_t axis1 = 0, std::int64_t axis2 = 1);
Tensor diagonal(const Tensor& a, std::int64_t axis1 = 0, std::int64_t axis2 = 1);
Tensor transpose(const Tensor& a, const std::optional<AxisList>& axes = std::nullopt);
Tensor swapaxes(const Tensor& a, std::int64_t axis1, std::int64_t axis2);
Tensor sum(const Tensor& a, const std::optional<AxisList>& axes = std::nullopt);
Tensor mean(const Tensor& a, const std::optional<AxisList>& axes = std::nullopt);

}  // namespace tilesum::expr
