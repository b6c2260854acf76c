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
#include "engine/eval/operand_ranges.hpp"
#include "engine/kernels/accurate_sum.hpp"
#include "engine/kernels/block_ops.hpp"
#include "engine/kernels/row_ops.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::eval {

using expr::Node;
using expr::NodeKind;

namespace {

std::atomic<bool>& fused_switch() {
    static std::atomic<bool> enabled{[] {
        const char* value = std::getenv("TILESUM_FUSED");
        return !(value && std::strcmp(value, "0") == 0);
    }()};
    return enabled;
}

// The labels an einsum sums: those of its operands that are not in its output.
std::string summed_labels(const Node& node) {
    std::string summed;
    for (const std::string& labels : node.operand_labels)
        for (char label : labels)
            if (node.output_labels.find(label) == std::string::npos && summed.find(label) == std::string::npos)
                summed += label;
    return summed;
}

// Whether `node`, as an operand inside a fused program, is computed element by element (not materialized).
bool elementwise(const Node& node) {
    if (node.kind == NodeKind::einsum) return summed_labels(node).empty();
    return node.kind != NodeKind::input;
}

// The extent of every label of the einsum's loop nest in this tile: output labels from `ranges`, summed ones from
// `summed` when narrowed, else whole.
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
    const Node* node = nullptr;          // lincomb: coefficients; function: op, parameter and constants
    bool folded = false;                 // a product of one row and numbers, read by its consumers as factor · row
    bool inlined = false;  // a two-row sum read only by the final accumulation, which computes it on the fly
};

// One loop of the odometer: a label whole, or the blocks of a label, or the indices within one of its blocks.
struct Loop {
    std::size_t label = 0;
    Extent step = 1;        // the label's index moves this much per step (a block loop: its block)
    Extent block = 0;       // an inner loop of a blocked label: the block (its extent, shorter at the end)
    std::size_t outer = 0;  // ... and the position of that label's block loop
};

// Index p + 1 of a list by odometer position p, where -1 (before every loop) is 0.
std::size_t slot(int position) { return position < 0 ? 0 : static_cast<std::size_t>(position) + 1; }

class FusedEinsum {
public:
    FusedEinsum(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed,
                const FusedContext& context)
        : node_(node), context_(context), dry_(context.arena.dry()) {
        for (const auto& [label, extent] : loop_labels(node, ranges, summed)) {
            labels_ += label;
            extents_.push_back(extent);
        }
        TILESUM_ASSERT(labels_.size() <= 64);
        const std::vector<Ranges> children = operand_ranges(node, ranges, summed);
        for (std::size_t position = 0; position < node.operands.size(); ++position) {
            std::vector<int> axis_labels;
            for (char label : node.operand_labels[position])
                axis_labels.push_back(static_cast<int>(labels_.find(label)));
            operands_.push_back(visit(*node.operands[position], axis_labels, children[position]));
        }
        output_ = Block{context.arena.allocate(static_cast<std::size_t>(element_count(range_shape(ranges)))),
                        range_shape(ranges)};
    }

    Block run() {
        if (std::find(extents_.begin(), extents_.end(), 0) != extents_.end()) {
            if (!dry_) std::fill(output_.data(), output_.data() + element_count(output_.shape), 0.0);
            return std::move(output_);
        }
        choose_vector_label();
        transpose_strided_leaves();
        order_loops();
        fold_scaled_rows();
        schedule_instructions();
        allocate_rows();
        count_work();
        if (!dry_)
            for (Extent start = 0; start < vector_extent(); start += row_count_)
                run_block(start, std::min(row_count_, vector_extent() - start));
        return std::move(output_);
    }

private:
    // --- Building the program ---------------------------------------------------------------------------------

    std::size_t add_register(LabelMask labels) {
        registers_.push_back(Register{});
        registers_.back().labels = labels;
        return registers_.size() - 1;
    }

    std::size_t add_leaf(Block block, std::vector<int> axis_labels) {
        Leaf leaf{std::move(block), std::move(axis_labels), std::vector<Extent>(labels_.size(), 0)};
        const kernels::Strides dense = kernels::dense_strides(leaf.block.shape);
        LabelMask labels = 0;
        for (std::size_t axis = 0; axis < leaf.axis_labels.size(); ++axis) {
            const int label = leaf.axis_labels[axis];
            if (label < 0 || leaf.block.shape[axis] == 1) continue;
            leaf.strides[static_cast<std::size_t>(label)] += dense[axis];
            labels |= LabelMask{1} << label;
        }
        leaves_.push_back(std::move(leaf));
        const std::size_t result = add_register(labels);
        instructions_.push_back(Instruction{Op::load, result, {}, leaves_.size() - 1, nullptr});
        return result;
    }

    std::size_t add_instruction(Op op, const Node& node, std::vector<std::size_t> arguments) {
        LabelMask labels = 0;
        for (std::size_t argument : arguments) labels |= registers_[argument].labels;
        const std::size_t result = add_register(labels);
        instructions_.push_back(Instruction{op, result, std::move(arguments), 0, &node});
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

    bool is_output_label(std::size_t label) const { return label < node_.output_labels.size(); }
    Extent vector_extent() const { return extents_[vector_]; }

    // The vector label: long enough to fill rows (up to row_length), then an output label (rows accumulate
    // without a horizontal sum), then the one most leaves read contiguously.
    void choose_vector_label() {
        auto score = [&](std::size_t label) {
            int contiguous = 0;
            for (const Leaf& leaf : leaves_) {
                const Extent stride = leaf.strides[label];
                contiguous += stride == 1 ? 1 : (stride == 0 ? 0 : -1);
            }
            const bool last_output = label + 1 == node_.output_labels.size();
            return std::make_tuple(std::min(extents_[label], row_length), is_output_label(label), contiguous,
                                   last_output);
        };
        vector_ = 0;
        for (std::size_t label = 1; label < labels_.size(); ++label)
            if (score(label) > score(vector_)) vector_ = label;
        // A summed vector label is not blocked: its whole row is summed at once (the output is written once).
        row_count_ = is_output_label(vector_) ? std::min(vector_extent(), row_length) : vector_extent();
    }

    // Leaves read along the vector label with a stride are copied once with that axis innermost, when the copy
    // is small next to the work (a 2-D input under a 3-D loop nest); others are gathered row by row.
    void transpose_strided_leaves() {
        Extent loop_elements = 1;
        for (Extent extent : extents_) loop_elements *= extent;
        for (Leaf& leaf : leaves_) {
            const Extent stride = leaf.strides[vector_];
            if (stride == 0 || stride == 1) continue;
            const auto axis = std::find(leaf.axis_labels.begin(), leaf.axis_labels.end(), static_cast<int>(vector_));
            if (std::count(leaf.axis_labels.begin(), leaf.axis_labels.end(), static_cast<int>(vector_)) != 1) continue;
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
        for (std::size_t label = 0; label < labels_.size(); ++label) {
            if (label == vector_) continue;
            if (is_output_label(label))
                loops_.push_back(Loop{label});
            else
                summed.push_back(label);
        }
        output_positions_ = loops_.size();
        summed_iterations_ = 1;
        for (std::size_t label : summed) summed_iterations_ *= extents_[label];
        const Extent block = summed.size() >= 2 ? summed_block(summed) : 0;
        std::map<std::size_t, std::size_t> block_loop;  // label -> position of its block loop
        for (std::size_t label : summed)
            if (block && extents_[label] > block) {
                block_loop[label] = loops_.size();
                loops_.push_back(Loop{label, block});
            }
        for (std::size_t label : summed) {
            const auto blocked = block_loop.find(label);
            loops_.push_back(blocked == block_loop.end() ? Loop{label} : Loop{label, 1, block, blocked->second});
        }
        for (Register& value : registers_) {
            value.vector = (value.labels >> vector_) & 1U;
            for (std::size_t position = 0; position < loops_.size(); ++position)
                if ((value.labels >> loops_[position].label) & 1U) value.level = static_cast<int>(position);
        }
    }

    // The largest block of the summed labels with which the rows the vector leaves read within one block of each
    // fit in half a megabyte (L2 is 512 KiB to 2 MiB on current x86-64 cores); 0 when no block is needed.
    Extent summed_block(const std::vector<std::size_t>& summed) const {
        constexpr double cached_bytes = 512.0 * 1024;
        auto working_set = [&](Extent block) {
            double bytes = 0;
            for (const Leaf& leaf : leaves_) {
                if (leaf.strides[vector_] == 0) continue;
                double rows = 1;
                for (std::size_t label : summed)
                    if (leaf.strides[label] != 0) rows *= static_cast<double>(std::min(block, extents_[label]));
                bytes += rows * static_cast<double>(row_count_) * sizeof(double);
            }
            return bytes;
        };
        Extent largest = 0;
        for (std::size_t label : summed) largest = std::max(largest, extents_[label]);
        if (working_set(largest) <= cached_bytes) return 0;
        for (Extent block = 512; block >= 8; block /= 2)
            if (block < largest && working_set(block) <= cached_bytes) return block;
        return 8;
    }

    // How many values the loop at `position` takes, given the indices of the loops outside it.
    Extent extent_at(std::size_t position, const std::vector<Extent>& index) const {
        const Loop& loop = loops_[position];
        const Extent whole = extents_[loop.label];
        if (loop.block) return std::min(loop.block, whole - index[loop.outer] * loop.block);
        return (whole + loop.step - 1) / loop.step;
    }

    // A product of one row and numbers (an outer product B_i · A_jk along the vector label k) read only by sums
    // and by the final accumulation, which take a factor per row: no pass of its own, its row is its argument's.
    void fold_scaled_rows() {
        std::vector<bool> read_elsewhere(registers_.size(), false);
        for (const Instruction& instruction : instructions_)
            if (instruction.op != Op::lincomb)
                for (std::size_t argument : instruction.arguments) read_elsewhere[argument] = true;
        for (Instruction& instruction : instructions_) {
            if (instruction.op != Op::product || !registers_[instruction.result].vector ||
                read_elsewhere[instruction.result])
                continue;
            const auto rows = std::count_if(instruction.arguments.begin(), instruction.arguments.end(),
                                            [&](std::size_t argument) { return registers_[argument].vector; });
            instruction.folded = rows == 1;
        }
        // The einsum's two operands, each a row or a sum of two rows read by nothing else: the accumulation
        // computes (a0 + a1) · (b0 + b1) element by element instead of storing both sums first.
        inline_sums_ = is_output_label(vector_) && operands_.size() == 2;
        for (std::size_t operand : operands_) inline_sums_ = inline_sums_ && registers_[operand].vector;
        if (!inline_sums_) return;
        operand_producers_ = {producer_of(operands_[0]), producer_of(operands_[1])};
        for (std::size_t operand : operands_) {
            Instruction& producer = instructions_[producer_of(operand)];
            const bool two_rows = producer.op == Op::lincomb && producer.arguments.size() == 2 &&
                                  registers_[producer.arguments[0]].vector && registers_[producer.arguments[1]].vector;
            bool read_by_instructions = false;
            for (const Instruction& instruction : instructions_)
                read_by_instructions = read_by_instructions ||
                                       std::find(instruction.arguments.begin(), instruction.arguments.end(), operand) !=
                                           instruction.arguments.end();
            producer.inlined = two_rows && !read_by_instructions;
        }
    }

    std::size_t producer_of(std::size_t value) const {
        for (std::size_t position = 0; position < instructions_.size(); ++position)
            if (instructions_[position].result == value) return position;
        TILESUM_ASSERT(false);
        return 0;
    }

    // For each odometer position p that moved (index p + 1; 0: a new block), the instructions to run, in order.
    void schedule_instructions() {
        recompute_.assign(loops_.size() + 1, {});
        for (int moved = -1; moved < static_cast<int>(loops_.size()); ++moved)
            for (std::size_t position = 0; position < instructions_.size(); ++position)
                if (!instructions_[position].inlined && registers_[instructions_[position].result].level >= moved)
                    recompute_[slot(moved)].push_back(position);
    }

    bool is_view(const Instruction& instruction) const {
        return (instruction.op == Op::load && leaves_[instruction.leaf].strides[vector_] == 1) || instruction.folded ||
               instruction.inlined;
    }

    Block allocate_row() {
        return Block{context_.arena.allocate(static_cast<std::size_t>(row_count_)), Shape{row_count_}};
    }

    void allocate_rows() {
        for (const Instruction& instruction : instructions_) {
            Register& value = registers_[instruction.result];
            if (value.vector && !is_view(instruction)) value.buffer = allocate_row();
        }
        accumulator_ = allocate_row();
        product_ = allocate_row();
        if (compensated()) {
            sum_ = allocate_row();
            compensation_ = allocate_row();
        }
    }

    bool compensated() const { return kernels::compensates(summed_iterations_); }

    // The work, by kind, for the cost model: each instruction once per change of its level, on a row or a number.
    void count_work() {
        std::vector<double> changes(loops_.size() + 1, 1.0);  // changes[p + 1]: how often position p moves
        for (std::size_t position = 0; position < loops_.size(); ++position) {
            const Loop& loop = loops_[position];
            const double whole = static_cast<double>(extents_[loop.label]);
            const double blocks = std::ceil(whole / static_cast<double>(loop.block ? loop.block : loop.step));
            changes[position + 1] = changes[position] * (loop.block ? whole / blocks : blocks);
        }
        const double vector_elements = static_cast<double>(vector_extent());
        const Extent block_count = (vector_extent() + row_count_ - 1) / row_count_;
        const auto blocks = static_cast<double>(block_count);
        double element_operations = 0;
        for (const Instruction& instruction : instructions_) {
            const Register& value = registers_[instruction.result];
            if (is_view(instruction)) continue;
            const double times = changes[slot(value.level)];
            element_operations += (value.vector ? times * vector_elements : times * blocks) * weight(instruction);
        }
        // The final accumulation reads each operand's rows (two for an inlined sum) and updates the accumulator.
        double accumulated_rows = 1;
        for (std::size_t operand = 0; operand < operands_.size(); ++operand)
            accumulated_rows += inline_sums_ && instructions_[operand_producers_[operand]].inlined ? 2 : 1;
        element_operations += changes.back() * vector_elements * accumulated_rows;
        context_.cost.flops += element_operations;
        context_.cost.work.fused_operations += element_operations;
    }

    // An instruction's operations per element, relative to a sum's: a libm function (exp, log, sin, a fractional
    // power) costs several. Measured (calibrate's "exp in a fused tile" check, which shows how well this holds):
    // the vectorized exp about 10 row operations' time; glibc's scalar log, sin and pow more.
    static double weight(const Instruction& instruction) {
        if (instruction.op != Op::function) return 1;
        const Node& node = *instruction.node;
        if (node.function == FunctionOp::exp) return 10;
        if (node.function == FunctionOp::power) return elementwise::multiplied(node.parameter) ? 1 : 16;
        if (node.function == FunctionOp::array_power) return 16;  // pow per element
        return is_transcendental(node.function) ? 16 : 1;
    }

    // --- Running it -------------------------------------------------------------------------------------------

    Extent leaf_offset(const Leaf& leaf, const std::vector<Extent>& index, Extent start) const {
        Extent offset = leaf.strides[vector_] * start;
        for (std::size_t position = 0; position < loops_.size(); ++position)
            offset += leaf.strides[loops_[position].label] * loops_[position].step * index[position];
        return offset;
    }

    void execute(const Instruction& instruction, const std::vector<Extent>& index, Extent start, Extent count) {
        Register& value = registers_[instruction.result];
        double* out = value.buffer.buffer ? value.buffer.data() : nullptr;
        switch (instruction.op) {
            case Op::load: {
                const Leaf& leaf = leaves_[instruction.leaf];
                const double* base = leaf.block.data() + leaf_offset(leaf, index, start);
                if (!value.vector) {
                    value.scalar = *base;
                } else if (leaf.strides[vector_] == 1) {
                    value.row = base;
                } else {
                    kernels::rows::gather(out, base, leaf.strides[vector_], count);
                    value.row = out;
                }
                return;
            }
            case Op::lincomb: {
                const std::vector<double>& coefficients = instruction.node->coefficients;
                if (!value.vector) {
                    value.scalar = coefficients[0] * registers_[instruction.arguments[0]].scalar;
                    for (std::size_t term = 1; term < instruction.arguments.size(); ++term)
                        value.scalar += coefficients[term] * registers_[instruction.arguments[term]].scalar;
                    return;
                }
                const auto& arguments = instruction.arguments;
                if (arguments.size() == 2 && registers_[arguments[0]].vector && registers_[arguments[1]].vector) {
                    const Register& first = registers_[arguments[0]];
                    const Register& second = registers_[arguments[1]];
                    kernels::rows::combine_terms(out, first.row, first.factor, coefficients[0], second.row,
                                                 second.factor, coefficients[1], count);
                    value.row = out;
                    return;
                }
                for (std::size_t term = 0; term < arguments.size(); ++term) {
                    const Register& argument = registers_[arguments[term]];
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
                    value.scalar = registers_[instruction.arguments[0]].scalar;
                    for (std::size_t factor = 1; factor < instruction.arguments.size(); ++factor)
                        value.scalar *= registers_[instruction.arguments[factor]].scalar;
                    return;
                }
                if (instruction.folded) {  // factor · row: the numbers in order, the row where it stands
                    bool first = true;
                    for (std::size_t argument : instruction.arguments) {
                        const Register& operand = registers_[argument];
                        const double number = operand.vector ? operand.factor : operand.scalar;
                        value.factor = first ? number : value.factor * number;
                        first = false;
                        if (operand.vector) value.row = operand.row;
                    }
                    return;
                }
                for (std::size_t factor = 0; factor < instruction.arguments.size(); ++factor) {
                    const Register& argument = registers_[instruction.arguments[factor]];
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
                        const Register& argument = registers_[instruction.arguments[next++]];
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
        if (inline_sums_) {
            std::array<kernels::rows::Term, 2> a{}, b{};
            const int a_terms = terms_of(operands_[0], a), b_terms = terms_of(operands_[1], b);
            kernels::rows::add_product_of_sums(accumulator_.data(), a.data(), a_terms, b.data(), b_terms, count);
            return 0;
        }
        double factor = 1.0;
        std::array<const double*, max_operands> rows{};
        std::size_t row_count = 0;
        for (std::size_t operand : operands_) {
            const Register& value = registers_[operand];
            if (value.vector) {
                rows[row_count++] = value.row;
                factor *= value.factor;
            } else {
                factor *= value.scalar;
            }
        }
        const bool summed_vector = !is_output_label(vector_);
        if (row_count == 0) {  // nothing varies along the vector label (its extent is 1 in this tile)
            if (summed_vector) return factor * static_cast<double>(count);
            kernels::rows::add_constant(accumulator_.data(), factor, count);
            return 0;
        }
        if (row_count == 2 && factor == 1.0) {
            if (summed_vector) return kernels::accurate_dot(rows[0], rows[1], count);
            kernels::rows::add_product(accumulator_.data(), rows[0], rows[1], count);
            return 0;
        }
        const double* row = rows[0];
        if (row_count > 1) {
            kernels::rows::scale(product_.data(), rows[0], 1.0, count);
            for (std::size_t other = 1; other < row_count; ++other)
                kernels::rows::multiply(product_.data(), rows[other], count);
            row = product_.data();
        }
        if (summed_vector) return factor * kernels::accurate_sum(row, count);
        kernels::rows::add_scaled(accumulator_.data(), row, factor, count);
        return 0;
    }

    // The terms of an operand for add_product_of_sums: its inlined sum's two rows, or itself.
    int terms_of(std::size_t operand, std::array<kernels::rows::Term, 2>& terms) const {
        const Instruction& producer = instructions_[operand_producers_[operand == operands_[0] ? 0 : 1]];
        if (!producer.inlined) {
            const Register& value = registers_[operand];
            terms[0] = {value.row, value.factor, 1.0};
            return 1;
        }
        for (std::size_t term = 0; term < 2; ++term) {
            const Register& value = registers_[producer.arguments[term]];
            terms[term] = {value.row, value.factor, producer.node->coefficients[term]};
        }
        return 2;
    }

    // Writes one finished output row (or number) at the output labels' current indices.
    void write_row(const std::vector<Extent>& index, Extent start, Extent count, double number) {
        const kernels::Strides strides = kernels::dense_strides(output_.shape);
        Extent offset = 0;
        for (std::size_t position = 0; position < output_positions_; ++position)
            offset += strides[loops_[position].label] * index[position];
        double* out = output_.data() + offset;
        if (!is_output_label(vector_)) {
            *out = number;
            return;
        }
        const double* row = compensated() ? sum_.data() : accumulator_.data();
        kernels::rows::copy_strided(out + strides[vector_] * start, strides[vector_], row, count);
    }

    // Whether the odometer is at the last summed index of the current output row.
    bool last_of_row(const std::vector<Extent>& index) const {
        for (std::size_t position = output_positions_; position < loops_.size(); ++position)
            if (index[position] + 1 < extent_at(position, index)) return false;
        return true;
    }

    void run_block(Extent start, Extent count) {
        std::vector<Extent> index(loops_.size(), 0);
        const bool summed_vector = !is_output_label(vector_);
        int moved = -1;  // the outermost odometer position that changed: registers at or below it are recomputed
        Extent pending = 0;
        double number = 0, number_compensation = 0;
        while (true) {
            if (moved < static_cast<int>(output_positions_)) {  // a new output row
                kernels::rows::fill(accumulator_.data(), 0.0, count);
                if (compensated() && !summed_vector) {
                    kernels::rows::fill(sum_.data(), 0.0, count);
                    kernels::rows::fill(compensation_.data(), 0.0, count);
                }
                number = number_compensation = 0;
                pending = 0;
            }
            for (std::size_t position : recompute_[slot(moved)]) execute(instructions_[position], index, start, count);
            const double contribution = accumulate(count);
            if (summed_vector && compensated()) {
                kernels::compensated_add(number, number_compensation, contribution);
            } else if (summed_vector) {
                number += contribution;
            } else if (compensated() && ++pending == kernels::naive_terms) {
                kernels::compensated_accumulate(sum_.data(), compensation_.data(), accumulator_.data(), count);
                kernels::rows::fill(accumulator_.data(), 0.0, count);
                pending = 0;
            }
            if (last_of_row(index)) {
                const double total = compensated() ? kernels::compensated_total(number, number_compensation) : number;
                finish_row(index, start, count, pending, total);
            }
            // Advance the odometer; `moved` is the outermost position that changed.
            int position = static_cast<int>(loops_.size()) - 1;
            while (position >= 0) {
                const auto at = static_cast<std::size_t>(position);
                if (++index[at] < extent_at(at, index)) break;
                index[at] = 0;
                --position;
            }
            if (position < 0) return;
            moved = position;
        }
    }

    void finish_row(const std::vector<Extent>& index, Extent start, Extent count, Extent pending, double number) {
        if (compensated() && !is_output_label(vector_)) return write_row(index, start, count, number);
        if (compensated()) {
            if (pending > 0)
                kernels::compensated_accumulate(sum_.data(), compensation_.data(), accumulator_.data(), count);
            kernels::finish_sum(sum_.data(), compensation_.data(), count);
        }
        write_row(index, start, count, number);
    }

    const Node& node_;
    const FusedContext& context_;
    const bool dry_;
    std::string labels_;           // the loop labels: output labels first, then summed ones
    std::vector<Extent> extents_;  // per loop label, in this tile
    std::vector<Leaf> leaves_;
    std::vector<Register> registers_;
    std::vector<Instruction> instructions_;  // in dependency order
    std::map<std::pair<const Node*, std::vector<int>>, std::size_t> memo_;
    std::vector<std::size_t> operands_;  // the einsum's operands' registers
    Block output_;
    std::size_t vector_ = 0;
    Extent row_count_ = 0;
    std::vector<Loop> loops_;  // the odometer, outermost first
    std::size_t output_positions_ = 0;
    Extent summed_iterations_ = 1;
    Block accumulator_, product_, sum_, compensation_;
    bool inline_sums_ = false;
    std::array<std::size_t, 2> operand_producers_{};
    std::vector<std::vector<std::size_t>> recompute_;
};

}  // namespace

void set_fused_evaluation(bool enabled) { fused_switch() = enabled; }
bool fused_evaluation() { return fused_switch(); }

bool fuses(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed) {
    if (!fused_evaluation() || node.kind != NodeKind::einsum || node.operands.size() > max_operands) return false;
    const std::vector<std::pair<char, Extent>> labels = loop_labels(node, ranges, summed);
    if (labels.empty() || labels.size() > 64) return false;
    double loop_elements = 1;
    for (const auto& [label, extent] : labels) loop_elements *= static_cast<double>(extent);
    const std::vector<Ranges> children = operand_ranges(node, ranges, summed);
    double fused_elements = 0;
    for (std::size_t position = 0; position < node.operands.size(); ++position)
        if (elementwise(*node.operands[position]))
            fused_elements += static_cast<double>(element_count(range_shape(children[position])));
    return fused_elements > 0 && loop_elements <= 2 * fused_elements;
}

Block evaluate_fused_einsum(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed,
                            const FusedContext& context) {
    return FusedEinsum(node, ranges, summed, context).run();
}

}  // namespace tilesum::eval
