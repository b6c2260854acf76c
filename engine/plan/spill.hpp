// Pass: spills. An intermediate that every tile of its readers recomputes, or whose readers re-read their inputs
// many times because it cannot be held, is computed once instead, tile by tile, into scratch storage beside the
// output, and read back by hyperslabs like an input (OutputPlan::scratch). The AO->MO transform's quarter
// transforms are the case: as one einsum tiled under 1 GiB it reads its 3.4 GB tensor hundreds of times; with the
// half-transformed tensor spilled, it reads it once, writes and reads the spill once, and does numpy's flops.
// The cost model weighs every candidate: a spill costs its own pass, the bytes it writes and the bytes its readers
// read back, against what the plan without it recomputes and re-reads.
#pragma once

#include <functional>
#include <set>

#include "engine/expr/program.hpp"
#include "engine/plan/fit.hpp"
#include "engine/plan/plan.hpp"

namespace tilesum::plan {

// Plans a program as given, without spills; records the forced tile labels it used.
using PlanInMemory = std::function<Fit<Plan>(const expr::Program&, std::set<char>& forced_used)>;

// `in_memory`, the plan of `program` without spills, or a plan with intermediates spilled when predicted faster
// (greedily, one intermediate at a time, at most a few). Scratch outputs are named "%" and the intermediate's
// script name ("%T2"), come before the first output that reads them, and read them as inputs of that name.
Fit<Plan> plan_with_spills(const expr::Program& program, Fit<Plan> in_memory, std::set<char>& forced_used,
                           const PlanInMemory& plan_in_memory);

// Seconds to write a spill of `bytes` and flush it (at the machine's read rate: disks write about as fast).
double spill_write_seconds(double bytes, const MachineProfile& machine);

}  // namespace tilesum::plan
