// The CLI's answer to OpenBLAS's generic fallback (engine/kernels/blas_core.hpp): OpenBLAS reads OPENBLAS_CORETYPE
// only when it is loaded, before main(), so on a CPU it does not know tilesum sets the variable and executes itself
// once more. Chosen over linking BLIS by measurement (docs/benchmarks.md, "Which BLAS"): Debian 12's BLIS has only
// its generic kernels on x86-64, slower than even OpenBLAS's fallback.
#pragma once

namespace tilesum::cli {

// First thing in main(): returns when OpenBLAS's kernels are fine, or when tilesum cannot or must not change them
// (OPENBLAS_CORETYPE set by the user, or already set by tilesum), after one warning line on stderr; does not
// return when it re-executes (execv of /proc/self/exe with the same arguments).
void ensure_blas_kernels(char** argv);

}  // namespace tilesum::cli
