// Where tiles come from and go to. The engine sees only these; io/ implements them for HDF5 and tests
// implement them in memory. Buffers are dense, C order, of the ranges' shape, always float64 in memory.
#pragma once

#include <atomic>

#include "engine/common/shape.hpp"

namespace tilesum {

class TensorReader {
public:
    virtual ~TensorReader() = default;
    // Fills dst (C order, shape range_shape(ranges)) with the hyperslab `ranges` of the tensor.
    virtual void read(const Ranges& ranges, double* dst) = 0;
    // A hint that all of the tensor is about to be read in an order storage cannot predict (square blocks):
    // storage may read it ahead in its own order. Called from a helper thread; may take long (it stops soon
    // after `cancel` is set), must not throw.
    virtual void will_read_all(const std::atomic<bool>& /*cancel*/) noexcept {}
};

class TensorWriter {
public:
    virtual ~TensorWriter() = default;
    // Stores src (C order, shape range_shape(ranges)) into the hyperslab `ranges` of the tensor.
    virtual void write(const Ranges& ranges, const double* src) = 0;
};

}  // namespace tilesum
