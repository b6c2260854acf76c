// Script -> DAG: resolves names, folds numeric constants, builds nodes through build.hpp, and finds the
// program's inputs (names read but never assigned) and outputs (names assigned but never read).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/expr/node.hpp"
#include "engine/script/ast.hpp"

namespace tilesum::expr {

struct InputUse {
    std::string name;
    SourceSpan first_use;
};

struct InputSpec {
    // A constructor rather than an aggregate: `InputSpec{shape, dtype}` for an unchunked input stays valid and
    // free of -Wmissing-field-initializers.
    InputSpec() = default;
    InputSpec(Shape shape_, DType dtype_ = DType::f64, Shape chunk_shape_ = {})
        : shape(std::move(shape_)), dtype(dtype_), chunk_shape(std::move(chunk_shape_)) {}

    Shape shape;
    DType dtype = DType::f64;
    Shape chunk_shape;  // how the input is chunked in storage; {} when not chunked (contiguous, in memory)
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

// The names the script reads but never assigns, in order of first use. Also rejects names read before
// their assignment and names assigned twice (Error{semantic} at the offending span).
std::vector<InputUse> find_inputs(const script::Script& script);

// Builds the DAG. `resolve` gives the shape and dtype of each input (it may throw for a missing dataset).
using InputResolver = std::function<InputSpec(const InputUse&)>;
Program bind(const script::Script& script, const InputResolver& resolve);

}  // namespace tilesum::expr
