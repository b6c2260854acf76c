// Plans as data (engine/plan/plan_data.hpp, plan_json.hpp): a plan survives JSON exactly, compares with ==, runs to
// the same bits after the trip, and a plan file that is not a consistent plan is refused naming the key.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "engine/common/error.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/plan/plan_json.hpp"
#include "tests/unit/engine_fixture.hpp"
#include "tests/unit/plan_variants.hpp"
#include "tests/unit/sanitized_build.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;

namespace {

std::optional<plan::Plan> try_plan(const expr::Program& program, const plan::PlanOptions& options) {
    try {
        return plan::make_plan(program, options);
    } catch (const Error& error) {
        INFO(error.what());
        REQUIRE((error.kind() == ErrorKind::resource || error.kind() == ErrorKind::usage ||
                 error.kind() == ErrorKind::unsupported));
        return std::nullopt;
    }
}

plan::PlanData seed_plan_data() {
    testing::RandomScript random;
    random.text = testing::seed_text;
    random.inputs = {{"A", {64, 64}}, {"B", {48}}, {"Y2", {64}}, {"Z2", {48, 64}}};
    const testing::Bound bound = testing::bind_random_inputs(random, 5);
    plan::PlanOptions options;
    options.budget_bytes = 24 << 10;
    options.minimum_budget = 0;
    return plan::to_data(plan::make_plan(bound.program, options), expr::split_complex(bound.program));
}

// The plan's JSON with one value replaced, as a hand edit would.
std::string edited(const plan::PlanData& data, const nlohmann::json::json_pointer& where, nlohmann::json value) {
    nlohmann::json document = nlohmann::json::parse(plan::plan_to_json(data));
    document[where] = std::move(value);
    return document.dump();
}

void require_refused(const std::string& text, const std::string& expected_key) {
    try {
        plan::plan_from_json(text, "edited.json");
        FAIL("an inconsistent plan was accepted; expected an error naming " << expected_key);
    } catch (const Error& error) {
        INFO(error.what());
        REQUIRE(error.kind() == ErrorKind::usage);
        REQUIRE_THAT(error.what(), Catch::Contains("plan file 'edited.json'") && Catch::Contains(expected_key));
    }
}

}  // namespace

TEST_CASE("plans of 240 random scripts survive JSON exactly and run to the same bits after the trip",
          "[engine][plan_data]") {
    const unsigned scripts = testing::random_cases(240, 48);
    int plans = 0, with_pieces = 0, with_passes = 0, expanded = 0;
    for (unsigned seed = 1; seed <= scripts; ++seed) {
        testing::ScriptGenerator generator(seed);
        const testing::RandomScript random = generator.generate();
        INFO("seed " << seed << ", script:\n" << random.text);
        const testing::Bound bound = testing::bind_random_inputs(random, seed);
        const expr::SplitProgram program = expr::split_complex(bound.program);
        const std::vector<plan::PlanOptions> variants = testing::plan_variants(random, bound.program, seed);
        for (std::size_t variant = 0; variant < variants.size(); ++variant) {
            INFO("plan variant " << variant);
            const std::optional<plan::Plan> made = try_plan(bound.program, variants[variant]);
            if (!made) continue;
            const plan::PlanData data = plan::to_data(*made, program);
            const std::string text = plan::plan_to_json(data);
            const plan::PlanData loaded = plan::plan_from_json(text, "plan.json");
            REQUIRE(loaded == data);
            REQUIRE(plan::plan_to_json(loaded) == text);
            // Through the executor's form and back: nothing is lost or added.
            const plan::Instantiated instantiated = plan::instantiate(loaded);
            REQUIRE(plan::to_data(instantiated.plan, instantiated.program) == data);
            REQUIRE(plan::explain(loaded) == plan::describe(*made));

            const auto original = testing::run_engine(*made, bound);
            const auto reloaded = testing::run_engine(instantiated.plan, bound);
            for (const auto& [name, tensor] : original) {
                INFO("output " << name);
                REQUIRE(testing::same_bits(reloaded.at(name), tensor));
            }
            ++plans;
            with_pieces += !made->pieces.empty();
            with_passes += !made->passes.empty();
            for (const plan::OutputPlan& output : made->outputs)
                if (output.strategy == plan::Strategy::expand) {
                    ++expanded;
                    break;
                }
        }
    }
    WARN("plans: " << plans << ", with pieces " << with_pieces << ", with fused passes " << with_passes << ", expanded "
                   << expanded);
    CHECK(plans >= 3 * static_cast<int>(scripts));
    CHECK(with_pieces >= static_cast<int>(scripts) / 12);
    CHECK(with_passes >= static_cast<int>(scripts) / 60);
    CHECK(expanded >= static_cast<int>(scripts));
}

TEST_CASE("a plan differs from another in == exactly where its data differs", "[plan_data]") {
    const plan::PlanData data = seed_plan_data();
    plan::PlanData other = data;
    REQUIRE(other == data);
    other.execution.outputs[0].tiling.tile_shape[0] += 1;
    REQUIRE_FALSE(other == data);
    other = data;
    other.report.machine.gemm_flops_per_second *= 2;
    REQUIRE_FALSE(other == data);
    other = data;
    other.report.outputs[0].split.kernels.elementwise_bytes += 8;
    REQUIRE_FALSE(other == data);
    other = data;
    other.expression.nodes.back().name += "x";
    REQUIRE_FALSE(other == data);
}

TEST_CASE("the computation of a plan leaves out what changes speed but never a bit", "[plan_data]") {
    const plan::PlanData data = seed_plan_data();
    plan::PlanData faster = data;
    faster.execution.threads = 7;
    faster.execution.budget_bytes *= 2;
    for (plan::UnitExecution& output : faster.execution.outputs) output.tiles_in_flight += 3;
    faster.report.machine.gemm_flops_per_second *= 3;
    faster.report.machine.filtered_read_bytes_per_second *= 3;
    REQUIRE(plan::computation_json(faster) == plan::computation_json(data));
    plan::PlanData retiled = data;
    retiled.execution.outputs[0].tiling.tile_shape[0] = 1;
    REQUIRE(plan::computation_json(retiled) != plan::computation_json(data));
}

TEST_CASE("the whole output of tilesum plan --json is read as the plan under its key 'plan'", "[plan_data]") {
    const plan::PlanData data = seed_plan_data();
    nlohmann::json document = {{"strategy", "expand"}, {"plan", nlohmann::json::parse(plan::plan_to_json(data))}};
    REQUIRE(plan::plan_from_json(document.dump(), "summary.json") == data);
}

TEST_CASE("a plan file that is not a consistent plan is refused naming the key", "[plan_data]") {
    using pointer = nlohmann::json::json_pointer;
    const plan::PlanData data = seed_plan_data();
    const std::size_t nodes = data.expression.nodes.size();
    SECTION("not JSON") { require_refused("{\"format\": ", "not valid JSON"); }
    SECTION("another format") { require_refused(R"({"format": "numpy"})", "not a tilesum plan"); }
    SECTION("another version") {
        require_refused(edited(data, pointer("/version"), 99), "version 99 is not supported");
    }
    SECTION("a version-1 plan, priced with one flop rate, is planned again") {
        require_refused(edited(data, pointer("/version"), 1), "version 1 is not supported");
    }
    SECTION("a report without the work split by kind") {
        nlohmann::json document = nlohmann::json::parse(plan::plan_to_json(data));
        document["report"]["outputs"][0].erase("split");
        require_refused(document.dump(), "report.outputs[0].split: missing");
    }
    SECTION("a missing key") {
        nlohmann::json document = nlohmann::json::parse(plan::plan_to_json(data));
        document["execution"].erase("threads");
        require_refused(document.dump(), "execution.threads: missing");
    }
    SECTION("a value of the wrong type") {
        require_refused(edited(data, pointer("/execution/outputs/0/tiling/tile_shape"), "big"),
                        "execution.outputs[0].tiling.tile_shape: expected an array");
    }
    SECTION("an unknown dtype") {
        require_refused(edited(data, pointer("/expression/nodes/0/dtype"), "float128"),
                        "expression.nodes[0].dtype: 'float128' is none of");
    }
    SECTION("a root that is no node") {
        require_refused(edited(data, pointer("/execution/outputs/0/root"), nodes),
                        "execution.outputs[0].root: node " + std::to_string(nodes) + " does not exist");
    }
    SECTION("an operand after its user") {
        require_refused(
            edited(data, pointer("/expression/nodes/" + std::to_string(nodes - 1) + "/operands/0"), nodes - 1),
            "an operand must be an earlier node");
    }
    SECTION("a tiling that does not fit its root") {
        require_refused(edited(data, pointer("/execution/outputs/0/tiling/extents"), nlohmann::json::array({3, 3})),
                        "does not fit the root's shape");
    }
    SECTION("a path step that names no operands") {
        REQUIRE_FALSE(data.execution.paths.empty());
        require_refused(edited(data, pointer("/execution/paths/0/path/0"), nlohmann::json::array({0, 9})),
                        "a step names no pair of the operands left");
    }
    SECTION("a piece step that names no piece") {
        REQUIRE_FALSE(data.execution.piece_steps.empty());
        require_refused(edited(data, pointer("/execution/piece_steps/0/index"), 99), "names no");
    }
}

TEST_CASE("explain prints lines of any length whole", "[plan_data]") {
    plan::PlanData data = seed_plan_data();
    REQUIRE_FALSE(data.execution.passes.empty());
    const std::string long_name(300, 'Z');
    data.execution.passes[0].input = long_name;
    const std::string text = plan::explain(data);
    REQUIRE_THAT(text, Catch::Contains("in one pass over " + long_name + ": blocks"));
    REQUIRE_THAT(text, Catch::Contains("as separate passes)\n"));
}

TEST_CASE("a plan over gzip-chunked inputs keeps their layout and its work split by kind through JSON", "[plan_data]") {
    std::map<std::string, expr::InputSpec> inputs;
    inputs["X"] = expr::InputSpec{{4096, 32}, DType::f64, {512, 32}, true};
    inputs["Y"] = expr::InputSpec{{4096, 32}, DType::f64, {512, 32}};
    const expr::Program program =
        testing::bind_text("G = einsum('ni,nj->ij', X, Y)\ns = einsum('ni->i', X + Y)\n", inputs);
    plan::PlanOptions options;
    options.budget_bytes = 8 << 20;
    // As written: expanded, G and s would both become pieces of one pass over X, read by outputs made of pieces.
    options.strategy = plan::Strategy::tile;
    const plan::PlanData data = plan::to_data(plan::make_plan(program, options), expr::split_complex(program));
    const plan::PlanData loaded = plan::plan_from_json(plan::plan_to_json(data), "gzip.json");
    REQUIRE(loaded == data);
    bool filtered_input = false;
    for (const plan::GraphNode& node : loaded.expression.nodes) filtered_input |= node.name == "X" && node.filtered;
    CHECK(filtered_input);
    const plan::WorkSplit& gram = loaded.report.outputs.at(0).split;
    CHECK(gram.kernels.gemm_flops > 0);
    CHECK(gram.filtered_bytes_read > 0);
    CHECK(gram.chunked_bytes_read == loaded.report.outputs.at(0).bytes_read);  // both inputs are chunked
    CHECK(gram.filtered_bytes_read < gram.chunked_bytes_read);
    // The column sum's work, in s or in the pieces it was expanded into: a reduction, or fused with X + Y.
    double reduction_work = 0;
    for (const auto* units : {&loaded.report.outputs, &loaded.report.pieces})
        for (const plan::UnitReport& unit : *units)
            reduction_work += unit.split.kernels.reduction_flops + unit.split.kernels.fused_operations;
    CHECK(reduction_work >= 4096.0 * 32);
}
