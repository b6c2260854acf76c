// The plan as plain data: no pointers, compared with ==, saved and loaded as JSON (plan_json.hpp), sent to another
// process. The planner works on a Plan (plan.hpp), whose nodes are shared pointers and whose contraction paths are
// keyed by node address; to_data() turns it into a PlanData, and instantiate() turns a PlanData back into a Plan the
// executor runs. `tilesum run` always runs instantiate(to_data(plan)), so a saved plan (`tilesum run --plan`) and a
// fresh one take the same road to the same bits.
//
// Three parts, so that each reader takes only what it needs:
// - the expression: the DAG as a table (operands are indices of earlier nodes), the inputs it reads and how complex
//   data maps onto real parts;
// - the execution: what the executor needs (contraction paths, tilings, pieces, fused passes, the order they run in,
//   the budget's split); computation_json() (plan_json.hpp) is the part of it that decides the result's bits;
// - the report: what only `tilesum plan` shows (strategies considered, predictions, bytes read, notes).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/expr/complex_split.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

// Written into every saved plan and required of every loaded one; bumped when the meaning of a field changes.
// 2: inputs say whether they are filtered; outputs, pieces and passes split their work by kernel kind and storage
// layout ("split"); the machine has one rate per kind and layout (machine_profile_format_version 3).
inline constexpr int plan_format_version = 2;

using NodeId = std::size_t;  // an index into PlanData::Expression::nodes

// One node of the expression (expr::Node), its operands by index.
struct GraphNode {
    expr::NodeKind kind = expr::NodeKind::input;
    Shape shape;
    DType dtype = DType::f64;
    std::string name;
    Shape chunk_shape;
    bool filtered = false;
    std::optional<expr::DiagonalView> diagonal_of;
    bool piece = false;
    std::vector<NodeId> operands;
    std::vector<std::string> operand_labels;
    std::string output_labels;
    std::vector<double> coefficients;
    FunctionOp function = FunctionOp::exp;         // kind function only (expr::Node)
    double parameter = 0;                          // kind function only
    std::vector<std::optional<double>> constants;  // kind function only
    std::string axis_labels;

    friend bool operator==(const GraphNode&, const GraphNode&) = default;
};

struct NamedId {
    std::string name;
    NodeId node = 0;
    friend bool operator==(const NamedId&, const NamedId&) = default;
};

// An output or a shared piece as the executor runs it: `root` tile by tile.
struct UnitExecution {
    std::string name;
    NodeId root = 0;
    Tiling tiling;
    int tiles_in_flight = 1;
    bool scratch = false;  // OutputPlan::scratch
    friend bool operator==(const UnitExecution&, const UnitExecution&) = default;
};

struct PassExecution {
    std::string input;
    Shape extents;
    Shape block;
    std::vector<PassMember> members;
    std::vector<Extent> order;
    bool reuses_leaves = false;
    int tiles_in_flight = 1;
    friend bool operator==(const PassExecution&, const PassExecution&) = default;
};

struct TermData {
    double coefficient = 1;
    std::vector<NodeId> inputs;
    std::vector<std::string> operand_labels;
    std::string output_labels;
    friend bool operator==(const TermData&, const TermData&) = default;
};

// What `tilesum plan` says about an output or a piece: OutputPlan's report, its terms by node index.
struct UnitReport : OutputReport {
    std::vector<TermData> terms;
    friend bool operator==(const UnitReport&, const UnitReport&) = default;
};

struct PassReport {
    std::size_t peak_bytes = 0;
    double flops = 0, bytes_read = 0, read_runs = 0;
    WorkSplit split;
    double predicted_seconds = 0;
    double separate_seconds = 0;
    friend bool operator==(const PassReport&, const PassReport&) = default;
};

struct PlanData {
    int format_version = plan_format_version;

    struct Expression {
        std::vector<GraphNode> nodes;  // children before parents
        std::vector<NamedId> inputs;   // what the run reads, in order of first use
        std::vector<NamedId> views;    // inputs read as diagonals of another input (expr::Program::views)
        // Inputs and outputs that are the real or imaginary part of a complex one (expr/complex_split.hpp).
        std::map<std::string, expr::PartOf> input_parts;
        std::map<std::string, expr::PartOf> output_parts;
        std::map<std::string, DType> complex_outputs;
        friend bool operator==(const Expression&, const Expression&) = default;
    } expression;

    struct Execution {
        std::map<NodeId, eval::ContractionPath> paths;  // einsum nodes without one are contracted left to right
        std::vector<UnitExecution> pieces;
        std::vector<PassExecution> passes;
        std::vector<Plan::PieceStep> piece_steps;
        std::vector<UnitExecution> outputs;
        std::size_t budget_bytes = 0;
        std::size_t piece_bytes = 0;
        std::map<std::string, std::size_t> chunk_cache_bytes;
        std::size_t chunk_cache_total_bytes = 0;
        int threads = 1;
        friend bool operator==(const Execution&, const Execution&) = default;
    } execution;

    struct Report {
        MachineProfile machine;
        std::vector<UnitReport> pieces;   // one per Execution::pieces
        std::vector<PassReport> passes;   // one per Execution::passes
        std::vector<UnitReport> outputs;  // one per Execution::outputs
        std::map<std::string, std::size_t> chunk_cache_wanted_bytes;
        friend bool operator==(const Report&, const Report&) = default;
    } report;

    // The plan as JSON (plan_json.hpp), and back: from_json(p.to_json()) == p. `source` names the text in errors.
    std::string to_json() const;
    static PlanData from_json(const std::string& text, const std::string& source = "plan");
    // The text `tilesum plan` prints.
    std::string explain() const;

    friend bool operator==(const PlanData&, const PlanData&) = default;
};

// `plan` as data; `program` is what it was planned from (its inputs, views and complex parts).
PlanData to_data(const Plan& plan, const expr::SplitProgram& program);

// The Plan the executor runs, and the program it reads, rebuilt from data. Asserts the data is consistent (node
// indices in range, operands before their users): plan_from_json checks documents before they get here.
struct Instantiated {
    Plan plan;
    expr::SplitProgram program;
};
Instantiated instantiate(const PlanData& data);

// The text `tilesum plan` prints.
std::string explain(const PlanData& data);

}  // namespace tilesum::plan
