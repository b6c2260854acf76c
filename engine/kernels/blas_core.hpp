// Is OpenBLAS running a generic kernel on a CPU that has better ones, and what to do about it (issue 13). Pure
// functions of strings and flags, so that every CPU and every core name can be tested on any machine;
// blas_runtime.hpp feeds them with what this process sees.
//
// Why: Debian 12's OpenBLAS 0.3.21 picks its kernels at load time from the CPU model. On models it does not know
// (new Xeons: family 6 model 207) it falls back to the SSE3 "Prescott" kernels, dgemm at 14 GFLOP/s on one thread
// instead of 70, unless OPENBLAS_CORETYPE names a core. OpenBLAS reads that variable once, when it is loaded, so
// the CLI sets it and executes itself again (tools/blas_reexec.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tilesum::kernels {

// The vector instruction sets that decide GEMM speed, in increasing order.
enum class SimdClass { sse, avx, avx2_fma, avx512 };

const char* simd_class_name(SimdClass simd_class);

// The CPU's features that matter for choosing an OpenBLAS core (from cpuid: __builtin_cpu_supports).
struct CpuFeatures {
    bool avx = false;
    bool avx2 = false;
    bool fma = false;
    bool avx512f = false;
    bool avx512dq = false;
    bool avx512cd = false;
    bool avx512bw = false;
    bool avx512vl = false;
};

// The best class the CPU supports: avx512 needs F, DQ, CD, BW and VL (what OpenBLAS's SkylakeX kernels use).
SimdClass cpu_simd_class(const CpuFeatures& features);

// The class of an x86-64 OpenBLAS core name as openblas_get_corename() spells it ("Prescott", "Haswell",
// "SkylakeX"; compared without regard to case); nullopt for a name this table does not know (another architecture,
// a core newer than this code), about which nothing is claimed.
std::optional<SimdClass> openblas_core_class(std::string_view core_name);

// The OPENBLAS_CORETYPE value for the best kernels of a CPU class: SkylakeX, Haswell, Sandybridge; empty for sse.
std::string best_openblas_core(SimdClass cpu_class);

// A core is a generic fallback when its kernels lack the FMA of an AVX2 (or better) CPU: that is where 4-5x is
// lost (Prescott). A Haswell (AVX2+FMA) core on an AVX-512 CPU is not: measured 1.7x slower than the AVX-512 cores
// on a Zen 5 (docs/benchmarks.md, "Which BLAS"), but whether AVX-512 kernels win depends on the CPU's 512-bit units,
// so such a core is left alone.
bool is_generic_fallback(std::string_view core_name, SimdClass cpu_class);

// What the CLI does about the core OpenBLAS chose, before anything else runs.
struct OpenblasAdvice {
    enum class Action {
        keep,    // nothing to do
        reexec,  // set OPENBLAS_CORETYPE=core and execute tilesum again
        warn,    // a generic kernel tilesum cannot or must not change: print `warning`
    };
    Action action = Action::keep;
    std::string core;     // for reexec
    std::string warning;  // for warn: one line
};

// detected_core: openblas_get_corename(); environment_core: OPENBLAS_CORETYPE if set (never overridden: the user
// chose it); after_reexec: this process is tilesum's own second start, made to set the core (no third one).
OpenblasAdvice advise_openblas(std::string_view detected_core, SimdClass cpu_class,
                               std::optional<std::string_view> environment_core, bool after_reexec);

}  // namespace tilesum::kernels
