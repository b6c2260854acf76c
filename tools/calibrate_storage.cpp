// read_bytes_per_second and seconds_per_run: a scratch file read by io::Hdf5DatasetReader, the reader the
// executor's read stage calls, one read at a time.
//
// The file is what users' inputs usually are: one contiguous float64 matrix, as h5py and numpy write it, which
// the reader serves with one pread per contiguous run of a hyperslab (io/contiguous_reads.hpp). The cost model
// prices a read as bytes / read_bytes_per_second + runs x seconds_per_run, and the two reads here isolate one
// term each. Row blocks of 8 MiB (whole rows) are one run each, so their time is all bytes:
// read_bytes_per_second. Column strips 64 elements wide are one 512-byte run per row, so their time is nearly
// all runs: seconds_per_run is what they took beyond their bytes at read_bytes_per_second, per run. The runs of
// a strip are 32 KiB apart, further than the reader's merge gap (contiguous_reads.cpp), so each is its own pread.
//
// The file was just written, so unless --cold drops the page cache before each pass these are page-cache-warm
// rates: the rates of a second run over the same inputs, not of the first read from disk.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>

#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "io/hdf5_contiguous.hpp"
#include "io/hdf5_reader.hpp"
#include "tools/calibrate_measure.hpp"

namespace tilesum::cli::calibrate {

namespace {

constexpr Extent scratch_columns = 4096;            // 32 KiB rows
constexpr Extent strips_per_row = 64;               // column strips of 64 columns: 512-byte runs, 32 KiB apart
constexpr std::uint64_t row_block_bytes = 8 << 20;  // a row block the size of a typical input slice of a tile
constexpr int passes_at_least = 2;
// The floor of seconds_per_run, when the strips took no longer than their bytes (page-cache noise): a cost model
// number must be positive (machine_profile.hpp), and a nanosecond is below any real read.
constexpr double least_seconds_per_run = 1e-9;

// Writing 3 to drop_caches frees the page cache (after sync, so that dirty pages can go): the next read comes
// from the device. Linux only, root only.
void drop_page_cache() {
    ::sync();
    std::ofstream control("/proc/sys/vm/drop_caches");
    control << "3\n";
    control.flush();
    if (!control) fail(ErrorKind::io, "--cold: cannot write /proc/sys/vm/drop_caches");
}

struct ReadPlan {
    std::string label;
    std::vector<Ranges> reads;  // one pass over the file
    double runs_per_pass = 0;   // contiguous runs those reads are in
};

struct Timed {
    double seconds = 0;
    double bytes = 0;
    double runs = 0;
    int passes = 0;
};

// Runs passes of `plan` until at least passes_at_least passes and the context's time are done (one pass when
// cold: each cold pass costs a device read of the whole file). Returns the totals over all passes.
Timed time_passes(const Context& context, io::Hdf5DatasetReader& reader, const ReadPlan& plan, bool cold) {
    std::uint64_t largest = 0;
    for (const Ranges& ranges : plan.reads)
        largest = std::max<std::uint64_t>(largest, static_cast<std::uint64_t>(element_count(range_shape(ranges))));
    std::vector<double> buffer(largest);
    Timed timed;
    while (timed.passes < (cold ? 1 : passes_at_least) || (!cold && timed.seconds < context.seconds_per_measurement)) {
        if (cold) drop_page_cache();
        const double start = now_seconds();
        for (const Ranges& ranges : plan.reads) {
            context.check_interrupted();
            reader.read(ranges, buffer.data());
            timed.bytes += static_cast<double>(element_count(range_shape(ranges))) * sizeof(double);
        }
        timed.seconds += seconds_since(start);
        timed.runs += plan.runs_per_pass;
        ++timed.passes;
    }
    return timed;
}

std::string rate_text(double bytes_per_second) { return format_bytes(bytes_per_second) + "/s"; }

// Chunks of 32 x 4096 float64 (1 MiB, the size h5py's guesses and users' choices are near), gzip at h5py's default
// level. Their values are pseudo-random doubles, as measured data are: a file of counting numbers would compress
// tenfold and decompress far faster than users' data do.
constexpr Extent chunk_rows = 32;
constexpr unsigned gzip_level = 4;

double pseudo_random(std::uint64_t& state) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
}

// Writes `file` of `shape` in chunks (through gzip unless `level` is 0) and reads it in row blocks of 8 chunk rows,
// each chunk whole and once: the rate of the chunked layout, decompression included.
double chunked_read_rate(const Context& context, const std::string& file, const Shape& shape, unsigned level, bool cold,
                         std::vector<Row>& rows) {
    const std::string layout = level > 0 ? "gzip chunks" : "plain chunks";
    const double file_bytes = static_cast<double>(element_count(shape)) * sizeof(double);
    context.progress("writing a " + format_bytes(file_bytes) + " scratch file in " + layout);
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    io::write_chunked_dataset(file, "/S", shape, {chunk_rows, scratch_columns}, level, chunk_rows,
                              [&](Extent, Extent count, double* dst) {
                                  context.check_interrupted();
                                  for (Extent element = 0; element < count * shape[1]; ++element)
                                      dst[element] = pseudo_random(state);
                              });
    io::Hdf5DatasetReader reader(file, "/S");
    ReadPlan plan{layout, {}, 0};
    const Extent block_rows = 8 * chunk_rows;
    for (Extent first = 0; first < shape[0]; first += block_rows)
        plan.reads.push_back({{first, std::min(first + block_rows, shape[0])}, {0, shape[1]}});
    plan.runs_per_pass = static_cast<double>(plan.reads.size());
    context.progress("reading it in row blocks");
    const Timed timed = time_passes(context, reader, plan, cold);
    const double rate = timed.bytes / timed.seconds;
    rows.push_back({level > 0 ? "  reads alone: gzip chunks" : "  reads alone: plain chunks", rate_text(rate),
                    format_bytes(file_bytes) + " in " + layout + " of " +
                        format_bytes(static_cast<double>(chunk_rows * shape[1]) * sizeof(double)) +
                        (level > 0 ? " (level 4)" : "") + ", read in row blocks of 8 chunks, " +
                        std::to_string(timed.passes) + " pass(es)" + (cold ? ", page cache dropped" : "")});
    return rate;
}

}  // namespace

ReadRates measure_read_rates(const Context& context, const std::string& scratch_dir, std::uint64_t size_bytes,
                             bool cold, std::vector<Row>& rows) {
    const Extent row_bytes = scratch_columns * static_cast<Extent>(sizeof(double));
    const Extent row_count = std::max<Extent>(strips_per_row, static_cast<Extent>(size_bytes) / row_bytes);
    const Shape shape{row_count, scratch_columns};
    const std::string file = scratch_dir + "/read_rates.h5";
    const double file_bytes = static_cast<double>(row_count * row_bytes);

    context.progress("writing a " + format_bytes(file_bytes) + " scratch file in " + scratch_dir);
    const Extent rows_per_block = std::max<Extent>(1, static_cast<Extent>(row_block_bytes) / row_bytes);
    const double write_start = now_seconds();
    io::write_contiguous_dataset(file, "/S", shape, rows_per_block, [&](Extent first_row, Extent rows, double* dst) {
        context.check_interrupted();
        for (Extent element = 0; element < rows * scratch_columns; ++element)
            dst[element] = static_cast<double>(first_row * scratch_columns + element);
    });
    const double write_seconds = seconds_since(write_start);
    rows.push_back({"  scratch file written", rate_text(file_bytes / write_seconds),
                    format_bytes(file_bytes) + " " + format_shape(shape) + " float64, contiguous; not stored"});

    io::Hdf5DatasetReader reader(file, "/S");
    ReadPlan row_plan{"row blocks", {}, 0};
    for (Extent first = 0; first < row_count; first += rows_per_block)
        row_plan.reads.push_back({{first, std::min(first + rows_per_block, row_count)}, {0, scratch_columns}});
    row_plan.runs_per_pass = static_cast<double>(row_plan.reads.size());  // whole rows: one run per block
    ReadPlan column_plan{"column strips", {}, 0};
    const Extent strip_width = scratch_columns / strips_per_row;
    for (Extent first = 0; first < scratch_columns; first += strip_width)
        column_plan.reads.push_back({{0, row_count}, {first, first + strip_width}});
    column_plan.runs_per_pass = static_cast<double>(row_count * strips_per_row);  // one run per row of each strip

    const std::string cache = cold ? "page cache dropped before each pass" : "page cache warm";
    ReadRates rates;
    context.progress("reading it in row blocks");
    const Timed row_blocks = time_passes(context, reader, row_plan, cold);
    rates.bytes_per_second = row_blocks.bytes / row_blocks.seconds;
    rows.push_back({"  reads alone: contiguous", rate_text(rates.bytes_per_second),
                    "row blocks of " + format_bytes(static_cast<double>(rows_per_block * row_bytes)) +
                        " (one run each), " + std::to_string(row_blocks.passes) + " pass(es), " + cache});
    context.progress("reading it in column strips");
    const Timed strips = time_passes(context, reader, column_plan, cold);
    const double beyond_bytes_seconds = strips.seconds - strips.bytes / rates.bytes_per_second;
    rates.seconds_per_run = std::max(least_seconds_per_run, beyond_bytes_seconds / strips.runs);
    char runs_text[32];
    std::snprintf(runs_text, sizeof runs_text, "%.0f", strips.runs);
    std::string how = "(";  // appended to, not "(" + ...: GCC 12 warns falsely (-Wrestrict) on that
    how += seconds_text(strips.seconds) + " for column strips " + std::to_string(strip_width) + " of " +
           std::to_string(scratch_columns) + " wide - their bytes at read_bytes_per_second) / " + runs_text +
           " runs of " + format_bytes(static_cast<double>(strip_width) * sizeof(double)) + ", " +
           std::to_string(strips.passes) + " pass(es), " + cache;
    if (beyond_bytes_seconds / strips.runs < least_seconds_per_run) how += "; at its floor";
    rows.push_back({"seconds_per_run", seconds_text(rates.seconds_per_run), how});

    // Chunked files hold a quarter of the bytes: gzip at level 4 writes at a few tens of MB/s.
    const Extent chunked_rows = std::max<Extent>(chunk_rows, row_count / 4 / chunk_rows * chunk_rows);
    rates.chunked_bytes_per_second =
        chunked_read_rate(context, scratch_dir + "/chunked.h5", {chunked_rows, scratch_columns}, 0, cold, rows);
    rates.filtered_bytes_per_second =
        chunked_read_rate(context, scratch_dir + "/gzip.h5", {chunked_rows, scratch_columns}, gzip_level, cold, rows);
    return rates;
}

}  // namespace tilesum::cli::calibrate
