#include "engine/plan/plan_dot.hpp"

#include <set>

#include "engine/common/bytes.hpp"
#include "engine/common/printf_string.hpp"
#include "engine/expr/printer.hpp"

namespace tilesum::plan {

namespace {

// A DOT string literal: quotes and backslashes escaped, "\n" kept as DOT's centred line break.
std::string quoted(const std::string& text) {
    std::string result = "\"";
    for (char character : text) {
        if (character == '\n') {
            result += "\\n";
            continue;
        }
        if (character == '"' || character == '\\') result += '\\';
        result += character;
    }
    return result + "\"";
}

// What a node reads: an input in storage, or a shared piece (GraphNode::piece), by name.
struct Read {
    std::string name;
    bool piece = false;
    friend bool operator==(const Read&, const Read&) = default;
};

// The inputs and pieces the node reads, each once, in the order they are met.
void collect_reads(const std::vector<GraphNode>& nodes, NodeId id, std::set<NodeId>& seen, std::vector<Read>& reads) {
    if (!seen.insert(id).second) return;
    const GraphNode& node = nodes[id];
    if (node.kind == expr::NodeKind::input) {
        const Read read{node.diagonal_of ? node.diagonal_of->base : node.name, node.piece};
        for (const Read& known : reads)
            if (known == read) return;
        reads.push_back(read);
        return;
    }
    for (NodeId operand : node.operands) collect_reads(nodes, operand, seen, reads);
}

std::vector<Read> reads_of(const std::vector<GraphNode>& nodes, NodeId root) {
    std::set<NodeId> seen;
    std::vector<Read> reads;
    collect_reads(nodes, root, seen, reads);
    return reads;
}

std::string dot_id(const Read& read) { return quoted((read.piece ? "piece " : "input ") + read.name); }

// "k=64/1000 sum j=100/400\n16 tile(s), 8.0 MiB peak, 1.2 GiB read". Built by append(): GCC 12 reports a false
// -Wrestrict on `literal + std::string` chains (GCC bug 105329).
std::string tiling_text(const UnitExecution& unit, const UnitReport& report, const GraphNode& root) {
    std::string text;
    auto add_cut = [&text](const std::string& label, Extent size, Extent extent) {
        if (!text.empty()) text += ' ';
        text.append(label).append("=").append(std::to_string(size)).append("/").append(std::to_string(extent));
    };
    for (std::size_t axis = 0; axis < unit.tiling.extents.size(); ++axis) {
        if (!unit.tiling.is_tiled(axis)) continue;
        const char label = axis < root.axis_labels.size() ? root.axis_labels[axis] : '\0';
        add_cut(label ? std::string(1, label) : "axis" + std::to_string(axis), unit.tiling.tile_shape[axis],
                unit.tiling.extents[axis]);
    }
    for (std::size_t position = 0; position < unit.tiling.summed_labels.size(); ++position)
        if (unit.tiling.summed_tile[position] < unit.tiling.summed_extents[position])
            add_cut(std::string("sum ").append(1, unit.tiling.summed_labels[position]),
                    unit.tiling.summed_tile[position], unit.tiling.summed_extents[position]);
    if (text.empty()) text = "one tile";
    text.append("\n").append(std::to_string(unit.tiling.tile_count())).append(" tile(s), ");
    text.append(format_bytes(static_cast<double>(report.peak_bytes))).append(" peak, ");
    return text.append(format_bytes(report.bytes_read)).append(" read");
}

// "+1 * einsum(',jk,kj->k', ~0, A, A)": one line per term of an expanded output.
std::string terms_text(const UnitReport& report, const std::vector<GraphNode>& nodes) {
    std::string text;
    for (const TermData& term : report.terms) {
        std::string subscripts, operands;
        for (std::size_t position = 0; position < term.operand_labels.size(); ++position) {
            if (position) subscripts += ',';
            subscripts += term.operand_labels[position];
            operands.append(", ").append(nodes[term.inputs[position]].name);
        }
        text.append("\n").append(printf_string("%+g", term.coefficient)).append(" * einsum('").append(subscripts);
        text.append("->").append(term.output_labels).append("'").append(operands).append(")");
    }
    return text;
}

}  // namespace

std::string plan_dot(const PlanData& data) {
    const std::vector<GraphNode>& nodes = data.expression.nodes;
    const Instantiated instantiated = instantiate(data);  // for the expressions' text
    std::string dot =
        "digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
        "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    // Inputs as cylinders: storage.
    std::set<std::string> drawn;
    for (const NamedId& input : data.expression.inputs) {
        const GraphNode& node = nodes[input.node];
        if (!drawn.insert(input.name).second) continue;
        dot += "  " + dot_id({input.name, false}) + " [shape=cylinder, label=" +
               quoted(input.name + "\n" + format_shape(node.shape) + " " + dtype_name(node.dtype) + "\n" +
                      format_bytes(static_cast<double>(element_count(node.shape) * dtype_size(node.dtype)))) +
               "];\n";
    }
    // Pieces, inside a cluster per pass that computes several of them in one sweep over an input.
    std::vector<int> pass_of(data.execution.pieces.size(), -1);
    for (std::size_t pass = 0; pass < data.execution.passes.size(); ++pass)
        for (const PassMember& member : data.execution.passes[pass].members)
            pass_of[member.piece] = static_cast<int>(pass);
    auto piece_node = [&](std::size_t index, const char* indent) {
        const UnitExecution& piece = data.execution.pieces[index];
        const expr::Node& root = *instantiated.plan.pieces[index].root;
        return indent + dot_id({piece.name, true}) + " [style=rounded, label=" +
               quoted("piece " + piece.name + " " + format_shape(root.shape) + "\n" + expr::to_text(root) + "\n" +
                      format_bytes(static_cast<double>(element_count(root.shape)) * sizeof(double)) + " in memory") +
               "];\n";
    };
    for (std::size_t pass = 0; pass < data.execution.passes.size(); ++pass) {
        const PassExecution& execution = data.execution.passes[pass];
        const PassReport& report = data.report.passes[pass];
        dot += "  subgraph cluster_pass" + std::to_string(pass) +
               " {\n    style=dashed; fontname=\"Helvetica\"; "
               "fontsize=9;\n    label=" +
               quoted("one pass over " + execution.input + ": " +
                      std::to_string(block_count(execution.extents, execution.block)) + " blocks, " +
                      format_bytes(report.bytes_read) + " read") +
               ";\n";
        for (const PassMember& member : execution.members) dot += piece_node(member.piece, "    ");
        dot += "  }\n";
    }
    for (std::size_t index = 0; index < data.execution.pieces.size(); ++index)
        if (pass_of[index] < 0) dot += piece_node(index, "  ");
    for (const UnitExecution& piece : data.execution.pieces)
        for (const Read& read : reads_of(nodes, piece.root))
            dot += "  " + dot_id(read) + " -> " + dot_id({piece.name, true}) + ";\n";

    // Outputs (double border), with their terms when expanded.
    for (std::size_t index = 0; index < data.execution.outputs.size(); ++index) {
        const UnitExecution& output = data.execution.outputs[index];
        const UnitReport& report = data.report.outputs[index];
        const GraphNode& root = nodes[output.root];
        const std::string id = quoted("output " + output.name);
        dot += "  " + id + " [peripheries=2, label=" +
               quoted(output.name + " " + format_shape(root.shape) + " " + dtype_name(root.dtype) + "\n" +
                      strategy_name(report.strategy) + ": " + tiling_text(output, report, root) +
                      terms_text(report, nodes)) +
               "];\n";
        for (const Read& read : reads_of(nodes, output.root)) dot += "  " + dot_id(read) + " -> " + id + ";\n";
    }
    return dot + "}\n";
}

}  // namespace tilesum::plan
