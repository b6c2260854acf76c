#include "engine/plan/fuse.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "engine/common/error.hpp"
#include "engine/eval/slabs.hpp"
#include "engine/plan/cost_model.hpp"

namespace tilesum::plan {

namespace {

// The labels with which einsum `root` reads the input `name` as an operand of its own; std::nullopt when it does
// not. Its first such operand decides: a second one (the input transposed) is read through the same labels.
std::optional<std::string> labels_reading(const expr::Node& root, const std::string& name) {
    if (root.kind != expr::NodeKind::einsum) return std::nullopt;
    for (std::size_t position = 0; position < root.operands.size(); ++position) {
        const expr::Node& operand = *root.operands[position];
        if (operand.kind == expr::NodeKind::input && operand.name == name) return root.operand_labels[position];
    }
    return std::nullopt;
}

struct InputUse {
    const expr::Node* node = nullptr;
    std::vector<std::size_t> readers;  // pieces reading it as an operand
};

// Earliest level of every piece: one more than the latest piece it reads (0 when it reads none).
std::vector<std::size_t> earliest_levels(const Plan& plan, const std::vector<std::vector<std::size_t>>& reads) {
    std::vector<std::size_t> level(plan.pieces.size(), 0);
    for (std::size_t piece = 0; piece < plan.pieces.size(); ++piece)  // pieces only read earlier pieces
        for (std::size_t read : reads[piece]) level[piece] = std::max(level[piece], level[read] + 1);
    return level;
}

std::vector<std::vector<std::size_t>> pieces_read(const Plan& plan) {
    std::map<std::string, std::size_t> index;
    for (std::size_t piece = 0; piece < plan.pieces.size(); ++piece) index[plan.pieces[piece].name] = piece;
    std::vector<std::vector<std::size_t>> reads(plan.pieces.size());
    for (std::size_t piece = 0; piece < plan.pieces.size(); ++piece)
        for (const expr::Node* node : expr::topological_order({plan.pieces[piece].root}))
            if (node->kind == expr::NodeKind::input)
                if (auto it = index.find(node->name); it != index.end()) {
                    TILESUM_ASSERT(it->second < piece);
                    reads[piece].push_back(it->second);
                }
    return reads;
}

}  // namespace

Extent FusedPass::tile_count() const { return block_count(extents, block); }

eval::TileSpec FusedPass::member_tile(const expr::Node& root, const PassMember& member, Extent tile) const {
    const Ranges blocks = block_ranges(extents, block, order.empty() ? tile : order[static_cast<std::size_t>(tile)]);
    std::map<char, Range> cut;  // the member's labels along cut axes of the shared input
    for (std::size_t axis = 0; axis < extents.size(); ++axis)
        if (block[axis] < extents[axis]) cut[member.labels[axis]] = blocks[axis];
    eval::TileSpec spec;
    for (std::size_t axis = 0; axis < root.shape.size(); ++axis) {
        auto it = cut.find(root.output_labels[axis]);
        spec.ranges.push_back(it != cut.end() ? it->second : Range{0, root.shape[axis]});
    }
    for (const auto& [label, range] : cut)
        if (root.output_labels.find(label) == std::string::npos) spec.summed[label] = range;
    return spec;
}

std::vector<eval::RootTile> FusedPass::member_tiles(const std::vector<OutputPlan>& pieces, Extent tile) const {
    std::vector<eval::RootTile> tiles;
    for (const PassMember& member : members) {
        const expr::Node& root = *pieces[member.piece].root;
        tiles.push_back({&root, member_tile(root, member, tile)});
    }
    return tiles;
}

namespace {

// The leaves of pass tile `tile` that are not read from storage: tiles of earlier members of the same pass.
std::vector<eval::LeafKey> produced_in_pass(const Plan& plan, const FusedPass& pass,
                                            const std::vector<eval::RootTile>& tiles) {
    std::vector<eval::LeafKey> produced;
    for (const eval::LeafKey& key : eval::collect_leaves(tiles))
        for (const PassMember& member : pass.members)
            if (key.input->name == plan.pieces[member.piece].name) produced.push_back(key);
    return produced;
}

// Whether every member that reads an earlier member of the pass reads exactly that member's tile, and that tile
// is complete (not one slab of a reduction), at every tile: then the tile itself can be handed over.
bool reads_within_pass_complete(const Plan& plan, const FusedPass& pass) {
    // Tiles are alike but for ragged ends: the first ones and the last ones stand for all.
    const Extent tiles = pass.tile_count();
    std::vector<Extent> checked;
    for (Extent tile = 0; tile < tiles; ++tile)
        if (tile < 3 || tile + 3 > tiles) checked.push_back(tile);
    for (Extent tile : checked) {
        const std::vector<eval::RootTile> tiles = pass.member_tiles(plan.pieces, tile);
        for (std::size_t consumer = 0; consumer < tiles.size(); ++consumer)
            for (const eval::LeafKey& key : eval::collect_leaves(*tiles[consumer].root, tiles[consumer].tile)) {
                for (std::size_t producer = 0; producer < tiles.size(); ++producer) {
                    if (key.input->name != plan.pieces[pass.members[producer].piece].name) continue;
                    const eval::TileSpec& made = tiles[producer].tile;
                    if (producer >= consumer || !made.summed.empty() || made.ranges != key.ranges) return false;
                }
            }
    }
    return true;
}

// What one tile adds to the pass: peak bytes, and bytes and runs read (leaves kept from the previous tile, or made
// by members within the tile, are not read).
eval::TileEstimate estimate_pass_tile(const Plan& plan, const FusedPass& pass, Extent tile) {
    const std::vector<eval::RootTile> tiles = pass.member_tiles(plan.pieces, tile);
    std::vector<eval::LeafKey> not_read = produced_in_pass(plan, pass, tiles);
    if (pass.reuses_leaves && tile > 0)
        for (eval::LeafKey& key : eval::collect_leaves(pass.member_tiles(plan.pieces, tile - 1)))
            not_read.push_back(std::move(key));
    return eval::estimate_tiles(tiles, plan.schedule, not_read);
}

// The largest peak of a tile: among the tiles whose blocks are first or second along every axis, which include
// a block off the diagonal (two blocks read) where tile 0 of a square blocking reads one.
std::size_t tile_peak(const Plan& plan, const FusedPass& pass) {
    std::size_t peak = 0;
    const std::size_t rank = pass.extents.size();
    for (unsigned corner = 0; corner < (1u << rank); ++corner) {
        Extent block_index = 0;
        bool exists = true;
        for (std::size_t axis = 0; axis < rank; ++axis) {
            const Extent blocks = (pass.extents[axis] + pass.block[axis] - 1) / pass.block[axis];
            const Extent coordinate = (corner >> axis) & 1u;
            if (coordinate >= std::max<Extent>(blocks, 1)) exists = false;
            block_index = block_index * blocks + coordinate;
        }
        if (!exists) continue;
        FusedPass unordered = pass;  // by block index, whatever the tile order
        unordered.order.clear();
        unordered.reuses_leaves = false;
        peak = std::max(
            peak, eval::estimate_tiles(unordered.member_tiles(plan.pieces, block_index), plan.schedule).peak_bytes);
    }
    return peak;
}

// Flops, bytes and runs over all tiles. Tiles differ by more than their ragged ends here (a tile on the diagonal
// of a square blocking reads one block where others read two), so every tile is estimated, or for very many
// tiles an evenly spaced sample of them, scaled up.
void estimate_pass(const Plan& plan, FusedPass& pass) {
    constexpr Extent most_tiles_estimated = 4096;
    const Extent tiles = pass.tile_count();
    const Extent step = std::max<Extent>(1, tiles / most_tiles_estimated);
    Extent estimated = 0;
    for (Extent tile = 0; tile < tiles; tile += step, ++estimated) {
        const eval::TileEstimate estimate = estimate_pass_tile(plan, pass, tile);
        pass.flops += estimate.flops;
        pass.bytes_read += static_cast<double>(estimate.leaf_bytes);
        pass.read_runs += estimate.leaf_runs;
        pass.split.add(estimate, 1.0);
    }
    const double scale = static_cast<double>(tiles) / static_cast<double>(estimated);
    pass.flops *= scale;
    pass.bytes_read *= scale;
    pass.read_runs *= scale;
    pass.split.kernels = pass.split.kernels.scaled(scale);
    pass.split.chunked_bytes_read *= scale;
    pass.split.filtered_bytes_read *= scale;
}

// Square blocks of a square input in pairs: (p, q) then (q, p), diagonal blocks alone. Pairs go in the order of
// their later block row, so the pass wants the input in file order: everything it needs once block row m is read
// comes before anything that needs block row m + 1, and a read-ahead in file order (TensorReader::will_read_all)
// keeps it fed from a cold disk.
std::vector<Extent> paired_order(const Shape& extents, const Shape& block) {
    const Extent blocks = (extents[0] + block[0] - 1) / block[0];
    std::vector<Extent> order;
    for (Extent later = 0; later < blocks; ++later) {
        for (Extent earlier = 0; earlier < later; ++earlier) {
            order.push_back(earlier * blocks + later);
            order.push_back(later * blocks + earlier);
        }
        order.push_back(later * blocks + later);
    }
    return order;
}

// The block of `size` along the first `cut_axes` axes (at most their extent), whole along the others.
Shape block_of(const Shape& extents, std::size_t cut_axes, Extent size) {
    Shape block = extents;
    for (std::size_t axis = 0; axis < cut_axes && axis < extents.size(); ++axis)
        block[axis] = std::max<Extent>(1, std::min(size, extents[axis]));
    return block;
}

// The pass with the largest blocks whose tile fits `target`, cutting the first `cut_axes` axes of the input
// alike (1: row blocks; 2: square blocks, for members that read the input both ways). std::nullopt when even
// blocks of one element do not fit, or when a member reading another's tile would get a part of it.
std::optional<FusedPass> sized_pass(const Plan& plan, FusedPass pass, std::size_t cut_axes, std::size_t target) {
    Extent largest = 1;
    for (std::size_t axis = 0; axis < cut_axes && axis < pass.extents.size(); ++axis)
        largest = std::max(largest, pass.extents[axis]);
    auto fits = [&](Extent size) {
        pass.block = block_of(pass.extents, cut_axes, size);
        return tile_peak(plan, pass) <= target;
    };
    if (!fits(1)) return std::nullopt;
    Extent low = 1, high = largest;  // fits(low); find the largest that fits
    while (low < high) {
        const Extent middle = low + (high - low + 1) / 2;
        if (fits(middle))
            low = middle;
        else
            high = middle - 1;
    }
    pass.block = block_of(pass.extents, cut_axes, low);
    // Enough tiles for the workers to share, as for an output's tiles (smaller blocks still fit).
    while (pass.tile_count() < cost::minimum_tile_count && low > 1) {
        low = (low + 1) / 2;
        pass.block = block_of(pass.extents, cut_axes, low);
    }
    if (!reads_within_pass_complete(plan, pass)) return std::nullopt;
    pass.peak_bytes = tile_peak(plan, pass);
    if (cut_axes == 2 && pass.extents.size() >= 2 && pass.extents[0] == pass.extents[1] &&
        pass.block[0] == pass.block[1] && pass.block[0] < pass.extents[0]) {
        pass.order = paired_order(pass.extents, pass.block);
        pass.reuses_leaves = true;
    }
    estimate_pass(plan, pass);
    return pass;
}

// The faster of row and square blocks for these members over `input`, if it beats their own passes.
std::optional<FusedPass> best_pass(const Plan& plan, const expr::Node& input, const std::vector<std::size_t>& members,
                                   const PlanOptions& options) {
    FusedPass pass;
    pass.input = input.name;
    pass.extents = input.shape;
    for (std::size_t piece : members) {
        pass.members.push_back({piece, *labels_reading(*plan.pieces[piece].root, input.name)});
        pass.separate_seconds += plan.pieces[piece].predicted_seconds;
    }
    // With many tiles the members' compensations (pass tiles added with compensated summation, exec/pass_run.cpp)
    // are held beside the tiles in flight, like an output's partial sum; each tile's peak counts its share of them.
    // Sized without them first: a pass of few tiles needs none.
    std::size_t compensation_bytes = 0;
    for (std::size_t piece : members)
        compensation_bytes += static_cast<std::size_t>(element_count(plan.pieces[piece].root->shape)) * sizeof(double);
    auto sized_within = [&](std::size_t reserved) -> std::optional<FusedPass> {
        if (reserved >= options.budget_bytes) return std::nullopt;
        const std::size_t target = cost::tile_target_bytes(options.budget_bytes - reserved);
        std::optional<FusedPass> best;
        for (std::size_t cut_axes = 1; cut_axes <= std::min<std::size_t>(2, input.shape.size()); ++cut_axes) {
            std::optional<FusedPass> sized = sized_pass(plan, pass, cut_axes, target);
            if (!sized) continue;
            // A pass that keeps the previous tile's leaves holds at most one tile more.
            sized->tiles_in_flight = cost::tiles_in_flight(options.budget_bytes - reserved, sized->peak_bytes,
                                                           options.threads, sized->tile_count(),
                                                           sized->reuses_leaves ? 1 : 0);
            const int busy = cost::busy_threads(options.threads, sized->tiles_in_flight);
            sized->predicted_seconds = cost::seconds(sized->tile_count(), sized->split, sized->bytes_read,
                                                     sized->read_runs, options.machine, busy) +
                                       cost::first_touch_seconds(sized->peak_bytes, busy, options.machine);
            if (!best || sized->predicted_seconds < best->predicted_seconds) best = std::move(sized);
        }
        return best;
    };
    std::optional<FusedPass> best = sized_within(0);
    if (best && eval::compensated_terms(best->tile_count())) best = sized_within(compensation_bytes);
    if (!best || best->predicted_seconds >= best->separate_seconds) return std::nullopt;
    if (eval::compensated_terms(best->tile_count()))
        best->peak_bytes += compensation_bytes / static_cast<std::size_t>(best->tiles_in_flight);
    return best;
}

}  // namespace

void fuse_pieces(Plan& plan, const PlanOptions& options) {
    plan.passes.clear();
    plan.piece_steps.clear();
    const std::size_t count = plan.pieces.size();
    const std::vector<std::vector<std::size_t>> reads = pieces_read(plan);
    const std::vector<std::size_t> earliest = earliest_levels(plan, reads);
    const std::size_t last_level = count == 0 ? 0 : *std::max_element(earliest.begin(), earliest.end());
    // The latest level a piece may run at: before the earliest of the pieces that read it.
    std::vector<std::size_t> latest(count, last_level);
    for (std::size_t piece = 0; piece < count; ++piece)
        for (std::size_t read : reads[piece]) latest[read] = std::min(latest[read], earliest[piece] - 1);

    // The inputs pieces read directly, largest first (ties by name, so plans are reproducible).
    std::map<std::string, InputUse> uses;
    for (std::size_t piece = 0; piece < count; ++piece) {
        const expr::Node& root = *plan.pieces[piece].root;
        if (root.kind != expr::NodeKind::einsum) continue;
        for (const expr::NodePtr& operand : root.operands) {
            // (An empty input, with an extent 0, has nothing to read in one pass or several.)
            if (operand->kind != expr::NodeKind::input || operand->piece || operand->shape.empty() ||
                element_count(operand->shape) == 0)
                continue;
            InputUse& use = uses[operand->name];
            use.node = operand.get();
            if (use.readers.empty() || use.readers.back() != piece) use.readers.push_back(piece);
        }
    }
    std::vector<const InputUse*> by_size;
    for (const auto& [name, use] : uses)
        if (use.readers.size() >= 2) by_size.push_back(&use);
    std::stable_sort(by_size.begin(), by_size.end(), [](const InputUse* left, const InputUse* right) {
        return element_count(left->node->shape) > element_count(right->node->shape);
    });

    std::vector<std::optional<std::size_t>> level_of(count);
    std::vector<std::size_t> pass_level;
    for (const InputUse* use : by_size) {
        // The level where most of its unassigned readers may run.
        std::size_t best_level = 0, best_members = 0;
        for (std::size_t level = 0; level <= last_level; ++level) {
            std::size_t members = 0;
            for (std::size_t piece : use->readers)
                if (!level_of[piece] && earliest[piece] <= level && level <= latest[piece]) ++members;
            if (members > best_members) {
                best_level = level;
                best_members = members;
            }
        }
        if (best_members < 2) continue;
        std::vector<std::size_t> members;
        for (std::size_t piece : use->readers)
            if (!level_of[piece] && earliest[piece] <= best_level && best_level <= latest[piece])
                members.push_back(piece);
        // Readers that read members as well may join at the same level when each tile hands them the member's
        // tile (the seed's Σ_i Z2_ik v_i with v_i = Σ_j Y2_j Z2_ij, row blocks of Z2): everything else they read
        // must be done by then.
        std::vector<std::size_t> with_joiners = members;
        for (bool grew = true; grew;) {
            grew = false;
            for (std::size_t piece : use->readers) {
                if (level_of[piece] || std::count(with_joiners.begin(), with_joiners.end(), piece)) continue;
                const bool ready = std::all_of(reads[piece].begin(), reads[piece].end(), [&](std::size_t read) {
                    return std::count(with_joiners.begin(), with_joiners.end(), read) ||
                           (level_of[read] && *level_of[read] < best_level);
                });
                if (!ready || best_level > latest[piece]) continue;
                with_joiners.push_back(piece);
                grew = true;
            }
        }
        std::sort(with_joiners.begin(), with_joiners.end());  // producers before consumers
        std::optional<FusedPass> pass;
        if (with_joiners.size() > members.size()) {
            pass = best_pass(plan, *use->node, with_joiners, options);
            if (pass) members = with_joiners;
        }
        if (!pass) pass = best_pass(plan, *use->node, members, options);
        if (!pass) continue;
        for (std::size_t piece : members) level_of[piece] = best_level;
        plan.passes.push_back(std::move(*pass));
        pass_level.push_back(best_level);
    }

    for (std::size_t level = 0; level <= last_level; ++level) {
        for (std::size_t pass = 0; pass < plan.passes.size(); ++pass)
            if (pass_level[pass] == level) plan.piece_steps.push_back({true, pass});
        for (std::size_t piece = 0; piece < count; ++piece)
            if (!level_of[piece] && earliest[piece] == level) plan.piece_steps.push_back({false, piece});
    }
}

}  // namespace tilesum::plan
