// The program a fused tile runs (fused_einsum.hpp): compiled here from the elementwise DAG under an einsum, run
// by fused_einsum.cpp. Compiling decides everything that depends on the tile's shape alone — the registers and
// the instructions computing them, the vector label, the odometer's loops and blocks, which leaves are transposed
// once, which products fold into a factor and which sums are inlined into the accumulation, the rows allocated
// and the work counted for the cost model — so that running it is a plain loop over the odometer.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/eval/fused_einsum.hpp"

namespace tilesum::eval::fused {

// The labels an einsum sums: those of its operands that are not in its output.
std::string summed_labels(const expr::Node& node);

// Whether `node`, as an operand inside a fused program, is computed element by element (not materialized).
bool elementwise(const expr::Node& node);

// The extent of every label of the einsum's loop nest in this tile: output labels from `ranges`, summed ones from
// `summed` when narrowed, else whole.
std::vector<std::pair<char, Extent>> loop_labels(const expr::Node& node, const Ranges& ranges,
                                                 const std::map<char, Range>* summed);

using LabelMask = std::uint64_t;

// Einsums of more operands are left to the materializing evaluator (its pairwise path is the better one there).
constexpr std::size_t max_operands = 8;

// A block the program reads: an input's hyperslab, a materialized operand or a transposed copy of one of them.
struct Leaf {
    Block block;
    std::vector<int> axis_labels;  // per axis of the block: its loop label, or -1 (extent 1, broadcast)
    std::vector<Extent> strides;   // per loop label: the element stride of the block along it (0: independent)
};

enum class Op { load, lincomb, product, function };

// One value of the program: a number (independent of the vector label) or a row of the vector label.
struct Register {
    LabelMask labels = 0;
    bool vector = false;
    int level = -1;  // the deepest odometer position among its labels: it is recomputed when that one moves
    double scalar = 0;
    const double* row = nullptr;
    double factor = 1.0;  // a vector's value is factor · row (a folded product: B_i · A_j without a pass)
    Block buffer;         // its own row, when it is a vector computed (not a view of a leaf's contiguous row)
};

struct Instruction {
    Op op = Op::load;
    std::size_t result = 0;
    std::vector<std::size_t> arguments;  // registers
    std::size_t leaf = 0;                // load
    const expr::Node* node = nullptr;    // lincomb: coefficients; function: op, parameter and constants
    bool folded = false;                 // a product of one row and numbers, read by its consumers as factor · row
    bool inlined = false;  // a two-row sum read only by the final accumulation, which computes it on the fly
    bool chained = false;  // a link of the function chain (FunctionChain), also inlined: its work is the accumulation's
};

// One loop of the odometer: a label whole, or the blocks of a label, or the indices within one of its blocks.
struct Loop {
    std::size_t label = 0;
    Extent step = 1;        // the label's index moves this much per step (a block loop: its block)
    Extent block = 0;       // an inner loop of a blocked label: the block (its extent, shorter at the end)
    std::size_t outer = 0;  // ... and the position of that label's block loop
};

// Index p + 1 of a list by odometer position p, where -1 (before every loop) is 0.
inline std::size_t slot(int position) { return position < 0 ? 0 : static_cast<std::size_t>(position) + 1; }

// The final accumulation's one operand when it is a vectorized one-argument function (exp, log, sin...) of a chain
// read by nothing else — a negation, a square, a two-row sum: exp(-(C - C2)**2) — computed in the accumulation's
// own pass (kernels::simd::accumulate_function_row) instead of one pass and one row per link.
struct FunctionChain {
    bool active = false;
    std::size_t function = 0;  // the function's instruction
    double scale = 1.0;        // a folded negation's coefficient (±1)
    bool square = false;       // a power 2 between them
    bool sum = false;          // the input is the two-row sum computed by instruction `sum_instruction`...
    std::size_t sum_instruction = 0;
    std::size_t input = 0;  // ... else this register, as one term (its row and factor)
};

struct Program {
    std::string labels;             // the loop labels: output labels first, then summed ones
    std::size_t output_labels = 0;  // how many of them are output labels
    std::vector<Extent> extents;    // per loop label, in this tile
    std::vector<Leaf> leaves;
    std::vector<Register> registers;
    std::vector<Instruction> instructions;  // in dependency order
    std::vector<std::size_t> operands;      // the einsum's operands' registers
    Block output;                           // the tile's result, of the tile's shape
    std::size_t vector = 0;                 // the vector label
    Extent row_count = 0;                   // elements of the vector label per row
    std::vector<Loop> loops;                // the odometer, outermost first
    std::size_t output_positions = 0;       // its first loops, those of output labels
    Extent summed_iterations = 1;
    Block accumulator, product, sum, compensation;  // rows of the final accumulation
    bool inline_sums = false;
    FunctionChain chain;
    std::array<std::size_t, 2> operand_producers{};   // with inline_sums: the instructions computing the operands
    std::vector<std::vector<std::size_t>> recompute;  // per odometer slot: the instructions to run when it moves

    // A tile with an empty loop: nothing is compiled, its output is all zeros.
    bool empty() const;
    bool is_output_label(std::size_t label) const { return label < output_labels; }
    Extent vector_extent() const { return extents[vector]; }
    // How many values the loop at `position` takes, given the indices of the loops outside it.
    Extent extent_at(std::size_t position, const std::vector<Extent>& index) const;
    // Whether sums over the summed labels are compensated (kernels/accurate_sum.hpp).
    bool compensated() const;
};

// The program of the tile `ranges` (summed labels narrowed to `summed`) of the einsum `node`; its rows and its
// output come from the context's arena, its work is added to the context's cost.
Program compile(const expr::Node& node, const Ranges& ranges, const std::map<char, Range>* summed,
                const FusedContext& context);

}  // namespace tilesum::eval::fused
