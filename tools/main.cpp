// tilesum: lazy einsum scripts over HDF5 data larger than memory.
// Exit status: 0 success; 2 anything the user can fix (script, data, options, budget); 1 run-time failures;
// 130 interrupted (SIGINT/SIGTERM), with no output left behind.
// Under mpirun (issue 15) every rank runs this; rank 0 alone prints output and errors, and every rank of a failed
// run exits with the status of the one error reported.
#include <malloc.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "engine/api/version.hpp"
#include "engine/common/error.hpp"
#include "engine/common/lsan_suppressions.hpp"
#include "engine/common/team.hpp"
#include "io/process_team.hpp"
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

int exit_status(const tilesum::Error& error) {
    if (error.kind() == tilesum::ErrorKind::interrupted) return 130;  // as a shell reports SIGINT
    return error.is_user_error() ? 2 : 1;
}

void report(const std::exception& error) {
    std::fflush(stdout);
    std::cerr << "tilesum: error: " << one_line(error.what()) << std::endl;
}

int dispatch(const std::vector<std::string>& args, const tilesum::Team& team) {
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
        tilesum::cli::ParsedCommand parsed;
        // Under mpirun, every rank parses a run's options (and agrees on their errors); a plan is rank 0's alone.
        const tilesum::Team* parsing_team = command == tilesum::cli::Command::run ? &team : nullptr;
        tilesum::together(parsing_team, [&] { parsed = tilesum::cli::parse_command(command, rest); });
        if (parsed.done) return 0;
        return command == tilesum::cli::Command::run ? tilesum::cli::run_run_command(parsed.options, team)
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
    std::unique_ptr<tilesum::Team> team;  // destroyed last: it finalizes MPI
    try {
        team = tilesum::io::join_team(&argc, &argv);
    } catch (const tilesum::Error& error) {
        report(error);
        return 1;
    }
    const std::vector<std::string> args(argv + 1, argv + argc);
    // Under mpirun only `run` is divided among the ranks: any other command is answered by rank 0 alone. Rank 0
    // alone prints to stdout (help, --json reports).
    const bool ranked_run = team->size() > 1 && !args.empty() && args[0] == "run";
    if (team->size() > 1 && team->rank() != 0) {
        if (!ranked_run) return 0;
        if (!std::freopen("/dev/null", "w", stdout)) return 1;
    }
    try {
        return dispatch(args, *team);
    } catch (const tilesum::TeamError& error) {  // every rank holds it: one reports
        if (team->rank() == 0) report(error);
        return exit_status(error);
    } catch (const tilesum::Error& error) {
        report(error);
        // This rank alone failed where the others may wait for it in a collective call: end the job.
        if (ranked_run) team->abort(exit_status(error));
        return exit_status(error);
    } catch (const std::exception& error) {
        report(error);
        if (ranked_run) team->abort(1);
        return 1;
    }
}
