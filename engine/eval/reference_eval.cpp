#include "engine/eval/reference_eval.hpp"

#include "engine/common/elementwise_scalar.hpp"
#include "engine/common/error.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::eval {

using expr::Node;
using expr::NodeKind;
using kernels::DenseTensor;

namespace {

// The value of `tensor` at the multi-index `index` of a result of rank index.size(), numpy broadcasting.
double broadcast_at(const DenseTensor& tensor, const std::vector<Extent>& index) {
    const std::size_t offset = index.size() - tensor.shape.size();
    kernels::Strides strides = kernels::dense_strides(tensor.shape);
    Extent position = 0;
    for (std::size_t axis = 0; axis < tensor.shape.size(); ++axis)
        position += (tensor.shape[axis] == 1 ? 0 : index[offset + axis]) * strides[axis];
    return tensor.values[position];
}

}  // namespace

DenseTensor reference_evaluate(const Node& node, const InputValues& inputs) {
    if (node.kind == NodeKind::input) {
        auto it = inputs.find(node.name);
        TILESUM_ASSERT(it != inputs.end());
        return it->second;
    }
    std::vector<DenseTensor> operands;
    for (const expr::NodePtr& operand : node.operands) operands.push_back(reference_evaluate(*operand, inputs));
    if (node.kind == NodeKind::einsum) {
        std::vector<const DenseTensor*> pointers;
        for (const DenseTensor& operand : operands) pointers.push_back(&operand);
        return kernels::reference_einsum(node.operand_labels, node.output_labels, pointers);
    }
    DenseTensor result{node.shape, std::vector<double>(element_count(node.shape), 0.0)};
    std::vector<Extent> index(node.shape.size(), 0);
    for (Extent flat = 0; flat < element_count(node.shape); ++flat) {
        Extent remainder = flat;
        for (std::size_t axis = node.shape.size(); axis-- > 0;) {
            index[axis] = remainder % node.shape[axis];
            remainder /= node.shape[axis];
        }
        if (node.kind == NodeKind::function) {
            // Each argument's value here: a number written in its place, or the next operand's element.
            std::vector<double> values;
            std::size_t next_operand = 0;
            for (const std::optional<double>& constant : node.constants)
                values.push_back(constant ? *constant : broadcast_at(operands[next_operand++], index));
            result.values[flat] = function_value(node.function, node.parameter, values.data());
            continue;
        }
        double value = node.kind == NodeKind::product ? 1.0 : 0.0;
        for (std::size_t position = 0; position < operands.size(); ++position) {
            double element = broadcast_at(operands[position], index);
            if (node.kind == NodeKind::product)
                value *= element;
            else
                value += node.coefficients[position] * element;
        }
        result.values[flat] = value;
    }
    return result;
}

}  // namespace tilesum::eval
