"""Long reductions as accurate as numpy's (issue 13, kernels/accurate_sum.hpp), through the CLI.

numpy case: numpy's own test_einsum_chunking_precision (the mean of 10^6 copies of 1 + 8196 eps, to 15 decimals)
and its relatives i,i->, ij-> and ij->j, uncut and with the summed index cut into slabs by --tile, at 1, 2 and 4
threads: each as accurate as numpy's answer, and the bits identical for every number of threads.
resume case: the same reductions of random values cut into 500 slabs, killed mid-slab and resumed (the partial
sum and its compensations come from the journal), bit-identical to an uninterrupted run."""

import random

import h5py
import numpy as np

import e2e_util as util
import test_resume

N = 1_000_000
VALUE = 1.0 + np.finfo(np.float64).eps * 8196
SCRIPT = """\
s = einsum('i->', x)
d = einsum('i,i->', x, y)
t = einsum('ij->', m)
c = einsum('ij->j', m)
"""
OUTPUTS = ["s", "d", "t", "c"]


def run_outputs(context, script, inputs, out, *args):
    result = context.run("run", script, "--data", inputs, "--out", out, *args)
    util.expect_success(result)
    with h5py.File(out, "r") as file:
        return {name: file[name][...] for name in OUTPUTS}


def numpy_case(context):
    x = np.full(N, VALUE)
    y = np.full(N, 3.0)
    m = np.full((1000, 1000), VALUE)
    inputs = util.write_h5(context.path("constants.h5"), x=x, y=y, m=m)
    script = context.write_text("reductions.tsum", SCRIPT)
    # The exact answers, to far better than a double: N · VALUE (and N · (VALUE · 3), rounded once) in a long double.
    exact = {"s": np.longdouble(VALUE) * N, "d": np.longdouble(VALUE * 3.0) * N, "t": np.longdouble(VALUE) * N,
             "c": np.longdouble(VALUE) * 1000}
    numpy_results = {"s": np.einsum("i->", x), "d": np.einsum("i,i->", x, y), "t": np.einsum("ij->", m),
                     "c": np.einsum("ij->j", m)}

    def error(name, value):
        return float(np.max(np.abs((np.asarray(value, dtype=np.longdouble) - exact[name]) / exact[name])))

    for tiles in ([], ["--tile", "i=1000", "--tile", "j=7"]):
        first = None
        for threads in (1, 2, 4):
            out = context.path(f"out_{len(tiles)}_{threads}.h5")
            results = run_outputs(context, script, inputs, out, "--threads", threads, *tiles)
            what = f"{'slabs' if tiles else 'one tile'}, {threads} thread(s)"
            # numpy's assertion: assert_almost_equal(res, value, decimal=15).
            util.expect(abs(results["s"] / N - VALUE) < 1.5e-15, f"{what}: i-> mean {results['s'] / N!r}")
            util.expect(abs(results["t"] / N - VALUE) < 1.5e-15, f"{what}: ij-> mean {results['t'] / N!r}")
            for name in OUTPUTS:
                ours, theirs = error(name, results[name]), error(name, numpy_results[name])
                print(f"{what}: {name} relative error {ours:.2e} (numpy {theirs:.2e})")
                util.expect(ours <= max(2 * theirs, 4e-16),
                            f"{what}: {name} is off by {ours:.2e}, numpy by {theirs:.2e}")
            if first is None:
                first = results
            else:
                for name in OUTPUTS:
                    util.expect(results[name].tobytes() == first[name].tobytes(),
                                f"{what}: {name} differs from 1 thread's bits")


def resume_case(context):
    rng = np.random.default_rng(7)
    inputs = util.write_h5(context.path("random.h5"), x=rng.standard_normal(N), y=rng.standard_normal(N),
                           m=rng.standard_normal((20000, 50)))
    script = context.write_text("reductions.tsum", SCRIPT)
    # 500 slabs of i for s and d, 10 of i times 5 of j for t, 10 of i for each tile of c: kills land mid-slab.
    case = test_resume.Case("slabs", script, inputs, ["--tile", "i=2000", "--tile", "j=10"], OUTPUTS)
    reference_out = context.path("slabs_reference.h5")
    result, _ = test_resume.run(context, test_resume.argv(context, case, reference_out), checkpoint_seconds="1e9")
    util.expect(result.returncode == 0, f"reference run failed: {result.stderr}")
    reference = test_resume.read_outputs(reference_out, OUTPUTS)
    kills = test_resume.kill_and_resume(context, case, random.Random(13), reference)
    util.expect(kills >= test_resume.KILLS_PER_CASE, f"only {kills} kills")


if __name__ == "__main__":
    util.run_main(None, {"numpy": numpy_case, "resume": resume_case})
