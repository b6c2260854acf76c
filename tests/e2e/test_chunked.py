"""Chunked inputs (issue 3): tile boundaries follow the chunks of the inputs. h5py writes chunked inputs (one set
gzip-compressed), tilesum runs under a small budget, the results equal numpy, and `tilesum plan` shows the tile size
rounded onto the chunk grid with the input it follows."""

import os
import re

import h5py
import numpy as np

import e2e_util as util

BUDGET = "4MiB"
N = 600


def write_chunked(path, chunks, compression=None, **arrays):
    with h5py.File(path, "w") as file:
        for name, array in arrays.items():
            file.create_dataset(name, data=array, chunks=chunks, compression=compression)
    return path


def tile_sizes(plan_text):
    """{index: size} from the plan's `tile size:` and `summed in slabs:` lines (`k=128/1000`)."""
    sizes = {}
    for line in plan_text.splitlines():
        if "tile size:" in line or "summed in slabs:" in line:
            for label, size, extent in re.findall(r"\b(\w+)=(\d+)/(\d+)", line):
                if int(size) < int(extent):
                    sizes[label] = int(size)
    return sizes


def check_case(context, name, chunks, compression):
    arrays = util.random_inputs(11, U=(N, N), V=(N, N))
    data = write_chunked(context.path(f"{name}.h5"), chunks, compression, **arrays)
    script = context.write_text("chunked.tsum", "s = einsum('ij,ij->', U, V)\nW = einsum('ij->ji', U)\n")

    plan = util.expect_success(context.run("plan", script, "--data", data, "--memory", BUDGET))
    print(plan.stdout, end="")
    util.expect(re.search(r"tile size: .*\(aligned to chunks of U\)", plan.stdout) and
                re.search(r"summed in slabs: .*; aligned to chunks of U\)", plan.stdout),
                f"[{name}] the plan does not say its tile sizes follow the chunks of U\n" + plan.describe())
    sizes = tile_sizes(plan.stdout)
    util.expect(sizes, f"[{name}] nothing is tiled under {BUDGET}\n" + plan.describe())
    for label, size in sizes.items():
        util.expect(size % chunks[0] == 0 or chunks[0] % size == 0,
                    f"[{name}] tile size {label}={size} is neither a multiple nor a divisor of the chunk extent "
                    f"{chunks[0]}\n" + plan.describe())

    out = context.path(f"{name}_out.h5")
    util.expect_success(context.run("run", script, "--data", data, "--out", out, "--memory", BUDGET, "--quiet"))
    util.expect_close(f"[{name}] s", util.read_h5(out, "s"), np.einsum("ij,ij->", arrays["U"], arrays["V"]), 1e-12)
    util.expect_close(f"[{name}] W", util.read_h5(out, "W"), arrays["U"].T, 1e-12)


def check_memory(context):
    """The chunk caches are part of the budget: gzip chunks larger than a tile, under budgets that give both inputs a
    cache for U (32 MiB; V keeps HDF5's default) or only HDF5's default (16 MiB); the child's peak RSS stays within budget + stated overhead."""
    n, chunk = 2048, 512
    arrays = util.random_inputs(12, U=(n, n), V=(n, n))
    data = write_chunked(context.path("memory.h5"), (chunk, chunk), "gzip", **arrays)
    script = context.write_text("memory.tsum", "s = einsum('ij,ij->', U, V)\n")
    expected = np.einsum("ij,ij->", arrays["U"], arrays["V"])
    for budget_mib, cached in ((16, False), (32, True)):
        plan = util.expect_success(context.run("plan", script, "--data", data, "--memory", f"{budget_mib}MiB"))
        line = next((text for text in plan.stdout.splitlines() if text.startswith("HDF5 chunk caches:")), "")
        print(line)
        util.expect(line.endswith("taken from the budget") or "taken from the budget (" in line,
                    f"[{budget_mib} MiB] the plan does not show its chunk caches inside the budget\n" + plan.describe())
        util.expect(("U 8.0 MiB (tiles split its chunks)" in line) == cached,
                    f"[{budget_mib} MiB] expected U {'with' if cached else 'without'} its own cache: {line}")
        out = context.path(f"memory_{budget_mib}.h5")
        result = util.expect_success(context.run("run", script, "--data", data, "--out", out,
                                                 "--memory", f"{budget_mib}MiB"))
        util.expect("inside the budget" in result.stderr,
                    f"[{budget_mib} MiB] run does not report its chunk caches inside the budget\n" + result.describe())
        print(f"{n}x{n} gzip chunks {chunk}, --memory {budget_mib}MiB: {result.seconds:.2f} s")
        util.expect_close(f"[{budget_mib} MiB] s", util.read_h5(out, "s"), expected, 1e-12)
        util.expect_peak_rss_within(result, budget_mib)


def check_gzip_threads(context):
    """gzip chunks are decompressed outside HDF5's lock (io/gzip_chunk_reads.hpp): h5py's gzip with and without
    shuffle, float64, float32 and int32, give numpy's Gram matrices, bit-identical with 1 and 2 threads and with
    every read through H5Dread (TILESUM_HDF5_READS=1)."""
    rng = np.random.default_rng(31)
    n, chunks = 20000, (1024, 6)
    arrays = {"X": rng.standard_normal((n, 6)), "F": rng.standard_normal((n, 6)).astype(np.float32),
              "I": rng.integers(-1000, 1000, (n, 6)).astype(np.int32)}
    data = context.path("gzip_threads.h5")
    with h5py.File(data, "w") as file:
        file.create_dataset("X", data=arrays["X"], chunks=chunks, compression="gzip", shuffle=True)
        file.create_dataset("F", data=arrays["F"], chunks=chunks, compression="gzip")
        file.create_dataset("I", data=arrays["I"], chunks=chunks, compression="gzip", shuffle=True)
    script = context.write_text("gram.tsum", "G = einsum('ni,nj->ij', X, X)\nH = einsum('ni,nj->ij', F, I)\n")
    results = {}
    for label, threads, hdf5_reads in (("1 thread", 1, None), ("2 threads", 2, None), ("H5Dread", 2, "1")):
        out = context.path(f"gzip_threads_{threads}_{hdf5_reads}.h5")
        if hdf5_reads:
            os.environ["TILESUM_HDF5_READS"] = hdf5_reads
        try:
            util.expect_success(context.run("run", script, "--data", data, "--out", out, "--memory", "8MiB",
                                            "--threads", threads, "--quiet"))
        finally:
            os.environ.pop("TILESUM_HDF5_READS", None)
        results[label] = {name: util.read_h5(out, name) for name in ("G", "H")}
    util.expect_close("G", results["1 thread"]["G"], arrays["X"].T @ arrays["X"], 1e-12)
    util.expect_close("H", results["1 thread"]["H"],
                      arrays["F"].astype(np.float64).T @ arrays["I"].astype(np.float64), 1e-12)
    for label in ("2 threads", "H5Dread"):
        for name in ("G", "H"):
            util.expect(np.array_equal(results[label][name], results["1 thread"][name]),
                        f"{name} with {label} differs from 1 thread's")


def main(context):
    # 64 rows of 600 doubles are 300 KiB: tiles of a 4 MiB budget span several chunks (multiples of 64).
    check_case(context, "chunks64", (64, 64), None)
    # 400-row gzip chunks are wider than a tile: tiles split each chunk evenly (divisors of 400).
    check_case(context, "chunks400_gzip", (400, 400), "gzip")
    check_memory(context)
    check_gzip_threads(context)


if __name__ == "__main__":
    util.run_main(main)
