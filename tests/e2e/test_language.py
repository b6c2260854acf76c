"""The numpy-like script language end to end: comments, blank lines, statements continued while a parenthesis
is open, np./numpy. spellings, keyword arguments (ignored), single and double quotes, spaces in subscripts,
unary minus, division and scaling by literals (integer, decimal, exponent), elementwise products and numpy
broadcasting. Checked against numpy."""

import numpy as np

import e2e_util as util

SCRIPT = """\
# Comments and blank lines are ignored.

T = np.einsum("ij, jk -> ik",   # a statement continues while a parenthesis is open
              A, B, optimize='optimal')
U = numpy.einsum('ik,k->i', -T, x) / 4 + 1.5e-1 * einsum("ij->i", A)
V = (A - 2 * T) * x + x
W = einsum( 'i j , i j -> j' , A * A, 3 * T )
"""


def main(context):
    inputs = util.random_inputs(4, A=(30, 40), B=(40, 40), x=(40,))
    A, B, x = inputs["A"], inputs["B"], inputs["x"]
    data = util.write_h5(context.path("in.h5"), **inputs)
    script = context.write_text("language.tsum", SCRIPT)
    out = context.path("out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out))

    util.expect(util.dataset_names(out) == ["U", "V", "W"],
                f"outputs should be exactly U, V, W; {out} has {util.dataset_names(out)}")
    T = A @ B
    expected = {
        "U": (-T) @ x / 4 + 1.5e-1 * A.sum(axis=1),
        "V": (A - 2 * T) * x + x,
        "W": np.einsum("ij,ij->j", A * A, 3 * T),
    }
    for name, value in expected.items():
        util.expect_close(name, util.read_h5(out, name), value, rtol=1e-12, dtype=np.float64)


if __name__ == "__main__":
    util.run_main(main)
