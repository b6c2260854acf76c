#include "engine/expr/dtype_promotion.hpp"

#include <algorithm>
#include <cmath>

namespace tilesum::expr {

namespace {

// numpy's kinds, in promotion order ('b' < 'i'/'u' < 'f' < 'c').
enum class Kind { boolean, integer, floating, complex };

// numpy's dtypes as (kind, the bits of precision promotion must keep). `unsigned_` marks the unsigned ints, and
// np.min_scalar_type's unsigned results.
struct TypeTraits {
    Kind kind;
    int bits;  // bool: 1; integer: 8..64; float: 16, 32, 64; complex: of each part
    bool unsigned_ = false;
};

TypeTraits traits(DType dtype) {
    switch (dtype) {
        case DType::b1: return {Kind::boolean, 1};
        case DType::i8: return {Kind::integer, 8};
        case DType::i16: return {Kind::integer, 16};
        case DType::i32: return {Kind::integer, 32};
        case DType::i64: return {Kind::integer, 64};
        case DType::u8: return {Kind::integer, 8, true};
        case DType::u16: return {Kind::integer, 16, true};
        case DType::u32: return {Kind::integer, 32, true};
        case DType::u64: return {Kind::integer, 64, true};
        case DType::f16: return {Kind::floating, 16};
        case DType::f32: return {Kind::floating, 32};
        case DType::f64: return {Kind::floating, 64};
        case DType::c64: return {Kind::complex, 32};
        case DType::c128: return {Kind::complex, 64};
    }
    return {Kind::floating, 64};
}

DType integer_dtype(int bits, bool unsigned_) {
    if (bits <= 8) return unsigned_ ? DType::u8 : DType::i8;
    if (bits <= 16) return unsigned_ ? DType::u16 : DType::i16;
    if (bits <= 32) return unsigned_ ? DType::u32 : DType::i32;
    return unsigned_ ? DType::u64 : DType::i64;
}

// The float precision a type needs when it meets a float: numpy gives bool, int8 and uint8 float16, int16 and
// uint16 float32 (float16 holds 11 bits), every wider integer float64.
int float_bits(const TypeTraits& type) {
    if (type.kind == Kind::boolean) return 16;
    if (type.kind != Kind::integer) return type.bits;
    return type.bits <= 8 ? 16 : type.bits <= 16 ? 32 : 64;
}

// np.promote_types on the traits.
DType promote_traits(const TypeTraits& left, const TypeTraits& right) {
    if (left.kind == Kind::boolean && right.kind == Kind::boolean) return DType::b1;
    if (left.kind == Kind::boolean && right.kind == Kind::integer) return integer_dtype(right.bits, right.unsigned_);
    if (right.kind == Kind::boolean && left.kind == Kind::integer) return integer_dtype(left.bits, left.unsigned_);
    if (left.kind == Kind::integer && right.kind == Kind::integer) {
        // A signed and an unsigned int need a signed int wider than the unsigned one; uint64 + a signed int is
        // float64 in numpy (no int128).
        if (left.unsigned_ == right.unsigned_) return integer_dtype(std::max(left.bits, right.bits), left.unsigned_);
        auto signed_bits = [](const TypeTraits& type) { return type.unsigned_ ? type.bits * 2 : type.bits; };
        const int bits = std::max(signed_bits(left), signed_bits(right));
        return bits > 64 ? DType::f64 : integer_dtype(bits, false);
    }
    const int bits = std::max(float_bits(left), float_bits(right));
    const bool complex = left.kind == Kind::complex || right.kind == Kind::complex;
    if (complex) return bits <= 32 ? DType::c64 : DType::c128;
    return bits <= 16 ? DType::f16 : bits <= 32 ? DType::f32 : DType::f64;
}

// np.min_scalar_type of a Python bool, int or float.
TypeTraits min_scalar_traits(const ScalarLiteral& scalar) {
    const double value = scalar.value;
    if (scalar.is_bool) return {Kind::boolean, 1};
    if (scalar.is_integer) {
        if (value >= 0) {
            // numpy marks an unsigned type "small" when the value also fits the signed type of its size, and then
            // promotes it as that signed type against a signed array: 2**31 - 1 keeps int32 where 2**31 (uint32)
            // makes int64. Against an unsigned array the value counts as unsigned (uint8 * 2 stays uint8).
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
    // numpy's own limits (not float16's 65504 and float32's 3.40282e38): 65000 already needs float32.
    if (magnitude < 65000.0) return {Kind::floating, 16};
    if (magnitude < 3.4e38) return {Kind::floating, 32};
    return {Kind::floating, 64};
}

}  // namespace

DType promote_types(DType left, DType right) { return promote_traits(traits(left), traits(right)); }

DType promote_with_scalar(DType dtype, const ScalarLiteral& scalar) {
    const TypeTraits array = traits(dtype);
    TypeTraits scalar_type = min_scalar_traits(scalar);
    // A scalar of a higher kind than the array is taken at its default dtype: a Python int is int64, a float float64.
    // (an int beyond int64: uint64).
    if (scalar_type.kind > array.kind) {
        if (scalar_type.kind == Kind::integer)
            return promote_types(dtype, scalar.value >= std::ldexp(1.0, 63) ? DType::u64 : DType::i64);
        return promote_types(dtype, DType::f64);
    }
    // A non-negative int that fits the signed type of its size meets an unsigned array as unsigned.
    if (array.kind == Kind::integer && array.unsigned_ && scalar_type.kind == Kind::integer && scalar.value >= 0)
        scalar_type.unsigned_ = true;
    return promote_traits(array, scalar_type);
}

DType true_divide_dtype(DType dtype, const ScalarLiteral& scalar) {
    if (is_exact_kind(dtype)) return DType::f64;
    return promote_with_scalar(dtype, scalar);
}

DType complex_scalar_dtype(DType dtype, double real, double imag) {
    if (is_exact_kind(dtype)) return promote_types(dtype, DType::c128);
    const bool wide = std::fabs(real) >= 3.4e38 || std::fabs(imag) >= 3.4e38;  // numpy's float32 limit, as above
    return promote_types(dtype, wide ? DType::c128 : DType::c64);
}

DType float_function_dtype(DType dtype) {
    if (!is_exact_kind(dtype)) return dtype;
    return promote_types(dtype, DType::f16);
}

DType sum_dtype(DType dtype) {
    if (dtype == DType::b1 || (is_integer(dtype) && !is_unsigned(dtype))) return DType::i64;
    return is_unsigned(dtype) ? DType::u64 : dtype;
}

}  // namespace tilesum::expr
