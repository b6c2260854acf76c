// A bound program: the DAGs of its outputs, its inputs and the diagonal views the outputs read. What the front
// ends (engine/script/binder.hpp for scripts) produce and the planner (engine/plan) consumes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::expr {

struct InputUse {
    std::string name;
    SourceSpan first_use;
};

struct InputSpec {
    // A constructor rather than an aggregate: `InputSpec{shape, dtype}` for an unchunked input stays valid and
    // free of -Wmissing-field-initializers.
    InputSpec() = default;
    InputSpec(Shape shape_, DType dtype_ = DType::f64, Shape chunk_shape_ = {}, bool filtered_ = false)
        : shape(std::move(shape_)), dtype(dtype_), chunk_shape(std::move(chunk_shape_)), filtered(filtered_) {}

    Shape shape;
    DType dtype = DType::f64;
    Shape chunk_shape;      // how the input is chunked in storage; {} when not chunked (contiguous, in memory)
    bool filtered = false;  // its chunks are compressed (gzip): they read far slower per byte (cost model only)
};

struct NamedNode {
    std::string name;
    NodePtr node;
};

struct Program {
    std::vector<NamedNode> inputs;   // in order of first use
    std::vector<NamedNode> outputs;  // in order of assignment
    // Inputs the outputs read that are diagonal views of an input (node->diagonal_of says of which and how):
    // whoever binds inputs to data reads them through the base input's reader.
    std::vector<NamedNode> views;
};

// The diagonal views (Node::diagonal_of) that `outputs` read, each name once.
std::vector<NamedNode> find_views(const std::vector<NamedNode>& outputs);

}  // namespace tilesum::expr
