// Runs an output that is a matrix product of two inputs as a streamed GEMM (plan/streamed_gemm.hpp): one C tile
// in the arena, the slabs of the summed label multiplied into it in order by BLAS (C = A_0 B_0, then C += A_s B_s),
// the next slab's panels read by a second thread while the current ones multiply, and C written when its last slab
// is in. It takes the place of the tile pipeline for such outputs: there, every tile of a slab held a result as
// large as C beside the partial sum, which the serial write stage then added, so C tiles were a third of the size
// and A and B were read about twice as often, and reads ran on the threads that multiply.
#pragma once

#include <optional>

#include "engine/eval/arena.hpp"
#include "engine/exec/output_run.hpp"
#include "engine/plan/streamed_gemm.hpp"

namespace tilesum::exec {

// The product's roles when `output` runs as a streamed GEMM: a matrix product of two inputs whose C tile and two
// slabs' panels fit the arena (the planner's test, plan/tile_output.cpp); std::nullopt otherwise.
std::optional<plan::StreamedGemm> streamed_gemm_of(const plan::OutputPlan& output, const eval::Arena& arena);

// As run_output, for an output streamed_gemm_of accepted. Each element of C is formed by the same BLAS calls in
// the same order whatever the thread count (C's sub-blocks are a fixed grid), so results are bit-identical for any
// --threads, and a resumed run continues from the partial C recorded after a slab.
void run_streamed_gemm(const plan::OutputPlan& output, const plan::StreamedGemm& gemm, const Bindings& bindings,
                       eval::Arena& arena, Progress& progress, const RunControl& control, RunStats& stats,
                       const OutputCheckpoints* recording, std::optional<Range> share = std::nullopt);

}  // namespace tilesum::exec
