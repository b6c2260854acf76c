"""Ctrl-C during a long run: tilesum stops after the tiles in progress, exits 130 with one error line that says how
to resume, and leaves no output dataset behind (an existing dataset in the output file survives untouched). It keeps
the resume journal exactly as kill -9 would: `--resume` then finishes the run, bit-identical to an uninterrupted one.

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
MIN_TILES = 100  # the plan below has 100 output tiles of E, 8 wide (forced: fused tiles would be few and large)
DEADLINE_SECONDS = 300  # for the first recorded tile; only a broken or hung run takes this long
OUTPUT_RECORD = re.compile(r"^output (\d+) (\d+)$", re.M)


def recorded_tiles(journal, slabs_per_tile):
    """The tiles the journal records as done (written output tiles, and summed slabs of the next), or None while it
    records none (or does not exist yet)."""
    try:
        with open(journal) as file:
            match = OUTPUT_RECORD.search(file.read())
    except FileNotFoundError:
        return None
    done = int(match.group(1)) * slabs_per_tile + int(match.group(2)) if match else 0
    return done or None


def main(context):
    data = util.write_h5(context.path("in.h5"), **util.seed_inputs(N, Q, seed=3))
    out = util.write_h5(context.path("out.h5"), keep=np.arange(3.0))
    options = ["--data", data, "--memory", "32MiB", "--threads", "1", "--strategy", "tile", "--tile", "k=8"]
    plan = util.run_tilesum(context.tilesum, ["plan", context.seed_script] + options)
    util.expect(plan.status == 0, f"tilesum plan failed: {plan.describe()}")
    tiles = re.search(r"^\s*tiles:\s+(\d+)", plan.stdout, re.M)
    slabs = re.search(r"\((\d+) partial results per output tile", plan.stdout)
    util.expect(tiles and int(tiles.group(1)) >= MIN_TILES,
                f"expected a plan of at least {MIN_TILES} tiles, too short to interrupt otherwise:\n{plan.stdout}")
    total, slabs_per_tile = int(tiles.group(1)), int(slabs.group(1)) if slabs else 1

    # --progress never: the one line on stderr is the error, however long a loaded machine makes the run.
    argv = [context.tilesum, "run", context.seed_script, "--out", out, "--progress", "never"] + options
    env = dict(os.environ, TILESUM_CHECKPOINT_SECONDS="0")
    journal = out + ".tilesum-resume/journal"
    with open(context.path("stderr.txt"), "w+") as err:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            while process.poll() is None and recorded_tiles(journal, slabs_per_tile) is None:
                util.expect(time.monotonic() < deadline, f"no tile recorded in {DEADLINE_SECONDS} s")
                time.sleep(0.005)
            os.kill(process.pid, signal.SIGSTOP)
            util.expect(process.poll() is None, f"the run of {total} tiles finished before it could be interrupted")
            done = recorded_tiles(journal, slabs_per_tile)
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
    util.expect("rerun with --resume to continue" in lines[0] and ".tilesum-resume" in lines[0],
                f"the error line does not say how to resume: {lines[0]}")
    print(f"as expected: {lines[0]}")
    util.expect_no_output(out, ["E"])
    # Beside `keep`, only the hidden temporary dataset the resume continues (as after kill -9).
    util.expect(util.dataset_names(out) == [".tilesum-partial-E", "keep"],
                f"{out} holds {util.dataset_names(out)}, expected keep and the pending .tilesum-partial-E")
    util.expect(os.path.isdir(out + ".tilesum-resume"), "the interrupted run did not keep its resume journal")

    resumed = util.run_tilesum(context.tilesum, ["run", context.seed_script, "--out", out, "--resume"] + options)
    util.expect_success(resumed)
    util.expect("resumed:" in resumed.stderr, f"the rerun did not resume:\n{resumed.describe()}")
    fresh = util.write_h5(context.path("fresh.h5"))
    util.expect_success(util.run_tilesum(context.tilesum, ["run", context.seed_script, "--out", fresh] + options))
    after_resume, uninterrupted = util.read_h5(out, "E"), util.read_h5(fresh, "E")
    util.expect(np.array_equal(after_resume, uninterrupted),
                "E after Ctrl-C and --resume differs from an uninterrupted run's")
    util.expect(np.array_equal(util.read_h5(out, "keep"), np.arange(3.0)), "the existing dataset 'keep' changed")
    util.expect(not os.path.exists(out + ".tilesum-resume"), "the finished run left its resume journal behind")
    print(f"resumed to bit-identical E: {[line for line in resumed.stderr.splitlines() if 'resumed' in line][0]}")


if __name__ == "__main__":
    util.run_main(main)
