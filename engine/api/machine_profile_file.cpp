#include "engine/api/machine_profile_file.hpp"

#include <cstdlib>
#include <filesystem>

#include "engine/common/error.hpp"
#include "io/text_files.hpp"

namespace tilesum {

namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

// How the user names a value the way they named the profile: "--profile X", "profile=X", "TILESUM_PROFILE=X".
std::string naming(const std::string& named_by) {
    if (named_by.starts_with("--")) return named_by + " ";
    return named_by.ends_with('=') ? named_by : named_by + "=";
}

}  // namespace

ProfileLocation locate_machine_profile(const std::string& option, const std::string& option_name) {
    auto named = [](const std::string& value, const std::string& by) {
        return ProfileLocation{value == defaults_profile_word ? "" : value, by};
    };
    if (!option.empty()) return named(option, option_name);
    const std::string from_environment = environment(profile_environment_variable);
    if (!from_environment.empty()) return named(from_environment, profile_environment_variable);
    // The XDG base directory specification: a relative XDG_CONFIG_HOME is invalid and must be ignored.
    const std::string config_home = environment("XDG_CONFIG_HOME");
    if (!config_home.empty() && config_home.front() == '/') return {config_home + "/tilesum/machine.json", ""};
    const std::string home = environment("HOME");
    if (!home.empty()) return {home + "/.config/tilesum/machine.json", ""};
    return {"", ""};
}

plan::MachineProfile load_machine_profile(const ProfileLocation& location) {
    if (location.path.empty()) return plan::MachineProfile{};
    std::error_code error;
    if (!std::filesystem::exists(location.path, error)) {
        if (location.named_by.empty()) return plan::MachineProfile{};
        fail(ErrorKind::usage, "machine profile '" + location.path + "' (named by " + location.named_by +
                                   ") does not exist; measure one with tilesum calibrate --profile " + location.path +
                                   ", or use " + naming(location.named_by) + defaults_profile_word +
                                   " for the built-in defaults");
    }
    return plan::parse_machine_profile(io::read_text_file(location.path, "machine profile"), location.path);
}

}  // namespace tilesum
