// Pass: strategy choice. Per output, the expression as written (tile) and its expansion into terms (expand) are
// each tiled (tile_output.hpp); under --strategy auto the one predicted faster that fits is kept, and every
// candidate considered is recorded with why it lost or did not fit, for `tilesum plan`.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/plan/fit.hpp"
#include "engine/plan/tile_output.hpp"

namespace tilesum::plan {

// Output `named` planned under options.strategy, or why no candidate fits (the first candidate's reason).
// `expanded` holds its terms as evaluated (pieces hoisted) and `terms` the same over inputs (for people and --json),
// or nothing when it cannot be expanded, and then `why_not_expanded` says why.
Fit<TiledRoot> choose_strategy(const expr::NamedNode& named, const std::optional<std::vector<Term>>& expanded,
                               const std::optional<std::vector<Term>>& terms, const std::string& why_not_expanded,
                               const PlanOptions& options, std::set<char>& forced_used);

}  // namespace tilesum::plan
