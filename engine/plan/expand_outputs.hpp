// Pass: expand choice. Every output of the program as a sum of terms (expand.hpp), unless --strategy tile asks
// for the expressions as written; an output that cannot be expanded keeps the reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/expr/program.hpp"
#include "engine/plan/expand.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

struct ExpandedOutputs {
    std::vector<std::optional<std::vector<Term>>> terms;  // per output: its terms over inputs, or nothing
    std::vector<std::string> why_not;                     // per output without terms, why (expand_terms)
};

ExpandedOutputs expand_outputs(const expr::Program& program, Strategy strategy);

}  // namespace tilesum::plan
