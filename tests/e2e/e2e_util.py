"""Shared helpers of the end-to-end tests: run the tilesum CLI, check its exit status and stderr, measure the
child's peak RSS, write HDF5 inputs, and compute expected results with numpy.

Every test script takes --tilesum (the binary), --workdir (its scratch folder under the build tree, emptied at
start) and --source-dir (the repository root), plus --case where one script holds several CTest cases.
A failed expectation raises TestFailure; run_main() prints it and exits 1.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

# Every tilesum these tests start (run_tilesum, or their own subprocesses, which inherit the environment) plans
# with the built-in machine profile: a profile calibrated into the user's home (~/.config/tilesum/machine.json)
# must not change the plans the tests check. `defaults` is the word tilesum reads as "no file, the defaults";
# a test of profiles themselves passes --profile, which wins over the variable.
os.environ["TILESUM_PROFILE"] = "defaults"

USER_ERROR_STATUS = 2
ERROR_PREFIX = "tilesum: error: "
MIB = 1 << 20


class TestFailure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise TestFailure(message)


# ---------------------------------------------------------------------------------------------------------------
# Command line of the test scripts

class Context:
    """What every test gets: the binary, a fresh work folder and the repository root."""

    def __init__(self, args):
        self.tilesum = os.path.abspath(args.tilesum)
        self.workdir = os.path.abspath(args.workdir)
        self.source_dir = os.path.abspath(args.source_dir)
        self.case = args.case
        self.seed_script = os.path.join(self.source_dir, "data", "seed.tsum")

    def path(self, name):
        return os.path.join(self.workdir, name)

    def write_text(self, name, text):
        path = self.path(name)
        with open(path, "w") as file:
            file.write(text)
        return path

    def run(self, *args, **kwargs):
        return run_tilesum(self.tilesum, list(args), cwd=self.workdir, **kwargs)


def parse_args(cases=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--tilesum", required=True, help="the tilesum binary")
    parser.add_argument("--workdir", required=True, help="scratch folder, emptied first")
    parser.add_argument("--source-dir", default=os.path.join(os.path.dirname(__file__), "..", ".."),
                        help="repository root (for data/seed.tsum and tools/data)")
    parser.add_argument("--case", choices=sorted(cases) if cases else None, default=None)
    args = parser.parse_args()
    if cases and args.case is None:
        parser.error("--case is required: " + ", ".join(sorted(cases)))
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    context = Context(args)
    sys.path.insert(0, os.path.join(context.source_dir, "tools", "data"))
    return context


def run_main(body, cases=None):
    """Parse the arguments, run body(context) (or cases[context.case](context)), exit 0 or 1."""
    context = parse_args(cases)
    try:
        (cases[context.case] if cases else body)(context)
    except TestFailure as failure:
        print(f"FAILED{' [' + context.case + ']' if context.case else ''}: {failure}", file=sys.stderr)
        sys.exit(1)
    print("passed")
    sys.exit(0)


# ---------------------------------------------------------------------------------------------------------------
# Running the CLI

class Result:
    def __init__(self, argv, status, stdout, stderr, peak_rss_kib, seconds):
        self.argv = argv
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.peak_rss_kib = peak_rss_kib
        self.seconds = seconds

    def describe(self):
        return (f"`{' '.join(self.argv)}` exited {self.status} after {self.seconds:.2f} s\n"
                f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}--------------")


def run_tilesum(tilesum, args, cwd=None, timeout_seconds=900):
    """Run tilesum with args; capture exit status, stdout, stderr and the child's peak RSS (KiB, from wait4).

    Output goes to files, not pipes, so waiting with os.wait4 cannot deadlock on a full pipe; stdin is empty and
    stderr is not a terminal, so tilesum must not draw a progress line.
    """
    argv = [tilesum] + [str(arg) for arg in args]
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file, \
            tempfile.NamedTemporaryFile() as rss_file:
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, rss_file.name] + argv, cwd=cwd,
                                   stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file)
        deadline = start + timeout_seconds
        while True:
            pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid == process.pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                raise TestFailure(f"`{' '.join(argv)}` still running after {timeout_seconds} s; killed")
            time.sleep(0.01)
        seconds = time.monotonic() - start
        status = os.waitstatus_to_exitcode(wait_status)
        process.returncode = status  # reaped here; keeps Popen from waiting again
        out_file.seek(0)
        err_file.seek(0)
        stdout = out_file.read().decode("utf-8", "replace")
        stderr = err_file.read().decode("utf-8", "replace")
        rss_text = open(rss_file.name).read().strip()
    return Result(argv, status, stdout, stderr, int(rss_text) if rss_text else usage.ru_maxrss, seconds)


# Linux carries a process's peak RSS across exec (exec_mmap keeps the old mm's high-water mark), and a forked child
# starts with its parent's resident pages: tilesum started straight from this test process would report this
# process's peak (numpy arrays of test data included) as its own. A small launcher forks tilesum from a fresh
# interpreter of a few MiB, reports the child's own peak (wait4) into a file, and exits as the child did.
_LAUNCHER = """
import os, signal, sys
rss_path, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(rss_path, "w") as rss_file:
    rss_file.write(str(usage.ru_maxrss))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
"""


def sanitized():
    """Whether the tilesum under test is built with sanitizers (make test-asan, a Debug build: TILESUM_SANITIZED=1).
    Tests that run it hundreds of times run fewer cases there; the release suite in the same CI run runs them all."""
    return os.environ.get("TILESUM_SANITIZED") == "1"


# The fixed overhead above --memory that tilesum states (README, "Memory"): libraries, HDF5 and BLAS state.
RSS_OVERHEAD_MIB = 32


def expect_peak_rss_within(result, budget_mib):
    """The memory contract: the child's peak RSS stays under the budget plus the stated fixed overhead.
    Not asserted under ASan/UBSan (TILESUM_SANITIZED=1): the sanitizer's shadow memory and quarantine are not
    tilesum's, and the number is then printed only."""
    bound_kib = (budget_mib + RSS_OVERHEAD_MIB) * 1024
    print(f"peak RSS {result.peak_rss_kib} KiB ({result.peak_rss_kib / 1024:.1f} MiB); bound {budget_mib} MiB "
          f"budget + {RSS_OVERHEAD_MIB} MiB overhead = {bound_kib} KiB")
    if sanitized():
        print("peak RSS not checked: this tilesum is built with sanitizers")
        return
    expect(result.peak_rss_kib <= bound_kib, f"peak RSS {result.peak_rss_kib} KiB above the bound {bound_kib} KiB")


def expect_success(result):
    expect(result.status == 0, "expected exit status 0\n" + result.describe())
    return result


def expect_user_error(result, *, contains=(), patterns=()):
    """Exit status 2 and exactly one stderr line `tilesum: error: ...` holding every string in contains
    (case-sensitive) and matching every regex in patterns. Returns that line."""
    expect(result.status == USER_ERROR_STATUS,
           f"expected exit status {USER_ERROR_STATUS}\n" + result.describe())
    lines = result.stderr.splitlines()
    expect(len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}\n" + result.describe())
    line = lines[0]
    expect(line.startswith(ERROR_PREFIX), f"stderr does not start with {ERROR_PREFIX!r}\n" + result.describe())
    for text in contains:
        expect(text in line, f"error message lacks {text!r}: {line}")
    for pattern in patterns:
        expect(re.search(pattern, line), f"error message does not match /{pattern}/: {line}")
    print(f"as expected: {line}")
    return line


class Environment:
    """Sets (or, for None, removes) environment variables for the tilesum runs inside the with block."""

    def __init__(self, **values):
        self.values = values
        self.saved = {}

    def __enter__(self):
        for name, value in self.values.items():
            self.saved[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# ---------------------------------------------------------------------------------------------------------------
# HDF5 files

def write_h5(path, **arrays):
    """Write each array to dataset /NAME of a new file (C order, contiguous)."""
    with h5py.File(path, "w") as file:
        for name, array in arrays.items():
            file.create_dataset(name, data=np.ascontiguousarray(array))
    return path


def read_h5(path, name):
    with h5py.File(path, "r") as file:
        expect(name in file, f"{path} has no dataset /{name} (it has {sorted(file.keys())})")
        return file[name][...]


def dataset_names(path):
    with h5py.File(path, "r") as file:
        return sorted(file.keys())


def expect_no_output(path, names):
    """A failed run leaves no output dataset behind: the file is absent, or h5py shows none of names in it."""
    if not os.path.exists(path):
        return
    try:
        present = dataset_names(path)
    except OSError as error:
        raise TestFailure(f"a failed run left {path} that h5py cannot open: {error}")
    left = [name for name in names if name in present]
    expect(not left, f"a failed run left output dataset(s) {left} in {path}")


# ---------------------------------------------------------------------------------------------------------------
# Inputs and oracles

def random_inputs(seed, dtype=np.float64, **shapes):
    """Standard normal arrays of the given shapes, drawn in argument order from default_rng(seed)."""
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape).astype(dtype) for name, shape in shapes.items()}


def seed_inputs(n, q, seed=0, dtype=np.float64):
    """Inputs of data/seed.tsum: A (n,n), B (q,), Y2 (n,), Z2 (q,n)."""
    return random_inputs(seed, dtype, A=(n, n), B=(q,), Y2=(n,), Z2=(q, n))


def seed_oracle_einsum(A, B, Y2, Z2):
    """data/seed.tsum evaluated literally by numpy in float64, materializing the (q,n,n) tensors (small n only)."""
    A, B, Y2, Z2 = (np.asarray(x, dtype=np.float64) for x in (A, B, Y2, Z2))
    C = np.einsum("i,jk->ijk", B, A)
    C2 = np.einsum("j,ik->ijk", Y2, Z2)
    return np.einsum("ijk,ikj->k", C + C2, C + C2)


def seed_oracle_four_term(A, B, Y2, Z2):
    """data/seed.tsum by the four-term formula of tools/data/check_seed.py, O(n^2 + qn)."""
    import check_seed  # tools/data is on sys.path (parse_args)
    return check_seed.four_term(A, B, Y2, Z2)


def max_relative_error(actual, expected):
    """max |actual - expected| / max |expected|, in float64."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    expect(actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}")
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    error = float(np.max(np.abs(actual - expected))) if expected.size else 0.0
    return error / scale if scale > 0 else error


def expect_close(name, actual, expected, rtol, dtype=None):
    """actual matches expected within rtol (relative to max |expected|), with the given dtype if any."""
    if dtype is not None:
        expect(actual.dtype == np.dtype(dtype), f"{name} has dtype {actual.dtype}, expected {np.dtype(dtype)}")
    error = max_relative_error(actual, expected)
    print(f"{name}: shape {actual.shape} {actual.dtype}, max relative error {error:.3e} (rtol {rtol:g})")
    expect(error <= rtol, f"{name}: max relative error {error:.3e} above {rtol:g}")


# ---------------------------------------------------------------------------------------------------------------
# Sizes as tilesum prints them

_SIZE_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1 << 10,
               "m": 1 << 20, "mib": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gib": 1 << 30, "gb": 1 << 30}
SIZE_PATTERN = re.compile(r"(?<![\w.])(\d+(?:\.(\d+))?)\s*(bytes|byte|KiB|MiB|GiB|KB|MB|GB|K|M|G|B)?(?![\w.])",
                          re.IGNORECASE)


def sizes_in(text, with_unit_only=False):
    """Every size in text, as an upper bound in bytes of what was printed: '12.3 KiB' -> (12.3 + 0.1) KiB,
    since the printed figure may have been rounded. Bare numbers count as bytes unless with_unit_only."""
    sizes = []
    for match in SIZE_PATTERN.finditer(text):
        number, decimals, unit = match.group(1), match.group(2), (match.group(3) or "").lower()
        if with_unit_only and not unit:
            continue
        last_digit = 10.0 ** -len(decimals) if decimals else 0.0
        sizes.append(int(np.ceil((float(number) + last_digit) * _SIZE_UNITS[unit])))
    return sizes


def suggested_budget(message):
    """The budget an error message suggests: the largest `--memory SIZE` in it if any, else its largest size
    with a unit (`40 KiB`, `40960 bytes`); 0 if none."""
    suggestions = re.findall(r"--memory[ =]+(\S+)", message)
    if suggestions:
        return max((max(sizes_in(text), default=0) for text in suggestions), default=0)
    return max(sizes_in(message, with_unit_only=True), default=0)
