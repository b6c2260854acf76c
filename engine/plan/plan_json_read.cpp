// JSON -> PlanData (plan_json.hpp), checked as a document a person may have edited.
#include <nlohmann/json.hpp>

#include "engine/common/error.hpp"
#include "engine/plan/json_field.hpp"
#include "engine/plan/plan_json.hpp"
#include "engine/plan/plan_json_format.hpp"

namespace tilesum::plan {

namespace {

using nlohmann::json;

DType read_dtype(const Field& field) {
    static const std::pair<const char*, DType> dtypes[] = {
        {"bool", DType::b1},       {"int8", DType::i8},        {"int16", DType::i16},   {"int32", DType::i32},
        {"int64", DType::i64},     {"uint8", DType::u8},       {"uint16", DType::u16},  {"uint32", DType::u32},
        {"uint64", DType::u64},    {"float16", DType::f16},    {"float32", DType::f32}, {"float64", DType::f64},
        {"complex64", DType::c64}, {"complex128", DType::c128}};
    return field.one_of(dtypes);
}

Strategy read_strategy(const Field& field) {
    static const std::pair<const char*, Strategy> strategies[] = {
        {strategy_name(Strategy::automatic), Strategy::automatic},
        {strategy_name(Strategy::expand), Strategy::expand},
        {strategy_name(Strategy::tile), Strategy::tile}};
    return field.one_of(strategies);
}

// A view reads inside its base, whatever the file says: else the reader would read out of bounds.
void check_view(const expr::DiagonalView& view, const Shape& shape, const Field& field) {
    const std::size_t rank = view.axes.size();
    if (view.base_shape.size() != rank || (!view.starts.empty() && view.starts.size() != rank) ||
        (!view.steps.empty() && view.steps.size() != rank))
        field.fail_here("axes, base_shape, starts and steps must have one entry per base axis");
    for (std::size_t base_axis = 0; base_axis < rank; ++base_axis) {
        const std::size_t axis = view.axes[base_axis];
        const Extent start = view.start(base_axis), step = view.step(base_axis);
        const Extent count = axis == expr::DiagonalView::dropped_axis ? 1 : axis < shape.size() ? shape[axis] : -1;
        const Extent last = start + step * (count - 1);
        if (count < 0 || step == 0 || start < 0 ||
            (count > 0 && (start >= view.base_shape[base_axis] || last < 0 || last >= view.base_shape[base_axis])))
            field.fail_here("a view that reads outside its base input");
    }
}

GraphNode read_node(const Field& field) {
    static const std::pair<const char*, expr::NodeKind> kinds[] = {{"input", expr::NodeKind::input},
                                                                   {"einsum", expr::NodeKind::einsum},
                                                                   {"lincomb", expr::NodeKind::lincomb},
                                                                   {"product", expr::NodeKind::product},
                                                                   {"function", expr::NodeKind::function}};
    GraphNode node;
    node.kind = field["kind"].one_of(kinds);
    node.shape = field["shape"].shape();
    node.dtype = read_dtype(field["dtype"]);
    node.name = field["name"].string();
    node.chunk_shape = field["chunk_shape"].shape();
    node.filtered = field["filtered"].boolean();
    if (field.has("diagonal_of")) {
        const Field view = field["diagonal_of"];
        expr::DiagonalView diagonal;
        diagonal.base = view["base"].string();
        diagonal.base_shape = view["base_shape"].shape();
        diagonal.axes = view["axes"].indices();
        diagonal.base_chunk_shape = view["base_chunk_shape"].shape();
        if (view.has("starts")) diagonal.starts = view["starts"].integers();
        if (view.has("steps")) diagonal.steps = view["steps"].integers();
        if (view.has("reciprocal")) diagonal.reciprocal = view["reciprocal"].boolean();
        if (view.has("base_dtype")) diagonal.base_dtype = read_dtype(view["base_dtype"]);
        check_view(diagonal, node.shape, view);
        node.diagonal_of = std::move(diagonal);
    }
    node.operands = field["operands"].indices();
    node.operand_labels = field["operand_labels"].strings();
    node.output_labels = field["output_labels"].string();
    node.coefficients = field["coefficients"].numbers();
    node.axis_labels = field["axis_labels"].string();
    node.piece = field["piece"].boolean();
    if (node.kind == expr::NodeKind::function) {
        for (const Field& argument : field["arguments"].items())
            node.constants.push_back(argument.is_null() ? std::nullopt : std::optional<double>(argument.number()));
        // numpy's name, and for "power" the arguments: one (a number exponent, the parameter) or two (array_power).
        const std::string name = field["function"].string();
        std::optional<FunctionOp> op = function_named(name);
        if (!op || name == "absolute") field["function"].fail_here("not a function tilesum knows");
        if (const std::optional<FunctionOp> with_arity = function_with_arity(name, node.constants.size()))
            op = with_arity;
        node.function = *op;
        node.parameter = field["parameter"].number();
    }
    return node;
}

std::vector<NamedId> read_named_ids(const Field& field) {
    std::vector<NamedId> ids;
    for (const Field& item : field.items()) ids.push_back({item["name"].string(), item["node"].unsigned_number()});
    return ids;
}

std::map<std::string, expr::PartOf> read_parts(const Field& field) {
    static const std::pair<const char*, expr::Part> parts[] = {{"real", expr::Part::real}, {"imag", expr::Part::imag}};
    std::map<std::string, expr::PartOf> result;
    for (const auto& [name, part] : field.members()) result[name] = {part["of"].string(), part["part"].one_of(parts)};
    return result;
}

Tiling read_tiling(const Field& field) {
    Tiling tiling;
    tiling.extents = field["extents"].shape();
    tiling.tile_shape = field["tile_shape"].shape();
    tiling.summed_labels = field["summed_labels"].string();
    tiling.summed_extents = field["summed_extents"].shape();
    tiling.summed_tile = field["summed_tile"].shape();
    return tiling;
}

UnitExecution read_unit(const Field& field) {
    return {field["name"].string(), field["root"].unsigned_number(), read_tiling(field["tiling"]),
            field["tiles_in_flight"].positive_int(), field.has("scratch") && field["scratch"].boolean()};
}

std::map<std::string, std::size_t> read_byte_map(const Field& field) {
    std::map<std::string, std::size_t> bytes;
    for (const auto& [name, value] : field.members()) bytes[name] = value.unsigned_number();
    return bytes;
}

WorkSplit read_split(const Field& field) {
    WorkSplit split;
    split.kernels.gemm_flops = field["gemm_flops"].number();
    split.kernels.reduction_flops = field["reduction_flops"].number();
    split.kernels.elementwise_bytes = field["elementwise_bytes"].number();
    // Added within format version 2 (issue 13): plans written before it have no fused tiles.
    if (field.has("fused_operations")) split.kernels.fused_operations = field["fused_operations"].number();
    if (field.has("fused_rows")) split.kernels.fused_rows = field["fused_rows"].number();
    split.chunked_bytes_read = field["chunked_bytes_read"].number();
    split.filtered_bytes_read = field["filtered_bytes_read"].number();
    return split;
}

UnitReport read_unit_report(const Field& field) {
    UnitReport unit;
    unit.strategy = read_strategy(field["strategy"]);
    for (const Field& term : field["terms"].items())
        unit.terms.push_back({term["coefficient"].number(), term["inputs"].indices(), term["operand_labels"].strings(),
                              term["output_labels"].string()});
    for (const Field& entry : field["considered"].items()) {
        Candidate candidate;
        candidate.strategy = read_strategy(entry["strategy"]);
        candidate.feasible = entry["feasible"].boolean();
        candidate.note = entry["note"].string();
        candidate.flops = entry["flops"].number();
        candidate.bytes_read = entry["bytes_read"].number();
        candidate.peak_bytes = entry["peak_bytes"].unsigned_number();
        candidate.predicted_seconds = entry["predicted_seconds"].number();
        unit.considered.push_back(std::move(candidate));
    }
    unit.strategy_note = field["strategy_note"].string();
    unit.predicted_seconds = field["predicted_seconds"].number();
    unit.forced = field["forced"].boolean();
    unit.chunk_note = field["chunk_note"].string();
    unit.summed_chunk_note = field["summed_chunk_note"].string();
    unit.peak_bytes = field["peak_bytes"].unsigned_number();
    unit.bytes_read = field["bytes_read"].number();
    unit.strided_bytes_read = field["strided_bytes_read"].number();
    unit.read_runs = field["read_runs"].number();
    unit.flops = field["flops"].number();
    unit.split = read_split(field["split"]);
    return unit;
}

MachineProfile read_machine(const Field& field) {
    MachineProfile machine;
    for (const MachineNumber& number : machine_profile_numbers())
        if (!number.optional || field.has(number.key)) machine.*number.member = field[number.key].number();
    machine.source = field["source"].string();
    machine.measured = field["measured"].string();
    machine.hostname = field["hostname"].string();
    return machine;
}

// ---------------------------------------------------------------------------------------------------- checking
// What instantiate() and the executor take for granted, checked on a document that may have been edited by hand.
void check_consistent(const PlanData& data, const Field& document) {
    const auto& nodes = data.expression.nodes;
    const Field expression = document["expression"], execution = document["execution"];
    auto check_node = [&](std::size_t id, const Field& where) {
        if (id >= nodes.size()) where.fail_here("node " + std::to_string(id) + " does not exist");
    };
    const std::vector<Field> node_fields = expression["nodes"].items();
    for (std::size_t id = 0; id < nodes.size(); ++id) {
        const GraphNode& node = nodes[id];
        for (NodeId operand : node.operands)
            if (operand >= id) node_fields[id]["operands"].fail_here("an operand must be an earlier node");
        if (node.kind == expr::NodeKind::einsum && node.operand_labels.size() != node.operands.size())
            node_fields[id]["operand_labels"].fail_here("one label string per operand expected");
        if (node.kind == expr::NodeKind::lincomb && node.coefficients.size() != node.operands.size())
            node_fields[id]["coefficients"].fail_here("one coefficient per operand expected");
        if (node.kind == expr::NodeKind::function) {
            std::size_t arrays = 0;
            for (const std::optional<double>& constant : node.constants) arrays += constant ? 0 : 1;
            if (node.constants.size() != function_info(node.function).arity || arrays != node.operands.size() ||
                arrays == 0)
                node_fields[id]["arguments"].fail_here(
                    "one entry per argument of the function expected, null for each operand");
        }
        if (node.kind == expr::NodeKind::product && node.operands.size() != 2)
            node_fields[id]["operands"].fail_here("a product has two operands");
        if (node.axis_labels.size() != node.shape.size())
            node_fields[id]["axis_labels"].fail_here("one label per axis expected");
    }
    for (const char* key : {"inputs", "views"}) {
        const std::vector<Field> fields = expression[key].items();
        const auto& ids = std::string(key) == "inputs" ? data.expression.inputs : data.expression.views;
        for (std::size_t index = 0; index < ids.size(); ++index) {
            check_node(ids[index].node, fields[index]["node"]);
            if (nodes[ids[index].node].kind != expr::NodeKind::input) fields[index]["node"].fail_here("not an input");
        }
    }
    auto check_units = [&](const char* key, const std::vector<UnitExecution>& units) {
        const std::vector<Field> fields = execution[key].items();
        for (std::size_t index = 0; index < units.size(); ++index) {
            const UnitExecution& unit = units[index];
            check_node(unit.root, fields[index]["root"]);
            const Tiling& tiling = unit.tiling;
            const bool fits = tiling.extents == nodes[unit.root].shape &&
                              tiling.tile_shape.size() == tiling.extents.size() &&
                              tiling.summed_extents.size() == tiling.summed_labels.size() &&
                              tiling.summed_tile.size() == tiling.summed_labels.size();
            if (!fits)
                fields[index]["tiling"].fail_here("does not fit the root's shape " +
                                                  format_shape(nodes[unit.root].shape));
            for (std::size_t axis = 0; axis < tiling.tile_shape.size(); ++axis)
                if (tiling.tile_shape[axis] < 1 && tiling.extents[axis] > 0)
                    fields[index]["tiling"].fail_here("a tile size must be positive");
            for (Extent size : tiling.summed_tile)
                if (size < 1) fields[index]["tiling"].fail_here("a slab of a summed index must be positive");
        }
    };
    check_units("pieces", data.execution.pieces);
    check_units("outputs", data.execution.outputs);
    const std::vector<Field> path_fields = execution["paths"].items();
    std::size_t path_index = 0;
    for (const auto& [id, path] : data.execution.paths) {
        const Field& where = path_fields[path_index++];
        check_node(id, where["node"]);
        std::size_t remaining = nodes[id].operands.size();
        for (const auto& [first, second] : path) {
            if (first >= remaining || second >= remaining || first == second || remaining < 2)
                where["path"].fail_here("a step names no pair of the operands left");
            --remaining;
        }
    }
    const std::vector<Field> pass_fields = execution["passes"].items();
    for (std::size_t index = 0; index < data.execution.passes.size(); ++index)
        for (const PassMember& member : data.execution.passes[index].members)
            if (member.piece >= data.execution.pieces.size())
                pass_fields[index]["members"].fail_here("piece " + std::to_string(member.piece) + " does not exist");
    const std::vector<Field> step_fields = execution["piece_steps"].items();
    for (std::size_t index = 0; index < data.execution.piece_steps.size(); ++index) {
        const Plan::PieceStep& step = data.execution.piece_steps[index];
        if (step.index >= (step.fused ? data.execution.passes.size() : data.execution.pieces.size()))
            step_fields[index]["index"].fail_here("names no " + std::string(step.fused ? "pass" : "piece"));
    }
    if (data.report.pieces.size() != data.execution.pieces.size() ||
        data.report.outputs.size() != data.execution.outputs.size() ||
        data.report.passes.size() != data.execution.passes.size())
        document["report"].fail_here("one entry per piece, pass and output of the execution expected");
    for (const UnitReport& unit : data.report.outputs)
        for (const TermData& term : unit.terms)
            for (NodeId input : term.inputs) check_node(input, document["report"]["outputs"]);
    for (const UnitReport& unit : data.report.pieces)
        for (const TermData& term : unit.terms)
            for (NodeId input : term.inputs) check_node(input, document["report"]["pieces"]);
}

}  // namespace

PlanData plan_from_json(const std::string& text, const std::string& source) {
    json parsed;
    try {
        parsed = json::parse(text);
    } catch (const json::exception& error) {
        fail(ErrorKind::usage, "plan file '" + source + "': not valid JSON: " + error.what());
    }
    // The whole output of `tilesum plan --json` holds the plan under "plan", beside its summary.
    const json& document = parsed.is_object() && parsed.contains("plan") ? parsed["plan"] : parsed;
    const Field root(document, "", source);
    if (!document.is_object() || !document.contains("format") || document["format"] != plan_format_name)
        root.fail_here(R"(not a tilesum plan (expected "format": ")" + std::string(plan_format_name) +
                       R"("; write one with `tilesum plan --json`))");
    PlanData data;
    data.format_version = static_cast<int>(root["version"].unsigned_number());
    if (data.format_version != plan_format_version)
        root["version"].fail_here("version " + std::to_string(data.format_version) +
                                  " is not supported (this tilesum reads version " +
                                  std::to_string(plan_format_version) + "): plan again with this tilesum");

    const Field expression = root["expression"];
    for (const Field& node : expression["nodes"].items()) data.expression.nodes.push_back(read_node(node));
    data.expression.inputs = read_named_ids(expression["inputs"]);
    data.expression.views = read_named_ids(expression["views"]);
    data.expression.input_parts = read_parts(expression["input_parts"]);
    data.expression.output_parts = read_parts(expression["output_parts"]);
    for (const auto& [name, dtype] : expression["complex_outputs"].members())
        data.expression.complex_outputs[name] = read_dtype(dtype);

    const Field execution = root["execution"];
    PlanData::Execution& run = data.execution;
    for (const Field& entry : execution["paths"].items()) {
        eval::ContractionPath path;
        for (const Field& step : entry["path"].items()) {
            const std::vector<std::size_t> pair = step.indices();
            if (pair.size() != 2) step.fail_here("a step is a pair of positions");
            path.emplace_back(pair[0], pair[1]);
        }
        if (!run.paths.emplace(entry["node"].unsigned_number(), std::move(path)).second)
            entry["node"].fail_here("a second path for the same node");
    }
    for (const Field& piece : execution["pieces"].items()) run.pieces.push_back(read_unit(piece));
    for (const Field& entry : execution["passes"].items()) {
        PassExecution pass;
        pass.input = entry["input"].string();
        pass.extents = entry["extents"].shape();
        pass.block = entry["block"].shape();
        for (const Field& member : entry["members"].items())
            pass.members.push_back(
                {static_cast<std::size_t>(member["piece"].unsigned_number()), member["labels"].string()});
        pass.order = entry["order"].shape();
        pass.reuses_leaves = entry["reuses_leaves"].boolean();
        pass.tiles_in_flight = entry["tiles_in_flight"].positive_int();
        run.passes.push_back(std::move(pass));
    }
    for (const Field& step : execution["piece_steps"].items())
        run.piece_steps.push_back({step["fused"].boolean(), static_cast<std::size_t>(step["index"].unsigned_number())});
    for (const Field& output : execution["outputs"].items()) run.outputs.push_back(read_unit(output));
    run.budget_bytes = execution["budget_bytes"].unsigned_number();
    run.piece_bytes = execution["piece_bytes"].unsigned_number();
    run.chunk_cache_bytes = read_byte_map(execution["chunk_cache_bytes"]);
    run.chunk_cache_total_bytes = execution["chunk_cache_total_bytes"].unsigned_number();
    run.threads = execution["threads"].positive_int();

    const Field report = root["report"];
    data.report.machine = read_machine(report["machine"]);
    for (const Field& piece : report["pieces"].items()) data.report.pieces.push_back(read_unit_report(piece));
    for (const Field& entry : report["passes"].items())
        data.report.passes.push_back({static_cast<std::size_t>(entry["peak_bytes"].unsigned_number()),
                                      entry["flops"].number(), entry["bytes_read"].number(),
                                      entry["read_runs"].number(), read_split(entry["split"]),
                                      entry["predicted_seconds"].number(), entry["separate_seconds"].number()});
    for (const Field& output : report["outputs"].items()) data.report.outputs.push_back(read_unit_report(output));
    data.report.chunk_cache_wanted_bytes = read_byte_map(report["chunk_cache_wanted_bytes"]);

    check_consistent(data, root);
    return data;
}

}  // namespace tilesum::plan
