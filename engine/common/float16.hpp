// numpy's float16 (IEEE 754 binary16: 1 sign bit, 5 exponent bits, 10 mantissa bits) as its 16 stored bits, for
// the readers and writers: tilesum computes in float64, so float16 only ever needs converting at the storage edge.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace tilesum {

// The exact float64 value of a float16 (every float16 is a float64).
inline double float16_to_double(std::uint16_t bits) {
    const int sign = (bits >> 15) & 1;
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    double value;
    if (exponent == 0x1f)
        value = mantissa ? std::nan("") : INFINITY;
    else if (exponent == 0)
        value = std::ldexp(mantissa, -24);  // subnormal: mantissa * 2^-24
    else
        value = std::ldexp(mantissa | 0x400, exponent - 25);
    return sign ? -value : value;
}

// The float16 nearest to `value`, ties to even, as numpy's astype(np.float16) rounds (directly from float64: no
// double rounding through float32); beyond the largest float16 (65504) infinity, nan stays nan.
inline std::uint16_t double_to_float16(double value) {
    const std::uint16_t sign = std::signbit(value) ? 0x8000 : 0;
    if (std::isnan(value)) return 0x7e00;
    const double magnitude = std::fabs(value);
    if (magnitude == 0) return sign;
    if (magnitude >= 65520.0) return sign | 0x7c00;  // 65520 = 65504 + half an ulp: rounds to infinity (ties away)
    int exponent;
    std::frexp(magnitude, &exponent);  // magnitude = f * 2^exponent, f in [0.5, 1)
    // The spacing of float16s around magnitude: 2^(exponent - 11) for normals, 2^-24 for subnormals.
    const int scale = std::max(exponent - 11, -24);
    const double units = std::nearbyint(std::ldexp(magnitude, -scale));  // round to nearest, ties to even
    const std::uint64_t whole = static_cast<std::uint64_t>(units);
    if (scale == -24) {  // subnormal, or rounded up into the smallest normal (whole == 0x400 gives exponent 1)
        return sign | static_cast<std::uint16_t>(whole);
    }
    // whole is in [2^10, 2^11]; 2^11 means the rounding carried into the next exponent.
    int biased = scale + 25;  // exponent field of a value whole * 2^scale with whole in [2^10, 2^11)
    std::uint64_t mantissa = whole;
    if (mantissa == 0x800) {
        mantissa = 0x400;
        ++biased;
    }
    if (biased >= 0x1f) return sign | 0x7c00;
    return sign | static_cast<std::uint16_t>((biased << 10) | (mantissa & 0x3ff));
}

}  // namespace tilesum
