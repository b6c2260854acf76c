// Highway's dynamic dispatch, as in simd_scaled_add.cpp: this file is compiled once per target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/simd_math.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <hwy/contrib/math/math-inl.h>

#include <cfloat>
#include <cmath>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/kernels/simd_math.hpp"

HWY_BEFORE_NAMESPACE();
namespace tilesum::kernels::simd::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// The elements a function reads: `scale` · in[i], the product skipped when scale is 1 (the same bits: 1 · x is x).
template <bool Scaled>
struct ScaledRow {
    const double* in;
    double scale;
    template <class D>
    HWY_INLINE hn::Vec<D> Vector(D d, std::size_t i) const {
        return Scaled ? hn::Mul(hn::Set(d, scale), hn::LoadU(d, in + i)) : hn::LoadU(d, in + i);
    }
    HWY_INLINE double Scalar(std::size_t i) const { return Scaled ? scale * in[i] : in[i]; }
};

// The elements of a fused chain (simd_math.hpp's accumulate_function_row): scale · s(i), s(i) = t(i)² when
// square, else t(i), t(i) the sum of one or two terms rounded as kernels/row_ops.hpp's combine_terms.
struct ChainInput {
    FunctionInput input;
    template <class D>
    HWY_INLINE hn::Vec<D> Vector(D d, std::size_t i) const {
        const rows::Term* terms = input.terms;
        const auto first = hn::Mul(hn::Set(d, terms[0].factor), hn::LoadU(d, terms[0].row + i));
        hn::Vec<D> value = first;
        if (input.term_count == 1 && terms[0].coefficient != 1.0)
            value = hn::Mul(hn::Set(d, terms[0].coefficient), first);
        if (input.term_count == 2) {
            const auto second = hn::Mul(hn::Set(d, terms[1].factor), hn::LoadU(d, terms[1].row + i));
            value = terms[0].coefficient == 1.0 && terms[1].coefficient == 1.0
                        ? hn::MulAdd(hn::Set(d, terms[0].factor), hn::LoadU(d, terms[0].row + i), second)
                        : hn::MulAdd(hn::Set(d, terms[0].coefficient), first,
                                     hn::Mul(hn::Set(d, terms[1].coefficient), second));
        }
        if (input.square) value = hn::Mul(value, value);
        return input.scale == 1.0 ? value : hn::Mul(hn::Set(d, input.scale), value);
    }
    HWY_INLINE double Scalar(std::size_t i) const {
        const rows::Term* terms = input.terms;
        const double first = terms[0].factor * terms[0].row[i];
        double value = first;
        if (input.term_count == 1 && terms[0].coefficient != 1.0) value = terms[0].coefficient * first;
        if (input.term_count == 2) {
            const double second = terms[1].factor * terms[1].row[i];
            value = terms[0].coefficient == 1.0 && terms[1].coefficient == 1.0
                        ? std::fma(terms[0].factor, terms[0].row[i], second)
                        : std::fma(terms[0].coefficient, first, terms[1].coefficient * second);
        }
        if (input.square) value = value * value;
        return input.scale * value;
    }
};

// Where results go: stored (out = f) or accumulated (out += factor · f, rounded as kernels/row_ops.hpp's
// add_scaled: the product, then the sum; no product when factor is 1, the same bits).
template <bool Accumulate>
struct RowOutput {
    double* out;
    double factor;
    template <class D>
    HWY_INLINE hn::Vec<D> Vector(D d, std::size_t i, hn::Vec<D> value) const {
        if constexpr (!Accumulate) return value;
        return hn::Add(hn::LoadU(d, out + i), factor == 1.0 ? value : hn::Mul(hn::Set(d, factor), value));
    }
    HWY_INLINE double Scalar(std::size_t i, double value) const {
        if constexpr (!Accumulate) return value;
        const double product = factor * value;
        return out[i] + product;
    }
};

// out[i] = output(function(input(i))): Highway's function where low <= input(i) <= high (its valid range; NaN is
// outside), else glibc's `scalar` — per lane, and for the tail after the last whole vector.
template <class Vector, class Scalar, class Input, class Output>
HWY_INLINE void MapRow(Vector vector, Scalar scalar, double low, double high, const Input& input, const Output& output,
                       std::size_t count) {
    const hn::ScalableTag<double> tag;
    const std::size_t lanes = hn::Lanes(tag);
    const auto lowest = hn::Set(tag, low);
    const auto highest = hn::Set(tag, high);
    std::size_t element = 0;
    for (; element + lanes <= count; element += lanes) {
        const auto x = input.Vector(tag, element);
        auto result = vector(tag, x);
        if (!hn::AllTrue(tag, hn::And(hn::Ge(x, lowest), hn::Le(x, highest)))) {
            HWY_ALIGN double values[hn::MaxLanes(tag)];
            HWY_ALIGN double results[hn::MaxLanes(tag)];
            hn::Store(x, tag, values);
            hn::Store(result, tag, results);
            for (std::size_t lane = 0; lane < lanes; ++lane)
                if (!(values[lane] >= low && values[lane] <= high)) results[lane] = scalar(values[lane]);
            result = hn::Load(tag, results);
        }
        hn::StoreU(output.Vector(tag, element, result), tag, output.out + element);
    }
    for (; element < count; ++element) output.out[element] = output.Scalar(element, scalar(input.Scalar(element)));
}

// Calls body(vector function, glibc's function, low, high) for a function of has_function_row.
template <class Body>
HWY_INLINE void WithFunction(FunctionOp op, Body body) {
    using Tag = hn::ScalableTag<double>;
    using Vector = hn::Vec<Tag>;
    switch (op) {
        case FunctionOp::exp:
            return body([](Tag tag, Vector x) { return hn::Exp(tag, x); }, [](double x) { return std::exp(x); },
                        -DBL_MAX, 706.0);
        case FunctionOp::expm1:
            return body([](Tag tag, Vector x) { return hn::Expm1(tag, x); }, [](double x) { return std::expm1(x); },
                        -DBL_MAX, 706.0);
        case FunctionOp::log:
            return body([](Tag tag, Vector x) { return hn::Log(tag, x); }, [](double x) { return std::log(x); },
                        DBL_MIN, DBL_MAX);
        case FunctionOp::log1p:
            return body([](Tag tag, Vector x) { return hn::Log1p(tag, x); }, [](double x) { return std::log1p(x); },
                        DBL_MIN, DBL_MAX);
        case FunctionOp::sin:
            return body([](Tag tag, Vector x) { return hn::Sin(tag, x); }, [](double x) { return std::sin(x); },
                        -39000.0, 39000.0);
        case FunctionOp::cos:
            return body([](Tag tag, Vector x) { return hn::Cos(tag, x); }, [](double x) { return std::cos(x); },
                        -39000.0, 39000.0);
        case FunctionOp::tanh:
            return body([](Tag tag, Vector x) { return hn::Tanh(tag, x); }, [](double x) { return std::tanh(x); },
                        -DBL_MAX, DBL_MAX);
        default: TILESUM_ASSERT(false);
    }
}

// NOLINTNEXTLINE(readability-non-const-parameter): `out` is written through RowOutput
void FunctionRow(FunctionOp op, double scale, const double* in, double* out, std::size_t count) {
    WithFunction(op, [&](auto vector, auto scalar, double low, double high) {
        const RowOutput<false> output{out, 1.0};
        if (scale == 1.0) return MapRow(vector, scalar, low, high, ScaledRow<false>{in, scale}, output, count);
        MapRow(vector, scalar, low, high, ScaledRow<true>{in, scale}, output, count);
    });
}

void AccumulateFunctionRow(FunctionOp op, const FunctionInput& input, double factor, double* out, std::size_t count) {
#if HWY_NATIVE_FMA
    WithFunction(op, [&](auto vector, auto scalar, double low, double high) {
        MapRow(vector, scalar, low, high, ChainInput{input}, RowOutput<true>{out, factor}, count);
    });
#else
    // Without a native FMA, Highway's MulAdd rounds twice: the chain's sum is computed by the scalar loop (std::fma),
    // then the function applied as FunctionRow does, so the bits stay those of the unfused kernels.
    std::vector<double> values(count);
    const ChainInput chain{input};
    for (std::size_t i = 0; i < count; ++i) values[i] = chain.Scalar(i);
    FunctionRow(op, 1.0, values.data(), values.data(), count);
    for (std::size_t i = 0; i < count; ++i) {
        const double product = factor * values[i];
        out[i] += product;
    }
#endif
}

}  // namespace tilesum::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tilesum::kernels::simd {

HWY_EXPORT(FunctionRow);
HWY_EXPORT(AccumulateFunctionRow);

bool has_function_row(FunctionOp op) {
    switch (op) {
        case FunctionOp::exp:
        case FunctionOp::expm1:
        case FunctionOp::log:
        case FunctionOp::log1p:
        case FunctionOp::sin:
        case FunctionOp::cos:
        case FunctionOp::tanh: return true;
        default: return false;
    }
}

void function_row(FunctionOp op, double scale, const double* in, double* out, std::size_t count) {
    HWY_DYNAMIC_DISPATCH(FunctionRow)(op, scale, in, out, count);
}

void accumulate_function_row(FunctionOp op, const FunctionInput& input, double factor, double* out, std::size_t count) {
    TILESUM_ASSERT(input.term_count == 1 || input.term_count == 2);
    HWY_DYNAMIC_DISPATCH(AccumulateFunctionRow)(op, input, factor, out, count);
}

}  // namespace tilesum::kernels::simd
#endif  // HWY_ONCE
