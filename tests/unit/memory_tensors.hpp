// In-memory stand-ins for HDF5 datasets, so engine tests run without files.
#pragma once

#include <map>
#include <string>

#include "engine/common/tensor_io.hpp"
#include "engine/exec/memory_tensor.hpp"
#include "engine/kernels/reference_einsum.hpp"

namespace tilesum::testing {

using kernels::DenseTensor;

class MemoryReader final : public TensorReader {
public:
    explicit MemoryReader(const DenseTensor& tensor) : tensor_(tensor.shape, tensor.values) {}
    void read(const Ranges& ranges, double* dst) override { tensor_.read(ranges, dst); }

private:
    exec::MemoryTensor tensor_;
};

// Starts filled with a value no test computes, so an element never written shows.
class MemoryWriter final : public TensorWriter {
public:
    explicit MemoryWriter(const Shape& shape) : tensor_(shape, -12345.0) {}
    void write(const Ranges& ranges, const double* src) override { tensor_.write(ranges, src); }
    DenseTensor tensor() const { return DenseTensor{tensor_.shape(), tensor_.values()}; }

private:
    exec::MemoryTensor tensor_;
};

}  // namespace tilesum::testing
