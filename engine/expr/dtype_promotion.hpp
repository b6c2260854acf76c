// numpy 1.24's result dtypes for the dtypes tilesum knows: np.result_type of arrays, and of an array with a Python
// number (value-based casting). The binder and build.cpp take every dtype from here.
#pragma once

#include "engine/common/shape.hpp"

namespace tilesum::expr {

// np.promote_types(left, right): int32+int64 -> int64, int32+float32 -> float64, float32+complex64 -> complex64,
// float64+complex64 -> complex128, and so on.
DType promote_types(DType left, DType right);

// A number written in a script: a Python int (`2`, `-3`) or a Python float (`2.0`, `1e-3`).
struct ScalarLiteral {
    double value = 0;
    bool is_integer = false;
};

// np.result_type(array of `dtype`, scalar) under numpy 1.24's value-based casting: the scalar counts only by the
// smallest dtype that holds its value (np.min_scalar_type), and only when it is of no higher kind than the array
// (int < float < complex). So 2 * int32 -> int32, 2**31 * int32 -> int64, 2.5 * int32 -> float64,
// 2.0 * float32 -> float32, 70000 * float32 -> float64 (uint32 + float32), 1e300 * float32 -> float64.
DType promote_with_scalar(DType dtype, const ScalarLiteral& scalar);

// The dtype of `array / scalar` (np.true_divide): float64 for integer arrays, else promote_with_scalar.
DType true_divide_dtype(DType dtype, const ScalarLiteral& scalar);

}  // namespace tilesum::expr
