// `tilesum run --json`: the run as a machine-readable report on stdout, for scripts that drive tilesum.
#pragma once

#include <string>

#include "engine/api/run.hpp"
#include "engine/plan/plan.hpp"
#include "engine/plan/plan_totals.hpp"

namespace tilesum::cli {

// {"plan": the summary `tilesum plan --json` prints (without the plan itself), "plan_digest": `digest`,
//  "predicted": {seconds, memory_peak_bytes, flops, bytes_read},
//  "measured": {seconds, flops, bytes_read, peak_rss_bytes, arena_peak_bytes, tile_budget_bytes,
//               chunk_cache_bytes},
//  "tiles": N, "tiles_resumed": N, "resumed": bool,
//  "outputs": [{name, where, shape, dtype}]}
// peak_rss_bytes is this process's peak resident set so far (getrusage), which includes planning.
std::string run_report_json(const plan::Plan& plan, const std::string& digest, const plan::PlanTotals& predicted,
                            const RunStats& stats);

}  // namespace tilesum::cli
