"""Random scripts mixing einsums, sums and elementwise functions, run through the tilesum binary and checked
against numpy evaluating the same text (issue 13): inputs of every dtype (float64, float32, int32, int64) holding
edge values (0, -0, negatives, +-inf, nan, huge), results of every dtype, under the auto, tile and expand
strategies and 1 and 2 threads.

A script is numpy code, so the oracle is Python's eval of each output's expression with numpy's functions. An
expression is kept only where numpy's answer does not depend on numpy's own intermediate dtypes, which tilesum
documents it does not follow (docs/script-language.md, "float32 and integers inside a script"): every value is
computed in float64, so an int32 product that numpy wraps around, or a float32 intermediate that overflows to inf
and comes back, would differ by design. The generator evaluates each candidate twice, as numpy does and with every
input widened to float64, and draws again when the two disagree (and when numpy refuses it, as for an integer to a
negative integer power). What tilesum does there is checked by the cases `float32` and `integers`.

Case: random (the random scripts), float32 (a float32 result within float32's tolerance of numpy's own float32
computation), integers (integer powers and overflow: what tilesum does where numpy wraps or raises), views (slices
and diagonals of a power of arrays), complex (every function of a complex array: a one-line error naming the
function and where it is written, or numpy's value for a whole power)."""

import random
import warnings

import numpy as np

import e2e_util as util

# Inputs by the axes they have: i (4), j (5), k (3); one of each dtype per shape.
SHAPES = {"ij": (4, 5), "j": (5,), "jk": (5, 3)}
INPUTS = {
    "ij": {"float64": "X", "float32": "F", "int32": "I", "int64": "L"},
    "j": {"float64": "x", "float32": "f", "int32": "iv", "int64": "lv"},
    "jk": {"float64": "P", "float32": "Q", "int32": "IP", "int64": "LP"},
}
DTYPES = ["float64", "float32", "int32", "int64"]


def make_inputs(seed, infinite=True):
    """Every input: normal values times 3 with edge values in some places (floats: 0, -0, -1 and, when `infinite`,
    +-inf, nan and huge; integers: 0, -1, huge for the dtype), at random positions."""
    rng = np.random.default_rng(seed)
    float_edges = {"float64": [0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 710.0],
                   "float32": [0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 89.0]}
    if not infinite:
        float_edges = {dtype: [0.0, -0.0, -1.0] for dtype in float_edges}
    integer_edges = {"int32": [0, -1, 1, 20000, -20000], "int64": [0, -1, 1, 2**25, -2**25]}
    values = {}
    for axes, names in INPUTS.items():
        shape = SHAPES[axes]
        for dtype, name in names.items():
            if dtype.startswith("float"):
                array = (rng.standard_normal(shape) * 3).astype(dtype)
                edges = float_edges[dtype]
            else:
                array = rng.integers(-9, 10, shape).astype(dtype)
                edges = integer_edges[dtype]
            count = min(len(edges), array.size // 3)
            positions = rng.choice(array.size, count, replace=False)
            array.flat[positions] = rng.choice(np.array(edges, dtype=dtype), count, replace=False)
            values[name] = array
    return values


NUMBERS = ["2", "0.5", "-1.5", "3", "1e-3", "0", "-2"]
COMPARISONS = ["<", "<=", ">", ">=", "==", "!="]


class Generator:
    """Expressions over the axes ij, j, jk and ik, numpy code tilesum reads as well."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.dtypes = DTYPES  # the dtypes leaves are drawn from: one, for results of every dtype, or all

    def choose_dtypes(self):
        self.dtypes = self.rng.choice([DTYPES, DTYPES, ["float64"], ["float32"], ["int32"], ["int64"]])

    def leaf(self, axes):
        if axes == "ik":  # no input has these axes: a contraction makes them
            return f"einsum('ij,jk->ik', {self.leaf('ij')}, {self.leaf('jk')})"
        return INPUTS[axes][self.rng.choice(self.dtypes)]

    def expression(self, axes, depth):
        if depth <= 0 or self.rng.random() < 0.2:
            return self.leaf(axes)
        kind = self.rng.choice(["einsum", "einsum", "sum", "product", "scale", "function", "function", "function",
                                "function"])
        return getattr(self, kind)(axes, depth - 1)

    def einsum(self, axes, depth):
        forms = {
            "ij": [("ij,j->ij", "ij", "j"), ("ik,jk->ij", "ik", "jk"), ("ij,ij->ij", "ij", "ij")],
            "j": [("ij->j", "ij"), ("ij,ij->j", "ij", "ij"), ("jk->j", "jk"), ("ij,jk->j", "ij", "jk")],
            "jk": [("ij,ik->jk", "ij", "ik"), ("jk,j->jk", "jk", "j")],
            "ik": [("ij,jk->ik", "ij", "jk"), ("ik->ik", "ik")],
        }[axes]
        subscripts, *operand_axes = self.rng.choice(forms)
        operands = [self.expression(operand, depth) for operand in operand_axes]
        spelling = self.rng.choice(["einsum", "np.einsum"])
        return f"{spelling}('{subscripts}', {', '.join(operands)})"

    def broadcastable(self, axes):
        """Axes an operand of a sum or a function may have beside `axes`: the same, or (for ij) its last one."""
        return "j" if axes == "ij" and self.rng.random() < 0.4 else axes

    def sum(self, axes, depth):
        left = self.expression(axes, depth)
        right = self.expression(self.broadcastable(axes), depth)
        return f"({left} {self.rng.choice(['+', '-'])} {right})"

    def product(self, axes, depth):
        return f"({self.expression(axes, depth)} * {self.expression(self.broadcastable(axes), depth)})"

    def scale(self, axes, depth):
        number = self.rng.choice(["2", "3", "-2"] if "float64" not in self.dtypes else NUMBERS)
        if self.rng.random() < 0.5:
            return f"({number} * {self.expression(axes, depth)})"
        return f"({self.expression(axes, depth)} / {self.rng.choice(['2', '4.0', '-0.5'])})"  # float64 from ints

    def function(self, axes, depth):
        r = self.rng
        np_ = r.choice(["np.", ""])
        sub = lambda: self.expression(axes, depth)  # noqa: E731
        other = lambda: self.expression(self.broadcastable(axes), depth)  # noqa: E731
        # Integer leaves: mostly the functions that keep integers (abs, sign, maximum, minimum, where, integer
        # powers), so that results of integer dtypes are drawn too.
        integers = all(dtype.startswith("int") for dtype in self.dtypes)
        choice = r.choice([3, 4, 5, 6, 7, 0, 9]) if integers else r.randrange(13)
        if choice == 0:
            return f"{np_}{r.choice(['exp', 'log', 'sqrt', 'log1p', 'expm1', 'tanh', 'sin', 'cos'])}({sub()})"
        if choice == 1:
            return f"{np_}{r.choice(['exp', 'expm1'])}(np.tanh({sub()}))"
        if choice == 2:
            return f"{np_}{r.choice(['log', 'sqrt'])}(np.maximum(abs({sub()}), 0.5))"
        if choice == 3:
            return f"{np_}{r.choice(['abs', 'sign'])}({sub()})"
        if choice == 4:
            right = r.choice(NUMBERS) if r.random() < 0.3 else other()
            return f"np.{r.choice(['maximum', 'minimum'])}({sub()}, {right})"
        if choice == 5:
            right = r.choice(NUMBERS) if r.random() < 0.3 else other()
            return f"np.where({sub()} {r.choice(COMPARISONS)} {right}, {other()}, {sub() if r.random() < 0.7 else r.choice(NUMBERS)})"
        if choice == 6:
            return f"np.where({sub()}, {other()}, {sub()})"  # a number as the condition: nonzero, nan true
        if choice == 7:
            return f"({sub()} ** {r.choice(['2', '3', '0', '1', '-1', '-2'])})"
        if choice == 8:
            return f"({sub()} ** {r.choice(['0.5', '1.5', '-0.5', '2.5', '0.25'])})"
        if choice == 9:
            return f"({sub()} ** {other()})"
        if choice == 10:
            return f"np.power({sub()}, {other()})"
        if choice == 11:
            return f"({r.choice(['2', '0.5', '-2', '3.0'])} ** {sub()})"
        return f"({sub()} ** np.tanh({other()}))"


def environment(values):
    env = {"np": np, "einsum": np.einsum}
    for name in ["exp", "log", "sqrt", "log1p", "expm1", "tanh", "sin", "cos", "sign"]:
        env[name] = getattr(np, name)
    env.update(values)
    return env


def evaluate(text, values):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.asarray(eval(text, environment(values)))


def widened(values):
    return {name: value.astype(np.float64) for name, value in values.items()}


def agrees(native, wide):
    """Whether numpy's answer in its own dtypes is the one of float64 intermediates (where it is not, tilesum and
    numpy differ by design)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return values_agree(native, wide)


def values_agree(native, wide):
    if native.dtype == bool:
        native = native.astype(np.float64)
    if native.dtype.kind in "iu":
        return np.array_equal(native.astype(np.float64), wide, equal_nan=False)
    scale = float(np.max(np.abs(wide[np.isfinite(wide)]), initial=1.0))
    rtol = 1e-6 if native.dtype == np.float32 else 1e-12  # tighter than compare()
    same_specials = np.array_equal(np.isnan(native), np.isnan(wide)) and np.array_equal(
        np.where(np.isinf(native), native, 0), np.where(np.isinf(wide), wide.astype(native.dtype), 0))
    finite = np.isfinite(native) & np.isfinite(wide)
    return same_specials and bool(np.all(np.abs(native[finite] - wide[finite]) <= rtol * scale))


FUNCTION_SPELLINGS = ["exp", "log", "sqrt", "tanh", "sin", "cos", "abs", "sign", "maximum", "minimum", "where", "**",
                      "power"]


def draw_script(seed, data_sets):
    """A script of 1 to 3 outputs whose numpy answers tilesum should give on every data set (a list of input
    dicts): (text, [{name: numpy value} per data set])."""
    generator = Generator(seed)
    outputs = [{} for _ in data_sets]
    lines = []
    attempts = 0
    wanted = generator.rng.randint(1, 3)
    while len(lines) < wanted and attempts < 200:
        attempts += 1
        axes = generator.rng.choice(["ij", "j", "jk", "ik"])
        generator.choose_dtypes()
        text = generator.expression(axes, 3)
        if not any(function in text for function in FUNCTION_SPELLINGS):
            continue  # no function: not what this test is about
        try:
            natives = [evaluate(text, values) for values in data_sets]
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # numpy refuses it (an integer to a negative integer power): the case `integers` covers it
        if not all(agrees(native, evaluate(text, widened(values)).astype(np.float64))
                   for native, values in zip(natives, data_sets)):
            continue
        name = f"R{len(lines)}"
        for expected, native in zip(outputs, natives):
            expected[name] = native
        lines.append(f"{name} = {text}\n")
    return "".join(lines), outputs


def compare(label, actual, expected, infinities=False):
    """numpy's dtype (a bool result is 0/1 in tilesum's dtype), nan and infinities where numpy has them, values
    within a few ulps of the largest magnitude (tilesum sums in another order). With `infinities` in the inputs,
    a nan where numpy has an infinity or the other way round passes: tilesum merges nested einsums and orders the
    contraction itself (`einsum('ij,ik->jk', A, einsum('ij,jk->ik', F, P))` is one einsum of A, F and P), and
    reassociating inf * 0 + inf is not exact; an infinity of the other sign, or a finite value, does not pass."""
    if expected.dtype == bool:
        util.expect(np.array_equal(actual, expected.astype(actual.dtype)), f"{label}: truth values differ")
        return
    util.expect(actual.dtype == expected.dtype, f"{label}: dtype {actual.dtype}, numpy's {expected.dtype}")
    util.expect(actual.shape == expected.shape, f"{label}: shape {actual.shape}, numpy's {expected.shape}")
    if expected.dtype.kind in "iu":
        util.expect(np.array_equal(actual, expected), f"{label}: integers differ\n{actual}\nnumpy:\n{expected}")
        return
    finite = np.isfinite(expected)
    scale = float(np.max(np.abs(expected[finite]), initial=1.0))
    rtol = 1e-5 if expected.dtype == np.float32 else 1e-11
    if infinities:
        util.expect(np.array_equal(finite, np.isfinite(actual)),
                    f"{label}: finite where numpy is not, or the other way round\n{actual}\nnumpy:\n{expected}")
        either_nan = np.isnan(actual) | np.isnan(expected)
        util.expect(np.array_equal(np.where(either_nan, 0, actual)[~finite],
                                   np.where(either_nan, 0, expected)[~finite]),
                    f"{label}: an infinity of the other sign\n{actual}\nnumpy:\n{expected}")
        actual, expected = np.where(finite, actual, 0), np.where(finite, expected, 0)
    try:
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, equal_nan=True)
    except AssertionError as error:
        raise util.TestFailure(f"{label}: {error}")


def check_random(context):
    """Edge values with infinities, nan and huge numbers are run as written (--strategy tile): expanding
    (A + B) * C into A * C + B * C is exact in real arithmetic, not where a term overflows or holds an infinity
    (inf - inf is nan where numpy's (A + B) * C is inf; docs/script-language.md says so). Finite edge values (0,
    -0, -1) go through every strategy."""
    data_sets = [make_inputs(11), make_inputs(12, infinite=False)]
    data = [util.write_h5(context.path("edges.h5"), **data_sets[0]),
            util.write_h5(context.path("finite.h5"), **data_sets[1])]
    runs = [("tile", 0, ["--strategy", "tile", "--tile", "j=2", "--threads", "1"]),
            ("tile-2", 0, ["--strategy", "tile", "--threads", "2"]),
            ("auto", 1, ["--threads", "2"]),
            ("expand", 1, ["--strategy", "expand", "--threads", "2"])]
    scripts = outputs = 0
    seeds = 12 if util.sanitized() else 32  # 128 runs; a sanitized Debug build takes minutes for them
    for seed in range(1, seeds + 1):
        text, expected_sets = draw_script(seed, data_sets)
        if not text:
            continue
        scripts += 1
        outputs += len(expected_sets[0])
        script = context.write_text(f"random{seed}.tsum", text)
        for label, data_set, options in runs:
            expected = expected_sets[data_set]
            out = context.path(f"out{seed}_{label}.h5")
            result = context.run("run", script, "--data", data[data_set], "--out", out, *options)
            if label == "expand" and result.status == 2 and "cannot be expanded" in result.stderr:
                continue  # a sum that broadcasts: the expand strategy refuses it, by design
            if result.status == 2 and "no output has an index" in result.stderr:  # no einsum names j
                result = context.run("run", script, "--data", data[data_set], "--out", out, "--strategy", "tile")
            util.expect(result.status == 0, f"seed {seed} ({label}):\n{text}\n{result.describe()}")
            for name, value in expected.items():
                try:
                    compare(f"seed {seed} {name} ({label})", util.read_h5(out, name), value,
                            infinities=data_set == 0)
                except util.TestFailure as failure:
                    raise util.TestFailure(f"{failure}\nscript:\n{text}")
    util.expect(scripts >= seeds - 2 and outputs >= seeds * 45 // 32, f"only {scripts} scripts, {outputs} outputs drawn")
    print(f"{scripts} random scripts, {outputs} outputs: numpy's values under auto, tile and expand")


def check_float32(context):
    """Float32 inputs, a float32 result: numpy computes (and rounds) each step in float32, tilesum in float64 with
    one rounding when stored; the two agree within float32's tolerance."""
    rng = np.random.default_rng(3)
    F = rng.standard_normal((6, 7)).astype(np.float32)
    G = rng.standard_normal((7,)).astype(np.float32)
    data = util.write_h5(context.path("in.h5"), F=F, G=G)
    text = ("R = np.tanh(F) ** 2 + np.sqrt(abs(F * G)) - 0.5 * np.exp(-F ** 2)\n"
            "S = np.einsum('ij,j->i', np.maximum(F, 0), np.log1p(abs(G)))\n"
            "T = np.power(np.maximum(abs(F), 0.5), G)\n")
    script = context.write_text("f32.tsum", text)
    out = context.path("out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out))
    expected = {"R": np.tanh(F) ** 2 + np.sqrt(np.abs(F * G)) - np.float32(0.5) * np.exp(-F ** 2),
                "S": np.einsum("ij,j->i", np.maximum(F, 0), np.log1p(np.abs(G))),
                "T": np.power(np.maximum(np.abs(F), np.float32(0.5)), G)}
    for name, value in expected.items():
        actual = util.read_h5(out, name)
        util.expect(value.dtype == np.float32 and actual.dtype == np.float32, f"{name}: dtype {actual.dtype}")
        # float32's tolerance: a few ulps of the result (numpy rounds after every step).
        np.testing.assert_allclose(actual, value, rtol=4 * np.finfo(np.float32).eps, atol=1e-6)
        exact = eval(text.splitlines()[list(expected).index(name)].split(" = ", 1)[1],
                     environment({"F": F.astype(np.float64), "G": G.astype(np.float64)}))
        # tilesum's rounding is the float64 value's, once.
        util.expect(np.array_equal(actual, np.asarray(exact).astype(np.float32)),
                    f"{name}: not the float64 value rounded once")
    print("float32 results within float32's tolerance of numpy's, and the float64 value rounded once")


def check_integers(context):
    """Integer powers are exact; an integer array to a negative integer array exponent (numpy raises) is nan,
    which an integer output refuses; an intermediate beyond int32 keeps its value (no wrap-around)."""
    I = np.array([2, -3, 0, 5], dtype=np.int32)
    J = np.array([3, 2, 0, 1], dtype=np.int32)
    K = np.array([1, -1, 2, 0], dtype=np.int64)
    big = np.array([50000, -50000, 3, 4], dtype=np.int32)
    data = util.write_h5(context.path("in.h5"), I=I, J=J, K=K, big=big)
    script = context.write_text("ints.tsum", "R = I ** J\nS = np.power(2, J)\nT = (big * big > 0) * 1.5\n")
    out = context.path("out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out))
    compare("I ** J", util.read_h5(out, "R"), I ** J)
    compare("2 ** J", util.read_h5(out, "S"), np.power(2, J))
    # numpy wraps 50000 * 50000 to a negative int32; tilesum keeps 2.5e9 (documented).
    util.expect(np.array_equal(util.read_h5(out, "T"), np.array([1.5, 1.5, 1.5, 1.5])), "big * big wrapped")
    refused = context.write_text("negative.tsum", "R = I ** K\n")
    util.expect_user_error(context.run("run", refused, "--data", data, "--out", context.path("neg.h5")),
                           contains=["output /R", "nan"])
    float_of = context.write_text("negative_float.tsum", "R = (I ** K) * 1.0\n")
    util.expect_success(context.run("run", float_of, "--data", data, "--out", context.path("negf.h5")))
    R = util.read_h5(context.path("negf.h5"), "R")
    util.expect(np.isnan(R[1]) and R[0] == 2.0 and R[2] == 0.0 and R[3] == 1.0, f"I ** K * 1.0 is {R}")
    numbers = context.write_text("numbers.tsum", "R = I ** -1\n")
    util.expect_user_error(context.run("plan", numbers, "--data", data),
                           contains=["numbers.tsum:1:5", "integers to negative integer powers are not allowed"])
    print("integer powers as documented")


def check_views(context):
    """Slices and diagonals push through a power of arrays to both sides' inputs, as through any function."""
    rng = np.random.default_rng(9)
    Z2, M, A, B = (rng.standard_normal(shape) for shape in [(5, 6), (5, 6), (6, 6), (6, 6)])
    x = rng.standard_normal(6)
    data = util.write_h5(context.path("in.h5"), Z2=Z2, M=M, x=x, A=A, B=B)
    text = ("R = np.power(abs(Z2 * M), x)[1] + (abs(Z2) ** x)[2, 1:4].sum() + np.power(2, x[::2]).sum()\n"
            "S = np.einsum('ii->i', abs(A) ** B)\n"
            "T = (abs(A) ** B.T)[::-2, 1]\n")
    script = context.write_text("views.tsum", text)
    out = context.path("out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out))
    expected = {"R": np.power(abs(Z2 * M), x)[1] + (abs(Z2) ** x)[2, 1:4].sum() + np.power(2, x[::2]).sum(),
                "S": np.einsum("ii->i", abs(A) ** B), "T": (abs(A) ** B.T)[::-2, 1]}
    for name, value in expected.items():
        util.expect_close(name, util.read_h5(out, name), value, rtol=1e-13, dtype=np.float64)


def check_complex(context):
    """Every function of a complex array: exit status 2 and one line naming the function and where it is."""
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    X = rng.standard_normal((3, 4))
    data = util.write_h5(context.path("in.h5"), Z=Z, X=X)
    cases = [(f"np.{name}(Z)", f"np.{name} of a complex array (Z)", 9 + len(name))
             for name in ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "abs", "sign"]]
    cases += [("np.absolute(Z)", "np.abs of a complex array (Z)", 17),
              ("np.maximum(X, Z)", "np.maximum of a complex array (Z)", 19),
              ("np.minimum(Z, 0)", "np.minimum of a complex array (Z)", 16),
              ("np.where(X > 0, Z, X)", "np.where of a complex array (Z)", 21),
              ("np.where(Z, X, 0)", "np.where of a complex array (Z)", 14),
              ("Z ** 0.5", "'**' of a complex array (Z)", 5),
              ("Z ** 9", "'**' of a complex array (Z)", 5),
              ("X ** Z", "'**' of a complex array (Z)", 10),
              ("np.power(2, Z)", "'**' of a complex array (Z)", 17)]
    cases += [(f"X {symbol} Z", f"'{symbol}' of a complex array (Z)", 8 + len(symbol)) for symbol in COMPARISONS]
    for expression, message, column in cases:
        script = context.write_text("complex.tsum", f"Y = X\nR = {expression}\n")
        util.expect_user_error(context.run("plan", script, "--data", data),
                               contains=[f"complex.tsum:2:{column}", message, "is not supported"])
    # A function of a real array beside a complex one is an ordinary real factor; a complex array to a whole power
    # from 1 to 8 is a product, numpy's value.
    script = context.write_text("mixed.tsum", "R = Z * np.exp(X) + np.maximum(X, 0)\nS = Z ** 2 - 3 * Z ** 5\n"
                                              "T = np.einsum('ij->j', np.power(Z, 8) * X)\n")
    out = context.path("mixed.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out))
    util.expect_close("R", util.read_h5(out, "R"), Z * np.exp(X) + np.maximum(X, 0), rtol=1e-14,
                      dtype=np.complex128)
    util.expect_close("S", util.read_h5(out, "S"), Z ** 2 - 3 * Z ** 5, rtol=1e-13, dtype=np.complex128)
    util.expect_close("T", util.read_h5(out, "T"), np.einsum("ij->j", np.power(Z, 8) * X), rtol=1e-13,
                      dtype=np.complex128)
    print(f"{len(cases)} complex arguments refused, naming the function; a real function beside a complex array runs")


if __name__ == "__main__":
    util.run_main(None, {"random": check_random, "float32": check_float32, "integers": check_integers,
                         "views": check_views, "complex": check_complex})
