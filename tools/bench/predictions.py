#!/usr/bin/python3
"""Predicted versus measured time of `tilesum run` on a corpus of workloads (issue 12, "Honest predictions").

For each tilesum binary given (`--binary LABEL=PATH`, repeatable; default `new=build/tools/tilesum`) it runs
`tilesum calibrate` into a profile of its own, then every workload of the corpus with `tilesum run --json
--profile` that profile, --repeats times (default 3, round after round over the corpus), and reads the predicted
and measured seconds from the run reports: the median of the measured ones is shown. It prints one table
per binary (workload, predicted s, measured s, measured / predicted) and draws them side by side into `--plot`
(log scale, with the 2x band the issue asks for).

The corpus: the seed example (data/seed.tsum, inputs by tools/data/gen_seed.py), an out-of-core matmul, a Gram
matrix einsum('ni,nj->ij', X, X) of a contiguous X and of the same X in gzip chunks, a centred covariance
written numpy's way, an MP2-like energy einsum('iajb,iajb->', g, g / D), and a column sum. Inputs are generated
with h5py into --scratch (about 1.5 GB at the default --scale 1) and kept for the next invocation unless
--clean; the whole benchmark takes about 4 minutes on the 2-core machine. Reads are page-cache warm (the files
were just written or read), as calibrate's are by default.

Run with Debian's interpreter, which has numpy, h5py and matplotlib (python3-matplotlib, `make bench-deps`):
    /usr/bin/python3 tools/bench/predictions.py --binary old=/tmp/tilesum-old --binary new=build/tools/tilesum
It measures; it asserts nothing. A workload that fails or times out shows its reason instead of a ratio.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_rows(path, name, shape, chunks=None, compression=None, seed=0, block_rows=1 << 16, scale=1.0):
    """A dataset of standard normal draws (times `scale`, plus 1 so that nothing divides by zero when scale
    is 0), written in row blocks so that memory stays small."""
    rng = np.random.default_rng(seed)
    if os.path.exists(path):
        with h5py.File(path, "r") as file:  # read-only: no write lock on inputs a run may still hold
            if name in file:
                return
    with h5py.File(path, "a") as file:
        dataset = file.create_dataset(name, shape=shape, dtype="f8", chunks=chunks, compression=compression)
        for begin in range(0, shape[0], block_rows):
            end = min(shape[0], begin + block_rows)
            dataset[begin:end] = 1.0 + scale * rng.standard_normal((end - begin,) + tuple(shape[1:]))


def make_inputs(scratch, scale):
    """The corpus's input files in `scratch`; returns {workload: (script text, {name: file:/dataset}, memory)}."""
    os.makedirs(scratch, exist_ok=True)
    # The seed planned freely (expanded: a few GEMMs) and as written (sums and products of broadcast slices).
    n_seed, n_written = int(2000 * scale ** 0.5), int(500 * scale ** 0.5)
    seed_files = {n: os.path.join(scratch, f"seed_in_{n}.h5") for n in (n_seed, n_written)}
    for n, seed_file in seed_files.items():
        if not os.path.exists(seed_file):
            subprocess.run([sys.executable, os.path.join(REPO, "tools/data/gen_seed.py"), "--n", str(n), "--q",
                            str(n), "--out", seed_file], check=True, stdout=subprocess.DEVNULL)
    matmul_n = int(3072 * scale ** 0.5)
    gram_rows = int((1 << 21) * scale)  # 2M x 32 float64: 512 MiB
    mp2_o, mp2_v = 20, int(140 * scale ** 0.25)
    files = {name: os.path.join(scratch, name + ".h5") for name in ("matmul", "gram", "gram_gzip", "mp2")}
    write_rows(files["matmul"], "A", (matmul_n, matmul_n), seed=1)
    write_rows(files["matmul"], "B", (matmul_n, matmul_n), seed=2)
    write_rows(files["gram"], "X", (gram_rows, 32), seed=3)
    # 8 MiB gzip chunks of whole rows, as h5py users write a tall matrix (compression="gzip" is level 4).
    write_rows(files["gram_gzip"], "X", (gram_rows, 32), chunks=(32768, 32), compression="gzip", seed=3)
    write_rows(files["mp2"], "g", (mp2_o, mp2_v, mp2_o, mp2_v), seed=4, block_rows=1)
    write_rows(files["mp2"], "D", (mp2_o, mp2_v, mp2_o, mp2_v), seed=5, block_rows=1, scale=0.0)
    with open(os.path.join(REPO, "data/seed.tsum")) as script:
        seed_script = script.read()
    gram = "C = np.einsum('ni,nj->ij', X, X)\n"
    covariance = ("import numpy as np\n"
                  f"mu = np.einsum('ni->i', X) / {gram_rows}\n"
                  "Xc = X - mu\n"
                  f"C = np.einsum('ni,nj->ij', Xc, Xc) / ({gram_rows} - 1)\n")
    return {
        "seed n=q=%d" % n_seed: (seed_script, {"": seed_files[n_seed]}, "256MiB"),
        "seed as written n=q=%d" % n_written: (seed_script, {"": seed_files[n_written]}, "256MiB", ["--strategy",
                                                                                                   "tile"]),
        "matmul %d" % matmul_n: ("C = A @ B\n", {"": files["matmul"]}, "128MiB"),
        "gram %dx32" % gram_rows: (gram, {"": files["gram"]}, "256MiB"),
        "gram gzip chunks": (gram, {"": files["gram_gzip"]}, "256MiB"),
        "centred covariance": (covariance, {"": files["gram"]}, "256MiB"),
        "column sums": ("s = X.sum(axis=0)\n", {"": files["gram"]}, "256MiB"),
        "mp2 energy o=%d v=%d" % (mp2_o, mp2_v): ("E = np.einsum('iajb,iajb->', g, g / D)\n", {"": files["mp2"]},
                                                  "256MiB"),
    }


def calibrate(binary, profile, scratch):
    started = time.monotonic()
    subprocess.run(["nice", binary, "calibrate", "--profile", profile, "--scratch", scratch, "--size", "128MiB"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def run_workload(binary, profile, scratch, script_text, data, memory, extra, timeout):
    """(predicted s, measured s, note) of one run; note is why there is no number."""
    script = os.path.join(scratch, "workload.tsum")
    with open(script, "w") as file:
        file.write(script_text)
    out = os.path.join(scratch, "out.h5")
    if os.path.exists(out):
        os.remove(out)
    command = ["nice", binary, "run", script, "--data", data[""], "--out", out, "--memory", memory, "--profile",
               profile, "--json", "--progress", "never"] + extra
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        # The prediction alone, from `tilesum plan`: whether it at least said the run would be long.
        planned = subprocess.run([binary, "plan", script, "--data", data[""], "--memory", memory, "--profile", profile,
                                  "--json"] + extra, capture_output=True, text=True)
        predicted = json.loads(planned.stdout)["predicted_seconds"] if planned.returncode == 0 else None
        return predicted, None, "predicted %s s; timed out after %d s" % (
            "?" if predicted is None else "%.3g" % predicted, timeout)
    finally:
        shutil.rmtree(out + ".tilesum-resume", ignore_errors=True)
    if result.returncode != 0:
        return None, None, result.stderr.strip().splitlines()[-1][:110]
    report = json.loads(result.stdout)
    return report["predicted"]["seconds"], report["measured"]["seconds"], ""


def print_table(label, rows):
    print(f"\n{label}")
    print(f"{'workload':<26} {'predicted s':>12} {'measured s':>11} {'measured/predicted':>19}")
    for name, predicted, measured, note in rows:
        if note:
            print(f"{name:<26} {'':>12} {'':>11}   {note}")
        else:
            print(f"{name:<26} {predicted:>12.3g} {measured:>11.3g} {measured / predicted:>19.2f}")


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(dict.fromkeys(name for rows in results.values() for name, *_ in rows))
    figure, axes = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(1, len(results))
    for index, (label, rows) in enumerate(results.items()):
        ratios = {name: measured / predicted for name, predicted, measured, note in rows if not note}
        xs = [position + index * width for position, name in enumerate(names) if name in ratios]
        axes.bar(xs, [ratios[name] for name in names if name in ratios], width, label=label)
    axes.set_yscale("log")
    axes.axhspan(0.5, 2.0, color="green", alpha=0.1, label="within 2x")
    axes.axhline(1.0, color="black", linewidth=0.8)
    axes.set_xticks([position + 0.4 - width / 2 for position in range(len(names))])
    axes.set_xticklabels(names, rotation=25, ha="right", fontsize=8)
    axes.set_ylabel("measured / predicted time")
    axes.set_title("tilesum run: measured over predicted time (warm page cache)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", action="append", default=[], metavar="LABEL=PATH",
                        help="a tilesum binary to measure (repeatable; default new=build/tools/tilesum)")
    parser.add_argument("--scratch", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "tilesum-predictions"))
    parser.add_argument("--scale", type=float, default=1.0, help="input sizes relative to the default (~1.5 GB)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds after which a run is abandoned")
    parser.add_argument("--plot", default="predictions.png", help="where to draw the plot")
    parser.add_argument("--only", help="run only the workloads whose name contains this")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each workload (rounds over the corpus); the median measured time is shown")
    parser.add_argument("--clean", action="store_true", help="remove the scratch directory at the end")
    args = parser.parse_args()
    binaries = [entry.split("=", 1) for entry in args.binary] or [["new", os.path.join(REPO, "build/tools/tilesum")]]

    started = time.monotonic()
    workloads = make_inputs(args.scratch, args.scale)
    print(f"inputs ready in {args.scratch} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    results = {}
    for label, binary in binaries:
        profile = os.path.join(args.scratch, f"profile-{label}.json")
        seconds = calibrate(binary, profile, args.scratch)
        print(f"{label}: calibrated in {seconds:.0f} s", file=sys.stderr)
        # Each workload --repeats times, the corpus run round after round (alternating, so that a noisy minute
        # on the shared machine does not fall on one workload's runs only); the median measured time counts.
        chosen = {name: workload for name, workload in workloads.items() if not args.only or args.only in name}
        runs = {name: [] for name in chosen}
        for round_index in range(args.repeats):
            for name, (script_text, data, memory, *extra) in chosen.items():
                predicted, measured, note = run_workload(binary, profile, args.scratch, script_text, data, memory,
                                                         extra[0] if extra else [], args.timeout)
                print(f"{label}: {name} (run {round_index + 1}): predicted {predicted}, measured {measured} {note}",
                      file=sys.stderr)
                runs[name].append((predicted, measured, note))
        rows = []
        for name, measurements in runs.items():
            failed = [note for _, measured, note in measurements if measured is None]
            if failed:
                rows.append((name, measurements[0][0], None, failed[0]))
                continue
            rows.append((name, measurements[0][0], statistics.median(m for _, m, _ in measurements), ""))
        results[label] = rows
    for label, rows in results.items():
        print_table(f"{label} ({dict(binaries)[label]})", rows)
    plot(results, args.plot)
    print(f"\nplot: {args.plot}; total {time.monotonic() - started:.0f} s")
    if args.clean:
        shutil.rmtree(args.scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
