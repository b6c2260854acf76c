"""ts.einsum's numpy keywords (issue 14): dtype=, casting=, order= and optimize= with numpy's rules and errors,
compared with np.einsum on the same operands (values, shape, dtype, memory order, exception type and message)."""

import numpy as np
import pytest

import tilesum as ts


def operands(seed):
    rng = np.random.default_rng(seed)
    return {
        "A_i4": rng.integers(-9, 10, size=(4, 5)).astype(np.int32),
        "b_i4": rng.integers(-9, 10, size=5).astype(np.int32),
        "A_f8": rng.standard_normal((4, 5)),
        "b_f8": rng.standard_normal(5),
        "A_u1": rng.integers(0, 256, size=(4, 5)).astype(np.uint8),
        "b_u1": rng.integers(0, 256, size=5).astype(np.uint8),
        "A_f4": rng.standard_normal((4, 5)).astype(np.float32),
        "b_b1": rng.integers(0, 2, size=5).astype(bool),
    }


def assert_same(actual, expected, what, rtol=1e-6):
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, numpy {expected.dtype}"
    assert actual.shape == expected.shape, what
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
    else:
        # Relative to the largest value: numpy rounds operands and partial sums to the dtype, tilesum rounds once.
        scale = float(np.max(np.abs(expected))) if expected.size else 1.0
        np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale, err_msg=what)


# (A, b, keywords) that numpy computes: einsum("ij,j->i", A, b, **keywords).
COMPUTED = [
    ("A_i4", "b_i4", {"dtype": "f8", "casting": "unsafe"}),
    ("A_i4", "b_i4", {"dtype": "f8"}),
    ("A_i4", "b_i4", {"dtype": np.float64, "casting": "safe"}),
    ("A_i4", "b_i4", {"dtype": "i8"}),
    ("A_i4", "b_i4", {"dtype": "f4", "casting": "same_kind"}),
    ("A_u1", "b_u1", {"dtype": "u2"}),
    ("A_u1", "b_u1", {"dtype": "i4"}),
    ("A_u1", "b_u1", {}),
    ("A_f8", "b_f8", {"dtype": "f4", "casting": "same_kind"}),
    ("A_f8", "b_f8", {"dtype": "f2", "casting": "unsafe"}),
    ("A_f4", "b_f8", {"dtype": "f8"}),
    ("A_f4", "b_b1", {"dtype": "f4", "casting": "same_kind"}),
    ("A_i4", "b_i4", {"casting": "no"}),
    ("A_i4", "b_i4", {"casting": "equiv", "order": "F"}),
    ("A_f8", "b_f8", {"dtype": None, "order": None}),
    ("A_f8", "b_f8", {"optimize": ["einsum_path", (0, 1)]}),
    ("A_f8", "b_f8", {"optimize": "greedy"}),
]


@pytest.mark.parametrize("a,b,keywords", COMPUTED)
def test_keywords_numpy_computes_give_numpy_results(a, b, keywords):
    data = operands(1)
    expected = np.einsum("ij,j->i", data[a], data[b], **keywords)
    lazy = ts.einsum("ij,j->i", data[a], data[b], **keywords)
    assert lazy.dtype == expected.dtype
    assert_same(lazy.compute(), expected, f"{a}, {b}, {keywords}", rtol=4e-3 if expected.dtype == np.float16 else 1e-6)


def test_order_gives_the_memory_layout_numpy_gives():
    A = operands(2)["A_f8"]
    for order in ["C", "F", "A", "K", "c", "f"]:
        expected = np.einsum("ij,kj->ik", A, A, order=order)
        actual = ts.einsum("ij,kj->ik", A, A, order=order).compute()
        assert actual.flags["F_CONTIGUOUS"] == expected.flags["F_CONTIGUOUS"], order
        assert actual.flags["C_CONTIGUOUS"] == expected.flags["C_CONTIGUOUS"], order
        np.testing.assert_allclose(actual, expected, rtol=1e-12)


def test_the_int32_example_of_issue_14_returns_float64():
    data = operands(3)
    result = ts.einsum("ij,j", data["A_i4"], data["b_i4"], dtype="f8", casting="unsafe").compute()
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, data["A_i4"].astype(float) @ data["b_i4"])


# (A, b, keywords) that numpy refuses, with the same exception type and message.
REFUSED = [
    ("A_f8", "b_f8", {"dtype": "i4"}),
    ("A_f8", "b_f8", {"casting": "blah"}),
    ("A_f8", "b_f8", {"casting": None}),
    ("A_f8", "b_f8", {"dtype": "blah"}),
    ("A_f8", "b_f8", {"bad_kwarg": True}),
    ("A_f8", "b_f8", {"order": "X"}),
    ("A_i4", "b_i4", {"dtype": "f4"}),
    ("A_i4", "b_f8", {"casting": "no"}),
    ("A_i4", "b_f8", {"casting": "equiv"}),
    ("A_i4", "b_i4", {"dtype": "f8", "casting": "no"}),
    ("A_u1", "b_i4", {"dtype": "u1", "casting": "same_kind"}),
    ("A_f8", "b_f8", {"optimize": ["einsum_path"]}),
    ("A_f8", "b_f8", {"optimize": ["blah"]}),
    ("A_f8", "b_f8", {"optimize": ["einsum_path", (0, 5)]}),
]


@pytest.mark.parametrize("a,b,keywords", REFUSED)
def test_keywords_numpy_refuses_raise_as_numpy(a, b, keywords):
    data = operands(4)
    with pytest.raises(Exception) as numpy_error:
        np.einsum("ij,j->i", data[a], data[b], **keywords)
    with pytest.raises(Exception) as tilesum_error:
        ts.einsum("ij,j->i", data[a], data[b], **keywords)
    assert type(tilesum_error.value) is type(numpy_error.value)
    assert str(tilesum_error.value) == str(numpy_error.value)


def test_an_incomplete_explicit_path_is_refused_as_numpy_refuses_it():
    data = operands(5)
    arguments = ("ij,j,j->i", data["A_f8"], data["b_f8"], data["b_f8"])
    with pytest.raises(KeyError) as numpy_error:
        np.einsum(*arguments, optimize="blah")
    with pytest.raises(KeyError) as tilesum_error:
        ts.einsum(*arguments, optimize="blah")
    assert str(tilesum_error.value) == str(numpy_error.value)
    path = ["einsum_path", (0, 1)]
    with pytest.raises(RuntimeError) as numpy_error:
        np.einsum(*arguments, optimize=path)
    with pytest.raises(RuntimeError) as tilesum_error:
        ts.einsum(*arguments, optimize=path)
    assert str(tilesum_error.value) == str(numpy_error.value)
    for path in (["einsum_path", (0, 1), (0, 1)], ["einsum_path", (1, 2), (0, 1)], ["einsum_path", (0, 1, 2)],
                 ("greedy", 1e9), "optimal", True):
        np.testing.assert_allclose(ts.einsum(*arguments, optimize=path).compute(),
                                   np.einsum(*arguments, optimize=path), rtol=1e-12)


def test_dtypes_numpy_reaches_by_changing_numpy_operands_cast_them_as_numpy_does():
    data = operands(6)
    # numpy truncates float64 operands to int32 (wraps int32 into uint8) first: arrays in memory are cast alike.
    for a, b, dtype in [("A_f8", "b_f8", "i4"), ("A_i4", "b_i4", "u1"), ("A_f8", "b_f8", "?")]:
        expected = np.einsum("ij,j->i", data[a], data[b], dtype=dtype, casting="unsafe")
        actual = ts.einsum("ij,j->i", data[a], data[b], dtype=dtype, casting="unsafe").compute()
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual, expected)


def test_dtypes_numpy_reaches_by_changing_lazy_operand_values_are_refused_not_ignored():
    data = operands(6)
    lazy = ts.einsum("ij->ij", data["A_f8"])
    with pytest.raises(ValueError, match="truncating or wrapping"):
        ts.einsum("ij,j->i", lazy, data["b_f8"], dtype="i4", casting="unsafe")
    with pytest.raises(ValueError, match="not supported yet"):
        ts.einsum("ij,j->i", data["A_f8"], data["b_f8"], dtype="c16")


def test_order_a_follows_fortran_ordered_operands():
    A = np.asfortranarray(operands(2)["A_f8"])
    for operands_given in [(A, A), (A, np.ascontiguousarray(A))]:
        expected = np.einsum("ij,kj->ik", *operands_given, order="A")
        actual = ts.einsum("ij,kj->ik", *operands_given, order="A").compute()
        assert actual.flags["F_CONTIGUOUS"] == expected.flags["F_CONTIGUOUS"]
        np.testing.assert_allclose(actual, expected, rtol=1e-12)


def test_scalar_operands_are_typed_by_value_next_to_arrays():
    half = np.arange(4, dtype=np.float16)
    for scalar in [np.float16(2), np.float64(2), 2.0, np.array(2.0), np.int64(3)]:
        expected = np.einsum("i,->i", half, scalar)
        actual = ts.einsum("i,->i", half, scalar)
        assert actual.dtype == expected.dtype, scalar
        np.testing.assert_array_equal(actual.compute(), expected)


def test_out_takes_the_result_under_the_casting_given():
    data = operands(6)
    out = np.zeros(data["A_f8"].shape[0], dtype=np.float32)
    with pytest.raises(TypeError, match="casting='safe'"):
        ts.einsum("ij,j->i", data["A_f8"], data["b_f8"], out=out)
    ts.einsum("ij,j->i", data["A_f8"], data["b_f8"], out=out, casting="same_kind")
    np.testing.assert_array_equal(out, np.einsum("ij,j->i", data["A_f8"], data["b_f8"]).astype(np.float32))


def test_no_operands_is_a_value_error_as_in_numpy():
    with pytest.raises(ValueError, match="No input operands"):
        ts.einsum()
    with pytest.raises(ValueError, match="No input operands"):
        ts.einsum("")