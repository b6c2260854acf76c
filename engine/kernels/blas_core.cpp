#include "engine/kernels/blas_core.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace tilesum::kernels {

namespace {

// OpenBLAS 0.3.21's x86-64 core names (driver/others/dynamic.c, corename[]) by the widest SIMD their dgemm kernels
// use. Piledriver and Steamroller have FMA but not AVX2: their kernels are AVX ones.
constexpr std::array<std::pair<std::string_view, SimdClass>, 26> core_classes = {{
    {"katmai", SimdClass::sse},        {"coppermine", SimdClass::sse},
    {"northwood", SimdClass::sse},     {"prescott", SimdClass::sse},
    {"banias", SimdClass::sse},        {"atom", SimdClass::sse},
    {"core2", SimdClass::sse},         {"penryn", SimdClass::sse},
    {"dunnington", SimdClass::sse},    {"nehalem", SimdClass::sse},
    {"athlon", SimdClass::sse},        {"opteron", SimdClass::sse},
    {"opteron_sse3", SimdClass::sse},  {"barcelona", SimdClass::sse},
    {"nano", SimdClass::sse},          {"bobcat", SimdClass::sse},
    {"sandybridge", SimdClass::avx},   {"bulldozer", SimdClass::avx},
    {"piledriver", SimdClass::avx},    {"steamroller", SimdClass::avx},
    {"haswell", SimdClass::avx2_fma},  {"excavator", SimdClass::avx2_fma},
    {"zen", SimdClass::avx2_fma},      {"skylakex", SimdClass::avx512},
    {"cooperlake", SimdClass::avx512}, {"sapphirerapids", SimdClass::avx512},
}};

std::string lower(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

}  // namespace

const char* simd_class_name(SimdClass simd_class) {
    switch (simd_class) {
        case SimdClass::sse: return "SSE";
        case SimdClass::avx: return "AVX";
        case SimdClass::avx2_fma: return "AVX2+FMA";
        case SimdClass::avx512: return "AVX-512";
    }
    return "?";
}

SimdClass cpu_simd_class(const CpuFeatures& features) {
    if (features.avx512f && features.avx512dq && features.avx512cd && features.avx512bw && features.avx512vl)
        return SimdClass::avx512;
    if (features.avx2 && features.fma) return SimdClass::avx2_fma;
    if (features.avx) return SimdClass::avx;
    return SimdClass::sse;
}

std::optional<SimdClass> openblas_core_class(std::string_view core_name) {
    const std::string key = lower(core_name);
    for (const auto& [name, simd_class] : core_classes)
        if (name == key) return simd_class;
    return std::nullopt;
}

std::string best_openblas_core(SimdClass cpu_class) {
    switch (cpu_class) {
        case SimdClass::avx512: return "SkylakeX";
        case SimdClass::avx2_fma: return "Haswell";
        case SimdClass::avx: return "Sandybridge";
        case SimdClass::sse: return "";
    }
    return "";
}

bool is_generic_fallback(std::string_view core_name, SimdClass cpu_class) {
    const std::optional<SimdClass> core_class = openblas_core_class(core_name);
    return core_class && *core_class < SimdClass::avx2_fma && *core_class < cpu_class;
}

OpenblasAdvice advise_openblas(std::string_view detected_core, SimdClass cpu_class,
                               std::optional<std::string_view> environment_core, bool after_reexec) {
    OpenblasAdvice advice;
    if (!is_generic_fallback(detected_core, cpu_class)) return advice;
    const std::string best = best_openblas_core(cpu_class);
    const std::string core(detected_core);
    const std::string cpu = simd_class_name(cpu_class);
    if (after_reexec) {
        advice.action = OpenblasAdvice::Action::warn;
        advice.warning = "OpenBLAS still runs its generic " + core +
                         " kernels after tilesum set OPENBLAS_CORETYPE=" + best + " on this " + cpu +
                         " CPU; matrix products run several times slower than they could";
    } else if (environment_core) {
        advice.action = OpenblasAdvice::Action::warn;
        advice.warning = "OpenBLAS runs its generic " + core +
                         " kernels (OPENBLAS_CORETYPE=" + std::string(*environment_core) +
                         " in the environment, left as set) on a " + cpu +
                         " CPU; matrix products would run several times faster with OPENBLAS_CORETYPE=" + best +
                         " or without the variable";
    } else {
        advice.action = OpenblasAdvice::Action::reexec;
        advice.core = best;
    }
    return advice;
}

}  // namespace tilesum::kernels
