// numpy's elementwise functions in scripts (issue 13): np.exp(X) or exp(X), ..., np.maximum(X, 0),
// np.where(C, A, B), and the operators ** and < <= > >= == !=, lowered to expr::make_function. Numbers alone are
// folded when the script is bound, with the engine's own kernel.
#pragma once

#include <string_view>

#include "engine/script/ast.hpp"
#include "engine/script/numpy_calls.hpp"
#include "engine/script/value.hpp"

namespace tilesum::script {

// Whether `written` (exp, np.exp, numpy.exp) names one of the elementwise functions.
bool is_elementwise_function(std::string_view written);

// "np.exp, np.log, ...": the functions, for messages listing what is supported.
std::string elementwise_function_list();

// A Kind::call of an elementwise function: its value, through `evaluate` for the arguments.
Value lower_function_call(const AstNode& call, const Evaluate& evaluate);

// left ** right, or a comparison (a Kind::binary node with op '^', '<', 'L', '>', 'G', 'E' or 'N'), evaluated.
Value lower_function_operator(const AstNode& node, const Value& left, const Value& right);

}  // namespace tilesum::script
