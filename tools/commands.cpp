#include "tools/commands.hpp"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/api/planning.hpp"
#include "engine/api/run.hpp"
#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/common/printf_string.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/plan/plan_dot.hpp"
#include "engine/plan/plan_totals.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/lexer.hpp"
#include "engine/script/location.hpp"
#include "engine/script/parser.hpp"
#include "io/text_files.hpp"
#include "tools/interrupt_guard.hpp"
#include "tools/profile_location.hpp"
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
    planning.machine = load_profile(locate_profile(options.profile_path));
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
Session prepare_saved_plan(const CommandOptions& options) {
    Session session;
    session.plan = Plan::from_json(io::read_text_file(options.plan_path, "plan"), options.plan_path);
    session.provenance = {{"tilesum_plan_file", options.plan_path}};
    std::set<std::string> inputs;  // as the script named them: X for its parts re(X) and im(X)
    for (const plan::NamedId& input : session.plan.expression.inputs) {
        const auto part = session.plan.expression.input_parts.find(input.name);
        inputs.insert(part == session.plan.expression.input_parts.end() ? input.name : part->second.name);
    }
    const std::string whose = " of plan '" + options.plan_path + "'";
    refuse_unused_bindings(options, inputs, "plan '" + options.plan_path + "'");
    for (const std::string& name : inputs) {
        const InputBinding binding = locate_input(options, name, whose);
        session.sources.file(name, binding.file, binding.dataset);
    }
    return session;
}

Session prepare(const CommandOptions& options) {
    return options.plan_path.empty() ? prepare_script(options) : prepare_saved_plan(options);
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

}  // namespace

int run_plan_command(const CommandOptions& options) {
    Session session = prepare(options);
    if (options.json) {
        // The summary scripts read (describe_json), and the plan itself for tilesum run --plan.
        nlohmann::json document = nlohmann::json::parse(plan::describe_json(plan::instantiate(session.plan).plan));
        document["plan_digest"] = plan_digest(session.plan);
        document["plan"] = nlohmann::json::parse(session.plan.to_json());
        std::cout << document.dump(1) << "\n";
    } else if (options.dot) {
        std::cout << plan::plan_dot(session.plan);
    } else {
        std::cout << session.plan.explain();
    }
    return 0;
}

int run_run_command(const CommandOptions& options) {
    // The sink before the sources: --out may be a file inputs are read from (for new datasets), and HDF5 opens a file
    // once per process; it must be opened for writing before its readers open it, which then share it.
    Sink sink = Sink::hdf5(options.out_path, options.overwrite, options.resume);
    Session session = prepare(options);
    const plan::Plan plan = plan::instantiate(session.plan).plan;
    const plan::PlanTotals predicted = plan::plan_totals(plan);
    if (options.max_seconds > 0 && predicted.predicted_seconds > options.max_seconds)
        refuse_over_max_time(options, predicted);
    for (const auto& [name, value] : session.provenance) sink.set_attribute(name, value);
    RunStats stats;
    {
        ProgressReport progress(options.progress, isatty(STDERR_FILENO) != 0);
        progress.announce(prediction_text(predicted, plan), predicted.predicted_seconds);
        const InterruptGuard interrupt_guard;
        RunControl control;
        control.on_progress = [&](const Progress& done) { progress.update({done.tiles_done, done.tiles_total}); };
        control.on_note = [&](const std::string& note) {
            if (!options.quiet) std::cerr << "tilesum: " << note << "\n";
        };
        control.cancel = &interrupt_guard.requested();
        control.threads = options.threads;
        stats = run(session.plan, session.sources, sink, control);
    }
    if (options.json) std::cout << run_report_json(plan, plan_digest(session.plan), predicted, stats) << "\n";
    if (options.quiet) return 0;
    for (const WrittenOutput& output : stats.written)
        std::cerr << "tilesum: wrote " << output.where << " " << format_shape(output.shape) << " "
                  << dtype_name(output.dtype) << "\n";
    if (stats.resumed)
        std::fprintf(stderr, "tilesum: resumed: %lld of %lld tiles were done by the unfinished run\n",
                     static_cast<long long>(stats.tiles_resumed), static_cast<long long>(stats.tiles_total));
    std::fprintf(stderr, "tilesum: done in %.2f s (predicted %.3g s), %.3g flops, %s read, arena peak %s of %s\n",
                 stats.seconds, predicted.predicted_seconds, stats.flops,
                 format_bytes(static_cast<double>(stats.bytes_read)).c_str(),
                 format_bytes(static_cast<double>(stats.arena_peak_bytes)).c_str(),
                 format_bytes(static_cast<double>(stats.tile_budget_bytes)).c_str());
    if (stats.chunk_cache_total_bytes)
        std::fprintf(stderr, "tilesum: HDF5 chunk caches %s (inside the budget; tiles split chunks)\n",
                     format_bytes(static_cast<double>(stats.chunk_cache_total_bytes)).c_str());
    return 0;
}

}  // namespace tilesum::cli
