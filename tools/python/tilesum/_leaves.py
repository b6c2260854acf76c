"""The inputs of an expression (its leaves), each bound to a unique input name the library reads it by.

The library binds inputs by name (tilesum::Sources); an Expr carries its leaves by those names and the run binds
each again. A leaf is one of
  - a numpy float64 array, C-contiguous and aligned: borrowed, never copied (the leaf keeps it alive);
  - a float64 array in another layout: copied into C order in memory;
  - an array of bool, int8..int64, uint8..uint64, float16 or float32: borrowed too when C-contiguous, aligned and in
    native byte order (else copied once into such an array, in its own dtype), and widened to float64 by the
    library tile by tile; its dtype, and with it numpy's promotion rules, are kept;
  - a complex64 or complex128 array: saved once to a temporary .npy file that the library reads (its real and
    imaginary parts are read apart, which borrowed memory cannot give);
  - an HDF5 dataset (an h5py Dataset, or ts.hdf5(path, name)): read by tiles inside the library;
  - a .npy file (ts.npy(path)).
"""

import errno
import itertools
import os
import re
import tempfile
import threading
import weakref

import numpy as np

from . import _tilesum

# Names of the live leaves: "h5:A" for dataset /A of an HDF5 file, "npy:A" for A.npy, "np:x0", "np:x1", ... for
# numpy arrays and numbers, so that explain() reads in the user's names and says where each input comes from. A
# name with a number added when a live leaf has it already. Output names cannot contain ':' (_run.py), so an input
# never shares its name with an output.
_live_names = weakref.WeakValueDictionary()
_numbers = itertools.count()
_names_lock = threading.Lock()  # expressions may be built on several threads at once

# Dtypes the library reads from a file: numpy's names (engine/common/shape.hpp, DType).
MEMORY_DTYPES = {np.dtype(name) for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                              "uint64", "float16", "float32")}
FILE_DTYPES = MEMORY_DTYPES | {np.dtype("complex64"), np.dtype("complex128")}


def _new_name(leaf, prefix, hint):
    hint = re.sub(r"[^\w.-]", "_", hint) or "x"
    with _names_lock:
        name = f"{prefix}:{hint}"
        while name in _live_names or name == "np:x":
            name = f"{prefix}:{hint}{next(_numbers)}"
        _live_names[name] = leaf
    return name


class Leaf:
    """One input: its name, how the run binds it, and what must stay alive until then."""

    def __init__(self, kind, file="", dataset="", array=None, temporary=False):
        if kind == "hdf5":
            self.name = _new_name(self, "h5", dataset.rsplit("/", 1)[-1])
        elif kind == "npy" and not temporary:
            self.name = _new_name(self, "npy", os.path.basename(file)[:-len(".npy")])
        else:
            self.name = _new_name(self, "np", "x")
        self.kind = kind
        self.file = file
        self.dataset = dataset
        self.array = array
        if kind != "memory" and not os.path.isfile(file):
            # The library reports a missing file as a usage error (ValueError); Python code expects this one.
            raise FileNotFoundError(errno.ENOENT, "no such file", file)
        if kind == "hdf5":
            self.tensor = _tilesum.describe_hdf5(self.name, file, dataset)
        elif kind == "npy":
            self.tensor = _tilesum.describe_npy(self.name, file)
        else:
            self.tensor = _tilesum.describe_memory(self.name, list(array.shape), array.dtype.name)

    def binding(self):
        """(name, kind, file, dataset, array) as _tilesum.run_into_* take it."""
        return (self.name, self.kind, self.file, self.dataset, self.array)


def _is_borrowable(array):
    return (array.dtype == np.float64 and array.dtype.isnative and array.flags.c_contiguous
            and array.flags.aligned)


def _saved_npy(array):
    """A leaf reading `array` from a temporary .npy file, deleted when the leaf is."""
    handle, path = tempfile.mkstemp(prefix="tilesum-", suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as file:
            np.save(file, np.asarray(array, dtype=array.dtype.newbyteorder("="), order="C"))  # 0-d stays 0-d
        leaf = Leaf("npy", file=path, temporary=True)
    except BaseException:
        os.unlink(path)
        raise
    weakref.finalize(leaf, os.unlink, path)
    return leaf


def from_array(array):
    """The leaf of a numpy array (module docstring: borrowed, copied or saved)."""
    if _is_borrowable(array):
        return Leaf("memory", array=array)
    if array.dtype == np.float64 or array.dtype.kind == "f" and array.dtype.itemsize == 8:
        return Leaf("memory", array=np.asarray(array, dtype=np.float64, order="C"))
    native = array.dtype.newbyteorder("=")
    if native in MEMORY_DTYPES:
        # Borrowed as it is when it can be (the library widens it tile by tile), else one copy in C order and
        # native byte order: never a float64 copy of the whole array.
        return Leaf("memory", array=np.require(array, dtype=native, requirements=["C", "A"]))
    if native in FILE_DTYPES:
        return _saved_npy(array)
    raise TypeError(f"arrays of dtype {array.dtype} are not supported by tilesum: it reads bool, int8, int16, int32, "
                    "int64, uint8, uint16, uint32, uint64, float16, float32, float64, complex64 and complex128; "
                    "convert with .astype()")


def is_h5py_dataset(value):
    """An h5py Dataset, recognised without importing h5py (which tilesum does not need)."""
    return type(value).__module__.startswith("h5py") and type(value).__name__ == "Dataset"


def from_h5py(dataset):
    """The leaf of an open h5py Dataset: the library opens the same file and reads the dataset by tiles."""
    if dataset.file.mode == "r+":
        dataset.file.flush()  # what h5py still buffers must be in the file the library reads
    return Leaf("hdf5", file=os.fspath(dataset.file.filename), dataset=dataset.name)


def from_scalar(value):
    """A Python number as a 0-d input (float64; a bool as a bool array; a complex through a file, keeping its
    dtype)."""
    if isinstance(value, (bool, np.bool_)):
        return Leaf("memory", array=np.asarray(value, dtype=np.bool_))
    if np.iscomplexobj(value):
        return _saved_npy(np.asarray(value, dtype=np.complex128))
    return Leaf("memory", array=np.asarray(float(value), dtype=np.float64))
