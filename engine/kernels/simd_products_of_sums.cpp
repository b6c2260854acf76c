// Highway's dynamic dispatch, as in simd_scaled_add.cpp: this file is compiled once per target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/simd_products_of_sums.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <cmath>
#include <cstddef>

#include "engine/kernels/simd_products_of_sums.hpp"

HWY_BEFORE_NAMESPACE();
namespace tilesum::kernels::simd::HWY_NAMESPACE {

using rows::Term;

// One operand at element i, as a number: one term c0 · (f0 · x0) (f0 · x0 when unit), or two:
// fma(f0, x0, f1 · x1) when unit, else fma(c0, f0 · x0, c1 · (f1 · x1)). row_ops.hpp's roundings.
template <int Kind>
HWY_INLINE double ScalarOperand(const Term* terms, std::size_t i) {
    constexpr bool unit = Kind % 2 == 1;
    const double first = terms[0].factor * terms[0].row[i];
    if constexpr (Kind / 2 == 0) return unit ? first : terms[0].coefficient * first;
    const double second = terms[1].factor * terms[1].row[i];
    if constexpr (unit) return std::fma(terms[0].factor, terms[0].row[i], second);
    return std::fma(terms[0].coefficient, first, terms[1].coefficient * second);
}

// The batch one element at a time: the tail of the vector loop, and the whole batch on targets without an FMA.
template <int KindA, int KindB>
HWY_INLINE void ScalarBatch(double* out, const Term* a, const Term* b, int products, std::size_t begin,
                            std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
        double sum = out[i];
        for (std::ptrdiff_t product = 0; product < products; ++product)
            sum = std::fma(ScalarOperand<KindA>(a + 2 * product, i), ScalarOperand<KindB>(b + 2 * product, i), sum);
        out[i] = sum;
    }
}

#if HWY_NATIVE_FMA

namespace hn = hwy::HWY_NAMESPACE;

// One operand's terms broadcast for the vector loop.
template <int Kind, class D>
struct VectorOperand {
    using V = hn::Vec<D>;
    const double* x0;
    const double* x1;
    V f0, c0, f1, c1;
    VectorOperand(D d, const Term* terms)
        : x0(terms[0].row),
          x1(Kind / 2 == 1 ? terms[1].row : terms[0].row),
          f0(hn::Set(d, terms[0].factor)),
          c0(hn::Set(d, terms[0].coefficient)),
          f1(hn::Set(d, Kind / 2 == 1 ? terms[1].factor : 0.0)),
          c1(hn::Set(d, Kind / 2 == 1 ? terms[1].coefficient : 0.0)) {}
    HWY_INLINE V operator()(D d, std::size_t i) const {
        constexpr bool unit = Kind % 2 == 1;
        const V first = hn::Mul(f0, hn::LoadU(d, x0 + i));
        if constexpr (Kind / 2 == 0) return unit ? first : hn::Mul(c0, first);
        const V second = hn::Mul(f1, hn::LoadU(d, x1 + i));
        if constexpr (unit) return hn::MulAdd(f0, hn::LoadU(d, x0 + i), second);
        return hn::MulAdd(c0, first, hn::Mul(c1, second));
    }
};

template <int KindA, int KindB>
HWY_INLINE void Batch(double* out, const Term* a, const Term* b, int products, std::size_t count) {
    const hn::ScalableTag<double> d;
    const std::size_t lanes = hn::Lanes(d);
    std::size_t i = 0;
    // Four vectors of accumulator at a time (32 doubles with AVX-512, 16 with AVX2): enough independent fused
    // multiply-adds in flight to hide their latency, few enough registers to keep every operand's numbers too.
    for (; i + 4 * lanes <= count; i += 4 * lanes) {
        auto s0 = hn::LoadU(d, out + i), s1 = hn::LoadU(d, out + i + lanes);
        auto s2 = hn::LoadU(d, out + i + 2 * lanes), s3 = hn::LoadU(d, out + i + 3 * lanes);
        for (std::ptrdiff_t product = 0; product < products; ++product) {
            const VectorOperand<KindA, decltype(d)> x(d, a + 2 * product);
            const VectorOperand<KindB, decltype(d)> y(d, b + 2 * product);
            s0 = hn::MulAdd(x(d, i), y(d, i), s0);
            s1 = hn::MulAdd(x(d, i + lanes), y(d, i + lanes), s1);
            s2 = hn::MulAdd(x(d, i + 2 * lanes), y(d, i + 2 * lanes), s2);
            s3 = hn::MulAdd(x(d, i + 3 * lanes), y(d, i + 3 * lanes), s3);
        }
        hn::StoreU(s0, d, out + i);
        hn::StoreU(s1, d, out + i + lanes);
        hn::StoreU(s2, d, out + i + 2 * lanes);
        hn::StoreU(s3, d, out + i + 3 * lanes);
    }
    for (; i + lanes <= count; i += lanes) {
        auto s = hn::LoadU(d, out + i);
        for (std::ptrdiff_t product = 0; product < products; ++product) {
            const VectorOperand<KindA, decltype(d)> x(d, a + 2 * product);
            const VectorOperand<KindB, decltype(d)> y(d, b + 2 * product);
            s = hn::MulAdd(x(d, i), y(d, i), s);
        }
        hn::StoreU(s, d, out + i);
    }
    ScalarBatch<KindA, KindB>(out, a, b, products, i, count);
}

#else

template <int KindA, int KindB>
HWY_INLINE void Batch(double* out, const Term* a, const Term* b, int products, std::size_t count) {
    ScalarBatch<KindA, KindB>(out, a, b, products, 0, count);
}

#endif  // HWY_NATIVE_FMA

template <int KindA>
HWY_INLINE void BatchOfKindB(double* out, const Term* a, const Term* b, int b_kind, int products, std::size_t count) {
    switch (b_kind) {
        case 0: return Batch<KindA, 0>(out, a, b, products, count);
        case 1: return Batch<KindA, 1>(out, a, b, products, count);
        case 2: return Batch<KindA, 2>(out, a, b, products, count);
        default: return Batch<KindA, 3>(out, a, b, products, count);
    }
}

void ProductsOfSums(double* out, const Term* a, int a_kind, const Term* b, int b_kind, int products,
                    std::size_t count) {
    switch (a_kind) {
        case 0: return BatchOfKindB<0>(out, a, b, b_kind, products, count);
        case 1: return BatchOfKindB<1>(out, a, b, b_kind, products, count);
        case 2: return BatchOfKindB<2>(out, a, b, b_kind, products, count);
        default: return BatchOfKindB<3>(out, a, b, b_kind, products, count);
    }
}

}  // namespace tilesum::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tilesum::kernels::simd {

HWY_EXPORT(ProductsOfSums);

void products_of_sums(double* out, const rows::Term* a, int a_kind, const rows::Term* b, int b_kind, int products,
                      std::size_t count) {
    HWY_DYNAMIC_DISPATCH(ProductsOfSums)(out, a, a_kind, b, b_kind, products, count);
}

}  // namespace tilesum::kernels::simd
#endif  // HWY_ONCE
