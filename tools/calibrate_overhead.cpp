// seconds_per_tile and seconds_per_pass: what a tile and a pass cost beyond their flops and bytes.
//
// The executor runs `y = einsum('ij,ij->i', S, T)` over two tiny HDF5 inputs (4096 x 4) into a pending HDF5
// output, exactly as `tilesum run` does, once cut into 4096 tiles and once as a single tile. Flops and bytes are
// negligible, so the difference per extra tile is seconds_per_tile (its scheduling, two hyperslab reads, one
// write, its small allocations), and the one-tile run less one tile is seconds_per_pass (starting a pipeline and
// its arena). Faulting in fresh buffers, which the default seconds_per_pass allows for, grows with the bytes a
// pass touches rather than with passes, and is not in this figure.
//
// A run has costs of its own besides: the output file is created, its resume journal written and synced, the
// outputs committed and the file closed (0.1-0.2 s on the shared VM, where fsync is slow: more than the whole
// compute of a small run, which was then predicted 10-50x too fast). Those come once per run, and the profile has
// no number per run, so seconds_per_pass is the whole one-tile run as `tilesum run` times it (api::run into an HDF5
// file) less its tile: it is then right for plans of one pass, and a little high for plans of several.
//
// first_touch_bytes_per_second is that growing part: fresh buffers mapped as the arena maps them (tile_memory.hpp),
// each thread writing its own at once, as the first tiles of a pipeline do. On this VM it is 0.3-0.5 s per GiB with
// transparent huge pages and 1-13 s per GiB without (each 4 KiB fault traps to the hypervisor).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "engine/api/planning.hpp"
#include "engine/api/run.hpp"
#include "engine/api/sources.hpp"
#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/eval/tile_memory.hpp"
#include "engine/exec/executor.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/parser.hpp"
#include "io/hdf5_contiguous.hpp"
#include "io/hdf5_output.hpp"
#include "io/hdf5_reader.hpp"
#include "tools/calibrate_measure.hpp"

namespace tilesum::cli::calibrate {

namespace {

constexpr Extent overhead_rows = 4096;
constexpr Extent overhead_columns = 4;
constexpr int single_tile_runs = 21;  // odd: the median is one of them
constexpr int many_tile_runs_at_least = 3;
constexpr int whole_runs = 5;
constexpr std::size_t first_touch_bytes_per_thread = std::size_t{64} << 20;
constexpr int first_touch_runs = 5;                                      // odd: the median is one of them
constexpr std::size_t first_touch_bytes_at_most = std::size_t{1} << 30;  // over all runs and threads

struct TinyProblem {
    std::map<std::string, std::unique_ptr<io::Hdf5DatasetReader>> readers;
    expr::Program program;
};

TinyProblem make_problem(const std::string& scratch_dir) {
    TinyProblem problem;
    for (const char* name : {"S", "T"}) {
        const std::string file = scratch_dir + "/overhead_" + name + ".h5";
        io::write_contiguous_dataset(
            file, "/X", {overhead_rows, overhead_columns}, overhead_rows,
            [](Extent, Extent rows, double* dst) { std::fill(dst, dst + rows * overhead_columns, 0.5); });
        problem.readers[name] = std::make_unique<io::Hdf5DatasetReader>(file, "/X");
    }
    problem.program =
        script::bind(script::parse_script("y = einsum('ij,ij->i', S, T)"), [&](const expr::InputUse& use) {
            expr::InputSpec spec;
            spec.shape = problem.readers.at(use.name)->info().shape;
            return spec;
        });
    return problem;
}

// The median wall time of `runs` executions of the problem cut into tiles of `tile_rows` rows (at least
// `runs`, and more until the context's time is used).
double median_run_seconds(const Context& context, TinyProblem& problem, io::Hdf5OutputFile& out, Extent tile_rows,
                          int runs_at_least, Extent& tiles) {
    plan::PlanOptions options;
    options.threads = context.threads;
    options.forced_tiles = {{'i', tile_rows}};
    const plan::Plan plan = plan::make_plan(problem.program, options);
    tiles = plan.outputs.front().tiling.tile_count();
    auto pending = out.create_pending("y", plan.outputs.front().root->shape, DType::f64);
    exec::Bindings bindings;
    for (const auto& [name, reader] : problem.readers) bindings.inputs[name] = reader.get();
    bindings.outputs["y"] = pending.get();
    exec::RunControl control;
    control.interrupted = context.interrupted;

    exec::execute(plan, bindings, control);  // untimed: first-touch of HDF5's and TBB's own state
    std::vector<double> seconds;
    const double start = now_seconds();
    while (static_cast<int>(seconds.size()) < runs_at_least || seconds_since(start) < context.seconds_per_measurement) {
        const double run_start = now_seconds();
        exec::execute(plan, bindings, control);
        seconds.push_back(seconds_since(run_start));
    }
    std::nth_element(seconds.begin(), seconds.begin() + static_cast<std::ptrdiff_t>(seconds.size() / 2), seconds.end());
    return seconds[seconds.size() / 2];
}

// The median time of `runs` whole one-tile runs of the problem into an HDF5 file, as `tilesum run` reports it.
double median_whole_run_seconds(const Context& context, const std::string& scratch_dir, int runs) {
    Sources sources;
    const expr::Tensor S = sources.hdf5("S", scratch_dir + "/overhead_S.h5", "/X");
    const expr::Tensor T = sources.hdf5("T", scratch_dir + "/overhead_T.h5", "/X");
    PlanOptions options;
    options.threads = context.threads;
    options.forced_tiles = {{'i', overhead_rows}};
    const tilesum::Plan plan = tilesum::make_plan({{"y", expr::einsum("ij,ij->i", {S, T})}}, options);
    RunControl control;
    control.cancel = context.interrupted;
    std::vector<double> seconds;
    for (int run_index = 0; run_index <= runs; ++run_index) {  // the first, untimed, creates the file
        Sink sink = Sink::hdf5(scratch_dir + "/overhead_run.h5", /*overwrite=*/true);
        const RunStats stats = tilesum::run(plan, sources, sink, control);
        if (run_index > 0) seconds.push_back(stats.seconds);
    }
    std::nth_element(seconds.begin(), seconds.begin() + static_cast<std::ptrdiff_t>(seconds.size() / 2), seconds.end());
    return seconds[seconds.size() / 2];
}

// Bytes per second of first writes to fresh tile buffers, every thread its own buffer at once; the median of the
// runs. Every run gets pages nobody had a moment before: the buffers of earlier runs are kept until the end, because
// a run given the pages the one before just freed measures the kernel's recycling (9.4 GB/s on the shared VM), not
// a run's first tiles. Fresh processes there see 3-7 GB/s with transparent huge pages, and now and then 0.3 GB/s
// when the kernel compacts memory to find a huge page; the slowest run, which this took before, was such a stall,
// and priced every run's first tiles as if it hit one (a column sum was predicted 3x too slow).
double fresh_first_touch_rate(const Context& context) {
    const std::size_t bytes_per_thread = std::min<std::size_t>(
        first_touch_bytes_per_thread,
        first_touch_bytes_at_most / static_cast<std::size_t>(first_touch_runs * std::max(context.threads, 1)));
    std::vector<double> rates;
    std::vector<double*> kept;
    for (int run_index = 0; run_index < first_touch_runs; ++run_index) {
        std::vector<double*> buffers;
        for (int thread = 0; thread < context.threads; ++thread) {
            double* buffer = eval::allocate_tile_memory(bytes_per_thread);
            if (!buffer) {
                for (double* held : kept) eval::free_tile_memory(held, bytes_per_thread);
                for (double* held : buffers) eval::free_tile_memory(held, bytes_per_thread);
                fail(ErrorKind::resource, "cannot allocate a buffer to time first touch");
            }
            buffers.push_back(buffer);
        }
        const double start = now_seconds();
        {
            std::vector<std::jthread> writers;
            for (double* buffer : buffers)
                writers.emplace_back([buffer, bytes_per_thread] { std::memset(buffer, 1, bytes_per_thread); });
        }
        rates.push_back(static_cast<double>(bytes_per_thread) * static_cast<double>(buffers.size()) /
                        std::max(1e-9, seconds_since(start)));
        kept.insert(kept.end(), buffers.begin(), buffers.end());
    }
    for (double* buffer : kept) eval::free_tile_memory(buffer, bytes_per_thread);
    std::nth_element(rates.begin(), rates.begin() + first_touch_runs / 2, rates.end());
    return rates[first_touch_runs / 2];
}

}  // namespace

Overheads measure_overheads(const Context& context, const std::string& scratch_dir, std::vector<Row>& rows) {
    context.progress("running the executor on a tiny problem, in " + std::to_string(overhead_rows) +
                     " tiles and in one");
    TinyProblem problem = make_problem(scratch_dir);
    // Never committed: the pending dataset is unlinked and the file, created here, removed when they go.
    io::Hdf5OutputFile out(scratch_dir + "/overhead_out.h5");
    Extent many_tiles = 0, one_tile = 0;
    const double many_seconds = median_run_seconds(context, problem, out, 1, many_tile_runs_at_least, many_tiles);
    const double one_seconds = median_run_seconds(context, problem, out, overhead_rows, single_tile_runs, one_tile);
    TILESUM_ASSERT(many_tiles > one_tile);

    // Floors keep the profile valid (positive) when a difference drowns in timing noise.
    Overheads overheads;
    overheads.seconds_per_tile =
        std::max(1e-7, (many_seconds - one_seconds) / static_cast<double>(many_tiles - one_tile));
    context.progress("running it whole, as tilesum run does, into an HDF5 file");
    const double whole_seconds = median_whole_run_seconds(context, scratch_dir, whole_runs);
    overheads.seconds_per_pass = std::max(1e-6, std::max(one_seconds, whole_seconds) - overheads.seconds_per_tile);
    rows.push_back({"seconds_per_tile", seconds_text(overheads.seconds_per_tile),
                    std::string("(") + seconds_text(many_seconds) + " for " + std::to_string(many_tiles) + " tiles - " +
                        seconds_text(one_seconds) + " for 1) / " + std::to_string(many_tiles - one_tile) + ", " +
                        std::to_string(context.threads) + " thread(s)"});
    rows.push_back(
        {"seconds_per_pass", seconds_text(overheads.seconds_per_pass),
         "a whole one-tile run into an HDF5 file (output, resume journal, commit) less its tile, median of " +
             std::to_string(whole_runs) + "; the executor alone: " + seconds_text(one_seconds)});
    context.progress("writing fresh tile buffers");
    overheads.first_touch_bytes_per_second = fresh_first_touch_rate(context);
    rows.push_back({"first_touch_bytes_per_second", format_bytes(overheads.first_touch_bytes_per_second) + "/s",
                    "fresh buffers (pages not just freed) written once on " + std::to_string(context.threads) +
                        " thread(s), median of " + std::to_string(first_touch_runs)});
    return overheads;
}

}  // namespace tilesum::cli::calibrate
