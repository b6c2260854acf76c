// The plan as a Graphviz graph (`tilesum plan --dot | dot -Tsvg > plan.svg`): inputs, shared pieces (grouped by the
// pass that computes them together), the terms of expanded outputs, and the outputs with their tiled indices, tile
// counts, peak bytes and bytes read; edges say who reads whom.
#pragma once

#include <string>

#include "engine/plan/plan_data.hpp"

namespace tilesum::plan {

std::string plan_dot(const PlanData& data);

}  // namespace tilesum::plan
