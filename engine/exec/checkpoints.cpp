#include "engine/exec/checkpoints.hpp"

#include <algorithm>

#include "engine/common/error.hpp"

namespace tilesum::exec {

Checkpoints::Checkpoints(CheckpointStore* store, std::size_t steps, std::size_t outputs)
    : store_(store), last_record_(std::chrono::steady_clock::now()) {
    resumed_.steps.resize(steps);
    resumed_.outputs.resize(outputs);
    if (store_ && !store_->recorded().empty()) {
        // The store checked the fingerprint (same script, inputs and plan), so the shapes agree.
        TILESUM_ASSERT(store_->recorded().steps.size() == steps && store_->recorded().outputs.size() == outputs);
        resumed_ = store_->recorded();
        // The partial sum of an output summed in slabs must be one the record names. A journal of a tilesum that
        // named them otherwise (before "slab": "output-<o>-tile-<t>-chunk-<c>") names none this one can load.
        for (std::size_t output = 0; output < outputs; ++output) {
            const OutputProgress& progress = resumed_.outputs[output];
            if (progress.slabs == 0) continue;
            const std::string key = partial_key(output, progress.tiles, progress.slabs);
            if (std::find(resumed_.tensors.begin(), resumed_.tensors.end(), key) == resumed_.tensors.end())
                fail(ErrorKind::usage, "--resume: the unfinished run's journal does not name the partial sum '" + key +
                                           "' (it was written by another version of tilesum); run without --resume "
                                           "to start over");
        }
    }
    progress_ = resumed_;
    // The finished pieces stay needed until the run ends: those of the record's tensors named piece-*.
    for (const std::string& key : resumed_.tensors)
        if (key.rfind("piece-", 0) == 0) finished_keys_.push_back(key);
}

void Checkpoints::load(const std::string& key, double* dst, std::size_t count) {
    TILESUM_ASSERT(store_);
    // A record of a tilesum that saved no compensations (before accurate sums) names partial sums without them.
    if (std::find(resumed_.tensors.begin(), resumed_.tensors.end(), key) == resumed_.tensors.end())
        fail(ErrorKind::usage, "--resume: the unfinished run's journal does not name '" + key +
                                   "' (it was written by another version of tilesum); run without --resume to start "
                                   "over");
    store_->load_tensor(key, dst, count);
}

bool Checkpoints::due() const {
    if (!store_) return false;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_record_).count();
    return elapsed >= store_->checkpoint_seconds();
}

std::string Checkpoints::piece_key(std::size_t piece) { return "piece-" + std::to_string(piece); }

std::string Checkpoints::pass_key(std::size_t step, Extent tiles, std::size_t piece) {
    std::string key = "pass-" + std::to_string(step);
    key += "-tile-" + std::to_string(tiles);
    key += "-piece-" + std::to_string(piece);
    return key;
}

std::string Checkpoints::partial_key(std::size_t output, Extent tile, Extent slabs) {
    std::string key = "output-" + std::to_string(output);
    key += "-tile-" + std::to_string(tile);
    key += "-slab-" + std::to_string(slabs);
    return key;
}

std::string Checkpoints::compensation_key(std::size_t output, Extent tile, Extent slabs) {
    return compensation_key(partial_key(output, tile, slabs));
}

void Checkpoints::step_done(std::size_t step, const std::vector<Tensor>& pieces) {
    if (!store_) return;
    for (const Tensor& piece : pieces) {
        store_->save_tensor(piece.key, piece.values, piece.count);
        finished_keys_.push_back(piece.key);
    }
    progress_.steps.at(step) = {true, 0};
    record({});
}

void Checkpoints::pass_checkpoint(std::size_t step, Extent tiles, const std::vector<Tensor>& accumulators) {
    if (!store_) return;
    std::vector<std::string> keys;
    for (const Tensor& accumulator : accumulators) {
        store_->save_tensor(accumulator.key, accumulator.values, accumulator.count);
        keys.push_back(accumulator.key);
    }
    progress_.steps.at(step) = {false, tiles};
    record(std::move(keys));
}

void Checkpoints::output_checkpoint(std::size_t output, Extent tiles, Extent slabs, const double* partial,
                                    const double* compensation, std::size_t partial_count) {
    if (!store_) return;
    const OutputProgress next{tiles, partial ? slabs : 0};
    if (progress_.outputs.at(output) == next) {
        last_record_ = std::chrono::steady_clock::now();
        return;
    }
    std::vector<std::string> keys;
    if (partial) {
        keys.push_back(partial_key(output, tiles, slabs));
        store_->save_tensor(keys.back(), partial, partial_count);
        if (compensation) {
            keys.push_back(compensation_key(output, tiles, slabs));
            store_->save_tensor(keys.back(), compensation, partial_count);
        }
    }
    progress_.outputs[output] = next;
    record(std::move(keys));
}

void Checkpoints::record(std::vector<std::string> current_keys) {
    progress_.tensors = finished_keys_;
    progress_.tensors.insert(progress_.tensors.end(), current_keys.begin(), current_keys.end());
    store_->record(progress_);
    last_record_ = std::chrono::steady_clock::now();
}

}  // namespace tilesum::exec
