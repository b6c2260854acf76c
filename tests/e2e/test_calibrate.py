"""`tilesum calibrate` and the machine profile (issue 3).

--case measure: calibrate on a 16 MiB scratch file writes a profile of positive finite numbers, leaves no scratch
file behind, and `tilesum plan` names the profile it used, found by --profile, TILESUM_PROFILE or the XDG place.
--case errors: a corrupt profile, a named profile that does not exist, and bad calibrate options are user errors
(exit 2, one line naming the culprit)."""

import json
import math
import os
import shutil

import e2e_util as util

NUMBERS = ("gemm_flops_per_second", "reduction_flops_per_second", "elementwise_bytes_per_second",
           "read_bytes_per_second", "chunked_read_bytes_per_second", "filtered_read_bytes_per_second",
           "seconds_per_pass", "seconds_per_tile", "seconds_per_run")


def seed_data(context):
    return util.write_h5(context.path("in.h5"), **util.seed_inputs(60, 62, seed=3))


def profile_line(result):
    lines = [line for line in result.stdout.splitlines() if line.startswith("machine profile: ")]
    util.expect(len(lines) == 1, "the plan does not say which machine profile it used\n" + result.describe())
    return lines[0]


def case_measure(context):
    scratch = context.path("scratch")
    os.makedirs(scratch)
    profile = context.path("profiles/nested/machine.json")  # calibrate creates the directories
    result = util.expect_success(context.run("calibrate", "--size", "16MiB", "--profile", profile,
                                             "--scratch", scratch, "--threads", "2"))
    print(result.stdout, end="")
    print(f"calibrate took {result.seconds:.1f} s")
    util.expect(os.listdir(scratch) == [], f"calibrate left scratch files behind: {os.listdir(scratch)}")
    util.expect(os.path.isfile(profile), f"calibrate wrote no profile at {profile}\n" + result.describe())
    util.expect(os.listdir(os.path.dirname(profile)) == ["machine.json"],
                f"temporary files next to the profile: {os.listdir(os.path.dirname(profile))}")
    for name in NUMBERS:
        util.expect(name in result.stdout, f"the table does not show {name}\n" + result.describe())

    with open(profile) as file:
        stored = json.load(file)
    print(json.dumps(stored, indent=2))
    util.expect(stored.get("version") == 3, f"version {stored.get('version')!r}, expected 3")
    util.expect("flops_per_second" not in stored, f"a version-3 profile has no one flop rate for all: {stored}")
    # One rate per kind, none averaged across kinds: a GEMM tile runs faster per flop than a sum over an axis.
    util.expect(stored["gemm_flops_per_second"] > stored["reduction_flops_per_second"],
                f"GEMM measured slower than reductions: {stored}")
    util.expect(isinstance(stored.get("hostname"), str) and isinstance(stored.get("measured"), str),
                f"hostname and measured must be strings: {stored}")
    # What the rates were measured with (issue 13), as tilesum --version reports it.
    util.expect(stored.get("blas_library", "").startswith("OpenBLAS ") and stored.get("blas_core")
                and stored.get("simd_level"), f"the profile does not record the BLAS and SIMD level: {stored}")
    util.expect(f"BLAS: {stored['blas_library']}, kernels {stored['blas_core']}" in result.stdout
                and f"SIMD: {stored['simd_level']}" in result.stdout,
                "calibrate does not print the BLAS and SIMD level it stored\n" + result.describe())
    for name in NUMBERS:
        value = stored.get(name)
        util.expect(isinstance(value, (int, float)) and math.isfinite(value) and value > 0,
                    f"{name} = {value!r} is not a positive finite number")

    # plan names the profile it used, and its JSON carries the very numbers.
    data = seed_data(context)
    plan = util.expect_success(context.run("plan", context.seed_script, "--data", data, "--profile", profile))
    line = profile_line(plan)
    util.expect(profile in line and stored["measured"] in line, f"the plan names another profile: {line}")
    plan_json = json.loads(util.expect_success(
        context.run("plan", context.seed_script, "--data", data, "--profile", profile, "--json")).stdout)
    util.expect(plan_json["machine"]["source"] == profile, f"--json machine: {plan_json['machine']}")
    for name in NUMBERS:
        util.expect(plan_json["machine"][name] == stored[name], f"--json machine.{name} differs from the file")

    # Where the profile is found without --profile: TILESUM_PROFILE, else $XDG_CONFIG_HOME/tilesum/machine.json.
    with util.Environment(TILESUM_PROFILE=profile):
        util.expect(profile in profile_line(util.expect_success(context.run("plan", context.seed_script, "--data", data))),
                    "TILESUM_PROFILE was not used")
    xdg = context.path("xdg")
    os.makedirs(os.path.join(xdg, "tilesum"))
    with util.Environment(TILESUM_PROFILE=None, XDG_CONFIG_HOME=xdg):
        line = profile_line(util.expect_success(context.run("plan", context.seed_script, "--data", data)))
        util.expect(line == "machine profile: defaults", f"no file at the XDG place, yet: {line}")
        shutil.copy(profile, os.path.join(xdg, "tilesum", "machine.json"))
        line = profile_line(util.expect_success(context.run("plan", context.seed_script, "--data", data)))
        util.expect(os.path.join(xdg, "tilesum", "machine.json") in line, f"the XDG profile was not used: {line}")
        # The word `defaults` wins over a file at the default place.
        line = profile_line(util.expect_success(
            context.run("plan", context.seed_script, "--data", data, "--profile", "defaults")))
        util.expect(line == "machine profile: defaults", f"--profile defaults gave: {line}")
    # run accepts the profile too.
    out = context.path("out.h5")
    util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", out, "--profile", profile))
    util.expect("E" in util.dataset_names(out), "run with --profile wrote no E")


def case_errors(context):
    data = seed_data(context)
    corrupt = context.write_text("corrupt.json", '{"version": 3, "gemm_flops_per_second": -3}')
    for command in (("plan",), ("run", "--out", context.path("out.h5"))):
        result = context.run(command[0], context.seed_script, "--data", data, *command[1:], "--profile", corrupt)
        util.expect_user_error(result, contains=[corrupt, "gemm_flops_per_second"])
    util.expect_no_output(context.path("out.h5"), ["E"])

    # A profile of the previous format (a strided byte rate, no seconds_per_run) asks for a new calibration.
    version_1 = context.write_text("version_1.json", json.dumps({
        "version": 1, "flops_per_second": 1e10, "read_bytes_per_second": 2e9, "strided_read_bytes_per_second": 5e8,
        "seconds_per_pass": 0.05, "seconds_per_tile": 1e-4, "measured": "", "hostname": ""}))
    util.expect_user_error(context.run("plan", context.seed_script, "--data", data, "--profile", version_1),
                           contains=[version_1, "version 1", "tilesum calibrate"])

    # A version-2 profile (one flops_per_second, the harmonic mean of every kind) asks for a new calibration too.
    version_2 = context.write_text("version_2.json", json.dumps({
        "version": 2, "flops_per_second": 5.98e9, "read_bytes_per_second": 2e9, "seconds_per_run": 2e-6,
        "seconds_per_pass": 0.05, "seconds_per_tile": 1e-4, "measured": "", "hostname": ""}))
    util.expect_user_error(context.run("plan", context.seed_script, "--data", data, "--profile", version_2),
                           contains=[version_2, "version 2", "tilesum calibrate"])

    not_json = context.write_text("not_json.json", "flops_per_second = 3e9\n")
    util.expect_user_error(context.run("plan", context.seed_script, "--data", data, "--profile", not_json),
                           contains=[not_json, "JSON"])

    missing = context.path("no_such/machine.json")
    util.expect_user_error(context.run("plan", context.seed_script, "--data", data, "--profile", missing),
                           contains=[missing, "does not exist"])
    with util.Environment(TILESUM_PROFILE=missing):
        util.expect_user_error(context.run("plan", context.seed_script, "--data", data),
                               contains=[missing, "TILESUM_PROFILE"])

    # calibrate refuses bad options before measuring anything.
    util.expect_user_error(context.run("calibrate", "--size", "12 parsecs", "--profile", context.path("p.json")),
                           contains=["--size"])
    util.expect_user_error(context.run("calibrate", "--profile", "defaults"), contains=["--profile FILE"])
    util.expect_user_error(context.run("calibrate", "--scratch", context.path("no_such_dir"),
                                       "--profile", context.path("p.json")),
                           contains=["--scratch", "no_such_dir"])
    util.expect(not os.path.exists(context.path("p.json")), "a refused calibrate wrote a profile")
    help_result = util.expect_success(context.run("calibrate", "--help"))
    for text in ("gemm_flops_per_second", "filtered_read_bytes_per_second", "machine.json", "--scratch"):
        util.expect(text in help_result.stdout, f"calibrate --help does not mention {text}")


if __name__ == "__main__":
    util.run_main(None, {"measure": case_measure, "errors": case_errors})
