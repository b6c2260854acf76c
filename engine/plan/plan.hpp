// The plan: everything the executor needs and nothing it does not. Plain data, printable before any byte
// is read. Tile shapes depend only on the script, the shapes, the budget and forced tile sizes — never on
// the thread count — so results are bit-identical for every number of threads.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "engine/eval/schedule.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/expr/program.hpp"
#include "engine/plan/chunk_cache.hpp"
#include "engine/plan/expand.hpp"
#include "engine/plan/hoist.hpp"
#include "engine/plan/machine_profile.hpp"
#include "engine/plan/tiling.hpp"

namespace tilesum::plan {

// auto: the candidate with the lowest predicted time that fits; expand: distribute sums over contractions
// (expand.hpp) and tile the resulting terms; tile: tile the expression as written.
enum class Strategy { automatic, expand, tile };
const char* strategy_name(Strategy strategy);

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
    ChunkCacheTraits chunk_caches;        // HDF5's, as io/ knows them (engine/api fills them in)
};

// The work over all tiles by kernel kind, and the part of the bytes read that come from chunked and from filtered
// (gzip) chunked inputs: the cost model prices each at its own rate (MachineProfile, cost_model.hpp).
struct WorkSplit {
    eval::KernelWork kernels;
    double chunked_bytes_read = 0;   // of bytes_read
    double filtered_bytes_read = 0;  // of chunked_bytes_read

    void add(const eval::TileEstimate& estimate, double weight) {
        kernels += estimate.work.scaled(weight);
        chunked_bytes_read += weight * static_cast<double>(estimate.chunked_leaf_bytes);
        filtered_bytes_read += weight * static_cast<double>(estimate.filtered_leaf_bytes);
    }
    friend bool operator==(const WorkSplit&, const WorkSplit&) = default;
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
    friend bool operator==(const Candidate&, const Candidate&) = default;
};

// What `tilesum plan` says about an output or a piece and the executor never reads: the strategy and why, the
// predictions and notes, the figures over all tiles. (The expanded terms are OutputPlan's: they hold nodes.)
struct OutputReport {
    Strategy strategy = Strategy::tile;
    std::vector<Candidate> considered;
    // Set when the strategy asked for could not be used for this output and why, in one line (`tilesum plan`
    // prints it beside the strategy): "--strategy expand cannot expand: ...; planned as written".
    std::string strategy_note;
    double predicted_seconds = 0;
    bool forced = false;            // tile sizes came from --tile / the config file
    std::string chunk_note;         // "aligned to chunks of A" when tile sizes follow an input's chunks
    std::string summed_chunk_note;  // the same for the chunks of summed labels
    std::size_t peak_bytes = 0;     // one tile at its worst moment (the largest tile)
    double bytes_read = 0;          // from storage, over all tiles
    double strided_bytes_read = 0;  // of which in column blocks (not contiguous runs)
    double read_runs = 0;           // contiguous runs those bytes are in: storage serves each with one read
    double flops = 0;               // over all tiles
    WorkSplit split;                // the flops and bytes read by kind, as they are priced
    friend bool operator==(const OutputReport&, const OutputReport&) = default;
};

// An output or a piece: what the executor runs (name, root, tiling, tiles in flight) and its report.
struct OutputPlan : OutputReport {
    std::string name;
    expr::NodePtr root;       // what is evaluated: the expression as written, or its expanded terms
    std::vector<Term> terms;  // the expanded terms over inputs, when strategy is expand (the root reads
                              // shared pieces in their place where the plan has any)
    Tiling tiling;
    int tiles_in_flight = 1;  // tiles * peak_bytes <= budget
    // An intermediate larger than the budget, written tile by tile to scratch storage before the outputs that read
    // it (as an input of the same name) and removed when the run ends (spill.hpp). Not one of the run's results.
    bool scratch = false;
};

// Pieces computed in one pass over an input they all read (fuse.hpp), instead of one pass each. Tile t of the pass
// is block t (C order) of that input; each member computes what the block contributes to it, reading the block
// once for all, and adds that into its in-memory result in tile order, so sums do not depend on threads.
struct PassMember {
    std::size_t piece = 0;  // index into Plan::pieces
    std::string labels;     // the member's einsum labels for the shared input's axes, one per axis
    friend bool operator==(const PassMember&, const PassMember&) = default;
};

struct FusedPass {
    std::string input;                // the shared input's name
    Shape extents;                    // its shape
    Shape block;                      // its block along each axis (the extent where not cut)
    std::vector<PassMember> members;  // in piece order: a member may read an earlier member's tile of this pass
    // Tile t is block order[t] (C order) of the input; block t when empty. With square blocks, blocks (p, q) and
    // (q, p) are adjacent, and the read stage keeps a tile's leaves for the next, so a member reading the input
    // both ways reads each block once.
    std::vector<Extent> order;
    bool reuses_leaves = false;
    std::size_t peak_bytes = 0;  // one tile of every member, over the shared leaves
    int tiles_in_flight = 1;
    double flops = 0, bytes_read = 0, read_runs = 0;
    WorkSplit split;
    double predicted_seconds = 0;
    double separate_seconds = 0;  // the members' own plans, one pass each, for `tilesum plan` to compare

    Extent tile_count() const;
    // The member's tile for pass tile `tile`: its axes read along a cut input axis get that block's range,
    // summed ones as a slab of its reduction; all others are whole.
    eval::TileSpec member_tile(const expr::Node& root, const PassMember& member, Extent tile) const;
    // Every member's tile for pass tile `tile`, in member order; `pieces` is Plan::pieces.
    std::vector<eval::RootTile> member_tiles(const std::vector<OutputPlan>& pieces, Extent tile) const;
};

struct Plan {
    std::vector<OutputPlan> pieces;  // shared pieces (hoist.hpp), computed first, in order, held in memory
    std::vector<FusedPass> passes;   // pieces computed together
    struct PieceStep {
        bool fused = false;
        std::size_t index = 0;  // into passes when fused, else into pieces
        friend bool operator==(const PieceStep&, const PieceStep&) = default;
    };
    std::vector<PieceStep> piece_steps;  // the order pieces and passes run in, each after what it reads
    std::size_t piece_bytes = 0;         // their memory, taken from the budget of everything else
    // HDF5 chunk caches (chunk_cache.hpp), per chunked input whose chunks tiles read only in part: the bytes its
    // cache gets (HDF5's default 1 MiB when the cache it wants does not fit), and what it wants. Taken from the
    // budget like the pieces: tiles get budget_bytes - piece_bytes - chunk_cache_total_bytes.
    std::map<std::string, std::size_t> chunk_cache_bytes;
    std::map<std::string, std::size_t> chunk_cache_wanted_bytes;
    std::size_t chunk_cache_total_bytes = 0;
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
