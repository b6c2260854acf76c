// The plan as JSON (`tilesum plan --json`), for scripts and for comparing plans: the same facts as describe().
#include <nlohmann/json.hpp>

#include "engine/expr/printer.hpp"
#include "engine/plan/contraction_path.hpp"
#include "engine/plan/expand.hpp"
#include "engine/plan/plan.hpp"
#include "engine/plan/plan_totals.hpp"

namespace tilesum::plan {

namespace {

using nlohmann::json;

json path_json(const eval::ContractionPath& path) {
    json steps = json::array();
    for (const auto& [first, second] : path) steps.push_back({first, second});
    return steps;
}

std::map<char, Extent> term_extents(const Term& term) { return expr::label_extents(term.operand_labels, term.inputs); }

// A term's best path over its inputs, the same the planner followed when it hoisted shared pieces out of it.
eval::ContractionPath term_path(const Term& term) {
    return term.inputs.size() < 3 ? eval::left_to_right_path(term.inputs.size())
                                  : choose_path(term.operand_labels, term.output_labels, term_extents(term));
}

json output_json(const OutputPlan& output) {
    json terms = json::array();
    for (std::size_t position = 0; position < output.terms.size(); ++position) {
        const Term& term = output.terms[position];
        json operands = json::array();
        for (const expr::NodePtr& input : term.inputs) operands.push_back(input->name);
        const eval::ContractionPath path = term_path(term);
        terms.push_back({{"output", output.name},
                         {"coefficient", term.coefficient},
                         {"subscripts", term.subscripts()},
                         {"operands", operands},
                         {"path", path_json(path)},
                         {"path_peak_bytes",
                          path_cost(term.operand_labels, term.output_labels, term_extents(term), path).peak_bytes}});
    }
    json tiles = json::object();
    for (std::size_t axis = 0; axis < output.tiling.extents.size(); ++axis) {
        const char label = output.root->axis_labels[axis];
        tiles[label ? std::string(1, label) : "axis" + std::to_string(axis)] = output.tiling.tile_shape[axis];
    }
    json slabs = json::object();
    for (std::size_t position = 0; position < output.tiling.summed_labels.size(); ++position)
        slabs[std::string(1, output.tiling.summed_labels[position])] = output.tiling.summed_tile[position];
    json considered = json::array();
    for (const Candidate& candidate : output.considered) {
        json entry = {{"strategy", strategy_name(candidate.strategy)}, {"feasible", candidate.feasible}};
        if (candidate.feasible) {
            entry["flops"] = candidate.flops;
            entry["bytes_read"] = candidate.bytes_read;
            entry["peak_bytes"] = candidate.peak_bytes;
            entry["predicted_seconds"] = candidate.predicted_seconds;
        } else {
            entry["reason"] = candidate.note;
        }
        considered.push_back(entry);
    }
    json described = {{"name", output.name},
                      {"scratch", output.scratch},
                      {"shape", output.root->shape},
                      {"dtype", dtype_name(output.root->dtype)},
                      {"expression", expr::to_text(*output.root)},
                      {"strategy", strategy_name(output.strategy)},
                      {"tile_sizes", tiles},
                      {"summed_slabs", slabs},
                      {"tiles", output.tiling.tile_count()},
                      {"tiles_in_flight", output.tiles_in_flight},
                      {"flops", output.flops},
                      {"bytes_read", output.bytes_read},
                      {"read_runs", output.read_runs},
                      {"gemm_flops", output.split.kernels.gemm_flops},
                      {"reduction_flops", output.split.kernels.reduction_flops},
                      {"elementwise_bytes", output.split.kernels.elementwise_bytes},
                      {"fused_operations", output.split.kernels.fused_operations},
                      {"fused_rows", output.split.kernels.fused_rows},
                      {"chunked_bytes_read", output.split.chunked_bytes_read},
                      {"filtered_bytes_read", output.split.filtered_bytes_read},
                      {"peak_bytes", output.peak_bytes},
                      {"predicted_seconds", output.predicted_seconds},
                      {"terms", terms},
                      {"considered", considered}};
    if (!output.strategy_note.empty()) described["strategy_note"] = output.strategy_note;
    // Elementwise functions, where expansion stops (tiled below): only when there are any, so other plans read
    // as before.
    json functions = json::array();
    for (const expr::Node* function : function_barriers(*output.root)) functions.push_back(expr::to_text(*function));
    if (!functions.empty()) described["functions"] = std::move(functions);
    return described;
}

}  // namespace

std::string describe_json(const Plan& plan) {
    json outputs = json::array();
    json terms = json::array();
    std::string strategy;
    for (const OutputPlan& output : plan.outputs) {
        json entry = output_json(output);
        for (const json& term : entry["terms"]) terms.push_back(term);
        const std::string name = strategy_name(output.strategy);
        strategy = strategy.empty() || strategy == name ? name : "mixed";
        outputs.push_back(std::move(entry));
    }
    // Shared pieces: computed once before the outputs, held in memory.
    json pieces = json::array();
    for (const OutputPlan& piece : plan.pieces)
        pieces.push_back({{"name", piece.name},
                          {"expression", expr::to_text(*piece.root)},
                          {"shape", piece.root->shape},
                          {"flops", piece.flops},
                          {"bytes_read", piece.bytes_read}});
    // Fused passes (fuse.hpp) stand in for their members' own passes.
    json passes = json::array();
    for (const FusedPass& pass : plan.passes) {
        json members = json::array();
        for (const PassMember& member : pass.members) members.push_back(plan.pieces[member.piece].name);
        passes.push_back({{"input", pass.input},
                          {"block", pass.block},
                          {"members", members},
                          {"tiles", pass.tile_count()},
                          {"peak_bytes", pass.peak_bytes},
                          {"flops", pass.flops},
                          {"bytes_read", pass.bytes_read},
                          {"read_runs", pass.read_runs},
                          {"predicted_seconds", pass.predicted_seconds},
                          {"separate_seconds", pass.separate_seconds}});
    }
    // Top level: the whole run (outputs run one after another, so peak is the largest output's in-flight peak).
    const PlanTotals totals = plan_totals(plan);
    json machine = {
        {"source", plan.machine.source}, {"measured", plan.machine.measured}, {"hostname", plan.machine.hostname}};
    for (const MachineNumber& number : machine_profile_numbers()) machine[number.key] = plan.machine.*number.member;
    json document = {{"strategy", strategy},
                     {"flops", totals.flops},
                     {"bytes_read", totals.bytes_read},
                     {"peak_bytes", totals.tile_peak_bytes},
                     {"memory_peak_bytes", totals.memory_peak_bytes},
                     {"predicted_seconds", totals.predicted_seconds},
                     {"budget_bytes", plan.budget_bytes},
                     {"piece_bytes", plan.piece_bytes},
                     {"chunk_cache_bytes", plan.chunk_cache_bytes},
                     {"chunk_cache_wanted_bytes", plan.chunk_cache_wanted_bytes},
                     {"chunk_cache_total_bytes", plan.chunk_cache_total_bytes},
                     {"threads", plan.threads},
                     {"machine", machine},
                     {"terms", terms},
                     {"shared_pieces", pieces},
                     {"fused_passes", passes},
                     {"outputs", outputs}};
    return document.dump(2) + "\n";
}

}  // namespace tilesum::plan
