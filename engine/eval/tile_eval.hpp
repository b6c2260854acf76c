// Evaluates one tile of a DAG node: the node restricted to `ranges` of its axes. Ranges propagate down the
// DAG to the input hyperslabs the tile needs (its leaves); everything above the leaves is computed in buffers
// from the arena. Run on a dry arena, the same code measures the tile's peak bytes and flops without data.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/eval/arena.hpp"
#include "engine/eval/schedule.hpp"
#include "engine/eval/slabs.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::eval {

struct Block {
    std::shared_ptr<Arena::Buffer> buffer;
    Shape shape;
    double* data() const { return buffer->data(); }
};

// One tile: ranges of the root's axes and, when the root's summed labels are tiled too (slab_labels), the ranges
// of those labels (one slab of the reduction; the executor adds the slabs of an output tile in order).
struct TileSpec {
    Ranges ranges;
    std::map<char, Range> summed;
};

// One hyperslab of one input.
struct LeafKey {
    const expr::Node* input = nullptr;
    Ranges ranges;
    friend bool operator<(const LeafKey& left, const LeafKey& right) {
        if (left.input != right.input) return left.input < right.input;
        for (std::size_t axis = 0; axis < left.ranges.size(); ++axis) {
            if (left.ranges[axis].begin != right.ranges[axis].begin)
                return left.ranges[axis].begin < right.ranges[axis].begin;
            if (left.ranges[axis].end != right.ranges[axis].end) return left.ranges[axis].end < right.ranges[axis].end;
        }
        return false;
    }
};
using LeafBlocks = std::map<LeafKey, Block>;

// The input hyperslabs that the tile `ranges` of `root` reads, each once.
std::vector<LeafKey> collect_leaves(const expr::Node& root, const TileSpec& tile);

// A tile's work by the kind of kernel that does it. Each kind has its own rate in the cost model
// (plan/cost_model.hpp, MachineProfile): BLAS runs a matrix-matrix product at tens of GFLOP/s, while sums over an
// axis, matrix-vector shapes and elementwise work stream their operands from memory at a small fraction of that.
// One rate for all of them was off by 3-5x in either direction, depending on the mix.
struct KernelWork {
    double gemm_flops = 0;         // pairwise contractions with enough reuse to run as matrix-matrix products
    double reduction_flops = 0;    // sums over axes, and contractions too thin for BLAS level 3 (dot, gemv)
    double elementwise_bytes = 0;  // sums, products, scalings and permutations: the bytes they read and write
    double fused_operations = 0;   // fused tiles (fused_einsum.hpp): one per element of each row instruction
    double fused_rows = 0;         // ... and one per row an instruction computes: what a row costs besides its elements

    KernelWork& operator+=(const KernelWork& other) {
        gemm_flops += other.gemm_flops;
        reduction_flops += other.reduction_flops;
        elementwise_bytes += other.elementwise_bytes;
        fused_operations += other.fused_operations;
        fused_rows += other.fused_rows;
        return *this;
    }
    KernelWork scaled(double factor) const {
        return {gemm_flops * factor, reduction_flops * factor, elementwise_bytes * factor, fused_operations * factor,
                fused_rows * factor};
    }
    friend bool operator==(const KernelWork&, const KernelWork&) = default;
};

struct TileCost {
    double flops = 0;  // every kind's arithmetic, for people and for choosing between candidates
    KernelWork work;   // the same work by kind, for predicting time
};

// Computes the tile. `leaves` holds a block for every key collect_leaves returned.
Block evaluate_tile(const expr::Node& root, const TileSpec& tile, const LeafBlocks& leaves, Arena& arena,
                    TileCost& cost, const Schedule& schedule);

struct TileEstimate {
    std::size_t peak_bytes = 0;          // leaves + intermediates + result, at the worst moment
    std::size_t leaf_bytes = 0;          // bytes read from storage
    std::size_t strided_leaf_bytes = 0;  // of which in hyperslabs that are not one contiguous run (column blocks)
    double leaf_runs = 0;                // contiguous runs of storage those bytes are in (one read each)
    // Of leaf_bytes, those of chunked inputs, and of those the ones whose chunks pass a filter (gzip): each
    // layout reads at its own rate (MachineProfile).
    std::size_t chunked_leaf_bytes = 0;
    std::size_t filtered_leaf_bytes = 0;
    double flops = 0;
    KernelWork work;
};

// Runs the tile on a dry arena: exactly the allocations a real tile makes, no data.
TileEstimate estimate_tile(const expr::Node& root, const TileSpec& tile, const Schedule& schedule);

// One tile of one of several roots evaluated together over shared leaves (a fused pass, plan/fuse.hpp).
struct RootTile {
    const expr::Node* root = nullptr;
    TileSpec tile;
};

// The union of the tiles' leaves, each hyperslab once.
std::vector<LeafKey> collect_leaves(const std::vector<RootTile>& tiles);

// The tiles evaluated one after another over their shared leaves, every result kept until the last is done
// (as the executor keeps them until its write stage): peak bytes, bytes read once, flops of all.
// Leaves in `already_read` (kept from the previous tile) count toward memory but not toward bytes read.
TileEstimate estimate_tiles(const std::vector<RootTile>& tiles, const Schedule& schedule,
                            const std::vector<LeafKey>& already_read = {});

}  // namespace tilesum::eval
