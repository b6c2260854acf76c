// The axes a tile of an output (or piece) may cut, and what one tile size costs: its peak bytes (a dry run of its
// first tile) and its totals over all tiles. What the tiling pass (tile_sizes.hpp, tile_output.hpp) measures with.
#pragma once

#include <cstddef>
#include <string>

#include "engine/eval/schedule.hpp"
#include "engine/expr/node.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

// Every output axis, then its summed labels (eval::slab_labels: of an einsum, or of a sum of einsum terms), whose
// slabs are partial results added in a fixed order. Sizes of a tile are one vector over all of them.
struct Cuttable {
    const expr::Node* root = nullptr;
    Shape extents;
    std::size_t output_rank = 0;
    std::string summed_labels;

    static Cuttable of(const expr::Node& root);

    char label(std::size_t axis) const {
        return axis < output_rank ? root->axis_labels[axis] : summed_labels[axis - output_rank];
    }

    Tiling tiling(const Shape& sizes) const;
    // The first (largest) tile of these sizes.
    eval::TileSpec first_tile(const Shape& sizes) const { return tiling(sizes).tile(0); }
    // One tile's own bytes at its worst moment (a dry run of the first tile), and what BLAS packs beside them.
    std::size_t tile_bytes(const Shape& sizes, const eval::Schedule& schedule) const;
    // What an output summed in slabs holds besides its tiles in flight: the one partial sum their slabs are added
    // into and, for many slabs, its compensations (exec/output_run.cpp); 0 when no summed label is cut.
    std::size_t partial_sum_bytes(const Shape& sizes) const;
    // The bytes of one tile of `in_flight` that share the budget: its own and its share of the partial sum.
    std::size_t peak(const Shape& sizes, const eval::Schedule& schedule, std::size_t in_flight = 1) const {
        return tile_bytes(sizes, schedule) + partial_sum_bytes(sizes) / in_flight;
    }
};

// "i=100, k=20": every output axis and the summed labels cut into slabs, for messages; "the whole scalar" when
// there is none.
std::string tile_text(const Cuttable& cuttable, const Shape& sizes);

// Adds the bytes read, strided bytes, read runs and flops over all tiles of `sizes` to `output`.
void estimate_totals(const Cuttable& cuttable, const Shape& sizes, OutputPlan& output, const eval::Schedule& schedule);

// Predicted seconds of the output tiled with `sizes` (cost_model.hpp).
double predicted_seconds_of(const Cuttable& cuttable, const Shape& sizes, const eval::Schedule& schedule,
                            const MachineProfile& machine);

}  // namespace tilesum::plan
