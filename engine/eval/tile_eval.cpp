#include "engine/eval/tile_eval.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>

#include "engine/common/error.hpp"
#include "engine/eval/fused_einsum.hpp"
#include "engine/eval/operand_ranges.hpp"
#include "engine/kernels/block_ops.hpp"
#include "engine/kernels/elementwise_functions.hpp"

namespace tilesum::eval {

using expr::Node;
using expr::NodeKind;

namespace {

// Whether BLAS runs an (m x k) . (k x n) product at its matrix-matrix rate: when it uses each element it loads at
// least 8 times. Thinner ones (matrix-vector: no reuse) stream their operands from memory, like a reduction.
bool gemm_shaped(double m, double n, double k) { return m * n * k >= 8 * (m * k + k * n + m * n); }

// The cost model prices an elementwise function by the bytes it moves (its arrays read, its result written) at
// the elementwise rate, plus, for a libm call per element (exp, log, sin, ..., pow with a fractional exponent),
// this many bytes more per element: at the default 10 GB/s that is ~5 ns, what glibc's exp and log take on one
// x86-64 core (sin, cos and tanh take a little more, sqrt and integer powers a few cycles: counted as moves).
constexpr double transcendental_equivalent_bytes = 48;

bool calls_libm(const Node& function) {
    if (function.function == FunctionOp::power)
        return std::floor(function.parameter) != function.parameter || std::abs(function.parameter) > 64;
    return is_transcendental(function.function);
}

void collect(const Node& node, const Ranges& ranges, std::vector<LeafKey>& leaves,
             const std::map<char, Range>* summed = nullptr) {
    if (summed && node.kind == NodeKind::lincomb) {  // a slab of a sum of terms: each term's part of it
        std::vector<Ranges> children = operand_ranges(node, ranges);
        for (std::size_t position = 0; position < node.operands.size(); ++position)
            if (auto narrowed = term_slab(*node.operands[position], *summed))
                collect(*node.operands[position], children[position], leaves, narrowed->empty() ? nullptr : &*narrowed);
        return;
    }
    if (node.kind == NodeKind::input) {
        LeafKey key{&node, ranges};
        auto same = [&](const LeafKey& other) { return !(other < key) && !(key < other); };
        if (std::find_if(leaves.begin(), leaves.end(), same) == leaves.end()) leaves.push_back(std::move(key));
        return;
    }
    std::vector<Ranges> children = operand_ranges(node, ranges, summed);
    for (std::size_t position = 0; position < node.operands.size(); ++position)
        collect(*node.operands[position], children[position], leaves);
}

class TileEvaluator {
public:
    TileEvaluator(const LeafBlocks& leaves, Arena& arena, TileCost& cost, const Schedule& schedule)
        : leaves_(leaves), arena_(arena), cost_(cost), schedule_(schedule) {}

    // The root's tile; its summed labels may be narrowed to one slab of the reduction.
    Block evaluate_root(const Node& root, const TileSpec& tile) {
        if (tile.summed.empty()) return evaluate(root, tile.ranges);
        if (root.kind == NodeKind::lincomb) return evaluate_terms_slab(root, tile.ranges, tile.summed);
        TILESUM_ASSERT(root.kind == NodeKind::einsum);
        return evaluate_einsum(root, tile.ranges, &tile.summed);
    }

    Block evaluate(const Node& node, const Ranges& ranges) {
        switch (node.kind) {
            case NodeKind::input: {
                auto it = leaves_.find(LeafKey{&node, ranges});
                TILESUM_ASSERT(it != leaves_.end());
                return it->second;
            }
            case NodeKind::lincomb: return evaluate_elementwise(node, ranges);
            case NodeKind::product: return evaluate_elementwise(node, ranges);
            case NodeKind::function: return evaluate_function(node, ranges);
            case NodeKind::einsum: return evaluate_einsum(node, ranges);
        }
        TILESUM_ASSERT(false);
    }

private:
    Block allocate(Shape shape) {
        const Extent elements = element_count(shape);
        return Block{arena_.allocate(static_cast<std::size_t>(elements)), std::move(shape)};
    }

    // A sum or elementwise product: each operand evaluated and folded into one result buffer, then freed.
    // The first operand's own buffer becomes the result when nobody else holds it and it needs no broadcast.
    Block evaluate_elementwise(const Node& node, const Ranges& ranges) {
        std::vector<Ranges> children = operand_ranges(node, ranges);
        const Shape shape = range_shape(ranges);
        const Extent elements = element_count(shape);
        auto coefficient_of = [&](std::size_t position) {
            return node.kind == NodeKind::lincomb ? node.coefficients[position] : 1.0;
        };
        Block result;
        for (std::size_t position = 0; position < node.operands.size(); ++position) {
            Block operand = evaluate(*node.operands[position], children[position]);
            const double coefficient = coefficient_of(position);
            if (position == 0 && operand.shape == shape && operand.buffer.use_count() == 1) {
                result = std::move(operand);
                if (coefficient != 1.0 && !arena_.dry())
                    for (Extent element = 0; element < elements; ++element) result.data()[element] *= coefficient;
                cost_.flops += coefficient != 1.0 ? static_cast<double>(elements) : 0.0;
                cost_.work.elementwise_bytes += coefficient != 1.0 ? 16.0 * static_cast<double>(elements) : 0.0;
                continue;
            }
            if (position == 0) result = allocate(shape);
            kernels::Combine combine = position == 0                    ? kernels::Combine::assign
                                       : node.kind == NodeKind::product ? kernels::Combine::multiply
                                                                        : kernels::Combine::accumulate;
            if (!arena_.dry())
                kernels::broadcast_combine(combine, coefficient, operand.data(), operand.shape, result.data(),
                                           result.shape);
            cost_.flops += 2.0 * static_cast<double>(elements);
            // The operand is read; the result written, and read first unless this assigns it.
            cost_.work.elementwise_bytes +=
                static_cast<double>(sizeof(double)) *
                static_cast<double>(element_count(operand.shape) + (position == 0 ? 1 : 2) * elements);
        }
        return result;
    }

    // An elementwise function: its array operands' blocks evaluated (materialized, like a product's), then the
    // function applied into a new block, or in place of a unary function's operand block nobody else holds.
    Block evaluate_function(const Node& node, const Ranges& ranges) {
        std::vector<Ranges> children = operand_ranges(node, ranges);
        const Shape shape = range_shape(ranges);
        const Extent elements = element_count(shape);
        std::vector<Block> operands;
        double read_elements = 0;
        for (std::size_t position = 0; position < node.operands.size(); ++position) {
            operands.push_back(evaluate(*node.operands[position], children[position]));
            read_elements += static_cast<double>(element_count(operands.back().shape));
        }
        const bool in_place = operands.size() == 1 && node.constants.size() == 1 && operands[0].shape == shape &&
                              operands[0].buffer.use_count() == 1;
        Block result = in_place ? std::move(operands[0]) : allocate(shape);
        if (!arena_.dry()) {
            std::vector<kernels::FunctionArgument> arguments;
            std::size_t next_operand = 0;
            for (const std::optional<double>& constant : node.constants) {
                if (constant) {
                    arguments.push_back(kernels::FunctionArgument{nullptr, {}, *constant});
                    continue;
                }
                const Block& operand = in_place ? result : operands[next_operand];
                arguments.push_back(kernels::FunctionArgument{operand.data(), operand.shape, 0});
                ++next_operand;
            }
            kernels::apply_function(node.function, node.parameter, arguments, result.data(), result.shape);
        }
        const double count = static_cast<double>(elements);
        cost_.flops += count;
        cost_.work.elementwise_bytes += static_cast<double>(sizeof(double)) * (read_elements + count) +
                                        (calls_libm(node) ? transcendental_equivalent_bytes * count : 0.0);
        return result;
    }

    // One slab of a sum of terms (term_slab says which terms take part and how narrowed), folded into one buffer.
    Block evaluate_terms_slab(const Node& node, const Ranges& ranges, const std::map<char, Range>& summed) {
        std::vector<Ranges> children = operand_ranges(node, ranges);
        const Shape shape = range_shape(ranges);
        const Extent elements = element_count(shape);
        Block result = allocate(shape);
        bool assigned = false;
        for (std::size_t position = 0; position < node.operands.size(); ++position) {
            const Node& term = *node.operands[position];
            const std::optional<std::map<char, Range>> narrowed = term_slab(term, summed);
            if (!narrowed) continue;
            Block operand = narrowed->empty() ? evaluate(term, children[position])
                                              : evaluate_einsum(term, children[position], &*narrowed);
            if (!arena_.dry())
                kernels::broadcast_combine(assigned ? kernels::Combine::accumulate : kernels::Combine::assign,
                                           node.coefficients[position], operand.data(), operand.shape, result.data(),
                                           result.shape);
            cost_.flops += 2.0 * static_cast<double>(elements);
            assigned = true;
        }
        if (!assigned && !arena_.dry()) std::fill(result.data(), result.data() + elements, 0.0);
        return result;
    }

    struct Labelled {
        Block block;
        std::string labels;
    };

    // Sums out the labels of `operand` that are not in `keep`.
    Labelled sum_out(Labelled operand, const std::string& keep) {
        std::vector<bool> keep_axis;
        std::string kept;
        for (char label : operand.labels) {
            bool keep_label = keep.find(label) != std::string::npos;
            keep_axis.push_back(keep_label);
            if (keep_label) kept += label;
        }
        if (kept.size() == operand.labels.size()) return operand;
        Shape shape;
        for (std::size_t axis = 0; axis < keep_axis.size(); ++axis)
            if (keep_axis[axis]) shape.push_back(operand.block.shape[axis]);
        Block result = allocate(shape);
        // Compensations for long sums along outer axes (kernels::sum_axes): allocated here, so dry runs count them.
        const Extent scratch = kernels::sum_axes_scratch(operand.block.shape, keep_axis);
        Block compensation = scratch > 0 ? allocate({scratch}) : Block{};
        if (!arena_.dry())
            kernels::sum_axes(operand.block.data(), operand.block.shape, keep_axis, result.data(),
                              scratch > 0 ? compensation.data() : nullptr);
        cost_.flops += static_cast<double>(element_count(operand.block.shape));
        cost_.work.reduction_flops += static_cast<double>(element_count(operand.block.shape));
        return Labelled{std::move(result), kept};
    }

    // Whether `operand` already has its axes in the order of `labels`, as far as its bytes go: axes of extent 1
    // (a tile one index wide) may move freely without moving a byte.
    static bool in_order(const Labelled& operand, const std::string& labels) {
        if (operand.labels == labels) return true;
        std::vector<std::size_t> moved;
        for (char label : labels) {
            const std::size_t axis = operand.labels.find(label);
            if (operand.block.shape[axis] != 1) moved.push_back(axis);
        }
        return std::is_sorted(moved.begin(), moved.end());
    }

    // `operand` with its axes in the order of `labels` (a permutation of its labels); no copy when in_order.
    Block arrange(const Labelled& operand, const std::string& labels) {
        if (operand.labels == labels) return operand.block;
        std::vector<std::size_t> perm;
        Shape shape;
        for (char label : labels) {
            perm.push_back(operand.labels.find(label));
            shape.push_back(operand.block.shape[perm.back()]);
        }
        if (in_order(operand, labels)) return Block{operand.block.buffer, shape};
        Block result = allocate(shape);
        if (!arena_.dry()) kernels::permute(operand.block.data(), operand.block.shape, perm, result.data());
        cost_.work.elementwise_bytes += 2.0 * sizeof(double) * static_cast<double>(element_count(shape));  // no flops
        return result;
    }

    Extent extent_of(const Labelled& operand, const std::string& labels) {
        Extent product = 1;
        for (char label : labels) product *= operand.block.shape[operand.labels.find(label)];
        return product;
    }

    // The labels of a pairwise contraction by role: C (batch, left, right) = A (batch, left, summed) ·
    // B (batch, summed, right).
    struct PairLabels {
        std::string batch, left_free, summed, right_free;
        PairLabels(const std::string& left, const std::string& right, const std::string& keep) {
            for (char label : left) {
                const bool shared = right.find(label) != std::string::npos;
                const bool kept = keep.find(label) != std::string::npos;
                (shared ? (kept ? batch : summed) : left_free) += label;
            }
            for (char label : right)
                if (left.find(label) == std::string::npos) right_free += label;
        }
    };

    // Contracts two operands as a batched GEMM (transpose-transpose-GEMM). Each operand is copied into GEMM's
    // order only when it is in neither the plain nor the transposed order BLAS reads directly; the operands swap
    // roles when that yields the result in `preferred` order (the einsum's output, at its last step). `keep`
    // holds the labels still needed after this step.
    Labelled contract_pair(Labelled left, Labelled right, const std::string& keep, const std::string& preferred) {
        left = sum_out(std::move(left), keep + right.labels);
        right = sum_out(std::move(right), keep + left.labels);
        {
            const PairLabels roles(left.labels, right.labels, keep);
            const std::string swapped = roles.batch + roles.right_free + roles.left_free;
            if (swapped == preferred && swapped != roles.batch + roles.left_free + roles.right_free)
                std::swap(left, right);
        }
        const PairLabels roles(left.labels, right.labels, keep);
        const std::string& batch = roles.batch;

        const Extent batch_extent = extent_of(left, batch);
        const Extent m = extent_of(left, roles.left_free);
        const Extent k = extent_of(left, roles.summed);
        const Extent n = extent_of(right, roles.right_free);
        const std::string left_plain = batch + roles.left_free + roles.summed;
        const std::string left_flipped = batch + roles.summed + roles.left_free;
        const std::string right_plain = batch + roles.summed + roles.right_free;
        const std::string right_flipped = batch + roles.right_free + roles.summed;
        // Batched dot products (nothing free on either side) with an operand stored summed-major: a kernel that
        // reads both operands as they are (kernels::batched_dot) instead of transposing one.
        if (roles.left_free.empty() && roles.right_free.empty() && !batch.empty() && !roles.summed.empty()) {
            const std::string batch_major = batch + roles.summed, summed_major = roles.summed + batch;
            const bool left_summed_major = !in_order(left, batch_major) && in_order(left, summed_major);
            const bool right_summed_major = !in_order(right, batch_major) && in_order(right, summed_major);
            const bool left_direct = left_summed_major || in_order(left, batch_major);
            const bool right_direct = right_summed_major || in_order(right, batch_major);
            if ((left_summed_major || right_summed_major) && left_direct && right_direct) {
                Shape shape;
                for (char label : batch) shape.push_back(left.block.shape[left.labels.find(label)]);
                Block result = allocate(shape);
                if (!arena_.dry())
                    kernels::batched_dot(batch_extent, k, left.block.data(), left_summed_major, right.block.data(),
                                         right_summed_major, result.data());
                cost_.flops += 2.0 * static_cast<double>(batch_extent) * static_cast<double>(k);
                cost_.work.reduction_flops += 2.0 * static_cast<double>(batch_extent) * static_cast<double>(k);
                return Labelled{std::move(result), batch};
            }
        }
        const bool left_transposed = !in_order(left, left_plain) && in_order(left, left_flipped);
        const bool right_transposed = !in_order(right, right_plain) && in_order(right, right_flipped);
        // Each original is released as soon as its arranged copy exists: three operand-sized buffers at most.
        Block left_arranged = arrange(left, left_transposed ? left_flipped : left_plain);
        left.block = {};
        Block right_arranged = arrange(right, right_transposed ? right_flipped : right_plain);
        right.block = {};

        const std::string result_labels = batch + roles.left_free + roles.right_free;
        Shape shape;
        for (char label : batch + roles.left_free)
            shape.push_back(left_arranged.shape[(left_transposed ? left_flipped : left_plain).find(label)]);
        for (char label : roles.right_free)
            shape.push_back(right_arranged.shape[(right_transposed ? right_flipped : right_plain).find(label)]);
        Block result = allocate(shape);
        if (!arena_.dry())
            kernels::batched_gemm(batch_extent, m, n, k, {left_arranged.data(), left_transposed},
                                  {right_arranged.data(), right_transposed}, result.data());
        const double dm = static_cast<double>(m), dn = static_cast<double>(n), dk = static_cast<double>(k);
        const double flops = 2.0 * static_cast<double>(batch_extent) * dm * dn * dk;
        cost_.flops += flops;
        (gemm_shaped(dm, dn, dk) ? cost_.work.gemm_flops : cost_.work.reduction_flops) += flops;
        return Labelled{std::move(result), result_labels};
    }

    // Operands are contracted pairwise in the schedule's order (left to right without one). Each operand is
    // evaluated only when a step first needs it, so operands not yet reached hold no memory.
    Block evaluate_einsum(const Node& node, const Ranges& ranges, const std::map<char, Range>* summed = nullptr) {
        if (fuses(node, ranges, summed)) {
            const FusedContext context{leaves_, arena_, cost_,
                                       [this](const Node& operand, const Ranges& operand_ranges) {
                                           return evaluate(operand, operand_ranges);
                                       }};
            return evaluate_fused_einsum(node, ranges, summed, context);
        }
        std::vector<Ranges> children = operand_ranges(node, ranges, summed);
        const std::size_t count = node.operands.size();
        struct Item {
            std::optional<Labelled> value;  // empty until evaluated
            std::size_t operand = 0;
            std::string labels;
        };
        std::vector<Item> items;
        for (std::size_t position = 0; position < count; ++position)
            items.push_back(Item{std::nullopt, position, node.operand_labels[position]});
        auto materialize = [&](Item& item) -> Labelled {
            if (!item.value)
                item.value = Labelled{evaluate(*node.operands[item.operand], children[item.operand]), item.labels};
            Labelled value = std::move(*item.value);
            item.value.reset();
            return value;
        };

        for (const auto& [first, second] : schedule_.path_for(node)) {
            TILESUM_ASSERT(first < second && second < items.size());
            std::string keep = node.output_labels;
            for (std::size_t other = 0; other < items.size(); ++other)
                if (other != first && other != second) keep += items[other].labels;
            Labelled left = materialize(items[first]);
            Labelled right = materialize(items[second]);
            const bool last_step = items.size() == 2;
            Labelled result =
                contract_pair(std::move(left), std::move(right), keep, last_step ? node.output_labels : std::string());
            items.erase(items.begin() + static_cast<std::ptrdiff_t>(second));
            items.erase(items.begin() + static_cast<std::ptrdiff_t>(first));
            items.push_back(Item{std::nullopt, 0, result.labels});
            items.back().value = std::move(result);
        }
        TILESUM_ASSERT(items.size() == 1);
        Labelled accumulated = sum_out(materialize(items[0]), node.output_labels);
        return arrange(accumulated, node.output_labels);
    }

    const LeafBlocks& leaves_;
    Arena& arena_;
    TileCost& cost_;
    const Schedule& schedule_;
};

}  // namespace

std::vector<LeafKey> collect_leaves(const Node& root, const TileSpec& tile) {
    std::vector<LeafKey> leaves;
    collect(root, tile.ranges, leaves, tile.summed.empty() ? nullptr : &tile.summed);
    return leaves;
}

Block evaluate_tile(const Node& root, const TileSpec& tile, const LeafBlocks& leaves, Arena& arena, TileCost& cost,
                    const Schedule& schedule) {
    return TileEvaluator(leaves, arena, cost, schedule).evaluate_root(root, tile);
}

std::vector<LeafKey> collect_leaves(const std::vector<RootTile>& tiles) {
    std::vector<LeafKey> leaves;
    for (const RootTile& root_tile : tiles)
        collect(*root_tile.root, root_tile.tile.ranges, leaves,
                root_tile.tile.summed.empty() ? nullptr : &root_tile.tile.summed);
    return leaves;
}

}  // namespace tilesum::eval
