#!/usr/bin/python3
"""Issue 13's benchmark of the tiled path: tilesum evaluating an expression as written, tile by tile, side by side
with what it should be as fast as, alternating, medians of --repeats:

  seed      data/seed.tsum under `tilesum run --strategy tile` against the fused yardstick
            (tools/bench/seed_yardstick.cpp: one loop nest over (k, i, j), no intermediate, vectorized over j);
  function  E = einsum('ijk->k', exp(-(C - C2)**2)) of the seed's C and C2, tilesum against numpy slab by slab
            over k within the same memory (the seed generator's own workaround, numpy_function_slabs below) and
            against the yardstick's --function loop nest;
  gemm      tools/bench/gemm_out_of_core.py (out-of-core matrix product), which prints its own table and PNG.

Inputs come from tools/data/gen_seed.py into a temporary folder (removed at the end). Prints one table: wall and
CPU seconds and peak RSS (/usr/bin/time -v), compute seconds (tilesum's own run time from --json, the yardstick's
loop nest without its reads), ratio (wall time over the case's baseline: the yardstick for the seed, numpy for the
function case; in parentheses the same for compute seconds), elements (i, j, k) per second of wall time, and the
max relative error against numpy (the seed's four-term formula; numpy's slabs for the function case). Writes the
ratios as a PNG.

  /usr/bin/python3 tools/bench/tiled_path.py --sizes 800 1200 1600 --function-sizes 1000 --repeats 3 \\
      [--memory 256MiB] [--threads 2] [--gemm-sizes 4096] [--png tiled_path.png]"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "data"))

from check_seed import four_term, max_relative_error  # noqa: E402  (tools/data)
from gen_seed import parse_size  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from time_v import parse_time_v  # noqa: E402

FUNCTION_SCRIPT = """\
C = einsum('i,jk->ijk', B, A)
C2 = einsum('j,ik->ijk', Y2, Z2)
E = einsum('ijk->k', exp(-(C - C2)**2))
"""


def numpy_function_slabs(data, memory_bytes):
    """E_k = sum_ij exp(-(B_i A_jk - Y2_j Z2_ik)^2) by numpy, slab by slab over k: each slab reads A[:, k0:k1] and
    Z2[:, k0:k1] and holds two (q, n, width) arrays, the width chosen so that three of them fit memory_bytes (rows
    of i are cut too when one k does not fit)."""
    with h5py.File(data, "r") as file:
        A, Z2 = file["A"], file["Z2"]
        B, Y2 = file["B"][...], file["Y2"][...]
        n, q = A.shape[0], B.shape[0]
        width = max(1, memory_bytes // (3 * 8 * q * n))
        rows = q if width > 1 else max(1, memory_bytes // (3 * 8 * n))
        E = np.zeros(n)
        for k0 in range(0, n, width):
            ks = slice(k0, min(n, k0 + width))
            a_slab, z2_slab = A[:, ks], Z2[:, ks]
            for i0 in range(0, q, rows):
                i = slice(i0, min(q, i0 + rows))
                t = B[i, None, None] * a_slab[None, :, :]
                t -= Y2[None, :, None] * z2_slab[i, None, :]
                np.square(t, out=t)
                np.negative(t, out=t)
                np.exp(t, out=t)
                E[ks] += t.sum(axis=(0, 1))
        return E


def timed(argv):
    """(wall s, CPU s, peak RSS MiB, stdout) of argv under /usr/bin/time -v; exits on failure."""
    result = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    seconds, cpu, rss_mib = parse_time_v(result.stderr)
    return seconds, cpu, rss_mib, result.stdout


class Method:
    """One way of computing one case at one size: argv, where its E lands, how to find its compute seconds."""

    def __init__(self, name, argv, out, compute_seconds):
        self.name, self.argv, self.out, self.compute_seconds = name, argv, out, compute_seconds
        self.runs = []

    def run(self):
        if os.path.exists(self.out):
            os.remove(self.out)
        wall, cpu, rss, stdout = timed(self.argv)
        self.runs.append((wall, cpu, self.compute_seconds(stdout), rss))

    def result(self):
        if self.out.endswith(".npy"):
            return np.load(self.out)
        with h5py.File(self.out, "r") as file:
            return file["E"][...]

    def medians(self):
        return [statistics.median(column) for column in zip(*self.runs)]


def tilesum_method(args, workdir, label, script, data):
    out = os.path.join(workdir, f"{label}.h5")
    argv = [args.tilesum, "run", script, "--data", data, "--out", out, "--strategy", "tile", "--threads",
            str(args.threads), "--memory", args.memory, "--json", "--quiet", "--progress", "never"]
    return Method("tilesum-tile", argv, out, lambda stdout: json.loads(stdout)["measured"]["seconds"])


def yardstick_method(args, workdir, label, data, function):
    out = os.path.join(workdir, f"{label}.npy")
    argv = [args.yardstick, "--data", data, "--threads", str(args.threads), "--out", out]
    return Method("yardstick" + ("-function" if function else ""), argv + (["--function"] if function else []), out,
                  lambda stdout: float(re.search(r"compute_seconds ([\d.]+)", stdout).group(1)))


def measure(methods, repeats):
    """Runs the methods alternately, repeats rounds, the order reversed every other round."""
    for repeat in range(repeats):
        for method in methods if repeat % 2 == 0 else reversed(methods):
            method.run()


def table_rows(case, size, elements, methods, baseline, reference):
    rows = []
    base_wall, _, base_compute, _ = baseline.medians()
    for method in methods:
        wall, cpu, compute, rss = method.medians()
        error = max_relative_error(method.result(), reference)
        rows.append(dict(case=case, method=method.name, n=size, wall=wall, cpu=cpu, compute=compute, rss=rss,
                         baseline=baseline.name, ratio=wall / base_wall, compute_ratio=compute / base_compute,
                         rate=elements / wall / 1e9, error=error))
    return rows


def print_row(row):
    ratio = f"{row['ratio']:.2f} ({row['compute_ratio']:.2f})"
    print(f"{row['case']:<9} {row['method']:<18} {row['n']:>5} {row['wall']:>8.2f} {row['cpu']:>8.2f} "
          f"{row['compute']:>10.2f} {row['rss']:>9.1f} {ratio:>13} {row['rate']:>9.2f} {row['error']:>12.2e}",
          flush=True)


def generate(workdir, size):
    data = os.path.join(workdir, f"seed_{size}.h5")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "data", "gen_seed.py"), "--n", str(size),
                    "--q", str(size), "--out", data, "--skip-if-same"], check=True, capture_output=True)
    return data


def seed_rows(args, workdir, size):
    data = generate(workdir, size)
    with h5py.File(data, "r") as file:
        reference = four_term(file["A"], file["B"], file["Y2"], file["Z2"])
    yardstick = yardstick_method(args, workdir, f"seed_yardstick_{size}", data, function=False)
    methods = [tilesum_method(args, workdir, f"seed_tilesum_{size}", os.path.join(ROOT, "data", "seed.tsum"), data),
               yardstick]
    measure(methods, args.repeats)
    return table_rows("seed", size, size ** 3, methods, yardstick, reference)


def function_rows(args, workdir, size):
    data = generate(workdir, size)
    script = os.path.join(workdir, "function.tsum")
    with open(script, "w") as file:
        file.write(FUNCTION_SCRIPT)
    methods = [tilesum_method(args, workdir, f"function_tilesum_{size}", script, data),
               yardstick_method(args, workdir, f"function_yardstick_{size}", data, function=True)]
    if size <= args.numpy_max_n:
        out = os.path.join(workdir, f"function_numpy_{size}.npy")
        methods.append(Method("numpy-slabs", ["/usr/bin/python3", os.path.abspath(__file__), "--numpy-function",
                                              data, out, args.memory], out, lambda stdout: float(stdout)))
    measure(methods, args.repeats)
    baseline = methods[-1]  # numpy, or the yardstick above --numpy-max-n
    return table_rows("function", size, size ** 3, methods, baseline, baseline.result())


def gemm(args, workdir, png):
    """Runs tools/bench/gemm_out_of_core.py (its own table and PNG) with our sizes, memory, binary and threads."""
    script = os.path.join(HERE, "gemm_out_of_core.py")
    if not os.path.exists(script):
        print(f"\ngemm: skipped: {os.path.relpath(script, ROOT)} does not exist yet (out-of-core GEMM rows)")
        return
    argv = ["/usr/bin/python3", script, "--sizes", *map(str, args.gemm_sizes), "--memory", args.memory, "--png", png]
    usage = subprocess.run(["/usr/bin/python3", script, "--help"], capture_output=True, text=True).stdout
    for option, value in (("--binary", args.tilesum), ("--threads", str(args.threads)),
                          ("--scratch", os.path.join(workdir, "gemm"))):
        if option in usage:  # options beyond --sizes, --memory and --png, if the script has them
            argv += [option, value]
    print(f"\ngemm: {' '.join(argv)}", flush=True)
    if subprocess.run(argv).returncode != 0:
        print("gemm: FAILED (see above)")


def plot(rows, png, args):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no PNG: python3-matplotlib is not installed (make bench-deps)")
        return
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, case in zip(axes, ("seed", "function")):
        case_rows = [row for row in rows if row["case"] == case]
        if not case_rows:
            axis.set_visible(False)
            continue
        baselines = {row["baseline"] for row in case_rows}
        for color, method in enumerate(sorted({row["method"] for row in case_rows} - baselines)):
            points = [row for row in case_rows if row["method"] == method]
            sizes = [row["n"] for row in points]
            axis.plot(sizes, [row["ratio"] for row in points], marker="o", color=f"C{color}", label=f"{method}, wall")
            axis.plot(sizes, [row["compute_ratio"] for row in points], marker="x", linestyle="--", color=f"C{color}",
                      label=f"{method}, compute")
        axis.axhline(1.0, color="gray", linewidth=0.8)
        axis.set_xticks(sorted({row["n"] for row in case_rows}))
        axis.set_xlabel("n = q")
        axis.set_ylabel(f"time / {' or '.join(sorted(baselines))}'s time")
        axis.set_yscale("log")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    axes[0].set_title("seed: einsum('ijk,ikj->k', C + C2, C + C2)", fontsize=10)
    axes[1].set_title("function: einsum('ijk->k', exp(-(C - C2)**2))", fontsize=10)
    figure.suptitle(f"tilesum --strategy tile --threads {args.threads} --memory {args.memory}, medians of "
                    f"{args.repeats}")
    figure.tight_layout()
    figure.savefig(png, dpi=110)
    print(f"plot: {png}")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--numpy-function":  # one timed numpy run: DATA OUT MEMORY
        import time
        start = time.perf_counter()
        np.save(sys.argv[3], numpy_function_slabs(sys.argv[2], parse_size(sys.argv[4])))
        print(time.perf_counter() - start)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[800, 1200, 1600], help="n = q of the seed")
    parser.add_argument("--function-sizes", type=int, nargs="*", default=[1000], help="n = q of the function case")
    parser.add_argument("--numpy-max-n", type=int, default=2000,
                        help="largest function size numpy runs at (above it the yardstick is the baseline)")
    parser.add_argument("--gemm-sizes", type=int, nargs="*", default=[4096],
                        help="sizes for gemm_out_of_core.py (none: skip it)")
    parser.add_argument("--memory", default="256MiB", help="tilesum --memory, numpy's slabs and the GEMM's budget")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tilesum", default=os.path.join(ROOT, "build", "tools", "tilesum"))
    parser.add_argument("--yardstick", default=os.path.join(ROOT, "build", "tools", "bench_seed_yardstick"))
    parser.add_argument("--workdir", default=None, help="where inputs go (default: a temporary folder, removed)")
    parser.add_argument("--png", default=os.path.join(ROOT, "data", "generated", "bench", "tiled_path.png"))
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="tilesum-tiled-path-")
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.png)), exist_ok=True)
    try:
        print(f"tilesum run --strategy tile --threads {args.threads} --memory {args.memory}; medians of "
              f"{args.repeats}, alternating; ratio = wall / baseline's wall (compute / baseline's compute)")
        print(f"{'case':<9} {'method':<18} {'n = q':>5} {'wall s':>8} {'CPU s':>8} {'compute s':>10} "
              f"{'peak MiB':>9} {'ratio':>13} {'G elem/s':>9} {'max rel err':>12}")
        rows = []
        for size in args.sizes:
            for row in seed_rows(args, workdir, size):
                print_row(row)
                rows.append(row)
        for size in args.function_sizes:
            for row in function_rows(args, workdir, size):
                print_row(row)
                rows.append(row)
        if rows:
            plot(rows, args.png, args)
        if args.gemm_sizes:
            root, extension = os.path.splitext(args.png)
            gemm(args, workdir, f"{root}_gemm{extension}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
