#include "engine/kernels/reference_einsum.hpp"

#include <map>

#include "engine/common/error.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::kernels {

DenseTensor reference_einsum(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                             const std::vector<const DenseTensor*>& operands) {
    TILESUM_ASSERT(operand_labels.size() == operands.size());
    std::map<char, Extent> extents;
    for (std::size_t position = 0; position < operands.size(); ++position)
        for (std::size_t axis = 0; axis < operand_labels[position].size(); ++axis)
            extents[operand_labels[position][axis]] = operands[position]->shape[axis];

    std::string all_labels;
    for (const auto& [label, extent] : extents) all_labels += label;
    std::vector<Extent> loop_extents;
    for (char label : all_labels) loop_extents.push_back(extents[label]);

    DenseTensor result;
    for (char label : output_labels) result.shape.push_back(extents[label]);
    result.values.assign(element_count(result.shape), 0.0);

    // For every operand (and the output), the stride of each loop label in it.
    auto strides_in = [&](const std::string& labels, const Shape& shape) {
        Strides dense = dense_strides(shape);
        std::vector<Extent> strides(all_labels.size(), 0);
        for (std::size_t axis = 0; axis < labels.size(); ++axis) strides[all_labels.find(labels[axis])] = dense[axis];
        return strides;
    };
    std::vector<std::vector<Extent>> operand_strides;
    for (std::size_t position = 0; position < operands.size(); ++position)
        operand_strides.push_back(strides_in(operand_labels[position], operands[position]->shape));
    std::vector<Extent> output_strides = strides_in(output_labels, result.shape);

    if (element_count(loop_extents) == 0) return result;
    std::vector<Extent> index(all_labels.size(), 0);
    while (true) {
        double product = 1.0;
        for (std::size_t position = 0; position < operands.size(); ++position) {
            Extent offset = 0;
            for (std::size_t loop = 0; loop < index.size(); ++loop)
                offset += index[loop] * operand_strides[position][loop];
            product *= operands[position]->values[offset];
        }
        Extent out_offset = 0;
        for (std::size_t loop = 0; loop < index.size(); ++loop) out_offset += index[loop] * output_strides[loop];
        result.values[out_offset] += product;

        std::size_t loop = index.size();
        while (true) {
            if (loop == 0) return result;
            --loop;
            if (++index[loop] < loop_extents[loop]) break;
            index[loop] = 0;
        }
    }
}

}  // namespace tilesum::kernels
