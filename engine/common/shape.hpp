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

enum class DType { f32, f64 };

inline std::size_t dtype_size(DType dtype) { return dtype == DType::f32 ? 4 : 8; }
inline const char* dtype_name(DType dtype) { return dtype == DType::f32 ? "float32" : "float64"; }

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
