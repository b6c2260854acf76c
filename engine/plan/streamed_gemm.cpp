#include "engine/plan/streamed_gemm.hpp"

#include <algorithm>
#include <string>

namespace tilesum::plan {

namespace {

Extent ceil_div(Extent numerator, Extent denominator) { return (numerator + denominator - 1) / denominator; }

// Slabs thinner than this leave BLAS too little work per pass over C (it reads and writes C once per call, as it
// does once per 256 summed rows within a call: OpenBLAS's GEMM_Q for double).
constexpr Extent minimum_depth = 256;

// A smaller product (a Gram matrix of a few hundred columns) has too small a C to share among threads: the tile
// pipeline runs its slabs in parallel instead, and reads its inputs once either way.
constexpr Extent minimum_streamed_elements = Extent{1} << 20;

// Candidate C tiles: the extent cut into 1, 2, 3, ... equal parts (ceil), up to this many parts.
constexpr Extent most_parts = 1024;

}  // namespace

std::optional<StreamedGemm> streamed_gemm(const expr::Node& root) {
    if (root.kind != expr::NodeKind::einsum || root.operands.size() != 2 || root.output_labels.size() != 2)
        return std::nullopt;
    const std::string& out = root.output_labels;
    if (out[0] == out[1]) return std::nullopt;
    for (const expr::NodePtr& operand : root.operands)
        if (operand->kind != expr::NodeKind::input || operand->shape.size() != 2) return std::nullopt;
    const std::string& first = root.operand_labels[0];
    const std::string& second = root.operand_labels[1];
    if (first.size() != 2 || second.size() != 2 || first[0] == first[1] || second[0] == second[1]) return std::nullopt;
    // The label both share and the output lacks: the summed one.
    auto shared_summed = [&]() -> std::optional<char> {
        for (char label : first)
            if (second.find(label) != std::string::npos && out.find(label) == std::string::npos) return label;
        return std::nullopt;
    }();
    if (!shared_summed) return std::nullopt;
    const char summed = *shared_summed;
    const std::size_t row_operand = first.find(out[0]) != std::string::npos ? 0 : 1;
    const std::string& left = root.operand_labels[row_operand];
    const std::string& right = root.operand_labels[1 - row_operand];
    // Exactly {row, summed} on the left and {summed, column} on the right, nothing else.
    const bool left_ok = left.find(out[0]) != std::string::npos && left.find(summed) != std::string::npos;
    const bool right_ok = right.find(out[1]) != std::string::npos && right.find(summed) != std::string::npos;
    if (!left_ok || !right_ok) return std::nullopt;
    StreamedGemm gemm;
    gemm.left = root.operands[row_operand].get();
    gemm.right = root.operands[1 - row_operand].get();
    gemm.left_transposed = left[0] == summed;
    gemm.right_transposed = right[1] == summed;
    gemm.rows = root.shape[0];
    gemm.columns = root.shape[1];
    gemm.depth = gemm.left->shape[gemm.left_transposed ? 0 : 1];
    if (gemm.rows < 1 || gemm.columns < 1 || gemm.depth < 1) return std::nullopt;
    if (gemm.rows * gemm.columns < minimum_streamed_elements) return std::nullopt;
    return gemm;
}

GemmGrid gemm_grid(Extent rows, Extent columns) {
    constexpr Extent widest = 2048, highest = 1024, least_high = 64, fewest_blocks = 8;
    rows = std::max<Extent>(rows, 1);
    columns = std::max<Extent>(columns, 1);
    GemmGrid grid;
    grid.column_blocks = ceil_div(columns, widest);
    const Extent wanted_row_blocks = std::max(ceil_div(rows, highest), ceil_div(fewest_blocks, grid.column_blocks));
    // Equal parts (but the last), so that the blocks of a slab take their threads the same time.
    grid.block_columns = ceil_div(columns, grid.column_blocks);
    grid.block_rows = std::max(std::min(least_high, rows), ceil_div(rows, wanted_row_blocks));
    grid.row_blocks = ceil_div(rows, grid.block_rows);
    return grid;
}

std::size_t streamed_gemm_bytes(Extent rows, Extent columns, Extent depth) {
    const auto elements = static_cast<std::size_t>(rows * columns + 2 * depth * (rows + columns));
    return elements * sizeof(double);
}

namespace {

std::optional<Shape> sizes_with_depth(const StreamedGemm& gemm, std::size_t budget_bytes, const MachineProfile& machine,
                                      Extent least_depth) {
    // Reading time of a candidate: A (left) is read once per column of C tiles, B once per row of them; a panel of
    // an operand stored with the summed label last (A as rows x summed) comes in one run per row of the panel.
    auto read_rate = [&](const expr::Node& input) {
        return input.chunk_shape.empty() ? machine.read_bytes_per_second : machine.chunked_read_bytes_per_second;
    };
    const auto left_bytes = static_cast<double>(gemm.rows * gemm.depth) * sizeof(double);
    const auto right_bytes = static_cast<double>(gemm.depth * gemm.columns) * sizeof(double);
    std::optional<Shape> best;
    double best_seconds = 0;
    for (Extent row_parts = 1; row_parts <= std::min(gemm.rows, most_parts); ++row_parts) {
        const Extent rows = ceil_div(gemm.rows, row_parts);
        if (row_parts > 1 && ceil_div(gemm.rows, row_parts - 1) == rows) continue;  // same tiles as before
        for (Extent column_parts = 1; column_parts <= std::min(gemm.columns, most_parts); ++column_parts) {
            const Extent columns = ceil_div(gemm.columns, column_parts);
            if (column_parts > 1 && ceil_div(gemm.columns, column_parts - 1) == columns) continue;
            const std::size_t c_bytes = static_cast<std::size_t>(rows * columns) * sizeof(double);
            if (c_bytes >= budget_bytes) continue;
            const auto panel_row_bytes = static_cast<std::size_t>(2 * (rows + columns)) * sizeof(double);
            const Extent depth =
                std::min<Extent>(gemm.depth, static_cast<Extent>((budget_bytes - c_bytes) / panel_row_bytes));
            if (depth < std::min(gemm.depth, least_depth)) continue;
            const Extent slabs = ceil_div(gemm.depth, depth);
            const auto left_reads = static_cast<double>(ceil_div(gemm.columns, columns));
            const auto right_reads = static_cast<double>(ceil_div(gemm.rows, rows));
            // Runs: a panel is one run per row of its storage, or one when those rows are whole (consecutive).
            const auto row_parts_d = static_cast<double>(ceil_div(gemm.rows, rows));
            const auto column_parts_d = static_cast<double>(ceil_div(gemm.columns, columns));
            const auto slabs_d = static_cast<double>(slabs);
            const double left_runs =
                gemm.left_transposed ? (rows == gemm.rows ? slabs_d : static_cast<double>(gemm.depth) * row_parts_d)
                                     : (depth == gemm.depth ? row_parts_d : static_cast<double>(gemm.rows) * slabs_d);
            const double right_runs =
                gemm.right_transposed
                    ? (depth == gemm.depth ? column_parts_d : static_cast<double>(gemm.columns) * slabs_d)
                    : (columns == gemm.columns ? slabs_d : static_cast<double>(gemm.depth) * column_parts_d);
            const double seconds = left_reads * left_bytes / read_rate(*gemm.left) +
                                   right_reads * right_bytes / read_rate(*gemm.right) +
                                   (left_reads * left_runs + right_reads * right_runs) * machine.seconds_per_run;
            if (!best || seconds < best_seconds * (1 - 1e-9)) {
                best = Shape{rows, columns, depth};
                best_seconds = seconds;
            }
        }
    }
    return best;
}

}  // namespace

std::optional<Shape> streamed_gemm_sizes(const StreamedGemm& gemm, std::size_t budget_bytes,
                                         const MachineProfile& machine) {
    if (std::optional<Shape> sizes = sizes_with_depth(gemm, budget_bytes, machine, minimum_depth)) return sizes;
    // A budget too small for such slabs: thinner ones rather than none.
    return sizes_with_depth(gemm, budget_bytes, machine, 1);
}

}  // namespace tilesum::plan
