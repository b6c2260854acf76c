// dgemm GFLOP/s of whichever BLAS this is linked against, for choosing the BLAS (issue 13, docs/benchmarks.md).
// Only the standard CBLAS interface is used so that the same source links against OpenBLAS and BLIS:
//   g++ -O2 tools/bench/dgemm_rate.cpp -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas -o dgemm_openblas
//   g++ -O2 tools/bench/dgemm_rate.cpp -I/usr/include/x86_64-linux-gnu/openblas-pthread
//       -L/usr/lib/x86_64-linux-gnu/blis-openmp -lblis -o dgemm_blis   (one command)
// The thread count comes from the BLAS's own environment (OPENBLAS_NUM_THREADS, BLIS_NUM_THREADS): tools/bench/
// blas_choice.py runs both binaries alternately and prints medians.
//   dgemm_rate N REPEATS  ->  one line per repeat: "N GFLOPS_WALL GFLOPS_PER_CPU_SECOND"
// The second rate divides by the process's CPU time (all threads): on a machine shared with other work it is what
// the kernels do while they run, where the wall rate also counts time the scheduler gave to someone else.
#include <cblas.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: dgemm_rate N REPEATS\n");
        return 2;
    }
    const int extent = std::atoi(argv[1]);
    const int repeats = std::atoi(argv[2]);
    const auto elements = static_cast<std::size_t>(extent) * static_cast<std::size_t>(extent);
    std::vector<double> a(elements), b(elements), c(elements, 0.0);
    for (std::size_t index = 0; index < elements; ++index) {
        a[index] = static_cast<double>(index % 7) * 0.25;
        b[index] = static_cast<double>(index % 5) * 0.5;
    }
    // One untimed call: the BLAS's buffers and threads are set up outside the timings.
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, extent, extent, extent, 1.0, a.data(), extent, b.data(),
                extent, 0.0, c.data(), extent);
    for (int repeat = 0; repeat < repeats; ++repeat) {
        const auto start = std::chrono::steady_clock::now();
        const double cpu_start = cpu_seconds();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, extent, extent, extent, 1.0, a.data(), extent, b.data(),
                    extent, 0.0, c.data(), extent);
        const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
        const double cpu = cpu_seconds() - cpu_start;
        const double flops = 2.0 * static_cast<double>(extent) * static_cast<double>(extent) * extent;
        std::printf("%d %.2f %.2f\n", extent, flops / seconds.count() / 1e9, flops / cpu / 1e9);
    }
    return 0;
}
