#include "engine/kernels/block_ops.hpp"

#include <cblas.h>

#include <algorithm>
#include <numeric>

#include "engine/common/error.hpp"
#include "engine/kernels/accurate_sum.hpp"
#include "engine/kernels/simd_scaled_add.hpp"
#include "engine/kernels/strided.hpp"

extern "C" void openblas_set_num_threads(int num_threads);

namespace tilesum::kernels {

void permute(const double* src, const Shape& src_shape, const std::vector<std::size_t>& perm, double* dst) {
    TILESUM_ASSERT(perm.size() == src_shape.size());
    const std::size_t rank = src_shape.size();
    Shape dst_shape;
    Strides src_dense = dense_strides(src_shape);
    Strides src_strides;  // src stride of each dst axis
    for (std::size_t axis : perm) {
        dst_shape.push_back(src_shape[axis]);
        src_strides.push_back(src_dense[axis]);
    }
    Strides dst_dense = dense_strides(dst_shape);
    // The last two axes swapped, the others in place: a batch of matrix transposes, which OpenBLAS's
    // cache-blocked omatcopy does several times faster than the element loops below (A and its transpose).
    bool swaps_last_two = rank >= 2 && perm[rank - 2] == rank - 1 && perm[rank - 1] == rank - 2;
    for (std::size_t axis = 0; axis + 2 < rank; ++axis) swaps_last_two = swaps_last_two && perm[axis] == axis;
    if (swaps_last_two && src_shape[rank - 2] > 1 && src_shape[rank - 1] > 1 &&
        src_shape[rank - 2] < (Extent{1} << 31) && src_shape[rank - 1] < (Extent{1} << 31)) {
        const Extent rows = src_shape[rank - 2], columns = src_shape[rank - 1];
        const Extent batch = element_count(src_shape) / (rows * columns);
        for (Extent index = 0; index < batch; ++index)
            cblas_domatcopy(CblasRowMajor, CblasTrans, static_cast<int>(rows), static_cast<int>(columns), 1.0,
                            src + index * rows * columns, static_cast<int>(columns), dst + index * rows * columns,
                            static_cast<int>(rows));
        return;
    }
    if (rank == 0 || dst_shape.back() >= src_shape.back()) {
        // Write dst rows contiguously, gathering from src.
        for_each_row<2>(dst_shape, {&dst_dense, &src_strides},
                        [&](const auto& offsets, Extent count, const auto& inner) {
                            double* out = dst + offsets[0];
                            const double* in = src + offsets[1];
                            const Extent in_stride = inner[1];
                            for (Extent element = 0; element < count; ++element) out[element] = in[element * in_stride];
                        });
        return;
    }
    // dst's last axis is short (a narrow tile): read src rows contiguously and scatter, so the inner loop is long.
    Strides dst_strides(rank);  // dst stride of each src axis
    for (std::size_t axis = 0; axis < rank; ++axis) dst_strides[perm[axis]] = dst_dense[axis];
    for_each_row<2>(src_shape, {&src_dense, &dst_strides}, [&](const auto& offsets, Extent count, const auto& inner) {
        const double* in = src + offsets[0];
        double* out = dst + offsets[1];
        const Extent out_stride = inner[1];
        for (Extent element = 0; element < count; ++element) out[element * out_stride] = in[element];
    });
}

namespace {

// How many rows of src add into each dst element: the product of the summed axes but a summed last axis, which
// is summed within each row.
Extent rows_per_sum(const Shape& src_shape, const std::vector<bool>& keep) {
    Extent rows = 1;
    for (std::size_t axis = 0; axis + 1 < src_shape.size(); ++axis)
        if (!keep[axis]) rows *= src_shape[axis];
    return rows;
}

// Whether the summed axes all come before the kept ones: src is then a (rows x columns) matrix whose rows add up.
bool sums_leading_axes(const std::vector<bool>& keep) {
    const auto first_kept = std::find(keep.begin(), keep.end(), true);
    return first_kept != keep.end() && first_kept != keep.begin() &&
           std::find(first_kept, keep.end(), false) == keep.end();
}

// The rows of a (rows x columns) matrix summed into dst with compensation, as a column sum `ni->i` is: each block of
// naive_terms rows is added naively into a strip on the stack (a vectorized add per element), and only the block's
// sum is added into dst with compensation. Compensating every row instead cost three times the CPU of the naive
// column sum (50M x 32: 0.6-0.8 s before accurate sums, 1.8-2.6 s with a compensated add per row); the error bound
// is the same, naive_terms roundings before the compensated sum.
void sum_rows_compensated(const double* src, Extent rows, Extent columns, double* dst, double* compensation) {
    constexpr Extent strip = 256;
    double block[strip];
    for (Extent first_row = 0; first_row < rows; first_row += naive_terms) {
        const Extent last_row = std::min(rows, first_row + naive_terms);
        for (Extent first = 0; first < columns; first += strip) {
            const Extent width = std::min(strip, columns - first);
            const double* row = src + first_row * columns + first;
            std::copy(row, row + width, block);
            for (Extent index = first_row + 1; index < last_row; ++index) {
                row += columns;
                for (Extent element = 0; element < width; ++element) block[element] += row[element];
            }
            compensated_accumulate(dst + first, compensation + first, block, width);
        }
    }
}

}  // namespace

Extent sum_axes_scratch(const Shape& src_shape, const std::vector<bool>& keep) {
    TILESUM_ASSERT(keep.size() == src_shape.size());
    if (!compensates(rows_per_sum(src_shape, keep))) return 0;
    Extent elements = 1;
    for (std::size_t axis = 0; axis < src_shape.size(); ++axis)
        if (keep[axis]) elements *= src_shape[axis];
    return elements;
}

void sum_axes(const double* src, const Shape& src_shape, const std::vector<bool>& keep, double* dst,
              double* compensation) {
    TILESUM_ASSERT(keep.size() == src_shape.size());
    Shape dst_shape;
    for (std::size_t axis = 0; axis < src_shape.size(); ++axis)
        if (keep[axis]) dst_shape.push_back(src_shape[axis]);
    const Extent dst_elements = element_count(dst_shape);
    std::fill(dst, dst + dst_elements, 0.0);
    const bool compensated = sum_axes_scratch(src_shape, keep) > 0;
    TILESUM_ASSERT(!compensated || compensation);
    if (compensated) std::fill(compensation, compensation + dst_elements, 0.0);
    if (compensated && dst_elements > 0 && sums_leading_axes(keep)) {
        sum_rows_compensated(src, element_count(src_shape) / dst_elements, dst_elements, dst, compensation);
        finish_sum(dst, compensation, dst_elements);
        return;
    }
    Strides dst_dense = dense_strides(dst_shape);
    Strides dst_strides(src_shape.size(), 0);  // a summed-out axis does not move the destination
    for (std::size_t axis = 0, kept = 0; axis < src_shape.size(); ++axis)
        if (keep[axis]) dst_strides[axis] = dst_dense[kept++];
    Strides src_strides = dense_strides(src_shape);
    for_each_row<2>(src_shape, {&src_strides, &dst_strides}, [&](const auto& offsets, Extent count, const auto& inner) {
        const double* in = src + offsets[0];
        double* out = dst + offsets[1];
        const Extent out_stride = inner[1];
        if (out_stride == 0) {
            const double sum = accurate_sum(in, count);
            if (compensated)
                compensated_add(*out, compensation[offsets[1]], sum);
            else
                *out += sum;
        } else if (compensated) {
            compensated_accumulate(out, compensation + offsets[1], in, count, out_stride);
        } else {
            for (Extent element = 0; element < count; ++element) out[element * out_stride] += in[element];
        }
    });
    if (compensated) finish_sum(dst, compensation, dst_elements);
}

void broadcast_combine(Combine combine, double coefficient, const double* src, const Shape& src_shape, double* dst,
                       const Shape& dst_shape) {
    TILESUM_ASSERT(src_shape.size() <= dst_shape.size());
    const std::size_t offset = dst_shape.size() - src_shape.size();
    Strides src_dense = dense_strides(src_shape);
    Strides src_strides(dst_shape.size(), 0);
    for (std::size_t axis = 0; axis < src_shape.size(); ++axis) {
        TILESUM_ASSERT(src_shape[axis] == dst_shape[offset + axis] || src_shape[axis] == 1);
        src_strides[offset + axis] = src_shape[axis] == 1 ? 0 : src_dense[axis];
    }
    Strides dst_strides = dense_strides(dst_shape);
    for_each_row<2>(dst_shape, {&dst_strides, &src_strides}, [&](const auto& offsets, Extent count, const auto& inner) {
        double* out = dst + offsets[0];
        const double* in = src + offsets[1];
        const Extent in_stride = inner[1];
        switch (combine) {
            case Combine::assign:
                for (Extent element = 0; element < count; ++element)
                    out[element] = coefficient * in[element * in_stride];
                break;
            case Combine::accumulate:
                if (in_stride == 1) {
                    simd::scaled_add(coefficient, in, out, static_cast<std::size_t>(count));
                    break;
                }
                for (Extent element = 0; element < count; ++element)
                    out[element] += coefficient * in[element * in_stride];
                break;
            case Combine::multiply:
                for (Extent element = 0; element < count; ++element)
                    out[element] *= coefficient * in[element * in_stride];
                break;
        }
    });
}

void batched_gemm(Extent batch, Extent m, Extent n, Extent k, GemmOperand a, GemmOperand b, double* c) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
        std::fill(c, c + batch * m * n, 0.0);
        return;
    }
    // BLAS takes int dimensions; a tile never approaches 2^31 along one GEMM dimension under any budget we plan.
    TILESUM_ASSERT(m < (Extent{1} << 31) && n < (Extent{1} << 31) && k < (Extent{1} << 31));
    const int rows = static_cast<int>(m), columns = static_cast<int>(n), depth = static_cast<int>(k);
    // With k == 1 (outer product), m == 1 or n == 1 a transposed operand is a vector: the same bytes either way.
    if (k == 1) {
        // An outer product: one pass writing C, where GEMM would first clear it and then add.
        for (Extent index = 0; index < batch; ++index)
            for (Extent row = 0; row < m; ++row) {
                const double scale = a.data[index * m + row];
                const double* b_row = b.data + index * n;
                double* c_row = c + (index * m + row) * n;
                for (Extent column = 0; column < n; ++column) c_row[column] = scale * b_row[column];
            }
        return;
    }
    for (Extent index = 0; index < batch; ++index) {
        const double* a_block = a.data + index * m * k;
        const double* b_block = b.data + index * k * n;
        double* c_block = c + index * m * n;
        if (m == 1 && n == 1) {
            *c_block = accurate_dot(a_block, b_block, k);  // BLAS's ddot adds naively in a few accumulators
        } else if (n == 1) {                               // C (m) = A · b: A stored (m, k), or (k, m) when transposed
            cblas_dgemv(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans, a.transposed ? depth : rows,
                        a.transposed ? rows : depth, 1.0, a_block, a.transposed ? rows : depth, b_block, 1, 0.0,
                        c_block, 1);
        } else if (m == 1) {  // C (n) = a · B: B stored (k, n), or (n, k) when transposed
            cblas_dgemv(CblasRowMajor, b.transposed ? CblasNoTrans : CblasTrans, b.transposed ? columns : depth,
                        b.transposed ? depth : columns, 1.0, b_block, b.transposed ? depth : columns, a_block, 1, 0.0,
                        c_block, 1);
        } else {
            cblas_dgemm(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans,
                        b.transposed ? CblasTrans : CblasNoTrans, rows, columns, depth, 1.0, a_block,
                        a.transposed ? rows : depth, b_block, b.transposed ? depth : columns, 0.0, c_block, columns);
        }
    }
}

void batched_dot(Extent batch, Extent depth, const double* a, bool a_depth_major, const double* b, bool b_depth_major,
                 double* c) {
    if (!a_depth_major && b_depth_major) {  // the depth-major one as a
        std::swap(a, b);
        std::swap(a_depth_major, b_depth_major);
    }
    if (!a_depth_major) {  // both batch-major: one dot product per row
        for (Extent index = 0; index < batch; ++index)
            c[index] = accurate_dot(a + index * depth, b + index * depth, depth);
        return;
    }
    // Otherwise the results of a strip accumulate across rows s: blocks of sum_block rows naively, then each
    // block's sums into the strip's compensated sums (accurate_sum.hpp), all in buffers on the stack.
    if (b_depth_major) {  // both depth-major: rows of a and b multiply into the strip element by element
        constexpr Extent strip = 256;
        for (Extent first = 0; first < batch; first += strip) {
            const Extent count = std::min(strip, batch - first);
            double sums[strip] = {}, compensations[strip] = {}, block[strip];
            for (Extent block_first = 0; block_first < depth; block_first += sum_block) {
                std::fill(block, block + count, 0.0);
                for (Extent s = block_first; s < std::min(depth, block_first + sum_block); ++s) {
                    const double* a_part = a + s * batch + first;
                    const double* b_part = b + s * batch + first;
                    for (Extent index = 0; index < count; ++index) block[index] += a_part[index] * b_part[index];
                }
                compensated_accumulate(sums, compensations, block, count);
            }
            for (Extent index = 0; index < count; ++index)
                c[first + index] = compensated_total(sums[index], compensations[index]);
        }
        return;
    }
    // a depth-major, b batch-major: eight results at a time, so each step reads one cache line of a's row and one
    // element of eight of b's rows, all of which stay in cache until used up.
    constexpr Extent width = 8;
    for (Extent first = 0; first < batch; first += width) {
        const Extent count = std::min(width, batch - first);
        double sums[width] = {}, compensations[width] = {};
        const double* b_rows = b + first * depth;
        for (Extent block_first = 0; block_first < depth; block_first += sum_block) {
            const Extent block_end = std::min(depth, block_first + sum_block);
            double block[width] = {};
            if (count == width) {
                for (Extent s = block_first; s < block_end; ++s) {
                    const double* a_part = a + s * batch + first;
                    for (Extent lane = 0; lane < width; ++lane) block[lane] += a_part[lane] * b_rows[lane * depth + s];
                }
            } else {
                for (Extent s = block_first; s < block_end; ++s) {
                    const double* a_part = a + s * batch + first;
                    for (Extent lane = 0; lane < count; ++lane) block[lane] += a_part[lane] * b_rows[lane * depth + s];
                }
            }
            compensated_accumulate(sums, compensations, block, count);
        }
        for (Extent lane = 0; lane < count; ++lane)
            c[first + lane] = compensated_total(sums[lane], compensations[lane]);
    }
}

void use_single_threaded_blas() { openblas_set_num_threads(1); }

}  // namespace tilesum::kernels
