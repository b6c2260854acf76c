// Runs one output of the plan, or one shared piece alone, through the tile pipeline (tile_pipeline.hpp): each job is
// one tile of the output's tiling (output tile major, slab minor); finished tiles go to the output's writer, the slabs
// added in order first.
#pragma once

#include <cstddef>
#include <optional>

#include "engine/eval/tile_eval.hpp"
#include "engine/exec/checkpoints.hpp"
#include "engine/exec/executor.hpp"

namespace tilesum::exec {

// An output of the plan (not a piece) records its progress: which output tiles are written, and for one summed
// in slabs, the partial sum of the tile in progress.
struct OutputCheckpoints {
    Checkpoints& checkpoints;
    std::size_t output = 0;  // index into Plan::outputs
};

// Writes `output` to bindings.outputs[output.name]. With `recording`, starts where the earlier run's record says
// and records progress as it goes. With `share`, only output tiles [share.begin, share.end) (an MPI rank's share,
// plan/rank_shares.hpp; never with a resumed record), each whole: its slabs are added in the usual order.
void run_output(const plan::OutputPlan& output, const eval::Schedule& schedule, const Bindings& bindings,
                eval::Arena& arena, Progress& progress, const RunControl& control, RunStats& stats,
                const OutputCheckpoints* recording = nullptr, std::optional<Range> share = std::nullopt);

}  // namespace tilesum::exec
