// Random hyperslabs for reader tests: `count` of them in `shape`, each axis a random non-empty range, fixed seed.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::testing {

inline std::vector<Ranges> random_hyperslabs(const Shape& shape, int count, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::vector<Ranges> slabs;
    for (int slab = 0; slab < count; ++slab) {
        Ranges ranges;
        for (Extent extent : shape) {
            const Extent begin = static_cast<Extent>(random() % static_cast<std::uint64_t>(extent));
            const Extent end = begin + 1 + static_cast<Extent>(random() % static_cast<std::uint64_t>(extent - begin));
            ranges.push_back({begin, end});
        }
        slabs.push_back(ranges);
    }
    return slabs;
}

}  // namespace tilesum::testing
