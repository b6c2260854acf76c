// The C++ API: builds the same lazy DAG as a script, through the same checks.
//   Tensor B = Tensor::input("B", {q}), A = Tensor::input("A", {n, n});
//   Tensor C = einsum("i,jk->ijk", {B, A});
//   Tensor E = einsum("ijk,ikj->k", {C + C2, C + C2});
//   Tensor G = einsum("ijk->k", {exp(-pow(C - C2, 2))});   // elementwise functions, numpy's names
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "engine/expr/dtype_promotion.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::expr {

class Tensor {
public:
    explicit Tensor(NodePtr node) : node_(std::move(node)) {}
    static Tensor input(std::string name, Shape shape, DType dtype = DType::f64);

    const NodePtr& node() const { return node_; }
    const Shape& shape() const { return node_->shape; }

private:
    NodePtr node_;
};

Tensor einsum(const std::string& subscripts, const std::vector<Tensor>& operands);
Tensor operator+(const Tensor& left, const Tensor& right);
Tensor operator-(const Tensor& left, const Tensor& right);
Tensor operator-(const Tensor& operand);
Tensor operator*(double coefficient, const Tensor& operand);
Tensor operator*(const Tensor& operand, double coefficient);
Tensor operator/(const Tensor& operand, double divisor);
Tensor operator*(const Tensor& left, const Tensor& right);  // elementwise, numpy broadcasting
// operand * number and operand / number with the dtype numpy gives an array and a Python number (the operators
// above keep the operand's dtype): uint8 * 2 is uint8, uint8 * 2.5 float64, int32 / 2 float64.
Tensor scaled(const Tensor& operand, ScalarLiteral number);
Tensor divided(const Tensor& operand, ScalarLiteral number);
// `operand` with its result given in `dtype` (np.einsum's dtype=): the values are the same (tilesum computes them
// exactly), the dtype is what promotion, integer wrap-around and the output's storage follow.
Tensor as_dtype(const Tensor& operand, DType dtype);

// numpy's elementwise functions, with its broadcasting and dtypes (docs/cpp-api.md). Not multilinear: the planner
// expands einsums and sums above them and evaluates what is below them tile by tile.
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
// x ** p. An integral p counts as a Python int for the dtype (int32 ** 2 stays int32) and is computed by
// multiplication.
Tensor pow(const Tensor& x, double p);
// x ** y elementwise with broadcasting (numpy's power of arrays, C's pow per element): the promoted dtype; for
// integers both, a negative exponent gives nan (numpy refuses it when it meets one).
Tensor pow(const Tensor& x, const Tensor& y);
Tensor pow(double x, const Tensor& y);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, double b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, double b);
// Comparisons: 1 where true, 0 where false, in the operands' promoted dtype (tilesum has no bool dtype).
// Named functions for == and != so that comparing Tensor handles keeps its usual meaning.
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);
Tensor equal(const Tensor& a, const Tensor& b);
Tensor not_equal(const Tensor& a, const Tensor& b);
Tensor equal(const Tensor& a, double b);
Tensor not_equal(const Tensor& a, double b);
// where(condition, a, b): a where condition is nonzero, else b.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, double b);
Tensor where(const Tensor& condition, double a, const Tensor& b);

}  // namespace tilesum::expr
