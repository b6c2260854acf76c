// What the contraction path searches (exact_path.hpp, contraction_path.cpp) work on: an einsum's operands and output
// as label masks, and the sizes of label sets. Internal to engine/plan.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::plan::paths {

using LabelMask = std::uint64_t;  // one bit per letter: a-z, then A-Z
using Subset = std::uint32_t;     // one bit per operand (at most exact_operand_limit of them)

inline int label_bit(char label) { return label >= 'a' && label <= 'z' ? label - 'a' : 26 + (label - 'A'); }

// The labels as a mask.
LabelMask mask_of(const std::string& labels);

struct Problem {
    std::vector<LabelMask> operands;
    LabelMask output = 0;
    double element_bytes = sizeof(double);
    // Elements of a label set as a product of one table entry per byte of its mask: the exact search asks for
    // millions of sizes, and 7 lookups beat a loop over up to 52 bits.
    static constexpr int mask_byte_count = 7;
    std::array<std::array<double, 256>, mask_byte_count> byte_elements{};

    double size(LabelMask labels) const {
        double product = 1;
        for (int byte_index = 0; byte_index < mask_byte_count; ++byte_index, labels >>= 8)
            product *= byte_elements[byte_index][labels & 0xff];
        return product;
    }
    double bytes(LabelMask labels) const { return size(labels) * element_bytes; }
    // numpy's cost of contracting two operands into `result`: every touched label once, twice when summing.
    double step_flops(LabelMask left, LabelMask right, LabelMask result) const {
        const LabelMask touched = left | right;
        return size(touched) * (touched != result ? 2.0 : 1.0);
    }
};

Problem make_problem(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                     const std::map<char, Extent>& extents, std::size_t element_bytes);

}  // namespace tilesum::plan::paths
