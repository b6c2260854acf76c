#include "engine/eval/operand_ranges.hpp"

namespace tilesum::eval {

using expr::Node;
using expr::NodeKind;

std::vector<Ranges> operand_ranges(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed) {
    std::vector<Ranges> result;
    if (node.kind == NodeKind::einsum) {
        std::map<char, Range> label_ranges;
        if (summed) label_ranges = *summed;
        for (std::size_t axis = 0; axis < node.output_labels.size(); ++axis)
            label_ranges[node.output_labels[axis]] = ranges[axis];
        for (std::size_t position = 0; position < node.operands.size(); ++position) {
            const std::string& labels = node.operand_labels[position];
            const Shape& shape = node.operands[position]->shape;
            Ranges operand;
            for (std::size_t axis = 0; axis < labels.size(); ++axis) {
                auto it = label_ranges.find(labels[axis]);
                operand.push_back(it != label_ranges.end() ? it->second : Range{0, shape[axis]});
            }
            result.push_back(std::move(operand));
        }
        return result;
    }
    // Broadcasting: operand axes align with the last axes of the result; an extent-1 axis stays [0, 1).
    for (const expr::NodePtr& operand : node.operands) {
        const std::size_t offset = node.shape.size() - operand->shape.size();
        Ranges operand_ranges;
        for (std::size_t axis = 0; axis < operand->shape.size(); ++axis)
            operand_ranges.push_back(
                operand->shape[axis] == 1 && node.shape[offset + axis] != 1 ? Range{0, 1} : ranges[offset + axis]);
        result.push_back(std::move(operand_ranges));
    }
    return result;
}

}  // namespace tilesum::eval
