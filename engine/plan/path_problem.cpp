#include "engine/plan/path_problem.hpp"

#include <algorithm>
#include <bit>
#include <iterator>

namespace tilesum::plan::paths {

LabelMask mask_of(const std::string& labels) {
    LabelMask mask = 0;
    for (char label : labels) mask |= LabelMask{1} << label_bit(label);
    return mask;
}

Problem make_problem(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                     const std::map<char, Extent>& extents, std::size_t element_bytes) {
    Problem problem;
    for (const std::string& labels : operand_labels) problem.operands.push_back(mask_of(labels));
    problem.output = mask_of(output_labels);
    problem.element_bytes = static_cast<double>(element_bytes);
    double extent[Problem::mask_byte_count * 8];
    std::fill(std::begin(extent), std::end(extent), 1.0);
    for (const auto& [label, label_extent] : extents) extent[label_bit(label)] = static_cast<double>(label_extent);
    for (int byte_index = 0; byte_index < Problem::mask_byte_count; ++byte_index) {
        problem.byte_elements[byte_index][0] = 1;
        for (unsigned byte = 1; byte < 256; ++byte)
            problem.byte_elements[byte_index][byte] =
                problem.byte_elements[byte_index][byte & (byte - 1)] * extent[byte_index * 8 + std::countr_zero(byte)];
    }
    return problem;
}

}  // namespace tilesum::plan::paths
