// The naive evaluator: the whole DAG in memory, each einsum as one loop nest (kernels::reference_einsum).
// The ground truth for tests; never used by the engine.
#pragma once

#include <map>
#include <string>

#include "engine/expr/node.hpp"
#include "engine/kernels/reference_einsum.hpp"

namespace tilesum::eval {

using InputValues = std::map<std::string, kernels::DenseTensor>;

kernels::DenseTensor reference_evaluate(const expr::Node& root, const InputValues& inputs);

}  // namespace tilesum::eval
