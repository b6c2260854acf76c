// Recognising OpenBLAS's generic fallback and what tilesum does about it (engine/kernels/blas_core.hpp), for CPUs
// and core names this machine does not have; and the report strings (blas_runtime.hpp, api/version.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "engine/api/version.hpp"
#include "engine/kernels/blas_core.hpp"
#include "engine/kernels/blas_runtime.hpp"

using namespace tilesum::kernels;
using Action = OpenblasAdvice::Action;

namespace {

CpuFeatures avx512_cpu() {
    return {.avx = true,
            .avx2 = true,
            .fma = true,
            .avx512f = true,
            .avx512dq = true,
            .avx512cd = true,
            .avx512bw = true,
            .avx512vl = true};
}

}  // namespace

TEST_CASE("the CPU's SIMD class comes from its cpuid features", "[blas]") {
    CHECK(cpu_simd_class(CpuFeatures{}) == SimdClass::sse);
    CHECK(cpu_simd_class({.avx = true}) == SimdClass::avx);
    // AVX2 without FMA cannot run the Haswell kernels.
    CHECK(cpu_simd_class({.avx = true, .avx2 = true}) == SimdClass::avx);
    CHECK(cpu_simd_class({.avx = true, .avx2 = true, .fma = true}) == SimdClass::avx2_fma);
    CHECK(cpu_simd_class(avx512_cpu()) == SimdClass::avx512);
    // AVX-512F alone (Knights Landing: no BW, VL) is not what the SkylakeX kernels need.
    CpuFeatures knights = avx512_cpu();
    knights.avx512bw = false;
    knights.avx512vl = false;
    CHECK(cpu_simd_class(knights) == SimdClass::avx2_fma);
}

TEST_CASE("OpenBLAS core names are classified by the SIMD their kernels use", "[blas]") {
    CHECK(openblas_core_class("Prescott") == SimdClass::sse);
    CHECK(openblas_core_class("PRESCOTT") == SimdClass::sse);
    CHECK(openblas_core_class("Nehalem") == SimdClass::sse);
    CHECK(openblas_core_class("Sandybridge") == SimdClass::avx);
    CHECK(openblas_core_class("Haswell") == SimdClass::avx2_fma);
    CHECK(openblas_core_class("zen") == SimdClass::avx2_fma);
    CHECK(openblas_core_class("SkylakeX") == SimdClass::avx512);
    CHECK(openblas_core_class("Cooperlake") == SimdClass::avx512);
    CHECK_FALSE(openblas_core_class("NeoverseN1").has_value());
    CHECK_FALSE(openblas_core_class("").has_value());
}

TEST_CASE("the best OpenBLAS core for each CPU class", "[blas]") {
    CHECK(best_openblas_core(SimdClass::avx512) == "SkylakeX");
    CHECK(best_openblas_core(SimdClass::avx2_fma) == "Haswell");
    CHECK(best_openblas_core(SimdClass::avx) == "Sandybridge");
    CHECK(best_openblas_core(SimdClass::sse).empty());
}

TEST_CASE("a generic fallback is a core without FMA kernels on a CPU that has them", "[blas]") {
    // The trap of issue 13: a new Xeon that OpenBLAS 0.3.21 does not know.
    CHECK(is_generic_fallback("Prescott", SimdClass::avx512));
    CHECK(is_generic_fallback("Sandybridge", SimdClass::avx2_fma));
    CHECK(is_generic_fallback("Prescott", SimdClass::avx));
    // Real kernels for the CPU, or the best it can run.
    CHECK_FALSE(is_generic_fallback("Haswell", SimdClass::avx512));  // AVX2+FMA: a real kernel, not the 4-5x trap
    CHECK_FALSE(is_generic_fallback("SkylakeX", SimdClass::avx512));
    CHECK_FALSE(is_generic_fallback("Sandybridge", SimdClass::avx));
    CHECK_FALSE(is_generic_fallback("Prescott", SimdClass::sse));
    // Names this code does not know (another architecture, a newer core): no claim.
    CHECK_FALSE(is_generic_fallback("NeoverseN1", SimdClass::avx512));
}

TEST_CASE("advice on OpenBLAS's core: keep, re-execute with a better one, or warn", "[blas]") {
    SECTION("a real kernel is kept") {
        const OpenblasAdvice advice = advise_openblas("Haswell", SimdClass::avx512, std::nullopt, false);
        CHECK(advice.action == Action::keep);
    }
    SECTION("a detected fallback is replaced by the CPU's best core") {
        const OpenblasAdvice advice = advise_openblas("Prescott", SimdClass::avx512, std::nullopt, false);
        CHECK(advice.action == Action::reexec);
        CHECK(advice.core == "SkylakeX");
        const OpenblasAdvice on_avx2 = advise_openblas("Prescott", SimdClass::avx2_fma, std::nullopt, false);
        CHECK(on_avx2.action == Action::reexec);
        CHECK(on_avx2.core == "Haswell");
    }
    SECTION("a core the environment set is never overridden, only warned about") {
        const OpenblasAdvice advice = advise_openblas("Prescott", SimdClass::avx512, "Prescott", false);
        CHECK(advice.action == Action::warn);
        CHECK_THAT(advice.warning, Catch::Contains("OPENBLAS_CORETYPE=Prescott in the environment, left as set"));
        CHECK_THAT(advice.warning, Catch::Contains("OPENBLAS_CORETYPE=SkylakeX"));
        CHECK(advice.warning.find('\n') == std::string::npos);
    }
    SECTION("a fast core the environment set is simply kept") {
        CHECK(advise_openblas("SkylakeX", SimdClass::avx512, "SkylakeX", false).action == Action::keep);
    }
    SECTION("after tilesum's own re-execution a remaining fallback is only warned about: no second restart") {
        const OpenblasAdvice advice = advise_openblas("Prescott", SimdClass::avx512, "SkylakeX", true);
        CHECK(advice.action == Action::warn);
        CHECK_THAT(advice.warning, Catch::Contains("after tilesum set OPENBLAS_CORETYPE=SkylakeX"));
    }
}

TEST_CASE("the BLAS library's name is the first two words of its configuration", "[blas]") {
    CHECK(blas_library_name("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64") == "OpenBLAS 0.3.21");
    CHECK(blas_library_name("OpenBLAS 0.3.21") == "OpenBLAS 0.3.21");
    CHECK(blas_library_name("OpenBLAS") == "OpenBLAS");
    CHECK(blas_library_name("").empty());
}

TEST_CASE("the BLAS core description says where the core came from and whether it is a fallback", "[blas]") {
    BlasInUse blas;
    blas.core = "Haswell";
    CHECK(blas_core_description(blas) == "Haswell (chosen by OpenBLAS)");
    blas.core = "SkylakeX";
    blas.origin = BlasCoreOrigin::tilesum;
    CHECK(blas_core_description(blas) == "SkylakeX (OPENBLAS_CORETYPE set by tilesum)");
    blas.core = "Prescott";
    blas.origin = BlasCoreOrigin::environment;
    blas.generic_fallback = true;
    CHECK(blas_core_description(blas) == "Prescott (OPENBLAS_CORETYPE), generic fallback");
    blas.core = "";
    blas.origin = BlasCoreOrigin::detected;
    blas.generic_fallback = false;
    CHECK(blas_core_description(blas) == "unknown (chosen by OpenBLAS)");
}

TEST_CASE("the runtime report names the BLAS, its kernels and the SIMD level of this process", "[blas]") {
    const tilesum::RuntimeReport report = tilesum::runtime_report();
    CHECK_THAT(report.blas_library, Catch::StartsWith("OpenBLAS "));
    CHECK_FALSE(report.blas_core.empty());
    CHECK_FALSE(report.simd_level.empty());
    const std::string text = tilesum::version_text();
    CHECK_THAT(text, Catch::StartsWith(std::string("tilesum ") + tilesum::version() + "\n"));
    CHECK_THAT(text, Catch::Contains("\nBLAS: " + report.blas_library + ", kernels " + report.blas_core + "\n"));
    CHECK_THAT(text, Catch::Contains("\nSIMD: " + report.simd_level + " "));
}
