// The planner on shapes alone: which index is tiled, how large the tiles are, that every plan fits its budget,
// and that an impossible budget is reported with the smallest one that works.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

#include "engine/eval/tile_eval.hpp"
#include "engine/expr/program.hpp"
#include "engine/plan/choose_schedule.hpp"
#include "engine/plan/cuttable.hpp"
#include "engine/plan/plan.hpp"
#include "engine/plan/tile_sizes.hpp"
#include "engine/script/parser.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;

namespace {

using testing::bind_shapes;

expr::Program seed_program(Extent n, Extent q) {
    return bind_shapes(testing::seed_text, {{"A", {n, n}}, {"B", {q}}, {"Y2", {n}}, {"Z2", {q, n}}});
}

// Tiling the expression as written unless a test asks for another strategy.
plan::Plan make(const expr::Program& program, std::size_t budget_bytes, int threads = 2,
                std::map<char, Extent> forced = {}, plan::Strategy strategy = plan::Strategy::tile) {
    plan::PlanOptions options;
    options.strategy = strategy;
    options.budget_bytes = budget_bytes;
    options.threads = threads;
    options.forced_tiles = std::move(forced);
    return plan::make_plan(program, options);
}

constexpr std::size_t MiB = std::size_t{1} << 20;

}  // namespace

TEST_CASE("the seed at n = q = 400 under 64 MiB is cut into tiles of which every tile in flight fits", "[planner]") {
    plan::Plan plan = make(seed_program(400, 400), 64 * MiB);
    REQUIRE(plan.outputs.size() == 1);
    const plan::OutputPlan& e = plan.outputs[0];
    REQUIRE(e.root->axis_labels == "k");
    // One (q, n, n) intermediate is 512 MiB: no tile may hold its slice whole. Fused tiles hold only rows of it
    // (eval/fused_einsum.hpp), materialized ones a slice along k or along the summed i and j.
    REQUIRE(e.tiling.tile_count() >= 2);
    REQUIRE(e.peak_bytes * static_cast<std::size_t>(e.tiles_in_flight) <= 64 * MiB);
    REQUIRE(e.tiling.tile_count() ==
            e.tiling.slab_count() * ((400 + e.tiling.tile_shape[0] - 1) / e.tiling.tile_shape[0]));
}

TEST_CASE("an operand read both ways (A and its transpose) is cut into square-ish blocks, not strips", "[planner]") {
    // s_k = sum_j A_jk A_kj: strips of columns would read A one short run per row; blocks keep runs long.
    expr::Program program = bind_shapes("s = einsum('jk,kj->k', A, A)\n", {{"A", {8192, 8192}}});
    plan::Plan plan = make(program, 64 * MiB);
    const plan::OutputPlan& s = plan.outputs[0];
    REQUIRE(s.tiling.is_tiled(0));
    REQUIRE(s.tiling.summed_in_slabs());
    const Extent k_size = s.tiling.tile_shape[0], j_size = s.tiling.summed_tile[0];
    CAPTURE(k_size, j_size);
    REQUIRE(std::max(k_size, j_size) <= 2 * std::min(k_size, j_size));
    REQUIRE(s.read_runs < 8192.0 * 8192.0 / 256.0);  // column strips of 128 would need 2 * 8192 * 8192 / 128 runs
}

TEST_CASE("tile shapes do not depend on the thread count, so results cannot either", "[planner]") {
    expr::Program program = seed_program(300, 200);
    const Shape one_thread = make(program, 32 * MiB, 1).outputs[0].tiling.tile_shape;
    for (int threads : {2, 3, 4, 16})
        REQUIRE(make(program, 32 * MiB, threads).outputs[0].tiling.tile_shape == one_thread);
}

TEST_CASE("a forced tile size is used as given", "[planner]") {
    plan::Plan plan = make(seed_program(100, 102), 64 * MiB, 2, {{'k', 7}});
    REQUIRE(plan.outputs[0].forced);
    REQUIRE(plan.outputs[0].tiling.tile_shape == Shape{7});
    REQUIRE(plan.outputs[0].tiling.tile_count() == 15);
}

TEST_CASE("a forced tile size that does not fit the budget is a resource error naming the budget it needs",
          "[planner][errors]") {
    try {
        make(seed_program(400, 400), 2 * MiB, 2, {{'k', 400}});  // A alone is 1.2 MiB, Z2 as much
        FAIL("no error");
    } catch (const Error& error) {
        REQUIRE(error.kind() == ErrorKind::resource);
        REQUIRE_THAT(std::string(error.what()), Catch::Contains("forced tile k=400") && Catch::Contains("--memory"));
    }
}

TEST_CASE("a forced tile for an index no output has is a usage error listing the output indices", "[planner][errors]") {
    try {
        make(seed_program(10, 10), 64 * MiB, 2, {{'z', 4}});
        FAIL("no error");
    } catch (const Error& error) {
        REQUIRE(error.kind() == ErrorKind::usage);
        REQUIRE_THAT(std::string(error.what()), Catch::Contains("no output has an index 'z' (output indices: k)"));
    }
}

TEST_CASE("a budget too small for one tile names the smallest budget that works, and that budget works",
          "[planner][errors]") {
    // X's rows need whole rows of A (the inner einsum sums j), and an elementwise product cannot be cut along j:
    // one tile of X as written (i = 1) holds a 1.5 MiB row.
    expr::Program program = bind_shapes("X = einsum('ij->i', A) * v\n", {{"A", {10, 200000}}, {"v", {10}}});
    const plan::Cuttable cuttable = plan::Cuttable::of(*program.outputs[0].node);
    const eval::Schedule schedule = plan::choose_schedule(program.outputs[0].node, 1 * MiB);
    plan::Fit<Shape> sizes = plan::choose_tile_sizes(cuttable, "X", 1 * MiB, schedule, plan::MachineProfile{});
    REQUIRE_FALSE(sizes.fits());
    const std::string& message = sizes.why_not();
    REQUIRE_THAT(message, Catch::Contains("too small for output 'X'") && Catch::Contains("smallest tile (i=1)"));
    const std::string marker = "--memory ";
    const std::string suggested = message.substr(message.find(marker) + marker.size());
    REQUIRE(suggested.substr(suggested.size() - 3) == "MiB");
    const std::size_t suggested_bytes = std::stoul(suggested) * MiB;
    // The suggestion itself must be accepted.
    REQUIRE(plan::choose_tile_sizes(cuttable, "X", suggested_bytes, schedule, plan::MachineProfile{}).fits());
}

TEST_CASE("a budget too small for the output as written spills the sum it cannot cut, and fits", "[planner][spill]") {
    expr::Program program = bind_shapes("X = einsum('ij->i', A) * v\n", {{"A", {10, 200000}}, {"v", {10}}});
    plan::Plan plan = make(program, 1 * MiB);
    REQUIRE(plan.outputs.size() == 2);
    REQUIRE(plan.outputs[0].scratch);
    REQUIRE(plan.outputs[0].root->shape == Shape{10});
    REQUIRE(plan.outputs[1].name == "X");
    for (const plan::OutputPlan& output : plan.outputs)
        REQUIRE(output.peak_bytes * static_cast<std::size_t>(output.tiles_in_flight) <= 1 * MiB);
}

TEST_CASE("a budget below the minimum is refused with the minimum named", "[planner][errors]") {
    try {
        make(seed_program(10, 10), 1024);
        FAIL("no error");
    } catch (const Error& error) {
        REQUIRE(error.kind() == ErrorKind::resource);
        REQUIRE_THAT(std::string(error.what()), Catch::Contains("smallest budget tilesum accepts is --memory 1MiB"));
    }
}

TEST_CASE("a scalar from two matrices larger than the budget tiles a summed index", "[planner][reduction]") {
    expr::Program program =  // U and V are 30.5 MiB each
        bind_shapes("s = einsum('ij,ij->', U, V)\n", {{"U", {2000, 2000}}, {"V", {2000, 2000}}});
    plan::Plan plan = make(program, 8 * MiB, 2, {}, plan::Strategy::automatic);
    const plan::OutputPlan& s = plan.outputs[0];
    REQUIRE(s.tiling.summed_in_slabs());
    REQUIRE(s.tiling.summed_labels == "i");  // whole rows: contiguous hyperslabs
    REQUIRE(s.peak_bytes * static_cast<std::size_t>(s.tiles_in_flight) <= 8 * MiB);
}

TEST_CASE("an output larger than the budget is split into tiles that each fit", "[planner]") {
    expr::Program program = bind_shapes("P = einsum('i,j->ij', x, y)\n", {{"x", {6000}}, {"y", {6000}}});
    plan::Plan plan = make(program, 32 * MiB);  // P is 275 MiB
    const plan::OutputPlan& p = plan.outputs[0];
    REQUIRE(p.tiling.tile_count() > 8);
    REQUIRE(p.peak_bytes <= 32 * MiB);
    REQUIRE(p.tiling.is_tiled(0));  // rows first: each tile is one contiguous block of the output
}

TEST_CASE("the dry run counts exactly what a tile allocates: input slices, intermediates and the result", "[planner]") {
    expr::Program program = bind_shapes("P = einsum('ij,jk->ik', A, B)\n", {{"A", {10, 20}}, {"B", {20, 30}}});
    eval::TileEstimate estimate =
        eval::estimate_tile(*program.outputs[0].node, eval::TileSpec{{{0, 10}, {0, 30}}, {}}, eval::Schedule{});
    // Leaves A (200) and B (600) elements, result 300 elements; no transposes needed.
    REQUIRE(estimate.leaf_bytes == 800 * sizeof(double));
    REQUIRE(estimate.peak_bytes == 1100 * sizeof(double));
    REQUIRE(estimate.flops == 2.0 * 10 * 20 * 30);
}

TEST_CASE("the seed expands into four terms over inputs, each an einsum of four operands", "[planner][expand]") {
    expr::Program program = seed_program(100, 102);
    std::optional<std::vector<plan::Term>> terms = plan::expand_terms(program.outputs[0].node);
    REQUIRE(terms);
    REQUIRE(terms->size() == 4);
    std::vector<std::string> subscripts;
    for (const plan::Term& term : *terms) {
        REQUIRE(term.coefficient == 1.0);
        REQUIRE(term.inputs.size() == 4);
        subscripts.push_back(term.subscripts());
    }
    REQUIRE(subscripts == std::vector<std::string>{"i,jk,i,kj->k", "i,jk,k,ij->k", "j,ik,i,kj->k", "j,ik,k,ij->k"});
}

TEST_CASE("identical terms merge: A + A - 2*A cancels to one zero term, einsum(A+A) doubles", "[planner][expand]") {
    auto bind = [](const std::string& text) { return bind_shapes(text, {{"A", {3, 3}}}); };
    auto doubled = plan::expand_terms(bind("X = einsum('ij->i', A + A)\n").outputs[0].node);
    REQUIRE(doubled->size() == 1);
    REQUIRE((*doubled)[0].coefficient == 2.0);
    auto cancelled = plan::expand_terms(bind("X = A + A - 2 * A\n").outputs[0].node);
    REQUIRE(cancelled->size() == 1);
    REQUIRE((*cancelled)[0].coefficient == 0.0);
}

TEST_CASE("broadcasting a product or an einsum resolves expands: a row times a matrix, a row summed over rows",
          "[planner][expand]") {
    const std::map<std::string, Shape> shapes{{"A", {4, 3}}, {"v", {3}}, {"r", {1, 3}}, {"s", {}}};
    auto subscripts_of = [](const std::vector<plan::Term>& terms) {
        std::vector<std::string> result;
        for (const plan::Term& term : terms)
            result.push_back(term.subscripts() + " *" + std::to_string(term.coefficient));
        return result;
    };
    // Σ_i (A_ij + v_j) = Σ_i A_ij + 4 v_j: the summed i that v lacks is a factor of its extent.
    auto summed = plan::expand_terms(bind_shapes("X = einsum('ij->j', A + v)\n", shapes).outputs[0].node);
    REQUIRE(summed);
    CHECK(subscripts_of(*summed) == std::vector<std::string>{"ij->j *1.000000", "j->j *4.000000"});
    // A * v: v aligned on the right, as numpy does; r (1, 3) stretched along rows sums its extent-1 axis.
    auto product = plan::expand_terms(bind_shapes("X = (A + A) * v - A * r\n", shapes).outputs[0].node);
    REQUIRE(product);
    CHECK(subscripts_of(*product) == std::vector<std::string>{"ab,b->ab *2.000000", "ab,cb->ab *-1.000000"});
    // A 0-d operand: s * A + A.
    auto scaled = plan::expand_terms(bind_shapes("X = s * A + A\n", shapes).outputs[0].node);
    REQUIRE(scaled);
    CHECK(subscripts_of(*scaled) == std::vector<std::string>{",ab->ab *1.000000", "ab->ab *1.000000"});
    // A broadcast summand inside an einsum: (A + v)_ij A_ij, v's term reads A for the rows.
    auto inside = plan::expand_terms(bind_shapes("X = einsum('ij,ij->', A + v, A)\n", shapes).outputs[0].node);
    REQUIRE(inside);
    CHECK(subscripts_of(*inside) == std::vector<std::string>{"ij,ij-> *1.000000", "j,ij-> *1.000000"});
}

TEST_CASE("a sum that broadcasts as an output is not expanded: auto tiles it, --strategy expand too and says why",
          "[planner][expand]") {
    // v repeated along A's rows is no einsum over inputs.
    expr::Program program = bind_shapes("X = A + v\nY = einsum('ij->j', A + v)\n", {{"A", {4, 3}}, {"v", {3}}});
    std::string why;
    REQUIRE_FALSE(plan::expand_terms(program.outputs[0].node, &why));
    CHECK(why ==
          "a sum broadcasts v along axis 0: no einsum over inputs repeats a term along an axis none of them has");
    plan::Plan plan = make(program, 64 * MiB, 2, {}, plan::Strategy::automatic);
    REQUIRE(plan.outputs[0].strategy == plan::Strategy::tile);
    REQUIRE(plan.outputs[0].considered.size() == 2);
    REQUIRE_FALSE(plan.outputs[0].considered[0].feasible);
    CHECK(plan.outputs[0].considered[0].note == "cannot expand: " + why);
    CHECK(plan.outputs[0].strategy_note.empty());  // auto chose; nothing was refused

    plan::Plan expanded = make(program, 64 * MiB, 2, {}, plan::Strategy::expand);
    REQUIRE(expanded.outputs[0].strategy == plan::Strategy::tile);
    CHECK(expanded.outputs[0].strategy_note == "--strategy expand cannot expand: " + why + "; planned as written");
    CHECK(plan::describe(expanded).find("strategy:         tile (--strategy expand cannot expand: a sum broadcasts") !=
          std::string::npos);
    // The other output expands as asked.
    CHECK(expanded.outputs[1].strategy == plan::Strategy::expand);
    CHECK(expanded.outputs[1].strategy_note.empty());
}

TEST_CASE("auto picks the expansion for the seed: far fewer flops and bytes than tiling C + C2", "[planner][expand]") {
    plan::Plan plan = make(seed_program(400, 400), 64 * MiB, 2, {}, plan::Strategy::automatic);
    const plan::OutputPlan& e = plan.outputs[0];
    REQUIRE(e.strategy == plan::Strategy::expand);
    REQUIRE(e.considered.size() == 2);
    REQUIRE(e.considered[1].strategy == plan::Strategy::tile);
    REQUIRE(e.considered[0].flops * 10 < e.considered[1].flops);
    REQUIRE(e.considered[0].predicted_seconds < e.considered[1].predicted_seconds);
}

TEST_CASE("shared pieces: the seed's cross terms read one piece for sum_i B_i Z2_ij, computed once",
          "[planner][pieces]") {
    plan::Plan plan = make(seed_program(300, 200), 64 * MiB, 2, {}, plan::Strategy::automatic);
    REQUIRE(plan.outputs[0].strategy == plan::Strategy::expand);
    const plan::OutputPlan* shared = nullptr;
    for (const plan::OutputPlan& piece : plan.pieces)
        if (piece.root->kind == expr::NodeKind::einsum && piece.root->operands.size() == 2 &&
            piece.root->operands[0]->name == "B" && piece.root->operands[1]->name == "Z2")
            shared = &piece;
    REQUIRE(shared);
    // Read twice, under two index names: by one of E's terms directly, and by the piece that finishes another
    // term's reduction (sum_j A_jk w_j).
    int readers = 0;
    for (const expr::NodePtr& term : plan.outputs[0].root->operands)
        for (const expr::NodePtr& operand : term->operands) readers += operand->name == shared->name;
    for (const plan::OutputPlan& piece : plan.pieces)
        for (const expr::NodePtr& operand : piece.root->operands) readers += operand->name == shared->name;
    REQUIRE(readers == 2);
    // Every piece fits the quarter of the budget set aside for them, and the rest of the plan the remainder.
    REQUIRE(plan.piece_bytes <= 16 * MiB);
    REQUIRE(plan.outputs[0].peak_bytes * static_cast<std::size_t>(plan.outputs[0].tiles_in_flight) <=
            64 * MiB - plan.piece_bytes);
}

TEST_CASE("no pieces under --strategy tile: the expression is evaluated as written", "[planner][pieces]") {
    plan::Plan plan = make(seed_program(100, 100), 64 * MiB);
    REQUIRE(plan.pieces.empty());
    REQUIRE(plan.piece_bytes == 0);
}

TEST_CASE("the seed's pieces that read A share one pass in square blocks, and those that read Z2 another",
          "[planner][fuse]") {
    // Σ_j A_jk A_kj reads A both ways, Σ_j w_j A_jk and Σ_j A_kj Y2_j one way each: one pass over A serves all
    // three, although w is itself a piece over Z2, because that pass may wait for it; blocks (p, q) and (q, p)
    // follow each other, so each block is read once. Over Z2, w_j = Σ_i B_i Z2_ij, v_i = Σ_j Y2_j Z2_ij and
    // Σ_i Z2_ik v_i share row blocks: each row block's v is complete within its tile. One pass each would read
    // A four times and Z2 three times.
    plan::Plan plan = make(seed_program(8192, 8192), 64 * MiB, 2, {}, plan::Strategy::expand);
    REQUIRE(plan.passes.size() == 2);
    std::map<std::string, const plan::FusedPass*> by_input;
    for (const plan::FusedPass& pass : plan.passes) by_input[pass.input] = &pass;
    REQUIRE(by_input.count("A"));
    REQUIRE(by_input.count("Z2"));
    const plan::FusedPass& over_a = *by_input["A"];
    CHECK(over_a.members.size() == 3);
    CHECK(over_a.block[0] == over_a.block[1]);
    CHECK(over_a.block[0] < 8192);
    CHECK(over_a.predicted_seconds < over_a.separate_seconds);
    CHECK(over_a.peak_bytes * static_cast<std::size_t>(over_a.tiles_in_flight) <= 64 * MiB);
    CHECK(over_a.reuses_leaves);
    CHECK(over_a.bytes_read <= 1.01 * 8192.0 * 8192.0 * 8);
    const plan::FusedPass& over_z2 = *by_input["Z2"];
    CHECK(over_z2.members.size() == 3);
    CHECK(over_z2.block[1] == 8192);
    CHECK(over_z2.bytes_read <= 1.01 * 8192.0 * 8192.0 * 8);
    // Every piece runs exactly once, after the pieces it reads.
    std::vector<int> runs(plan.pieces.size(), 0);
    for (const plan::Plan::PieceStep& step : plan.piece_steps)
        if (step.fused)
            for (const plan::PassMember& member : plan.passes[step.index].members) ++runs[member.piece];
        else
            ++runs[step.index];
    CHECK(std::all_of(runs.begin(), runs.end(), [](int count) { return count == 1; }));
}
