"""tilesum: lazy einsum expressions over data larger than memory, for numpy users.

    import numpy as np, tilesum as ts
    C  = ts.einsum("i,jk->ijk", B, A)         # lazy: an Expr with .shape and .dtype, nothing computed
    C2 = ts.einsum("j,ik->ijk", Y2, Z2)
    E  = ts.einsum("ijk,ikj->k", C + C2, C + C2)
    e  = E.compute(memory="1GiB")             # a numpy array, computed tile by tile under the budget
    E.to_hdf5("out.h5", "E")                  # streamed into a dataset, never whole in memory
    print(E.explain(memory="1GiB"))           # the plan, as `tilesum plan` prints it

Operands are numpy arrays (float64 C-contiguous ones borrowed without a copy), h5py Datasets, ts.hdf5(path, name),
ts.npy(path) and Python numbers. Errors: ValueError for what the caller can fix (the CLI's message), BudgetError (a
MemoryError) for a budget too small, OSError for failed reads and writes, KeyboardInterrupt for Ctrl-C.
docs/python.md has the whole story.
"""

import os as _os

from . import _tilesum
from ._expr import UNARY as _UNARY
from ._expr import Expr, einsum, equal, maximum, minimum, not_equal, power, where
from ._expr import diagonal, dot, inner, matmul, mean, outer, sum, swapaxes, tensordot, trace, transpose
from ._leaves import Leaf as _Leaf
from ._run import Plan, compute, plan, to_hdf5
from ._expr import leaf_expr as _leaf_expr

__version__ = _tilesum.__version__
BudgetError = _tilesum.BudgetError

exp = _UNARY["exp"]
log = _UNARY["log"]
log1p = _UNARY["log1p"]
expm1 = _UNARY["expm1"]
sqrt = _UNARY["sqrt"]
sin = _UNARY["sin"]
cos = _UNARY["cos"]
tanh = _UNARY["tanh"]
abs = _UNARY["abs"]  # pylint: disable=redefined-builtin  (numpy's name, as np.abs)
sign = _UNARY["sign"]


def hdf5(path, name):
    """hdf5(path, name) -> Expr reading dataset `name` ("/A" or "A") of the HDF5 file `path` by tiles, inside the
    library: the dataset is never loaded whole. Its shape, dtype and chunks come from the file."""
    return _leaf_expr(_Leaf("hdf5", file=_os.fspath(path), dataset=name if name.startswith("/") else "/" + name))


def npy(path):
    """npy(path) -> Expr reading the .npy file `path` (any dtype tilesum reads, either byte order or layout)."""
    return _leaf_expr(_Leaf("npy", file=_os.fspath(path)))


__all__ = ["BudgetError", "Expr", "Plan", "abs", "compute", "cos", "diagonal", "dot", "einsum", "equal", "exp",
           "expm1", "hdf5", "inner", "log", "log1p", "matmul", "maximum", "mean", "minimum", "not_equal", "npy",
           "outer", "plan", "power", "sign", "sin", "sqrt", "sum", "swapaxes", "tanh", "tensordot", "to_hdf5",
           "trace", "transpose", "where", "__version__"]
