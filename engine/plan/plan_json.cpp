#include "engine/plan/plan_json.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/common/error.hpp"

namespace tilesum::plan {

namespace {

using nlohmann::json;

constexpr const char* format_name = "tilesum-plan";

// ---------------------------------------------------------------------------------------------------- writing
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
    }
    return "input";
}

const char* part_text(expr::Part part) { return part == expr::Part::real ? "real" : "imag"; }

json node_json(const GraphNode& node) {
    json entry = {{"kind", kind_name(node.kind)},   {"shape", node.shape},
                  {"dtype", dtype_name(node.dtype)}, {"name", node.name},
                  {"chunk_shape", node.chunk_shape}, {"operands", node.operands},
                  {"operand_labels", node.operand_labels}, {"output_labels", node.output_labels},
                  {"coefficients", numbers_json(node.coefficients)}, {"axis_labels", node.axis_labels}};
    if (node.diagonal_of)
        entry["diagonal_of"] = {{"base", node.diagonal_of->base},
                                {"base_shape", node.diagonal_of->base_shape},
                                {"axes", node.diagonal_of->axes},
                                {"base_chunk_shape", node.diagonal_of->base_chunk_shape}};
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
    return {{"name", unit.name}, {"root", unit.root}, {"tiling", tiling_json(unit.tiling)}};
}

json pass_computation_json(const PassExecution& pass) {
    json members = json::array();
    for (const PassMember& member : pass.members) members.push_back({{"piece", member.piece}, {"labels", member.labels}});
    return {{"input", pass.input}, {"extents", pass.extents},        {"block", pass.block},
            {"members", members},  {"order", pass.order}, {"reuses_leaves", pass.reuses_leaves}};
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
            {"flops", number_json(unit.flops)}};
}

json machine_json(const MachineProfile& machine) {
    return {{"flops_per_second", number_json(machine.flops_per_second)},
            {"read_bytes_per_second", number_json(machine.read_bytes_per_second)},
            {"seconds_per_pass", number_json(machine.seconds_per_pass)},
            {"seconds_per_tile", number_json(machine.seconds_per_tile)},
            {"seconds_per_run", number_json(machine.seconds_per_run)},
            {"source", machine.source},
            {"measured", machine.measured},
            {"hostname", machine.hostname}};
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
                          {"predicted_seconds", number_json(pass.predicted_seconds)},
                          {"separate_seconds", number_json(pass.separate_seconds)}});
    return {{"machine", machine_json(report.machine)},
            {"pieces", pieces},
            {"passes", passes},
            {"outputs", outputs},
            {"chunk_cache_wanted_bytes", report.chunk_cache_wanted_bytes}};
}

// ---------------------------------------------------------------------------------------------------- reading
// A value of the document and where it is ("execution.outputs[0].tiling"), for messages that name the key.
class Field {
public:
    Field(const json& value, std::string where, const std::string& source)
        : value_(value), where_(std::move(where)), source_(source) {}

    [[noreturn]] void fail_here(const std::string& what) const {
        fail(ErrorKind::usage, "plan file '" + source_ + "': " + (where_.empty() ? "" : where_ + ": ") + what);
    }
    Field operator[](const char* key) const {
        if (!value_.is_object()) fail_here("expected an object");
        auto it = value_.find(key);
        const std::string path = where_.empty() ? key : where_ + "." + key;
        if (it == value_.end()) Field(value_, path, source_).fail_here("missing");
        return Field(*it, path, source_);
    }
    std::vector<Field> items() const {
        if (!value_.is_array()) fail_here("expected an array");
        std::vector<Field> items;
        for (std::size_t index = 0; index < value_.size(); ++index)
            items.emplace_back(value_[index], where_ + "[" + std::to_string(index) + "]", source_);
        return items;
    }
    std::vector<std::pair<std::string, Field>> members() const {
        if (!value_.is_object()) fail_here("expected an object");
        std::vector<std::pair<std::string, Field>> members;
        for (const auto& [key, value] : value_.items()) members.emplace_back(key, Field(value, where_ + "." + key, source_));
        return members;
    }
    bool has(const char* key) const { return value_.is_object() && value_.contains(key); }

    std::uint64_t unsigned_number() const {
        if (!value_.is_number_unsigned() && !(value_.is_number_integer() && value_.get<std::int64_t>() >= 0))
            fail_here("expected a non-negative integer, not " + value_.dump());
        return value_.get<std::uint64_t>();
    }
    Extent extent() const {
        const std::uint64_t value = unsigned_number();
        if (value > static_cast<std::uint64_t>(std::numeric_limits<Extent>::max())) fail_here("out of range");
        return static_cast<Extent>(value);
    }
    int positive_int() const {
        const std::uint64_t value = unsigned_number();
        if (value < 1 || value > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
            fail_here("expected a positive integer, not " + value_.dump());
        return static_cast<int>(value);
    }
    double number() const {
        if (value_.is_number()) return value_.get<double>();
        if (value_ == "inf") return std::numeric_limits<double>::infinity();
        if (value_ == "-inf") return -std::numeric_limits<double>::infinity();
        if (value_ == "nan") return std::numeric_limits<double>::quiet_NaN();
        fail_here("expected a number, not " + value_.dump());
    }
    std::string string() const {
        if (!value_.is_string()) fail_here("expected a string, not " + value_.dump());
        return value_.get<std::string>();
    }
    bool boolean() const {
        if (!value_.is_boolean()) fail_here("expected true or false, not " + value_.dump());
        return value_.get<bool>();
    }
    Shape shape() const {
        Shape shape;
        for (const Field& item : items()) shape.push_back(item.extent());
        return shape;
    }
    std::vector<std::size_t> indices() const {
        std::vector<std::size_t> indices;
        for (const Field& item : items()) indices.push_back(static_cast<std::size_t>(item.unsigned_number()));
        return indices;
    }
    std::vector<std::string> strings() const {
        std::vector<std::string> strings;
        for (const Field& item : items()) strings.push_back(item.string());
        return strings;
    }
    std::vector<double> numbers() const {
        std::vector<double> numbers;
        for (const Field& item : items()) numbers.push_back(item.number());
        return numbers;
    }
    template <class Enum, std::size_t N>
    Enum one_of(const std::pair<const char*, Enum> (&choices)[N]) const {
        const std::string text = string();
        std::string known;
        for (const auto& [name, value] : choices) {
            if (text == name) return value;
            known += (known.empty() ? "" : ", ") + std::string(name);
        }
        fail_here("'" + text + "' is none of " + known);
    }

private:
    const json& value_;
    std::string where_;
    const std::string& source_;
};

DType read_dtype(const Field& field) {
    static const std::pair<const char*, DType> dtypes[] = {{"int32", DType::i32},     {"int64", DType::i64},
                                                           {"float32", DType::f32},   {"float64", DType::f64},
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

GraphNode read_node(const Field& field) {
    static const std::pair<const char*, expr::NodeKind> kinds[] = {{"input", expr::NodeKind::input},
                                                                   {"einsum", expr::NodeKind::einsum},
                                                                   {"lincomb", expr::NodeKind::lincomb},
                                                                   {"product", expr::NodeKind::product}};
    GraphNode node;
    node.kind = field["kind"].one_of(kinds);
    node.shape = field["shape"].shape();
    node.dtype = read_dtype(field["dtype"]);
    node.name = field["name"].string();
    node.chunk_shape = field["chunk_shape"].shape();
    if (field.has("diagonal_of")) {
        const Field view = field["diagonal_of"];
        node.diagonal_of = expr::DiagonalView{view["base"].string(), view["base_shape"].shape(), view["axes"].indices(),
                                              view["base_chunk_shape"].shape()};
    }
    node.operands = field["operands"].indices();
    node.operand_labels = field["operand_labels"].strings();
    node.output_labels = field["output_labels"].string();
    node.coefficients = field["coefficients"].numbers();
    node.axis_labels = field["axis_labels"].string();
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
            field["tiles_in_flight"].positive_int()};
}

std::map<std::string, std::size_t> read_byte_map(const Field& field) {
    std::map<std::string, std::size_t> bytes;
    for (const auto& [name, value] : field.members()) bytes[name] = value.unsigned_number();
    return bytes;
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
    return unit;
}

MachineProfile read_machine(const Field& field) {
    MachineProfile machine;
    machine.flops_per_second = field["flops_per_second"].number();
    machine.read_bytes_per_second = field["read_bytes_per_second"].number();
    machine.seconds_per_pass = field["seconds_per_pass"].number();
    machine.seconds_per_tile = field["seconds_per_tile"].number();
    machine.seconds_per_run = field["seconds_per_run"].number();
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
            if (!fits) fields[index]["tiling"].fail_here("does not fit the root's shape " +
                                                          format_shape(nodes[unit.root].shape));
            for (std::size_t axis = 0; axis < tiling.tile_shape.size(); ++axis)
                if (tiling.tile_shape[axis] < 1 && tiling.extents[axis] > 0)
                    fields[index]["tiling"].fail_here("a tile size must be positive");
            for (Extent size : tiling.summed_tile)
                if (size < 1) fields[index]["tiling"].fail_here("a chunk of a summed index must be positive");
        }
    };
    check_units("pieces", data.execution.pieces);
    check_units("outputs", data.execution.outputs);
    const std::vector<Field> path_fields = execution["paths"].items();
    std::size_t path_index = 0;
    for (const auto& [id, path] : data.execution.paths) {
        const Field where = path_fields[path_index++];
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

std::string plan_to_json(const PlanData& data) {
    json document = {{"format", format_name},
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
    if (!document.is_object() || !document.contains("format") || document["format"] != format_name)
        root.fail_here("not a tilesum plan (expected \"format\": \"" + std::string(format_name) +
                       "\"; write one with `tilesum plan --json`)");
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
            pass.members.push_back({static_cast<std::size_t>(member["piece"].unsigned_number()),
                                    member["labels"].string()});
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
                                      entry["read_runs"].number(), entry["predicted_seconds"].number(),
                                      entry["separate_seconds"].number()});
    for (const Field& output : report["outputs"].items()) data.report.outputs.push_back(read_unit_report(output));
    data.report.chunk_cache_wanted_bytes = read_byte_map(report["chunk_cache_wanted_bytes"]);

    check_consistent(data, root);
    return data;
}

}  // namespace tilesum::plan
