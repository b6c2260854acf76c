#include "engine/script/numpy_calls.hpp"

#include <array>
#include <cmath>
#include <optional>
#include <vector>

#include "engine/expr/numpy_ops.hpp"
#include "engine/script/function_calls.hpp"
#include "engine/script/lexer.hpp"

namespace tilesum::script {

namespace {

using expr::AxisList;
using expr::Operand;

// numpy's parameters of each function, in positional order (the array first). A method takes the same, its
// receiver as the first. Parameters numpy has but tilesum cannot honour beyond their default (offset, dtype,
// out, keepdims) are listed so that their default is accepted; the others (initial=, where=) are refused.
struct Signature {
    std::string_view name;
    std::vector<std::string_view> parameters;
    std::size_t required;
    bool method;  // also a method of arrays: X.NAME(...)
};

const std::array<Signature, 11>& signatures() {
    static const std::array<Signature, 11> table{{
        {"matmul", {"x1", "x2"}, 2, false},
        {"dot", {"a", "b", "out"}, 2, true},
        {"inner", {"a", "b"}, 2, false},
        {"outer", {"a", "b", "out"}, 2, false},
        {"tensordot", {"a", "b", "axes"}, 2, false},
        {"trace", {"a", "offset", "axis1", "axis2", "dtype", "out"}, 1, true},
        {"diagonal", {"a", "offset", "axis1", "axis2"}, 1, true},
        {"transpose", {"a", "axes"}, 1, true},
        {"swapaxes", {"a", "axis1", "axis2"}, 3, true},
        {"sum", {"a", "axis", "dtype", "out", "keepdims"}, 1, true},
        {"mean", {"a", "axis", "dtype", "out", "keepdims"}, 1, true},
    }};
    return table;
}

const Signature* find_signature(std::string_view name) {
    for (const Signature& signature : signatures())
        if (signature.name == name) return &signature;
    return nullptr;
}

std::string_view bare_name(std::string_view written) {
    const std::size_t dot = written.rfind('.');
    return dot == std::string_view::npos ? written : written.substr(dot + 1);
}

std::string supported_list() {
    return "supported: np.einsum, np.matmul (and @), np.dot, np.inner, np.outer, np.tensordot, np.trace, "
           "np.diagonal, np.transpose (and .T), np.swapaxes, np.sum, np.mean, + - * / between arrays and numbers, "
           "and elementwise " +
           elementwise_function_list();
}

// A call's arguments matched to its parameters, numpy's way: positional first, then keywords.
class BoundCall {
public:
    BoundCall(const AstNode& call, const Signature& signature, const Evaluate& evaluate)
        : call_(call), signature_(signature), evaluate_(evaluate), slots_(signature.parameters.size(), nullptr) {
        callee_ = call.method ? "." + call.name + "()" : call.name + "()";
        std::size_t positional = call.args.size();
        // X.transpose(1, 0, 2): the axes as separate arguments are one parameter.
        if (call.method && signature.name == "transpose" && positional > 2) positional = 2;
        if (positional > slots_.size())
            fail(ErrorKind::semantic,
                 callee_ + " takes at most " + std::to_string(slots_.size() - (call.method ? 1 : 0)) +
                     " positional arguments",
                 call.args[slots_.size()]->span);
        for (std::size_t index = 0; index < positional; ++index) slots_[index] = call.args[index].get();
        for (const Keyword& keyword : call.keywords) {
            std::size_t slot = 0;
            while (slot < slots_.size() && signature.parameters[slot] != keyword.name) ++slot;
            // The array itself is positional only for a method (its receiver).
            if (slot == slots_.size() || (slot == 0 && call.method))
                fail(ErrorKind::unsupported,
                     "keyword argument " + quote_excerpt(keyword.name) + " of " + callee_ +
                         " is not supported; it takes " + parameter_list(),
                     keyword.span);
            if (slots_[slot])
                fail(ErrorKind::semantic, callee_ + " got multiple values for argument " + quote_excerpt(keyword.name),
                     keyword.span);
            slots_[slot] = keyword.value.get();
        }
        for (std::size_t slot = 0; slot < signature.required; ++slot)
            if (!slots_[slot])
                fail(ErrorKind::semantic,
                     callee_ + " is missing its argument " + quote_excerpt(signature.parameters[slot]), call.span);
    }

    const AstNode* slot(std::string_view parameter) const {
        for (std::size_t index = 0; index < slots_.size(); ++index)
            if (signature_.parameters[index] == parameter) return slots_[index];
        TILESUM_ASSERT(false);
        return nullptr;
    }

    // An array argument; a number is refused (numpy would take it as a 0-d array: scaling is spelled *).
    Operand array(std::string_view parameter) const {
        const AstNode* ast = slot(parameter);
        const Value value = evaluate_(*ast);
        if (!value.node)
            fail(ErrorKind::unsupported,
                 callee_ + ": argument " + quote_excerpt(parameter) +
                     " is a number, not an array; multiply arrays by numbers with *",
                 ast->span);
        std::size_t position = 0;
        while (signature_.parameters[position] != parameter) ++position;
        return as_operand(value, *ast, position + 1);
    }

    std::int64_t integer(const AstNode& ast, std::string_view parameter) const {
        const Value value = evaluate_(ast);
        if (!value.number || !value.integer || value.complex || std::abs(*value.number) > 1e15)
            fail(ErrorKind::semantic, callee_ + ": " + std::string(parameter) + " must be an integer", ast.span);
        return static_cast<std::int64_t>(*value.number);
    }

    std::int64_t integer(std::string_view parameter, std::int64_t fallback) const {
        const AstNode* ast = slot(parameter);
        return ast ? integer(*ast, parameter) : fallback;
    }

    // An axis argument: None (std::nullopt), an int, or a tuple or list of ints.
    std::optional<AxisList> axes(const AstNode* ast, std::string_view parameter) const {
        if (!ast || is_constant(*ast, "None")) return std::nullopt;
        if (ast->kind != AstNode::Kind::tuple) return AxisList{integer(*ast, parameter)};
        AxisList result;
        for (const AstPtr& element : ast->args) result.push_back(integer(*element, parameter));
        return result;
    }

    // A parameter tilesum takes at its default only: `accepted` tells whether the value given is that default.
    void require_default(std::string_view parameter, bool accepted, const std::string& instead) const {
        const AstNode* ast = slot(parameter);
        if (!ast || accepted) return;
        fail(ErrorKind::unsupported, std::string(parameter) + "= of " + callee_ + " is not supported; " + instead,
             ast->span);
    }

    bool is_none(std::string_view parameter) const {
        const AstNode* ast = slot(parameter);
        return !ast || is_constant(*ast, "None");
    }

    bool is_false(std::string_view parameter) const {
        const AstNode* ast = slot(parameter);
        if (!ast || is_constant(*ast, "False")) return true;
        if (ast->kind == AstNode::Kind::constant) return false;
        const Value value = evaluate_(*ast);
        return value.number && *value.number == 0;
    }

    const std::string& callee() const { return callee_; }

private:
    static bool is_constant(const AstNode& ast, std::string_view name) {
        return ast.kind == AstNode::Kind::constant && ast.name == name;
    }

    std::string parameter_list() const {
        std::string list;
        for (std::size_t index = call_.method ? 1 : 0; index < signature_.parameters.size(); ++index) {
            if (!list.empty()) list += ", ";
            list += signature_.parameters[index];
        }
        return list;
    }

    const AstNode& call_;
    const Signature& signature_;
    const Evaluate& evaluate_;
    std::vector<const AstNode*> slots_;
    std::string callee_;
};

Value array_value(expr::NodePtr node) { return Value{std::nullopt, std::move(node)}; }

void check_sum_options(const BoundCall& bound) {
    bound.require_default("dtype", bound.is_none("dtype"),
                          "leave it out: tilesum computes in float64 and stores numpy's default result dtype");
    bound.require_default("out", bound.is_none("out"), "assign the result to a name instead");
    bound.require_default("keepdims", bound.is_false("keepdims"),
                          "the summed axes are dropped. Broadcasting lines up trailing axes, so "
                          "X - X.mean(axis=0) needs no keepdims; for another axis transpose it last, as in "
                          "(X.T - X.mean(axis=1)).T");
}

void check_offset(const BoundCall& bound) {
    const AstNode* offset = bound.slot("offset");
    if (offset && bound.integer(*offset, "offset") != 0)
        fail(ErrorKind::unsupported,
             "offset= of " + bound.callee() +
                 " other than 0 is not supported: only the main diagonal; for another diagonal multiply by a 0/1 "
                 "mask input M, as in np.einsum('ij,ij->', A, M)",
             offset->span);
}

Value lower(const AstNode& call, const Signature& signature, const Evaluate& evaluate) {
    const BoundCall bound(call, signature, evaluate);
    const SourceSpan span = call.span;
    const std::string_view name = signature.name;
    if (name == "matmul") return array_value(expr::make_matmul(bound.array("x1"), bound.array("x2"), span));
    if (name == "dot") {
        bound.require_default("out", bound.is_none("out"), "assign the result to a name instead");
        return array_value(expr::make_dot(bound.array("a"), bound.array("b"), span));
    }
    if (name == "inner") return array_value(expr::make_inner(bound.array("a"), bound.array("b"), span));
    if (name == "outer") {
        bound.require_default("out", bound.is_none("out"), "assign the result to a name instead");
        return array_value(expr::make_outer(bound.array("a"), bound.array("b"), span));
    }
    if (name == "tensordot") {
        const Operand a = bound.array("a"), b = bound.array("b");
        const AstNode* axes = bound.slot("axes");
        if (!axes) return array_value(expr::make_tensordot(a, b, 2, span));
        if (axes->kind != AstNode::Kind::tuple)
            return array_value(expr::make_tensordot(a, b, bound.integer(*axes, "axes"), span));
        if (axes->args.size() != 2)
            fail(ErrorKind::semantic,
                 "tensordot: axes must be an int or a pair of axis lists, as in axes=([1, 0], [0, 1])", axes->span);
        return array_value(expr::make_tensordot(a, b, *bound.axes(axes->args[0].get(), "axes"),
                                                *bound.axes(axes->args[1].get(), "axes"), span));
    }
    if (name == "trace" || name == "diagonal") {
        check_offset(bound);
        if (name == "trace") {
            bound.require_default("dtype", bound.is_none("dtype"),
                                  "leave it out: tilesum computes in float64 and stores numpy's default dtype");
            bound.require_default("out", bound.is_none("out"), "assign the result to a name instead");
        }
        const Operand a = bound.array("a");
        const std::int64_t axis1 = bound.integer("axis1", 0), axis2 = bound.integer("axis2", 1);
        return array_value(name == "trace" ? expr::make_trace(a, axis1, axis2, span)
                                           : expr::make_diagonal(a, axis1, axis2, span));
    }
    if (name == "transpose") {
        const Operand a = bound.array("a");
        if (call.method && call.args.size() > 2) {
            AxisList axes;
            for (std::size_t index = 1; index < call.args.size(); ++index)
                axes.push_back(bound.integer(*call.args[index], "axes"));
            return array_value(expr::make_transpose(a, axes, span));
        }
        return array_value(expr::make_transpose(a, bound.axes(bound.slot("axes"), "axes"), span));
    }
    if (name == "swapaxes") {
        const Operand a = bound.array("a");
        return array_value(expr::make_swapaxes(a, bound.integer("axis1", 0), bound.integer("axis2", 0), span));
    }
    TILESUM_ASSERT(name == "sum" || name == "mean");
    check_sum_options(bound);
    const Operand a = bound.array("a");
    const std::optional<AxisList> axes = bound.axes(bound.slot("axis"), "axis");
    return array_value(name == "sum" ? expr::make_sum(a, axes, span) : expr::make_mean(a, axes, span));
}

}  // namespace

bool is_numpy_function(std::string_view name) {
    return find_signature(name) != nullptr || is_elementwise_function(name);
}

bool is_array_method(std::string_view name, bool call) {
    if (!call) return name == "T";
    const Signature* signature = find_signature(name);
    return signature && signature->method;
}

std::string numpy_function_hint(std::string_view written) {
    if (written == "print") return "print(NAME) is a statement on a line of its own; it makes NAME an output";
    const std::string_view bare = bare_name(written);
    if (written == bare && is_numpy_function(bare)) return "write np." + std::string(bare) + "(...)";
    return supported_list();
}

std::string array_method_hint() {
    return "supported: .T, .transpose(...), .swapaxes(a, b), .sum(axis=...), .mean(axis=...), .trace(), "
           ".diagonal(), .dot(B); other operations are spelled with np.einsum";
}

Value lower_call(const AstNode& call, const Evaluate& evaluate) {
    if (call.attribute) {
        TILESUM_ASSERT(call.name == "T" && call.args.size() == 1);
        const Value value = evaluate(*call.args[0]);
        if (!value.node) fail(ErrorKind::unsupported, "a number has no .T; transpose arrays only", call.name_span);
        return array_value(expr::make_transpose(as_operand(value, *call.args[0]), std::nullopt, call.span));
    }
    if (!call.method && is_elementwise_function(call.name)) return lower_function_call(call, evaluate);
    const Signature* signature = find_signature(bare_name(call.name));
    TILESUM_ASSERT(signature != nullptr);  // the parser refused the others
    return lower(call, *signature, evaluate);
}

Value lower_matmul_operator(const AstNode& node, const Value& left, const Value& right) {
    for (std::size_t side = 0; side < 2; ++side)
        if (!(side == 0 ? left : right).node)
            fail(ErrorKind::unsupported, "'@' needs arrays on both sides; multiply by a number with *",
                 node.args[side]->span);
    return array_value(expr::make_matmul(as_operand(left, *node.args[0]), as_operand(right, *node.args[1]), node.span));
}

}  // namespace tilesum::script
