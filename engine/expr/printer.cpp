#include "engine/expr/printer.hpp"

#include <charconv>
#include <cstdio>
#include <iterator>
#include <optional>
#include <vector>

namespace tilesum::expr {

namespace {

// The shortest text that reads back as `value`.
std::string exact_number_text(double value) {
    char text[32];
    const auto [end, status] = std::to_chars(std::begin(text), std::end(text), value);
    return {std::begin(text), status == std::errc() ? end : std::begin(text)};
}

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

std::string render(const Node& node, bool top);

// An argument between a function's parentheses needs none of its own: its name, or its whole text.
std::string argument_text(const Node& node) {
    return node.kind == NodeKind::input || !node.name.empty() ? node.name : render(node, true);
}

// A side of `**`: a product or a power in parentheses, which bind looser or group differently ((A * B)**2, (X**2)**3).
std::string power_side_text(const Node& node) {
    const std::string text = render(node, false);
    const bool loose =
        (node.kind == NodeKind::product || (node.kind == NodeKind::function && is_power(node.function))) &&
        (node.name.empty());
    return loose ? std::string("(").append(text).append(")") : text;  // append(): GCC bug 105329
}

// exp(X), maximum(X, 0), (X < Y), X**2, X**Y: numpy's spelling, the numbers at full precision (the planner tells
// function leaves apart by this text, plan/expand.cpp).
std::string render_function(const Node& node) {
    const FunctionInfo& info = function_info(node.function);
    std::vector<std::string> arguments;
    std::size_t next_operand = 0;
    for (const std::optional<double>& constant : node.constants)
        arguments.push_back(constant ? exact_number_text(*constant) : argument_text(*node.operands[next_operand++]));
    if (node.function == FunctionOp::power)
        return power_side_text(*node.operands[0]) + "**" + exact_number_text(node.parameter);
    if (node.function == FunctionOp::array_power) {
        // A number side prints as written, a negative one in parentheses as Python needs: (-2)**X.
        std::size_t operand = 0;
        std::string sides[2];
        for (std::size_t position = 0; position < 2; ++position) {
            const std::optional<double>& constant = node.constants[position];
            sides[position] = !constant       ? power_side_text(*node.operands[operand++])
                              : *constant < 0 ? std::string("(").append(exact_number_text(*constant)).append(")")
                                              : exact_number_text(*constant);
        }
        return sides[0] + "**" + sides[1];
    }
    if (is_comparison(node.function))
        return std::string("(")
            .append(arguments[0])
            .append(" ")
            .append(info.symbol)
            .append(" ")
            .append(arguments[1])
            .append(")");
    std::string text(info.name);
    text += "(";
    for (std::size_t position = 0; position < arguments.size(); ++position)
        text.append(position ? ", " : "").append(arguments[position]);
    return text + ")";
}

std::string render(const Node& node, bool top) {
    if (node.kind == NodeKind::input || (!top && !node.name.empty())) return node.name;
    switch (node.kind) {
        case NodeKind::einsum: {
            std::string subscripts;
            for (std::size_t position = 0; position < node.operand_labels.size(); ++position)
                subscripts += (position ? "," : "") + node.operand_labels[position];
            std::string text = "einsum('" + subscripts + "->" + node.output_labels + "'";
            for (const NodePtr& operand : node.operands) text += ", " + render(*operand, false);
            return text + ")";
        }
        case NodeKind::lincomb: {
            std::string text;
            for (std::size_t term = 0; term < node.operands.size(); ++term) {
                double coefficient = node.coefficients[term];
                std::string operand = render(*node.operands[term], false);
                if (term == 0)
                    text = coefficient == 1    ? operand
                           : coefficient == -1 ? "-" + operand
                                               : number_text(coefficient) + "*" + operand;
                else if (coefficient == 1)
                    text += " + " + operand;
                else if (coefficient == -1)
                    text += " - " + operand;
                else
                    text += (coefficient < 0 ? " - " + number_text(-coefficient) : " + " + number_text(coefficient)) +
                            "*" + operand;
            }
            return top ? text : "(" + text + ")";
        }
        case NodeKind::product: return render(*node.operands[0], false) + " * " + render(*node.operands[1], false);
        case NodeKind::function: return render_function(node);
        case NodeKind::input: break;
    }
    return node.name;
}

}  // namespace

std::string to_text(const Node& root) { return render(root, true); }

}  // namespace tilesum::expr
