#include "engine/plan/cuttable.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "engine/eval/slabs.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/plan/cost_model.hpp"
#include "engine/plan/tile_kind.hpp"

namespace tilesum::plan {

Cuttable Cuttable::of(const expr::Node& root) {
    Cuttable cuttable;
    cuttable.root = &root;
    cuttable.extents = root.shape;
    cuttable.output_rank = root.shape.size();
    for (const auto& [label, extent] : eval::slab_labels(root)) {
        cuttable.summed_labels += label;
        cuttable.extents.push_back(extent);
    }
    return cuttable;
}

Tiling Cuttable::tiling(const Shape& sizes) const {
    Tiling tiling;
    tiling.extents.assign(extents.begin(), extents.begin() + static_cast<std::ptrdiff_t>(output_rank));
    tiling.tile_shape.assign(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(output_rank));
    for (std::size_t axis = output_rank; axis < extents.size(); ++axis) {
        if (sizes[axis] >= extents[axis]) continue;
        tiling.summed_labels += label(axis);
        tiling.summed_extents.push_back(extents[axis]);
        tiling.summed_tile.push_back(sizes[axis]);
    }
    return tiling;
}

std::size_t Cuttable::tile_bytes(const Shape& sizes, const eval::Schedule& schedule) const {
    const eval::TileSpec spec = first_tile(sizes);
    std::size_t bytes = eval::estimate_tile(*root, spec, schedule).peak_bytes;
    if (root->kind == expr::NodeKind::einsum) {
        std::map<char, Extent> extents = expr::label_extents(root->operand_labels, root->operands);
        for (std::size_t axis = 0; axis < output_rank; ++axis)
            extents[root->output_labels[axis]] = spec.ranges[axis].length();
        for (const auto& [label, range] : spec.summed) extents[label] = range.length();
        bytes += blas_packing_bytes(*root, schedule, extents);
    }
    return bytes;
}

std::size_t Cuttable::partial_sum_bytes(const Shape& sizes) const {
    const eval::TileSpec spec = first_tile(sizes);
    if (spec.summed.empty()) return 0;
    // The partial sum, and its compensations when there are enough slabs to add with compensated summation
    // (kernels/accurate_sum.hpp, exec/output_run.cpp).
    const std::size_t buffers = eval::compensated_terms(tiling(sizes).slab_count()) ? 2 : 1;
    return buffers * static_cast<std::size_t>(element_count(range_shape(spec.ranges))) * sizeof(double);
}

std::string tile_text(const Cuttable& cuttable, const Shape& sizes) {
    std::string text;
    for (std::size_t axis = 0; axis < cuttable.extents.size(); ++axis) {
        if (axis >= cuttable.output_rank && sizes[axis] >= cuttable.extents[axis]) continue;
        const char label = cuttable.label(axis);
        text += (text.empty() ? "" : ", ") + (label ? std::string(1, label) : "axis " + std::to_string(axis)) + "=" +
                std::to_string(sizes[axis]);
    }
    return text.empty() ? "the whole scalar" : text;
}

// Tiles differ only at the ragged end of an axis, so each distinct tile shape is estimated once and weighted by how
// often it occurs.
void estimate_totals(const Cuttable& cuttable, const Shape& sizes, OutputPlan& output, const eval::Schedule& schedule) {
    struct Variant {
        Extent size;
        Extent count;
    };
    std::vector<std::vector<Variant>> per_axis;
    for (std::size_t axis = 0; axis < cuttable.extents.size(); ++axis) {
        const Extent extent = cuttable.extents[axis];
        const Extent tile = std::max<Extent>(sizes[axis], 1);
        std::vector<Variant> variants;
        if (extent / tile > 0) variants.push_back({tile, extent / tile});
        if (extent % tile > 0) variants.push_back({extent % tile, 1});
        if (variants.empty()) variants.push_back({0, 1});
        per_axis.push_back(variants);
    }
    std::vector<std::size_t> choice(per_axis.size(), 0);
    while (true) {
        Shape shape;
        double weight = 1;
        for (std::size_t axis = 0; axis < per_axis.size(); ++axis) {
            shape.push_back(per_axis[axis][choice[axis]].size);
            weight *= static_cast<double>(per_axis[axis][choice[axis]].count);
        }
        // A variant's tile: its output ranges, and its summed labels narrowed where the plan cuts them into slabs.
        eval::TileSpec spec;
        for (std::size_t axis = 0; axis < cuttable.output_rank; ++axis) spec.ranges.push_back({0, shape[axis]});
        for (std::size_t axis = cuttable.output_rank; axis < shape.size(); ++axis)
            if (sizes[axis] < cuttable.extents[axis]) spec.summed[cuttable.label(axis)] = {0, shape[axis]};
        eval::TileEstimate estimate = eval::estimate_tile(*cuttable.root, spec, schedule);
        output.bytes_read += weight * static_cast<double>(estimate.leaf_bytes);
        output.strided_bytes_read += weight * static_cast<double>(estimate.strided_leaf_bytes);
        output.read_runs += weight * estimate.leaf_runs;
        output.flops += weight * estimate.flops;
        output.split.add(estimate, weight);
        std::size_t axis = per_axis.size();
        while (axis > 0 && ++choice[axis - 1] == per_axis[axis - 1].size()) choice[--axis] = 0;
        if (axis == 0) return;
    }
}

// What the tie-break between equally good cuts compares.
double predicted_seconds_of(const Cuttable& cuttable, const Shape& sizes, const eval::Schedule& schedule,
                            const MachineProfile& machine) {
    OutputPlan trial;
    trial.tiling = cuttable.tiling(sizes);
    estimate_totals(cuttable, sizes, trial, schedule);
    // Its peak is not known here: no first touch, and every candidate at the profile's whole rates.
    return cost::seconds(trial.tiling.tile_count(), trial.split, trial.bytes_read, trial.read_runs, machine);
}

}  // namespace tilesum::plan
