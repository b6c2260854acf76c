// The seed expression through the C++ API of an installed tilesum:
//   C  = einsum("i,jk->ijk", B, A)       (q, n, n): never stored
//   C2 = einsum("j,ik->ijk", Y2, Z2)
//   E  = einsum("ijk,ikj->k", C + C2, C + C2)
// A (n, n) and Z2 (q, n) are read from IN.h5 by tiles; B (q) and Y2 (n) are made here, in std::vectors that the
// library borrows. E goes to dataset /E of OUT.h5.
//
//   seed IN.h5 OUT.h5 [MEMORY_BYTES]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tilesum/tilesum.hpp>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: %s IN.h5 OUT.h5 [MEMORY_BYTES]\n", argv[0]);
        return 2;
    }
    const std::string in = argv[1], out = argv[2];
    try {
        tilesum::Sink sink = tilesum::Sink::hdf5(out, /*overwrite=*/true);  // before the sources: see Sink::hdf5
        tilesum::Sources sources;
        const tilesum::Tensor A = sources.hdf5("A", in, "/A");
        const tilesum::Tensor Z2 = sources.hdf5("Z2", in, "/Z2");
        const tilesum::Extent n = A.shape()[0], q = Z2.shape()[0];

        // B_i = 1 / (1 + i) and Y2_j = cos(j): what a program would have computed in memory.
        std::vector<double> B(static_cast<std::size_t>(q)), Y2(static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < B.size(); ++i) B[i] = 1.0 / (1.0 + static_cast<double>(i));
        for (std::size_t j = 0; j < Y2.size(); ++j) Y2[j] = std::cos(static_cast<double>(j));
        const tilesum::Tensor b = sources.memory("B", B.data(), {q});
        const tilesum::Tensor y2 = sources.memory("Y2", Y2.data(), {n});

        const tilesum::Tensor C = tilesum::einsum("i,jk->ijk", {b, A});
        const tilesum::Tensor C2 = tilesum::einsum("j,ik->ijk", {y2, Z2});
        const tilesum::Tensor E = tilesum::einsum("ijk,ikj->k", {C + C2, C + C2});

        tilesum::PlanOptions options;
        options.budget_bytes = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : std::size_t{256} << 20;
        const tilesum::Plan plan = tilesum::make_plan({{"E", E}}, options);
        std::printf("%s", plan.explain().c_str());
        if (tilesum::Plan::from_json(plan.to_json()) != plan) {
            std::fprintf(stderr, "seed: the plan did not survive its JSON\n");
            return 1;
        }
        const tilesum::RunStats stats = tilesum::run(plan, sources, sink);
        std::printf("wrote %s in %.2f s (%lld tiles, %.3g flops) with tilesum %s\n", stats.written.at(0).where.c_str(),
                    stats.seconds, static_cast<long long>(stats.tiles_total), stats.flops, tilesum::version());
        return 0;
    } catch (const tilesum::Error& error) {
        std::fprintf(stderr, "seed: error: %s\n", error.what());
        return error.is_user_error() ? 2 : 1;
    }
}
