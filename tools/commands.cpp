#include "tools/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "engine/api/machine_profile_file.hpp"
#include "engine/api/planning.hpp"
#include "engine/api/run.hpp"
#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/common/printf_string.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/plan/plan_dot.hpp"
#include "engine/plan/plan_totals.hpp"
#include "engine/plan/rank_shares.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/lexer.hpp"
#include "engine/script/location.hpp"
#include "engine/script/parser.hpp"
#include "io/text_files.hpp"
#include "tools/interrupt_guard.hpp"
#include "tools/progress_report.hpp"
#include "tools/run_report.hpp"

namespace tilesum::cli {

namespace {

// A script error, located: "seed.tsum:3:17: index 'k' is ..."
[[noreturn]] void rethrow_located(const Error& error, const std::string& path, const std::string& text) {
    std::string message = error.what();
    if (error.span()) message = script::format_location(path, text, *error.span()) + ": " + message;
    throw Error(error.kind(), message);
}

// Where input `name` is read from: --input NAME=..., else dataset /NAME of --data. `whose` names what reads it in
// the message for an input with neither ("input 'A' has no data", "input 'A' of plan 'p.json' has no data").
InputBinding locate_input(const CommandOptions& options, const std::string& name, const std::string& whose,
                          std::optional<SourceSpan> span = std::nullopt) {
    if (auto bound = options.inputs.find(name); bound != options.inputs.end()) return bound->second;
    if (options.data_path.empty())
        fail(ErrorKind::usage,
             "input '" + name + "'" + whose + " has no data: give --data IN.h5 or --input " + name + "=FILE.h5:/path",
             span);
    return {options.data_path, "/" + name};
}

// --input names an input the script or plan does not read: a typo the user wants to hear about.
void refuse_unused_bindings(const CommandOptions& options, const std::set<std::string>& inputs,
                            const std::string& whose) {
    for (const auto& [name, binding] : options.inputs)
        if (!inputs.count(name))
            fail(ErrorKind::usage, "--input " + name + ": " + whose + " has no input named '" + name + "'");
}

// Everything up to the run: the plan as data, and the sources of its inputs.
struct Session {
    Sources sources;
    Plan plan;
    // How the outputs are made, recorded on each (HDF5 attributes): the script's text, or the saved plan's file.
    std::map<std::string, std::string> provenance;
};

PlanOptions plan_options(const CommandOptions& options) {
    PlanOptions planning;
    planning.machine = load_machine_profile(locate_machine_profile(options.profile_path));
    planning.budget_bytes = options.budget_bytes;
    planning.threads = options.threads;
    planning.forced_tiles = options.tiles;
    planning.chunk_caches = hdf5_chunk_cache_traits();
    planning.strategy = options.strategy == "expand" ? Strategy::expand
                        : options.strategy == "tile" ? Strategy::tile
                                                     : Strategy::automatic;
    return planning;
}

Session prepare_script(const CommandOptions& options) {
    Session session;
    const std::string script_text = io::read_text_file(options.script_path, "script");
    expr::SplitProgram split;
    try {
        script::Script parsed = script::parse_script(script_text);
        std::set<std::string> inputs;
        for (const expr::InputUse& use : script::find_inputs(parsed)) inputs.insert(use.name);
        refuse_unused_bindings(options, inputs, "the script");
        auto resolve = [&](const expr::InputUse& use) {
            const InputBinding binding = locate_input(options, use.name, "", use.first_use);
            try {
                const expr::NodePtr input = session.sources.file(use.name, binding.file, binding.dataset).node();
                return expr::InputSpec{input->shape, input->dtype, input->chunk_shape, input->filtered};
            } catch (const Error& error) {
                // Point at the script too: the user may have misspelled the name rather than the dataset.
                std::string message = std::string(error.what()) + " (input " + script::quote_excerpt(use.name);
                throw Error(error.kind(), message + " of the script)", use.first_use);
            }
        };
        split = expr::split_complex(script::bind(parsed, resolve));
    } catch (const Error& error) {
        rethrow_located(error, options.script_path, script_text);
    }
    session.plan = plan::to_data(plan::make_plan(split.program, plan_options(options)), split);
    session.provenance = {{"tilesum_script", script_text}, {"tilesum_script_file", options.script_path}};
    return session;
}

// A saved plan (--plan) and the data it runs on: each input is opened where a script's would be; run() then refuses
// data the plan was not made for, naming the input and both shapes.
// Opens the inputs of session.plan where a script's would be; `whose` names the plan in messages.
void open_plan_inputs(const CommandOptions& options, Session& session, const std::string& plan_name) {
    std::set<std::string> inputs;  // as the script named them: X for its parts re(X) and im(X)
    for (const plan::NamedId& input : session.plan.expression.inputs) {
        const auto part = session.plan.expression.input_parts.find(input.name);
        inputs.insert(part == session.plan.expression.input_parts.end() ? input.name : part->second.name);
    }
    const std::string whose = " of plan '" + plan_name + "'";
    refuse_unused_bindings(options, inputs, "plan '" + plan_name + "'");
    for (const std::string& name : inputs) {
        const InputBinding binding = locate_input(options, name, whose);
        session.sources.file(name, binding.file, binding.dataset);
    }
}

Session prepare_saved_plan(const CommandOptions& options) {
    Session session;
    session.plan = Plan::from_json(io::read_text_file(options.plan_path, "plan"), options.plan_path);
    session.provenance = {{"tilesum_plan_file", options.plan_path}};
    open_plan_inputs(options, session, options.plan_path);
    return session;
}

Session prepare(const CommandOptions& options) {
    return options.plan_path.empty() ? prepare_script(options) : prepare_saved_plan(options);
}

// Under mpirun: rank 0 plans (or reads --plan) and sends the plan to the other ranks as data, with the provenance
// recorded on the outputs, so that every rank runs the same plan, made with rank 0's machine profile; the other
// ranks open the plan's inputs as for --plan. Errors of any rank are thrown on all (TeamError).
Session prepare_together(const CommandOptions& options, const Team& team) {
    Session session;
    together(&team, [&] {
        if (team.rank() == 0) session = prepare(options);
    });
    nlohmann::json shared;
    if (team.rank() == 0) shared = {{"plan", session.plan.to_json()}, {"provenance", session.provenance}};
    shared = nlohmann::json::parse(team.broadcast(team.rank() == 0 ? shared.dump() : ""));
    together(&team, [&] {
        if (team.rank() == 0) return;
        session.plan = Plan::from_json(shared.at("plan").get<std::string>(), "rank 0's plan");
        session.provenance = shared.at("provenance").get<std::map<std::string, std::string>>();
        open_plan_inputs(options, session, options.plan_path.empty() ? options.script_path : options.plan_path);
    });
    return session;
}

// "predicted 12 s, 250 MiB at peak of the 256 MiB budget, 3.1e+10 flops, 2.1 GiB read": announced before a run.
std::string prediction_text(const plan::PlanTotals& predicted, const plan::Plan& plan) {
    return "predicted " + format_duration(predicted.predicted_seconds) + ", " +
           format_bytes(static_cast<double>(predicted.memory_peak_bytes)) + " at peak of the " +
           format_bytes(static_cast<double>(plan.budget_bytes)) + " budget, " +
           printf_string("%.3g flops, ", predicted.flops) + format_bytes(predicted.bytes_read) + " read";
}

// A plan predicted to take longer than --max-time is refused before anything is read, with what would help: for a
// script, the predictions of the same script under larger budgets (planning is cheap; running it is not).
[[noreturn]] void refuse_over_max_time(const CommandOptions& options, const plan::PlanTotals& predicted) {
    std::string message = "the plan is predicted to take " + format_duration(predicted.predicted_seconds) +
                          ", over --max-time " + format_duration(options.max_seconds) + " (" +
                          printf_string("%.3g flops, ", predicted.flops) + format_bytes(predicted.bytes_read) +
                          " read)";
    if (!options.plan_path.empty()) {
        message +=
            "; plan again with more --memory, another --strategy or --tile (tilesum plan shows where the time "
            "goes), or raise --max-time";
        fail(ErrorKind::usage, message);
    }
    std::string larger;
    for (const std::uint64_t factor : {4, 16}) {
        CommandOptions more = options;
        more.budget_bytes = options.budget_bytes * factor;
        try {
            const plan::PlanTotals totals = plan::plan_totals(plan::instantiate(prepare_script(more).plan).plan);
            if (totals.predicted_seconds > 0.9 * predicted.predicted_seconds) continue;  // no real help
            larger += (larger.empty() ? "" : ", ") + std::string("--memory ") +
                      format_bytes(static_cast<double>(more.budget_bytes)) + ": " +
                      format_duration(totals.predicted_seconds);
        } catch (const Error&) {  // a larger budget cannot fail to plan where a smaller one did; nothing to offer
        }
    }
    message += larger.empty() ? "; a larger --memory would not help much" : "; predicted with " + larger;
    fail(ErrorKind::usage, message +
                               "; tilesum plan shows where the time goes (a --strategy or --tile may help), or raise "
                               "--max-time");
}

// `tilesum plan --ranks N`: what each rank of `mpirun -np N tilesum run` does.
std::string rank_shares_text(const plan::Plan& plan, int ranks) {
    std::string text = "\nUnder mpirun -np " + std::to_string(ranks) +
                       " (--memory and --threads per rank; shared pieces and passes are computed by every rank):\n";
    const std::vector<plan::RankShare> shares = plan::divide_among_ranks(plan, ranks);
    for (std::size_t rank = 0; rank < shares.size(); ++rank) {
        const plan::RankShare& share = shares[rank];
        std::string tiles;
        for (std::size_t output = 0; output < plan.outputs.size(); ++output) {
            const Range range = share.output_tiles[output];
            if (range.length() == 0 || plan.outputs[output].scratch) continue;
            tiles += (tiles.empty() ? "" : ", ") + plan.outputs[output].name + " tiles " + std::to_string(range.begin) +
                     ".." + std::to_string(range.end - 1);
        }
        text += printf_string("  rank %zu: %lld output tiles (%s), %s read, predicted %s\n", rank,
                              static_cast<long long>(share.tiles), tiles.empty() ? "none" : tiles.c_str(),
                              format_bytes(share.bytes_read).c_str(), format_duration(share.predicted_seconds).c_str());
    }
    return text;
}

// The same for `tilesum plan --ranks N --json` (also N = 1): one object per rank, which the scaling model reads
// (tools/bench/mpi_scaling_model.py).
nlohmann::json rank_shares_json(const plan::Plan& plan, int ranks) {
    nlohmann::json shares_json = nlohmann::json::array();
    for (const plan::RankShare& share : plan::divide_among_ranks(plan, ranks)) {
        nlohmann::json tiles = nlohmann::json::object();
        for (std::size_t output = 0; output < plan.outputs.size(); ++output)
            if (!plan.outputs[output].scratch)
                tiles[plan.outputs[output].name] = {share.output_tiles[output].begin, share.output_tiles[output].end};
        shares_json.push_back({{"output_tiles", share.tiles},
                               {"tile_ranges", tiles},
                               {"bytes_read", share.bytes_read},
                               {"predicted_seconds", share.predicted_seconds}});
    }
    return shares_json;
}

}  // namespace

int run_plan_command(const CommandOptions& options) {
    Session session = prepare(options);
    if (options.json) {
        // The summary scripts read (describe_json), and the plan itself for tilesum run --plan.
        const auto instantiated = plan::instantiate(session.plan);
        nlohmann::json document = nlohmann::json::parse(plan::describe_json(instantiated.plan));
        document["plan_digest"] = plan_digest(session.plan);
        document["plan"] = nlohmann::json::parse(session.plan.to_json());
        if (options.ranks > 0) document["ranks"] = rank_shares_json(instantiated.plan, options.ranks);
        std::cout << document.dump(1) << "\n";
    } else if (options.dot) {
        std::cout << plan::plan_dot(session.plan);
    } else {
        std::cout << session.plan.explain();
        if (options.ranks > 1) std::cout << rank_shares_text(plan::instantiate(session.plan).plan, options.ranks);
    }
    return 0;
}

int run_run_command(const CommandOptions& options, const Team& team) {
    const bool several = team.size() > 1;
    const bool speaks = team.rank() == 0;  // under mpirun, rank 0 alone prints
    // The sink before the sources: --out may be a file inputs are read from (for new datasets), and HDF5 opens a file
    // once per process; it must be opened for writing before its readers open it, which then share it.
    std::optional<Sink> sink;
    together(&team, [&] { sink = Sink::hdf5(options.out_path, options.overwrite, options.resume, &team); });
    Session session = several ? prepare_together(options, team) : prepare(options);
    plan::Plan plan;
    plan::PlanTotals predicted;
    together(&team, [&] {
        plan = plan::instantiate(session.plan).plan;
        predicted = plan::plan_totals(plan);
        if (several) {  // the slowest rank's share
            predicted.predicted_seconds = 0;
            for (const plan::RankShare& share : plan::divide_among_ranks(plan, team.size()))
                predicted.predicted_seconds = std::max(predicted.predicted_seconds, share.predicted_seconds);
        }
        if (speaks && options.max_seconds > 0 && predicted.predicted_seconds > options.max_seconds)
            refuse_over_max_time(options, predicted);
    });
    for (const auto& [name, value] : session.provenance) sink->set_attribute(name, value);
    RunStats stats;
    {
        ProgressReport progress(speaks ? options.progress : ProgressMode::never, isatty(STDERR_FILENO) != 0);
        if (speaks) progress.announce(prediction_text(predicted, plan), predicted.predicted_seconds);
        const InterruptGuard interrupt_guard;
        RunControl control;
        if (speaks)
            control.on_progress = [&](const Progress& done) { progress.update({done.tiles_done, done.tiles_total}); };
        control.on_note = [&](const std::string& note) {
            if (speaks && !options.quiet) std::cerr << "tilesum: " << note << "\n";
        };
        control.cancel = &interrupt_guard.requested();
        control.threads = options.threads;
        control.team = &team;
        stats = run(session.plan, session.sources, *sink, control);
    }
    if (!speaks) return 0;
    if (options.json) std::cout << run_report_json(plan, plan_digest(session.plan), predicted, stats) << "\n";
    if (options.quiet) return 0;
    for (const WrittenOutput& output : stats.written)
        std::cerr << "tilesum: wrote " << output.where << " " << format_shape(output.shape) << " "
                  << dtype_name(output.dtype) << "\n";
    if (stats.resumed)
        std::fprintf(stderr, "tilesum: resumed: %lld of %lld tiles were done by the unfinished run\n",
                     static_cast<long long>(stats.tiles_resumed), static_cast<long long>(stats.tiles_total));
    const std::string on_ranks = several ? " on " + std::to_string(stats.ranks) + " ranks" : "";
    std::fprintf(stderr, "tilesum: done in %.2f s%s (predicted %.3g s), %.3g flops, %s read, arena peak %s of %s%s\n",
                 stats.seconds, on_ranks.c_str(), predicted.predicted_seconds, stats.flops,
                 format_bytes(static_cast<double>(stats.bytes_read)).c_str(),
                 format_bytes(static_cast<double>(stats.arena_peak_bytes)).c_str(),
                 format_bytes(static_cast<double>(stats.tile_budget_bytes)).c_str(), several ? " per rank" : "");
    if (stats.chunk_cache_total_bytes)
        std::fprintf(stderr, "tilesum: HDF5 chunk caches %s (inside the budget; tiles split chunks)\n",
                     format_bytes(static_cast<double>(stats.chunk_cache_total_bytes)).c_str());
    return 0;
}

}  // namespace tilesum::cli
