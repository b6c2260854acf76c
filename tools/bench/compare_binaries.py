#!/usr/bin/python3
"""Two tilesum binaries side by side on the same runs of the seed, alternating, medians of several: did a change
make tilesum slower? (The machine is shared and noisy: one run of each proves nothing.)

  /usr/bin/python3 tools/bench/compare_binaries.py --old OLD/tilesum --new build/tools/tilesum [--repeats 5]

Prints one row per case: the median wall time and peak RSS (from /usr/bin/time -v) of each binary and their ratio,
and checks that both wrote the same bits."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "data"))

import h5py  # noqa: E402

# (name, n = q, options): the planner's choice on mid-size data, and the tiled path as written.
CASES = [
    ("seed auto n=2000", 2000, ["--strategy", "auto", "--memory", "1GiB"]),
    ("seed auto n=4000", 4000, ["--strategy", "auto", "--memory", "256MiB"]),
    ("seed tile n=600", 600, ["--strategy", "tile", "--memory", "1GiB"]),
]


def timed(argv):
    result = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"`{' '.join(argv)}` failed:\n{result.stderr}")
    fields = dict(line.strip().rsplit(": ", 1) for line in result.stderr.splitlines() if ": " in line)
    elapsed = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    seconds = sum(float(part) * 60 ** power for power, part in enumerate(reversed(elapsed)))
    return seconds, int(fields["Maximum resident set size (kbytes)"]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    args = parser.parse_args()
    script = os.path.join(ROOT, "data", "seed.tsum")
    print(f"{'case':<18} {'old s':>8} {'new s':>8} {'new/old':>8} {'old MiB':>8} {'new MiB':>8}  bits")
    for name, size, options in CASES:
        data = os.path.join(args.workdir, f"compare_seed_{size}.h5")
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "data", "gen_seed.py"), "--n", str(size),
                        "--q", str(size), "--out", data, "--skip-if-same"], check=True, capture_output=True)
        runs = {"old": [], "new": []}
        outputs = {label: os.path.join(args.workdir, f"compare_{label}.h5") for label in runs}
        for _ in range(args.repeats):
            for label, binary in (("old", args.old), ("new", args.new)):
                runs[label].append(timed([binary, "run", script, "--data", data, "--out", outputs[label],
                                          "--overwrite", "--quiet", *options]))
        with h5py.File(outputs["old"], "r") as old, h5py.File(outputs["new"], "r") as new:
            same = old["E"][...].tobytes() == new["E"][...].tobytes()
        old_s = statistics.median(seconds for seconds, _ in runs["old"])
        new_s = statistics.median(seconds for seconds, _ in runs["new"])
        old_mib = statistics.median(mib for _, mib in runs["old"])
        new_mib = statistics.median(mib for _, mib in runs["new"])
        print(f"{name:<18} {old_s:8.2f} {new_s:8.2f} {new_s / old_s:8.2f} {old_mib:8.1f} {new_mib:8.1f}  "
              f"{'same' if same else 'DIFFER'}")


if __name__ == "__main__":
    main()
