// The one TBB pipeline the executor runs tiles through, for an output, a piece alone or a fused pass: start jobs in
// tile order and allocate their leaves (serial), read the leaves and evaluate every tile of the job (parallel), hand
// the results to the caller's writer (serial), with at most `tiles_in_flight` jobs in flight, every buffer from one
// arena. What differs between an output and a pass is only which tiles a job holds and what is done with their
// results: TileStages::start and TileStages::write.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "engine/eval/tile_eval.hpp"
#include "engine/exec/executor.hpp"

namespace tilesum::exec {

// One item of the pipeline: consecutive tiles evaluated from leaves read once from storage (an output's tile; a
// pass tile; or a pair of pass tiles that read the same blocks).
struct TileJob {
    struct Tile {
        Extent index = 0;                     // in the tiling's order
        std::vector<eval::RootTile> members;  // what is evaluated, in order: one root, or a fused pass's members
        // Leaves of later members that are member `member`'s result of this tile, handed over as they are.
        struct HandOver {
            std::size_t member = 0;
            eval::LeafKey key;
        };
        std::vector<HandOver> handed_over;
        std::vector<eval::Block> results;  // one per member, made by the parallel stage
    };
    std::vector<Tile> tiles;
    std::vector<eval::LeafKey> unread;  // leaves allocated by the serial stage, read by the parallel one
    eval::LeafBlocks leaves;            // the union of the tiles' leaves from storage, each allocated once
    double flops = 0;
};

struct TileStages {
    Extent tile_count = 0;
    Extent tiles_in_flight = 1;
    // Whether `write` sees jobs in tile order; otherwise in the order they finish.
    bool write_in_order = true;
    // Serial, in tile order: fills job.tiles with the next tiles, from `next_tile` on (at least one), and returns
    // the leaves they read from storage.
    std::function<std::vector<eval::LeafKey>(Extent next_tile, TileJob& job)> start;
    // Serial: takes a job's results. The job and its buffers are freed after it returns.
    std::function<void(TileJob& job)> write;
};

// Runs tiles first_tile..tile_count-1 of `stages`, counting them in `progress` and their flops in `stats`, and
// calling control.on_progress after each job is written. When control.interrupted turns true, no further job
// is started, the jobs in flight are written, and the run ends with Error{interrupted}.
void run_tiles(const TileStages& stages, Extent first_tile, const Bindings& bindings, const eval::Schedule& schedule,
               eval::Arena& arena, Progress& progress, const RunControl& control, RunStats& stats);

TensorReader& reader_for(const Bindings& bindings, const std::string& name);

}  // namespace tilesum::exec
