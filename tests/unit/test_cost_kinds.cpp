// The cost model by kind of work: a tile's dry run counts GEMM flops, reduction flops and elementwise bytes apart,
// the bytes read of chunked and filtered inputs apart, and predicted seconds price each at its own rate.
#include <catch2/catch.hpp>

#include "engine/eval/tile_eval.hpp"
#include "engine/expr/program.hpp"
#include "engine/plan/cost_model.hpp"
#include "engine/plan/plan.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;

namespace {

using testing::bind_shapes;

// The work of one tile covering the whole of the program's only output.
eval::TileEstimate whole_tile(const expr::Program& program) {
    const expr::Node& root = *program.outputs.front().node;
    eval::TileSpec tile;
    for (Extent extent : root.shape) tile.ranges.push_back({0, extent});
    return eval::estimate_tile(root, tile, eval::Schedule{});
}

constexpr double element = sizeof(double);

}  // namespace

TEST_CASE("a GEMM-shaped contraction counts as GEMM flops, and only that", "[cost_kinds]") {
    const eval::TileEstimate estimate =
        whole_tile(bind_shapes("C = einsum('ij,jk->ik', A, B)", {{"A", {256, 128}}, {"B", {128, 64}}}));
    CHECK(estimate.work.gemm_flops == 2.0 * 256 * 128 * 64);
    CHECK(estimate.work.reduction_flops == 0);
    CHECK(estimate.work.elementwise_bytes == 0);
    CHECK(estimate.flops == estimate.work.gemm_flops);
}

TEST_CASE("thin contractions and sums over an axis count as reduction flops", "[cost_kinds]") {
    SECTION("a matrix-vector product reuses nothing: it streams like a reduction") {
        const eval::TileEstimate estimate =
            whole_tile(bind_shapes("y = einsum('ij,j->i', A, x)", {{"A", {512, 256}}, {"x", {256}}}));
        CHECK(estimate.work.gemm_flops == 0);
        CHECK(estimate.work.reduction_flops == 2.0 * 512 * 256);
    }
    SECTION("a column sum") {
        const eval::TileEstimate estimate = whole_tile(bind_shapes("s = einsum('ni->i', X)", {{"X", {1000, 8}}}));
        CHECK(estimate.work.gemm_flops == 0);
        CHECK(estimate.work.reduction_flops == 1000.0 * 8);
        CHECK(estimate.work.elementwise_bytes == 0);
    }
}

TEST_CASE("elementwise work counts the bytes it reads and writes, not GEMM flops", "[cost_kinds]") {
    SECTION("a sum of two inputs: the first copied into the result, the second added to it") {
        const eval::TileEstimate estimate = whole_tile(bind_shapes("C = A + B", {{"A", {64, 32}}, {"B", {64, 32}}}));
        const double elements = 64 * 32;
        CHECK(estimate.work.gemm_flops == 0);
        CHECK(estimate.work.reduction_flops == 0);
        // Assign: read A, write C. Accumulate: read B, read and write C.
        CHECK(estimate.work.elementwise_bytes == element * (2 * elements + 3 * elements));
        CHECK(estimate.flops == 4 * elements);
    }
    SECTION("a transposition moves bytes without flops") {
        const eval::TileEstimate estimate = whole_tile(bind_shapes("T = einsum('ij->ji', A)", {{"A", {64, 32}}}));
        CHECK(estimate.flops == 0);
        CHECK(estimate.work.elementwise_bytes == element * 2 * 64 * 32);
    }
}

TEST_CASE("bytes read are split by storage layout: contiguous, chunked, filtered chunks", "[cost_kinds]") {
    std::map<std::string, expr::InputSpec> inputs;
    inputs["P"] = expr::InputSpec{{100, 8}, DType::f64};
    inputs["Q"] = expr::InputSpec{{100, 8}, DType::f64, {10, 8}};
    inputs["G"] = expr::InputSpec{{100, 8}, DType::f64, {10, 8}, true};
    const eval::TileEstimate estimate = whole_tile(testing::bind_text("S = P + Q + G", inputs));
    const std::size_t one_input = std::size_t{100} * 8 * sizeof(double);
    CHECK(estimate.leaf_bytes == 3 * one_input);
    CHECK(estimate.chunked_leaf_bytes == 2 * one_input);
    CHECK(estimate.filtered_leaf_bytes == one_input);
}

TEST_CASE("an input is filtered only when it is chunked: HDF5 filters nothing else", "[cost_kinds]") {
    std::map<std::string, expr::InputSpec> inputs;
    inputs["G"] = expr::InputSpec{{100, 8}, DType::f64, {}, true};
    const eval::TileEstimate estimate = whole_tile(testing::bind_text("S = 2 * G", inputs));
    CHECK(estimate.filtered_leaf_bytes == 0);
}

TEST_CASE("predicted seconds price each kind of work at its own rate", "[cost_kinds]") {
    plan::MachineProfile machine;
    machine.seconds_per_pass = 0.5;
    machine.seconds_per_tile = 0.25;
    machine.seconds_per_run = 1e-3;
    machine.gemm_flops_per_second = 20e9;
    machine.reduction_flops_per_second = 2e9;
    machine.elementwise_bytes_per_second = 10e9;
    machine.read_bytes_per_second = 4e9;
    machine.chunked_read_bytes_per_second = 2e9;
    machine.filtered_read_bytes_per_second = 0.1e9;
    const double overhead = 0.5 + 2 * 0.25;
    auto seconds = [&](const plan::WorkSplit& split, double bytes_read, double runs = 0) {
        return plan::cost::seconds(2, split, bytes_read, runs, machine) - overhead;
    };
    plan::WorkSplit gemm;
    gemm.kernels.gemm_flops = 40e9;
    CHECK(seconds(gemm, 0) == Approx(2.0));
    plan::WorkSplit reduction;
    reduction.kernels.reduction_flops = 40e9;
    CHECK(seconds(reduction, 0) == Approx(20.0));  // the same flops, ten times slower
    plan::WorkSplit elementwise;
    elementwise.kernels.elementwise_bytes = 40e9;
    CHECK(seconds(elementwise, 0) == Approx(4.0));
    CHECK(seconds(plan::WorkSplit{}, 8e9, 1000) == Approx(2.0 + 1.0));  // contiguous bytes and runs
    plan::WorkSplit chunked;
    chunked.chunked_bytes_read = 8e9;
    CHECK(seconds(chunked, 8e9) == Approx(4.0));
    plan::WorkSplit filtered;
    filtered.chunked_bytes_read = 8e9;
    filtered.filtered_bytes_read = 2e9;
    CHECK(seconds(filtered, 10e9) == Approx(2e9 / 4e9 + 6e9 / 2e9 + 2e9 / 0.1e9));
}

TEST_CASE("a planned matmul is priced at the GEMM rate, its flops all GEMM", "[cost_kinds]") {
    const expr::Program program = bind_shapes("C = A @ B", {{"A", {1024, 1024}}, {"B", {1024, 1024}}});
    plan::PlanOptions options;
    options.budget_bytes = std::size_t{64} << 20;
    plan::Plan slow_gemm = plan::make_plan(program, options);
    const plan::OutputPlan& output = slow_gemm.outputs.front();
    CHECK(output.split.kernels.gemm_flops == output.flops);
    CHECK(output.split.kernels.reduction_flops == 0);
    // Halving the GEMM rate adds the GEMM flops' time at the old rate; the reduction rate changes nothing.
    plan::MachineProfile machine = options.machine;
    const double before = plan::cost::seconds(output, machine, options.threads);
    machine.reduction_flops_per_second /= 7;
    CHECK(plan::cost::seconds(output, machine, options.threads) == Approx(before));
    machine.gemm_flops_per_second /= 2;
    CHECK(plan::cost::seconds(output, machine, options.threads) ==
          Approx(before + output.flops / options.machine.gemm_flops_per_second));
}

TEST_CASE("an output's buffers in flight are priced once at the first-touch rate", "[cost_kinds]") {
    const expr::Program program = bind_shapes("C = A @ B", {{"A", {1024, 1024}}, {"B", {1024, 1024}}});
    plan::PlanOptions options;
    options.budget_bytes = std::size_t{64} << 20;
    const plan::Plan plan = plan::make_plan(program, options);
    const plan::OutputPlan& output = plan.outputs.front();
    REQUIRE(output.peak_bytes > 0);
    plan::MachineProfile machine = options.machine;
    const double before = plan::cost::seconds(output, machine, options.threads);
    machine.first_touch_bytes_per_second /= 4;  // four times slower: three times its share more
    // The tiles the busy threads hold: the arena hands a finished tile's buffers to the next.
    const double in_flight =
        static_cast<double>(output.peak_bytes) * plan::cost::busy_threads(options.threads, output.tiles_in_flight);
    CHECK(plan::cost::seconds(output, machine, options.threads) ==
          Approx(before + 3 * in_flight / options.machine.first_touch_bytes_per_second));
    // The planner's own prediction includes it. A product of two inputs this large runs as a streamed GEMM, whose
    // reads overlap its compute: predicted as the slower of the two, not their sum.
    CHECK(output.predicted_seconds == Approx(plan::cost::streamed_gemm_seconds(output, options.machine)));
    CHECK(output.predicted_seconds < before);
    machine = options.machine;
    machine.first_touch_bytes_per_second /= 4;
    CHECK(plan::cost::streamed_gemm_seconds(output, machine) ==
          Approx(output.predicted_seconds + 3 * in_flight / options.machine.first_touch_bytes_per_second));
}

TEST_CASE("a pipeline with fewer tiles in flight than calibrate's threads gets that share of the rates",
          "[cost_kinds]") {
    plan::MachineProfile machine;
    machine.calibrated_threads = 4;
    plan::WorkSplit split;
    split.kernels.fused_operations = 8e9;
    const double bytes_read = 4e9;
    auto work_seconds = [&](int busy) {
        return plan::cost::seconds(1, split, bytes_read, 0, machine, busy) - machine.seconds_per_pass;
    };
    const double whole =
        8e9 / machine.fused_operations_per_second + 4e9 / machine.read_bytes_per_second + machine.seconds_per_tile;
    CHECK(work_seconds(4) == Approx(whole));
    CHECK(work_seconds(8) == Approx(whole));  // more threads than calibrate's: never faster than measured
    CHECK(work_seconds(2) == Approx(2 * whole));
    CHECK(work_seconds(1) == Approx(4 * whole));
    // First writes: each busy thread faults in one tile's buffers, at its share of the rate.
    const std::size_t peak = std::size_t{1} << 30;
    CHECK(plan::cost::first_touch_seconds(peak, 4, machine) ==
          Approx(4.0 * static_cast<double>(peak) / machine.first_touch_bytes_per_second));
    CHECK(plan::cost::first_touch_seconds(peak, 1, machine) ==
          Approx(4.0 * static_cast<double>(peak) / machine.first_touch_bytes_per_second));
    CHECK(plan::cost::busy_threads(2, 4) == 2);
    CHECK(plan::cost::busy_threads(8, 1) == 1);
}

TEST_CASE("profiles without calibrated_threads price every pipeline at the whole rates, as before", "[cost_kinds]") {
    const plan::MachineProfile machine;  // the defaults: calibrated_threads 1
    plan::WorkSplit split;
    split.kernels.reduction_flops = 3e9;
    CHECK(plan::cost::seconds(1, split, 0, 0, machine, 1) == Approx(plan::cost::seconds(1, split, 0, 0, machine, 16)));
}
