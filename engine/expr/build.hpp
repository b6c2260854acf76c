// Constructors of DAG nodes. Every shape and dtype rule lives here, so the script binder and the C++ API
// (tensor.hpp) reject the same mistakes with the same messages. Errors carry the span given with the operand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/expr/dtype_promotion.hpp"
#include "engine/expr/node.hpp"
#include "engine/expr/subscripts.hpp"

namespace tilesum::expr {

// An operand as the user wrote it: the node, how to name it in a message ("A", "operand 2") and where it is.
struct Operand {
    NodePtr node;
    std::string display;
    std::optional<SourceSpan> span;
};

// `chunk_shape`: the input's storage chunks, which tile boundaries follow when it has any ({} = not chunked).
// `filtered`: its chunks are compressed (or otherwise filtered), which only the cost model looks at.
NodePtr make_input(std::string name, Shape shape, DType dtype, Shape chunk_shape = {}, bool filtered = false);

// numpy's einsum, all of its subscripts (validated for syntax already): ellipsis, implicit output, extent-1
// broadcasting (expr/einsum_labels.hpp) and repeated labels in one operand (pushed down as diagonals,
// expr/diagonal.hpp). The node built has operands with distinct letters and agreeing extents.
NodePtr make_einsum(const Subscripts& subscripts, const std::vector<Operand>& operands, std::optional<SourceSpan> span);

// The same with explicit letters (a letter may repeat within an operand): how the engine builds einsums.
NodePtr make_einsum(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                    const std::vector<Operand>& operands, std::optional<SourceSpan> span);

// Σ coefficient * operand with numpy broadcasting. Nested sums are flattened.
NodePtr make_lincomb(const std::vector<double>& coefficients, const std::vector<Operand>& operands,
                     std::optional<SourceSpan> span);

NodePtr make_product(const Operand& left, const Operand& right, std::optional<SourceSpan> span);

// An argument of an elementwise function: an array, or a number written in its place (np.maximum(X, 0)).
struct FunctionArgument {
    std::optional<Operand> array;
    ScalarLiteral number;  // when `array` is empty
};

// function(arguments) elementwise with numpy's broadcasting and dtypes (engine/common/elementwise_function.hpp
// lists the ops and their arity). At least one argument is an array (numbers alone are folded by the caller).
// `exponent`: power's p (array_power takes its exponent as its second argument). Complex arguments are refused,
// naming the function: numpy's complex versions are not implemented yet. Integer arrays to negative integer
// powers are refused as numpy refuses them (a number exponent; an integer array exponent's negative elements give
// nan, elementwise_scalar.hpp).
NodePtr make_function(FunctionOp op, const std::vector<FunctionArgument>& arguments, std::optional<SourceSpan> span,
                      ScalarLiteral exponent = {});

// `function` (a NodeKind::function node) applied to other operands, same op, numbers and dtype: how rewrites
// that push a view below a function (a slice, a diagonal) rebuild it. The operands must broadcast.
NodePtr function_with_operands(const Node& function, const std::vector<NodePtr>& operands);

// How messages name a function: "np.exp", or the operator of a comparison or a power ("'<'", "'**'").
std::string function_display(FunctionOp op);

// numpy's broadcast of several shapes, or std::nullopt when they do not broadcast.
std::optional<Shape> broadcast_shapes(const std::vector<Shape>& shapes);

// Returns a copy of `node` carrying `name` (the script name it is assigned to), for plans and messages.
NodePtr with_name(const NodePtr& node, std::string name);

}  // namespace tilesum::expr
