#!/usr/bin/python3
"""Out-of-core matrix product einsum('ij,jk->ik') against numpy's in-memory dgemm (issue 13, "Out-of-core
GEMM-class einsums at BLAS speed").

For each n of --sizes it writes A and B (n x n float64, C order, contiguous, standard normal draws) to an HDF5 file
in --scratch (kept for the next invocation unless --clean; 2 x 8 n^2 bytes), runs `tilesum run --json` on them
under --memory and --threads, and in a separate process times numpy's `A @ B` in memory with
OPENBLAS_NUM_THREADS=--threads (the same OpenBLAS and the same environment, so OPENBLAS_CORETYPE applies to both:
say which in any report). It prints one row per n: tilesum's time, GFLOP/s, peak RSS and bytes read (its run
report), numpy's GFLOP/s, their ratio and the largest relative error of tilesum's C over a few sampled blocks
(max |C - A[rows] @ B[:, cols]| / max |A[rows] @ B[:, cols]|), and draws the rates into --png.

    /usr/bin/python3 tools/bench/gemm_out_of_core.py --sizes 8192 16384 --memory 512MiB --png /tmp/gemm.png

Reads are page-cache warm after the first run (the files were just written): as `tilesum calibrate` measures.
It measures; it asserts nothing. A run that fails shows its reason instead of numbers.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NUMPY_RATE = r"""
import sys, time, numpy as np
n, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
a = rng.standard_normal((n, n)); b = rng.standard_normal((n, n))
a @ b[:, :64]  # BLAS loaded and warm
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - start)
print(2.0 * n ** 3 / best / 1e9)
"""


def write_inputs(path, n):
    """A and B, written in row blocks of about 64 MiB so that memory stays small."""
    if os.path.exists(path):
        with h5py.File(path, "r") as file:
            if all(name in file and file[name].shape == (n, n) for name in ("A", "B")):
                return
        os.remove(path)
    rng = np.random.default_rng(n)
    step = max(1, (64 << 20) // (8 * n))
    with h5py.File(path + ".partial", "w") as file:
        for name in ("A", "B"):
            dataset = file.create_dataset(name, (n, n), dtype="f8")
            for begin in range(0, n, step):
                end = min(n, begin + step)
                dataset[begin:end] = rng.standard_normal((end - begin, n))
    os.replace(path + ".partial", path)


def max_relative_error(data, out, n, samples=4, block=256):
    """Sampled blocks of C checked against numpy on the same rows of A and columns of B."""
    rng = np.random.default_rng(7)
    worst = 0.0
    with h5py.File(data, "r") as inputs, h5py.File(out, "r") as result:
        a, b, c = inputs["A"], inputs["B"], result["C"]
        for _ in range(samples):
            size = min(block, n)
            row = int(rng.integers(0, n - size + 1))
            column = int(rng.integers(0, n - size + 1))
            reference = a[row:row + size, :] @ b[:, column:column + size]
            got = c[row:row + size, column:column + size]
            worst = max(worst, float(np.max(np.abs(got - reference)) / np.max(np.abs(reference))))
    return worst


def run_tilesum(binary, script, data, out, memory, threads):
    """(seconds, report) of one `tilesum run --json`, the report's measured part."""
    command = [binary, "run", script, "--data", data, "--out", out, "--overwrite", "--memory", memory,
               "--threads", str(threads), "--json", "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"tilesum exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return seconds, json.loads(done.stdout)


def numpy_rate(n, threads, repeats):
    environment = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, "-c", NUMPY_RATE, str(n), str(repeats)], capture_output=True, text=True,
                          env=environment, check=True)
    return float(done.stdout.strip())


def plot(rows, memory, threads, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    good = [row for row in rows if "error" not in row]
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    sizes = [row["n"] for row in good]
    axes.plot(sizes, [row["gflops"] for row in good], "o-", label=f"tilesum, --memory {memory}")
    axes.plot(sizes, [row["numpy_gflops"] for row in good], "s--", label="numpy A @ B in memory")
    for row in good:
        axes.annotate(f"{row['ratio']:.0%}", (row["n"], row["gflops"]), textcoords="offset points", xytext=(4, -12))
    axes.set_xscale("log", base=2)
    axes.set_xlabel("n (A, B: n x n float64)")
    axes.set_ylabel("GFLOP/s")
    axes.set_ylim(bottom=0)
    axes.set_title(f"einsum('ij,jk->ik') out of core, {threads} threads, "
                   f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 8192])
    parser.add_argument("--memory", default="256MiB")
    parser.add_argument("--png", default=None, help="plot of GFLOP/s per n")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--binary", default=os.path.join(REPO, "build/tools/tilesum"))
    parser.add_argument("--scratch", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "tilesum-gemm-bench"))
    parser.add_argument("--repeats", type=int, default=1, help="tilesum runs per size; the fastest is shown")
    parser.add_argument("--clean", action="store_true", help="remove the generated inputs afterwards")
    args = parser.parse_args()

    os.makedirs(args.scratch, exist_ok=True)
    script = os.path.join(args.scratch, "gemm.tsum")
    with open(script, "w") as file:
        file.write("C = einsum('ij,jk->ik', A, B)\n")
    rows = []
    header = (f"{'n':>6} {'memory':>8} {'tilesum s':>10} {'GFLOP/s':>8} {'peak RSS':>10} {'bytes read':>11} "
              f"{'numpy GFLOP/s':>14} {'ratio':>6} {'max rel err':>12}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, --threads {args.threads}")
    print(header)
    for n in args.sizes:
        data = os.path.join(args.scratch, f"gemm_{n}.h5")
        out = os.path.join(args.scratch, f"gemm_{n}_out.h5")
        row = {"n": n}
        try:
            write_inputs(data, n)
            best = None
            for _ in range(max(1, args.repeats)):
                seconds, report = run_tilesum(args.binary, script, data, out, args.memory, args.threads)
                if best is None or seconds < best[0]:
                    best = (seconds, report)
            seconds, report = best
            flops = 2.0 * n ** 3
            row.update(seconds=seconds, gflops=flops / seconds / 1e9,
                       peak_rss=report["measured"]["peak_rss_bytes"], bytes_read=report["measured"]["bytes_read"],
                       numpy_gflops=numpy_rate(n, args.threads, 2 if n <= 8192 else 1))
            row["ratio"] = row["gflops"] / row["numpy_gflops"]
            row["error"] = None
            row["rel_error"] = max_relative_error(data, out, n)
            del row["error"]
            print(f"{n:>6} {args.memory:>8} {seconds:>10.2f} {row['gflops']:>8.1f} "
                  f"{row['peak_rss'] / 2**20:>7.0f} MiB {row['bytes_read'] / 2**30:>7.2f} GiB "
                  f"{row['numpy_gflops']:>14.1f} {row['ratio']:>6.0%} {row['rel_error']:>12.2e}", flush=True)
        except (RuntimeError, subprocess.CalledProcessError, OSError, KeyError, ValueError) as error:
            row["error"] = str(error)
            print(f"{n:>6} {args.memory:>8} failed: {error}", flush=True)
        finally:
            if os.path.exists(out):
                os.remove(out)
            if args.clean and os.path.exists(data):
                os.remove(data)
        rows.append(row)
    if args.png:
        plot(rows, args.memory, args.threads, args.png)
        print(f"plot: {args.png}")


if __name__ == "__main__":
    main()
