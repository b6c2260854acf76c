// The Highway scaled add (engine/kernels/simd_scaled_add.hpp) against the scalar loop it replaced, at sizes that
// stay in L1, in L2, and stream from memory: the before/after of issue 13's first run-time-dispatched kernel
// (docs/benchmarks.md). Each round times both, alternately, and the medians of the rounds are printed with the
// bytes moved per second (8 read from `in`, 8 read and 8 written to `out` per element).
//   build/tools/bench_simd_scaled_add [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/kernels/simd_scaled_add.hpp"

namespace {

using Kernel = void (*)(double, const double*, double*, std::size_t);

// Seconds per call of `kernel` over `count` elements, repeated until about 20 ms have passed.
double seconds_per_call(Kernel kernel, std::vector<double>& in, std::vector<double>& out) {
    const std::size_t count = in.size();
    const std::size_t calls = std::max<std::size_t>(1, (std::size_t{1} << 26) / count);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t call = 0; call < calls; ++call) {
        // A coefficient that keeps values bounded: out grows by at most 1e-9 * in per call.
        kernel(1e-9, in.data(), out.data(), count);
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    return elapsed.count() / static_cast<double>(calls);
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
    std::printf("SIMD target: %s\n", tilesum::kernels::simd::simd_target_name());
    std::printf("%-12s %-10s %14s %14s %8s\n", "elements", "where", "scalar GB/s", "SIMD GB/s", "speedup");
    const struct {
        std::size_t count;
        const char* where;
    } sizes[] = {{1000, "L1"}, {16'000, "L2"}, {4'000'000, "memory"}};
    for (const auto& size : sizes) {
        std::vector<double> in(size.count, 1.5), out(size.count, 0.25);
        std::vector<double> scalar_seconds, simd_seconds;
        for (int round = 0; round < rounds; ++round) {
            scalar_seconds.push_back(seconds_per_call(tilesum::kernels::simd::scaled_add_scalar, in, out));
            simd_seconds.push_back(seconds_per_call(tilesum::kernels::simd::scaled_add, in, out));
        }
        const double bytes = 24.0 * static_cast<double>(size.count);
        const double scalar = median(scalar_seconds), simd = median(simd_seconds);
        std::printf("%-12zu %-10s %14.1f %14.1f %7.2fx\n", size.count, size.where, bytes / scalar / 1e9,
                    bytes / simd / 1e9, scalar / simd);
    }
    return 0;
}
