#include "tools/chunk_cache.hpp"

#include <algorithm>

#include "engine/eval/tile_eval.hpp"

namespace tilesum::cli {

namespace {

// HDF5's default chunk cache (H5Pset_chunk_cache): below this, a larger cache is not needed.
constexpr std::size_t default_cache_bytes = std::size_t{1} << 20;

// The bytes of the chunks that the hyperslab `leaf` touches, or 0 when it reads each of them whole (its ends on chunk
// boundaries or at the end of the dataset): then no later tile comes back to them.
std::size_t partial_chunk_bytes(const eval::LeafKey& leaf) {
    const Shape& chunk = leaf.input->chunk_shape;
    const Shape& shape = leaf.input->shape;
    bool splits_a_chunk = false;
    Extent chunks_touched = 1;
    for (std::size_t axis = 0; axis < chunk.size(); ++axis) {
        const Range range = leaf.ranges[axis];
        if (range.length() == 0) return 0;
        splits_a_chunk = splits_a_chunk || range.begin % chunk[axis] != 0 ||
                         (range.end % chunk[axis] != 0 && range.end != shape[axis]);
        chunks_touched *= (range.end + chunk[axis] - 1) / chunk[axis] - range.begin / chunk[axis];
    }
    if (!splits_a_chunk) return 0;
    return static_cast<std::size_t>(chunks_touched * element_count(chunk)) * dtype_size(leaf.input->dtype);
}

}  // namespace

std::size_t size_chunk_caches(const plan::Plan& plan,
                              const std::map<std::string, std::unique_ptr<io::Hdf5DatasetReader>>& readers) {
    std::map<std::string, std::size_t> needed;  // input name -> cache bytes
    auto visit = [&](const plan::OutputPlan& output) {
        // The first tile is the largest; the second is the first that may start inside a chunk (unaligned sizes).
        const Extent tiles = std::min<Extent>(output.tiling.tile_count(), 2);
        for (Extent tile_index = 0; tile_index < tiles; ++tile_index)
            for (const eval::LeafKey& leaf : eval::collect_leaves(*output.root, output.tiling.tile(tile_index))) {
                if (leaf.input->chunk_shape.empty()) continue;
                std::size_t& bytes = needed[leaf.input->name];
                bytes = std::max(bytes, partial_chunk_bytes(leaf));
            }
    };
    for (const plan::OutputPlan& piece : plan.pieces) visit(piece);
    for (const plan::OutputPlan& output : plan.outputs) visit(output);

    std::size_t total = 0;
    for (const auto& [name, bytes] : needed) {
        auto reader = readers.find(name);
        if (bytes <= default_cache_bytes || reader == readers.end()) continue;
        reader->second->set_chunk_cache(bytes);
        total += bytes;
    }
    return total;
}

}  // namespace tilesum::cli
