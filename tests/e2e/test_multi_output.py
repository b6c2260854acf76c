"""A script with several outputs that read one shared intermediate T; T itself is read, so it is no output.
Checked against numpy; the out file must hold exactly the outputs U, V, W."""

import numpy as np

import e2e_util as util

SCRIPT = """\
T = einsum("ij,jk->ik", A, B)
U = einsum("ik,k->i", T, x)
V = 0.5 * T + A
W = einsum("ik->ki", T) - einsum("ij->ji", A)
"""


def main(context):
    inputs = util.random_inputs(3, A=(30, 40), B=(40, 40), x=(40,))
    A, B, x = inputs["A"], inputs["B"], inputs["x"]
    data = util.write_h5(context.path("in.h5"), **inputs)
    script = context.write_text("multi.tsum", SCRIPT)
    out = context.path("out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out, "--memory", "64MiB"))

    util.expect(util.dataset_names(out) == ["U", "V", "W"],
                f"outputs should be exactly U, V, W; {out} has {util.dataset_names(out)}")
    T = A @ B
    expected = {"U": T @ x, "V": 0.5 * T + A, "W": T.T - A.T}
    for name, value in expected.items():
        util.expect_close(name, util.read_h5(out, name), value, rtol=1e-12, dtype=np.float64)


if __name__ == "__main__":
    util.run_main(main)
