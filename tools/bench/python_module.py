#!/usr/bin/python3
"""The Python module against numpy and the CLI on the seed (issue 14's targets), side by side, alternating, medians.

  numpy expanded:  numpy's hand-expanded four einsums on the arrays in memory (optimize='optimal'): O(n^2 + qn);
  ts.compute:      E = ts.einsum(...) over the same numpy arrays (borrowed, not copied), E.compute();
  CLI:             `tilesum run data/seed.tsum` on the same arrays saved to HDF5 (read from the page cache): the
                   process's wall time, and the run's own (`tilesum run --json`'s measured seconds: planning,
                   reads, tiles and the output, without process start-up and library loading).
Also: `import tilesum` time (a fresh interpreter each, median), and the peak RSS a borrowed 2 GiB array adds (a
child process holding the array, then computing over it). Run with Debian's /usr/bin/python3 after the build:

    PYTHONPATH=build/python /usr/bin/python3 tools/bench/python_module.py --n 2000 --repeats 5
    PYTHONPATH=build/python /usr/bin/python3 tools/bench/python_module.py --h5py 16384 --memory 512MiB --repeats 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

import tilesum as ts

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def seed_arrays(n, q, seed=0):
    rng = np.random.default_rng(seed)
    return {"A": rng.standard_normal((n, n)), "B": rng.standard_normal(q), "Y2": rng.standard_normal(n),
            "Z2": rng.standard_normal((q, n))}


def numpy_expanded(a):
    A, B, Y2, Z2 = a["A"], a["B"], a["Y2"], a["Z2"]
    opt = "optimal"
    return (np.einsum("i,jk,i,kj->k", B, A, B, A, optimize=opt) + np.einsum("i,jk,k,ij->k", B, A, Y2, Z2, optimize=opt)
            + np.einsum("j,ik,i,kj->k", Y2, Z2, B, A, optimize=opt)
            + np.einsum("j,ik,k,ij->k", Y2, Z2, Y2, Z2, optimize=opt))


def tilesum_compute(a, memory, threads):
    C = ts.einsum("i,jk->ijk", a["B"], a["A"])
    C2 = ts.einsum("j,ik->ijk", a["Y2"], a["Z2"])
    return ts.einsum("ijk,ikj->k", C + C2, C + C2).compute(memory=memory, threads=threads)


def cli_run(binary, data, out, memory, threads):
    result = subprocess.run([binary, "run", os.path.join(ROOT, "data", "seed.tsum"), "--data", data, "--out", out,
                             "--overwrite", "--memory", memory, "--threads", str(threads), "--json", "--quiet"],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def import_seconds(repeats):
    times = []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import tilesum; "
                                 "print(time.perf_counter() - t)"], check=True, capture_output=True, text=True,
                                env=dict(os.environ))
        times.append(float(result.stdout))
    return statistics.median(times)


BORROW_CHILD = """
import resource, sys, numpy as np, tilesum as ts
x = np.ones((16384, 16384))                 # 2 GiB, float64, C order: borrowed
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
total = ts.einsum("ij->", x).compute(memory="32MiB")  # growth: the tile buffers, at most the budget
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024.0, float(total))
"""


def borrowed_growth_mib():
    result = subprocess.run([sys.executable, "-c", BORROW_CHILD], check=True, capture_output=True, text=True)
    growth, total = result.stdout.split()
    assert float(total) == 16384.0 * 16384.0
    return float(growth)


H5PY_CHILD = """
import json, resource, sys, time
import h5py, numpy as np
path, memory, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss        # numpy and h5py imported
import tilesum as ts
f = h5py.File(path, "r")
start = time.perf_counter()
C = ts.einsum("i,jk->ijk", f["B"], f["A"])
C2 = ts.einsum("j,ik->ijk", f["Y2"], f["Z2"])
e = ts.einsum("ijk,ikj->k", C + C2, C + C2).compute(memory=memory, threads=threads)
seconds = time.perf_counter() - start
np.save(sys.argv[4], e)
print(json.dumps({"seconds": seconds, "baseline_kib": baseline,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def h5py_target(n, memory, threads, repeats, binary, scratch):
    """Issue 14's large target: the seed from h5py datasets of a file written by tools/data/gen_seed.py (n = q;
    4 GiB at 16384), ts.compute in a fresh interpreter (its peak RSS over the baseline of numpy and h5py imported)
    against `tilesum run` on the same file (its wall time and peak RSS by /usr/bin/time -v), alternating."""
    sys.path.insert(0, HERE)
    from time_v import parse_time_v  # noqa: E402  (tools/bench)
    os.makedirs(scratch, exist_ok=True)
    data = os.path.join(scratch, f"seed_{n}.h5")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "data", "gen_seed.py"), "--n", str(n), "--q", str(n),
                    "--out", data, "--skip-if-same"], check=True)
    python_runs, cli_runs = [], []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", H5PY_CHILD, data, memory, str(threads),
                                 os.path.join(scratch, "e_python.npy")], check=True, capture_output=True, text=True)
        python_runs.append(json.loads(result.stdout))
        out = os.path.join(scratch, "e_cli.h5")
        result = subprocess.run(["/usr/bin/time", "-v", binary, "run", os.path.join(ROOT, "data", "seed.tsum"),
                                 "--data", data, "--out", out, "--overwrite", "--memory", memory, "--threads",
                                 str(threads), "--quiet"], check=True, capture_output=True, text=True)
        wall, _, rss_mib = parse_time_v(result.stderr)
        cli_runs.append({"seconds": wall, "peak_rss_mib": rss_mib})
    with h5py.File(os.path.join(scratch, "e_cli.h5"), "r") as file:
        same = bool(np.array_equal(file["E"][...], np.load(os.path.join(scratch, "e_python.npy"))))
    python_s = statistics.median(run["seconds"] for run in python_runs)
    cli_s = statistics.median(run["seconds"] for run in cli_runs)
    growth = statistics.median((run["peak_kib"] - run["baseline_kib"]) / 1024 for run in python_runs)
    baseline = statistics.median(run["baseline_kib"] / 1024 for run in python_runs)
    cli_rss = statistics.median(run["peak_rss_mib"] for run in cli_runs)
    print(f"seed n = q = {n} from h5py datasets ({os.path.getsize(data) / 2**30:.1f} GiB file), memory={memory}, "
          f"{threads} threads, medians of {repeats}, alternating")
    print(f"  ts.compute (h5py): {python_s:.2f} s; peak RSS {baseline:.0f} MiB baseline (numpy, h5py) + "
          f"{growth:.0f} MiB")
    print(f"  tilesum run:       {cli_s:.2f} s (process); peak RSS {cli_rss:.0f} MiB")
    print(f"  ratio {python_s / cli_s:.2f}; results bit-identical: {same}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="n = q of the seed (default 2000)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory", default="1GiB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tilesum", default=os.path.join(ROOT, "build", "tools", "tilesum"))
    parser.add_argument("--skip-borrow", action="store_true", help="skip the 2 GiB borrowed-array check")
    parser.add_argument("--h5py", type=int, metavar="N",
                        help="instead: the seed at n = q = N from h5py datasets against the CLI (16384: 4 GiB)")
    parser.add_argument("--scratch", default=os.path.join(tempfile.gettempdir(), "tilesum-python-module"),
                        help="where --h5py's input file is generated (kept for the next run)")
    args = parser.parse_args()
    if args.h5py:
        return h5py_target(args.h5py, args.memory, args.threads, args.repeats, args.tilesum, args.scratch)

    arrays = seed_arrays(args.n, args.n)
    times = {"numpy expanded": [], "ts.compute": [], "CLI process": [], "CLI run (--json)": []}
    with tempfile.TemporaryDirectory() as folder:
        data, out = os.path.join(folder, "seed_in.h5"), os.path.join(folder, "seed_out.h5")
        with h5py.File(data, "w") as file:
            for name, value in arrays.items():
                file[name] = value
        expected = None
        for _ in range(args.repeats):  # alternating, so that the machine's state hits each method alike
            seconds, expected = timed(lambda: numpy_expanded(arrays))
            times["numpy expanded"].append(seconds)
            seconds, value = timed(lambda: tilesum_compute(arrays, args.memory, args.threads))
            times["ts.compute"].append(seconds)
            error = float(np.max(np.abs(value - expected)) / np.max(np.abs(expected)))
            seconds, report = timed(lambda: cli_run(args.tilesum, data, out, args.memory, args.threads))
            times["CLI process"].append(seconds)
            times["CLI run (--json)"].append(report["measured"]["seconds"])
    print(f"seed n = q = {args.n}, --memory {args.memory}, {args.threads} threads, medians of {args.repeats}; "
          f"ts.compute vs numpy max rel err {error:.1e}")
    print(f"{'method':<22} {'median s':>9} {'min s':>9}")
    for method, values in times.items():
        print(f"{method:<22} {statistics.median(values):>9.4f} {min(values):>9.4f}")
    print(f"import tilesum: {import_seconds(args.repeats):.3f} s (median of {args.repeats} fresh interpreters)")
    if not args.skip_borrow:
        print(f"a borrowed 2 GiB array: peak RSS grows by {borrowed_growth_mib():.1f} MiB while computing over it "
              "under memory='32MiB' (a copy would add 2048 MiB)")


if __name__ == "__main__":
    main()
