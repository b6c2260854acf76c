// What a script expression binds to, shared by the binder (binder.cpp) and the numpy calls it lowers
// (numpy_calls.cpp): a number folded at bind time, or a lazy tensor.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/expr/build.hpp"
#include "engine/expr/dtype_promotion.hpp"
#include "engine/script/ast.hpp"

namespace tilesum::script {

struct Value {
    std::optional<double> number;
    expr::NodePtr node;
    bool integer = false;  // number: a Python int, which numpy's dtype rules treat apart from a float
    bool boolean = false;  // number: True or False, a Python bool (integer too: True + True is the int 2)
    double imag = 0;       // number: the imaginary part of a Python complex (2j, 1 + 2j); `number` is the real part
    bool complex = false;  // number: a Python complex (a j literal, or arithmetic with one)
};

// A Python complex is taken as a factor of an array (2j * X, X / 1j) and in arithmetic with numbers; anywhere else
// (functions, einsum operands, powers, indices) it is refused here, where its value would be read as a real.
inline void require_real(const Value& value, std::optional<SourceSpan> span) {
    if (value.number && value.complex)
        fail(ErrorKind::unsupported,
             "a complex number is taken only as a factor of an array (2j * X, X / 1j) and in arithmetic with "
             "numbers, not here yet",
             span);
}

inline expr::ScalarLiteral as_scalar(const Value& value) {
    return expr::ScalarLiteral{*value.number, value.integer, value.boolean};
}

// `node` with the dtype numpy gives an operation with a Python number (value-based casting, dtype_promotion.hpp).
inline expr::NodePtr with_dtype(expr::NodePtr node, DType dtype) {
    if (node->dtype == dtype) return node;
    auto copy = std::make_shared<expr::Node>(*node);
    copy->dtype = dtype;
    return copy;
}

// An array value as an operand, named for messages: its script name, "operand N" (N > 0), or its shape.
inline expr::Operand as_operand(const Value& value, const AstNode& ast, std::size_t position = 0) {
    std::string display;
    if (ast.kind == AstNode::Kind::name)
        display = ast.name;
    else if (position)
        display = "operand " + std::to_string(position);
    else
        display = "the operand of shape " + format_shape(value.node->shape);
    return expr::Operand{value.node, display, ast.span};
}

}  // namespace tilesum::script
