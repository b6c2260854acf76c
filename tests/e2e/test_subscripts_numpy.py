"""numpy's einsum subscripts end to end: ellipsis (with broadcasting), implicit output, extent-1 broadcasting,
repeated labels (traces and diagonals, of inputs, of einsum results and of sums), one input as several
operands and 0-d operands, mostly numpy's own docstring examples, at sizes that take several tiles under a
1 MiB budget, in every strategy. Each output is checked against np.einsum on the same data; `tilesum plan`
must name the diagonal views it reads; mistakes are reported at the script's exact character."""

import json

import h5py
import numpy as np

import e2e_util as util

# NAME = einsum(...) lines, and the numpy oracle of each (same subscripts unless it needs spelling out).
CASES = [
    ("trace", "einsum('ii', A)", lambda d: np.einsum("ii", d["A"])),
    ("diagonal", "einsum('ii->i', A)", lambda d: np.einsum("ii->i", d["A"])),
    ("row_sums", "einsum('ij->i', A)", lambda d: np.einsum("ij->i", d["A"])),
    ("ellipsis_sums", "einsum('...j->...', R)", lambda d: np.einsum("...j->...", d["R"])),
    ("transpose", "einsum('ji', R)", lambda d: np.einsum("ji", d["R"])),
    ("matvec", "einsum('ij,j', R, v)", lambda d: np.einsum("ij,j", d["R"], d["v"])),
    ("ellipsis_matvec", "einsum('...j,j', R, v)", lambda d: np.einsum("...j,j", d["R"], d["v"])),
    ("scaled", "einsum(',ij', s, R)", lambda d: np.einsum(",ij", d["s"], d["R"])),
    ("scalar_copy", "einsum('->', s)", lambda d: np.einsum("->", d["s"])),
    ("inner", "einsum('i,i', v, v)", lambda d: np.einsum("i,i", d["v"], d["v"])),
    ("outer", "einsum('i,j', v, w)", lambda d: np.einsum("i,j", d["v"], d["w"])),
    ("batch_diagonal", "einsum('...ii->...i', T)", lambda d: np.einsum("...ii->...i", d["T"])),
    ("batch_trace", "einsum('...ii', T)", lambda d: np.einsum("...ii", d["T"])),
    ("batched_matmul", "einsum('...ij,jk->...ik', K, W)", lambda d: np.einsum("...ij,jk->...ik", d["K"], d["W"])),
    ("ellipsis_broadcast", "einsum('...i,...i->...', P, Q)", lambda d: np.einsum("...i,...i->...", d["P"], d["Q"])),
    ("ki_ellipsis", "einsum('ki,...k->i...', R, Z)", lambda d: np.einsum("ki,...k->i...", d["R"], d["Z"])),
    ("k_ellipsis_jk", "einsum('k...,jk', X, Y)", lambda d: np.einsum("k...,jk", d["X"], d["Y"])),
    ("extent_one", "einsum('ij,j->ij', C, v)", lambda d: np.einsum("ij,j->ij", d["C"], d["v"])),
    ("iij", "einsum('iij->j', U)", lambda d: np.einsum("iij->j", d["U"])),
    ("iii", "einsum('iii->i', V)", lambda d: np.einsum("iii->i", d["V"])),
    ("same_input_twice", "einsum('ij,ji->i', A, A)", lambda d: np.einsum("ij,ji->i", d["A"], d["A"])),
    ("with_diagonal", "einsum('ij,ii->j', A, A)", lambda d: np.einsum("ij,ii->j", d["A"], d["A"])),
    ("gram_diagonal", "einsum('ii->i', einsum('ij,kj->ik', R, R))",
     lambda d: np.einsum("ii->i", np.einsum("ij,kj->ik", d["R"], d["R"]))),
    ("sum_diagonal", "einsum('ii->i', A + v + C)", lambda d: np.einsum("ii->i", d["A"] + d["v"] + d["C"])),
    ("product_trace", "einsum('ii', A * C)", lambda d: np.einsum("ii", d["A"] * d["C"])),
]

SHAPES = dict(A=(256, 256), R=(200, 256), v=(256,), w=(100,), s=(), T=(4, 128, 128), K=(3, 128, 64), W=(64, 50),
              P=(5, 1, 64), Q=(7, 64), Z=(7, 200), X=(200, 3), Y=(6, 200), C=(256, 1), U=(64, 64, 30),
              V=(40, 40, 40))


def main(context):
    data = util.random_inputs(11, **SHAPES)
    data["s"] = np.asarray(data["s"])  # 0-d; write_h5's np.ascontiguousarray would make it (1,)
    data_path = util.write_h5(context.path("in.h5"), **{name: a for name, a in data.items() if name != "s"})
    with h5py.File(data_path, "a") as file:
        file.create_dataset("s", data=data["s"])
    script = context.write_text("subscripts.tsum", "".join(f"{name} = {expression}\n" for name, expression, _ in CASES))

    for strategy in ("auto", "expand", "tile"):
        out = context.path(f"out_{strategy}.h5")
        result = context.run("run", script, "--data", data_path, "--out", out, "--memory", "1MiB",
                             "--strategy", strategy)
        util.expect_success(result)
        for name, _, oracle in CASES:
            util.expect_close(f"{name} ({strategy})", util.read_h5(out, name), oracle(data), rtol=1e-11)

    # The plan names what it reads: diagonal views of A, and several tiles for the large outputs.
    plan = context.run("plan", script, "--data", data_path, "--memory", "1MiB")
    util.expect_success(plan)
    util.expect("diag(A,0,0)" in plan.stdout, "the plan should name the diagonal view diag(A,0,0):\n" + plan.stdout)
    plan_json = context.run("plan", script, "--data", data_path, "--memory", "1MiB", "--json")
    util.expect_success(plan_json)
    outputs = {output["name"]: output for output in json.loads(plan_json.stdout)["outputs"]}
    for name in ("transpose", "outer", "extent_one", "batched_matmul"):
        util.expect(outputs[name]["tiles"] > 1, f"{name} should take several tiles under 1 MiB: {outputs[name]}")

    # Mistakes numpy rejects, located at the character: the operand whose ellipsis does not broadcast, and the
    # second occurrence of a label repeated over axes of different extents.
    bad_broadcast = context.write_text("bad_broadcast.tsum", "E = einsum('...i,...i->...', A, R)\n")
    util.expect_user_error(context.run("run", bad_broadcast, "--data", data_path, "--out", context.path("bad.h5")),
                           contains=("bad_broadcast.tsum:1:33", "could not be broadcast together under the ellipsis"))
    bad_diagonal = context.write_text("bad_diagonal.tsum", "E = einsum('jii->j', K)\n")
    util.expect_user_error(context.run("run", bad_diagonal, "--data", data_path, "--out", context.path("bad.h5")),
                           contains=("bad_diagonal.tsum:1:15", "repeats index 'i'", "128 at axis 1 and 64 at axis 2"))
    bad_rank = context.write_text("bad_rank.tsum", "E = einsum('ij', T)\n")
    util.expect_user_error(context.run("run", bad_rank, "--data", data_path, "--out", context.path("bad.h5")),
                           contains=("bad_rank.tsum:1:18", "has 3 dimension(s)", "name 2"))


if __name__ == "__main__":
    util.run_main(main)
