#!/usr/bin/python3
"""Benchmark of issue 12's workloads, tilesum against numpy side by side, alternating, medians of --repeats:

  covariance  X (rows x 32) from HDF5, centred the numpy way (mu = einsum('ni->i', X) / N; Xc = X - mu;
              C = einsum('ni,nj->ij', Xc, Xc) / (N - 1)); against numpy's row-block loop (two passes) and
              tilesum's uncentred Gram einsum('ni,nj->ij', X, X);
  ao_to_mo    four quarter transforms of I (N^4) by C (N x N); against numpy in memory (np.einsum per quarter);
  matmul      einsum('ij,jk->ik', A, B) (n x n) from HDF5; bytes read per input byte, against numpy in memory.

Prints a table (wall seconds and peak RSS from /usr/bin/time -v, max relative error against numpy, bytes read by
tilesum from its --json report) and draws it as a PNG.

  /usr/bin/python3 tools/bench/cliffs.py --tilesum build/tools/tilesum --workdir /tmp/cliffs \\
      --rows 20000000 --ao-n 100 --matmul-n 4096 --memory 256MiB --ao-memory 1GiB --repeats 3"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from time_v import parse_time_v  # noqa: E402

COVARIANCE = """\
import numpy as np
N = {rows}
mu = np.einsum('ni->i', X) / N
Xc = X - mu
C = np.einsum('ni,nj->ij', Xc, Xc) / (N - 1)
"""
GRAM = "G = np.einsum('ni,nj->ij', X, X)\n"
AO_TO_MO = """\
T1 = np.einsum('pqrs,pi->iqrs', I, Cm)
T2 = np.einsum('iqrs,qj->ijrs', T1, Cm)
T3 = np.einsum('ijrs,rk->ijks', T2, Cm)
M = np.einsum('ijks,sl->ijkl', T3, Cm)
"""
MATMUL = "P = np.einsum('ij,jk->ik', A, B)\n"

NUMPY_COVARIANCE = """\
import h5py, numpy as np
X = h5py.File({data!r})['X']; N = X.shape[0]; B = 1 << 18
s = np.zeros(X.shape[1])
for a in range(0, N, B): s += X[a:a + B].sum(0)
mu = s / N; C = np.zeros((X.shape[1],) * 2)
for a in range(0, N, B):
    Xc = X[a:a + B] - mu; C += Xc.T @ Xc
np.save({out!r}, C / (N - 1))
"""
NUMPY_AO_TO_MO = """\
import h5py, numpy as np
f = h5py.File({data!r}); I = f['I'][...]; C = f['Cm'][...]
T1 = np.einsum('pqrs,pi->iqrs', I, C, optimize=True); del I
T2 = np.einsum('iqrs,qj->ijrs', T1, C, optimize=True); del T1
T3 = np.einsum('ijrs,rk->ijks', T2, C, optimize=True); del T2
np.save({out!r}, np.einsum('ijks,sl->ijkl', T3, C, optimize=True))
"""
NUMPY_MATMUL = """\
import h5py, numpy as np
f = h5py.File({data!r}); np.save({out!r}, f['A'][...] @ f['B'][...])
"""


def timed(argv):
    """(seconds, peak RSS MiB, stdout) of argv under /usr/bin/time -v; exits on failure."""
    result = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{result.stderr[-3000:]}")
    seconds, _, rss_mib = parse_time_v(result.stderr)
    return seconds, rss_mib, result.stdout


def write_chunks(path, name, shape, seed, offset=0.0):
    rng = np.random.default_rng(seed)
    with h5py.File(path, "a") as file:
        dataset = file.create_dataset(name, shape, dtype="f8")
        rows = max(1, (1 << 24) // int(np.prod(shape[1:])))
        for start in range(0, shape[0], rows):
            stop = min(shape[0], start + rows)
            dataset[start:stop] = rng.standard_normal((stop - start, *shape[1:])) + offset
    return path


class Workload:
    def __init__(self, name, data, script, numpy_code, output):
        self.name, self.data, self.script, self.numpy_code, self.output = name, data, script, numpy_code, output


def tilesum_run(args, workload, script, memory, label):
    out = os.path.join(args.workdir, f"{workload.name}_{label}.h5")
    if os.path.exists(out):
        os.remove(out)
    seconds, rss, stdout = timed([args.tilesum, "run", script, "--data", workload.data, "--out", out,
                                  "--memory", memory, "--json", "--quiet", "--progress", "never"])
    report = json.loads(stdout)
    return seconds, rss, out, report["measured"]["bytes_read"], report["plan"]["predicted_seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tilesum", default="build/tools/tilesum")
    parser.add_argument("--workdir", default="/tmp/tilesum-cliffs")
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--ao-n", type=int, default=100)
    parser.add_argument("--matmul-n", type=int, default=4096)
    parser.add_argument("--memory", default="256MiB")
    parser.add_argument("--ao-memory", default="1GiB")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=["covariance", "ao_to_mo", "matmul"])
    parser.add_argument("--png", default=None)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    def path(name):
        return os.path.join(args.workdir, name)

    def script(name, text):
        with open(path(name), "w") as file:
            file.write(text)
        return path(name)

    rows = []
    if "covariance" in args.only:
        data = path(f"cov_{args.rows}.h5")
        if not os.path.exists(data):
            write_chunks(data, "X", (args.rows, 32), 7, offset=np.arange(32.0))
        workload = Workload("covariance", data, script("cov.tsum", COVARIANCE.format(rows=args.rows)),
                            NUMPY_COVARIANCE, "C")
        gram = script("gram.tsum", GRAM)
        rows.append(measure(args, workload, args.memory, extra=("tilesum Gram (uncentred)", gram)))
    if "ao_to_mo" in args.only:
        n = args.ao_n
        data = path(f"ao_{n}.h5")
        if not os.path.exists(data):
            write_chunks(data, "I", (n, n, n, n), 3)
            write_chunks(data, "Cm", (n, n), 4)
        rows.append(measure(args, Workload("ao_to_mo", data, script("ao.tsum", AO_TO_MO), NUMPY_AO_TO_MO, "M"),
                            args.ao_memory))
    if "matmul" in args.only:
        n = args.matmul_n
        data = path(f"mm_{n}.h5")
        if not os.path.exists(data):
            write_chunks(data, "A", (n, n), 5)
            write_chunks(data, "B", (n, n), 6)
        rows.append(measure(args, Workload("matmul", data, script("mm.tsum", MATMUL), NUMPY_MATMUL, "P"),
                            args.memory))
    print_table(rows)
    if args.png:
        plot(rows, args.png)


def measure(args, workload, memory, extra=None):
    """Alternates tilesum, numpy (and `extra`, a second tilesum script) --repeats times; medians."""
    numpy_out = os.path.join(args.workdir, f"{workload.name}_numpy.npy")
    numpy_script = os.path.join(args.workdir, f"{workload.name}_numpy.py")
    with open(numpy_script, "w") as file:
        file.write(textwrap.dedent(workload.numpy_code.format(data=workload.data, out=numpy_out)))
    times = {"tilesum": [], "numpy": []}
    rss = {"tilesum": [], "numpy": []}
    if extra:
        times[extra[0]], rss[extra[0]] = [], []
    read = predicted = None
    out = None
    for _ in range(args.repeats):
        seconds, peak, out, read, predicted = tilesum_run(args, workload, workload.script, memory, "tilesum")
        times["tilesum"].append(seconds)
        rss["tilesum"].append(peak)
        seconds, peak, _ = timed(["/usr/bin/python3", numpy_script])
        times["numpy"].append(seconds)
        rss["numpy"].append(peak)
        if extra:
            seconds, peak, _, _, _ = tilesum_run(args, workload, extra[1], memory, "extra")
            times[extra[0]].append(seconds)
            rss[extra[0]].append(peak)
        # As it goes: a long benchmark that fails later still leaves what it measured.
        print(f"{workload.name}: " + ", ".join(f"{method} {values[-1]:.2f} s {rss[method][-1]:.0f} MiB"
                                               for method, values in times.items()), file=sys.stderr, flush=True)
    expected = np.load(numpy_out)
    with h5py.File(out, "r") as file:
        actual = file[workload.output][...]
    error = float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))
    with h5py.File(workload.data, "r") as file:
        input_bytes = sum(file[name].size * 8 for name in file)
    return dict(name=workload.name, memory=memory, times={k: statistics.median(v) for k, v in times.items()},
                rss={k: statistics.median(v) for k, v in rss.items()}, error=error, read_factor=read / input_bytes,
                predicted=predicted)


def print_table(rows):
    print(f"{'workload':<12} {'method':<26} {'median s':>9} {'peak MiB':>9}  notes")
    for row in rows:
        for method, seconds in row["times"].items():
            note = ""
            if method == "tilesum":
                note = (f"--memory {row['memory']}, predicted {row['predicted']:.1f} s, inputs read "
                        f"{row['read_factor']:.2f}x, max rel. error vs numpy {row['error']:.1e}")
            print(f"{row['name']:<12} {method:<26} {seconds:>9.2f} {row['rss'][method]:>9.0f}  {note}")


def plot(rows, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, len(rows), figsize=(4 * len(rows), 3.5))
    for axis, row in zip(np.atleast_1d(axes), rows):
        methods = list(row["times"])
        axis.bar(methods, [row["times"][m] for m in methods])
        axis.set_title(row["name"])
        axis.set_ylabel("median wall s")
        axis.tick_params(axis="x", labelrotation=20)
    figure.tight_layout()
    figure.savefig(png)
    print(f"plot: {png}")


if __name__ == "__main__":
    main()
