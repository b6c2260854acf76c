// The command line and the config file of `tilesum run` / `tilesum plan` (Boost.Program_options).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"

namespace tilesum::cli {

struct InputBinding {
    std::string file;
    std::string dataset;  // empty for a .npy file, which holds one array
};

enum class ProgressMode { never, automatic, always };

inline constexpr double default_max_seconds = 24 * 3600.0;

struct CommandOptions {
    std::string script_path;  // empty when run takes a saved plan (--plan)
    std::string plan_path;    // run only: --plan FILE, a plan written by `tilesum plan --json`
    std::string data_path;    // empty when every input is bound by --input
    std::string out_path;     // run only
    std::uint64_t budget_bytes = 0;
    int threads = 1;
    std::map<std::string, InputBinding> inputs;  // --input NAME=FILE:/path or NAME=FILE.npy
    std::map<char, Extent> tiles;                // --tile k=64
    std::string strategy = "auto";               // --strategy auto|expand|tile
    bool overwrite = false;
    bool resume = false;  // run only: continue the unfinished run journaled beside --out (README, "Resuming")
    bool quiet = false;
    // run only: when progress is shown (progress_line.hpp); --quiet means never.
    ProgressMode progress = ProgressMode::automatic;
    // run only: a plan predicted to take longer is refused before it starts (--max-time; 0: no limit).
    double max_seconds = default_max_seconds;
    bool json = false;         // plan: the plan as JSON; run: the run report as JSON on stdout
    bool dot = false;          // plan only: Graphviz instead of text
    int ranks = 0;             // plan only: --ranks N, each MPI rank's share printed too (0: not given)
    std::string profile_path;  // --profile FILE; empty when not given (engine/api/machine_profile_file.hpp)
};

enum class Command { run, plan };

// What the user asked for: options to act on, or help/version text already printed.
struct ParsedCommand {
    bool done = false;  // --help or --version was answered
    CommandOptions options;
};

// "24h", "90m", "1.5h", "2d", "45s" or plain seconds ("3600"); nullopt when malformed or negative. "0" means none.
std::optional<double> parse_duration(const std::string& text);

// "1.5 h", "12 min", "3.2 s": a duration for people.
std::string format_duration(double seconds);

// `args` excludes the program name and the command word. Throws Error{usage} for anything malformed.
ParsedCommand parse_command(Command command, const std::vector<std::string>& args);

inline constexpr const char* default_memory = "1GiB";

}  // namespace tilesum::cli
