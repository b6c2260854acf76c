#include "tools/commands.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/exec/executor.hpp"
#include "engine/script/binder.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/plan/chunk_cache.hpp"
#include "engine/plan/plan.hpp"
#include "engine/plan/plan_data.hpp"
#include "engine/plan/plan_dot.hpp"
#include "engine/plan/plan_json.hpp"
#include "engine/script/location.hpp"
#include "engine/script/lexer.hpp"
#include "engine/script/parser.hpp"
#include "io/hdf5_output.hpp"
#include "io/diagonal_view_reader.hpp"
#include "io/hdf5_reader.hpp"
#include "io/input_reader.hpp"
#include "io/run_journal.hpp"
#include "tools/interrupt_guard.hpp"
#include "tools/profile_location.hpp"
#include "tools/progress_line.hpp"
#include "tools/run_fingerprint.hpp"

namespace tilesum::cli {

namespace {

std::string read_script(const std::string& path) {
    // An ifstream opens a directory and reads it as empty: the script would be reported empty.
    std::error_code status_error;
    if (std::filesystem::is_directory(path, status_error))
        fail(ErrorKind::usage, "cannot read script '" + path + "': it is a directory");
    std::ifstream file(path, std::ios::binary);
    if (!file) fail(ErrorKind::usage, "cannot read script '" + path + "': " + std::strerror(errno));
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// A script error, located: "seed.tsum:3:17: index 'k' is ..."
[[noreturn]] void rethrow_located(const Error& error, const std::string& path, const std::string& text) {
    std::string message = error.what();
    if (error.span()) message = script::format_location(path, text, *error.span()) + ": " + message;
    throw Error(error.kind(), message);
}

bool same_file(const std::string& left, const std::string& right) {
    struct stat left_stat {}, right_stat {};
    return stat(left.c_str(), &left_stat) == 0 && stat(right.c_str(), &right_stat) == 0 &&
           left_stat.st_dev == right_stat.st_dev && left_stat.st_ino == right_stat.st_ino;
}

// Whether --out names a file inputs are read from (--data, or the file of an --input), known before the script is
// parsed: that file must be opened for writing before its readers open it (see run_run_command).
bool out_is_an_input_file(const CommandOptions& options) {
    if (!options.data_path.empty() && same_file(options.data_path, options.out_path)) return true;
    for (const auto& [name, binding] : options.inputs)
        if (same_file(binding.file, options.out_path)) return true;
    return false;
}

// Everything up to the run: the plan as data, the Plan the executor runs made from it, and a reader for each input.
struct Session {
    plan::PlanData data;
    expr::Program program;             // as the plan reads it: its inputs and diagonal views
    expr::SplitProgram complex_parts;  // which inputs and outputs of `program` are parts of complex ones
    std::map<std::string, std::unique_ptr<io::InputReader>> readers;
    plan::Plan plan;

    // Every run goes through the plan's data, planned now or loaded (--plan): the same road to the same bits.
    void adopt(plan::PlanData planned) {
        data = std::move(planned);
        plan::Instantiated instantiated = plan::instantiate(data);
        plan = std::move(instantiated.plan);
        complex_parts = std::move(instantiated.program);
        program = complex_parts.program;
    }
};

struct InputSource {
    std::string file, dataset;
};

// The program reads a complex input X as two real inputs re(X) and im(X) (expr/complex_split.hpp): the reader opened
// for X while binding reads its real part; a second one reads the imaginary part.
void open_complex_parts(Session& session, const std::map<std::string, InputSource>& sources) {
    std::map<std::string, std::unique_ptr<io::InputReader>> part_readers;
    for (const auto& [name, part_of] : session.complex_parts.input_parts) {
        const InputSource& source = sources.at(part_of.name);
        part_readers[name] = part_of.part == expr::Part::real
                                 ? std::move(session.readers.at(part_of.name))
                                 : io::open_input(source.file, source.dataset, io::ValuePart::imag);
    }
    for (const auto& [name, part_of] : session.complex_parts.input_parts) session.readers.erase(part_of.name);
    for (auto& [name, reader] : part_readers) session.readers[name] = std::move(reader);
}

Session prepare_script(const CommandOptions& options) {
    Session session;
    const std::string script_text = read_script(options.script_path);
    expr::SplitProgram split;
    try {
        script::Script parsed = script::parse_script(script_text);
        std::vector<expr::InputUse> inputs = script::find_inputs(parsed);
        for (const auto& [name, binding] : options.inputs) {
            bool used = false;
            for (const expr::InputUse& use : inputs) used = used || use.name == name;
            if (!used) fail(ErrorKind::usage, "--input " + name + ": the script has no input named '" + name + "'");
        }
        std::map<std::string, InputSource> sources;
        auto resolve = [&](const expr::InputUse& use) {
            auto bound = options.inputs.find(use.name);
            std::string file, dataset;
            if (bound != options.inputs.end()) {
                file = bound->second.file;
                dataset = bound->second.dataset;
            } else {
                if (options.data_path.empty())
                    fail(ErrorKind::usage, "input '" + use.name + "' has no data: give --data IN.h5 or --input " +
                                               use.name + "=FILE.h5:/path", use.first_use);
                file = options.data_path;
                dataset = "/" + use.name;
            }
            try {
                auto reader = io::open_input(file, dataset);
                expr::InputSpec spec{reader->info().shape, reader->info().dtype, reader->info().chunk_shape};
                session.readers[use.name] = std::move(reader);
                sources[use.name] = InputSource{file, dataset};
                return spec;
            } catch (const Error& error) {
                // Point at the script too: the user may have misspelled the name rather than the dataset.
                std::string message = std::string(error.what()) + " (input " + script::quote_excerpt(use.name);
                throw Error(error.kind(), message + " of the script)",
                            use.first_use);
            }
        };
        split = expr::split_complex(script::bind(parsed, resolve));
        session.complex_parts = split;
        open_complex_parts(session, sources);
    } catch (const Error& error) {
        rethrow_located(error, options.script_path, script_text);
    }
    plan::PlanOptions plan_options;
    plan_options.machine = load_profile(locate_profile(options.profile_path));
    plan_options.budget_bytes = options.budget_bytes;
    plan_options.threads = options.threads;
    plan_options.forced_tiles = options.tiles;
    plan_options.strategy = options.strategy == "expand" ? plan::Strategy::expand
                            : options.strategy == "tile" ? plan::Strategy::tile
                                                         : plan::Strategy::automatic;
    session.adopt(plan::to_data(plan::make_plan(split.program, plan_options), split));
    return session;
}

std::string read_plan_file(const std::string& path) {
    std::error_code status_error;
    if (std::filesystem::is_directory(path, status_error))
        fail(ErrorKind::usage, "cannot read plan '" + path + "': it is a directory");
    std::ifstream file(path, std::ios::binary);
    if (!file) fail(ErrorKind::usage, "cannot read plan '" + path + "': " + std::strerror(errno));
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// "(100, 100) float64, chunks (10, 10)": what a plan expects of an input, or what a dataset holds.
std::string input_description(const Shape& shape, DType dtype, const Shape& chunk_shape) {
    std::string text = format_shape(shape) + " " + dtype_name(dtype);
    return text + (chunk_shape.empty() ? ", not chunked" : ", chunks " + format_shape(chunk_shape));
}

// A saved plan (--plan) and the data it runs on: each input is opened where a script's would be (--input, else
// dataset /NAME of --data) and must be what the plan was made for, or the run is refused naming the difference.
Session prepare_saved_plan(const CommandOptions& options) {
    Session session;
    session.adopt(plan::plan_from_json(read_plan_file(options.plan_path), options.plan_path));
    std::set<std::string> script_inputs;  // as the script named them: X for its parts re(X) and im(X)
    for (const expr::NamedNode& input : session.program.inputs) {
        const auto part = session.complex_parts.input_parts.find(input.name);
        const bool is_part = part != session.complex_parts.input_parts.end();
        const std::string name = is_part ? part->second.name : input.name;
        script_inputs.insert(name);
        std::string file = options.data_path, dataset = "/" + name;
        if (auto bound = options.inputs.find(name); bound != options.inputs.end()) {
            file = bound->second.file;
            dataset = bound->second.dataset;
        } else if (file.empty()) {
            fail(ErrorKind::usage, "input '" + name + "' of plan '" + options.plan_path + "' has no data: give --data "
                                   "IN.h5 or --input " + name + "=FILE.h5:/path");
        }
        auto reader = io::open_input(file, dataset, is_part && part->second.part == expr::Part::imag
                                                        ? io::ValuePart::imag
                                                        : io::ValuePart::real);
        const expr::Node& expected = *input.node;
        const io::DatasetInfo& actual = reader->info();
        if (actual.shape != expected.shape || actual.dtype != expected.dtype ||
            actual.chunk_shape != expected.chunk_shape) {
            std::string message = "input '" + name + "': plan '" + options.plan_path + "' was made for ";
            message += input_description(expected.shape, expected.dtype, expected.chunk_shape) + ", but ";
            message += reader->describe() + " is " + input_description(actual.shape, actual.dtype, actual.chunk_shape);
            fail(ErrorKind::usage, message + "; plan again for this data");
        }
        session.readers[input.name] = std::move(reader);
    }
    for (const auto& [name, binding] : options.inputs)
        if (!script_inputs.count(name))
            fail(ErrorKind::usage, "--input " + name + ": plan '" + options.plan_path + "' has no input named '" +
                                       name + "'");
    return session;
}

Session prepare(const CommandOptions& options) {
    Session session = options.plan_path.empty() ? prepare_script(options) : prepare_saved_plan(options);
    // The worker count never changes a bit of the result, so a saved plan runs on the threads asked for now.
    session.plan.threads = options.threads;
    return session;
}

// The name of the dataset each output is written to: re(E) and im(E) share the one complex dataset /E.
std::string output_dataset(const Session& session, const plan::OutputPlan& output) {
    const auto part = session.complex_parts.output_parts.find(output.name);
    return part == session.complex_parts.output_parts.end() ? output.name : part->second.name;
}

// An output never replaces a dataset the run reads, not even with --overwrite: the run would destroy the data it
// was computed from (and, when it fails, leave neither). Other datasets of an input file may be replaced.
void refuse_replacing_inputs(const Session& session, const std::string& out_path) {
    for (const plan::OutputPlan& output : session.plan.outputs) {
        const std::string dataset = std::string("/").append(output_dataset(session, output));
        for (const auto& [name, reader] : session.readers) {
            const auto* hdf5 = dynamic_cast<const io::Hdf5DatasetReader*>(reader.get());
            if (!hdf5 || hdf5->dataset() != dataset || !same_file(hdf5->file(), out_path)) continue;
            std::string message = "output '" + dataset;
            message += "' would replace input dataset '" + dataset;
            message += "' of '" + out_path;
            fail(ErrorKind::usage, message + "'; tilesum never writes over its inputs, even with --overwrite: rename "
                                             "the output or write to another --out");
        }
    }
}

}  // namespace

int run_plan_command(const CommandOptions& options) {
    Session session = prepare(options);
    if (options.json) {
        // The summary scripts read (describe_json), and the plan itself for tilesum run --plan.
        nlohmann::json document = nlohmann::json::parse(plan::describe_json(session.plan));
        document["plan"] = nlohmann::json::parse(plan::plan_to_json(session.data));
        std::cout << document.dump(1) << "\n";
    } else if (options.dot) {
        std::cout << plan::plan_dot(session.data);
    } else {
        std::cout << plan::describe(session.plan);
    }
    return 0;
}

int run_run_command(const CommandOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    // --out may be an input file, for new datasets. HDF5 opens a file once per process and will not reopen for
    // writing a file it has open read-only, but readers that open it after it is open read-write share that open
    // file (and only read through it): so such an output file is opened before the readers.
    std::unique_ptr<io::Hdf5OutputFile> out_file;
    if (out_is_an_input_file(options)) out_file = std::make_unique<io::Hdf5OutputFile>(options.out_path);
    Session session = prepare(options);
    refuse_replacing_inputs(session, options.out_path);
    // The plan sized the HDF5 chunk caches within the budget; inputs at HDF5's default keep the cache they have.
    for (const auto& [name, bytes] : session.plan.chunk_cache_bytes)
        if (auto reader = session.readers.find(name);
            reader != session.readers.end() && bytes > plan::hdf5_default_chunk_cache_bytes)
            reader->second->set_chunk_cache(bytes);

    if (!out_file) out_file = std::make_unique<io::Hdf5OutputFile>(options.out_path);
    io::Hdf5OutputFile& out = *out_file;
    for (const plan::OutputPlan& output : session.plan.outputs) {
        const std::string dataset = output_dataset(session, output);
        if (out.has_dataset(dataset) && !options.overwrite)
            fail(ErrorKind::usage, "output dataset '/" + dataset + "' already exists in '" + options.out_path +
                                       "' (use --overwrite to replace it)");
    }
    // Every run journals its progress beside the output (io/run_journal.hpp; README, "Resuming"), so that a killed
    // run can be continued with --resume. The journal goes when the run ends, unless a write error left finished
    // work worth resuming.
    io::RunJournal journal(options.out_path,
                           run_fingerprint(session.data, session.readers, options.out_path),
                           options.resume, [&out] { out.flush_durably(); });
    if (options.resume && !journal.resuming() && !options.quiet)
        std::cerr << "tilesum: nothing to resume for " << options.out_path << "; running from the start\n";
    auto make_pending = [&](const std::string& name, const Shape& shape, DType dtype) {
        return journal.resuming() ? out.open_pending(name, shape, dtype) : out.create_pending(name, shape, dtype);
    };

    std::vector<std::unique_ptr<io::Hdf5PendingDataset>> pending;
    exec::Bindings bindings;
    for (const auto& [name, reader] : session.readers) bindings.inputs[name] = reader.get();
    // Diagonal views (repeated subscript labels, einsum('ii->i', A)) read their base input through its reader.
    std::vector<std::unique_ptr<io::DiagonalViewReader>> view_readers;
    for (const expr::NamedNode& view : session.program.views) {
        const expr::DiagonalView& diagonal = *view.node->diagonal_of;
        view_readers.push_back(std::make_unique<io::DiagonalViewReader>(
            *session.readers.at(diagonal.base), diagonal.base_shape, diagonal.axes, view.node->shape));
        bindings.inputs[view.name] = view_readers.back().get();
    }
    std::map<std::string, io::Hdf5PendingDataset*> complex_datasets;  // by script output name
    for (const plan::OutputPlan& output : session.plan.outputs) {
        const auto part = session.complex_parts.output_parts.find(output.name);
        if (part == session.complex_parts.output_parts.end()) {
            pending.push_back(make_pending(output.name, output.root->shape, output.root->dtype));
            bindings.outputs[output.name] = pending.back().get();
            continue;
        }
        io::Hdf5PendingDataset*& dataset = complex_datasets[part->second.name];
        if (!dataset) {
            pending.push_back(make_pending(part->second.name, output.root->shape,
                                           session.complex_parts.complex_outputs.at(part->second.name)));
            dataset = pending.back().get();
        }
        bindings.outputs[output.name] =
            &dataset->part(part->second.part == expr::Part::real ? io::ValuePart::real : io::ValuePart::imag);
    }
    out.flush_durably();  // the pending datasets' metadata, before any tile is written into them
    exec::RunStats stats;
    {
        ProgressLine progress(!options.quiet);
        const InterruptGuard interrupt_guard;
        exec::RunControl control;
        control.on_progress = [&](const exec::Progress& done) { progress.update(done); };
        control.interrupted = &interrupt_guard.requested();
        control.checkpoints = &journal;
        try {
            stats = exec::execute(session.plan, bindings, control);
        } catch (const Error& error) {
            // A write error (disk full) after finished work: keep it for --resume. Anything else (Ctrl-C, a user
            // error) leaves the output file as it was.
            if (error.kind() != ErrorKind::io || !journal.has_progress()) throw;
            journal.keep_for_resume();
            for (auto& dataset : pending) dataset->keep_for_resume();
            throw Error(error.kind(), std::string(error.what()) + "; the finished tiles are kept in '" +
                                          journal.directory() + "': rerun with --resume once this is fixed");
        }
    }
    // Only a complete run makes its outputs visible; until here they live under temporary names.
    for (auto& dataset : pending) dataset->commit(options.overwrite);

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!options.quiet) {
        for (const auto& dataset : pending)
            std::cerr << "tilesum: wrote " << options.out_path << ":" << dataset->name() << " "
                      << format_shape(dataset->shape()) << " " << dtype_name(dataset->dtype()) << "\n";
        if (journal.resuming())
            std::fprintf(stderr, "tilesum: resumed: %lld of %lld tiles were done by the unfinished run\n",
                         static_cast<long long>(stats.tiles_resumed), static_cast<long long>(stats.tiles_total));
        std::fprintf(stderr, "tilesum: done in %.2f s, %.3g flops, arena peak %s of %s\n", seconds, stats.flops,
                     format_bytes(static_cast<double>(stats.arena_peak_bytes)).c_str(),
                     format_bytes(static_cast<double>(session.plan.budget_bytes - session.plan.piece_bytes -
                                                      session.plan.chunk_cache_total_bytes)).c_str());
        if (session.plan.chunk_cache_total_bytes)
            std::fprintf(stderr, "tilesum: HDF5 chunk caches %s (inside the budget; tiles split chunks)\n",
                         format_bytes(static_cast<double>(session.plan.chunk_cache_total_bytes)).c_str());
    }
    return 0;
}

}  // namespace tilesum::cli
