#include "engine/exec/executor.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "engine/common/error.hpp"
#include "engine/common/thread_handoff.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/exec/checkpoints.hpp"
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

// The jobs between a pipeline's stages, owned here: stages pass raw pointers. When a stage throws, TBB abandons the
// items it holds between stages without destroying them (under LeakSanitizer: every tile in flight, with its arena
// buffers, lost on a disk-full write error); what is still here when the pipeline is over is freed with this.
template <class Job>
class JobsInFlight {
public:
    Job* start() {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::make_unique<Job>());
        return jobs_.back().get();
    }
    void finish(Job* job) {
        std::unique_ptr<Job> done;  // destroyed after the lock is released
        std::lock_guard lock(mutex_);
        auto it = std::find_if(jobs_.begin(), jobs_.end(),
                               [job](const std::unique_ptr<Job>& owned) { return owned.get() == job; });
        TILESUM_ASSERT(it != jobs_.end());
        done = std::move(*it);
        jobs_.erase(it);
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<Job>> jobs_;
};
using JobPtr = TileJob*;

TensorReader& reader_for(const Bindings& bindings, const std::string& name) {
    auto it = bindings.inputs.find(name);
    TILESUM_ASSERT(it != bindings.inputs.end() && it->second);
    return *it->second;
}

// Whether the read stage has another tile to start: false (and the pipeline told so) after the last one, or
// once an interrupt (Ctrl-C) was seen: the tiles in flight are then written (and recorded, for --resume) before
// the pipeline returns, and the caller reports the interrupt with throw_if_interrupted.
bool tiles_remain(tbb::flow_control& flow, Extent next_tile, Extent tile_count, const RunControl& control) {
    if (next_tile < tile_count && !(control.interrupted && control.interrupted->load())) return true;
    flow.stop();
    return false;
}

// After a pipeline stopped early by tiles_remain: the run ends with Error{interrupted}. Called on the thread that
// ran the pipeline, once it returned, so the count of written tiles is final.
void throw_if_interrupted(Extent next_tile, Extent tile_count, const Progress& progress) {
    if (next_tile < tile_count)
        fail(ErrorKind::interrupted, "interrupted after " + std::to_string(progress.tiles_done) + " of " +
                                         std::to_string(progress.tiles_total) + " tiles; no output was written");
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

// Runs the stages with ThreadSanitizer told the order TBB keeps (thread_handoff.hpp): the setup is released once
// the stages are built, and the stages' work acquired when the run ends, also when a stage threw.
void run_pipeline(Extent tiles_in_flight, const tbb::filter<void, void>& stages) {
    PipelineHandoffs handoffs;
    tbb::parallel_pipeline(static_cast<std::size_t>(tiles_in_flight), stages);
}

// An output of the plan (not a piece) records its progress: which output tiles are written, and for one summed
// in chunks, the partial sum of the tile in progress.
struct OutputCheckpoints {
    Checkpoints& checkpoints;
    std::size_t output = 0;  // index into Plan::outputs
};

// After tile `index` (the tiling's order) of an output passed the write stage: notes an output tile written, and
// when a record is due, records the written prefix, or the partial sum when a tile is half summed.
void record_output_tile(const OutputCheckpoints& recording, Extent index, Extent chunks, const eval::Block& partial_sum,
                        std::vector<char>& written, Extent& written_prefix) {
    const Extent output_tile = index / chunks, chunk = index % chunks;
    if (chunk == chunks - 1) {
        written[static_cast<std::size_t>(output_tile)] = 1;
        while (written_prefix < static_cast<Extent>(written.size()) &&
               written[static_cast<std::size_t>(written_prefix)])
            ++written_prefix;
    }
    if (!recording.checkpoints.due()) return;
    if (chunk == chunks - 1) {
        recording.checkpoints.output_checkpoint(recording.output, written_prefix);
        return;
    }
    // Summed chunks arrive in order, so every tile before this one is written.
    TILESUM_ASSERT(written_prefix == output_tile);
    recording.checkpoints.output_checkpoint(recording.output, output_tile, chunk + 1, partial_sum.data(),
                                            static_cast<std::size_t>(element_count(partial_sum.shape)));
}

void run_output(const plan::OutputPlan& output, const eval::Schedule& schedule, const Bindings& bindings,
                eval::Arena& arena, Progress& progress, const RunControl& control, RunStats& stats,
                const OutputCheckpoints* recording = nullptr) {
    auto writer_it = bindings.outputs.find(output.name);
    TILESUM_ASSERT(writer_it != bindings.outputs.end() && writer_it->second);
    TensorWriter& writer = *writer_it->second;
    const expr::Node& root = *output.root;
    const Extent tile_count = output.tiling.tile_count();
    const Extent chunks = output.tiling.slab_count();
    Extent next_tile = 0;
    // Chunks of a reduction arrive in order (serial_in_order) and are added to the first one's buffer, so the
    // sum is formed in the same order whatever the number of threads; a resumed run starts from the saved sum
    // after the same chunk, and adds the next ones in the same order: bit-identical.
    eval::Block partial_sum;
    // Tiles of an unsummed output are written out of order: the prefix all written is what gets recorded.
    std::vector<char> written;
    Extent written_prefix = 0;
    if (recording) {
        const OutputProgress start = recording->checkpoints.resumed().outputs.at(recording->output);
        written.assign(static_cast<std::size_t>(output.tiling.output_tile_count()), 0);
        written_prefix = start.tiles;
        next_tile = start.tiles * chunks + start.slabs;
        if (start.slabs > 0) {
            const Shape shape = range_shape(output.tiling.tile(next_tile).ranges);
            const auto count = static_cast<std::size_t>(element_count(shape));
            partial_sum = {arena.allocate(count), shape};
            recording->checkpoints.load(Checkpoints::partial_key(recording->output, start.tiles, start.slabs),
                                        partial_sum.data(), count);
        }
        progress.tiles_done += next_tile;
        stats.tiles_resumed += next_tile;
    }

    JobsInFlight<TileJob> jobs;  // before the stages that use it, so that it outlives the pipeline
    auto read_stage = [&](tbb::flow_control& flow) -> JobPtr {
        PipelineHandoffs::StageCall call(nullptr);
        call.serial(&next_tile);
        if (!tiles_remain(flow, next_tile, tile_count, control)) return nullptr;
        TileJob* job = jobs.start();
        call.hand_over(job);
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
        PipelineHandoffs::StageCall call(job);
        call.hand_over(job);
        read_leaves(bindings, job->unread, job->leaves);
        eval::TileCost cost;
        job->result = eval::evaluate_tile(root, job->tile, job->leaves, arena, cost, schedule);
        job->flops = cost.flops;
        job->leaves.clear();  // free the input slices before the tile waits for the writer
        return job;
    };
    auto write_stage = [&](JobPtr job) {
        PipelineHandoffs::StageCall call(job);
        call.serial(&partial_sum);
        const Extent chunk = job->index % chunks;
        if (chunks > 1) {
            if (chunk == 0) {
                partial_sum = std::move(job->result);
            } else {
                const Extent elements = element_count(partial_sum.shape);
                for (Extent element = 0; element < elements; ++element)
                    partial_sum.data()[element] += job->result.data()[element];
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
        if (recording) record_output_tile(*recording, job->index, chunks, partial_sum, written, written_prefix);
        jobs.finish(job);
        if (control.on_progress) control.on_progress(progress);
    };

    const auto write_mode = chunks > 1 ? tbb::filter_mode::serial_in_order : tbb::filter_mode::serial_out_of_order;
    run_pipeline(output.tiles_in_flight,
                 tbb::make_filter<void, JobPtr>(tbb::filter_mode::serial_in_order, read_stage) &
                     tbb::make_filter<JobPtr, JobPtr>(tbb::filter_mode::parallel, compute_stage) &
                     tbb::make_filter<JobPtr, void>(write_mode, write_stage));
    throw_if_interrupted(next_tile, tile_count, progress);
    if (recording) recording->checkpoints.output_checkpoint(recording->output, output.tiling.output_tile_count());
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
using PassJobPtr = PassJob*;

// The leaves of `tiles` that come from storage; the others (`handed_over`) are tiles of earlier members.
std::vector<eval::LeafKey> storage_leaves(const std::vector<eval::RootTile>& tiles,
                                          const std::vector<std::string>& member_names,
                                          std::vector<eval::LeafKey>& handed_over) {
    std::vector<eval::LeafKey> from_storage;
    for (eval::LeafKey& key : eval::collect_leaves(tiles)) {
        if (std::count(member_names.begin(), member_names.end(), key.input->name))
            handed_over.push_back(std::move(key));
        else
            from_storage.push_back(std::move(key));
    }
    return from_storage;
}

// One fused pass (plan/fuse.hpp): tile t reads its blocks of the shared input once and evaluates every member's
// part of it; the writer adds each part into the member's in-memory result, in tile order.
// A resumed pass starts at pass tile `start` with its members' accumulators loaded; as it goes, the accumulators
// and the number of pass tiles added into them are recorded as step `step`.
struct PassCheckpoints {
    Checkpoints& checkpoints;
    std::size_t step = 0;
    Extent start = 0;
};

void run_pass(const plan::FusedPass& pass, const plan::Plan& plan, const Bindings& bindings,
              const std::vector<MemoryTensor*>& results, eval::Arena& arena, Progress& progress,
              const RunControl& control, RunStats& stats, const PassCheckpoints& recording) {
    const Extent tile_count = pass.tile_count();
    Extent next_tile = recording.start;
    Extent tiles_added = recording.start;  // pass tiles added into the accumulators, in order
    // Square blocks read the input in an order the disk cannot anticipate: let storage read it ahead in file
    // order meanwhile (measured on the seed at n = 32768 after dropping the page cache: see README).
    std::atomic<bool> pass_over{false};
    std::thread read_ahead;
    if (pass.reuses_leaves)
        read_ahead =
            std::thread([&reader = reader_for(bindings, pass.input), &pass_over] { reader.will_read_all(pass_over); });
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
    JobsInFlight<PassJob> jobs;  // before the stages that use it, so that it outlives the pipeline
    auto read_stage = [&](tbb::flow_control& flow) -> PassJobPtr {
        PipelineHandoffs::StageCall call(nullptr);
        call.serial(&next_tile);
        if (!tiles_remain(flow, next_tile, tile_count, control)) return nullptr;
        PassJob* job = jobs.start();
        call.hand_over(job);
        PassTile first{pass.member_tiles(plan.pieces, next_tile++), {}, {}};
        std::vector<eval::LeafKey> keys = storage_leaves(first.tiles, member_names, first.handed_over);
        job->group.push_back(std::move(first));
        // The next tile joins when it reads nothing the group does not (the second block of a pair): reading in
        // the parallel stage then needs no tile to wait for another's read.
        if (pass.reuses_leaves && next_tile < tile_count) {
            PassTile second{pass.member_tiles(plan.pieces, next_tile), {}, {}};
            const std::vector<eval::LeafKey> second_keys =
                storage_leaves(second.tiles, member_names, second.handed_over);
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
        PipelineHandoffs::StageCall call(job);
        call.hand_over(job);
        read_leaves(bindings, job->unread, job->leaves);
        eval::TileCost cost;
        for (PassTile& pass_tile : job->group) {
            eval::LeafBlocks leaves = job->leaves;  // shares the blocks; handed-over tiles are this tile's own
            for (std::size_t member = 0; member < pass_tile.tiles.size(); ++member) {
                const eval::RootTile& tile = pass_tile.tiles[member];
                pass_tile.results.push_back(
                    eval::evaluate_tile(*tile.root, tile.tile, leaves, arena, cost, plan.schedule));
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
        PipelineHandoffs::StageCall call(job);
        call.serial(&tiles_added);
        for (PassTile& pass_tile : job->group) {
            for (std::size_t member = 0; member < pass.members.size(); ++member)
                if (element_count(pass_tile.results[member].shape) > 0)
                    results[member]->accumulate(pass_tile.tiles[member].tile.ranges, pass_tile.results[member].data());
            pass_tile.results.clear();
            ++progress.tiles_done;
            ++tiles_added;
        }
        stats.flops += job->flops;
        if (tiles_added < tile_count && recording.checkpoints.due()) {
            std::vector<Checkpoints::Tensor> accumulators;
            for (std::size_t member = 0; member < pass.members.size(); ++member)
                accumulators.push_back({Checkpoints::pass_key(recording.step, tiles_added, pass.members[member].piece),
                                        results[member]->values().data(), results[member]->values().size()});
            recording.checkpoints.pass_checkpoint(recording.step, tiles_added, accumulators);
        }
        jobs.finish(job);
        if (control.on_progress) control.on_progress(progress);
    };
    run_pipeline(pass.tiles_in_flight,
                 tbb::make_filter<void, PassJobPtr>(tbb::filter_mode::serial_in_order, read_stage) &
                     tbb::make_filter<PassJobPtr, PassJobPtr>(tbb::filter_mode::parallel, compute_stage) &
                     tbb::make_filter<PassJobPtr, void>(tbb::filter_mode::serial_in_order, write_stage));
    throw_if_interrupted(next_tile, tile_count, progress);
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
    stats.tiles_total = progress.tiles_total;

    // Pieces first, each into memory (zeros, which fused passes add into), then readable by later pieces and the
    // outputs under its name.
    Bindings with_pieces = bindings;
    std::vector<std::unique_ptr<MemoryTensor>> pieces;
    for (const plan::OutputPlan& piece : plan.pieces) {
        pieces.push_back(std::make_unique<MemoryTensor>(piece.root->shape));
        with_pieces.outputs[piece.name] = pieces.back().get();
    }
    Checkpoints checkpoints(control.checkpoints, steps.size(), plan.outputs.size());
    for (std::size_t step_index = 0; step_index < steps.size(); ++step_index) {
        const plan::Plan::PieceStep& step = steps[step_index];
        std::vector<std::size_t> step_pieces;  // the pieces this step computes
        if (step.fused)
            for (const plan::PassMember& member : plan.passes[step.index].members) step_pieces.push_back(member.piece);
        else
            step_pieces.push_back(step.index);
        const StepProgress resumed = checkpoints.resumed().steps[step_index];
        if (resumed.done) {  // an earlier run finished it: its pieces are saved
            for (std::size_t piece : step_pieces)
                checkpoints.load(Checkpoints::piece_key(piece), pieces[piece]->data(), pieces[piece]->values().size());
            const Extent tiles = step.fused ? plan.passes[step.index].tile_count()
                                            : plan.pieces[step.index].tiling.tile_count();
            progress.tiles_done += tiles;
            stats.tiles_resumed += tiles;
        } else if (!step.fused) {
            run_output(plan.pieces[step.index], plan.schedule, with_pieces, arena, progress, control, stats);
        } else {
            const plan::FusedPass& pass = plan.passes[step.index];
            std::vector<MemoryTensor*> results;
            for (std::size_t piece : step_pieces) {
                results.push_back(pieces[piece].get());
                if (resumed.tiles > 0)
                    checkpoints.load(Checkpoints::pass_key(step_index, resumed.tiles, piece), pieces[piece]->data(),
                                     pieces[piece]->values().size());
            }
            progress.tiles_done += resumed.tiles;
            stats.tiles_resumed += resumed.tiles;
            run_pass(pass, plan, with_pieces, results, arena, progress, control, stats,
                     PassCheckpoints{checkpoints, step_index, resumed.tiles});
        }
        std::vector<Checkpoints::Tensor> finished;
        for (std::size_t piece : step_pieces) {
            with_pieces.inputs[plan.pieces[piece].name] = pieces[piece].get();
            finished.push_back(
                {Checkpoints::piece_key(piece), pieces[piece]->values().data(), pieces[piece]->values().size()});
        }
        if (!resumed.done) checkpoints.step_done(step_index, finished);
    }
    for (std::size_t output = 0; output < plan.outputs.size(); ++output) {
        const OutputCheckpoints recording{checkpoints, output};
        run_output(plan.outputs[output], plan.schedule, with_pieces, arena, progress, control, stats, &recording);
    }
    stats.arena_peak_bytes = arena.peak_bytes();
    return stats;
}

}  // namespace tilesum::exec
