// Highway's dynamic dispatch, as in simd_scaled_add.cpp: this file is compiled once per target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/simd_exp.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <hwy/contrib/math/math-inl.h>

#include <cmath>

#include "engine/kernels/simd_exp.hpp"

HWY_BEFORE_NAMESPACE();
namespace tilesum::kernels::simd::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// Highway's Exp is valid up to x = 706; above (and for NaN, which compares false) std::exp takes the element.
constexpr double largest_vector_argument = 706.0;

void ExpRow(const double* in, double* out, std::size_t count) {
    const hn::ScalableTag<double> tag;
    const std::size_t lanes = hn::Lanes(tag);
    const auto limit = hn::Set(tag, largest_vector_argument);
    std::size_t element = 0;
    for (; element + lanes <= count; element += lanes) {
        const auto x = hn::LoadU(tag, in + element);
        hn::StoreU(hn::CallExp(tag, x), tag, out + element);
        if (!hn::AllTrue(tag, hn::Le(x, limit)))
            for (std::size_t lane = element; lane < element + lanes; ++lane)
                if (!(in[lane] <= largest_vector_argument)) out[lane] = std::exp(in[lane]);
    }
    for (; element < count; ++element) out[element] = std::exp(in[element]);
}

}  // namespace tilesum::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tilesum::kernels::simd {

HWY_EXPORT(ExpRow);

void exp_row(const double* in, double* out, std::size_t count) { HWY_DYNAMIC_DISPATCH(ExpRow)(in, out, count); }

}  // namespace tilesum::kernels::simd
#endif  // HWY_ONCE
