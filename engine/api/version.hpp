// The library's version, "0.1.0": what the installed libtilesum.so says it is; and what it runs on: the BLAS
// library and kernels, and the SIMD target of the run-time-dispatched kernels (issue 13).
#pragma once

#include <string>

namespace tilesum {

const char* version();

struct RuntimeReport {
    std::string blas_library;  // "OpenBLAS 0.3.21"
    std::string blas_core;     // "Haswell (chosen by OpenBLAS)"; ", generic fallback" when it is one
    std::string simd_level;    // Highway's name of the dispatched target: "AVX3", "AVX2", "SSE4"...
    bool blas_generic_fallback = false;
};

RuntimeReport runtime_report();

// `tilesum --version`: "tilesum 0.1.0", then a "BLAS: ..." and a "SIMD: ..." line.
std::string version_text();

}  // namespace tilesum
