#include "engine/exec/pass_run.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "engine/common/error.hpp"
#include "engine/eval/slabs.hpp"
#include "engine/exec/tile_pipeline.hpp"
#include "engine/kernels/accurate_sum.hpp"

namespace tilesum::exec {

namespace {

// Adds pass tile `index` to the job; returns the leaves its members read from storage. The others, which are tiles
// of earlier members, are handed over from those members' results.
std::vector<eval::LeafKey> add_pass_tile(const plan::FusedPass& pass, const plan::Plan& plan,
                                         const std::vector<std::string>& member_names, Extent index, TileJob& job) {
    TileJob::Tile& tile = job.tiles.emplace_back();
    tile.index = index;
    tile.members = pass.member_tiles(plan.pieces, index);
    std::vector<eval::LeafKey> from_storage;
    for (eval::LeafKey& key : eval::collect_leaves(tile.members)) {
        auto member = std::find(member_names.begin(), member_names.end(), key.input->name);
        if (member != member_names.end())
            tile.handed_over.push_back({static_cast<std::size_t>(member - member_names.begin()), std::move(key)});
        else
            from_storage.push_back(std::move(key));
    }
    return from_storage;
}

}  // namespace

void run_pass(const plan::FusedPass& pass, const plan::Plan& plan, const Bindings& bindings,
              const std::vector<MemoryTensor*>& results, eval::Arena& arena, Progress& progress,
              const RunControl& control, RunStats& stats, const PassCheckpoints& recording) {
    const Extent tile_count = pass.tile_count();
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
    // Many pass tiles are added with compensated summation (eval::compensated_terms), so that a piece summed over
    // many pass tiles is as accurate as over one; the compensations are recorded and resumed with the
    // accumulators, and the planner counts them (plan/fuse.cpp).
    const bool compensated = eval::compensated_terms(tile_count);
    std::vector<std::vector<double>> compensations;
    for (std::size_t member = 0; member < pass.members.size() && compensated; ++member) {
        compensations.emplace_back(results[member]->values().size(), 0.0);
        if (recording.start > 0)
            recording.checkpoints.load(Checkpoints::compensation_key(Checkpoints::pass_key(
                                           recording.step, recording.start, pass.members[member].piece)),
                                       compensations.back().data(), compensations.back().size());
    }

    TileStages stages;
    stages.tile_count = tile_count;
    stages.tiles_in_flight = pass.tiles_in_flight;
    stages.write_in_order = true;
    stages.start = [&](Extent next_tile, TileJob& job) {
        std::vector<eval::LeafKey> keys = add_pass_tile(pass, plan, member_names, next_tile, job);
        // Consecutive pass tiles that read the same blocks of storage (a pair of square blocks (p, q) and (q, p))
        // form one job: the blocks are read once, and every tile of the job is evaluated from them. The next tile
        // joins when it reads nothing the first does not (the second block of a pair): reading in the parallel
        // stage then needs no tile to wait for another's read.
        if (pass.reuses_leaves && next_tile + 1 < tile_count) {
            const std::vector<eval::LeafKey> second_keys = add_pass_tile(pass, plan, member_names, next_tile + 1, job);
            const std::set<eval::LeafKey> first_keys(keys.begin(), keys.end());
            const bool shares_all = std::all_of(second_keys.begin(), second_keys.end(),
                                                [&](const eval::LeafKey& key) { return first_keys.count(key) > 0; });
            if (!shares_all) job.tiles.pop_back();
        }
        return keys;
    };
    stages.write = [&](TileJob& job) {
        for (TileJob::Tile& tile : job.tiles) {
            for (std::size_t member = 0; member < pass.members.size(); ++member)
                if (element_count(tile.results[member].shape) > 0)
                    results[member]->accumulate(tile.members[member].tile.ranges, tile.results[member].data(),
                                                compensated ? compensations[member].data() : nullptr);
            tile.results.clear();
            ++tiles_added;
        }
        if (tiles_added < tile_count && recording.checkpoints.due()) {
            std::vector<Checkpoints::Tensor> accumulators;
            for (std::size_t member = 0; member < pass.members.size(); ++member) {
                const std::string key = Checkpoints::pass_key(recording.step, tiles_added, pass.members[member].piece);
                accumulators.push_back({key, results[member]->values().data(), results[member]->values().size()});
                if (compensated)
                    accumulators.push_back({Checkpoints::compensation_key(key), compensations[member].data(),
                                            compensations[member].size()});
            }
            recording.checkpoints.pass_checkpoint(recording.step, tiles_added, accumulators);
        }
    };
    run_tiles(stages, recording.start, bindings, plan.schedule, arena, progress, control, stats);
    TILESUM_ASSERT(tiles_added == tile_count);
    for (std::size_t member = 0; member < compensations.size(); ++member)
        kernels::finish_sum(results[member]->data(), compensations[member].data(),
                            static_cast<Extent>(compensations[member].size()));
}

}  // namespace tilesum::exec
