// In-memory stand-ins for HDF5 datasets, so engine tests run without files.
#pragma once

#include <map>
#include <random>
#include <string>

#include "engine/common/tensor_io.hpp"
#include "engine/exec/memory_tensor.hpp"
#include "engine/kernels/reference_einsum.hpp"

namespace tilesum::testing {

using kernels::DenseTensor;

// Values uniform in [-1, 1) from `seed`, in C order.
inline DenseTensor random_tensor(const Shape& shape, unsigned seed) {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<double> distribution(-1.0, 1.0);
    DenseTensor tensor{shape, std::vector<double>(static_cast<std::size_t>(element_count(shape)))};
    for (double& value : tensor.values) value = distribution(generator);
    return tensor;
}

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
