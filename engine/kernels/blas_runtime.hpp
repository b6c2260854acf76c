// What this process's BLAS and CPU are: OpenBLAS's own report of its version and chosen kernels, and the CPU's
// features from cpuid. blas_core.hpp judges them; `tilesum --version` and `tilesum calibrate` report them.
#pragma once

#include <optional>
#include <string>

#include "engine/kernels/blas_core.hpp"

namespace tilesum::kernels {

// The environment variable the CLI sets beside OPENBLAS_CORETYPE when it executes itself again to pick OpenBLAS's
// kernels (its value is the core it chose), so that the second start knows it is one and never starts a third.
inline constexpr const char* reexec_marker_variable = "TILESUM_SET_OPENBLAS_CORETYPE";

// Where the core in use came from.
enum class BlasCoreOrigin {
    detected,     // OpenBLAS chose it from the CPU model
    environment,  // OPENBLAS_CORETYPE as the user set it
    tilesum,      // OPENBLAS_CORETYPE as tilesum set it, replacing a generic fallback (tools/blas_reexec.cpp)
};

struct BlasInUse {
    std::string library;  // "OpenBLAS 0.3.21"
    std::string core;     // openblas_get_corename(): "Haswell", "SkylakeX", "Prescott"...
    std::string config;   // openblas_get_config(), whole: build options and core
    BlasCoreOrigin origin = BlasCoreOrigin::detected;
    bool generic_fallback = false;  // is_generic_fallback(core, this CPU)
};

BlasInUse blas_in_use();

// "OpenBLAS 0.3.21" from openblas_get_config()'s "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64":
// its first two words (the whole text if it has fewer).
std::string blas_library_name(const std::string& config);

// "Haswell (chosen by OpenBLAS)", "SkylakeX (OPENBLAS_CORETYPE set by tilesum)", "Prescott (OPENBLAS_CORETYPE),
// generic fallback": the core and how it came to be, for reports.
std::string blas_core_description(const BlasInUse& blas);

CpuFeatures this_cpu_features();

// OPENBLAS_CORETYPE, unless unset or empty (OpenBLAS ignores an empty one too).
std::optional<std::string> environment_openblas_core();

}  // namespace tilesum::kernels
