#include "tools/run_report.hpp"

#include <sys/resource.h>

#include <nlohmann/json.hpp>

namespace tilesum::cli {

namespace {

std::uint64_t peak_rss_bytes() {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace

std::string run_report_json(const plan::Plan& plan, const std::string& digest, const plan::PlanTotals& predicted,
                            const RunStats& stats) {
    using nlohmann::json;
    json outputs = json::array();
    for (const WrittenOutput& output : stats.written)
        outputs.push_back({{"name", output.name},
                           {"where", output.where},
                           {"shape", output.shape},
                           {"dtype", dtype_name(output.dtype)}});
    const json report = {{"plan", json::parse(plan::describe_json(plan))},
                         {"plan_digest", digest},
                         {"predicted",
                          {{"seconds", predicted.predicted_seconds},
                           {"memory_peak_bytes", predicted.memory_peak_bytes},
                           {"flops", predicted.flops},
                           {"bytes_read", predicted.bytes_read}}},
                         {"measured",
                          {{"seconds", stats.seconds},
                           {"flops", stats.flops},
                           {"bytes_read", stats.bytes_read},
                           {"peak_rss_bytes", peak_rss_bytes()},
                           {"arena_peak_bytes", stats.arena_peak_bytes},
                           {"tile_budget_bytes", stats.tile_budget_bytes},
                           {"chunk_cache_bytes", stats.chunk_cache_total_bytes}}},
                         {"tiles", stats.tiles_total},
                         {"tiles_resumed", stats.tiles_resumed},
                         {"resumed", stats.resumed},
                         // Under mpirun: figures summed over the ranks, the arena peak the largest (peak RSS is
                         // rank 0's own).
                         {"ranks", stats.ranks},
                         {"outputs", outputs}};
    return report.dump(1);
}

}  // namespace tilesum::cli
