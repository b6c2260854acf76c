// Where float64, tilesum's arithmetic, stops holding integers exactly, and what follows for integer data: every
// integer of magnitude below 2^53 is exact, not every one beyond. Int64 inputs are refused from a magnitude of 2^53
// on (the HDF5 and .npy readers), and an integer result is written only when it is the value numpy would compute in
// its dtype (the HDF5 writer). One line, drawn here for all of them.
#pragma once

#include <cstdint>

#include "engine/common/shape.hpp"

namespace tilesum::io {

// Whether an int64 input value is computed exactly: its magnitude is below 2^53.
bool int64_exact_in_float64(std::int64_t value);
// The same for an int64 value already converted to float64 (conversion keeps the order, and 2^53 converts exactly).
bool int64_exact_in_float64(double converted);

// Whether an integer result tilesum computed in float64 is the one numpy computes in `dtype` (i32 or i64): within
// int32's range (int32 arithmetic wraps around modulo 2^32, so a result that fits is the same), and for int64 within
// [-2^53, 2^53 - 1], where float64 is exact. NaN is not.
bool integer_result_exact(DType dtype, double value);

}  // namespace tilesum::io
