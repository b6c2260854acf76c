// Long sums as accurate as numpy's pairwise summation, in an order fixed by the data's shape alone (never by the
// number of threads). Two levels, the same everywhere a summed index is accumulated:
//   - terms are summed naively in blocks of sum_block, in sum_lanes interleaved accumulators (vectorizable, and
//     each accumulator sees only sum_block / sum_lanes terms);
//   - block sums, and when there are more than naive_terms of them, rows accumulated along an outer summed axis,
//     partial sums of slabs and fused-pass tiles, are added with Neumaier's compensated summation, whose error
//     does not grow with the number of terms.
// The error of a sum of n terms is then about (sum_block / sum_lanes + 2) ulps of Σ|x|, for any n, where naive
// summation's grows with n (10^6 equal values: 1.7e-12 relative before, ~1e-16 now). Cost: one compensated add
// per block, a few percent of a memory-bound loop (docs/benchmarks.md).
#pragma once

#include <cmath>

#include "engine/common/shape.hpp"

namespace tilesum::kernels {

inline constexpr Extent sum_block = 128;
inline constexpr Extent sum_lanes = 8;

// Up to this many terms (rows along outer summed axes, slabs' partial sums, fused-pass tiles) are added naively:
// at most that many roundings more, within numpy's own bound (pairwise summation of 10^6 terms: 16 naive terms
// per accumulator plus 13 levels, 29 roundings). More are added with compensation, which costs a buffer as large
// as the sum: planned memory (a GEMM at n = 16384 under 512 MiB keeps its 32 slabs and its reads this way).
inline constexpr Extent naive_terms = 32;
inline bool compensates(Extent terms) { return terms > naive_terms; }

// Neumaier's step: adds x into sum, keeping in compensation what the rounding of sum + x lost. The exact total is
// sum + compensation up to O(eps²) · Σ|x|. (Needs IEEE arithmetic as written: the build uses no -ffast-math.)
inline void compensated_add(double& sum, double& compensation, double x) {
    const double total = sum + x;
    compensation += std::abs(sum) >= std::abs(x) ? (sum - total) + x : (x - total) + sum;
    sum = total;
}

// sum + compensation; an infinite or NaN sum as it is, as naive summation gives it (an infinite term makes the
// compensation NaN: inf - inf).
inline double compensated_total(double sum, double compensation) {
    return std::isfinite(sum) ? sum + compensation : sum;
}

// Σ x[i] for i < count, contiguous.
double accurate_sum(const double* x, Extent count);

// Σ a[i] · b[i] for i < count, contiguous.
double accurate_dot(const double* a, const double* b, Extent count);

// sum[i · stride] (+ compensation[i · stride]) += x[i] for i < count, compensated: rows added one after another
// along an outer summed axis, or slabs' partial sums in order. The result is sum + compensation (finish_sum).
void compensated_accumulate(double* sum, double* compensation, const double* x, Extent count, Extent stride = 1);

// sum[i] += compensation[i] for i < count: the compensated total, once the last term is in.
void finish_sum(double* sum, const double* compensation, Extent count);

}  // namespace tilesum::kernels
