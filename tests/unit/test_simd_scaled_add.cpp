// The Highway kernel (engine/kernels/simd_scaled_add.hpp) gives the scalar loop's bits, whatever target the
// dispatcher chose: random inputs of every length around the vector widths (2, 4, 8 doubles) and beyond, starting
// at every offset within a cache line so that loads and stores are unaligned.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/simd_scaled_add.hpp"

using tilesum::kernels::simd::scaled_add;
using tilesum::kernels::simd::scaled_add_scalar;
using tilesum::kernels::simd::simd_target_name;

namespace {

// Values over many binades, so that the rounding of the product and of the sum both matter.
std::vector<double> random_values(std::size_t count, std::mt19937_64& generator) {
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> exponent(-30, 30);
    std::vector<double> values(count);
    for (double& value : values) value = std::ldexp(mantissa(generator), exponent(generator));
    return values;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    // memcmp may not be given the null data() of an empty vector, even for zero bytes.
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

TEST_CASE("the SIMD scaled add gives the scalar loop's bits for every length and alignment", "[kernels][simd]") {
    const std::uint64_t seed = 20261207;
    std::mt19937_64 generator(seed);
    INFO("seed " << seed << ", SIMD target " << simd_target_name());
    std::vector<std::size_t> lengths;
    for (std::size_t length = 0; length <= 40; ++length) lengths.push_back(length);
    for (std::size_t length : {63, 64, 65, 127, 1000, 1001, 4099}) lengths.push_back(length);
    for (std::size_t length : lengths) {
        for (std::size_t in_offset = 0; in_offset < 8; ++in_offset) {
            const std::size_t out_offset = (in_offset * 3 + 1) % 8;  // the two misaligned differently
            const std::vector<double> in = random_values(length + in_offset, generator);
            const std::vector<double> out_start = random_values(length + out_offset, generator);
            const double coefficient = random_values(1, generator)[0];
            std::vector<double> expected = out_start;
            std::vector<double> actual = out_start;
            scaled_add_scalar(coefficient, in.data() + in_offset, expected.data() + out_offset, length);
            scaled_add(coefficient, in.data() + in_offset, actual.data() + out_offset, length);
            CAPTURE(length, in_offset, out_offset, coefficient);
            REQUIRE(same_bits(actual, expected));
        }
    }
}

TEST_CASE("the SIMD scaled add keeps IEEE special values as the scalar loop does", "[kernels][simd]") {
    const double infinity = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> in = {infinity, -infinity, nan, 0.0, -0.0, 1e308, 1e-320, 3.0, 5.0};
    for (const double coefficient : {2.0, -0.0, infinity, 1e300}) {
        std::vector<double> expected = {1.0, 1.0, 1.0, -0.0, -0.0, 1e308, 0.0, -infinity, nan};
        std::vector<double> actual = expected;
        scaled_add_scalar(coefficient, in.data(), expected.data(), in.size());
        scaled_add(coefficient, in.data(), actual.data(), in.size());
        CAPTURE(coefficient);
        REQUIRE(same_bits(actual, expected));
    }
}

TEST_CASE("the SIMD level is a Highway target name", "[kernels][simd]") {
    const std::string name = simd_target_name();
    CAPTURE(name);
    REQUIRE_FALSE(name.empty());
    REQUIRE(name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos);
}
