"""tools/data/gen_seed.py and check_seed.py, which `make demo` relies on: the four-term formula against brute
force numpy, the generator's reproducibility (independent of its block size), and the checker's verdicts.
Needs no tilesum binary (--tilesum is accepted and unused)."""

import contextlib
import importlib
import io

import h5py
import numpy as np

import e2e_util as util


class Completed:
    def __init__(self, returncode, stdout):
        self.returncode = returncode
        self.stdout = stdout


def run_tool(context, name, *args):
    """Run tools/data/NAME's main() in this process (one interpreter start instead of one per call)."""
    module = importlib.import_module(name.removesuffix(".py"))
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        returncode = module.main([str(arg) for arg in args])
    print(stdout.getvalue(), end="")
    return Completed(returncode, stdout.getvalue())


def check_formula(context):
    import check_seed
    for n, q, seed in ((7, 5, 0), (1, 1, 1), (13, 3, 2), (4, 9, 3)):
        inputs = util.seed_inputs(n, q, seed)
        brute = util.seed_oracle_einsum(**inputs)
        for block_bytes in (8, 3 * 8 * n, 1 << 20):  # one row, a few rows, everything
            error = util.max_relative_error(check_seed.four_term(**inputs, block_bytes=block_bytes), brute)
            util.expect(error < 1e-13, f"four-term formula vs brute force at n={n}, q={q}, block_bytes="
                                       f"{block_bytes}: relative error {error:.3e}")
    print("four-term formula == brute force (n=7 q=5, n=1 q=1, n=13 q=3, n=4 q=9)")


def check_generator(context):
    import gen_seed
    small = context.path("gen_small_blocks.h5")
    large = context.path("gen_one_block.h5")
    gen_seed.generate(small, 7, 5, seed=0, block_bytes=8)
    gen_seed.generate(large, 7, 5, seed=0)
    rng = np.random.default_rng(0)
    expected = {"A": rng.standard_normal((7, 7)), "B": rng.standard_normal(5), "Y2": rng.standard_normal(7),
                "Z2": rng.standard_normal((5, 7))}
    for path in (small, large):
        with h5py.File(path, "r") as file:
            util.expect(sorted(file.keys()) == ["A", "B", "Y2", "Z2"], f"{path}: datasets {list(file.keys())}")
            for name, value in expected.items():
                dataset = file[name]
                util.expect(dataset.chunks is None, f"{path}:/{name} is chunked; expected contiguous")
                util.expect(dataset.dtype == np.float64 and np.array_equal(dataset[...], value),
                            f"{path}:/{name} is not default_rng(0) standard normal in A, B, Y2, Z2 order")

    f32 = context.path("gen_f32.h5")
    util.expect(run_tool(context, "gen_seed.py", "--n", 7, "--q", 5, "--out", f32, "--dtype", "float32")
                .returncode == 0, "gen_seed.py --dtype float32 failed")
    with h5py.File(f32, "r") as file:
        for name, value in expected.items():
            util.expect(file[name].dtype == np.float32 and np.array_equal(file[name][...], value.astype(np.float32)),
                        f"{f32}:/{name} is not the float64 draws rounded to float32")

    again = run_tool(context, "gen_seed.py", "--n", 7, "--q", 5, "--out", large, "--skip-if-same")
    util.expect(again.returncode == 0 and "not regenerated" in again.stdout, "--skip-if-same regenerated")
    other = run_tool(context, "gen_seed.py", "--n", 8, "--q", 5, "--out", large, "--skip-if-same")
    util.expect(other.returncode == 0 and "wrote" in other.stdout, "--skip-if-same skipped a different n")
    util.expect(util.read_h5(large, "A").shape == (8, 8), "--n 8 did not regenerate")
    print("gen_seed.py: reproducible, block-size independent, float32, --skip-if-same")


def check_checker(context):
    data = context.path("check_in.h5")
    util.expect(run_tool(context, "gen_seed.py", "--n", 9, "--q", 6, "--out", data, "--seed", 4).returncode == 0,
                "gen_seed.py failed")
    with h5py.File(data, "r") as file:
        inputs = {name: file[name][...] for name in ("A", "B", "Y2", "Z2")}
    exact = util.seed_oracle_einsum(**inputs)

    good = util.write_h5(context.path("check_good.h5"), E=exact)
    completed = run_tool(context, "check_seed.py", "--data", data, "--out", good)
    util.expect(completed.returncode == 0, "check_seed.py rejected the brute-force E")
    util.expect("max relative error vs four-term formula:" in completed.stdout, "check_seed.py prints no error")

    wrong = exact.copy()
    wrong[3] *= 1 + 1e-6
    bad = util.write_h5(context.path("check_bad.h5"), E=wrong)
    util.expect(run_tool(context, "check_seed.py", "--data", data, "--out", bad).returncode == 1,
                "check_seed.py accepted an E off by 1e-6")
    util.expect(run_tool(context, "check_seed.py", "--data", data, "--out", bad, "--rtol", "1e-5").returncode == 0,
                "check_seed.py --rtol 1e-5 rejected an E off by 1e-6")

    single = util.write_h5(context.path("check_f32.h5"), E=exact.astype(np.float32))
    util.expect(run_tool(context, "check_seed.py", "--data", data, "--out", single).returncode == 0,
                "check_seed.py rejected a float32 E (default rtol 1e-4)")

    missing = util.write_h5(context.path("check_missing.h5"), F=exact)
    util.expect(run_tool(context, "check_seed.py", "--data", data, "--out", missing).returncode == 2,
                "check_seed.py did not fail on a missing /E")
    print("check_seed.py: accepts the right E, rejects a wrong one, honours --rtol and float32")


def main(context):
    check_formula(context)
    check_generator(context)
    check_checker(context)


if __name__ == "__main__":
    util.run_main(main)
