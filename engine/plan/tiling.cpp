#include "engine/plan/tiling.hpp"

#include <algorithm>

#include "engine/common/error.hpp"

namespace tilesum::plan {

namespace {
Extent blocks_along(Extent extent, Extent block) { return block == 0 ? 0 : (extent + block - 1) / block; }
}  // namespace

Extent block_count(const Shape& extents, const Shape& block) {
    Extent count = 1;
    for (std::size_t axis = 0; axis < extents.size(); ++axis) {
        if (extents[axis] == 0) return 1;  // an empty output is one empty tile
        count *= blocks_along(extents[axis], block[axis]);
    }
    return count;
}

Ranges block_ranges(const Shape& extents, const Shape& block, Extent index) {
    TILESUM_ASSERT(index >= 0 && index < block_count(extents, block));
    Ranges ranges(extents.size());
    for (std::size_t axis = extents.size(); axis-- > 0;) {
        if (extents[axis] == 0) {
            ranges[axis] = {0, 0};
            continue;
        }
        const Extent along = blocks_along(extents[axis], block[axis]);
        TILESUM_ASSERT(along > 0);  // a non-empty axis has a positive block size
        const Extent position = index % along;
        index /= along;
        ranges[axis] = {position * block[axis], std::min(extents[axis], (position + 1) * block[axis])};
    }
    return ranges;
}

Extent Tiling::output_tile_count() const { return block_count(extents, tile_shape); }

Extent Tiling::slab_count() const { return block_count(summed_extents, summed_tile); }

eval::TileSpec Tiling::tile(Extent tile_index) const {
    const Extent slabs = slab_count();
    TILESUM_ASSERT(slabs > 0);
    eval::TileSpec spec;
    spec.ranges = block_ranges(extents, tile_shape, tile_index / slabs);
    if (slabs > 1) {
        Ranges summed = block_ranges(summed_extents, summed_tile, tile_index % slabs);
        for (std::size_t position = 0; position < summed_labels.size(); ++position)
            spec.summed[summed_labels[position]] = summed[position];
    }
    return spec;
}

}  // namespace tilesum::plan
