// The lazy expression DAG. Nodes are immutable and shared; nothing here holds data, only what to compute.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::expr {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

enum class NodeKind {
    input,    // a tensor read from storage: `name`
    einsum,   // einsum(operand_labels -> output_labels, operands)
    lincomb,  // Σ coefficients[t] * operands[t], numpy broadcasting
    product,  // operands[0] * operands[1] elementwise, numpy broadcasting
};

struct Node {
    NodeKind kind = NodeKind::input;
    Shape shape;
    DType dtype = DType::f64;
    std::string name;  // input: the input's name; others: the script name it was assigned to, if any
    Shape chunk_shape;  // input: its storage chunk shape, one extent per axis; {} when not chunked

    std::vector<NodePtr> operands;
    std::vector<std::string> operand_labels;  // einsum: one label string per operand
    std::string output_labels;                // einsum
    std::vector<double> coefficients;         // lincomb: one per operand

    // One letter per axis when the axis is known by an einsum index ('\0' when not): lets `--tile k=64` name
    // an axis of an output that is a sum of einsums.
    std::string axis_labels;
};

// Every distinct node reachable from `roots`, children before parents.
std::vector<const Node*> topological_order(const std::vector<NodePtr>& roots);

}  // namespace tilesum::expr
