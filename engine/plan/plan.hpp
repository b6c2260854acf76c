// The plan: everything the executor needs and nothing it does not. Plain data, printable before any byte
// is read. Tile shapes depend only on the script, the shapes, the budget and forced tile sizes — never on
// the thread count — so results are bit-identical for every number of threads.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "engine/eval/schedule.hpp"
#include "engine/expr/binder.hpp"
#include "engine/plan/tiling.hpp"

namespace tilesum::plan {

struct PlanOptions {
    std::size_t budget_bytes = std::size_t{1} << 30;
    int threads = 1;
    std::map<char, Extent> forced_tiles;  // `--tile k=64`: index letter -> tile size
};

struct OutputPlan {
    std::string name;
    expr::NodePtr root;
    Tiling tiling;
    bool forced = false;             // tile sizes came from --tile / the config file
    std::size_t peak_bytes = 0;      // one tile at its worst moment (the largest tile)
    double bytes_read = 0;           // from storage, over all tiles
    double flops = 0;                // over all tiles
    int tiles_in_flight = 1;         // tiles * peak_bytes <= budget
};

struct Plan {
    std::vector<OutputPlan> outputs;
    eval::Schedule schedule;  // contraction order of every einsum node, shared by all outputs
    std::size_t budget_bytes = 0;
    int threads = 1;
};

// Throws Error{resource} when even the smallest tile does not fit, naming the smallest budget that works,
// and Error{usage} for a forced tile size that names no index of any output.
Plan make_plan(const expr::Program& program, const PlanOptions& options);

// The plan for people: per output, the tiled indices, tile sizes, tile count, peak bytes and flops.
std::string describe(const Plan& plan);

}  // namespace tilesum::plan
