#include "engine/api/planning.hpp"

#include <set>

#include "engine/common/error.hpp"
#include "engine/expr/build.hpp"
#include "engine/expr/complex_split.hpp"
#include "io/hdf5_chunk_cache_facts.hpp"

namespace tilesum {

namespace {

void collect_input(const expr::NodePtr& node, std::vector<expr::NamedNode>& inputs);

void collect_inputs(const expr::NodePtr& node, std::set<const expr::Node*>& seen,
                    std::vector<expr::NamedNode>& inputs) {
    if (!seen.insert(node.get()).second) return;
    for (const expr::NodePtr& operand : node->operands) collect_inputs(operand, seen, inputs);
    if (node->kind != expr::NodeKind::input) return;
    // A diagonal view (einsum('ii->i', A)) reads its base input, which the plan binds by the base's name.
    expr::NodePtr input_node = node;
    if (node->diagonal_of) {
        const expr::DiagonalView& view = *node->diagonal_of;
        input_node =
            expr::make_input(view.base, view.base_shape, view.base_dtype.value_or(node->dtype), view.base_chunk_shape);
    }
    collect_input(input_node, inputs);
}

void collect_input(const expr::NodePtr& node, std::vector<expr::NamedNode>& inputs) {
    for (const expr::NamedNode& input : inputs) {
        if (input.name != node->name) continue;
        const expr::Node& other = *input.node;
        if (other.shape != node->shape || other.dtype != node->dtype || other.chunk_shape != node->chunk_shape)
            fail(ErrorKind::usage, "two different inputs are named '" + node->name + "': " + format_shape(other.shape) +
                                       " " + dtype_name(other.dtype) + " and " + format_shape(node->shape) + " " +
                                       dtype_name(node->dtype));
        return;
    }
    inputs.push_back({node->name, node});
}

// The inputs the outputs read (diagonal views read theirs), each name once, in order of first use.
std::vector<expr::NamedNode> find_inputs(const std::vector<expr::NamedNode>& outputs) {
    std::set<const expr::Node*> seen;
    std::vector<expr::NamedNode> inputs;
    for (const expr::NamedNode& output : outputs) collect_inputs(output.node, seen, inputs);
    return inputs;
}

}  // namespace

plan::ChunkCacheTraits hdf5_chunk_cache_traits() {
    const io::Hdf5ChunkCacheFacts facts = io::hdf5_chunk_cache_facts();
    return {facts.default_bytes, facts.memory_factor};
}

Plan make_plan(const std::vector<Output>& outputs, const PlanOptions& options) {
    if (outputs.empty()) fail(ErrorKind::usage, "nothing to plan: give at least one output");
    expr::Program program;
    std::set<std::string> names;
    for (const Output& output : outputs) {
        if (output.name.empty()) fail(ErrorKind::usage, "an output needs a name");
        if (!names.insert(output.name).second) fail(ErrorKind::usage, "two outputs are named '" + output.name + "'");
        program.outputs.push_back({output.name, output.tensor.node()});
    }
    program.inputs = find_inputs(program.outputs);
    for (const expr::NamedNode& input : program.inputs)
        if (names.count(input.name)) fail(ErrorKind::usage, "'" + input.name + "' names both an input and an output");
    program.views = expr::find_views(program.outputs);
    const expr::SplitProgram split = expr::split_complex(program);
    PlanOptions with_storage = options;
    with_storage.chunk_caches = hdf5_chunk_cache_traits();
    return plan::to_data(plan::make_plan(split.program, with_storage), split);
}

}  // namespace tilesum
