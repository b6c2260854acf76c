#include "engine/kernels/blas_runtime.hpp"

#include <cblas.h>

#include <cstdlib>

namespace tilesum::kernels {

namespace {

std::optional<std::string> environment_value(const char* name) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread starts
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

}  // namespace

std::optional<std::string> environment_openblas_core() { return environment_value("OPENBLAS_CORETYPE"); }

CpuFeatures this_cpu_features() {
    CpuFeatures features;
    features.avx = __builtin_cpu_supports("avx") != 0;
    features.avx2 = __builtin_cpu_supports("avx2") != 0;
    features.fma = __builtin_cpu_supports("fma") != 0;
    features.avx512f = __builtin_cpu_supports("avx512f") != 0;
    features.avx512dq = __builtin_cpu_supports("avx512dq") != 0;
    features.avx512cd = __builtin_cpu_supports("avx512cd") != 0;
    features.avx512bw = __builtin_cpu_supports("avx512bw") != 0;
    features.avx512vl = __builtin_cpu_supports("avx512vl") != 0;
    return features;
}

std::string blas_library_name(const std::string& config) {
    const std::size_t first_space = config.find(' ');
    if (first_space == std::string::npos) return config;
    const std::size_t second_space = config.find(' ', first_space + 1);
    return config.substr(0, second_space);
}

BlasInUse blas_in_use() {
    BlasInUse blas;
    const char* config = openblas_get_config();
    const char* core = openblas_get_corename();
    blas.config = config != nullptr ? config : "";
    blas.library = blas_library_name(blas.config);
    blas.core = core != nullptr ? core : "";
    const std::optional<std::string> environment_core = environment_openblas_core();
    const std::optional<std::string> marker = environment_value(reexec_marker_variable);
    if (environment_core)
        blas.origin = marker && *marker == *environment_core ? BlasCoreOrigin::tilesum : BlasCoreOrigin::environment;
    blas.generic_fallback = is_generic_fallback(blas.core, cpu_simd_class(this_cpu_features()));
    return blas;
}

std::string blas_core_description(const BlasInUse& blas) {
    std::string text = blas.core.empty() ? "unknown" : blas.core;
    switch (blas.origin) {
        case BlasCoreOrigin::detected: text += " (chosen by OpenBLAS)"; break;
        case BlasCoreOrigin::environment: text += " (OPENBLAS_CORETYPE)"; break;
        case BlasCoreOrigin::tilesum: text += " (OPENBLAS_CORETYPE set by tilesum)"; break;
    }
    if (blas.generic_fallback) text += ", generic fallback";
    return text;
}

}  // namespace tilesum::kernels
