// How the work of one plan is divided among the ranks of an MPI job (tilesum run under mpirun, issue 15). A pure
// function of the plan, so every rank computes the same division without talking to the others.
//
// In this first slice only the outputs' tiles are divided: every rank computes the shared pieces and fused passes
// itself (they are held in memory by every rank that reads them), then its own contiguous range of output tiles.
// A tile is never split between ranks: the slabs of a tile summed in slabs are added by the one rank that owns
// the tile, in the same order as a single process adds them, so the bits do not depend on the number of ranks.
#pragma once

#include <vector>

#include "engine/common/shape.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

struct RankShare {
    std::vector<Range> output_tiles;  // per Plan::outputs: [begin, end) in output tiles (Tiling::output_tile_count)
    Extent tiles = 0;                 // output tiles over all outputs
    double bytes_read = 0;            // predicted: the pieces' and passes' reads, and its share of the outputs'
    double predicted_seconds = 0;     // the same for the predicted time
};

// The plan's output tiles, in plan order (outputs in order, each in its tiling's order), cut into `ranks`
// contiguous ranges balanced by predicted cost: a tile costs its output's predicted time times its share of the
// output's elements (by element count where nothing is predicted). A tile goes to the rank whose range holds the
// middle of its cost, so ranks may get no tile at all when there are fewer tiles than ranks. ranks >= 1.
std::vector<RankShare> divide_among_ranks(const Plan& plan, int ranks);

}  // namespace tilesum::plan
