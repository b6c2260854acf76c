"""Contraction paths against numpy's: on seeded random einsums, the flop count of tilesum's chosen path (as
numpy itself counts it, by handing numpy the path) is never above np.einsum_path(optimize='optimal') for 2-6
operands, nor above numpy's 'greedy' for 7-10. Also prints the planning time, for the record (not asserted)."""

import argparse
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import e2e_util as util  # noqa: E402

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEF"


def random_einsum(rng, operand_count):
    pool = LETTERS[:int(rng.integers(3, 12))]
    extents = {label: int(rng.integers(2, 13)) for label in pool}
    operands = []
    for _ in range(operand_count):
        rank = int(rng.integers(1, min(4, len(pool)) + 1))
        operands.append("".join(rng.choice(list(pool), size=rank, replace=False)))
    used = sorted(set("".join(operands)))
    output = "".join(label for label in used if rng.random() < 0.3)
    return ",".join(operands) + "->" + output, {label: extents[label] for label in used}


def numpy_flops(subscripts, extents, optimize):
    operands = [np.empty([extents[label] for label in term]) for term in subscripts.split("->")[0].split(",")]
    _, text = np.einsum_path(subscripts, *operands, optimize=optimize)
    return float(re.search(r"Optimized FLOP count:\s+(\S+)", text).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--printer", required=True)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    rng = np.random.default_rng(20261125)
    cases = [random_einsum(rng, int(rng.integers(2, 7))) for _ in range(200)]
    cases += [random_einsum(rng, int(rng.integers(7, 11))) for _ in range(40)]
    lines = "".join(f"{subscripts}\t{','.join(f'{k}={v}' for k, v in extents.items())}\n"
                    for subscripts, extents in cases)
    printed = subprocess.run([args.printer], input=lines, capture_output=True, text=True, check=True).stdout
    worse = []
    slowest_small = 0.0
    for (subscripts, extents), row in zip(cases, printed.splitlines()):
        path_text, _, microseconds = row.split("\t")
        steps = [tuple(int(p) for p in step.split(",")) for step in path_text.split(";")] if path_text else []
        operand_count = len(subscripts.split("->")[0].split(","))
        ours = numpy_flops(subscripts, extents, ["einsum_path", *steps])
        reference = numpy_flops(subscripts, extents, "optimal" if operand_count <= 6 else "greedy")
        if operand_count <= 8:
            slowest_small = max(slowest_small, float(microseconds))
        if ours > reference:
            worse.append(f"{subscripts} {extents}: ours {ours:g} > numpy {reference:g} (path {steps})")
    print(f"{len(cases)} einsums; slowest planning with <= 8 operands: {slowest_small / 1000:.3f} ms")
    if worse:
        print("FAILED: paths worse than numpy's:\n" + "\n".join(worse[:20]), file=sys.stderr)
        sys.exit(1)
    print("passed: no path costs more flops than numpy's")


if __name__ == "__main__":
    main()
