// PlanData -> JSON (plan_json.hpp). Every field is written; plan_json_read.cpp reads each back.
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/plan/plan_json.hpp"
#include "engine/plan/plan_json_format.hpp"

namespace tilesum::plan {

namespace {

using nlohmann::json;

// nlohmann writes a finite double in the shortest form that reads back to the same bits; JSON has no infinity or
// NaN, so those are written as the strings "inf", "-inf" and "nan".
json number_json(double value) {
    if (std::isfinite(value)) return value;
    return std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

json numbers_json(const std::vector<double>& values) {
    json array = json::array();
    for (double value : values) array.push_back(number_json(value));
    return array;
}

const char* kind_name(expr::NodeKind kind) {
    switch (kind) {
        case expr::NodeKind::input: return "input";
        case expr::NodeKind::einsum: return "einsum";
        case expr::NodeKind::lincomb: return "lincomb";
        case expr::NodeKind::product: return "product";
        case expr::NodeKind::function: return "function";
    }
    return "input";
}

const char* part_text(expr::Part part) { return part == expr::Part::real ? "real" : "imag"; }

json node_json(const GraphNode& node) {
    json entry = {{"kind", kind_name(node.kind)},        {"shape", node.shape},
                  {"dtype", dtype_name(node.dtype)},     {"name", node.name},
                  {"chunk_shape", node.chunk_shape},     {"filtered", node.filtered},
                  {"operands", node.operands},           {"operand_labels", node.operand_labels},
                  {"output_labels", node.output_labels}, {"coefficients", numbers_json(node.coefficients)},
                  {"axis_labels", node.axis_labels},     {"piece", node.piece}};
    // Functions only, so plans without them read as before: the op by numpy's name, power's exponent (array
    // power's integer flag), and one entry per argument, a number or null for the next operand (power with one
    // argument, numpy's power of arrays with two).
    if (node.kind == expr::NodeKind::function) {
        entry["function"] = std::string(function_name(node.function));
        entry["parameter"] = number_json(node.parameter);
        json arguments = json::array();
        for (const std::optional<double>& constant : node.constants)
            arguments.push_back(constant ? number_json(*constant) : json(nullptr));
        entry["arguments"] = std::move(arguments);
    }
    if (node.diagonal_of)
        entry["diagonal_of"] = {{"base", node.diagonal_of->base},
                                {"base_shape", node.diagonal_of->base_shape},
                                {"axes", node.diagonal_of->axes},
                                {"base_chunk_shape", node.diagonal_of->base_chunk_shape}};
    // Slices only: plans of plain diagonals stay as they were.
    if (node.diagonal_of && !node.diagonal_of->starts.empty())
        entry["diagonal_of"]["starts"] = node.diagonal_of->starts;
    if (node.diagonal_of && !node.diagonal_of->steps.empty()) entry["diagonal_of"]["steps"] = node.diagonal_of->steps;
    if (node.diagonal_of && node.diagonal_of->reciprocal) entry["diagonal_of"]["reciprocal"] = true;
    if (node.diagonal_of && node.diagonal_of->base_dtype)
        entry["diagonal_of"]["base_dtype"] = dtype_name(*node.diagonal_of->base_dtype);
    return entry;
}

json named_ids_json(const std::vector<NamedId>& ids) {
    json array = json::array();
    for (const NamedId& id : ids) array.push_back({{"name", id.name}, {"node", id.node}});
    return array;
}

json parts_json(const std::map<std::string, expr::PartOf>& parts) {
    json object = json::object();
    for (const auto& [name, part] : parts) object[name] = {{"of", part.name}, {"part", part_text(part.part)}};
    return object;
}

json expression_json(const PlanData::Expression& expression) {
    json nodes = json::array();
    for (const GraphNode& node : expression.nodes) nodes.push_back(node_json(node));
    json complex_outputs = json::object();
    for (const auto& [name, dtype] : expression.complex_outputs) complex_outputs[name] = dtype_name(dtype);
    return {{"nodes", nodes},
            {"inputs", named_ids_json(expression.inputs)},
            {"views", named_ids_json(expression.views)},
            {"input_parts", parts_json(expression.input_parts)},
            {"output_parts", parts_json(expression.output_parts)},
            {"complex_outputs", complex_outputs}};
}

json tiling_json(const Tiling& tiling) {
    return {{"extents", tiling.extents},
            {"tile_shape", tiling.tile_shape},
            {"summed_labels", tiling.summed_labels},
            {"summed_extents", tiling.summed_extents},
            {"summed_tile", tiling.summed_tile}};
}

// The unit's fields that decide the bits; tiles_in_flight is added by execution_json.
json unit_computation_json(const UnitExecution& unit) {
    json fields = {{"name", unit.name}, {"root", unit.root}, {"tiling", tiling_json(unit.tiling)}};
    if (unit.scratch) fields["scratch"] = true;  // absent otherwise: plans saved before spills load unchanged
    return fields;
}

json pass_computation_json(const PassExecution& pass) {
    json members = json::array();
    for (const PassMember& member : pass.members)
        members.push_back({{"piece", member.piece}, {"labels", member.labels}});
    return {{"input", pass.input}, {"extents", pass.extents}, {"block", pass.block},
            {"members", members},  {"order", pass.order},     {"reuses_leaves", pass.reuses_leaves}};
}

json computation_parts_json(const PlanData::Execution& execution) {
    json paths = json::array();
    for (const auto& [node, path] : execution.paths) {
        json steps = json::array();
        for (const auto& [first, second] : path) steps.push_back({first, second});
        paths.push_back({{"node", node}, {"path", steps}});
    }
    json pieces = json::array(), outputs = json::array(), passes = json::array(), steps = json::array();
    for (const UnitExecution& piece : execution.pieces) pieces.push_back(unit_computation_json(piece));
    for (const UnitExecution& output : execution.outputs) outputs.push_back(unit_computation_json(output));
    for (const PassExecution& pass : execution.passes) passes.push_back(pass_computation_json(pass));
    for (const Plan::PieceStep& step : execution.piece_steps)
        steps.push_back({{"fused", step.fused}, {"index", step.index}});
    return {{"paths", paths}, {"pieces", pieces}, {"passes", passes}, {"piece_steps", steps}, {"outputs", outputs}};
}

json execution_json(const PlanData::Execution& execution) {
    json document = computation_parts_json(execution);
    auto add_in_flight = [](json& units, const auto& source) {
        for (std::size_t index = 0; index < source.size(); ++index)
            units[index]["tiles_in_flight"] = source[index].tiles_in_flight;
    };
    add_in_flight(document["pieces"], execution.pieces);
    add_in_flight(document["outputs"], execution.outputs);
    add_in_flight(document["passes"], execution.passes);
    document["budget_bytes"] = execution.budget_bytes;
    document["piece_bytes"] = execution.piece_bytes;
    document["chunk_cache_bytes"] = execution.chunk_cache_bytes;
    document["chunk_cache_total_bytes"] = execution.chunk_cache_total_bytes;
    document["threads"] = execution.threads;
    return document;
}

json split_json(const WorkSplit& split) {
    return {{"gemm_flops", number_json(split.kernels.gemm_flops)},
            {"reduction_flops", number_json(split.kernels.reduction_flops)},
            {"elementwise_bytes", number_json(split.kernels.elementwise_bytes)},
            {"fused_operations", number_json(split.kernels.fused_operations)},
            {"fused_rows", number_json(split.kernels.fused_rows)},
            {"chunked_bytes_read", number_json(split.chunked_bytes_read)},
            {"filtered_bytes_read", number_json(split.filtered_bytes_read)}};
}

json unit_report_json(const UnitReport& unit) {
    json terms = json::array();
    for (const TermData& term : unit.terms)
        terms.push_back({{"coefficient", number_json(term.coefficient)},
                         {"inputs", term.inputs},
                         {"operand_labels", term.operand_labels},
                         {"output_labels", term.output_labels}});
    json considered = json::array();
    for (const Candidate& candidate : unit.considered)
        considered.push_back({{"strategy", strategy_name(candidate.strategy)},
                              {"feasible", candidate.feasible},
                              {"note", candidate.note},
                              {"flops", number_json(candidate.flops)},
                              {"bytes_read", number_json(candidate.bytes_read)},
                              {"peak_bytes", candidate.peak_bytes},
                              {"predicted_seconds", number_json(candidate.predicted_seconds)}});
    return {{"strategy", strategy_name(unit.strategy)},
            {"terms", terms},
            {"considered", considered},
            {"strategy_note", unit.strategy_note},
            {"predicted_seconds", number_json(unit.predicted_seconds)},
            {"forced", unit.forced},
            {"chunk_note", unit.chunk_note},
            {"summed_chunk_note", unit.summed_chunk_note},
            {"peak_bytes", unit.peak_bytes},
            {"bytes_read", number_json(unit.bytes_read)},
            {"strided_bytes_read", number_json(unit.strided_bytes_read)},
            {"read_runs", number_json(unit.read_runs)},
            {"flops", number_json(unit.flops)},
            {"split", split_json(unit.split)}};
}

json machine_json(const MachineProfile& machine) {
    json document = {{"source", machine.source}, {"measured", machine.measured}, {"hostname", machine.hostname}};
    for (const MachineNumber& number : machine_profile_numbers())
        document[number.key] = number_json(machine.*number.member);
    return document;
}

json report_json(const PlanData::Report& report) {
    json pieces = json::array(), outputs = json::array(), passes = json::array();
    for (const UnitReport& piece : report.pieces) pieces.push_back(unit_report_json(piece));
    for (const UnitReport& output : report.outputs) outputs.push_back(unit_report_json(output));
    for (const PassReport& pass : report.passes)
        passes.push_back({{"peak_bytes", pass.peak_bytes},
                          {"flops", number_json(pass.flops)},
                          {"bytes_read", number_json(pass.bytes_read)},
                          {"read_runs", number_json(pass.read_runs)},
                          {"split", split_json(pass.split)},
                          {"predicted_seconds", number_json(pass.predicted_seconds)},
                          {"separate_seconds", number_json(pass.separate_seconds)}});
    return {{"machine", machine_json(report.machine)},
            {"pieces", pieces},
            {"passes", passes},
            {"outputs", outputs},
            {"chunk_cache_wanted_bytes", report.chunk_cache_wanted_bytes}};
}

}  // namespace

std::string plan_to_json(const PlanData& data) {
    json document = {{"format", plan_format_name},
                     {"version", data.format_version},
                     {"expression", expression_json(data.expression)},
                     {"execution", execution_json(data.execution)},
                     {"report", report_json(data.report)}};
    return document.dump(1);
}

std::string PlanData::to_json() const { return plan_to_json(*this); }

PlanData PlanData::from_json(const std::string& text, const std::string& source) {
    return plan_from_json(text, source);
}

std::string computation_json(const PlanData& data) {
    json document = {{"version", data.format_version},
                     {"expression", expression_json(data.expression)},
                     {"computation", computation_parts_json(data.execution)}};
    return document.dump();
}

}  // namespace tilesum::plan
