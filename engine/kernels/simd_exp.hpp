// exp over a contiguous row, vectorized for the CPU it runs on (Google Highway's contrib/math Exp, dynamic
// dispatch; issue 13). glibc's scalar exp costs ~5 ns an element, which made exp the whole cost of a fused tile
// such as einsum('ijk->k', exp(-(C - C2)**2)).
//
// Accuracy: within 1 ulp of the exact value (Highway's bound), where numpy's own SIMD exp is within 1-4 ulp; so
// results may differ from std::exp's in the last bit, and between CPU generations (Highway uses a fused
// multiply-add where the CPU has one). Never between thread counts. Outside Highway's valid range (x > 706, where
// exp overflows from 709.78 on) and for NaN, the element is computed by std::exp: inf, nan and 0 at the edges as
// numpy gives them.
#pragma once

#include <cstddef>

namespace tilesum::kernels::simd {

void exp_row(const double* in, double* out, std::size_t count);

}  // namespace tilesum::kernels::simd
