#include "tools/blas_reexec.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "engine/kernels/blas_core.hpp"
#include "engine/kernels/blas_runtime.hpp"

namespace tilesum::cli {

void ensure_blas_kernels(char** argv) {
    const kernels::BlasInUse blas = kernels::blas_in_use();
    const std::optional<std::string> environment_core = kernels::environment_openblas_core();
    const bool after_reexec = blas.origin == kernels::BlasCoreOrigin::tilesum;
    const kernels::OpenblasAdvice advice = kernels::advise_openblas(
        blas.core, kernels::cpu_simd_class(kernels::this_cpu_features()),
        environment_core ? std::optional<std::string_view>(*environment_core) : std::nullopt, after_reexec);
    switch (advice.action) {
        case kernels::OpenblasAdvice::Action::keep: return;
        case kernels::OpenblasAdvice::Action::warn: std::cerr << "tilesum: warning: " << advice.warning << "\n"; return;
        case kernels::OpenblasAdvice::Action::reexec: break;
    }
    // Single-threaded here (main() has started nothing yet), so changing the environment is safe.
    // NOLINTBEGIN(concurrency-mt-unsafe)
    ::setenv("OPENBLAS_CORETYPE", advice.core.c_str(), 1);
    ::setenv(kernels::reexec_marker_variable, advice.core.c_str(), 1);
    ::execv("/proc/self/exe", argv);
    // Only reached when execv failed: run on with the slow kernels, and say so.
    const int exec_errno = errno;
    ::unsetenv("OPENBLAS_CORETYPE");
    ::unsetenv(kernels::reexec_marker_variable);
    std::cerr << "tilesum: warning: OpenBLAS runs its generic " << blas.core
              << " kernels and tilesum could not restart itself with OPENBLAS_CORETYPE=" << advice.core << " ("
              << std::strerror(exec_errno) << "); set that variable to run matrix products several times faster\n";
    // NOLINTEND(concurrency-mt-unsafe)
}

}  // namespace tilesum::cli
