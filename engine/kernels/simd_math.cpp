// Highway's dynamic dispatch, as in simd_scaled_add.cpp: this file is compiled once per target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/simd_math.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <hwy/contrib/math/math-inl.h>

#include <cfloat>
#include <cmath>

#include "engine/common/error.hpp"
#include "engine/kernels/simd_math.hpp"

HWY_BEFORE_NAMESPACE();
namespace tilesum::kernels::simd::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// out = vector(in) where low <= in <= high (Highway's valid range; NaN is outside), else scalar(in).
template <class Vector, class Scalar>
HWY_INLINE void MapRow(Vector vector, Scalar scalar, double low, double high, const double* in, double* out,
                       std::size_t count) {
    const hn::ScalableTag<double> tag;
    const std::size_t lanes = hn::Lanes(tag);
    const auto lowest = hn::Set(tag, low);
    const auto highest = hn::Set(tag, high);
    std::size_t element = 0;
    for (; element + lanes <= count; element += lanes) {
        const auto x = hn::LoadU(tag, in + element);
        hn::StoreU(vector(tag, x), tag, out + element);
        if (!hn::AllTrue(tag, hn::And(hn::Ge(x, lowest), hn::Le(x, highest))))
            for (std::size_t lane = element; lane < element + lanes; ++lane)
                if (!(in[lane] >= low && in[lane] <= high)) out[lane] = scalar(in[lane]);
    }
    for (; element < count; ++element) out[element] = scalar(in[element]);
}

void FunctionRow(FunctionOp op, const double* in, double* out, std::size_t count) {
    using Tag = hn::ScalableTag<double>;
    using Vector = hn::Vec<Tag>;
    switch (op) {
        case FunctionOp::exp:
            return MapRow([](Tag tag, Vector x) { return hn::CallExp(tag, x); }, [](double x) { return std::exp(x); },
                          -DBL_MAX, 706.0, in, out, count);
        case FunctionOp::expm1:
            return MapRow([](Tag tag, Vector x) { return hn::CallExpm1(tag, x); },
                          [](double x) { return std::expm1(x); }, -DBL_MAX, 706.0, in, out, count);
        case FunctionOp::log:
            return MapRow([](Tag tag, Vector x) { return hn::CallLog(tag, x); }, [](double x) { return std::log(x); },
                          DBL_MIN, DBL_MAX, in, out, count);
        case FunctionOp::log1p:
            return MapRow([](Tag tag, Vector x) { return hn::CallLog1p(tag, x); },
                          [](double x) { return std::log1p(x); }, DBL_MIN, DBL_MAX, in, out, count);
        case FunctionOp::sin:
            return MapRow([](Tag tag, Vector x) { return hn::CallSin(tag, x); }, [](double x) { return std::sin(x); },
                          -39000.0, 39000.0, in, out, count);
        case FunctionOp::cos:
            return MapRow([](Tag tag, Vector x) { return hn::CallCos(tag, x); }, [](double x) { return std::cos(x); },
                          -39000.0, 39000.0, in, out, count);
        case FunctionOp::tanh:
            return MapRow([](Tag tag, Vector x) { return hn::CallTanh(tag, x); }, [](double x) { return std::tanh(x); },
                          -DBL_MAX, DBL_MAX, in, out, count);
        default: TILESUM_ASSERT(false);
    }
}

}  // namespace tilesum::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tilesum::kernels::simd {

HWY_EXPORT(FunctionRow);

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

void function_row(FunctionOp op, const double* in, double* out, std::size_t count) {
    HWY_DYNAMIC_DISPATCH(FunctionRow)(op, in, out, count);
}

}  // namespace tilesum::kernels::simd
#endif  // HWY_ONCE
