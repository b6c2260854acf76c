#!/usr/bin/python3
"""Strong and weak scaling of `mpirun -np N tilesum run` for 1-64 ranks, on paper: a model fed with tilesum's own
plans and this machine's calibrated rates, beside measured runs of 1-3 ranks on this machine (--measure).

For each workload and rank count N, `tilesum plan --ranks N --json` gives each rank's output tiles, predicted
time and bytes read, priced with the machine profile (--profile, from `tilesum calibrate`). The plan prices reads
at this machine's local rate; the model replaces that with the cluster's, and adds what the plan does not price:

  rank r:   compute_r = predicted_r - bytes_r / local_read_rate        (clamped at 0)
            read_r    = bytes_r / min(node_bandwidth, fs_bandwidth / active_ranks)
  job:      T(N) = max_r (compute_r + read_r)                          (reads not overlapped with compute)
                   + stages * latency * ceil(log2 N)                   (rank 0's plan broadcast, error agreement)
                   + plan_bytes / node_bandwidth + output_bytes / fs_bandwidth

Assumptions (options below): one rank per node, each with --threads cores as fast as this machine's; a parallel
file system of --fs-gbps aggregate, --node-gbps per node; --latency-us per message; inputs contiguous HDF5 (no
chunk cache effects); no straggler or contention beyond the bandwidth shares. Strong scaling keeps the size; weak
scaling grows it as N^(1/3) (both workloads do n^3 work), so that each rank's work stays about the same.

Input files hold shapes only (h5py datasets without data: `plan` reads none), so n = 32768 costs nothing on disk.
--measure runs the seed's tile strategy at n = q = --measure-size with mpirun on this machine for 1, 2 and 3 ranks
of one thread (3 ranks on 2 cores are oversubscribed), medians of --repeats, and the model's prediction for the same
runs with this machine's own read rate.

    /usr/bin/python3 tools/bench/mpi_scaling_model.py --profile ~/.config/tilesum/machine.json --measure \
        --plot /tmp/mpi_scaling.png
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np

SEED = ("seed (tile)", "data/seed.tsum", ["--strategy", "tile"])
GEMM = ("out-of-core GEMM", None, [])
GEMM_SCRIPT = "C = einsum('ij,jk->ik', P, R)\n"
MPI_ENVIRONMENT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                   "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}


def shapes_file(path, shapes):
    """An HDF5 file of float64 datasets of these shapes and no data (HDF5 allocates contiguous storage late)."""
    if not os.path.exists(path):
        with h5py.File(path, "w") as file:
            for name, shape in shapes.items():
                file.create_dataset(name, shape=shape, dtype="f8")
    return path


def workload_inputs(workload, size, scratch):
    if workload is SEED:
        return SEED[1], shapes_file(os.path.join(scratch, f"seed_{size}.h5"),
                                    {"A": (size, size), "B": (size,), "Y2": (size,), "Z2": (size, size)})
    script = os.path.join(scratch, "gemm.tsum")
    with open(script, "w", encoding="utf-8") as file:
        file.write(GEMM_SCRIPT)
    return script, shapes_file(os.path.join(scratch, f"gemm_{size}.h5"), {"P": (size, size), "R": (size, size)})


def rank_shares(args, workload, size, ranks):
    """The plan's shares for `ranks` ranks, its size in bytes and its outputs' bytes."""
    script, data = workload_inputs(workload, size, args.scratch)
    command = [args.binary, "plan", script, "--data", data, "--memory", args.memory, "--threads", str(args.threads),
               "--ranks", str(ranks), "--json", "--profile", args.profile, *workload[2]]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    document = json.loads(result.stdout)
    output_bytes = sum(8 * math.prod(output["shape"]) for output in document["outputs"])
    return document["ranks"], len(json.dumps(document["plan"])), output_bytes


def modelled_seconds(args, shares, plan_bytes, output_bytes, ranks, read_rate, fs_bandwidth, node_bandwidth):
    active = max(1, sum(1 for share in shares if share["output_tiles"] > 0))
    bandwidth = min(node_bandwidth, fs_bandwidth / active)
    slowest = 0.0
    for share in shares:
        compute = max(0.0, share["predicted_seconds"] - share["bytes_read"] / read_rate)
        slowest = max(slowest, compute + share["bytes_read"] / bandwidth)
    messages = args.stages * args.latency_us * 1e-6 * math.ceil(math.log2(ranks)) if ranks > 1 else 0.0
    return slowest + messages + plan_bytes / node_bandwidth + output_bytes / fs_bandwidth, active


def weak_size(base, ranks, multiple=256):
    return int(round(base * ranks ** (1 / 3) / multiple)) * multiple


def model_table(args, read_rate):
    rows = []
    for workload in (SEED, GEMM):
        for scaling in ("strong", "weak"):
            for ranks in args.ranks:
                size = args.size if scaling == "strong" else weak_size(args.size, ranks)
                shares, plan_bytes, output_bytes = rank_shares(args, workload, size, ranks)
                seconds, active = modelled_seconds(args, shares, plan_bytes, output_bytes, ranks, read_rate,
                                                   args.fs_gbps * 1e9, args.node_gbps * 1e9)
                rows.append({"workload": workload[0], "scaling": scaling, "ranks": ranks, "size": size,
                             "active": active, "seconds": seconds,
                             "read_gb_per_rank": max(share["bytes_read"] for share in shares) / 1e9})
    return rows


def print_model(rows):
    print(f"{'workload':18} {'scaling':7} {'ranks':>5} {'n':>6} {'busy':>5} {'GB read/rank':>12} "
          f"{'model s':>10} {'speedup':>8} {'efficiency':>10}")
    for row in rows:
        first = next(r for r in rows if r["workload"] == row["workload"] and r["scaling"] == row["scaling"])
        if row["scaling"] == "strong":
            speedup = first["seconds"] / row["seconds"]
            efficiency = speedup / row["ranks"]
        else:  # weak: the work grows with the ranks; efficiency is T(1) / T(N) at n^3 / N work per rank
            work = (row["size"] / first["size"]) ** 3
            speedup = first["seconds"] * work / row["seconds"]
            efficiency = speedup / row["ranks"]
        row["speedup"], row["efficiency"] = speedup, efficiency
        print(f"{row['workload']:18} {row['scaling']:7} {row['ranks']:5d} {row['size']:6d} {row['active']:5d} "
              f"{row['read_gb_per_rank']:12.1f} {row['seconds']:10.1f} {speedup:8.2f} {efficiency:10.2f}")


def seed_data(path, size):
    if not os.path.exists(path):
        rng = np.random.default_rng(1)
        with h5py.File(path, "w") as file:
            file["A"] = rng.standard_normal((size, size))
            file["B"] = rng.standard_normal(size)
            file["Y2"] = rng.standard_normal(size)
            file["Z2"] = rng.standard_normal((size, size))
    return path


def measure(args, read_rate):
    """Seed, tile strategy, n = q = measure_size: mpirun -np N --threads 1 for N = 1, 2, 3, alternating, medians."""
    data = seed_data(os.path.join(args.scratch, f"seed_data_{args.measure_size}.h5"), args.measure_size)
    environment = dict(os.environ, **MPI_ENVIRONMENT)
    times = {ranks: [] for ranks in (1, 2, 3)}
    for _ in range(args.repeats):
        for ranks in times:
            out = os.path.join(args.scratch, f"measured_{ranks}.h5")
            command = ["mpirun", "-q", "--oversubscribe", "--bind-to", "none", "-np", str(ranks), args.binary, "run",
                       SEED[1], "--data", data, "--out", out, "--overwrite", "--memory", "256MiB", "--threads", "1",
                       "--profile", args.profile, *SEED[2]]
            result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
            done = re.search(r"done in ([0-9.]+) (ms|s)", result.stderr)
            if result.returncode != 0 or not done:
                sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
            times[ranks].append(float(done.group(1)) / (1000 if done.group(2) == "ms" else 1))
    print(f"\nmeasured on this machine: seed, tile, n = q = {args.measure_size}, --threads 1 per rank, "
          f"256MiB, median of {args.repeats} ('done in' of the run; mpirun's start-up not counted)")
    print(f"{'ranks':>5} {'measured s':>10} {'model s':>10} {'measured/model':>14}")
    for ranks, seconds in times.items():
        shares, plan_bytes, output_bytes = rank_shares(
            argparse.Namespace(**{**vars(args), "threads": 1, "memory": "256MiB"}), SEED, args.measure_size, ranks)
        # On one machine the ranks share its read rate and its two cores.
        model, _ = modelled_seconds(args, shares, plan_bytes, output_bytes, ranks, read_rate, read_rate, read_rate)
        model *= max(1.0, ranks / 2)  # 3 ranks on 2 cores
        measured = statistics.median(seconds)
        print(f"{ranks:5d} {measured:10.3f} {model:10.3f} {measured / model:14.2f}")


def plot(rows, path):
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, scaling in zip(axes, ("strong", "weak")):
        for workload in (SEED[0], GEMM[0]):
            points = [r for r in rows if r["workload"] == workload and r["scaling"] == scaling]
            axis.plot([r["ranks"] for r in points], [r["efficiency"] for r in points], marker="o", label=workload)
        axis.set_xscale("log", base=2)
        axis.set_ylim(0, 1.1)
        axis.set_xlabel("ranks (one per node)")
        axis.set_ylabel("parallel efficiency (model)")
        axis.set_title(f"{scaling} scaling")
        axis.legend()
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"plot: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="build/tools/tilesum")
    parser.add_argument("--profile", required=True, help="a machine profile from `tilesum calibrate`")
    parser.add_argument("--scratch", default="/tmp/tilesum-mpi-model")
    parser.add_argument("--size", type=int, default=32768, help="n (= q for the seed) of the strong scaling")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--memory", default="1GiB", help="--memory per rank")
    parser.add_argument("--threads", type=int, default=2, help="--threads per rank (cores per node)")
    parser.add_argument("--fs-gbps", type=float, default=20.0, help="file system aggregate bandwidth, GB/s")
    parser.add_argument("--node-gbps", type=float, default=12.5, help="per-node network bandwidth, GB/s")
    parser.add_argument("--latency-us", type=float, default=2.0, help="latency of one message, microseconds")
    parser.add_argument("--stages", type=int, default=6, help="collective steps of a run (plan, error agreement)")
    parser.add_argument("--measure", action="store_true", help="also measure 1-3 ranks here (seed, tile)")
    parser.add_argument("--measure-size", type=int, default=1200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--plot")
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    with open(args.profile, encoding="utf-8") as file:
        read_rate = json.load(file)["read_bytes_per_second"]
    started = time.time()
    print(f"model: one rank per node, {args.threads} threads each at this machine's calibrated rates "
          f"({args.profile}); file system {args.fs_gbps} GB/s in all, {args.node_gbps} GB/s per node, "
          f"{args.latency_us} us per message; --memory {args.memory} per rank")
    rows = model_table(args, read_rate)
    print_model(rows)
    if args.measure:
        measure(args, read_rate)
    if args.plot:
        plot(rows, args.plot)
    print(f"total {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
