#include "engine/script/function_calls.hpp"

#include <cmath>
#include <optional>
#include <vector>

#include "engine/common/elementwise_scalar.hpp"
#include "engine/expr/build.hpp"
#include "engine/script/lexer.hpp"

namespace tilesum::script {

namespace {

std::string_view bare_name(std::string_view written) {
    const std::size_t dot = written.rfind('.');
    return dot == std::string_view::npos ? written : written.substr(dot + 1);
}

// numpy's parameter names, for messages.
std::string parameter_names(FunctionOp op) {
    if (op == FunctionOp::where) return "condition, x, y";
    if (op == FunctionOp::power || function_info(op).arity == 2) return "x1, x2";
    return "x";
}

// The value of `op` over the arguments: a number when every argument is one (Python's int for an int result:
// abs, sign, maximum and minimum of ints, comparisons as 0/1, int ** non-negative int), else a lazy array.
Value apply(FunctionOp op, const std::vector<Value>& values, const std::vector<const AstNode*>& asts,
            const AstNode& node, std::optional<expr::ScalarLiteral> exponent) {
    bool all_numbers = true;
    for (const Value& value : values) all_numbers = all_numbers && !value.node;
    for (const Value& value : values) require_real(value, node.span);
    if (all_numbers) {
        std::vector<double> numbers;
        bool all_integers = true;
        for (const Value& value : values) {
            numbers.push_back(*value.number);
            all_integers = all_integers && value.integer;
        }
        const double parameter = exponent ? exponent->value : 0.0;
        const double result = function_value(op, parameter, numbers.data());
        bool integer = false;
        if (op == FunctionOp::power)
            integer = all_integers && exponent->is_integer && exponent->value >= 0;
        else if (is_comparison(op))
            integer = true;
        else if (!is_float_function(op))
            integer = op == FunctionOp::where ? values[1].integer && values[2].integer : all_integers;
        return Value{result, nullptr, integer};
    }
    std::vector<expr::FunctionArgument> arguments;
    for (std::size_t position = 0; position < values.size(); ++position) {
        if (values[position].node)
            arguments.push_back(
                {as_operand(values[position], *asts[position], values.size() > 1 ? position + 1 : 0), {}});
        else
            arguments.push_back({std::nullopt, as_scalar(values[position])});
    }
    return Value{std::nullopt, expr::make_function(op, arguments, node.span, exponent.value_or(expr::ScalarLiteral{}))};
}

// base ** exponent (np.power(base, exponent)): with a number exponent power (integer exponents by multiplication),
// with an array exponent array_power (2 ** X, X ** Y); numbers alone fold as Python's ** does.
Value lower_power(const Value& base, const Value& exponent, const AstNode& node, const AstNode& base_ast,
                  const AstNode& exponent_ast) {
    require_real(base, node.span);
    require_real(exponent, node.span);
    if (exponent.node) return apply(FunctionOp::array_power, {base, exponent}, {&base_ast, &exponent_ast}, node, {});
    const expr::ScalarLiteral number = as_scalar(exponent);
    if (!base.node) {
        // Python's number ** number: an int when both are ints and the exponent is not negative.
        const double value = std::pow(*base.number, number.value);
        return Value{value, nullptr, base.integer && number.is_integer && number.value >= 0};
    }
    return apply(FunctionOp::power, {base}, {&base_ast}, node, number);
}

}  // namespace

bool is_elementwise_function(std::string_view written) {
    const std::string_view bare = bare_name(written);
    return function_named(bare).has_value() &&
           (bare.size() == written.size() || written.substr(0, 3) == "np." || written.substr(0, 6) == "numpy.");
}

std::string elementwise_function_list() {
    std::string list;
    for (const FunctionInfo& info : function_table)
        if (info.op != FunctionOp::array_power)  // numpy's power, listed once
            list.append(list.empty() ? "np." : ", np.").append(info.name);
    return list + " (also without np.), ** and the comparisons < <= > >= == !=";
}

Value lower_function_call(const AstNode& call, const Evaluate& evaluate) {
    const std::string_view bare = bare_name(call.name);
    const FunctionOp op = *function_named(bare);
    const std::string callee = call.name + "()";
    if (!call.keywords.empty())
        fail(ErrorKind::unsupported,
             "keyword argument " + quote_excerpt(call.keywords.front().name) + " of " + callee +
                 " is not supported; it takes " + parameter_names(op) + ", positionally",
             call.keywords.front().span);
    const std::size_t expected = op == FunctionOp::power ? 2 : function_info(op).arity;
    if (call.args.size() != expected) {
        if (op == FunctionOp::where && call.args.size() == 1)
            fail(ErrorKind::unsupported,
                 "np.where(condition) with one argument (numpy's nonzero: indices) is not supported; write "
                 "np.where(condition, x, y)",
                 call.span);
        fail(ErrorKind::semantic,
             callee + " takes " + std::to_string(expected) + " argument(s) (" + parameter_names(op) + "), " +
                 std::to_string(call.args.size()) + " given",
             call.span);
    }
    std::vector<Value> values;
    std::vector<const AstNode*> asts;
    for (const AstPtr& argument : call.args) {
        values.push_back(evaluate(*argument));
        asts.push_back(argument.get());
    }
    if (op == FunctionOp::power) return lower_power(values[0], values[1], call, *call.args[0], *call.args[1]);
    return apply(op, values, asts, call, std::nullopt);
}

Value lower_function_operator(const AstNode& node, const Value& left, const Value& right) {
    const std::vector<const AstNode*> asts{node.args[0].get(), node.args[1].get()};
    switch (node.op) {
        case '^': return lower_power(left, right, node, *asts[0], *asts[1]);
        case '<': return apply(FunctionOp::less, {left, right}, asts, node, std::nullopt);
        case 'L': return apply(FunctionOp::less_equal, {left, right}, asts, node, std::nullopt);
        case '>': return apply(FunctionOp::greater, {left, right}, asts, node, std::nullopt);
        case 'G': return apply(FunctionOp::greater_equal, {left, right}, asts, node, std::nullopt);
        case 'E': return apply(FunctionOp::equal, {left, right}, asts, node, std::nullopt);
        case 'N': return apply(FunctionOp::not_equal, {left, right}, asts, node, std::nullopt);
        default: break;
    }
    TILESUM_ASSERT(false);
    return {};
}

}  // namespace tilesum::script
