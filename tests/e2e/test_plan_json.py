"""`tilesum plan --json`: the documented top-level keys, and terms that numpy can run as given: summing
coefficient * np.einsum(subscripts, *operands, optimize=['einsum_path', *path]) over the terms reproduces the
seed's E. Under --strategy tile the plan says so and lists no terms."""

import json

import numpy as np

import e2e_util as util

N, Q = 50, 60


def main(context):
    inputs = util.seed_inputs(N, Q, seed=4)
    data = util.write_h5(context.path("in.h5"), **inputs)
    result = util.expect_success(context.run("plan", context.seed_script, "--data", data, "--json"))
    plan = json.loads(result.stdout)
    for key in ("strategy", "flops", "bytes_read", "peak_bytes", "predicted_seconds", "terms"):
        util.expect(key in plan, f"plan --json lacks top-level key {key!r}: {sorted(plan)}")
    util.expect(plan["strategy"] == "expand", f"auto should expand the seed, chose {plan['strategy']}")
    util.expect("seconds_per_run" in plan["machine"] and "strided_read_bytes_per_second" not in plan["machine"],
                f"plan --json machine: {plan['machine']}")
    for output in plan["outputs"]:
        util.expect(output.get("read_runs", -1) >= 1, f"output {output['name']} lacks a run count: {sorted(output)}")
    util.expect(len(plan["terms"]) == 4, f"the seed should expand into 4 terms, got {len(plan['terms'])}")

    total = np.zeros(N)
    for term in plan["terms"]:
        for key in ("coefficient", "subscripts", "operands", "path"):
            util.expect(key in term, f"a term lacks {key!r}: {term}")
        operands = [inputs[name] for name in term["operands"]]
        path = ["einsum_path", *[tuple(step) for step in term["path"]]]
        total += term["coefficient"] * np.einsum(term["subscripts"], *operands, optimize=path)
    util.expect_close("sum of the JSON terms", total, util.seed_oracle_einsum(**inputs), rtol=1e-10)

    tiled = json.loads(util.expect_success(
        context.run("plan", context.seed_script, "--data", data, "--json", "--strategy", "tile")).stdout)
    util.expect(tiled["strategy"] == "tile" and tiled["terms"] == [],
                f"--strategy tile: strategy {tiled['strategy']}, {len(tiled['terms'])} terms")
    print(f"auto: {plan['flops']:.3g} flops, {plan['predicted_seconds']:.3g} s predicted; "
          f"tile: {tiled['flops']:.3g} flops, {tiled['predicted_seconds']:.3g} s predicted")


if __name__ == "__main__":
    util.run_main(main)
