#include "engine/plan/tile_sizes.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "engine/common/bytes.hpp"
#include "engine/plan/cost_model.hpp"
#include "engine/plan/streamed_gemm.hpp"

namespace tilesum::plan {

namespace {

// Halves the axis in [first_axis, end_axis) whose halving lowers the tile's peak (with `in_flight` tiles sharing
// the partial sum) the most. Cuts within 5% of the best peak are equally good for memory; among them the one
// predicted fastest wins (the first on ties, so tiles stay contiguous rows in C order): it is what turns column
// strips into square blocks when an operand is read both ways, since a strip costs one read per row.
// std::nullopt when every such axis is down to 1.
std::optional<std::size_t> halve_best_axis(const Cuttable& cuttable, Shape& sizes, std::size_t first_axis,
                                           std::size_t end_axis, const eval::Schedule& schedule,
                                           const MachineProfile& machine, std::size_t in_flight = 1) {
    std::vector<std::pair<std::size_t, std::size_t>> candidates;  // (axis, peak after halving it)
    for (std::size_t axis = first_axis; axis < end_axis; ++axis) {
        if (sizes[axis] <= 1) continue;
        Shape candidate = sizes;
        candidate[axis] = (candidate[axis] + 1) / 2;
        candidates.emplace_back(axis, cuttable.peak(candidate, schedule, in_flight));
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

// The last halving may have overshot: `axis` grown back from its size in `sizes` (which fits) towards `too_big`,
// to the largest size that still fits.
void grow_back(Shape& sizes, std::size_t axis, Extent too_big, const std::function<bool(const Shape&)>& fits) {
    Extent fitting = sizes[axis];
    while (too_big - fitting > 1) {
        const Extent middle = fitting + (too_big - fitting) / 2;
        Shape candidate = sizes;
        candidate[axis] = middle;
        (fits(candidate) ? fitting : too_big) = middle;
    }
    sizes[axis] = fitting;
}

// Enough tiles for the workers to share: the largest axis of [first_axis, end_axis) split further (smaller fits).
// Not an empty output: it stays one empty tile however its other axes are cut.
void split_for_workers(const Cuttable& cuttable, Shape& sizes, std::size_t first_axis, std::size_t end_axis) {
    if (element_count(cuttable.root->shape) == 0) return;
    while (cuttable.tiling(sizes).tile_count() < cost::minimum_tile_count) {
        auto begin = sizes.begin() + static_cast<std::ptrdiff_t>(first_axis);
        auto end = sizes.begin() + static_cast<std::ptrdiff_t>(end_axis);
        auto largest = std::max_element(begin, end);
        if (largest == end || *largest <= 1) return;
        *largest = (*largest + 1) / 2;
    }
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
    if (last_axis && smallest_peak <= target)
        grow_back(sizes, *last_axis, last_size_before,
                  [&](const Shape& candidate) { return cuttable.peak(candidate, schedule) <= target; });
    split_for_workers(cuttable, sizes, phases.front().first_axis, phases.front().end_axis);
    return sizes;
}

// A GEMM-shaped tile, up to its share of two tiles in flight (and the one partial sum they add into). For each slab
// size of the summed labels (whole, then halved one axis at a time, as halve_best_axis picks), the output axes are
// cut until the tile fits and the last cut grown back. Thinner slabs leave room for larger output tiles, which
// re-read the inputs fewer times; thicker ones read fewer, longer runs. Among the candidates predicted within 5% of
// the fastest (the cost model's error), the one reading the fewest bytes wins: the page cache, a second process or
// a slower disk make bytes dearer than the model's rate, and runs cheaper once io_uring batches them.
std::optional<Shape> gemm_sizes(const Cuttable& cuttable, std::size_t budget_bytes, const eval::Schedule& schedule,
                                const MachineProfile& machine) {
    const std::size_t in_flight = cost::gemm_tiles_in_flight_target;
    const std::size_t target = cost::tile_target_bytes(budget_bytes, TileKind::gemm);
    auto fits = [&](const Shape& sizes) { return cuttable.peak(sizes, schedule, in_flight) <= target; };
    Shape slabs = cuttable.extents;
    for (Extent& extent : slabs) extent = std::max<Extent>(extent, 1);
    struct Candidate {
        Shape sizes;
        double seconds = 0;
        double bytes_read = 0;
    };
    std::vector<Candidate> candidates;
    while (true) {
        Shape sizes = slabs;
        std::optional<std::size_t> last_axis;
        Extent last_size_before = 0;
        while (!fits(sizes)) {
            const Shape before = sizes;
            last_axis = halve_best_axis(cuttable, sizes, 0, cuttable.output_rank, schedule, machine, in_flight);
            if (!last_axis) break;
            last_size_before = before[*last_axis];
        }
        if (fits(sizes)) {
            if (last_axis) grow_back(sizes, *last_axis, last_size_before, fits);
            split_for_workers(cuttable, sizes, 0, cuttable.output_rank);
            OutputPlan totals;
            estimate_totals(cuttable, sizes, totals, schedule);
            candidates.push_back({sizes, predicted_seconds_of(cuttable, sizes, schedule, machine), totals.bytes_read});
            // The whole output in one tile already: thinner slabs would only add tiles.
            if (!last_axis) break;
        }
        if (!halve_best_axis(cuttable, slabs, cuttable.output_rank, slabs.size(), schedule, machine)) break;
    }
    if (candidates.empty()) return std::nullopt;
    double fastest = candidates.front().seconds;
    for (const Candidate& candidate : candidates) fastest = std::min(fastest, candidate.seconds);
    const Candidate* best = nullptr;
    for (const Candidate& candidate : candidates)
        if (candidate.seconds <= 1.05 * fastest && (!best || candidate.bytes_read < best->bytes_read))
            best = &candidate;
    return best->sizes;
}

}  // namespace

// The cheapest (predicted time) of the cutting orders; only outputs_first when there is no summed label. A
// GEMM-shaped tile also competes at its own, larger size, and wins only by reading less: where it reads as much,
// more and smaller tiles in flight overlap reading with computing better, which the cost model does not see.
// A matrix product of two inputs streams its panels through one large C tile instead (streamed_gemm.hpp).
Fit<Shape> choose_tile_sizes(const Cuttable& cuttable, const std::string& name, std::size_t budget_bytes,
                             const eval::Schedule& schedule, const MachineProfile& machine) {
    if (const std::optional<StreamedGemm> gemm = streamed_gemm(*cuttable.root))
        if (std::optional<Shape> sizes = streamed_gemm_sizes(*gemm, budget_bytes, machine)) return *sizes;
    Fit<Shape> best = cut_sizes(cuttable, name, budget_bytes, schedule, machine, CutOrder::outputs_first);
    if (!best.fits()) return best;
    double best_seconds = predicted_seconds_of(cuttable, best.value(), schedule, machine);
    if (!cuttable.summed_labels.empty())
        for (CutOrder order : {CutOrder::summed_first, CutOrder::together}) {
            Fit<Shape> sizes = cut_sizes(cuttable, name, budget_bytes, schedule, machine, order);
            if (!sizes.fits()) return sizes;
            const double seconds = predicted_seconds_of(cuttable, sizes.value(), schedule, machine);
            if (seconds < best_seconds) {
                best = std::move(sizes);
                best_seconds = seconds;
            }
        }
    if (tile_kind(*cuttable.root, schedule) != TileKind::gemm) return best;
    const std::optional<Shape> gemm = gemm_sizes(cuttable, budget_bytes, schedule, machine);
    if (!gemm) return best;
    OutputPlan capped, larger;
    estimate_totals(cuttable, best.value(), capped, schedule);
    estimate_totals(cuttable, *gemm, larger, schedule);
    if (larger.bytes_read < capped.bytes_read &&
        predicted_seconds_of(cuttable, *gemm, schedule, machine) < best_seconds)
        return *gemm;
    return best;
}

}  // namespace tilesum::plan
