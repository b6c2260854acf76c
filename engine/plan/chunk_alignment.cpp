#include "engine/plan/chunk_alignment.hpp"

#include <algorithm>
#include <string_view>
#include <tuple>

#include "engine/eval/tile_eval.hpp"

namespace tilesum::plan {

namespace {

// One axis of one chunked input that a cut axis reaches.
struct Reached {
    const expr::Node* input = nullptr;
    std::size_t axis = 0;
};

// The chunked input axes that cut axis `cut_axis` reaches: a probe tile narrows only that axis, to [1, 2), and every
// leaf axis whose hyperslab becomes exactly [1, 2) follows it one to one (ranges propagate unchanged through einsum
// labels and broadcasting; an axis not reached stays whole, a broadcast one [0, 1)). Starting at 1 rather than 0
// makes an offset mapping, were there ever one, fail the test instead of passing it.
std::vector<Reached> reached_chunked_axes(const CutAxes& axes, std::size_t cut_axis) {
    const Range probe_range{1, 2};
    eval::TileSpec probe;
    probe.ranges =
        full_ranges(Shape(axes.extents.begin(), axes.extents.begin() + static_cast<std::ptrdiff_t>(axes.output_rank)));
    if (cut_axis < axes.output_rank)
        probe.ranges[cut_axis] = probe_range;
    else
        probe.summed[axes.summed_labels[cut_axis - axes.output_rank]] = probe_range;
    std::vector<Reached> reached;
    for (const eval::LeafKey& leaf : eval::collect_leaves(*axes.root, probe)) {
        if (leaf.input->chunk_shape.empty()) continue;
        for (std::size_t axis = 0; axis < leaf.ranges.size(); ++axis)
            if (leaf.ranges[axis] == probe_range) reached.push_back({leaf.input, axis});
    }
    return reached;
}

// The largest input wins: it is the one whose reads dominate. Ties go by name, then axis, so that the choice never
// depends on where nodes happen to sit in memory.
const Reached* largest(const std::vector<Reached>& reached) {
    auto key = [](const Reached& candidate) {
        const std::size_t bytes =
            static_cast<std::size_t>(element_count(candidate.input->shape)) * dtype_size(candidate.input->dtype);
        return std::make_tuple(bytes, std::string_view(candidate.input->name), candidate.axis);
    };
    const Reached* best = nullptr;
    for (const Reached& candidate : reached) {
        if (!best) {
            best = &candidate;
            continue;
        }
        const auto [bytes, name, axis] = key(candidate);
        const auto [best_bytes, best_name, best_axis] = key(*best);
        if (bytes > best_bytes || (bytes == best_bytes && std::tie(name, axis) < std::tie(best_name, best_axis)))
            best = &candidate;
    }
    return best;
}

// `size` rounded down to a multiple of `chunk`, or, below one chunk, to the largest divisor of `chunk`.
Extent aligned_size(Extent size, Extent chunk) {
    if (size >= chunk) return size / chunk * chunk;
    for (Extent divisor = size; divisor > 1; --divisor)
        if (chunk % divisor == 0) return divisor;
    return 1;
}

Extent tiles_along(Extent extent, Extent size) { return (extent + size - 1) / size; }

}  // namespace

std::string ChunkAlignment::note(std::size_t first_axis, std::size_t end_axis) const {
    std::vector<std::string> names;
    for (std::size_t axis = first_axis; axis < std::min(end_axis, inputs.size()); ++axis)
        if (const std::string& input = inputs[axis];
            !input.empty() && std::find(names.begin(), names.end(), input) == names.end())
            names.push_back(input);
    if (names.empty()) return "";
    std::string text = "aligned to chunks of ";
    for (std::size_t position = 0; position < names.size(); ++position)
        text += (position ? ", " : "") + names[position];
    return text;
}

ChunkAlignment align_to_chunks(const CutAxes& axes, const Shape& sizes) {
    ChunkAlignment result{sizes, std::vector<std::string>(sizes.size())};
    for (std::size_t cut_axis = 0; cut_axis < sizes.size(); ++cut_axis) {
        const Extent extent = axes.extents[cut_axis];
        const Extent size = sizes[cut_axis];
        if (size < 1 || size >= extent) continue;  // not cut: the whole axis is read at once
        const std::vector<Reached> reached = reached_chunked_axes(axes, cut_axis);
        const Reached* chosen = largest(reached);
        if (!chosen) continue;
        const Extent chunk = chosen->input->chunk_shape[chosen->axis];
        if (chunk < 1) continue;
        const Extent aligned = aligned_size(size, chunk);
        // Aligning trades tile count for whole-chunk reads; beyond twice the tiles, the per-tile overhead and the
        // smaller GEMMs cost more than the re-read chunk saves.
        if (tiles_along(extent, aligned) > 2 * tiles_along(extent, size)) continue;
        result.sizes[cut_axis] = aligned;
        result.inputs[cut_axis] = chosen->input->name;
    }
    return result;
}

}  // namespace tilesum::plan
