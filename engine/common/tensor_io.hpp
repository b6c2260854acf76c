// Where tiles come from and go to. The engine sees only these; io/ implements them for HDF5 and tests
// implement them in memory. Buffers are dense, C order, of the ranges' shape, always float64 in memory.
#pragma once

#include "engine/common/shape.hpp"

namespace tilesum {

class TensorReader {
public:
    virtual ~TensorReader() = default;
    // Fills dst (C order, shape range_shape(ranges)) with the hyperslab `ranges` of the tensor.
    virtual void read(const Ranges& ranges, double* dst) = 0;
};

class TensorWriter {
public:
    virtual ~TensorWriter() = default;
    // Stores src (C order, shape range_shape(ranges)) into the hyperslab `ranges` of the tensor.
    virtual void write(const Ranges& ranges, const double* src) = 0;
};

}  // namespace tilesum
