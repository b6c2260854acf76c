// What a run has made durable, so that a killed run can be resumed (tilesum run --resume). The executor decides
// what to record and when (engine/exec/checkpoints.hpp); a CheckpointStore keeps it (io/run_journal.hpp: a journal
// beside the output file). Kept here, beside tensor_io.hpp, so that neither side depends on the other.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum {

// One entry of the plan's piece steps (Plan::piece_steps, or one per piece when the plan has none).
struct StepProgress {
    bool done = false;  // its pieces are finished and saved as tensors "piece-<index>"
    Extent tiles = 0;   // a fused pass not done: its accumulators after this many pass tiles are saved
    bool operator==(const StepProgress&) const = default;
};

// One entry of Plan::outputs.
struct OutputProgress {
    Extent tiles = 0;  // output tiles 0..tiles-1 (the tiling's order) are written to the pending dataset
    Extent slabs = 0;  // of output tile `tiles`, summed slabs 0..slabs-1 are added up in a saved partial sum
    bool operator==(const OutputProgress&) const = default;
};

struct RunProgress {
    std::vector<StepProgress> steps;
    std::vector<OutputProgress> outputs;
    std::vector<std::string> tensors;  // keys of the saved tensors this progress relies on

    bool operator==(const RunProgress&) const = default;
    bool empty() const {
        for (const StepProgress& step : steps)
            if (step.done || step.tiles > 0) return false;
        for (const OutputProgress& output : outputs)
            if (output.tiles > 0 || output.slabs > 0) return false;
        return true;
    }
};

// Durable storage of a run's progress. Called from one thread at a time (the executor's serial stages).
class CheckpointStore {
public:
    virtual ~CheckpointStore() = default;
    // What an earlier run recorded (empty vectors for a fresh run).
    virtual const RunProgress& recorded() const = 0;
    // Stores values[0..count) under `key`; durable once this returns, but used only once a record() names the key.
    virtual void save_tensor(const std::string& key, const double* values, std::size_t count) = 0;
    // Fills dst[0..count) with the values saved under `key`, which must hold exactly `count` (Error{io} otherwise).
    virtual void load_tensor(const std::string& key, double* dst, std::size_t count) = 0;
    // Makes every tile written to the outputs so far durable, then records `progress` durably: a recorded tile is
    // always on disk first. Saved tensors that `progress` no longer names may then be removed.
    virtual void record(const RunProgress& progress) = 0;
    // How often the executor records progress in the middle of a step or output (0: after every tile).
    virtual double checkpoint_seconds() const = 0;
};

}  // namespace tilesum
