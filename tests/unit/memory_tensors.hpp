// In-memory stand-ins for HDF5 datasets, so engine tests run without files.
#pragma once

#include <map>
#include <string>

#include "engine/common/tensor_io.hpp"
#include "engine/kernels/reference_einsum.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::testing {

using kernels::DenseTensor;

// Copies between a hyperslab of `whole` and a dense tile buffer, in the direction given.
inline void copy_hyperslab(DenseTensor& whole, const Ranges& ranges, double* tile, bool into_tile) {
    kernels::Strides whole_strides = kernels::dense_strides(whole.shape);
    Extent start = 0;
    for (std::size_t axis = 0; axis < ranges.size(); ++axis) start += ranges[axis].begin * whole_strides[axis];
    Shape shape = range_shape(ranges);
    kernels::Strides tile_strides = kernels::dense_strides(shape);
    kernels::for_each_row<2>(shape, {&tile_strides, &whole_strides}, [&](const auto& offsets, Extent count, const auto& inner) {
        for (Extent element = 0; element < count; ++element) {
            double& in_whole = whole.values[start + offsets[1] + element * inner[1]];
            double& in_tile = tile[offsets[0] + element * inner[0]];
            if (into_tile) in_tile = in_whole; else in_whole = in_tile;
        }
    });
}

class MemoryReader final : public TensorReader {
public:
    explicit MemoryReader(DenseTensor tensor) : tensor_(std::move(tensor)) {}
    void read(const Ranges& ranges, double* dst) override { copy_hyperslab(tensor_, ranges, dst, true); }

private:
    DenseTensor tensor_;
};

class MemoryWriter final : public TensorWriter {
public:
    explicit MemoryWriter(const Shape& shape) : tensor{shape, std::vector<double>(element_count(shape), -12345.0)} {}
    void write(const Ranges& ranges, const double* src) override {
        copy_hyperslab(tensor, ranges, const_cast<double*>(src), false);
    }
    DenseTensor tensor;
};

}  // namespace tilesum::testing
