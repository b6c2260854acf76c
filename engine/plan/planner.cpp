// Chooses, per output, the tile shape: the largest tiles whose every buffer (input slices, slices of every
// would-be intermediate, output slice) fits a share of the budget, measured by a dry run of the tile.
#include <algorithm>
#include <set>

#include "engine/common/bytes.hpp"
#include "engine/common/error.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/plan/contraction_path.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

namespace {

// Each tile aims at a quarter of the budget so that at least four tiles can be in flight: reading the next
// tiles overlaps computing the current ones on two cores. A tile that only fits the whole budget still runs,
// one at a time.
constexpr std::size_t tiles_in_flight_target = 4;
// Below this many tiles an output is split further, so that the workers have something to share.
constexpr Extent minimum_tile_count = 8;

std::size_t tile_peak(const expr::Node& root, const Shape& tile_shape, const eval::Schedule& schedule) {
    return eval::estimate_tile(root, full_ranges(tile_shape), schedule).peak_bytes;
}

// The cheapest contraction order of every einsum reachable from `root`, for the full extents.
eval::Schedule choose_schedule(const expr::NodePtr& root) {
    eval::Schedule schedule;
    for (const expr::Node* node : expr::topological_order({root})) {
        if (node->kind != expr::NodeKind::einsum || node->operands.size() < 3) continue;
        std::map<char, Extent> extents;
        for (std::size_t position = 0; position < node->operands.size(); ++position)
            for (std::size_t axis = 0; axis < node->operand_labels[position].size(); ++axis)
                extents[node->operand_labels[position][axis]] = node->operands[position]->shape[axis];
        schedule.paths[node] = choose_path(node->operand_labels, node->output_labels, extents);
    }
    return schedule;
}

std::string tile_text(const expr::Node& root, const Tiling& tiling) {
    std::string text;
    for (std::size_t axis = 0; axis < tiling.extents.size(); ++axis) {
        char label = root.axis_labels[axis];
        text += (text.empty() ? "" : ", ") +
                (label ? std::string(1, label) : "axis " + std::to_string(axis)) + "=" +
                std::to_string(tiling.tile_shape[axis]);
    }
    return text.empty() ? "the whole scalar" : text;
}

// Halves the axis whose halving lowers the tile's peak the most (the first such axis on ties, so tiles stay
// contiguous rows in C order). Returns the axis, or std::nullopt when every axis is down to 1.
std::optional<std::size_t> halve_best_axis(const expr::Node& root, Shape& tile_shape, const eval::Schedule& schedule) {
    std::optional<std::size_t> best_axis;
    std::size_t best_peak = 0;
    for (std::size_t axis = 0; axis < tile_shape.size(); ++axis) {
        if (tile_shape[axis] <= 1) continue;
        Shape candidate = tile_shape;
        candidate[axis] = (candidate[axis] + 1) / 2;
        std::size_t peak = tile_peak(root, candidate, schedule);
        if (!best_axis || peak < best_peak) {
            best_axis = axis;
            best_peak = peak;
        }
    }
    if (best_axis) tile_shape[*best_axis] = (tile_shape[*best_axis] + 1) / 2;
    return best_axis;
}

Shape choose_tile_shape(const expr::Node& root, const std::string& name, std::size_t budget_bytes,
                        const eval::Schedule& schedule) {
    const std::size_t target = budget_bytes / tiles_in_flight_target;
    Shape tile_shape = root.shape;
    for (Extent& extent : tile_shape) extent = std::max<Extent>(extent, 1);
    std::optional<std::size_t> last_axis;
    Extent last_size_before = 0;
    while (tile_peak(root, tile_shape, schedule) > target) {
        Shape before = tile_shape;
        std::optional<std::size_t> axis = halve_best_axis(root, tile_shape, schedule);
        if (!axis) break;
        last_axis = axis;
        last_size_before = before[*axis];
    }
    const std::size_t smallest_peak = tile_peak(root, tile_shape, schedule);
    if (smallest_peak > budget_bytes) {
        Tiling tiling{root.shape, tile_shape};
        fail(ErrorKind::resource, "memory budget " + format_bytes(static_cast<double>(budget_bytes)) +
                                      " is too small for output '" + name + "': its smallest tile (" +
                                      tile_text(root, tiling) + ") needs " +
                                      format_bytes(static_cast<double>(smallest_peak)) +
                                      "; the smallest budget that works is --memory " +
                                      format_size_option(smallest_peak));
    }
    // The last halving may have overshot: grow that axis back to the largest size that still fits.
    if (last_axis && smallest_peak <= target) {
        Extent fits = tile_shape[*last_axis];
        Extent too_big = last_size_before;
        while (too_big - fits > 1) {
            Extent middle = fits + (too_big - fits) / 2;
            Shape candidate = tile_shape;
            candidate[*last_axis] = middle;
            (tile_peak(root, candidate, schedule) <= target ? fits : too_big) = middle;
        }
        tile_shape[*last_axis] = fits;
    }
    // Enough tiles for the workers to share: split the largest axis further (smaller tiles always fit).
    while (Tiling{root.shape, tile_shape}.tile_count() < minimum_tile_count) {
        auto largest = std::max_element(tile_shape.begin(), tile_shape.end());
        if (largest == tile_shape.end() || *largest <= 1) break;
        *largest = (*largest + 1) / 2;
    }
    return tile_shape;
}

// Bytes read and flops over all tiles: tiles differ only at the ragged end of an axis, so each distinct
// tile shape is estimated once and weighted by how often it occurs.
void estimate_totals(OutputPlan& output, const eval::Schedule& schedule) {
    const Tiling& tiling = output.tiling;
    struct Variant {
        Extent size;
        Extent count;
    };
    std::vector<std::vector<Variant>> per_axis;
    for (std::size_t axis = 0; axis < tiling.extents.size(); ++axis) {
        const Extent extent = tiling.extents[axis];
        const Extent tile = std::max<Extent>(tiling.tile_shape[axis], 1);
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
        eval::TileEstimate estimate = eval::estimate_tile(*output.root, full_ranges(shape), schedule);
        output.bytes_read += weight * static_cast<double>(estimate.leaf_bytes);
        output.flops += weight * estimate.flops;
        std::size_t axis = per_axis.size();
        while (axis > 0 && ++choice[axis - 1] == per_axis[axis - 1].size()) choice[--axis] = 0;
        if (axis == 0) return;
    }
}

}  // namespace

namespace {

struct Evaluated {
    OutputPlan output;
    eval::Schedule schedule;
};

// Tiles `root` (the expression as written or its expansion) under the options; throws Error{resource} when it
// does not fit.
Evaluated plan_root(const std::string& name, const expr::NodePtr& root, Strategy strategy,
                    const PlanOptions& options, std::set<char>& forced_used) {
    Evaluated result;
    result.schedule = choose_schedule(root);
    OutputPlan& output = result.output;
    output.name = name;
    output.root = root;
    output.strategy = strategy;

    Shape forced_shape = root->shape;
    for (std::size_t axis = 0; axis < root->shape.size(); ++axis) {
        auto it = options.forced_tiles.find(root->axis_labels[axis]);
        if (root->axis_labels[axis] == '\0' || it == options.forced_tiles.end()) continue;
        forced_shape[axis] = std::clamp<Extent>(it->second, 1, std::max<Extent>(root->shape[axis], 1));
        forced_used.insert(it->first);
        output.forced = true;
    }
    output.tiling = Tiling{root->shape, output.forced ? forced_shape
                                                      : choose_tile_shape(*root, name, options.budget_bytes, result.schedule)};
    output.peak_bytes = tile_peak(*root, output.tiling.tile_shape, result.schedule);
    if (output.forced && output.peak_bytes > options.budget_bytes)
        fail(ErrorKind::resource, "forced tile " + tile_text(*root, output.tiling) + " of output '" + name + "' needs " +
                                      format_bytes(static_cast<double>(output.peak_bytes)) +
                                      ", more than the memory budget " +
                                      format_bytes(static_cast<double>(options.budget_bytes)) +
                                      "; use a smaller --tile or --memory " + format_size_option(output.peak_bytes));
    const std::size_t fitting = std::max<std::size_t>(1, options.budget_bytes / std::max<std::size_t>(output.peak_bytes, 1));
    output.tiles_in_flight = static_cast<int>(std::min<std::size_t>(
        {fitting, static_cast<std::size_t>(2 * options.threads), static_cast<std::size_t>(output.tiling.tile_count())}));
    estimate_totals(output, result.schedule);
    output.predicted_seconds =
        output.flops / options.machine.flops_per_second + output.bytes_read / options.machine.read_bytes_per_second;
    return result;
}

Candidate summarize(const OutputPlan& output) {
    return Candidate{output.strategy, true, "", output.flops, output.bytes_read, output.peak_bytes,
                     output.predicted_seconds};
}

// Plans one output under the requested strategy; under auto, both and keeps the faster that fits.
Evaluated plan_output(const expr::NamedNode& named, const PlanOptions& options, std::set<char>& forced_used) {
    std::vector<Candidate> considered;
    std::optional<Evaluated> best;
    std::optional<Error> first_error;
    auto consider = [&](Strategy strategy, const expr::NodePtr& root, std::vector<Term> terms) {
        try {
            Evaluated candidate = plan_root(named.name, root, strategy, options, forced_used);
            candidate.output.terms = std::move(terms);
            considered.push_back(summarize(candidate.output));
            if (!best || candidate.output.predicted_seconds < best->output.predicted_seconds) best = std::move(candidate);
        } catch (const Error& error) {
            if (error.kind() != ErrorKind::resource) throw;
            considered.push_back(Candidate{strategy, false, error.what(), 0, 0, 0, 0});
            if (!first_error) first_error = error;
        }
    };

    if (options.strategy != Strategy::tile) {
        std::optional<std::vector<Term>> terms = expand_terms(named.node);
        if (terms) {
            consider(Strategy::expand, terms_to_node(*terms, *named.node), *terms);
        } else {
            const std::string why = "cannot expand: a sum or product broadcasts, or the expansion exceeds " +
                                    std::to_string(max_expanded_terms) + " terms or 52 index letters";
            if (options.strategy == Strategy::expand)
                fail(ErrorKind::unsupported, "--strategy expand: output '" + named.name + "' " + why);
            considered.push_back(Candidate{Strategy::expand, false, why, 0, 0, 0, 0});
        }
    }
    if (options.strategy != Strategy::expand) consider(Strategy::tile, named.node, {});
    if (!best) throw *first_error;
    best->output.considered = std::move(considered);
    return std::move(*best);
}

}  // namespace

const char* strategy_name(Strategy strategy) {
    switch (strategy) {
        case Strategy::automatic: return "auto";
        case Strategy::expand: return "expand";
        case Strategy::tile: return "tile";
    }
    return "?";
}

Plan make_plan(const expr::Program& program, const PlanOptions& options) {
    TILESUM_ASSERT(options.threads >= 1);
    Plan plan;
    plan.budget_bytes = options.budget_bytes;
    plan.threads = options.threads;
    plan.machine = options.machine;

    std::set<char> forced_used;
    for (const expr::NamedNode& named : program.outputs) {
        Evaluated chosen = plan_output(named, options, forced_used);
        plan.schedule.paths.insert(chosen.schedule.paths.begin(), chosen.schedule.paths.end());
        plan.outputs.push_back(std::move(chosen.output));
    }

    for (const auto& [label, size] : options.forced_tiles) {
        if (forced_used.count(label)) continue;
        std::string known;
        for (const OutputPlan& output : plan.outputs)
            for (char axis_label : output.root->axis_labels)
                if (axis_label && known.find(axis_label) == std::string::npos) known += axis_label;
        fail(ErrorKind::usage, std::string("--tile ") + label + "=" + std::to_string(size) +
                                   ": no output has an index '" + label + "' (output indices: " +
                                   (known.empty() ? "none" : known) + ")");
    }
    return plan;
}

}  // namespace tilesum::plan
