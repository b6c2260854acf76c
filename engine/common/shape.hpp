// Shapes, index ranges and element types shared by every layer.
#pragma once

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
// tensor is evaluated as its real and imaginary parts (expr/complex_split), integers are exact in float64 up to 2^53.
enum class DType { i32, i64, f32, f64, c64, c128 };

inline std::size_t dtype_size(DType dtype) {
    switch (dtype) {
        case DType::i32:
        case DType::f32: return 4;
        case DType::i64:
        case DType::f64:
        case DType::c64: return 8;
        case DType::c128: return 16;
    }
    return 8;
}
inline const char* dtype_name(DType dtype) {
    switch (dtype) {
        case DType::i32: return "int32";
        case DType::i64: return "int64";
        case DType::f32: return "float32";
        case DType::f64: return "float64";
        case DType::c64: return "complex64";
        case DType::c128: return "complex128";
    }
    return "float64";
}
inline bool is_complex(DType dtype) { return dtype == DType::c64 || dtype == DType::c128; }
inline bool is_integer(DType dtype) { return dtype == DType::i32 || dtype == DType::i64; }

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
