#include "engine/exec/memory_tensor.hpp"

#include "engine/common/error.hpp"
#include "engine/kernels/accurate_sum.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::exec {

namespace {

// Calls copy(whole_offset, tile_offset, count, whole_stride, tile_stride) for each row of the hyperslab.
template <typename Copy>
void for_each_hyperslab_row(const Shape& whole_shape, const Ranges& ranges, Copy&& copy) {
    TILESUM_ASSERT(ranges.size() == whole_shape.size());
    const kernels::Strides whole_strides = kernels::dense_strides(whole_shape);
    Extent start = 0;
    for (std::size_t axis = 0; axis < ranges.size(); ++axis) {
        TILESUM_ASSERT(ranges[axis].begin >= 0 && ranges[axis].end <= whole_shape[axis]);
        start += ranges[axis].begin * whole_strides[axis];
    }
    const Shape tile_shape = range_shape(ranges);
    const kernels::Strides tile_strides = kernels::dense_strides(tile_shape);
    kernels::for_each_row<2>(tile_shape, {&whole_strides, &tile_strides},
                             [&](const auto& offsets, Extent count, const auto& inner) {
                                 copy(start + offsets[0], offsets[1], count, inner[0], inner[1]);
                             });
}

}  // namespace

MemoryTensor::MemoryTensor(Shape shape, double fill)
    : shape_(std::move(shape)), values_(static_cast<std::size_t>(element_count(shape_)), fill) {}

MemoryTensor::MemoryTensor(Shape shape, std::vector<double> values)
    : shape_(std::move(shape)), values_(std::move(values)) {
    TILESUM_ASSERT(static_cast<Extent>(values_.size()) == element_count(shape_));
}

void MemoryTensor::read(const Ranges& ranges, double* dst) {
    for_each_hyperslab_row(
        shape_, ranges, [&](Extent whole, Extent tile, Extent count, Extent whole_stride, Extent tile_stride) {
            for (Extent element = 0; element < count; ++element)
                dst[tile + element * tile_stride] = values_[static_cast<std::size_t>(whole + element * whole_stride)];
        });
}

void MemoryTensor::write(const Ranges& ranges, const double* src) {
    for_each_hyperslab_row(
        shape_, ranges, [&](Extent whole, Extent tile, Extent count, Extent whole_stride, Extent tile_stride) {
            for (Extent element = 0; element < count; ++element)
                values_[static_cast<std::size_t>(whole + element * whole_stride)] = src[tile + element * tile_stride];
        });
}

void MemoryTensor::accumulate(const Ranges& ranges, const double* src, double* compensation) {
    for_each_hyperslab_row(
        shape_, ranges, [&](Extent whole, Extent tile, Extent count, Extent whole_stride, Extent tile_stride) {
            TILESUM_ASSERT(tile_stride == 1 || count == 1);  // the tile is dense and C order
            if (compensation) {
                kernels::compensated_accumulate(values_.data() + whole, compensation + whole, src + tile, count,
                                                whole_stride);
                return;
            }
            for (Extent element = 0; element < count; ++element)
                values_[static_cast<std::size_t>(whole + element * whole_stride)] += src[tile + element];
        });
}

void BorrowedTensor::read(const Ranges& ranges, double* dst) {
    for_each_hyperslab_row(shape_, ranges,
                           [&](Extent whole, Extent tile, Extent count, Extent whole_stride, Extent tile_stride) {
                               for (Extent element = 0; element < count; ++element)
                                   dst[tile + element * tile_stride] = values_[whole + element * whole_stride];
                           });
}

void BorrowedTensor::write(const Ranges& ranges, const double* src) {
    TILESUM_ASSERT(writable_ != nullptr);
    for_each_hyperslab_row(shape_, ranges,
                           [&](Extent whole, Extent tile, Extent count, Extent whole_stride, Extent tile_stride) {
                               for (Extent element = 0; element < count; ++element)
                                   writable_[whole + element * whole_stride] = src[tile + element * tile_stride];
                           });
}

}  // namespace tilesum::exec
