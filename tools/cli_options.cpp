#include "tools/cli_options.hpp"

#include <boost/program_options.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "engine/api/version.hpp"
#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/common/printf_string.hpp"

namespace tilesum::cli {

namespace po = boost::program_options;

namespace {

const char* command_name(Command command) { return command == Command::run ? "run" : "plan"; }

// Options that may also come from the config file; the command line wins over it.
po::options_description tuning_options() {
    po::options_description options("Tuning (also accepted in the --config file)");
    // One option per line, as Boost.Program_options chains read best: not for clang-format.
    // clang-format off
    options.add_options()
        ("memory", po::value<std::string>()->value_name("SIZE"),
         "memory budget for all tile buffers: bytes or a number with K, M, G (KiB, MiB, GiB; powers of 1024). "
         "Default 1GiB. Peak RSS stays under this plus a fixed overhead (see README)")
        ("threads", po::value<std::string>()->value_name("N"), "worker threads (default: the number of cores)")
        ("tile", po::value<std::vector<std::string>>()->composing()->value_name("INDEX=SIZE"),
         "force the tile size of an output index, e.g. --tile k=64 (repeatable)")
        ("strategy", po::value<std::string>()->value_name("NAME"),
         "auto (default): the plan with the lowest predicted time that fits; expand: distribute sums over "
         "contractions into terms, each an einsum over inputs; tile: tile the expression as written")
        ("quiet", po::bool_switch(), "run: nothing on stderr but errors (no prediction, progress or summary)")
        ("progress", po::value<std::string>()->value_name("WHEN"),
         "run: auto (default): the predicted time, then a progress line redrawn in place on a terminal, or plain "
         "lines every 30 s when stderr is not a terminal (a log file), for runs long enough to need it; always: "
         "from the start, however short; never")
        ("max-time", po::value<std::string>()->value_name("DURATION"),
         "run: refuse a plan predicted to take longer than this (e.g. 90m, 12h, 2d, or seconds; 0: no limit), "
         "before reading anything; default 24h. The prediction rests on the machine profile (tilesum calibrate)");
    // clang-format on
    return options;
}

po::options_description command_options(Command command) {
    po::options_description options(std::string("Options of tilesum ") + command_name(command));
    // One option per line, as Boost.Program_options chains read best: not for clang-format.
    // clang-format off
    options.add_options()
        ("help,h", "show this help")
        ("version", "show the version")
        ("data", po::value<std::string>()->value_name("IN.h5"), "HDF5 file holding each input NAME as dataset /NAME")
        ("input", po::value<std::vector<std::string>>()->composing()->value_name("NAME=FILE.h5:/path"),
         "read input NAME from another file or dataset (repeatable); NAME=FILE.npy reads it from a numpy .npy "
         "file (float32/64, int32/64, complex64/128, either byte order, C or Fortran order)")
        ("config", po::value<std::string>()->value_name("FILE"), "INI file with memory, threads, tile (and quiet)")
        ("profile", po::value<std::string>()->value_name("FILE"),
         "machine profile from tilesum calibrate, for predicted times (default: $TILESUM_PROFILE, else "
         "$XDG_CONFIG_HOME/tilesum/machine.json or ~/.config/tilesum/machine.json if present, else built-in "
         "defaults; 'defaults' names the built-in ones)");
    // clang-format on
    if (command == Command::run)
        // One option per line, as Boost.Program_options chains read best: not for clang-format.
        // clang-format off
        options.add_options()
            ("json", po::bool_switch(),
             "print a report of the run as JSON on stdout: the plan's summary, predicted and measured time, bytes "
             "read, peak RSS, arena peak, tiles and resumed tiles, outputs written")
            ("out", po::value<std::string>()->value_name("OUT.h5"),
             "HDF5 file receiving each output NAME as dataset /NAME (created if missing)")
            ("plan", po::value<std::string>()->value_name("PLAN.json"),
             "run this plan, written by `tilesum plan --json`, instead of planning a SCRIPT: the same bits as "
             "planning again with the same options. Inputs must have the shapes, dtypes and chunks it was made for")
            ("overwrite", po::bool_switch(), "replace output datasets that already exist")
            ("resume", po::bool_switch(),
             "continue the unfinished run (killed, or stopped by a write error) journaled beside OUT.h5 in "
             "OUT.h5.tilesum-resume, computing only what it did not finish; the script, inputs and plan must be the "
             "same. With nothing to resume, runs from the start");
    // clang-format on
    else
        // One option per line, as Boost.Program_options chains read best: not for clang-format.
        // clang-format off
        options.add_options()
            ("json", po::bool_switch(),
             "print the plan as JSON: a summary, and under \"plan\" the plan itself, which tilesum run --plan runs")
            ("dot", po::bool_switch(),
             "print the plan as a Graphviz graph (outputs, terms, shared pieces, passes, tiled indices, bytes): "
             "tilesum plan ... --dot | dot -Tsvg > plan.svg")
            ("ranks", po::value<std::string>()->value_name("N"),
             "also show how `mpirun -np N tilesum run` divides the work: each rank's output tiles, bytes read and "
             "predicted time (--memory is per rank); with --json, as the array \"ranks\" (also for --ranks 1)");
    // clang-format on
    options.add(tuning_options());
    return options;
}

void print_help(Command command, const po::options_description& options) {
    if (command == Command::run)
        std::cout << "Usage: tilesum run SCRIPT --data IN.h5 --out OUT.h5 [options]\n"
                     "       tilesum run --plan PLAN.json --data IN.h5 --out OUT.h5 [options]\n\n"
                     "Evaluates the script's outputs (names assigned but never read) tile by tile under the memory\n"
                     "budget and writes each to dataset /NAME of OUT.h5. Inputs (names read but never assigned)\n"
                     "come from dataset /NAME of IN.h5 or from --input.\n\n"
                     "Under MPI (mpirun -np N tilesum run ...), the N ranks divide the output tiles among them and\n"
                     "write one OUT.h5 through parallel HDF5, with the same bits as one process; --memory and\n"
                     "--threads are per rank. Not yet with --resume or plans that spill to scratch storage.\n\n";
    else
        std::cout << "Usage: tilesum plan SCRIPT --data IN.h5 [options]\n\n"
                     "Prints the plan without computing: per output, the tiled index or indices, tile sizes,\n"
                     "number of tiles, estimated peak bytes and flops.\n\n";
    std::cout << options << "\nExample:\n  tilesum " << command_name(command) << " data/seed.tsum --data in.h5"
              << (command == Command::run ? " --out out.h5" : "") << " --memory 64MiB --tile k=8\n";
}

bool is_npy_path(const std::string& path) { return path.ends_with(".npy"); }

// NAME=FILE.h5:/path, NAME=FILE.h5 (dataset /NAME) or NAME=FILE.npy (the file's one array: no dataset path).
InputBinding parse_input_binding(const std::string& text, std::string& name) {
    auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
        fail(ErrorKind::usage, "--input '" + text + "': expected NAME=FILE.h5:/path, NAME=FILE.h5 or NAME=FILE.npy");
    name = text.substr(0, equals);
    std::string target = text.substr(equals + 1);
    if (is_npy_path(target)) return {target, ""};
    if (target.ends_with(':'))
        fail(ErrorKind::usage, "--input '" + text + "': the dataset path after ':' is empty; write NAME=FILE.h5:/path");
    auto colon = target.rfind(":/");
    if (colon == std::string::npos) return {target, "/" + name};
    if (colon == 0) fail(ErrorKind::usage, "--input '" + text + "': the file name is missing before ':'");
    InputBinding binding{target.substr(0, colon), target.substr(colon + 1)};
    if (is_npy_path(binding.file)) {
        std::string message = "--input '" + text;
        message += "': a .npy file holds one array and has no dataset path; write " + name + "=" + binding.file;
        fail(ErrorKind::usage, message);
    }
    return binding;
}

std::pair<char, Extent> parse_tile(const std::string& text) {
    auto equals = text.find('=');
    if (equals != 1 || !std::isalpha(static_cast<unsigned char>(text[0])))
        fail(ErrorKind::usage, "--tile '" + text + "': expected INDEX=SIZE with a one-letter index, e.g. k=64");
    const std::string size = text.substr(2);
    if (size.empty() || size.size() > 15 || size.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(size) < 1)
        fail(ErrorKind::usage, "--tile '" + text + "': the tile size must be a positive integer");
    return {text[0], std::stoll(size)};
}

// OUT.h5 must be a file tilesum can create or update: refused at once with the reason, before any planning.
void check_out_path(const std::string& path) {
    if (path.empty()) fail(ErrorKind::usage, "--out is empty: give the HDF5 file to write, e.g. --out out.h5");
    if (path == "-")
        fail(ErrorKind::usage,
             "--out -: outputs are HDF5 datasets, which cannot be streamed to stdout; give a file, e.g. --out out.h5, "
             "and read it with h5dump or h5py");
    if (path.back() == '/') fail(ErrorKind::usage, "--out '" + path + "' names a directory; give a file in it");
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0) {
        if (S_ISDIR(status.st_mode))
            fail(ErrorKind::usage, "--out '" + path + "' is a directory; give a file, e.g. --out " + path + "/out.h5");
        if (!S_ISREG(status.st_mode))
            fail(ErrorKind::usage, "--out '" + path +
                                       "' is not a regular file (a device, pipe or socket): outputs are "
                                       "HDF5 datasets written in place; give a file");
        return;  // an existing file: whether it is HDF5 and writable, the output file reports, naming it
    }
    const std::size_t slash = path.rfind('/');
    const std::string directory = slash == std::string::npos ? "." : path.substr(0, std::max<std::size_t>(slash, 1));
    if (::stat(directory.c_str(), &status) != 0 || !S_ISDIR(status.st_mode))
        fail(ErrorKind::usage, "--out '" + path + "': directory '" + directory + "' does not exist");
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
        fail(ErrorKind::usage, "--out '" + path + "': directory '" + directory + "' is not writable");
}

// --ranks N: a whole number from 1 to 100000 (a share per rank is printed).
int parse_ranks(const std::string& text) {
    std::size_t used = 0;
    int ranks = 0;
    try {
        ranks = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || ranks < 1 || ranks > 100000)
        fail(ErrorKind::usage, "--ranks '" + text + "': expected a whole number of ranks from 1 to 100000");
    return ranks;
}

int parse_threads(const std::string& text) {
    if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(text) < 1)
        fail(ErrorKind::usage, "--threads '" + text + "': expected a whole number of threads, at least 1");
    return std::stoi(text);
}

}  // namespace

std::optional<double> parse_duration(const std::string& text) {
    static const std::map<std::string, double> units = {{"", 1},     {"s", 1},    {"m", 60},
                                                        {"min", 60}, {"h", 3600}, {"d", 86400}};
    std::size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
        ++digits;
    if (digits == 0 || digits > 20 ||
        std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(digits), '.') > 1)
        return std::nullopt;
    const auto unit = units.find(text.substr(digits));
    if (unit == units.end()) return std::nullopt;
    return std::stod(text.substr(0, digits)) * unit->second;
}

std::string format_duration(double seconds) {
    if (seconds < 120) return printf_string("%.3g s", seconds);
    if (seconds < 2 * 3600) return printf_string("%.3g min", seconds / 60);
    if (seconds < 2 * 86400) return printf_string("%.3g h", seconds / 3600);
    return printf_string("%.3g days", seconds / 86400);
}

ParsedCommand parse_command(Command command, const std::vector<std::string>& args) {
    po::options_description options = command_options(command);
    po::options_description hidden;
    hidden.add_options()("script", po::value<std::string>());
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("script", 1);

    po::variables_map values;
    std::set<std::string>
        on_command_line;  // with --plan, a config file's tuning is ignored, the command line's refused
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
        for (const auto& [name, value] : values) on_command_line.insert(name);
        if (values.count("config")) {
            const std::string config_path = values["config"].as<std::string>();
            std::ifstream config(config_path);
            if (!config) fail(ErrorKind::usage, "cannot read config file '" + config_path + "'");
            po::store(po::parse_config_file(config, tuning_options()), values);
        }
        po::notify(values);
    } catch (const po::error& error) {
        fail(ErrorKind::usage, std::string(error.what()) + " (see tilesum " + command_name(command) + " --help)");
    }

    ParsedCommand parsed;
    if (values.count("help")) {
        print_help(command, options);
        parsed.done = true;
        return parsed;
    }
    if (values.count("version")) {
        std::cout << version_text();
        parsed.done = true;
        return parsed;
    }

    CommandOptions& result = parsed.options;
    if (command == Command::run && values.count("plan")) {
        result.plan_path = values["plan"].as<std::string>();
        if (values.count("script"))
            fail(ErrorKind::usage, "give a SCRIPT or --plan " + result.plan_path + ", not both");
        // A saved plan fixed what these options decide; saying them again would be ignored, so they are refused.
        for (const char* planning : {"memory", "tile", "strategy", "profile"})
            if (on_command_line.count(planning))
                fail(ErrorKind::usage, std::string("--") + planning +
                                           " cannot be combined with --plan: the plan "
                                           "already fixed it (plan again with tilesum plan --json to change it)");
    } else if (!values.count("script")) {
        fail(ErrorKind::usage, std::string("no SCRIPT given (see tilesum ") + command_name(command) + " --help)");
    } else {
        result.script_path = values["script"].as<std::string>();
    }
    if (values.count("data")) result.data_path = values["data"].as<std::string>();
    if (is_npy_path(result.data_path)) {
        std::string message = "--data '" + result.data_path;
        message += "': --data takes an HDF5 file; bind a .npy file to one input with --input NAME=";
        fail(ErrorKind::usage, message + result.data_path);
    }
    if (values.count("profile")) result.profile_path = values["profile"].as<std::string>();
    if (command == Command::run) {
        if (!values.count("out")) fail(ErrorKind::usage, "--out OUT.h5 is required (see tilesum run --help)");
        result.out_path = values["out"].as<std::string>();
        check_out_path(result.out_path);
        result.overwrite = values["overwrite"].as<bool>();
        result.resume = values["resume"].as<bool>();
    }
    const std::string memory = values.count("memory") ? values["memory"].as<std::string>() : default_memory;
    std::optional<std::uint64_t> budget = parse_size(memory);
    if (!budget) fail(ErrorKind::usage, "--memory '" + memory + "': expected a size such as 64MiB, 2G or 1048576");
    result.budget_bytes = *budget;
    result.threads = values.count("threads") ? parse_threads(values["threads"].as<std::string>())
                                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (values.count("input"))
        for (const std::string& text : values["input"].as<std::vector<std::string>>()) {
            std::string name;
            InputBinding binding = parse_input_binding(text, name);
            if (!result.inputs.emplace(name, binding).second)
                fail(ErrorKind::usage, "--input binds '" + name + "' twice");
        }
    if (values.count("tile"))
        for (const std::string& text : values["tile"].as<std::vector<std::string>>()) {
            auto [label, size] = parse_tile(text);
            result.tiles.emplace(label, size);  // per index, the command line (parsed first) wins
        }
    if (values.count("strategy")) {
        result.strategy = values["strategy"].as<std::string>();
        if (result.strategy != "auto" && result.strategy != "expand" && result.strategy != "tile")
            fail(ErrorKind::usage, "--strategy '" + result.strategy + "': expected auto, expand or tile");
    }
    result.quiet = values["quiet"].as<bool>();
    if (values.count("progress")) {
        const std::string when = values["progress"].as<std::string>();
        if (when == "never")
            result.progress = ProgressMode::never;
        else if (when == "auto")
            result.progress = ProgressMode::automatic;
        else if (when == "always")
            result.progress = ProgressMode::always;
        else
            fail(ErrorKind::usage, "--progress '" + when + "': expected auto, always or never");
    }
    if (result.quiet) result.progress = ProgressMode::never;
    if (values.count("max-time")) {
        const std::string text = values["max-time"].as<std::string>();
        const std::optional<double> seconds = parse_duration(text);
        if (!seconds)
            fail(ErrorKind::usage, "--max-time '" + text + "': expected a duration such as 90m, 12h, 2d or 3600 (s)");
        result.max_seconds = *seconds;
    }
    result.json = values["json"].as<bool>();
    if (command == Command::plan) {
        result.dot = values["dot"].as<bool>();
        if (result.json && result.dot) fail(ErrorKind::usage, "--json and --dot cannot be combined: choose one");
        if (values.count("ranks")) {
            const std::string text = values["ranks"].as<std::string>();
            result.ranks = parse_ranks(text);
            if (result.dot) fail(ErrorKind::usage, "--ranks and --dot cannot be combined: choose one");
        }
    }
    return parsed;
}

}  // namespace tilesum::cli
