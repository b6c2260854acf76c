// out[e] += coefficient * in[e], vectorized for the CPU it runs on (Google Highway, dynamic dispatch: one source
// compiled for SSE4, AVX2, AVX-512..., the best one the CPU supports chosen at the first call; issue 13). The hot
// loop of broadcast_combine's accumulate (C + C2 in the seed's tiles), moved here as the first run-time-dispatched
// kernel while the kernels are built without -march.
#pragma once

#include <cstddef>

namespace tilesum::kernels::simd {

// Multiplies, rounds, adds, rounds: never a fused multiply-add, so the bits equal scaled_add_scalar's on every CPU
// and every target (tests/unit/test_simd_scaled_add.cpp); results never depend on where tilesum runs.
void scaled_add(double coefficient, const double* in, double* out, std::size_t count);

// The plain loop: the reference the tests compare with and the baseline tools/bench/simd_scaled_add_rate measures.
void scaled_add_scalar(double coefficient, const double* in, double* out, std::size_t count);

// Highway's name of the target the dispatcher chose on this CPU ("AVX3", "AVX2", "SSE4", "EMU128"...): the SIMD
// level that `tilesum --version` and `tilesum calibrate` report.
const char* simd_target_name();

}  // namespace tilesum::kernels::simd
