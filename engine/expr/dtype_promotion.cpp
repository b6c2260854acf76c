#include "engine/expr/dtype_promotion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tilesum::expr {

namespace {

// numpy's kinds, in promotion order.
enum class Kind { integer, floating, complex };

// numpy's dtypes as (kind, the bits of precision promotion must keep). For a real type the bits are its float
// precision (int32 and int64 need float64 to mix with a float); `unsigned_` marks np.min_scalar_type's unsigned ints.
struct TypeTraits {
    Kind kind;
    int bits;  // integer: 8..64; float: 16, 32, 64; complex: of each part
    bool unsigned_ = false;
};

TypeTraits traits(DType dtype) {
    switch (dtype) {
        case DType::i32: return {Kind::integer, 32};
        case DType::i64: return {Kind::integer, 64};
        case DType::f32: return {Kind::floating, 32};
        case DType::f64: return {Kind::floating, 64};
        case DType::c64: return {Kind::complex, 32};
        case DType::c128: return {Kind::complex, 64};
    }
    return {Kind::floating, 64};
}

// The float precision a type needs when it meets a float: numpy gives int8/uint8/int16/uint16 float16 (at most
// float32 here) and every wider integer float64.
int float_bits(const TypeTraits& type) {
    if (type.kind != Kind::integer) return type.bits;
    return type.bits <= 16 ? 16 : 64;
}

// np.promote_types on the traits, for the integer and float results tilesum has dtypes for.
DType promote_traits(const TypeTraits& left, const TypeTraits& right) {
    if (left.kind == Kind::integer && right.kind == Kind::integer) {
        // A signed and an unsigned int need a signed int wider than the unsigned one; uint64 + a signed int is
        // float64 in numpy (no int128).
        auto signed_bits = [](const TypeTraits& type) { return type.unsigned_ ? type.bits * 2 : type.bits; };
        const int bits = left.unsigned_ == right.unsigned_ ? std::max(left.bits, right.bits)
                                                           : std::max(signed_bits(left), signed_bits(right));
        if (bits > 64) return DType::f64;
        return bits <= 32 ? DType::i32 : DType::i64;
    }
    const int bits = std::max(float_bits(left), float_bits(right));
    const bool complex = left.kind == Kind::complex || right.kind == Kind::complex;
    if (complex) return bits <= 32 ? DType::c64 : DType::c128;
    return bits <= 32 ? DType::f32 : DType::f64;
}

// np.min_scalar_type of a Python int or float.
TypeTraits min_scalar_traits(const ScalarLiteral& scalar) {
    const double value = scalar.value;
    if (scalar.is_integer) {
        if (value >= 0) {
            // numpy marks an unsigned type "small" when the value also fits the signed type of its size, and then
            // promotes it as that signed type: 2**31 - 1 keeps int32 where 2**31 (uint32) makes int64.
            for (int bits : {8, 16, 32, 64})
                if (value < std::ldexp(1.0, bits)) return {Kind::integer, bits, value >= std::ldexp(1.0, bits - 1)};
            return {Kind::integer, 64, true};
        }
        for (int bits : {8, 16, 32})
            if (value >= -std::ldexp(1.0, bits - 1)) return {Kind::integer, bits};
        return {Kind::integer, 64};
    }
    const double magnitude = std::fabs(value);
    if (!std::isfinite(magnitude)) return {Kind::floating, 16};  // numpy: inf and nan fit float16
    if (magnitude <= 65504.0) return {Kind::floating, 16};
    if (magnitude <= std::numeric_limits<float>::max()) return {Kind::floating, 32};
    return {Kind::floating, 64};
}

}  // namespace

DType promote_types(DType left, DType right) { return promote_traits(traits(left), traits(right)); }

DType promote_with_scalar(DType dtype, const ScalarLiteral& scalar) {
    const TypeTraits array = traits(dtype);
    const TypeTraits scalar_type = min_scalar_traits(scalar);
    // A scalar of a higher kind than the array is taken at its default dtype: a Python float is float64.
    if (scalar_type.kind > array.kind) return promote_types(dtype, DType::f64);
    return promote_traits(array, scalar_type);
}

DType true_divide_dtype(DType dtype, const ScalarLiteral& scalar) {
    if (is_integer(dtype)) return DType::f64;
    return promote_with_scalar(dtype, scalar);
}

}  // namespace tilesum::expr
