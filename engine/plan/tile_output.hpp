// Pass: tiling. An output or a piece (the expression as written, or its expanded terms) planned under a budget:
// its contraction paths, its tile sizes (forced, or chosen and aligned to the inputs' chunks), tiles in flight and
// its predicted cost.
#pragma once

#include <set>
#include <string>

#include "engine/eval/schedule.hpp"
#include "engine/plan/fit.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

struct TiledRoot {
    OutputPlan output;
    eval::Schedule schedule;  // the contraction paths of its einsums
};

// `root` tiled as `name` under `options` (budget, machine, forced tile sizes: the labels they name are added to
// `forced_used`), or why it does not fit: its smallest tile, or a forced tile, is over the budget.
Fit<TiledRoot> tile_root(const std::string& name, const expr::NodePtr& root, Strategy strategy,
                         const PlanOptions& options, std::set<char>& forced_used);

}  // namespace tilesum::plan
