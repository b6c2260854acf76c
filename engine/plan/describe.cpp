#include <cstdio>

#include "engine/common/bytes.hpp"
#include "engine/expr/printer.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

namespace {

std::string flops_text(double flops) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", flops);
    return text;
}

}  // namespace

std::string describe(const Plan& plan) {
    std::string text = "plan: " + std::to_string(plan.outputs.size()) + " output(s), memory budget " +
                       format_bytes(static_cast<double>(plan.budget_bytes)) + ", " + std::to_string(plan.threads) +
                       " thread(s)\n";
    if (!plan.pieces.empty()) {
        text += "\nshared pieces (computed once, before the outputs; " +
                format_bytes(static_cast<double>(plan.piece_bytes)) + " of the budget):\n";
        for (const OutputPlan& piece : plan.pieces) {
            char line[64];
            std::snprintf(line, sizeof line, ", %s flops, %s read", flops_text(piece.flops).c_str(),
                          format_bytes(piece.bytes_read).c_str());
            text += "  " + piece.name + " " + format_shape(piece.root->shape) + " = " + expr::to_text(*piece.root) +
                    line + ", " + std::to_string(piece.tiling.tile_count()) + " tile(s)\n";
        }
    }
    for (const OutputPlan& output : plan.outputs) {
        const expr::Node& root = *output.root;
        text += "\noutput " + output.name + " " + format_shape(root.shape) + " " + dtype_name(root.dtype) + " = " +
                expr::to_text(root) + "\n";
        text += "  strategy:         " + std::string(strategy_name(output.strategy)) + "\n";
        if (!output.terms.empty()) {
            text += "  terms:            " + std::to_string(output.terms.size()) + "\n";
            for (const Term& term : output.terms) {
                std::string operands;
                for (const expr::NodePtr& input : term.inputs) operands += (operands.empty() ? "" : ", ") + input->name;
                char coefficient[32];
                std::snprintf(coefficient, sizeof coefficient, "%+g", term.coefficient);
                text += "    " + std::string(coefficient) + " * einsum('" + term.subscripts() + "', " + operands + ")\n";
            }
        }
        std::string tiled, sizes;
        for (std::size_t axis = 0; axis < root.shape.size(); ++axis) {
            std::string label = root.axis_labels[axis] ? std::string(1, root.axis_labels[axis]) : "axis" + std::to_string(axis);
            sizes += (sizes.empty() ? "" : " ") + label + "=" + std::to_string(output.tiling.tile_shape[axis]) + "/" +
                     std::to_string(root.shape[axis]);
            if (output.tiling.is_tiled(axis)) tiled += (tiled.empty() ? "" : ",") + label;
        }
        text += "  tiled index:      " + (tiled.empty() ? std::string("none (one tile)") : tiled) +
                (output.forced ? " (forced)" : "") + "\n";
        text += "  tile size:        " + (sizes.empty() ? std::string("scalar") : sizes) + "\n";
        if (output.tiling.is_chunked()) {
            std::string chunks;
            for (std::size_t position = 0; position < output.tiling.summed_labels.size(); ++position)
            {
                if (!chunks.empty()) chunks += ' ';
                chunks += output.tiling.summed_labels[position];
                chunks += '=';
                chunks += std::to_string(output.tiling.summed_tile[position]);
                chunks += '/';
                chunks += std::to_string(output.tiling.summed_extents[position]);
            }
            text += "  summed in chunks: " + chunks + " (" + std::to_string(output.tiling.chunk_count()) +
                    " partial results per output tile, added in order)\n";
        }
        text += "  tiles:            " + std::to_string(output.tiling.tile_count()) + ", up to " +
                std::to_string(output.tiles_in_flight) + " in flight\n";
        text += "  peak bytes:       " + format_bytes(static_cast<double>(output.peak_bytes)) + " per tile, " +
                format_bytes(static_cast<double>(output.peak_bytes) * output.tiles_in_flight) + " in flight\n";
        text += "  bytes read:       " + format_bytes(output.bytes_read) + " (" +
                format_bytes(output.strided_bytes_read) + " in column blocks)\n";
        text += "  flops:            " + flops_text(output.flops) + "\n";
        if (output.considered.size() > 1 || (!output.considered.empty() && !output.considered[0].feasible)) {
            text += "  strategies considered (predicted time = flops / " + flops_text(plan.machine.flops_per_second) +
                    " per s + row-block bytes / " + format_bytes(plan.machine.read_bytes_per_second) +
                    " per s + column-block bytes / " + format_bytes(plan.machine.strided_read_bytes_per_second) +
                    " per s):\n";
            for (const Candidate& candidate : output.considered) {
                text += "    " + std::string(strategy_name(candidate.strategy)) + ": ";
                if (!candidate.feasible) {
                    text += candidate.note + "\n";
                    continue;
                }
                char line[160];
                std::snprintf(line, sizeof line, "%s flops, %s read, %s peak per tile, predicted %.3g s%s\n",
                              flops_text(candidate.flops).c_str(), format_bytes(candidate.bytes_read).c_str(),
                              format_bytes(static_cast<double>(candidate.peak_bytes)).c_str(),
                              candidate.predicted_seconds, candidate.strategy == output.strategy ? "  <- chosen" : "");
                text += line;
            }
        }
        for (const expr::Node* node : expr::topological_order({output.root})) {
            auto path = plan.schedule.paths.find(node);
            if (path == plan.schedule.paths.end()) continue;
            std::string steps;
            for (const auto& [first, second] : path->second)
                steps += (steps.empty() ? "" : ", ") + std::string("(") + std::to_string(first) + ", " +
                         std::to_string(second) + ")";
            text += "  contraction path: " + steps + " for " + expr::to_text(*node) + "\n";
        }
    }
    return text;
}

}  // namespace tilesum::plan
