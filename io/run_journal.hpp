// The journal of a resumable run (tilesum run --resume), kept beside the output file in OUT.h5.tilesum-resume/:
//   journal          what the run has finished (RunProgress) and what it depends on (a Fingerprint), as text;
//   <key>.bin        the tensors that progress relies on: finished pieces, pass accumulators, partial sums.
// Durability order (record()): the outputs are flushed and fsynced first, then the journal is rewritten whole
// (written to journal.tmp, fsynced, renamed over journal, directory fsynced): a recorded tile is always on disk
// before the record, and a record is never seen half written. A tensor file is likewise complete (written, fsynced,
// renamed) before a record names it, and each key names one content (it carries the tile count), so no record can
// ever point at a tensor that changed under it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/run_progress.hpp"

namespace tilesum::io {

// One thing a run's result depends on: key "script", "plan" or "input:NAME"; value one line of text (a hash, or a
// description of an input file) compared as is.
struct FingerprintPart {
    std::string key;
    std::string value;
    bool operator==(const FingerprintPart&) const = default;
};
using Fingerprint = std::vector<FingerprintPart>;

// "0123456789abcdef": FNV-1a, 64 bits. Not cryptographic: it tells an edited script from the one recorded.
std::string fnv1a_hex(const std::string& text);

// std::nullopt when `now` matches `recorded`; else one line saying what differs, first difference only:
// "the script differs from the unfinished run's", "input 'A' differs from the unfinished run's (was ..., now ...)".
std::optional<std::string> fingerprint_mismatch(const Fingerprint& recorded, const Fingerprint& now);

struct JournalContents {
    Fingerprint fingerprint;
    RunProgress progress;
    bool operator==(const JournalContents&) const = default;
};

// The journal's text:
//   tilesum-journal 1
//   fingerprint KEY VALUE         one per part
//   step done | step tiles T      one per piece step, in order
//   output TILES SLABS            one per output, in order
//   tensor KEY                    one per saved tensor
//   end
std::string format_journal(const JournalContents& contents);
// Error(io) naming `path` for anything else (a damaged journal is not guessed at).
JournalContents parse_journal(const std::string& text, const std::string& path);

// OUT.h5 -> OUT.h5.tilesum-resume
std::string journal_directory_for(const std::string& output_path);

class RunJournal final : public CheckpointStore {
public:
    // With resume, opens the journal an unfinished run left beside `output_path` and checks its fingerprint:
    // Error(usage) "--resume: ...; run without --resume to start over" on a mismatch. Without resume (or with nothing
    // to resume), removes any stale journal and starts a fresh one recording `fingerprint`. `make_outputs_durable`
    // flushes and fsyncs the outputs (record() calls it first).
    RunJournal(const std::string& output_path, Fingerprint fingerprint, bool resume,
               std::function<void()> make_outputs_durable);
    // Removes the journal directory unless keep_for_resume() was called: a run that ends (committed, or failed
    // with nothing worth resuming) leaves nothing beside its output. A killed run leaves it all. Never throws.
    ~RunJournal() override;
    RunJournal(const RunJournal&) = delete;
    RunJournal& operator=(const RunJournal&) = delete;

    bool resuming() const { return resuming_; }  // an earlier run's progress was found and will be continued
    // Whether any finished work is recorded (by an earlier run or this one): worth keeping when the run fails.
    bool has_progress() const { return !progress_.empty(); }
    const std::string& directory() const { return directory_; }
    // The run failed with work worth resuming: the journal stays for tilesum run --resume.
    void keep_for_resume() { kept_ = true; }

    const RunProgress& recorded() const override { return recorded_; }
    void save_tensor(const std::string& key, const double* values, std::size_t count) override;
    void load_tensor(const std::string& key, double* dst, std::size_t count) override;
    void record(const RunProgress& progress) override;
    // $TILESUM_CHECKPOINT_SECONDS if set (0 records after every tile; tests use it), else 1 s.
    double checkpoint_seconds() const override { return checkpoint_seconds_; }

private:
    void write_journal(const JournalContents& contents);
    std::string tensor_path(const std::string& key) const;

    std::string directory_;
    Fingerprint fingerprint_;
    std::function<void()> make_outputs_durable_;
    RunProgress recorded_;  // what the earlier run left
    RunProgress progress_;  // the latest record
    bool resuming_ = false;
    bool kept_ = false;
    double checkpoint_seconds_ = 1.0;
};

}  // namespace tilesum::io
