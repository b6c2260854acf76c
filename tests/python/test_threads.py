"""A compute releases the GIL (other Python threads run), and Ctrl-C interrupts it within a second, leaving no
output behind."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import h5py
import numpy as np

import tilesum as ts

# The run journals every finished tile (not every few seconds): an interrupted run then has work it could keep for
# resume, which the Python module must discard.
RECORD_EVERY_TILE = {**os.environ, "TILESUM_CHECKPOINT_SECONDS": "0"}

# exp over a (n, n, n) intermediate that is never stored: seconds of work in many small tiles.
SLOW_EXPRESSION = """
import numpy as np, tilesum as ts
n = {n}
v = np.linspace(0.0, 1.0, n)
E = ts.einsum("ijk->k", ts.exp(ts.einsum("i,j,k->ijk", v, v, v)))
"""


def test_another_python_thread_progresses_during_a_compute():
    namespace = {}
    exec(SLOW_EXPRESSION.format(n=300), namespace)  # about a second of work on one thread
    E = namespace["E"]
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1

    thread = threading.Thread(target=count)
    thread.start()
    try:
        before = counter[0]
        start = time.monotonic()
        E.compute(threads=1, tile={"k": 8})
        seconds = time.monotonic() - start
        during = counter[0] - before
    finally:
        stop.set()
        thread.join()
    # Holding the GIL for the whole compute would leave the counter where it was (a few steps at most).
    assert during > 10000 * seconds, f"the other thread counted {during} in {seconds:.2f} s"


def test_two_computes_from_two_threads_at_once():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((40, 30)), rng.standard_normal((30, 20))
    results = {}

    def compute(name, left, right):
        results[name] = ts.einsum("ij,jk->ik", left, right).compute(threads=1)

    threads = [threading.Thread(target=compute, args=(name, A, B)) for name in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    np.testing.assert_allclose(results["x"], A @ B, rtol=1e-12)
    np.testing.assert_allclose(results["y"], A @ B, rtol=1e-12)


def test_ctrl_c_raises_keyboard_interrupt_within_a_second_and_leaves_no_output(tmp_path):
    out = tmp_path / "out.h5"
    # Python's own SIGINT handler even if this process was started with SIGINT ignored (a background job).
    script = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    script += SLOW_EXPRESSION.format(n=2000) + textwrap.dedent(f"""
        print("started", flush=True)
        try:
            E.to_hdf5({str(out)!r}, "E", threads=1, tile={{"k": 4}})
            print("finished", flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=RECORD_EVERY_TILE)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.0)  # well inside the run
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        outcome = child.stdout.readline().strip()
        seconds = time.monotonic() - sent
    finally:
        child.wait(timeout=60)
    assert outcome == "interrupted"
    assert seconds < 1.0, f"KeyboardInterrupt came {seconds:.2f} s after SIGINT"
    # Neither the output file the run created nor its resume journal (Python offers no resume).
    assert not out.exists()
    assert not os.path.exists(str(out) + ".tilesum-resume")


def test_an_interrupted_run_leaves_an_existing_file_as_it_was(tmp_path):
    out = tmp_path / "out.h5"
    with h5py.File(out, "w") as file:
        file["kept"] = np.arange(3.0)
    script = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    script += SLOW_EXPRESSION.format(n=2000) + textwrap.dedent(f"""
        print("started", flush=True)
        try:
            E.to_hdf5({str(out)!r}, "E", threads=1, tile={{"k": 4}})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=RECORD_EVERY_TILE)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)
        assert child.stdout.readline().strip() == "interrupted"
    finally:
        child.wait(timeout=60)
    with h5py.File(out, "r") as file:
        names = []
        file.visit(names.append)
        assert names == ["kept"]
    assert not os.path.exists(str(out) + ".tilesum-resume")


def test_progress_shows_tiles_done_on_stderr(capsys):
    namespace = {}
    exec(SLOW_EXPRESSION.format(n=400), namespace)
    E = namespace["E"]
    E.compute(threads=1, tile={"k": 8}, progress=True)
    lines = capsys.readouterr().err.replace("\r", "\n").split()
    assert "tilesum:" in lines
    counts = [line for line in lines if line.endswith("/50")]  # k=8 of 400: 50 tiles
    assert counts, lines
    E.compute(threads=1, tile={"k": 8})
    assert capsys.readouterr().err == ""
