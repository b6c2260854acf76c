"""bool, int8, int16, uint8, uint16, uint32, uint64 and float16 through the CLI (issue 14): inputs written by h5py
(and .npy), scripts run by `tilesum run`, results read back by h5py and compared with numpy 1.24 in values, shape
and dtype.

Cases: `numpy` runs einsums, sums, products, numbers and functions over every pair of the new dtypes, with
overflowing integer results (numpy wraps around; tilesum computes exactly and wraps where it writes);
`literals` runs True/False and complex literals (2j * X); `tiled` runs uint8 image-like data and bool masks in several tiles under a small budget, from chunked HDF5 and
.npy; `refused` checks what numpy computes with a wrapped intermediate that tilesum refuses, with exit 2.
"""

import h5py
import numpy as np

import e2e_util as util

SMALL = ["bool", "int8", "int16", "uint8", "uint16", "uint32", "uint64", "float16"]

# Relative tolerance by result dtype: tilesum computes in float64 and rounds once, numpy in the dtype itself.
RTOL = {"float16": 4e-3, "float32": 1e-5, "float64": 1e-12, "complex64": 1e-5, "complex128": 1e-12}


def random_array(rng, dtype, shape):
    """Integers over most of the dtype's range (so that products and sums overflow), bools, normal floats."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        low, high = max(info.min, -100), min(info.max, 250)
        return rng.integers(low, high + 1, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def expect_result(name, actual, expected):
    """numpy's dtype and shape; bools and integers equal, floats within the dtype's tolerance."""
    expected = np.asarray(expected)
    util.expect(actual.dtype == expected.dtype, f"{name} has dtype {actual.dtype}, numpy gives {expected.dtype}")
    util.expect(actual.shape == expected.shape, f"{name} has shape {actual.shape}, numpy gives {expected.shape}")
    if expected.dtype.kind in "biu":
        util.expect(np.array_equal(actual, expected), f"{name}: values differ from numpy's\n{actual}\n{expected}")
        return
    exact = expected.astype(np.complex128)
    scale = max(float(np.max(np.abs(exact))), 1e-300) if exact.size else 1.0
    error = float(np.max(np.abs(actual.astype(np.complex128) - exact))) / scale if exact.size else 0.0
    util.expect(error <= RTOL[expected.dtype.name], f"{name}: max relative error {error:.3e} against numpy")


def run_and_compare(context, name, lines, expected, data_args):
    script = context.write_text(f"{name}.tsum", "\n".join(lines) + "\n")
    out = context.path(f"{name}.h5")
    util.expect_success(context.run("run", script, *data_args, "--out", out, "--quiet"))
    with h5py.File(out, "r") as file:
        for output, value in expected.items():
            expect_result(output, file[output][...], value)
    return len(expected)


def numpy_case(context):
    rng = np.random.default_rng(14)
    inputs = {f"M_{dtype}": random_array(rng, dtype, (4, 6)) for dtype in SMALL}
    inputs.update({f"V_{dtype}": random_array(rng, dtype, (6,)) for dtype in SMALL})
    inputs["F"] = rng.standard_normal((4, 6))
    data = util.write_h5(context.path("in.h5"), **inputs)
    lines, expected = [], {}

    def add(name, script, value):
        lines.append(f"{name} = {script}")
        expected[name] = value

    with np.errstate(all="ignore"):
        for left in SMALL:
            M = inputs[f"M_{left}"]
            for right in SMALL:
                V = inputs[f"V_{right}"]
                add(f"E_{left}_{right}", f"einsum('ij,j->i', M_{left}, V_{right})", np.einsum("ij,j->i", M, V))
                add(f"P_{left}_{right}", f"M_{left} * V_{right}", M * V)
                if not (left == "bool" and right == "bool"):
                    add(f"S_{left}_{right}", f"M_{left} - V_{right}", M - V)
                else:
                    add(f"S_{left}_{right}", f"M_{left} + V_{right}", M + V)
            add(f"G_{left}", f"einsum('ij,kj->ik', M_{left}, M_{left})", np.einsum("ij,kj->ik", M, M))
            add(f"T_{left}", f"np.sum(M_{left}, axis=1)", np.sum(M, axis=1))
            add(f"X_{left}", f"np.exp(M_{left} / 64)", np.exp(M / 64))
            add(f"C_{left}", f"M_{left} < V_{left}", M < inputs[f"V_{left}"])
            add(f"F_{left}", f"M_{left} * F", M * inputs["F"])
            for index, literal in enumerate(["2", "-3", "300", "2.5"]):
                add(f"L{index}_{left}", f"{literal} * M_{left}", eval(literal) * M)
            if left != "bool":
                add(f"N_{left}", f"-M_{left} * 3 + M_{left} * M_{left}", -M * 3 + M * M)
    count = run_and_compare(context, "numpy", lines, expected, ["--data", data])
    print(f"{count} outputs in numpy's dtypes and values")


def tiled(context):
    rng = np.random.default_rng(15)
    image = rng.integers(0, 256, size=(300, 200)).astype(np.uint8)
    other = rng.integers(0, 256, size=(200, 260)).astype(np.uint8)
    mask = rng.integers(0, 2, size=(300, 200)).astype(bool)
    signed = rng.integers(-128, 128, size=(300, 200)).astype(np.int8)
    half = rng.standard_normal((300, 200)).astype(np.float16)
    data = context.path("in.h5")
    with h5py.File(data, "w") as file:
        file.create_dataset("image", data=image, chunks=(64, 50))
        file.create_dataset("other", data=other.astype(">u2"))  # big-endian uint16
        file.create_dataset("mask", data=mask, chunks=(100, 100))
        file.create_dataset("half", data=half)
    np.save(context.path("signed.npy"), signed)
    lines = [
        "G = einsum('ij,jk->ik', image, other)",
        "W = einsum('ij,ij->i', image, mask)",
        "A = np.sum(mask, axis=0)",
        "K = einsum('ij,ij->j', mask, mask)",
        "Y = einsum('ij,ij->i', half, signed)",
        "Z = einsum('ij,ij->ij', signed, signed) * 3",
    ]
    expected = {
        "G": np.einsum("ij,jk->ik", image, other.astype(np.uint16)),
        "W": np.einsum("ij,ij->i", image, mask),
        "A": np.sum(mask, axis=0),
        "K": np.einsum("ij,ij->j", mask, mask),
        "Y": np.einsum("ij,ij->i", half, signed),
        "Z": np.einsum("ij,ij->ij", signed, signed) * 3,
    }
    script = context.write_text("tiled.tsum", "\n".join(lines) + "\n")
    out = context.path("out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--input", "signed=" + context.path("signed.npy"),
                                    "--out", out, "--memory", "6MiB", "--quiet"))
    with h5py.File(out, "r") as file:
        for name, value in expected.items():
            # float16 sums: numpy accumulates in float16's pairwise sum, tilesum in float64 and rounds once.
            expect_result(name, file[name][...], value)
    print("uint8, uint16 (big-endian), bool, int8 (.npy) and float16 in tiles match numpy")


def literals(context):
    """True/False and complex literals in scripts, with numpy's values and dtypes."""
    rng = np.random.default_rng(17)
    env = {"X": rng.standard_normal((3, 4)), "F": rng.standard_normal(4).astype(np.float32),
           "Z": rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4)),
           "U": random_array(rng, "uint8", (3, 4)), "B": random_array(rng, "bool", (3, 4))}
    data = util.write_h5(context.path("in.h5"), **env)
    cases = {"T1": "True * U", "T2": "U * False", "T3": "True * B", "T4": "(True + True) * B",
             "C1": "2j * X", "C2": "Z * (1 + 2j)", "C3": "X / 1j + Z", "C4": "1.5e3j * F",
             "C5": "einsum('ij,ij->i', 2j * X, Z)", "C6": "(X - Z) * -0.5j", "C7": "U * 1j", "C8": "2j * 3j * F"}
    env.update(einsum=np.einsum, np=np)
    expected = {name: eval(text, env) for name, text in cases.items()}
    lines = [f"{name} = {text}" for name, text in cases.items()]
    count = run_and_compare(context, "literals", lines, expected, ["--data", data])
    print(f"{count} scripts with True/False and complex literals match numpy")


def refused(context):
    rng = np.random.default_rng(16)
    data = util.write_h5(context.path("in.h5"), U=random_array(rng, "uint8", (5,)),
                         I=random_array(rng, "int16", (5,)), B=random_array(rng, "bool", (5,)),
                         Big=np.array([1, 2**53], dtype=np.uint64))
    out = context.path("out.h5")
    cases = [
        ("E = U * U + I\n", ["is uint8, which numpy computes modulo 2^bits", "as int16"]),
        ("E = np.exp(U + U)\n", ["used by np.exp as float16"]),
        ("E = (B + B) * 2\n", ["is bool, which numpy computes logically"]),
        ("E = B - B\n", ["numpy has no boolean subtract"]),
        ("E = einsum('i->', Big)\n", ["dataset '/Big'", "uint64 value 9007199254740992", "2^53"]),
    ]
    for index, (text, contains) in enumerate(cases):
        script = context.write_text(f"refused{index}.tsum", text)
        util.expect_user_error(context.run("run", script, "--data", data, "--out", out), contains=contains)
        util.expect_no_output(out, ["E"])
    print(f"{len(cases)} scripts refused with exit 2")


if __name__ == "__main__":
    util.run_main(None, cases={"numpy": numpy_case, "tiled": tiled, "literals": literals,
                                      "refused": refused})
