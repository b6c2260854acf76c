"""A run forced into 100,000+ tiny tiles completes with numpy's answer, and its peak RSS does not grow with the
number of tiles.

Two shapes of tiny tile, each run at ~10,000 and at 100,000+ tiles (n x n tiles, n = 100 and 317):
- written:  C = A Bᵀ cut into 1 x 1 output tiles (`--tile i=1 --tile k=1`): every tile is read, evaluated and
            written to HDF5 on its own;
- summed:   c_i = Σ_j A_ij B_ij with one-wide output tiles and one-wide summed slabs (`--tile i=1 --tile j=1`):
            every tile is a partial result added in order, one write per n slabs.
The tile counts are checked with `tilesum plan --json`. Each run's wall time, CPU time (the launcher's and
tilesum's, from getrusage) and peak RSS (e2e_util's launcher) are printed, with the per-tile overhead: time / tiles,
and the marginal cost of a tile between the two sizes, which leaves out start-up. Only memory is asserted: peak RSS
at 100,000+ tiles stays within RSS_SLACK_MIB of the run at ~10,000 (not under sanitizers, whose quarantine and
shadow memory grow with every allocation; the numbers are printed then).
"""

import json
import os
import resource

import numpy as np

import e2e_util as util

SMALL_N, LARGE_N = 100, 317        # 10,000 and 100,489 tiles
MIN_LARGE_TILES = 100_000
if util.sanitized():  # memory is not asserted there (below), and a Debug build takes minutes per 100,000 tiles
    SMALL_N, LARGE_N, MIN_LARGE_TILES = 50, 150, 22_500
INNER = 8                          # the summed extent of the written case: a tile reads 2 x 64 bytes
# Expected growth from 10,000 to 100,489 tiles, all independent of how tiles are run: the output (C is 0.8 MiB at
# n = 317, in one HDF5 chunk) and one byte per output tile of resume bookkeeping. A leak of 40 bytes a tile would
# add 3.5 MiB.
RSS_SLACK_MIB = 3

CASES = {
    "written": {"script": 'C = einsum("ij,kj->ik", A, B)\n', "tiles": ("i=1", "k=1"),
                "shapes": lambda n: {"A": (n, INNER), "B": (n, INNER)},
                "expected": lambda a, b: a @ b.T, "output": "C"},
    "summed": {"script": 'c = einsum("ij,ij->i", A, B)\n', "tiles": ("i=1", "j=1"),
               "shapes": lambda n: {"A": (n, n), "B": (n, n)},
               "expected": lambda a, b: np.einsum("ij,ij->i", a, b), "output": "c"},
}


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def planned_tiles(context, script, data, tile_options):
    result = util.expect_success(context.run("plan", script, "--data", data, "--json", *tile_options))
    outputs = json.loads(result.stdout)["outputs"]
    util.expect(len(outputs) == 1, f"expected one output in the plan, got {len(outputs)}")
    return outputs[0]["tiles"]


def run_case(context, name, case, n):
    """Plan and run case `name` with n x n tiles; check the result; return (tiles, wall s, CPU s, peak RSS KiB)."""
    tag = f"{name}_{n}"
    inputs = util.random_inputs(n, **case["shapes"](n))
    data = util.write_h5(context.path(f"in_{tag}.h5"), **inputs)
    script = context.write_text(f"{tag}.tsum", case["script"])
    tile_options = [option for size in case["tiles"] for option in ("--tile", size)]

    tiles = planned_tiles(context, script, data, tile_options)
    util.expect(tiles == n * n, f"{tag}: the plan has {tiles} tiles, expected {n} x {n} = {n * n}")

    out = context.path(f"out_{tag}.h5")
    cpu_before = children_cpu_seconds()
    result = util.expect_success(context.run("run", script, "--data", data, "--out", out, *tile_options))
    cpu = children_cpu_seconds() - cpu_before
    expected = case["expected"](inputs["A"], inputs["B"])
    util.expect_close(f"{tag}: {case['output']}", util.read_h5(out, case["output"]), expected, rtol=1e-12,
                      dtype=np.float64)
    print(f"{tag}: {tiles} tiles in {result.seconds:.2f} s wall, {cpu:.2f} s CPU: "
          f"{result.seconds / tiles * 1e6:.1f} us wall, {cpu / tiles * 1e6:.1f} us CPU per tile; "
          f"peak RSS {result.peak_rss_kib / 1024:.1f} MiB")
    return tiles, result.seconds, cpu, result.peak_rss_kib


def check_case(context, name):
    case = CASES[name]
    small_tiles, small_wall, small_cpu, small_rss = run_case(context, name, case, SMALL_N)
    large_tiles, large_wall, large_cpu, large_rss = run_case(context, name, case, LARGE_N)
    util.expect(large_tiles >= MIN_LARGE_TILES, f"{name}: only {large_tiles} tiles, expected {MIN_LARGE_TILES}+")
    extra_tiles = large_tiles - small_tiles
    print(f"{name}: marginal cost of a tile from {small_tiles} to {large_tiles} tiles: "
          f"{(large_wall - small_wall) / extra_tiles * 1e6:.1f} us wall, "
          f"{(large_cpu - small_cpu) / extra_tiles * 1e6:.1f} us CPU")
    growth_kib = large_rss - small_rss
    print(f"{name}: peak RSS {small_rss} KiB at {small_tiles} tiles, {large_rss} KiB at {large_tiles} tiles: "
          f"{growth_kib:+d} KiB ({growth_kib * 1024 / extra_tiles:+.1f} bytes per extra tile); "
          f"allowed +{RSS_SLACK_MIB} MiB")
    if util.sanitized():
        print("peak RSS growth not checked: this tilesum is built with sanitizers")
        return
    util.expect(growth_kib <= RSS_SLACK_MIB * 1024,
                f"{name}: peak RSS grew by {growth_kib} KiB from {small_tiles} to {large_tiles} tiles, "
                f"more than {RSS_SLACK_MIB} MiB")


def main(context):
    for name in CASES:
        check_case(context, name)


if __name__ == "__main__":
    util.run_main(main)
