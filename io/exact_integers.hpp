// Where float64, tilesum's arithmetic, stops holding integers exactly, and what follows for integer data: every
// integer of magnitude below 2^53 is exact, not every one beyond. Int64 and uint64 inputs are refused from a
// magnitude of 2^53 on (the HDF5 and .npy readers), and an integer result is written as numpy computes it in its
// dtype: the exact value wrapped around modulo 2^bits (numpy's integer arithmetic is arithmetic modulo 2^bits, so
// wrapping the exact result once gives numpy's result; expr/integer_wraparound.hpp refuses the expressions where
// numpy wraps an intermediate that then leaves its dtype), refused when the exact value reaches 2^53. One line,
// drawn here for all of them.
#pragma once

#include <cstdint>

#include "engine/common/shape.hpp"

namespace tilesum::io {

// Whether an int64 input value is computed exactly: its magnitude is below 2^53.
bool int64_exact_in_float64(std::int64_t value);
// The same for an int64 value already converted to float64 (conversion keeps the order, and 2^53 converts exactly).
bool int64_exact_in_float64(double converted);
// The same for a uint64 input value.
bool uint64_exact_in_float64(std::uint64_t value);

// Whether an integer result tilesum computed in float64 is exact, so that numpy's value follows from it: a whole
// number of magnitude below 2^53. NaN is not.
bool integer_result_exact(double value);

// numpy's result in `dtype` (an integer dtype) of the exact integer `value` (integer_result_exact): value modulo
// 2^64 as two's complement bits; a narrower dtype takes their low bits (static_cast to it is the same modulo).
std::uint64_t wrapped_integer_bits(double value);

}  // namespace tilesum::io
