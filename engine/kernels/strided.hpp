// Walking dense C-order blocks with arbitrary strides: the one loop nest under permute, reduce and broadcast.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::kernels {

using Strides = std::vector<Extent>;

// Element strides of a dense C-order block.
inline Strides dense_strides(const Shape& shape) {
    Strides strides(shape.size());
    Extent stride = 1;
    for (std::size_t axis = shape.size(); axis-- > 0;) {
        strides[axis] = stride;
        stride *= shape[axis];
    }
    return strides;
}

// Calls visit(first_offsets..., inner_count, inner_strides...) once per row of the innermost axis, for
// every index of `shape` in C order, where the offsets are into each of the N operands with its own strides.
// The caller's visit runs the tight inner loop, so the compiler sees a simple strided loop.
template <std::size_t N, typename Visit>
void for_each_row(const Shape& shape, const std::array<const Strides*, N>& strides, Visit&& visit) {
    const std::size_t rank = shape.size();
    if (element_count(shape) == 0) return;
    if (rank == 0) {
        std::array<Extent, N> offsets{};
        std::array<Extent, N> inner{};
        visit(offsets, Extent{1}, inner);
        return;
    }
    std::array<Extent, N> inner_strides;
    for (std::size_t op = 0; op < N; ++op) inner_strides[op] = (*strides[op])[rank - 1];
    const Extent inner_count = shape[rank - 1];
    std::vector<Extent> index(rank, 0);
    std::array<Extent, N> offsets{};
    while (true) {
        visit(offsets, inner_count, inner_strides);
        // Advance the odometer over the outer axes, keeping each operand's offset in step.
        std::size_t axis = rank - 1;
        while (true) {
            if (axis == 0) return;
            --axis;
            ++index[axis];
            for (std::size_t op = 0; op < N; ++op) offsets[op] += (*strides[op])[axis];
            if (index[axis] < shape[axis]) break;
            for (std::size_t op = 0; op < N; ++op) offsets[op] -= (*strides[op])[axis] * shape[axis];
            index[axis] = 0;
        }
    }
}

}  // namespace tilesum::kernels
