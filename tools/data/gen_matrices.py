#!/usr/bin/python3
"""Writes standard normal float64 matrices to an HDF5 file in row blocks (bounded memory, any size):
  /usr/bin/python3 tools/data/gen_matrices.py --out uv.h5 --shape 16384 16384 --names U V [--seed 0]"""

import argparse
import os

import h5py
import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shape", type=int, nargs=2, required=True)
    parser.add_argument("--names", nargs="+", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows, columns = args.shape
    block_rows = max(1, (64 << 20) // (8 * columns))
    partial = args.out + ".partial"
    with h5py.File(partial, "w") as file:
        for index, name in enumerate(args.names):
            rng = np.random.default_rng([args.seed, index])
            dataset = file.create_dataset(name, shape=(rows, columns), dtype="f8")
            for begin in range(0, rows, block_rows):
                end = min(rows, begin + block_rows)
                dataset[begin:end] = rng.standard_normal((end - begin, columns))
    os.replace(partial, args.out)  # only a complete file carries the final name
    print(f"{args.out}: {', '.join(args.names)} of shape {rows}x{columns} float64, seed {args.seed}")


if __name__ == "__main__":
    main()
