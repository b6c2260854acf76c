"""Resumable runs: a run killed with SIGKILL at random moments and continued with --resume, as often as it takes,
ends with outputs bit-identical to an uninterrupted run, and a killed run never shows h5py a dataset under its
final name. Covered: an output cut into many tiles, an output summed in slabs (partial sums resumed), and the seed
script (shared pieces and fused passes, resumed from their checkpoints), and an intermediate spilled to scratch. --resume refuses another script, plan or
input with one line saying which; without --resume a killed run's leftovers are discarded.

Kills land anywhere, so every run records after each tile (TILESUM_CHECKPOINT_SECONDS=0) to make the states a kill
can leave as many as the tiles; the overhead of recording is measured and printed, not asserted."""

import os
import random
import re
import shutil
import subprocess
import time

import h5py
import numpy as np

import e2e_util as util

KILLS_PER_CASE = 3 if util.sanitized() else 7  # 28 kill/resume runs in all (12 in a sanitized build)
UNFINISHED_ATTEMPTS = 10  # runs started to leave one unfinished (check_refusals): all but the first only under load
AO_TO_MO = """\
T1 = np.einsum('pqrs,pi->iqrs', I, Cm)
T2 = np.einsum('iqrs,qj->ijrs', T1, Cm)
T3 = np.einsum('ijrs,rk->ijks', T2, Cm)
M = np.einsum('ijks,sl->ijkl', T3, Cm)
"""
RESUMED_PATTERN = re.compile(r"resumed: (\d+) of (\d+) tiles were done")


class Case:
    def __init__(self, name, script, inputs, args, outputs):
        self.name, self.script, self.inputs, self.args, self.outputs = name, script, inputs, args, outputs


def make_cases(context):
    rng_inputs = util.random_inputs(11, A=(64, 48), B=(48, 40))
    tiles = Case("tiles", context.write_text("tiles.tsum", "E = einsum('ij,jk->ik', A, B)\nG = 2 * A\n"),
                 util.write_h5(context.path("tiles_in.h5"), **rng_inputs), ["--tile", "i=2"], ["E", "G"])
    slabs = Case("slabs", context.write_text("slabs.tsum", "F = einsum('ij,jk->ik', A, B)\n"),
                  util.write_h5(context.path("slabs_in.h5"), **rng_inputs), ["--tile", "i=8", "--tile", "j=6"], ["F"])
    seed = Case("seed", context.seed_script, util.write_h5(context.path("seed_in.h5"), **util.seed_inputs(*(2 * [200 if util.sanitized() else 400]), seed=5)),
                ["--tile", "k=8"], ["E"])
    # The AO->MO quarter transforms at N = 32 under 1 MiB spill T1 to scratch (plan/spill.hpp): kills land while the
    # scratch is written or while M reads it back, and --resume continues either from the kept scratch file.
    ao_inputs = util.random_inputs(13, I=(32, 32, 32, 32), Cm=(32, 32))
    spill = Case("spill", context.write_text("spill.tsum", AO_TO_MO), util.write_h5(context.path("ao_in.h5"), **ao_inputs),
                 [], ["M"])
    return [tiles, slabs, seed, spill]


def argv(context, case, out, *extra):
    return [context.tilesum, "run", case.script, "--data", case.inputs, "--out", out, "--memory", "1MiB",
            "--threads", "2"] + case.args + list(extra)


def run(context, command, checkpoint_seconds="0"):
    env = dict(os.environ, TILESUM_CHECKPOINT_SECONDS=checkpoint_seconds)
    start = time.monotonic()
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
    return result, time.monotonic() - start


def read_outputs(path, names):
    with h5py.File(path, "r") as file:
        return {name: file[name][...] for name in names}


def expect_bit_identical(actual, expected, what):
    for name, array in expected.items():
        util.expect(actual[name].dtype == array.dtype and actual[name].shape == array.shape,
                    f"{what}: {name} is {actual[name].dtype} {actual[name].shape}, expected {array.dtype} {array.shape}")
        util.expect(actual[name].tobytes() == array.tobytes(), f"{what}: {name} differs from the uninterrupted run")


def expect_nothing_final(path, names, reference=None):
    """After a kill, h5py opens the output file, and what it sees under a final name is the finished result (a kill
    during the final renames); returns whether it saw any."""
    if not os.path.exists(path):
        return False
    with h5py.File(path, "r") as file:
        final = {name: file[name][...] for name in names if name in file}
    util.expect(not final or reference is not None, f"a killed run left {sorted(final)} under the final name in {path}")
    if final:
        expect_bit_identical(final, {name: reference[name] for name in final}, "a dataset under its final name")
    return bool(final)


def remove_output(out):
    if os.path.exists(out):
        os.remove(out)
    shutil.rmtree(out + ".tilesum-resume", ignore_errors=True)


def wait_for_records(process, journal, records):
    """Returns once the journal was rewritten `records` times (each record renames a new file over it), or the
    process ended."""
    def state():
        try:
            status = os.stat(journal)
            return status.st_ino, status.st_mtime_ns
        except FileNotFoundError:
            return None
    seen, changes = state(), 0
    while changes < records and process.poll() is None:
        now = state()
        if now != seen:
            seen, changes = now, changes + 1
        time.sleep(0.0005)


def kill_and_resume(context, case, rng, reference):
    """Kill runs of `case` at random moments until KILLS_PER_CASE kills landed mid-run, resuming each time; then
    resume to the end and compare. Returns the tiles the resumed runs skipped."""
    out = context.path(f"{case.name}_out.h5")
    remove_output(out)
    kills, attempts, skipped = 0, 0, []
    resume = []
    while kills < KILLS_PER_CASE:
        attempts += 1
        util.expect(attempts < 6 * KILLS_PER_CASE, f"{case.name}: runs keep finishing before the kill")
        # A random moment: after 0-4 more records of the journal, then up to a few tiles' time more.
        records, delay = rng.randint(0, 4), rng.uniform(0.0, 0.03)
        env = dict(os.environ, TILESUM_CHECKPOINT_SECONDS="0")
        process = subprocess.Popen(argv(context, case, out, *resume), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        wait_for_records(process, out + ".tilesum-resume/journal", records)
        time.sleep(delay)
        if process.poll() is None:
            process.kill()
            process.communicate()
            kills += 1
            print(f"{case.name}: killed {delay:.3f} s after {records} more record(s)")
            if expect_nothing_final(out, case.outputs, reference):
                print(f"{case.name}: killed while committing finished outputs; starting over")
                remove_output(out)
                resume = []
                continue
            resume = ["--resume"]
            continue
        stderr = process.communicate()[1].decode()
        util.expect(process.returncode == 0, f"{case.name}: run failed with {process.returncode}: {stderr}")
        print(f"{case.name}: finished before the kill at {delay:.3f} s; starting over")
        expect_bit_identical(read_outputs(out, case.outputs), reference, f"{case.name} (not killed)")
        remove_output(out)
        resume = []
    result, _ = run(context, argv(context, case, out, "--resume"))
    util.expect(result.returncode == 0, f"{case.name}: the final --resume failed: {result.stderr}")
    match = RESUMED_PATTERN.search(result.stderr)
    if match:
        skipped.append(int(match.group(1)))
    expect_bit_identical(read_outputs(out, case.outputs), reference, f"{case.name} after {kills} kills")
    util.expect(not os.path.exists(out + ".tilesum-resume"), f"{case.name}: the journal outlived the finished run")
    with h5py.File(out, "r") as file:
        util.expect(sorted(file.keys()) == sorted(case.outputs), f"{case.name}: {out} holds {sorted(file.keys())}")
    print(f"{case.name}: {kills} kills, resumed to bit-identical outputs {case.outputs}")
    return kills


def resumed_tiles(stderr):
    match = RESUMED_PATTERN.search(stderr)
    return (int(match.group(1)), int(match.group(2))) if match else (0, None)


def kill_at_first_recorded_tile(process, out):
    """SIGKILL `process` once its journal records a first output tile; returns whether it was still running then."""
    journal = out + ".tilesum-resume/journal"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if os.path.exists(journal) and re.search(r"^output [1-9]", open(journal).read(), re.M):
            break
        time.sleep(0.002)
    running = process.poll() is None
    process.kill()
    process.wait()
    return running


def leave_unfinished_run(context, case, out, reference):
    """Leaves an unfinished run of `case` in `out` the way kill -9 would, after some tiles: killed once its journal
    records a first output tile. A loaded machine may let a run finish, or reach its final renames, before the kill
    lands (kill_at_first_recorded_tile returns False, or a finished dataset is under its final name): that run is
    not unfinished, so it is checked, removed and another one started, up to UNFINISHED_ATTEMPTS runs."""
    env = dict(os.environ, TILESUM_CHECKPOINT_SECONDS="0")
    for attempt in range(1, UNFINISHED_ATTEMPTS + 1):
        remove_output(out)
        process = subprocess.Popen(argv(context, case, out), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env)
        killed_running = kill_at_first_recorded_tile(process, out)
        committed = expect_nothing_final(out, case.outputs, reference)
        if killed_running and not committed:
            return
        if not killed_running:
            util.expect(process.returncode == 0, f"the run to kill failed with status {process.returncode}")
            expect_bit_identical(read_outputs(out, case.outputs), reference, "a run that finished before the kill")
        print(f"refusals: run {attempt} {'committed its outputs' if killed_running else 'finished'} before the kill; "
              f"starting over")
    util.expect(False, f"{UNFINISHED_ATTEMPTS} runs all finished before they could be killed")


def check_refusals(context, case, reference):
    """--resume with another script, plan or input: exit 2, one line naming the difference; the unfinished run
    stays resumable, and a run without --resume discards it and starts over."""
    out = context.path("refusals_out.h5")
    leave_unfinished_run(context, case, out, reference)

    other_script = context.write_text("other.tsum", "E = einsum('ij,jk->ik', A, B)\nG = 3 * A\n")
    result = util.run_tilesum(context.tilesum, ["run", other_script, "--data", case.inputs, "--out", out,
                                                "--memory", "1MiB", "--resume"] + case.args)
    # The plan holds the script's expression (issue 11: a run of a saved plan resumes the script's run and back).
    util.expect_user_error(result, contains=["--resume: the plan (its expression", "without --resume"])
    result = util.run_tilesum(context.tilesum, ["run", case.script, "--data", case.inputs, "--out", out, "--memory",
                                                "1MiB", "--tile", "i=4", "--resume"])
    util.expect_user_error(result, contains=["--resume: the plan", "differs"])
    stat = os.stat(case.inputs)
    os.utime(case.inputs, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    result = util.run_tilesum(context.tilesum, argv(context, case, out, "--resume")[1:])
    util.expect_user_error(result, contains=["--resume: input 'A' differs", "tiles_in.h5"])
    os.utime(case.inputs, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    expect_nothing_final(out, case.outputs)

    # The refusals left the unfinished run as it was: it resumes, skipping what it recorded.
    result, _ = run(context, argv(context, case, out, "--resume"))
    util.expect(result.returncode == 0, f"--resume after refusals failed: {result.stderr}")
    done, total = resumed_tiles(result.stderr)
    util.expect(done > 0, f"the resumed run redid everything: {result.stderr}")
    print(f"resume after refusals skipped {done} of {total} tiles")
    return read_outputs(out, case.outputs)


def check_fresh_run_discards(context, case, reference):
    """Without --resume, the leftovers of a killed run go: same bits, no journal left, no stale temporaries."""
    out = context.path("discard_out.h5")
    remove_output(out)
    env = dict(os.environ, TILESUM_CHECKPOINT_SECONDS="0")
    process = subprocess.Popen(argv(context, case, out), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    # Killed once a first output tile is recorded, as in check_refusals. A loaded machine may still let the run reach
    # its final renames (or finish) first; what it committed is then a finished dataset, which a run without
    # --resume replaces only with --overwrite, as for any existing output.
    kill_at_first_recorded_tile(process, out)
    committed = expect_nothing_final(out, case.outputs, reference)
    result, _ = run(context, argv(context, case, out, *(["--overwrite"] if committed else [])))
    util.expect(result.returncode == 0, f"a run after a kill failed: {result.stderr}")
    util.expect(not RESUMED_PATTERN.search(result.stderr), "a run without --resume resumed")
    expect_bit_identical(read_outputs(out, case.outputs), reference, "fresh run after a kill")
    util.expect(not os.path.exists(out + ".tilesum-resume"), "the journal outlived the finished run")
    with h5py.File(out, "r") as file:
        util.expect(sorted(file.keys()) == sorted(case.outputs), f"stale temporaries left: {sorted(file.keys())}")
    # --resume with nothing to resume runs from the start and says so.
    remove_output(out)
    result, _ = run(context, argv(context, case, out, "--resume"))
    util.expect(result.returncode == 0 and "nothing to resume" in result.stderr,
                f"--resume with nothing to resume: {result.stderr}")
    expect_bit_identical(read_outputs(out, case.outputs), reference, "--resume with nothing to resume")


def main(context):
    rng = random.Random(20240601)
    kills = 0
    for case in make_cases(context):
        reference_out = context.path(f"{case.name}_reference.h5")
        result, seconds = run(context, argv(context, case, reference_out), checkpoint_seconds="1e9")
        util.expect(result.returncode == 0, f"{case.name}: reference run failed: {result.stderr}")
        reference = read_outputs(reference_out, case.outputs)
        timing_out = context.path(f"{case.name}_timing.h5")
        result, every_tile_seconds = run(context, argv(context, case, timing_out))
        util.expect(result.returncode == 0, f"{case.name}: run failed: {result.stderr}")
        expect_bit_identical(read_outputs(timing_out, case.outputs), reference, f"{case.name} recording every tile")
        remove_output(timing_out)
        result, default_seconds = run(context, argv(context, case, timing_out), checkpoint_seconds="1")
        print(f"{case.name}: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ''}")
        print(f"{case.name}: {seconds:.3f} s recording only at the end of steps, {default_seconds:.3f} s recording "
              f"each second (the default), {every_tile_seconds:.3f} s recording after every tile")
        kills += kill_and_resume(context, case, rng, reference)
    util.expect(kills >= 4 * KILLS_PER_CASE, f"only {kills} kills")
    print(f"{kills} kill/resume runs, all outputs bit-identical")
    tiles = make_cases(context)[0]
    reference = read_outputs(context.path("tiles_reference.h5"), tiles.outputs)
    expect_bit_identical(check_refusals(context, tiles, reference), reference, "resumed after refusals")
    check_fresh_run_discards(context, tiles, reference)


if __name__ == "__main__":
    util.run_main(main)
