"""An out-of-core matrix product (issue 13): einsum('ij,jk->ik') and its transposes under a budget far smaller
than C, so that it runs as a streamed GEMM cut into C tiles and slabs (docs/architecture.md). Its result must
match numpy within 1e-12 relative, be bit-identical for 1, 2 and 4 threads, and keep the child's peak RSS within
the budget plus the stated fixed overhead."""

import json

import numpy as np

import e2e_util as util

BUDGET_MIB = 8
CASES = {
    # name: (script, operands as (name, shape), numpy's answer)
    "plain": ("C = einsum('ij,jk->ik', A, B)\n", {"A": (1536, 1200), "B": (1200, 1400)},
              lambda v: v["A"] @ v["B"]),
    "transposed": ("C = einsum('ji,kj->ik', A, B)\n", {"A": (1200, 1536), "B": (1400, 1200)},
                   lambda v: v["A"].T @ v["B"].T),
    "same_input": ("C = einsum('ij,kj->ik', A, A)\n", {"A": (1300, 1100)}, lambda v: v["A"] @ v["A"].T),
}


def main(context):
    for index, (name, (script_text, shapes, oracle)) in enumerate(CASES.items()):
        values = util.random_inputs(40 + index, **shapes)
        data = util.write_h5(context.path(f"in_{name}.h5"), **values)
        script = context.write_text(f"{name}.tsum", script_text)
        plan = json.loads(util.expect_success(context.run("plan", script, "--data", data, "--memory",
                                                          f"{BUDGET_MIB}MiB", "--json")).stdout)
        output = plan["outputs"][0]
        print(f"{name}: tile sizes {output['tile_sizes']}, slabs {output['summed_slabs']}, tiles {output['tiles']}")
        util.expect(output["tiles"] > 1, f"{name}: expected the product cut into tiles, got {output}")
        expected = oracle(values)
        results = {}
        for threads in (1, 2, 4):
            out = context.path(f"out_{name}_{threads}.h5")
            result = util.expect_success(context.run("run", script, "--data", data, "--out", out, "--memory",
                                                     f"{BUDGET_MIB}MiB", "--threads", str(threads)))
            util.expect_peak_rss_within(result, BUDGET_MIB)
            results[threads] = util.read_h5(out, "C")
        error = util.max_relative_error(results[1], expected)
        print(f"{name}: max relative error {error:.2e} against numpy")
        util.expect(error <= 1e-12, f"{name}: relative error {error} above 1e-12")
        for threads in (2, 4):
            util.expect(results[threads].tobytes() == results[1].tobytes(),
                        f"{name}: --threads {threads} differs from --threads 1 in its bits")


if __name__ == "__main__":
    util.run_main(main)
