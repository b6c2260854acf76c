"""Every user error of issue 2 through the CLI: exit status 2, exactly one stderr line `tilesum: error: ...`
naming the culprit, and no output dataset left behind. Plus --help and --version exiting 0.
One CTest case per error (--case)."""

import os
import re

import numpy as np

import e2e_util as util

N, Q = 100, 102


def seed_data(context, **overrides):
    """Seed inputs at n=100, q=102 in in.h5; overrides replace (array) or drop (None) a dataset."""
    inputs = util.seed_inputs(N, Q, seed=8)
    inputs.update(overrides)
    inputs = {name: value for name, value in inputs.items() if value is not None}
    return util.write_h5(context.path("in.h5"), **inputs), inputs


def run_seed_expecting_error(context, *options, script=None, data=None, contains=(), patterns=()):
    """`tilesum run` of the seed (or script) that must fail as a user error and leave no /E behind."""
    if data is None:
        data, _ = seed_data(context)
    out = context.path("out.h5")
    if os.path.exists(out):
        os.remove(out)
    result = context.run("run", script or context.seed_script, "--data", data, "--out", out, *options)
    line = util.expect_user_error(result, contains=contains, patterns=patterns)
    util.expect_no_output(out, ["E"])
    return line


def case_syntax(context):
    bad_line = 'E  = einsum("ijk, ikj -> k", C $ C, C)'
    script = context.write_text("script.tsum", "\n".join([
        "# a comment, then a good line, then a bad one",
        'C  = einsum("i, jk -> ijk", B, A)',
        bad_line,
        "",
    ]))
    column = bad_line.index("$") + 1  # 1-based, as compilers print it
    run_seed_expecting_error(context, script=script, contains=[f"script.tsum:3:{column}"])


def case_shape(context):
    # n = 100 for A and Y2, but Z2 is (q, 103): index 'k' is 100 in A and 103 in Z2.
    data, _ = seed_data(context, Z2=np.ones((Q, N + 3)))
    run_seed_expecting_error(context, data=data, contains=["'k'"], patterns=[rf"\b{N}\b", rf"\b{N + 3}\b"])


def case_missing_dataset(context):
    data, _ = seed_data(context, Y2=None)
    run_seed_expecting_error(context, data=data, contains=["Y2"])


def case_budget(context):
    data, inputs = seed_data(context)
    line = run_seed_expecting_error(context, "--memory", "1K", data=data,
                                    patterns=[r"(?i)budget", r"(?i)too small"])
    suggested = util.suggested_budget(line[len(util.ERROR_PREFIX):])
    util.expect(suggested > 1024, f"the message names no budget above 1K that would work: {line}")
    print(f"smallest budget named: {suggested} bytes")

    # The named budget works ...
    out = context.path("out_min.h5")
    util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", out,
                                    "--memory", str(suggested)))
    util.expect_close("E", util.read_h5(out, "E"), util.seed_oracle_einsum(**inputs), rtol=1e-10)
    # ... and it is the smallest, near enough: half of it does not.
    half = context.run("plan", context.seed_script, "--data", data, "--memory", str(suggested // 2))
    util.expect_user_error(half, patterns=[r"(?i)budget"])


def case_output_exists(context):
    data, _ = seed_data(context)
    out = context.path("out.h5")
    util.write_h5(out, E=np.array([1.0, 2.0, 3.0]))
    result = context.run("run", context.seed_script, "--data", data, "--out", out)
    util.expect_user_error(result, contains=["--overwrite"], patterns=[r"\bE\b"])
    util.expect(np.array_equal(util.read_h5(out, "E"), [1.0, 2.0, 3.0]),
                "the existing /E was changed by a run that refused to overwrite it")


def case_unknown_option(context):
    run_seed_expecting_error(context, "--frobnicate", contains=["frobnicate"])


def case_bad_size(context):
    run_seed_expecting_error(context, "--memory", "12XB", contains=["12XB"])


def case_zero_threads(context):
    run_seed_expecting_error(context, "--threads", "0", contains=["threads"])


def case_unknown_tile_index(context):
    run_seed_expecting_error(context, "--tile", "z=4", patterns=[r"['\"`]z['\"`]|z=4"])


def case_missing_input_file(context):
    missing = context.path("no_such_input.h5")
    run_seed_expecting_error(context, data=missing, contains=["no_such_input.h5"])


def case_help(context):
    top = util.expect_success(context.run("--help"))
    util.expect("run" in top.stdout and "plan" in top.stdout,
                "tilesum --help names neither run nor plan\n" + top.describe())
    for command in ("run", "plan"):
        help_text = util.expect_success(context.run(command, "--help"))
        util.expect("--memory" in help_text.stdout and "--tile" in help_text.stdout,
                    f"tilesum {command} --help lacks --memory or --tile\n" + help_text.describe())
    version = util.expect_success(context.run("--version"))
    util.expect(re.search(r"\d+\.\d+", version.stdout), "tilesum --version prints no version\n"
                + version.describe())
    print(f"version: {version.stdout.strip()}")


def case_read_failure_mid_run(context):
    """A read that fails at run time (a corrupted chunk of Z2, caught by its Fletcher-32 checksum) is an I/O
    failure: exit status 1, one `tilesum: error:` line naming the file and dataset, and no /E left behind in an
    output file that already held another dataset, which must survive untouched."""
    import h5py
    inputs = util.seed_inputs(N, Q, seed=8)
    data = context.path("corrupt.h5")
    with h5py.File(data, "w") as file:
        for name, array in inputs.items():
            if name == "Z2":
                file.create_dataset(name, data=array, chunks=(Q, 10), fletcher32=True)
            else:
                file.create_dataset(name, data=array)
        last_chunk = file["Z2"].id.get_chunk_info(file["Z2"].id.get_num_chunks() - 1)
    with open(data, "r+b") as raw:  # flip bytes inside the last chunk: tiles before it read fine
        raw.seek(last_chunk.byte_offset + 16)
        raw.write(b"\xff" * 16)
    out = context.path("out.h5")
    util.write_h5(out, keep=np.arange(5.0))
    result = context.run("run", context.seed_script, "--data", data, "--out", out, "--memory", "64MiB")
    util.expect(result.status == 1, "expected exit status 1 for a read failure\n" + result.describe())
    lines = result.stderr.splitlines()
    util.expect(len(lines) == 1 and lines[0].startswith("tilesum: error: ") and "corrupt.h5" in lines[0]
                and "Z2" in lines[0], "expected one error line naming corrupt.h5 and Z2\n" + result.describe())
    print(f"as expected: {lines[0]}")
    util.expect_no_output(out, ["E"])
    util.expect(np.array_equal(util.read_h5(out, "keep"), np.arange(5.0)), "the existing dataset /keep changed")


CASES = {
    "syntax": case_syntax,
    "shape": case_shape,
    "missing_dataset": case_missing_dataset,
    "budget": case_budget,
    "output_exists": case_output_exists,
    "unknown_option": case_unknown_option,
    "bad_size": case_bad_size,
    "zero_threads": case_zero_threads,
    "unknown_tile_index": case_unknown_tile_index,
    "missing_input_file": case_missing_input_file,
    "help": case_help,
    "read_failure_mid_run": case_read_failure_mid_run,
}

if __name__ == "__main__":
    util.run_main(None, cases=CASES)
