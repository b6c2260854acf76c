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

// Runs a compiled program over the tile: the odometer over the loops, each instruction when its level moves, the
// einsum's product accumulated into rows and each finished output row written.
class Runner {
public:
    explicit Runner(Program& program) : program_(program), pairs_(pairs_innermost()) {}

    void run() {
        for (Extent start = 0; start < program_.vector_extent(); start += program_.row_count)
            run_block(start, std::min(program_.row_count, program_.vector_extent() - start));
    }

private:
    Extent leaf_offset(const Leaf& leaf, const std::vector<Extent>& index, Extent start) const {
        Extent offset = leaf.strides[program_.vector] * start;
        for (std::size_t position = 0; position < program_.loops.size(); ++position)
            offset += leaf.strides[program_.loops[position].label] * program_.loops[position].step * index[position];
        return offset;
    }

    void execute(const Instruction& instruction, const std::vector<Extent>& index, Extent start, Extent count) {
        Register& value = program_.registers[instruction.result];
        double* out = value.buffer.buffer ? value.buffer.data() : nullptr;
        switch (instruction.op) {
            case Op::load: {
                const Leaf& leaf = program_.leaves[instruction.leaf];
                const double* base = leaf.block.data() + leaf_offset(leaf, index, start);
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
                if (arguments.size() == 2 && program_.registers[arguments[0]].vector &&
                    program_.registers[arguments[1]].vector) {
                    const Register& first = program_.registers[arguments[0]];
                    const Register& second = program_.registers[arguments[1]];
                    kernels::rows::combine_terms(out, first.row, first.factor, coefficients[0], second.row,
                                                 second.factor, coefficients[1], count);
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
                std::vector<kernels::rows::RowArgument> arguments;
                std::vector<double> numbers;
                std::size_t next = 0;
                for (const std::optional<double>& constant : node.constants) {
                    if (constant) {
                        arguments.push_back({nullptr, *constant});
                    } else {
                        const Register& argument = program_.registers[instruction.arguments[next++]];
                        arguments.push_back({argument.vector ? argument.row : nullptr, argument.scalar});
                    }
                    numbers.push_back(arguments.back().constant);
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
        if (program_.inline_sums) {
            std::array<kernels::rows::Term, 2> a{}, b{};
            const int a_terms = terms_of(program_.operands[0], a), b_terms = terms_of(program_.operands[1], b);
            kernels::rows::add_product_of_sums(program_.accumulator.data(), a.data(), a_terms, b.data(), b_terms,
                                               count);
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

    // Whether two consecutive indices of the innermost loop can be accumulated in one pass over the accumulator:
    // the operands are inlined sums, the innermost loop is a summed one, and the instructions it reruns write no
    // row of their own (their values are views of leaves, folded factors or numbers), so the first index's terms
    // survive computing the second's. The seed's (B_i A_jk + Y2_j Z2_ik)(B_i A_kj + Z2_ij Y2_k) over j is such.
    bool pairs_innermost() const {
        if (!program_.inline_sums || program_.loops.empty()) return false;
        const std::size_t innermost = program_.loops.size() - 1;
        if (innermost < program_.output_positions) return false;
        for (std::size_t position : program_.recompute[slot(static_cast<int>(innermost))])
            if (program_.registers[program_.instructions[position].result].buffer.buffer) return false;
        return true;
    }

    // Whether the next index of the innermost loop is taken with the current one: it exists, and the two products
    // do not straddle a compensation step (the bits are those of adding them one at a time).
    bool pairs_next(const std::vector<Extent>& index, Extent pending) const {
        const std::size_t innermost = program_.loops.size() - 1;
        if (index[innermost] + 1 >= program_.extent_at(innermost, index)) return false;
        return !program_.compensated() || pending + 2 <= kernels::naive_terms;
    }

    // The products at the current index and the next one of the innermost loop, which it moves to.
    void accumulate_pair(std::vector<Extent>& index, Extent start, Extent count) {
        std::array<kernels::rows::Term, 2> a{}, b{}, a2{}, b2{};
        const int a_terms = terms_of(program_.operands[0], a), b_terms = terms_of(program_.operands[1], b);
        const std::size_t innermost = program_.loops.size() - 1;
        ++index[innermost];
        for (std::size_t position : program_.recompute[slot(static_cast<int>(innermost))])
            execute(program_.instructions[position], index, start, count);
        terms_of(program_.operands[0], a2);
        terms_of(program_.operands[1], b2);
        kernels::rows::add_two_products_of_sums(program_.accumulator.data(), a.data(), b.data(), a2.data(), b2.data(),
                                                a_terms, b_terms, count);
    }

    // The terms of an operand for add_product_of_sums: its inlined sum's two rows, or itself.
    int terms_of(std::size_t operand, std::array<kernels::rows::Term, 2>& terms) const {
        const Instruction& producer =
            program_.instructions[program_.operand_producers[operand == program_.operands[0] ? 0 : 1]];
        if (!producer.inlined) {
            const Register& value = program_.registers[operand];
            terms[0] = {value.row, value.factor, 1.0};
            return 1;
        }
        for (std::size_t term = 0; term < 2; ++term) {
            const Register& value = program_.registers[producer.arguments[term]];
            terms[term] = {value.row, value.factor, producer.node->coefficients[term]};
        }
        return 2;
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
            for (std::size_t position : program_.recompute[slot(moved)])
                execute(program_.instructions[position], index, start, count);
            Extent products = 1;
            double contribution = 0;
            if (pairs_ && pairs_next(index, pending)) {
                accumulate_pair(index, start, count);
                products = 2;
            } else {
                contribution = accumulate(count);
            }
            if (summed_vector && program_.compensated()) {
                kernels::compensated_add(number, number_compensation, contribution);
            } else if (summed_vector) {
                number += contribution;
            } else if (program_.compensated() && (pending += products) == kernels::naive_terms) {
                kernels::compensated_accumulate(program_.sum.data(), program_.compensation.data(),
                                                program_.accumulator.data(), count);
                kernels::rows::fill(program_.accumulator.data(), 0.0, count);
                pending = 0;
            }
            if (last_of_row(index)) {
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
    const bool pairs_;  // pairs_innermost()
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
