#include "engine/eval/fused_einsum.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/common/elementwise_scalar.hpp"
#include "engine/common/error.hpp"
#include "engine/eval/fused_program.hpp"
#include "engine/eval/operand_ranges.hpp"
#include "engine/kernels/accurate_sum.hpp"
#include "engine/kernels/block_ops.hpp"
#include "engine/kernels/row_ops.hpp"
#include "engine/kernels/simd_math.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::eval {

using expr::Node;
using expr::NodeKind;
using fused::Instruction;
using fused::Leaf;
using fused::Op;
using fused::Program;
using fused::Register;
using fused::slot;

namespace {

std::atomic<bool>& fused_switch() {
    static std::atomic<bool> enabled{[] {
        const char* value = std::getenv("TILESUM_FUSED");
        return !(value && std::strcmp(value, "0") == 0);
    }()};
    return enabled;
}

// The most arguments an elementwise function takes (where: 3).
constexpr std::size_t max_function_arity = 4;

// The products a Runner adds in one pass (Runner::add_to_batch): naive_terms, so that a compensated sum's block is
// one batch.
constexpr auto batch_capacity = static_cast<std::size_t>(kernels::naive_terms);

// Runs a compiled program over the tile: the odometer over the loops, each instruction when its level moves, the
// einsum's product accumulated into rows and each finished output row written.
class Runner {
public:
    explicit Runner(Program& program)
        : program_(program),
          writes_rows_(rows_written()),
          increments_(leaf_increments()),
          prefixes_(program.leaves.size(), std::vector<Extent>(program.loops.size() + 1, 0)),
          load_pointers_(program.leaves.size(), nullptr),
          inner_steps_(inner_steps()),
          term_sources_(term_sources()) {}

    void run() {
        for (Extent start = 0; start < program_.vector_extent(); start += program_.row_count)
            run_block(start, std::min(program_.row_count, program_.vector_extent() - start));
    }

private:
    // Per leaf: how far its element offset moves per step of each odometer position.
    std::vector<std::vector<Extent>> leaf_increments() const {
        std::vector<std::vector<Extent>> increments;
        for (const Leaf& leaf : program_.leaves) {
            increments.emplace_back();
            for (const fused::Loop& loop : program_.loops)
                increments.back().push_back(leaf.strides[loop.label] * loop.step);
        }
        return increments;
    }

    // The offset of a leaf's element at the odometer's `index` (and `start` along the vector label), for a load at
    // odometer level `level`: the leaf varies with no position deeper than that. Partial sums over the positions
    // are kept per leaf and recomputed from the outermost position that `moved` only: the other ones are those of
    // the last load of this leaf, which ran whenever any of them moved.
    Extent leaf_offset(std::size_t leaf, const std::vector<Extent>& index, Extent start, int level, int moved) {
        const std::vector<Extent>& increments = increments_[leaf];
        std::vector<Extent>& prefix = prefixes_[leaf];
        for (int position = std::max(moved, 0); position <= level; ++position) {
            const auto at = static_cast<std::size_t>(position);
            prefix[at + 1] = prefix[at] + increments[at] * index[at];
        }
        return program_.leaves[leaf].strides[program_.vector] * start + prefix[slot(level)];
    }

    void execute(const Instruction& instruction, const std::vector<Extent>& index, Extent start, Extent count,
                 int moved) {
        Register& value = program_.registers[instruction.result];
        double* out = value.buffer.buffer ? value.buffer.data() : nullptr;
        switch (instruction.op) {
            case Op::load: {
                const Leaf& leaf = program_.leaves[instruction.leaf];
                const double* base =
                    leaf.block.data() + leaf_offset(instruction.leaf, index, start, value.level, moved);
                load_pointers_[instruction.leaf] = base;
                if (!value.vector) {
                    value.scalar = *base;
                } else if (leaf.strides[program_.vector] == 1) {
                    value.row = base;
                } else {
                    kernels::rows::gather(out, base, leaf.strides[program_.vector], count);
                    value.row = out;
                }
                return;
            }
            case Op::lincomb: {
                const std::vector<double>& coefficients = instruction.node->coefficients;
                if (!value.vector) {
                    value.scalar = coefficients[0] * program_.registers[instruction.arguments[0]].scalar;
                    for (std::size_t term = 1; term < instruction.arguments.size(); ++term)
                        value.scalar += coefficients[term] * program_.registers[instruction.arguments[term]].scalar;
                    return;
                }
                const auto& arguments = instruction.arguments;
                if (instruction.folded) {  // ±x: the sign goes into the factor
                    const Register& argument = program_.registers[arguments[0]];
                    value.row = argument.row;
                    value.factor = coefficients[0] * argument.factor;
                    return;
                }
                if (arguments.size() == 2 && program_.registers[arguments[0]].vector &&
                    program_.registers[arguments[1]].vector) {
                    const Register& first = program_.registers[arguments[0]];
                    const Register& second = program_.registers[arguments[1]];
                    const kernels::rows::Term a = signed_term(first, coefficients[0]);
                    const kernels::rows::Term b = signed_term(second, coefficients[1]);
                    kernels::rows::combine_terms(out, a.row, a.factor, a.coefficient, b.row, b.factor, b.coefficient,
                                                 count);
                    value.row = out;
                    return;
                }
                for (std::size_t term = 0; term < arguments.size(); ++term) {
                    const Register& argument = program_.registers[arguments[term]];
                    if (term == 0 && argument.vector)
                        kernels::rows::set_term(out, argument.row, argument.factor, coefficients[0], count);
                    if (term == 0 && !argument.vector)
                        kernels::rows::fill(out, coefficients[0] * argument.scalar, count);
                    if (term > 0 && argument.vector)
                        kernels::rows::add_term(out, argument.row, argument.factor, coefficients[term], count);
                    if (term > 0 && !argument.vector)
                        kernels::rows::add_constant(out, coefficients[term] * argument.scalar, count);
                }
                value.row = out;
                return;
            }
            case Op::product: {
                if (!value.vector) {
                    value.scalar = program_.registers[instruction.arguments[0]].scalar;
                    for (std::size_t factor = 1; factor < instruction.arguments.size(); ++factor)
                        value.scalar *= program_.registers[instruction.arguments[factor]].scalar;
                    return;
                }
                if (instruction.folded) {  // factor · row: the numbers in order, the row where it stands
                    bool first = true;
                    for (std::size_t argument : instruction.arguments) {
                        const Register& operand = program_.registers[argument];
                        const double number = operand.vector ? operand.factor : operand.scalar;
                        value.factor = first ? number : value.factor * number;
                        first = false;
                        if (operand.vector) value.row = operand.row;
                    }
                    return;
                }
                for (std::size_t factor = 0; factor < instruction.arguments.size(); ++factor) {
                    const Register& argument = program_.registers[instruction.arguments[factor]];
                    if (factor == 0 && argument.vector) kernels::rows::scale(out, argument.row, 1.0, count);
                    if (factor == 0 && !argument.vector) kernels::rows::fill(out, argument.scalar, count);
                    if (factor > 0 && argument.vector) kernels::rows::multiply(out, argument.row, count);
                    if (factor > 0 && !argument.vector) kernels::rows::multiply_constant(out, argument.scalar, count);
                }
                value.row = out;
                return;
            }
            case Op::function: {
                const Node& node = *instruction.node;
                // Once per row: fixed arrays, not vectors (two allocations a row were 10% of the function case).
                std::array<kernels::rows::RowArgument, max_function_arity> arguments{};
                std::array<double, max_function_arity> numbers{};
                TILESUM_ASSERT(node.constants.size() <= max_function_arity);
                std::size_t next = 0;
                for (std::size_t at = 0; at < node.constants.size(); ++at) {
                    if (const std::optional<double>& constant = node.constants[at]) {
                        arguments[at] = {nullptr, *constant};
                    } else {
                        const Register& argument = program_.registers[instruction.arguments[next++]];
                        arguments[at] = {argument.vector ? argument.row : nullptr, argument.scalar,
                                         argument.vector ? argument.factor : 1.0};
                    }
                    numbers[at] = arguments[at].constant;
                }
                if (!value.vector) {
                    value.scalar = function_value(node.function, node.parameter, numbers.data());
                    return;
                }
                kernels::rows::apply_function(node.function, node.parameter, arguments.data(), out, count);
                value.row = out;
                return;
            }
        }
    }

    // The product of the einsum's operands at this odometer position, added into the accumulator row (an output
    // vector label) or returned as one number (a summed vector label: the row's accurate sum).
    double accumulate(Extent count) {
        if (program_.chain.active) return accumulate_chain(count);
        if (program_.inline_sums) {  // batched (add_to_batch): the accumulator is updated when the batch is
            add_to_batch(count);
            return 0;
        }
        double factor = 1.0;
        std::array<const double*, fused::max_operands> rows{};
        std::size_t row_count = 0;
        for (std::size_t operand : program_.operands) {
            const Register& value = program_.registers[operand];
            if (value.vector) {
                rows[row_count++] = value.row;
                factor *= value.factor;
            } else {
                factor *= value.scalar;
            }
        }
        const bool summed_vector = !program_.is_output_label(program_.vector);
        if (row_count == 0) {  // nothing varies along the vector label (its extent is 1 in this tile)
            if (summed_vector) return factor * static_cast<double>(count);
            kernels::rows::add_constant(program_.accumulator.data(), factor, count);
            return 0;
        }
        if (row_count == 2 && factor == 1.0) {
            if (summed_vector) return kernels::accurate_dot(rows[0], rows[1], count);
            kernels::rows::add_product(program_.accumulator.data(), rows[0], rows[1], count);
            return 0;
        }
        const double* row = rows[0];
        if (row_count > 1) {
            kernels::rows::scale(program_.product.data(), rows[0], 1.0, count);
            for (std::size_t other = 1; other < row_count; ++other)
                kernels::rows::multiply(program_.product.data(), rows[other], count);
            row = program_.product.data();
        }
        if (summed_vector) return factor * kernels::accurate_sum(row, count);
        kernels::rows::add_scaled(program_.accumulator.data(), row, factor, count);
        return 0;
    }

    // What the innermost loop's instructions do when it moves by one (most steps of the odometer): a load of a
    // contiguous row or of a number moves its pointer by the leaf's increment along that loop (no offset is
    // recomputed); anything else is executed as usual.
    struct InnerStep {
        enum class Kind { row, number, folded_pair, execute } kind = Kind::execute;
        std::size_t instruction = 0;
        Register* value = nullptr;  // the instruction's result
        std::size_t leaf = 0;       // row, number: the leaf loaded
        Extent increment = 0;
        const Register* first = nullptr;  // folded_pair: its two arguments, one of them a row
        const Register* second = nullptr;
    };

    std::vector<InnerStep> inner_steps() {
        std::vector<InnerStep> steps;
        if (program_.loops.empty()) return steps;
        const std::size_t innermost = program_.loops.size() - 1;
        for (std::size_t position : program_.recompute[slot(static_cast<int>(innermost))]) {
            const Instruction& instruction = program_.instructions[position];
            InnerStep step;
            step.instruction = position;
            step.value = &program_.registers[instruction.result];
            if (instruction.op == Op::product && instruction.folded && instruction.arguments.size() == 2) {
                step.kind = InnerStep::Kind::folded_pair;
                step.first = &program_.registers[instruction.arguments[0]];
                step.second = &program_.registers[instruction.arguments[1]];
            }
            if (instruction.op == Op::load) {
                const Leaf& leaf = program_.leaves[instruction.leaf];
                const bool vector = program_.registers[instruction.result].vector;
                step.leaf = instruction.leaf;
                step.increment = increments_[instruction.leaf][innermost];
                if (!vector) step.kind = InnerStep::Kind::number;
                if (vector && leaf.strides[program_.vector] == 1) step.kind = InnerStep::Kind::row;
            }
            steps.push_back(step);
        }
        return steps;
    }

    void step_innermost(const std::vector<Extent>& index, Extent start, Extent count) {
        const int innermost = static_cast<int>(program_.loops.size()) - 1;
        for (const InnerStep& step : inner_steps_) {
            switch (step.kind) {
                case InnerStep::Kind::row:
                    step.value->row += step.increment;
                    load_pointers_[step.leaf] = step.value->row;
                    break;
                case InnerStep::Kind::number: {
                    const double* pointer = load_pointers_[step.leaf] += step.increment;
                    step.value->scalar = *pointer;
                    break;
                }
                case InnerStep::Kind::folded_pair: {  // execute's folded product of two arguments, unrolled
                    const Register& first = *step.first;
                    const Register& second = *step.second;
                    step.value->factor =
                        (first.vector ? first.factor : first.scalar) * (second.vector ? second.factor : second.scalar);
                    step.value->row = first.vector ? first.row : second.row;
                    break;
                }
                case InnerStep::Kind::execute:
                    execute(program_.instructions[step.instruction], index, start, count, innermost);
                    break;
            }
        }
    }

    // The function chain of the einsum's one operand (fused::FunctionChain), computed and added into the
    // accumulator in one pass.
    double accumulate_chain(Extent count) {
        const fused::FunctionChain& chain = program_.chain;
        std::array<kernels::rows::Term, 2> terms{};
        kernels::simd::FunctionInput input{terms.data(), 1, chain.square, chain.scale};
        if (chain.sum) {
            const Instruction& sum = program_.instructions[chain.sum_instruction];
            for (std::size_t term = 0; term < 2; ++term)
                terms[term] = signed_term(program_.registers[sum.arguments[term]], sum.node->coefficients[term]);
            input.term_count = 2;
        } else {
            const Register& value = program_.registers[chain.input];
            terms[0] = {value.row, value.factor, 1.0};
        }
        const Instruction& function = program_.instructions[chain.function];
        kernels::simd::accumulate_function_row(function.node->function, input,
                                               program_.registers[program_.operands[0]].factor,
                                               program_.accumulator.data(), static_cast<std::size_t>(count));
        return 0;
    }

    // A row's term c · (f · x) for the sum kernels, with a coefficient of -1 moved into the factor: (-f) · x is
    // -(f · x) exactly, and the kernels take their one-rounding path for sums whose coefficients are all 1
    // (C - C2 rounds as fma(f0, x0, (-f1) · x1), two operations an element instead of four).
    static kernels::rows::Term signed_term(const Register& value, double coefficient) {
        if (coefficient == -1.0) return {value.row, -value.factor, 1.0};
        return {value.row, value.factor, coefficient};
    }

    // Per odometer slot: whether the instructions rerun when that position moves write a row of their own (a
    // computed vector). Before they do, the batch is flushed: its terms may point at the rows they overwrite.
    std::vector<bool> rows_written() const {
        std::vector<bool> writes(program_.recompute.size(), false);
        for (std::size_t moved = 0; moved < writes.size(); ++moved)
            for (std::size_t position : program_.recompute[moved])
                if (program_.registers[program_.instructions[position].result].buffer.buffer) writes[moved] = true;
        return writes;
    }

    // The products of a program with inlined sums are not added one at a time: their terms (row pointers and
    // numbers) are collected, up to batch_capacity, and added by one add_products_of_sums pass that keeps the
    // accumulator in registers. The order of the products, and so the bits, are unchanged.
    void add_to_batch(Extent count) {
        const std::size_t at = 2 * batched_;
        a_terms_ = terms_of(program_.operands[0], batch_a_, at);
        b_terms_ = terms_of(program_.operands[1], batch_b_, at);
        batch_count_ = count;
        if (++batched_ == batch_capacity) flush_batch();
    }

    void flush_batch() {
        if (batched_ == 0) return;
        kernels::rows::add_products_of_sums(program_.accumulator.data(), batch_a_.data(), a_terms_, batch_b_.data(),
                                            b_terms_, static_cast<int>(batched_), batch_count_);
        batched_ = 0;
    }

    // The terms of an operand for add_products_of_sums, into terms[at] and terms[at + 1]: its inlined sum's two
    // rows, or itself.
    int terms_of(std::size_t operand, std::array<kernels::rows::Term, 2 * batch_capacity>& terms,
                 std::size_t at) const {
        const TermSources& sources = term_sources_[operand == program_.operands[0] ? 0 : 1];
        for (int term = 0; term < sources.count; ++term)
            terms[at + static_cast<std::size_t>(term)] = signed_term(*sources.values[term], sources.coefficients[term]);
        return sources.count;
    }

    // Where an operand's terms come from (terms_of): the registers and coefficients of its inlined sum, or the
    // operand itself with coefficient 1. Registers do not move during a run: found once, not per product.
    struct TermSources {
        int count = 0;
        std::array<const Register*, 2> values{};
        std::array<double, 2> coefficients{1.0, 1.0};
    };

    std::array<TermSources, 2> term_sources() const {
        std::array<TermSources, 2> all{};
        if (!program_.inline_sums) return all;
        for (std::size_t side = 0; side < 2; ++side) {
            const Instruction& producer = program_.instructions[program_.operand_producers[side]];
            TermSources& sources = all[side];
            if (!producer.inlined) {
                sources.count = 1;
                sources.values[0] = &program_.registers[program_.operands[side]];
                continue;
            }
            sources.count = 2;
            for (std::size_t term = 0; term < 2; ++term) {
                sources.values[term] = &program_.registers[producer.arguments[term]];
                sources.coefficients[term] = producer.node->coefficients[term];
            }
        }
        return all;
    }

    // Writes one finished output row (or number) at the output labels' current indices.
    void write_row(const std::vector<Extent>& index, Extent start, Extent count, double number) {
        const kernels::Strides strides = kernels::dense_strides(program_.output.shape);
        Extent offset = 0;
        for (std::size_t position = 0; position < program_.output_positions; ++position)
            offset += strides[program_.loops[position].label] * index[position];
        double* out = program_.output.data() + offset;
        if (!program_.is_output_label(program_.vector)) {
            *out = number;
            return;
        }
        const double* row = program_.compensated() ? program_.sum.data() : program_.accumulator.data();
        kernels::rows::copy_strided(out + strides[program_.vector] * start, strides[program_.vector], row, count);
    }

    // Whether the odometer is at the last summed index of the current output row.
    bool last_of_row(const std::vector<Extent>& index) const {
        for (std::size_t position = program_.output_positions; position < program_.loops.size(); ++position)
            if (index[position] + 1 < program_.extent_at(position, index)) return false;
        return true;
    }

    void run_block(Extent start, Extent count) {
        std::vector<Extent> index(program_.loops.size(), 0);
        const bool summed_vector = !program_.is_output_label(program_.vector);
        int moved = -1;  // the outermost odometer position that changed: registers at or below it are recomputed
        const int innermost = static_cast<int>(program_.loops.size()) - 1;
        Extent inner_extent = 0;  // the innermost loop's extent at the current indices of the others
        const bool inner_summed = innermost >= static_cast<int>(program_.output_positions);
        Extent pending = 0;
        double number = 0, number_compensation = 0;
        while (true) {
            if (moved < static_cast<int>(program_.output_positions)) {  // a new output row
                kernels::rows::fill(program_.accumulator.data(), 0.0, count);
                if (program_.compensated() && !summed_vector) {
                    kernels::rows::fill(program_.sum.data(), 0.0, count);
                    kernels::rows::fill(program_.compensation.data(), 0.0, count);
                }
                number = number_compensation = 0;
                pending = 0;
            }
            if (writes_rows_[slot(moved)]) flush_batch();
            if (moved == innermost && moved >= 0) {
                step_innermost(index, start, count);
            } else {
                for (std::size_t position : program_.recompute[slot(moved)])
                    execute(program_.instructions[position], index, start, count, moved);
                if (innermost >= 0) inner_extent = program_.extent_at(static_cast<std::size_t>(innermost), index);
            }
            const double contribution = accumulate(count);
            if (summed_vector && program_.compensated()) {
                kernels::compensated_add(number, number_compensation, contribution);
            } else if (summed_vector) {
                number += contribution;
            } else if (program_.compensated() && ++pending == kernels::naive_terms) {
                flush_batch();
                kernels::compensated_accumulate(program_.sum.data(), program_.compensation.data(),
                                                program_.accumulator.data(), count);
                kernels::rows::fill(program_.accumulator.data(), 0.0, count);
                pending = 0;
            }
            // Most steps move the innermost loop only, which cannot end a row when it is a summed one.
            if (inner_summed && index[static_cast<std::size_t>(innermost)] + 1 < inner_extent) {
                ++index[static_cast<std::size_t>(innermost)];
                moved = innermost;
                continue;
            }
            if (last_of_row(index)) {
                flush_batch();
                const double total = program_.compensated() ? kernels::compensated_total(number, number_compensation)
                                                            : number;
                finish_row(index, start, count, pending, total);
            }
            // Advance the odometer; `moved` is the outermost position that changed.
            int position = static_cast<int>(program_.loops.size()) - 1;
            while (position >= 0) {
                const auto at = static_cast<std::size_t>(position);
                if (++index[at] < program_.extent_at(at, index)) break;
                index[at] = 0;
                --position;
            }
            if (position < 0) return;
            moved = position;
        }
    }

    void finish_row(const std::vector<Extent>& index, Extent start, Extent count, Extent pending, double number) {
        if (program_.compensated() && !program_.is_output_label(program_.vector))
            return write_row(index, start, count, number);
        if (program_.compensated()) {
            if (pending > 0)
                kernels::compensated_accumulate(program_.sum.data(), program_.compensation.data(),
                                                program_.accumulator.data(), count);
            kernels::finish_sum(program_.sum.data(), program_.compensation.data(), count);
        }
        write_row(index, start, count, number);
    }

    Program& program_;
    const std::vector<bool> writes_rows_;                // rows_written()
    const std::vector<std::vector<Extent>> increments_;  // leaf_increments()
    std::vector<std::vector<Extent>> prefixes_;          // per leaf, per odometer slot: leaf_offset's partial sums
    std::vector<const double*> load_pointers_;           // per leaf: where its load last read
    const std::vector<InnerStep> inner_steps_;           // inner_steps()
    const std::array<TermSources, 2> term_sources_;      // term_sources()
    std::array<kernels::rows::Term, 2 * batch_capacity> batch_a_{}, batch_b_{};
    std::size_t batched_ = 0;
    int a_terms_ = 0, b_terms_ = 0;
    Extent batch_count_ = 0;
};

}  // namespace

void set_fused_evaluation(bool enabled) { fused_switch() = enabled; }
bool fused_evaluation() { return fused_switch(); }

bool fuses(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed) {
    if (!fused_evaluation() || node.kind != NodeKind::einsum || node.operands.size() > fused::max_operands)
        return false;
    const std::vector<std::pair<char, Extent>> labels = fused::loop_labels(node, ranges, summed);
    if (labels.empty() || labels.size() > 64) return false;
    double loop_elements = 1;
    for (const auto& [label, extent] : labels) loop_elements *= static_cast<double>(extent);
    const std::vector<Ranges> children = operand_ranges(node, ranges, summed);
    double fused_elements = 0;
    for (std::size_t position = 0; position < node.operands.size(); ++position)
        if (fused::elementwise(*node.operands[position]))
            fused_elements += static_cast<double>(element_count(range_shape(children[position])));
    return fused_elements > 0 && loop_elements <= 2 * fused_elements;
}

Block evaluate_fused_einsum(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed,
                            const FusedContext& context) {
    Program program = fused::compile(node, ranges, summed, context);
    if (!context.arena.dry()) {
        if (program.empty())
            std::fill(program.output.data(), program.output.data() + element_count(program.output.shape), 0.0);
        else
            Runner(program).run();
    }
    return std::move(program.output);
}

}  // namespace tilesum::eval
