"""Planning and running expressions: compute into numpy arrays, to_hdf5 into datasets, explain and plan.

Each call plans its outputs together (tilesum::make_plan: they share pieces and passes) and runs the plan with the
GIL released; Ctrl-C raises KeyboardInterrupt within a second and leaves no output (run_bindings.cpp)."""

import os

import numpy as np

from . import _leaves, _tilesum
from ._expr import Expr, as_expr
from ._options import DEFAULT_MEMORY, RunOptions

Plan = _tilesum.Plan


def _checked_outputs(outputs):
    """{name: Expr} of a dict of outputs; names as datasets take them."""
    if not isinstance(outputs, dict) or not outputs:
        raise TypeError("outputs must be a non-empty dict {name: expression}")
    checked = {}
    for name, value in outputs.items():
        if not isinstance(name, str) or not name.strip("/") or "/" in name.strip("/") or ":" in name:
            raise ValueError(f"output name {name!r}: expected a dataset name such as 'E' (no '/' inside, no ':', "
                             "which marks input names)")
        checked[name.strip("/")] = as_expr(value)
    return checked


def _plan(outputs, options):
    return _tilesum.make_plan([(name, expr._tensor) for name, expr in outputs.items()], options.budget_bytes,
                              options.threads, options.strategy, options.tiles, options.profile)


def _bindings(outputs):
    leaves = {}
    for expr in outputs.values():
        leaves.update(expr._leaves)
    return [leaf.binding() for leaf in leaves.values()]


def _part_names(name, dtype):
    """The float64 memory outputs the library fills for output `name` of `dtype`: itself, or for a complex result
    its real and imaginary parts, "re(name)" and "im(name)" (engine/api/sources.hpp, Sink::memory)."""
    return [f"re({name})", f"im({name})"] if dtype.kind == "c" else [name]


def _result(arrays, name, dtype):
    """Output `name` of the float64 `arrays` the library filled, in its own dtype as numpy computes it: complex
    from its two parts, integers (exact in float64 below 2**53) wrapped around modulo 2**bits, bools true where
    nonzero, float16 and float32 (and complex64) rounded to nearest."""
    if dtype.kind == "c":
        real, imag = (arrays[part] for part in _part_names(name, dtype))
        values = np.empty(real.shape, dtype=np.complex128)
        values.real, values.imag = real, imag
        return values if dtype == np.complex128 else values.astype(dtype)
    values = arrays[name]
    if dtype == np.float64:
        return values
    if dtype == np.bool_:
        return values != 0
    if dtype.kind in "iu":
        exact = np.abs(values) < 2.0**53
        if not np.all(exact & (np.floor(values) == values)):
            bad = values[~(exact & (np.floor(values) == values))].flat[0]
            raise ValueError(f"the {dtype} result holds {bad!r}, not an integer below 2**53 in magnitude: tilesum "
                             "computes integers in float64, which is exact only below 2**53")
        return values.astype(np.int64).astype(dtype)  # int64 -> a narrower or unsigned int wraps around as numpy
    return values.astype(dtype)


def _computed(outputs, options, into=None):
    """{name: numpy array} of `outputs` planned and run together; `into` ({name: array}) gives float64 C-ordered
    arrays of real outputs to compute in place."""
    into = into or {}
    arrays = {}
    for name, expr in outputs.items():
        for part in _part_names(name, expr.dtype):
            arrays[part] = into.get(part)
            if arrays[part] is None:
                arrays[part] = np.empty(expr.shape, dtype=np.float64)
    _tilesum.run_into_memory(_plan(outputs, options), _bindings(outputs), arrays, options.threads, options.progress)
    return {name: _result(arrays, name, expr.dtype) for name, expr in outputs.items()}


def compute(outputs, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None, progress=False, profile=None):
    """compute({"E": E, "F": F}, memory="1GiB", ...) -> {"E": array, "F": array}: several outputs planned and run
    together (they share pieces and passes).

    Options, as `tilesum run` takes them: memory (the budget for tile buffers: "64MiB", "2G" or bytes; default
    1GiB), threads (default: the number of cores), strategy ("auto", "expand" or "tile"), tile (forced tile sizes:
    {"k": 64} or "k=64"), progress (a tiles-done line on stderr), profile (the machine profile the planner's cost
    model uses: by default the one `tilesum calibrate` stored, found as the CLI finds it (TILESUM_PROFILE, then
    ~/.config/tilesum/machine.json), else built-in defaults; or a file's path, or "defaults").
    """
    return _computed(_checked_outputs(outputs), RunOptions(memory, threads, strategy, tile, progress, profile))


def compute_into(expr, out, casting="safe", **options):
    """expr computed into the numpy array `out` (numpy's out=): written in place when out is float64, C-contiguous
    and writeable, else computed and copied in; the result's dtype must cast to out's under `casting`, as numpy's
    einsum requires. Returns out. `out` may also be an h5py Dataset of the result's shape, open for writing: see
    _compute_into_h5py."""
    if _leaves.is_h5py_dataset(out):
        return _compute_into_h5py(expr, out, casting, **options)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out= must be a numpy array or an h5py Dataset, not {type(out).__name__}")
    if out.shape != expr.shape:
        raise ValueError(f"out= has shape {out.shape}, the result has shape {expr.shape}")
    _check_out_dtype(expr, out, casting)
    direct = (expr.dtype == np.float64 and out.dtype == np.float64 and out.flags.c_contiguous and out.flags.writeable
              and out.flags.aligned)
    result = _computed({"result": expr}, RunOptions(**options), {"result": out} if direct else None)["result"]
    if not direct:
        np.copyto(out, result, casting=casting)
    return out


def _check_out_dtype(expr, out, casting):
    if not np.can_cast(expr.dtype, out.dtype, casting=casting):
        raise TypeError(f"out= has dtype {out.dtype}: the result's {expr.dtype} does not cast to it under "
                        f"casting={casting!r}")


def _compute_into_h5py(expr, out, casting="safe", memory=DEFAULT_MEMORY, **options):
    """expr written into the existing h5py Dataset `out`, in place, block of rows by block of rows: each block is
    the lazy slice expr[i:j], computed by tilesum into memory (at most about a quarter of the budget) and written
    by h5py, which keeps the file open for writing; tilesum only reads (its inputs, possibly from the same file,
    flushed first). So the result is never whole in memory, but a block's inputs that are not sliced with it are
    read again for each block, and a failure part-way leaves the blocks written so far (numpy's out= is not atomic
    either). Refused: a dataset that is one of expr's inputs (it would be read while written), a file open
    read-only, a shape or dtype numpy's out= refuses."""
    if out.shape != expr.shape:
        raise ValueError(f"out= has shape {out.shape}, the result has shape {expr.shape}")
    _check_out_dtype(expr, out, casting)
    if out.file.mode != "r+":
        raise ValueError(f"out= dataset {out.name} is in a file open read-only: open it with 'r+' or 'a'")
    target = (os.path.realpath(out.file.filename), out.name)
    for leaf in expr._leaves.values():
        if leaf.kind == "hdf5" and (os.path.realpath(leaf.file), leaf.dataset) == target:
            raise ValueError(f"out= dataset {out.name} is an input of the expression: tilesum would read it while "
                             "writing it; write to another dataset")
    out.file.flush()  # what h5py still buffers must be in the file tilesum reads
    budget = RunOptions(memory, **options).budget_bytes
    if expr.ndim == 0:
        out[()] = _expr_compute(expr, memory=memory, **options)
        return out
    row_bytes = max(expr.size // max(expr.shape[0], 1), 1) * 8
    rows = max(1, min(expr.shape[0], budget // 4 // row_bytes))
    for start in range(0, expr.shape[0], rows):
        stop = min(start + rows, expr.shape[0])
        out[start:stop] = _expr_compute(expr[start:stop], memory=memory, **options)
        out.file.flush()
    return out


def to_hdf5(outputs, path, overwrite=False, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None,
            progress=False, profile=None):
    """to_hdf5({"E": E, ...}, path, overwrite=False, ...): each output into dataset /NAME of the HDF5 file `path`
    (created if missing), streamed by tiles, never whole in memory, and committed only when the run completes.
    An existing dataset is replaced only with overwrite=True. Options as compute()."""
    outputs = _checked_outputs(outputs)
    options = RunOptions(memory, threads, strategy, tile, progress, profile)
    plan = _plan(outputs, options)
    _tilesum.run_into_hdf5(plan, _bindings(outputs), os.fspath(path), bool(overwrite), options.threads,
                           options.progress)


def plan(outputs, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None, profile=None):
    """plan({"E": E, ...}, ...) -> Plan: what compute would run (to_json(), Plan.from_json(text), explain()),
    without reading any data. Options as compute()."""
    outputs = _checked_outputs(outputs)
    return _plan(outputs, RunOptions(memory, threads, strategy, tile, profile=profile))


def _expr_compute(self, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None, progress=False,
                  profile=None):
    """E.compute(memory="1GiB", threads=None, strategy="auto", tile=None, progress=False) -> numpy array.
    Options as ts.compute(). An einsum made with order='F' comes back in Fortran order."""
    result = compute({"result": self}, memory, threads, strategy, tile, progress, profile)["result"]
    return np.asfortranarray(result) if self._order == "F" else result


def _expr_to_hdf5(self, path, name, overwrite=False, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None,
                  progress=False, profile=None):
    """E.to_hdf5(path, name, overwrite=False, ...): E into dataset /NAME of the HDF5 file `path`, streamed by tiles
    and committed only when complete. Options as ts.compute()."""
    to_hdf5({name: self}, path, overwrite, memory, threads, strategy, tile, progress, profile)


def _expr_plan(self, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None, name="E", profile=None):
    """E.plan(memory="1GiB", ...) -> Plan of E alone as output `name` (to_json(), explain())."""
    return plan({name: self}, memory, threads, strategy, tile, profile)


def _expr_explain(self, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None, name="E", profile=None):
    """E.explain(memory="1GiB", ...) -> str: the plan as `tilesum plan` prints it (tiled indices, tile sizes,
    number of tiles, estimated peak bytes and flops)."""
    return _expr_plan(self, memory, threads, strategy, tile, name, profile).explain()


Expr.compute = _expr_compute
Expr.to_hdf5 = _expr_to_hdf5
Expr.plan = _expr_plan
Expr.explain = _expr_explain
