// The lazy expression DAG. Nodes are immutable and shared; nothing here holds data, only what to compute.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/elementwise_function.hpp"
#include "engine/common/shape.hpp"

namespace tilesum::expr {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

enum class NodeKind {
    input,    // a tensor read from storage: `name`
    einsum,   // einsum(operand_labels -> output_labels, operands)
    lincomb,  // Σ coefficients[t] * operands[t], numpy broadcasting
    product,  // operands[0] * operands[1] elementwise, numpy broadcasting
    // function(arguments) elementwise, numpy broadcasting (issue 13): `function`, `parameter` (power's exponent)
    // and `constants` (one per argument: a number written in its place, or std::nullopt for the next operand).
    // Not multilinear: the planner expands above it, never below (plan/expand.hpp), and evaluates what is below
    // tile by tile. Kept as data (op + arguments) so that a fused evaluator can compile the DAG under it.
    function,
};

// An input that reads another input along a diagonal and/or a strided slice: numpy's repeated subscript labels,
// pushed down to the data by expr/diagonal.hpp, and basic slicing (`X[2:10:2, :]`), pushed down by expr/slice.hpp.
// Index j of the view reads the base at (starts[0] + steps[0] * j[axes[0]], starts[1] + steps[1] * j[axes[1]], ...);
// a base axis marked dropped_axis (one index of it is read) at starts[b]. Empty starts and steps mean 0 and 1 on
// every axis (a plain diagonal). A reciprocal view reads 1 / value there (expr/reciprocal.hpp: `g / D`). Views are
// listed in Program::views; readers wrap the base's.
struct DiagonalView {
    static constexpr std::size_t dropped_axis = static_cast<std::size_t>(-1);
    std::string base;  // the input read
    Shape base_shape;
    std::vector<std::size_t> axes;    // one per base axis: the view axis it follows, or dropped_axis
    Shape base_chunk_shape;           // the base input's storage chunks ({} when not chunked)
    std::vector<Extent> starts;       // one per base axis, or empty: all 0
    std::vector<Extent> steps;        // one per base axis (never 0; negative walks backwards), or empty: all 1
    bool reciprocal = false;          // the view reads 1 / value (division by an input: g / D)
    std::optional<DType> base_dtype;  // when it differs from the view's (an int32 base read as 1 / value: float64)

    Extent start(std::size_t base_axis) const { return starts.empty() ? 0 : starts[base_axis]; }
    Extent step(std::size_t base_axis) const { return steps.empty() ? 1 : steps[base_axis]; }
    friend bool operator==(const DiagonalView&, const DiagonalView&) = default;
};

struct Node {
    NodeKind kind = NodeKind::input;
    Shape shape;
    DType dtype = DType::f64;
    std::string name;       // input: the input's name; others: the script name it was assigned to, if any
    Shape chunk_shape;      // input: its storage chunk shape, one extent per axis; {} when not chunked
    bool filtered = false;  // input: its chunks pass a filter (gzip) when read, which the cost model prices apart
    std::optional<DiagonalView> diagonal_of;  // input: set when it is a diagonal view of another input
    // input: a shared piece the plan computes before the outputs (plan/hoist.hpp), held in memory, not storage.
    // Named "~0", "~1", ... for people; code asks this, never the name.
    bool piece = false;

    std::vector<NodePtr> operands;
    std::vector<std::string> operand_labels;  // einsum: one label string per operand
    std::string output_labels;                // einsum
    std::vector<double> coefficients;         // lincomb: one per operand
    // lincomb: the imaginary parts of complex coefficients (a Python complex in a script: 2j * X), one per operand,
    // or empty (all real). Only complex_split reads them: it turns the node into real ones.
    std::vector<double> imag_coefficients;
    FunctionOp function = FunctionOp::exp;         // function: which
    double parameter = 0;                          // function: power's exponent p (x ** p); array_power: 1
                                                   // when both sides are integers, else 0
    std::vector<std::optional<double>> constants;  // function: one per argument; operands fill the empty ones

    // One letter per axis when the axis is known by an einsum index ('\0' when not): lets `--tile k=64` name
    // an axis of an output that is a sum of einsums.
    std::string axis_labels;
};

// Each label's extent, from the operand axes it labels: operand_labels[p][axis] is axis `axis` of operands[p].
std::map<char, Extent> label_extents(const std::vector<std::string>& operand_labels,
                                     const std::vector<NodePtr>& operands);

// Every distinct node reachable from `roots`, children before parents.
std::vector<const Node*> topological_order(const std::vector<NodePtr>& roots);

}  // namespace tilesum::expr
