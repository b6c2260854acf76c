"""numpy conformance of tilesum: every case of conformance_cases.py run through `tilesum run` and through numpy.

For each case this writes the inputs (one HDF5 file per case, plus .npy files for the inputs a case reads that
way), runs the script under each of the case's strategies, and compares every output with what numpy gives for
the same script text (`einsum = np.einsum`, inputs bound as numpy arrays; the script is valid Python):
  - the out file holds exactly the outputs (names assigned and never read);
  - each has numpy's shape and numpy's dtype (complex as h5py's compound of r and i, which h5py reads back
    as complex);
  - values: integer results exactly; floating and complex results within a relative tolerance of the result
    dtype (1e-4 for float32/complex64, 1e-11 for float64/complex128) of the largest magnitude involved: the
    largest |expected| or the largest entry of the script evaluated on |inputs|. The expected values are numpy's
    on the inputs widened to float64/complex128, so a float64 result computed in float32 is caught;
  - cases marked multi_tile: `tilesum plan --json` under the same options reports more than one tile (else the
    case does not test tiling and is itself defective);
  - every passing run is run again from its saved plan (`tilesum plan --json` > plan.json, then `tilesum run --plan
    plan.json`), which must write the same bits (a difference is WRONG, a failure CRASH).

Each case ends in one status, the worst over its strategies:
  PASS      every strategy gave numpy's answer;
  REJECTED  tilesum refused the script or data (exit status 2): a feature not implemented yet;
  WRONG     tilesum accepted it and wrote a wrong answer (value, shape, dtype, missing or extra output): a bug;
  CRASH     any other exit status (1, a signal, a timeout): a bug;
  NOTILES   a multi_tile case planned as one tile (the case or the planner needs a look);
  DEFECT    numpy itself fails on the case: the case is wrong.
The run prints a table (id, tag, status, max error or reason), a per-tag summary and the list of wrong answers,
writes results.json into the work folder, and exits 1 unless every case passes.

  test_conformance.py --tilesum BIN --workdir DIR [--only SUBSTRING]... [--tag TAG]... [--jobs N] [--list]
"""

import argparse
import ast
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance_cases  # noqa: E402
import e2e_util as util  # noqa: E402

RANK = {"PASS": 0, "NOTILES": 1, "REJECTED": 2, "WRONG": 3, "CRASH": 4, "DEFECT": 5}
BUG_STATUSES = ("WRONG", "CRASH")
NUMPY_NAMES = {"einsum", "np", "numpy"}


# -----------------------------------------------------------------------------------------------------------------
# The oracle

def script_names(script):
    """(inputs, outputs) of a script: names read and never assigned; the outputs (in order of assignment) are the
    names assigned and never read, and the names print(...) is given (docs/script-language.md)."""
    tree = ast.parse(script)
    assigned, read, printed = [], set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            printed.update(arg.id for arg in node.args if isinstance(arg, ast.Name))
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                assigned.append(node.id)
            else:
                read.add(node.id)
    # ast.walk is breadth-first; order the assignments by position in the text.
    order = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    order.setdefault(target.id, statement.lineno)
    outputs = sorted((name for name in set(assigned) if name not in read or name in printed),
                     key=lambda name: order.get(name, 0))
    inputs = sorted(read - set(assigned) - NUMPY_NAMES - {"print"})
    return inputs, outputs


def run_numpy(case_id, script, arrays, outputs):
    # print marks outputs in a script; here it must not flood the table with arrays.
    namespace = {"einsum": np.einsum, "np": np, "numpy": np, "print": lambda *args, **kwargs: None}
    namespace.update(arrays)
    exec(compile(script, f"<{case_id}>", "exec"), namespace)
    return {name: np.asarray(namespace[name]) for name in outputs}


def widened(array):
    if array.dtype == np.float32 or array.dtype == np.float16:
        return array.astype(np.float64)
    if array.dtype == np.complex64:
        return array.astype(np.complex128)
    return array


class Expected:
    """numpy's answer for one case: per output its array (values from widened inputs, dtype from the inputs as
    they are) and the magnitude scale its tolerance is relative to."""

    def __init__(self, case):
        self.inputs, self.outputs = script_names(case.script)
        missing = [name for name in self.inputs if name not in case.inputs]
        if missing:
            raise ValueError(f"the script reads {missing}, which the case does not define")
        arrays = case.arrays()
        native = run_numpy(case.id, case.script, arrays, self.outputs)
        precise = run_numpy(case.id, case.script, {k: widened(v) for k, v in arrays.items()}, self.outputs)
        magnitude = run_numpy(case.id, case.script, {k: np.abs(v) for k, v in arrays.items()}, self.outputs)
        self.arrays = arrays
        self.dtype = {name: native[name].dtype for name in self.outputs}
        self.shape = {name: native[name].shape for name in self.outputs}
        self.value = {}
        self.scale = {}
        for name in self.outputs:
            value = precise[name] if native[name].dtype.kind in "fc" else native[name]
            self.value[name] = value
            scale = 0.0
            for candidate in (value, magnitude[name]):
                finite = np.abs(candidate.astype(np.complex128))
                finite = finite[np.isfinite(finite)]  # inf and nan (division by zero) are compared apart
                if finite.size:
                    scale = max(scale, float(np.max(finite)))
            self.scale[name] = scale


def tolerance(dtype):
    if dtype.kind in "iub":
        return 0.0
    return 1e-4 if dtype.itemsize <= (4 if dtype.kind == "f" else 8) else 1e-11


# -----------------------------------------------------------------------------------------------------------------
# Writing inputs and running tilesum

def write_inputs(case, arrays, folder):
    """Writes in.h5 (the inputs read from HDF5; None when there are none) and NAME.npy files; returns
    (h5 path or None, ['NAME=path.npy', ...])."""
    h5_names = [name for name, spec in case.inputs.items() if not spec.npy]
    h5_path = None
    if h5_names:
        h5_path = os.path.join(folder, "in.h5")
        with h5py.File(h5_path, "w") as file:
            for name in h5_names:
                # create_dataset keeps a 0-d array 0-d (a scalar dataspace) and writes empty extents as such.
                file.create_dataset(name, data=arrays[name])
    bindings = []
    for name, spec in case.inputs.items():
        if not spec.npy:
            continue
        array = arrays[name]
        if spec.big_endian:
            array = array.astype(array.dtype.newbyteorder(">"))
        if spec.fortran:
            array = np.asfortranarray(array)
        path = os.path.join(folder, f"{name}.npy")
        np.save(path, array)
        bindings.append(f"{name}={path}")
    return h5_path, bindings


def common_options(case, h5_path, bindings, strategy, threads):
    options = []
    if h5_path:
        options += ["--data", h5_path]
    for binding in bindings:
        options += ["--input", binding]
    options += ["--memory", case.memory, "--strategy", strategy, "--threads", str(threads)]
    for tile in case.tiles:
        options += ["--tile", tile]
    return options


def first_line(text, limit=150):
    lines = [line for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else "(no output on stderr)"
    line = line.replace(util.ERROR_PREFIX, "")
    line = re.sub(r"\S*/(script\.tsum:)", r"\1", line)  # the case's folder adds nothing to the reason
    return line if len(line) <= limit else line[:limit - 3] + "..."


def read_output(path, name):
    with h5py.File(path, "r") as file:
        dataset = file[name]
        if dataset.shape is None:
            return None  # a null dataspace
        return np.asarray(dataset[()])


def compare(expected, out_path):
    """(status, max relative error, reason) of one run's out file against numpy."""
    try:
        present = util.dataset_names(out_path)
    except OSError as error:
        return "WRONG", None, f"cannot open the out file: {error}"
    if present != sorted(expected.outputs):
        return "WRONG", None, f"out file holds {present}, expected {sorted(expected.outputs)}"
    worst = 0.0
    for name in expected.outputs:
        actual = read_output(out_path, name)
        if actual is None:
            return "WRONG", None, f"{name}: written with a null dataspace, expected shape {expected.shape[name]}"
        want_dtype, want_shape = expected.dtype[name], expected.shape[name]
        if actual.shape != want_shape:
            return "WRONG", None, f"{name}: shape {actual.shape}, numpy's is {want_shape}"
        if actual.dtype != want_dtype:
            return "WRONG", None, f"{name}: dtype {actual.dtype}, numpy's is {want_dtype}"
        want = expected.value[name]
        if want.size == 0:
            continue
        if want_dtype.kind in "iub":
            wrong = np.count_nonzero(actual != want)
            if wrong:
                first = np.argwhere(actual != want)[0]
                index = tuple(int(i) for i in first)
                return "WRONG", None, (f"{name}: {wrong} of {want.size} entries differ; at {index} "
                                       f"{actual[index]!r}, numpy {want[index]!r}")
            continue
        # Non-finite entries (division by zero: inf, -inf, nan) must be numpy's, entry by entry; the rest compare
        # within the tolerance.
        finite = np.isfinite(want)
        same_special = np.where(np.isnan(want), np.isnan(actual), actual == want)
        if not np.array_equal(np.isfinite(actual), finite) or not np.all(same_special[~finite]):
            index = tuple(int(i) for i in np.argwhere((np.isfinite(actual) != finite) | (~finite & ~same_special))[0])
            return "WRONG", None, (f"{name}: non-finite entries differ from numpy's; at {index} {actual[index]!r}, "
                                   f"numpy {want[index]!r}")
        difference = np.where(finite, np.abs(actual.astype(np.complex128) - want.astype(np.complex128)), 0.0)
        scale = expected.scale[name] or 1.0
        error = float(np.max(difference)) / scale
        worst = max(worst, error)
        rtol = tolerance(want_dtype)
        if error > rtol:
            index = tuple(int(i) for i in np.unravel_index(int(np.argmax(difference)), difference.shape))
            return "WRONG", error, (f"{name}: max relative error {error:.2e} > {rtol:g}; at {index} "
                                    f"{actual[index]!r}, numpy {want[index]!r}")
    return "PASS", worst, ""


def run_tilesum(context, *args, timeout_seconds=120):
    """tilesum with args, started directly: (status, stdout, stderr) as util.Result has them. Not through
    util.run_tilesum's launcher, which starts a Python interpreter per run to measure the child's peak RSS; no
    case here checks memory, and the launcher doubled the cost of each of the suite's ~850 process starts."""
    argv = [context.tilesum] + [str(arg) for arg in args]
    try:
        completed = subprocess.run(argv, cwd=context.workdir, stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        raise util.TestFailure(f"`{' '.join(argv)}` still running after {timeout_seconds} s; killed")
    return util.Result(argv, completed.returncode, completed.stdout.decode("utf-8", "replace"),
                       completed.stderr.decode("utf-8", "replace"), 0, 0.0)


def saved_plan(context, script_path, options, plan_path):
    """`tilesum plan --json` under the run's options, saved to plan_path: (document, "") or (None, reason)."""
    try:
        result = run_tilesum(context, "plan", script_path, *options, "--json")
    except util.TestFailure as failure:
        return None, str(failure)
    if result.status != 0:
        return None, f"plan exited {result.status}: {first_line(result.stderr)}"
    try:
        document = json.loads(result.stdout)
    except ValueError as error:
        return None, f"plan --json is not JSON: {error}"
    with open(plan_path, "w") as file:
        file.write(result.stdout)
    return document, ""


def plan_tiles(document):
    """The largest tile count a `tilesum plan --json` document reports for an output or a fused pass."""
    counts = [int(output.get("tiles", 1)) for output in document.get("outputs", [])]
    counts += [int(piece.get("tiles", 1)) for piece in document.get("fused_passes", []) if isinstance(piece, dict)]
    return max(counts, default=1)


def run_saved_plan(context, plan_path, options, out_path, reference_path, outputs):
    """`tilesum run --plan` of the saved plan: (status, reason); PASS when every output has the bits of the run that
    planned for itself (reference_path). The options the plan fixed (memory, strategy, tiles) are not given again."""
    fixed = {"--memory", "--strategy", "--tile"}
    kept = []
    for index in range(0, len(options), 2):
        if options[index] not in fixed:
            kept += options[index:index + 2]
    try:
        result = run_tilesum(context, "run", "--plan", plan_path, "--out", out_path, "--quiet", *kept)
    except util.TestFailure as failure:
        return "CRASH", str(failure)
    if result.status != 0:
        return "CRASH", f"run --plan exited {result.status}: {first_line(result.stderr)}"
    for name in outputs:
        saved, fresh = read_output(out_path, name), read_output(reference_path, name)
        if saved.dtype != fresh.dtype or saved.shape != fresh.shape or saved.tobytes() != fresh.tobytes():
            return "WRONG", f"{name}: run --plan wrote other bits than run"
    return "PASS", ""


def run_strategy(context, case, expected, folder, h5_path, bindings, strategy, threads):
    script_path = os.path.join(folder, "script.tsum")
    out_path = os.path.join(folder, f"out-{strategy}.h5")
    options = common_options(case, h5_path, bindings, strategy, threads)
    try:
        result = run_tilesum(context, "run", script_path, "--out", out_path, "--quiet", *options)
    except util.TestFailure as failure:
        return "CRASH", None, str(failure)
    if result.status == util.USER_ERROR_STATUS:
        return "REJECTED", None, first_line(result.stderr)
    if result.status != 0:
        return "CRASH", None, f"exit status {result.status}: {first_line(result.stderr)}"
    status, error, reason = compare(expected, out_path)
    if status != "PASS":
        return status, error, reason
    # Every passing run again from its saved plan (issue 11: `run --plan` is bit-identical to `run`).
    plan_path = os.path.join(folder, f"plan-{strategy}.json")
    document, why = saved_plan(context, script_path, options, plan_path)
    if document is None:
        return "NOTILES" if case.multi_tile else "CRASH", error, why
    if case.multi_tile and plan_tiles(document) <= 1:
        return "NOTILES", error, f"plan --json reports {plan_tiles(document)} tile under --memory {case.memory}"
    saved_status, why = run_saved_plan(context, plan_path, options, os.path.join(folder, f"out-{strategy}-plan.h5"),
                                       out_path, expected.outputs)
    return (status, error, reason) if saved_status == "PASS" else (saved_status, error, why)


class Outcome:
    def __init__(self, case):
        self.case = case
        self.runs = {}  # strategy -> (status, error, reason)
        self.seconds = 0.0

    @property
    def status(self):
        return max((run[0] for run in self.runs.values()), key=lambda s: RANK[s], default="DEFECT")

    @property
    def max_error(self):
        errors = [run[1] for run in self.runs.values() if run[1] is not None]
        return max(errors) if errors else None

    def detail(self):
        status = self.status
        if status == "PASS":
            error = self.max_error
            return f"max rel err {error:.1e}" if error is not None else "exact"
        failing = [s for s, run in self.runs.items() if run[0] == status]
        reasons = {}
        for strategy in failing:
            reasons.setdefault(self.runs[strategy][2], []).append(strategy)
        parts = []
        for reason, strategies in reasons.items():
            label = "/".join(strategies) if len(self.runs) > 1 else ""
            parts.append(f"[{label}] {reason}" if label else reason)
        others = [f"{s}:{run[0]}" for s, run in self.runs.items() if run[0] != status]
        return "; ".join(parts) + (f" (also {', '.join(others)})" if others else "")


def run_case(context, case, threads):
    outcome = Outcome(case)
    start = time.monotonic()
    folder = context.path(case.id)
    os.makedirs(folder, exist_ok=True)
    try:
        expected = Expected(case)
    except Exception as error:  # numpy (or the case's own data) fails: the case is wrong
        outcome.runs["numpy"] = ("DEFECT", None, f"numpy: {type(error).__name__}: {error}")
        return outcome
    with open(os.path.join(folder, "script.tsum"), "w") as file:
        file.write(case.script)
    h5_path, bindings = write_inputs(case, expected.arrays, folder)
    for strategy in case.strategies:
        outcome.runs[strategy] = run_strategy(context, case, expected, folder, h5_path, bindings, strategy, threads)
    outcome.seconds = time.monotonic() - start
    return outcome


# -----------------------------------------------------------------------------------------------------------------
# Reporting

def print_table(outcomes):
    width = max(len(o.case.id) for o in outcomes)
    tag_width = max(len(o.case.tag) for o in outcomes)
    print(f"{'id':<{width}}  {'tag':<{tag_width}}  {'status':<8}  max error / reason")
    for outcome in outcomes:
        print(f"{outcome.case.id:<{width}}  {outcome.case.tag:<{tag_width}}  {outcome.status:<8}  {outcome.detail()}")


def print_summary(outcomes):
    tags = []
    for outcome in outcomes:
        if outcome.case.tag not in tags:
            tags.append(outcome.case.tag)
    columns = list(RANK)
    print()
    print(f"{'tag':<18} {'cases':>5} " + " ".join(f"{c:>8}" for c in columns) + f" {'runs':>5} {'runs ok':>7}")
    totals = {c: 0 for c in columns}
    total_cases = total_runs = total_ok = 0
    for tag in tags:
        mine = [o for o in outcomes if o.case.tag == tag]
        counts = {c: sum(1 for o in mine if o.status == c) for c in columns}
        runs = sum(len(o.runs) for o in mine)
        ok = sum(1 for o in mine for run in o.runs.values() if run[0] == "PASS")
        print(f"{tag:<18} {len(mine):>5} " + " ".join(f"{counts[c]:>8}" for c in columns) + f" {runs:>5} {ok:>7}")
        for c in columns:
            totals[c] += counts[c]
        total_cases += len(mine)
        total_runs += runs
        total_ok += ok
    print(f"{'total':<18} {total_cases:>5} " + " ".join(f"{totals[c]:>8}" for c in columns)
          + f" {total_runs:>5} {total_ok:>7}")


def print_bugs(outcomes):
    bugs = [o for o in outcomes if any(run[0] in BUG_STATUSES for run in o.runs.values())]
    print()
    if not bugs:
        print("wrong answers and crashes: none")
        return
    print(f"wrong answers and crashes ({len(bugs)} cases; tilesum accepted these and did not give numpy's answer):")
    for outcome in bugs:
        case = outcome.case
        print(f"- {case.id} [{case.tag}]: {case.script.strip()!r}")
        print(f"    inputs: " + ", ".join(f"{n} {s.describe()}" for n, s in case.inputs.items())
              + f"; --memory {case.memory}" + "".join(f" --tile {t}" for t in case.tiles))
        for strategy, (status, _, reason) in outcome.runs.items():
            if status in BUG_STATUSES:
                print(f"    {strategy}: {status}: {reason}")


def write_json(outcomes, path):
    records = []
    for outcome in outcomes:
        records.append({"id": outcome.case.id, "tag": outcome.case.tag, "status": outcome.status,
                        "seconds": round(outcome.seconds, 3),
                        "runs": {s: {"status": r[0], "max_error": r[1], "reason": r[2]}
                                 for s, r in outcome.runs.items()}})
    with open(path, "w") as file:
        json.dump(records, file, indent=1)


def list_cases(cases):
    for case in cases:
        inputs = ", ".join(f"{name} {spec.describe()}" for name, spec in case.inputs.items())
        extra = (" multi-tile" if case.multi_tile else "") + "".join(f" --tile {t}" for t in case.tiles)
        print(f"{case.id}  [{case.tag}]  {'/'.join(case.strategies)}  --memory {case.memory}{extra}")
        for line in case.script.strip().splitlines():
            print(f"    {line}")
        print(f"    inputs: {inputs}")
    print(f"{len(cases)} cases, {sum(len(c.strategies) for c in cases)} runs")


# -----------------------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tilesum", help="the tilesum binary")
    parser.add_argument("--workdir", help="scratch folder, emptied first")
    parser.add_argument("--source-dir", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    parser.add_argument("--only", action="append", default=[], metavar="SUBSTRING",
                        help="run the cases whose id contains SUBSTRING (repeatable: any of them)")
    parser.add_argument("--tag", action="append", default=[], help="run the cases of this tag (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases (after --only/--tag) and exit")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="tilesum --threads (default 2)")
    args = parser.parse_args()

    cases = conformance_cases.CASES
    if args.only:
        cases = [c for c in cases if any(s in c.id for s in args.only)]
    if args.tag:
        cases = [c for c in cases if c.tag in args.tag]
    if args.list:
        list_cases(cases)
        return 0
    if not cases:
        parser.error("no case matches --only/--tag")
    if not args.tilesum or not args.workdir:
        parser.error("--tilesum and --workdir are required (except with --list)")
    if util.sanitized():
        # A sanitized Debug build starts each of the ~3,300 processes slowly: each case runs one of its strategies
        # there, in turn (case i the i-th modulo their count), so every strategy still runs on a third of the cases.
        for index, case in enumerate(cases):
            case.strategies = (case.strategies[index % len(case.strategies)],)
        print(f"sanitized build: one strategy per case, {len(cases)} runs")
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    args.case = None
    context = util.Context(args)

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda case: run_case(context, case, args.threads), cases))
    seconds = time.monotonic() - start

    print_table(outcomes)
    print_summary(outcomes)
    print_bugs(outcomes)
    write_json(outcomes, context.path("results.json"))
    passed = sum(1 for o in outcomes if o.status == "PASS")
    print(f"\n{passed} of {len(outcomes)} cases pass ({sum(len(o.runs) for o in outcomes)} runs, "
          f"{seconds:.1f} s); results in {context.path('results.json')}")
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
