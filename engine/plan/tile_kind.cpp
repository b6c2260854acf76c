#include "engine/plan/tile_kind.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace tilesum::plan {

namespace {

bool has(const std::string& labels, char label) { return labels.find(label) != std::string::npos; }

struct StepRoles {
    std::string batch, summed, left_free, right_free;
};

// The labels of each pairwise step by role, as TileEvaluator::contract_pair assigns them: a label of one operand
// that nothing later needs is summed out first (a reduction, not part of the GEMM); a label both share is batch
// when kept, summed otherwise; the rest are free. std::nullopt unless `root` is an einsum of two or more inputs.
std::optional<std::vector<StepRoles>> step_roles(const expr::Node& root, const eval::Schedule& schedule) {
    if (root.kind != expr::NodeKind::einsum || root.operands.size() < 2) return std::nullopt;
    const bool all_inputs = std::all_of(root.operands.begin(), root.operands.end(), [](const expr::NodePtr& operand) {
        return operand->kind == expr::NodeKind::input;
    });
    if (!all_inputs) return std::nullopt;
    std::vector<StepRoles> steps;
    std::vector<std::string> items = root.operand_labels;
    for (const auto& [first, second] : schedule.path_for(root)) {
        if (first >= second || second >= items.size()) return std::nullopt;
        std::string keep = root.output_labels;
        for (std::size_t other = 0; other < items.size(); ++other)
            if (other != first && other != second) keep += items[other];
        const std::string& left = items[first];
        const std::string& right = items[second];
        StepRoles roles;
        for (char label : left) {
            const bool kept = has(keep, label);
            if (has(right, label))
                (kept ? roles.batch : roles.summed) += label;
            else if (kept)
                roles.left_free += label;
        }
        for (char label : right)
            if (!has(left, label) && has(keep, label)) roles.right_free += label;
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(first));
        items.push_back(roles.batch + roles.left_free + roles.right_free);
        steps.push_back(std::move(roles));
    }
    return steps;
}

// 256 summed rows of float64 packed per column of the free extent (OpenBLAS's GEMM_Q for double on x86-64).
constexpr std::size_t packed_rows = 256;

}  // namespace

TileKind tile_kind(const expr::Node& root, const eval::Schedule& schedule) {
    const std::optional<std::vector<StepRoles>> steps = step_roles(root, schedule);
    if (!steps) return TileKind::materializing;
    for (const StepRoles& roles : *steps)
        if (roles.summed.empty() || roles.left_free.empty() || roles.right_free.empty()) return TileKind::materializing;
    return TileKind::gemm;
}

constexpr Extent blas_panel_columns = 13824;
// The part of the packing that the fixed overhead above --memory (32 MiB, measured 18-21 MiB used) leaves room for,
// per tile in flight: products up to 2048 columns wide pack no more, so small budgets are not charged for it.
constexpr std::size_t blas_packing_in_fixed_overhead = std::size_t{4} << 20;

std::size_t blas_packing_bytes(const expr::Node& root, const eval::Schedule& schedule,
                               const std::map<char, Extent>& extents) {
    if (tile_kind(root, schedule) != TileKind::gemm) return 0;
    const std::vector<StepRoles> steps = *step_roles(root, schedule);
    auto extent_of = [&](const std::string& labels) {
        Extent product = 1;
        for (char label : labels) product *= extents.at(label);
        return product;
    };
    Extent widest = 0;
    for (const StepRoles& roles : steps)
        widest = std::max({widest, extent_of(roles.left_free), extent_of(roles.right_free)});
    // OpenBLAS packs panels at most GEMM_R columns wide (DGEMM_DEFAULT_R, 13824 on its Haswell and SkylakeX
    // kernels), whatever the product's width.
    const std::size_t packed =
        packed_rows * sizeof(double) * static_cast<std::size_t>(std::min<Extent>(widest, blas_panel_columns));
    return packed > blas_packing_in_fixed_overhead ? packed - blas_packing_in_fixed_overhead : 0;
}

}  // namespace tilesum::plan
