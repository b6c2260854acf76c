"""numpy's array functions that are einsums, through the Python module in numpy's own spellings: a @ b, a.T,
a.sum(axis=...), a.mean(...), np.dot, np.tensordot, np.trace, ... on lazy expressions give numpy's values, shapes
and dtypes; what numpy refuses raises, and numpy keywords tilesum cannot honour raise TypeError by name."""

import numpy as np
import pytest

import tilesum as ts


def normal(rng, *shape):
    return rng.standard_normal(shape)


def check(lazy, expected):
    """The lazy expression's shape and dtype before computing, then its values, match numpy's."""
    expected = np.asarray(expected)
    assert isinstance(lazy, ts.Expr)
    assert lazy.shape == expected.shape
    assert lazy.dtype == expected.dtype
    np.testing.assert_allclose(lazy.compute(memory="64MiB", threads=2), expected, rtol=1e-12, atol=1e-12)


MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
                 ((2, 1, 3, 4), (5, 4, 2)), ((6, 3, 4), (6, 4, 2))]


@pytest.mark.parametrize("left,right", MATMUL_SHAPES)
def test_matmul_in_every_spelling_is_numpys(left, right):
    rng = np.random.default_rng(len(left) * 10 + len(right))
    a, b = normal(rng, *left), normal(rng, *right)
    lazy_a = ts.einsum("...->...", a)  # an Expr, so that @ dispatches to it
    check(lazy_a @ b, a @ b)
    check(a @ ts.einsum("...->...", b), a @ b)
    check(ts.matmul(a, b), np.matmul(a, b))
    check(np.matmul(lazy_a, b), np.matmul(a, b))


def test_transposes_are_numpys():
    rng = np.random.default_rng(1)
    x = normal(rng, 2, 3, 4)
    lazy = ts.einsum("ijk->ijk", x)
    check(lazy.T, x.T)
    check(lazy.transpose(), x.transpose())
    check(lazy.transpose(1, 0, 2), x.transpose(1, 0, 2))
    check(lazy.transpose((2, 0, 1)), x.transpose((2, 0, 1)))
    check(np.transpose(lazy, (0, 2, 1)), np.transpose(x, (0, 2, 1)))
    check(lazy.swapaxes(0, -1), x.swapaxes(0, -1))
    check(np.swapaxes(lazy, 1, 2), np.swapaxes(x, 1, 2))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (), (2, 0, 1)])
def test_sums_and_means_over_any_axes_are_numpys(axis):
    rng = np.random.default_rng(2)
    x = normal(rng, 3, 4, 5)
    lazy = ts.einsum("ijk->ijk", x)
    check(lazy.sum(axis=axis), x.sum(axis=axis))
    check(lazy.mean(axis), x.mean(axis))
    check(np.sum(lazy, axis=axis), np.sum(x, axis=axis))
    check(np.mean(lazy, axis=axis), np.mean(x, axis=axis))


def test_integer_sums_and_means_take_numpys_dtypes():
    x = np.arange(24, dtype=np.int32).reshape(4, 6)
    check(ts.sum(x, axis=0), np.sum(x, axis=0))  # int64
    check(ts.mean(x, axis=1), np.mean(x, axis=1))  # float64


def test_products_in_numpys_other_spellings_are_numpys():
    rng = np.random.default_rng(3)
    a, b, v, c = normal(rng, 3, 4), normal(rng, 4, 5), normal(rng, 4), normal(rng, 5, 4)
    t, u, w = normal(rng, 2, 3, 4), normal(rng, 4, 3, 5), normal(rng, 3, 4, 2)
    lazy_a = ts.einsum("ij->ij", a)
    check(lazy_a.dot(b), a.dot(b))
    check(np.dot(lazy_a, v), np.dot(a, v))
    check(np.inner(lazy_a, c), np.inner(a, c))
    check(np.outer(ts.einsum("i->i", v), v), np.outer(v, v))
    check(np.tensordot(ts.einsum("ijk->ijk", t), u, axes=([1, 2], [1, 0])), np.tensordot(t, u, axes=([1, 2], [1, 0])))
    check(ts.tensordot(t, w, axes=2), np.tensordot(t, w, axes=2))


def test_traces_and_diagonals_are_numpys():
    rng = np.random.default_rng(4)
    square, cube = normal(rng, 4, 4), normal(rng, 3, 5, 3)
    check(ts.einsum("ij->ij", square).trace(), square.trace())
    check(np.trace(ts.einsum("ijk->ijk", cube), axis1=0, axis2=2), np.trace(cube, axis1=0, axis2=2))
    check(np.diagonal(ts.einsum("ij->ij", square)), np.diagonal(square))
    check(ts.diagonal(cube, axis1=2, axis2=0), np.diagonal(cube, axis1=2, axis2=0))


def test_the_seed_written_with_numpys_spellings_is_the_seed():
    rng = np.random.default_rng(5)
    n, q = 12, 9
    A, B, Y2, Z2 = normal(rng, n, n), normal(rng, q), normal(rng, n), normal(rng, q, n)
    C = ts.einsum("i,jk->ijk", B, A)
    C2 = ts.einsum("j,ik->ijk", Y2, Z2)
    S = C + C2
    lazy = (S * S.swapaxes(1, 2)).sum(axis=(0, 1))
    numpy_s = np.einsum("i,jk->ijk", B, A) + np.einsum("j,ik->ijk", Y2, Z2)
    check(lazy, (numpy_s * numpy_s.swapaxes(1, 2)).sum(axis=(0, 1)))


def test_what_numpy_refuses_raises_with_the_reason():
    rng = np.random.default_rng(6)
    lazy = ts.einsum("ij->ij", normal(rng, 3, 4))
    with pytest.raises(ValueError, match="axis"):
        lazy.sum(axis=2)
    with pytest.raises(ValueError):
        lazy @ normal(rng, 3, 5)
    with pytest.raises(ValueError):
        lazy.transpose(0, 0)


def test_keywords_tilesum_cannot_honour_are_refused_by_name():
    lazy = ts.einsum("ij->ij", np.ones((3, 4)))
    with pytest.raises(TypeError, match="keepdims"):
        lazy.sum(axis=0, keepdims=True)
    with pytest.raises(TypeError, match="dtype"):
        np.mean(lazy, dtype=np.float32)
    with pytest.raises(ValueError, match="offset"):
        lazy.trace(offset=1)
    lazy.sum(axis=0, keepdims=False)  # numpy's default: accepted


@pytest.mark.parametrize("key", [(slice(None), slice(None, 2)), slice(None, None, 2), 1, -1, (Ellipsis, -1),
                                 (1, slice(1, None), Ellipsis), (slice(3, 0, -1),), (slice(None), 2, slice(None))])
def test_basic_indexing_is_numpys(key):
    rng = np.random.default_rng(7)
    x = normal(rng, 4, 3, 5)
    check(ts.einsum("ijk->ijk", x)[key], x[key])


def test_a_slice_of_an_h5py_dataset_is_numpys(tmp_path):
    import h5py
    rng = np.random.default_rng(8)
    a, b = normal(rng, 30, 20), normal(rng, 20)
    with h5py.File(tmp_path / "in.h5", "w") as file:
        file["A"] = a
    with h5py.File(tmp_path / "in.h5", "r") as file:
        lazy = ts.einsum("ij,j->i", ts.hdf5(tmp_path / "in.h5", "A")[5:25:2], b)
        check(lazy, a[5:25:2] @ b)


def test_what_basic_indexing_refuses_raises_index_error():
    lazy = ts.einsum("ij->ij", np.ones((3, 4)))
    with pytest.raises(IndexError):
        lazy[3]
    with pytest.raises(IndexError):
        lazy[0, 0, 0]
    with pytest.raises(IndexError, match="newaxis"):
        lazy[None]
    with pytest.raises(IndexError, match="basic indexing"):
        lazy[np.array([0, 1])]


def test_numpys_interleaved_einsum_is_its_subscripts_einsum():
    rng = np.random.default_rng(9)
    a, b, t = normal(rng, 3, 4), normal(rng, 4, 5), normal(rng, 2, 3, 4)
    check(ts.einsum(a, [0, 1], b, [1, 2], [0, 2]), np.einsum(a, [0, 1], b, [1, 2], [0, 2]))
    check(ts.einsum(a, [0, 1], b, [1, 2]), np.einsum(a, [0, 1], b, [1, 2]))  # implicit output
    check(ts.einsum(t, [Ellipsis, 51], a, [1, 51], [Ellipsis, 1]), np.einsum(t, [Ellipsis, 51], a, [1, 51],
                                                                            [Ellipsis, 1]))
    check(np.einsum(ts.einsum("ij->ij", a), [0, 1], [1]), np.einsum(a, [0, 1], [1]))
    with pytest.raises(ValueError, match="sublist"):
        ts.einsum(a, [0, 52])


def test_einsum_with_out_computes_into_the_array_and_returns_it():
    rng = np.random.default_rng(10)
    a, b = normal(rng, 3, 4), normal(rng, 4, 5)
    out = np.full((3, 5), np.nan)
    returned = ts.einsum("ij,jk->ik", a, b, out=out)
    assert returned is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-12)
    fortran = np.asfortranarray(np.zeros((3, 5)))  # not C-contiguous: computed, then copied in
    ts.einsum("ij,jk->ik", a, b, out=fortran)
    np.testing.assert_allclose(fortran, a @ b, rtol=1e-12)
    wider = np.zeros(4, dtype=np.complex128)  # float64 casts safely to complex128
    np.einsum("ij->j", ts.einsum("ij->ij", a), out=wider)
    np.testing.assert_allclose(wider, a.sum(axis=0), rtol=1e-12)


def test_einsum_with_an_out_numpy_would_refuse_raises():
    a = np.ones((3, 4))
    with pytest.raises(ValueError, match="shape"):
        ts.einsum("ij->i", a, out=np.zeros(4))
    with pytest.raises(TypeError, match="safe"):
        ts.einsum("ij->i", a, out=np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="numpy array"):
        ts.einsum("ij->i", a, out=[0.0, 0.0, 0.0])
