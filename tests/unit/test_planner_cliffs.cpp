// The planner on the workloads that once fell off a cliff (issue 12), on shapes alone: a one-input reduction
// (a column sum) becomes a shared piece, a sum of terms is summed in slabs, terms or outputs that read one large
// input share one pass over it, and an intermediate worth keeping but larger than the budget is spilled.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/expr/complex_split.hpp"
#include "engine/expr/program.hpp"
#include "engine/plan/plan.hpp"
#include "engine/plan/plan_data.hpp"
#include "engine/plan/plan_json.hpp"
#include "engine/plan/plan_totals.hpp"
#include "tests/unit/plan_fixture.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;
using testing::bind_shapes;

namespace {

using testing::MiB;

plan::Plan make(const expr::Program& program, std::size_t budget_bytes, std::map<char, Extent> forced = {},
                plan::Strategy strategy = plan::Strategy::automatic) {
    return testing::plan_on_shapes(program, budget_bytes, std::move(forced), strategy);
}

double bytes_read(const plan::Plan& plan) { return plan::plan_totals(plan).bytes_read; }

double predicted_seconds(const plan::Plan& plan) { return plan::plan_totals(plan).predicted_seconds; }

// The workload: X 50M x 32 under 256 MiB, centred the way numpy users write it.
const char* const centred_covariance =
    "mu = np.einsum('ni->i', X) / 50000000\n"
    "Xc = X - mu\n"
    "C = np.einsum('ni,nj->ij', Xc, Xc) / (50000000 - 1)\n";
const Shape tall_x{50000000, 32};
constexpr double tall_x_bytes = 50000000.0 * 32 * 8;

}  // namespace

TEST_CASE("a column sum occurring twice in a term is one shared piece", "[planner][pieces][cliffs]") {
    // Σ_n X_ni Σ_m X_mj: the column sums of X, once, then their outer product.
    plan::Plan plan = make(bind_shapes("S = einsum('ni,mj->ij', X, X)\n", {{"X", {100000, 32}}}), 64 * MiB, {},
                           plan::Strategy::expand);
    REQUIRE(plan.pieces.size() == 1);
    REQUIRE(plan.pieces[0].root->operand_labels.size() == 1);
    REQUIRE(plan.pieces[0].root->shape == Shape{32});
    REQUIRE(plan.outputs[0].bytes_read < 1e4);  // the output reads the 256-byte piece (by tiles), not X
}

TEST_CASE("a trace independent of the output is a piece, not recomputed by every tile", "[planner][pieces][cliffs]") {
    plan::Plan plan = make(bind_shapes("Y = np.trace(A) * B\n", {{"A", {2000, 2000}}, {"B", {3000, 3000}}}), 16 * MiB,
                           {}, plan::Strategy::expand);
    REQUIRE(plan.pieces.size() == 1);
    REQUIRE(plan.pieces[0].root->shape.empty());
    REQUIRE(plan.outputs[0].tiling.tile_count() > 1);
    REQUIRE(plan.outputs[0].bytes_read < 3000.0 * 3000 * 8 * 1.01);  // B once, A's diagonal never again
}

TEST_CASE("the centred covariance reads X once, in row slabs, like the Gram matrix", "[planner][pieces][cliffs]") {
    const plan::Plan covariance = make(bind_shapes(centred_covariance, {{"X", tall_x}}), 256 * MiB);
    const plan::Plan gram = make(bind_shapes("G = np.einsum('ni,nj->ij', X, X)\n", {{"X", tall_x}}), 256 * MiB);
    // One pass over X computes both Σ_n X_ni X_nj and the column sums; C is then made of those two pieces.
    REQUIRE(covariance.passes.size() == 1);
    REQUIRE(covariance.passes[0].members.size() == 2);
    REQUIRE(covariance.passes[0].block[1] == 32);  // row blocks: whole rows, contiguous runs
    REQUIRE(bytes_read(covariance) < 1.01 * tall_x_bytes);
    REQUIRE(bytes_read(gram) < 1.01 * tall_x_bytes);
    REQUIRE(predicted_seconds(covariance) < 1.1 * predicted_seconds(gram));
}

TEST_CASE("a sum of terms is summed in slabs along an index one of its terms sums", "[planner][slabs][cliffs]") {
    // As written (no expansion), X is einsum + v: j is summed in slabs, v added once, in the first slab.
    plan::Plan plan = make(bind_shapes("X = einsum('ij->i', A) + v\n", {{"A", {10, 200000}}, {"v", {10}}}), 1 * MiB, {},
                           plan::Strategy::tile);
    REQUIRE(plan.outputs[0].tiling.summed_labels == "j");
    REQUIRE(plan.outputs[0].tiling.slab_count() > 1);
    REQUIRE(plan.outputs[0].peak_bytes * static_cast<std::size_t>(plan.outputs[0].tiles_in_flight) <= 1 * MiB);
}

TEST_CASE("a forced tile names a summed index of a two-term output, which keeps its terms",
          "[planner][slabs][cliffs]") {
    plan::Plan plan = make(bind_shapes(centred_covariance, {{"X", tall_x}}), 256 * MiB, {{'n', 65536}});
    REQUIRE(plan.outputs[0].terms.size() == 2);
    REQUIRE(plan.outputs[0].tiling.summed_labels == "n");
    REQUIRE(plan.outputs[0].tiling.summed_tile == Shape{65536});
}

TEST_CASE("two outputs reading one large input share one pass over it", "[planner][pieces][cliffs]") {
    plan::Plan plan =
        make(bind_shapes("G = np.einsum('ni,nj->ij', X, X)\ns = X.sum(axis=0)\n", {{"X", tall_x}}), 256 * MiB);
    REQUIRE(plan.passes.size() == 1);
    REQUIRE(plan.passes[0].members.size() == 2);
    REQUIRE(bytes_read(plan) < 1.01 * tall_x_bytes);
}

TEST_CASE("one output reading a large input alone is tiled itself, not made a piece", "[planner][pieces][cliffs]") {
    plan::Plan plan = make(bind_shapes("G = np.einsum('ni,nj->ij', X, X)\n", {{"X", tall_x}}), 256 * MiB);
    REQUIRE(plan.pieces.empty());
    REQUIRE(plan.outputs[0].tiling.summed_labels == "n");
}

namespace {

const char* const ao_to_mo =
    "T1 = np.einsum('pqrs,pi->iqrs', I, Cm)\n"
    "T2 = np.einsum('iqrs,qj->ijrs', T1, Cm)\n"
    "T3 = np.einsum('ijrs,rk->ijks', T2, Cm)\n"
    "M = np.einsum('ijks,sl->ijkl', T3, Cm)\n";

double flops(const plan::Plan& plan) {
    double total = 0;
    for (const plan::OutputPlan& output : plan.outputs) total += output.flops;
    return total;
}

}  // namespace

TEST_CASE("the AO->MO chain under 1 GiB spills an intermediate and does numpy's flops", "[planner][spill][cliffs]") {
    // N = 144: I is 3.4 GB. Tiled as one einsum, each tile would re-read I; spilled, I is read about once.
    const Extent n = 144;
    const plan::Plan plan = make(bind_shapes(ao_to_mo, {{"I", {n, n, n, n}}, {"Cm", {n, n}}}), 1024 * MiB);
    REQUIRE(plan.outputs.size() >= 2);
    REQUIRE(plan.outputs.front().scratch);
    REQUIRE(plan.outputs.front().name.rfind("%T", 0) == 0);
    REQUIRE_FALSE(plan.outputs.back().scratch);
    REQUIRE(plan.outputs.back().name == "M");
    const double n5 = std::pow(static_cast<double>(n), 5);
    REQUIRE(flops(plan) <= 1.01 * 4 * 2 * n5);  // numpy's optimal path: four N^5 GEMMs
    const double tensor_bytes = std::pow(static_cast<double>(n), 4) * 8;
    REQUIRE(bytes_read(plan) < 8 * tensor_bytes);
}

TEST_CASE("the seed spills nothing", "[planner][spill][cliffs]") {
    for (std::size_t budget : {std::size_t{4}, std::size_t{64}, std::size_t{1024}}) {
        const plan::Plan plan = make(
            bind_shapes(testing::seed_text, {{"A", {2000, 2000}}, {"B", {2000}}, {"Y2", {2000}}, {"Z2", {2000, 2000}}}),
            budget * MiB);
        for (const plan::OutputPlan& output : plan.outputs) REQUIRE_FALSE(output.scratch);
    }
}

TEST_CASE("a plan with a spill survives JSON exactly", "[planner][spill][plan_data]") {
    const Extent n = 32;
    const expr::Program program = bind_shapes(ao_to_mo, {{"I", {n, n, n, n}}, {"Cm", {n, n}}});
    const plan::Plan plan = make(program, 1 * MiB);
    REQUIRE(plan.outputs.front().scratch);
    const plan::PlanData data = plan::to_data(plan, expr::split_complex(program));
    const plan::PlanData loaded = plan::plan_from_json(plan::plan_to_json(data), "plan.json");
    REQUIRE(loaded == data);
    REQUIRE(loaded.execution.outputs.front().scratch);
    REQUIRE_FALSE(loaded.execution.outputs.back().scratch);
}
