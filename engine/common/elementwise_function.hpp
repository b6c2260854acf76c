// numpy's elementwise functions that tilesum evaluates (issue 13): which ones, how many arguments each takes and
// how numpy spells them. Shared by the DAG (expr: NodeKind::function), the kernels that compute them
// (kernels/elementwise_functions.hpp), the plan's JSON and the script's calls, so one table names them all.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace tilesum {

enum class FunctionOp {
    // Unary, float results (an integer argument gives float64, as numpy's ufuncs do).
    exp,
    log,
    log1p,
    expm1,
    sqrt,
    sin,
    cos,
    tanh,
    // Unary, the argument's dtype.
    abs,
    sign,
    // x ** p for a number p (Node::parameter); integer p by repeated multiplication.
    power,
    // x ** y with both sides arrays, or a number base (2 ** X): numpy's power with broadcasting, C's pow per
    // element. Node::parameter is 1 when both sides are integers (numpy's integer power: exact, and a negative
    // exponent, which numpy refuses at run time, gives nan), else 0.
    array_power,
    // Binary, numpy broadcasting.
    maximum,
    minimum,
    // Comparisons: 1 where true and 0 where false, in the promoted dtype of the operands (tilesum has no bool
    // dtype; docs/script-language.md says so).
    less,
    less_equal,
    greater,
    greater_equal,
    equal,
    not_equal,
    // where(condition, a, b): a where condition is nonzero, else b.
    where,
};

struct FunctionInfo {
    FunctionOp op;
    std::string_view name;    // numpy's name: np.NAME
    std::size_t arity;        // arguments, numbers included (power: 1, its exponent is the node's parameter)
    std::string_view symbol;  // the operator spelling of a comparison ("<") or a power ("**"), else empty
};

// power and array_power are both numpy's "power": which one a node is follows from its arguments (one, or two).
inline constexpr std::array<FunctionInfo, 21> function_table{{
    {FunctionOp::exp, "exp", 1, ""},          {FunctionOp::log, "log", 1, ""},
    {FunctionOp::log1p, "log1p", 1, ""},      {FunctionOp::expm1, "expm1", 1, ""},
    {FunctionOp::sqrt, "sqrt", 1, ""},        {FunctionOp::sin, "sin", 1, ""},
    {FunctionOp::cos, "cos", 1, ""},          {FunctionOp::tanh, "tanh", 1, ""},
    {FunctionOp::abs, "abs", 1, ""},          {FunctionOp::sign, "sign", 1, ""},
    {FunctionOp::power, "power", 1, "**"},    {FunctionOp::array_power, "power", 2, "**"},
    {FunctionOp::maximum, "maximum", 2, ""},  {FunctionOp::minimum, "minimum", 2, ""},
    {FunctionOp::less, "less", 2, "<"},       {FunctionOp::less_equal, "less_equal", 2, "<="},
    {FunctionOp::greater, "greater", 2, ">"}, {FunctionOp::greater_equal, "greater_equal", 2, ">="},
    {FunctionOp::equal, "equal", 2, "=="},    {FunctionOp::not_equal, "not_equal", 2, "!="},
    {FunctionOp::where, "where", 3, ""},
}};

inline const FunctionInfo& function_info(FunctionOp op) {
    for (const FunctionInfo& info : function_table)
        if (info.op == op) return info;
    return function_table.front();  // unreachable: the table lists every op
}

inline std::string_view function_name(FunctionOp op) { return function_info(op).name; }

// The op numpy calls `name` ("absolute" is numpy's other name of abs), or std::nullopt. "power" is power (a number
// exponent); the caller tells array_power by its arguments (function_with_arity).
inline std::optional<FunctionOp> function_named(std::string_view name) {
    if (name == "absolute") return FunctionOp::abs;
    for (const FunctionInfo& info : function_table)
        if (info.name == name) return info.op;
    return std::nullopt;
}

// The op numpy calls `name` that takes `arity` arguments: how a plan file names power and array_power.
inline std::optional<FunctionOp> function_with_arity(std::string_view name, std::size_t arity) {
    for (const FunctionInfo& info : function_table)
        if (info.name == name && info.arity == arity) return info.op;
    return std::nullopt;
}

// Whether the op computes a float from any argument (exp, log, ...): numpy promotes integers to float64.
inline bool is_float_function(FunctionOp op) {
    return op == FunctionOp::exp || op == FunctionOp::log || op == FunctionOp::log1p || op == FunctionOp::expm1 ||
           op == FunctionOp::sqrt || op == FunctionOp::sin || op == FunctionOp::cos || op == FunctionOp::tanh;
}

inline bool is_comparison(FunctionOp op) {
    return op == FunctionOp::less || op == FunctionOp::less_equal || op == FunctionOp::greater ||
           op == FunctionOp::greater_equal || op == FunctionOp::equal || op == FunctionOp::not_equal;
}

inline bool is_power(FunctionOp op) { return op == FunctionOp::power || op == FunctionOp::array_power; }

// Whether the cost model prices the op as a transcendental (a libm call per element) rather than a few flops
// (power with a number exponent: when the exponent is fractional or large, which the caller checks).
inline bool is_transcendental(FunctionOp op) {
    return (is_float_function(op) && op != FunctionOp::sqrt) ||  // sqrt is one instruction
           op == FunctionOp::array_power;                        // pow per element
}

}  // namespace tilesum
