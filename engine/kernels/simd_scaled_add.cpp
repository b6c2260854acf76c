// Highway's dynamic dispatch: foreach_target.h re-includes this file once per target with HWY_NAMESPACE set to the
// target's namespace, so the code between the HWY_BEFORE/AFTER_NAMESPACE markers is compiled for each (with that
// target's instruction-set attributes); HWY_EXPORT and HWY_DYNAMIC_DISPATCH pick the best supported one at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/simd_scaled_add.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <cstdint>

#include "engine/kernels/simd_scaled_add.hpp"

HWY_BEFORE_NAMESPACE();
namespace tilesum::kernels::simd::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

void ScaledAdd(double coefficient, const double* in, double* out, std::size_t count) {
    const hn::ScalableTag<double> tag;
    const std::size_t lanes = hn::Lanes(tag);
    const auto scale = hn::Set(tag, coefficient);
    std::size_t element = 0;
    // Single elements until `out` is aligned to the vector width: a full-width store that straddles two cache lines
    // costs two, and streaming from memory that made the kernel slower than the scalar loop (malloc'ed buffers
    // are 16-byte aligned, so with 64-byte vectors nearly every store straddled). `in` may stay unaligned.
    const std::size_t vector_bytes = lanes * sizeof(double);
    while (element < count && reinterpret_cast<std::uintptr_t>(out + element) % vector_bytes != 0) {
        const double product = coefficient * in[element];
        out[element] += product;
        ++element;
    }
    // Mul then Add, never MulAdd (the header promises scalar bits), and this file is compiled with
    // -ffp-contract=off so that the compiler does not fuse them either (engine/kernels/CMakeLists.txt).
    for (; element + lanes <= count; element += lanes) {
        const auto product = hn::Mul(scale, hn::LoadU(tag, in + element));
        hn::Store(hn::Add(hn::Load(tag, out + element), product), tag, out + element);
    }
    // The tail, one element at a time.
    for (; element < count; ++element) {
        const double product = coefficient * in[element];
        out[element] += product;
    }
}

// HWY_TARGET as this copy was compiled: dispatching to it tells which copy the CPU got.
std::int64_t CompiledTarget() { return HWY_TARGET; }

}  // namespace tilesum::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tilesum::kernels::simd {

HWY_EXPORT(ScaledAdd);
HWY_EXPORT(CompiledTarget);

void scaled_add(double coefficient, const double* in, double* out, std::size_t count) {
    HWY_DYNAMIC_DISPATCH(ScaledAdd)(coefficient, in, out, count);
}

void scaled_add_scalar(double coefficient, const double* in, double* out, std::size_t count) {
    for (std::size_t element = 0; element < count; ++element) {
        const double product = coefficient * in[element];
        out[element] += product;
    }
}

const char* simd_target_name() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(CompiledTarget)()); }

}  // namespace tilesum::kernels::simd
#endif  // HWY_ONCE
