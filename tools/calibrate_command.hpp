// `tilesum calibrate`: measures the machine profile and stores it (calibrate_command.cpp's help text says what
// and where).
#pragma once

#include <string>
#include <vector>

namespace tilesum::cli {

// `args` excludes the program name and the command word. Returns the exit status; throws Error as the others do.
int run_calibrate_command(const std::vector<std::string>& args);

}  // namespace tilesum::cli
