"""What `tilesum run` tells scripts and people: the --json run report (parses; its numbers are the run's), the
prediction and progress lines per --progress mode when stderr is not a terminal, --max-time refusing a plan
predicted too slow before anything is written, --out paths that cannot be written refused with the reason, and the
HDF5 attributes recording how each output was made."""

import json
import os
import re

import numpy as np

import e2e_util as util

N = Q = 120


def seed_data(context):
    arrays = util.seed_inputs(N, Q, seed=11)
    return util.write_h5(context.path("in.h5"), **arrays), arrays


def case_json_report(context):
    data, arrays = seed_data(context)
    out = context.path("out.h5")
    options = ["--data", data, "--memory", "16MiB", "--strategy", "tile", "--tile", "k=16", "--threads", "2"]
    result = util.expect_success(context.run("run", context.seed_script, "--out", out, "--json", *options))
    report = json.loads(result.stdout)
    plan = json.loads(util.expect_success(context.run("plan", context.seed_script, "--json", *options)).stdout)
    del plan["plan"]
    util.expect(report["plan_digest"] == plan.pop("plan_digest"), "the report's plan digest differs from the plan's")
    util.expect(report["plan"] == plan, "the report's plan summary differs from `tilesum plan --json`'s")
    util.expect(report["predicted"]["seconds"] == plan["predicted_seconds"], "predicted seconds differ from plan's")
    util.expect(report["predicted"]["flops"] == plan["flops"], "predicted flops differ from the plan's")
    measured = report["measured"]
    util.expect(measured["flops"] == plan["flops"], f"measured flops {measured['flops']} != planned {plan['flops']}")
    tiles = sum(output["tiles"] for output in plan["outputs"]) + sum(p["tiles"] for p in plan["fused_passes"])
    util.expect(report["tiles"] >= tiles > 0 and report["tiles_resumed"] == 0 and report["resumed"] is False,
                f"tiles {report['tiles']} (plan: {tiles}), resumed {report['tiles_resumed']}")
    # Every input element is read at least once; the plan's estimate and the count agree within a few percent.
    inputs_bytes = 8 * sum(array.size for array in arrays.values())
    util.expect(measured["bytes_read"] >= inputs_bytes, f"bytes_read {measured['bytes_read']} < {inputs_bytes}")
    util.expect(abs(measured["bytes_read"] - plan["bytes_read"]) <= 0.1 * plan["bytes_read"],
                f"bytes_read {measured['bytes_read']} vs planned {plan['bytes_read']}")
    util.expect(0 < measured["arena_peak_bytes"] <= measured["tile_budget_bytes"], f"arena peak: {measured}")
    # The report's peak RSS is the process's so far; wait4's also counts what runs after it (exit, and a sanitizer's
    # leak check at exit, which is why the two agree closely only without sanitizers).
    report_kib = measured["peak_rss_bytes"] / 1024
    util.expect(0 < report_kib <= result.peak_rss_kib + 1024,
                f"peak RSS {measured['peak_rss_bytes']} B above the {result.peak_rss_kib} KiB measured by wait4")
    if not util.sanitized():
        util.expect(report_kib >= 0.95 * result.peak_rss_kib - 1024,
                    f"peak RSS {measured['peak_rss_bytes']} B vs {result.peak_rss_kib} KiB measured by wait4")
    util.expect(0 < measured["seconds"] <= result.seconds, f"seconds {measured['seconds']} vs {result.seconds}")
    util.expect(report["outputs"] == [{"name": "E", "where": out + ":/E", "shape": [Q], "dtype": "float64"}],
                f"outputs: {report['outputs']}")
    util.expect_close("E", util.read_h5(out, "E"), util.seed_oracle_einsum(**arrays), rtol=1e-12)
    print(f"report: {report['tiles']} tiles, {measured['bytes_read']} B read (planned {plan['bytes_read']:.0f}), "
          f"peak RSS {measured['peak_rss_bytes'] >> 20} MiB, predicted {report['predicted']['seconds']:.3g} s, "
          f"took {measured['seconds']:.3g} s")


PROGRESS_LINE = re.compile(r"^tilesum: (\d+)/(\d+) tiles \(\d+%\), [\d.]+ tiles/s, \d+ s elapsed, ETA \d+ s$")
PREDICTION_LINE = re.compile(r"^tilesum: predicted [\d.e+]+ (s|min|h|days), .* at peak of the .* budget, .* read$")


def case_progress(context):
    data, _ = seed_data(context)
    options = ["--data", data, "--memory", "16MiB", "--strategy", "tile", "--tile", "k=16", "--overwrite"]
    out = context.path("out.h5")
    always = util.expect_success(context.run("run", context.seed_script, "--out", out, "--progress", "always",
                                             *options))
    lines = always.stderr.splitlines()
    util.expect(PREDICTION_LINE.match(lines[0]), f"--progress always: no prediction first:\n{always.stderr}")
    progress = [PROGRESS_LINE.match(line) for line in lines if PROGRESS_LINE.match(line)]
    util.expect(len(progress) >= 2 and progress[-1].group(1) == progress[-1].group(2),
                f"--progress always: expected a first and a last plain progress line:\n{always.stderr}")
    util.expect("\r" not in always.stderr, "progress redrawn in place although stderr is not a terminal")
    # A short run in auto mode off a terminal says only what it wrote; never and --quiet say nothing of progress.
    for mode in (["--progress", "auto"], [], ["--progress", "never"]):
        result = util.expect_success(context.run("run", context.seed_script, "--out", out, *mode, *options))
        util.expect(not any(PROGRESS_LINE.match(line) or PREDICTION_LINE.match(line)
                            for line in result.stderr.splitlines()),
                    f"{mode or 'default'}: a short run printed progress:\n{result.stderr}")
        util.expect(re.search(r"^tilesum: done in [\d.]+ s \(predicted", result.stderr, re.M), result.describe())
    quiet = util.expect_success(context.run("run", context.seed_script, "--out", out, "--quiet", *options))
    util.expect(quiet.stderr == "", f"--quiet printed:\n{quiet.stderr}")
    util.expect_user_error(context.run("run", context.seed_script, "--out", out, "--progress", "sometimes", *options),
                           contains=["--progress 'sometimes'", "auto, always or never"])
    print(f"--progress always: {len(progress)} plain lines, first: {lines[0]}")


def case_max_time(context):
    data, _ = seed_data(context)
    out = context.path("out.h5")
    result = context.run("run", context.seed_script, "--data", data, "--out", out, "--max-time", "0.000001s")
    line = util.expect_user_error(result, contains=["predicted to take", "over --max-time", "raise --max-time"])
    util.expect(not os.path.exists(out), "a run refused for its predicted time left its output file")
    util.expect_user_error(context.run("run", context.seed_script, "--data", data, "--out", out, "--max-time", "soon"),
                           contains=["--max-time 'soon'", "90m"])
    for limit in ("24h", "0", "90m", "2d", "3600"):
        util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", out, "--overwrite",
                                        "--max-time", limit))
    print(f"refused: {line}")


def case_out_paths(context):
    data, _ = seed_data(context)
    os.makedirs(context.path("folder"))
    cases = [("-", ["--out -", "stdout"]),
             (context.path("folder"), ["is a directory"]),
             (context.path("folder") + "/", ["names a directory"]),
             (context.path("missing/out.h5"), ["does not exist", "missing"]),
             ("/dev/null", ["not a regular file"]),
             ("", ["--out is empty"])]
    for out, contains in cases:
        util.expect_user_error(context.run("run", context.seed_script, "--data", data, "--out", out),
                               contains=contains)
    util.expect(os.listdir(context.path("folder")) == [], "a refused --out left something in the folder")


def case_provenance(context):
    """Each output records how it was made: the script (text and file), tilesum's version and the plan's digest,
    which a run of the plan saved from the script shares (the same computation, the same bits)."""
    import h5py
    data, _ = seed_data(context)
    out = context.path("out.h5")
    options = ["--data", data, "--memory", "16MiB"]
    util.expect_success(context.run("run", context.seed_script, "--out", out, *options))
    with h5py.File(out, "r") as file:
        attributes = dict(file["E"].attrs)
    with open(context.seed_script) as script:
        util.expect(attributes.get("tilesum_script") == script.read(), f"tilesum_script: {attributes}")
    util.expect(attributes.get("tilesum_script_file") == context.seed_script, f"tilesum_script_file: {attributes}")
    # The first line of --version is "tilesum X.Y.Z"; the BLAS and SIMD lines follow it.
    version = util.expect_success(context.run("--version")).stdout.splitlines()[0].split()[-1]
    util.expect(attributes.get("tilesum_version") == version, f"tilesum_version {attributes} vs {version}")
    plan = json.loads(util.expect_success(context.run("plan", context.seed_script, "--json", *options)).stdout)
    digest = attributes.get("tilesum_plan_digest", "")
    util.expect(re.fullmatch(r"fnv1a64 [0-9a-f]{16}", digest) and digest == plan["plan_digest"],
                f"tilesum_plan_digest {digest!r} vs plan --json {plan['plan_digest']!r}")
    plan_file = context.write_text("plan.json", json.dumps(plan))
    from_plan = context.path("from_plan.h5")
    util.expect_success(context.run("run", "--plan", plan_file, "--data", data, "--out", from_plan))
    with h5py.File(from_plan, "r") as file:
        saved = dict(file["E"].attrs)
    util.expect(saved.get("tilesum_plan_digest") == digest and saved.get("tilesum_plan_file") == plan_file
                and "tilesum_script" not in saved, f"attributes of a --plan run: {saved}")
    # Another budget that changes the tiling changes the computation, and so the digest.
    other = json.loads(util.expect_success(context.run("plan", context.seed_script, "--json", "--data", data,
                                                       "--memory", "1MiB", "--strategy", "tile")).stdout)
    util.expect(other["plan_digest"] != digest, "a different plan has the same digest")
    print(f"attributes: {sorted(attributes)}, digest {digest}")


def case_slice_reads(context):
    """A slice of an input reads only its hyperslab: the run report's bytes_read (what the readers delivered) is the
    slice's size, not the input's, for rows and for columns; the values are numpy's."""
    X = np.random.default_rng(5).standard_normal((20000, 40))
    data = util.write_h5(context.path("in.h5"), X=X)
    rows = {}
    for name, script, expected, slice_bytes in (
            ("rows", "R = X[1000:3000].sum(axis=0)\n", X[1000:3000].sum(axis=0), 2000 * 40 * 8),
            ("columns", "R = X[:, -8:].T @ X[:, -8:]\n", X[:, -8:].T @ X[:, -8:], 20000 * 8 * 8)):
        out = context.path(f"{name}.h5")
        result = util.expect_success(context.run("run", context.write_text(f"{name}.tsum", script), "--data", data,
                                                 "--out", out, "--json", "--memory", "64MiB"))
        report = json.loads(result.stdout)
        util.expect_close("R", util.read_h5(out, "R"), expected, rtol=1e-12)
        bytes_read = report["measured"]["bytes_read"]
        util.expect(slice_bytes <= bytes_read <= 2 * slice_bytes,
                    f"{name}: read {bytes_read} bytes for a slice of {slice_bytes} (the input is {X.nbytes})")
        rows[name] = bytes_read
    print(f"bytes read: rows slice {rows['rows']} of {X.nbytes}, columns slice {rows['columns']} of {X.nbytes}")


if __name__ == "__main__":
    util.run_main(None, cases={"json_report": case_json_report, "progress": case_progress, "max_time": case_max_time,
                               "out_paths": case_out_paths, "provenance": case_provenance, "slice_reads": case_slice_reads})
