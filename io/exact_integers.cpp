#include "io/exact_integers.hpp"

#include <cmath>

namespace tilesum::io {

namespace {
constexpr std::int64_t exact_limit = std::int64_t{1} << 53;
constexpr double exact_limit_float64 = 9007199254740992.0;  // 2^53
}  // namespace

bool int64_exact_in_float64(std::int64_t value) { return value < exact_limit && value > -exact_limit; }

bool int64_exact_in_float64(double converted) { return std::abs(converted) < exact_limit_float64; }

bool uint64_exact_in_float64(std::uint64_t value) { return value < static_cast<std::uint64_t>(exact_limit); }

bool integer_result_exact(double value) { return std::abs(value) < exact_limit_float64 && std::floor(value) == value; }

std::uint64_t wrapped_integer_bits(double value) {
    // Conversion to uint64 is modulo 2^64 in C++20 from a signed integer, not from a double: go through int64.
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
}

}  // namespace tilesum::io
