// The numpy spellings a script may use beyond einsum, lowered to einsums by engine/expr/numpy_ops.hpp:
//   functions  np.matmul np.dot np.inner np.outer np.tensordot np.trace np.diagonal np.transpose np.swapaxes
//              np.sum np.mean   (also spelled numpy.NAME)
//   methods    X.T  X.transpose(...)  X.swapaxes(a, b)  X.sum(...)  X.mean(...)
//   operator   A @ B
// This file binds their arguments numpy's way (positional, then keywords; axes as ints, tuples or lists; None)
// and refuses what it cannot lower, each message naming a spelling that works.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engine/script/ast.hpp"
#include "engine/script/value.hpp"

namespace tilesum::script {

// `name` without its module: "matmul" for np.matmul.
bool is_numpy_function(std::string_view name);
// An array's attribute (`call` false: X.T) or method (`call` true: X.sum(...)).
bool is_array_method(std::string_view name, bool call);

// The rest of a "function 'NAME' is not supported; ..." message: what to write instead.
std::string numpy_function_hint(std::string_view written);
std::string array_method_hint();

using Evaluate = std::function<Value(const AstNode&)>;

// A Kind::call node: its value, through `evaluate` for the arguments.
Value lower_call(const AstNode& call, const Evaluate& evaluate);

// left @ right, already evaluated.
Value lower_matmul_operator(const AstNode& node, const Value& left, const Value& right);

}  // namespace tilesum::script
