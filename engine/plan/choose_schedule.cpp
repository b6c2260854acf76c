#include "engine/plan/choose_schedule.hpp"

#include <algorithm>
#include <map>

#include "engine/plan/contraction_path.hpp"

namespace tilesum::plan {

// Not the budget alone: over data larger than memory no full-size path fits it, tiling shrinks every path's peak
// alike, and the cheapest path would be given up for nothing. What tiling cannot undo cheaply is a path whose
// intermediates outgrow its operands (an outer product before its reduction).
eval::Schedule choose_schedule(const expr::NodePtr& root, std::size_t budget_bytes) {
    eval::Schedule schedule;
    for (const expr::Node* node : expr::topological_order({root})) {
        if (node->kind != expr::NodeKind::einsum || node->operands.size() < 3) continue;
        const std::map<char, Extent> extents = expr::label_extents(node->operand_labels, node->operands);
        double operand_bytes = 0;
        for (const expr::NodePtr& operand : node->operands)
            operand_bytes += static_cast<double>(element_count(operand->shape)) * sizeof(double);
        PathOptions path_options;
        path_options.memory_limit_bytes = std::max(static_cast<double>(budget_bytes), 2 * operand_bytes);
        schedule.paths[node] = choose_path(node->operand_labels, node->output_labels, extents, path_options);
    }
    return schedule;
}

}  // namespace tilesum::plan
