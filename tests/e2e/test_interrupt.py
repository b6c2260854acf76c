"""Ctrl-C during a long run: tilesum stops after the tiles in progress, exits 130 with one error line, and leaves
no output dataset behind (an existing dataset in the output file survives untouched)."""

import os
import signal
import subprocess
import time

import numpy as np

import e2e_util as util

N = Q = 800


def main(context):
    data = util.write_h5(context.path("in.h5"), **util.seed_inputs(N, Q, seed=3))
    out = util.write_h5(context.path("out.h5"), keep=np.arange(3.0))
    argv = [context.tilesum, "run", context.seed_script, "--data", data, "--out", out, "--memory", "32MiB",
            "--threads", "1", "--strategy", "tile"]
    with open(context.path("stderr.txt"), "w+") as err:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        time.sleep(1.0)
        util.expect(process.poll() is None, "the run finished within 1 s: too small to interrupt")
        os.kill(process.pid, signal.SIGINT)
        status = process.wait(timeout=120)
        err.seek(0)
        lines = err.read().splitlines()
    util.expect(status == 130, f"expected exit status 130 after SIGINT, got {status}; stderr: {lines}")
    util.expect(len(lines) == 1 and lines[0].startswith("tilesum: error: interrupted"),
                f"expected one line 'tilesum: error: interrupted ...', got {lines}")
    print(f"as expected: {lines[0]}")
    util.expect_no_output(out, ["E"])
    util.expect(util.dataset_names(out) == ["keep"], f"{out} holds {util.dataset_names(out)}, expected only keep")


if __name__ == "__main__":
    util.run_main(main)
