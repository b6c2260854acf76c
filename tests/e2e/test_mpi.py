"""`mpirun -np N tilesum run` (issue 15): the ranks divide the output tiles among them and write one HDF5 file
through parallel HDF5, and the outputs are the same bits as one process's, for 1, 2 and 3 ranks and any thread
count. Faults on one rank end the whole job with one `tilesum: error:` line and the status of that error.

Cases:
  random  random scripts (the generator of test_functions_random.py, inputs 10x larger), ten scripts' outputs per
          run, under the tile strategy with forced tiles (slabs summed by the rank owning the tile) and under auto;
          every output bit-identical to the single-process run (no mpirun). numpy's values are not checked here:
          test_functions_random.py does that on inputs sized for it (here sums over longer axes overflow or not
          by summation order); the seed case checks numpy's value.
  seed    data/seed.tsum (tile strategy with many tiles, and auto: shared pieces and fused passes), an
          out-of-core GEMM (the streamed GEMM path), scalar, empty and complex outputs, bit-identical across rank
          counts; printed once, "on N ranks".
  faults  a corrupted chunk only the last rank reads (status 1), an int64 input beyond 2^53 in the last rank's tile
          (status 2), a missing input on every rank (status 2), --resume (refused: status 2): one error line each,
          no output left behind, a dataset already in the output file untouched.

mpirun runs with --oversubscribe (CI machines have 2 cores) and -q (no banners of its own: the one error line is
tilesum's), as root where CI runs (OMPI_ALLOW_RUN_AS_ROOT), and without the shared-memory single-copy mechanism,
which containers often forbid (OMPI_MCA_btl_vader_single_copy_mechanism=none).
"""

import json
import os
import re
import sys
import warnings

import h5py
import numpy as np

import e2e_util as util

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_functions_random as functions_random  # noqa: E402 - the random script generator

MPIRUN = None  # --mpirun, set in main

os.environ.update({
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
})


def mpirun(context, ranks, *args):
    """tilesum under `mpirun -np ranks`; the Result's status is mpirun's, which is that of the failing ranks."""
    return util.run_tilesum(MPIRUN, ["-q", "--oversubscribe", "-np", str(ranks), context.tilesum, *args],
                            cwd=context.workdir, timeout_seconds=300)


def same_bits(actual, expected):
    return actual.dtype == expected.dtype and actual.shape == expected.shape and \
        np.array_equal(np.ascontiguousarray(actual).view(np.uint8), np.ascontiguousarray(expected).view(np.uint8))


def expect_same_outputs(label, out, reference, names):
    for name in names:
        actual, expected = util.read_h5(out, name), util.read_h5(reference, name)
        util.expect(same_bits(actual, expected),
                    f"{label}: /{name} differs from the single-process run\n{actual}\nalone:\n{expected}")


def tilesum_lines(result):
    return [line for line in result.stderr.splitlines() if line.startswith("tilesum:")]


# Each run: ranks and threads per rank. 2 ranks x 2 threads is the "ranks x threads" case.
RANK_RUNS = [(1, 2), (2, 2), (3, 1)]


def check_ranks_agree(context, label, args, names, reference, alone_error=None):
    """Runs `args` under each of RANK_RUNS and compares every output's bits with `reference` (one process). With
    `alone_error` (the single process's error line, a user error), expects that error instead, once, status 2: the
    one whose value is named may differ (the lowest failing rank's), so it is compared up to " but its value"."""
    for ranks, threads in RANK_RUNS:
        out = context.path(f"{label}_np{ranks}.h5")
        result = mpirun(context, ranks, *args, "--out", out, "--threads", threads)
        if alone_error:
            lines = tilesum_lines(result)
            util.expect(result.status == 2 and len(lines) == 1 and
                        lines[0].split(" but its value")[0] == alone_error.split(" but its value")[0],
                        f"{label} on {ranks} ranks: expected, as alone, {alone_error}\n{result.describe()}")
            util.expect(not os.path.exists(out), f"{label} on {ranks} ranks: the failed run left {out}")
            continue
        util.expect(result.status == 0, f"{label} on {ranks} ranks:\n{result.describe()}")
        expect_same_outputs(f"{label} on {ranks} ranks x {threads} threads", out, reference, names)
        os.remove(out)


# ---------------------------------------------------------------------------------------------------------------

SCRIPTS_PER_RUN = 10
SEEDS = 60


def draw_groups(data_sets):
    """Random scripts of test_functions_random, their outputs renamed S<seed>_<n> and joined SCRIPTS_PER_RUN a
    script: (text, {output name: [numpy value per data set]}) per group."""
    groups, text, expected = [], "", {}
    for seed in range(1, SEEDS + 1):
        script, outputs = functions_random.draw_script(seed, data_sets)
        if not script:
            continue
        for line in script.splitlines():
            name, expression = line.split(" = ", 1)
            renamed = f"S{seed}_{name[1:]}"
            text += f"{renamed} = {expression}\n"
            expected[renamed] = [values[name] for values in outputs]
        if seed % SCRIPTS_PER_RUN == 0:
            groups.append((text, expected))
            text, expected = "", {}
    if text:
        groups.append((text, expected))
    return groups


def case_random(context):
    # The generator's inputs with every axis 10x longer, so that outputs have several tiles to divide.
    functions_random.SHAPES = {"ij": (40, 50), "j": (50,), "jk": (50, 30)}
    data_sets = [functions_random.make_inputs(11), functions_random.make_inputs(12, infinite=False)]
    data = [util.write_h5(context.path("edges.h5"), **data_sets[0]),
            util.write_h5(context.path("finite.h5"), **data_sets[1])]
    warnings.simplefilter("ignore")  # numpy's overflow warnings while the generator evaluates its candidates
    # Forced tiles: j cut into 8 (summed j in slabs: a tile's slabs added by its one rank), i into 5.
    configs = [("tile", 0, ["--strategy", "tile", "--tile", "j=7"]),
               ("auto", 1, ["--tile", "i=9"])]
    groups = draw_groups(data_sets)
    outputs = refused = 0
    for number, (text, expected) in enumerate(groups):
        script = context.write_text(f"random{number}.tsum", text)
        for label, data_set, options in configs:
            args = ["run", script, "--data", data[data_set], *options]
            alone = context.path(f"alone{number}_{label}.h5")
            result = context.run(*args, "--out", alone)
            if result.status == 2 and "no output has an index" in result.stderr:
                args = args[:-2]  # no output names the forced index
                result = context.run(*args, "--out", alone)
            # Integer results beyond 2^53 (sums over the longer axes) are refused alone: so must they be by ranks.
            alone_error = tilesum_lines(result)[0] if result.status == 2 and "2^53" in result.stderr else None
            util.expect(result.status == 0 or alone_error,
                        f"group {number} ({label}) alone:\n{text}\n{result.describe()}")
            check_ranks_agree(context, f"group{number}_{label}", args, list(expected), alone, alone_error)
            outputs += 0 if alone_error else len(expected)
            refused += 1 if alone_error else 0
    util.expect(len(groups) >= SEEDS // SCRIPTS_PER_RUN and outputs >= 2 * SEEDS and refused <= 2,
                f"only {len(groups)} groups, {outputs} outputs compared, {refused} runs refused")
    print(f"{len(groups)} scripts of random outputs ({outputs} outputs over 2 strategies): the same bits on "
          f"{', '.join(f'{r} ranks x {t} threads' for r, t in RANK_RUNS)} as alone; {refused} runs refused "
          "(an integer beyond 2^53) as alone, once")


def case_seed(context):
    n = q = 60
    data = util.write_h5(context.path("seed.h5"), **util.seed_inputs(n, q, seed=3))
    runs = [("tile", ["--strategy", "tile", "--tile", "k=7", "--tile", "j=16"]),
            ("auto", ["--memory", "64MiB"])]
    for label, options in runs:
        args = [context.seed_script, "--data", data, *options]
        alone = context.path(f"seed_{label}.h5")
        result = context.run("run", *args, "--out", alone)
        util.expect(result.status == 0, result.describe())
        check_ranks_agree(context, f"seed_{label}", ["run", *args], ["E"], alone)
    expected = util.seed_oracle_einsum(*util.seed_inputs(n, q, seed=3).values())
    util.expect_close("seed E", util.read_h5(context.path("seed_tile.h5"), "E"), expected, rtol=1e-10)

    # The streamed GEMM (C of at least 1024^2 elements), in C tiles under a small budget.
    gemm = context.write_text("gemm.tsum", "C = einsum('ij,jk->ik', P, R)\n")
    inputs = util.random_inputs(5, P=(1100, 300), R=(300, 1024))
    gemm_data = util.write_h5(context.path("gemm_in.h5"), **inputs)
    args = [gemm, "--data", gemm_data, "--memory", "6MiB"]
    alone = context.path("gemm_alone.h5")
    result = context.run("run", *args, "--out", alone)
    util.expect(result.status == 0, result.describe())
    plan = context.run("plan", *args, "--ranks", "3")
    shares = re.findall(r"rank (\d): (\d+) output tiles", plan.stdout)
    util.expect(len(shares) == 3 and all(int(tiles) > 0 for _, tiles in shares),
                "expected plan --ranks 3 to give every rank C tiles\n" + plan.describe())
    as_json = json.loads(util.expect_success(context.run("plan", *args, "--ranks", "3", "--json")).stdout)["ranks"]
    util.expect([share["output_tiles"] for share in as_json] == [int(tiles) for _, tiles in shares] and
                as_json[0]["tile_ranges"]["C"][0] == 0 and
                all(a["tile_ranges"]["C"][1] == b["tile_ranges"]["C"][0] for a, b in zip(as_json, as_json[1:])) and
                all(share["predicted_seconds"] > 0 and share["bytes_read"] > 0 for share in as_json),
                f"plan --ranks 3 --json: {as_json}\n" + plan.describe())
    check_ranks_agree(context, "gemm", ["run", *args], ["C"], alone)
    util.expect_close("gemm C", util.read_h5(alone, "C"), inputs["P"] @ inputs["R"], rtol=1e-12)

    # Outputs of every kind in one file: a scalar, an empty one, a complex one (written a part at a time), tiled.
    kinds = context.write_text("kinds.tsum", "S = einsum('ij->', X)\nEm = einsum('ij->ij', Z)\n"
                                             "T = einsum('ij,ij->j', X, X)\nW = Cx * 2\n")
    kinds_data = util.write_h5(context.path("kinds.h5"), X=np.arange(12.0).reshape(3, 4), Z=np.zeros((0, 4)),
                               Cx=(np.arange(6) + 1j * np.arange(6)).reshape(2, 3))
    kinds_args = [kinds, "--data", kinds_data, "--tile", "j=1"]
    alone = context.path("kinds_alone.h5")
    util.expect_success(context.run("run", *kinds_args, "--out", alone))
    check_ranks_agree(context, "kinds", ["run", *kinds_args], ["S", "Em", "T", "W"], alone)

    # Printed once, by rank 0, naming the ranks.
    out = context.path("seed_printed.h5")
    result = mpirun(context, 3, "run", *args, "--out", out)
    lines = tilesum_lines(result)
    util.expect(result.status == 0 and sum(line.startswith("tilesum: wrote") for line in lines) == 1 and
                sum(" on 3 ranks " in line and line.startswith("tilesum: done") for line in lines) == 1,
                "expected one 'wrote' line and one 'done ... on 3 ranks' line\n" + result.describe())
    print("seed (tile, auto) and the streamed GEMM: the same bits on 1, 2 and 3 ranks as alone; " + lines[-1])


def expect_one_error(result, status, contains, label):
    lines = tilesum_lines(result)
    util.expect(result.status == status and len(lines) == 1 and lines[0].startswith(util.ERROR_PREFIX) and
                all(text in lines[0] for text in contains),
                f"{label}: expected status {status} and one error line with {contains}\n{result.describe()}")
    print(f"{label}: status {status}, {lines[0]}")


def expect_nothing_left(context, out, kept):
    """The output file holds only `kept` (its datasets before the run); no temporary of the run is left."""
    if kept:
        util.expect_no_output(out, ["E"])
        util.expect(np.array_equal(util.read_h5(out, "keep"), np.arange(5.0)), "the existing dataset /keep changed")
    else:
        util.expect(not os.path.exists(out), f"a failed run left {out}")
    stray = [name for name in os.listdir(context.workdir) if "tilesum-" in name]
    util.expect(not stray, f"a failed run left {stray}")


def case_faults(context):
    n, q = 40, 60
    inputs = util.seed_inputs(n, q, seed=8)
    data = context.path("corrupt.h5")
    with h5py.File(data, "w") as file:
        for name, array in inputs.items():
            chunks = (q, 10) if name == "Z2" else None
            file.create_dataset(name, data=array, chunks=chunks, fletcher32=chunks is not None)
        last_chunk = file["Z2"].id.get_chunk_info(file["Z2"].id.get_num_chunks() - 1)
    with open(data, "r+b") as raw:  # the last chunk of Z2 holds the last k: only the last rank's tiles read it
        raw.seek(last_chunk.byte_offset + 16)
        raw.write(b"\xff" * 16)
    tiled = ["--strategy", "tile", "--tile", "k=10"]
    for ranks, kept in ((2, True), (3, False)):
        out = context.path(f"read_failure_{ranks}.h5")
        if kept:
            util.write_h5(out, keep=np.arange(5.0))
        result = mpirun(context, ranks, "run", context.seed_script, "--data", data, "--out", out, *tiled)
        expect_one_error(result, 1, ["corrupt.h5", "Z2"], f"a corrupted chunk read by rank {ranks - 1} of {ranks}")
        expect_nothing_left(context, out, kept)

    # An int64 input beyond float64's exact integers (refused where it is read: int32 results now wrap as numpy's
    # do, so an overflow is no longer an error), in the last rows: in the last rank's tile only.
    values = np.ones((9, 4), dtype=np.int64)
    values[-1, :] = 2**53 + 1
    util.write_h5(context.path("ints.h5"), I=values)
    script = context.write_text("double.tsum", "E = einsum('ij->ij', I + I)\n")
    out = context.path("overflow.h5")
    result = mpirun(context, 3, "run", script, "--data", context.path("ints.h5"), "--out", out, "--tile", "i=1")
    expect_one_error(result, 2, ["2^53"], "an int64 input beyond 2^53 read by rank 2 of 3")
    expect_nothing_left(context, out, False)

    out = context.path("missing.h5")
    result = mpirun(context, 2, "run", context.seed_script, "--data", context.path("nothere.h5"), "--out", out)
    expect_one_error(result, 2, ["nothere.h5"], "a missing input on every rank")
    expect_nothing_left(context, out, False)

    result = mpirun(context, 2, "run", context.seed_script, "--data", data, "--out", out, "--resume")
    expect_one_error(result, 2, ["--resume", "not supported"], "--resume on 2 ranks")
    expect_nothing_left(context, out, False)


CASES = {"random": case_random, "seed": case_seed, "faults": case_faults}

if __name__ == "__main__":
    # --mpirun PATH is ours; the rest are every e2e test's.
    arguments = sys.argv[1:]
    at = arguments.index("--mpirun")
    MPIRUN = arguments[at + 1]
    sys.argv = [sys.argv[0]] + arguments[:at] + arguments[at + 2:]
    util.run_main(None, cases=CASES)
