// Plans made on shapes alone, for planner tests: a program, a budget, two threads, forced tile sizes and a strategy.
#pragma once

#include <map>

#include "engine/expr/program.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::testing {

inline constexpr std::size_t MiB = std::size_t{1} << 20;

inline plan::Plan plan_on_shapes(const expr::Program& program, std::size_t budget_bytes,
                                 std::map<char, Extent> forced = {},
                                 plan::Strategy strategy = plan::Strategy::automatic) {
    plan::PlanOptions options;
    options.strategy = strategy;
    options.budget_bytes = budget_bytes;
    options.threads = 2;
    options.forced_tiles = std::move(forced);
    return plan::make_plan(program, options);
}

}  // namespace tilesum::testing
