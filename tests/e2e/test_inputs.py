"""--input NAME=FILE.h5:/path binds one input elsewhere: another file, a dataset inside a group, a dataset of
another name; with every input bound, --data is not needed. Mistakes in bindings are user errors (status 2)."""

import h5py
import numpy as np

import e2e_util as util

SCRIPT = 'P = einsum("ij,jk->ik", A, B) + 2 * x\n'


def main(context):
    inputs = util.random_inputs(11, A=(20, 30), B=(30, 25), x=(25,))
    A, B, x = inputs["A"], inputs["B"], inputs["x"]
    data = util.write_h5(context.path("in.h5"), A=A, x=x)
    other = context.path("other.h5")
    with h5py.File(other, "w") as file:
        file.create_dataset("group/weights", data=B)
        file.create_dataset("shift", data=x)
    script = context.write_text("bind.tsum", SCRIPT)
    expected = A @ B + 2 * x

    # B from a dataset inside a group of another file; A and x from --data.
    out = context.path("out1.h5")
    util.expect_success(context.run("run", script, "--data", data, "--input", f"B={other}:/group/weights",
                                    "--out", out, "--memory", "16MiB"))
    util.expect_close("P", util.read_h5(out, "P"), expected, rtol=1e-12, dtype=np.float64)

    # Every input bound, no --data; a binding without ':/path' reads /NAME of that file.
    out = context.path("out2.h5")
    util.expect_success(context.run("run", script, "--input", f"A={data}", "--input", f"x={other}:/shift",
                                    "--input", f"B={other}:/group/weights", "--out", out))
    util.expect_close("P", util.read_h5(out, "P"), expected, rtol=1e-12, dtype=np.float64)

    # Mistakes: a name the script does not read, a dataset that is not there, an input with no data at all.
    out = context.path("out3.h5")
    util.expect_user_error(context.run("run", script, "--data", data, "--input", f"Q={other}:/shift",
                                       "--input", f"B={other}:/group/weights", "--out", out),
                           contains=["'Q'"])
    util.expect_user_error(context.run("run", script, "--data", data, "--input", f"B={other}:/group/missing",
                                       "--out", out),
                           contains=["/group/missing", "other.h5"])
    util.expect_user_error(context.run("run", script, "--input", f"A={data}", "--out", out),
                           contains=["bind.tsum:1:", "--data"])
    util.expect_no_output(out, ["P"])


if __name__ == "__main__":
    util.run_main(main)
