#include "engine/exec/tile_pipeline.hpp"

#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "engine/common/error.hpp"
#include "engine/common/thread_handoff.hpp"

namespace tilesum::exec {

TensorReader& reader_for(const Bindings& bindings, const std::string& name) {
    auto it = bindings.inputs.find(name);
    TILESUM_ASSERT(it != bindings.inputs.end() && it->second);
    return *it->second;
}

namespace {

// The jobs between the pipeline's stages, owned here: stages pass raw pointers. When a stage throws, TBB abandons the
// items it holds between stages without destroying them (under LeakSanitizer: every tile in flight, with its arena
// buffers, lost on a disk-full write error); what is still here when the pipeline is over is freed with this.
class JobsInFlight {
public:
    TileJob* start() {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::make_unique<TileJob>());
        return jobs_.back().get();
    }
    void finish(TileJob* job) {
        std::unique_ptr<TileJob> done;  // destroyed after the lock is released
        std::lock_guard lock(mutex_);
        auto it = std::find_if(jobs_.begin(), jobs_.end(),
                               [job](const std::unique_ptr<TileJob>& owned) { return owned.get() == job; });
        TILESUM_ASSERT(it != jobs_.end());
        done = std::move(*it);
        jobs_.erase(it);
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<TileJob>> jobs_;
};

// Whether the start stage has another tile to start: false (and the pipeline told so) after the last one, or
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

// Allocates a block for each leaf not allocated yet, in order; the non-empty ones are left for the parallel stage
// to read.
void allocate_leaves(std::vector<eval::LeafKey> keys, eval::Arena& arena, TileJob& job) {
    for (eval::LeafKey& key : keys) {
        if (job.leaves.count(key)) continue;
        Shape shape = range_shape(key.ranges);
        eval::Block block{arena.allocate(static_cast<std::size_t>(element_count(shape))), shape};
        if (element_count(shape) > 0) job.unread.push_back(key);
        job.leaves.emplace(std::move(key), std::move(block));
    }
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

// Evaluates every member of every tile of the job, in order, from its leaves; a member's result is handed to the
// later members that read it as it is (the plan checked it is exactly their read).
void evaluate_job(TileJob& job, const eval::Schedule& schedule, eval::Arena& arena) {
    eval::TileCost cost;
    for (TileJob::Tile& tile : job.tiles) {
        eval::LeafBlocks with_handed_over;  // shares the blocks; handed-over results are this tile's own
        const eval::LeafBlocks* leaves = &job.leaves;
        if (!tile.handed_over.empty()) {
            with_handed_over = job.leaves;
            leaves = &with_handed_over;
        }
        for (std::size_t member = 0; member < tile.members.size(); ++member) {
            const eval::RootTile& member_tile = tile.members[member];
            tile.results.push_back(
                eval::evaluate_tile(*member_tile.root, member_tile.tile, *leaves, arena, cost, schedule));
            for (const TileJob::Tile::HandOver& hand_over : tile.handed_over)
                if (hand_over.member == member) {
                    TILESUM_ASSERT(hand_over.key.ranges == member_tile.tile.ranges && member_tile.tile.summed.empty());
                    with_handed_over.emplace(hand_over.key, tile.results.back());
                }
        }
    }
    job.flops = cost.flops;
    job.leaves.clear();  // free the input slices before the tiles wait for the writer
}

}  // namespace

void run_tiles(const TileStages& stages, Extent first_tile, const Bindings& bindings, const eval::Schedule& schedule,
               eval::Arena& arena, Progress& progress, const RunControl& control, RunStats& stats) {
    Extent next_tile = first_tile;
    JobsInFlight jobs;  // before the stages that use it, so that it outlives the pipeline
    auto start_stage = [&](tbb::flow_control& flow) -> TileJob* {
        PipelineHandoffs::StageCall call(nullptr);
        call.serial(&next_tile);
        if (!tiles_remain(flow, next_tile, stages.tile_count, control)) return nullptr;
        TileJob* job = jobs.start();
        call.hand_over(job);
        std::vector<eval::LeafKey> keys = stages.start(next_tile, *job);
        TILESUM_ASSERT(!job->tiles.empty() && job->tiles.front().index == next_tile);
        next_tile += static_cast<Extent>(job->tiles.size());
        allocate_leaves(std::move(keys), arena, *job);
        return job;
    };
    auto compute_stage = [&](TileJob* job) -> TileJob* {
        PipelineHandoffs::StageCall call(job);
        call.hand_over(job);
        read_leaves(bindings, job->unread, job->leaves);
        evaluate_job(*job, schedule, arena);
        return job;
    };
    auto write_stage = [&](TileJob* job) {
        PipelineHandoffs::StageCall call(job);
        call.serial(&stages);
        stages.write(*job);
        stats.flops += job->flops;
        progress.tiles_done += static_cast<Extent>(job->tiles.size());
        jobs.finish(job);
        if (control.on_progress) control.on_progress(progress);
    };

    const auto write_mode = stages.write_in_order ? tbb::filter_mode::serial_in_order
                                                  : tbb::filter_mode::serial_out_of_order;
    const tbb::filter<void, void> filters =
        tbb::make_filter<void, TileJob*>(tbb::filter_mode::serial_in_order, start_stage) &
        tbb::make_filter<TileJob*, TileJob*>(tbb::filter_mode::parallel, compute_stage) &
        tbb::make_filter<TileJob*, void>(write_mode, write_stage);
    {
        // ThreadSanitizer is told the order TBB keeps (thread_handoff.hpp): the setup (the filters above, with their
        // copies of the stages) is released once the stages are built, and the stages' work acquired when the run
        // ends, also when a stage threw.
        PipelineHandoffs handoffs;
        tbb::parallel_pipeline(static_cast<std::size_t>(stages.tiles_in_flight), filters);
    }
    throw_if_interrupted(next_tile, stages.tile_count, progress);
}

}  // namespace tilesum::exec
