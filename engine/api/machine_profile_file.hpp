// Where the machine profile lives, and loading it: for the CLI's `run`, `plan` and `calibrate`, and for the
// Python module's compute/plan (profile= keyword), so that both plan with the same profile.
//
// The first of: --profile FILE; the environment variable TILESUM_PROFILE; $XDG_CONFIG_HOME/tilesum/machine.json,
// or ~/.config/tilesum/machine.json without XDG_CONFIG_HOME. The word `defaults` in place of a file (in
// --profile or TILESUM_PROFILE) means the built-in defaults and no file at all: the tests set
// TILESUM_PROFILE=defaults so that a profile in the user's home cannot change what they check.
#pragma once

#include <string>

#include "engine/plan/machine_profile.hpp"

namespace tilesum {

inline constexpr const char* profile_environment_variable = "TILESUM_PROFILE";
inline constexpr const char* defaults_profile_word = "defaults";

struct ProfileLocation {
    std::string path;  // empty: the built-in defaults (named so, or no home to look in)
    // "--profile" (or "profile="), or "TILESUM_PROFILE", when the user named it; empty for the default place.
    std::string named_by;
};

// `option` is --profile's value, empty when not given; `option_name` names it in messages (the Python module
// passes "profile=").
ProfileLocation locate_machine_profile(const std::string& option, const std::string& option_name = "--profile");

// The profile at `location`: read when the file exists, the defaults when it is the default place and absent.
// Error{usage} when a file named by --profile or TILESUM_PROFILE does not exist, and for a malformed file.
plan::MachineProfile load_machine_profile(const ProfileLocation& location);

}  // namespace tilesum
