// The executor's side of resumable runs: what an earlier run finished (to skip), and when and what to record.
// Durability belongs to the CheckpointStore (engine/common/run_progress.hpp); this class decides the content:
//   - a piece step, once finished: its pieces saved as tensors "piece-<i>", then the step recorded done;
//   - a fused pass in progress: its members' accumulators after pass tile t ("pass-<s>-tile-<t>-piece-<i>") and
//     their compensations ("...-compensation");
//   - an output: the prefix of its tiles written (tiles finish out of order; the prefix is what is recorded), and
//     for an output summed in slabs the partial sum of the next tile ("output-<o>-tile-<t>-slab-<s>") and its
//     compensations ("...-compensation": slabs are added with compensated summation, kernels/accurate_sum.hpp).
// Mid-step records are batched (at most one per store->checkpoint_seconds()), so a tile costs a clock read.
// Without a store every call is a no-op and resumed() is all zeros.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/common/run_progress.hpp"

namespace tilesum::exec {

class Checkpoints {
public:
    Checkpoints(CheckpointStore* store, std::size_t steps, std::size_t outputs);

    // What to skip: the store's record, or zeros for a fresh run.
    const RunProgress& resumed() const { return resumed_; }
    // Loads a tensor the record names; Error{usage} when it names none such (a journal of another version).
    void load(const std::string& key, double* dst, std::size_t count);

    // Whether a mid-step record is due now.
    bool due() const;

    struct Tensor {
        std::string key;
        const double* values;
        std::size_t count;
    };
    static std::string piece_key(std::size_t piece);
    static std::string pass_key(std::size_t step, Extent tiles, std::size_t piece);
    static std::string partial_key(std::size_t output, Extent tile, Extent slabs);
    static std::string compensation_key(std::size_t output, Extent tile, Extent slabs);
    // The compensations beside the accumulator or partial sum saved under `key` (kernels/accurate_sum.hpp).
    static std::string compensation_key(const std::string& key) { return std::string(key).append("-compensation"); }

    // Saves the finished pieces of step `step` (keys piece_key) and records the step done.
    void step_done(std::size_t step, const std::vector<Tensor>& pieces);
    // Saves the accumulators of a fused pass after `tiles` pass tiles (keys pass_key) and records them.
    void pass_checkpoint(std::size_t step, Extent tiles, const std::vector<Tensor>& accumulators);
    // Records output tiles 0..tiles-1 as written; with `partial` (slabs > 0), also the partial sum of tile `tiles`
    // over its first `slabs` slabs and, unless nullptr, its compensations: `partial_count` values each.
    void output_checkpoint(std::size_t output, Extent tiles, Extent slabs = 0, const double* partial = nullptr,
                           const double* compensation = nullptr, std::size_t partial_count = 0);

private:
    void record(std::vector<std::string> current_keys);

    CheckpointStore* store_;
    RunProgress resumed_;
    RunProgress progress_;
    std::vector<std::string> finished_keys_;  // tensors of finished steps, needed until the run ends
    std::chrono::steady_clock::time_point last_record_;
};

}  // namespace tilesum::exec
