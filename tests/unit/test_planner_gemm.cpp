// The planner on shapes alone, for tiles whose work is a matrix product handed to BLAS: they grow with the budget
// (fewer re-reads of the inputs) while tiles that materialize slices stay capped; and a forced tile re-chooses the
// contraction path for its own extents.
#include <catch2/catch.hpp>

#include "engine/eval/tile_eval.hpp"
#include "engine/expr/program.hpp"
#include "engine/plan/choose_schedule.hpp"
#include "engine/plan/cost_model.hpp"
#include "engine/plan/plan.hpp"
#include "engine/plan/tile_kind.hpp"
#include "tests/unit/plan_fixture.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;

namespace {

using testing::bind_shapes;

using testing::MiB;

plan::Plan make(const expr::Program& program, std::size_t budget_bytes, std::map<char, Extent> forced = {},
                plan::Strategy strategy = plan::Strategy::automatic) {
    return testing::plan_on_shapes(program, budget_bytes, std::move(forced), strategy);
}

expr::Program matmul(Extent n) {
    return bind_shapes("C = einsum('ij,jk->ik', A, B)\n", {{"A", {n, n}}, {"B", {n, n}}});
}

plan::TileKind kind_of(const std::string& text, const std::map<std::string, Shape>& shapes) {
    return plan::tile_kind(*bind_shapes(text, shapes).outputs[0].node, eval::Schedule{});
}

// Bytes read over the bytes of both inputs: how many times each is read, on average.
double reads_per_input(const plan::OutputPlan& output, Extent n) {
    return output.bytes_read / (2.0 * static_cast<double>(n) * static_cast<double>(n) * sizeof(double));
}

}  // namespace

TEST_CASE("a tile is GEMM-shaped when every pairwise step of an einsum of inputs is a matrix product",
          "[planner][gemm]") {
    const std::map<std::string, Shape> shapes{{"A", {8, 8}}, {"B", {8, 8}}, {"D", {8, 8}}, {"x", {8}}};
    CHECK(kind_of("C = einsum('ij,jk->ik', A, B)\n", shapes) == plan::TileKind::gemm);
    CHECK(kind_of("C = einsum('ji,jk->ik', A, B)\n", shapes) == plan::TileKind::gemm);  // BLAS reads Aᵀ as it is
    CHECK(kind_of("C = einsum('ij,jk,kl->il', A, B, D)\n", shapes) == plan::TileKind::gemm);
    CHECK(kind_of("y = einsum('ij,j->i', A, x)\n", shapes) == plan::TileKind::materializing);        // matrix-vector
    CHECK(kind_of("P = einsum('i,j->ij', x, x)\n", shapes) == plan::TileKind::materializing);        // outer product
    CHECK(kind_of("s = einsum('jk,kj->k', A, B)\n", shapes) == plan::TileKind::materializing);       // batched dots
    CHECK(kind_of("C = einsum('ij,jk->ik', A + D, B)\n", shapes) == plan::TileKind::materializing);  // a sum first
    CHECK(kind_of("C = A + B\n", shapes) == plan::TileKind::materializing);
}

TEST_CASE("an out-of-core matrix product at n = 16384 under 512 MiB reads each input at most 4 times",
          "[planner][gemm]") {
    const plan::Plan plan = make(matmul(16384), 512 * MiB);
    const plan::OutputPlan& c = plan.outputs[0];
    CAPTURE(c.tiling.tile_shape, c.tiling.summed_tile, c.bytes_read, c.peak_bytes, c.tiles_in_flight);
    REQUIRE(reads_per_input(c, 16384) <= 4.0);
    REQUIRE(c.tiles_in_flight >= 2);  // the larger tiles still leave room for one to read while another computes
    REQUIRE(c.peak_bytes * static_cast<std::size_t>(c.tiles_in_flight) <= 512 * MiB);
}

TEST_CASE("a matrix product reads its inputs fewer times under a larger budget", "[planner][gemm]") {
    const expr::Program program = matmul(8192);
    double previous_reads = 0;
    for (std::size_t budget : {64 * MiB, 256 * MiB, 1024 * MiB}) {
        const plan::OutputPlan c = make(program, budget).outputs[0];
        CAPTURE(budget, c.tiling.tile_shape, c.bytes_read);
        REQUIRE(c.peak_bytes * static_cast<std::size_t>(c.tiles_in_flight) <= budget);
        REQUIRE(c.peak_bytes > plan::cost::tile_target_bytes(budget));  // more than a materializing tile may take
        if (previous_reads > 0) REQUIRE(reads_per_input(c, 8192) < previous_reads);
        previous_reads = reads_per_input(c, 8192);
    }
}

TEST_CASE("tiles that materialize slices stay within the 32 MiB cap under a large budget", "[planner][gemm]") {
    // An outer product (no BLAS), and a product whose operand is a sum computed in the tile.
    const expr::Program outer = bind_shapes("P = einsum('i,j->ij', x, y)\n", {{"x", {20000}}, {"y", {20000}}});
    const expr::Program of_sum = bind_shapes("C = einsum('ij,jk->ik', A + D, B)\n",
                                             {{"A", {8192, 8192}}, {"D", {8192, 8192}}, {"B", {8192, 8192}}});
    for (const expr::Program* program : {&outer, &of_sum}) {
        const plan::OutputPlan output = make(*program, 2048 * MiB).outputs[0];
        CAPTURE(output.name, output.tiling.tile_shape);
        REQUIRE(output.peak_bytes <= plan::cost::tile_bytes_cap);
    }
}

TEST_CASE(
    "a forced tile re-chooses the contraction path for its extents, so that it fits where the full-extent "
    "path would not",
    "[planner][gemm][forced]") {
    // The 4-index transform expanded into one einsum of I and four C's. For the full extents the cheapest path
    // contracts I's first index first; under --tile d=1 the transform that makes d is contracted first instead,
    // and no intermediate as large as I is ever made.
    const Extent n = 48;  // I is 40.5 MiB
    const expr::Program program = bind_shapes(
        "T1 = einsum('pqrs,pa->aqrs', I, C)\nT2 = einsum('aqrs,qb->abrs', T1, C)\n"
        "T3 = einsum('abrs,rc->abcs', T2, C)\nM = einsum('abcs,sd->abcd', T3, C)\n",
        {{"I", {n, n, n, n}}, {"C", {n, n}}});
    const std::size_t budget = 96 * MiB;  // the tile, and the panels BLAS packs beside it
    const plan::Plan plan = make(program, budget, {{'d', 1}});
    const plan::OutputPlan& m = plan.outputs[0];
    REQUIRE(m.forced);
    REQUIRE(m.strategy == plan::Strategy::expand);
    REQUIRE(m.peak_bytes * static_cast<std::size_t>(m.tiles_in_flight) <= budget);
    // The path chosen for the full extents, run on the same tile, needs more than the budget.
    const eval::Schedule full = plan::choose_schedule(m.root, budget);
    const eval::TileEstimate with_full_path = eval::estimate_tile(*m.root, m.tiling.tile(0), full);
    const eval::TileEstimate with_chosen_path = eval::estimate_tile(*m.root, m.tiling.tile(0), plan.schedule);
    CAPTURE(with_full_path.peak_bytes, with_chosen_path.peak_bytes, m.peak_bytes);
    // The same tile through the full-extent path holds an intermediate as large as I besides I itself (40.5 MiB):
    // with the panels BLAS packs beside it, more than the budget.
    REQUIRE(with_full_path.peak_bytes > with_chosen_path.peak_bytes + 32 * MiB);
    REQUIRE(with_full_path.peak_bytes + (m.peak_bytes - with_chosen_path.peak_bytes) > budget);
    REQUIRE(plan.schedule.paths.at(m.root.get()) != full.paths.at(m.root.get()));
}

TEST_CASE("a GEMM-shaped output that reads its input once either way keeps the capped tiles", "[planner][gemm]") {
    // The Gram matrix reads X once whatever the tile: larger tiles would read nothing less, and more, smaller tiles
    // in flight overlap reading with computing better.
    const expr::Program program = bind_shapes("G = einsum('ij,ik->jk', X, X)\n", {{"X", {200000, 300}}});
    const plan::OutputPlan g = make(program, 256 * MiB).outputs[0];
    CAPTURE(g.tiling.summed_tile, g.peak_bytes);
    REQUIRE(g.bytes_read <= 200000.0 * 300 * sizeof(double));
    REQUIRE(g.peak_bytes <= plan::cost::tile_target_bytes(256 * MiB));
}
