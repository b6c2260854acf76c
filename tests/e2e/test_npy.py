""".npy inputs: --input NAME=FILE.npy reads input NAME from a file numpy wrote (np.save), in any dtype tilesum
reads, either byte order, C or Fortran order, under a budget small enough for several tiles, checked against
numpy. A .npy file larger than the budget is read tile by tile within the memory contract (peak RSS under
budget + the stated overhead). Files that are not .npy, truncated, of an unsupported dtype or shorter than their
header says are user errors (status 2, one line naming the file); so are a dataset path after a .npy file and
--data FILE.npy."""

import json
import os

import numpy as np

import e2e_util as util

SCRIPT = 'P = einsum("ij,jk->ik", A, B) + 2 * x\nS = einsum("ij->j", A)\n'
BUDGET = "1MiB"

# (descr, Fortran order) of A and B: every dtype and layout, A and B differing so both are exercised.
LAYOUTS = [
    ("<f8", False, ">f8", True),
    (">f4", True, "<f4", False),
    ("<i4", True, ">i8", False),
    (">i4", False, "<i8", True),
    (">f8", True, "<i4", False),
]


def save(context, name, array, descr, fortran_order):
    """np.save of array as descr, in Fortran order when asked: what a user's numpy writes."""
    array = array.astype(np.dtype(descr))
    array = np.asfortranarray(array) if fortran_order else np.ascontiguousarray(array)
    path = context.path(name)
    np.save(path, array)
    return path


def tile_count(context, script, *bindings):
    result = util.expect_success(context.run("plan", script, *bindings, "--memory", BUDGET, "--json"))
    return {output["name"]: output["tiles"] for output in json.loads(result.stdout)["outputs"]}


def check_dtypes_and_orders(context):
    rng = np.random.default_rng(21)
    script = context.write_text("npy.tsum", SCRIPT)
    x = rng.standard_normal(250)
    x_path = context.path("x.npy")
    np.save(x_path, x)
    for index, (a_descr, a_fortran, b_descr, b_fortran) in enumerate(LAYOUTS):
        # Small integers, so that every dtype holds them exactly; fractions for the floats.
        A = rng.integers(0, 100, size=(300, 200)).astype(np.float64)
        B = rng.integers(0, 100, size=(200, 250)).astype(np.float64)
        if a_descr[1] == "f":
            A = A / 8
        if b_descr[1] == "f":
            B = B / 8
        a_path = save(context, f"A{index}.npy", A, a_descr, a_fortran)
        b_path = save(context, f"B{index}.npy", B, b_descr, b_fortran)
        bindings = ["--input", f"A={a_path}", "--input", f"B={b_path}", "--input", f"x={x_path}"]
        tiles = tile_count(context, script, *bindings)
        util.expect(tiles["P"] > 1 and tiles["S"] > 1, f"expected several tiles under {BUDGET}, got {tiles}")
        out = context.path(f"out{index}.h5")
        util.expect_success(context.run("run", script, *bindings, "--out", out, "--memory", BUDGET))
        print(f"A {a_descr} {'F' if a_fortran else 'C'}, B {b_descr} {'F' if b_fortran else 'C'}: tiles {tiles}")
        util.expect_close("P", util.read_h5(out, "P"), A @ B + 2 * x, rtol=1e-12)
        util.expect_close("S", util.read_h5(out, "S"), A.sum(axis=0), rtol=1e-12)


def check_scalar_and_mixed_sources(context):
    """A 0-d .npy file, mixed with an HDF5 input from --data."""
    rng = np.random.default_rng(22)
    M = rng.standard_normal((64, 48))
    data = util.write_h5(context.path("in.h5"), M=M)
    s_path = context.path("s.npy")
    np.save(s_path, np.float64(-1.75))
    script = context.write_text("scalar.tsum", 'P = einsum(",ij->ij", s, M)\nQ = s * M + M\n')
    out = context.path("scalar_out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--input", f"s={s_path}", "--out", out,
                                    "--memory", BUDGET))
    util.expect_close("P", util.read_h5(out, "P"), -1.75 * M, rtol=1e-15)
    util.expect_close("Q", util.read_h5(out, "Q"), -1.75 * M + M, rtol=1e-15)


def check_complex(context):
    """Complex files are read as their real and imaginary parts (both byte orders, Fortran order here)."""
    rng = np.random.default_rng(25)
    Z = rng.standard_normal((120, 90)) + 1j * rng.standard_normal((120, 90))
    z_path = save(context, "Z.npy", Z, ">c16", True)
    script = context.write_text("complex.tsum", 'P = einsum("ij->j", Z)\n')
    out = context.path("complex_out.h5")
    util.expect_success(context.run("run", script, "--input", f"Z={z_path}", "--out", out, "--memory", BUDGET))
    util.expect_close("P", util.read_h5(out, "P"), Z.sum(axis=0), rtol=1e-12, dtype=np.complex128)


def check_peak_rss(context):
    """A .npy file four times the budget, in C and in Fortran order, read in tiles within the memory contract."""
    budget_mib = 16
    rng = np.random.default_rng(23)
    A = rng.standard_normal((4096, 2048))  # 64 MiB
    y = rng.standard_normal(2048)
    np.save(context.path("y.npy"), y)
    script = context.write_text("big.tsum", 'v = einsum("ij,j->i", A, y)\nc = einsum("ij->j", A)\n')
    for order, array in (("C", A), ("Fortran", np.asfortranarray(A))):
        path = context.path(f"big_{order}.npy")
        np.save(path, array)
        util.expect(os.path.getsize(path) > 4 * budget_mib * util.MIB, "the .npy file must exceed the budget")
        out = context.path(f"big_{order}.h5")
        result = util.expect_success(context.run("run", script, "--input", f"A={path}", "--input",
                                                 f"y={context.path('y.npy')}", "--out", out,
                                                 "--memory", f"{budget_mib}MiB"))
        print(f"{order} order, {os.path.getsize(path) / util.MIB:.0f} MiB file: {result.seconds:.2f} s")
        util.expect_close("v", util.read_h5(out, "v"), A @ y, rtol=1e-12)
        util.expect_close("c", util.read_h5(out, "c"), A.sum(axis=0), rtol=1e-12)
        util.expect_peak_rss_within(result, budget_mib)


def check_errors(context):
    rng = np.random.default_rng(24)
    script = context.write_text("one.tsum", 'S = einsum("ij->j", A)\n')
    out = context.path("errors_out.h5")
    good = context.path("good.npy")
    np.save(good, rng.standard_normal((30, 20)))
    raw = open(good, "rb").read()

    def expect_refused(name, contents, *fragments):
        path = context.path(name)
        if isinstance(contents, np.ndarray):
            np.save(path, contents, allow_pickle=True)
        else:
            with open(path, "wb") as file:
                file.write(contents)
        util.expect_user_error(context.run("run", script, "--input", f"A={path}", "--out", out),
                               contains=[name, *fragments])

    expect_refused("text.npy", b"A = 1\n", "is not a .npy file")
    expect_refused("cut_header.npy", raw[:40], "truncated")
    expect_refused("cut_data.npy", raw[:-8], "shorter than its header says", "(30, 20)", "4800 bytes")
    expect_refused("objects.npy", np.array([[1, "a"], [None, 2.0]], dtype=object), "'|O'")
    expect_refused("strings.npy", np.array([["ab", "c"]]), "'<U2'", "unicode strings")
    expect_refused("records.npy", np.zeros((3, 2), dtype=[("a", "<f8"), ("b", "<i4")]), "structured dtype")
    # bool, int8, int16 and unsigned ints are read since issue 14 (test_small_dtypes.py); long double is not.
    expect_refused("longdouble.npy", np.arange(6).reshape(3, 2).astype(np.longdouble), "'<f16'",
                   "tilesum reads bool, int8")
    version = bytearray(raw)
    version[6] = 9
    expect_refused("version.npy", bytes(version), "format version 9.0")
    util.expect_user_error(context.run("run", script, "--input", f"A={context.path('missing.npy')}", "--out", out),
                           contains=["missing.npy", "no such file"])
    util.expect_user_error(context.run("run", script, "--input", f"A={good}:/A", "--out", out),
                           contains=["good.npy", "no dataset path", f"A={good}"])
    util.expect_user_error(context.run("run", script, "--data", good, "--out", out),
                           contains=["good.npy", "--data takes an HDF5 file", "--input NAME="])
    util.expect_no_output(out, ["S"])


def check_help(context):
    result = util.expect_success(context.run("run", "--help"))
    util.expect("NAME=FILE.npy" in result.stdout, "run --help does not mention --input NAME=FILE.npy")


def main(context):
    check_dtypes_and_orders(context)
    check_scalar_and_mixed_sources(context)
    check_complex(context)
    check_errors(context)
    check_help(context)
    check_peak_rss(context)


if __name__ == "__main__":
    util.run_main(main)
