// The one cost model every planner pass prices with: how big a tile should be, and how long a piece of work takes
// on this machine (MachineProfile). Tuning lives here only, so that the output tiler (planner.cpp) and the pass
// fuser (fuse.cpp) cannot drift apart.
#pragma once

#include <cstddef>

#include "engine/plan/plan.hpp"

namespace tilesum::plan::cost {

// Each tile aims at a quarter of the budget so that at least four tiles can be in flight: reading the next
// tiles overlaps computing the current ones on two cores. A tile that only fits the whole budget still runs,
// one at a time.
inline constexpr std::size_t tiles_in_flight_target = 4;
// ... and at most this much: a tile's buffers are touched several times over while it is computed, and beyond a
// few tens of MiB each pass streams from DRAM instead of cache (measured: the seed at n = q = 400 tiled as written
// takes 0.42 s with 8 MiB tiles, 1.6 s with 250 MiB tiles). GEMM-shaped tiles are as fast at this size.
inline constexpr std::size_t tile_bytes_cap = std::size_t{32} << 20;
// Below this many tiles an output is split further, so that the workers have something to share.
inline constexpr Extent minimum_tile_count = 8;

// Predicted seconds of an output, piece or pass: one pipeline (seconds_per_pass), its tiles, its flops, its bytes
// read and the contiguous runs they come in.
inline double seconds(const OutputPlan& work, const MachineProfile& machine) {
    return machine.seconds_per_pass + static_cast<double>(work.tiling.tile_count()) * machine.seconds_per_tile +
           work.flops / machine.flops_per_second + work.bytes_read / machine.read_bytes_per_second +
           work.read_runs * machine.seconds_per_run;
}

}  // namespace tilesum::plan::cost
