// Fused evaluation of an einsum's tile (issue 13): the elementwise DAG under the einsum — sums, products, outer
// products, transposes and functions of its operands — is compiled into a small vector program and run over rows
// of one index (the vector label) that stay in L1, accumulating straight into the einsum's output. No tile-sized
// slice of any operand is ever materialized: where the materializing evaluator (tile_eval.cpp) builds C, C2 and
// C + C2 for the seed's `ijk,ikj->k`, each as large as the tile, this reads A, B, Y2 and Z2 rows and keeps a few
// rows of a few hundred doubles.
//
// How it runs: every label of the einsum (output and summed) is a loop; one of them, the vector label, is the
// innermost and is processed in blocks of up to `row_length` elements; the others form an odometer, output labels
// outside summed ones. Each value of the program (a register) depends on some labels; it is recomputed only when
// one of them changes, so a value of the outer labels alone (B_i) is computed once per i, not per element. Input
// blocks read along the vector label with a stride (A_kj beside A_jk) are transposed once per tile into a copy
// (leaf-sized, from the arena), so every row is read contiguously.
//
// Sums over the summed labels keep tilesum's accuracy rule (kernels/accurate_sum.hpp): up to naive_terms rows are
// added naively, more with Neumaier's compensation in blocks of naive_terms. The order depends on the tile alone:
// bits never depend on the number of threads, nor on the CPU (kernels/row_ops.hpp).
#pragma once

#include <functional>
#include <map>

#include "engine/eval/tile_eval.hpp"

namespace tilesum::eval {

// What the fused evaluator uses of the materializing one: the tile's input blocks, its arena and cost, and a way
// to evaluate operands it does not fuse (an einsum that sums labels of its own, below a function).
struct FusedContext {
    const LeafBlocks& leaves;
    Arena& arena;
    TileCost& cost;
    std::function<Block(const expr::Node&, const Ranges&)> evaluate;
};

// Whether the tile `ranges` (summed labels narrowed to `summed`) of the einsum `node` is evaluated fused: when an
// operand is an elementwise expression whose materialized slices would be about as large as the einsum's whole
// loop nest (the seed: C + C2 is as large as its loop), so that fusing saves their memory traffic. A
// matrix-matrix shaped contraction of small operands (`(A + B) @ C`) stays with BLAS. Off when
// set_fused_evaluation(false) or the environment has TILESUM_FUSED=0 (a debug switch: tests compare both paths).
bool fuses(const expr::Node& node, const Ranges& ranges, const std::map<char, Range>* summed);

// The tile of `node` (an einsum), evaluated fused into a new block of the tile's shape. On a dry arena it only
// allocates what a real run allocates and counts the work.
Block evaluate_fused_einsum(const expr::Node& node, const Ranges& ranges, const std::map<char, Range>* summed,
                            const FusedContext& context);

// The debug switch (process-wide; the planner's dry runs and the evaluation must see the same setting).
void set_fused_evaluation(bool enabled);
bool fused_evaluation();

// Elements of a vector row: 1024 doubles (8 KiB) per register. Shorter rows leave the per-instruction overhead
// of the interpreter visible (seed, n = 1200: 1.5 s of CPU at 256, 1.25 s at 512, 1.0 s at 1024); the rows a
// program reads stay in L2 by blocking the summed loops (summed_block).
inline constexpr Extent row_length = 1024;

}  // namespace tilesum::eval
