// How `mpirun -np N tilesum run` divides a plan's output tiles among the ranks (engine/plan/rank_shares.hpp): every
// tile to exactly one rank, in contiguous ranges in plan order, balanced by predicted cost, and the same division
// however often it is computed (every rank computes it for itself).
#include <catch2/catch.hpp>

#include <numeric>

#include "engine/plan/rank_shares.hpp"

using namespace tilesum;

namespace {

// An output of `extents` cut into tiles of `tile`, predicted to take `seconds` and read `bytes`.
plan::OutputPlan tiled_output(const std::string& name, Shape extents, Shape tile, double seconds, double bytes) {
    plan::OutputPlan output;
    output.name = name;
    output.tiling.extents = std::move(extents);
    output.tiling.tile_shape = std::move(tile);
    output.predicted_seconds = seconds;
    output.bytes_read = bytes;
    return output;
}

// Every output tile of `plan` owned by exactly one rank, the ranks' ranges following each other in rank order.
void check_partition(const plan::Plan& plan, const std::vector<plan::RankShare>& shares) {
    for (std::size_t output = 0; output < plan.outputs.size(); ++output) {
        Extent next = 0;
        for (const plan::RankShare& share : shares) {
            const Range range = share.output_tiles[output];
            if (range.length() == 0) continue;
            CHECK(range.begin == next);
            next = range.end;
        }
        CHECK(next == plan.outputs[output].tiling.output_tile_count());
    }
    Extent tiles = 0;
    for (const plan::RankShare& share : shares) tiles += share.tiles;
    Extent expected = 0;
    for (const plan::OutputPlan& output : plan.outputs) expected += output.tiling.output_tile_count();
    CHECK(tiles == expected);
}

}  // namespace

TEST_CASE("one rank gets every tile of every output, and the whole plan's predictions", "[rank_shares]") {
    plan::Plan plan;
    plan.outputs.push_back(tiled_output("E", {100}, {10}, 2.0, 800));
    plan.outputs.push_back(tiled_output("F", {6, 6}, {3, 6}, 1.0, 100));
    const std::vector<plan::RankShare> shares = plan::divide_among_ranks(plan, 1);
    REQUIRE(shares.size() == 1);
    CHECK(shares[0].output_tiles == std::vector<Range>{{0, 10}, {0, 2}});
    CHECK(shares[0].tiles == 12);
    CHECK(shares[0].predicted_seconds == Approx(3.0));
    CHECK(shares[0].bytes_read == Approx(900));
}

TEST_CASE("equal tiles are divided into contiguous ranges of nearly equal counts", "[rank_shares]") {
    plan::Plan plan;
    plan.outputs.push_back(tiled_output("E", {120}, {10}, 1.2, 1200));  // 12 tiles of 0.1 s
    for (int ranks : {2, 3, 4, 5, 7, 12}) {
        const std::vector<plan::RankShare> shares = plan::divide_among_ranks(plan, ranks);
        REQUIRE(shares.size() == static_cast<std::size_t>(ranks));
        check_partition(plan, shares);
        for (const plan::RankShare& share : shares) {
            CHECK(share.tiles >= 12 / ranks);
            CHECK(share.tiles <= (12 + ranks - 1) / ranks);
            CHECK(share.predicted_seconds == Approx(0.1 * static_cast<double>(share.tiles)));
        }
    }
    const std::vector<plan::RankShare> three = plan::divide_among_ranks(plan, 3);
    CHECK(three[0].output_tiles[0] == Range{0, 4});
    CHECK(three[1].output_tiles[0] == Range{4, 8});
    CHECK(three[2].output_tiles[0] == Range{8, 12});
}

TEST_CASE("tiles are balanced by predicted cost across outputs, not by count", "[rank_shares]") {
    plan::Plan plan;
    plan.outputs.push_back(tiled_output("cheap", {100}, {10}, 1.0, 0));   // 10 tiles of 0.1 s
    plan.outputs.push_back(tiled_output("costly", {20}, {10}, 10.0, 0));  // 2 tiles of 5 s
    const std::vector<plan::RankShare> shares = plan::divide_among_ranks(plan, 2);
    check_partition(plan, shares);
    // 11 s in all: the cheap output and the first costly tile (6 s) against the last costly tile (5 s).
    CHECK(shares[0].output_tiles[0] == Range{0, 10});
    CHECK(shares[0].output_tiles[1] == Range{0, 1});
    CHECK(shares[1].output_tiles[0].length() == 0);
    CHECK(shares[1].output_tiles[1] == Range{1, 2});
    CHECK(shares[0].predicted_seconds == Approx(6.0));
    CHECK(shares[1].predicted_seconds == Approx(5.0));
}

TEST_CASE("a short last tile costs its share of the elements", "[rank_shares]") {
    plan::Plan plan;
    plan.outputs.push_back(tiled_output("E", {25}, {10}, 2.5, 0));  // tiles of 10, 10 and 5 elements
    const std::vector<plan::RankShare> shares = plan::divide_among_ranks(plan, 2);
    check_partition(plan, shares);
    CHECK(shares[0].output_tiles[0] == Range{0, 1});
    CHECK(shares[1].output_tiles[0] == Range{1, 3});
    CHECK(shares[1].predicted_seconds == Approx(1.5));
}

TEST_CASE("more ranks than tiles leaves some ranks without a tile, never a tile without a rank", "[rank_shares]") {
    plan::Plan plan;
    plan.outputs.push_back(tiled_output("E", {30}, {10}, 0.3, 0));
    plan.outputs.push_back(tiled_output("s", {}, {}, 0.0, 0));  // a scalar: one tile predicted to take no time
    const std::vector<plan::RankShare> shares = plan::divide_among_ranks(plan, 8);
    check_partition(plan, shares);
    int idle = 0;
    for (const plan::RankShare& share : shares) idle += share.tiles == 0 ? 1 : 0;
    CHECK(idle == 4);
}

TEST_CASE("shared pieces are computed by every rank: each share counts their whole time", "[rank_shares]") {
    plan::Plan plan;
    plan.pieces.push_back(tiled_output("~1", {50}, {50}, 0.5, 400));
    plan.piece_steps.push_back({false, 0});
    plan.outputs.push_back(tiled_output("E", {40}, {10}, 2.0, 1000));
    const std::vector<plan::RankShare> shares = plan::divide_among_ranks(plan, 2);
    check_partition(plan, shares);
    for (const plan::RankShare& share : shares) {
        CHECK(share.predicted_seconds == Approx(0.5 + 1.0));
        CHECK(share.bytes_read == Approx(400 + 500));
    }
}

TEST_CASE("the division is a function of the plan alone: computed twice, the same", "[rank_shares]") {
    plan::Plan plan;
    plan.outputs.push_back(tiled_output("E", {97, 13}, {7, 13}, 3.7, 1e6));
    plan.outputs.push_back(tiled_output("F", {31}, {4}, 0.9, 2e5));
    for (int ranks = 1; ranks <= 6; ++ranks) {
        const std::vector<plan::RankShare> first = plan::divide_among_ranks(plan, ranks);
        const std::vector<plan::RankShare> second = plan::divide_among_ranks(plan, ranks);
        check_partition(plan, first);
        for (std::size_t rank = 0; rank < first.size(); ++rank) {
            CHECK(first[rank].output_tiles == second[rank].output_tiles);
            CHECK(first[rank].predicted_seconds == second[rank].predicted_seconds);
        }
    }
}
