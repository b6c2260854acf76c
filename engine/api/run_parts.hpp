// The steps of run() (run.hpp) that a run alone (run.cpp) and a run of several MPI ranks (run_team.cpp) share:
// binding the plan's inputs to readers, naming and guarding its output datasets, and the stats.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/api/counting_reader.hpp"
#include "engine/api/run.hpp"
#include "engine/api/source.hpp"
#include "engine/exec/executor.hpp"
#include "engine/plan/plan_data.hpp"
#include "io/diagonal_view_reader.hpp"
#include "io/input_reader.hpp"

namespace tilesum::api {

// The plan's inputs bound to readers: sources as they are, the imaginary part of a complex source through a second
// reader of it, and diagonal views through their base's reader.
struct BoundInputs {
    std::map<std::string, std::unique_ptr<io::InputReader>> part_readers;
    std::atomic<std::uint64_t> bytes_read{0};
    std::vector<std::unique_ptr<api::CountingReader>> counting_readers;  // one per input, views read through them
    std::vector<std::unique_ptr<io::DiagonalViewReader>> view_readers;
    std::map<std::string, const Sources::Source*> sources;  // by the plan's input name
    exec::Bindings bindings;
};

// Error{usage} naming the input when a source is missing or differs from what the plan was made for.
void bind_inputs(const plan::Instantiated& plan, const Sources& sources, BoundInputs& bound);

// The name of the dataset each output is written to: re(E) and im(E) share the one complex dataset /E.
std::string output_dataset(const expr::SplitProgram& program, const std::string& output);

// An output never replaces a dataset the run reads, not even with overwrite: the run would destroy the data it was
// computed from (and, when it fails, leave neither). Other datasets of an input file may be replaced.
void refuse_replacing_inputs(const plan::Instantiated& plan, const BoundInputs& bound, const std::string& out_path);

exec::RunControl exec_control(const RunControl& control, CheckpointStore* checkpoints);

void fill_stats(RunStats& stats, const exec::RunStats& executed, const plan::Plan& plan, const BoundInputs& bound);

bool has_scratch(const plan::Plan& plan);

// run() for RunControl::team of several ranks (run_team.cpp).
RunStats run_as_team(const plan::PlanData& data, Sources& sources, Sink& sink, const RunControl& control);

}  // namespace tilesum::api
