// Caller-owned memory of a dtype other than float64 (Sources::memory with a dtype): numpy's bool, int8..int64,
// uint8..uint64, float16 and float32 arrays in C order, borrowed and widened to float64 hyperslab by hyperslab,
// never copied whole. float64 memory is read in place by exec::BorrowedTensor instead.
#pragma once

#include <cstdint>

#include "engine/common/shape.hpp"
#include "engine/common/tensor_io.hpp"

namespace tilesum {

class TypedBorrowedTensor final : public TensorReader {
public:
    // Error{usage} naming `name` for a complex dtype (read it from a file: its parts are read apart).
    TypedBorrowedTensor(const std::string& name, Shape shape, const void* values, DType dtype);

    // Error{usage} naming the input and the element for an int64 or uint64 value of magnitude 2^53 or more.
    void read(const Ranges& ranges, double* dst) override;

private:
    std::string name_;
    Shape shape_;
    const unsigned char* values_;
    DType dtype_;
};

}  // namespace tilesum
