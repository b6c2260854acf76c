// Pass: shared pieces. The steps of the outputs' terms that become pieces under a policy (hoist.hpp), computed once
// before the outputs, with the terms reading them in their place; and, once outputs are planned, the pieces they
// read. Done for every output before anything is tiled, so that pieces are shared across outputs and their memory
// is known: it comes out of the budget of everything else.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/plan/expand_outputs.hpp"
#include "engine/plan/hoist.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

struct SharedTerms {
    PieceRegistry registry;
    std::vector<std::optional<std::vector<Term>>> expanded;  // per output: its terms with pieces in place
};

// The pieces of `expanded` under `policy`, within `piece_budget_bytes` of memory. A term that sums a label the user
// forced a tile size of (`forced_labels`) stays in its output, so that the output is tiled as asked.
SharedTerms share_pieces(const ExpandedOutputs& expanded, std::size_t piece_budget_bytes, PiecePolicy policy,
                         const std::string& forced_labels = "");

// The pieces the planned outputs read, directly or through other pieces, in their original order.
std::vector<const SharedPiece*> pieces_in_use(const PieceRegistry& registry, const std::vector<OutputPlan>& outputs);

}  // namespace tilesum::plan
