// The two subcommands. Thin: load, bind, plan, execute — the work happens in the engine and io.
#pragma once

#include "tools/cli_options.hpp"

namespace tilesum::cli {

int run_plan_command(const CommandOptions& options);
int run_run_command(const CommandOptions& options);

}  // namespace tilesum::cli
