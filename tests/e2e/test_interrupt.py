"""Ctrl-C during a long run: tilesum stops after the tiles in progress, exits 130 with one error line, and leaves
no output dataset behind (an existing dataset in the output file survives untouched), nor its resume journal.

No timing is assumed. The run records its journal after every tile (TILESUM_CHECKPOINT_SECONDS=0), so the test
sees when tiles are being computed; it then freezes the run (SIGSTOP), checks from the journal that output tiles
remain, sends SIGINT and lets it continue (SIGCONT): the signal lands mid-run however loaded the machine is. The run
is long in tiles, not in seconds: its plan has MIN_TILES tiles or more (checked), each recorded before the next."""

import os
import re
import signal
import subprocess
import time

import numpy as np

import e2e_util as util

N = Q = 800
MIN_TILES = 100  # the plan below has 2480: 8 output tiles of E, each summed in 310 chunks
DEADLINE_SECONDS = 300  # for the first recorded tile; only a broken or hung run takes this long
OUTPUT_RECORD = re.compile(r"^output (\d+) (\d+)$", re.M)


def recorded_tiles(journal, chunks_per_tile):
    """The tiles the journal records as done (written output tiles, and summed chunks of the next), or None while it
    records none (or does not exist yet)."""
    try:
        with open(journal) as file:
            match = OUTPUT_RECORD.search(file.read())
    except FileNotFoundError:
        return None
    done = int(match.group(1)) * chunks_per_tile + int(match.group(2)) if match else 0
    return done or None


def main(context):
    data = util.write_h5(context.path("in.h5"), **util.seed_inputs(N, Q, seed=3))
    out = util.write_h5(context.path("out.h5"), keep=np.arange(3.0))
    options = ["--data", data, "--memory", "32MiB", "--threads", "1", "--strategy", "tile"]
    plan = util.run_tilesum(context.tilesum, ["plan", context.seed_script] + options)
    util.expect(plan.status == 0, f"tilesum plan failed: {plan.describe()}")
    tiles = re.search(r"^\s*tiles:\s+(\d+)", plan.stdout, re.M)
    chunks = re.search(r"\((\d+) partial results per output tile", plan.stdout)
    util.expect(tiles and int(tiles.group(1)) >= MIN_TILES,
                f"expected a plan of at least {MIN_TILES} tiles, too short to interrupt otherwise:\n{plan.stdout}")
    total, chunks_per_tile = int(tiles.group(1)), int(chunks.group(1)) if chunks else 1

    argv = [context.tilesum, "run", context.seed_script, "--out", out] + options
    env = dict(os.environ, TILESUM_CHECKPOINT_SECONDS="0")
    journal = out + ".tilesum-resume/journal"
    with open(context.path("stderr.txt"), "w+") as err:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            while process.poll() is None and recorded_tiles(journal, chunks_per_tile) is None:
                util.expect(time.monotonic() < deadline, f"no tile recorded in {DEADLINE_SECONDS} s")
                time.sleep(0.005)
            os.kill(process.pid, signal.SIGSTOP)
            util.expect(process.poll() is None, f"the run of {total} tiles finished before it could be interrupted")
            done = recorded_tiles(journal, chunks_per_tile)
            util.expect(done is not None and done < total,
                        f"the run was stopped after {done} of {total} tiles were recorded: expected some left")
            print(f"interrupting after {done} of {total} tiles were recorded")
            os.kill(process.pid, signal.SIGINT)
            os.kill(process.pid, signal.SIGCONT)
            status = process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        err.seek(0)
        lines = err.read().splitlines()
    util.expect(status == 130, f"expected exit status 130 after SIGINT, got {status}; stderr: {lines}")
    util.expect(len(lines) == 1 and lines[0].startswith("tilesum: error: interrupted"),
                f"expected one line 'tilesum: error: interrupted ...', got {lines}")
    print(f"as expected: {lines[0]}")
    util.expect_no_output(out, ["E"])
    util.expect(util.dataset_names(out) == ["keep"], f"{out} holds {util.dataset_names(out)}, expected only keep")
    util.expect(not os.path.exists(out + ".tilesum-resume"), "the interrupted run left its resume journal behind")


if __name__ == "__main__":
    util.run_main(main)
