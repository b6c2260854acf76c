"""Each error kind raises the Python exception issue 14 names, with the library's (the CLI's) message."""

import h5py
import numpy as np
import pytest

import tilesum as ts


def test_bad_subscripts_are_a_value_error():
    with pytest.raises(ValueError, match="->"):
        ts.einsum("ij->->i", np.ones((2, 2)))


def test_a_shape_mismatch_is_a_value_error_naming_the_index():
    with pytest.raises(ValueError, match="'j'"):
        ts.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 5)))


def test_an_unsupported_function_argument_is_a_value_error_naming_the_function():
    with pytest.raises(ValueError, match="exp"):
        ts.exp(ts.einsum("i->i", np.ones(3, dtype=np.complex128)))


def test_usage_errors_are_value_errors():
    A = ts.einsum("ij->ij", np.ones((4, 4)))
    with pytest.raises(ValueError, match="'z'"):
        A.compute(tile={"z": 2})
    with pytest.raises(ValueError, match="lots"):
        A.compute(memory="lots")
    with pytest.raises(ValueError, match="bogus"):
        A.compute(strategy="bogus")
    with pytest.raises(TypeError, match="dtype"):
        ts.einsum("ij->i", np.ones((2, 2)), dtype=np.float32)


def test_a_budget_too_small_is_a_memory_error_naming_the_smallest_budget(tmp_path):
    E = ts.einsum("ij,jk->ik", np.ones((300, 300)), np.ones((300, 300)))
    with pytest.raises(ts.BudgetError, match="smallest budget tilesum accepts is --memory 1MiB") as raised:
        E.compute(memory="100KiB")
    assert isinstance(raised.value, MemoryError)
    # Four chunked HDF5 inputs: their chunk caches alone take more than the budget.
    with h5py.File(tmp_path / "chunked.h5", "w") as file:
        for name in "ABCD":
            file.create_dataset(name, data=np.ones((12, 12)), chunks=(4, 12))
    inputs = [ts.hdf5(tmp_path / "chunked.h5", name) for name in "ABCD"]
    with pytest.raises(MemoryError, match="chunk caches .* give --memory well above"):
        ts.einsum("ij,jk,kl,lm->im", *inputs).compute(memory="2MiB")


def test_file_problems_are_os_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        ts.hdf5(tmp_path / "missing.h5", "A")
    with pytest.raises(FileNotFoundError):
        ts.npy(tmp_path / "missing.npy")
    not_hdf5 = tmp_path / "not.h5"
    not_hdf5.write_text("this is not an HDF5 file\n")
    with pytest.raises(ValueError, match="not an HDF5 file; tilesum will not overwrite it"):  # a usage error
        ts.einsum("i->i", np.ones(3)).to_hdf5(not_hdf5, "E")


def test_a_failed_read_is_an_os_error_naming_the_file(tmp_path):
    # A gzip chunk overwritten with garbage: the file opens, the read of that chunk fails mid-run (kind io).
    path = tmp_path / "corrupt.h5"
    with h5py.File(path, "w") as file:
        dataset = file.create_dataset("A", data=np.ones((64, 64)), chunks=(16, 64), compression="gzip")
        chunk = dataset.id.get_chunk_info(1)
    with open(path, "r+b") as file:
        file.seek(chunk.byte_offset)
        file.write(b"\xff" * chunk.size)
    with pytest.raises(OSError, match="cannot read dataset '/A' in .*corrupt.h5"):
        ts.einsum("ij->i", ts.hdf5(path, "A")).compute()


def test_nothing_is_computed_for_a_bool_or_a_comparison():
    E = ts.einsum("i->i", np.ones(3))
    with pytest.raises(TypeError):
        bool(E)


def test_a_complex_result_is_computed_into_memory_and_to_hdf5_alike(tmp_path):
    values = np.array([1 + 2j, 3 - 1j])
    E = ts.einsum("i->i", values) * 2.0
    assert E.dtype == np.complex128
    np.testing.assert_array_equal(E.compute(), 2.0 * values)
    E.to_hdf5(tmp_path / "complex.h5", "E")
    with h5py.File(tmp_path / "complex.h5", "r") as file:
        np.testing.assert_array_equal(file["E"][...], 2.0 * values)
