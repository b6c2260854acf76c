// Fuses passes over the same input. Each shared piece (hoist.hpp) is planned as its own pass over the inputs it
// reads; pieces that read the same large input then read it once per piece. This groups them into one pass
// (plan.hpp: FusedPass) whose tiles are blocks of that input, read once and fed to every member, wherever that
// is predicted faster. A piece may run later than its inputs allow, as long as it runs before what reads it:
// the seed's Σ_j A_jk A_kj, Σ_j A_kj Y2_j and Σ_j w_j A_jk (w itself a piece) share one pass over A.
#pragma once

#include "engine/plan/plan.hpp"

namespace tilesum::plan {

// Fills plan.passes and plan.piece_steps (every piece exactly once, each after the pieces it reads). `options`
// gives the budget that tiles may use (the pieces' own memory already taken out), threads and the machine.
void fuse_pieces(Plan& plan, const PlanOptions& options);

}  // namespace tilesum::plan
