#include "engine/plan/tile_sizes.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "engine/common/bytes.hpp"
#include "engine/plan/cost_model.hpp"

namespace tilesum::plan {

namespace {

// Halves the axis in [first_axis, end_axis) whose halving lowers the tile's peak the most. Cuts within 5% of
// the best peak are equally good for memory; among them the one predicted fastest wins (the first on ties, so
// tiles stay contiguous rows in C order): it is what turns column strips into square blocks when an operand
// is read both ways, since a strip costs one read per row. std::nullopt when every such axis is down to 1.
std::optional<std::size_t> halve_best_axis(const Cuttable& cuttable, Shape& sizes, std::size_t first_axis,
                                           std::size_t end_axis, const eval::Schedule& schedule,
                                           const MachineProfile& machine) {
    std::vector<std::pair<std::size_t, std::size_t>> candidates;  // (axis, peak after halving it)
    for (std::size_t axis = first_axis; axis < end_axis; ++axis) {
        if (sizes[axis] <= 1) continue;
        Shape candidate = sizes;
        candidate[axis] = (candidate[axis] + 1) / 2;
        candidates.emplace_back(axis, cuttable.peak(candidate, schedule));
    }
    if (candidates.empty()) return std::nullopt;
    std::size_t best_peak = candidates.front().second;
    for (const auto& [axis, peak] : candidates) best_peak = std::min(best_peak, peak);
    std::optional<std::size_t> chosen;
    double chosen_seconds = 0;
    for (const auto& [axis, peak] : candidates) {
        if (static_cast<double>(peak) > 1.05 * static_cast<double>(best_peak)) continue;
        Shape candidate = sizes;
        candidate[axis] = (candidate[axis] + 1) / 2;
        const double seconds = predicted_seconds_of(cuttable, candidate, schedule, machine);
        if (!chosen || seconds < chosen_seconds * (1 - 1e-9)) {
            chosen = axis;
            chosen_seconds = seconds;
        }
    }
    sizes[*chosen] = (sizes[*chosen] + 1) / 2;
    return chosen;
}

// The orders in which axes are cut. outputs_first: output axes down to the target (their tiles are independent),
// summed labels only while a tile is over half the budget (each slab adds a partial result). summed_first:
// summed labels down to the target, then output axes: a small output summed over a large input then reads that
// input in row blocks where output tiles would read it in column blocks. together: every axis in one phase, so
// an operand read both ways (A and its transpose) is cut into square blocks rather than strips.
enum class CutOrder { outputs_first, summed_first, together };

Fit<Shape> cut_sizes(const Cuttable& cuttable, const std::string& name, std::size_t budget_bytes,
                     const eval::Schedule& schedule, const MachineProfile& machine, CutOrder order) {
    const std::size_t target = cost::tile_target_bytes(budget_bytes);
    Shape sizes = cuttable.extents;
    for (Extent& extent : sizes) extent = std::max<Extent>(extent, 1);
    std::optional<std::size_t> last_axis;
    Extent last_size_before = 0;
    struct Phase {
        std::size_t first_axis, end_axis, target;
    };
    const bool outputs_first = order == CutOrder::outputs_first;
    const Phase outputs{0, cuttable.output_rank, target};
    const Phase summed{cuttable.output_rank, sizes.size(), outputs_first ? budget_bytes / 2 : target};
    const std::vector<Phase> phases = order == CutOrder::together ? std::vector<Phase>{{0, sizes.size(), target}}
                                      : outputs_first             ? std::vector<Phase>{outputs, summed}
                                                                  : std::vector<Phase>{summed, outputs};
    for (const Phase& phase : phases) {
        const auto [first_axis, end_axis, phase_target] = phase;
        while (cuttable.peak(sizes, schedule) > phase_target) {
            Shape before = sizes;
            std::optional<std::size_t> axis = halve_best_axis(cuttable, sizes, first_axis, end_axis, schedule, machine);
            if (!axis) break;
            last_axis = axis;
            last_size_before = before[*axis];
        }
    }
    const std::size_t smallest_peak = cuttable.peak(sizes, schedule);
    if (smallest_peak > budget_bytes)
        return NoFit{"memory budget " + format_bytes(static_cast<double>(budget_bytes)) + " is too small for output '" +
                     name + "': its smallest tile (" + tile_text(cuttable, sizes) + ") needs " +
                     format_bytes(static_cast<double>(smallest_peak)) +
                     "; the smallest budget that works is --memory " + format_size_option(smallest_peak)};
    // The last halving may have overshot: grow that axis back to the largest size that still fits.
    if (last_axis && smallest_peak <= target) {
        Extent fits = sizes[*last_axis];
        Extent too_big = last_size_before;
        while (too_big - fits > 1) {
            Extent middle = fits + (too_big - fits) / 2;
            Shape candidate = sizes;
            candidate[*last_axis] = middle;
            (cuttable.peak(candidate, schedule) <= target ? fits : too_big) = middle;
        }
        sizes[*last_axis] = fits;
    }
    // Enough tiles for the workers to share: split the largest axis of the first phase further (smaller fits).
    // Not an empty output: it stays one empty tile however its other axes are cut.
    const Phase& first = phases.front();
    const bool empty_output = element_count(cuttable.root->shape) == 0;
    while (!empty_output && cuttable.tiling(sizes).tile_count() < cost::minimum_tile_count) {
        auto begin = sizes.begin() + static_cast<std::ptrdiff_t>(first.first_axis);
        auto end = sizes.begin() + static_cast<std::ptrdiff_t>(first.end_axis);
        auto largest = std::max_element(begin, end);
        if (largest == end || *largest <= 1) break;
        *largest = (*largest + 1) / 2;
    }
    return sizes;
}

}  // namespace

// The cheapest (predicted time) of the cutting orders; only outputs_first when there is no summed label.
Fit<Shape> choose_tile_sizes(const Cuttable& cuttable, const std::string& name, std::size_t budget_bytes,
                             const eval::Schedule& schedule, const MachineProfile& machine) {
    Fit<Shape> best = cut_sizes(cuttable, name, budget_bytes, schedule, machine, CutOrder::outputs_first);
    if (!best.fits() || cuttable.summed_labels.empty()) return best;
    double best_seconds = predicted_seconds_of(cuttable, best.value(), schedule, machine);
    for (CutOrder order : {CutOrder::summed_first, CutOrder::together}) {
        Fit<Shape> sizes = cut_sizes(cuttable, name, budget_bytes, schedule, machine, order);
        if (!sizes.fits()) return sizes;
        const double seconds = predicted_seconds_of(cuttable, sizes.value(), schedule, machine);
        if (seconds < best_seconds) {
            best = std::move(sizes);
            best_seconds = seconds;
        }
    }
    return best;
}

}  // namespace tilesum::plan
