// What a run's result depends on, for tilesum run --resume to refuse continuing a different run: the script text,
// the plan (tilesum plan --json without what does not change a bit of the result: thread count, tiles in flight,
// predicted times, peak bytes, budget and cache sizes, the machine profile's figures), and each input's identity
// (file, dataset, shape, dtype, file size and modification time; not the last two for an input read from the output
// file itself, which the run writes).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/plan/plan.hpp"
#include "io/input_reader.hpp"
#include "io/run_journal.hpp"

namespace tilesum::cli {

io::Fingerprint run_fingerprint(const std::string& script_text, const plan::Plan& plan,
                                const std::map<std::string, std::unique_ptr<io::InputReader>>& readers,
                                const std::string& out_path);

// The plan as it matters for the result's bits: describe_json without the keys named above.
std::string plan_identity(const plan::Plan& plan);

}  // namespace tilesum::cli
