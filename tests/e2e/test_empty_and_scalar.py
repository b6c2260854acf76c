"""Extents of 0 and 0-d tensors behave as in numpy, under every strategy and a budget small enough for several
tiles. Empty extents: outputs with a 0 in their shape are written empty, and a contraction over an empty index
gives zeros. 0-d tensors: scalar HDF5 datasets and 0-d .npy files as inputs, einsums with 0-d operands, 0-d
outputs, and 0-d tensors broadcast against n-d ones."""

import json

import h5py
import numpy as np

import e2e_util as util

BUDGET = "1MiB"
STRATEGIES = ("tile", "expand", "auto")

# Every output here expands (no broadcasting sum), so each strategy applies to all of them.
EMPTY_SCRIPT = """\
P = einsum("ij,jk->ik", B, C)
Q = einsum("ij,jk,k->i", B, C, x) + x2
S = einsum("ij,jk->ik", A0, M)
T = einsum("ij->j", A0)
U = 2 * A0 - A0
V = einsum("ij,kj->ik", Ec, M)
W = einsum("ij,ij->", A0, A0)
"""


def empty_oracle(B, C, x, x2, A0, M, Ec, **_):
    return dict(P=np.einsum("ij,jk->ik", B, C), Q=np.einsum("ij,jk,k->i", B, C, x) + x2,
                S=np.einsum("ij,jk->ik", A0, M), T=np.einsum("ij->j", A0), U=2 * A0 - A0,
                V=np.einsum("ij,kj->ik", Ec, M), W=np.einsum("ij,ij->", A0, A0))


def expect_outputs(out, expected):
    for name, value in expected.items():
        actual = util.read_h5(out, name)
        util.expect(actual.shape == value.shape, f"{name} has shape {actual.shape}, numpy's is {value.shape}")
        util.expect_close(name, actual, value, rtol=1e-12, dtype=np.float64)


def check_empty_extents(context):
    rng = np.random.default_rng(31)
    inputs = dict(B=rng.standard_normal((600, 0)), C=rng.standard_normal((0, 500)), x=rng.standard_normal(500),
                  x2=rng.standard_normal(600), A0=np.zeros((0, 25)), M=rng.standard_normal((25, 30)))
    data = util.write_h5(context.path("empty.h5"), **inputs)
    with h5py.File(data, "a") as file:  # chunked and empty: an extendable dataset never written to
        file.create_dataset("Ec", shape=(0, 30), maxshape=(None, 30), chunks=(8, 30), dtype="f8")
    inputs["Ec"] = np.zeros((0, 30))
    expected = empty_oracle(**inputs)
    util.expect(not expected["P"].any() and expected["P"].shape == (600, 500), "numpy: zeros over an empty index")
    script = context.write_text("empty.tsum", EMPTY_SCRIPT)

    plan = json.loads(util.expect_success(context.run("plan", script, "--data", data, "--memory", BUDGET,
                                                      "--json")).stdout)
    tiles = {output["name"]: output["tiles"] for output in plan["outputs"]}
    print(f"tiles: {tiles}")
    util.expect(tiles["P"] > 1, f"P (600, 500) of zeros should take several tiles under {BUDGET}: {tiles}")
    for name in ("S", "U", "V"):  # empty outputs: one empty tile, of size 0 along the empty axis
        util.expect(tiles[name] == 1, f"empty output {name} should be one tile: {tiles}")
    text = util.expect_success(context.run("plan", script, "--data", data, "--memory", BUDGET)).stdout
    util.expect("tile size:        i=0/0 k=30/30" in text, "plan of S (0, 30) should show i=0/0:\n" + text)

    for strategy in STRATEGIES:
        out = context.path(f"empty_{strategy}.h5")
        util.expect_success(context.run("run", script, "--data", data, "--out", out, "--memory", BUDGET,
                                        "--strategy", strategy))
        print(f"--strategy {strategy}")
        expect_outputs(out, expected)

    # The same empty input from a .npy file.
    npy = context.path("A0.npy")
    np.save(npy, inputs["A0"])
    out = context.path("empty_npy.h5")
    util.expect_success(context.run("run", script, "--data", data, "--input", f"A0={npy}", "--out", out,
                                    "--memory", BUDGET))
    expect_outputs(out, expected)


SCALAR_EXPANDABLE = """\
P = einsum(",ij->ij", s, A)
Q = einsum("i,->i", x, s)
R = einsum("ij,ij->", A, A)
W = einsum(",->", s, t)
Z = s * 2
N = einsum("i,->i", x, r) - 3 * einsum(",i->i", t, x)
"""
SCALAR_BROADCASTING = """\
U = s + A
V = A * t - s
Y = einsum("ij->", A) + s
X = x * r + s
"""


def scalar_oracle(s, t, r, A, x, **_):
    return dict(P=np.einsum(",ij->ij", s, A), Q=np.einsum("i,->i", x, s), R=np.einsum("ij,ij->", A, A),
                W=np.einsum(",->", s, t), Z=s * 2, N=np.einsum("i,->i", x, r) - 3 * np.einsum(",i->i", t, x),
                U=s + A, V=A * t - s, Y=np.einsum("ij->", A) + s, X=x * r + s)


def check_scalars(context):
    rng = np.random.default_rng(32)
    inputs = dict(s=np.float64(2.5), t=np.float64(-1.25), A=rng.standard_normal((400, 300)),
                  x=rng.standard_normal(300))
    # Not util.write_h5: np.ascontiguousarray makes a 0-d array 1-d.
    data = context.path("scalars.h5")
    with h5py.File(data, "w") as file:
        for name, value in inputs.items():
            file.create_dataset(name, data=value)
        util.expect(file["s"].shape == () and file["t"].shape == (), "s and t should be scalar datasets")
    inputs["r"] = np.float64(0.375)
    r_path = context.path("r.npy")
    np.save(r_path, inputs["r"])
    expected = scalar_oracle(**inputs)
    bindings = ["--data", data, "--input", f"r={r_path}"]

    both = context.write_text("scalars.tsum", SCALAR_EXPANDABLE + SCALAR_BROADCASTING)
    tiles = {output["name"]: output["tiles"] for output in json.loads(util.expect_success(
        context.run("plan", both, *bindings, "--memory", BUDGET, "--json")).stdout)["outputs"]}
    print(f"tiles: {tiles}")
    util.expect(tiles["P"] > 1 and tiles["U"] > 1, f"expected several tiles under {BUDGET}: {tiles}")
    for strategy in ("tile", "auto"):
        out = context.path(f"scalars_{strategy}.h5")
        util.expect_success(context.run("run", both, *bindings, "--out", out, "--memory", BUDGET,
                                        "--strategy", strategy))
        print(f"--strategy {strategy}")
        expect_outputs(out, expected)

    # expand distributes over einsums only: the outputs without a broadcasting sum.
    expandable = context.write_text("expandable.tsum", SCALAR_EXPANDABLE)
    out = context.path("scalars_expand.h5")
    util.expect_success(context.run("run", expandable, *bindings, "--out", out, "--memory", BUDGET,
                                    "--strategy", "expand"))
    print("--strategy expand")
    expect_outputs(out, {name: value for name, value in expected.items() if name in "PQRWZN"})


def main(context):
    check_empty_extents(context)
    check_scalars(context)


if __name__ == "__main__":
    util.run_main(main)
