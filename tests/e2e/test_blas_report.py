"""What tilesum runs on (issue 13): `tilesum --version` names the BLAS library, its kernels (OpenBLAS's core) and
the SIMD level; a generic OpenBLAS fallback set by the user is warned about and left alone; one that OpenBLAS chose
itself makes tilesum restart once with OPENBLAS_CORETYPE set. This machine's OpenBLAS knows its CPU, so the
fallback is played by openblas_corename_shim.cpp, preloaded (path in TILESUM_TEST_OPENBLAS_SHIM).
One CTest case per --case."""

import os
import re

import e2e_util as util

VERSION_LINES = re.compile(r"^tilesum \d+\.\d+\.\d+\nBLAS: (?P<library>OpenBLAS \S+), kernels (?P<core>\w+) "
                           r"\((?P<origin>[^)]*)\)(?P<fallback>, generic fallback)?\n"
                           r"SIMD: (?P<simd>[A-Z0-9_]+) \(Google Highway, chosen at run time\)\n"
                           r"(?P<mpi>MPI: Open MPI and parallel HDF5 \(mpirun -np N tilesum run\)\n)?$")


def version_report(context, *args):
    result = util.expect_success(context.run(*(args or ("--version",))))
    match = VERSION_LINES.match(result.stdout)
    util.expect(match is not None, "--version does not name the BLAS, its kernels and the SIMD level\n"
                + result.describe())
    print(result.stdout, end="")
    return match, result


def case_version(context):
    match, _ = version_report(context)
    # The same report from a command's --version.
    same, _ = version_report(context, "plan", "--version")
    util.expect(same.group(0) == match.group(0), "tilesum plan --version reports something else")
    # With no OPENBLAS_CORETYPE OpenBLAS chooses, and says so; on a CPU it does not know (a new Xeon) tilesum has
    # replaced its fallback by then.
    with util.Environment(OPENBLAS_CORETYPE=None, TILESUM_SET_OPENBLAS_CORETYPE=None):
        detected, result = version_report(context)
    util.expect(detected.group("origin") in ("chosen by OpenBLAS", "OPENBLAS_CORETYPE set by tilesum"),
                f"origin: {detected.group('origin')}")
    if detected.group("fallback") is None:
        util.expect(result.stderr == "", "a warning without a generic fallback\n" + result.describe())


def case_environment_kept(context):
    # The user's choice is never overridden, even a slow one; on an AVX2 or AVX-512 CPU it is warned about.
    with util.Environment(OPENBLAS_CORETYPE="Prescott", TILESUM_SET_OPENBLAS_CORETYPE=None):
        match, result = version_report(context)
    util.expect(match.group("core") == "Prescott" and match.group("origin") == "OPENBLAS_CORETYPE",
                f"tilesum replaced the user's OPENBLAS_CORETYPE=Prescott: {match.group(0)}")
    if match.group("fallback"):
        lines = result.stderr.splitlines()
        util.expect(len(lines) == 1 and lines[0].startswith("tilesum: warning: OpenBLAS runs its generic Prescott")
                    and "left as set" in lines[0], "expected one warning line\n" + result.describe())


def shim_environment(**values):
    shim = os.environ.get("TILESUM_TEST_OPENBLAS_SHIM")
    util.expect(shim and os.path.isfile(shim), f"TILESUM_TEST_OPENBLAS_SHIM={shim!r} is not the shim library")
    return util.Environment(LD_PRELOAD=shim, OPENBLAS_CORETYPE=None, TILESUM_SET_OPENBLAS_CORETYPE=None, **values)


def case_reexec(context):
    with shim_environment():
        match, result = version_report(context)
    if match.group("origin") == "chosen by OpenBLAS":
        # Only on a CPU without AVX2+FMA is Prescott not a fallback: nothing to replace.
        util.expect(match.group("core") == "Prescott" and match.group("fallback") is None, match.group(0))
        print("this CPU has no better OpenBLAS core than Prescott: nothing to restart for")
        return
    util.expect(match.group("origin") == "OPENBLAS_CORETYPE set by tilesum"
                and match.group("core") in ("SkylakeX", "Haswell", "Sandybridge") and match.group("fallback") is None,
                f"tilesum did not restart with a better core: {match.group(0)}")
    util.expect(result.stderr == "", "a warning after a successful restart\n" + result.describe())
    # A real command runs in the restarted process too, with its arguments intact.
    help_result = util.expect_success(context.run("plan", "--help"))
    util.expect("Usage: tilesum plan" in help_result.stdout, help_result.describe())

    # An OpenBLAS that ignores the variable: one restart, one warning, no loop.
    with shim_environment(SHIM_STUCK_ON_PRESCOTT="1"):
        match, result = version_report(context)
    util.expect(match.group("core") == "Prescott" and match.group("origin") == "OPENBLAS_CORETYPE set by tilesum"
                and match.group("fallback"), match.group(0))
    lines = result.stderr.splitlines()
    util.expect(len(lines) == 1 and "still runs its generic Prescott kernels after tilesum set" in lines[0],
                "expected one warning line\n" + result.describe())


if __name__ == "__main__":
    util.run_main(None, {"version": case_version, "environment_kept": case_environment_kept, "reexec": case_reexec})
