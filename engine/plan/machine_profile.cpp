#include "engine/plan/machine_profile.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/common/error.hpp"

namespace tilesum::plan {

namespace {

using nlohmann::json;

constexpr MachineNumber number_fields[] = {
    {"gemm_flops_per_second", &MachineProfile::gemm_flops_per_second},
    {"reduction_flops_per_second", &MachineProfile::reduction_flops_per_second},
    {"elementwise_bytes_per_second", &MachineProfile::elementwise_bytes_per_second},
    {"read_bytes_per_second", &MachineProfile::read_bytes_per_second},
    {"chunked_read_bytes_per_second", &MachineProfile::chunked_read_bytes_per_second},
    {"filtered_read_bytes_per_second", &MachineProfile::filtered_read_bytes_per_second},
    {"seconds_per_pass", &MachineProfile::seconds_per_pass},
    {"seconds_per_tile", &MachineProfile::seconds_per_tile},
    {"seconds_per_run", &MachineProfile::seconds_per_run},
    {"first_touch_bytes_per_second", &MachineProfile::first_touch_bytes_per_second, true},
    {"fused_operations_per_second", &MachineProfile::fused_operations_per_second, true},
    {"calibrated_threads", &MachineProfile::calibrated_threads, true},
    {"seconds_per_fused_row", &MachineProfile::seconds_per_fused_row, true},
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

}  // namespace

std::span<const MachineNumber> machine_profile_numbers() { return number_fields; }

std::string machine_profile_json(const MachineProfile& profile) {
    json document = {{"version", machine_profile_format_version},
                     {"measured", profile.measured},
                     {"hostname", profile.hostname},
                     {"blas_library", profile.blas_library},
                     {"blas_core", profile.blas_core},
                     {"simd_level", profile.simd_level}};
    for (const MachineNumber& field : number_fields) document[field.key] = profile.*field.member;
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
        fail_profile(path,
                     "version 1 was written by an older tilesum, which priced column-block reads with a "
                     "strided byte rate; this tilesum prices each contiguous run (seconds_per_run) and reads "
                     "version " +
                         std::to_string(machine_profile_format_version));
    // Refused rather than read with defaults for the missing rates: version 2's one flops_per_second was the
    // harmonic mean of GEMM and memory-bound tiles, and no per-kind rate can be recovered from it.
    if (version->get<long long>() == 2)
        fail_profile(path,
                     "version 2 was written by an older tilesum, which measured one flops_per_second for every kind "
                     "of tile; this tilesum prices GEMM, reductions, elementwise work and each storage layout at "
                     "its own rate and reads version " +
                         std::to_string(machine_profile_format_version));
    if (version->get<long long>() != machine_profile_format_version)
        fail_profile(path, "version " + version->dump() + " is not supported (this tilesum reads version " +
                               std::to_string(machine_profile_format_version) + ")");

    MachineProfile profile;
    for (const MachineNumber& field : number_fields) {
        auto it = document.find(field.key);
        if (it == document.end() && field.optional) continue;
        if (it == document.end()) fail_profile(path, std::string("key '") + field.key + "' is missing");
        if (!it->is_number()) fail_profile(path, std::string("key '") + field.key + "' must be a number");
        const double value = it->get<double>();
        if (!std::isfinite(value) || value <= 0)
            fail_profile(path,
                         std::string("key '") + field.key + "' must be a finite positive number, not " + it->dump());
        profile.*field.member = value;
    }
    profile.measured = optional_string(document, "measured", path);
    profile.hostname = optional_string(document, "hostname", path);
    profile.blas_library = optional_string(document, "blas_library", path);
    profile.blas_core = optional_string(document, "blas_core", path);
    profile.simd_level = optional_string(document, "simd_level", path);
    profile.source = path;
    return profile;
}

}  // namespace tilesum::plan
