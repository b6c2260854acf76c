// The compute rates of the cost model, one per kind of kernel work (eval::KernelWork): gemm_flops_per_second,
// reduction_flops_per_second, elementwise_bytes_per_second and fused_operations_per_second.
//
// What is timed: real tiles, as the planner cuts them, evaluated by eval::evaluate_tile (the function the
// executor calls) from leaves already in memory, on every thread at once. The work is the evaluator's own count
// (TileCost::work), the same count the planner divides by these rates. Reading the leaves is left out: the read
// rates and per-tile overhead are measured, and predicted, separately.
//
// Why one rate per kind: GEMM-shaped tiles run at tens of GFLOP/s, sums over an axis and matrix-vector shapes at a
// few, and elementwise work moves bytes without much arithmetic at all. One rate (this used to be the harmonic mean
// of all four cases) predicted an 8k matmul at 4x its time. Each case below is almost all one kind, and its kind's
// rate is that work over the case's time (cases of one kind: the harmonic mean, i.e. equal work of each). The seed's
// tile as written mixes all three: it is not measured into any rate but predicted from them, as a check.
#include <algorithm>
#include <cstdio>
#include <map>
#include <thread>

#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/kernels/block_ops.hpp"
#include "engine/plan/plan.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/parser.hpp"
#include "tools/calibrate_measure.hpp"

namespace tilesum::cli::calibrate {

namespace {

struct KernelCase {
    const char* name;
    const char* script;
    std::map<std::string, Shape> shapes;
};

// Inputs sized so that each tile (eight or more per output, as the planner cuts them) is a few MiB.
enum class Kind { gemm, reduction, elementwise, fused, check };
// The floor of seconds_per_fused_row when the two fused cases disagree (a profile number must be positive).
constexpr double least_seconds_per_fused_row = 1e-12;

struct KindCase : KernelCase {
    Kind kind;
};
const std::vector<KindCase>& kernel_cases() {
    static const std::vector<KindCase> cases = {
        {{"gemm", "C = einsum('ij,jk->ik', A, B)", {{"A", {1024, 512}}, {"B", {512, 512}}}}, Kind::gemm},
        {{"sum over an axis", "s = einsum('ijk->ik', A)", {{"A", {512, 64, 256}}}}, Kind::reduction},
        {{"matrix-vector", "y = einsum('ij,j->i', A, x)", {{"A", {4096, 1024}}, {"x", {1024}}}}, Kind::reduction},
        // Tiles as large as plans cut them (tile_bytes_cap): smaller ones run from cache, several times faster.
        {{"elementwise", "C = A * B - 2 * A", {{"A", {4096, 4096}}, {"B", {4096, 4096}}}}, Kind::elementwise},
        // The seed as written, evaluated fused (eval/fused_einsum.hpp): row operations on rows that stay cached. Twice:
        // as large as real runs' tiles, and with rows a quarter as long. A row costs a fixed amount besides its
        // elements (the runner's dispatch, loop set-up), and the two give both: fused_operations_per_second and
        // seconds_per_fused_row (a plan of rows of 250 was predicted 3x too fast from the long rows' rate alone).
        {{"seed as written (fused)",
          "C  = einsum('i, jk -> ijk', B, A)\n"
          "C2 = einsum('j, ik -> ijk', Y2, Z2)\n"
          "E  = einsum('ijk, ikj -> k', C + C2, C + C2)\n",
          {{"A", {1024, 1024}}, {"B", {1024}}, {"Y2", {1024}}, {"Z2", {1024, 1024}}}},
         Kind::fused},
        {{"seed as written (fused), short rows",
          "C  = einsum('i, jk -> ijk', B, A)\n"
          "C2 = einsum('j, ik -> ijk', Y2, Z2)\n"
          "E  = einsum('ijk, ikj -> k', C + C2, C + C2)\n",
          {{"A", {256, 256}}, {"B", {256}}, {"Y2", {256}}, {"Z2", {256, 256}}}},
         Kind::fused},
        // A function in a fused tile: exp's operations are weighted as several (fused_einsum.cpp), checked here.
        {{"exp in a fused tile",
          "C  = einsum('i, jk -> ijk', B, A)\n"
          "C2 = einsum('j, ik -> ijk', Y2, Z2)\n"
          "E  = einsum('ijk -> k', exp(-(C - C2)**2))\n",
          {{"A", {512, 512}}, {"B", {512}}, {"Y2", {512}}, {"Z2", {512, 512}}}},
         Kind::check},
        // A strided permutation runs at a fraction of the elementwise rate it is priced at (a kind of its own would
        // be more honest; plans copy little, mostly operands into GEMM's order): shown, as a check, how far.
        {{"transposition", "T = einsum('ijk->kji', A)", {{"A", {256, 64, 256}}}}, Kind::check},
    };
    return cases;
}

struct CaseResult {
    eval::KernelWork per_second;  // of all threads together
    double tiles_per_second = 0;
    std::string tile_text;
};

// Evaluates tile 0 of the case's (only) output over and over on `threads` threads for the context's time.
CaseResult time_case(const Context& context, const KernelCase& kernel_case) {
    const expr::Program program =
        script::bind(script::parse_script(kernel_case.script), [&](const expr::InputUse& use) {
            expr::InputSpec spec;
            spec.shape = kernel_case.shapes.at(use.name);
            return spec;
        });
    plan::PlanOptions options;
    options.strategy = plan::Strategy::tile;  // the expression as written: the seed case is the point
    options.budget_bytes = std::size_t{256} << 20;
    const plan::Plan plan = plan::make_plan(program, options);
    TILESUM_ASSERT(plan.outputs.size() == 1 && plan.pieces.empty());
    const plan::OutputPlan& output = plan.outputs.front();
    const eval::TileSpec tile = output.tiling.tile(0);

    // Room for every thread's tile at its peak, plus the shared leaves.
    eval::Arena arena(output.peak_bytes * static_cast<std::size_t>(context.threads + 1), eval::Arena::Mode::real);
    eval::LeafBlocks leaves;
    for (eval::LeafKey& key : eval::collect_leaves(*output.root, tile)) {
        const Shape shape = range_shape(key.ranges);
        eval::Block block{arena.allocate(static_cast<std::size_t>(element_count(shape))), shape};
        // Values near 1 of no special form: neither zeros nor denormals that some kernels shortcut.
        for (Extent element = 0; element < element_count(shape); ++element)
            block.data()[element] = 1.0 + 1e-3 * static_cast<double>(element % 997);
        leaves.emplace(std::move(key), std::move(block));
    }

    struct Worker {
        eval::KernelWork work;
        double tiles = 0;
        double seconds = 0;
    };
    std::vector<Worker> workers(static_cast<std::size_t>(context.threads));
    auto work = [&](Worker& worker) {
        eval::TileCost warm_up;  // untimed: the arena's kept buffers and the caches fill here
        eval::evaluate_tile(*output.root, tile, leaves, arena, warm_up, plan.schedule);
        const double start = now_seconds();
        do {
            eval::TileCost cost;
            eval::evaluate_tile(*output.root, tile, leaves, arena, cost, plan.schedule);
            worker.work += cost.work;
            worker.tiles += 1;
        } while (seconds_since(start) < context.seconds_per_measurement && !context.interrupted->load());
        worker.seconds = seconds_since(start);
    };
    std::vector<std::thread> threads;
    for (Worker& worker : workers) threads.emplace_back(work, std::ref(worker));
    for (std::thread& thread : threads) thread.join();
    context.check_interrupted();

    CaseResult result;
    for (const Worker& worker : workers) {
        result.per_second += worker.work.scaled(1 / worker.seconds);
        result.tiles_per_second += worker.tiles / worker.seconds;
    }
    std::string ranges;
    // Appended piece by piece: GCC 12's -Wrestrict misfires on `"literal" + std::string` (GCC bug 105329).
    for (const Range& range : tile.ranges) {
        if (!ranges.empty()) ranges += ',';
        ranges += std::to_string(range.length());
    }
    std::string slabs;  // a slab of a summed index, where the planner cut one, is part of what the tile is
    for (const auto& [label, range] : tile.summed) {
        slabs += std::string(" ") + label + '=';
        slabs += std::to_string(range.length());
    }
    result.tile_text = std::string("tile (") + ranges + ")" + (slabs.empty() ? "" : " slab" + slabs) + " of " +
                       output.name + " " + format_shape(output.root->shape) + ", " +
                       format_bytes(static_cast<double>(output.peak_bytes)) + " peak";
    return result;
}

// Both fused cases took one second per second: ops_i / R + rows_i x c = 1, solved for the rate R and the seconds
// per row c. Timing noise can make the pair inconsistent (c < 0, or no positive R); the long rows' own rate is then
// the rate and rows cost nothing beyond it, as before there were two cases.
void fit_fused_rows(const std::vector<eval::KernelWork>& fused, ComputeRates& rates) {
    TILESUM_ASSERT(fused.size() == 2);
    const eval::KernelWork& long_rows = fused[0];
    const eval::KernelWork& short_rows = fused[1];
    const double determinant =
        long_rows.fused_operations * short_rows.fused_rows - short_rows.fused_operations * long_rows.fused_rows;
    const double inverse_rate = (short_rows.fused_rows - long_rows.fused_rows) / determinant;
    const double per_row = (long_rows.fused_operations - short_rows.fused_operations) / determinant;
    if (determinant != 0 && inverse_rate > 0 && per_row > 0) {
        rates.fused_operations_per_second = 1 / inverse_rate;
        rates.seconds_per_fused_row = per_row;
    } else {
        rates.fused_operations_per_second = long_rows.fused_operations;
        rates.seconds_per_fused_row = least_seconds_per_fused_row;
    }
}

std::string rate_text(double per_second, const char* unit) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g %s/s", per_second / 1e9, unit);
    return text;
}

}  // namespace

ComputeRates measure_compute_rates(const Context& context, std::vector<Row>& rows) {
    // BLAS must not start its own threads under ours, as in the executor.
    kernels::use_single_threaded_blas();
    // Per kind: the sum over its cases of seconds per unit of work, and how many cases.
    std::map<Kind, std::pair<double, int>> inverse_rates;
    std::vector<std::pair<const KindCase*, CaseResult>> checks;
    std::vector<eval::KernelWork> fused;  // per second, of the fused cases: fit together below
    for (const KindCase& kernel_case : kernel_cases()) {
        context.progress(std::string("evaluating tiles: ") + kernel_case.name);
        const CaseResult result = time_case(context, kernel_case);
        const double rate = kernel_case.kind == Kind::gemm        ? result.per_second.gemm_flops
                            : kernel_case.kind == Kind::reduction ? result.per_second.reduction_flops
                            : kernel_case.kind == Kind::fused     ? result.per_second.fused_operations
                                                                  : result.per_second.elementwise_bytes;
        if (kernel_case.kind == Kind::check) {
            checks.emplace_back(&kernel_case, result);
            continue;
        }
        TILESUM_ASSERT(rate > 0);  // each case does work of its kind
        if (kernel_case.kind == Kind::fused) fused.push_back(result.per_second);
        inverse_rates[kernel_case.kind].first += 1 / rate;
        inverse_rates[kernel_case.kind].second += 1;
        rows.push_back({std::string("  tiles: ") + kernel_case.name,
                        rate_text(rate, kernel_case.kind == Kind::elementwise ? "GB"
                                        : kernel_case.kind == Kind::fused     ? "G op"
                                                                              : "GFLOP"),
                        result.tile_text});
    }
    auto combined = [&](Kind kind) { return inverse_rates[kind].second / inverse_rates[kind].first; };
    ComputeRates rates{combined(Kind::gemm), combined(Kind::reduction), combined(Kind::elementwise),
                       combined(Kind::fused)};
    fit_fused_rows(fused, rates);
    const std::string threads = std::to_string(context.threads) + " thread(s)";
    rows.push_back(
        {"gemm_flops_per_second", rate_text(rates.gemm_flops_per_second, "GFLOP"), "the GEMM tile above, " + threads});
    rows.push_back({"reduction_flops_per_second", rate_text(rates.reduction_flops_per_second, "GFLOP"),
                    "harmonic mean of the sum and matrix-vector tiles above, " + threads});
    rows.push_back({"elementwise_bytes_per_second", rate_text(rates.elementwise_bytes_per_second, "GB"),
                    "the elementwise tile above (bytes read + written), " + threads});
    rows.push_back({"fused_operations_per_second", rate_text(rates.fused_operations_per_second, "G op"),
                    "the two fused seed tiles above: their elements, " + threads});
    rows.push_back({"seconds_per_fused_row", seconds_text(rates.seconds_per_fused_row),
                    "the two fused seed tiles above: what a row costs besides its elements, " + threads});
    // Tiles predicted from the three rates, not fit to them: how far the per-kind model is from them.
    for (const auto& [kernel_case, result] : checks) {
        const eval::KernelWork& work = result.per_second;  // per second of all threads: predicted seconds per second
        const double predicted =
            work.gemm_flops / rates.gemm_flops_per_second + work.reduction_flops / rates.reduction_flops_per_second +
            work.elementwise_bytes / rates.elementwise_bytes_per_second +
            work.fused_operations / rates.fused_operations_per_second + work.fused_rows * rates.seconds_per_fused_row;
        char text[32];
        std::snprintf(text, sizeof text, "%.2fx", predicted);
        rows.push_back({std::string("  check: ") + kernel_case->name, text,
                        "its time predicted from the rates above / measured (not used): " + result.tile_text});
    }
    return rates;
}

}  // namespace tilesum::cli::calibrate
