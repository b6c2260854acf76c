// Runs one fused pass (plan/fuse.hpp) through the tile pipeline (tile_pipeline.hpp): pass tile t reads its blocks of
// the shared input once and evaluates every member's part of it; the writer adds each part into the member's
// in-memory result, in tile order.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/exec/checkpoints.hpp"
#include "engine/exec/executor.hpp"
#include "engine/exec/memory_tensor.hpp"

namespace tilesum::exec {

// A resumed pass starts at pass tile `start` with its members' accumulators loaded; as it goes, the accumulators
// and the number of pass tiles added into them are recorded as step `step`.
struct PassCheckpoints {
    Checkpoints& checkpoints;
    std::size_t step = 0;
    Extent start = 0;
};

// Adds the pass's tiles into `results`, one per member, in the members' order.
void run_pass(const plan::FusedPass& pass, const plan::Plan& plan, const Bindings& bindings,
              const std::vector<MemoryTensor*>& results, eval::Arena& arena, Progress& progress,
              const RunControl& control, RunStats& stats, const PassCheckpoints& recording);

}  // namespace tilesum::exec
