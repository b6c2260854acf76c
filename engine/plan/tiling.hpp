// A tiling of an output: tile_shape[axis] elements along each axis (the extent itself where not tiled).
// Tiles are numbered in C order of their positions; the last tile along an axis may be shorter.
#pragma once

#include "engine/common/shape.hpp"

namespace tilesum::plan {

struct Tiling {
    Shape extents;
    Shape tile_shape;

    Extent tile_count() const;
    Ranges tile_ranges(Extent tile_index) const;
    bool is_tiled(std::size_t axis) const { return tile_shape[axis] < extents[axis]; }
};

}  // namespace tilesum::plan
