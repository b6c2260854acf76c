// The dry runs the planner measures tiles with: a tile evaluated on a dry arena (exactly the allocations a real tile
// makes, no data), its input hyperslabs counted by bytes, contiguous runs and storage layout.
#include <algorithm>

#include "engine/eval/tile_eval.hpp"

namespace tilesum::eval {

using expr::Node;

namespace {

// How many contiguous runs of a C-order dataset the hyperslab is: one per index of the axes before its innermost
// partial axis. HDF5 serves each run with its own read, so a column strip of a wide matrix costs one read per row.
double contiguous_runs(const Ranges& ranges, const Shape& shape) {
    std::size_t innermost_partial = ranges.size();
    for (std::size_t axis = 0; axis < ranges.size(); ++axis)
        if (ranges[axis].length() < shape[axis]) innermost_partial = axis;
    if (innermost_partial == ranges.size()) return 1;
    double runs = 1;
    for (std::size_t axis = 0; axis < innermost_partial; ++axis) runs *= static_cast<double>(ranges[axis].length());
    return runs;
}

}  // namespace

TileEstimate estimate_tile(const Node& root, const TileSpec& tile, const Schedule& schedule) {
    return estimate_tiles({RootTile{&root, tile}}, schedule);
}

TileEstimate estimate_tiles(const std::vector<RootTile>& tiles, const Schedule& schedule,
                            const std::vector<LeafKey>& already_read) {
    Arena arena(0, Arena::Mode::dry);
    LeafBlocks leaves;
    TileEstimate estimate;
    for (LeafKey& key : collect_leaves(tiles)) {
        Shape shape = range_shape(key.ranges);
        const std::size_t bytes = static_cast<std::size_t>(element_count(shape)) * sizeof(double);
        auto same = [&](const LeafKey& other) { return !(other < key) && !(key < other); };
        if (std::any_of(already_read.begin(), already_read.end(), same)) {
            leaves.emplace(std::move(key),
                           Block{arena.allocate(static_cast<std::size_t>(element_count(shape))), shape});
            continue;
        }
        estimate.leaf_bytes += bytes;
        const double runs = bytes > 0 ? contiguous_runs(key.ranges, key.input->shape) : 0;
        if (runs > 1) estimate.strided_leaf_bytes += bytes;  // a column block, not one contiguous run
        estimate.leaf_runs += runs;
        if (!key.input->chunk_shape.empty()) estimate.chunked_leaf_bytes += bytes;
        if (key.input->filtered) estimate.filtered_leaf_bytes += bytes;
        Block block{arena.allocate(static_cast<std::size_t>(element_count(shape))), shape};
        leaves.emplace(std::move(key), std::move(block));
    }
    TileCost cost;
    {
        std::vector<Block> results;
        for (const RootTile& root_tile : tiles)
            results.push_back(evaluate_tile(*root_tile.root, root_tile.tile, leaves, arena, cost, schedule));
    }
    estimate.peak_bytes = arena.peak_bytes();
    estimate.flops = cost.flops;
    estimate.work = cost.work;
    return estimate;
}

}  // namespace tilesum::eval
