"""bool, int8, int16, uint8, uint16, uint32, uint64 and float16 operands (issue 14): numpy arrays and h5py
datasets, computed into memory and into HDF5, against numpy 1.24 in values, shape and dtype; numpy's refusals
(bool subtract) and tilesum's (an intermediate numpy wraps and then uses in another dtype)."""

import h5py
import numpy as np
import pytest

import tilesum as ts

SMALL = ["bool", "int8", "int16", "uint8", "uint16", "uint32", "uint64", "float16"]
RTOL = {"float16": 4e-3, "float32": 1e-5, "float64": 1e-12}


def random_array(rng, dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -100), min(info.max, 250) + 1, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def assert_like_numpy(actual, expected, what):
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, numpy {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, numpy {expected.shape}"
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
    else:
        scale = max(float(np.max(np.abs(expected.astype(np.float64)))), 1e-300)
        error = float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64)))) / scale
        assert error <= RTOL[expected.dtype.name], f"{what}: relative error {error:.2e}"


def expressions(M, V, F):
    """(description, builder) pairs; each builder takes an einsum function and the operands."""
    return [
        ("einsum ij,j->i", lambda einsum, M, V, F: einsum("ij,j->i", M, V)),
        ("einsum ij,kj->ik", lambda einsum, M, V, F: einsum("ij,kj->ik", M, M)),
        ("product with float64", lambda einsum, M, V, F: einsum("ij,ij->ij", M, F)),
        ("sum of products", lambda einsum, M, V, F: einsum("ij,j->ij", M, V) * 3),
    ]


@pytest.mark.parametrize("left", SMALL)
def test_numpy_array_operands_compute_as_numpy(left):
    rng = np.random.default_rng(SMALL.index(left))
    F = rng.standard_normal((4, 6))
    for right in SMALL:
        M, V = random_array(rng, left, (4, 6)), random_array(rng, right, (6,))
        with np.errstate(all="ignore"):
            for what, build in expressions(M, V, F):
                expected = build(np.einsum, M, V, F)
                lazy = build(ts.einsum, M, V, F)
                assert lazy.dtype == expected.dtype, f"{left}, {right}, {what}"
                assert_like_numpy(lazy.compute(), expected, f"{left}, {right}, {what}")
            assert_like_numpy((ts.einsum("ij->ij", M) * V).compute(), M * V, f"{left} * {right}")
            if left != "bool" or right != "bool":
                assert_like_numpy((ts.einsum("ij->ij", M) - V).compute(), M - V, f"{left} - {right}")


def test_h5py_dataset_operands_read_and_write_every_small_dtype(tmp_path):
    rng = np.random.default_rng(7)
    arrays = {dtype: random_array(rng, dtype, (5, 8)) for dtype in SMALL}
    path = tmp_path / "in.h5"
    with h5py.File(path, "w") as file:
        for dtype, array in arrays.items():
            file.create_dataset(dtype, data=array)
            file.create_dataset(dtype + "_be", data=array.astype(array.dtype.newbyteorder(">")), chunks=(2, 4))
    out = tmp_path / "out.h5"
    with h5py.File(path, "r") as file, np.errstate(all="ignore"):
        outputs, expected = {}, {}
        for dtype, array in arrays.items():
            outputs[f"G_{dtype}"] = ts.einsum("ij,kj->ik", file[dtype], file[dtype + "_be"])
            expected[f"G_{dtype}"] = np.einsum("ij,kj->ik", array, array)
            outputs[f"T_{dtype}"] = ts.einsum("ij->ji", file[dtype])
            expected[f"T_{dtype}"] = array.T
            assert_like_numpy(outputs[f"G_{dtype}"].compute(), expected[f"G_{dtype}"], f"G {dtype} in memory")
        ts.to_hdf5(outputs, out)
    with h5py.File(out, "r") as file:
        for name, value in expected.items():
            assert_like_numpy(file[name][...], value, f"{name} read back by h5py")


def test_python_numbers_follow_numpy_value_based_casting():
    rng = np.random.default_rng(8)
    for dtype in SMALL:
        a = random_array(rng, dtype, (6,))
        lazy = ts.einsum("i->i", a)
        with np.errstate(all="ignore"):
            for number in [2, -3, 300, 2.5, True]:
                assert_like_numpy((lazy * number).compute(), a * number, f"{dtype} * {number!r}")
                assert_like_numpy((number * lazy).compute(), number * a, f"{number!r} * {dtype}")
            assert_like_numpy((lazy / 4).compute(), a / 4, f"{dtype} / 4")


def test_overflowing_integer_results_wrap_around_as_numpy():
    image = np.full((300,), 200, dtype=np.uint8)
    assert_like_numpy(ts.einsum("i,i->", image, image).compute(), np.einsum("i,i->", image, image), "uint8 dot")
    small = np.array([100, -100, 127], dtype=np.int8)
    assert_like_numpy((ts.einsum("i->i", small) * small * 3).compute(), small * small * 3, "int8 products")
    big = np.array([5, 2**40], dtype=np.uint64)
    assert_like_numpy((-ts.einsum("i->i", big)).compute(), -big, "uint64 negative")
    ints = np.array([50000, 60000], dtype=np.int32)
    assert_like_numpy(ts.einsum("i,i->i", ints, ints).compute(), ints * ints, "int32 products")


def test_bool_arithmetic_is_logical_and_bool_minus_raises_as_numpy():
    rng = np.random.default_rng(9)
    a, b = random_array(rng, "bool", (4, 5)), random_array(rng, "bool", (5, 3))
    assert_like_numpy(ts.einsum("ij,jk->ik", a, b).compute(), np.einsum("ij,jk->ik", a, b), "bool einsum")
    lazy = ts.einsum("ij->ij", a)
    assert_like_numpy((lazy + a).compute(), a + a, "bool + bool")
    assert_like_numpy((lazy < 1).compute(), a < 1, "bool comparison")
    for tilesum_version, numpy_version in [(lambda: lazy - a, lambda: a - a), (lambda: a - lazy, lambda: a - a),
                                           (lambda: -lazy, lambda: -a)]:
        with pytest.raises(TypeError, match="boolean") as numpy_error:
            numpy_version()
        with pytest.raises(TypeError, match="boolean") as tilesum_error:
            tilesum_version()
        assert str(tilesum_error.value) == str(numpy_error.value)


def test_intermediates_numpy_wraps_before_changing_dtype_are_refused():
    u8 = np.arange(250, 256, dtype=np.uint8)
    i16 = np.arange(6, dtype=np.int16)
    lazy = ts.einsum("i->i", u8)
    with pytest.raises(ValueError, match="uint8, which numpy computes modulo 2\\^bits"):
        (lazy * u8 + i16).compute()
    with pytest.raises(ValueError, match="np.exp"):
        np.exp(lazy + u8).compute()


def test_python_complex_numbers_take_numpys_dtypes_and_values():
    for dtype in ["float16", "float32", "float64", "uint8", "bool"]:
        a = np.arange(1, 4).astype(dtype)
        lazy = ts.einsum("i->i", a)
        for number in [2j, 1 + 2j]:
            for result, expected in [(lazy * number, a * number), (number * lazy, number * a),
                                     (lazy + number, a + number)]:
                assert result.dtype == expected.dtype, (dtype, number)
                computed = result.compute()
                assert computed.dtype == expected.dtype, (dtype, number)
                np.testing.assert_allclose(computed, expected, rtol=1e-6)


def test_complex_results_are_computed_into_memory_and_into_out():
    rng = np.random.default_rng(5)
    A = (rng.standard_normal((6, 5)) + 1j * rng.standard_normal((6, 5))).astype(np.complex64)
    B = rng.standard_normal((5, 4)).astype(np.float32)
    lazy = ts.einsum("ij,jk->ik", A, B)
    expected = np.einsum("ij,jk->ik", A, B)
    computed = lazy.compute()
    assert computed.dtype == expected.dtype == np.complex64
    np.testing.assert_allclose(computed, expected, rtol=1e-5)
    out = np.zeros((6, 4), dtype=np.complex128)
    assert ts.einsum("ij,jk->ik", A, B, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    together = ts.compute({"C": lazy, "R": ts.einsum("ij,jk->ik", B.T, B)})
    np.testing.assert_allclose(together["R"], B.T @ B, rtol=1e-6)
    np.testing.assert_allclose(together["C"], expected, rtol=1e-5)


def test_out_an_h5py_dataset_is_written_in_place_block_by_block(tmp_path):
    rng = np.random.default_rng(11)
    A = rng.integers(0, 256, size=(40, 30)).astype(np.uint8)
    B = rng.standard_normal((30, 20))
    path = tmp_path / "io.h5"
    with h5py.File(path, "w") as file:
        file.create_dataset("A", data=A)
        file.create_dataset("keep", data=np.arange(3.0))
        out = file.create_dataset("E", shape=(40, 20), dtype="f8")
        wide = file.create_dataset("G", shape=(4000, 40), dtype="u8")
        tall = rng.integers(0, 256, size=(4000, 30)).astype(np.uint8)
        C = rng.integers(0, 256, size=(30, 40)).astype(np.uint8)
        file.create_dataset("tall", data=tall)
        assert ts.einsum("ij,jk->ik", file["A"], B, out=out) is out
        # The smallest budget: blocks of 819 rows (a quarter of 1 MiB in float64 rows of 40), five of them.
        from tilesum import _run  # pylint: disable=import-outside-toplevel
        _run.compute_into(ts.einsum("ij,jk->ik", file["tall"], C), wide, memory="1MiB")
        with pytest.raises(ValueError, match="is an input of the expression"):
            ts.einsum("i->i", file["keep"], out=file["keep"])
        with pytest.raises(ValueError, match="shape"):
            ts.einsum("ij,jk->ik", file["A"], B, out=wide)
        with pytest.raises(TypeError, match="casting='safe'"):
            ts.einsum("ij,jk->ik", file["A"], B, out=file.create_dataset("I", shape=(40, 20), dtype="i4"))
    with h5py.File(path, "r") as file:
        np.testing.assert_allclose(file["E"][...], A @ B, rtol=1e-12)
        # numpy's uint8 einsum wraps around; out= casts it to uint64 safely.
        np.testing.assert_array_equal(file["G"][...], np.einsum("ij,jk->ik", tall, C).astype(np.uint64))
