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
    bool json = false;         // plan only
    bool dot = false;          // plan only: Graphviz instead of text
    std::string profile_path;  // --profile FILE; empty when not given (profile_location.hpp)
};

enum class Command { run, plan };

// What the user asked for: options to act on, or help/version text already printed.
struct ParsedCommand {
    bool done = false;  // --help or --version was answered
    CommandOptions options;
};

// `args` excludes the program name and the command word. Throws Error{usage} for anything malformed.
ParsedCommand parse_command(Command command, const std::vector<std::string>& args);

inline constexpr const char* default_memory = "1GiB";

}  // namespace tilesum::cli
