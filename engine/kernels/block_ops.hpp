// Dense in-memory operations on C-order float64 blocks. No allocation happens here: callers own buffers.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::kernels {

// dst has shape {src_shape[perm[0]], src_shape[perm[1]], ...}.
void permute(const double* src, const Shape& src_shape, const std::vector<std::size_t>& perm, double* dst);

// Sums out the axes where keep[axis] is false; dst has the kept axes in their order. A summed last axis is summed
// in blocks (accurate_sum.hpp); rows that add into the same dst element along outer summed axes are added with
// compensation when there are many, in `compensation`: sum_axes_scratch(...) doubles, nullptr when that is 0.
void sum_axes(const double* src, const Shape& src_shape, const std::vector<bool>& keep, double* dst,
              double* compensation = nullptr);
Extent sum_axes_scratch(const Shape& src_shape, const std::vector<bool>& keep);

enum class Combine { assign, accumulate, multiply };

// dst (dst_shape) op= coefficient * broadcast(src): src's axes align with dst's last axes (numpy broadcasting),
// an src extent of 1 repeats along dst's extent.
void broadcast_combine(Combine combine, double coefficient, const double* src, const Shape& src_shape, double* dst,
                       const Shape& dst_shape);

// C[b] = A[b] · B[b] for b < batch, row-major: A (batch, m, k), B (batch, k, n), C (batch, m, n).
// A transposed operand is stored the other way round, A as (batch, k, m) or B as (batch, n, k): BLAS reads it
// transposed, so an operand that arrives in that order is not copied into the other.
struct GemmOperand {
    const double* data = nullptr;
    bool transposed = false;
};
void batched_gemm(Extent batch, Extent m, Extent n, Extent k, GemmOperand a, GemmOperand b, double* c);

// c[i] = Σ_s a[i, s] · b[i, s] for i < batch, s < depth, summed as accurately as accurate_dot, where an operand
// stored depth-major holds element (i, s) at [s * batch + i] and a batch-major one at [i * depth + s].
// einsum('jk,kj->k') on two blocks is this with one operand each way: reading both once, where transposing one
// first (then dotting) reads it twice and writes it.
void batched_dot(Extent batch, Extent depth, const double* a, bool a_depth_major, const double* b, bool b_depth_major,
                 double* c);

// BLAS must not start threads of its own under TBB workers: two pools fighting over two cores.
void use_single_threaded_blas();

}  // namespace tilesum::kernels
