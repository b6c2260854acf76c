// What a run's result depends on, for tilesum run --resume to refuse continuing a different run: the plan's digest
// (run.hpp's plan_digest: a hash of its computation, plan/plan_json.hpp: the expression, paths, tilings, pieces and passes, without what does not change a
// bit of the result: thread count, tiles in flight, budget and cache sizes, predictions), and each input's identity
// (file, dataset, shape, dtype, file size and modification time; not the last two for an input read from the output
// file itself, which the run writes; an input in the caller's memory (a null reader) by its name only: its values
// are taken to be the same). A run of a script and a run of the plan saved from it have the same fingerprint.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "io/input_reader.hpp"
#include "io/run_journal.hpp"

namespace tilesum::api {

io::Fingerprint run_fingerprint(const std::string& plan_digest,
                                const std::map<std::string, const io::InputReader*>& readers,
                                const std::string& out_path);

}  // namespace tilesum::api
