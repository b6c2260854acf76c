#include "engine/expr/printer.hpp"

#include <cstdio>

namespace tilesum::expr {

namespace {

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
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
        case NodeKind::input: break;
    }
    return node.name;
}

}  // namespace

std::string to_text(const Node& root) { return render(root, true); }

}  // namespace tilesum::expr
