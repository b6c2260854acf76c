#!/usr/bin/python3
"""Check the E that data/seed.tsum computed against the seed's own four-term formula.

The script computes, with S = C + C2 a (q, n, n) tensor that is never materialized,
    S_ijk = B_i A_jk + Y2_j Z2_ik,        E_k = sum_ij S_ijk S_ikj.
Multiplying out the two sums gives four terms, each O(n^2 + q n) to evaluate:
    E_k = (sum_i B_i^2) sum_j A_jk A_kj          (B B) (A o A^T) column sums
        + Y2_k sum_j A_jk w_j                    w^T A
        + w_k sum_j A_kj Y2_j                    A Y2
        + Y2_k sum_i Z2_ik (sum_j Z2_ij Y2_j)    Z2^T (Z2 Y2)
where w_j = sum_i B_i Z2_ij. A and Z2 are read in blocks of rows (and A also in the matching blocks of columns,
for the A_jk A_kj term), accumulating in float64, so memory stays bounded for any n and q.

Prints E's first entries and "max relative error vs four-term formula: X" with X = max|E - ref| / max|ref|;
exits 1 if X exceeds --rtol (default 1e-10 for a float64 E, 1e-4 for float32), 2 on bad input.

    /usr/bin/python3 tools/data/check_seed.py --data data/generated/seed_in.h5 --out data/generated/seed_out.h5
"""

import argparse
import sys

import h5py
import numpy as np

DEFAULT_BLOCK_BYTES = 32 << 20
DEFAULT_RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


def _rows_per_block(extent, block_bytes):
    return max(1, block_bytes // (8 * max(1, extent)))


def _as_f64(block):
    return np.asarray(block, dtype=np.float64)


def four_term(A, B, Y2, Z2, block_bytes=DEFAULT_BLOCK_BYTES):
    """E of data/seed.tsum by the four-term formula, in float64.

    A, B, Y2, Z2 may be numpy arrays or h5py datasets: only whole vectors, row blocks X[r0:r1, :] and column
    blocks X[:, c0:c1] are read, never a whole matrix.
    """
    n, q = A.shape[0], B.shape[0]
    if A.shape != (n, n) or B.shape != (q,) or Y2.shape != (n,) or Z2.shape != (q, n):
        raise ValueError(f"shapes do not fit the seed: A {A.shape}, B {B.shape}, Y2 {Y2.shape}, Z2 {Z2.shape}; "
                         f"expected A (n,n), B (q,), Y2 (n,), Z2 (q,n)")
    B = _as_f64(B[...])
    Y2 = _as_f64(Y2[...])

    # One pass over Z2's rows i: w = B^T Z2 and Z2^T (Z2 Y2).
    w = np.zeros(n)
    z2t_z2_y2 = np.zeros(n)
    block_rows = _rows_per_block(n, block_bytes)
    for row_begin in range(0, q, block_rows):
        rows = slice(row_begin, min(q, row_begin + block_rows))
        z2_block = _as_f64(Z2[rows, :])
        w += B[rows] @ z2_block
        z2t_z2_y2 += (z2_block @ Y2) @ z2_block

    # One pass over A's row blocks J, each with the matching column block A[:, J].
    a_at_diag = np.zeros(n)  # sum_j A_kj A_jk
    wt_a = np.zeros(n)       # sum_j w_j A_jk
    a_y2 = np.zeros(n)       # sum_j A_kj Y2_j
    for row_begin in range(0, n, block_rows):
        block = slice(row_begin, min(n, row_begin + block_rows))
        a_rows = _as_f64(A[block, :])     # A[k, j] for k in the block
        a_cols = _as_f64(A[:, block])     # A[j, k] for k in the block
        wt_a += w[block] @ a_rows
        a_y2[block] = a_rows @ Y2
        a_at_diag[block] = np.einsum("kj,jk->k", a_rows, a_cols)

    return (B @ B) * a_at_diag + Y2 * wt_a + w * a_y2 + Y2 * z2t_z2_y2


def max_relative_error(actual, reference):
    """max |actual - reference| / max |reference| (the absolute error if the reference is all zeros)."""
    actual = np.asarray(actual, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    scale = np.max(np.abs(reference)) if reference.size else 0.0
    error = np.max(np.abs(actual - reference)) if reference.size else 0.0
    return float(error / scale) if scale > 0 else float(error)


def _show(values):
    return np.array2string(values, precision=10, separator=", ", max_line_width=1000)


def check(data_path, out_path, rtol=None, name="E"):
    """Print the report; return the exit status (0 ok, 1 too far from the formula, 2 bad input)."""
    with h5py.File(data_path, "r") as data, h5py.File(out_path, "r") as out:
        missing = [key for key in ("A", "B", "Y2", "Z2") if key not in data]
        if missing:
            print(f"check_seed: error: {data_path} has no dataset {', '.join('/' + key for key in missing)}",
                  file=sys.stderr)
            return 2
        if name not in out:
            print(f"check_seed: error: {out_path} has no dataset /{name}", file=sys.stderr)
            return 2
        reference = four_term(data["A"], data["B"], data["Y2"], data["Z2"])
        result = out[name][...]

    if result.shape != reference.shape:
        print(f"check_seed: error: /{name} has shape {result.shape}, expected {reference.shape}", file=sys.stderr)
        return 1
    if rtol is None:
        rtol = DEFAULT_RTOL.get(result.dtype, 1e-10)
    error = max_relative_error(result, reference)
    shown = min(5, result.size)
    print(f"{name}: shape {result.shape}, {result.dtype}")
    print(f"{name}[:{shown}]   = {_show(result[:shown])}")
    print(f"reference = {_show(reference[:shown])}")
    print(f"max relative error vs four-term formula: {error:.3e}")
    if not error <= rtol:  # also catches NaN
        print(f"check_seed: FAILED: above rtol {rtol:g}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the inputs (gen_seed.py output)")
    parser.add_argument("--out", required=True, help="tilesum's output file, holding /E")
    parser.add_argument("--rtol", type=float, default=None,
                        help="largest accepted max|E-ref|/max|ref| (default 1e-10 float64, 1e-4 float32)")
    args = parser.parse_args(argv)
    try:
        return check(args.data, args.out, args.rtol)
    except (OSError, ValueError) as error:
        print(f"check_seed: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
