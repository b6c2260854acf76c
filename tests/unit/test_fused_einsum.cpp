// Fused tile evaluation (eval/fused_einsum.hpp): which einsums are fused, and that a fused tile gives the naive
// evaluator's answer, numpy's values at the edges and accurate long sums, with the same bits for any thread count.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "engine/common/elementwise_scalar.hpp"
#include "engine/eval/fused_einsum.hpp"
#include "engine/eval/reference_eval.hpp"
#include "engine/kernels/row_ops.hpp"
#include "engine/kernels/simd_math.hpp"
#include "engine/plan/plan.hpp"
#include "tests/unit/engine_fixture.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;
using testing::Bound;
using testing::DenseTensor;
using testing::require_close;
using testing::run_engine;
using testing::same_bits;

namespace {

const char* const seed_script =
    "C  = einsum('i, jk -> ijk', B, A)\n"
    "C2 = einsum('j, ik -> ijk', Y2, Z2)\n"
    "E  = einsum('ijk, ikj -> k', C + C2, C + C2)\n";

// The script bound to inputs of `shapes`, filled from `seed` with standard normal values.
Bound bind_seeded(const std::string& text, const std::map<std::string, Shape>& shapes, unsigned seed) {
    testing::RandomScript random;
    random.text = text;
    random.inputs = shapes;
    return testing::bind_random_inputs(random, seed);
}

plan::Plan make(const Bound& bound, std::size_t budget_bytes, int threads,
                plan::Strategy strategy = plan::Strategy::tile) {
    plan::PlanOptions options;
    options.strategy = strategy;
    options.budget_bytes = budget_bytes;
    options.minimum_budget = 0;
    options.threads = threads;
    return plan::make_plan(bound.program, options);
}

double fused_operations(const plan::Plan& plan) {
    double operations = 0;
    for (const plan::OutputPlan& output : plan.outputs) operations += output.split.kernels.fused_operations;
    return operations;
}

// Turns fused evaluation off for one scope (the debug switch), and back on after it.
struct UnfusedScope {
    UnfusedScope() { eval::set_fused_evaluation(false); }
    ~UnfusedScope() { eval::set_fused_evaluation(true); }
    UnfusedScope(const UnfusedScope&) = delete;
    UnfusedScope& operator=(const UnfusedScope&) = delete;
};

// Equal where both are numbers, NaN where the reference is NaN, the same infinity where it is infinite.
void require_same_values(const DenseTensor& actual, const DenseTensor& expected, double tolerance) {
    REQUIRE(actual.shape == expected.shape);
    for (std::size_t element = 0; element < expected.values.size(); ++element) {
        const double a = actual.values[element], e = expected.values[element];
        INFO("element " << element << ": " << a << " vs reference " << e);
        if (std::isnan(e)) {
            REQUIRE(std::isnan(a));
        } else if (std::isinf(e)) {
            REQUIRE(a == e);
        } else {
            REQUIRE(std::abs(a - e) <= tolerance * std::max(1.0, std::abs(e)));
        }
    }
}

constexpr std::size_t MiB = std::size_t{1} << 20;

}  // namespace

TEST_CASE("the seed's tiles are fused: row operations, no slice of C + C2 held, the naive answer for any threads",
          "[fused]") {
    const Extent n = 48, q = 40;
    const Bound bound = bind_seeded(seed_script, {{"A", {n, n}}, {"B", {q}}, {"Y2", {n}}, {"Z2", {q, n}}}, 3);
    const DenseTensor expected = eval::reference_evaluate(*bound.program.outputs[0].node, bound.values);
    DenseTensor first;
    for (int threads : {1, 2, 4}) {
        const plan::Plan plan = make(bound, 64 * MiB, threads);
        REQUIRE(fused_operations(plan) > 0);
        // One slice of C + C2 for the whole tile would be q · n · tile_k doubles; a fused tile holds rows only.
        const plan::OutputPlan& e = plan.outputs[0];
        const double slice_bytes = 8.0 * static_cast<double>(q * n * e.tiling.tile_shape[0]);
        CHECK(static_cast<double>(e.peak_bytes) < slice_bytes);
        const DenseTensor result = run_engine(plan, bound).at("E");
        require_close(result, expected);
        if (threads == 1) first = result;
        REQUIRE(same_bits(result, first));
    }
}

TEST_CASE("with the debug switch off, the same plans are materialized and give the same answer", "[fused]") {
    const Bound bound = bind_seeded(seed_script, {{"A", {30, 30}}, {"B", {20}}, {"Y2", {30}}, {"Z2", {20, 30}}}, 5);
    const DenseTensor fused = run_engine(make(bound, 64 * MiB, 2), bound).at("E");
    UnfusedScope unfused;
    const plan::Plan plan = make(bound, 64 * MiB, 2);
    REQUIRE(fused_operations(plan) == 0);
    require_close(run_engine(plan, bound).at("E"), fused);
}

TEST_CASE("a matrix product of sums stays with BLAS: fusing would redo the sums for every output element", "[fused]") {
    const Bound bound =
        bind_seeded("C = einsum('ij,jk->ik', A + B, D)\n", {{"A", {64, 64}}, {"B", {64, 64}}, {"D", {64, 64}}}, 7);
    const plan::Plan plan = make(bound, 64 * MiB, 2);
    CHECK(fused_operations(plan) == 0);
    CHECK(plan.outputs[0].split.kernels.gemm_flops > 0);
}

TEST_CASE("functions in a fused tile give numpy's values at the edges", "[fused][functions]") {
    const Bound base =
        bind_seeded("E = einsum('ij->i', where(X > 0, log(X), maximum(X, Y) * exp(Y)) + sqrt(abs(Y)) - tanh(X) ** 3)\n",
                    {{"X", {24, 40}}, {"Y", {24, 40}}}, 11);
    Bound bound = base;
    const double infinity = std::numeric_limits<double>::infinity();
    const double edges[] = {0.0, -0.0, infinity, -infinity, std::nan(""), 1e300, -1e300, 710.0, -800.0};
    std::mt19937 rng(13);
    for (auto& [name, tensor] : bound.values)
        for (double& value : tensor.values)
            if (rng() % 4 == 0) value = edges[rng() % std::size(edges)];
    const plan::Plan plan = make(bound, 64 * MiB, 2);
    REQUIRE(fused_operations(plan) > 0);
    require_same_values(run_engine(plan, bound).at("E"),
                        eval::reference_evaluate(*bound.program.outputs[0].node, bound.values), 1e-13);
}

// Highway's functions on rows (kernels/simd_math.hpp) are within 4 ulp of the exact value, glibc's within 1.
constexpr double highway_ulps = 5 * std::numeric_limits<double>::epsilon();

TEST_CASE(
    "exp, log, sin and the other vectorized functions over a fused row are within a few ulp of glibc's, "
    "edges as numpy gives them",
    "[fused][functions]") {
    std::vector<double> x;
    for (int step = 0; step <= 3951; ++step) x.push_back(-750 + 0.37 * step);          // -750 to 711.87
    for (int power = -320; power <= 308; ++power) x.push_back(std::pow(10.0, power));  // log's whole range
    for (double value : {0.0, -0.0, 1e-300, -1e-300, 5e-324, 2.2e-308, 709.78, 709.79, 38999.9, 39000.1, -39000.1,
                         -0.999, -1.0, -1.5, 1.7976931348623157e308, std::nan("")})
        x.push_back(value);
    x.push_back(std::numeric_limits<double>::infinity());
    x.push_back(-std::numeric_limits<double>::infinity());
    for (const FunctionOp op : {FunctionOp::exp, FunctionOp::expm1, FunctionOp::log, FunctionOp::log1p, FunctionOp::sin,
                                FunctionOp::cos, FunctionOp::tanh}) {
        REQUIRE(kernels::simd::has_function_row(op));
        std::vector<double> y(x.size());
        const kernels::rows::RowArgument argument{x.data(), 0};
        kernels::rows::apply_function(op, 0, &argument, y.data(), static_cast<Extent>(x.size()));
        for (std::size_t element = 0; element < x.size(); ++element) {
            const double expected = function_value(op, 0, &x[element]);
            INFO(function_info(op).name << "(" << x[element] << ") = " << y[element] << ", glibc: " << expected);
            if (std::isnan(expected))
                REQUIRE(std::isnan(y[element]));
            else if (std::isinf(expected) || expected == 0)
                REQUIRE(y[element] == expected);
            else
                REQUIRE(std::abs(y[element] - expected) <= highway_ulps * std::abs(expected) + 5e-324);
        }
    }
}

TEST_CASE("row kernels give function_value's values for every function and argument kind", "[fused][functions]") {
    const double infinity = std::numeric_limits<double>::infinity();
    const std::vector<double> samples{0.0,    -0.0,  1.0,      -1.0,      2.5,         -3.75,
                                      1e-300, 1e300, infinity, -infinity, std::nan("")};
    for (const FunctionInfo& info : function_table) {
        for (const double exponent : {0.0, 1.0, 2.0, 3.0, -2.0, 0.5, 2.5}) {
            if (info.op != FunctionOp::power && info.op != FunctionOp::array_power && exponent != 0) continue;
            if (info.op == FunctionOp::array_power && exponent != 0 && exponent != 1) continue;
            // Every argument a row of all samples (the first) or each sample as a number (the others).
            for (std::size_t number = 0; number < samples.size(); ++number) {
                std::vector<kernels::rows::RowArgument> arguments;
                for (std::size_t position = 0; position < info.arity; ++position)
                    arguments.push_back(position == 0 ? kernels::rows::RowArgument{samples.data(), 0}
                                                      : kernels::rows::RowArgument{nullptr, samples[number]});
                std::vector<double> row(samples.size());
                kernels::rows::apply_function(info.op, exponent, arguments.data(), row.data(),
                                              static_cast<Extent>(samples.size()));
                for (std::size_t element = 0; element < samples.size(); ++element) {
                    std::vector<double> values{samples[element]};
                    for (std::size_t position = 1; position < info.arity; ++position) values.push_back(samples[number]);
                    const double expected = function_value(info.op, exponent, values.data());
                    INFO(info.name << " exponent " << exponent << " at " << samples[element] << ": " << row[element]
                                   << " vs " << expected);
                    if (std::isnan(expected))
                        REQUIRE(std::isnan(row[element]));
                    else if (kernels::simd::has_function_row(info.op) && std::isfinite(expected) && expected != 0)
                        REQUIRE(std::abs(row[element] - expected) <= highway_ulps * std::abs(expected));
                    else
                        REQUIRE(row[element] == expected);
                }
            }
        }
    }
}

TEST_CASE("a long sum in a fused tile is as accurate as numpy's pairwise one", "[fused][accuracy]") {
    // 10^6 equal values, summed along a row (the vector label) and across 1000 rows: naive summation would be
    // off by ~1e-12 relative.
    Bound bound = bind_seeded("s = einsum('ij->', X + Y)\n", {{"X", {1000, 1000}}, {"Y", {1000, 1000}}}, 17);
    std::fill(bound.values.at("X").values.begin(), bound.values.at("X").values.end(), 0.1);
    std::fill(bound.values.at("Y").values.begin(), bound.values.at("Y").values.end(), 0.0);
    for (int threads : {1, 2}) {
        const plan::Plan plan = make(bound, 64 * MiB, threads);
        REQUIRE(fused_operations(plan) > 0);
        const double sum = run_engine(plan, bound).at("s").values.at(0);
        const long double exact = 1e6L * static_cast<long double>(0.1);
        CHECK(std::abs(static_cast<long double>(sum) - exact) / exact < 4e-16L);
    }
}

TEST_CASE("an operand read both ways (A_jk and A_kj) is fused through a transposed copy of its block", "[fused]") {
    const Bound bound = bind_seeded("s = einsum('jk,kj->k', A + B, A + B)\n", {{"A", {70, 70}}, {"B", {70, 70}}}, 19);
    const DenseTensor expected = eval::reference_evaluate(*bound.program.outputs[0].node, bound.values);
    for (std::size_t budget : {64 * MiB, std::size_t{96} << 10}) {
        const plan::Plan plan = make(bound, budget, 2);
        REQUIRE(fused_operations(plan) > 0);
        require_close(run_engine(plan, bound).at("s"), expected);
    }
}

TEST_CASE("random scripts with fused evaluation off still give the naive answer", "[fused][random]") {
    UnfusedScope unfused;
    for (unsigned seed = 1; seed <= 60; ++seed) {
        testing::ScriptGenerator generator(seed);
        const testing::RandomScript random = generator.generate();
        INFO("seed " << seed << ", script:\n" << random.text);
        const Bound bound = testing::bind_random_inputs(random, seed);
        const plan::Plan plan = make(bound, 64 * MiB, 2);
        REQUIRE(fused_operations(plan) == 0);
        const std::map<std::string, DenseTensor> results = run_engine(plan, bound);
        for (const expr::NamedNode& output : bound.program.outputs)
            require_close(results.at(output.name), eval::reference_evaluate(*output.node, bound.values));
    }
}

TEST_CASE("a fused tile counts its rows beside its elements: shorter rows, the same elements, more rows", "[fused]") {
    const Extent n = 512;
    const Bound bound = bind_seeded(seed_script, {{"A", {n, n}}, {"B", {n}}, {"Y2", {n}}, {"Z2", {n, n}}}, 5);
    auto work_with_k_tiles = [&](Extent k) {
        plan::PlanOptions options;
        options.strategy = plan::Strategy::tile;
        options.budget_bytes = 256 * MiB;
        options.forced_tiles = {{'k', k}};
        eval::KernelWork work;
        for (const plan::OutputPlan& output : plan::make_plan(bound.program, options).outputs)
            work += output.split.kernels;
        return work;
    };
    const eval::KernelWork long_rows = work_with_k_tiles(512);
    const eval::KernelWork short_rows = work_with_k_tiles(256);  // still the vector label: rows of 256
    REQUIRE(long_rows.fused_rows > 0);
    CHECK(short_rows.fused_operations == Approx(long_rows.fused_operations).epsilon(0.01));  // per-tile numbers
    CHECK(short_rows.fused_rows == Approx(2 * long_rows.fused_rows));
}

TEST_CASE("a Gaussian kernel's chain exp(-(C - C2)**2) runs inside the accumulation: one row pass per product",
          "[fused][functions]") {
    const Extent n = 48, q = 40;
    const Bound bound = bind_seeded(
        "C = einsum('i,jk->ijk', B, A)\nC2 = einsum('j,ik->ijk', Y2, Z2)\nE = einsum('ijk->k', exp(-(C - C2)**2))\n",
        {{"A", {n, n}}, {"B", {q}}, {"Y2", {n}}, {"Z2", {q, n}}}, 17);
    const DenseTensor expected = eval::reference_evaluate(*bound.program.outputs[0].node, bound.values);
    DenseTensor first;
    for (int threads : {1, 2, 4}) {
        const plan::Plan plan = make(bound, 64 * MiB, threads);
        eval::KernelWork work;
        for (const plan::OutputPlan& output : plan.outputs) work += output.split.kernels;
        // Rows of k (48 elements, one block): one pass per (i, j), where the links one by one took four (the sum,
        // the square, the function and the accumulation); the elements of all four are still counted.
        CHECK(work.fused_rows == Approx(static_cast<double>(q * n)));
        CHECK(work.fused_operations > 4.0 * static_cast<double>(q * n * n));
        const DenseTensor result = run_engine(plan, bound).at("E");
        require_close(result, expected);
        if (threads == 1) first = result;
        REQUIRE(same_bits(result, first));
    }
}
