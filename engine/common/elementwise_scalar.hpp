// numpy's value of each elementwise function on one element (issue 13), written once: the block kernels
// (kernels/elementwise_functions.cpp) inline these in their loops, the script folds numbers with function_value
// and the naive evaluator calls it per element, so a constant, a tile and the oracle never disagree.
#pragma once

#include <cmath>

#include "engine/common/elementwise_function.hpp"

namespace tilesum::elementwise {

// np.sign: nan stays nan, both zeros give 0.
inline double sign_of(double x) {
    if (x > 0) return 1.0;
    if (x < 0) return -1.0;
    return x == 0 ? 0.0 : x;
}

// x ** n for an integer n by binary powering (what "integer powers by multiplication" means; numpy squares for
// n = 2 and calls pow otherwise, so results may differ from numpy's by an ulp or two for |n| > 2). A negative n is
// the reciprocal of the positive power, as numpy's x ** -1 is 1 / x.
inline double integer_power(double x, long long exponent) {
    const bool negative = exponent < 0;
    unsigned long long remaining = negative ? 0ULL - static_cast<unsigned long long>(exponent)
                                            : static_cast<unsigned long long>(exponent);
    double result = 1.0, square = x;
    while (remaining) {
        if (remaining & 1ULL) result *= square;
        remaining >>= 1;
        if (remaining) square *= square;
    }
    return negative ? 1.0 / result : result;
}

// Integer exponents this size and smaller are multiplied out; larger ones go to pow (ulps would pile up).
inline constexpr double largest_multiplied_exponent = 64;

inline bool multiplied(double exponent) {
    return std::floor(exponent) == exponent && std::abs(exponent) <= largest_multiplied_exponent;
}

inline double power(double x, double exponent) {
    if (multiplied(exponent)) return integer_power(x, static_cast<long long>(exponent));
    if (exponent == 0.5) return std::sqrt(x);  // numpy's fast path too
    return std::pow(x, exponent);
}

// numpy's power of two arrays: C's pow (pow(x, 0) is 1 even for nan, pow(0, -1) is inf, a negative base to a
// fractional exponent nan). `integers`: both arrays are integers, whose power numpy computes exactly by
// multiplication and refuses for a negative exponent ("Integers to negative integer powers are not allowed"),
// which gives nan here (an integer output refuses nan when written).
inline double array_power(double x, double y, bool integers) {
    if (!integers) return std::pow(x, y);
    if (y < 0) return std::nan("");
    return y <= 0x1p62 ? integer_power(x, static_cast<long long>(y)) : std::pow(x, y);
}

// numpy's maximum and minimum: a nan in either argument is the result.
inline double maximum(double a, double b) { return (a >= b || std::isnan(a)) ? a : b; }
inline double minimum(double a, double b) { return (a <= b || std::isnan(a)) ? a : b; }

inline double truth(bool value) { return value ? 1.0 : 0.0; }

// numpy's truth of a number for where(): nonzero, nan included.
inline double select(double condition, double a, double b) { return condition != 0 ? a : b; }

}  // namespace tilesum::elementwise

namespace tilesum {

// op over one element: `values` holds one value per argument (function_info(op).arity), `exponent` is power's p
// (Node::parameter: array_power's integer flag).
// The naive evaluator's kernel and the script's constant folding.
double function_value(FunctionOp op, double exponent, const double* values);

}  // namespace tilesum
