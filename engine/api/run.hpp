// The one entry point that runs a plan: the CLI, the tests and every other front end call run().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/api/sources.hpp"
#include "engine/common/team.hpp"
#include "engine/plan/plan_data.hpp"

namespace tilesum {

struct Progress {
    Extent tiles_done = 0;
    Extent tiles_total = 0;
};

struct RunControl {
    // After each finished tile, from one thread at a time.
    std::function<void(const Progress&)> on_progress;
    // Notes worth telling a person before the run ends ("nothing to resume for out.h5; running from the start").
    std::function<void(const std::string&)> on_note;
    // Polled between tiles; once true, the run stops with Error{interrupted} and leaves no output. An HDF5 sink keeps
    // the resume journal as a killed run would (what it recorded as finished), and the error says so: a rerun with
    // resume continues from there.
    const std::atomic<bool>* cancel = nullptr;
    // Worker threads; 0: the plan's. Results never depend on it.
    int threads = 0;
    // The ranks of an MPI job this run is divided among (engine/common/team.hpp), the same team the HDF5 sink was
    // made with; null: this process alone. With several ranks, every rank calls run() with the same plan, and the
    // sink must be HDF5: each rank computes its share of the output tiles (plan/rank_shares.hpp) and writes them
    // into the one output file; errors of any rank are thrown on every rank as a TeamError. Results are the same
    // bits for any number of ranks.
    const Team* team = nullptr;
};

struct WrittenOutput {
    std::string name;   // the output's name ("E"), a complex output's once for both parts
    std::string where;  // "out.h5:/E", or "memory"
    Shape shape;
    DType dtype = DType::f64;
};

struct RunStats {
    double seconds = 0;
    double flops = 0;
    std::size_t arena_peak_bytes = 0;   // tile buffers at their worst moment
    std::size_t tile_budget_bytes = 0;  // what tiles could use: the budget less pieces and chunk caches
    std::size_t chunk_cache_total_bytes = 0;
    Extent tiles_total = 0;
    Extent tiles_resumed = 0;      // of which an earlier, unfinished run had done
    std::uint64_t bytes_read = 0;  // float64 bytes delivered by the inputs' readers (tiles re-read count again)
    bool resumed = false;
    int ranks = 1;  // the MPI ranks the run was divided among (RunControl::team); figures above are their sums
    std::vector<WrittenOutput> written;
};

// Runs `plan` reading its inputs from `sources` (by name) into `sink`. Before anything is read, every input the
// plan reads must be bound, with the shape, dtype and chunks the plan was made for: else Error{usage} naming the
// input and both descriptions. Errors as the CLI reports them: Error{usage} and the other user kinds for what the
// caller can fix, Error{io} for failed reads and writes, Error{interrupted} when `control.cancel` was set.
RunStats run(const plan::PlanData& plan, Sources& sources, Sink& sink, const RunControl& control = {});

// "fnv1a64 0123456789abcdef": a digest of what decides the plan's bits (its computation, not its predictions, thread
// count or budget), recorded on HDF5 outputs as attribute tilesum_plan_digest; `tilesum plan --json` prints it too.
std::string plan_digest(const plan::PlanData& plan);

}  // namespace tilesum
