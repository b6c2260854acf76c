// Runs a Plan: for each output, a TBB pipeline starts tiles in order (serial: it allocates their leaves), reads
// each tile's input hyperslabs and evaluates it (parallel; HDF5's reads still serialize on its global lock, direct
// reads do not), and writes finished tiles (serial). The number of tiles in flight is the plan's, so every buffer
// fits the budget of one arena.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/common/run_progress.hpp"
#include "engine/common/tensor_io.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::exec {

struct Progress {
    Extent tiles_done = 0;
    Extent tiles_total = 0;
};

// A spilled intermediate (OutputPlan::scratch) is bound twice under its name: as an output, where its tiles go,
// and as an input, what the outputs after it read back. Left unbound, it is held in memory.
struct Bindings {
    std::map<std::string, TensorReader*> inputs;   // by input name
    std::map<std::string, TensorWriter*> outputs;  // by output name
};

struct RunStats {
    std::size_t arena_peak_bytes = 0;
    double flops = 0;
    Extent tiles_total = 0;
    Extent tiles_resumed = 0;  // of which an earlier run had done (RunControl::checkpoints)
};

struct RunControl {
    std::function<void(const Progress&)> on_progress;  // called after each written tile, from one thread at a time
    // Polled before each tile is started; when it turns true the run stops with Error{interrupted}, so the
    // caller's cleanup (no half-written outputs) runs as for any other failure.
    const std::atomic<bool>* interrupted = nullptr;
    // Resumable runs (engine/exec/checkpoints.hpp): what an earlier run of this plan recorded is skipped (its
    // pieces, pass accumulators and partial sums loaded back, its output tiles left as written), and progress is
    // recorded as the run goes. The outputs must be the pending datasets that earlier run wrote into.
    CheckpointStore* checkpoints = nullptr;
    // This rank's share of each output (by Plan::outputs index) under MPI: [begin, end) in output tiles
    // (plan/rank_shares.hpp). Empty: every tile of every output. Pieces and passes always run whole.
    std::vector<Range> output_tiles;
};

RunStats execute(const plan::Plan& plan, const Bindings& bindings, const RunControl& control = {});

}  // namespace tilesum::exec
