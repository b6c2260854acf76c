#include "engine/plan/expand_outputs.hpp"

namespace tilesum::plan {

ExpandedOutputs expand_outputs(const expr::Program& program, Strategy strategy) {
    ExpandedOutputs expanded;
    FunctionLeaves leaves;  // one per program: two outputs' exp(X) are one leaf, which pieces may share
    for (const expr::NamedNode& named : program.outputs) {
        expanded.why_not.emplace_back();
        expanded.terms.push_back(
            strategy != Strategy::tile ? expand_terms(named.node, &expanded.why_not.back(), &leaves) : std::nullopt);
    }
    return expanded;
}

}  // namespace tilesum::plan
