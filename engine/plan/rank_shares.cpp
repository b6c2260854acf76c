#include "engine/plan/rank_shares.hpp"

#include <algorithm>
#include <cmath>

#include "engine/common/error.hpp"
#include "engine/plan/plan_totals.hpp"

namespace tilesum::plan {

namespace {

// One output tile's weight: its share of the output's elements, times the output's predicted time (by elements
// alone when the plan predicts no time for any output: the division then still follows the work's size).
struct TileWeights {
    std::vector<double> weights;     // all output tiles, in plan order
    std::vector<double> fractions;   // of its output's elements
    std::vector<std::size_t> owner;  // index into Plan::outputs
};

TileWeights tile_weights(const Plan& plan) {
    bool timed = false;
    for (const OutputPlan& output : plan.outputs) timed = timed || output.predicted_seconds > 0;
    TileWeights result;
    for (std::size_t index = 0; index < plan.outputs.size(); ++index) {
        const OutputPlan& output = plan.outputs[index];
        const Tiling& tiling = output.tiling;
        const double elements = static_cast<double>(std::max<Extent>(1, element_count(tiling.extents)));
        const Extent count = tiling.output_tile_count();
        for (Extent tile = 0; tile < count; ++tile) {
            const Ranges ranges = block_ranges(tiling.extents, tiling.tile_shape, tile);
            const double fraction =
                static_cast<double>(std::max<Extent>(1, element_count(range_shape(ranges)))) / elements;
            result.weights.push_back(fraction * (timed ? output.predicted_seconds : elements));
            result.fractions.push_back(fraction);
            result.owner.push_back(index);
        }
    }
    return result;
}

}  // namespace

std::vector<RankShare> divide_among_ranks(const Plan& plan, int ranks) {
    TILESUM_ASSERT(ranks >= 1);
    const TileWeights tiles = tile_weights(plan);
    // What every rank does in full: the shared pieces and fused passes (plan totals less the outputs').
    const PlanTotals totals = plan_totals(plan);
    double everyone_seconds = totals.predicted_seconds, everyone_bytes = totals.bytes_read;
    for (const OutputPlan& output : plan.outputs) {
        everyone_seconds -= output.predicted_seconds;
        everyone_bytes -= output.bytes_read;
    }
    std::vector<RankShare> shares(static_cast<std::size_t>(ranks));
    for (RankShare& share : shares) {
        share.output_tiles.assign(plan.outputs.size(), Range{});
        share.predicted_seconds = std::max(0.0, everyone_seconds);
        share.bytes_read = std::max(0.0, everyone_bytes);
    }
    double total = 0;
    for (double weight : tiles.weights) total += weight;
    // Where each output's tiles start in the plan-order sequence, so that a rank's range converts back to tiles.
    std::vector<Extent> first_of(plan.outputs.size(), 0);
    for (std::size_t output = 1; output < plan.outputs.size(); ++output)
        first_of[output] = first_of[output - 1] + plan.outputs[output - 1].tiling.output_tile_count();
    double before = 0;  // the weight of the tiles before this one
    for (std::size_t tile = 0; tile < tiles.weights.size(); ++tile) {
        const double middle = total > 0 ? (before + tiles.weights[tile] / 2) / total
                                        : (static_cast<double>(tile) + 0.5) / static_cast<double>(tiles.weights.size());
        before += tiles.weights[tile];
        const auto rank =
            static_cast<std::size_t>(std::clamp(static_cast<int>(std::floor(middle * ranks)), 0, ranks - 1));
        const std::size_t output = tiles.owner[tile];
        const Extent index = static_cast<Extent>(tile) - first_of[output];
        RankShare& share = shares[rank];
        Range& range = share.output_tiles[output];
        if (range.length() == 0) range = {index, index};
        range.end = index + 1;
        ++share.tiles;
        share.predicted_seconds += tiles.fractions[tile] * plan.outputs[output].predicted_seconds;
        share.bytes_read += tiles.fractions[tile] * plan.outputs[output].bytes_read;
    }
    return shares;
}

}  // namespace tilesum::plan
