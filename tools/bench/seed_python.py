#!/usr/bin/python3
"""The seed computed by the methods tilesum is compared with, each reading the same HDF5 inputs and writing E:
  materialized: numpy builds C, C2 and C + C2 as (q, n, n) arrays, then one einsum;
  expanded:     numpy on the hand-expanded four einsums (optimize='optimal'): O(n^2 + qn);
  dask:         dask.array over h5py, the same lazy expression as the script, da.einsum.
Run with Debian's /usr/bin/python3 (python3-numpy, python3-h5py, python3-dask)."""

import argparse

import h5py
import numpy as np


def load(path):
    with h5py.File(path, "r") as file:
        return {name: file[name][...] for name in ("A", "B", "Y2", "Z2")}


def materialized(path):
    a = load(path)
    c = np.einsum("i,jk->ijk", a["B"], a["A"])
    c2 = np.einsum("j,ik->ijk", a["Y2"], a["Z2"])
    s = c + c2
    del c, c2
    return np.einsum("ijk,ikj->k", s, s)


def expanded(path):
    a = load(path)
    A, B, Y2, Z2 = a["A"], a["B"], a["Y2"], a["Z2"]
    opt = "optimal"
    return (np.einsum("i,jk,i,kj->k", B, A, B, A, optimize=opt) + np.einsum("i,jk,k,ij->k", B, A, Y2, Z2, optimize=opt)
            + np.einsum("j,ik,i,kj->k", Y2, Z2, B, A, optimize=opt)
            + np.einsum("j,ik,k,ij->k", Y2, Z2, Y2, Z2, optimize=opt))


def dask_lazy(path):
    import dask.array as da
    file = h5py.File(path, "r")
    n = file["A"].shape[0]
    chunk = max(1, min(n, 250))  # 3-D blocks of chunk**3 elements: 125 MB at 250
    A = da.from_array(file["A"], chunks=(chunk, chunk))
    Z2 = da.from_array(file["Z2"], chunks=(chunk, chunk))
    B = da.from_array(file["B"], chunks=chunk)
    Y2 = da.from_array(file["Y2"], chunks=chunk)
    c = da.einsum("i,jk->ijk", B, A)
    c2 = da.einsum("j,ik->ijk", Y2, Z2)
    s = c + c2
    return da.einsum("ijk,ikj->k", s, s).compute()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("method", choices=["materialized", "expanded", "dask"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    e = {"materialized": materialized, "expanded": expanded, "dask": dask_lazy}[args.method](args.data)
    with h5py.File(args.out, "w") as file:
        file.create_dataset("E", data=e)


if __name__ == "__main__":
    main()
