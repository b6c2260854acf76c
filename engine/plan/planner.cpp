// Chooses, per output, the tile shape: the largest tiles whose every buffer (input slices, slices of every
// would-be intermediate, output slice) fits a share of the budget, measured by a dry run of the tile.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/plan/chunk_alignment.hpp"
#include "engine/plan/chunk_cache.hpp"
#include "engine/plan/contraction_path.hpp"
#include "engine/plan/cost_model.hpp"
#include "engine/plan/fuse.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

namespace {

using cost::minimum_tile_count;
using cost::tile_bytes_cap;
using cost::tiles_in_flight_target;

// The cheapest contraction order of every einsum reachable from `root`, for the full extents, among those whose
// peak bytes stay within the budget or twice the operands' own bytes, whichever is more; when none does, the one
// with the smallest peak. Not the budget alone: over data larger than memory no full-size path fits it, tiling
// shrinks every path's peak alike, and the cheapest path would be given up for nothing. What tiling cannot
// undo cheaply is a path whose intermediates outgrow its operands (an outer product before its reduction).
eval::Schedule choose_schedule(const expr::NodePtr& root, std::size_t budget_bytes) {
    eval::Schedule schedule;
    for (const expr::Node* node : expr::topological_order({root})) {
        if (node->kind != expr::NodeKind::einsum || node->operands.size() < 3) continue;
        const std::map<char, Extent> extents = expr::label_extents(node->operand_labels, node->operands);
        double operand_bytes = 0;
        for (const expr::NodePtr& operand : node->operands)
            operand_bytes += static_cast<double>(element_count(operand->shape)) * sizeof(double);
        PathOptions path_options;
        path_options.memory_limit_bytes = std::max(static_cast<double>(budget_bytes), 2 * operand_bytes);
        schedule.paths[node] = choose_path(node->operand_labels, node->output_labels, extents, path_options);
    }
    return schedule;
}

// The axes a tile may cut: every output axis, then (when the output is one einsum) its summed labels, whose
// chunks are partial results added in a fixed order. Sizes of a tile are one vector over all of them.
struct Cuttable {
    const expr::Node* root = nullptr;
    Shape extents;
    std::size_t output_rank = 0;
    std::string summed_labels;

    static Cuttable of(const expr::Node& root) {
        Cuttable cuttable;
        cuttable.root = &root;
        cuttable.extents = root.shape;
        cuttable.output_rank = root.shape.size();
        if (root.kind == expr::NodeKind::einsum)
            for (std::size_t position = 0; position < root.operands.size(); ++position)
                for (std::size_t axis = 0; axis < root.operand_labels[position].size(); ++axis) {
                    const char label = root.operand_labels[position][axis];
                    if (root.output_labels.find(label) != std::string::npos ||
                        cuttable.summed_labels.find(label) != std::string::npos)
                        continue;
                    cuttable.summed_labels += label;
                    cuttable.extents.push_back(root.operands[position]->shape[axis]);
                }
        return cuttable;
    }

    char label(std::size_t axis) const {
        return axis < output_rank ? root->axis_labels[axis] : summed_labels[axis - output_rank];
    }

    Tiling tiling(const Shape& sizes) const {
        Tiling tiling;
        tiling.extents.assign(extents.begin(), extents.begin() + static_cast<std::ptrdiff_t>(output_rank));
        tiling.tile_shape.assign(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(output_rank));
        for (std::size_t axis = output_rank; axis < extents.size(); ++axis) {
            if (sizes[axis] >= extents[axis]) continue;
            tiling.summed_labels += label(axis);
            tiling.summed_extents.push_back(extents[axis]);
            tiling.summed_tile.push_back(sizes[axis]);
        }
        return tiling;
    }

    // The first (largest) tile of these sizes.
    eval::TileSpec first_tile(const Shape& sizes) const { return tiling(sizes).tile(0); }

    // One tile's bytes at its worst moment; a chunked reduction also holds the output tile it adds into.
    std::size_t peak(const Shape& sizes, const eval::Schedule& schedule) const {
        eval::TileSpec spec = first_tile(sizes);
        std::size_t bytes = eval::estimate_tile(*root, spec, schedule).peak_bytes;
        if (!spec.summed.empty())
            bytes += static_cast<std::size_t>(element_count(range_shape(spec.ranges))) * sizeof(double);
        return bytes;
    }
};

std::string tile_text(const Cuttable& cuttable, const Shape& sizes) {
    std::string text;
    for (std::size_t axis = 0; axis < cuttable.extents.size(); ++axis) {
        if (axis >= cuttable.output_rank && sizes[axis] >= cuttable.extents[axis]) continue;
        const char label = cuttable.label(axis);
        text += (text.empty() ? "" : ", ") + (label ? std::string(1, label) : "axis " + std::to_string(axis)) + "=" +
                std::to_string(sizes[axis]);
    }
    return text.empty() ? "the whole scalar" : text;
}

double predicted_seconds(const OutputPlan& output, const MachineProfile& machine) {
    return cost::seconds(output, machine);
}

// Bytes read and flops over all tiles: tiles differ only at the ragged end of an axis, so each distinct
// tile shape is estimated once and weighted by how often it occurs.
void estimate_totals(const Cuttable& cuttable, const Shape& sizes, OutputPlan& output, const eval::Schedule& schedule) {
    struct Variant {
        Extent size;
        Extent count;
    };
    std::vector<std::vector<Variant>> per_axis;
    for (std::size_t axis = 0; axis < cuttable.extents.size(); ++axis) {
        const Extent extent = cuttable.extents[axis];
        const Extent tile = std::max<Extent>(sizes[axis], 1);
        std::vector<Variant> variants;
        if (extent / tile > 0) variants.push_back({tile, extent / tile});
        if (extent % tile > 0) variants.push_back({extent % tile, 1});
        if (variants.empty()) variants.push_back({0, 1});
        per_axis.push_back(variants);
    }
    std::vector<std::size_t> choice(per_axis.size(), 0);
    while (true) {
        Shape shape;
        double weight = 1;
        for (std::size_t axis = 0; axis < per_axis.size(); ++axis) {
            shape.push_back(per_axis[axis][choice[axis]].size);
            weight *= static_cast<double>(per_axis[axis][choice[axis]].count);
        }
        // A variant's tile: its output ranges, and its summed labels narrowed where the plan chunks them.
        eval::TileSpec spec;
        for (std::size_t axis = 0; axis < cuttable.output_rank; ++axis) spec.ranges.push_back({0, shape[axis]});
        for (std::size_t axis = cuttable.output_rank; axis < shape.size(); ++axis)
            if (sizes[axis] < cuttable.extents[axis]) spec.summed[cuttable.label(axis)] = {0, shape[axis]};
        eval::TileEstimate estimate = eval::estimate_tile(*cuttable.root, spec, schedule);
        output.bytes_read += weight * static_cast<double>(estimate.leaf_bytes);
        output.strided_bytes_read += weight * static_cast<double>(estimate.strided_leaf_bytes);
        output.read_runs += weight * estimate.leaf_runs;
        output.flops += weight * estimate.flops;
        std::size_t axis = per_axis.size();
        while (axis > 0 && ++choice[axis - 1] == per_axis[axis - 1].size()) choice[--axis] = 0;
        if (axis == 0) return;
    }
}

// Predicted seconds of an output tiled with `sizes`: what the tie-break between equally good cuts compares.
double predicted_seconds_of(const Cuttable& cuttable, const Shape& sizes, const eval::Schedule& schedule,
                            const MachineProfile& machine) {
    OutputPlan trial;
    trial.tiling = cuttable.tiling(sizes);
    estimate_totals(cuttable, sizes, trial, schedule);
    return predicted_seconds(trial, machine);
}

// Halves the axis in [first_axis, end_axis) whose halving lowers the tile's peak the most. Cuts within 5% of
// the best peak are equally good for memory; among them the one predicted fastest wins (the first on ties, so
// tiles stay contiguous rows in C order): it is what turns column strips into square blocks when an operand
// is read both ways, since a strip costs one read per row. std::nullopt when every such axis is down to 1.
std::optional<std::size_t> halve_best_axis(const Cuttable& cuttable, Shape& sizes, std::size_t first_axis,
                                           std::size_t end_axis, const eval::Schedule& schedule,
                                           const MachineProfile& machine) {
    std::vector<std::pair<std::size_t, std::size_t>> candidates;  // (axis, peak after halving it)
    for (std::size_t axis = first_axis; axis < end_axis; ++axis) {
        if (sizes[axis] <= 1) continue;
        Shape candidate = sizes;
        candidate[axis] = (candidate[axis] + 1) / 2;
        candidates.emplace_back(axis, cuttable.peak(candidate, schedule));
    }
    if (candidates.empty()) return std::nullopt;
    std::size_t best_peak = candidates.front().second;
    for (const auto& [axis, peak] : candidates) best_peak = std::min(best_peak, peak);
    std::optional<std::size_t> chosen;
    double chosen_seconds = 0;
    for (const auto& [axis, peak] : candidates) {
        if (static_cast<double>(peak) > 1.05 * static_cast<double>(best_peak)) continue;
        Shape candidate = sizes;
        candidate[axis] = (candidate[axis] + 1) / 2;
        const double seconds = predicted_seconds_of(cuttable, candidate, schedule, machine);
        if (!chosen || seconds < chosen_seconds * (1 - 1e-9)) {
            chosen = axis;
            chosen_seconds = seconds;
        }
    }
    sizes[*chosen] = (sizes[*chosen] + 1) / 2;
    return chosen;
}

// The orders in which axes are cut. outputs_first: output axes down to the target (their tiles are independent),
// summed labels only while a tile is over half the budget (each chunk adds a partial result). summed_first:
// summed labels down to the target, then output axes: a small output summed over a large input then reads that
// input in row blocks where output tiles would read it in column blocks. together: every axis in one phase, so
// an operand read both ways (A and its transpose) is cut into square blocks rather than strips.
enum class CutOrder { outputs_first, summed_first, together };

Shape cut_sizes(const Cuttable& cuttable, const std::string& name, std::size_t budget_bytes,
                const eval::Schedule& schedule, const MachineProfile& machine, CutOrder order) {
    const std::size_t target = std::min(budget_bytes / tiles_in_flight_target, tile_bytes_cap);
    Shape sizes = cuttable.extents;
    for (Extent& extent : sizes) extent = std::max<Extent>(extent, 1);
    std::optional<std::size_t> last_axis;
    Extent last_size_before = 0;
    struct Phase {
        std::size_t first_axis, end_axis, target;
    };
    const bool outputs_first = order == CutOrder::outputs_first;
    const Phase outputs{0, cuttable.output_rank, target};
    const Phase summed{cuttable.output_rank, sizes.size(), outputs_first ? budget_bytes / 2 : target};
    const std::vector<Phase> phases = order == CutOrder::together ? std::vector<Phase>{{0, sizes.size(), target}}
                                      : outputs_first             ? std::vector<Phase>{outputs, summed}
                                                                  : std::vector<Phase>{summed, outputs};
    for (const Phase& phase : phases) {
        const auto [first_axis, end_axis, phase_target] = phase;
        while (cuttable.peak(sizes, schedule) > phase_target) {
            Shape before = sizes;
            std::optional<std::size_t> axis = halve_best_axis(cuttable, sizes, first_axis, end_axis, schedule, machine);
            if (!axis) break;
            last_axis = axis;
            last_size_before = before[*axis];
        }
    }
    const std::size_t smallest_peak = cuttable.peak(sizes, schedule);
    if (smallest_peak > budget_bytes)
        fail(ErrorKind::resource,
             "memory budget " + format_bytes(static_cast<double>(budget_bytes)) + " is too small for output '" + name +
                 "': its smallest tile (" + tile_text(cuttable, sizes) + ") needs " +
                 format_bytes(static_cast<double>(smallest_peak)) + "; the smallest budget that works is --memory " +
                 format_size_option(smallest_peak));
    // The last halving may have overshot: grow that axis back to the largest size that still fits.
    if (last_axis && smallest_peak <= target) {
        Extent fits = sizes[*last_axis];
        Extent too_big = last_size_before;
        while (too_big - fits > 1) {
            Extent middle = fits + (too_big - fits) / 2;
            Shape candidate = sizes;
            candidate[*last_axis] = middle;
            (cuttable.peak(candidate, schedule) <= target ? fits : too_big) = middle;
        }
        sizes[*last_axis] = fits;
    }
    // Enough tiles for the workers to share: split the largest axis of the first phase further (smaller fits).
    // Not an empty output: it stays one empty tile however its other axes are cut.
    const Phase& first = phases.front();
    const bool empty_output = element_count(cuttable.root->shape) == 0;
    while (!empty_output && cuttable.tiling(sizes).tile_count() < minimum_tile_count) {
        auto begin = sizes.begin() + static_cast<std::ptrdiff_t>(first.first_axis);
        auto end = sizes.begin() + static_cast<std::ptrdiff_t>(first.end_axis);
        auto largest = std::max_element(begin, end);
        if (largest == end || *largest <= 1) break;
        *largest = (*largest + 1) / 2;
    }
    return sizes;
}

// The cheapest (predicted time) of the cutting orders; only outputs_first when there is no summed label.
Shape choose_sizes(const Cuttable& cuttable, const std::string& name, std::size_t budget_bytes,
                   const eval::Schedule& schedule, const MachineProfile& machine) {
    Shape best = cut_sizes(cuttable, name, budget_bytes, schedule, machine, CutOrder::outputs_first);
    if (cuttable.summed_labels.empty()) return best;
    double best_seconds = predicted_seconds_of(cuttable, best, schedule, machine);
    for (CutOrder order : {CutOrder::summed_first, CutOrder::together}) {
        Shape sizes = cut_sizes(cuttable, name, budget_bytes, schedule, machine, order);
        const double seconds = predicted_seconds_of(cuttable, sizes, schedule, machine);
        if (seconds < best_seconds) {
            best = std::move(sizes);
            best_seconds = seconds;
        }
    }
    return best;
}

}  // namespace

namespace {

struct Evaluated {
    OutputPlan output;
    eval::Schedule schedule;
};

// Tiles `root` (the expression as written or its expansion) under the options; throws Error{resource} when it
// does not fit.
Evaluated plan_root(const std::string& name, const expr::NodePtr& root, Strategy strategy, const PlanOptions& options,
                    std::set<char>& forced_used) {
    Evaluated result;
    result.schedule = choose_schedule(root, options.budget_bytes);
    OutputPlan& output = result.output;
    output.name = name;
    output.root = root;
    output.strategy = strategy;

    const Cuttable cuttable = Cuttable::of(*root);
    Shape sizes = cuttable.extents;
    for (std::size_t axis = 0; axis < sizes.size(); ++axis) {
        const char label = cuttable.label(axis);
        auto it = options.forced_tiles.find(label);
        if (label == '\0' || it == options.forced_tiles.end()) continue;
        sizes[axis] = std::clamp<Extent>(it->second, 1, std::max<Extent>(cuttable.extents[axis], 1));
        forced_used.insert(label);
        output.forced = true;
    }
    if (!output.forced) {
        sizes = choose_sizes(cuttable, name, options.budget_bytes, result.schedule, options.machine);
        // Then onto chunk boundaries of the inputs (only ever smaller, so still within the budget).
        const ChunkAlignment aligned = align_to_chunks(
            CutAxes{cuttable.root, cuttable.extents, cuttable.output_rank, cuttable.summed_labels}, sizes);
        sizes = aligned.sizes;
        output.chunk_note = aligned.note(0, cuttable.output_rank);
        output.summed_chunk_note = aligned.note(cuttable.output_rank, sizes.size());
    }
    // Sizes stay at least 1 while cutting; an output axis of extent 0 is one empty tile of size 0 (as printed).
    for (std::size_t axis = 0; axis < cuttable.output_rank; ++axis)
        sizes[axis] = std::min(sizes[axis], cuttable.extents[axis]);
    output.tiling = cuttable.tiling(sizes);
    output.peak_bytes = cuttable.peak(sizes, result.schedule);
    if (output.forced && output.peak_bytes > options.budget_bytes)
        fail(ErrorKind::resource, "forced tile " + tile_text(cuttable, sizes) + " of output '" + name + "' needs " +
                                      format_bytes(static_cast<double>(output.peak_bytes)) +
                                      ", more than the memory budget " +
                                      format_bytes(static_cast<double>(options.budget_bytes)) +
                                      "; use a smaller --tile or --memory " + format_size_option(output.peak_bytes));
    const std::size_t fitting =
        std::max<std::size_t>(1, options.budget_bytes / std::max<std::size_t>(output.peak_bytes, 1));
    output.tiles_in_flight =
        static_cast<int>(std::min<std::size_t>({fitting, static_cast<std::size_t>(2 * options.threads),
                                                static_cast<std::size_t>(output.tiling.tile_count())}));
    estimate_totals(cuttable, sizes, output, result.schedule);
    output.predicted_seconds = predicted_seconds(output, options.machine);
    return result;
}

// Predictions closer than 5% are within the cost model's error (both are then mostly fixed overheads): the plan
// that does less work, fewer flops and bytes, is the better bet there.
bool predicted_better(const OutputPlan& candidate, const OutputPlan& best) {
    const double margin = 0.05 * std::max(candidate.predicted_seconds, best.predicted_seconds);
    if (std::abs(candidate.predicted_seconds - best.predicted_seconds) > margin)
        return candidate.predicted_seconds < best.predicted_seconds;
    return candidate.flops + candidate.bytes_read < best.flops + best.bytes_read;
}

Candidate summarize(const OutputPlan& output) {
    return Candidate{output.strategy,         true, "", output.flops, output.bytes_read, output.peak_bytes,
                     output.predicted_seconds};
}

// Plans one output under the requested strategy; under auto, both and keeps the faster that fits.
// Plans one output under the requested strategy; under auto, both and keeps the faster that fits.
// `expanded` holds the output's terms as evaluated (pieces hoisted) and `terms` the same over inputs (for
// people and --json), or nothing when it cannot be expanded.
// `why_not` says why an output that has no terms cannot be expanded.
Evaluated plan_output(const expr::NamedNode& named, const std::optional<std::vector<Term>>& expanded,
                      const std::optional<std::vector<Term>>& terms, const std::string& why_not,
                      const PlanOptions& options, std::set<char>& forced_used) {
    std::vector<Candidate> considered;
    std::optional<Evaluated> best;
    std::optional<Error> first_error;
    auto consider = [&](Strategy strategy, const expr::NodePtr& root, std::vector<Term> terms) {
        try {
            Evaluated candidate = plan_root(named.name, root, strategy, options, forced_used);
            candidate.output.terms = std::move(terms);
            considered.push_back(summarize(candidate.output));
            if (!best || predicted_better(candidate.output, best->output)) best = std::move(candidate);
        } catch (const Error& error) {
            if (error.kind() != ErrorKind::resource) throw;
            considered.push_back(Candidate{strategy, false, error.what(), 0, 0, 0, 0});
            if (!first_error) first_error = error;
        }
    };

    std::string fallback_note;
    if (options.strategy != Strategy::tile) {
        if (expanded) {
            consider(Strategy::expand, terms_to_node(*expanded, *named.node), *terms);
        } else {
            std::string why = "cannot expand: ";
            why += why_not;
            considered.push_back(Candidate{Strategy::expand, false, why, 0, 0, 0, 0});
            // --strategy expand asks for every output that can be expanded; this one is evaluated as written.
            if (options.strategy == Strategy::expand)
                fallback_note = "--strategy expand " + why + "; planned as written";
        }
    }
    if (options.strategy != Strategy::expand || !fallback_note.empty()) consider(Strategy::tile, named.node, {});
    if (!best) throw *first_error;
    best->output.considered = std::move(considered);
    best->output.strategy_note = std::move(fallback_note);
    return std::move(*best);
}

// The pieces the chosen outputs read, directly or through other pieces, in their original order.
std::vector<const SharedPiece*> pieces_in_use(const PieceRegistry& registry, const std::vector<OutputPlan>& outputs) {
    std::vector<expr::NodePtr> roots;
    for (const OutputPlan& output : outputs) roots.push_back(output.root);
    std::vector<bool> used(registry.pieces().size(), false);
    auto mark = [&](const std::vector<expr::NodePtr>& from) {
        for (const expr::Node* node : expr::topological_order(from))
            for (std::size_t index = 0; index < registry.pieces().size(); ++index)
                if (registry.pieces()[index].input.get() == node) used[index] = true;
    };
    mark(roots);
    for (std::size_t index = registry.pieces().size(); index-- > 0;)  // pieces only read earlier pieces
        if (used[index]) mark({registry.pieces()[index].definition});
    std::vector<const SharedPiece*> result;
    for (std::size_t index = 0; index < used.size(); ++index)
        if (used[index]) result.push_back(&registry.pieces()[index]);
    return result;
}

}  // namespace

double predict_seconds(const OutputPlan& output, const MachineProfile& machine) {
    return predicted_seconds(output, machine);
}

const char* strategy_name(Strategy strategy) {
    switch (strategy) {
        case Strategy::automatic: return "auto";
        case Strategy::expand: return "expand";
        case Strategy::tile: return "tile";
    }
    return "?";
}

namespace {

// Fused passes replace their members' own passes.
double total_predicted_seconds(const Plan& plan) {
    double seconds = 0;
    for (const OutputPlan& piece : plan.pieces) seconds += piece.predicted_seconds;
    for (const FusedPass& pass : plan.passes) seconds += pass.predicted_seconds - pass.separate_seconds;
    for (const OutputPlan& output : plan.outputs) seconds += output.predicted_seconds;
    return seconds;
}

// Every output's terms over inputs, and the same with the policy's pieces in place; no tile is sized yet.
struct Hoisted {
    PieceRegistry registry;
    std::vector<std::optional<std::vector<Term>>> terms, expanded;
    std::vector<std::string> why_not_expanded;  // per output without terms, why (expand_terms)
};

// Expansion first, for every output, so that pieces are shared across outputs and their memory is known
// before anything is tiled: it comes out of the budget of everything else.
Hoisted hoist_terms(const expr::Program& program, const PlanOptions& options, PiecePolicy policy) {
    Hoisted hoisted{PieceRegistry(options.budget_bytes / 4, policy), {}, {}, {}};
    for (const expr::NamedNode& named : program.outputs) {
        hoisted.why_not_expanded.emplace_back();
        hoisted.terms.push_back(options.strategy != Strategy::tile
                                    ? expand_terms(named.node, &hoisted.why_not_expanded.back())
                                    : std::nullopt);
        if (hoisted.terms.back())
            for (const Term& term : *hoisted.terms.back()) hoisted.registry.count(term);
    }
    for (const auto& output_terms : hoisted.terms) {
        hoisted.expanded.push_back(output_terms);
        if (hoisted.expanded.back())
            for (Term& term : *hoisted.expanded.back()) term = hoisted.registry.hoist(term);
    }
    return hoisted;
}

// Tiles every output and piece within what the pieces and `cache_bytes` of HDF5 chunk caches leave of the budget.
Plan plan_tiles(const expr::Program& program, const PlanOptions& options, const Hoisted& hoisted,
                std::size_t cache_bytes, std::set<char>& forced_used) {
    Plan plan;
    plan.budget_bytes = options.budget_bytes;
    plan.threads = options.threads;
    plan.machine = options.machine;
    const PieceRegistry& registry = hoisted.registry;
    const auto& terms = hoisted.terms;
    const auto& expanded = hoisted.expanded;
    PlanOptions remaining = options;
    remaining.budget_bytes = options.budget_bytes - registry.bytes() - cache_bytes;

    for (std::size_t index = 0; index < program.outputs.size(); ++index) {
        Evaluated chosen = plan_output(program.outputs[index], expanded[index], terms[index],
                                       hoisted.why_not_expanded[index], remaining, forced_used);
        plan.schedule.paths.insert(chosen.schedule.paths.begin(), chosen.schedule.paths.end());
        plan.outputs.push_back(std::move(chosen.output));
    }

    // The pieces the chosen plans read, tiled like outputs (forced tile sizes name the user's indices, not theirs).
    PlanOptions for_pieces = remaining;
    for_pieces.forced_tiles.clear();
    std::set<char> unused;
    for (const SharedPiece* piece : pieces_in_use(registry, plan.outputs)) {
        Evaluated planned = plan_root(piece->input->name, piece->definition, Strategy::tile, for_pieces, unused);
        plan.schedule.paths.insert(planned.schedule.paths.begin(), planned.schedule.paths.end());
        plan.pieces.push_back(std::move(planned.output));
        plan.piece_bytes += piece->bytes;
    }
    fuse_pieces(plan, for_pieces);
    return plan;
}

// Chunk caches may take up to this share of what the pieces leave; the tiles keep the rest.
constexpr std::size_t cache_share_numerator = 3, cache_share_denominator = 4;
// Tile sizes decide the caches and the caches shrink the tiles' budget: re-planned at most this many times.
constexpr int max_cache_rounds = 3;

// The plan with its HDF5 chunk caches inside the budget (chunk_cache.hpp). Tiles are planned first with nothing
// reserved; the caches their tiling wants (those that fit a share of the budget, the rest at HDF5's default) are
// then reserved and the tiles planned again, until the caches need no more than was reserved. When that does not
// settle, or the tiles do not fit beside the caches, every chunked input keeps HDF5's default cache, reserved too.
Plan plan_hoisted(const expr::Program& program, const PlanOptions& options, const Hoisted& hoisted,
                  std::set<char>& forced_used) {
    const std::size_t after_pieces = options.budget_bytes - hoisted.registry.bytes();
    const std::size_t cache_limit = after_pieces / cache_share_denominator * cache_share_numerator;
    auto settle = [&](Plan plan, const ChunkCaches& caches) {
        plan.chunk_cache_wanted_bytes = chunk_caches_wanted(plan);
        plan.chunk_cache_bytes = caches.bytes;
        plan.chunk_cache_total_bytes = caches.total_bytes;
        return plan;
    };
    std::size_t reserved = 0;
    for (int round = 0; round <= max_cache_rounds; ++round) {
        std::optional<Plan> plan;
        try {
            plan = plan_tiles(program, options, hoisted, reserved, forced_used);
        } catch (const Error& error) {
            if (error.kind() != ErrorKind::resource || reserved == 0) throw;
            break;
        }
        const ChunkCaches caches = fit_chunk_caches(chunk_caches_wanted(*plan), cache_limit);
        if (caches.total_bytes <= reserved) return settle(std::move(*plan), caches);
        if (caches.total_bytes >= after_pieces) break;
        reserved = caches.total_bytes;
    }
    std::size_t chunked_inputs = 0;
    for (const expr::NamedNode& input : program.inputs) chunked_inputs += !input.node->chunk_shape.empty();
    const std::size_t defaults = chunked_inputs * hdf5_default_chunk_cache_bytes;
    if (defaults >= after_pieces) {
        std::string message = "memory budget ";
        message.append(format_bytes(static_cast<double>(options.budget_bytes)))
            .append(" is too small: HDF5's default chunk caches of ")
            .append(std::to_string(chunked_inputs))
            .append(" chunked input(s) take ")
            .append(format_bytes(static_cast<double>(defaults)))
            .append(" of it; give --memory well above ")
            .append(format_size_option(defaults + hoisted.registry.bytes()));
        fail(ErrorKind::resource, message);
    }
    Plan plan = plan_tiles(program, options, hoisted, defaults, forced_used);
    // Computed before the call: in settle(std::move(plan), ...(plan)) the order of argument evaluation is
    // unspecified, and g++ and clang did read `plan` on different sides of its move.
    const ChunkCaches caches = fit_chunk_caches(chunk_caches_wanted(plan), 0);
    return settle(std::move(plan), caches);
}

}  // namespace

Plan make_plan(const expr::Program& program, const PlanOptions& options) {
    TILESUM_ASSERT(options.threads >= 1);
    if (options.budget_bytes < options.minimum_budget)
        fail(ErrorKind::resource, "memory budget " + format_bytes(static_cast<double>(options.budget_bytes)) +
                                      " is too small: the smallest budget tilesum accepts is --memory " +
                                      format_size_option(options.minimum_budget));

    std::set<char> forced_used;
    const Hoisted few_pieces = hoist_terms(program, options, PiecePolicy::independent_or_shared);
    Plan plan = plan_hoisted(program, options, few_pieces, forced_used);
    // The other piece policy, sized only when it makes other pieces, and kept when predicted faster (its pieces
    // read inputs in their own best order).
    const Hoisted every_piece = hoist_terms(program, options, PiecePolicy::every_reduction);
    if (every_piece.registry.pieces().size() != few_pieces.registry.pieces().size()) {
        std::set<char> other_forced_used;
        Plan other = plan_hoisted(program, options, every_piece, other_forced_used);
        if (total_predicted_seconds(other) < total_predicted_seconds(plan)) plan = std::move(other);
    }

    for (const auto& [label, size] : options.forced_tiles) {
        if (forced_used.count(label)) continue;
        std::string known;
        for (const OutputPlan& output : plan.outputs)
            for (char axis_label : output.root->axis_labels)
                if (axis_label && known.find(axis_label) == std::string::npos) known += axis_label;
        fail(ErrorKind::usage, std::string("--tile ") + label + "=" + std::to_string(size) +
                                   ": no output has an index '" + label +
                                   "' (output indices: " + (known.empty() ? "none" : known) + ")");
    }
    return plan;
}

}  // namespace tilesum::plan
