"""Randomized expressions (fixed seeds) through the Python API against numpy: values, shape and dtype.

Each case draws a random einsum over 1 to 3 operands, then wraps it in random elementwise steps (sums,
differences, scaling, products with another einsum of the same shape, functions), building the lazy expression and
numpy's value side by side. The operands are numpy arrays, or in every third case h5py datasets, ts.hdf5() and
ts.npy() inputs mixed with numpy arrays."""

import h5py
import numpy as np
import pytest

import tilesum as ts

LABELS = "ijklm"
CASES = 150


def random_operand(rng, labels, extents, dtype):
    shape = tuple(extents[label] for label in labels)
    if dtype == np.int32:
        return rng.integers(-4, 5, size=shape).astype(np.int32)
    values = rng.standard_normal(shape).astype(dtype)
    return values


def random_einsum(rng, extents, output_labels, dtype):
    """(subscripts, operands) of a random einsum whose output is `output_labels`."""
    operand_count = int(rng.integers(1, 4))
    used = list(output_labels) + [label for label in LABELS if label not in output_labels and rng.random() < 0.4]
    if not used:  # a full contraction needs at least one label
        used = [str(rng.choice(list(LABELS)))]
    terms = []
    for _ in range(operand_count):
        count = int(rng.integers(1, min(3, len(used)) + 1))
        terms.append("".join(rng.choice(used, size=count, replace=False)))
    # every output label must appear in some operand
    missing = [label for label in output_labels if not any(label in term for term in terms)]
    terms[-1] += "".join(missing)
    subscripts = ",".join(terms) + "->" + output_labels
    operands = [random_operand(rng, term, extents, dtype) for term in terms]
    return subscripts, operands


def from_files(rng, operands, h5file, directory):
    """The operands as h5py datasets of `h5file`, ts.hdf5() and ts.npy() inputs or numpy arrays, at random."""
    mixed = []
    for position, values in enumerate(operands):
        kind = rng.choice(["h5py", "hdf5", "npy", "numpy"])
        name = f"operand{len(h5file)}"
        if kind in ("h5py", "hdf5"):
            h5file.create_dataset(name, data=values)
            h5file.flush()
            mixed.append(h5file[name] if kind == "h5py" else ts.hdf5(h5file.filename, name))
        elif kind == "npy":
            path = directory / f"{name}_{position}.npy"
            np.save(path, values)
            mixed.append(ts.npy(path))
        else:
            mixed.append(values)
    return mixed


def random_case(seed, h5file=None, directory=None):
    """(lazy expression, numpy value, description) of case `seed`; with an open HDF5 file, some operands are read
    from files."""
    rng = np.random.default_rng(seed)
    extents = {label: int(rng.integers(1, 6)) for label in LABELS}
    output_labels = "".join(rng.choice(list(LABELS), size=int(rng.integers(0, 4)), replace=False))
    dtype = np.float64 if seed % 5 else rng.choice([np.int32, np.float32])
    subscripts, operands = random_einsum(rng, extents, output_labels, dtype)
    lazy_operands = operands if h5file is None else from_files(rng, operands, h5file, directory)
    lazy = ts.einsum(subscripts, *lazy_operands)
    value = np.einsum(subscripts, *operands)
    steps = [subscripts]
    if dtype != np.float64:
        return lazy, value, " ".join(steps)  # numpy's own dtype rules for the einsum itself
    for _ in range(int(rng.integers(0, 4))):
        step = rng.choice(["add", "sub", "scale", "divide", "multiply", "negate", "function", "scalar_add"])
        if step in ("add", "sub", "multiply"):
            other_subscripts, other_operands = random_einsum(rng, extents, output_labels, np.float64)
            other_lazy = ts.einsum(other_subscripts, *other_operands)
            other_value = np.einsum(other_subscripts, *other_operands)
            if rng.random() < 0.3:  # a plain numpy array on one side
                other_lazy = other_value
            lazy, value = {"add": (lazy + other_lazy, value + other_value),
                           "sub": (lazy - other_lazy, value - other_value),
                           "multiply": (lazy * other_lazy, value * other_value)}[step]
            steps.append(f"{step} {other_subscripts}")
        elif step == "scale":
            factor = float(rng.uniform(-3, 3))
            lazy, value = factor * lazy, factor * value
            steps.append(f"* {factor}")
        elif step == "divide":
            lazy, value = lazy / 4.0, value / 4.0
            steps.append("/ 4")
        elif step == "scalar_add":
            lazy, value = lazy + 1.5, value + 1.5
            steps.append("+ 1.5")
        elif step == "negate":
            lazy, value = -lazy, -value
            steps.append("negate")
        else:
            name = rng.choice(["tanh", "sin", "cos", "abs", "exp_scaled", "sqrt_abs"])
            if name == "exp_scaled":
                lazy, value = ts.exp(lazy * 0.01), np.exp(value * 0.01)
            elif name == "sqrt_abs":
                lazy, value = ts.sqrt(ts.abs(lazy)), np.sqrt(np.abs(value))
            else:
                lazy, value = getattr(ts, name)(lazy), getattr(np, name)(value)
            steps.append(name)
    return lazy, value, " | ".join(steps)


@pytest.mark.parametrize("seed", range(CASES))
def test_random_expression_equals_numpy(seed, tmp_path):
    if seed % 3:
        lazy, value, description = random_case(seed)
    else:
        with h5py.File(tmp_path / "operands.h5", "w") as h5file:
            lazy, value, description = random_case(seed, h5file, tmp_path)
            check(lazy, value, description + " (operands from files)")
        return
    check(lazy, value, description)


def check(lazy, value, description):
    value = np.asarray(value)
    assert lazy.shape == value.shape, description
    assert lazy.dtype == value.dtype, description
    result = lazy.compute(memory="2MiB", threads=2)
    assert result.shape == value.shape and result.dtype == value.dtype, description
    rtol = 1e-5 if value.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(result, value, rtol=rtol, atol=rtol * (1 + np.abs(value).max(initial=0)),
                               err_msg=description)
