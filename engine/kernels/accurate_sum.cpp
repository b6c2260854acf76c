#include "engine/kernels/accurate_sum.hpp"

#include <algorithm>

#include "engine/kernels/target_clones.hpp"

namespace tilesum::kernels {

namespace {

// The lanes of one block, added in a fixed tree.
TILESUM_INLINE double lane_total(const double (&lanes)[sum_lanes]) {
    static_assert(sum_lanes == 8);
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

// Σ term(i) over the block [first, first + count), count <= sum_block: lane l takes the terms i ≡ l mod sum_lanes.
template <typename Term>
TILESUM_INLINE double block_sum(Extent first, Extent count, const Term& term) {
    double lanes[sum_lanes] = {};
    Extent element = 0;
    for (; element + sum_lanes <= count; element += sum_lanes)
        for (Extent lane = 0; lane < sum_lanes; ++lane) lanes[lane] += term(first + element + lane);
    double total = lane_total(lanes);
    for (; element < count; ++element) total += term(first + element);
    return total;
}

template <typename Term>
TILESUM_INLINE double blocked_sum(Extent count, const Term& term) {
    if (count <= sum_block) return block_sum(0, count, term);
    double sum = 0, compensation = 0;
    for (Extent first = 0; first < count; first += sum_block)
        compensated_add(sum, compensation, block_sum(first, std::min(sum_block, count - first), term));
    return compensated_total(sum, compensation);
}

}  // namespace

TILESUM_CLONES double accurate_sum(const double* x, Extent count) {
    return blocked_sum(count, [x](Extent index) TILESUM_INLINE_LAMBDA { return x[index]; });
}

TILESUM_CLONES double accurate_dot(const double* a, const double* b, Extent count) {
    return blocked_sum(count, [a, b](Extent index) TILESUM_INLINE_LAMBDA { return a[index] * b[index]; });
}

TILESUM_CLONES void compensated_accumulate(double* sum, double* compensation, const double* x, Extent count,
                                           Extent stride) {
    if (stride == 1) {  // the common case, written so that the compiler vectorizes it
        for (Extent element = 0; element < count; ++element) {
            const double before = sum[element], term = x[element], total = before + term;
            compensation[element] += std::abs(before) >= std::abs(term) ? (before - total) + term
                                                                        : (term - total) + before;
            sum[element] = total;
        }
        return;
    }
    for (Extent element = 0; element < count; ++element)
        compensated_add(sum[element * stride], compensation[element * stride], x[element]);
}

TILESUM_CLONES void finish_sum(double* sum, const double* compensation, Extent count) {
    for (Extent element = 0; element < count; ++element)
        sum[element] = compensated_total(sum[element], compensation[element]);
}

}  // namespace tilesum::kernels
