// Plan <-> PlanData: node pointers become indices into one table (in a fixed order of traversal, so the same plan
// gives the same data with any compiler or allocator), paths keyed by address become paths keyed by index.
#include "engine/plan/plan_data.hpp"

#include <unordered_map>

#include "engine/common/error.hpp"

namespace tilesum::plan {

namespace {

// Gives every node reachable from the roots it is shown an index, operands first, in the order they are met.
class GraphTable {
public:
    NodeId intern(const expr::NodePtr& node) {
        if (auto known = ids_.find(node.get()); known != ids_.end()) return known->second;
        GraphNode entry;
        for (const expr::NodePtr& operand : node->operands) entry.operands.push_back(intern(operand));
        entry.kind = node->kind;
        entry.shape = node->shape;
        entry.dtype = node->dtype;
        entry.name = node->name;
        entry.chunk_shape = node->chunk_shape;
        entry.filtered = node->filtered;
        entry.diagonal_of = node->diagonal_of;
        entry.piece = node->piece;
        entry.operand_labels = node->operand_labels;
        entry.output_labels = node->output_labels;
        entry.coefficients = node->coefficients;
        entry.function = node->function;
        entry.parameter = node->parameter;
        entry.constants = node->constants;
        entry.axis_labels = node->axis_labels;
        const NodeId id = nodes_.size();
        nodes_.push_back(std::move(entry));
        ids_.emplace(node.get(), id);
        by_id_.push_back(node.get());
        return id;
    }
    std::vector<GraphNode> take_nodes() { return std::move(nodes_); }
    const std::vector<const expr::Node*>& by_id() const { return by_id_; }

private:
    std::vector<GraphNode> nodes_;
    std::vector<const expr::Node*> by_id_;
    std::unordered_map<const expr::Node*, NodeId> ids_;
};

std::vector<NamedId> named_ids(const std::vector<expr::NamedNode>& named, GraphTable& table) {
    std::vector<NamedId> ids;
    for (const expr::NamedNode& entry : named) ids.push_back({entry.name, table.intern(entry.node)});
    return ids;
}

UnitExecution unit_execution(const OutputPlan& unit, GraphTable& table) {
    return {unit.name, table.intern(unit.root), unit.tiling, unit.tiles_in_flight, unit.scratch};
}

UnitReport unit_report(const OutputPlan& unit, GraphTable& table) {
    UnitReport report;
    static_cast<OutputReport&>(report) = unit;
    for (const Term& term : unit.terms) {
        TermData data{term.coefficient, {}, term.operand_labels, term.output_labels};
        for (const expr::NodePtr& input : term.inputs) data.inputs.push_back(table.intern(input));
        report.terms.push_back(std::move(data));
    }
    return report;
}

OutputPlan output_plan(const UnitExecution& execution, const UnitReport& report,
                       const std::vector<expr::NodePtr>& nodes) {
    OutputPlan unit;
    unit.name = execution.name;
    unit.root = nodes.at(execution.root);
    unit.tiling = execution.tiling;
    unit.tiles_in_flight = execution.tiles_in_flight;
    unit.scratch = execution.scratch;
    static_cast<OutputReport&>(unit) = report;
    for (const TermData& data : report.terms) {
        Term term{data.coefficient, {}, data.operand_labels, data.output_labels};
        for (NodeId input : data.inputs) term.inputs.push_back(nodes.at(input));
        unit.terms.push_back(std::move(term));
    }
    return unit;
}

std::vector<expr::NamedNode> named_nodes(const std::vector<NamedId>& ids, const std::vector<expr::NodePtr>& nodes) {
    std::vector<expr::NamedNode> named;
    for (const NamedId& id : ids) named.push_back({id.name, nodes.at(id.node)});
    return named;
}

}  // namespace

PlanData to_data(const Plan& plan, const expr::SplitProgram& program) {
    PlanData data;
    GraphTable table;
    // Outputs first: their nodes get the lowest indices, in the order the outputs were written.
    PlanData::Execution& execution = data.execution;
    for (const OutputPlan& output : plan.outputs) execution.outputs.push_back(unit_execution(output, table));
    for (const OutputPlan& piece : plan.pieces) execution.pieces.push_back(unit_execution(piece, table));
    for (const OutputPlan& output : plan.outputs) data.report.outputs.push_back(unit_report(output, table));
    for (const OutputPlan& piece : plan.pieces) data.report.pieces.push_back(unit_report(piece, table));
    PlanData::Expression& expression = data.expression;
    expression.inputs = named_ids(program.program.inputs, table);
    expression.views = named_ids(program.program.views, table);
    expression.input_parts = program.input_parts;
    expression.output_parts = program.output_parts;
    expression.complex_outputs = program.complex_outputs;
    // Only the paths of nodes the plan evaluates: the schedule also holds those of candidates the planner dropped.
    for (NodeId id = 0; id < table.by_id().size(); ++id)
        if (auto path = plan.schedule.paths.find(table.by_id()[id]); path != plan.schedule.paths.end())
            execution.paths[id] = path->second;
    expression.nodes = table.take_nodes();

    for (const FusedPass& pass : plan.passes) {
        execution.passes.push_back(
            {pass.input, pass.extents, pass.block, pass.members, pass.order, pass.reuses_leaves, pass.tiles_in_flight});
        data.report.passes.push_back({pass.peak_bytes, pass.flops, pass.bytes_read, pass.read_runs, pass.split,
                                      pass.predicted_seconds, pass.separate_seconds});
    }
    execution.piece_steps = plan.piece_steps;
    execution.budget_bytes = plan.budget_bytes;
    execution.piece_bytes = plan.piece_bytes;
    execution.chunk_cache_bytes = plan.chunk_cache_bytes;
    execution.chunk_cache_total_bytes = plan.chunk_cache_total_bytes;
    execution.threads = plan.threads;
    data.report.machine = plan.machine;
    data.report.chunk_cache_wanted_bytes = plan.chunk_cache_wanted_bytes;
    return data;
}

Instantiated instantiate(const PlanData& data) {
    const PlanData::Expression& expression = data.expression;
    const PlanData::Execution& execution = data.execution;
    TILESUM_ASSERT(execution.outputs.size() == data.report.outputs.size() &&
                   execution.pieces.size() == data.report.pieces.size() &&
                   execution.passes.size() == data.report.passes.size());
    std::vector<expr::NodePtr> nodes;
    nodes.reserve(expression.nodes.size());
    for (const GraphNode& entry : expression.nodes) {
        auto node = std::make_shared<expr::Node>();
        node->kind = entry.kind;
        node->shape = entry.shape;
        node->dtype = entry.dtype;
        node->name = entry.name;
        node->chunk_shape = entry.chunk_shape;
        node->filtered = entry.filtered;
        node->diagonal_of = entry.diagonal_of;
        node->piece = entry.piece;
        for (NodeId operand : entry.operands) {
            TILESUM_ASSERT(operand < nodes.size());
            node->operands.push_back(nodes[operand]);
        }
        node->operand_labels = entry.operand_labels;
        node->output_labels = entry.output_labels;
        node->coefficients = entry.coefficients;
        node->function = entry.function;
        node->parameter = entry.parameter;
        node->constants = entry.constants;
        node->axis_labels = entry.axis_labels;
        nodes.push_back(std::move(node));
    }

    Instantiated result;
    Plan& plan = result.plan;
    for (std::size_t index = 0; index < execution.pieces.size(); ++index)
        plan.pieces.push_back(output_plan(execution.pieces[index], data.report.pieces[index], nodes));
    for (std::size_t index = 0; index < execution.outputs.size(); ++index)
        plan.outputs.push_back(output_plan(execution.outputs[index], data.report.outputs[index], nodes));
    for (std::size_t index = 0; index < execution.passes.size(); ++index) {
        const PassExecution& pass = execution.passes[index];
        const PassReport& report = data.report.passes[index];
        FusedPass fused;
        fused.input = pass.input;
        fused.extents = pass.extents;
        fused.block = pass.block;
        fused.members = pass.members;
        fused.order = pass.order;
        fused.reuses_leaves = pass.reuses_leaves;
        fused.tiles_in_flight = pass.tiles_in_flight;
        fused.peak_bytes = report.peak_bytes;
        fused.flops = report.flops;
        fused.bytes_read = report.bytes_read;
        fused.read_runs = report.read_runs;
        fused.split = report.split;
        fused.predicted_seconds = report.predicted_seconds;
        fused.separate_seconds = report.separate_seconds;
        plan.passes.push_back(std::move(fused));
    }
    plan.piece_steps = execution.piece_steps;
    plan.piece_bytes = execution.piece_bytes;
    plan.chunk_cache_bytes = execution.chunk_cache_bytes;
    plan.chunk_cache_wanted_bytes = data.report.chunk_cache_wanted_bytes;
    plan.chunk_cache_total_bytes = execution.chunk_cache_total_bytes;
    for (const auto& [id, path] : execution.paths) plan.schedule.paths[nodes.at(id).get()] = path;
    plan.machine = data.report.machine;
    plan.budget_bytes = execution.budget_bytes;
    plan.threads = execution.threads;

    expr::SplitProgram& program = result.program;
    program.program.inputs = named_nodes(expression.inputs, nodes);
    program.program.views = named_nodes(expression.views, nodes);
    for (const OutputPlan& output : plan.outputs) program.program.outputs.push_back({output.name, output.root});
    program.input_parts = expression.input_parts;
    program.output_parts = expression.output_parts;
    program.complex_outputs = expression.complex_outputs;
    return result;
}

std::string explain(const PlanData& data) { return describe(instantiate(data).plan); }

std::string PlanData::explain() const { return plan::explain(*this); }

}  // namespace tilesum::plan
