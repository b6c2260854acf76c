// The two subcommands. Thin: load, bind, plan, execute — the work happens in the engine and io.
#pragma once

#include "engine/common/team.hpp"
#include "tools/cli_options.hpp"

namespace tilesum::cli {

int run_plan_command(const CommandOptions& options);
// Under mpirun every rank calls it with the job's team (engine/common/team.hpp); alone, a team of one.
int run_run_command(const CommandOptions& options, const Team& team);

}  // namespace tilesum::cli
