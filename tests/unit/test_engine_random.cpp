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
    const unsigned scripts = 240;
    int plans_run = 0;
    int expanded_plans_run = 0;
    int slab_plans_run = 0;
    int fused_plans_run = 0;       // plans with pieces computed together in one pass over an input (plan/fuse.hpp)
    int fused_tile_plans_run = 0;  // plans with tiles evaluated fused (eval/fused_einsum.hpp)
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
        for (std::size_t variant = 0; variant < variants.size(); ++variant) {
            INFO("plan variant " << variant);
            std::map<std::string, DenseTensor> first;
            for (int threads = 1; threads <= 4; ++threads) {
                plan::PlanOptions options = variants[variant];
                options.threads = threads;
                plan::Plan plan;
                try {
                    plan = plan::make_plan(bound.program, options);
                } catch (const Error& error) {
                    // A small budget may be too small, a forced index may name no output, and a sum that
                    // broadcasts cannot be expanded: user errors the planner must report as such, never others.
                    INFO(error.what());
                    REQUIRE((error.kind() == ErrorKind::resource || error.kind() == ErrorKind::usage ||
                             (error.kind() == ErrorKind::unsupported && variant >= 3)));
                    break;
                }
                std::map<std::string, DenseTensor> results = run_engine(plan, bound);
                ++plans_run;
                for (const plan::OutputPlan& output : plan.outputs)
                    if (output.strategy == plan::Strategy::expand) {
                        ++expanded_plans_run;
                        break;
                    }
                for (const plan::OutputPlan& output : plan.outputs)
                    if (output.tiling.summed_in_slabs()) {
                        ++slab_plans_run;
                        break;
                    }
                if (!plan.passes.empty()) ++fused_plans_run;
                for (const auto* units : {&plan.outputs, &plan.pieces}) {
                    bool fused_tiles = false;
                    for (const plan::OutputPlan& unit : *units)
                        fused_tiles = fused_tiles || unit.split.kernels.fused_operations > 0;
                    if (fused_tiles) {
                        ++fused_tile_plans_run;
                        break;
                    }
                }
                for (const auto& [name, tensor] : results) {
                    INFO("output " << name << ", threads " << threads);
                    require_close(tensor, expected[name]);
                    if (threads == 1)
                        first[name] = tensor;
                    else
                        REQUIRE(same_bits(tensor, first[name]));
                }
            }
        }
    }
    CHECK(plans_run >= 4 * static_cast<int>(scripts));
    CHECK(expanded_plans_run >= static_cast<int>(scripts));
    CHECK(slab_plans_run >= static_cast<int>(scripts) / 4);
    WARN("plans run: " << plans_run << ", expanded " << expanded_plans_run << ", in slabs " << slab_plans_run
                       << ", with fused passes " << fused_plans_run << ", with fused tiles " << fused_tile_plans_run);
    CHECK(fused_plans_run >= 8);
    CHECK(fused_tile_plans_run >= static_cast<int>(scripts) / 4);
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
