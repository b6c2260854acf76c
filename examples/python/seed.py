#!/usr/bin/python3
"""The seed of issue 14 from Python: E computed lazily by tilesum from h5py datasets, checked against numpy.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/seed.py --data data/generated/seed_in.h5

A and Z2 are h5py datasets: tilesum reads them by tiles itself, no Python per tile. B and Y2 are numpy arrays,
borrowed without a copy. C, C2 and C + C2, (q, n, n) each, are never materialized. numpy's reference is the hand
expansion of E into four einsums, O(n^2 + q n) each (numpy would need the 3-D tensors for the seed as written).
Prints E's first entries and the max relative error; exits 1 when it exceeds 1e-10.
"""

import argparse
import sys
import time

import h5py
import numpy as np

import tilesum as ts


def numpy_four_einsums(A, Z2, B, Y2):
    """E_k = sum_ij S_ijk S_ikj with S_ijk = B_i A_jk + Y2_j Z2_ik, multiplied out into four einsums."""
    w = np.einsum("i,ij->j", B, Z2)
    return (np.einsum("i,i->", B, B) * np.einsum("jk,kj->k", A, A) + Y2 * np.einsum("j,jk->k", w, A)
            + w * np.einsum("kj,j->k", A, Y2) + Y2 * np.einsum("ik,ij,j->k", Z2, Z2, Y2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="HDF5 file with A (n, n), Z2 (q, n), B (q,), Y2 (n,)")
    parser.add_argument("--memory", default="256MiB", help="tilesum's memory budget (default 256MiB)")
    arguments = parser.parse_args()

    with h5py.File(arguments.data, "r") as file:
        A, Z2 = file["A"], file["Z2"]
        B, Y2 = file["B"][...], file["Y2"][...]
        C = ts.einsum("i,jk->ijk", B, A)
        C2 = ts.einsum("j,ik->ijk", Y2, Z2)
        E = ts.einsum("ijk,ikj->k", C + C2, C + C2)
        print(f"tilesum {ts.__version__}: E {E.shape} {E.dtype}, C + C2 {(C + C2).shape} never stored")
        start = time.perf_counter()
        e = E.compute(memory=arguments.memory)
        seconds = time.perf_counter() - start
        reference = numpy_four_einsums(A[...], Z2[...], B, Y2)

    error = np.max(np.abs(e - reference)) / np.max(np.abs(reference))
    print(f"E computed in {seconds:.2f} s under {arguments.memory}; first entries: {np.array2string(e[:4])}")
    print(f"max relative error vs numpy's four einsums: {error:.3g}")
    return 0 if error <= 1e-10 else 1


if __name__ == "__main__":
    sys.exit(main())
