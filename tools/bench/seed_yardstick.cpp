// The fused yardstick of the tiled path (issue 13, docs/benchmarks.md): E computed straight from the seed's inputs
// by one loop nest over (k, i, j), no intermediate at all, vectorized over j by g++, one thread per range of k.
//   data/seed.tsum:  E_k = sum_ij (B_i A_jk + Y2_j Z2_ik) (B_i A_kj + Y2_k Z2_ij)        (8 flops per (i, j, k))
//   --function:      E_k = sum_ij exp(-(B_i A_jk - Y2_j Z2_ik)^2)       (issue 13's function case, C - C2)
// Reads /A (n,n), /B (q,), /Y2 (n,), /Z2 (q,n) of a tools/data/gen_seed.py file with the HDF5 C API, prints
// "read_seconds R compute_seconds C total_seconds T" and writes E as a .npy file (--out) for the bench to check.
// Built with -ffast-math (tools/CMakeLists.txt): it lets g++ split the sum over j into vector lanes and call
// glibc's vector exp; target_clones compiles the loop nest for AVX-512, AVX2+FMA and SSE2 and picks one at run time.
//   build/tools/bench_seed_yardstick --data seed_in.h5 [--threads 2] [--function] [--out E.npy]
#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "bench_seed_yardstick: error: %s\n", what.c_str());
    std::exit(2);
}

std::vector<double> read_dataset(hid_t file, const std::string& name) {
    const hid_t dataset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
    if (dataset < 0) fail("no dataset /" + name);
    const hid_t space = H5Dget_space(dataset);
    std::vector<double> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    const herr_t status = H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Sclose(space);
    H5Dclose(dataset);
    if (status < 0) fail("cannot read /" + name + " as float64");
    return values;
}

struct Seed {
    std::size_t n = 0, q = 0;
    std::vector<double> a, a_t, b, y2, z2;  // a_t = A transposed, so that A_jk is contiguous over j too
};

// E_k for k in [k_begin, k_end), in blocks of k whose rows of A and A^T stay in L2 while i sweeps Z2's rows. Each
// E_k sums i in order and j in vector lanes, whatever the blocks and threads.
[[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]] void fused(const Seed& s, bool function,
                                                                                 std::size_t k_begin, std::size_t k_end,
                                                                                 double* e) {
    const std::size_t n = s.n, block = std::max<std::size_t>(1, (256 << 10) / (16 * n));
    const double* y2 = s.y2.data();
    for (std::size_t k0 = k_begin; k0 < k_end; k0 += block) {
        for (std::size_t i = 0; i < s.q; ++i) {
            const double b = s.b[i];
            const double* z2_i = &s.z2[i * n];
            for (std::size_t k = k0; k < std::min(k_end, k0 + block); ++k) {
                const double* a_jk = &s.a_t[k * n];
                const double* a_kj = &s.a[k * n];
                const double z2_ik = z2_i[k], y2_k = y2[k];
                double sum = 0;
                if (function) {
                    for (std::size_t j = 0; j < n; ++j) {
                        const double d = b * a_jk[j] - y2[j] * z2_ik;
                        sum += std::exp(-d * d);
                    }
                } else {
                    for (std::size_t j = 0; j < n; ++j)
                        sum += (b * a_jk[j] + y2[j] * z2_ik) * (b * a_kj[j] + y2_k * z2_i[j]);
                }
                e[k] += sum;
            }
        }
    }
}

void write_npy(const std::string& path, const std::vector<double>& values) {
    std::string header =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(values.size()) + ",), }";
    header.append(64 - (10 + header.size() + 1) % 64, ' ').push_back('\n');  // magic + version + length: 10 bytes
    FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) fail("cannot write " + path);
    const unsigned char length[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                     static_cast<unsigned char>(header.size() >> 8)};
    std::fwrite("\x93NUMPY\x01\x00", 1, 8, file);
    std::fwrite(length, 1, 2, file);
    std::fwrite(header.data(), 1, header.size(), file);
    std::fwrite(values.data(), sizeof(double), values.size(), file);
    if (std::fclose(file) != 0) fail("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::string data, out;
    std::size_t threads = 2;
    bool function = false, usage = argc < 2;
    for (int arg = 1; arg < argc && !usage; ++arg) {
        const std::string option = argv[arg];
        if (option == "--function")
            function = true;
        else if (option == "--data" && arg + 1 < argc)
            data = argv[++arg];
        else if (option == "--out" && arg + 1 < argc)
            out = argv[++arg];
        else if (option == "--threads" && arg + 1 < argc)
            threads = std::max(1UL, std::strtoul(argv[++arg], nullptr, 10));
        else
            usage = true;
    }
    if (usage || data.empty()) {
        std::fprintf(stderr, "usage: %s --data SEED.h5 [--threads N] [--function] [--out E.npy]\n", argv[0]);
        return 2;
    }
    Seed s;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // one line of our own instead of HDF5's error stack
    const hid_t file = H5Fopen(data.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) fail("cannot open " + data);
    s.a = read_dataset(file, "A"), s.b = read_dataset(file, "B");
    s.y2 = read_dataset(file, "Y2"), s.z2 = read_dataset(file, "Z2");
    H5Fclose(file);
    s.n = s.y2.size(), s.q = s.b.size();
    if (s.a.size() != s.n * s.n || s.z2.size() != s.q * s.n) fail("shapes are not A (n,n), B (q,), Y2 (n,), Z2 (q,n)");
    const auto computing = Clock::now();
    s.a_t.resize(s.n * s.n);
    for (std::size_t j = 0; j < s.n; ++j)
        for (std::size_t k = 0; k < s.n; ++k) s.a_t[k * s.n + j] = s.a[j * s.n + k];

    std::vector<double> e(s.n, 0.0);
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t)
        workers.emplace_back(fused, std::cref(s), function, t * s.n / threads, (t + 1) * s.n / threads, e.data());
    for (std::thread& worker : workers) worker.join();
    const auto computed = Clock::now();
    if (!out.empty()) write_npy(out, e);
    const auto seconds = [](auto from, auto to) { return std::chrono::duration<double>(to - from).count(); };
    std::printf("read_seconds %.6f compute_seconds %.6f total_seconds %.6f\n", seconds(start, computing),
                seconds(computing, computed), seconds(start, Clock::now()));
    return 0;
}
