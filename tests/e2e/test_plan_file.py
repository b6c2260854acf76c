"""Plans as files: `tilesum plan --json > plan.json`, then `tilesum run --plan plan.json` writes the bits a run that
plans for itself writes (also on other threads, and for complex data), a journal of one resumes the other's run,
and a plan run on data it was not made for is refused naming the input and both shapes, leaving no output.
`tilesum plan --dot` is a graph Graphviz draws."""

import json
import os
import shutil
import subprocess
import time

import numpy as np

import e2e_util as util

N, Q = 120, 90
BUDGET = "2MiB"


def same_bits(left_path, right_path, name):
    left, right = util.read_h5(left_path, name), util.read_h5(right_path, name)
    util.expect(left.dtype == right.dtype and left.shape == right.shape and left.tobytes() == right.tobytes(),
                f"{name}: {left_path} and {right_path} differ")


def save_plan(context, script, name, *options):
    result = util.expect_success(context.run("plan", script, *options, "--json"))
    document = json.loads(result.stdout)
    util.expect(document["plan"]["format"] == "tilesum-plan" and document["plan"]["version"] == 2,
                f"plan --json holds no plan document: {sorted(document)}")
    return context.write_text(name, result.stdout)


def check_seed(context):
    data = util.write_h5(context.path("in.h5"), **util.seed_inputs(N, Q, seed=11))
    plan = save_plan(context, context.seed_script, "seed.json", "--data", data, "--memory", BUDGET, "--threads", "2")
    fresh, saved = context.path("fresh.h5"), context.path("saved.h5")
    util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", fresh, "--memory", BUDGET,
                                    "--quiet"))
    for threads in ("1", "2", "3"):
        util.expect_success(context.run("run", "--plan", plan, "--data", data, "--out", saved, "--overwrite",
                                        "--threads", threads, "--quiet"))
        same_bits(fresh, saved, "E")
    print("run --plan: the same bits as run, on 1, 2 and 3 threads")
    return data, plan


def check_complex(context):
    rng = np.random.default_rng(3)
    X = (rng.standard_normal((40, 30)) + 1j * rng.standard_normal((40, 30))).astype(np.complex128)
    v = rng.standard_normal(30)
    data = util.write_h5(context.path("complex.h5"), X=X, v=v)
    script = context.write_text("complex.tsum", 'G = einsum("ij,kj->ik", X, X)\nw = einsum("ij,j->i", X, v)\n')
    plan = save_plan(context, script, "complex.json", "--data", data, "--memory", "1MiB")
    fresh, saved = context.path("complex_fresh.h5"), context.path("complex_saved.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", fresh, "--memory", "1MiB", "--quiet"))
    util.expect_success(context.run("run", "--plan", plan, "--data", data, "--out", saved, "--quiet"))
    for name in ("G", "w"):
        same_bits(fresh, saved, name)
    util.expect_close("G", util.read_h5(saved, "G"), X @ X.T, rtol=1e-12)
    print("run --plan of complex data: the same bits as run")


def check_refusals(context, data, plan):
    out = context.path("refused.h5")
    other = util.write_h5(context.path("other.h5"), **util.seed_inputs(N + 1, Q, seed=11))
    util.expect_user_error(context.run("run", "--plan", plan, "--data", other, "--out", out),
                           contains=["input 'A'", "(120, 120) float64", "(121, 121) float64", "plan again"])
    util.expect_no_output(out, ["E"])
    as_float32 = util.write_h5(context.path("f32.h5"), **util.seed_inputs(N, Q, seed=11, dtype=np.float32))
    util.expect_user_error(context.run("run", "--plan", plan, "--data", as_float32, "--out", out),
                           contains=["float64", "float32"])
    util.expect_user_error(context.run("run", "--plan", plan, "--data", data, "--out", out, "--memory", "1GiB"),
                           contains=["--memory cannot be combined with --plan"])
    util.expect_user_error(context.run("run", context.seed_script, "--plan", plan, "--data", data, "--out", out),
                           contains=["not both"])
    broken = context.write_text("broken.json", "{\"format\": \"tilesum-plan\", \"version\": 2}")
    util.expect_user_error(context.run("run", "--plan", broken, "--data", data, "--out", out),
                           contains=["plan file", "broken.json", "expression: missing"])
    util.expect_user_error(context.run("run", "--plan", context.path("absent.json"), "--data", data, "--out", out),
                           contains=["cannot read plan", "absent.json"])
    util.expect_no_output(out, ["E"])


def check_resume_across(context):
    """A run of a script killed mid-run is resumed by a run of the plan saved from it (their fingerprints agree: the
    same computation), to the bits of an uninterrupted run."""
    data = util.write_h5(context.path("big.h5"), **util.seed_inputs(400, 300, seed=12))
    options = ["--data", data, "--memory", "4MiB", "--strategy", "tile", "--threads", "1"]
    plan = save_plan(context, context.seed_script, "big.json", *options)
    reference, out = context.path("big_fresh.h5"), context.path("big_resumed.h5")
    util.expect_success(context.run("run", context.seed_script, *options, "--out", reference, "--quiet"))
    journal = out + ".tilesum-resume/journal"
    for attempt in range(5):
        env = dict(os.environ, TILESUM_CHECKPOINT_SECONDS="0")
        process = subprocess.Popen([context.tilesum, "run", context.seed_script, *options, "--out", out, "--quiet"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env=env)
        # Killed once the journal was rewritten after its first version: at least one tile is recorded.
        versions, seen = 0, None
        while process.poll() is None and versions < 2:
            try:
                status = os.stat(journal)
                now = (status.st_ino, status.st_mtime_ns)
            except FileNotFoundError:
                now = None
            if now is not None and now != seen:
                seen, versions = now, versions + 1
            time.sleep(0.0005)
        if process.poll() is None:
            process.kill()
            process.wait()
            break
        os.remove(out)  # finished before the kill: try again
    else:
        raise util.TestFailure("the run kept finishing before it could be killed")
    util.expect(os.path.exists(journal), "the killed run left no journal")
    result = util.expect_success(context.run("run", "--plan", plan, "--data", data, "--out", out, "--resume"))
    util.expect("resumed:" in result.stderr, "run --plan --resume did not resume the script's run:\n" +
                result.describe())
    same_bits(reference, out, "E")
    print("a killed run of the script resumed by run --plan: " + result.stderr.splitlines()[-2 if len(
        result.stderr.splitlines()) > 1 else -1])


def check_dot(context, data):
    result = util.expect_success(context.run("plan", context.seed_script, "--data", data, "--memory", BUDGET, "--dot"))
    graph = result.stdout
    util.expect(graph.startswith("digraph plan {") and graph.rstrip().endswith("}"), "plan --dot: not a digraph")
    for text in ('"input A"', '"output E"', "cluster_pass", "tile(s)"):
        util.expect(text in graph, f"plan --dot lacks {text!r}:\n{graph}")
    dot = shutil.which("dot")
    util.expect(dot is not None, "Graphviz's dot is not installed (make deps installs graphviz)")
    svg = subprocess.run([dot, "-Tsvg"], input=graph.encode(), capture_output=True)
    util.expect(svg.returncode == 0 and b"<svg" in svg.stdout, f"dot -Tsvg failed: {svg.stderr.decode()}")
    print(f"plan --dot: {graph.count('->')} edges, drawn by dot as {len(svg.stdout)} bytes of SVG")


def main(context):
    data, plan = check_seed(context)
    check_complex(context)
    check_refusals(context, data, plan)
    check_resume_across(context)
    check_dot(context, data)


if __name__ == "__main__":
    util.run_main(main)
