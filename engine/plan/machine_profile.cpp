#include "engine/plan/machine_profile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/common/error.hpp"

namespace tilesum::plan {

namespace {

using nlohmann::json;

// The five numbers by their JSON key; one table so that writing and validating cannot drift apart.
struct NumberField {
    const char* key;
    double MachineProfile::*member;
};
constexpr NumberField number_fields[] = {
    {"flops_per_second", &MachineProfile::flops_per_second},
    {"read_bytes_per_second", &MachineProfile::read_bytes_per_second},
    {"seconds_per_pass", &MachineProfile::seconds_per_pass},
    {"seconds_per_tile", &MachineProfile::seconds_per_tile},
    {"seconds_per_run", &MachineProfile::seconds_per_run},
};

[[noreturn]] void fail_profile(const std::string& path, const std::string& what) {
    fail(ErrorKind::usage, "machine profile '" + path + "': " + what +
                               " (run tilesum calibrate to measure a new one, or remove the file to use defaults)");
}

std::string optional_string(const json& document, const char* key, const std::string& path) {
    auto it = document.find(key);
    if (it == document.end()) return "";
    if (!it->is_string()) fail_profile(path, std::string("key '") + key + "' must be a string");
    return it->get<std::string>();
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::string machine_profile_json(const MachineProfile& profile) {
    json document = {{"version", machine_profile_format_version},
                     {"measured", profile.measured},
                     {"hostname", profile.hostname}};
    for (const NumberField& field : number_fields) document[field.key] = profile.*field.member;
    return document.dump(2) + "\n";
}

MachineProfile parse_machine_profile(const std::string& text, const std::string& path) {
    json document;
    try {
        document = json::parse(text);
    } catch (const json::parse_error& error) {
        fail_profile(path, std::string("not valid JSON: ") + error.what());
    } catch (const json::out_of_range& error) {  // a number such as 1e999
        fail_profile(path, std::string("not valid JSON: ") + error.what());
    }
    if (!document.is_object()) fail_profile(path, "expected a JSON object");
    auto version = document.find("version");
    if (version == document.end()) fail_profile(path, "key 'version' is missing");
    if (!version->is_number_integer()) fail_profile(path, "key 'version' must be an integer");
    // Checked before the numbers, so that an old file is reported as old rather than as missing a key.
    if (version->get<long long>() == 1)
        fail_profile(path, "version 1 was written by an older tilesum, which priced column-block reads with a "
                           "strided byte rate; this tilesum prices each contiguous run (seconds_per_run) and reads "
                           "version " + std::to_string(machine_profile_format_version));
    if (version->get<long long>() != machine_profile_format_version)
        fail_profile(path, "version " + version->dump() + " is not supported (this tilesum reads version " +
                               std::to_string(machine_profile_format_version) + ")");

    MachineProfile profile;
    for (const NumberField& field : number_fields) {
        auto it = document.find(field.key);
        if (it == document.end()) fail_profile(path, std::string("key '") + field.key + "' is missing");
        if (!it->is_number()) fail_profile(path, std::string("key '") + field.key + "' must be a number");
        const double value = it->get<double>();
        if (!std::isfinite(value) || value <= 0)
            fail_profile(path, std::string("key '") + field.key + "' must be a finite positive number, not " +
                                   it->dump());
        profile.*field.member = value;
    }
    profile.measured = optional_string(document, "measured", path);
    profile.hostname = optional_string(document, "hostname", path);
    profile.source = path;
    return profile;
}

MachineProfile load_machine_profile(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) fail(ErrorKind::usage, "cannot read machine profile '" + path + "': " + errno_text());
    std::ostringstream text;
    text << file.rdbuf();
    return parse_machine_profile(text.str(), path);
}

void save_machine_profile(const MachineProfile& profile, const std::string& path) {
    namespace fs = std::filesystem;
    auto fail_io = [&](const std::string& what) {
        fail(ErrorKind::io, "cannot write machine profile '" + path + "': " + what);
    };
    const fs::path target(path);
    std::error_code error;
    if (target.has_parent_path()) {
        fs::create_directories(target.parent_path(), error);
        if (error) fail_io("cannot create directory '" + target.parent_path().string() + "': " + error.message());
    }
    // mkstemp in the same directory: rename() is atomic only within one file system.
    std::string temporary = path + ".tmp-XXXXXX";
    const int descriptor = mkstemp(temporary.data());
    if (descriptor < 0) fail_io(errno_text());
    const std::string text = machine_profile_json(profile);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t count = ::write(descriptor, text.data() + written, text.size() - written);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        written += static_cast<std::size_t>(count);
    }
    const std::string write_error = written < text.size() ? errno_text() : "";
    // mkstemp makes the file 0600; a profile is no secret, so give it the usual 0644 (less the umask).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(descriptor, 0644 & ~mask);
    const bool synced = ::fsync(descriptor) == 0;
    ::close(descriptor);
    if (!write_error.empty() || !synced) {
        ::unlink(temporary.c_str());
        fail_io(write_error.empty() ? errno_text() : write_error);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string rename_error = errno_text();
        ::unlink(temporary.c_str());
        fail_io(rename_error);
    }
}

}  // namespace tilesum::plan
