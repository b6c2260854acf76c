// Function multi-versioning for tilesum's own loops: a function marked TILESUM_CLONES is compiled three times
// (x86-64-v4: AVX-512, v3: AVX2 and FMA, and the baseline) and the loader picks the widest the CPU runs (ifunc).
// The loops are plain C++ that the compiler vectorizes at -O3; the build has no -march of its own, so one binary
// runs on any x86-64. Files using it are compiled with -ffp-contract=off (engine/kernels/CMakeLists.txt): the
// compiler may not fuse a * b + c on the clones that have FMA, so bits never depend on the CPU; where a kernel wants
// a fused multiply-add it says so with std::fma, which rounds once on every CPU.
// Sanitizer builds need no clones (and TSan dislikes ifunc resolvers): one version there.
#pragma once

#if defined(__has_feature)  // clang
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TILESUM_SANITIZED_BUILD
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)  // g++
#define TILESUM_SANITIZED_BUILD
#endif
#if defined(__x86_64__) && !defined(TILESUM_SANITIZED_BUILD)
#define TILESUM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TILESUM_CLONES
#endif

// The loops a cloned function runs must be inlined into it, to be compiled for the clone's target: a helper left
// out of line is compiled once, for the baseline x86-64 (SSE2). Lambdas take TILESUM_INLINE_LAMBDA after their
// parameter list.
#define TILESUM_INLINE __attribute__((always_inline)) inline
#define TILESUM_INLINE_LAMBDA __attribute__((always_inline))
