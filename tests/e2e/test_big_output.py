"""An output larger than the budget: the outer product of two 6000-vectors (288 MB of float64) under
--memory 32MiB. Output tiles must be written as they finish; checked against numpy block by block, and the
child's peak RSS must stay within the budget plus the stated fixed overhead (util.RSS_OVERHEAD_MIB)."""

import h5py
import numpy as np

import e2e_util as util

EXTENT = 6000
BUDGET_MIB = 32


def main(context):
    inputs = util.random_inputs(5, x=(EXTENT,), y=(EXTENT,))
    x, y = inputs["x"], inputs["y"]
    data = util.write_h5(context.path("in.h5"), **inputs)
    script = context.write_text("outer.tsum", 'P = einsum("i,j->ij", x, y)\n')
    out = context.path("out.h5")
    result = util.expect_success(
        context.run("run", script, "--data", data, "--out", out, "--memory", f"{BUDGET_MIB}MiB"))
    print(f"tilesum run: {result.seconds:.2f} s")

    with h5py.File(out, "r") as file:
        util.expect("P" in file, f"{out} has no /P")
        dataset = file["P"]
        util.expect(dataset.shape == (EXTENT, EXTENT) and dataset.dtype == np.float64,
                    f"/P is {dataset.shape} {dataset.dtype}, expected {(EXTENT, EXTENT)} float64")
        rows_per_block = 500
        for row_begin in range(0, EXTENT, rows_per_block):
            rows = slice(row_begin, row_begin + rows_per_block)
            block = dataset[rows, :]
            # x_i * y_j is one rounding: it must be exact.
            mismatches = int(np.count_nonzero(block != np.multiply.outer(x[rows], y)))
            util.expect(mismatches == 0, f"/P rows {row_begin}..: {mismatches} entries differ from numpy")
    print("P matches numpy exactly")
    util.expect_peak_rss_within(result, BUDGET_MIB)


if __name__ == "__main__":
    util.run_main(main)
