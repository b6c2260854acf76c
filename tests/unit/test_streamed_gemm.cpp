// Matrix products of two inputs run as streamed GEMMs (plan/streamed_gemm.hpp, exec/gemm_run.cpp): the planner
// reads the inputs close to the lower bound 2 n^3 / sqrt(M) within the budget, and the executor's results match
// the naive evaluator, are bit-identical for 1, 2 and 4 threads, and stay within the arena budget.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "engine/plan/streamed_gemm.hpp"
#include "tests/unit/engine_fixture.hpp"
#include "tests/unit/plan_fixture.hpp"
#include "tests/unit/sanitized_build.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;

namespace {

using testing::bind_shapes;
using testing::MiB;
using testing::sanitized_build;

// The script with its inputs filled with standard normal values.
testing::Bound bind_normal(const std::string& text, const std::map<std::string, Shape>& shapes, unsigned seed) {
    testing::RandomScript random;
    random.text = text;
    for (const auto& [name, shape] : shapes) random.inputs[name] = shape;
    return testing::bind_random_inputs(random, seed);
}

struct Ran {
    kernels::DenseTensor result;
    exec::RunStats stats;
};

Ran run_with_threads(plan::Plan plan, const testing::Bound& bound, int threads) {
    plan.threads = threads;
    std::map<std::string, std::unique_ptr<testing::MemoryReader>> readers;
    exec::Bindings bindings;
    for (const auto& [name, value] : bound.values) {
        readers[name] = std::make_unique<testing::MemoryReader>(value);
        bindings.inputs[name] = readers[name].get();
    }
    testing::MemoryWriter writer(plan.outputs[0].root->shape);
    bindings.outputs[plan.outputs[0].name] = &writer;
    Ran ran;
    ran.stats = exec::execute(plan, bindings);
    ran.result = writer.tensor();
    return ran;
}

}  // namespace

TEST_CASE("a matrix product of two inputs is recognised as a streamed GEMM with its operands' storage order",
          "[planner][gemm]") {
    const std::map<std::string, Shape> shapes{{"A", {1024, 2048}}, {"B", {2048, 1024}}, {"S", {2048, 2048}}};
    // The roles point into the program's nodes: the programs live as long as the test.
    std::vector<expr::Program> programs;
    auto roles = [&](const std::string& text) {
        programs.push_back(bind_shapes(text, shapes));
        return plan::streamed_gemm(*programs.back().outputs[0].node);
    };
    const auto plain = roles("C = einsum('ij,jk->ik', A, B)\n");
    REQUIRE(plain);
    CHECK((!plain->left_transposed && !plain->right_transposed));
    CHECK((plain->rows == 1024 && plain->columns == 1024 && plain->depth == 2048));
    const auto both = roles("C = einsum('ji,kj->ik', B, A)\n");
    REQUIRE(both);
    CHECK((both->left_transposed && both->right_transposed));
    const auto output_transposed = roles("C = einsum('ij,jk->ki', A, B)\n");  // rows of C come from B
    REQUIRE(output_transposed);
    CHECK(output_transposed->left->name == "B");
    CHECK(output_transposed->right_transposed);
    CHECK(roles("C = einsum('ij,kj->ik', S, S)\n"));  // one input both ways
    CHECK(!roles("C = einsum('ij,jk->ik', A + A, B)\n"));
    CHECK(!roles("C = einsum('ij,jk,kl->il', A, B, A)\n"));
    CHECK(!roles("d = einsum('ij,ji->i', A, B)\n"));
    CHECK(!bind_shapes("G = einsum('ij,ik->jk', X, X)\n", {{"X", {100000, 300}}}).outputs.empty());
    CHECK(!plan::streamed_gemm(
        *bind_shapes("G = einsum('ij,ik->jk', X, X)\n", {{"X", {100000, 300}}}).outputs[0].node));  // C too small
}

TEST_CASE("a streamed GEMM at n = 16384 under 512 MiB reads within 1.25x of the lower bound 2 n^3 / sqrt(M)",
          "[planner][gemm]") {
    const Extent n = 16384;
    const std::size_t budget = 512 * MiB;
    const plan::Plan plan =
        testing::plan_on_shapes(bind_shapes("C = einsum('ij,jk->ik', A, B)\n", {{"A", {n, n}}, {"B", {n, n}}}), budget);
    const plan::OutputPlan& c = plan.outputs[0];
    CAPTURE(c.tiling.tile_shape, c.tiling.summed_tile, c.bytes_read, c.peak_bytes, c.tiles_in_flight);
    const double dn = static_cast<double>(n);
    const double lower_bound = 2 * dn * dn * dn / std::sqrt(static_cast<double>(budget) / sizeof(double)) * 8;
    REQUIRE(c.bytes_read <= 1.25 * lower_bound + 1);
    REQUIRE(c.tiling.summed_in_slabs());
    REQUIRE(c.tiling.summed_tile.front() >= 256);  // slabs deep enough for BLAS's matrix-matrix rate
    // The cost model counts what the executor holds: C and two slabs' panels.
    REQUIRE(plan::streamed_gemm_bytes(c.tiling.tile_shape[0], c.tiling.tile_shape[1], c.tiling.summed_tile[0]) <=
            budget);
    REQUIRE(c.peak_bytes * static_cast<std::size_t>(c.tiles_in_flight) <= budget);
}

TEST_CASE("the sub-block grid of a streamed GEMM depends on the tile alone and covers it", "[planner][gemm]") {
    for (const auto& [rows, columns] : std::vector<std::pair<Extent, Extent>>{
             {8192, 5462}, {1030, 1100}, {100, 20000}, {20000, 100}, {1, 1}, {64, 64}}) {
        const plan::GemmGrid grid = plan::gemm_grid(rows, columns);
        CAPTURE(rows, columns, grid.block_rows, grid.block_columns, grid.row_blocks, grid.column_blocks);
        REQUIRE(grid.block_columns <= 2048);
        REQUIRE(grid.block_rows <= 1024);
        REQUIRE(grid.row_blocks * grid.block_rows >= rows);
        REQUIRE((grid.row_blocks - 1) * grid.block_rows < rows);
        REQUIRE(grid.column_blocks * grid.block_columns >= columns);
        REQUIRE((grid.column_blocks - 1) * grid.block_columns < columns);
        if (rows >= 512) REQUIRE(grid.row_blocks * grid.column_blocks >= 2);  // something for two threads
    }
}

TEST_CASE("streamed GEMMs match the naive evaluator, bit-identical for 1, 2 and 4 threads, within the budget",
          "[engine][gemm][threads]") {
    const std::map<std::string, Shape> shapes{
        {"A", {1030, 300}}, {"B", {300, 1100}}, {"T", {300, 1030}}, {"U", {1100, 300}}, {"S", {1040, 300}}};
    const std::vector<std::string> scripts{
        "C = einsum('ij,jk->ik', A, B)\n",  // plain
        "C = einsum('ji,jk->ik', T, B)\n",  // the left operand stored summed-major
        "C = einsum('ij,kj->ik', A, U)\n",  // the right one stored column-major
        "C = einsum('ij,jk->ki', A, B)\n",  // the output transposed: B gives C's rows
        "C = einsum('ij,kj->ik', S, S)\n",  // one input both ways: diagonal tiles read it once
    };
    for (std::size_t index = 0; index < scripts.size(); ++index) {
        const std::string& text = scripts[index];
        CAPTURE(text);
        const testing::Bound bound = bind_normal(text, shapes, static_cast<unsigned>(17 + index));
        // Forced tiles: ragged C tiles and ragged slabs, under a budget that holds C and two slabs' panels only.
        const std::size_t budget = 4 * MiB;
        const plan::Plan plan = testing::plan_on_shapes(bound.program, budget, {{'i', 400}, {'k', 700}, {'j', 70}});
        const plan::OutputPlan& c = plan.outputs[0];
        REQUIRE(plan::streamed_gemm(*c.root));
        REQUIRE(c.tiling.slab_count() == 5);
        REQUIRE(c.tiling.output_tile_count() == 6);
        // The naive evaluator takes minutes per script in a sanitized Debug build: there, the reference is the same
        // product planned without forced tiles under a large budget (one C tile, one slab).
        const kernels::DenseTensor expected =
            sanitized_build ? run_with_threads(testing::plan_on_shapes(bound.program, 1024 * MiB), bound, 1).result
                            : eval::reference_evaluate(*c.root, bound.values);
        const Ran one = run_with_threads(plan, bound, 1);
        testing::require_close(one.result, expected);
        REQUIRE(one.stats.arena_peak_bytes <= budget);
        for (int threads : {2, 4}) {
            CAPTURE(threads);
            REQUIRE(testing::same_bits(run_with_threads(plan, bound, threads).result, one.result));
        }
    }
}

TEST_CASE("a streamed GEMM planned freely under a small budget is cut into C tiles and slabs",
          "[engine][gemm][threads]") {
    // Half the sizes and a third of the budget under sanitizers: the naive evaluator takes minutes there.
    const Extent scale = sanitized_build ? 2 : 1;
    const Extent m = 1100 / scale, n = 800 / scale, p = 1000 / scale;
    const testing::Bound bound = bind_normal("C = einsum('ij,jk->ik', A, B)\n", {{"A", {m, n}}, {"B", {n, p}}}, 5);
    const std::size_t budget = scale == 1 ? 3 * MiB : 1 * MiB;  // 1 MiB: the smallest budget accepted
    const plan::Plan plan = testing::plan_on_shapes(bound.program, budget);
    const plan::OutputPlan& c = plan.outputs[0];
    CAPTURE(c.tiling.tile_shape, c.tiling.summed_tile);
    REQUIRE(c.tiling.output_tile_count() > 1);
    REQUIRE(c.tiling.summed_in_slabs());
    const Ran two = run_with_threads(plan, bound, 2);
    testing::require_close(two.result, eval::reference_evaluate(*c.root, bound.values));
    REQUIRE(two.stats.arena_peak_bytes <= budget);
    REQUIRE(two.stats.flops == 2.0 * static_cast<double>(m * n * p));
}
