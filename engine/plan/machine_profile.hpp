// The machine as the cost model sees it, and its file: `tilesum calibrate` measures it once and stores it as
// JSON; `run` and `plan` load it, and use the defaults below when there is none.
#pragma once

#include <span>
#include <string>

namespace tilesum::plan {

// One rate per kind of work (eval::KernelWork) and per storage layout: the kinds differ by 5-10x and the layouts by
// more, so no single rate predicts a plan whose mix is not the calibration's. Rates are of all threads together.
// Defaults are conservative figures for this kind of machine (DESIGN.md: dgemm 14 GFLOP/s per thread with
// OpenBLAS's fallback kernels, 33-37 on Zen 3; memory about 20 GB/s; contiguous reads 2.6-6 GB/s, chunked 1.1-3).
struct MachineProfile {
    double gemm_flops_per_second = 25e9;            // matrix-matrix products (BLAS level 3)
    double reduction_flops_per_second = 3e9;        // sums over axes, dot and matrix-vector shapes
    double elementwise_bytes_per_second = 10e9;     // sums, products, permutations: bytes read + written
    double read_bytes_per_second = 2e9;             // contiguous inputs, in whatever runs the bytes come
    double chunked_read_bytes_per_second = 1.5e9;   // chunked inputs without filters
    double filtered_read_bytes_per_second = 0.2e9;  // chunks that are decompressed (gzip) on the way in
    double seconds_per_pass = 0.05;                 // each output or piece: a pipeline, fresh buffers to fault in
    double seconds_per_tile = 100e-6;               // scheduling, hyperslab selection, small allocations
    double seconds_per_run = 2e-6;                  // each contiguous run of a hyperslab is one read (one pread)
    double first_touch_bytes_per_second = 2e9;      // fresh tile buffers: the first write to each page faults
    double fused_operations_per_second = 6e9;       // fused tiles: row operations on cached rows
    double seconds_per_fused_row = 2e-8;            // ... and what each row costs besides its elements
    // The threads the rates were measured on together: a pipeline that keeps fewer busy (one tile in flight) gets
    // that share of them (cost_model.hpp). 1 for the defaults and for profiles written before the key: every
    // pipeline then gets the whole rates, as it did.
    double calibrated_threads = 1;

    // Where the numbers came from, for `tilesum plan`: "defaults", or the file they were loaded from.
    std::string source = "defaults";
    std::string measured;  // when calibrate measured them (ISO 8601 UTC); empty for the defaults
    std::string hostname;  // where
    // What the rates were measured with (issue 13): a GEMM rate means little without the kernels behind it, and
    // a profile measured under OpenBLAS's generic fallback is several times too slow. Optional in the file (empty
    // when absent: profiles written before these keys stay readable); not part of plan files.
    std::string blas_library;  // "OpenBLAS 0.3.21"
    std::string blas_core;     // "Haswell (chosen by OpenBLAS)", as `tilesum --version` says it
    std::string simd_level;    // Highway's dispatched target: "AVX3", "AVX2"...
    friend bool operator==(const MachineProfile&, const MachineProfile&) = default;
};

// The version written into and required of every profile file; bumped when the meaning of a field changes.
// 2: read time is bytes / read_bytes_per_second + runs x seconds_per_run (1 had a strided byte rate instead).
// 3: one rate per kind of work and per storage layout (2 had one flops_per_second for all work).
inline constexpr int machine_profile_format_version = 3;

// The numbers by their JSON key (the profile file's, and the plan files' and `plan --json`'s "machine"): one table
// so that writing, reading and validating them cannot drift apart.
struct MachineNumber {
    const char* key;
    double MachineProfile::*member;
    // Added after the format version it is in: files written before it lack the key and get the default.
    bool optional = false;
};
std::span<const MachineNumber> machine_profile_numbers();

// The profile as a JSON document: "version", the numbers under their member names, "measured", "hostname",
// "blas_library", "blas_core", "simd_level".
std::string machine_profile_json(const MachineProfile& profile);

// Parses a profile document; `path` only names the file in messages and becomes `source`. Throws Error{usage}
// naming the file and the key for malformed JSON, an unsupported version, a missing key, a value of the wrong
// type, and a number that is not finite and positive ("measured", "hostname" and the three of what it was measured
// with are optional strings).
MachineProfile parse_machine_profile(const std::string& text, const std::string& path);

// Reading and writing the file is io's (io/text_files.hpp): engine/api/machine_profile_file.cpp and the calibrate
// command.

}  // namespace tilesum::plan
