// Preloaded (LD_PRELOAD) by test_blas_report.py to play an OpenBLAS that does not know the CPU, as Debian 12's does
// not know new Xeons: openblas_get_corename() says "Prescott" unless OPENBLAS_CORETYPE names a core, which it then
// reports as chosen. With SHIM_STUCK_ON_PRESCOTT set it ignores the variable too (an OpenBLAS without that core),
// so that the test sees tilesum give up after one restart. Only the name is faked: the real kernels still run.
#include <cstdlib>

extern "C" const char* openblas_get_corename() {
    static const char fallback[] = "Prescott";
    const char* wanted = std::getenv("OPENBLAS_CORETYPE");  // NOLINT(concurrency-mt-unsafe): read-only test shim
    if (std::getenv("SHIM_STUCK_ON_PRESCOTT") != nullptr) return fallback;  // NOLINT(concurrency-mt-unsafe)
    return wanted != nullptr && *wanted != '\0' ? wanted : fallback;
}
