// A tiling of an output: tile_shape[axis] elements along each output axis (the extent itself where not tiled),
// and optionally slabs of summed labels of the output's einsum (a reduction split into partial results that
// the executor adds in a fixed order). Tiles are numbered output tile major, slab minor, each in C order of
// positions; the last tile along an axis may be shorter.
#pragma once

#include <string>

#include "engine/common/shape.hpp"
#include "engine/eval/tile_eval.hpp"

namespace tilesum::plan {

struct Tiling {
    Shape extents;
    Shape tile_shape;
    std::string summed_labels;  // summed labels of the root einsum cut into slabs
    Shape summed_extents;
    Shape summed_tile;

    Extent output_tile_count() const;
    Extent slab_count() const;  // 1 when no summed label is cut into slabs
    Extent tile_count() const { return output_tile_count() * slab_count(); }
    eval::TileSpec tile(Extent tile_index) const;
    bool is_tiled(std::size_t axis) const { return tile_shape[axis] < extents[axis]; }
    bool summed_in_slabs() const { return slab_count() > 1; }
    friend bool operator==(const Tiling&, const Tiling&) = default;
};

// The number of blocks and the ranges of block `index` when `extents` is cut into blocks of `block` (C order).
Extent block_count(const Shape& extents, const Shape& block);
Ranges block_ranges(const Shape& extents, const Shape& block, Extent index);

}  // namespace tilesum::plan
