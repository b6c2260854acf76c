// The tiled engine against the naive evaluator on random scripts: every plan (forced tile sizes, small
// budgets) gives the reference answer, and the same bits for 1, 2, 3 and 4 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "engine/eval/reference_eval.hpp"
#include "engine/exec/executor.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/parser.hpp"
#include "tests/unit/engine_fixture.hpp"
#include "tests/unit/memory_tensors.hpp"
#include "tests/unit/random_script.hpp"
#include "tests/unit/sanitized_build.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;
using testing::bind_random_inputs;
using testing::Bound;
using testing::DenseTensor;
using testing::require_close;
using testing::run_engine;
using testing::same_bits;

namespace {}  // namespace

TEST_CASE("random scripts evaluate tile by tile to the naive evaluator's answer, identically for 1 to 4 threads",
          "[engine][random]") {
    const unsigned scripts = testing::random_cases(240, 48);
    testing::VariantCounts counts;
    for (unsigned seed = 1; seed <= scripts; ++seed) {
        testing::ScriptGenerator generator(seed);
        testing::RandomScript random = generator.generate();
        INFO("seed " << seed << ", script:\n" << random.text);
        Bound bound = bind_random_inputs(random, seed);

        std::map<std::string, DenseTensor> expected;
        for (const expr::NamedNode& output : bound.program.outputs)
            expected[output.name] = eval::reference_evaluate(*output.node, bound.values);

        // Five plans per script: the planner's own choice; the expression tiled as written under a small budget
        // and with forced tiles; the expanded terms with forced tiles and under a small budget.
        std::mt19937 rng(std::mt19937::result_type{seed} * 7919u);
        std::vector<plan::PlanOptions> variants(5);
        variants[1].strategy = variants[2].strategy = plan::Strategy::tile;
        variants[3].strategy = variants[4].strategy = plan::Strategy::expand;
        variants[1].budget_bytes = variants[4].budget_bytes = 2048 + rng() % 8192;
        for (plan::PlanOptions& options : variants) options.minimum_budget = 0;
        // Forced tiles on output indices and on summed indices of outputs that are one einsum (reductions in
        // slabs whose partial results are added in order).
        for (const expr::NamedNode& output : bound.program.outputs) {
            std::string labels = output.node->axis_labels;
            if (output.node->kind == expr::NodeKind::einsum)
                for (const std::string& operand : output.node->operand_labels) labels += operand;
            for (char label : labels)
                if (label && !variants[2].forced_tiles.count(label) && rng() % 3)
                    variants[2].forced_tiles[label] = variants[3].forced_tiles[label] =
                        1 + static_cast<Extent>(rng() % static_cast<unsigned>(random.extents.at(label)));
        }
        testing::run_plan_variants(bound, variants, expected, counts, {1, 2, 3, 4}, 3);
    }
    CHECK(counts.plans >= 4 * static_cast<int>(scripts));
    CHECK(counts.expanded >= static_cast<int>(scripts));
    CHECK(counts.in_slabs >= static_cast<int>(scripts) / 4);
    WARN("plans run: " << counts.plans << ", expanded " << counts.expanded << ", in slabs " << counts.in_slabs
                       << ", with fused passes " << counts.fused_passes << ", with fused tiles " << counts.fused_tiles);
    CHECK(counts.fused_passes >= static_cast<int>(scripts) / 30);
    CHECK(counts.fused_tiles >= static_cast<int>(scripts) / 4);
}

TEST_CASE("pieces fused into one pass over a shared input give the naive answer, identically for 1 to 4 threads",
          "[engine][fuse]") {
    // The seed expanded: its pieces over A (one read transposed) and over Z2 are computed in fused passes of
    // several tiles each under this budget: more than 32, so that their tiles are added with compensation
    // (exec/pass_run.cpp), whose buffers the budget holds beside the tiles.
    const std::map<std::string, Shape> shapes{{"A", {128, 128}}, {"B", {112}}, {"Y2", {128}}, {"Z2", {112, 128}}};
    testing::RandomScript random;
    random.text = testing::seed_text;
    random.inputs = shapes;
    Bound bound = bind_random_inputs(random, 17);
    const DenseTensor expected = eval::reference_evaluate(*bound.program.outputs[0].node, bound.values);
    DenseTensor first;
    for (int threads = 1; threads <= 4; ++threads) {
        plan::PlanOptions options;
        options.strategy = plan::Strategy::expand;
        options.budget_bytes = 28 << 10;
        options.minimum_budget = 0;
        options.threads = threads;
        const plan::Plan plan = plan::make_plan(bound.program, options);
        REQUIRE(!plan.passes.empty());
        Extent fused_tiles = 0;
        bool paired = false, handed_over = false;  // blocks kept for the next tile; a member reading another's tile
        for (const plan::FusedPass& pass : plan.passes) {
            REQUIRE(pass.members.size() >= 2);
            fused_tiles = std::max(fused_tiles, pass.tile_count());
            paired = paired || pass.reuses_leaves;
            handed_over = handed_over || (pass.members.size() == 3 && pass.input == "Z2");
        }
        REQUIRE(fused_tiles > 32);
        REQUIRE(paired);
        REQUIRE(handed_over);
        const DenseTensor result = run_engine(plan, bound).at("E");
        require_close(result, expected);
        if (threads == 1)
            first = result;
        else
            REQUIRE(same_bits(result, first));
    }
}
