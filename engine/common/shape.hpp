// Shapes, index ranges and element types shared by every layer.
#pragma once

#include <optional>
#include <string_view>

#include <cstdint>
#include <string>
#include <vector>

namespace tilesum {

using Extent = std::int64_t;
using Shape = std::vector<Extent>;

// [begin, end) of one axis.
struct Range {
    Extent begin = 0;
    Extent end = 0;
    Extent length() const { return end - begin; }
    friend bool operator==(const Range&, const Range&) = default;
};
using Ranges = std::vector<Range>;  // one Range per axis

// numpy's dtypes that tilesum reads and writes. The engine computes in float64 whatever the dtype: a complex
// tensor is evaluated as its real and imaginary parts (expr/complex_split), integers and bools are exact in float64
// up to 2^53, and an integer result takes numpy's wrap-around only when it is written (io/exact_integers.hpp);
// expr/integer_wraparound.hpp refuses the expressions where numpy would wrap an intermediate differently.
enum class DType { i32, i64, f32, f64, c64, c128, b1, i8, i16, u8, u16, u32, u64, f16 };

inline std::size_t dtype_size(DType dtype) {
    switch (dtype) {
        case DType::b1:
        case DType::i8:
        case DType::u8: return 1;
        case DType::i16:
        case DType::u16:
        case DType::f16: return 2;
        case DType::i32:
        case DType::u32:
        case DType::f32: return 4;
        case DType::i64:
        case DType::u64:
        case DType::f64:
        case DType::c64: return 8;
        case DType::c128: return 16;
    }
    return 8;
}
inline const char* dtype_name(DType dtype) {
    switch (dtype) {
        case DType::b1: return "bool";
        case DType::i8: return "int8";
        case DType::i16: return "int16";
        case DType::i32: return "int32";
        case DType::i64: return "int64";
        case DType::u8: return "uint8";
        case DType::u16: return "uint16";
        case DType::u32: return "uint32";
        case DType::u64: return "uint64";
        case DType::f16: return "float16";
        case DType::f32: return "float32";
        case DType::f64: return "float64";
        case DType::c64: return "complex64";
        case DType::c128: return "complex128";
    }
    return "float64";
}
// Every dtype, for tables and names ("uint8" -> DType::u8).
inline constexpr DType all_dtypes[] = {DType::b1,  DType::i8,  DType::i16, DType::i32, DType::i64,
                                       DType::u8,  DType::u16, DType::u32, DType::u64, DType::f16,
                                       DType::f32, DType::f64, DType::c64, DType::c128};
// The dtype numpy names `name` ("uint8"), or none.
inline std::optional<DType> dtype_named(std::string_view name) {
    for (DType dtype : all_dtypes)
        if (name == dtype_name(dtype)) return dtype;
    return std::nullopt;
}
inline bool is_complex(DType dtype) { return dtype == DType::c64 || dtype == DType::c128; }
inline bool is_unsigned(DType dtype) {
    return dtype == DType::u8 || dtype == DType::u16 || dtype == DType::u32 || dtype == DType::u64;
}
// numpy's integer kinds, signed 'i' and unsigned 'u' (bool is a kind of its own, 'b').
inline bool is_integer(DType dtype) {
    return dtype == DType::i8 || dtype == DType::i16 || dtype == DType::i32 || dtype == DType::i64 ||
           is_unsigned(dtype);
}
inline bool is_float(DType dtype) { return dtype == DType::f16 || dtype == DType::f32 || dtype == DType::f64; }
// bool and the integers: numpy computes them in their own dtype (wrapping around), tilesum exactly in float64.
inline bool is_exact_kind(DType dtype) { return dtype == DType::b1 || is_integer(dtype); }

inline Extent element_count(const Shape& shape) {
    Extent count = 1;
    for (Extent extent : shape) count *= extent;
    return count;
}

inline Shape range_shape(const Ranges& ranges) {
    Shape shape;
    shape.reserve(ranges.size());
    for (const Range& range : ranges) shape.push_back(range.length());
    return shape;
}

inline Ranges full_ranges(const Shape& shape) {
    Ranges ranges;
    ranges.reserve(shape.size());
    for (Extent extent : shape) ranges.push_back({0, extent});
    return ranges;
}

// "1, 7": the dataset index of element `element` (C order) of the hyperslab `ranges`, for messages naming a value.
inline std::string format_element_index(const Ranges& ranges, Extent element) {
    std::string index;
    for (std::size_t axis = ranges.size(); axis-- > 0;) {
        const Extent length = ranges[axis].length();
        std::string position = std::to_string(ranges[axis].begin + element % length);
        if (!index.empty()) position += ", ";
        index.insert(0, position);
        element /= length;
    }
    return index;
}

// "(400, 400)" as numpy prints shapes; "()" for a scalar and "(5,)" for one axis.
inline std::string format_shape(const Shape& shape) {
    std::string text = "(";
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
        if (axis) text += ", ";
        text += std::to_string(shape[axis]);
    }
    if (shape.size() == 1) text += ",";
    return text + ")";
}

}  // namespace tilesum
