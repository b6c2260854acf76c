// The hot loop of fused tiles (kernels/row_ops.hpp's add_products_of_sums): a batch of products of one- or two-term
// sums added into an accumulator row, vectorized for the CPU it runs on by Google Highway (dynamic dispatch). The
// accumulator stays in vector registers across the whole batch, a few vectors at a time, which the compiler's own
// vectorization of the same loop did not achieve (it kept the chunk on the stack and ran the tail element by element:
// the seed at n = 1200 took 1.33 s against 0.35 s).
//
// Bits: every product is rounded as row_ops.hpp states, with fused multiply-adds where it says fma. On targets with
// a native FMA (AVX2, AVX-512; every x86-64 CPU since 2013) Highway's MulAdd is that instruction; on the others the
// batch runs as a scalar loop of std::fma. The same bits on every CPU.
#pragma once

#include <cstddef>

#include "engine/kernels/row_ops.hpp"

namespace tilesum::kernels::simd {

// out[i] = fma(Σ a_m, Σ b_m, out[i]) for m = 0 .. products - 1 in order, i < count. A kind is
// 2 · (terms - 1) + (coefficients all 1); product m's terms are a[2 m] and a[2 m + 1] (b likewise).
void products_of_sums(double* out, const rows::Term* a, int a_kind, const rows::Term* b, int b_kind, int products,
                      std::size_t count);

}  // namespace tilesum::kernels::simd
