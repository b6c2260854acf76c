"""tools/bench/seed_yardstick.cpp, the fused loop nest `make bench` measures the tiled path against
(tools/bench/tiled_path.py), on tiny seeds against numpy, so that it cannot rot between benchmarks: E of
data/seed.tsum and of the function case exp(-(C - C2)**2), square (n = q = 20, the generator's file) and not square
(n = 21, q = 13: n and q swapped anywhere shows), on 1, 2 and more threads than values of k; a bad command line
exits 2. The binary comes from TILESUM_TEST_YARDSTICK (tests/e2e/CMakeLists.txt); --tilesum is unused."""

import os

import numpy as np

import e2e_util as util


def expected(inputs):
    """The seed's E and the function case's E, materialized by numpy in float64."""
    A, B, Y2, Z2 = (inputs[key] for key in ("A", "B", "Y2", "Z2"))
    C = np.einsum("i,jk->ijk", B, A)
    C2 = np.einsum("j,ik->ijk", Y2, Z2)
    return np.einsum("ijk,ikj->k", C + C2, C + C2), np.einsum("ijk->k", np.exp(-(C - C2) ** 2))


def main(context):
    import gen_seed  # tools/data, on sys.path
    yardstick = os.environ["TILESUM_TEST_YARDSTICK"]
    for n, q in ((20, 20), (21, 13)):
        data = context.path(f"seed_{n}_{q}.h5")
        gen_seed.generate(data, n, q, seed=1)
        inputs = {name: util.read_h5(data, name) for name in ("A", "B", "Y2", "Z2")}
        for label, reference in zip(("seed", "function"), expected(inputs)):
            for threads in (1, 2, n + 3):
                out = context.path(f"E_{label}_{n}_{q}_{threads}.npy")
                argv = ["--data", data, "--threads", threads, "--out", out] + (["--function"] if label == "function"
                                                                                 else [])
                result = util.expect_success(util.run_tilesum(yardstick, argv, cwd=context.workdir))
                util.expect("compute_seconds" in result.stdout, f"no compute_seconds printed\n{result.describe()}")
                error = util.max_relative_error(np.load(out), reference)
                util.expect(error < 1e-13, f"{label} n={n} q={q} threads={threads}: relative error {error:.3e}")
        print(f"n={n} q={q}: seed and function E within 1e-13 of numpy on 1, 2 and {n + 3} threads")
    for argv in ([], ["--data"], ["--data", context.path("seed_20_20.h5"), "--bogus"],
                 ["--data", context.path("missing.h5")]):
        result = util.run_tilesum(yardstick, argv, cwd=context.workdir)
        util.expect(result.status == 2 and result.stderr.strip(), f"expected exit 2 and a message\n{result.describe()}")
    print("bad command lines and a missing file: exit 2 with a message")


if __name__ == "__main__":
    util.run_main(main)
