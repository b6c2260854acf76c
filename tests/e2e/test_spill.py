"""Spills (issue 12): an intermediate larger than the budget that its readers would recompute or re-read many times is
written once, tile by tile, to a scratch file beside the output and read back. The AO->MO transform, four quarter
transforms of a 4-index tensor, under a budget far below one of its intermediates: `tilesum plan` shows the spill,
the run equals numpy, reads the input about once, stays within its memory budget, and leaves nothing beside its
output. The seed under the same budget spills nothing (its plan re-reads nothing worth a spill)."""

import json
import os

import h5py
import numpy as np

import e2e_util as util

N = 40
BUDGET_MIB = 2
AO_TO_MO = """\
import numpy as np
T1 = np.einsum('pqrs,pi->iqrs', I, Cm)
T2 = np.einsum('iqrs,qj->ijrs', T1, Cm)
T3 = np.einsum('ijrs,rk->ijks', T2, Cm)
M = np.einsum('ijks,sl->ijkl', T3, Cm)
"""


def main(context):
    inputs = util.random_inputs(17, I=(N, N, N, N), Cm=(N, N))
    data = util.write_h5(context.path("ao.h5"), **inputs)
    script = context.write_text("ao.tsum", AO_TO_MO)
    budget = f"{BUDGET_MIB}MiB"

    text = util.expect_success(context.run("plan", script, "--data", data, "--memory", budget)).stdout
    print(text, end="")
    util.expect("1 intermediate(s) spilled to scratch" in text and "\nspilled %T" in text,
                "the plan should spill an intermediate:\n" + text)
    plan = json.loads(util.expect_success(context.run("plan", script, "--data", data, "--memory", budget,
                                                      "--json")).stdout)
    scratch = [output["name"] for output in plan["outputs"] if output["scratch"]]
    util.expect(len(scratch) == 1 and scratch[0].startswith("%T"), f"plan --json scratch outputs: {scratch}")

    out = context.path("out.h5")
    if os.path.exists(out):
        os.remove(out)
    result = util.expect_success(context.run("run", script, "--data", data, "--out", out, "--memory", budget,
                                             "--json", "--quiet"))
    report = json.loads(result.stdout)
    bytes_read = report["measured"]["bytes_read"]
    input_bytes = inputs["I"].nbytes + inputs["Cm"].nbytes
    print(f"bytes read {bytes_read} ({bytes_read / input_bytes:.1f}x the inputs, the scratch read back included)")
    util.expect(bytes_read < 12 * input_bytes, "the spilled plan should read the inputs a few times at most")
    util.expect_peak_rss_within(result, BUDGET_MIB)

    expected = np.einsum("pqrs,pi,qj,rk,sl->ijkl", inputs["I"], *[inputs["Cm"]] * 4, optimize=True)
    util.expect_close("M", util.read_h5(out, "M"), expected, 1e-12)
    with h5py.File(out, "r") as file:
        util.expect(sorted(file.keys()) == ["M"], f"{out} holds {sorted(file.keys())}: the scratch is no output")
    util.expect(not os.path.exists(out + ".tilesum-resume"), "the scratch file outlived the run")

    seed_data = util.write_h5(context.path("seed.h5"), **util.seed_inputs(200, 200, seed=2))
    text = util.expect_success(context.run("plan", context.seed_script, "--data", seed_data, "--memory", budget)).stdout
    util.expect("spilled" not in text, "the seed should spill nothing:\n" + text)


if __name__ == "__main__":
    util.run_main(main)
