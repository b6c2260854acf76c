"""The bad-input catalogue: everything a user may type or feed in that tilesum must refuse cleanly, plus the input
safety guarantees (inputs are opened read-only; an output never replaces an input dataset; --out may be an input
file for new datasets only).

Each refused case runs in a folder of its own and must:
  - exit with the expected status (2 for a mistake the user can fix, 1 for an I/O failure),
  - print exactly one stderr line, `tilesum: error: ...`, holding the culprit (script line:col, option, file,
    dataset, label or shapes) and of readable length (a 10 MB script line is not echoed back),
  - leave nothing behind: every file of the folder, inputs and a pre-existing output alike, byte-identical to
    before, and no new file (so no output file created, and no temporary dataset in an existing one).
The success cases (NaN and Inf as data, writing into the input file, read-only inputs) check the results against
numpy and the inputs' bytes (checksums, and the file offset of each input's raw data, which must not move).
One CTest test; it prints the table of cases. The cases of test_errors.py are not repeated here."""

import hashlib
import os
import shutil
import stat

import h5py
import numpy as np

import e2e_util as util

SCRIPT = 'E = einsum("ij,jk->ik", A, B)\n'
MAX_MESSAGE_CHARS = 1000
NOBODY = 65534  # uid and gid of the unprivileged user the permission cases run as when the tests run as root


def default_arrays():
    rng = np.random.default_rng(2024)
    return {"A": rng.standard_normal((4, 3)), "B": rng.standard_normal((3, 5))}


class CaseDir:
    """The folder of one case and helpers to fill it; every path handed to tilesum is relative to it."""

    def __init__(self, context, name):
        self.context = context
        self.root = context.path(name)
        os.makedirs(self.root)

    def path(self, name):
        return os.path.join(self.root, name)

    def text(self, name, content):
        with open(self.path(name), "w" if isinstance(content, str) else "wb") as file:
            file.write(content)
        return name

    def script(self, content=SCRIPT, name="script.tsum"):
        return self.text(name, content)

    def h5(self, name="in.h5", **arrays):
        util.write_h5(self.path(name), **(arrays or default_arrays()))
        return name

    def npy(self, name, array):
        np.save(self.path(name), array)
        return name

    def run_args(self, *extra, script=None, data=None, out="out.h5"):
        """`run SCRIPT --data DATA --out OUT EXTRA...`, with the default script and in.h5 unless given."""
        script = script or self.script()
        data = data or self.h5()
        return ["run", script, "--data", data, "--out", out, *extra]


def file_digests(root):
    """{relative path: sha256} of every file under root."""
    digests = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as file:
                digests[os.path.relpath(path, root)] = hashlib.sha256(file.read()).hexdigest()
    return digests


def dataset_digests(path, names):
    """{name: (sha256 of its bytes as stored, file offset of its raw data)}: equal digests mean equal data, equal
    offsets that HDF5 did not move it (the direct pread path reads by offset)."""
    with h5py.File(path, "r") as file:
        return {name: (hashlib.sha256(file[name][...].tobytes()).hexdigest(), file[name].id.get_offset())
                for name in names}


def all_names(path):
    """Every link in the file, recursively (temporaries start with .tilesum-partial-)."""
    names = []
    with h5py.File(path, "r") as file:
        file.visit(names.append)
    return sorted(names)


def run_unprivileged(context, argv, folder):
    """Run tilesum in folder as a user the mode bits apply to. Root reads and writes whatever they say (CI runs as
    root), so as root tilesum runs as uid 65534 through setpriv, in a folder it may write. Returns (result, None),
    or (None, why not) when that is impossible here; the table then says the case did not run, and why."""
    if os.geteuid() != 0:
        return util.run_tilesum(context.tilesum, argv, cwd=folder), None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None, "running as root, where chmod does not stop reads, and setpriv is missing"
    for path in (os.path.dirname(folder), os.path.dirname(context.tilesum)):
        while path != os.path.dirname(path):
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return None, f"running as root, where chmod does not stop reads, and uid {NOBODY} cannot enter {path}"
            path = os.path.dirname(path)
    os.chmod(folder, 0o777)
    prefix = [f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", context.tilesum]
    return util.run_tilesum(setpriv, prefix + list(argv), cwd=folder), None


# ---------------------------------------------------------------------------------------------------------------
# The refused cases: name, expected status, substrings the error line must hold, and setup(case_dir) -> argv.

class Refused:
    def __init__(self, name, status, culprit, setup, unprivileged=False):
        self.name = name
        self.status = status
        self.culprit = [culprit] if isinstance(culprit, str) else list(culprit)
        self.setup = setup
        self.unprivileged = unprivileged  # run as a user that mode bits apply to


def nested_parentheses(depth):
    return "E = " + "(" * depth + "A" + ")" * depth + "\n"


def binary_garbage():
    return np.random.default_rng(7).integers(0, 256, size=4096, dtype=np.uint8).tobytes()


TEN_MB = 10 * 1024 * 1024
LONG_LINE_PREFIX = 'E = einsum("ij,jk->ik", A, B) + '


def long_line_then_garbage():
    """A 10 MB single line: blanks, then a '$' where an operand should be."""
    return LONG_LINE_PREFIX + " " * (TEN_MB - len(LONG_LINE_PREFIX) - 2) + "$\n"


def h5_with(d, name="in.h5", **extra):
    """in.h5 with the default A and B, then each extra item: an array, or a callable(file) that adds objects."""
    with h5py.File(d.path(name), "w") as file:
        for key, array in default_arrays().items():
            if key not in extra:
                file.create_dataset(key, data=array)
        for key, value in extra.items():
            if callable(value):
                value(file)
            elif value is not None:
                file.create_dataset(key, data=value)
    return name


def truncated_copy(d, source, name, keep_bytes):
    with open(d.path(source), "rb") as file:
        content = file.read()
    return d.text(name, content[:keep_bytes])


def refused_cases():
    npy_a = lambda d: d.npy("A.npy", default_arrays()["A"])  # noqa: E731
    return [
        # --- the script ---
        Refused("unbalanced '(' never closed", 2, "script.tsum:1:11",
                lambda d: d.run_args(script=d.script('E = einsum("ij,jk->ik", A, B\n'))),
        Refused("unbalanced ')' extra", 2, "script.tsum:1:12",
                lambda d: d.run_args(script=d.script("E = (A + A))\nF = B\n"))),
        Refused("unknown function", 2, ["script.tsum:1:5", "frobnicate"],
                lambda d: d.run_args(script=d.script("E = frobnicate(A, B)\n"))),
        Refused("numpy function tilesum lacks", 2, ["script.tsum:2:5", "np.cross", "np.matmul"],
                lambda d: d.run_args(script=d.script("# np.cross is not an einsum\nE = np.cross(A, B)\n"))),
        # --- numpy spellings tilesum refuses, each naming what to write instead ---
        Refused("import of another module", 2, ["script.tsum:1:1", "import numpy as np"],
                lambda d: d.run_args(script=d.script("import scipy.linalg\nE = A @ B\n"))),
        Refused("print of an expression", 2, ["script.tsum:2:7", "print(R)"],
                lambda d: d.run_args(script=d.script("E = A @ B\nprint(E.sum())\n"))),
        Refused("print of an input", 2, ["script.tsum:2:7", "print a name the script assigns"],
                lambda d: d.run_args(script=d.script("E = A @ B\nprint(A)\n"))),
        Refused("np.outer of 2-D operands", 2, ["script.tsum:1:5", "np.einsum('ij,kl->ijkl', a, b)"],
                lambda d: d.run_args(script=d.script("E = np.outer(A, B)\n"))),
        Refused("sum with keepdims=True", 2, ["script.tsum:1:28", "(X.T - X.mean(axis=1)).T"],
                lambda d: d.run_args(script=d.script("E = A.sum(axis=1, keepdims=True)\n"))),
        Refused("trace with an offset", 2, ["script.tsum:1:28", "mask"],
                lambda d: d.run_args(script=d.script("E = np.trace(A @ B, offset=1)\n"))),
        Refused("@ with a number", 2, ["script.tsum:1:9", "multiply by a number with *"],
                lambda d: d.run_args(script=d.script("E = A @ 2\n"))),
        Refused("matmul of misaligned arrays", 2, ["script.tsum:1:5", "the last axis of A (4, 3) is 3"],
                lambda d: d.run_args(script=d.script("E = A @ A\n"))),
        Refused("bad literal 1.2.3", 2, "script.tsum:1:",
                lambda d: d.run_args(script=d.script('E = 1.2.3 * einsum("ij,jk->ik", A, B)\n'))),
        Refused("bad literal 1e+", 2, "script.tsum:1:5",
                lambda d: d.run_args(script=d.script('E = 1e+ * einsum("ij,jk->ik", A, B)\n'))),
        Refused("complex literal in a function", 2, ["script.tsum:1:5", "complex number"],
                lambda d: d.run_args(script=d.script('E = np.exp(1j) * einsum("ij,jk->ik", A, B)\n'))),
        Refused("unterminated string", 2, "script.tsum:1:12",
                lambda d: d.run_args(script=d.script('E = einsum("ij,jk->ik, A, B)\n'))),
        Refused("output subscript not in any operand", 2, ["script.tsum:1:", "'z'"],
                lambda d: d.run_args(script=d.script('E = einsum("ij,jk->iz", A, B)\n'))),
        Refused("output subscript repeated", 2, ["script.tsum:1:", "'i'"],
                lambda d: d.run_args(script=d.script('E = einsum("ij,jk->ii", A, B)\n'))),
        Refused("invalid subscript character", 2, ["script.tsum:1:", "'3'"],
                lambda d: d.run_args(script=d.script('E = einsum("i3,jk->ik", A, B)\n'))),
        Refused("too few operands", 2, ["script.tsum:1:", "2"],
                lambda d: d.run_args(script=d.script('E = einsum("ij,jk->ik", A)\n'))),
        Refused("too many operands", 2, ["script.tsum:1:", "1"],
                lambda d: d.run_args(script=d.script('E = einsum("ij->i", A, B)\n'))),
        Refused("empty script", 2, ["script.tsum", "empty"],
                lambda d: d.run_args(script=d.script(""))),
        Refused("comments only", 2, ["script.tsum", "empty"],
                lambda d: d.run_args(script=d.script("# nothing but a comment\n\n"))),
        Refused("binary garbage", 2, "script.tsum:1:",
                lambda d: d.run_args(script=d.text("script.tsum", binary_garbage()))),
        Refused("10 MB single line", 2, f"script.tsum:1:{TEN_MB - 1}",
                lambda d: d.run_args(script=d.script(long_line_then_garbage()))),
        Refused("10 MB name", 2, ["script.tsum:1:5", "AAAA"],
                lambda d: d.run_args(script=d.script("E = " + "A" * TEN_MB + "\n"))),
        Refused("10,000 nested parentheses", 2, ["script.tsum:1:", "nested"],
                lambda d: d.run_args(script=d.script(nested_parentheses(10_000)))),
        Refused("name assigned twice", 2, ["script.tsum:2:", "'E'"],
                lambda d: d.run_args(script=d.script('E = einsum("ij->i", A)\nE = einsum("jk->k", B)\n'))),
        Refused("name read before assigned", 2, ["script.tsum:1:", "'T'"],
                lambda d: d.run_args(script=d.script('E = einsum("ij,j->i", A, T)\nT = einsum("jk->j", B)\n'))),
        Refused("script file missing", 2, ["no_such.tsum", "No such file"],
                lambda d: d.run_args(script="no_such.tsum")),
        Refused("script unreadable (chmod 000)", 2, ["locked.tsum", "Permission denied"],
                lambda d: (d.script(name="locked.tsum"), os.chmod(d.path("locked.tsum"), 0),
                           d.run_args(script="locked.tsum"))[2], unprivileged=True),
        Refused("script is a directory", 2, ["scripts.d", "directory"],
                lambda d: (os.mkdir(d.path("scripts.d")), d.run_args(script="scripts.d"))[1]),
        # --- the data ---
        Refused("--input file missing", 2, "missing.h5",
                lambda d: d.run_args("--input", "B=missing.h5:/B")),
        Refused("--data not HDF5", 2, "notes.h5",
                lambda d: d.run_args(data=d.text("notes.h5", "these are not the arrays you want\n"))),
        Refused("--data a directory", 2, "data.d",
                lambda d: (os.mkdir(d.path("data.d")), d.run_args(data="data.d"))[1]),
        Refused("HDF5 file truncated", 1, "cut.h5",
                lambda d: d.run_args(data=truncated_copy(d, d.h5("full.h5"), "cut.h5", 1500))),
        Refused("--input dataset missing", 2, ["in.h5", "/nope"],
                lambda d: d.run_args("--input", "B=in.h5:/nope")),
        Refused("group where a dataset is expected", 2, ["in.h5", "'/A'", "group"],
                lambda d: d.run_args(data=h5_with(d, A=lambda f: f.create_group("A")))),
        Refused("string dtype", 2, ["'/A'", "'in.h5'", "string"],
                lambda d: d.run_args(data=h5_with(d, A=np.array([[b"ab"] * 3] * 4)))),
        Refused("compound dtype", 2, ["'/A'", "'in.h5'", "compound"],
                lambda d: d.run_args(data=h5_with(d, A=np.zeros((4, 3), dtype=[("x", "<f8"), ("y", "<i4")])))),
        Refused("long double dtype", 2, ["'/A'", "'in.h5'", "float128"],
                lambda d: d.run_args(data=h5_with(d, A=np.ones((4, 3), dtype=np.longdouble)))),
        Refused("wrong rank", 2, ["(A)", "'ij'", "(4, 3, 2)"],
                lambda d: d.run_args(data=h5_with(d, A=np.ones((4, 3, 2))))),
        Refused("extents disagree in a sum", 2, ["(4, 3)", "(3, 5)"],
                lambda d: d.run_args(script=d.script("E = A + B\n"))),
        Refused("unreadable file (chmod 000)", 2, ["locked.h5", "permission denied"],
                lambda d: (d.h5("locked.h5"), os.chmod(d.path("locked.h5"), 0),
                           d.run_args(data="locked.h5"))[2], unprivileged=True),
        Refused(".npy truncated", 2, "cut.npy",
                lambda d: (truncated_copy(d, npy_a(d), "cut.npy", 150), d.run_args("--input", "A=cut.npy"))[1]),
        Refused(".npy unreadable (chmod 000)", 2, "locked.npy",
                lambda d: (d.npy("locked.npy", default_arrays()["A"]), os.chmod(d.path("locked.npy"), 0),
                           d.run_args("--input", "A=locked.npy"))[2], unprivileged=True),
        Refused(".npy a directory", 2, ["A.npy", "directory"],
                lambda d: (os.mkdir(d.path("A.npy")), d.run_args("--input", "A=A.npy"))[1]),
        Refused(".npy not a .npy file", 2, "fake.npy",
                lambda d: d.run_args("--input", f"A={d.text('fake.npy', 'just text')}")),
        Refused(".npy header garbage", 2, "bad.npy",
                lambda d: d.run_args("--input", "A=" + d.text("bad.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': <f8} \n"))),
        # --- options ---
        Refused("unknown option", 2, "--memroy",
                lambda d: d.run_args("--memroy", "1G")),
        Refused("unknown command", 2, "frobnicate", lambda d: ["frobnicate"]),
        Refused("no SCRIPT", 2, "SCRIPT", lambda d: ["run", "--data", d.h5(), "--out", "out.h5"]),
        Refused("no --out", 2, "--out", lambda d: ["run", d.script(), "--data", d.h5()]),
        Refused("option value missing", 2, "--threads", lambda d: d.run_args("--threads")),
        Refused("--memory 12XB", 2, ["--memory", "12XB"], lambda d: d.run_args("--memory", "12XB")),
        Refused("--memory -5", 2, ["--memory", "-5"], lambda d: d.run_args("--memory=-5")),
        Refused("--memory .", 2, ["--memory", "'.'"], lambda d: d.run_args("--memory", ".")),
        Refused("--memory 0", 2, ["--memory", "'0'"], lambda d: d.run_args("--memory", "0")),
        Refused("budget too small", 2, ["budget", "too small"], lambda d: d.run_args("--memory", "100")),
        Refused("--threads -1", 2, ["--threads", "-1"], lambda d: d.run_args("--threads=-1")),
        Refused("--threads many", 2, ["--threads", "99999999"], lambda d: d.run_args("--threads", "99999999")),
        Refused("--threads abc", 2, ["--threads", "abc"], lambda d: d.run_args("--threads", "abc")),
        Refused("--tile k=0", 2, ["--tile", "k=0"], lambda d: d.run_args("--tile", "k=0")),
        Refused("--tile k=-3", 2, ["--tile", "k=-3"], lambda d: d.run_args("--tile", "k=-3")),
        Refused("--tile index not in the script", 2, "'q'", lambda d: d.run_args("--tile", "q=2")),
        Refused("--tile two letters", 2, ["--tile", "ik=2"], lambda d: d.run_args("--tile", "ik=2")),
        Refused("--strategy unknown", 2, ["--strategy", "fastest"], lambda d: d.run_args("--strategy", "fastest")),
        Refused("--config missing", 2, "nope.ini", lambda d: d.run_args("--config", "nope.ini")),
        Refused("--config unknown key", 2, "colour",
                lambda d: d.run_args("--config", d.text("bad.ini", "colour = blue\n"))),
        Refused("--input empty dataset name", 2, ["--input", "B=in.h5:", "empty"],
                lambda d: d.run_args("--input", "B=in.h5:")),
        Refused("--input dataset path '/'", 2, ["in.h5", "'/'"],
                lambda d: d.run_args("--input", "B=in.h5:/")),
        Refused("--input empty name", 2, ["--input", "=in.h5"], lambda d: d.run_args("--input", "=in.h5")),
        Refused("--input name twice", 2, ["--input", "'B'"],
                lambda d: d.run_args("--input", "B=in.h5:/B", "--input", "B=in.h5:/A")),
        Refused("--input name not in the script", 2, ["--input", "'Q'"],
                lambda d: d.run_args("--input", "Q=in.h5:/A")),
        # --- outputs ---
        Refused("--out a directory", 2, "out.d",
                lambda d: (os.mkdir(d.path("out.d")), d.run_args(out="out.d"))[1]),
        Refused("--out exists, not HDF5", 2, "notes.txt",
                lambda d: d.run_args(out=d.text("notes.txt", "precious notes\n"))),
        Refused("--out an existing file, run fails", 2, "'z'",
                lambda d: d.run_args(script=d.script('E = einsum("ij,jk->iz", A, B)\n'),
                                     out=d.h5("out.h5", keep=np.arange(3.0)))),
        Refused("output replaces an input (--overwrite)", 2, ["'/E'", "in.h5", "input"],
                lambda d: d.run_args("--input", "B=in.h5:/E", "--overwrite", out="in.h5",
                                     data=h5_with(d, E=default_arrays()["B"]))),
        Refused("output replaces an input, no --overwrite", 2, ["'/E'", "in.h5", "input"],
                lambda d: d.run_args("--input", "B=in.h5:/E", out="in.h5",
                                     data=h5_with(d, E=default_arrays()["B"]))),
        Refused("output replaces an input via a link", 2, ["'/E'", "link.h5", "input"],
                lambda d: (os.symlink("in.h5", d.path("link.h5")),
                           d.run_args("--input", "B=in.h5:/E", "--overwrite", out="link.h5",
                                      data=h5_with(d, E=default_arrays()["B"])))[1]),
        Refused("--out the --data file, script error", 2, "script.tsum:1:21",
                lambda d: d.run_args(script=d.script('E = einsum("ij,jk->iz", A, B)\n'), out="in.h5")),
        Refused("--out the --data file, dataset missing", 2, ["'/B'", "in.h5"],
                lambda d: d.run_args(data=h5_with(d, B=None), out="in.h5")),
        Refused("--out is a .npy input", 2, "A.npy",
                lambda d: d.run_args("--input", f"A={npy_a(d)}", out="A.npy")),
    ]


def check_refused(context, case):
    """Runs the case, checks status, the one line and its culprit, and that no file changed. Returns a table row."""
    d = CaseDir(context, "case_" + "".join(c if c.isalnum() else "_" for c in case.name))
    argv = case.setup(d)
    before = file_digests(d.root)
    if case.unprivileged:
        result, why_not = run_unprivileged(context, argv, d.root)
        if result is None:
            return "NOT RUN: " + why_not
    else:
        result = util.run_tilesum(context.tilesum, argv, cwd=d.root)
    util.expect(result.status == case.status, f"[{case.name}] expected exit status {case.status}\n" + result.describe())
    lines = result.stderr.splitlines()
    util.expect(len(lines) == 1 and lines[0].startswith(util.ERROR_PREFIX),
                f"[{case.name}] expected exactly one line `{util.ERROR_PREFIX}...` on stderr\n" + result.describe())
    line = lines[0]
    util.expect(len(line) <= MAX_MESSAGE_CHARS,
                f"[{case.name}] the error line has {len(line)} characters: {line[:300]}...")
    for culprit in case.culprit:
        util.expect(culprit in line, f"[{case.name}] the error line does not name {culprit!r}: {line}")
    after = file_digests(d.root)
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    util.expect(not changed, f"[{case.name}] files changed, appeared or vanished: {changed}")
    shutil.rmtree(d.root)  # the 10 MB scripts add up
    return f"exit {result.status}: {line[len(util.ERROR_PREFIX):]}"


# ---------------------------------------------------------------------------------------------------------------
# Cases that succeed, or fail after writing began: checked case by case.

def case_nan_and_inf_propagate(context):
    """NaN and Inf are data: they propagate through einsum, sums and scalings as numpy's do."""
    d = CaseDir(context, "nan_inf")
    A = default_arrays()["A"]
    B = default_arrays()["B"]
    A[0, 0], A[1, 2], A[3, 1] = np.nan, np.inf, -np.inf
    B[2, 4] = np.inf
    script = d.script('E = einsum("ij,jk->ik", A, B)\nS = 2 * einsum("ij->j", A) - einsum("jk->j", B)\n'
                      'P = A * 0.5 + A\n')
    data = d.h5(A=A, B=B)
    result = util.expect_success(util.run_tilesum(context.tilesum, ["run", script, "--data", data, "--out", "out.h5",
                                                                    "--quiet"], cwd=d.root))
    util.expect(result.stderr == "", "a run with NaN and Inf inputs printed on stderr\n" + result.describe())
    with np.errstate(invalid="ignore"):
        expected = {"E": np.einsum("ij,jk->ik", A, B),
                    "S": 2 * np.einsum("ij->j", A) - np.einsum("jk->j", B),
                    "P": A * 0.5 + A}
    for name, want in expected.items():
        got = util.read_h5(d.path("out.h5"), name)
        util.expect(np.array_equal(np.isnan(got), np.isnan(want)) and np.array_equal(np.isinf(got), np.isinf(want))
                    and np.array_equal(np.sign(got[np.isinf(got)]), np.sign(want[np.isinf(want)])),
                    f"/{name}: NaN and Inf not where numpy puts them\ntilesum {got}\nnumpy {want}")
        finite = np.isfinite(want)
        util.expect(np.allclose(got[finite], want[finite], rtol=1e-12, atol=0), f"/{name} differs from numpy")
        util.expect(np.isnan(want).any() or np.isinf(want).any(), f"/{name}: the case holds no NaN or Inf")
    return "exit 0: E, S, P equal numpy's, NaN and Inf included"


def case_out_is_the_data_file(context):
    """--out the --data file: new datasets are written next to the inputs, whose bytes and offsets do not change;
    with --overwrite a dataset of that file that is not an input may be replaced."""
    d = CaseDir(context, "same_file")
    arrays = default_arrays()
    data = d.h5(A=arrays["A"], B=arrays["B"], old=np.arange(7.0))
    script = d.script('E = einsum("ij,jk->ik", A, B)\nold = einsum("ij->i", A)\n')
    inputs_before = dataset_digests(d.path(data), ["A", "B"])
    # Through HDF5's read path and through the direct pread path alike.
    for hdf5_reads in ("1", "0"):
        os.environ["TILESUM_HDF5_READS"] = hdf5_reads
        try:
            util.expect_success(util.run_tilesum(context.tilesum, ["run", script, "--data", data, "--out", data,
                                                                   "--overwrite", "--quiet"], cwd=d.root))
        finally:
            del os.environ["TILESUM_HDF5_READS"]
        util.expect(dataset_digests(d.path(data), ["A", "B"]) == inputs_before,
                    "the input datasets' bytes or offsets changed in a run writing into their file")
        util.expect(all_names(d.path(data)) == ["A", "B", "E", "old"],
                    f"unexpected datasets after the run: {all_names(d.path(data))}")
        util.expect_close("E", util.read_h5(d.path(data), "E"), arrays["A"] @ arrays["B"], rtol=1e-12)
        util.expect_close("old", util.read_h5(d.path(data), "old"), arrays["A"].sum(axis=1), rtol=1e-12)
    # A second, larger run into the same file: more datasets after the inputs, which still do not move.
    big = d.script('F = einsum("ij,kl->ijkl", A, B)\n', name="big.tsum")
    util.expect_success(util.run_tilesum(context.tilesum, ["run", big, "--data", data, "--out", data, "--quiet",
                                                           "--memory", "1MiB", "--tile", "i=1"], cwd=d.root))
    util.expect(dataset_digests(d.path(data), ["A", "B"]) == inputs_before, "inputs changed by the second run")
    util.expect_close("F", util.read_h5(d.path(data), "F"), np.einsum("ij,kl->ijkl", arrays["A"], arrays["B"]),
                      rtol=1e-12)
    return "exit 0: new datasets in the --data file; inputs' bytes and offsets unchanged (HDF5 and pread reads)"


def case_failed_run_into_the_data_file(context):
    """A run writing into the --data file that fails after its temporary datasets exist (an int64 result beyond
    2^53, where float64 is no longer exact) leaves the inputs byte-identical and no dataset behind, temporary or
    final."""
    d = CaseDir(context, "same_file_failure")
    A = np.full((4, 3), 2**52, dtype=np.int64)
    B = np.ones((3, 5), dtype=np.int64)
    data = d.h5(A=A, B=B, keep=np.arange(4.0))
    names_before = all_names(d.path(data))
    inputs_before = dataset_digests(d.path(data), ["A", "B", "keep"])
    result = util.run_tilesum(context.tilesum, ["run", d.script(), "--data", data, "--out", data], cwd=d.root)
    line = util.expect_user_error(result, contains=["/E", "int64"])
    util.expect(all_names(d.path(data)) == names_before,
                f"a failed run left {sorted(set(all_names(d.path(data))) - set(names_before))} in the data file")
    util.expect(dataset_digests(d.path(data), ["A", "B", "keep"]) == inputs_before,
                "a failed run changed the input datasets' bytes")
    return f"exit {result.status}: {line[len(util.ERROR_PREFIX):]} (inputs unchanged, nothing left)"


def case_read_only_input(context):
    """Inputs are opened read-only: a file no one may write (chmod 444) is read, as the --data file and through
    --input, by a user the mode bits apply to."""
    d = CaseDir(context, "read_only")
    arrays = default_arrays()
    data = d.h5()
    other = d.h5("other.h5", C=np.arange(5.0))
    script = d.script('E = einsum("ij,jk,k->i", A, B, C)\n')
    for name in (data, other):
        os.chmod(d.path(name), 0o444)
    before = file_digests(d.root)
    result, why_not = run_unprivileged(context, ["run", script, "--data", data, "--input", f"C={other}", "--out",
                                                 "out.h5", "--quiet"], d.root)
    if result is None:
        return "NOT RUN: " + why_not
    util.expect_success(result)
    util.expect_close("E", util.read_h5(d.path("out.h5"), "E"),
                      np.einsum("ij,jk,k->i", arrays["A"], arrays["B"], np.arange(5.0)), rtol=1e-12)
    after = file_digests(d.root)
    del after["out.h5"]
    util.expect(after == before, "the read-only inputs changed")
    # Writing into a read-only input file is refused (an I/O failure: the file cannot be opened for writing).
    result, _ = run_unprivileged(context, ["run", d.script('F = einsum("ij->j", A)\n', name="f.tsum"), "--data",
                                           data, "--out", data], d.root)
    util.expect(result.status == 1 and len(result.stderr.splitlines()) == 1 and data in result.stderr,
                "expected one error line naming in.h5, exit 1\n" + result.describe())
    util.expect(file_digests(d.root)[data] == before[data], "a refused run changed the read-only input")
    who = "as uid 65534 (setpriv)" if os.geteuid() == 0 else "as this user"
    return f"exit 0 {who}: chmod 444 inputs read; writing into one: exit 1, {result.stderr.strip()[16:]}"


SPECIAL_CASES = [
    ("NaN and Inf propagate as numpy", case_nan_and_inf_propagate),
    ("--out the --data file, new datasets", case_out_is_the_data_file),
    ("failed run writing into the data file", case_failed_run_into_the_data_file),
    ("read-only inputs (chmod 444)", case_read_only_input),
]


def main(context):
    rows, failures = [], []
    for case in refused_cases():
        try:
            rows.append((case.name, check_refused(context, case)))
        except util.TestFailure as failure:
            failures.append(str(failure))
            rows.append((case.name, "FAILED"))
    for name, check in SPECIAL_CASES:
        try:
            rows.append((name, check(context)))
        except util.TestFailure as failure:
            failures.append(f"[{name}] {failure}")
            rows.append((name, "FAILED"))
    width = max(len(name) for name, _ in rows)
    not_run = sum(outcome.startswith("NOT RUN") for _, outcome in rows)
    print(f"{len(rows)} cases ({len(rows) - not_run - len(failures)} passed, {len(failures)} failed, "
          f"{not_run} not run):")
    for name, outcome in rows:
        print(f"  {name:<{width}}  {outcome[:200]}")
    util.expect(not failures, f"{len(failures)} of {len(rows)} cases failed:\n" + "\n".join(failures))


if __name__ == "__main__":
    util.run_main(main)
