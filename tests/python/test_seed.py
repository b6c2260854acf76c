"""The seed of issue 14 through the Python module, from numpy arrays and h5py datasets, against numpy."""

import h5py
import numpy as np
import pytest

import tilesum as ts

N, Q = 12, 9


@pytest.fixture
def seed_arrays():
    rng = np.random.default_rng(14)
    return {"A": rng.standard_normal((N, N)), "Z2": rng.standard_normal((Q, N)), "B": rng.standard_normal(Q),
            "Y2": rng.standard_normal(N)}


def numpy_seed(A, Z2, B, Y2):
    C = np.einsum("i,jk->ijk", B, A)
    C2 = np.einsum("j,ik->ijk", Y2, Z2)
    return np.einsum("ijk,ikj->k", C + C2, C + C2)


def lazy_seed(A, Z2, B, Y2):
    C = ts.einsum("i,jk->ijk", B, A)
    C2 = ts.einsum("j,ik->ijk", Y2, Z2)
    return ts.einsum("ijk,ikj->k", C + C2, C + C2)


def test_the_seed_from_numpy_arrays_equals_numpy(seed_arrays):
    E = lazy_seed(**seed_arrays)
    assert isinstance(E, ts.Expr)
    assert E.shape == (N,)
    assert E.dtype == np.float64
    expected = numpy_seed(**seed_arrays)
    for options in ({}, {"memory": "4MiB", "threads": 2, "tile": {"k": 3}}, {"strategy": "expand"},
                    {"strategy": "tile", "threads": 1}):
        e = E.compute(**options)
        assert e.dtype == np.float64 and e.shape == (N,)
        np.testing.assert_allclose(e, expected, rtol=1e-12, err_msg=str(options))
    np.testing.assert_allclose(np.asarray(E), expected, rtol=1e-12)


def test_the_seed_from_h5py_datasets_and_into_hdf5(seed_arrays, tmp_path):
    path = tmp_path / "in.h5"
    with h5py.File(path, "w") as file:
        for name, values in seed_arrays.items():
            file.create_dataset(name, data=values, chunks=values.shape if values.ndim == 1 else (4, N))
    expected = numpy_seed(**seed_arrays)
    with h5py.File(path, "r") as file:
        E = lazy_seed(**{name: file[name] for name in seed_arrays})
        np.testing.assert_allclose(E.compute(memory="16MiB"), expected, rtol=1e-12)
    E = lazy_seed(A=ts.hdf5(path, "A"), Z2=ts.hdf5(path, "/Z2"), B=seed_arrays["B"], Y2=seed_arrays["Y2"])
    out = tmp_path / "out.h5"
    E.to_hdf5(out, "E")
    with h5py.File(out, "r") as file:
        np.testing.assert_allclose(file["E"][...], expected, rtol=1e-12)
    with pytest.raises(ValueError, match="E"):  # exists: replaced only with overwrite
        (2.0 * E).to_hdf5(out, "E")
    (2.0 * E).to_hdf5(out, "E", overwrite=True)
    with h5py.File(out, "r") as file:
        np.testing.assert_allclose(file["E"][...], 2.0 * expected, rtol=1e-12)


def test_a_npy_operand(seed_arrays, tmp_path):
    np.save(tmp_path / "A.npy", seed_arrays["A"])
    E = lazy_seed(**{**seed_arrays, "A": ts.npy(tmp_path / "A.npy")})
    np.testing.assert_allclose(E.compute(), numpy_seed(**seed_arrays), rtol=1e-12)


def test_several_outputs_at_once(seed_arrays, tmp_path):
    A, B = seed_arrays["A"], seed_arrays["B"]
    C = ts.einsum("i,jk->ijk", B, A)
    outputs = {"E": ts.einsum("ijk,ikj->k", C, C), "F": ts.einsum("ijk->ij", C) * 0.5, "G": ts.exp(-C * C)}
    results = ts.compute(outputs, memory="2MiB", threads=2)
    Cn = np.einsum("i,jk->ijk", B, A)
    np.testing.assert_allclose(results["E"], np.einsum("ijk,ikj->k", Cn, Cn), rtol=1e-12)
    np.testing.assert_allclose(results["F"], np.einsum("ijk->ij", Cn) * 0.5, rtol=1e-12)
    np.testing.assert_allclose(results["G"], np.exp(-Cn * Cn), rtol=1e-12)
    ts.to_hdf5(outputs, tmp_path / "several.h5")
    with h5py.File(tmp_path / "several.h5", "r") as file:
        assert sorted(file) == ["E", "F", "G"]
        np.testing.assert_allclose(file["F"][...], results["F"], rtol=1e-12)


def test_plan_json_round_trip_and_explain(seed_arrays):
    E = lazy_seed(**seed_arrays)
    plan = E.plan(memory="4MiB", threads=2)
    text = plan.to_json()
    again = ts.Plan.from_json(text)
    assert again == plan
    assert again.to_json() == text
    assert E.plan(memory="1GiB", threads=2) != plan  # the budget is part of the plan
    explained = E.explain(memory="4MiB", threads=2)
    assert explained == plan.explain()
    assert "memory budget 4.0 MiB, 2 thread(s)" in explained
    assert f"output E ({N},) float64" in explained
    with pytest.raises(ValueError):
        ts.Plan.from_json("{not json")
