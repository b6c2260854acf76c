// The ground truth: einsum as one loop nest over every label, no BLAS, no reordering. Slow on purpose.
#pragma once

#include <string>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::kernels {

struct DenseTensor {
    Shape shape;
    std::vector<double> values;  // C order
};

DenseTensor reference_einsum(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                             const std::vector<const DenseTensor*>& operands);

}  // namespace tilesum::kernels
