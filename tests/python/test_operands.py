"""Operands: borrowed float64 arrays (no copy), other layouts and dtypes, numbers, h5py datasets, numpy's ufuncs."""

import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import tilesum as ts


def test_other_layouts_and_dtypes_are_converted_correctly():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((5, 7))
    v = rng.standard_normal(7)
    cases = {
        "fortran order": np.asfortranarray(A),
        "transposed view": A.T.copy().T,
        "strided view": np.repeat(A, 2, axis=1)[:, ::2],
        "big-endian": A.astype(">f8"),
    }
    for description, operand in cases.items():
        np.testing.assert_allclose(ts.einsum("ij,j->i", operand, v).compute(), A @ v, rtol=1e-12,
                                   err_msg=description)
    ints = rng.integers(-9, 9, size=(5, 7)).astype(np.int32)
    lazy = ts.einsum("ij->i", ints)
    assert lazy.dtype == np.int32
    result = lazy.compute()
    assert result.dtype == np.int32
    np.testing.assert_array_equal(result, ints.sum(axis=1))
    singles = A.astype(np.float32)
    assert ts.einsum("ij,ij->i", singles, singles).compute().dtype == np.float32
    with pytest.raises(TypeError, match="float128"):
        ts.einsum("ij->i", A.astype(np.longdouble))


def test_numbers_and_numpy_ufuncs_stay_lazy():
    rng = np.random.default_rng(4)
    A = rng.uniform(0.5, 2.0, size=(4, 6))
    E = ts.einsum("ij->ij", A)
    cases = [
        (1.0 + E - 0.25, 1.0 + A - 0.25),
        (2.0 - E, 2.0 - A),
        (3.0 / E, 3.0 / A),
        (E / A, np.ones_like(A)),
        (E ** 2, A ** 2),
        (2.0 ** E, 2.0 ** A),
        (np.exp(E), np.exp(A)),
        (np.log(E) + np.sqrt(E), np.log(A) + np.sqrt(A)),
        (A * E, A * A),
        (np.maximum(E, 1.0), np.maximum(A, 1.0)),
        (ts.where(E > 1.0, E, -E), np.where(A > 1.0, A, -A)),
        (ts.minimum(E, A * 0.9), np.minimum(A, A * 0.9)),
    ]
    for index, (lazy, expected) in enumerate(cases):
        assert isinstance(lazy, ts.Expr), index
        np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12, err_msg=str(index))


def test_an_h5py_dataset_used_twice_and_with_a_numpy_array(tmp_path):
    rng = np.random.default_rng(5)
    A = rng.standard_normal((6, 6))
    with h5py.File(tmp_path / "a.h5", "w") as file:
        file["A"] = A
    with h5py.File(tmp_path / "a.h5", "r") as file:
        lazy = ts.einsum("ij,jk->ik", file["A"], file["A"]) + A
        np.testing.assert_allclose(lazy.compute(), A @ A + A, rtol=1e-12)


def test_a_scalar_output():
    A = np.arange(12.0).reshape(3, 4)
    result = ts.einsum("ij->", A).compute()
    assert result.shape == () and float(result) == 66.0


def test_a_borrowed_float64_array_is_not_copied():
    # In a fresh interpreter: peak RSS after computing from a 400 MB array grows by far less than the array would.
    script = textwrap.dedent("""
        import resource, numpy as np, tilesum as ts
        A = np.ones((10000, 5000))                       # 400 MB, touched
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        total = ts.einsum("ij->", A).compute(memory="64MiB", threads=2)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        assert float(total) == 5e7, total
        print(grown // 1024)
    """)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    grown_mib = int(completed.stdout.strip())
    assert grown_mib < 128, f"peak RSS grew by {grown_mib} MiB computing from a 381 MiB array"


def test_an_input_dataset_and_an_output_may_share_a_name(tmp_path):
    with h5py.File(tmp_path / "in.h5", "w") as file:
        file["E"] = np.arange(4.0)
    with h5py.File(tmp_path / "in.h5", "r") as file:
        E = ts.einsum("i->i", file["E"]) + file["E"]
        assert "h5:E" in E.explain()  # inputs are named after their source
        np.testing.assert_array_equal(ts.compute({"E": E})["E"], 2 * np.arange(4.0))
        E.to_hdf5(tmp_path / "out.h5", "E")
    with h5py.File(tmp_path / "out.h5", "r") as file:
        np.testing.assert_array_equal(file["E"][...], 2 * np.arange(4.0))
    with pytest.raises(ValueError, match="':'"):
        ts.compute({"a:b": E})


def test_numpy_einsum_and_where_on_lazy_operands_stay_lazy():
    rng = np.random.default_rng(6)
    A, B = rng.standard_normal((4, 5)), rng.standard_normal((5, 3))
    E = ts.einsum("ij->ij", A)
    lazy = np.einsum("ij,jk->ik", E, B)
    assert isinstance(lazy, ts.Expr)
    np.testing.assert_allclose(lazy.compute(), A @ B, rtol=1e-12)
    chosen = np.where(E > 0.0, E, 0.5 * E)
    assert isinstance(chosen, ts.Expr)
    np.testing.assert_allclose(chosen.compute(), np.where(A > 0, A, 0.5 * A), rtol=1e-12)
    with pytest.raises(TypeError):
        np.concatenate([E, E])  # not a lazy function: refused, never computed behind the user's back


def test_python_numbers_as_einsum_operands():
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(ts.einsum(",ij->ij", 2.5, A).compute(), 2.5 * A, rtol=1e-12)


def test_an_h5py_operand_larger_than_the_budget(tmp_path):
    # 8 MiB of A under a 2 MiB budget: the library reads it in row blocks, never whole.
    rng = np.random.default_rng(7)
    A = rng.standard_normal((1024, 1024))
    v = rng.standard_normal(1024)
    with h5py.File(tmp_path / "big.h5", "w") as file:
        file["A"] = A
    with h5py.File(tmp_path / "big.h5", "r") as file:
        lazy = ts.einsum("ij,j->i", file["A"], v)
        explained = lazy.explain(memory="2MiB")
        tiles = int(explained.split("tiles:")[1].split(",")[0])
        assert tiles > 4, explained
        np.testing.assert_allclose(lazy.compute(memory="2MiB"), A @ v, rtol=1e-12)


def test_zero_dimensional_arrays_of_every_dtype_stay_zero_dimensional():
    for dtype in ["f8", "f4", "f2", "i8", "i1", "u2", "?", "c16", ">f8"]:
        value = np.asarray(3, dtype=dtype)
        lazy = ts.einsum("->", value)
        assert lazy.shape == (), dtype
        assert lazy.compute() == np.einsum("->", value), dtype


def test_arrays_of_small_dtypes_are_borrowed_without_a_file_or_a_float64_copy():
    # In a fresh interpreter: a 200 MB int32 array computes with no temporary .npy file written and a peak RSS that
    # grows by far less than the array (a float64 copy would be 400 MB).
    script = textwrap.dedent("""
        import glob, os, resource, tempfile, numpy as np, tilesum as ts
        A = np.ones((10000, 5000), dtype=np.int32)       # 200 MB, touched
        files = set(glob.glob(os.path.join(tempfile.gettempdir(), "tilesum-*.npy")))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        lazy = ts.einsum("ij->", A)
        assert set(glob.glob(os.path.join(tempfile.gettempdir(), "tilesum-*.npy"))) == files, "a .npy was written"
        total = lazy.compute(memory="64MiB", threads=2)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        assert total.dtype == np.int32 and int(total) == 50000000, (total, total.dtype)  # numpy: int32 too
        print(grown // 1024)
    """)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    grown_mib = int(completed.stdout.strip())
    assert grown_mib < 128, f"peak RSS grew by {grown_mib} MiB computing from a 191 MiB int32 array"


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int32", "int64", "float16", "float32"])
def test_small_dtype_arrays_in_any_layout_compute_as_numpy(dtype):
    rng = np.random.default_rng(8)
    base = rng.integers(0, 2, size=(6, 9)).astype(bool) if dtype == "bool" else \
        rng.integers(-50, 50, size=(6, 9)).astype(dtype)
    layouts = {
        "C order": base,
        "fortran order": np.asfortranarray(base),
        "strided view": np.repeat(base, 2, axis=1)[:, ::2],
        "byte-swapped": base.astype(base.dtype.newbyteorder(">")),
    }
    for description, operand in layouts.items():
        result = ts.einsum("ij->j", operand).compute()
        expected = np.einsum("ij->j", base)
        assert result.dtype == expected.dtype, f"{description}: {result.dtype} vs numpy {expected.dtype}"
        np.testing.assert_allclose(result.astype(np.float64), expected.astype(np.float64), rtol=2e-3,
                                   err_msg=description)


def test_a_borrowed_int64_array_beyond_2_53_is_refused_naming_the_input():
    A = np.array([[1, 2], [3, (1 << 53) + 1]], dtype=np.int64)
    with pytest.raises(ValueError, match=r"2\^53"):
        ts.einsum("ij->i", A).compute()
