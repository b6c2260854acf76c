// The machine as the cost model sees it, and its file: `tilesum calibrate` measures it once and stores it as
// JSON; `run` and `plan` load it, and use the defaults below when there is none.
#pragma once

#include <string>

namespace tilesum::plan {

// Defaults are conservative figures for this kind of machine (DESIGN.md): tile evaluation mixes GEMM with
// memory-bound sums, so well below GEMM's peak.
struct MachineProfile {
    double flops_per_second = 10e9;
    double read_bytes_per_second = 2e9;  // every byte read, in whatever runs it comes
    double seconds_per_pass = 0.05;      // each output or piece: a pipeline, fresh buffers to fault in
    double seconds_per_tile = 100e-6;    // scheduling, hyperslab selection, small allocations
    double seconds_per_run = 2e-6;       // each contiguous run of a hyperslab is one read (one pread)

    // Where the numbers came from, for `tilesum plan`: "defaults", or the file they were loaded from.
    std::string source = "defaults";
    std::string measured;  // when calibrate measured them (ISO 8601 UTC); empty for the defaults
    std::string hostname;  // where
    friend bool operator==(const MachineProfile&, const MachineProfile&) = default;
};

// The version written into and required of every profile file; bumped when the meaning of a field changes.
// 2: read time is bytes / read_bytes_per_second + runs x seconds_per_run (1 had a strided byte rate instead).
inline constexpr int machine_profile_format_version = 2;

// The profile as a JSON document: "version", the five numbers under their member names, "measured", "hostname".
std::string machine_profile_json(const MachineProfile& profile);

// Parses a profile document; `path` only names the file in messages and becomes `source`. Throws Error{usage}
// naming the file and the key for malformed JSON, an unsupported version, a missing key, a value of the wrong
// type, and a number that is not finite and positive ("measured" and "hostname" are optional strings).
MachineProfile parse_machine_profile(const std::string& text, const std::string& path);

// Reading and writing the file is io's (io/text_files.hpp): tools/profile_location.cpp and the calibrate command.

}  // namespace tilesum::plan
