"""numpy's dtypes through the CLI: inputs of int32, int64, float32, float64, complex64 and complex128 written by
h5py, results in the dtype numpy 1.24 gives them (np.result_type, value-based casting of Python numbers), read back
by h5py and compared with numpy.

Cases: `promotion` runs one script over every pair of dtypes (einsum, sum, product) and number literals;
`tiled` runs each dtype in several tiles (forced, under a 4 MiB budget) with chunked big-endian inputs;
`errors` checks what is refused (complex numbers outside a scaling, int64 inputs beyond 2^53) and that an int32 result beyond int32
wraps around as numpy's does. The other integer dtypes, bool and float16: test_small_dtypes.py.
"""

import h5py
import numpy as np

import e2e_util as util

DTYPES = ["int32", "int64", "float32", "float64", "complex64", "complex128"]

# Relative tolerance by result dtype: tilesum accumulates in float64, numpy in the dtype itself.
RTOL = {"float32": 1e-5, "complex64": 1e-5, "float64": 1e-12, "complex128": 1e-12}


def random_array(rng, dtype, shape):
    """Small integers for integer dtypes (so that results are exact), normal values otherwise."""
    dtype = np.dtype(dtype)
    if dtype.kind == "i":
        return rng.integers(-9, 10, size=shape).astype(dtype)
    values = rng.standard_normal(shape)
    if dtype.kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    return values.astype(dtype)


def expect_result(name, actual, expected):
    """Same dtype as numpy's result; integers equal, floats and complex within the dtype's tolerance."""
    util.expect(actual.dtype == expected.dtype, f"{name} has dtype {actual.dtype}, numpy gives {expected.dtype}")
    util.expect(actual.shape == expected.shape, f"{name} has shape {actual.shape}, numpy gives {expected.shape}")
    if expected.dtype.kind == "i":
        util.expect(np.array_equal(actual, expected), f"{name}: integers differ from numpy's")
        return
    exact = expected.astype(np.complex128)
    scale = max(float(np.max(np.abs(exact))), 1e-300)
    error = float(np.max(np.abs(actual.astype(np.complex128) - exact))) / scale
    util.expect(error <= RTOL[expected.dtype.name], f"{name}: max relative error {error:.3e} against numpy")


def promotion(context):
    rng = np.random.default_rng(5)
    inputs = {f"M_{dtype}": random_array(rng, dtype, (4, 5)) for dtype in DTYPES}
    inputs.update({f"V_{dtype}": random_array(rng, dtype, (5,)) for dtype in DTYPES})
    data = util.write_h5(context.path("in.h5"), **inputs)

    lines, expected = [], {}
    for left in DTYPES:
        for right in DTYPES:
            M, V = inputs[f"M_{left}"], inputs[f"V_{right}"]
            lines.append(f"E_{left}_{right} = einsum('ij,j->i', M_{left}, V_{right})")
            expected[f"E_{left}_{right}"] = np.einsum("ij,j->i", M, V)
            lines.append(f"S_{left}_{right} = M_{left} - V_{right}")
            expected[f"S_{left}_{right}"] = M - V
            lines.append(f"P_{left}_{right} = M_{left} * V_{right}")
            expected[f"P_{left}_{right}"] = M * V
    # Python numbers: numpy 1.24's value-based casting, and true division.
    literals = ["2", "-3", "70000", "3000000000", "2.5", "2.0", "1e300"]
    for dtype in DTYPES:
        M = inputs[f"M_{dtype}"]
        for index, literal in enumerate(literals):
            lines.append(f"L{index}_{dtype} = {literal} * M_{dtype}")
            expected[f"L{index}_{dtype}"] = eval(literal) * M
        lines.append(f"D_{dtype} = M_{dtype} / 4")
        expected[f"D_{dtype}"] = M / 4
    # One script with every output: HDF5's 1 MiB conversion buffer, once cleared on every converting read and
    # write, made this take a minute; io/hdf5_calls sizes it to the transfer now.
    script = context.write_text("promotion.tsum", "\n".join(lines) + "\n")
    out = context.path("out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out, "--quiet"))
    with h5py.File(out, "r") as file:
        for line in lines:
            name = line.split(" = ")[0]
            expect_result(name, file[name][...], np.asarray(expected[name]))
    print(f"{len(expected)} outputs in numpy's dtypes and values")


def tiled(context):
    rng = np.random.default_rng(9)
    out = context.path("out.h5")
    for dtype in DTYPES:
        A = random_array(rng, dtype, (300, 240))
        B = random_array(rng, dtype, (240, 300))
        x = random_array(rng, dtype, (300,))
        path = context.path(f"in_{dtype}.h5")
        with h5py.File(path, "w") as file:
            file.create_dataset("A", data=A)
            # Big-endian and chunked: read through HDF5's conversion.
            file.create_dataset("B", data=B.astype(B.dtype.newbyteorder(">")), chunks=(60, 75))
            file.create_dataset("x", data=x)
        script = context.write_text(f"{dtype}.tsum", "P = einsum('ij,jk->ik', A, B) - 2 * x\n"
                                                     "Q = einsum('ij,jk,k->i', A, B, x) + einsum('ij->i', A * A)\n")
        if np.dtype(dtype).kind == "c":
            plan = util.expect_success(context.run("plan", script, "--data", path, "--memory", "4MiB")).stdout
            for part in ["re(A)", "im(A)", "re(B)", "im(B)", "re(P)", "im(P)"]:
                util.expect(part in plan, f"the plan does not show {part}:\n{plan}")
        util.expect_success(context.run("run", script, "--data", path, "--out", out, "--memory", "4MiB",
                                        "--tile", "i=70", "--overwrite", "--quiet"))
        with h5py.File(out, "r") as file:
            expect_result(f"P ({dtype})", file["P"][...], np.einsum("ij,jk->ik", A, B) - 2 * x)
            expect_result(f"Q ({dtype})", file["Q"][...],
                          np.einsum("ij,jk,k->i", A, B, x) + np.einsum("ij->i", A * A))
        print(f"{dtype}: P and Q match numpy")


def errors(context):
    rng = np.random.default_rng(3)
    big = np.full((3, 3), 50000, dtype=np.int32)
    data = util.write_h5(context.path("in.h5"), I=big, U=np.arange(4, dtype=np.uint8),
                         Z=random_array(rng, "complex128", (3,)))
    out = context.path("out.h5")

    # int32: 3 * 50000^2 overflows int32; numpy wraps around, and so does tilesum where it writes the result.
    script = context.write_text("overflow.tsum", "E = einsum('ij,jk->ik', I, I)\n")
    util.expect_success(context.run("run", script, "--data", data, "--out", out, "--quiet"))
    with h5py.File(out, "r") as file:
        expect_result("E (int32 wrapped)", file["E"][...], np.einsum("ij,jk->ik", big, big))
    out = context.path("out2.h5")

    script = context.write_text("literal.tsum", "E = 2 * Z\nF = np.exp(1j) * Z\n")
    util.expect_user_error(context.run("run", script, "--data", data, "--out", out),
                           contains=["literal.tsum:2:5", "a complex number is taken only as a factor"])

    util.expect_no_output(out, ["E", "F"])

    # int64 inputs beyond float64's exact integers are refused where they are read, from HDF5 and from .npy alike;
    # values below it still run exactly.
    huge = np.array([[1, 2], [3, 2**53 + 1]], dtype=np.int64)
    edge = np.array([[1, 2], [3, 2**52 + 1]], dtype=np.int64)
    huge_data = util.write_h5(context.path("huge.h5"), H=huge, G=edge)
    np.save(context.path("huge.npy"), huge)
    script = context.write_text("sum64.tsum", "E = einsum('ij->i', H)\n")
    util.expect_user_error(context.run("run", script, "--data", huge_data, "--out", out),
                           contains=["dataset '/H'", "9007199254740993 at [1, 1]", "2^53"])
    util.expect_user_error(context.run("run", script, "--input", "H=" + context.path("huge.npy"), "--out", out),
                           contains=["huge.npy", "at [1, 1]", "2^53"])
    util.expect_no_output(out, ["E"])
    util.expect_success(context.run("run", script, "--input", "H=" + huge_data + ":/G", "--out", out, "--quiet"))
    with h5py.File(out, "r") as file:
        util.expect(file["E"][...].tolist() == [3, 3 + 2**52 + 1], "int64 sums below 2^53 are exact")


if __name__ == "__main__":
    util.run_main(None, cases={"promotion": promotion, "tiled": tiled, "errors": errors})
