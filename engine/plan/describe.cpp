#include <algorithm>
#include <cstdio>

#include "engine/common/bytes.hpp"
#include "engine/common/printf_string.hpp"
#include "engine/expr/printer.hpp"
#include "engine/plan/contraction_path.hpp"
#include "engine/plan/expand.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

namespace {

std::string flops_text(double flops) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", flops);
    return text;
}

// The order pieces run in, and which share one pass over an input (fuse.hpp) with its predicted gain.
std::string describe_piece_steps(const Plan& plan) {
    if (plan.passes.empty()) return "";
    std::string text = "  run as:\n";
    for (const Plan::PieceStep& step : plan.piece_steps) {
        if (!step.fused) {
            text += "    " + plan.pieces[step.index].name + " alone\n";
            continue;
        }
        const FusedPass& pass = plan.passes[step.index];
        std::string members, block;
        for (const PassMember& member : pass.members) {
            if (!members.empty()) members += ", ";
            members += plan.pieces[member.piece].name;
        }
        for (std::size_t axis = 0; axis < pass.block.size(); ++axis) {
            if (axis > 0) block += "x";
            block += std::to_string(pass.block[axis]);
        }
        text += "    " + members +
                printf_string(
                    " in one pass over %s: blocks %s, %lld tiles, %s peak per tile, %s read, predicted "
                    "%.3g s (%.3g s as separate passes)\n",
                    pass.input.c_str(), block.c_str(), static_cast<long long>(pass.tile_count()),
                    format_bytes(static_cast<double>(pass.peak_bytes)).c_str(), format_bytes(pass.bytes_read).c_str(),
                    pass.predicted_seconds, pass.separate_seconds);
    }
    return text;
}

}  // namespace

std::string describe(const Plan& plan) {
    const auto spills = static_cast<std::size_t>(std::count_if(
        plan.outputs.begin(), plan.outputs.end(), [](const OutputPlan& output) { return output.scratch; }));
    std::string text = "plan: " + std::to_string(plan.outputs.size() - spills) + " output(s)";
    if (spills > 0) text += ", " + std::to_string(spills) + " intermediate(s) spilled to scratch";
    text += ", memory budget " + format_bytes(static_cast<double>(plan.budget_bytes)) + ", " +
            std::to_string(plan.threads) + " thread(s)\n";
    // Which numbers the predicted times below rest on: a measured profile or the built-in guesses.
    text += "machine profile: " + plan.machine.source +
            (plan.machine.measured.empty() ? "" : " (measured " + plan.machine.measured + ")") + "\n";
    if (!plan.pieces.empty()) {
        text += "\nshared pieces (computed once, before the outputs; " +
                format_bytes(static_cast<double>(plan.piece_bytes)) + " of the budget):\n";
        for (std::size_t index = 0; index < plan.pieces.size(); ++index) {
            const OutputPlan& piece = plan.pieces[index];
            const std::string line = printf_string(", %s flops, %s read", flops_text(piece.flops).c_str(),
                                                   format_bytes(piece.bytes_read).c_str());
            // A fused piece's own plan is what the pass replaced: say so, the pass's figures are under "run as".
            bool fused = false;
            for (const FusedPass& pass : plan.passes)
                for (const PassMember& member : pass.members) fused = fused || member.piece == index;
            text += "  " + piece.name + " " + format_shape(piece.root->shape) + " = " + expr::to_text(*piece.root) +
                    line + ", " + std::to_string(piece.tiling.tile_count()) + " tile(s)" +
                    (fused ? " if alone (fused below)\n" : "\n");
        }
        text += describe_piece_steps(plan);
    }
    if (!plan.chunk_cache_bytes.empty()) {
        // Inputs whose chunks tiles read in part: a cache holding them reads (decompresses) each chunk once.
        text += "\nHDF5 chunk caches: ";
        bool first = true;
        for (const auto& [name, bytes] : plan.chunk_cache_bytes) {
            if (!first) text += ", ";
            first = false;
            text.append(name).append(" ").append(format_bytes(static_cast<double>(bytes)));
            auto wanted = plan.chunk_cache_wanted_bytes.find(name);
            if (wanted == plan.chunk_cache_wanted_bytes.end() || wanted->second <= bytes) {
                text += " (tiles split its chunks)";
            } else {
                text.append(" (HDF5's default; the chunks its tiles split need ")
                    .append(format_bytes(static_cast<double>(wanted->second)))
                    .append(", which does not fit)");
            }
        }
        text += ", taken from the budget";
        std::size_t cache_bytes = 0;
        for (const auto& [name, bytes] : plan.chunk_cache_bytes) cache_bytes += bytes;
        if (cache_bytes != plan.chunk_cache_total_bytes)
            text.append(" (")
                .append(format_bytes(static_cast<double>(plan.chunk_cache_total_bytes)))
                .append(" of memory: a cached chunk may take twice its size)");
        text += "\n";
    }
    for (const OutputPlan& output : plan.outputs) {
        const expr::Node& root = *output.root;
        text.append(output.scratch ? "\nspilled " : "\noutput ")
            .append(output.name + " " + format_shape(root.shape) + " " + dtype_name(root.dtype) + " = ")
            .append(expr::to_text(root) + "\n");
        if (output.scratch)
            text += "  written to:       scratch beside the output (" +
                    format_bytes(static_cast<double>(element_count(root.shape)) * sizeof(double)) +
                    "), read back by the outputs after it, removed at the end\n";
        text += "  strategy:         " + std::string(strategy_name(output.strategy));
        if (!output.strategy_note.empty()) text.append(" (").append(output.strategy_note).append(")");
        text += "\n";
        if (!output.terms.empty()) {
            text += "  terms:            " + std::to_string(output.terms.size()) + "\n";
            for (const Term& term : output.terms) {
                std::string operands;
                for (const expr::NodePtr& input : term.inputs) operands += (operands.empty() ? "" : ", ") + input->name;
                char coefficient[32];
                std::snprintf(coefficient, sizeof coefficient, "%+g", term.coefficient);
                text +=
                    "    " + std::string(coefficient) + " * einsum('" + term.subscripts() + "', " + operands + ")\n";
            }
        }
        for (const expr::Node* function : function_barriers(root))
            text.append("  function:         ")
                .append(expr::to_text(*function))
                .append(output.split.kernels.fused_operations > 0
                            ? ": not expanded below, evaluated tile by tile (fused: rows, no operand slice stored)\n"
                            : ": not expanded below, evaluated tile by tile (operands materialized per tile)\n");
        std::string tiled, sizes;
        for (std::size_t axis = 0; axis < root.shape.size(); ++axis) {
            std::string label = root.axis_labels[axis] ? std::string(1, root.axis_labels[axis])
                                                       : "axis" + std::to_string(axis);
            sizes += (sizes.empty() ? "" : " ") + label + "=" + std::to_string(output.tiling.tile_shape[axis]) + "/" +
                     std::to_string(root.shape[axis]);
            if (output.tiling.is_tiled(axis)) tiled += (tiled.empty() ? "" : ",") + label;
        }
        text += "  tiled index:      " + (tiled.empty() ? std::string("none (one tile)") : tiled) +
                (output.forced ? " (forced)" : "") + "\n";
        text += "  tile size:        " + (sizes.empty() ? std::string("scalar") : sizes);
        // append() rather than `" (" + note`: GCC 12 reports a false -Wrestrict on the latter (GCC bug 105329).
        if (!output.chunk_note.empty()) text.append(" (").append(output.chunk_note).append(")");
        text += "\n";
        if (output.tiling.summed_in_slabs()) {
            std::string slabs;
            for (std::size_t position = 0; position < output.tiling.summed_labels.size(); ++position) {
                if (!slabs.empty()) slabs += ' ';
                slabs += output.tiling.summed_labels[position];
                slabs += '=';
                slabs += std::to_string(output.tiling.summed_tile[position]);
                slabs += '/';
                slabs += std::to_string(output.tiling.summed_extents[position]);
            }
            text += "  summed in slabs:  " + slabs + " (" + std::to_string(output.tiling.slab_count()) +
                    " partial results per output tile, added in order";
            if (!output.summed_chunk_note.empty()) text.append("; ").append(output.summed_chunk_note);
            text += ")\n";
        }
        text += "  tiles:            " + std::to_string(output.tiling.tile_count()) + ", up to " +
                std::to_string(output.tiles_in_flight) + " in flight\n";
        text += "  peak bytes:       " + format_bytes(static_cast<double>(output.peak_bytes)) + " per tile, " +
                format_bytes(static_cast<double>(output.peak_bytes) * output.tiles_in_flight) + " in flight\n";
        char runs[48];
        std::snprintf(runs, sizeof runs, "%.0f runs", output.read_runs);
        text += "  bytes read:       " + format_bytes(output.bytes_read) + " (" +
                format_bytes(output.strided_bytes_read) + " in column blocks, " + runs + ")\n";
        // By kind, as the cost model prices them: a plan all GEMM runs several times faster per flop than one of
        // sums and copies.
        text += "  flops:            " + flops_text(output.flops) + " (GEMM " +
                flops_text(output.split.kernels.gemm_flops) + ", reductions " +
                flops_text(output.split.kernels.reduction_flops) + "; elementwise " +
                format_bytes(output.split.kernels.elementwise_bytes) + " moved)\n";
        // Fused tiles (eval/fused_einsum.hpp) are priced by their row operations at their own measured rate.
        if (output.split.kernels.fused_operations > 0) {
            char fused[96];
            std::snprintf(fused, sizeof fused, "%.3g row operations at %.3g G/s", output.split.kernels.fused_operations,
                          plan.machine.fused_operations_per_second / 1e9);
            text += "  fused tiles:      " + std::string(fused) + "\n";
        }
        if (output.considered.size() > 1 || (!output.considered.empty() && !output.considered[0].feasible)) {
            char per_run[32];
            std::snprintf(per_run, sizeof per_run, "%.3g s", plan.machine.seconds_per_run);
            text += "  strategies considered (predicted time = GEMM flops / " +
                    flops_text(plan.machine.gemm_flops_per_second) + " per s + other flops and bytes moved at " +
                    "their kind's rate + bytes / " + format_bytes(plan.machine.read_bytes_per_second) +
                    " per s (chunked, gzip slower) + runs x " + per_run + " + tile buffers in flight / " +
                    format_bytes(plan.machine.first_touch_bytes_per_second) + " per s first touch):\n";
            for (const Candidate& candidate : output.considered) {
                text += "    " + std::string(strategy_name(candidate.strategy)) + ": ";
                if (!candidate.feasible) {
                    text += candidate.note + "\n";
                    continue;
                }
                text += printf_string("%s flops, %s read, %s peak per tile, predicted %.3g s%s\n",
                                      flops_text(candidate.flops).c_str(), format_bytes(candidate.bytes_read).c_str(),
                                      format_bytes(static_cast<double>(candidate.peak_bytes)).c_str(),
                                      candidate.predicted_seconds,
                                      candidate.strategy == output.strategy ? "  <- chosen" : "");
            }
        }
        for (const expr::Node* node : expr::topological_order({output.root})) {
            auto path = plan.schedule.paths.find(node);
            if (path == plan.schedule.paths.end()) continue;
            std::string steps;
            for (const auto& [first, second] : path->second)
                steps += (steps.empty() ? "" : ", ") + std::string("(") + std::to_string(first) + ", " +
                         std::to_string(second) + ")";
            // Its cost for the full extents, as the search saw it (the tiles then divide both).
            const PathCost cost = path_cost(node->operand_labels, node->output_labels,
                                            expr::label_extents(node->operand_labels, node->operands), path->second);
            text += "  contraction path: " + steps + " for " + expr::to_text(*node) + " (" + flops_text(cost.flops) +
                    " flops, " + format_bytes(cost.peak_bytes) + " peak)\n";
        }
    }
    return text;
}

}  // namespace tilesum::plan
