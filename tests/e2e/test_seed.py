"""The motivating example, data/seed.tsum, at n = 100, q = 102, against numpy's einsum on materialized arrays.

Cases: float64 (rtol 1e-10), float32 (result float32, as numpy would give), threads (--threads 1 and
--threads 4 give bit-identical output, with the planner's own tiling and with a forced --tile k=7), fused (the
tiled strategy's tiles are evaluated fused, `plan` says so, and TILESUM_FUSED=0 materializes them to the same E).
"""

import os

import numpy as np

import e2e_util as util

N, Q = 100, 102


def run_seed(context, dtype, out_name, *options):
    inputs = util.seed_inputs(N, Q, seed=2, dtype=dtype)
    data = util.write_h5(context.path("in.h5"), **inputs)
    out = context.path(out_name)
    util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", out, *options))
    util.expect(util.dataset_names(out) == ["E"], f"{out} should hold only /E, has {util.dataset_names(out)}")
    return inputs, util.read_h5(out, "E")


def case_float64(context):
    inputs, result = run_seed(context, np.float64, "out.h5")
    util.expect_close("E", result, util.seed_oracle_einsum(**inputs), rtol=1e-10, dtype=np.float64)


def case_float32(context):
    inputs, result = run_seed(context, np.float32, "out.h5")
    # Single precision over 10^4 accumulated products: 1e-3 is far above rounding and far below any real bug
    # (a single dropped i out of 102 is about 1e-2).
    util.expect_close("E", result, util.seed_oracle_einsum(**inputs), rtol=1e-3, dtype=np.float32)


def case_threads(context):
    for label, tag, options in (("planner's tiling", "auto", ()), ("--tile k=7", "k7", ("--tile", "k=7"))):
        inputs, one = run_seed(context, np.float64, f"out_{tag}_t1.h5", "--threads", "1", *options)
        _, four = run_seed(context, np.float64, f"out_{tag}_t4.h5", "--threads", "4", *options)
        util.expect_close(f"E ({label}, 1 thread)", one, util.seed_oracle_einsum(**inputs), rtol=1e-10)
        differ = int(np.count_nonzero(one.view(np.uint64) != four.view(np.uint64)))
        util.expect(differ == 0, f"{label}: --threads 1 and --threads 4 differ in {differ} of {one.size} entries")
        print(f"{label}: --threads 1 and --threads 4 bit-identical")


def case_fused(context):
    inputs = util.seed_inputs(N, Q, seed=4, dtype=np.float64)
    data = util.write_h5(context.path("in.h5"), **inputs)
    expected = util.seed_oracle_einsum(**inputs)
    results = {}
    for switch in ("1", "0"):
        os.environ["TILESUM_FUSED"] = switch
        try:
            plan = context.run("plan", context.seed_script, "--data", data, "--strategy", "tile")
            util.expect_success(plan)
            fused_line = "fused tiles:" in plan.stdout
            util.expect(fused_line == (switch == "1"),
                        f"TILESUM_FUSED={switch}: 'fused tiles:' {'missing from' if switch == '1' else 'in'} the plan:\n"
                        + plan.stdout)
            out = context.path(f"out_{switch}.h5")
            util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", out,
                                            "--strategy", "tile"))
            results[switch] = util.read_h5(out, "E")
        finally:
            del os.environ["TILESUM_FUSED"]
        util.expect_close(f"E (TILESUM_FUSED={switch})", results[switch], expected, rtol=1e-12)
    util.expect_close("E fused against materialized", results["1"], results["0"], rtol=1e-13)
    print("fused and materialized tiles agree; plan reports the fused path")


if __name__ == "__main__":
    util.run_main(None, cases={"float64": case_float64, "float32": case_float32, "threads": case_threads,
                               "fused": case_fused})
