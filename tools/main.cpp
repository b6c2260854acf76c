// tilesum: lazy einsum scripts over HDF5 data larger than memory.
// Exit status: 0 success; 2 anything the user can fix (script, data, options, budget); 1 run-time failures;
// 130 interrupted (SIGINT/SIGTERM), with no output left behind.
#include <malloc.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "engine/api/version.hpp"
#include "engine/common/error.hpp"
#include "engine/common/lsan_suppressions.hpp"
#include "tools/blas_reexec.hpp"
#include "tools/calibrate_command.hpp"
#include "tools/cli_options.hpp"
#include "tools/commands.hpp"

namespace {

const char* usage_text =
    "Usage: tilesum COMMAND [options]\n\n"
    "Evaluates lazy einsum scripts over HDF5 data larger than memory, tile by tile under a memory budget.\n\n"
    "Commands:\n"
    "  run SCRIPT --data IN.h5 --out OUT.h5   compute the script's outputs into OUT.h5\n"
    "  plan SCRIPT --data IN.h5               print the plan (tiling, peak bytes, flops) without computing\n"
    "  calibrate                              measure this machine for the planner's predicted times\n\n"
    "Options:\n"
    "  -h, --help      show this help (tilesum COMMAND --help for a command's options)\n"
    "  --version       show the version, the BLAS and its kernels, and the SIMD level in use\n\n"
    "Exit status: 0 success, 2 a mistake in what was given (script, data, options, budget), 1 a run-time failure.\n";

// One line, whatever the message holds.
std::string one_line(std::string message) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
    return message;
}

int dispatch(const std::vector<std::string>& args) {
    if (args.empty()) {
        std::cerr << usage_text;
        tilesum::fail(tilesum::ErrorKind::usage, "no command given (try tilesum --help)");
    }
    const std::string& word = args[0];
    if (word == "-h" || word == "--help" || word == "help") {
        std::cout << usage_text;
        return 0;
    }
    if (word == "--version") {
        std::cout << tilesum::version_text();
        return 0;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (word == "run" || word == "plan") {
        auto command = word == "run" ? tilesum::cli::Command::run : tilesum::cli::Command::plan;
        tilesum::cli::ParsedCommand parsed = tilesum::cli::parse_command(command, rest);
        if (parsed.done) return 0;
        return command == tilesum::cli::Command::run ? tilesum::cli::run_run_command(parsed.options)
                                                     : tilesum::cli::run_plan_command(parsed.options);
    }
    if (word == "calibrate") return tilesum::cli::run_calibrate_command(rest);
    tilesum::fail(tilesum::ErrorKind::usage,
                  "unknown command '" + word + "' (commands: run, plan, calibrate; see tilesum --help)");
}

}  // namespace

int main(int argc, char** argv) {
    // Large tile buffers come from mmap and go back to the system when freed, so peak RSS follows the
    // arena's accounting instead of the allocator's caching (a fixed threshold also stops glibc raising it).
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    // Before anything else: it may execute tilesum again with OPENBLAS_CORETYPE set (tools/blas_reexec.hpp).
    tilesum::cli::ensure_blas_kernels(argv);
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const tilesum::Error& error) {
        std::fflush(stdout);
        std::cerr << "tilesum: error: " << one_line(error.what()) << std::endl;
        if (error.kind() == tilesum::ErrorKind::interrupted) return 130;  // as a shell reports SIGINT
        return error.is_user_error() ? 2 : 1;
    } catch (const std::exception& error) {
        std::cerr << "tilesum: error: " << one_line(error.what()) << std::endl;
        return 1;
    }
}
