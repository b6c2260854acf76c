"""The memory test of issue 2: data/seed.tsum at n = q = 400 under --memory 64MiB. One full intermediate
(q, n, n) would be 512 MiB. The result must match the four-term formula, and the child's peak RSS (wait4
ru_maxrss) must stay within the budget plus the stated fixed overhead (util.RSS_OVERHEAD_MIB)."""

import numpy as np

import e2e_util as util

N = Q = 400
BUDGET_MIB = 64


def main(context):
    inputs = util.seed_inputs(N, Q, seed=6)
    data = util.write_h5(context.path("in.h5"), **inputs)
    expected = util.seed_oracle_four_term(**inputs)
    # tile: the expression as written, slices of the (q, n, n) intermediates per tile; auto: the planner's choice.
    for strategy in ("tile", "auto"):
        out = context.path(f"out_{strategy}.h5")
        result = util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", out,
                                                 "--memory", f"{BUDGET_MIB}MiB", "--strategy", strategy))
        print(f"seed n = q = {N}, --memory {BUDGET_MIB}MiB, --strategy {strategy}: {result.seconds:.2f} s")
        util.expect_close("E", util.read_h5(out, "E"), expected, rtol=1e-10, dtype=np.float64)
        util.expect_peak_rss_within(result, BUDGET_MIB)


if __name__ == "__main__":
    util.run_main(main)
