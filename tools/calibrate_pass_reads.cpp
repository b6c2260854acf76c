// The read rates of the profile, as the executor achieves them: a column sum of each scratch file (contiguous,
// plain chunks, gzip chunks), planned as `tilesum run` plans it under a 256 MiB budget and run by the executor.
//
// Why not the reader's own rate (calibrate_storage.cpp, printed as "reads alone"): it reads one block at a time into
// one warm buffer, and came out at 7-15 GiB/s on the shared VM, while the executor read the same page-cache-warm
// bytes at 0.6-1 GB/s (512 MiB column sums took 0.5-0.9 s at every budget from 32 MiB to 1 GiB: tiles of 16-32 MiB
// in fresh buffers, several in flight). Predictions from the reader's rate were 5-10x too fast for every workload
// that reads more than it computes. The column sum's own work is small and priced at the rates already measured:
// what is left of its time is reading.
#include <algorithm>
#include <cstdio>

#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/exec/executor.hpp"
#include "engine/plan/cost_model.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/parser.hpp"
#include "io/hdf5_output.hpp"
#include "io/hdf5_reader.hpp"
#include "tools/calibrate_measure.hpp"

namespace tilesum::cli::calibrate {

namespace {

constexpr int runs_per_file = 3;  // odd: the median is one of them
constexpr std::size_t pass_budget_bytes = std::size_t{256} << 20;

struct PassRead {
    double bytes = 0;
    double seconds = 0;        // the median run
    double other_seconds = 0;  // of which not reading, as the profile's other rates predict it
};

PassRead time_column_sum(const Context& context, const std::string& file, io::Hdf5OutputFile& out,
                         const plan::MachineProfile& profile) {
    io::Hdf5DatasetReader reader(file, "/S");
    const io::DatasetInfo info = reader.info();
    const expr::Program program =
        script::bind(script::parse_script("s = einsum('ij->j', S)"), [&](const expr::InputUse&) {
            return expr::InputSpec{info.shape, info.dtype, info.chunk_shape, info.filtered};
        });
    plan::PlanOptions options;
    options.threads = context.threads;
    options.budget_bytes = pass_budget_bytes;
    options.machine = profile;
    const plan::Plan plan = plan::make_plan(program, options);
    for (const auto& [name, bytes] : plan.chunk_cache_bytes) reader.set_chunk_cache(bytes);
    const plan::OutputPlan& output = plan.outputs.front();
    auto pending = out.create_pending("s", output.root->shape, DType::f64);
    exec::Bindings bindings;
    bindings.inputs["S"] = &reader;
    bindings.outputs["s"] = pending.get();
    exec::RunControl control;
    control.interrupted = context.interrupted;
    std::vector<double> seconds;
    for (int run = 0; run < runs_per_file; ++run) {
        const double start = now_seconds();
        exec::execute(plan, bindings, control);
        seconds.push_back(seconds_since(start));
    }
    context.check_interrupted();
    std::nth_element(seconds.begin(), seconds.begin() + runs_per_file / 2, seconds.end());
    PassRead result;
    result.bytes = output.bytes_read;
    result.seconds = seconds[runs_per_file / 2];
    plan::WorkSplit work = output.split;  // everything but the reads
    work.chunked_bytes_read = work.filtered_bytes_read = 0;
    plan::MachineProfile no_pass = profile;
    no_pass.seconds_per_pass = 0;  // the executor alone: no output file, journal or commit
    result.other_seconds = plan::cost::seconds(output.tiling.tile_count(), work, 0, 0, no_pass,
                                               plan::cost::busy_threads(options.threads, output.tiles_in_flight));
    return result;
}

}  // namespace

void measure_pass_reads(const Context& context, const std::string& scratch_dir, plan::MachineProfile& profile,
                        std::vector<Row>& rows) {
    struct Layout {
        const char* file;
        const char* name;
        double plan::MachineProfile::*rate;
    };
    const Layout layouts[] = {
        {"read_rates.h5", "read_bytes_per_second", &plan::MachineProfile::read_bytes_per_second},
        {"chunked.h5", "chunked_read_bytes_per_second", &plan::MachineProfile::chunked_read_bytes_per_second},
        {"gzip.h5", "filtered_read_bytes_per_second", &plan::MachineProfile::filtered_read_bytes_per_second},
    };
    io::Hdf5OutputFile out(scratch_dir + "/pass_reads_out.h5");  // never committed, removed with the directory
    for (const Layout& layout : layouts) {
        context.progress(std::string("summing the columns of ") + layout.file + " with the executor");
        const PassRead read = time_column_sum(context, scratch_dir + "/" + layout.file, out, profile);
        // At least a tenth of the time is reading: the other work's prediction must not swallow it all.
        const double read_seconds = std::max(read.seconds - read.other_seconds, 0.1 * read.seconds);
        profile.*layout.rate = read.bytes / read_seconds;
        char how[160];
        std::snprintf(how, sizeof how, "a column sum of %s by the executor (256 MiB budget): %s, less %s of other work",
                      layout.file, seconds_text(read.seconds).c_str(), seconds_text(read.other_seconds).c_str());
        rows.push_back({layout.name, format_bytes(profile.*layout.rate) + "/s", how});
    }
}

}  // namespace tilesum::cli::calibrate
