// Tile boundaries on chunk boundaries (issue 3). HDF5 reads and decompresses a chunked dataset a whole chunk at a
// time; a tile whose hyperslab straddles a chunk boundary makes two tiles read (and decompress) that chunk. Once the
// budget has sized the tiles, each cut axis that reaches a chunked input is rounded down so that its tile
// boundaries fall on that input's chunk boundaries: to a multiple of the chunk extent, or, when the tile is narrower
// than one chunk, to a divisor of it (each chunk split evenly, none shared by two tiles).
#pragma once

#include <string>
#include <vector>

#include "engine/common/shape.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::plan {

// The axes a tile of `root` may cut, as the planner numbers them: root's axes first, then `summed_labels` of the
// root einsum (whose chunks are partial results). `extents` and `sizes` have one entry per such axis.
struct CutAxes {
    const expr::Node* root = nullptr;
    Shape extents;
    std::size_t output_rank = 0;
    std::string summed_labels;
};

struct ChunkAlignment {
    Shape sizes;                      // the aligned tile sizes
    std::vector<std::string> inputs;  // per axis: the input whose chunks it follows; "" where unchanged
    // "aligned to chunks of A" (or "of A, B") for the axes [first_axis, end_axis); "" when none of them follows
    // chunks. For `tilesum plan`, which shows output axes and summed labels on separate lines.
    std::string note(std::size_t first_axis, std::size_t end_axis) const;
};

// Rounds each cut axis of `sizes` down to follow the chunks of the largest (in bytes) chunked input it reaches, read
// from the leaves of probe tiles (eval::collect_leaves), so any path through the DAG counts. An axis keeps its size
// when it is not cut, reaches no chunked input, or when aligning would more than double its number of tiles (a prime
// chunk extent would leave one-wide tiles). Sizes only shrink, so a tile that fit the budget still fits. Depends on
// shapes alone, never on the thread count.
ChunkAlignment align_to_chunks(const CutAxes& axes, const Shape& sizes);

}  // namespace tilesum::plan
