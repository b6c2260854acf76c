"""Expr: a lazy expression, numpy-shaped. Building one checks shapes and dtypes at once (ValueError) and computes
nothing; compute(), np.asarray(), to_hdf5() evaluate it (_run.py)."""

import numbers
import operator

import numpy as np

from . import _leaves, _tilesum


class Expr:
    """A lazy tilesum expression: has .shape and .dtype; nothing is computed until compute(), np.asarray(E),
    E.to_hdf5(...) or ts.compute({...}). Operators + - * / ** (elementwise, numpy broadcasting), unary -, and the
    comparisons < <= > >= (bool arrays, as numpy's) build further expressions."""

    # numpy defers to these operators (ndarray + Expr calls Expr.__radd__) and routes its ufuncs here.
    __array_priority__ = 1000

    _order = "K"  # the memory order compute() returns: "F" for einsum(..., order='F'), else C order

    def __init__(self, tensor, leaves):
        self._tensor = tensor
        self._leaves = leaves  # {input name: Leaf}: what the run binds, kept alive with the expression

    @property
    def shape(self):
        """The shape, a tuple of ints."""
        return self._tensor.shape

    @property
    def dtype(self):
        """The numpy dtype of the result."""
        return np.dtype(self._tensor.dtype)

    @property
    def ndim(self):
        """The number of axes."""
        return len(self.shape)

    @property
    def size(self):
        """The number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self):
        return f"<tilesum.Expr shape={self.shape} dtype={self.dtype}>"

    # Arithmetic: a number stays a number where the library takes one (scaling), else it becomes a 0-d input.
    def __add__(self, other):
        return _binary(_tilesum.add, self, other)

    def __radd__(self, other):
        return _binary(_tilesum.add, other, self)

    def __sub__(self, other):
        return _binary(_tilesum.subtract, *_no_bool_minus(self, other))

    def __rsub__(self, other):
        return _binary(_tilesum.subtract, *_no_bool_minus(other, self))

    def __mul__(self, other):
        if _is_python_number(other):
            return _derive(_tilesum.scale(self._tensor, *_number(other)), self)
        return _binary(_tilesum.multiply, self, other)

    def __rmul__(self, other):
        if _is_python_number(other):
            return _derive(_tilesum.scale(self._tensor, *_number(other)), self)
        return _binary(_tilesum.multiply, other, self)

    def __truediv__(self, other):
        if _is_python_number(other):
            return _derive(_tilesum.divide_by(self._tensor, *_number(other)), self)
        return _binary(_tilesum.multiply, self, _reciprocal(as_expr(other)))

    def __rtruediv__(self, other):
        return _binary(_tilesum.multiply, other, _reciprocal(self))

    def __pow__(self, other):
        if _is_real_number(other):
            return _derive(_tilesum.power_by_scalar(self._tensor, float(other)), self)
        return _binary(_tilesum.power, self, other)

    def __rpow__(self, other):
        if _is_real_number(other):
            return _derive(_tilesum.scalar_power(float(other), self._tensor), self)
        return _binary(_tilesum.power, other, self)

    def __neg__(self):
        _no_bool_minus(self)
        return _derive(_tilesum.negative(self._tensor), self)

    def __pos__(self):
        return self

    def __getitem__(self, key):
        """E[:, :20], E[::2], E[3], E[..., -1]: numpy's basic indexing, lazily; a slice of an input reads only that
        hyperslab. Advanced indexing (arrays, booleans) and np.newaxis raise IndexError."""
        items = []
        for item in key if isinstance(key, tuple) else (key,):
            if item is Ellipsis:
                items.append(("ellipsis", None, None, None))
            elif isinstance(item, slice):
                items.append(("slice", _index_or_none(item.start), _index_or_none(item.stop),
                              _index_or_none(item.step)))
            elif item is None:
                raise IndexError("np.newaxis (None) in an index is not supported by tilesum yet")
            elif isinstance(item, (bool, np.bool_, np.ndarray, list)) or not hasattr(item, "__index__"):
                raise IndexError(f"only integers, slices (`:`) and ellipsis (`...`) are valid indices of a lazy "
                                 f"tilesum expression (basic indexing), not {type(item).__name__}")
            else:
                items.append(("index", operator.index(item), None, None))
        try:
            return _derive(_tilesum.index(self._tensor, items), self)
        except ValueError as error:  # out of bounds, too many indices: numpy's IndexError
            raise IndexError(str(error)) from None

    # numpy's array methods that are einsums (np.matmul, .T, .sum, ...): the library's numpy_ops, numpy's axes.
    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    @property
    def T(self):  # pylint: disable=invalid-name  (numpy's name)
        """The expression with its axes reversed (numpy's a.T), lazily."""
        return transpose(self)

    def transpose(self, *axes):
        """a.transpose(*axes) as numpy's: no axes reverses them; axes given as a tuple or one by one."""
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], numbers.Integral)):
            axes = axes[0]
        return transpose(self, axes if axes != () else None)

    def swapaxes(self, axis1, axis2):
        """a.swapaxes(axis1, axis2), lazily."""
        return swapaxes(self, axis1, axis2)

    def sum(self, axis=None, **keywords):
        """a.sum(axis=None): summed over `axis` (an int, a tuple, or None for every axis), lazily; numpy's dtypes."""
        return sum(self, axis, **keywords)

    def mean(self, axis=None, **keywords):
        """a.mean(axis=None), lazily; an integer mean is float64 as in numpy."""
        return mean(self, axis, **keywords)

    def dot(self, other):
        """a.dot(b): np.dot(a, b), lazily."""
        return dot(self, other)

    def trace(self, offset=0, axis1=0, axis2=1):
        """a.trace(): the sum of the main diagonal over axis1 and axis2, lazily (offset 0 only)."""
        return trace(self, offset, axis1, axis2)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        """a.diagonal(): the main diagonal over axis1 and axis2 as the last axis, lazily (offset 0 only)."""
        return diagonal(self, offset, axis1, axis2)

    def __lt__(self, other):
        return _compare(_tilesum.less, _tilesum.less_scalar, self, other)

    def __le__(self, other):
        return _compare(_tilesum.less_equal, _tilesum.less_equal_scalar, self, other)

    def __gt__(self, other):
        return _compare(_tilesum.greater, _tilesum.greater_scalar, self, other)

    def __ge__(self, other):
        return _compare(_tilesum.greater_equal, _tilesum.greater_equal_scalar, self, other)

    # == and != keep their Python meaning (an Expr is hashable): ts.equal and ts.not_equal compare elementwise.
    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError("the truth value of a lazy tilesum expression is undefined: compute it first")

    def __array__(self, dtype=None):
        """np.asarray(E): E computed with the default options."""
        result = self.compute()
        return result if dtype is None else result.astype(dtype, copy=False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """np.exp(E), np.add(A, E), ...: lazy for the ufuncs tilesum has, called plainly; NotImplemented otherwise
        (numpy then raises TypeError: compute first with np.asarray)."""
        function = _UFUNCS.get(ufunc.__name__)
        if method != "__call__" or kwargs or function is None:
            return NotImplemented
        return function(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        """np.einsum(...) and np.where(...) with an Expr among the operands stay lazy (ts.einsum, ts.where); numpy's
        other functions raise TypeError (compute first with np.asarray)."""
        function = _ARRAY_FUNCTIONS.get(func)
        if function is None:
            return NotImplemented
        return function(*args, **kwargs)

    # compute, to_hdf5, explain and plan are attached by _run.py, which needs this module.


def _index_or_none(value):
    return None if value is None else operator.index(value)


def _is_real_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_python_number(value):
    """A Python bool, int or float (numpy's value-based dtype rules apply to them, not to numpy scalars' dtypes)."""
    return isinstance(value, (bool, int, float))


def _number_like(value, other):
    """A Python number meeting the Expr `other` as a 0-d input of numpy's value-based result dtype (uint8 + 2 stays
    uint8, uint8 + -1 is int16): that dtype promotes with other's to itself, and holds the value as numpy casts it."""
    dtype = np.result_type(other.dtype, value)
    if dtype == np.float64:
        return as_expr(float(value))
    return leaf_expr(_leaves.from_array(np.asarray(value, dtype=dtype)))


def _no_bool_minus(*operands):
    """The operands of a subtraction (two) or negation (one) as Exprs; TypeError as numpy's when all are bool."""
    operands = tuple(as_expr(operand) for operand in operands)
    if all(operand.dtype == np.bool_ for operand in operands):
        if len(operands) == 1:
            raise TypeError("The numpy boolean negative, the `-` operator, is not supported, use the `~` operator "
                            "or the logical_not function instead.")
        raise TypeError("numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` "
                        "operator, or the logical_xor function instead.")
    return operands


def _number(value):
    """(value, is an int, is a bool) as the library's scale and divide_by take a Python number."""
    return float(value), isinstance(value, int) and not isinstance(value, bool), isinstance(value, bool)


def as_expr(value):
    """An Expr of an Expr, a numpy array (or anything np.asarray takes), an h5py Dataset or a Python number."""
    if isinstance(value, Expr):
        return value
    if _leaves.is_h5py_dataset(value):
        leaf = _leaves.from_h5py(value)
    elif isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.ndarray):
        leaf = _leaves.from_scalar(value)
    else:
        leaf = _leaves.from_array(np.asarray(value))
    return leaf_expr(leaf)


def leaf_expr(leaf):
    """The Expr reading one input."""
    return Expr(leaf.tensor, {leaf.name: leaf})


def _derive(tensor, *operands):
    leaves = {}
    for operand in operands:
        leaves.update(operand._leaves)
    return Expr(tensor, leaves)


def _binary(function, left, right):
    if isinstance(left, (bool, int, float, complex)) and isinstance(right, Expr):
        left = _number_like(left, right)
    if isinstance(right, (bool, int, float, complex)) and isinstance(left, Expr):
        right = _number_like(right, left)
    left, right = as_expr(left), as_expr(right)
    return _derive(function(left._tensor, right._tensor), left, right)


def _compare(function, scalar_function, left, right):
    if _is_real_number(right):
        return _derive(scalar_function(left._tensor, float(right)), left)
    return _binary(function, left, right)


def _reciprocal(value):
    # 1 / x as x ** -1.0 with a float64 exponent, so that an integer x gives float64 as numpy's true division does.
    return _binary(_tilesum.power, value, -1.0)


def _unary(name):
    library_function = getattr(_tilesum, name)

    def function(x):
        x = as_expr(x)
        return _derive(library_function(x._tensor), x)

    function.__name__ = name
    function.__doc__ = (f"np.{name}(x), lazily: an Expr of x's shape (numpy's dtype rules: an integer x gives "
                        "float64).")
    return function


UNARY_NAMES = ("exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "abs", "sign")
UNARY = {name: _unary(name) for name in UNARY_NAMES}


def _extremum(of_two, of_one_and_number, a, b):
    """np.maximum or np.minimum (both symmetric): a number on either side goes to the library's scalar form."""
    if _is_real_number(a) and not _is_real_number(b):
        a, b = b, a
    if _is_real_number(b):
        a = as_expr(a)
        return _derive(of_one_and_number(a._tensor, float(b)), a)
    return _binary(of_two, a, b)


def maximum(a, b):
    """np.maximum(a, b), lazily (nan propagates)."""
    return _extremum(_tilesum.maximum, _tilesum.maximum_scalar, a, b)


def minimum(a, b):
    """np.minimum(a, b), lazily (nan propagates)."""
    return _extremum(_tilesum.minimum, _tilesum.minimum_scalar, a, b)


def equal(a, b):
    """np.equal(a, b), lazily: a bool array, as numpy's."""
    return _compare(_tilesum.equal, _tilesum.equal_scalar, as_expr(a), b)


def not_equal(a, b):
    """np.not_equal(a, b), lazily: a bool array, as numpy's."""
    return _compare(_tilesum.not_equal, _tilesum.not_equal_scalar, as_expr(a), b)


def where(condition, a, b):
    """np.where(condition, a, b), lazily: a where condition is nonzero, else b."""
    condition, a, b = as_expr(condition), as_expr(a), as_expr(b)
    return _derive(_tilesum.where(condition._tensor, a._tensor, b._tensor), condition, a, b)


def power(a, b):
    """np.power(a, b), lazily (a ** b)."""
    return as_expr(a) ** b if not isinstance(b, Expr) or isinstance(a, Expr) else b.__rpow__(a)


def _axes(axis):
    """numpy's axis argument as the library takes it: None (every axis) or a list of ints."""
    if axis is None:
        return None
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return [int(axis)]
    if isinstance(axis, (tuple, list)) and all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                                               for a in axis):
        return [int(a) for a in axis]
    raise TypeError(f"axis {axis!r}: expected an int, a tuple of ints or None")


def _no_keywords(function, keywords, defaults):
    """numpy keywords that tilesum cannot honour are refused by name, never ignored (issue 14); a keyword at
    numpy's default value changes nothing and is accepted."""
    for keyword, value in keywords.items():
        if keyword not in defaults or value is not defaults[keyword]:
            raise TypeError(f"{function}() keyword '{keyword}' is not supported by tilesum yet")


def _zero_offset(function, offset):
    if offset != 0:
        raise ValueError(f"{function}(): offset {offset} is not supported by tilesum (the main diagonal only)")


def matmul(a, b):
    """np.matmul(a, b) (a @ b), lazily: 1-D operands promoted as numpy does, batch axes broadcast."""
    return _binary(_tilesum.matmul, a, b)


def dot(a, b):
    """np.dot(a, b), lazily: the sum over a's last axis and b's second-to-last (a 0-d operand scales)."""
    return _binary(_tilesum.dot, a, b)


def inner(a, b):
    """np.inner(a, b), lazily: the sum over both last axes."""
    return _binary(_tilesum.inner, a, b)


def outer(a, b):
    """np.outer(a, b), lazily (operands with at most one axis longer than 1: an einsum cannot flatten more)."""
    return _binary(_tilesum.outer, a, b)


def tensordot(a, b, axes=2):
    """np.tensordot(a, b, axes), lazily: axes an int N (a's last N with b's first N) or a pair of axis lists."""
    a, b = as_expr(a), as_expr(b)
    if isinstance(axes, numbers.Integral) and not isinstance(axes, bool):
        return _derive(_tilesum.tensordot_count(a._tensor, b._tensor, int(axes)), a, b)
    a_axes, b_axes = axes
    return _derive(_tilesum.tensordot_axes(a._tensor, b._tensor, _axes(a_axes), _axes(b_axes)), a, b)


def trace(a, offset=0, axis1=0, axis2=1, **keywords):
    """np.trace(a, offset=0, axis1=0, axis2=1), lazily (the main diagonal only)."""
    _zero_offset("trace", offset)
    _no_keywords("trace", keywords, {"dtype": None, "out": None})
    a = as_expr(a)
    return _derive(_tilesum.trace(a._tensor, axis1, axis2), a)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """np.diagonal(a, offset=0, axis1=0, axis2=1), lazily: the diagonal's axis comes last (the main one only)."""
    _zero_offset("diagonal", offset)
    a = as_expr(a)
    return _derive(_tilesum.diagonal(a._tensor, axis1, axis2), a)


def transpose(a, axes=None):
    """np.transpose(a, axes=None), lazily: axes reversed, or permuted as `axes` says."""
    a = as_expr(a)
    return _derive(_tilesum.transpose(a._tensor, _axes(axes)), a)


def swapaxes(a, axis1, axis2):
    """np.swapaxes(a, axis1, axis2), lazily."""
    a = as_expr(a)
    return _derive(_tilesum.swapaxes(a._tensor, axis1, axis2), a)


def sum(a, axis=None, **keywords):  # pylint: disable=redefined-builtin  (numpy's name, as np.sum)
    """np.sum(a, axis=None), lazily: numpy's dtypes (a sum of int32 is int64); keepdims, dtype, out and where are
    not supported yet and raise TypeError."""
    _no_keywords("sum", keywords, {"dtype": None, "out": None, "keepdims": False})
    a = as_expr(a)
    return _derive(_tilesum.sum(a._tensor, _axes(axis)), a)


def mean(a, axis=None, **keywords):
    """np.mean(a, axis=None), lazily: an integer mean is float64, as numpy's."""
    _no_keywords("mean", keywords, {"dtype": None, "out": None, "keepdims": False})
    a = as_expr(a)
    return _derive(_tilesum.mean(a._tensor, _axes(axis)), a)


_UFUNCS = dict(UNARY)
_UFUNCS.update({
    "add": lambda a, b: _binary(_tilesum.add, a, b),
    "subtract": lambda a, b: _binary(_tilesum.subtract, *_no_bool_minus(a, b)),
    "multiply": lambda a, b: as_expr(a) * b if isinstance(a, Expr) else as_expr(b).__rmul__(a),
    "true_divide": lambda a, b: as_expr(a) / b,
    "divide": lambda a, b: as_expr(a) / b,
    "negative": lambda a: -as_expr(a),
    "absolute": UNARY["abs"],
    "power": power,
    "maximum": maximum,
    "minimum": minimum,
    "equal": equal,
    "not_equal": not_equal,
    "less": lambda a, b: as_expr(a) < b,
    "less_equal": lambda a, b: as_expr(a) <= b,
    "greater": lambda a, b: as_expr(a) > b,
    "greater_equal": lambda a, b: as_expr(a) >= b,
    "matmul": matmul,
})


_SUBLIST_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist(sublist):
    """numpy's sublist [0, 1, Ellipsis] as subscripts "ab...": ints 0-51 are the letters a-z, A-Z."""
    text = ""
    for item in sublist:
        if item is Ellipsis:
            text += "..."
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool) and 0 <= item < 52:
            text += _SUBLIST_LETTERS[item]
        else:
            raise ValueError(f"einsum(): subscript {item!r} in a sublist: expected an int in [0, 52) or Ellipsis")
    return text


def _interleaved(first, rest):
    """numpy's interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2]) as (subscripts, operands)."""
    arguments = [first, *rest]
    pairs = len(arguments) // 2  # (operand, sublist) pairs; an odd count ends with the output's sublist
    operands = arguments[0:2 * pairs:2]
    subscripts = ",".join(_sublist(arguments[2 * position + 1]) for position in range(pairs))
    if len(arguments) % 2:  # a final sublist: the output
        subscripts += "->" + _sublist(arguments[-1])
    return subscripts, operands


def einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe", **keywords):
    """einsum(subscripts, *operands, out=None, optimize=False, dtype=None, order='K', casting='safe') -> Expr,
    lazily: numpy's np.einsum with its full subscript syntax (ellipses, repeated labels, implicit output) and its
    keywords.

    Operands: Exprs, numpy arrays (float64 C-contiguous ones are borrowed without a copy: do not change them until
    the expression is computed), h5py Datasets and ts.hdf5()/ts.npy() inputs (read by tiles inside the library),
    Python numbers. numpy's interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2]) works too.

    Keywords, with numpy's rules and errors:
      dtype    the result's dtype, as numpy computes it: each operand must cast to it under `casting`
               (TypeError otherwise, numpy's message). tilesum computes exactly and gives the result in that
               dtype. Where numpy changes operand values first (float64 truncated to an integer dtype or to bool,
               a wider int wrapped into a narrower one, complex cut to real), numpy arrays and numbers are cast as
               numpy casts them; lazy and HDF5 operands are refused (ValueError), as is a complex dtype for real
               operands.
      casting  'no', 'equiv', 'safe' (the default), 'same_kind' or 'unsafe' (ValueError for others): which casts of
               the operands to the result's dtype, and of the result to out's, are allowed.
      order    'C', 'F', 'A' or 'K' (ValueError for others): the memory order of the array compute() returns
               ('F': Fortran order; 'A': Fortran order when every operand is a Fortran-ordered numpy array; else
               C order, also for 'K', where numpy may return strides of neither order). It does not apply to HDF5
               outputs, whose layout HDF5 fixes (C order).
      optimize False, True, 'greedy', 'optimal' or an explicit path ['einsum_path', (0, 1), ...], validated as
               numpy validates it; tilesum's planner chooses the contraction order itself (an explicit path is
               not followed: numpy's result is the same whichever order is taken).
      out      a numpy array: the result is computed at once into it (written in place when it is float64 and
               C-contiguous) and returned, as numpy does; the result's dtype must cast to out's safely. Or an
               h5py Dataset of the result's shape in a file open for writing: written in place, block of rows by
               block of rows (never whole in memory; a block's unsliced inputs are read again per block), and
               returned; a dataset the expression reads is refused (ValueError).

    >>> C = ts.einsum("i,jk->ijk", B, A)          # nothing is computed
    >>> E = ts.einsum("ijk,ikj->k", C, C)
    >>> E.compute(memory="1GiB")                  # a numpy array
    """
    for keyword in keywords:
        raise TypeError(f"'{keyword}' is an invalid keyword for einsum")
    if not operands:
        raise ValueError("No input operands")
    subscripts, *operands = operands
    if not isinstance(casting, str):
        raise TypeError(f"casting must be str, not {type(casting).__name__}")
    if casting not in _CASTINGS:
        raise ValueError(f"casting must be one of 'no', 'equiv', 'safe', 'same_kind', or 'unsafe' (got {casting!r})")
    order = "K" if order is None else order
    if not isinstance(order, str) or order.upper() not in ("C", "F", "A", "K"):
        raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
    dtype = None if dtype is None else np.dtype(dtype)  # TypeError: data type 'x' not understood, as numpy
    if not isinstance(subscripts, str):
        subscripts, operands = _interleaved(subscripts, operands)
    if not operands:
        raise ValueError("No input operands")
    operands = _value_based_scalars(operands)
    if dtype is not None:
        operands = [_cast_in_memory(operand, dtype, casting) for operand in operands]
    exprs = [as_expr(operand) for operand in operands]
    result = _derive(_tilesum.einsum(subscripts, [expr._tensor for expr in exprs]), *exprs)
    _check_path(optimize, len(exprs))
    target = result.dtype if dtype is None else dtype
    for position, expr in enumerate(exprs):
        if not np.can_cast(expr.dtype, target, casting):
            raise TypeError(f"Iterator operand {position} dtype could not be cast from {expr.dtype!r} to "
                            f"{target!r} according to the rule {casting!r}")
    if dtype is not None and dtype != result.dtype:
        result = _derive(_tilesum.with_dtype(result._tensor, _computed_dtype(exprs, dtype).name), *exprs)
    if order.upper() == "F" or (order.upper() == "A" and _all_fortran(operands)):
        result._order = "F"
    if out is None:
        return result
    from . import _run  # pylint: disable=import-outside-toplevel  (_run builds on this module)
    return _run.compute_into(result, out, casting)


def _is_scalar_like(operand):
    """A Python or numpy scalar, or a 0-d numpy array: what numpy 1.24 types by value when arrays are present."""
    if isinstance(operand, np.ndarray):
        return operand.ndim == 0
    return isinstance(operand, (numbers.Number, np.generic))


def _value_based_scalars(operands):
    """numpy's value-based casting (1.24) for einsum: next to arrays, a scalar operand does not widen the result
    of its kind (float16 array times np.float64(2) is float16), so each scalar is stored in the dtype numpy
    promotes it to; then the library's array promotion gives numpy's result dtype."""
    arrays = [operand for operand in operands if not _is_scalar_like(operand)]
    if not arrays or len(arrays) == len(operands):
        return list(operands)
    # Exprs and h5py Datasets have a dtype; anything else is what np.asarray makes of it (no leaf made twice).
    array_dtype = np.result_type(*(operand.dtype if hasattr(operand, "dtype") else np.asarray(operand).dtype
                                   for operand in arrays))
    return [np.asarray(operand, dtype=np.result_type(array_dtype, operand)) if _is_scalar_like(operand) else operand
            for operand in operands]


def _cast_in_memory(operand, dtype, casting):
    """einsum(dtype=...) casts each operand to dtype before computing; an operand in memory (a numpy array or a
    number) is cast here exactly as numpy casts it, when `casting` allows it (the check after says why not)."""
    if isinstance(operand, Expr) or _leaves.is_h5py_dataset(operand):
        return operand
    array = np.asarray(operand)
    if array.dtype == dtype or np.can_cast(array.dtype, dtype, "safe") or not np.can_cast(array.dtype, dtype, casting):
        return operand
    return array.astype(dtype)


def _all_fortran(operands):
    """numpy's order='A': Fortran order when every operand is a Fortran-contiguous array."""
    return all(isinstance(operand, np.ndarray) and operand.flags.f_contiguous and not operand.flags.c_contiguous
               for operand in operands)


_CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")


def _computed_dtype(exprs, dtype):
    """`dtype` when tilesum computes einsum(..., dtype=dtype) as numpy does, else ValueError saying why not."""
    for position, expr in enumerate(exprs):
        if dtype.kind in "biu" and not np.can_cast(expr.dtype, dtype, "safe"):
            raise ValueError(f"einsum(dtype={dtype.name}): numpy casts operand {position} ({expr.dtype}) to "
                             f"{dtype.name} first, changing its values (truncating or wrapping them), which tilesum "
                             "does not do; cast the operand with .astype() first")
        if expr.dtype.kind == "c" and dtype.kind != "c":
            raise ValueError(f"einsum(dtype={dtype.name}): numpy discards the imaginary part of operand {position} "
                             f"({expr.dtype}), which tilesum does not do; take .real first")
    if dtype.kind == "c" and not any(expr.dtype.kind == "c" for expr in exprs):
        raise ValueError(f"einsum(dtype={dtype.name}) of real operands is not supported yet: compute the real "
                         "result and convert it with .astype()")
    return dtype


def _check_path(optimize, operand_count):
    """numpy's checks of optimize= (np.einsum_path): a bool, None, 'greedy', 'optimal', (name, memory limit), or
    ['einsum_path', (i, j, ...), ...] whose contractions use operands that exist and leave exactly one. numpy looks
    a path name up only for three operands or more, and so does this."""
    if isinstance(optimize, (bool, np.bool_)) or optimize is None:
        return
    if isinstance(optimize, str):
        name = optimize
    elif isinstance(optimize, (list, tuple)) and optimize and optimize[0] == "einsum_path":
        remaining = operand_count
        for contraction in optimize[1:]:
            positions = tuple(contraction)
            if any(not isinstance(p, numbers.Integral) or p >= remaining or p < -remaining for p in positions):
                raise IndexError("pop index out of range")
            remaining += 1 - len(positions)
        if remaining != 1:
            raise RuntimeError(f"Invalid einsum_path is specified: {remaining - 1} more operands has to be "
                               "contracted.")
        return
    elif (isinstance(optimize, (list, tuple)) and len(optimize) == 2 and isinstance(optimize[0], str)
          and isinstance(optimize[1], (int, float))):
        name = optimize[0]
    else:
        raise TypeError(f"Did not understand the path: {optimize}")
    if operand_count > 2 and name not in ("greedy", "optimal"):
        raise KeyError("Path name %s not found", name)


_ARRAY_FUNCTIONS = {np.einsum: einsum, np.where: where, np.dot: dot, np.inner: inner, np.outer: outer,
                    np.tensordot: tensordot, np.trace: trace, np.diagonal: diagonal, np.transpose: transpose,
                    np.swapaxes: swapaxes, np.sum: sum, np.mean: mean}
