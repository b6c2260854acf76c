// run(): binds a plan's inputs to their sources and its outputs to the sink, then executes it. What used to be wired
// by hand in the CLI, in one place for every front end: validation against the plan, complex parts and diagonal
// views, chunk caches, pending HDF5 datasets committed only on success, the resume journal, progress and cancel.
#include "engine/api/run.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "engine/api/counting_reader.hpp"
#include "engine/api/run_fingerprint.hpp"
#include "engine/api/run_parts.hpp"
#include "engine/api/sink_state.hpp"
#include "engine/api/source.hpp"
#include "engine/api/version.hpp"
#include "engine/common/error.hpp"
#include "engine/exec/executor.hpp"
#include "engine/plan/plan_json.hpp"
#include "io/diagonal_view_reader.hpp"
#include "io/hdf5_output.hpp"
#include "io/hdf5_reader.hpp"
#include "io/run_journal.hpp"

namespace tilesum {

namespace {

using api::bind_inputs;
using api::BoundInputs;
using api::exec_control;
using api::fill_stats;
using api::has_scratch;
using api::output_dataset;
using api::refuse_replacing_inputs;

// Spilled intermediates (plan/spill.hpp): each written into a dataset of `file` that is never committed, and read
// back through the same dataset by the outputs after it. `resuming` reopens those an earlier run left.
struct ScratchDatasets {
    std::vector<std::unique_ptr<io::Hdf5PendingDataset>> datasets;

    void bind(const plan::Plan& plan, io::Hdf5OutputFile& file, bool resuming, BoundInputs& bound) {
        for (const plan::OutputPlan& output : plan.outputs) {
            if (!output.scratch) continue;
            const Shape& shape = output.root->shape;
            datasets.push_back(resuming ? file.open_pending(output.name, shape, DType::f64)
                                        : file.create_pending(output.name, shape, DType::f64));
            bound.bindings.outputs[output.name] = datasets.back().get();
            bound.counting_readers.push_back(
                std::make_unique<api::CountingReader>(datasets.back()->reader(), bound.bytes_read));
            bound.bindings.inputs[output.name] = bound.counting_readers.back().get();
        }
    }
};

// A scratch file of this process's own in the temporary directory, for runs into memory.
std::string temporary_scratch_path() {
    static std::atomic<unsigned> count{0};
    const std::string leaf = "tilesum-scratch-" + std::to_string(::getpid()) + "-" + std::to_string(count++) + ".h5";
    return (std::filesystem::temp_directory_path() / leaf).string();
}

void run_into_memory(const plan::Instantiated& plan, BoundInputs& bound, Sink::State& sink, const RunControl& control,
                     RunStats& stats) {
    std::map<std::string, std::unique_ptr<exec::BorrowedTensor>> writers;
    // Removed when the run ends: created here, nothing is ever committed to it.
    std::unique_ptr<io::Hdf5OutputFile> scratch_file;
    ScratchDatasets scratch;
    if (has_scratch(plan.plan)) {
        scratch_file = std::make_unique<io::Hdf5OutputFile>(temporary_scratch_path());
        scratch.bind(plan.plan, *scratch_file, false, bound);
    }
    for (const plan::OutputPlan& output : plan.plan.outputs) {
        if (output.scratch) continue;
        // A complex output E arrives as its two real parts, outputs "re(E)" and "im(E)" (sources.hpp: Sink::memory).
        const Shape& shape = output.root->shape;
        double* values = nullptr;
        if (auto given = sink.into.find(output.name); given != sink.into.end()) {
            if (given->second.second != shape)
                fail(ErrorKind::usage, "output '" + output.name + "' is " + format_shape(shape) +
                                           ", but the memory given for it is " + format_shape(given->second.second));
            values = given->second.first;
        } else {
            std::vector<double>& result = sink.results[output.name];
            result.assign(static_cast<std::size_t>(element_count(shape)), 0.0);
            values = result.data();
        }
        writers[output.name] = std::make_unique<exec::BorrowedTensor>(shape, values);
        bound.bindings.outputs[output.name] = writers[output.name].get();
        stats.written.push_back({output.name, "memory", shape, output.root->dtype});
    }
    fill_stats(stats, exec::execute(plan.plan, bound.bindings, exec_control(control, nullptr)), plan.plan, bound);
}

void run_into_hdf5(const plan::PlanData& data, const plan::Instantiated& plan, BoundInputs& bound, Sink::State& sink,
                   const RunControl& control, RunStats& stats) {
    refuse_replacing_inputs(plan, bound, sink.path);
    if (!sink.file) sink.file = std::make_unique<io::Hdf5OutputFile>(sink.path);
    io::Hdf5OutputFile& out = *sink.file;
    for (const plan::OutputPlan& output : plan.plan.outputs) {
        if (output.scratch) continue;
        const std::string dataset = output_dataset(plan.program, output.name);
        if (out.has_dataset(dataset) && !sink.overwrite)
            fail(ErrorKind::usage, "output dataset '/" + dataset + "' already exists in '" + sink.path +
                                       "' (use --overwrite to replace it)");
    }
    // Every run journals its progress beside the output (io/run_journal.hpp), so that a killed run can be continued
    // with resume. The journal goes when the run ends, unless a write error left finished work worth resuming.
    const std::string digest = plan_digest(data);           // identifies the computation: journal and attributes
    std::map<std::string, const io::InputReader*> readers;  // null for memory
    for (const auto& [name, source] : bound.sources) readers[name] = source->reader.get();
    // Spilled intermediates go into a scratch file in the journal's directory: kept with it for --resume, removed
    // with it when the run ends (the file first, then the directory).
    std::unique_ptr<io::Hdf5OutputFile> scratch_file;
    io::RunJournal journal(sink.path, api::run_fingerprint(digest, readers, sink.path), sink.resume,
                           [&out, &scratch_file] {
                               out.flush_durably();
                               if (scratch_file) scratch_file->flush_durably();
                           });
    ScratchDatasets scratch;
    struct CloseScratch {
        std::unique_ptr<io::Hdf5OutputFile>& file;
        ScratchDatasets& scratch;
        ~CloseScratch() {
            scratch.datasets.clear();
            file.reset();
        }
    } close_scratch{scratch_file, scratch};
    if (sink.resume && !journal.resuming() && control.on_note)
        control.on_note("nothing to resume for " + sink.path + "; running from the start");
    stats.resumed = journal.resuming();
    auto make_pending = [&](const std::string& name, const Shape& shape, DType dtype) {
        return journal.resuming() ? out.open_pending(name, shape, dtype) : out.create_pending(name, shape, dtype);
    };
    std::vector<std::unique_ptr<io::Hdf5PendingDataset>> pending;
    std::map<std::string, io::Hdf5PendingDataset*> complex_datasets;  // by output name
    if (has_scratch(plan.plan)) {
        scratch_file = std::make_unique<io::Hdf5OutputFile>(journal.directory() + "/scratch.h5");
        scratch.bind(plan.plan, *scratch_file, journal.resuming(), bound);
    }
    for (const plan::OutputPlan& output : plan.plan.outputs) {
        if (output.scratch) continue;
        const auto part = plan.program.output_parts.find(output.name);
        if (part == plan.program.output_parts.end()) {
            pending.push_back(make_pending(output.name, output.root->shape, output.root->dtype));
            bound.bindings.outputs[output.name] = pending.back().get();
            continue;
        }
        io::Hdf5PendingDataset*& dataset = complex_datasets[part->second.name];
        if (!dataset) {
            pending.push_back(make_pending(part->second.name, output.root->shape,
                                           plan.program.complex_outputs.at(part->second.name)));
            dataset = pending.back().get();
        }
        bound.bindings.outputs[output.name] =
            &dataset->part(part->second.part == expr::Part::real ? io::ValuePart::real : io::ValuePart::imag);
    }
    out.flush_durably();  // the pending datasets' metadata, before any tile is written into them
    if (scratch_file) scratch_file->flush_durably();
    try {
        fill_stats(stats, exec::execute(plan.plan, bound.bindings, exec_control(control, &journal)), plan.plan, bound);
    } catch (const Error& error) {
        // A write error (disk full) or an interrupt (Ctrl-C) after finished work: keep what the journal recorded for
        // resume, as a killed run would. Anything else (a user error in the data), and any failure of a sink that
        // discards unfinished work (Sink::discard_unfinished), leaves the output file as it was.
        const bool interrupted = error.kind() == ErrorKind::interrupted;
        if ((error.kind() != ErrorKind::io && !interrupted) || !journal.has_progress() || !sink.keep_unfinished) throw;
        journal.keep_for_resume();
        for (auto& dataset : pending) dataset->keep_for_resume();
        for (auto& dataset : scratch.datasets) dataset->keep_for_resume();
        throw Error(error.kind(), std::string(error.what()) + "; the finished tiles are kept in '" +
                                      journal.directory() + "': rerun with --resume " +
                                      (interrupted ? "to continue" : "once this is fixed"));
    }
    // How the outputs were made, recorded on each before it becomes visible.
    std::map<std::string, std::string> attributes = sink.attributes;
    attributes["tilesum_version"] = version();
    attributes["tilesum_plan_digest"] = digest;
    for (auto& dataset : pending)
        for (const auto& [name, value] : attributes) dataset->set_attribute(name, value);
    // Only a complete run makes its outputs visible; until here they live under temporary names.
    for (auto& dataset : pending) dataset->commit(sink.overwrite);
    for (const auto& dataset : pending)
        stats.written.push_back(
            {dataset->name().substr(1), sink.path + ":" + dataset->name(), dataset->shape(), dataset->dtype()});
}

}  // namespace

std::string plan_digest(const plan::PlanData& plan) { return "fnv1a64 " + io::fnv1a_hex(plan::computation_json(plan)); }

RunStats run(const plan::PlanData& data, Sources& sources, Sink& sink, const RunControl& control) {
    if (control.team && control.team->size() > 1) return api::run_as_team(data, sources, sink, control);
    const auto start = std::chrono::steady_clock::now();
    plan::Instantiated plan = plan::instantiate(data);
    if (control.threads > 0) plan.plan.threads = control.threads;
    BoundInputs bound;
    bind_inputs(plan, sources, bound);
    RunStats stats;
    Sink::State& state = sink.state();
    if (state.kind == Sink::State::Kind::memory) {
        run_into_memory(plan, bound, state, control, stats);
    } else {
        // The output file is closed when the run ends, whatever the outcome: a file this run created and committed
        // nothing to is removed then (a failed run leaves nothing behind), a committed one can be read at once.
        struct CloseFile {
            Sink::State& sink;
            ~CloseFile() { sink.file.reset(); }
        } close_file{state};
        run_into_hdf5(data, plan, bound, state, control, stats);
    }
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
}

}  // namespace tilesum
