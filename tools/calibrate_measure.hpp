// The measurements of `tilesum calibrate`, each through the engine's own code paths so that a number means
// what the planner's cost model (planner.cpp, predicted_seconds) assumes it means:
//   calibrate_compute.cpp   the rate of each kind of kernel work: tiles of that kind evaluated by the eval layer
//   calibrate_storage.cpp   read_bytes_per_second and seconds_per_run: a scratch HDF5 file read by io/'s
//                           reader in row blocks and in narrow column strips; the chunked and gzip read rates:
//                           scratch files in those layouts read in whole chunks
//   calibrate_overhead.cpp  seconds_per_tile and seconds_per_pass: the executor on a tiny problem
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/plan/machine_profile.hpp"

namespace tilesum::cli::calibrate {

// What every measurement gets: the thread count, the Ctrl-C flag, and where to report progress.
struct Context {
    int threads = 1;
    const std::atomic<bool>* interrupted = nullptr;
    double seconds_per_measurement = 1.5;  // each timed loop runs at least this long

    // "tilesum calibrate: <what>" on stderr, so that stdout holds only the table.
    void progress(const std::string& what) const;
    // Throws Error{interrupted} once Ctrl-C or SIGTERM has been received; the callers' guards clean up.
    void check_interrupted() const;
};

// One row of the table calibrate prints: a measured figure, and how it was measured.
struct Row {
    std::string name;
    std::string value;
    std::string how;
};

double seconds_since(double start_seconds);
double now_seconds();                      // steady clock
std::string seconds_text(double seconds);  // "2.5 us", "40 ms"

// One rate per kind of kernel work (eval::KernelWork), of all threads (calibrate_compute.cpp says which and why).
struct ComputeRates {
    double gemm_flops_per_second = 0;
    double reduction_flops_per_second = 0;
    double elementwise_bytes_per_second = 0;
    double fused_operations_per_second = 0;
    double seconds_per_fused_row = 0;
};
ComputeRates measure_compute_rates(const Context& context, std::vector<Row>& rows);

// The read side of the cost model: bytes / bytes_per_second + contiguous runs x seconds_per_run.
struct ReadRates {
    double bytes_per_second = 0;  // contiguous
    double seconds_per_run = 0;
    double chunked_bytes_per_second = 0;
    double filtered_bytes_per_second = 0;  // gzip chunks
};

// Writes a scratch file of about `size_bytes` in `scratch_dir` (which the caller removes), then reads it in row
// blocks (bytes_per_second) and in narrow column strips (seconds_per_run, what those reads took beyond their
// bytes); then a quarter of that as plain chunks and as gzip chunks, read in whole chunk rows (the other two
// rates). `cold`: drop the page cache before each pass (root only; the caller checks).
ReadRates measure_read_rates(const Context& context, const std::string& scratch_dir, std::uint64_t size_bytes,
                             bool cold, std::vector<Row>& rows);

// Replaces the profile's three read rates by what the executor achieves on the scratch files measure_read_rates
// wrote (calibrate_pass_reads.cpp says why), pricing the rest of the work with the profile's other rates.
void measure_pass_reads(const Context& context, const std::string& scratch_dir, plan::MachineProfile& profile,
                        std::vector<Row>& rows);

struct Overheads {
    double seconds_per_tile = 0;
    double seconds_per_pass = 0;
    double first_touch_bytes_per_second = 0;
};

// Runs the executor over two tiny inputs in `scratch_dir`, as thousands of tiles and as one tile.
Overheads measure_overheads(const Context& context, const std::string& scratch_dir, std::vector<Row>& rows);

}  // namespace tilesum::cli::calibrate
