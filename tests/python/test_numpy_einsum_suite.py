"""numpy's own einsum tests, run through tilesum.

The file is numpy/core/tests/test_einsum.py of Debian's python3-numpy (the numpy tilesum is tested against). It is
loaded as a module whose `np` is numpy with `einsum` replaced by tilesum's: every np.einsum call in it builds a
lazy ts.einsum and computes it, and numpy's own assertions check the values, shapes, dtypes and errors.

What lies outside tilesum's formats on purpose is listed in OUTSIDE, each with its reason; those tests must fail
through tilesum (strict xfail), so the list cannot go stale. Everything else must pass.
"""
import importlib.util
import os
import types

import numpy as np
import pytest

import tilesum as ts


def _tilesum_einsum(*args, **keywords):
    """np.einsum's contract through tilesum: a numpy array (a numpy scalar for a 0-d result), or `out`."""
    result = ts.einsum(*args, **keywords)
    if keywords.get("out") is not None:
        return result  # computed into out, which einsum returned
    values = result.compute()
    return values[()] if values.ndim == 0 else values


def _numpy_einsum_tests():
    path = os.path.join(os.path.dirname(np.core.__file__), "tests", "test_einsum.py")
    if not os.path.exists(path):  # Debian's python3-numpy ships its tests; a missing file is a broken install
        raise FileNotFoundError(f"numpy's einsum tests are not at {path}: install Debian's python3-numpy")
    numpy_with_tilesum = types.ModuleType("numpy_with_tilesum_einsum")
    numpy_with_tilesum.__getattr__ = lambda name: getattr(np, name)
    numpy_with_tilesum.einsum = _tilesum_einsum
    spec = importlib.util.spec_from_file_location("numpy_test_einsum", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.np = numpy_with_tilesum
    return module


_numpy_tests = _numpy_einsum_tests()

# test name -> why tilesum does not do what the test asks. Each must fail through tilesum (strict xfail).
OUTSIDE = {
    "test_einsum_views": "numpy returns views of its operands (b.base is a) for pure index permutations and "
                         "diagonals; a lazy expression is computed into a new array",
    "test_einsum_sums_longdouble": "long double (float128) operands are refused (TypeError): tilesum reads the "
                                   "dtypes HDF5 files hold, up to float64 and complex128",
    "test_einsum_sums_clongdouble": "complex256 operands are refused (TypeError), as float128",
    "test_different_paths[g]": "float128 operands are refused (TypeError)",
    "test_different_paths[G]": "complex256 operands are refused (TypeError)",
    "test_einsum_broadcast": "its int64 sums reach 2.9e19, beyond 2**63, where numpy wraps around; tilesum computes "
                             "integers in float64, exact below 2**53, and raises ValueError beyond",
    "test_output_order": "order='K' gives numpy's strides of neither order for this contraction; tilesum's "
                         "results are C- or Fortran-contiguous",
}


class TestNumpyEinsumThroughTilesum(_numpy_tests.TestEinsum):
    """numpy's TestEinsum, every np.einsum call evaluated by tilesum."""


def test_overlap_through_tilesum():
    _numpy_tests.test_overlap()


@pytest.fixture(autouse=True)
def _outside_tests_must_fail(request):
    """A test listed in OUTSIDE (by name; a parametrized one with its parameter) is a strict xfail."""
    reason = OUTSIDE.get(request.node.name)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def test_every_test_listed_outside_exists():
    names = {name for name in dir(_numpy_tests.TestEinsum) if name.startswith("test_")}
    for listed in OUTSIDE:
        assert listed.split("[")[0] in names, listed
