#!/usr/bin/python3
"""Generate reproducible inputs for data/seed.tsum: datasets /A (n,n), /B (q,), /Y2 (n,), /Z2 (q,n).

Values are standard normal draws from numpy.random.default_rng(SEED), drawn in the order A, B, Y2, Z2, row by
row, so the file depends only on (n, q, seed, dtype), never on the block size. float32 inputs are the float64
draws rounded to float32. A and Z2 are generated and written in row blocks of at most --block-bytes, so memory
stays bounded however large n and q are (n = q = 32768 is 8 GiB per matrix on disk, about 64 MiB in memory).
Datasets are C order and contiguous (no chunking, no compression), the layout tilesum reads fastest by rows.

The file is written under a temporary name and renamed at the end: an interrupted run leaves no file that
--skip-if-same would mistake for a finished one.

Run with Debian's interpreter, which has numpy and h5py:
    /usr/bin/python3 tools/data/gen_seed.py --n 1000 --q 1000 --out data/generated/seed_in.h5
"""

import argparse
import os
import sys

import h5py
import numpy as np

# Bump when the values a given (n, q, seed, dtype) produces change, so --skip-if-same regenerates old files.
GENERATOR_TAG = "tilesum gen_seed v1"
DEFAULT_BLOCK_BYTES = 64 << 20


def rows_per_block(extent, block_bytes):
    """Rows of a (rows, extent) float64 block that fit block_bytes; at least one."""
    return max(1, block_bytes // (8 * max(1, extent)))


def write_matrix(file, name, rng, rows, cols, dtype, block_bytes):
    dataset = file.create_dataset(name, shape=(rows, cols), dtype=dtype)
    block_rows = rows_per_block(cols, block_bytes)
    for row_begin in range(0, rows, block_rows):
        row_end = min(rows, row_begin + block_rows)
        dataset[row_begin:row_end, :] = rng.standard_normal((row_end - row_begin, cols)).astype(dtype)


def write_vector(file, name, rng, extent, dtype):
    file.create_dataset(name, data=rng.standard_normal(extent).astype(dtype))


def generate(out_path, n, q, seed=0, dtype="float64", block_bytes=DEFAULT_BLOCK_BYTES):
    """Write the seed inputs to out_path (replacing it)."""
    if n < 1 or q < 1:
        raise ValueError(f"n and q must be positive (got n={n}, q={q})")
    dtype = np.dtype(dtype)
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    tmp_path = out_path + ".partial"
    rng = np.random.default_rng(seed)
    try:
        with h5py.File(tmp_path, "w") as file:
            write_matrix(file, "A", rng, n, n, dtype, block_bytes)
            write_vector(file, "B", rng, q, dtype)
            write_vector(file, "Y2", rng, n, dtype)
            write_matrix(file, "Z2", rng, q, n, dtype, block_bytes)
            # Written last: a file with these attributes is complete.
            file.attrs["generator"] = GENERATOR_TAG
            file.attrs["n"] = n
            file.attrs["q"] = q
            file.attrs["seed"] = seed
            file.attrs["dtype"] = dtype.name
        os.replace(tmp_path, out_path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise


def already_generated(out_path, n, q, seed, dtype):
    """True when out_path holds complete inputs made by this generator with the same parameters."""
    if not os.path.exists(out_path):
        return False
    try:
        with h5py.File(out_path, "r") as file:
            attrs = file.attrs
            return (attrs.get("generator") == GENERATOR_TAG and int(attrs.get("n", -1)) == n
                    and int(attrs.get("q", -1)) == q and int(attrs.get("seed", -1)) == seed
                    and attrs.get("dtype") == np.dtype(dtype).name
                    and all(name in file for name in ("A", "B", "Y2", "Z2")))
    except (OSError, ValueError, TypeError):
        return False


def parse_size(text):
    units = {"": 1, "K": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GIB": 1 << 30}
    digits = text.rstrip("KMGiBkmgib")
    unit = text[len(digits):].upper()
    if not digits.isdigit() or unit not in units:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (bytes, or with K/M/G or KiB/MiB/GiB)")
    return int(digits) * units[unit]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="extent of A's axes, Y2 and Z2's second axis")
    parser.add_argument("--q", type=int, required=True, help="extent of B and Z2's first axis")
    parser.add_argument("--out", required=True, help="HDF5 file to write (replaced)")
    parser.add_argument("--seed", type=int, default=0, help="seed of numpy.random.default_rng (default 0)")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--block-bytes", type=parse_size, default=DEFAULT_BLOCK_BYTES,
                        help="memory for one block of rows while generating (default 64MiB)")
    parser.add_argument("--skip-if-same", action="store_true",
                        help="do nothing if OUT already holds inputs with the same n, q, seed and dtype")
    args = parser.parse_args(argv)

    description = f"n={args.n} q={args.q} seed={args.seed} {args.dtype}"
    if args.skip_if_same and already_generated(args.out, args.n, args.q, args.seed, args.dtype):
        print(f"{args.out}: already holds seed inputs {description}; not regenerated")
        return 0
    try:
        generate(args.out, args.n, args.q, args.seed, args.dtype, args.block_bytes)
    except (ValueError, OSError) as error:
        print(f"gen_seed: error: {error}", file=sys.stderr)
        return 2
    print(f"{args.out}: wrote seed inputs {description} (A {args.n}x{args.n}, B {args.q}, Y2 {args.n}, "
          f"Z2 {args.q}x{args.n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
