// The planning variants the plan tests use on each random script: the planner's own choice; as written and expanded
// under small budgets; and random forced tile sizes of output indices. Shared by tests/unit/test_plan_data.cpp and
// tests/plans/print_random_plans.cpp, so that the plans compared across compilers are the plans tested.
#pragma once

#include <random>
#include <vector>

#include "engine/expr/program.hpp"
#include "engine/plan/plan.hpp"
#include "tests/unit/random_script.hpp"

namespace tilesum::testing {

inline std::vector<plan::PlanOptions> plan_variants(const RandomScript& random, const expr::Program& program,
                                                    unsigned seed) {
    std::mt19937 rng(static_cast<std::mt19937::result_type>(seed) * 104729u);
    std::vector<plan::PlanOptions> variants(4);
    variants[1].strategy = plan::Strategy::tile;
    variants[2].strategy = plan::Strategy::expand;
    variants[1].budget_bytes = variants[2].budget_bytes = 2048 + rng() % 8192;
    for (plan::PlanOptions& options : variants) options.minimum_budget = 0;
    for (const expr::NamedNode& output : program.outputs)
        for (char label : output.node->axis_labels)
            if (label && rng() % 2)
                variants[3].forced_tiles[label] =
                    1 + static_cast<Extent>(rng() % static_cast<unsigned>(random.extents.at(label)));
    return variants;
}

}  // namespace tilesum::testing
