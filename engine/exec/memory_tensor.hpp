// A tensor held in memory that tiles are written into and read from: the shared pieces computed before the
// outputs, and the stand-in for HDF5 datasets in tests.
#pragma once

#include <vector>

#include "engine/common/tensor_io.hpp"

namespace tilesum::exec {

class MemoryTensor final : public TensorReader, public TensorWriter {
public:
    explicit MemoryTensor(Shape shape, double fill = 0.0);
    MemoryTensor(Shape shape, std::vector<double> values);

    void read(const Ranges& ranges, double* dst) override;
    void write(const Ranges& ranges, const double* src) override;
    // Adds src (C order, shape range_shape(ranges)) into the hyperslab: a fused pass's slabs of a reduction, with
    // compensated summation (kernels/accurate_sum.hpp) into `compensation`, which has this tensor's shape (the
    // total is values + compensation, kernels::finish_sum, once every slab is in), or naively without one.
    void accumulate(const Ranges& ranges, const double* src, double* compensation);

    const Shape& shape() const { return shape_; }
    const std::vector<double>& values() const { return values_; }
    double* data() { return values_.data(); }  // for a resumed run to load saved values into

private:
    Shape shape_;
    std::vector<double> values_;  // C order
};

// A tensor in memory the caller owns (the library API's memory sources and sinks): read from, or written into, in
// place, never copied whole. The memory must outlive the run and hold element_count(shape) doubles in C order.
class BorrowedTensor final : public TensorReader, public TensorWriter {
public:
    BorrowedTensor(Shape shape, const double* values) : shape_(std::move(shape)), values_(values) {}
    BorrowedTensor(Shape shape, double* values) : shape_(std::move(shape)), values_(values), writable_(values) {}

    void read(const Ranges& ranges, double* dst) override;
    void write(const Ranges& ranges, const double* src) override;  // only when made with writable memory

    const Shape& shape() const { return shape_; }

private:
    Shape shape_;
    const double* values_;
    double* writable_ = nullptr;
};

}  // namespace tilesum::exec
