// The exact contraction path search: dynamic programming over subsets of operands, for einsums of up to
// exact_operand_limit operands (contraction_path.hpp). Internal to engine/plan.
#pragma once

#include "engine/eval/schedule.hpp"
#include "engine/plan/path_problem.hpp"

namespace tilesum::plan::paths {

// The path with the fewest flops among those whose peak bytes fit `limit` (fewer peak bytes on ties); when none
// fits, the one with the smallest peak.
eval::ContractionPath exact_path(const Problem& problem, double limit);

}  // namespace tilesum::plan::paths
