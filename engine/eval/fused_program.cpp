#include "engine/eval/fused_program.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "engine/common/elementwise_scalar.hpp"
#include "engine/common/error.hpp"
#include "engine/eval/operand_ranges.hpp"
#include "engine/kernels/accurate_sum.hpp"
#include "engine/kernels/block_ops.hpp"
#include "engine/kernels/simd_math.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::eval::fused {

using expr::Node;
using expr::NodeKind;

std::string summed_labels(const Node& node) {
    std::string summed;
    for (const std::string& labels : node.operand_labels)
        for (char label : labels)
            if (node.output_labels.find(label) == std::string::npos && summed.find(label) == std::string::npos)
                summed += label;
    return summed;
}

bool elementwise(const Node& node) {
    if (node.kind == NodeKind::einsum) return summed_labels(node).empty();
    return node.kind != NodeKind::input;
}

std::vector<std::pair<char, Extent>> loop_labels(const Node& node, const Ranges& ranges,
                                                 const std::map<char, Range>* summed) {
    std::vector<std::pair<char, Extent>> labels;
    for (std::size_t axis = 0; axis < node.output_labels.size(); ++axis)
        labels.emplace_back(node.output_labels[axis], ranges[axis].length());
    const std::map<char, Extent> extents = expr::label_extents(node.operand_labels, node.operands);
    for (char label : summed_labels(node)) {
        const auto narrowed = summed ? summed->find(label) : std::map<char, Range>::const_iterator{};
        labels.emplace_back(label, summed && narrowed != summed->end() ? narrowed->second.length() : extents.at(label));
    }
    return labels;
}

bool Program::empty() const { return std::find(extents.begin(), extents.end(), 0) != extents.end(); }

Extent Program::extent_at(std::size_t position, const std::vector<Extent>& index) const {
    const Loop& loop = loops[position];
    const Extent whole = extents[loop.label];
    if (loop.block) return std::min(loop.block, whole - index[loop.outer] * loop.block);
    return (whole + loop.step - 1) / loop.step;
}

bool Program::compensated() const { return kernels::compensates(summed_iterations); }

namespace {

// Rows this long amortize the interpreter's work per row; longer ones only save a little more.
constexpr Extent long_enough_row = 256;

// Compiles one tile's program: the constructor builds the registers and instructions from the DAG, compile()
// makes every other decision in turn.
class Compiler {
public:
    Compiler(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed, const FusedContext& context)
        : context_(context), dry_(context.arena.dry()) {
        for (const auto& [label, extent] : loop_labels(node, ranges, summed)) {
            program_.labels += label;
            program_.extents.push_back(extent);
        }
        program_.output_labels = node.output_labels.size();
        TILESUM_ASSERT(program_.labels.size() <= 64);
        const std::vector<Ranges> children = operand_ranges(node, ranges, summed);
        for (std::size_t position = 0; position < node.operands.size(); ++position) {
            std::vector<int> axis_labels;
            for (char label : node.operand_labels[position])
                axis_labels.push_back(static_cast<int>(program_.labels.find(label)));
            program_.operands.push_back(visit(*node.operands[position], axis_labels, children[position]));
        }
        program_.output = Block{context.arena.allocate(static_cast<std::size_t>(element_count(range_shape(ranges)))),
                                range_shape(ranges)};
    }

    Program compile() && {
        if (program_.empty()) return std::move(program_);
        choose_vector_label();
        transpose_strided_leaves();
        order_loops();
        fold_scaled_rows();
        fuse_function_chain();
        schedule_instructions();
        allocate_rows();
        count_work();
        return std::move(program_);
    }

private:
    // --- Building the program ---------------------------------------------------------------------------------

    std::size_t add_register(LabelMask labels) {
        program_.registers.push_back(Register{});
        program_.registers.back().labels = labels;
        return program_.registers.size() - 1;
    }

    std::size_t add_leaf(Block block, std::vector<int> axis_labels) {
        Leaf leaf{std::move(block), std::move(axis_labels), std::vector<Extent>(program_.labels.size(), 0)};
        const kernels::Strides dense = kernels::dense_strides(leaf.block.shape);
        LabelMask labels = 0;
        for (std::size_t axis = 0; axis < leaf.axis_labels.size(); ++axis) {
            const int label = leaf.axis_labels[axis];
            if (label < 0 || leaf.block.shape[axis] == 1) continue;
            leaf.strides[static_cast<std::size_t>(label)] += dense[axis];
            labels |= LabelMask{1} << label;
        }
        program_.leaves.push_back(std::move(leaf));
        const std::size_t result = add_register(labels);
        program_.instructions.push_back(Instruction{Op::load, result, {}, program_.leaves.size() - 1, nullptr});
        return result;
    }

    std::size_t add_instruction(Op op, const Node& node, std::vector<std::size_t> arguments) {
        LabelMask labels = 0;
        for (std::size_t argument : arguments) labels |= program_.registers[argument].labels;
        const std::size_t result = add_register(labels);
        program_.instructions.push_back(Instruction{op, result, std::move(arguments), 0, &node});
        return result;
    }

    // The register of `node` whose axes are the loop labels `axis_labels` (-1: a broadcast axis of extent 1), over
    // the tile `ranges` of the node. The same node under the same labels is one register (the seed's C + C2 read
    // as ijk and as ikj is two).
    std::size_t visit(const Node& node, const std::vector<int>& axis_labels, const Ranges& ranges) {
        const auto key = std::make_pair(&node, axis_labels);
        if (auto known = memo_.find(key); known != memo_.end()) return known->second;
        std::size_t result = 0;
        if (node.kind == NodeKind::input) {
            auto leaf = context_.leaves.find(LeafKey{&node, ranges});
            TILESUM_ASSERT(leaf != context_.leaves.end());
            result = add_leaf(leaf->second, axis_labels);
        } else if (!elementwise(node)) {
            result = add_leaf(context_.evaluate(node, ranges), axis_labels);
        } else {
            const std::vector<Ranges> children = operand_ranges(node, ranges);
            std::vector<std::size_t> arguments;
            for (std::size_t position = 0; position < node.operands.size(); ++position) {
                const Node& operand = *node.operands[position];
                std::vector<int> operand_labels;
                if (node.kind == NodeKind::einsum) {
                    for (char label : node.operand_labels[position])
                        operand_labels.push_back(axis_labels[node.output_labels.find(label)]);
                } else {  // numpy broadcasting: the operand's axes are the node's last ones
                    const std::size_t offset = node.shape.size() - operand.shape.size();
                    for (std::size_t axis = 0; axis < operand.shape.size(); ++axis)
                        operand_labels.push_back(operand.shape[axis] == 1 && node.shape[offset + axis] != 1
                                                     ? -1
                                                     : axis_labels[offset + axis]);
                }
                arguments.push_back(visit(operand, operand_labels, children[position]));
            }
            switch (node.kind) {
                case NodeKind::lincomb: result = add_instruction(Op::lincomb, node, std::move(arguments)); break;
                case NodeKind::function: result = add_instruction(Op::function, node, std::move(arguments)); break;
                case NodeKind::einsum:  // an outer product or a transpose: no sum, only products
                    result = arguments.size() == 1 ? arguments[0]
                                                   : add_instruction(Op::product, node, std::move(arguments));
                    break;
                default: result = add_instruction(Op::product, node, std::move(arguments)); break;
            }
        }
        memo_.emplace(key, result);
        return result;
    }

    // --- Choosing how to loop ---------------------------------------------------------------------------------

    // The vector label: long enough to fill rows (long_enough_row), then an output label (rows accumulate without
    // a horizontal sum, and two-term operands are summed inside the accumulation), then the longest (up to
    // row_length), then the one most leaves read contiguously. (The seed at n = 1200, k tiles of 600 and i slabs of
    // 1087: a k row takes 0.58 s of CPU, an i row 0.86 s.)
    void choose_vector_label() {
        auto score = [&](std::size_t label) {
            int contiguous = 0;
            for (const Leaf& leaf : program_.leaves) {
                const Extent stride = leaf.strides[label];
                contiguous += stride == 1 ? 1 : (stride == 0 ? 0 : -1);
            }
            const bool last_output = label + 1 == program_.output_labels;
            return std::make_tuple(std::min(program_.extents[label], long_enough_row), program_.is_output_label(label),
                                   std::min(program_.extents[label], row_length), contiguous, last_output);
        };
        program_.vector = 0;
        for (std::size_t label = 1; label < program_.labels.size(); ++label)
            if (score(label) > score(program_.vector)) program_.vector = label;
        // A summed vector label is not blocked: its whole row is summed at once (the output is written once).
        program_.row_count = program_.is_output_label(program_.vector) ? std::min(program_.vector_extent(), row_length)
                                                                       : program_.vector_extent();
    }

    // Leaves read along the vector label with a stride are copied once with that axis innermost, when the copy
    // is small next to the work (a 2-D input under a 3-D loop nest); others are gathered row by row.
    void transpose_strided_leaves() {
        Extent loop_elements = 1;
        for (Extent extent : program_.extents) loop_elements *= extent;
        for (Leaf& leaf : program_.leaves) {
            const Extent stride = leaf.strides[program_.vector];
            if (stride == 0 || stride == 1) continue;
            const auto axis =
                std::find(leaf.axis_labels.begin(), leaf.axis_labels.end(), static_cast<int>(program_.vector));
            if (std::count(leaf.axis_labels.begin(), leaf.axis_labels.end(), static_cast<int>(program_.vector)) != 1)
                continue;
            const Extent elements = element_count(leaf.block.shape);
            if (elements * 8 > loop_elements) continue;
            const std::size_t moved = static_cast<std::size_t>(axis - leaf.axis_labels.begin());
            std::vector<std::size_t> permutation;
            for (std::size_t other = 0; other < leaf.axis_labels.size(); ++other)
                if (other != moved) permutation.push_back(other);
            permutation.push_back(moved);
            Shape shape;
            std::vector<int> axis_labels;
            for (std::size_t source : permutation) {
                shape.push_back(leaf.block.shape[source]);
                axis_labels.push_back(leaf.axis_labels[source]);
            }
            Block copy{context_.arena.allocate(static_cast<std::size_t>(elements)), shape};
            if (!dry_) kernels::permute(leaf.block.data(), leaf.block.shape, permutation, copy.data());
            context_.cost.work.elementwise_bytes += 16.0 * static_cast<double>(elements);
            const kernels::Strides dense = kernels::dense_strides(shape);
            std::fill(leaf.strides.begin(), leaf.strides.end(), 0);
            for (std::size_t position = 0; position < axis_labels.size(); ++position)
                if (axis_labels[position] >= 0 && shape[position] > 1)
                    leaf.strides[static_cast<std::size_t>(axis_labels[position])] += dense[position];
            leaf.block = std::move(copy);
            leaf.axis_labels = std::move(axis_labels);
        }
    }

    // The odometer: output labels outside summed ones, so that each output row's sum is finished before the next.
    // With two or more summed labels, each is cut into blocks whose rows stay in L2 together (loop tiling): the
    // seed's A_j rows are reused for every i, and 1200 of them (2.4 MB at 256 per row) would not stay cached.
    void order_loops() {
        std::vector<std::size_t> summed;
        for (std::size_t label = 0; label < program_.labels.size(); ++label) {
            if (label == program_.vector) continue;
            if (program_.is_output_label(label))
                program_.loops.push_back(Loop{label});
            else
                summed.push_back(label);
        }
        program_.output_positions = program_.loops.size();
        program_.summed_iterations = 1;
        for (std::size_t label : summed) program_.summed_iterations *= program_.extents[label];
        const Extent block = summed.size() >= 2 ? summed_block(summed) : 0;
        std::map<std::size_t, std::size_t> block_loop;  // label -> position of its block loop
        for (std::size_t label : summed)
            if (block && program_.extents[label] > block) {
                block_loop[label] = program_.loops.size();
                program_.loops.push_back(Loop{label, block});
            }
        for (std::size_t label : summed) {
            const auto blocked = block_loop.find(label);
            program_.loops.push_back(blocked == block_loop.end() ? Loop{label}
                                                                 : Loop{label, 1, block, blocked->second});
        }
        for (Register& value : program_.registers) {
            value.vector = (value.labels >> program_.vector) & 1U;
            for (std::size_t position = 0; position < program_.loops.size(); ++position)
                if ((value.labels >> program_.loops[position].label) & 1U) value.level = static_cast<int>(position);
        }
    }

    // The largest block of the summed labels with which the rows the vector leaves read within one block of each
    // fit in half a megabyte (L2 is 512 KiB to 2 MiB on current x86-64 cores); 0 when no block is needed.
    Extent summed_block(const std::vector<std::size_t>& summed) const {
        constexpr double cached_bytes = 512.0 * 1024;
        auto working_set = [&](Extent block) {
            double bytes = 0;
            for (const Leaf& leaf : program_.leaves) {
                if (leaf.strides[program_.vector] == 0) continue;
                double rows = 1;
                for (std::size_t label : summed)
                    if (leaf.strides[label] != 0) rows *= static_cast<double>(std::min(block, program_.extents[label]));
                bytes += rows * static_cast<double>(program_.row_count) * sizeof(double);
            }
            return bytes;
        };
        Extent largest = 0;
        for (std::size_t label : summed) largest = std::max(largest, program_.extents[label]);
        if (working_set(largest) <= cached_bytes) return 0;
        for (Extent block = 512; block >= 8; block /= 2)
            if (block < largest && working_set(block) <= cached_bytes) return block;
        return 8;
    }

    // A product of one row and numbers (an outer product B_i · A_jk along the vector label k) read only by sums
    // and by the final accumulation, which take a factor per row: no pass of its own, its row is its argument's.
    // So is a negated row (-x, or x itself: a sum of one row with coefficient ±1, the `-` of exp(-x**2)), which
    // one-argument functions may also read: the sign goes into the factor, and c · (f · x) is (c · f) · x exactly.
    void fold_scaled_rows() {
        std::vector<bool> read_elsewhere(program_.registers.size(), false);  // by anything but sums
        std::vector<bool> read_by_others(program_.registers.size(), false);  // ... and one-argument functions
        for (const Instruction& instruction : program_.instructions) {
            if (instruction.op == Op::lincomb) continue;
            const bool unary_function = instruction.op == Op::function &&
                                        function_info(instruction.node->function).arity == 1;
            for (std::size_t argument : instruction.arguments) {
                read_elsewhere[argument] = true;
                if (!unary_function) read_by_others[argument] = true;
            }
        }
        for (Instruction& instruction : program_.instructions) {
            if (!program_.registers[instruction.result].vector) continue;
            if (instruction.op == Op::lincomb) {
                const std::vector<double>& coefficients = instruction.node->coefficients;
                instruction.folded = instruction.arguments.size() == 1 &&
                                     program_.registers[instruction.arguments[0]].vector &&
                                     std::fabs(coefficients[0]) == 1.0 && !read_by_others[instruction.result];
                continue;
            }
            if (instruction.op != Op::product || read_elsewhere[instruction.result]) continue;
            const auto rows = std::count_if(instruction.arguments.begin(), instruction.arguments.end(),
                                            [&](std::size_t argument) { return program_.registers[argument].vector; });
            instruction.folded = rows == 1;
        }
        // The einsum's two operands, each a row or a sum of two rows read by nothing else: the accumulation
        // computes (a0 + a1) · (b0 + b1) element by element instead of storing both sums first.
        program_.inline_sums = program_.is_output_label(program_.vector) && program_.operands.size() == 2;
        for (std::size_t operand : program_.operands)
            program_.inline_sums = program_.inline_sums && program_.registers[operand].vector;
        if (!program_.inline_sums) return;
        program_.operand_producers = {producer_of(program_.operands[0]), producer_of(program_.operands[1])};
        for (std::size_t operand : program_.operands) {
            Instruction& producer = program_.instructions[producer_of(operand)];
            const bool two_rows = producer.op == Op::lincomb && producer.arguments.size() == 2 &&
                                  program_.registers[producer.arguments[0]].vector &&
                                  program_.registers[producer.arguments[1]].vector;
            bool read_by_instructions = false;
            for (const Instruction& instruction : program_.instructions)
                read_by_instructions = read_by_instructions ||
                                       std::find(instruction.arguments.begin(), instruction.arguments.end(), operand) !=
                                           instruction.arguments.end();
            producer.inlined = two_rows && !read_by_instructions;
        }
    }

    // The einsum's one operand, a vectorized one-argument function of a chain whose every link is read only by the
    // next (Program::FunctionChain): the links are marked inlined (no pass, no row of their own) and the runner
    // computes the function, and the chain under it, inside the accumulation.
    void fuse_function_chain() {
        if (!program_.is_output_label(program_.vector) || program_.operands.size() != 1) return;
        std::vector<int> readers(program_.registers.size(), 0);
        for (const Instruction& instruction : program_.instructions)
            for (std::size_t argument : instruction.arguments) ++readers[argument];
        const std::size_t operand = program_.operands[0];
        ++readers[operand];
        auto vector_with_one_reader = [&](std::size_t value) {
            return program_.registers[value].vector && readers[value] == 1;
        };
        FunctionChain chain;
        chain.function = producer_of(operand);
        const Instruction& function = program_.instructions[chain.function];
        if (!vector_with_one_reader(operand) || function.op != Op::function ||
            !kernels::simd::has_function_row(function.node->function) || function.arguments.size() != 1)
            return;
        std::vector<std::size_t> links{chain.function};
        std::size_t value = function.arguments[0];
        if (!program_.registers[value].vector) return;
        const Instruction* producer = &program_.instructions[producer_of(value)];
        if (producer->op == Op::lincomb && producer->folded && readers[value] == 1) {  // -x
            chain.scale = producer->node->coefficients[0];
            value = producer->arguments[0];
            producer = &program_.instructions[producer_of(value)];
        }
        if (producer->op == Op::function && producer->node->function == FunctionOp::power &&
            producer->node->parameter == 2 && producer->arguments.size() == 1 && vector_with_one_reader(value) &&
            program_.registers[producer->arguments[0]].vector) {  // x ** 2
            chain.square = true;
            links.push_back(producer_of(value));
            value = producer->arguments[0];
            producer = &program_.instructions[producer_of(value)];
        }
        if (producer->op == Op::lincomb && !producer->folded && producer->arguments.size() == 2 &&
            vector_with_one_reader(value) && program_.registers[producer->arguments[0]].vector &&
            program_.registers[producer->arguments[1]].vector) {  // a + b
            chain.sum = true;
            chain.sum_instruction = producer_of(value);
            links.push_back(chain.sum_instruction);
        } else {
            chain.input = value;
        }
        for (std::size_t link : links) program_.instructions[link].inlined = program_.instructions[link].chained = true;
        chain.active = true;
        program_.chain = chain;
    }

    std::size_t producer_of(std::size_t value) const {
        for (std::size_t position = 0; position < program_.instructions.size(); ++position)
            if (program_.instructions[position].result == value) return position;
        TILESUM_ASSERT(false);
        return 0;
    }

    // For each odometer position p that moved (index p + 1; 0: a new block), the instructions to run, in order.
    void schedule_instructions() {
        program_.recompute.assign(program_.loops.size() + 1, {});
        for (int moved = -1; moved < static_cast<int>(program_.loops.size()); ++moved)
            for (std::size_t position = 0; position < program_.instructions.size(); ++position)
                if (!program_.instructions[position].inlined &&
                    program_.registers[program_.instructions[position].result].level >= moved)
                    program_.recompute[slot(moved)].push_back(position);
    }

    bool is_view(const Instruction& instruction) const {
        return (instruction.op == Op::load && program_.leaves[instruction.leaf].strides[program_.vector] == 1) ||
               instruction.folded || instruction.inlined;
    }

    Block allocate_row() {
        return Block{context_.arena.allocate(static_cast<std::size_t>(program_.row_count)), Shape{program_.row_count}};
    }

    void allocate_rows() {
        for (const Instruction& instruction : program_.instructions) {
            Register& value = program_.registers[instruction.result];
            if (value.vector && !is_view(instruction)) value.buffer = allocate_row();
        }
        program_.accumulator = allocate_row();
        program_.product = allocate_row();
        if (program_.compensated()) {
            program_.sum = allocate_row();
            program_.compensation = allocate_row();
        }
    }

    // The work, by kind, for the cost model: each instruction once per change of its level, on a row or a number.
    void count_work() {
        std::vector<double> changes(program_.loops.size() + 1, 1.0);  // changes[p + 1]: how often position p moves
        for (std::size_t position = 0; position < program_.loops.size(); ++position) {
            const Loop& loop = program_.loops[position];
            const double whole = static_cast<double>(program_.extents[loop.label]);
            const double blocks = std::ceil(whole / static_cast<double>(loop.block ? loop.block : loop.step));
            changes[position + 1] = changes[position] * (loop.block ? whole / blocks : blocks);
        }
        const double vector_elements = static_cast<double>(program_.vector_extent());
        const Extent block_count = (program_.vector_extent() + program_.row_count - 1) / program_.row_count;
        const auto blocks = static_cast<double>(block_count);
        double element_operations = 0;
        double rows = 0;
        for (const Instruction& instruction : program_.instructions) {
            const Register& value = program_.registers[instruction.result];
            if (is_view(instruction) && !instruction.chained) continue;
            const double times = changes[slot(value.level)];
            element_operations += (value.vector ? times * vector_elements : times * blocks) * weight(instruction);
            if (value.vector && !instruction.chained) rows += times * blocks;  // a chain's links share one pass
        }
        // The final accumulation reads each operand's rows (two for an inlined sum) and updates the accumulator.
        double accumulated_rows = 1;
        for (std::size_t operand = 0; operand < program_.operands.size(); ++operand)
            accumulated_rows +=
                program_.inline_sums && program_.instructions[program_.operand_producers[operand]].inlined ? 2 : 1;
        element_operations += changes.back() * vector_elements * accumulated_rows;
        rows += changes.back() * blocks;
        context_.cost.flops += element_operations;
        context_.cost.work.fused_operations += element_operations;
        context_.cost.work.fused_rows += rows;
    }

    // An instruction's operations per element, relative to a sum's: a libm function (exp, log, sin, a fractional
    // power) costs several. Measured (calibrate's "exp in a fused tile" check, which shows how well this holds):
    // the vectorized exp about 10 row operations' time, as are Highway's log, sin and the others (7-11 times a
    // row's add_scaled on AVX-512); glibc's scalar pow more.
    static double weight(const Instruction& instruction) {
        if (instruction.op != Op::function) return 1;
        const Node& node = *instruction.node;
        if (kernels::simd::has_function_row(node.function)) return 10;
        if (node.function == FunctionOp::power) return elementwise::multiplied(node.parameter) ? 1 : 16;
        if (node.function == FunctionOp::array_power) return 16;  // pow per element
        return is_transcendental(node.function) ? 16 : 1;
    }

    const FusedContext& context_;
    const bool dry_;
    Program program_;
    std::map<std::pair<const Node*, std::vector<int>>, std::size_t> memo_;  // visit's: (node, axis labels) -> register
};

}  // namespace

Program compile(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed,
                const FusedContext& context) {
    return Compiler(node, ranges, summed, context).compile();
}

}  // namespace tilesum::eval::fused
