"""Elementwise functions end to end against numpy (issue 13): every function on random inputs mixed with edge
values (0, -0, negatives, +-inf, nan, huge, tiny) in float64, float32, int32 and int64, with numpy's dtypes and
broadcasting; numpy's values where it gives nan or inf; tiled and expanded plans under 1 and 2 threads; and the
Gaussian kernel E = einsum('ijk->k', exp(-(C - C2)**2)) of the seed's C and C2.

Comparisons give bool arrays, as numpy's. Case: --case values (every function), gaussian, or errors (what is refused, and where)."""

import warnings

import numpy as np

import e2e_util as util

UNARY = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "abs", "sign"]
COMPARISONS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
               "!=": np.not_equal}
POWERS = ["2", "3", "-1", "0.5", "2.5", "0", "-2"]


def inputs_with_edges(seed):
    """X (8, 12) float64 and F float32 with edge values among normal ones; I int32 and L int64 small integers
    (|i| < 1000, so cubes do not wrap); Y (12,) float64 to broadcast against; P positive for fractional powers."""
    rng = np.random.default_rng(seed)
    edges64 = [0.0, -0.0, -1.0, 1.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 1e-300, 710.0, -745.0, 3.0, -2.5]
    X = rng.standard_normal((8, 12)) * 3
    X.flat[rng.choice(X.size, len(edges64), replace=False)] = edges64
    edges32 = [0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-38, 89.0, -104.0]
    F = (rng.standard_normal((8, 12)) * 3).astype(np.float32)
    F.flat[rng.choice(F.size, len(edges32), replace=False)] = edges32
    I = rng.integers(-999, 1000, (8, 12)).astype(np.int32)
    I.flat[:3] = [0, -1, 1]
    L = rng.integers(-999, 1000, (8, 12)).astype(np.int64)
    Y = rng.standard_normal(12) * 3
    Y[:3] = [0.0, np.nan, np.inf]
    return {"X": X, "F": F, "I": I, "L": L, "Y": Y}


def expected_outputs(values):
    """(name, statement, numpy's value, dtype tilesum writes) for every case."""
    cases = []
    X, F, I, L, Y = (values[key] for key in "XFILY")
    for function in UNARY:
        for name in "XFIL":
            cases.append((f"{function}_{name}", f"np.{function}({name})", getattr(np, function)(values[name])))
    cases.append(("bare_exp_X", "exp(X)", np.exp(X)))
    cases.append(("abs_of_neg_I", "abs(-I)", np.abs(-I)))
    for index, power in enumerate(POWERS):
        for name in "XF":
            cases.append((f"power{index}_{name}", f"{name} ** {power}", values[name] ** eval(power)))
    for power in ["2", "3", "0"]:
        for name in "IL":
            cases.append((f"power_{power}_{name}", f"{name} ** {power}", values[name] ** int(power)))
    cases.append(("power_float_I", "I ** 2.0", I ** 2.0))
    cases.append(("power_neg_X", "-X ** 2", -X ** 2))
    for function in ["maximum", "minimum"]:
        cases.append((f"{function}_XY", f"np.{function}(X, Y)", getattr(np, function)(X, Y)))
        cases.append((f"{function}_F0", f"np.{function}(F, 0)", getattr(np, function)(F, 0)))
        cases.append((f"{function}_IL", f"{function}(I, L)", getattr(np, function)(I, L)))
        cases.append((f"{function}_I0", f"{function}(I, 0)", getattr(np, function)(I, 0)))
    for index, (symbol, function) in enumerate(COMPARISONS.items()):
        cases.append((f"compare{index}_XY", f"X {symbol} Y", function(X, Y)))  # bool, as numpy's
        cases.append((f"compare{index}_F0", f"F {symbol} 0.5", function(F, 0.5)))
        cases.append((f"compare{index}_IL", f"I {symbol} L", function(I, L)))
    cases.append(("where_XYF", "np.where(X > Y, X, F)", np.where(X > Y, X, F)))
    cases.append(("where_F0", "np.where(F < 0, 0, F)", np.where(F < 0, 0, F)))
    cases.append(("where_nan_cond", "where(X, 1.0, 2.0)", np.where(X, 1.0, 2.0)))
    cases.append(("where_ints", "np.where(I > 0, I, L)", np.where(I > 0, I, L)))
    # tilesum computes every intermediate in float64 and rounds only what it stores (engine/common/shape.hpp), so
    # the float32 tanh(F) below is squared unrounded: numpy's float64 result of float64 intermediates.
    cases.append(("nested", "np.sqrt(abs(np.sin(X) * Y)) + np.tanh(F) ** 2",
                  np.sqrt(np.abs(np.sin(X) * Y)) + np.tanh(F.astype(np.float64)) ** 2))
    cases.append(("relu_sum", "np.einsum('ij->j', np.maximum(np.where(abs(X) < 1e10, X, 0), 0))",
                  np.einsum("ij->j", np.maximum(np.where(np.abs(X) < 1e10, X, 0), 0))))
    return cases


def compare(name, actual, expected):
    """numpy's dtype, nan where numpy has nan, the same infinities, and values within a few ulps."""
    expected = np.asarray(expected)
    util.expect(actual.dtype == expected.dtype, f"{name}: dtype {actual.dtype}, numpy's {expected.dtype}")
    util.expect(actual.shape == expected.shape, f"{name}: shape {actual.shape}, numpy's {expected.shape}")
    if expected.dtype.kind in "biu":
        util.expect(np.array_equal(actual, expected), f"{name}: integers or bools differ from numpy's")
        return
    # numpy's own float32 kernels (SIMD) are within a few ulps of the correctly rounded value tilesum computes
    # in float64 and rounds; float64 ones within an ulp or two of glibc's.
    rtol = 4e-6 if expected.dtype == np.float32 else 1e-13
    tiny = np.finfo(expected.dtype).tiny
    try:
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=tiny, equal_nan=True)
    except AssertionError as error:
        raise util.TestFailure(f"{name}: {error}")


def check_values(context):
    values = inputs_with_edges(7)
    data = util.write_h5(context.path("in.h5"), **values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy warns at log(0), sqrt(-1), overflow: the values are the point
        cases = expected_outputs(values)
    script = context.write_text("functions.tsum", "".join(f"{name} = {text}\n" for name, text, _ in cases))
    runs = [("auto", ["--threads", "1"]), ("tile", ["--strategy", "tile", "--threads", "2"]),
            ("expand", ["--strategy", "expand", "--threads", "2"])]
    for label, options in runs:
        out = context.path(f"out_{label}.h5")
        util.expect_success(context.run("run", script, "--data", data, "--out", out, *options))
        for name, _, expected in cases:
            compare(f"{name} ({label})", util.read_h5(out, name), expected)
        print(f"{label}: {len(cases)} outputs match numpy")


GAUSSIAN = """\
C = einsum('i,jk->ijk', B, A)
C2 = einsum('j,ik->ijk', Y2, Z2)
E = einsum('ijk->k', exp(-(C - C2)**2))
"""


def check_gaussian(context):
    n, q = 24, 20
    inputs = util.seed_inputs(n, q, seed=3)
    A, B, Y2, Z2 = (inputs[key] for key in ("A", "B", "Y2", "Z2"))
    C = np.einsum("i,jk->ijk", B, A)
    C2 = np.einsum("j,ik->ijk", Y2, Z2)
    expected = np.einsum("ijk->k", np.exp(-(C - C2) ** 2))
    data = util.write_h5(context.path("in.h5"), **inputs)
    script = context.write_text("gaussian.tsum", GAUSSIAN)
    results = {}
    for label, options in [("auto", []), ("tile-1", ["--strategy", "tile", "--tile", "k=5", "--threads", "1"]),
                           ("tile-2", ["--strategy", "tile", "--tile", "k=5", "--threads", "2"]),
                           ("expand", ["--strategy", "expand", "--tile", "k=7", "--threads", "2"])]:
        out = context.path(f"out_{label}.h5")
        util.expect_success(context.run("run", script, "--data", data, "--out", out, *options))
        results[label] = util.read_h5(out, "E")
        util.expect_close(f"E ({label})", results[label], expected, rtol=1e-13, dtype=np.float64)
    util.expect(np.array_equal(results["tile-1"], results["tile-2"]), "E differs between 1 and 2 threads")
    plan = context.run("plan", script, "--data", data)
    util.expect_success(plan)
    util.expect("function:         exp(-(C - C2)**2)" in plan.stdout, f"plan does not list the function:\n{plan.stdout}")


def check_errors(context):
    """What is refused: one line `tilesum: error: FILE:LINE:COL: ...` naming the function, exit status 2."""
    rng = np.random.default_rng(5)
    data = util.write_h5(context.path("in.h5"), X=rng.standard_normal((3, 4)),
                         Z=rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4)),
                         I=np.arange(4, dtype=np.int32))
    cases = [
        ("R = X\nS = np.exp(Z)\n", ["errors.tsum:2:12", "np.exp of a complex array (Z) is not supported yet"]),
        ("R = np.erf(X)\n", ["errors.tsum:1:5", "function 'np.erf' is not supported", "np.exp", "np.where"]),
        ("R = I ** -2\n", ["errors.tsum:1:5", "integers to negative integer powers are not allowed"]),
        ("R = 0 < X <= 1\n", ["errors.tsum:1:11", "chained comparisons are not supported"]),
    ]
    for text, expected in cases:
        script = context.write_text("errors.tsum", text)
        util.expect_user_error(context.run("plan", script, "--data", data), contains=expected)


if __name__ == "__main__":
    util.run_main(None, {"values": check_values, "gaussian": check_gaussian, "errors": check_errors})
