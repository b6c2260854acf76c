#include "io/exact_integers.hpp"

#include <cmath>

#include "engine/common/error.hpp"

namespace tilesum::io {

namespace {
constexpr std::int64_t exact_limit = std::int64_t{1} << 53;
constexpr double exact_limit_float64 = 9007199254740992.0;  // 2^53
}  // namespace

bool int64_exact_in_float64(std::int64_t value) { return value < exact_limit && value > -exact_limit; }

bool int64_exact_in_float64(double converted) { return std::abs(converted) < exact_limit_float64; }

bool integer_result_exact(DType dtype, double value) {
    TILESUM_ASSERT(dtype == DType::i32 || dtype == DType::i64);
    const double low = dtype == DType::i32 ? -2147483648.0 : -exact_limit_float64;       // -2^31, -2^53
    const double high = dtype == DType::i32 ? 2147483647.0 : exact_limit_float64 - 1.0;  // 2^31 - 1, 2^53 - 1
    return value >= low && value <= high;
}

}  // namespace tilesum::io
