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
#include "engine/plan/expand.hpp"
#include "engine/plan/hoist.hpp"
#include "engine/plan/tiling.hpp"

namespace tilesum::plan {

// auto: the candidate with the lowest predicted time that fits; expand: distribute sums over contractions
// (expand.hpp) and tile the resulting terms; tile: tile the expression as written.
enum class Strategy { automatic, expand, tile };
const char* strategy_name(Strategy strategy);

// The machine as the cost model sees it. Defaults are conservative figures for this kind of machine
// (DESIGN.md): tile evaluation mixes GEMM with memory-bound sums, so well below GEMM's peak.
struct MachineProfile {
    double flops_per_second = 10e9;
    double read_bytes_per_second = 2e9;          // row blocks: contiguous runs
    double strided_read_bytes_per_second = 0.5e9;  // column blocks: many short runs
    double seconds_per_pass = 0.05;     // each output or piece: a pipeline, fresh buffers to fault in
    double seconds_per_tile = 100e-6;   // scheduling, hyperslab selection, small allocations
};

// Below this, tiles would be slivers of a few elements each, run at a per-tile overhead far above their work:
// such a budget is a mistake (1K for 1G), not a plan.
inline constexpr std::size_t minimum_budget_bytes = std::size_t{1} << 20;

struct PlanOptions {
    Strategy strategy = Strategy::automatic;
    MachineProfile machine;
    std::size_t budget_bytes = std::size_t{1} << 30;
    std::size_t minimum_budget = minimum_budget_bytes;  // tests lower it to force many tiles on small data
    int threads = 1;
    std::map<char, Extent> forced_tiles;  // `--tile k=64`: index letter -> tile size
};

// One strategy considered for an output, for `tilesum plan` to show why the winner won.
struct Candidate {
    Strategy strategy = Strategy::tile;
    bool feasible = false;
    std::string note;  // why not feasible
    double flops = 0;
    double bytes_read = 0;
    std::size_t peak_bytes = 0;
    double predicted_seconds = 0;
};

struct OutputPlan {
    std::string name;
    expr::NodePtr root;              // what is evaluated: the expression as written, or its expanded terms
    Strategy strategy = Strategy::tile;
    std::vector<Term> terms;         // the expanded terms over inputs, when strategy is expand (the root reads
                                     // shared pieces in their place where the plan has any)
    std::vector<Candidate> considered;
    double predicted_seconds = 0;
    Tiling tiling;
    bool forced = false;             // tile sizes came from --tile / the config file
    std::size_t peak_bytes = 0;      // one tile at its worst moment (the largest tile)
    double bytes_read = 0;           // from storage, over all tiles
    double strided_bytes_read = 0;   // of which in column blocks (not contiguous runs)
    double flops = 0;                // over all tiles
    int tiles_in_flight = 1;         // tiles * peak_bytes <= budget
};

struct Plan {
    std::vector<OutputPlan> pieces;   // shared pieces (hoist.hpp), computed first, in order, held in memory
    std::size_t piece_bytes = 0;      // their memory, taken from the budget of everything else
    std::vector<OutputPlan> outputs;
    eval::Schedule schedule;  // contraction order of every einsum node, shared by all outputs
    MachineProfile machine;
    std::size_t budget_bytes = 0;
    int threads = 1;
};

// Throws Error{resource} when even the smallest tile does not fit, naming the smallest budget that works,
// and Error{usage} for a forced tile size that names no index of any output.
Plan make_plan(const expr::Program& program, const PlanOptions& options);

// The plan for people: per output, the tiled indices, tile sizes, tile count, peak bytes and flops.
std::string describe(const Plan& plan);

// The same as JSON: top-level strategy, flops, bytes_read, peak_bytes, predicted_seconds, terms (each with
// output, coefficient, subscripts, operands, path in np.einsum_path's linear format) and per-output details.
std::string describe_json(const Plan& plan);

}  // namespace tilesum::plan
