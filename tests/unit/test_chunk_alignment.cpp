// Tile boundaries on chunk boundaries (issue 3), planned on shapes alone: inputs carry a chunk shape as the HDF5
// reader reports it, and the planner rounds the budget's tile sizes down onto that input's chunk grid.
#include <catch2/catch.hpp>

#include <map>

#include "engine/expr/program.hpp"
#include "engine/plan/chunk_alignment.hpp"
#include "engine/plan/chunk_cache.hpp"
#include "engine/plan/plan.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;

namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

// Every input float64 with the given chunk shape ({} = not chunked).
expr::Program bind_chunked(const std::string& text, const std::map<std::string, std::pair<Shape, Shape>>& inputs,
                           DType dtype = DType::f64) {
    std::map<std::string, expr::InputSpec> specs;
    for (const auto& [name, shapes] : inputs) specs[name] = expr::InputSpec{shapes.first, dtype, shapes.second};
    return testing::bind_text(text, specs);
}

plan::OutputPlan plan_one(const expr::Program& program, std::size_t budget_bytes, int threads = 2) {
    plan::PlanOptions options;
    options.strategy = plan::Strategy::tile;
    options.budget_bytes = budget_bytes;
    options.threads = threads;
    return plan::make_plan(program, options).outputs.at(0);
}

// The cut axes of an output that is one einsum of inputs, numbered as the planner numbers them.
plan::CutAxes cut_axes(const expr::Program& program, std::string summed_labels = "", Shape summed_extents = {}) {
    const expr::Node& root = *program.outputs.at(0).node;
    plan::CutAxes axes{&root, root.shape, root.shape.size(), std::move(summed_labels)};
    axes.extents.insert(axes.extents.end(), summed_extents.begin(), summed_extents.end());
    return axes;
}

const char* transpose_text = "W = einsum('ij->ji', U)\n";

}  // namespace

TEST_CASE("a tile wider than a chunk is rounded down to a whole number of chunks", "[planner][chunks]") {
    // W (j, i) is cut along j, which is U's axis 1, chunked by 256.
    const expr::Program program = bind_chunked(transpose_text, {{"U", {{4096, 4096}, {256, 256}}}});
    const plan::ChunkAlignment aligned = plan::align_to_chunks(cut_axes(program), {600, 4096});
    REQUIRE(aligned.sizes == Shape{512, 4096});
    REQUIRE(aligned.inputs == std::vector<std::string>{"U", ""});
    REQUIRE(aligned.note(0, 2) == "aligned to chunks of U");
}

TEST_CASE("a tile narrower than a chunk is rounded down to a divisor of the chunk extent", "[planner][chunks]") {
    const expr::Program program = bind_chunked(transpose_text, {{"U", {{4096, 4096}, {1000, 1000}}}});
    const plan::ChunkAlignment aligned = plan::align_to_chunks(cut_axes(program), {128, 4096});
    REQUIRE(aligned.sizes == Shape{125, 4096});  // 1000 = 8 * 125: every chunk split evenly over 8 tiles
}

TEST_CASE("an unchunked input leaves the tile sizes as the budget chose them", "[planner][chunks]") {
    const expr::Program program = bind_chunked(transpose_text, {{"U", {{4096, 4096}, {}}}});
    const plan::ChunkAlignment aligned = plan::align_to_chunks(cut_axes(program), {600, 4096});
    REQUIRE(aligned.sizes == Shape{600, 4096});
    REQUIRE(aligned.note(0, 2).empty());
}

TEST_CASE("aligning that would more than double the tiles of an axis keeps the budget's size", "[planner][chunks]") {
    // 997 is prime: the only divisor below 300 is 1, which would make 4096 tiles instead of 14.
    const expr::Program program = bind_chunked(transpose_text, {{"U", {{4096, 4096}, {997, 997}}}});
    const plan::ChunkAlignment aligned = plan::align_to_chunks(cut_axes(program), {300, 4096});
    REQUIRE(aligned.sizes == Shape{300, 4096});
    REQUIRE(aligned.note(0, 2).empty());
}

TEST_CASE("an axis reaching several chunked inputs follows the one with the most bytes", "[planner][chunks]") {
    // j is U's axis 1 (chunk 256, 128 MiB) and x's only axis (chunk 100, 32 KiB).
    const expr::Program program =
        bind_chunked("y = einsum('ij,j->ij', U, x)\n", {{"U", {{4096, 4096}, {256, 256}}}, {"x", {{4096}, {100}}}});
    const plan::ChunkAlignment aligned = plan::align_to_chunks(cut_axes(program), {4096, 700});
    REQUIRE(aligned.sizes == Shape{4096, 512});
    REQUIRE(aligned.inputs[1] == "U");
}

TEST_CASE("a summed index cut into slabs of the reduction follows the chunks too", "[planner][chunks]") {
    const expr::Program program = bind_chunked("s = einsum('ij,ij->', U, V)\n",
                                               {{"U", {{4096, 4096}, {256, 256}}}, {"V", {{4096, 4096}, {256, 256}}}});
    const plan::ChunkAlignment aligned = plan::align_to_chunks(cut_axes(program, "ij", {4096, 4096}), {100, 4096});
    REQUIRE(aligned.sizes == Shape{64, 4096});  // 64 divides 256
    REQUIRE(aligned.note(0, 2) == "aligned to chunks of U");
}

TEST_CASE("the planner aligns the sizes it chooses and the plan still fits the budget", "[planner][chunks]") {
    const expr::Program chunked = bind_chunked(transpose_text, {{"U", {{4096, 4096}, {1000, 1000}}}});
    const expr::Program contiguous = bind_chunked(transpose_text, {{"U", {{4096, 4096}, {}}}});
    const plan::OutputPlan aligned = plan_one(chunked, 16 * MiB);
    const plan::OutputPlan unaligned = plan_one(contiguous, 16 * MiB);
    CAPTURE(aligned.tiling.tile_shape, unaligned.tiling.tile_shape);
    REQUIRE(unaligned.chunk_note.empty());
    REQUIRE(aligned.chunk_note == "aligned to chunks of U");
    for (std::size_t axis = 0; axis < 2; ++axis) {
        const Extent size = aligned.tiling.tile_shape[axis];
        REQUIRE(size <= unaligned.tiling.tile_shape[axis]);
        if (aligned.tiling.is_tiled(axis)) REQUIRE((size % 1000 == 0 || 1000 % size == 0));
    }
    REQUIRE(aligned.peak_bytes <= unaligned.peak_bytes);
    REQUIRE(aligned.peak_bytes * static_cast<std::size_t>(aligned.tiles_in_flight) <= 16 * MiB);
}

TEST_CASE("a reduction summed in slabs is planned onto chunk boundaries within the budget", "[planner][chunks]") {
    const expr::Program program = bind_chunked("s = einsum('ij,ij->', U, V)\n",
                                               {{"U", {{4096, 4096}, {256, 256}}}, {"V", {{4096, 4096}, {256, 256}}}});
    const plan::OutputPlan s = plan_one(program, 16 * MiB);
    REQUIRE(s.tiling.summed_in_slabs());
    REQUIRE(s.chunk_note.empty());  // a scalar: only the summed labels are cut
    REQUIRE(s.summed_chunk_note == "aligned to chunks of U");
    for (std::size_t position = 0; position < s.tiling.summed_labels.size(); ++position) {
        const Extent size = s.tiling.summed_tile[position];
        CAPTURE(s.tiling.summed_labels[position], size);
        if (size < s.tiling.summed_extents[position]) REQUIRE((size % 256 == 0 || 256 % size == 0));
    }
    REQUIRE(s.peak_bytes * static_cast<std::size_t>(s.tiles_in_flight) <= 16 * MiB);
}

TEST_CASE("chunk-aligned tile shapes do not depend on the thread count", "[planner][chunks]") {
    const expr::Program program = bind_chunked(transpose_text, {{"U", {{4096, 4096}, {1000, 1000}}}});
    const Shape one_thread = plan_one(program, 16 * MiB, 1).tiling.tile_shape;
    for (int threads : {2, 4, 16}) REQUIRE(plan_one(program, 16 * MiB, threads).tiling.tile_shape == one_thread);
}

namespace {

plan::Plan plan_all(const expr::Program& program, std::size_t budget_bytes, int threads = 2) {
    plan::PlanOptions options;
    options.budget_bytes = budget_bytes;
    options.threads = threads;
    return plan::make_plan(program, options);
}

// Every tile buffer in flight, the shared pieces and the chunk caches within the budget, for every step of the plan.
void require_within_budget(const plan::Plan& plan) {
    const std::size_t reserved = plan.piece_bytes + plan.chunk_cache_total_bytes;
    CAPTURE(plan.budget_bytes, plan.piece_bytes, plan.chunk_cache_total_bytes);
    REQUIRE(reserved <= plan.budget_bytes);
    for (const plan::OutputPlan& step : plan.pieces)
        REQUIRE(step.peak_bytes * static_cast<std::size_t>(step.tiles_in_flight) + reserved <= plan.budget_bytes);
    for (const plan::FusedPass& pass : plan.passes)
        REQUIRE(pass.peak_bytes * static_cast<std::size_t>(pass.tiles_in_flight) + reserved <= plan.budget_bytes);
    for (const plan::OutputPlan& output : plan.outputs)
        REQUIRE(output.peak_bytes * static_cast<std::size_t>(output.tiles_in_flight) + reserved <= plan.budget_bytes);
}

const char* chunked_dot_text = "s = einsum('ij,ij->', U, V)\n";

}  // namespace

TEST_CASE("HDF5 chunk caches are planned from tile shapes and taken from the budget", "[planner][chunks]") {
    // Rows of (1000, 1000) chunks of 8 MB: tiles of a few hundred rows split them, and one tile touches 5 chunks.
    const expr::Program program =
        bind_chunked(chunked_dot_text, {{"U", {{4096, 4096}, {1000, 1000}}}, {"V", {{4096, 4096}, {1000, 1000}}}});
    const std::size_t five_chunks = std::size_t{5} * 1000 * 1000 * sizeof(double);

    SECTION("a budget with room for one input's cache gives it that cache; the other keeps HDF5's default") {
        const plan::Plan plan = plan_all(program, 128 * MiB);
        REQUIRE(plan.chunk_cache_wanted_bytes ==
                std::map<std::string, std::size_t>{{"U", five_chunks}, {"V", five_chunks}});
        REQUIRE(plan.chunk_cache_bytes ==
                std::map<std::string, std::size_t>{{"U", five_chunks}, {"V", plan::ChunkCacheTraits{}.default_bytes}});
        REQUIRE(plan.chunk_cache_total_bytes ==
                plan::ChunkCacheTraits{}.memory_factor * five_chunks + plan::ChunkCacheTraits{}.default_bytes);
        require_within_budget(plan);
    }
    SECTION("a budget too small for any cache keeps HDF5's default for both, counted too") {
        const plan::Plan plan = plan_all(program, 16 * MiB);
        REQUIRE(plan.chunk_cache_bytes ==
                std::map<std::string, std::size_t>{{"U", plan::ChunkCacheTraits{}.default_bytes},
                                                   {"V", plan::ChunkCacheTraits{}.default_bytes}});
        REQUIRE(plan.chunk_cache_total_bytes == 2 * plan::ChunkCacheTraits{}.default_bytes);
        require_within_budget(plan);
    }
    SECTION("the caches do not depend on the thread count") {
        const plan::Plan one_thread = plan_all(program, 128 * MiB, 1);
        for (int threads : {2, 4, 16}) {
            const plan::Plan plan = plan_all(program, 128 * MiB, threads);
            REQUIRE(plan.chunk_cache_bytes == one_thread.chunk_cache_bytes);
            REQUIRE(plan.chunk_cache_total_bytes == one_thread.chunk_cache_total_bytes);
            require_within_budget(plan);
        }
    }
}

TEST_CASE("inputs that are not chunked, or whose chunks tiles read whole, get no chunk cache", "[planner][chunks]") {
    const plan::Plan unchunked =
        plan_all(bind_chunked(chunked_dot_text, {{"U", {{4096, 4096}, {}}}, {"V", {{4096, 4096}, {}}}}), 16 * MiB);
    REQUIRE(unchunked.chunk_cache_bytes.empty());
    REQUIRE(unchunked.chunk_cache_total_bytes == 0);
    // Row chunks (16, 4096): every tile of whole rows reads whole chunks.
    const plan::Plan rows =
        plan_all(bind_chunked(chunked_dot_text, {{"U", {{4096, 4096}, {16, 4096}}}, {"V", {{4096, 4096}, {16, 4096}}}}),
                 16 * MiB);
    REQUIRE(rows.chunk_cache_bytes.empty());
    require_within_budget(rows);
}
