#include "engine/plan/tiling.hpp"

#include <algorithm>

#include "engine/common/error.hpp"

namespace tilesum::plan {

namespace {
Extent tiles_along(Extent extent, Extent tile) { return tile == 0 ? 0 : (extent + tile - 1) / tile; }
}  // namespace

Extent Tiling::tile_count() const {
    Extent count = 1;
    for (std::size_t axis = 0; axis < extents.size(); ++axis) {
        if (extents[axis] == 0) return 1;  // an empty output is one empty tile
        count *= tiles_along(extents[axis], tile_shape[axis]);
    }
    return count;
}

Ranges Tiling::tile_ranges(Extent tile_index) const {
    TILESUM_ASSERT(tile_index >= 0 && tile_index < tile_count());
    Ranges ranges(extents.size());
    for (std::size_t axis = extents.size(); axis-- > 0;) {
        if (extents[axis] == 0) {
            ranges[axis] = {0, 0};
            continue;
        }
        const Extent along = tiles_along(extents[axis], tile_shape[axis]);
        const Extent position = tile_index % along;
        tile_index /= along;
        ranges[axis] = {position * tile_shape[axis], std::min(extents[axis], (position + 1) * tile_shape[axis])};
    }
    return ranges;
}

}  // namespace tilesum::plan
