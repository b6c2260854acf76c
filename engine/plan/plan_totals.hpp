// A whole plan's numbers, summed over shared pieces, fused passes and outputs: what `tilesum run` announces before
// it starts (and refuses over --max-time), what `tilesum plan --json` and `tilesum run --json` report at top level.
#pragma once

#include <cstddef>

#include "engine/plan/plan.hpp"

namespace tilesum::plan {

struct PlanTotals {
    double flops = 0;
    double bytes_read = 0;
    double predicted_seconds = 0;
    // The largest tile-buffer peak of any step (outputs and passes run one after another), tiles in flight counted.
    std::size_t tile_peak_bytes = 0;
    // What the run is predicted to hold at its worst: the tile peak, the shared pieces and the HDF5 chunk caches.
    std::size_t memory_peak_bytes = 0;
};

PlanTotals plan_totals(const Plan& plan);

}  // namespace tilesum::plan
