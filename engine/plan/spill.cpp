#include "engine/plan/spill.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "engine/expr/build.hpp"
#include "engine/plan/plan_totals.hpp"

namespace tilesum::plan {

namespace {

constexpr int max_spills = 3;
constexpr std::size_t max_candidates = 8;
// Spilling is searched for only where the plan re-reads its inputs this many times over: otherwise there is
// nothing for a spill to save, and planning stays as fast as it was.
constexpr double re_read_factor_worth_a_search = 4;
// A spill must be predicted this much faster: it takes disk space, and the cost model has an error.
constexpr double spill_margin = 0.8;

double bytes_of(const Shape& shape) { return static_cast<double>(element_count(shape)) * sizeof(double); }

double input_bytes(const expr::Program& program) {
    double bytes = 0;
    for (const expr::NamedNode& input : program.inputs) bytes += bytes_of(input.node->shape);
    return bytes;
}

// Every computed node that is not an output itself, the largest first (ties in order of evaluation).
std::vector<expr::NodePtr> candidates(const expr::Program& program) {
    std::vector<expr::NodePtr> found;
    std::set<const expr::Node*> seen, roots;
    for (const expr::NamedNode& output : program.outputs) roots.insert(output.node.get());
    std::function<void(const expr::NodePtr&)> visit = [&](const expr::NodePtr& node) {
        if (!seen.insert(node.get()).second) return;
        for (const expr::NodePtr& operand : node->operands) visit(operand);
        if (node->kind != expr::NodeKind::input && !roots.count(node.get())) found.push_back(node);
    };
    for (const expr::NamedNode& output : program.outputs) visit(output.node);
    std::stable_sort(found.begin(), found.end(), [](const expr::NodePtr& left, const expr::NodePtr& right) {
        return element_count(left->shape) > element_count(right->shape);
    });
    if (found.size() > max_candidates) found.resize(max_candidates);
    return found;
}

// `node` with `target` replaced by `by` wherever it occurs below; nodes on the way are copied, others shared.
expr::NodePtr replaced(const expr::NodePtr& node, const expr::Node* target, const expr::NodePtr& by,
                       std::map<const expr::Node*, expr::NodePtr>& memo) {
    if (node.get() == target) return by;
    if (auto known = memo.find(node.get()); known != memo.end()) return known->second;
    std::vector<expr::NodePtr> operands;
    bool changed = false;
    for (const expr::NodePtr& operand : node->operands) {
        operands.push_back(replaced(operand, target, by, memo));
        changed = changed || operands.back() != operand;
    }
    expr::NodePtr result = node;
    if (changed) {
        auto copy = std::make_shared<expr::Node>(*node);
        copy->operands = std::move(operands);
        result = std::move(copy);
    }
    memo.emplace(node.get(), result);
    return result;
}

bool reads(const expr::NodePtr& root, const expr::Node* target) {
    for (const expr::Node* node : expr::topological_order({root}))
        if (node == target) return true;
    return false;
}

std::string spill_name(const expr::Program& program, const expr::Node& target) {
    auto taken = [&](const std::string& name) {
        return std::any_of(program.outputs.begin(), program.outputs.end(),
                           [&](const expr::NamedNode& output) { return output.name == name; });
    };
    // append(): GCC 12 reports a false -Wrestrict on "%" + std::string (GCC bug 105329).
    const std::string base = std::string("%").append(target.name.empty() ? "0" : target.name);
    std::string name = base;
    for (int suffix = 1; taken(name); ++suffix) name = std::string(base).append("_").append(std::to_string(suffix));
    return name;
}

// `program` with `target` computed first into a scratch output and read back in its place.
expr::Program with_spill(const expr::Program& program, const expr::NodePtr& target, const std::string& name) {
    const expr::NodePtr scratch = expr::make_input(name, target->shape, DType::f64);
    std::map<const expr::Node*, expr::NodePtr> memo;
    expr::Program spilled;
    spilled.inputs = program.inputs;
    bool placed = false;
    for (const expr::NamedNode& output : program.outputs) {
        if (!placed && reads(output.node, target.get())) {
            spilled.outputs.push_back({name, target});
            placed = true;
        }
        spilled.outputs.push_back({output.name, replaced(output.node, target.get(), scratch, memo)});
    }
    spilled.views = expr::find_views(spilled.outputs);
    return spilled;
}

// The plan with its scratch outputs marked, each costing also the writing of what it computes.
void mark_scratch(Plan& plan, const std::set<std::string>& scratch_names) {
    for (OutputPlan& output : plan.outputs)
        if (scratch_names.count(output.name)) {
            output.scratch = true;
            output.predicted_seconds += spill_write_seconds(bytes_of(output.root->shape), plan.machine);
        }
}

// Predicted seconds of a plan; a plan that does not fit is beaten by any that does.
double predicted(Fit<Plan>& plan) {
    return plan.fits() ? plan_totals(plan.value()).predicted_seconds : std::numeric_limits<double>::infinity();
}

}  // namespace

double spill_write_seconds(double bytes, const MachineProfile& machine) {
    return bytes / machine.read_bytes_per_second;
}

Fit<Plan> plan_with_spills(const expr::Program& program, Fit<Plan> in_memory, std::set<char>& forced_used,
                           const PlanInMemory& plan_in_memory) {
    const double inputs = input_bytes(program);
    if (in_memory.fits() && plan_totals(in_memory.value()).bytes_read <= re_read_factor_worth_a_search * inputs)
        return in_memory;
    Fit<Plan> best = std::move(in_memory);
    expr::Program current = program;
    std::set<std::string> scratch_names;
    for (int round = 0; round < max_spills; ++round) {
        std::optional<expr::Program> better_program;
        std::optional<Fit<Plan>> better_plan;
        std::string better_name;
        std::set<char> better_forced;
        for (const expr::NodePtr& target : candidates(current)) {
            const std::string name = spill_name(current, *target);
            expr::Program spilled = with_spill(current, target, name);
            std::set<char> used;
            Fit<Plan> plan = plan_in_memory(spilled, used);
            if (!plan.fits()) continue;
            std::set<std::string> names = scratch_names;
            names.insert(name);
            mark_scratch(plan.value(), names);
            const double threshold = better_plan ? predicted(*better_plan) : spill_margin * predicted(best);
            if (predicted(plan) < threshold) {
                better_program = std::move(spilled);
                better_plan = std::move(plan);
                better_name = name;
                better_forced = std::move(used);
            }
        }
        if (!better_plan) break;
        current = std::move(*better_program);
        scratch_names.insert(better_name);
        best = std::move(*better_plan);
        forced_used = std::move(better_forced);
        if (plan_totals(best.value()).bytes_read <= re_read_factor_worth_a_search * inputs) break;
    }
    return best;
}

}  // namespace tilesum::plan
