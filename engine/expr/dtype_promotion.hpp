// numpy 1.24's result dtypes for the dtypes tilesum knows: np.result_type of arrays, and of an array with a Python
// number (value-based casting). The binder and build.cpp take every dtype from here.
#pragma once

#include "engine/common/shape.hpp"

namespace tilesum::expr {

// np.promote_types(left, right): int32+int64 -> int64, int32+float32 -> float64, float32+complex64 -> complex64,
// float64+complex64 -> complex128, and so on.
DType promote_types(DType left, DType right);

// A number written in a script: a Python int (`2`, `-3`), a Python float (`2.0`, `1e-3`) or a Python bool
// (`True`: value 1, is_bool; numpy ranks it below the ints).
struct ScalarLiteral {
    double value = 0;
    bool is_integer = false;
    bool is_bool = false;
};

// np.result_type(array of `dtype`, scalar) under numpy 1.24's value-based casting: the scalar counts only by the
// smallest dtype that holds its value (np.min_scalar_type), and only when it is of no higher kind than the array
// (int < float < complex). So 2 * int32 -> int32, 2**31 * int32 -> int64, 2.5 * int32 -> float64,
// 2.0 * float32 -> float32, 70000 * float32 -> float64 (uint32 + float32), 1e300 * float32 -> float64.
DType promote_with_scalar(DType dtype, const ScalarLiteral& scalar);

// The dtype of `array / scalar` (np.true_divide): float64 for integer and bool arrays, else promote_with_scalar.
DType true_divide_dtype(DType dtype, const ScalarLiteral& scalar);

// np.result_type(array of `dtype`, a Python complex real + imag j): complex128 for bool and integer arrays; for
// float and complex ones their precision, at least complex64 (float32 * 1j is complex64), unless a part of the
// number needs float64 (numpy 1.24, value-based).
DType complex_scalar_dtype(DType dtype, double real, double imag);

// The dtype of np.exp(array) and the other float functions: bool, int8 and uint8 give float16, int16 and uint16
// float32, wider integers float64; a float or complex array keeps its dtype.
DType float_function_dtype(DType dtype);

// The dtype of np.sum(array) and np.trace: numpy sums bool and signed integers in int64, unsigned ones in uint64.
DType sum_dtype(DType dtype);

}  // namespace tilesum::expr
