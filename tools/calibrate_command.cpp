// `tilesum calibrate`: measures the machine profile once (calibrate_measure.hpp says how), prints what it
// measured and stores it where `run` and `plan` look for it (engine/api/machine_profile_file.hpp).
#include "tools/calibrate_command.hpp"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "engine/api/machine_profile_file.hpp"
#include "engine/api/version.hpp"
#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/plan/machine_profile.hpp"
#include "io/text_files.hpp"
#include "tools/calibrate_measure.hpp"
#include "tools/interrupt_guard.hpp"

namespace tilesum::cli {

namespace po = boost::program_options;

namespace calibrate {

void Context::progress(const std::string& what) const { std::cerr << "tilesum calibrate: " << what << std::endl; }

void Context::check_interrupted() const {
    if (interrupted && interrupted->load())
        fail(ErrorKind::interrupted, "calibrate interrupted; no profile was written and the scratch files are removed");
}

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double seconds_since(double start_seconds) { return now_seconds() - start_seconds; }

std::string seconds_text(double seconds) {
    char text[32];
    if (seconds < 1e-3)
        std::snprintf(text, sizeof text, "%.3g us", seconds * 1e6);
    else if (seconds < 1)
        std::snprintf(text, sizeof text, "%.3g ms", seconds * 1e3);
    else
        std::snprintf(text, sizeof text, "%.3g s", seconds);
    return text;
}

}  // namespace calibrate

namespace {

struct CalibrateOptions {
    std::string profile_path;
    std::string scratch_parent;
    std::uint64_t size_bytes = std::uint64_t{256} << 20;
    int threads = 1;
    bool cold = false;
};

constexpr std::uint64_t smallest_size = std::uint64_t{1} << 20;

const char* help_text =
    "Usage: tilesum calibrate [--profile FILE] [--scratch DIR] [--size SIZE] [--threads N] [--cold]\n\n"
    "Measures this machine once, through tilesum's own code paths, and stores the numbers the planner uses to\n"
    "predict a plan's time (and so to choose between plans), each kind of work at its own rate:\n"
    "  gemm_flops_per_second          a GEMM tile evaluated on every thread\n"
    "  reduction_flops_per_second     tiles summing over an axis and a matrix-vector product (flops)\n"
    "  elementwise_bytes_per_second   tiles of elementwise products and sums (bytes read and written)\n"
    "  fused_operations_per_second    the seed's tile evaluated fused: row operations on cached rows\n"
    "  read_bytes_per_second          a scratch HDF5 file (contiguous float64, --size) summed over its rows by\n"
    "                                 the executor, less that sum's work at the rates above (the reader alone,\n"
    "                                 in 8 MiB row blocks, is shown: several times faster than a pass reads)\n"
    "  seconds_per_run                the same file read in column strips 64 elements wide (one 512-byte run,\n"
    "                                 one read, per row and strip), less its bytes at the reader's rate, per run\n"
    "  chunked_read_bytes_per_second  as read_bytes_per_second, of a quarter of that in 1 MiB chunks\n"
    "  filtered_read_bytes_per_second the same in gzip chunks (level 4) of pseudo-random doubles\n"
    "  seconds_per_tile               the executor on a tiny problem in 4096 tiles versus one tile\n"
    "  seconds_per_pass               the same problem in one tile, run whole into an HDF5 file as tilesum run\n"
    "                                 does (output file, resume journal, commit)\n"
    "  first_touch_bytes_per_second   fresh tile buffers, as the arena maps them, written once on every thread\n"
    "  seconds_per_fused_row          the fused seed tile again with rows a quarter as long: what a row costs\n"
    "                                 besides its elements\n"
    "  calibrated_threads             the threads all the rates above were measured on together\n"
    "The planner predicts a plan's time as the sum of each kind's work at its rate (GEMM flops, reduction flops,\n"
    "elementwise bytes), the bytes read from each storage layout at its rate, contiguous runs read x\n"
    "seconds_per_run, tiles x seconds_per_tile, seconds_per_pass per output and one tile buffer per busy thread at\n"
    "first_touch_bytes_per_second; a pipeline that keeps fewer threads busy than calibrated_threads (fewer tiles\n"
    "in flight) gets that share of every rate. Two tiles the rates are not\n"
    "fit to (the seed's as written, a transposition) are predicted from them as a check and shown.\n"
    "Read rates are page-cache-warm (the file was just written) unless --cold. The scratch file is removed at\n"
    "the end, also after an error or Ctrl-C. Takes about 30 s. The BLAS library and kernels (OpenBLAS's core) and\n"
    "the SIMD level the rates were measured with are printed and stored beside them (as tilesum --version says).\n\n"
    "The profile is written (atomically, creating the directory) to --profile FILE, else $TILESUM_PROFILE, else\n"
    "$XDG_CONFIG_HOME/tilesum/machine.json or ~/.config/tilesum/machine.json; tilesum run and tilesum plan read\n"
    "it from the same place and use built-in defaults when there is none. `tilesum plan` names the profile used.\n\n";

po::options_description calibrate_options() {
    po::options_description options("Options of tilesum calibrate");
    // One option per line, as Boost.Program_options chains read best: not for clang-format.
    // clang-format off
    options.add_options()
        ("help,h", "show this help")
        ("profile", po::value<std::string>()->value_name("FILE"), "where to write the profile (see above)")
        ("scratch", po::value<std::string>()->value_name("DIR"),
         "directory for the scratch file, on the disk that holds your data (default: $TMPDIR, else /tmp)")
        ("size", po::value<std::string>()->value_name("SIZE"),
         "size of the scratch file: bytes or a number with K, M, G (default 256MiB, at least 1MiB)")
        ("threads", po::value<std::string>()->value_name("N"), "threads for the tile and executor measurements (default: "
                                                                "the number of cores, as tilesum run)")
        ("cold", po::bool_switch(),
         "drop the page cache (write 3 to /proc/sys/vm/drop_caches) before each read pass, to measure reads from "
         "the device; root only, and it slows down everything else on the machine for a while");
    // clang-format on
    return options;
}

std::optional<CalibrateOptions> parse(const std::vector<std::string>& args) {
    const po::options_description options = calibrate_options();
    po::variables_map values;
    try {
        po::store(po::command_line_parser(args).options(options).run(), values);
        po::notify(values);
    } catch (const po::error& error) {
        fail(ErrorKind::usage, std::string(error.what()) + " (see tilesum calibrate --help)");
    }
    if (values.count("help")) {
        std::cout << help_text << options;
        return std::nullopt;
    }
    CalibrateOptions result;
    if (values.count("profile")) result.profile_path = values["profile"].as<std::string>();
    const char* tmpdir = std::getenv("TMPDIR");
    result.scratch_parent = values.count("scratch") ? values["scratch"].as<std::string>()
                            : tmpdir && *tmpdir     ? tmpdir
                                                    : "/tmp";
    if (values.count("size")) {
        const std::string text = values["size"].as<std::string>();
        const std::optional<std::uint64_t> size = parse_size(text);
        if (!size || *size < smallest_size)
            fail(ErrorKind::usage, "--size '" + text + "': expected a size of at least 1MiB, such as 64MiB or 1G");
        result.size_bytes = *size;
    }
    result.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (values.count("threads")) {
        const std::string text = values["threads"].as<std::string>();
        if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(text) < 1)
            fail(ErrorKind::usage, "--threads '" + text + "': expected a whole number of threads, at least 1");
        result.threads = std::stoi(text);
    }
    result.cold = values["cold"].as<bool>();
    if (result.cold && ::geteuid() != 0)
        fail(ErrorKind::usage,
             "--cold needs root: it writes /proc/sys/vm/drop_caches (run without it for "
             "page-cache-warm read rates)");
    return result;
}

// A private directory for the scratch files (mkdtemp: no clash with another calibrate or another user), removed
// with everything in it when the guard goes, whichever way calibrate ends.
class ScratchDirectory {
public:
    explicit ScratchDirectory(const std::string& parent) {
        std::string pattern = parent + "/tilesum-calibrate-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            fail(ErrorKind::usage,
                 "--scratch '" + parent + "': cannot create a scratch directory there: " + std::strerror(errno));
        path_ = pattern;
    }
    ~ScratchDirectory() {
        std::error_code ignored;  // nothing throws from a destructor
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDirectory(const ScratchDirectory&) = delete;
    ScratchDirectory& operator=(const ScratchDirectory&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string host_name() {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? name : "";
}

void print_table(const std::vector<calibrate::Row>& rows) {
    std::printf("%-31s %-14s %s\n", "measured", "value", "how");
    for (const calibrate::Row& row : rows)
        std::printf("%-31s %-14s %s\n", row.name.c_str(), row.value.c_str(), row.how.c_str());
}

}  // namespace

int run_calibrate_command(const std::vector<std::string>& args) {
    const std::optional<CalibrateOptions> options = parse(args);
    if (!options) return 0;
    // Where the profile goes is settled (and a bad place refused) before any time is spent measuring.
    const ProfileLocation location = locate_machine_profile(options->profile_path);
    if (location.path.empty())
        fail(ErrorKind::usage, location.named_by.empty()
                                   ? "no place to store the profile: HOME is not set; give --profile FILE"
                                   : "calibrate needs a file to write, and " + location.named_by + " says '" +
                                         defaults_profile_word + "'; give --profile FILE");

    const InterruptGuard interrupt_guard;  // the measurement loops notice; the scratch guard removes its files
    calibrate::Context context;
    context.threads = options->threads;
    context.interrupted = &interrupt_guard.requested();
    const double start = calibrate::now_seconds();
    std::vector<calibrate::Row> rows;
    plan::MachineProfile profile;
    {
        ScratchDirectory scratch(options->scratch_parent);  // first: a bad --scratch is refused at once
        // Compute rates next: the executor's read rates are what is left of a pass once its work is priced.
        const calibrate::ComputeRates compute = calibrate::measure_compute_rates(context, rows);
        profile.gemm_flops_per_second = compute.gemm_flops_per_second;
        profile.reduction_flops_per_second = compute.reduction_flops_per_second;
        profile.elementwise_bytes_per_second = compute.elementwise_bytes_per_second;
        profile.fused_operations_per_second = compute.fused_operations_per_second;
        profile.seconds_per_fused_row = compute.seconds_per_fused_row;
        profile.calibrated_threads = context.threads;
        const calibrate::ReadRates reads =
            calibrate::measure_read_rates(context, scratch.path(), options->size_bytes, options->cold, rows);
        profile.read_bytes_per_second = reads.bytes_per_second;
        profile.seconds_per_run = reads.seconds_per_run;
        profile.chunked_read_bytes_per_second = reads.chunked_bytes_per_second;
        profile.filtered_read_bytes_per_second = reads.filtered_bytes_per_second;
        const calibrate::Overheads overheads = calibrate::measure_overheads(context, scratch.path(), rows);
        profile.seconds_per_tile = overheads.seconds_per_tile;
        profile.seconds_per_pass = overheads.seconds_per_pass;
        profile.first_touch_bytes_per_second = overheads.first_touch_bytes_per_second;
        calibrate::measure_pass_reads(context, scratch.path(), profile, rows);
    }
    profile.measured = utc_now();
    profile.hostname = host_name();
    // What the rates were measured with: the GEMM rate is the BLAS kernels' (issue 13).
    const RuntimeReport runtime = runtime_report();
    profile.blas_library = runtime.blas_library;
    profile.blas_core = runtime.blas_core;
    profile.simd_level = runtime.simd_level;

    std::printf("BLAS: %s, kernels %s\nSIMD: %s (Google Highway, chosen at run time)\n\n", runtime.blas_library.c_str(),
                runtime.blas_core.c_str(), runtime.simd_level.c_str());
    print_table(rows);
    io::write_file_atomically(location.path, plan::machine_profile_json(profile), "machine profile");
    std::printf("\nwrote %s (measured in %.1f s); tilesum run and tilesum plan use it%s\n", location.path.c_str(),
                calibrate::seconds_since(start),
                location.named_by.empty() ? "" : (" when " + location.named_by + " names it").c_str());
    return 0;
}

}  // namespace tilesum::cli
