// Random scripts mixing einsums, sums and elementwise functions (issue 13; tests/unit/random_script.hpp with
// Functions::mixed): every plan the planner makes of them (its own choice, tiled as written, expanded above the
// functions; small budgets and forced tile sizes) gives the naive evaluator's answer, and the same bits for 1, 2
// and 4 threads.
#include <catch2/catch.hpp>

#include <random>

#include "engine/eval/reference_eval.hpp"
#include "engine/exec/executor.hpp"
#include "tests/unit/engine_fixture.hpp"
#include "tests/unit/random_script.hpp"
#include "tests/unit/sanitized_build.hpp"

using namespace tilesum;
using testing::Bound;
using testing::DenseTensor;

namespace {

bool has_function(const expr::Program& program) {
    std::vector<expr::NodePtr> roots;
    for (const expr::NamedNode& output : program.outputs) roots.push_back(output.node);
    for (const expr::Node* node : expr::topological_order(roots))
        if (node->kind == expr::NodeKind::function) return true;
    return false;
}

// Six plans of a script: the planner's choice; tiled under a small budget, with forced tiles (two sets of sizes);
// expanded with forced tiles and under a small budget. Forced tiles name output indices and, for an output that
// is one einsum, its summed indices (slabs added in order).
std::vector<plan::PlanOptions> plan_variants(const expr::Program& program, const testing::RandomScript& random,
                                             unsigned seed) {
    std::mt19937 rng(std::mt19937::result_type{seed} * 7919u + 13u);
    std::vector<plan::PlanOptions> variants(6);
    variants[1].strategy = variants[2].strategy = variants[3].strategy = plan::Strategy::tile;
    variants[4].strategy = variants[5].strategy = plan::Strategy::expand;
    variants[1].budget_bytes = 2048 + rng() % 8192;
    variants[5].budget_bytes = 2048 + rng() % 8192;
    for (plan::PlanOptions& options : variants) options.minimum_budget = 0;
    for (const expr::NamedNode& output : program.outputs) {
        std::string labels = output.node->axis_labels;
        if (output.node->kind == expr::NodeKind::einsum)
            for (const std::string& operand : output.node->operand_labels) labels += operand;
        for (char label : labels) {
            if (!label || variants[2].forced_tiles.count(label)) continue;
            const auto extent = static_cast<unsigned>(random.extents.at(label));
            auto tile = [&] { return 1 + static_cast<Extent>(rng() % extent); };
            if (rng() % 3) variants[2].forced_tiles[label] = variants[4].forced_tiles[label] = tile();
            if (rng() % 2) variants[3].forced_tiles[label] = tile();
        }
    }
    return variants;
}

}  // namespace

TEST_CASE("random scripts with functions: expanded, tiled and naive evaluation agree, identically for 1, 2, 4 threads",
          "[engine][functions][random]") {
    const int wanted_scripts = static_cast<int>(testing::random_cases(200, 40));
    int scripts = 0;
    testing::VariantCounts counts;
    unsigned seed = 0;
    while (scripts < wanted_scripts && seed < 2 * static_cast<unsigned>(wanted_scripts)) {
        ++seed;
        testing::ScriptGenerator generator(seed, testing::Functions::mixed);
        const testing::RandomScript random = generator.generate();
        INFO("seed " << seed << ", script:\n" << random.text);
        const Bound bound = testing::bind_random_inputs(random, seed);
        if (!has_function(bound.program)) continue;  // the draw made none: not what this test is about
        ++scripts;

        std::map<std::string, DenseTensor> expected;
        for (const expr::NamedNode& output : bound.program.outputs)
            expected[output.name] = eval::reference_evaluate(*output.node, bound.values);

        const std::vector<plan::PlanOptions> variants = plan_variants(bound.program, random, seed);
        testing::run_plan_variants(bound, variants, expected, counts, {1, 2, 4}, 4);
    }
    REQUIRE(scripts == wanted_scripts);
    CHECK(counts.plans >= 4 * 3 * wanted_scripts);
    CHECK(counts.expanded >= wanted_scripts);
    CHECK(counts.in_slabs >= wanted_scripts / 8);
    WARN("scripts " << scripts << " (seeds 1-" << seed << "), plans run: " << counts.plans << ", expanded "
                    << counts.expanded << ", in slabs " << counts.in_slabs << ", with fused tiles "
                    << counts.fused_tiles);
}
