// flops_per_second: the rate at which tiles are evaluated, in the flops the planner counts.
//
// What is timed: real tiles, as the planner cuts them, evaluated by eval::evaluate_tile (the function the
// executor calls) from leaves already in memory, on every thread at once. The flops are the evaluator's own
// count (TileCost), the same count the planner multiplies by 1 / flops_per_second. Reading the leaves is left
// out: the read rates and per-tile overhead are measured, and predicted, separately.
//
// Why a mix, and why its harmonic mean: one rate has to stand for GEMM-shaped tiles (tens of GFLOP/s) and for
// memory-bound ones (sums, elementwise products, matrix-vector shapes: a few GFLOP/s). The four cases below are
// the shapes tilesum's plans are made of: a GEMM, a matrix-vector contraction, the seed's tile as written (sums
// and products of broadcast slices, then a batched contraction) and a sum over an axis. The profile takes the time
// one flop of each costs on average (equal flops of each, i.e. the harmonic mean of the rates): a plan whose
// flops are mostly memory-bound is then not predicted at GEMM speed. This is no better than the defaults' guess
// for a plan that is all GEMM; the table shows each rate so that the user can see the spread.
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
const std::vector<KernelCase>& kernel_cases() {
    static const std::vector<KernelCase> cases = {
        {"gemm", "C = einsum('ij,jk->ik', A, B)", {{"A", {1024, 512}}, {"B", {512, 512}}}},
        {"matrix-vector", "y = einsum('ij,j->i', A, x)", {{"A", {4096, 1024}}, {"x", {1024}}}},
        {"seed as written",
         "C  = einsum('i, jk -> ijk', B, A)\n"
         "C2 = einsum('j, ik -> ijk', Y2, Z2)\n"
         "E  = einsum('ijk, ikj -> k', C + C2, C + C2)\n",
         {{"A", {128, 128}}, {"B", {128}}, {"Y2", {128}}, {"Z2", {128, 128}}}},
        {"sum over an axis", "s = einsum('ijk->ik', A)", {{"A", {512, 64, 256}}}},
    };
    return cases;
}

struct CaseResult {
    double flops_per_second = 0;
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
        double flops = 0;
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
            worker.flops += cost.flops;
        } while (seconds_since(start) < context.seconds_per_measurement && !context.interrupted->load());
        worker.seconds = seconds_since(start);
    };
    std::vector<std::thread> threads;
    for (Worker& worker : workers) threads.emplace_back(work, std::ref(worker));
    for (std::thread& thread : threads) thread.join();
    context.check_interrupted();

    CaseResult result;
    for (const Worker& worker : workers) result.flops_per_second += worker.flops / worker.seconds;
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

std::string rate_text(double flops_per_second) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g GFLOP/s", flops_per_second / 1e9);
    return text;
}

}  // namespace

double measure_flops_per_second(const Context& context, std::vector<Row>& rows) {
    // BLAS must not start its own threads under ours, as in the executor.
    kernels::use_single_threaded_blas();
    double seconds_per_flop = 0;
    for (const KernelCase& kernel_case : kernel_cases()) {
        context.progress(std::string("evaluating tiles: ") + kernel_case.name);
        const CaseResult result = time_case(context, kernel_case);
        seconds_per_flop += 1.0 / result.flops_per_second;
        rows.push_back(
            {std::string("  tiles: ") + kernel_case.name, rate_text(result.flops_per_second), result.tile_text});
    }
    const double combined = static_cast<double>(kernel_cases().size()) / seconds_per_flop;
    rows.push_back(
        {"flops_per_second", rate_text(combined),
         "harmonic mean of the tiles above (equal flops of each), " + std::to_string(context.threads) + " thread(s)"});
    return combined;
}

}  // namespace tilesum::cli::calibrate
