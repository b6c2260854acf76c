// run() for a team of several MPI ranks (RunControl::team; issue 15): every rank binds the same plan, the output
// file is opened and its datasets created by all ranks together (parallel HDF5 changes metadata collectively), each
// rank computes and writes its own share of the output tiles, and all commit together. Between these steps the
// ranks agree on failures (together(), engine/common/team.hpp): a rank that fails never leaves another waiting in a
// collective call, and every rank throws the same error.
//
// Not in this slice, and refused with a user error rather than run differently: --resume (no journal is kept, so a
// failed run leaves nothing: its pending datasets are removed, as is an output file it created), spilled
// intermediates (they are written to a scratch file then read back by later outputs), memory sinks.
#include <chrono>
#include <memory>
#include <vector>

#include "engine/api/run_parts.hpp"
#include "engine/api/sink_state.hpp"
#include "engine/api/version.hpp"
#include "engine/common/error.hpp"
#include "engine/plan/rank_shares.hpp"
#include "io/hdf5_output.hpp"

namespace tilesum::api {

namespace {

void check_team_run(const plan::Instantiated& plan, const Sink::State& sink, const Team& team) {
    if (sink.kind != Sink::State::Kind::hdf5)
        fail(ErrorKind::usage, "a run of several MPI ranks writes its outputs to HDF5, not to memory");
    TILESUM_ASSERT(sink.team == &team);
    if (sink.resume)
        fail(ErrorKind::unsupported,
             "--resume under mpirun with more than one rank is not supported yet (no run of several ranks keeps a "
             "journal to resume from); run without --resume, or resume a single-process run with one process");
    if (has_scratch(plan.plan))
        fail(ErrorKind::unsupported,
             "the plan spills an intermediate larger than --memory to scratch storage, which runs of several MPI "
             "ranks do not support yet; give more --memory, or run it with one process");
}

// The output datasets, created under temporary names by every rank (hdf5_output.hpp): the writers of each output.
std::vector<std::unique_ptr<io::Hdf5PendingDataset>> create_outputs(const plan::Instantiated& plan,
                                                                    io::Hdf5OutputFile& out, const Sink::State& sink,
                                                                    BoundInputs& bound) {
    for (const plan::OutputPlan& output : plan.plan.outputs) {
        const std::string dataset = output_dataset(plan.program, output.name);
        if (out.has_dataset(dataset) && !sink.overwrite)
            fail(ErrorKind::usage, "output dataset '/" + dataset + "' already exists in '" + sink.path +
                                       "' (use --overwrite to replace it)");
    }
    std::vector<std::unique_ptr<io::Hdf5PendingDataset>> pending;
    std::map<std::string, io::Hdf5PendingDataset*> complex_datasets;  // by dataset name
    for (const plan::OutputPlan& output : plan.plan.outputs) {
        const auto part = plan.program.output_parts.find(output.name);
        if (part == plan.program.output_parts.end()) {
            pending.push_back(out.create_pending(output.name, output.root->shape, output.root->dtype));
            bound.bindings.outputs[output.name] = pending.back().get();
            continue;
        }
        io::Hdf5PendingDataset*& dataset = complex_datasets[part->second.name];
        if (!dataset) {
            pending.push_back(out.create_pending(part->second.name, output.root->shape,
                                                 plan.program.complex_outputs.at(part->second.name)));
            dataset = pending.back().get();
        }
        bound.bindings.outputs[output.name] =
            &dataset->part(part->second.part == expr::Part::real ? io::ValuePart::real : io::ValuePart::imag);
    }
    out.flush_durably();
    return pending;
}

// The whole team's figures: work summed over the ranks, the arena's peak the largest of any rank.
void gather_stats(const Team& team, RunStats& stats) {
    stats.flops = team.sum(stats.flops);
    stats.bytes_read = static_cast<std::uint64_t>(team.sum(static_cast<double>(stats.bytes_read)));
    stats.arena_peak_bytes = static_cast<std::size_t>(team.max(static_cast<double>(stats.arena_peak_bytes)));
    stats.tiles_total = static_cast<Extent>(team.sum(static_cast<double>(stats.tiles_total)));
}

}  // namespace

RunStats run_as_team(const plan::PlanData& data, Sources& sources, Sink& sink, const RunControl& control) {
    const auto start = std::chrono::steady_clock::now();
    const Team& team = *control.team;
    Sink::State& state = sink.state();
    plan::Instantiated plan;
    BoundInputs bound;
    std::vector<plan::RankShare> shares;
    together(&team, [&] {
        plan = plan::instantiate(data);
        if (control.threads > 0) plan.plan.threads = control.threads;
        check_team_run(plan, state, team);
        bind_inputs(plan, sources, bound);
        refuse_replacing_inputs(plan, bound, state.path);
        shares = plan::divide_among_ranks(plan.plan, team.size());
    });
    // Closed whatever the outcome, by every rank (H5Fclose is collective): a file this run created and committed
    // nothing to is then removed by rank 0.
    struct CloseFile {
        Sink::State& sink;
        ~CloseFile() { sink.file.reset(); }
    } close_file{state};
    std::vector<std::unique_ptr<io::Hdf5PendingDataset>> pending;
    together(&team, [&] {
        if (!state.file) state.file = std::make_unique<io::Hdf5OutputFile>(state.path, &team);
        pending = create_outputs(plan, *state.file, state, bound);
    });
    RunStats stats;
    together(&team, [&] {
        exec::RunControl executing = exec_control(control, nullptr);
        executing.output_tiles = shares.at(static_cast<std::size_t>(team.rank())).output_tiles;
        fill_stats(stats, exec::execute(plan.plan, bound.bindings, executing), plan.plan, bound);
    });
    together(&team, [&] {
        std::map<std::string, std::string> attributes = state.attributes;
        attributes["tilesum_version"] = version();
        attributes["tilesum_plan_digest"] = plan_digest(data);
        for (auto& dataset : pending)
            for (const auto& [name, value] : attributes) dataset->set_attribute(name, value);
        for (auto& dataset : pending) dataset->commit(state.overwrite);
    });
    for (const auto& dataset : pending)
        stats.written.push_back(
            {dataset->name().substr(1), state.path + ":" + dataset->name(), dataset->shape(), dataset->dtype()});
    gather_stats(team, stats);
    stats.ranks = team.size();
    stats.seconds = team.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return stats;
}

}  // namespace tilesum::api
