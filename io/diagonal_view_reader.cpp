#include "io/diagonal_view_reader.hpp"

#include <algorithm>

#include "engine/common/error.hpp"

namespace tilesum::io {

DiagonalViewReader::DiagonalViewReader(TensorReader& base, Shape base_shape, std::vector<std::size_t> axes,
                                       Shape view_shape)
    : base_(base), base_shape_(std::move(base_shape)), axes_(std::move(axes)), view_shape_(std::move(view_shape)) {
    TILESUM_ASSERT(axes_.size() == base_shape_.size());
    std::vector<int> followers(view_shape_.size(), 0);
    for (std::size_t base_axis = 0; base_axis < axes_.size(); ++base_axis) {
        const std::size_t axis = axes_[base_axis];
        if (axis == dropped_axis) {
            TILESUM_ASSERT(base_shape_[base_axis] == 1);
            continue;
        }
        TILESUM_ASSERT(axis < view_shape_.size() && base_shape_[base_axis] == view_shape_[axis]);
        ++followers[axis];
    }
    for (std::size_t axis = 0; axis < view_shape_.size(); ++axis) {
        TILESUM_ASSERT(followers[axis] > 0);
        if (followers[axis] > 1) merged_axes_.push_back(axis);
    }
}

void DiagonalViewReader::read(const Ranges& ranges, double* dst) {
    TILESUM_ASSERT(ranges.size() == view_shape_.size());
    const Shape shape = range_shape(ranges);
    if (element_count(shape) == 0) return;
    // C-order strides of dst, the view's range.
    std::vector<Extent> dst_strides(shape.size(), 1);
    for (std::size_t axis = shape.size(); axis-- > 1;) dst_strides[axis - 1] = dst_strides[axis] * shape[axis];

    // The base hyperslab of one diagonal index: pinned axes one wide, the others the view's range; and, per
    // base axis, the dst stride its index moves along (0 when pinned or dropped).
    const auto is_merged = [&](std::size_t axis) {
        return std::find(merged_axes_.begin(), merged_axes_.end(), axis) != merged_axes_.end();
    };
    Ranges base_ranges(axes_.size());
    std::vector<Extent> base_dst_strides(axes_.size(), 0);
    for (std::size_t base_axis = 0; base_axis < axes_.size(); ++base_axis) {
        const std::size_t axis = axes_[base_axis];
        if (axis == dropped_axis) {
            base_ranges[base_axis] = {0, 1};
        } else if (!is_merged(axis)) {
            base_ranges[base_axis] = ranges[axis];
            base_dst_strides[base_axis] = dst_strides[axis];
        }
    }
    std::vector<double> block;
    std::vector<Extent> diagonal_index(merged_axes_.size(), 0);  // offsets within each merged axis's range
    while (true) {
        Extent dst_offset = 0;
        for (std::size_t merged = 0; merged < merged_axes_.size(); ++merged) {
            const std::size_t axis = merged_axes_[merged];
            const Extent index = ranges[axis].begin + diagonal_index[merged];
            dst_offset += diagonal_index[merged] * dst_strides[axis];
            for (std::size_t base_axis = 0; base_axis < axes_.size(); ++base_axis)
                if (axes_[base_axis] == axis) base_ranges[base_axis] = {index, index + 1};
        }
        const Shape block_shape = range_shape(base_ranges);
        block.resize(static_cast<std::size_t>(element_count(block_shape)));
        base_.read(base_ranges, block.data());
        // Scatter the block (C order over the base axes) into dst.
        std::vector<Extent> index(block_shape.size(), 0);
        for (double value : block) {
            Extent offset = dst_offset;
            for (std::size_t base_axis = 0; base_axis < index.size(); ++base_axis)
                offset += index[base_axis] * base_dst_strides[base_axis];
            dst[offset] = value;
            for (std::size_t base_axis = index.size(); base_axis-- > 0;) {
                if (++index[base_axis] < block_shape[base_axis]) break;
                index[base_axis] = 0;
            }
        }
        // The next diagonal index, the last merged axis fastest.
        std::size_t merged = merged_axes_.size();
        while (merged > 0) {
            --merged;
            if (++diagonal_index[merged] < shape[merged_axes_[merged]]) break;
            diagonal_index[merged] = 0;
            if (merged == 0) return;
        }
        if (merged_axes_.empty()) return;
    }
}

}  // namespace tilesum::io
