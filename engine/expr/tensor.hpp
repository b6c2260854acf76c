// The C++ API: builds the same lazy DAG as a script, through the same checks.
//   Tensor B = Tensor::input("B", {q}), A = Tensor::input("A", {n, n});
//   Tensor C = einsum("i,jk->ijk", {B, A});
//   Tensor E = einsum("ijk,ikj->k", {C + C2, C + C2});
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

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

}  // namespace tilesum::expr
