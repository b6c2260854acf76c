// Pass: tiling, the search. The sizes of the largest tiles of an output whose every buffer (input slices, slices of
// every would-be intermediate, output slice) fits a share of the budget, measured by dry runs of the tile
// (cuttable.hpp), and among the ways of cutting, the one predicted fastest (cost_model.hpp).
#pragma once

#include <cstddef>
#include <string>

#include "engine/plan/cuttable.hpp"
#include "engine/plan/fit.hpp"

namespace tilesum::plan {

// Sizes over every axis of `cuttable`, or why none fit `budget_bytes`: output `name`'s smallest tile and the
// smallest budget that works.
Fit<Shape> choose_tile_sizes(const Cuttable& cuttable, const std::string& name, std::size_t budget_bytes,
                             const eval::Schedule& schedule, const MachineProfile& machine);

}  // namespace tilesum::plan
