#include "engine/plan/tile_kind.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace tilesum::plan {

namespace {

bool has(const std::string& labels, char label) { return labels.find(label) != std::string::npos; }

}  // namespace

// The labels of each step by role, as TileEvaluator::contract_pair assigns them: a label of one operand that
// nothing later needs is summed out first (a reduction, not part of the GEMM); a label both share is batch when
// kept, summed otherwise; the rest are free.
TileKind tile_kind(const expr::Node& root, const eval::Schedule& schedule) {
    if (root.kind != expr::NodeKind::einsum || root.operands.size() < 2) return TileKind::materializing;
    const bool all_inputs = std::all_of(root.operands.begin(), root.operands.end(), [](const expr::NodePtr& operand) {
        return operand->kind == expr::NodeKind::input;
    });
    if (!all_inputs) return TileKind::materializing;
    std::vector<std::string> items = root.operand_labels;
    for (const auto& [first, second] : schedule.path_for(root)) {
        if (first >= second || second >= items.size()) return TileKind::materializing;
        std::string keep = root.output_labels;
        for (std::size_t other = 0; other < items.size(); ++other)
            if (other != first && other != second) keep += items[other];
        const std::string& left = items[first];
        const std::string& right = items[second];
        std::string batch, summed, left_free, right_free;
        for (char label : left) {
            const bool kept = has(keep, label);
            if (has(right, label))
                (kept ? batch : summed) += label;
            else if (kept)
                left_free += label;
        }
        for (char label : right)
            if (!has(left, label) && has(keep, label)) right_free += label;
        if (summed.empty() || left_free.empty() || right_free.empty()) return TileKind::materializing;
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(second));
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(first));
        items.push_back(batch + left_free + right_free);
    }
    return TileKind::gemm;
}

}  // namespace tilesum::plan
