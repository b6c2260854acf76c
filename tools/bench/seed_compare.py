#!/usr/bin/python3
"""Benchmark of the seed: tilesum (--strategy auto and tile) against numpy materialized, numpy hand-expanded and
dask, on the same HDF5 inputs. Prints one table (wall time and peak RSS from /usr/bin/time -v, max relative
error against the four-term formula) and writes the same as a PNG plot.

  /usr/bin/python3 tools/bench/seed_compare.py --sizes 400 800 2000 --memory 1GiB [--png bench.png]

A method is skipped at a size where it would need more memory than --max-python-gib (materialized numpy holds
three (q, n, n) arrays) or where it ran past --timeout at a smaller size."""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "data"))

import h5py  # noqa: E402
import numpy as np  # noqa: E402


def timed(argv, timeout):
    """(seconds, peak RSS MiB) of argv under /usr/bin/time -v, or None if it failed or timed out."""
    try:
        result = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if result.returncode != 0:
        print(f"  failed: {' '.join(argv)}\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    seconds = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3)))
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return seconds, rss_kib / 1024


def reference(path):
    from check_seed import four_term  # noqa: E402  (tools/data)
    with h5py.File(path, "r") as data:
        return four_term(data["A"], data["B"], data["Y2"], data["Z2"])


def max_relative_error(path, expected):
    with h5py.File(path, "r") as file:
        actual = file["E"][...]
    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 800, 2000], help="n = q values")
    parser.add_argument("--memory", default="1GiB", help="tilesum --memory")
    parser.add_argument("--methods", nargs="+",
                        default=["tilesum-auto", "tilesum-tile", "numpy-materialized", "numpy-expanded", "dask"])
    parser.add_argument("--max-python-gib", type=float, default=16.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--workdir", default=os.path.join(ROOT, "data", "generated", "bench"))
    parser.add_argument("--png", default=None, help="plot file (default WORKDIR/seed_compare.png)")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    tilesum = os.path.join(ROOT, "build", "tools", "tilesum")

    rows = []
    gave_up = set()
    print(f"{'method':<20} {'n = q':>7} {'seconds':>9} {'peak RSS MiB':>13} {'max rel err':>12}")
    for size in args.sizes:
        data = os.path.join(args.workdir, f"seed_{size}.h5")
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "data", "gen_seed.py"), "--n", str(size),
                        "--q", str(size), "--out", data, "--skip-if-same"], check=True, capture_output=True)
        expected = reference(data)
        for method in args.methods:
            out = os.path.join(args.workdir, f"out_{method}_{size}.h5")
            if method.startswith("tilesum-"):
                argv = [tilesum, "run", os.path.join(ROOT, "data", "seed.tsum"), "--data", data, "--out", out,
                        "--overwrite", "--quiet", "--memory", args.memory, "--strategy", method.split("-")[1]]
            else:
                python_method = method.split("-")[-1]
                if python_method == "materialized" and 3 * 8 * size ** 3 / 2 ** 30 > args.max_python_gib:
                    gave_up.add(method)
                argv = ["/usr/bin/python3", os.path.join(HERE, "seed_python.py"), python_method, "--data", data,
                        "--out", out]
            measured = None if method in gave_up else timed(argv, args.timeout)
            if measured is None:
                gave_up.add(method)
                print(f"{method:<20} {size:>7} {'-':>9} {'-':>13} {'skipped':>12}")
                continue
            seconds, rss = measured
            error = max_relative_error(out, expected)
            rows.append((method, size, seconds, rss, error))
            print(f"{method:<20} {size:>7} {seconds:>9.2f} {rss:>13.1f} {error:>12.2e}", flush=True)

    png = args.png or os.path.join(args.workdir, "seed_compare.png")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no PNG: python3-matplotlib is not installed (make bench-deps)")
        return
    figure, (time_axis, rss_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    for method in args.methods:
        points = [(size, seconds, rss) for name, size, seconds, rss, _ in rows if name == method]
        if not points:
            continue
        sizes, seconds, rss = zip(*points)
        time_axis.plot(sizes, seconds, marker="o", label=method)
        rss_axis.plot(sizes, rss, marker="o", label=method)
    for axis, label in ((time_axis, "wall time (s)"), (rss_axis, "peak RSS (MiB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("n = q")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    time_axis.legend(fontsize=8)
    figure.suptitle(f"seed E = einsum('ijk,ikj->k', C + C2, C + C2); tilesum --memory {args.memory}")
    figure.tight_layout()
    figure.savefig(png, dpi=110)
    print(f"plot: {png}")


if __name__ == "__main__":
    main()
