#include "io/small_dtypes.hpp"

#include <cstdint>
#include <cstring>

#include "engine/common/float16.hpp"
#include "io/exact_integers.hpp"
#include "io/hdf5_call_guard.hpp"

namespace tilesum::io {

bool is_small_dtype(DType dtype) {
    switch (dtype) {
        case DType::b1:
        case DType::i8:
        case DType::i16:
        case DType::u8:
        case DType::u16:
        case DType::u32:
        case DType::u64:
        case DType::f16: return true;
        default: return false;
    }
}

namespace {

// An enum type over int8 with h5py's bool members; `base` is its integer type (H5T_STD_I8LE or H5T_NATIVE_INT8).
h5::Handle bool_enum_type(const h5::Where& where, hid_t base) {
    h5::CallGuard guard;
    h5::Handle type = h5::checked_handle(H5Tenum_create(base), where, "create the bool type of", "H5Tenum_create");
    const std::int8_t false_value = 0, true_value = 1;
    if (H5Tenum_insert(type.get(), "FALSE", &false_value) < 0 || H5Tenum_insert(type.get(), "TRUE", &true_value) < 0)
        h5::checked_handle(-1, where, "create the bool type of", "H5Tenum_insert");
    return type;
}

// IEEE half precision as h5py makes it: float32's layout cut to 16 bits.
h5::Handle float16_type(const h5::Where& where, hid_t float32) {
    h5::CallGuard guard;
    h5::Handle type = h5::checked_handle(H5Tcopy(float32), where, "create the float16 type of", "H5Tcopy");
    if (H5Tset_fields(type.get(), 15, 10, 5, 0, 10) < 0 || H5Tset_size(type.get(), 2) < 0 ||
        H5Tset_ebias(type.get(), 15) < 0)
        h5::checked_handle(-1, where, "create the float16 type of", "H5Tset_fields");
    return type;
}

bool is_float16(const h5::Where& where, hid_t type) {
    h5::CallGuard guard;
    if (H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 2) return false;
    std::size_t sign = 0, exponent_position = 0, exponent_bits = 0, mantissa_position = 0, mantissa_bits = 0;
    if (H5Tget_fields(type, &sign, &exponent_position, &exponent_bits, &mantissa_position, &mantissa_bits) < 0)
        h5::checked_handle(-1, where, "inspect the float type of", "H5Tget_fields");
    return sign == 15 && exponent_position == 10 && exponent_bits == 5 && mantissa_position == 0 &&
           mantissa_bits == 10 && H5Tget_ebias(type) == 15;
}

// h5py's bool: an enum of two members FALSE and TRUE over a one-byte integer.
bool is_h5py_bool(const h5::Where& where, hid_t type) {
    if (h5::type_class(where, type) != H5T_ENUM || h5::type_size(where, type) != 1) return false;
    if (h5::type_member_count(where, type) != 2) return false;
    return h5::type_member_name(where, type, 0) == "FALSE" && h5::type_member_name(where, type, 1) == "TRUE";
}

template <typename Element>
Extent widen(double* dst, Extent count) {
    for (Extent element = count; element-- > 0;) {
        Element value;
        std::memcpy(&value, reinterpret_cast<const unsigned char*>(dst) + element * sizeof(Element), sizeof value);
        dst[element] = static_cast<double>(value);
    }
    return count;
}

template <typename Element>
Extent narrow_integers(const double* src, Extent count, unsigned char* out) {
    for (Extent element = 0; element < count; ++element) {
        if (!integer_result_exact(src[element])) return element;
        const auto value = static_cast<Element>(wrapped_integer_bits(src[element]));  // modulo 2^bits
        std::memcpy(out + element * sizeof(Element), &value, sizeof value);
    }
    return count;
}

}  // namespace

std::optional<DType> hdf5_small_dtype(const h5::Where& where, hid_t type) {
    if (is_float16(where, type)) return DType::f16;
    if (is_h5py_bool(where, type)) return DType::b1;
    if (h5::type_class(where, type) != H5T_INTEGER) return std::nullopt;
    const bool is_signed = h5::type_sign(where, type) != H5T_SGN_NONE;
    switch (h5::type_size(where, type)) {
        case 1: return is_signed ? DType::i8 : DType::u8;
        case 2: return is_signed ? DType::i16 : DType::u16;
        case 4: return is_signed ? std::nullopt : std::optional(DType::u32);  // int32: the fast paths
        case 8: return is_signed ? std::nullopt : std::optional(DType::u64);
        default: return std::nullopt;
    }
}

h5::Handle hdf5_small_file_type(const h5::Where& where, DType dtype) {
    auto copy = [&](hid_t type) {
        h5::CallGuard guard;
        return h5::checked_handle(H5Tcopy(type), where, "create the datatype of", "H5Tcopy");
    };
    switch (dtype) {
        case DType::b1: return bool_enum_type(where, H5T_STD_I8LE);
        case DType::i8: return copy(H5T_STD_I8LE);
        case DType::i16: return copy(H5T_STD_I16LE);
        case DType::u8: return copy(H5T_STD_U8LE);
        case DType::u16: return copy(H5T_STD_U16LE);
        case DType::u32: return copy(H5T_STD_U32LE);
        case DType::u64: return copy(H5T_STD_U64LE);
        case DType::f16: return float16_type(where, H5T_IEEE_F32LE);
        default: TILESUM_ASSERT(false);
    }
    return {};
}

h5::Handle hdf5_small_memory_type(const h5::Where& where, DType dtype) {
    auto copy = [&](hid_t type) {
        h5::CallGuard guard;
        return h5::checked_handle(H5Tcopy(type), where, "create the datatype of", "H5Tcopy");
    };
    switch (dtype) {
        case DType::b1: return bool_enum_type(where, H5T_NATIVE_INT8);
        case DType::i8: return copy(H5T_NATIVE_INT8);
        case DType::i16: return copy(H5T_NATIVE_INT16);
        case DType::u8: return copy(H5T_NATIVE_UINT8);
        case DType::u16: return copy(H5T_NATIVE_UINT16);
        case DType::u32: return copy(H5T_NATIVE_UINT32);
        case DType::u64: return copy(H5T_NATIVE_UINT64);
        case DType::f16: return float16_type(where, H5T_NATIVE_FLOAT);
        default: TILESUM_ASSERT(false);
    }
    return {};
}

Extent widen_small_in_place(DType dtype, double* dst, Extent count) {
    switch (dtype) {
        case DType::b1: return widen<std::uint8_t>(dst, count);
        case DType::i8: return widen<std::int8_t>(dst, count);
        case DType::i16: return widen<std::int16_t>(dst, count);
        case DType::u8: return widen<std::uint8_t>(dst, count);
        case DType::u16: return widen<std::uint16_t>(dst, count);
        case DType::u32: return widen<std::uint32_t>(dst, count);
        case DType::u64: {
            // Checked first, then widened: an inexact element is reported before the buffer changes.
            for (Extent element = 0; element < count; ++element) {
                std::uint64_t value;
                std::memcpy(&value, dst + element, sizeof value);
                if (!uint64_exact_in_float64(value)) return element;
            }
            return widen<std::uint64_t>(dst, count);
        }
        case DType::f16: {
            for (Extent element = count; element-- > 0;) {
                std::uint16_t bits;
                std::memcpy(&bits, reinterpret_cast<const unsigned char*>(dst) + element * sizeof bits, sizeof bits);
                dst[element] = float16_to_double(bits);
            }
            return count;
        }
        default: TILESUM_ASSERT(false);
    }
    return count;
}

Extent narrow_results(DType dtype, const double* src, Extent count, unsigned char* out) {
    switch (dtype) {
        case DType::b1:
            for (Extent element = 0; element < count; ++element) {
                // numpy's bool arithmetic is logical: a sum of products of bools is true where it is nonzero.
                if (!integer_result_exact(src[element])) return element;
                out[element] = src[element] != 0 ? 1 : 0;
            }
            return count;
        case DType::i8: return narrow_integers<std::int8_t>(src, count, out);
        case DType::i16: return narrow_integers<std::int16_t>(src, count, out);
        case DType::u8: return narrow_integers<std::uint8_t>(src, count, out);
        case DType::u16: return narrow_integers<std::uint16_t>(src, count, out);
        case DType::u32: return narrow_integers<std::uint32_t>(src, count, out);
        case DType::u64: return narrow_integers<std::uint64_t>(src, count, out);
        case DType::i32: return narrow_integers<std::int32_t>(src, count, out);
        case DType::i64: return narrow_integers<std::int64_t>(src, count, out);
        case DType::f16:
            for (Extent element = 0; element < count; ++element) {
                const std::uint16_t bits = double_to_float16(src[element]);
                std::memcpy(out + element * sizeof bits, &bits, sizeof bits);
            }
            return count;
        default: TILESUM_ASSERT(false);
    }
    return count;
}

}  // namespace tilesum::io
