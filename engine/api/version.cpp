// The library's version, as the build defines it (TILESUM_VERSION, from the project version in CMakeLists.txt).
#include "engine/api/version.hpp"

#include "engine/kernels/blas_runtime.hpp"
#include "engine/kernels/simd_scaled_add.hpp"
#include "io/process_team.hpp"

namespace tilesum {

const char* version() { return TILESUM_VERSION; }

RuntimeReport runtime_report() {
    const kernels::BlasInUse blas = kernels::blas_in_use();
    RuntimeReport report;
    report.blas_library = blas.library;
    report.blas_core = kernels::blas_core_description(blas);
    report.blas_generic_fallback = blas.generic_fallback;
    report.simd_level = kernels::simd::simd_target_name();
    return report;
}

std::string version_text() {
    const RuntimeReport report = runtime_report();
    std::string text = "tilesum ";
    text += version();
    text += "\nBLAS: " + report.blas_library + ", kernels " + report.blas_core;
    text += "\nSIMD: " + report.simd_level + " (Google Highway, chosen at run time)\n";
    // This build of engine/api links the io built with MPI (the CLI) or without (the library, the Python module).
    if (io::built_with_mpi()) text += "MPI: Open MPI and parallel HDF5 (mpirun -np N tilesum run)\n";
    return text;
}

}  // namespace tilesum
