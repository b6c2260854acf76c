#!/usr/bin/python3
"""dgemm GFLOP/s of OpenBLAS (under several OPENBLAS_CORETYPE settings) and of BLIS on this machine: the measurement
behind tilesum's choice of BLAS (issue 13; docs/benchmarks.md, "Which BLAS"). Builds tools/bench/dgemm_rate.cpp
twice (once per library), then runs the variants alternately, so that a noisy neighbour hurts them alike, and prints
the median of the rounds for every size and thread count: GFLOP/s of wall time, and in parentheses GFLOP/s per
CPU-second of the process (all its threads), which time given to other processes on a shared machine does not lower.

  /usr/bin/python3 tools/bench/blas_choice.py [--sizes 2048 4096] [--threads 1 2] [--rounds 5]

Needs libopenblas-dev and libblis-dev (Debian's BLIS; only its OpenMP flavour is looked for)."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OPENBLAS_INCLUDE = "/usr/include/x86_64-linux-gnu/openblas-pthread"
BLIS_LIB = "/usr/lib/x86_64-linux-gnu/blis-openmp"

# (label, binary key, extra environment). "auto" is OpenBLAS left to detect the core itself; Prescott is the generic
# SSE3 kernel that OpenBLAS 0.3.21 falls back to on CPUs it does not know.
VARIANTS = [
    ("OpenBLAS, detected core", "openblas", {}),
    ("OpenBLAS, CORETYPE=Haswell", "openblas", {"OPENBLAS_CORETYPE": "Haswell"}),
    ("OpenBLAS, CORETYPE=SkylakeX", "openblas", {"OPENBLAS_CORETYPE": "SkylakeX"}),
    ("OpenBLAS, CORETYPE=Cooperlake", "openblas", {"OPENBLAS_CORETYPE": "Cooperlake"}),
    ("OpenBLAS, CORETYPE=Zen", "openblas", {"OPENBLAS_CORETYPE": "Zen"}),
    ("OpenBLAS, CORETYPE=Prescott (the fallback)", "openblas", {"OPENBLAS_CORETYPE": "Prescott"}),
    ("BLIS 0.9.0 (Debian)", "blis", {}),
]


def build(directory):
    source = os.path.join(HERE, "dgemm_rate.cpp")
    binaries = {"openblas": os.path.join(directory, "dgemm_openblas"), "blis": os.path.join(directory, "dgemm_blis")}
    subprocess.run(["g++", "-O2", source, f"-I{OPENBLAS_INCLUDE}", "-lopenblas", "-o", binaries["openblas"]],
                   check=True)
    subprocess.run(["g++", "-O2", source, f"-I{OPENBLAS_INCLUDE}", f"-L{BLIS_LIB}", f"-Wl,-rpath,{BLIS_LIB}",
                    "-lblis", "-o", binaries["blis"]], check=True)
    return binaries


def rate(binary, extent, threads, extra_env):
    env = dict(os.environ)
    for name in ("OPENBLAS_CORETYPE", "BLIS_ARCH_TYPE"):
        env.pop(name, None)
    env.update(extra_env)
    env.update({"OPENBLAS_NUM_THREADS": str(threads), "BLIS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)})
    # One timed call per process: each round starts from the same state.
    output = subprocess.run(["nice", binary, str(extent), "1"], env=env, check=True, capture_output=True, text=True)
    fields = output.stdout.split()
    return float(fields[1]), float(fields[2])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2048, 4096])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variants", nargs="*", help="substrings of the variant labels to keep")
    args = parser.parse_args()
    variants = [v for v in VARIANTS if not args.variants or any(s in v[0] for s in args.variants)]
    with tempfile.TemporaryDirectory() as directory:
        binaries = build(directory)
        print("| BLAS | " + " | ".join(f"n={n}, {t} thr" for n in args.sizes for t in args.threads) + " |")
        print("|---|" + "---|" * (len(args.sizes) * len(args.threads)))
        results = {label: {} for label, _, _ in variants}
        for n in args.sizes:
            for t in args.threads:
                for _ in range(args.rounds):
                    for label, key, env in variants:
                        results[label].setdefault((n, t), []).append(rate(binaries[key], n, t, env))
        for label, _, _ in variants:
            cells = []
            for n in args.sizes:
                for t in args.threads:
                    runs = results[label][(n, t)]
                    wall = statistics.median(r[0] for r in runs)
                    per_cpu = statistics.median(r[1] for r in runs)
                    cells.append(f"{wall:.1f} ({per_cpu:.1f})")
            print(f"| {label} | " + " | ".join(cells) + " |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
