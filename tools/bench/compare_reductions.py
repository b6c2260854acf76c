#!/usr/bin/python3
"""Two tilesum binaries side by side on long reductions, alternating, medians of several (compare_binaries.py does
the same on the seed): what does summing accurately (engine/kernels/accurate_sum.hpp) cost?

  /usr/bin/python3 tools/bench/compare_reductions.py --old OLD/tilesum --new build/tools/tilesum [--repeats 5]

Cases, on a tall X (--rows x 32, default 2^21 rows: 512 MiB of float64) and two long vectors (2^25 elements):
a Gram matrix einsum('ni,nj->ij', X, X) (GEMM tiles whose partial sums are added across slabs of n), a column
sum einsum('ni->i', X) (a reduction along an outer axis), a dot einsum('n,n->', x, y) and a sum einsum('n->', x)
(reductions along the contiguous axis), under --memory 64MiB so every one is cut into slabs of n.
Prints the median wall time and peak RSS of each binary, their ratio, and each output's relative difference
between the binaries and, against an exact (math.fsum) reference of the column sum and the sum, each one's error.
Inputs are written into --workdir once and kept."""

import argparse
import math
import os
import statistics
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from compare_binaries import timed  # noqa: E402

CASES = [
    ("gram", "G = einsum('ni,nj->ij', X, X)\n", "G"),
    ("column sum", "c = einsum('ni->i', X)\n", "c"),
    ("dot", "d = einsum('n,n->', x, y)\n", "d"),
    ("sum", "s = einsum('n->', x)\n", "s"),
]


def make_inputs(path, rows):
    if os.path.exists(path):
        with h5py.File(path, "r") as file:
            if file["X"].shape[0] == rows:
                return
    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as file:
        # Positive values with a large mean: the case where naive sums lose most (every partial sum grows).
        file["X"] = rng.random((rows, 32)) + 1.0
        file["x"] = rng.random(16 * rows) + 1.0
        file["y"] = rng.random(16 * rows) + 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1 << 21)
    parser.add_argument("--memory", default="64MiB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    args = parser.parse_args()
    data = os.path.join(args.workdir, "compare_reductions.h5")
    make_inputs(data, args.rows)
    with h5py.File(data, "r") as file:
        exact = {"c": np.array([math.fsum(column) for column in file["X"][...].T]), "s": math.fsum(file["x"][...])}
    print(f"{'case':<12} {'old s':>8} {'new s':>8} {'new/old':>8} {'old MiB':>8} {'new MiB':>8}  "
          f"{'new vs old':>10} {'old error':>10} {'new error':>10}")
    for name, script_text, output in CASES:
        script = os.path.join(args.workdir, f"compare_reductions_{output}.tsum")
        with open(script, "w") as file:
            file.write(script_text)
        runs = {"old": [], "new": []}
        outputs = {label: os.path.join(args.workdir, f"compare_reductions_{label}.h5") for label in runs}
        for _ in range(args.repeats):
            for label, binary in (("old", args.old), ("new", args.new)):
                runs[label].append(timed([binary, "run", script, "--data", data, "--out", outputs[label],
                                          "--overwrite", "--quiet", "--memory", args.memory, "--threads",
                                          str(args.threads)]))
        results = {}
        for label in runs:
            with h5py.File(outputs[label], "r") as file:
                results[label] = file[output][...]
        scale = np.max(np.abs(results["old"]))
        difference = float(np.max(np.abs(results["new"] - results["old"])) / scale) if scale else 0.0
        errors = ["", ""]
        if output in exact:
            errors = [f"{float(np.max(np.abs(results[label] - exact[output]) / np.abs(exact[output]))):10.1e}"
                      for label in ("old", "new")]
        old_s = statistics.median(seconds for seconds, _ in runs["old"])
        new_s = statistics.median(seconds for seconds, _ in runs["new"])
        old_mib = statistics.median(mib for _, mib in runs["old"])
        new_mib = statistics.median(mib for _, mib in runs["new"])
        print(f"{name:<12} {old_s:8.2f} {new_s:8.2f} {new_s / old_s:8.2f} {old_mib:8.1f} {new_mib:8.1f}  "
              f"{difference:10.1e} {errors[0]:>10} {errors[1]:>10}", flush=True)


if __name__ == "__main__":
    main()
