// Long reductions as accurate as numpy's pairwise summation (kernels/accurate_sum.hpp): the kernels on 10^6 equal
// values (numpy's test_einsum_chunking_precision: the mean of 10^6 copies of 1 + 8196 eps to 15 decimals), every
// kernel that accumulates along a summed index, infinities and NaN as naive summation gives them, and whole plans
// whose reduction is cut into many slabs, identical for 1 to 4 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "engine/kernels/accurate_sum.hpp"
#include "engine/kernels/block_ops.hpp"
#include "tests/unit/engine_fixture.hpp"

using namespace tilesum;
using kernels::DenseTensor;

namespace {

constexpr Extent million = 1'000'000;
// numpy's test value: 1 + 8196 eps, whose naive running sum loses a little at every step.
const double numpy_value = 1.0 + std::numeric_limits<double>::epsilon() * 8196;

double relative_error(double actual, double expected) { return std::abs(actual - expected) / std::abs(expected); }

}  // namespace

TEST_CASE("accurate_sum and accurate_dot of 10^6 equal values are as accurate as numpy's pairwise sum",
          "[kernels][accuracy]") {
    const std::vector<double> values(static_cast<std::size_t>(million), numpy_value);
    // assert_almost_equal(res, value, decimal=15): |res - value| < 1.5e-15.
    CHECK(std::abs(kernels::accurate_sum(values.data(), million) / static_cast<double>(million) - numpy_value) <
          1.5e-15);
    const std::vector<double> thirds(static_cast<std::size_t>(million), 1.0 / 3.0);
    const double third_sum = kernels::accurate_sum(thirds.data(), million);
    CHECK(relative_error(third_sum, static_cast<double>(million) / 3.0) < 2e-16);
    // i,i-> on constants: naive accumulation was off by 7.8e-13.
    const std::vector<double> threes(static_cast<std::size_t>(million), 3.0);
    const double product = (1.0 / 3.0) * 3.0;
    CHECK(relative_error(kernels::accurate_dot(thirds.data(), threes.data(), million),
                         product * static_cast<double>(million)) < 1e-15);
    // Short sums (one block) and the ragged end of the last block.
    for (Extent count : {Extent{0}, Extent{1}, Extent{7}, Extent{129}, Extent{1000}}) {
        double naive = 0;
        for (Extent element = 0; element < count; ++element) naive += values[static_cast<std::size_t>(element)];
        CHECK(relative_error(kernels::accurate_sum(values.data(), count) + 1.0, naive + 1.0) < 1e-15);
    }
}

TEST_CASE("accurate_sum of random values agrees with a long double compensated sum", "[kernels][accuracy]") {
    std::mt19937 rng(17);
    std::normal_distribution<double> normal(1.0, 1.0);
    std::vector<double> values(static_cast<std::size_t>(million));
    for (double& value : values) value = normal(rng);
    long double sum = 0, compensation = 0;  // Kahan in 64-bit mantissas: exact enough to judge by
    for (double value : values) {
        const long double term = static_cast<long double>(value) - compensation;
        const long double total = sum + term;
        compensation = (total - sum) - term;
        sum = total;
    }
    CHECK(relative_error(kernels::accurate_sum(values.data(), million), static_cast<double>(sum)) < 1e-15);
}

TEST_CASE("accurate sums keep infinities and NaN as naive summation gives them", "[kernels][accuracy]") {
    const double infinity = std::numeric_limits<double>::infinity();
    std::vector<double> values(1000, 1.0);
    values[500] = infinity;
    CHECK(kernels::accurate_sum(values.data(), 1000) == infinity);
    values[700] = -infinity;
    CHECK(std::isnan(kernels::accurate_sum(values.data(), 1000)));
    values[700] = std::numeric_limits<double>::quiet_NaN();
    CHECK(std::isnan(kernels::accurate_sum(values.data(), 1000)));
    std::vector<double> sums = {1.0, infinity}, compensations = {0.0, 0.0};
    const std::vector<double> terms = {infinity, 1.0};
    kernels::compensated_accumulate(sums.data(), compensations.data(), terms.data(), 2);
    kernels::finish_sum(sums.data(), compensations.data(), 2);
    CHECK(sums == std::vector<double>{infinity, infinity});
}

TEST_CASE("sum_axes and batched_dot sum long axes accurately, inner or outer", "[kernels][accuracy]") {
    const double third = 1.0 / 3.0;
    const double expected = static_cast<double>(million) / 3.0;
    const std::vector<double> thirds(static_cast<std::size_t>(million), third);
    SECTION("ij-> and ij->j: a summed inner axis, and many rows added into each element") {
        for (const Shape& shape : {Shape{1000, 1000}, Shape{million / 4, 4}, Shape{4, million / 4}}) {
            CAPTURE(shape[0], shape[1]);
            double total = 0;
            std::vector<double> total_compensation(
                static_cast<std::size_t>(kernels::sum_axes_scratch(shape, {false, false})));
            kernels::sum_axes(thirds.data(), shape, {false, false}, &total,
                              total_compensation.empty() ? nullptr : total_compensation.data());
            CHECK(relative_error(total, expected) < 2e-16);
            std::vector<double> columns(static_cast<std::size_t>(shape[1]));
            std::vector<double> compensation(static_cast<std::size_t>(kernels::sum_axes_scratch(shape, {false, true})));
            kernels::sum_axes(thirds.data(), shape, {false, true}, columns.data(),
                              compensation.empty() ? nullptr : compensation.data());
            for (double column : columns) CHECK(relative_error(column, static_cast<double>(shape[0]) * third) < 2e-16);
        }
    }
    SECTION("batched_dot in every storage order") {
        const Extent batch = 4, depth = million / batch;
        const std::vector<double> threes(static_cast<std::size_t>(million), 3.0);
        const double product = third * 3.0 * static_cast<double>(depth);
        for (bool a_depth_major : {false, true})
            for (bool b_depth_major : {false, true}) {
                CAPTURE(a_depth_major, b_depth_major);
                std::vector<double> result(static_cast<std::size_t>(batch));
                kernels::batched_dot(batch, depth, thirds.data(), a_depth_major, threes.data(), b_depth_major,
                                     result.data());
                for (double value : result) CHECK(relative_error(value, product) < 1e-15);
            }
    }
    SECTION("batched_gemm's dot shape (m = n = 1)") {
        double result = 0;
        const std::vector<double> threes(static_cast<std::size_t>(million), 3.0);
        kernels::batched_gemm(1, 1, 1, million, {thirds.data(), false}, {threes.data(), false}, &result);
        CHECK(relative_error(result, third * 3.0 * static_cast<double>(million)) < 1e-15);
    }
}

TEST_CASE("a reduction cut into many slabs is accurate and identical for 1 to 4 threads", "[engine][accuracy]") {
    // x all 1 + 8196 eps (numpy's test), y all 3: i-> and i,i-> with i cut into 1000 slabs, and ij-> with both
    // summed labels cut; and the same uncut (one tile, the in-tile blocked sums alone).
    testing::Bound bound;
    const Extent n = million;
    bound.values["x"] = DenseTensor{{n}, std::vector<double>(static_cast<std::size_t>(n), numpy_value)};
    bound.values["y"] = DenseTensor{{n}, std::vector<double>(static_cast<std::size_t>(n), 3.0)};
    bound.values["m"] = DenseTensor{{1000, 1000}, std::vector<double>(static_cast<std::size_t>(n), numpy_value)};
    bound.program =
        script::bind(script::parse_script("s = einsum('i->', x)\nd = einsum('i,i->', x, y)\nt = einsum('ij->', m)\n"),
                     [&](const expr::InputUse& use) {
                         return expr::InputSpec{bound.values.at(use.name).shape, DType::f64};
                     });
    const double dot_expected = numpy_value * 3.0 * static_cast<double>(n);
    for (const std::map<char, Extent>& forced :
         {std::map<char, Extent>{}, std::map<char, Extent>{{'i', 1000}, {'j', 7}}}) {
        INFO("forced tiles: " << forced.size());
        std::map<std::string, DenseTensor> first;
        for (int threads = 1; threads <= 4; ++threads) {
            INFO("threads " << threads);
            plan::PlanOptions options;
            options.strategy = plan::Strategy::tile;
            options.threads = threads;
            options.forced_tiles = forced;
            const plan::Plan plan = plan::make_plan(bound.program, options);
            if (!forced.empty())
                for (const plan::OutputPlan& output : plan.outputs) REQUIRE(output.tiling.slab_count() > 100);
            std::map<std::string, DenseTensor> results = testing::run_engine(plan, bound);
            CHECK(std::abs(results["s"].values[0] / static_cast<double>(n) - numpy_value) < 1.5e-15);
            CHECK(std::abs(results["t"].values[0] / static_cast<double>(n) - numpy_value) < 1.5e-15);
            CHECK(relative_error(results["d"].values[0], dot_expected) < 1e-15);
            for (const auto& [name, tensor] : results) {
                INFO("output " << name);
                if (threads == 1)
                    first[name] = tensor;
                else
                    REQUIRE(testing::same_bits(tensor, first[name]));
            }
        }
    }
}
