// Script -> DAG: resolves names, folds numeric constants, builds nodes through build.hpp, and finds the
// program's inputs (names read but never assigned) and outputs (names assigned but never read).
#pragma once

#include <functional>
#include <vector>

#include "engine/expr/program.hpp"
#include "engine/script/ast.hpp"

namespace tilesum::script {

using expr::InputSpec;
using expr::InputUse;
using expr::Program;

// The names the script reads but never assigns, in order of first use. Also rejects names read before
// their assignment and names assigned twice (Error{semantic} at the offending span).
std::vector<InputUse> find_inputs(const Script& script);

// Builds the DAG. `resolve` gives the shape and dtype of each input (it may throw for a missing dataset).
using InputResolver = std::function<InputSpec(const InputUse&)>;
Program bind(const Script& script, const InputResolver& resolve);

}  // namespace tilesum::script
