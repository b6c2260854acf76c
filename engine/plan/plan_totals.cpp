#include "engine/plan/plan_totals.hpp"

#include <algorithm>

namespace tilesum::plan {

PlanTotals plan_totals(const Plan& plan) {
    PlanTotals totals;
    for (const OutputPlan& output : plan.outputs) {
        totals.flops += output.flops;
        totals.bytes_read += output.bytes_read;
        totals.predicted_seconds += output.predicted_seconds;
        totals.tile_peak_bytes =
            std::max(totals.tile_peak_bytes, output.peak_bytes * static_cast<std::size_t>(output.tiles_in_flight));
    }
    for (const OutputPlan& piece : plan.pieces) {
        totals.flops += piece.flops;
        totals.bytes_read += piece.bytes_read;
        totals.predicted_seconds += piece.predicted_seconds;
    }
    // A fused pass stands in for its members' own passes: their numbers are replaced by the pass's.
    for (const FusedPass& pass : plan.passes) {
        for (const PassMember& member : pass.members) {
            totals.flops -= plan.pieces[member.piece].flops;
            totals.bytes_read -= plan.pieces[member.piece].bytes_read;
        }
        totals.flops += pass.flops;
        totals.bytes_read += pass.bytes_read;
        totals.predicted_seconds += pass.predicted_seconds - pass.separate_seconds;
        totals.tile_peak_bytes =
            std::max(totals.tile_peak_bytes, pass.peak_bytes * static_cast<std::size_t>(pass.tiles_in_flight));
    }
    totals.memory_peak_bytes = totals.tile_peak_bytes + plan.piece_bytes + plan.chunk_cache_total_bytes;
    return totals;
}

}  // namespace tilesum::plan
