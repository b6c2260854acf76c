// The one cost model every planner pass prices with: how big a tile should be, how many tiles run at once, and how
// long a piece of work takes on this machine (MachineProfile). Tuning lives here only, so that the output tiler
// (tile_sizes.cpp, tile_output.cpp) and the pass fuser (fuse.cpp) cannot drift apart.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>

#include "engine/plan/plan.hpp"
#include "engine/plan/tile_kind.hpp"

namespace tilesum::plan::cost {

// Each tile aims at a quarter of the budget so that at least four tiles can be in flight: reading the next
// tiles overlaps computing the current ones on two cores. A tile that only fits the whole budget still runs,
// one at a time.
inline constexpr std::size_t tiles_in_flight_target = 4;
// ... and at most this much, when the tile materializes slices (tile_kind.hpp): its buffers are touched several
// times over while it is computed, and beyond a few tens of MiB each pass streams from DRAM instead of cache
// (measured: the seed at n = q = 400 tiled as written takes 0.42 s with 8 MiB tiles, 1.6 s with 250 MiB tiles).
inline constexpr std::size_t tile_bytes_cap = std::size_t{32} << 20;
// A GEMM-shaped tile is not capped: BLAS blocks for cache itself, while a larger tile re-reads its inputs fewer
// times (a matrix product reads A once per column block of the output, B once per row block). It may take half
// the budget: two tiles in flight, one reading while the other computes, keep work bound by its flops busy.
inline constexpr std::size_t gemm_tiles_in_flight_target = 2;
// Below this many tiles an output is split further, so that the workers have something to share.
inline constexpr Extent minimum_tile_count = 8;

// The bytes one tile of this kind aims at under a budget: its share of the tiles in flight, at most the cap for a
// tile that materializes slices.
inline std::size_t tile_target_bytes(std::size_t budget_bytes, TileKind kind = TileKind::materializing) {
    if (kind == TileKind::gemm) return budget_bytes / gemm_tiles_in_flight_target;
    return std::min(budget_bytes / tiles_in_flight_target, tile_bytes_cap);
}

// Tiles in flight: as many tiles of `peak_bytes` as the budget holds (less `held_tiles` tiles the
// pipeline keeps besides, at least one), at most two per thread and at most every tile.
inline int tiles_in_flight(std::size_t budget_bytes, std::size_t peak_bytes, int threads, Extent tile_count,
                           std::size_t held_tiles = 0) {
    const std::size_t fitting =
        std::max<std::size_t>(1, budget_bytes / std::max<std::size_t>(peak_bytes, 1) - held_tiles);
    return static_cast<int>(
        std::min<std::size_t>({fitting, static_cast<std::size_t>(2 * threads), static_cast<std::size_t>(tile_count)}));
}

// The share of the profile's rates a pipeline gets. The rates are of calibrate's threads together (its tiles, its
// column sums by the executor, its first writes: all on every thread at once), and a pipeline keeps at most
// min(threads, tiles in flight) of its threads busy. An MP2 energy in one tile read and faulted in its buffers at
// half the rates a column sum in 17 tiles did; both were predicted at the full rates before.
inline double rate_share(int busy_threads, const MachineProfile& machine) {
    const double calibrated = std::max(1.0, machine.calibrated_threads);
    return std::min(static_cast<double>(std::max(busy_threads, 1)), calibrated) / calibrated;
}

// Threads a pipeline keeps busy: one per tile in flight, at most the run's.
inline int busy_threads(int threads, int tiles_in_flight) { return std::max(1, std::min(threads, tiles_in_flight)); }

// Predicted seconds of one pipeline of `tile_count` tiles (seconds_per_pass) on `busy` threads: each kind of kernel
// work at its own rate, the bytes read at the rate of their storage layout, and the contiguous runs they come in,
// all at the pipeline's share of the rates. Compute and reads are added, not overlapped: tiles are read and computed
// by the same few threads.
inline double seconds(Extent tile_count, const WorkSplit& split, double bytes_read, double read_runs,
                      const MachineProfile& machine, int busy = std::numeric_limits<int>::max()) {
    const double plain_chunked_bytes = split.chunked_bytes_read - split.filtered_bytes_read;
    const double contiguous_bytes = bytes_read - split.chunked_bytes_read;
    const double work_seconds =
        static_cast<double>(tile_count) * machine.seconds_per_tile +
        split.kernels.gemm_flops / machine.gemm_flops_per_second +
        split.kernels.reduction_flops / machine.reduction_flops_per_second +
        split.kernels.fused_operations / machine.fused_operations_per_second +
        split.kernels.fused_rows * machine.seconds_per_fused_row +
        split.kernels.elementwise_bytes / machine.elementwise_bytes_per_second +
        contiguous_bytes / machine.read_bytes_per_second + plain_chunked_bytes / machine.chunked_read_bytes_per_second +
        split.filtered_bytes_read / machine.filtered_read_bytes_per_second + read_runs * machine.seconds_per_run;
    return machine.seconds_per_pass + work_seconds / rate_share(busy, machine);
}

// Predicted seconds of faulting in a pipeline's buffers: the arena keeps freed buffers for the next tiles, so each
// busy thread's tile buffers are first written once per pipeline (a column sum with 4 tiles of 32 MiB in flight on
// 2 threads peaked at 64 MiB in the arena). Small next to the work of many tiles; for a plan of a few large tiles
// (an MP2 energy in one 120 MiB tile) it is most of the run.
inline double first_touch_seconds(std::size_t peak_bytes, int busy, const MachineProfile& machine) {
    return static_cast<double>(peak_bytes) * static_cast<double>(std::max(busy, 1)) /
           (machine.first_touch_bytes_per_second * rate_share(busy, machine));
}

// ... of an output or piece on `threads` threads, its buffers' first touch included.
inline double seconds(const OutputPlan& work, const MachineProfile& machine, int threads) {
    const int busy = busy_threads(threads, work.tiles_in_flight);
    return seconds(work.tiling.tile_count(), work.split, work.bytes_read, work.read_runs, machine, busy) +
           first_touch_seconds(work.peak_bytes, busy, machine);
}

// ... of an output run as a streamed GEMM (streamed_gemm.hpp): its reads run on a thread of their own while BLAS
// multiplies the slab before, so the slower of the two bounds it, not their sum.
inline double streamed_gemm_seconds(const OutputPlan& work, const MachineProfile& machine) {
    const WorkSplit& split = work.split;
    const double compute = split.kernels.gemm_flops / machine.gemm_flops_per_second +
                           split.kernels.reduction_flops / machine.reduction_flops_per_second +
                           split.kernels.elementwise_bytes / machine.elementwise_bytes_per_second;
    const double all = seconds(work.tiling.tile_count(), split, work.bytes_read, work.read_runs, machine);
    const double reads = all - compute - machine.seconds_per_pass -
                         static_cast<double>(work.tiling.tile_count()) * machine.seconds_per_tile;
    return all - std::min(compute, reads) + first_touch_seconds(work.peak_bytes, work.tiles_in_flight, machine);
}

}  // namespace tilesum::plan::cost
