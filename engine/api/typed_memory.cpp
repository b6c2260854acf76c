#include "engine/api/typed_memory.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/common/float16.hpp"
#include "io/exact_integers.hpp"

namespace tilesum {

namespace {

template <class Element>
void widen(const unsigned char* src, Extent count, double* dst) {
    for (Extent element = 0; element < count; ++element) {
        Element value;
        std::memcpy(&value, src + element * static_cast<Extent>(sizeof value), sizeof value);
        dst[element] = static_cast<double>(value);
    }
}

// count elements of `dtype` at src (native layout) into float64 at dst.
void widen_elements(DType dtype, const unsigned char* src, Extent count, double* dst) {
    switch (dtype) {
        case DType::b1:
            for (Extent element = 0; element < count; ++element) dst[element] = src[element] != 0 ? 1.0 : 0.0;
            return;
        case DType::i8: return widen<std::int8_t>(src, count, dst);
        case DType::i16: return widen<std::int16_t>(src, count, dst);
        case DType::i32: return widen<std::int32_t>(src, count, dst);
        case DType::i64: return widen<std::int64_t>(src, count, dst);
        case DType::u8: return widen<std::uint8_t>(src, count, dst);
        case DType::u16: return widen<std::uint16_t>(src, count, dst);
        case DType::u32: return widen<std::uint32_t>(src, count, dst);
        case DType::u64: return widen<std::uint64_t>(src, count, dst);
        case DType::f32: return widen<float>(src, count, dst);
        case DType::f64: return widen<double>(src, count, dst);
        case DType::f16:
            for (Extent element = 0; element < count; ++element) {
                std::uint16_t bits;
                std::memcpy(&bits, src + element * 2, sizeof bits);
                dst[element] = float16_to_double(bits);
            }
            return;
        case DType::c64:
        case DType::c128: TILESUM_ASSERT(false);
    }
}

}  // namespace

TypedBorrowedTensor::TypedBorrowedTensor(const std::string& name, Shape shape, const void* values, DType dtype)
    : name_(name), shape_(std::move(shape)), values_(static_cast<const unsigned char*>(values)), dtype_(dtype) {
    if (is_complex(dtype))
        fail(ErrorKind::usage, "input '" + name + "': complex memory (" + dtype_name(dtype) +
                                   ") is not taken; write it to HDF5 or .npy, whose complex inputs are read");
}

void TypedBorrowedTensor::read(const Ranges& ranges, double* dst) {
    const Shape block = range_shape(ranges);
    const Extent count = element_count(block);
    if (count == 0) return;
    const auto size = static_cast<Extent>(dtype_size(dtype_));
    const std::size_t rank = shape_.size();
    // Runs along the last axis are contiguous in C order: one per index of the leading axes.
    const Extent run = rank ? block.back() : 1;
    std::vector<Extent> index(rank, 0);
    for (Extent done = 0; done < count; done += run) {
        Extent offset = 0;
        for (std::size_t axis = 0; axis < rank; ++axis)
            offset = offset * shape_[axis] + ranges[axis].begin + index[axis];
        widen_elements(dtype_, values_ + offset * size, run, dst + done);
        for (std::size_t axis = rank - 1; rank > 1 && axis-- > 0;) {
            if (++index[axis] < block[axis]) break;
            index[axis] = 0;
        }
    }
    if (dtype_ != DType::i64 && dtype_ != DType::u64) return;
    for (Extent element = 0; element < count; ++element)
        if (!io::int64_exact_in_float64(dst[element]))
            fail(ErrorKind::usage, "input '" + name_ + "' holds an " + dtype_name(dtype_) +
                                       " value of magnitude 2^53 or more at [" + format_element_index(ranges, element) +
                                       "]: tilesum computes in float64, which cannot hold it exactly");
}

}  // namespace tilesum
