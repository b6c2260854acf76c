#include "engine/exec/executor.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include "engine/common/error.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/exec/memory_tensor.hpp"
#include "engine/kernels/block_ops.hpp"

namespace tilesum::exec {

namespace {

struct TileJob {
    Extent index = 0;  // in the tiling's order: output tile major, reduction chunk minor
    eval::TileSpec tile;
    eval::LeafBlocks leaves;
    std::vector<eval::LeafKey> unread;  // leaves allocated by the serial stage, read by the parallel one
    eval::Block result;
    double flops = 0;
};
using JobPtr = std::shared_ptr<TileJob>;


TensorReader& reader_for(const Bindings& bindings, const std::string& name) {
    auto it = bindings.inputs.find(name);
    TILESUM_ASSERT(it != bindings.inputs.end() && it->second);
    return *it->second;
}

// Whether the read stage has another tile to start: false (and the pipeline told so) after the last one; an
// interrupt (Ctrl-C) ends the run between tiles.
bool tiles_remain(tbb::flow_control& flow, Extent next_tile, Extent tile_count, const RunControl& control,
                  const Progress& progress) {
    if (control.interrupted && control.interrupted->load())
        fail(ErrorKind::interrupted, "interrupted after " + std::to_string(progress.tiles_done) + " of " +
                                         std::to_string(progress.tiles_total) + " tiles; no output was written");
    if (next_tile < tile_count) return true;
    flow.stop();
    return false;
}

// Fills the leaves the serial stage allocated. Reading in the parallel stage lets two tiles copy from storage
// at once (direct reads take no lock; HDF5's own reads still serialize on its global lock): with inputs in the
// page cache the copy is what bounds a pass like U·V (measured 0.9 s for 4 GiB read in the serial stage).
void read_leaves(const Bindings& bindings, const std::vector<eval::LeafKey>& unread, eval::LeafBlocks& leaves) {
    for (const eval::LeafKey& key : unread) {
        auto it = leaves.find(key);
        TILESUM_ASSERT(it != leaves.end());
        reader_for(bindings, key.input->name).read(key.ranges, it->second.data());
    }
}

void run_output(const plan::OutputPlan& output, const eval::Schedule& schedule, const Bindings& bindings, eval::Arena& arena, Progress& progress,
                const RunControl& control, RunStats& stats) {
    auto writer_it = bindings.outputs.find(output.name);
    TILESUM_ASSERT(writer_it != bindings.outputs.end() && writer_it->second);
    TensorWriter& writer = *writer_it->second;
    const expr::Node& root = *output.root;
    const Extent tile_count = output.tiling.tile_count();
    Extent next_tile = 0;

    auto read_stage = [&](tbb::flow_control& flow) -> JobPtr {
        if (!tiles_remain(flow, next_tile, tile_count, control, progress)) return nullptr;
        auto job = std::make_shared<TileJob>();
        job->index = next_tile++;
        job->tile = output.tiling.tile(job->index);
        for (eval::LeafKey& key : eval::collect_leaves(root, job->tile)) {
            Shape shape = range_shape(key.ranges);
            eval::Block block{arena.allocate(static_cast<std::size_t>(element_count(shape))), shape};
            if (element_count(shape) > 0) job->unread.push_back(key);
            job->leaves.emplace(std::move(key), std::move(block));
        }
        return job;
    };
    auto compute_stage = [&](JobPtr job) -> JobPtr {
        read_leaves(bindings, job->unread, job->leaves);
        eval::TileCost cost;
        job->result = eval::evaluate_tile(root, job->tile, job->leaves, arena, cost, schedule);
        job->flops = cost.flops;
        job->leaves.clear();  // free the input slices before the tile waits for the writer
        return job;
    };
    // Chunks of a reduction arrive in order (serial_in_order) and are added to the first one's buffer, so the
    // sum is formed in the same order whatever the number of threads.
    const Extent chunks = output.tiling.chunk_count();
    eval::Block partial_sum;
    auto write_stage = [&](JobPtr job) {
        const Extent chunk = job->index % chunks;
        if (chunks > 1) {
            if (chunk == 0) {
                partial_sum = std::move(job->result);
            } else {
                const Extent elements = element_count(partial_sum.shape);
                for (Extent element = 0; element < elements; ++element) partial_sum.data()[element] += job->result.data()[element];
            }
            job->result = {};
        }
        if (chunk == chunks - 1) {
            eval::Block& finished = chunks > 1 ? partial_sum : job->result;
            if (element_count(finished.shape) > 0) writer.write(job->tile.ranges, finished.data());
            finished = {};
        }
        stats.flops += job->flops;
        ++progress.tiles_done;
        if (control.on_progress) control.on_progress(progress);
    };

    const auto write_mode = chunks > 1 ? tbb::filter_mode::serial_in_order : tbb::filter_mode::serial_out_of_order;
    tbb::parallel_pipeline(static_cast<std::size_t>(output.tiles_in_flight),
                           tbb::make_filter<void, JobPtr>(tbb::filter_mode::serial_in_order, read_stage) &
                               tbb::make_filter<JobPtr, JobPtr>(tbb::filter_mode::parallel, compute_stage) &
                               tbb::make_filter<JobPtr, void>(write_mode, write_stage));
}

// One pass tile: its members' tiles and what they made.
struct PassTile {
    std::vector<eval::RootTile> tiles;       // one per member
    std::vector<eval::LeafKey> handed_over;  // leaves that are earlier members' tiles of this pass tile
    std::vector<eval::Block> results;
};

// Consecutive pass tiles that read the same blocks of storage (a pair of square blocks (p, q) and (q, p)), or one
// tile: the blocks are read once, by the parallel stage, and every tile of the group is evaluated from them.
struct PassJob {
    std::vector<PassTile> group;
    std::vector<eval::LeafKey> unread;  // allocated by the serial stage, read by the parallel one
    eval::LeafBlocks leaves;            // the union of the group's leaves from storage, each read once
    double flops = 0;
};
using PassJobPtr = std::shared_ptr<PassJob>;

// The leaves of `tiles` that come from storage; the others (`handed_over`) are tiles of earlier members.
std::vector<eval::LeafKey> storage_leaves(const std::vector<eval::RootTile>& tiles,
                                          const std::vector<std::string>& member_names,
                                          std::vector<eval::LeafKey>& handed_over) {
    std::vector<eval::LeafKey> from_storage;
    for (eval::LeafKey& key : eval::collect_leaves(tiles)) {
        if (std::count(member_names.begin(), member_names.end(), key.input->name)) handed_over.push_back(std::move(key));
        else from_storage.push_back(std::move(key));
    }
    return from_storage;
}

// One fused pass (plan/fuse.hpp): tile t reads its blocks of the shared input once and evaluates every member's
// part of it; the writer adds each part into the member's in-memory result, in tile order.
void run_pass(const plan::FusedPass& pass, const plan::Plan& plan, const Bindings& bindings,
              const std::vector<MemoryTensor*>& results, eval::Arena& arena, Progress& progress,
              const RunControl& control, RunStats& stats) {
    const Extent tile_count = pass.tile_count();
    Extent next_tile = 0;
    // Square blocks read the input in an order the disk cannot anticipate: let storage read it ahead in file
    // order meanwhile (measured on the seed at n = 32768 after dropping the page cache: see README).
    std::atomic<bool> pass_over{false};
    std::thread read_ahead;
    if (pass.reuses_leaves)
        read_ahead = std::thread([&reader = reader_for(bindings, pass.input), &pass_over] { reader.will_read_all(pass_over); });
    struct StopOnExit {  // also when the pass fails or is interrupted
        std::atomic<bool>& pass_over;
        std::thread& thread;
        ~StopOnExit() {
            pass_over = true;
            if (thread.joinable()) thread.join();
        }
    } stop_read_ahead{pass_over, read_ahead};
    std::vector<std::string> member_names;
    for (const plan::PassMember& member : pass.members) member_names.push_back(plan.pieces[member.piece].name);
    auto read_stage = [&](tbb::flow_control& flow) -> PassJobPtr {
        if (!tiles_remain(flow, next_tile, tile_count, control, progress)) return nullptr;
        auto job = std::make_shared<PassJob>();
        PassTile first{pass.member_tiles(plan.pieces, next_tile++), {}, {}};
        std::vector<eval::LeafKey> keys = storage_leaves(first.tiles, member_names, first.handed_over);
        job->group.push_back(std::move(first));
        // The next tile joins when it reads nothing the group does not (the second block of a pair): reading in
        // the parallel stage then needs no tile to wait for another's read.
        if (pass.reuses_leaves && next_tile < tile_count) {
            PassTile second{pass.member_tiles(plan.pieces, next_tile), {}, {}};
            const std::vector<eval::LeafKey> second_keys = storage_leaves(second.tiles, member_names, second.handed_over);
            const std::set<eval::LeafKey> first_keys(keys.begin(), keys.end());
            const bool shares_all = std::all_of(second_keys.begin(), second_keys.end(),
                                                [&](const eval::LeafKey& key) { return first_keys.count(key) > 0; });
            if (shares_all) {
                job->group.push_back(std::move(second));
                ++next_tile;
            }
        }
        for (eval::LeafKey& key : keys) {
            if (job->leaves.count(key)) continue;
            Shape shape = range_shape(key.ranges);
            eval::Block block{arena.allocate(static_cast<std::size_t>(element_count(shape))), shape};
            if (element_count(shape) > 0) job->unread.push_back(key);
            job->leaves.emplace(std::move(key), std::move(block));
        }
        return job;
    };
    auto compute_stage = [&](PassJobPtr job) -> PassJobPtr {
        read_leaves(bindings, job->unread, job->leaves);
        eval::TileCost cost;
        for (PassTile& pass_tile : job->group) {
            eval::LeafBlocks leaves = job->leaves;  // shares the blocks; handed-over tiles are this tile's own
            for (std::size_t member = 0; member < pass_tile.tiles.size(); ++member) {
                const eval::RootTile& tile = pass_tile.tiles[member];
                pass_tile.results.push_back(eval::evaluate_tile(*tile.root, tile.tile, leaves, arena, cost, plan.schedule));
                // Later members that read this one get its tile as it is (the plan checked it is exactly their read).
                for (const eval::LeafKey& key : pass_tile.handed_over)
                    if (key.input->name == member_names[member]) {
                        TILESUM_ASSERT(key.ranges == tile.tile.ranges && tile.tile.summed.empty());
                        leaves.emplace(key, pass_tile.results.back());
                    }
            }
        }
        job->flops = cost.flops;
        job->leaves.clear();
        return job;
    };
    auto write_stage = [&](PassJobPtr job) {
        for (PassTile& pass_tile : job->group) {
            for (std::size_t member = 0; member < pass.members.size(); ++member)
                if (element_count(pass_tile.results[member].shape) > 0)
                    results[member]->accumulate(pass_tile.tiles[member].tile.ranges, pass_tile.results[member].data());
            pass_tile.results.clear();
            ++progress.tiles_done;
        }
        stats.flops += job->flops;
        if (control.on_progress) control.on_progress(progress);
    };
    tbb::parallel_pipeline(static_cast<std::size_t>(pass.tiles_in_flight),
                           tbb::make_filter<void, PassJobPtr>(tbb::filter_mode::serial_in_order, read_stage) &
                               tbb::make_filter<PassJobPtr, PassJobPtr>(tbb::filter_mode::parallel, compute_stage) &
                               tbb::make_filter<PassJobPtr, void>(tbb::filter_mode::serial_in_order, write_stage));
}

}  // namespace

RunStats execute(const plan::Plan& plan, const Bindings& bindings, const RunControl& control) {
    kernels::use_single_threaded_blas();
    tbb::global_control thread_limit(tbb::global_control::max_allowed_parallelism,
                                     static_cast<std::size_t>(plan.threads));
    // Shared pieces and HDF5's chunk caches live outside the arena, so the arena gets what the plan left for tiles.
    TILESUM_ASSERT(plan.piece_bytes + plan.chunk_cache_total_bytes <= plan.budget_bytes);
    eval::Arena arena(plan.budget_bytes - plan.piece_bytes - plan.chunk_cache_total_bytes, eval::Arena::Mode::real);
    // Pieces run alone or in fused passes, in the plan's order; without one (plans made by hand), alone in order.
    std::vector<plan::Plan::PieceStep> steps = plan.piece_steps;
    if (steps.empty())
        for (std::size_t piece = 0; piece < plan.pieces.size(); ++piece) steps.push_back({false, piece});
    Progress progress;
    for (const plan::Plan::PieceStep& step : steps)
        progress.tiles_total += step.fused ? plan.passes[step.index].tile_count()
                                           : plan.pieces[step.index].tiling.tile_count();
    for (const plan::OutputPlan& output : plan.outputs) progress.tiles_total += output.tiling.tile_count();
    RunStats stats;

    // Pieces first, each into memory (zeros, which fused passes add into), then readable by later pieces and the
    // outputs under its name.
    Bindings with_pieces = bindings;
    std::vector<std::unique_ptr<MemoryTensor>> pieces;
    for (const plan::OutputPlan& piece : plan.pieces) {
        pieces.push_back(std::make_unique<MemoryTensor>(piece.root->shape));
        with_pieces.outputs[piece.name] = pieces.back().get();
    }
    for (const plan::Plan::PieceStep& step : steps) {
        if (!step.fused) {
            run_output(plan.pieces[step.index], plan.schedule, with_pieces, arena, progress, control, stats);
            with_pieces.inputs[plan.pieces[step.index].name] = pieces[step.index].get();
            continue;
        }
        const plan::FusedPass& pass = plan.passes[step.index];
        std::vector<MemoryTensor*> results;
        for (const plan::PassMember& member : pass.members) results.push_back(pieces[member.piece].get());
        run_pass(pass, plan, with_pieces, results, arena, progress, control, stats);
        for (const plan::PassMember& member : pass.members)
            with_pieces.inputs[plan.pieces[member.piece].name] = pieces[member.piece].get();
    }
    for (const plan::OutputPlan& output : plan.outputs)
        run_output(output, plan.schedule, with_pieces, arena, progress, control, stats);
    stats.arena_peak_bytes = arena.peak_bytes();
    return stats;
}

}  // namespace tilesum::exec
