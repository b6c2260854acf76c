#include "engine/plan/chunk_cache.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "engine/eval/tile_eval.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

namespace {

// A grid of tiles in the order they run: cut axes outermost first, each cut into `sizes` (the extent where not
// cut), and the input hyperslabs that the tile with the given per-axis ranges reads.
struct TileGrid {
    Shape extents;
    Shape sizes;
    std::function<std::vector<eval::LeafKey>(const Ranges&)> leaves_of;
};

bool chunked(const eval::LeafKey& leaf) { return !leaf.input->chunk_shape.empty(); }

// The chunk indices a hyperslab touches, per axis as [first, last + 1).
Ranges chunk_box(const eval::LeafKey& leaf) {
    Ranges box;
    const Shape& chunk = leaf.input->chunk_shape;
    for (std::size_t axis = 0; axis < chunk.size(); ++axis) {
        const Range range = leaf.ranges[axis];
        box.push_back({range.begin / chunk[axis], (range.end + chunk[axis] - 1) / chunk[axis]});
    }
    return box;
}

bool intersect(const Ranges& left, const Ranges& right) {
    for (std::size_t axis = 0; axis < left.size(); ++axis)
        if (std::max(left[axis].begin, right[axis].begin) >= std::min(left[axis].end, right[axis].end)) return false;
    return true;
}

// Whether the hyperslab reads some chunk only in part (an end inside a chunk, not at the end of the dataset).
bool splits_a_chunk(const eval::LeafKey& leaf) {
    const Shape& chunk = leaf.input->chunk_shape;
    for (std::size_t axis = 0; axis < chunk.size(); ++axis) {
        const Range range = leaf.ranges[axis];
        if (range.length() == 0) return false;
        if (range.begin % chunk[axis] != 0 || (range.end % chunk[axis] != 0 && range.end != leaf.input->shape[axis]))
            return true;
    }
    return false;
}

std::size_t chunk_bytes_touched(const eval::LeafKey& leaf) {
    Extent chunks = 1;
    for (const Range& range : chunk_box(leaf)) chunks *= range.length();
    return static_cast<std::size_t>(chunks * element_count(leaf.input->chunk_shape)) * dtype_size(leaf.input->dtype);
}

// Adds what the grid's inputs want to `wanted`. The first tile stands for all (tiles differ only at ragged ends).
void add_wanted(const TileGrid& grid, std::map<std::string, std::size_t>& wanted) {
    Ranges first;
    for (std::size_t axis = 0; axis < grid.extents.size(); ++axis)
        first.push_back({0, std::min(grid.sizes[axis], grid.extents[axis])});
    const std::vector<eval::LeafKey> first_leaves = grid.leaves_of(first);
    std::set<std::string> split;
    for (const eval::LeafKey& leaf : first_leaves)
        if (chunked(leaf) && splits_a_chunk(leaf)) split.insert(leaf.input->name);
    if (split.empty()) return;

    // Per input, the outermost cut axis whose next tile reads other parts of chunks this tile read.
    std::map<std::string, std::size_t> outermost;
    for (std::size_t axis = 0; axis < grid.extents.size(); ++axis) {
        if (grid.sizes[axis] >= grid.extents[axis]) continue;
        Ranges next = first;
        next[axis] = {first[axis].end, std::min(2 * first[axis].end, grid.extents[axis])};
        for (const eval::LeafKey& later : grid.leaves_of(next)) {
            if (!chunked(later) || !split.count(later.input->name)) continue;
            for (const eval::LeafKey& earlier : first_leaves)
                if (earlier.input == later.input && earlier.ranges != later.ranges &&
                    intersect(chunk_box(earlier), chunk_box(later)))
                    outermost.emplace(later.input->name, axis);  // the first found is the outermost
        }
    }
    for (const auto& [name, cut_axis] : outermost) {
        Ranges band = first;
        for (std::size_t axis = cut_axis + 1; axis < grid.extents.size(); ++axis) band[axis] = {0, grid.extents[axis]};
        std::size_t bytes = 0;  // several hyperslabs of one input (A and its transpose) all stay in the cache
        for (const eval::LeafKey& leaf : grid.leaves_of(band))
            if (leaf.input->name == name) bytes += chunk_bytes_touched(leaf);
        std::size_t& entry = wanted[name];
        entry = std::max(entry, bytes);
    }
}

TileGrid grid_of(const OutputPlan& output) {
    const Tiling& tiling = output.tiling;
    TileGrid grid{tiling.extents, tiling.tile_shape, {}};
    grid.extents.insert(grid.extents.end(), tiling.summed_extents.begin(), tiling.summed_extents.end());
    grid.sizes.insert(grid.sizes.end(), tiling.summed_tile.begin(), tiling.summed_tile.end());
    const std::size_t rank = tiling.extents.size();
    const expr::Node* root = output.root.get();
    const std::string labels = tiling.summed_labels;
    grid.leaves_of = [root, rank, labels](const Ranges& cut) {
        eval::TileSpec spec;
        spec.ranges.assign(cut.begin(), cut.begin() + static_cast<std::ptrdiff_t>(rank));
        for (std::size_t position = 0; position < labels.size(); ++position)
            spec.summed[labels[position]] = cut[rank + position];
        return eval::collect_leaves(*root, spec);
    };
    return grid;
}

// A fused pass reads blocks of its shared input (other inputs its members read are not counted here).
std::optional<TileGrid> grid_of(const Plan& plan, const FusedPass& pass) {
    const expr::Node* input = nullptr;
    for (const PassMember& member : pass.members) {
        const expr::Node& root = *plan.pieces[member.piece].root;
        for (const eval::LeafKey& leaf : eval::collect_leaves(root, pass.member_tile(root, member, 0)))
            if (leaf.input->name == pass.input) input = leaf.input;
    }
    if (!input) return std::nullopt;
    return TileGrid{pass.extents, pass.block, [input](const Ranges& cut) {
                        return std::vector<eval::LeafKey>{{input, cut}};
                    }};
}

}  // namespace

std::map<std::string, std::size_t> chunk_caches_wanted(const Plan& plan) {
    std::map<std::string, std::size_t> wanted;
    std::vector<Plan::PieceStep> steps = plan.piece_steps;  // as the executor runs them: alone in order without any
    if (steps.empty())
        for (std::size_t piece = 0; piece < plan.pieces.size(); ++piece) steps.push_back({false, piece});
    for (const Plan::PieceStep& step : steps) {
        if (!step.fused) {
            add_wanted(grid_of(plan.pieces[step.index]), wanted);
        } else if (const std::optional<TileGrid> grid = grid_of(plan, plan.passes[step.index])) {
            add_wanted(*grid, wanted);
        }
    }
    for (const OutputPlan& output : plan.outputs) add_wanted(grid_of(output), wanted);
    return wanted;
}

ChunkCaches fit_chunk_caches(const std::map<std::string, std::size_t>& wanted, std::size_t limit_bytes,
                             const ChunkCacheTraits& traits) {
    const std::size_t default_bytes = traits.default_bytes;
    auto memory = [&](std::size_t bytes) { return bytes > default_bytes ? traits.memory_factor * bytes : bytes; };
    ChunkCaches caches;
    for (const auto& [name, bytes] : wanted) {
        caches.bytes[name] = std::max(bytes, default_bytes);
        caches.total_bytes += memory(caches.bytes[name]);
    }
    while (caches.total_bytes > limit_bytes) {
        auto largest = caches.bytes.end();
        for (auto it = caches.bytes.begin(); it != caches.bytes.end(); ++it)
            if (it->second > default_bytes && (largest == caches.bytes.end() || it->second >= largest->second))
                largest = it;
        if (largest == caches.bytes.end()) break;
        caches.total_bytes -= memory(largest->second) - default_bytes;
        largest->second = default_bytes;
    }
    return caches;
}

}  // namespace tilesum::plan
