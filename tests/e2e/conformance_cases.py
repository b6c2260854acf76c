"""The numpy conformance cases of tilesum, as data (run by test_conformance.py).

Each case is a script in tilesum's language, which is also valid Python: test_conformance.py runs it through
`tilesum run` and through numpy (`einsum = np.einsum`, every input bound as a numpy array) and compares each
output (a name assigned but never read) in shape, dtype and value. The expected result is whatever numpy 1.24
returns, dtype included; nothing here is marked as an expected failure: a case that fails today is a feature
not implemented yet or a bug, and the runner's table tells which (rejected with exit status 2, or a wrong answer).

A case has
  id          unique, `tag-what`;
  tag         the feature group it measures (the per-tag summary is the team's progress board);
  script      the script text;
  inputs      NAME -> Input: how to build the array (fixed seed per case: crc32 of the id), and whether tilesum
              reads it from the case's HDF5 file (/NAME) or from a .npy file (`--input NAME=FILE.npy`);
  memory      the --memory budget; cases with multi_tile=True are sized so that the plan needs several tiles
              under it (the runner checks `tilesum plan --json` says so, else the case itself is defective);
  strategies  the --strategy values it runs under (ALL = auto, expand, tile);
  tiles       forced tile sizes (`--tile INDEX=SIZE`), to cut small problems into several tiles.
"""

import zlib

import numpy as np

ALL = ("auto", "expand", "tile")
AUTO = ("auto",)
DTYPES = ("int32", "int64", "float32", "float64", "complex64", "complex128")


class Input:
    """One input array. kind: 'random' (standard normal floats, real and imaginary parts for complex; integers in
    [-4, 4] for integer dtypes, small enough that no sum here overflows int32), or 'value' (make() returns the
    array, e.g. numpy's docstring aranges). npy: read from a .npy file instead of the HDF5 file; fortran and
    big_endian change how that file stores the array (both are valid .npy files numpy reads back unchanged)."""

    def __init__(self, shape=None, dtype="float64", make=None, npy=False, fortran=False, big_endian=False):
        self.shape = tuple(shape) if shape is not None else None
        self.dtype = np.dtype(dtype)
        self.make = make
        self.npy = npy or fortran or big_endian
        self.fortran = fortran
        self.big_endian = big_endian

    def build(self, rng):
        if self.make is not None:
            return np.asarray(self.make())
        dtype = self.dtype
        if dtype.kind in "iu":
            return rng.integers(-4, 5, size=self.shape).astype(dtype)
        if dtype.kind == "c":
            real = rng.standard_normal(self.shape)
            imag = rng.standard_normal(self.shape)
            return (real + 1j * imag).astype(dtype)
        return np.asarray(rng.standard_normal(self.shape)).astype(dtype)

    def describe(self):
        where = " npy" + (" fortran" if self.fortran else "") + (" big-endian" if self.big_endian else "") \
            if self.npy else ""
        if self.make is not None:
            value = np.asarray(self.make())
            return f"{value.dtype}{list(value.shape)} fixed{where}"
        return f"{self.dtype}{list(self.shape)}{where}"


def I(*shape, dtype="float64", **kwargs):  # noqa: E743 - a short name keeps the tables below readable
    return Input(shape, dtype, **kwargs)


def V(make, **kwargs):
    return Input(make=make, **kwargs)


class Case:
    def __init__(self, id, tag, script, inputs, memory="64MiB", strategies=ALL, multi_tile=False, tiles=()):
        self.id = id
        self.tag = tag
        self.script = script if script.endswith("\n") else script + "\n"
        self.inputs = dict(inputs)
        self.memory = memory
        self.strategies = tuple(strategies)
        self.multi_tile = multi_tile
        self.tiles = tuple(tiles)

    @property
    def seed(self):
        return zlib.crc32(self.id.encode())

    def arrays(self):
        """The input arrays, drawn in the order of self.inputs from default_rng(crc32(id))."""
        rng = np.random.default_rng(self.seed)
        return {name: spec.build(rng) for name, spec in self.inputs.items()}


CASES = []


def case(id, tag, script, memory="64MiB", strategies=ALL, multi_tile=False, tiles=(), **inputs):
    CASES.append(Case(id, tag, script, inputs, memory=memory, strategies=strategies, multi_tile=multi_tile,
                      tiles=tiles))


# -----------------------------------------------------------------------------------------------------------------
# docstring: every example of numpy 1.24's np.einsum docstring, on its own arrays (int64 aranges, float aranges,
# ones), in the subscripts-string form (the sublist form einsum(a, [0, 0]) is not part of the script language).

def _a55():
    return np.arange(25).reshape(5, 5)


def _b5():
    return np.arange(5)


def _c23():
    return np.arange(6).reshape(2, 3)


case("doc-trace", "docstring", "R = einsum('ii', a)", a=V(_a55))
case("doc-diagonal", "docstring", "R = einsum('ii->i', a)", a=V(_a55))
case("doc-axis-sum", "docstring", "R = einsum('ij->i', a)", a=V(_a55))
case("doc-axis-sum-ellipsis", "docstring", "R = einsum('...j->...', a)", a=V(_a55))
case("doc-implicit-transpose", "docstring", "R = einsum('ji', c)", c=V(_c23))
case("doc-explicit-transpose", "docstring", "R = einsum('ij->ji', c)", c=V(_c23))
case("doc-inner", "docstring", "R = einsum('i,i', b, b)", b=V(_b5))
case("doc-matvec", "docstring", "R = einsum('ij,j', a, b)", a=V(_a55), b=V(_b5))
case("doc-matvec-ellipsis", "docstring", "R = einsum('...j,j', a, b)", a=V(_a55), b=V(_b5))
case("doc-scalar-times-ellipsis", "docstring", "R = einsum('..., ...', 3, c)", c=V(_c23))
case("doc-scalar-times-comma", "docstring", "R = einsum(',ij', 3, c)", c=V(_c23))
case("doc-outer", "docstring", "R = einsum('i,j', u, b)", u=V(lambda: np.arange(2) + 1), b=V(_b5))
case("doc-tensordot", "docstring", "R = einsum('ijk,jil->kl', a, b)",
     a=V(lambda: np.arange(60.).reshape(3, 4, 5)), b=V(lambda: np.arange(24.).reshape(4, 3, 2)))
case("doc-ki-jk-explicit", "docstring", "R = einsum('ki,jk->ij', a, b)",
     a=V(lambda: np.arange(6).reshape((3, 2))), b=V(lambda: np.arange(12).reshape((4, 3))))
case("doc-ki-ellipsis-k", "docstring", "R = einsum('ki,...k->i...', a, b)",
     a=V(lambda: np.arange(6).reshape((3, 2))), b=V(lambda: np.arange(12).reshape((4, 3))))
case("doc-k-ellipsis-jk-implicit", "docstring", "R = einsum('k...,jk', a, b)",
     a=V(lambda: np.arange(6).reshape((3, 2))), b=V(lambda: np.arange(12).reshape((4, 3))))
_chain = "'ijk,ilm,njm,nlk,abc->',a,a,a,a,a"
case("doc-chain-plain", "docstring", f"R = einsum({_chain})", a=V(lambda: np.ones(64).reshape(2, 4, 8)))
case("doc-chain-optimal", "docstring", f"R = einsum({_chain}, optimize='optimal')",
     a=V(lambda: np.ones(64).reshape(2, 4, 8)))
case("doc-chain-greedy", "docstring", f"R = einsum({_chain}, optimize='greedy')",
     a=V(lambda: np.ones(64).reshape(2, 4, 8)))
case("doc-chain-random", "docstring", f"R = einsum({_chain}, optimize=True)", a=I(2, 4, 8))

# -----------------------------------------------------------------------------------------------------------------
# explicit: einsums with explicit output and distinct labels per operand (numpy's test_einsum patterns: sums,
# products, tensordot, hadamard-like, index transformations, collapse/expand, edge cases of path optimization,
# mixed-case labels). What tilesum's language already accepts.

case("explicit-transpose-3d", "explicit", "R = einsum('ijk->jik', a)", a=I(3, 4, 5))
case("explicit-copy", "explicit", "R = einsum('ij->ij', a)", a=I(4, 6))
case("explicit-sum-all", "explicit", "R = einsum('ijk->', a)", a=I(3, 4, 5))
case("explicit-sum-vector", "explicit", "R = einsum('i->', a)", a=I(11))
case("explicit-sum-middle", "explicit", "R = einsum('ijk->ik', a)", a=I(3, 4, 5))
case("explicit-dot", "explicit", "R = einsum('i,i->', a, b)", a=I(17), b=I(17))
case("explicit-hadamard", "explicit", "R = einsum('ij,ij->ij', a, b)", a=I(4, 5), b=I(4, 5))
case("explicit-frobenius", "explicit", "R = einsum('ij,ij->', a, b)", a=I(6, 7), b=I(6, 7))
case("explicit-colwise-dot", "explicit", "R = einsum('ij,ij->j', a, b)", a=I(10, 2), b=I(10, 2))
case("explicit-matmul", "explicit", "R = einsum('ij,jk->ik', a, b)", a=I(5, 7), b=I(7, 3))
case("explicit-matmul-transposed-out", "explicit", "R = einsum('ij,jk->ki', a, b)", a=I(5, 7), b=I(7, 3))
case("explicit-ijk-jil-kl", "explicit", "R = einsum('ijk, jil -> kl', a, b)", a=I(3, 4, 5), b=I(4, 3, 2))
case("explicit-three-way-product", "explicit", "R = einsum('i,i,i->i', a, b, c)", a=I(8), b=I(8), c=I(8))
case("explicit-xyz", "explicit", "R = einsum('x,yx,zx->xzy', a, b, c)", a=I(2), b=I(2, 2), c=I(4, 2))
case("explicit-z-mz-zm", "explicit", "R = einsum('z,mz,zm->', p, q, r)",
     p=V(lambda: np.arange(2) + 1), q=V(lambda: np.arange(4).reshape(2, 2) + 3),
     r=V(lambda: np.arange(4).reshape(2, 2) + 7))
case("explicit-eye-ji-i", "explicit", "R = einsum('ji,i->', x, y)", x=V(lambda: np.eye(2)), y=V(lambda: np.ones(2)))
case("explicit-matmul-chain", "explicit", "R = einsum('ij,jk,kl->il', a, b, c)", a=I(3, 4), b=I(4, 5), c=I(5, 6))
case("explicit-hadamard-like", "explicit", "R = einsum('a,ab,abc->abc', a, b, c)", a=I(3), b=I(3, 4), c=I(3, 4, 5))
case("explicit-hadamard-outer", "explicit", "R = einsum('a,b,ab->ab', a, b, c)", a=I(3), b=I(4), c=I(3, 4))
case("explicit-index-transform", "explicit", "R = einsum('ea,fb,gc,hd,abcd->efgh', e, f, g, h, t)",
     e=I(2, 3), f=I(3, 2), g=I(2, 4), h=I(3, 2), t=I(3, 2, 4, 2))
case("explicit-collapse-c", "explicit", "R = einsum('ab,ab,c->c', a, b, c)", a=I(3, 4), b=I(3, 4), c=I(5))
case("explicit-collapse-ac", "explicit", "R = einsum('ab,ab,cd,cd->ac', a, b, c, d)",
     a=I(3, 4), b=I(3, 4), c=I(2, 5), d=I(2, 5))
case("explicit-expand-acdf", "explicit", "R = einsum('ab,cd,ef->acdf', a, b, c)", a=I(2, 3), b=I(3, 2), c=I(2, 4))
case("explicit-expand-be", "explicit", "R = einsum('ab,cd,de->be', a, b, c)", a=I(2, 3), b=I(3, 4), c=I(4, 5))
case("explicit-abd", "explicit", "R = einsum('ab,bcd,cd->abd', a, b, c)", a=I(3, 4), b=I(4, 5, 2), c=I(5, 2))
case("explicit-eb-cb-fb", "explicit", "R = einsum('eb,cb,fb->cef', a, b, c)", a=I(3, 4), b=I(5, 4), c=I(2, 4))
case("explicit-bca-cdb-dbf-afc", "explicit", "R = einsum('bca,cdb,dbf,afc->', a, b, c, d)",
     a=I(3, 4, 2), b=I(4, 5, 3), c=I(5, 3, 2), d=I(2, 2, 4))
case("explicit-ba-ac-da", "explicit", "R = einsum('ba,ac,da->bcd', a, b, c)", a=I(3, 4), b=I(4, 5), c=I(2, 4))
case("explicit-dba-ead-cad", "explicit", "R = einsum('dba,ead,cad->bce', a, b, c)",
     a=I(3, 4, 2), b=I(5, 2, 3), c=I(4, 2, 3))
case("explicit-aef-fbc-dca", "explicit", "R = einsum('aef,fbc,dca->bde', a, b, c)",
     a=I(2, 3, 4), b=I(4, 3, 5), c=I(2, 5, 2))
case("explicit-obk-ijk", "explicit", "R = einsum('obk,ijk->ioj', g, g)", g=V(lambda: np.arange(64.).reshape(2, 4, 8)))
case("explicit-repeated-operand", "explicit", "R = einsum('ijklm,ijn,ijn->', a, b, b)",
     a=I(3, 4, 2, 2, 3), b=I(3, 4, 5))
case("explicit-cl-cpx", "explicit", "R = einsum('cl, cpx->lpx', a, b)", a=I(2, 3), b=I(2, 3, 40))
case("explicit-mixed-case", "explicit", "R = einsum('iJ,Jk->kiJ', a, b)", a=I(3, 4), b=I(4, 2))
case("explicit-mixed-case-same-letter", "explicit", "R = einsum('aA,Ab->bA', a, b)", a=I(3, 4), b=I(4, 5))
case("explicit-self-gram", "explicit", "R = einsum('ki,kj->ij', a, a)", a=I(6, 4))
case("explicit-spaces", "explicit", "R = einsum(' i j , j k -> i k ', a, b)", a=I(3, 4), b=I(4, 2))
case("explicit-np-spelling", "explicit", "R = np.einsum(\"ij,jk->ik\", a, b, optimize='optimal')",
     a=I(3, 4), b=I(4, 2))
case("explicit-4d-permute", "explicit", "R = einsum('abcd->dbca', a)", a=I(2, 3, 4, 5))

# -----------------------------------------------------------------------------------------------------------------
# diagonal: a label repeated within one operand (traces, diagonals, numpy's "combined views").

case("diag-trace-explicit", "diagonal", "R = einsum('ii->', a)", a=I(5, 5))
case("diag-diagonal", "diagonal", "R = einsum('ii->i', a)", a=I(6, 6))
case("diag-iii-i", "diagonal", "R = einsum('iii->i', a)", a=I(4, 4, 4))
case("diag-iii-trace", "diagonal", "R = einsum('iii', a)", a=I(4, 4, 4))
case("diag-jii-ij", "diagonal", "R = einsum('jii->ij', a)", a=I(3, 5, 5))
case("diag-ii-on-3d-batch", "diagonal", "R = einsum('jii->j', a)", a=I(3, 4, 4))
case("diag-aabb-ab", "diagonal", "R = einsum('aabb->ab', x)", x=I(5, 5, 5, 5))
case("diag-ijij", "diagonal", "R = einsum('ijij->', t)", t=I(4, 3, 4, 3))
case("diag-bbcdc", "diagonal", "R = einsum('bbcdc->d', a)", a=V(lambda: np.arange(9.).reshape(1, 1, 3, 1, 3)))
case("diag-ii-i-i", "diagonal", "R = einsum('ii,i->i', a, b)", a=I(4, 4), b=I(4))
case("diag-ij-jj", "diagonal", "R = einsum('ij,jj->i', a, b)", a=I(3, 4), b=I(4, 4))
case("diag-iij-jk", "diagonal", "R = einsum('iij,jk->ik', a, b)", a=I(3, 3, 4), b=I(4, 2))
case("diag-keep-both", "diagonal", "R = einsum('iji->ij', a)", a=I(4, 3, 4))
case("diag-dd-fb-be-cdb", "diagonal", "R = einsum('dd,fb,be,cdb->cef', a, b, c, d)",
     a=I(3, 3), b=I(2, 4), c=I(4, 3), d=I(2, 3, 4))
case("diag-dcc-fce-ea-dbf", "diagonal", "R = einsum('dcc,fce,ea,dbf->ab', a, b, c, d)",
     a=I(2, 3, 3), b=I(4, 3, 2), c=I(2, 3), d=I(2, 5, 4))
case("diag-fdf-cdd-ccd-afe", "diagonal", "R = einsum('fdf,cdd,ccd,afe->ae', a, b, c, d)",
     a=I(3, 2, 3), b=I(4, 2, 2), c=I(4, 4, 2), d=I(5, 3, 2))
case("diag-baa-dcf-af-cde", "diagonal", "R = einsum('baa,dcf,af,cde->be', a, b, c, d)",
     a=I(2, 3, 3), b=I(2, 4, 2), c=I(3, 2), d=I(4, 2, 3))
case("diag-aab-fa-df-ecc", "diagonal", "R = einsum('aab,fa,df,ecc->bde', a, b, c, d)",
     a=I(3, 3, 2), b=I(4, 3), c=I(2, 4), d=I(5, 3, 3))
case("diag-bcf-bbb-fbf-fc", "diagonal", "R = einsum('bcf,bbb,fbf,fc->', a, b, c, d)",
     a=I(3, 2, 4), b=I(3, 3, 3), c=I(4, 3, 4), d=I(4, 2))
case("diag-bb-ff-be", "diagonal", "R = einsum('bb,ff,be->e', a, b, c)", a=I(3, 3), b=I(4, 4), c=I(3, 5))
case("diag-fff-fae-bef-def", "diagonal", "R = einsum('fff,fae,bef,def->abd', a, b, c, d)",
     a=I(3, 3, 3), b=I(3, 2, 4), c=I(2, 4, 3), d=I(5, 4, 3))
case("diag-of-sum", "diagonal", "R = einsum('ii->i', a + b)", a=I(5, 5), b=I(5, 5))
case("diag-trace-of-product", "diagonal", "T = einsum('ij,jk->ik', a, b)\nR = einsum('ii->', T)",
     a=I(4, 6), b=I(6, 4))

# -----------------------------------------------------------------------------------------------------------------
# implicit: no '->', the output is the labels seen once, in alphabetical order (uppercase before lowercase).

case("implicit-identity", "implicit", "R = einsum('ij', a)", a=I(3, 4))
case("implicit-ba-b", "implicit", "R = einsum('ba,b', a, b)", a=I(4, 3), b=I(4))
case("implicit-matmul", "implicit", "R = einsum('ij,jk', a, b)", a=I(3, 4), b=I(4, 5))
case("implicit-matmul-jh", "implicit", "R = einsum('ij,jh', a, b)", a=I(3, 4), b=I(4, 5))
case("implicit-inner-2d", "implicit", "R = einsum('ab,ab', a, b)", a=I(3, 4), b=I(3, 4))
case("implicit-inner-transposed", "implicit", "R = einsum('ab,ba', a, b)", a=I(3, 4), b=I(4, 3))
case("implicit-abc-bac", "implicit", "R = einsum('abc,bac', a, b)", a=I(2, 3, 4), b=I(3, 2, 4))
case("implicit-abc-cba", "implicit", "R = einsum('abc,cba', a, b)", a=I(2, 3, 4), b=I(4, 3, 2))
case("implicit-outer", "implicit", "R = einsum('i,j', a, b)", a=I(3), b=I(4))
case("implicit-outer-reversed", "implicit", "R = einsum('j,i', a, b)", a=I(3), b=I(4))
case("implicit-ijkl-k", "implicit", "R = einsum('ijkl,k', a, v)", a=I(2, 3, 4, 5), v=I(4))
case("implicit-abcd-ad", "implicit", "R = einsum('abcd,ad', a, b)", a=I(2, 3, 4, 5), b=I(2, 5))
case("implicit-chain", "implicit", "R = einsum('ij,jk,kl', a, b, c)", a=I(2, 3), b=I(3, 4), c=I(4, 2))
case("implicit-mixed-case-order", "implicit", "R = einsum('Ba,aC', a, b)", a=I(3, 4), b=I(4, 2))
case("implicit-mixed-case-order-2", "implicit", "R = einsum('bA,c', a, b)", a=I(3, 4), b=I(2))
case("implicit-five-operands-diag", "implicit", "R = einsum('bdhe,acad,hiab,agac,hibd', a, b, c, d, e)",
     a=I(2, 2, 2, 3), b=I(2, 2, 2, 2), c=I(2, 2, 2, 2), d=I(2, 2, 2, 2), e=I(2, 2, 2, 2))
case("implicit-triple-diag-scalar", "implicit", "R = einsum('ijk,jil', a, b)", a=I(3, 4, 2), b=I(4, 3, 5))

# -----------------------------------------------------------------------------------------------------------------
# ellipsis: '...' standing for the broadcast axes, in one or both operands, on the left, right or middle.

case("ellipsis-identity", "ellipsis", "R = einsum('...', a)", a=I(2, 3, 4))
case("ellipsis-diag-right", "ellipsis", "R = einsum('...ii->...i', a)", a=I(2, 3, 4, 4))
case("ellipsis-diag-left", "ellipsis", "R = einsum('ii...->...i', a)", a=I(4, 4, 2, 3))
case("ellipsis-diag-moved", "ellipsis", "R = einsum('...ii->i...', a)", a=I(2, 3, 4, 4))
case("ellipsis-diag-left-kept", "ellipsis", "R = einsum('ii...->i...', a)", a=I(4, 4, 3))
case("ellipsis-trace-outer-axes", "ellipsis", "R = einsum('i...i->i...', a)", a=I(3, 2, 5, 3))
case("ellipsis-trace-outer-axes-2", "ellipsis", "R = einsum('i...i->...i', a)", a=I(3, 2, 3))
case("ellipsis-trace-implicit", "ellipsis", "R = einsum('i...i', a)", a=I(4, 3, 4))
case("ellipsis-sum-last", "ellipsis", "R = einsum('...i->...', a)", a=I(2, 3, 5))
case("ellipsis-sum-first", "ellipsis", "R = einsum('i...->...', a)", a=I(5, 2, 3))
case("ellipsis-product", "ellipsis", "R = einsum('..., ...', a, b)", a=I(3, 4), b=I(3, 4))
case("ellipsis-inner-last", "ellipsis", "R = einsum('...i, ...i', a, b)", a=I(2, 3, 4), b=I(3, 4))
case("ellipsis-inner-first", "ellipsis", "R = einsum('i..., i...', a, b)", a=I(4, 3), b=I(4, 3))
case("ellipsis-batch-matmul", "ellipsis", "R = einsum('...ij,...jk->...ik', a, b)", a=I(3, 2, 4), b=I(3, 4, 5))
case("ellipsis-batch-matmul-broadcast", "ellipsis", "R = einsum('...ij,...jk->...ik', a, b)",
     a=I(2, 1, 3, 4), b=I(5, 4, 2))
case("ellipsis-matmul-right-batch", "ellipsis", "R = einsum('ij...,jk...->ik...', a, b)", a=I(3, 4, 2), b=I(4, 5, 2))
case("ellipsis-ij-j-right", "ellipsis", "R = einsum('ij...,j...->ij...', a, b)", a=I(2, 3, 4), b=I(3))
case("ellipsis-ij-j-left", "ellipsis", "R = einsum('ij...,...j->ij...', a, b)", a=I(2, 3, 4), b=I(3))
case("ellipsis-ij-j-none", "ellipsis", "R = einsum('ij...,j->ij...', a, b)", a=I(2, 3, 4), b=I(3))
case("ellipsis-ik-k", "ellipsis", "R = einsum('ik...,k...->i...', a, b)", a=I(4, 3), b=I(3, 2))
case("ellipsis-ik-kj", "ellipsis", "R = einsum('ik...,...kj->i...j', a, b)", a=I(4, 3), b=I(3, 2))
case("ellipsis-k-kj-implicit", "ellipsis", "R = einsum('...k,kj', a, b)", a=I(4, 3), b=I(3, 2))
case("ellipsis-ik-k-right", "ellipsis", "R = einsum('ik,k...->i...', a, b)", a=I(4, 3), b=I(3, 2))
case("ellipsis-kl-k", "ellipsis", "R = einsum('...kl,k', a, v)", a=I(2, 3, 4, 5), v=I(4))
case("ellipsis-kl-k-both", "ellipsis", "R = einsum('...kl,k...', a, v)", a=I(2, 3, 4, 5), v=I(4))
case("ellipsis-lmn-lmno", "ellipsis", "R = einsum('...lmn,lmno->...o', a, b)", a=I(1, 1, 1, 3, 4, 2), b=I(3, 4, 2, 3))
case("ellipsis-ft-mf", "ellipsis", "R = einsum('...ft,mf->...mt', a, b)", a=I(2, 3, 4, 5), b=I(6, 4))
case("ellipsis-misc-ones", "ellipsis", "R = einsum('ij...,j...->i...', a, b)",
     a=V(lambda: np.ones((1, 2))), b=V(lambda: np.ones((2, 2, 1))))
case("ellipsis-empty-in-both", "ellipsis", "R = einsum('...i,...i', a, b)", a=I(5), b=I(5))
case("ellipsis-output-only-batch", "ellipsis", "R = einsum('...ij->...', a)", a=I(2, 3, 4, 5))
case("ellipsis-of-sum", "ellipsis", "R = einsum('...ij,...j->...i', a + b, v)", a=I(2, 3, 4), b=I(2, 3, 4), v=I(4))

# -----------------------------------------------------------------------------------------------------------------
# broadcast1: a label of extent 1 in one operand broadcast against the same label's extent in another (numpy
# allows it), with and without ellipsis.

case("bcast1-ij-ij-ij", "broadcast1", "R = einsum('ij,ij->ij', a, b)", a=I(1, 3), b=I(2, 3))
case("bcast1-ij-ij-j", "broadcast1", "R = einsum('ij,ij->j', p, q)", p=I(10, 2), q=I(1, 2))
case("bcast1-i-i", "broadcast1", "R = einsum('i, i', x, y)", x=V(lambda: np.array([2., 3.])),
     y=V(lambda: np.array([4.])))
case("bcast1-ij-j-ij", "broadcast1", "R = einsum('ij,j->ij', a, b)", a=I(3, 1), b=I(4))
case("bcast1-summed-label", "broadcast1", "R = einsum('ij,jk->ik', a, b)", a=I(3, 1), b=I(4, 2))
case("bcast1-ijk-kl-jl", "broadcast1", "R = einsum('ijk,kl,jl', a, b, c)", a=I(1, 5, 4), b=I(4, 6), c=I(5, 6))
case("bcast1-ijk-kl-jl-i", "broadcast1", "R = einsum('ijk,kl,jl,i->i', a, b, c, d)",
     a=I(1, 5, 4), b=I(4, 6), c=I(5, 6), d=I(10))
case("bcast1-abjk-kl-jl", "broadcast1", "R = einsum('abjk,kl,jl', e, b, c)", e=I(1, 1, 5, 4), b=I(4, 6), c=I(5, 6))
case("bcast1-abjk-kl-jl-ab", "broadcast1", "R = einsum('abjk,kl,jl,ab->ab', e, b, c, f)",
     e=I(1, 1, 5, 4), b=I(4, 6), c=I(5, 6), f=I(7, 7))
case("bcast1-batch-matmul-ones", "broadcast1", "R = einsum('...ij,...jk->...ik', p, q)",
     p=V(lambda: np.ones((1, 5)) / 2), q=V(lambda: np.ones((5, 5)) / 2))
case("bcast1-both-sides", "broadcast1", "R = einsum('ij,ij->ij', a, b)", a=I(1, 4), b=I(3, 1))
case("bcast1-in-sum-of-einsums", "broadcast1", "R = einsum('ij,ij->i', a, b) + einsum('ij->i', c)",
     a=I(1, 3), b=I(5, 3), c=I(5, 3))

# -----------------------------------------------------------------------------------------------------------------
# empty: extents of 0 (results of shape with a 0, or sums over nothing, which are zeros).

case("empty-matmul-rows", "empty", "R = einsum('ij,jk->ik', a, b)", a=I(0, 3), b=I(3, 4))
case("empty-matmul-summed", "empty", "R = einsum('ij,jk->ik', a, b)", a=I(3, 0), b=I(0, 4))
case("empty-sum-to-scalar", "empty", "R = einsum('i->', a)", a=I(0))
case("empty-axis-sum", "empty", "R = einsum('ij->j', a)", a=I(0, 5))
case("empty-diagonal", "empty", "R = einsum('ii->i', a)", a=I(0, 0))
case("empty-outer", "empty", "R = einsum('i,j->ij', a, b)", a=I(0), b=I(3))
case("empty-ellipsis-inner", "empty", "R = einsum('...i,...i', a, b)", a=I(0, 3), b=I(0, 3))
case("empty-frobenius", "empty", "R = einsum('ij,ij->', a, b)", a=I(2, 0), b=I(2, 0))
case("empty-lazy-sum", "empty", "R = einsum('ij->ji', a) + 2 * b", a=I(3, 0), b=I(0, 3))
case("empty-int32", "empty", "R = einsum('ij,jk->ik', a, b)", a=I(2, 0, dtype="int32"), b=I(0, 3, dtype="int32"))

# -----------------------------------------------------------------------------------------------------------------
# scalar: 0-d operands, as 0-d datasets / .npy files and as number literals in the einsum call.

case("scalar-times-vector", "scalar", "R = einsum(',i->i', s, a)", s=V(lambda: np.array(2.5)), a=I(6))
case("scalar-vector-times", "scalar", "R = einsum('i,->i', a, s)", s=V(lambda: np.array(-1.5)), a=I(6))
case("scalar-times-sum", "scalar", "R = einsum(',i->', s, a)", s=V(lambda: np.array(3.0)), a=I(9))
case("scalar-sum-times", "scalar", "R = einsum('i,->', a, s)", s=V(lambda: np.array(3.0)), a=I(9))
case("scalar-product", "scalar", "R = einsum(',->', s, t)", s=V(lambda: np.array(3.0)), t=V(lambda: np.array(4.0)))
case("scalar-ellipsis-product", "scalar", "R = einsum('..., ...', s, t)", s=V(lambda: np.array(3.0)),
     t=V(lambda: np.array(4.0)))
case("scalar-identity", "scalar", "R = einsum('', s)", s=V(lambda: np.array(1.25)))
case("scalar-identity-arrow", "scalar", "R = einsum('->', s)", s=V(lambda: np.array(1.25)))
case("scalar-elementwise", "scalar", "R = s * a + a", s=V(lambda: np.array(0.5)), a=I(3, 4))
case("scalar-npy", "scalar", "R = einsum(',ij->ij', s, a)", s=V(lambda: np.array(-2.0), npy=True), a=I(3, 4))
case("scalar-int64", "scalar", "R = einsum(',i->', s, a)", s=V(lambda: np.array(3, dtype=np.int64)),
     a=I(9, dtype="int64"))
case("scalar-complex128", "scalar", "R = einsum(',i->i', s, a)", s=V(lambda: np.array(1 - 2j)),
     a=I(5, dtype="complex128"))
case("scalar-literal-times-vector", "scalar_literal", "R = einsum(',i->i', 2, a)", a=I(7))
case("scalar-literal-vector-times", "scalar_literal", "R = einsum('i,->i', a, 2)", a=I(7))
case("scalar-literal-sum", "scalar_literal", "R = einsum(',i->', 3, a)", a=I(9))
case("scalar-literal-sum-after", "scalar_literal", "R = einsum('i,->', a, 3)", a=I(9))
case("scalar-literal-float", "scalar_literal", "R = einsum('..., ...', 0.5, a)", a=I(2, 3))

# -----------------------------------------------------------------------------------------------------------------
# dtype_*: each dtype through the same patterns; numpy's result dtype (int32 stays int32, complex64 stays
# complex64; scaling an integer array by an integer literal keeps its dtype, by a decimal gives float64).

_PATTERNS = [
    ("matmul", "R = einsum('ij,jk->ik', a, b)", dict(a=(4, 5), b=(5, 3))),
    ("axis-sum", "R = einsum('ij->j', a)", dict(a=(6, 4))),
    ("outer", "R = einsum('i,j->ij', a, b)", dict(a=(3,), b=(4,))),
    ("tensordot", "R = einsum('ijk,jil->kl', a, b)", dict(a=(3, 4, 2), b=(4, 3, 5))),
    ("dot", "R = einsum('i,i->', a, b)", dict(a=(12,), b=(12,))),
    ("lazy", "T = einsum('ij,jk->ik', a, b)\nR = 2 * T - einsum('ik->ki', c)",
     dict(a=(3, 4), b=(4, 5), c=(5, 3))),
    ("elementwise", "R = a * b + a", dict(a=(3, 4), b=(3, 4))),
]
for _dtype in DTYPES:
    for _name, _script, _shapes in _PATTERNS:
        # The lazy pattern under every strategy (expand and tile evaluate different expressions); the others
        # are single einsums, under auto.
        case(f"dtype-{_dtype}-{_name}", f"dtype_{_dtype}", _script, strategies=ALL if _name == "lazy" else AUTO,
             **{n: I(*s, dtype=_dtype) for n, s in _shapes.items()})
    case(f"dtype-{_dtype}-diagonal", f"dtype_{_dtype}", "R = einsum('ii->i', a)", a=I(4, 4, dtype=_dtype))
    case(f"dtype-{_dtype}-ellipsis", f"dtype_{_dtype}", "R = einsum('...ij,...jk->...ik', a, b)",
         a=I(2, 3, 4, dtype=_dtype), b=I(2, 4, 2, dtype=_dtype))

case("dtype-int32-scale-int", "dtype_int32", "R = 3 * einsum('ij->ji', a)", a=I(3, 4, dtype="int32"))
case("dtype-int32-scale-decimal", "dtype_int32", "R = 0.5 * einsum('ij->ji', a)", a=I(3, 4, dtype="int32"))
case("dtype-int32-divide", "dtype_int32", "R = einsum('ij->i', a) / 4", a=I(3, 4, dtype="int32"))
case("dtype-int64-negate", "dtype_int64", "R = -einsum('ij,j->i', a, b)", a=I(3, 4, dtype="int64"),
     b=I(4, dtype="int64"))
case("dtype-float32-scale", "dtype_float32", "R = 1.5 * einsum('ij,jk->ik', a, b)", a=I(3, 4, dtype="float32"),
     b=I(4, 2, dtype="float32"))
case("dtype-complex64-scale", "dtype_complex64", "R = 2.5 * einsum('i,i->i', a, b)", a=I(5, dtype="complex64"),
     b=I(5, dtype="complex64"))
case("dtype-complex128-divide", "dtype_complex128", "R = einsum('ij->j', a) / 3", a=I(4, 3, dtype="complex128"))

# -----------------------------------------------------------------------------------------------------------------
# dtype_mixed: numpy's promotion between operands of different dtypes, within one einsum and across sums.

_MIXED = [("int32", "int64"), ("int32", "float32"), ("int64", "float32"), ("int32", "float64"),
          ("float32", "float64"), ("float32", "complex64"), ("float64", "complex64"), ("int32", "complex64"),
          ("int64", "complex128"), ("complex64", "complex128"), ("float32", "complex128"), ("int64", "float64")]
for _left, _right in _MIXED:
    case(f"mixed-{_left}-{_right}-matmul", "dtype_mixed", "R = einsum('ij,jk->ik', a, b)", strategies=AUTO,
         a=I(3, 4, dtype=_left), b=I(4, 2, dtype=_right))
for _left, _right in [("int32", "float32"), ("float32", "float64"), ("float32", "complex64"),
                      ("int64", "complex128"), ("int32", "int64")]:
    case(f"mixed-{_left}-{_right}-sum", "dtype_mixed", "R = einsum('ij->i', a) + einsum('ji->i', b)",
         a=I(3, 4, dtype=_left), b=I(4, 3, dtype=_right))
case("mixed-three-operands", "dtype_mixed", "R = einsum('i,ij,j->j', a, b, c)", a=I(3, dtype="int32"),
     b=I(3, 4, dtype="float32"), c=I(4, dtype="complex64"))
case("mixed-elementwise-broadcast", "dtype_mixed", "R = a * b", a=I(3, 4, dtype="int64"), b=I(4, dtype="float32"))
case("mixed-float32-scaled-float64", "dtype_mixed", "R = 2 * a + b", a=I(5, dtype="float32"), b=I(5))

# -----------------------------------------------------------------------------------------------------------------
# npy: inputs read from .npy files (`--input NAME=FILE.npy`), each dtype, mixed with HDF5 inputs, and the
# layouts numpy writes (Fortran order, big-endian).

for _dtype in DTYPES:
    case(f"npy-{_dtype}", "npy", "R = einsum('ij,jk->ik', a, b)", a=I(3, 4, dtype=_dtype, npy=True),
         b=I(4, 5, dtype=_dtype, npy=True))
case("npy-mixed-with-hdf5", "npy", "R = einsum('ij,j->i', a, b) + c", a=I(4, 5, npy=True), b=I(5), c=I(4, npy=True))
case("npy-fortran-order", "npy", "R = einsum('ij,jk->ik', a, b)", a=I(3, 4, fortran=True), b=I(4, 2))
case("npy-big-endian", "npy", "R = einsum('ij->j', a)", a=I(3, 4, big_endian=True))
case("npy-diagonal", "npy", "R = einsum('ii->i', a)", a=I(5, 5, npy=True))

# -----------------------------------------------------------------------------------------------------------------
# lazy: sums, differences and scalings of einsums, elementwise products, einsums of sums, chains of named
# intermediates (numpy evaluates each literally).

_SEED = """\
C  = einsum("i, jk -> ijk", B, A)
C2 = einsum("j, ik -> ijk", Y2, Z2)
E  = einsum('ijk, ikj -> k', C + C2, C + C2)
"""
case("lazy-seed", "lazy", _SEED, A=I(6, 6), B=I(4), Y2=I(6), Z2=I(4, 6))
case("lazy-seed-rect", "lazy", _SEED.replace("-> k'", "-> jk'"), A=I(5, 5), B=I(3), Y2=I(5), Z2=I(3, 5))
case("lazy-sum-of-einsums", "lazy", "R = einsum('ij,jk->ik', a, b) + einsum('ik->ik', c)",
     a=I(3, 4), b=I(4, 2), c=I(3, 2))
case("lazy-difference-scaled", "lazy", "R = 0.5 * einsum('ij->i', a) - einsum('ij->j', b) / 4",
     a=I(4, 3), b=I(3, 4))
case("lazy-einsum-of-difference", "lazy", "R = einsum('ij,ij->', x - y, 2 * x)", x=I(5, 6), y=I(5, 6))
case("lazy-einsum-of-product", "lazy", "R = einsum('ij,jk->ik', a * b, c)", a=I(3, 4), b=I(3, 4), c=I(4, 2))
case("lazy-negated-operand", "lazy", "R = einsum('ik,k->i', -a, x) / 4 + 1.5e-1 * einsum('ij->i', a)",
     a=I(4, 5), x=I(5))
case("lazy-chain-3", "lazy", "T = einsum('ij,jk->ik', a, b)\nU = einsum('ik,kl->il', T, c)\nR = einsum('il,l->i', U, x)",
     a=I(3, 4), b=I(4, 5), c=I(5, 2), x=I(2))
case("lazy-chain-reused", "lazy", "T = einsum('ij,jk->ik', a, b)\nR = einsum('ik,ik->k', T, T + a)",
     a=I(4, 4), b=I(4, 4))
case("lazy-broadcast-vector", "lazy", "R = (a - 2 * einsum('ij,jk->ik', a, b)) * x + x", a=I(3, 4), b=I(4, 4),
     x=I(4))
case("lazy-transpose-sum", "lazy", "R = einsum('ij->ji', a) + a", a=I(4, 4))
case("lazy-outer-of-sums", "lazy", "R = einsum('i,j->ij', a + b, a - b)", a=I(3), b=I(3))
case("lazy-deep-nesting", "lazy", "R = einsum('ij,jk->ik', einsum('ij,jk->ik', a, b) + c, einsum('ji->ij', d))",
     a=I(3, 4), b=I(4, 3), c=I(3, 3), d=I(2, 3))
case("lazy-scaled-intermediate-3d", "lazy", "C = einsum('i,jk->ijk', u, m)\nR = einsum('ijk,kji->j', 3 * C, C - 1.5 * C)",
     u=I(4), m=I(4, 4))

# -----------------------------------------------------------------------------------------------------------------
# multi: several outputs (datasets) from one script, sharing intermediates, of different shapes and dtypes.

case("multi-shared-intermediate", "multi", """\
T = einsum("ij,jk->ik", A, B)
U = einsum("ik,k->i", T, x)
V = 0.5 * T + A
W = einsum("ik->ki", T) - einsum("ij->ji", A)
""", A=I(5, 6), B=I(6, 6), x=I(6))
case("multi-scalar-and-matrix", "multi", "S = einsum('ij,ij->', a, b)\nM = einsum('ij,kj->ik', a, b)",
     a=I(4, 5), b=I(4, 5))
case("multi-features", "multi", "D = einsum('ii->i', a)\nT = einsum('ii', a)\nE = einsum('...i,...i', a, a)",
     a=I(5, 5))
case("multi-dtypes", "multi", "P = einsum('ij->i', a)\nQ = einsum('ij->j', b)\nR = einsum('ij,ij->i', a, b)",
     a=I(3, 4, dtype="int32"), b=I(3, 4, dtype="complex64"))
case("multi-seed-both", "multi", _SEED + "F = einsum('ijk->i', C - C2)\n", A=I(4, 4), B=I(3), Y2=I(4), Z2=I(3, 4))

# -----------------------------------------------------------------------------------------------------------------
# tiled: problems large enough that under --memory 1MiB the plan cuts the output into several tiles (or forced
# with --tile); the runner checks `tilesum plan --json` reports more than one tile.

case("tiled-matmul", "tiled", "R = einsum('ij,jk->ik', a, b)", memory="1MiB", multi_tile=True,
     a=I(160, 120), b=I(120, 150))
case("tiled-frobenius-rows", "tiled", "R = einsum('ij,ij->i', a, b)", memory="1MiB", multi_tile=True,
     a=I(300, 300), b=I(300, 300))
case("tiled-transpose", "tiled", "R = einsum('ij->ji', a) + b", memory="1MiB", multi_tile=True,
     a=I(200, 180), b=I(180, 200))
case("tiled-tensordot", "tiled", "R = einsum('ijk,jil->kl', a, b)", memory="1MiB", multi_tile=True,
     a=I(8, 10, 200), b=I(10, 8, 180))
case("tiled-seed-jk", "tiled", _SEED.replace("-> k'", "-> jk'"), memory="1MiB", multi_tile=True,
     A=I(200, 200), B=I(6), Y2=I(200), Z2=I(6, 200))
case("tiled-int32-matmul", "tiled", "R = einsum('ij,jk->ik', a, b)", memory="1MiB", multi_tile=True,
     a=I(200, 150, dtype="int32"), b=I(150, 220, dtype="int32"))
case("tiled-float32-outer", "tiled", "R = einsum('i,j->ij', a, b)", memory="1MiB", multi_tile=True,
     a=I(300, dtype="float32"), b=I(400, dtype="float32"))
case("tiled-complex128-matmul", "tiled", "R = einsum('ij,jk->ik', a, b)", memory="1MiB", multi_tile=True,
     a=I(110, 100, dtype="complex128"), b=I(100, 120, dtype="complex128"))
case("tiled-complex64-hadamard", "tiled", "R = einsum('ij,ij->ij', a, b)", memory="1MiB", multi_tile=True,
     a=I(200, 200, dtype="complex64"), b=I(200, 200, dtype="complex64"))
case("tiled-mixed-promotion", "tiled", "R = einsum('ij,jk->ik', a, b)", memory="1MiB", multi_tile=True,
     a=I(150, 100, dtype="int32"), b=I(100, 200, dtype="float32"))
case("tiled-diagonal", "tiled", "R = einsum('iij->ij', a)", memory="1MiB", multi_tile=True, a=I(60, 60, 80))
case("tiled-diag-times-matrix", "tiled", "R = einsum('ii,ij->ij', a, b)", memory="1MiB", multi_tile=True,
     a=I(200, 200), b=I(200, 200))
case("tiled-ellipsis-batch", "tiled", "R = einsum('...ij,...jk->...ik', a, b)", memory="1MiB", multi_tile=True,
     a=I(10, 60, 50), b=I(10, 50, 60))
case("tiled-implicit", "tiled", "R = einsum('kj,ji', a, b)", memory="1MiB", multi_tile=True,
     a=I(150, 100), b=I(100, 180))
case("tiled-broadcast1", "tiled", "R = einsum('ij,ij->ij', a, b)", memory="1MiB", multi_tile=True,
     a=I(1, 250), b=I(250, 250))
case("tiled-npy-input", "tiled", "R = einsum('ij,jk->ik', a, b)", memory="1MiB", multi_tile=True,
     a=I(160, 120, npy=True), b=I(120, 150))
case("tiled-forced-small", "tiled", "R = einsum('ij,jk->ik', a, b) + einsum('ki->ik', c)", tiles=("i=2", "k=3"),
     multi_tile=True, a=I(7, 5), b=I(5, 8), c=I(8, 7))
case("tiled-forced-diagonal", "tiled", "R = einsum('iij->ij', a)", tiles=("i=2",), multi_tile=True, a=I(5, 5, 3))
case("tiled-forced-int64", "tiled", "R = einsum('ij,jk->ik', a, b)", tiles=("i=1",), multi_tile=True,
     a=I(4, 6, dtype="int64"), b=I(6, 3, dtype="int64"))

# -----------------------------------------------------------------------------------------------------------------
# numpy: the numpy lines people write besides einsum (issue 12), lowered to einsums by the binder: import lines,
# print(NAME) as an output, @ and np.matmul, np.dot, np.inner, np.outer, np.tensordot, np.trace, np.diagonal, .T and
# np.transpose, .swapaxes, .sum and .mean with numpy's axes. Each spelling's dtype rule is numpy's: a sum or trace of
# int32 is int64, a mean of integers float64.

case("numpy-import-as-np-print", "numpy", "import numpy as np\nC = np.matmul(A, B)\nprint(C)", A=I(4, 5), B=I(5, 3))
case("numpy-import-numpy", "numpy", "import numpy\nC = numpy.dot(A, B)\n", A=I(4, 5), B=I(5, 3))
case("numpy-import-as-numpy", "numpy", "import numpy as numpy; C = numpy.inner(A, B)", A=I(4, 5), B=I(3, 5))
case("numpy-print-intermediate", "numpy", "T = A @ B\nU = T.sum(axis=0)\nprint('T =', T)", strategies=ALL,
     A=I(6, 5), B=I(5, 4))
case("numpy-print-several", "numpy", "T = A @ B\nU = T.T @ T\nV = T.sum(1)\nprint(T, V, sep='\\n')", A=I(6, 5),
     B=I(5, 4))
case("numpy-matmul-2d", "numpy", "R = A @ B", strategies=ALL, A=I(5, 7), B=I(7, 3))
case("numpy-matmul-negated", "numpy", "R = -A @ B.T", A=I(5, 7), B=I(3, 7))
case("numpy-matmul-vec-mat", "numpy", "R = v @ B", v=I(7), B=I(7, 3))
case("numpy-matmul-mat-vec", "numpy", "R = A @ v", A=I(5, 7), v=I(7))
case("numpy-matmul-vec-vec", "numpy", "R = v @ w", v=I(7), w=I(7))
case("numpy-matmul-batched", "numpy", "R = A @ B", strategies=ALL, A=I(2, 4, 5), B=I(2, 5, 3))
case("numpy-matmul-broadcast", "numpy", "R = np.matmul(A, B)", A=I(3, 1, 4, 5), B=I(2, 5, 3))
case("numpy-matmul-3d-vec", "numpy", "R = A @ v", A=I(2, 4, 5), v=I(5))
case("numpy-matmul-vec-3d", "numpy", "R = v @ B", v=I(4), B=I(2, 4, 5))
case("numpy-matmul-int32", "numpy", "R = A @ B", A=I(4, 6, dtype="int32"), B=I(6, 3, dtype="int32"))
case("numpy-matmul-mixed", "numpy", "R = A @ B", A=I(4, 6, dtype="float32"), B=I(6, 3, dtype="int32"))
case("numpy-matmul-complex64", "numpy", "R = A @ B", A=I(4, 6, dtype="complex64"), B=I(6, 3, dtype="complex64"))
case("numpy-matmul-chain", "numpy", "R = A @ B @ C", A=I(3, 4), B=I(4, 5), C=I(5, 2))
case("numpy-matmul-tiled", "numpy", "R = A @ B", memory="1MiB", multi_tile=True, strategies=ALL,
     A=I(200, 150), B=I(150, 220))
case("numpy-dot-2d", "numpy", "R = np.dot(A, B)", A=I(5, 7), B=I(7, 3))
case("numpy-dot-1d", "numpy", "R = np.dot(v, w)", v=I(7), w=I(7))
case("numpy-dot-nd-1d", "numpy", "R = np.dot(A, v)", A=I(2, 3, 4), v=I(4))
case("numpy-dot-nd-md", "numpy", "R = np.dot(A, B)", strategies=ALL, A=I(2, 3, 4), B=I(5, 4, 6))
case("numpy-dot-1d-md", "numpy", "R = np.dot(v, B)", v=I(4), B=I(3, 4, 5))
case("numpy-dot-0d", "numpy", "R = np.dot(s, A)", s=I(), A=I(3, 4))
case("numpy-dot-method", "numpy", "R = A.dot(B).dot(v)", A=I(3, 4), B=I(4, 5), v=I(5))
case("numpy-dot-int64", "numpy", "R = np.dot(A, B)", A=I(3, 4, dtype="int64"), B=I(4, 2, dtype="int32"))
case("numpy-inner-1d", "numpy", "R = np.inner(v, w)", v=I(6), w=I(6))
case("numpy-inner-3d-2d", "numpy", "R = np.inner(A, B)", A=I(2, 3, 4), B=I(5, 4))
case("numpy-outer-1d", "numpy", "R = np.outer(v, w)", v=I(4), w=I(5))
case("numpy-outer-flattens-extent-1", "numpy", "R = np.outer(A, w)", A=I(1, 4), w=I(5))
case("numpy-outer-int32", "numpy", "R = np.outer(v, w)", v=I(4, dtype="int32"), w=I(3, dtype="int32"))
case("numpy-tensordot-default", "numpy", "R = np.tensordot(A, B)", A=I(3, 4, 5), B=I(4, 5, 6))
case("numpy-tensordot-int", "numpy", "R = np.tensordot(A, B, axes=1)", A=I(3, 4), B=I(4, 5, 2))
case("numpy-tensordot-zero", "numpy", "R = np.tensordot(A, B, 0)", A=I(3, 2), B=I(4))
case("numpy-tensordot-lists", "numpy", "R = np.tensordot(A, B, axes=([1, 0], [0, 1]))", strategies=ALL,
     A=I(3, 4, 5), B=I(4, 3, 2))
case("numpy-tensordot-pair-of-ints", "numpy", "R = np.tensordot(A, B, axes=(0, -1))", A=I(3, 4), B=I(5, 3))
case("numpy-trace-2d", "numpy", "R = np.trace(A)", A=I(5, 5))
case("numpy-trace-int32", "numpy", "R = np.trace(A)", strategies=ALL, A=I(5, 5, dtype="int32"))
case("numpy-trace-axes", "numpy", "R = np.trace(A, axis1=1, axis2=2)", A=I(3, 4, 4))
case("numpy-trace-offset0-method", "numpy", "R = A.trace(0, -1, 0)", A=I(4, 3, 4))
case("numpy-trace-of-product", "numpy", "R = np.trace(A @ B)", A=I(4, 6), B=I(6, 4))
case("numpy-diagonal-2d", "numpy", "R = np.diagonal(A)", A=I(5, 5))
case("numpy-diagonal-last", "numpy", "R = np.diagonal(A, axis1=0, axis2=2)", A=I(4, 3, 4))
case("numpy-diagonal-method", "numpy", "R = A.diagonal(0, 1, 2)", A=I(3, 4, 4, dtype="complex128"))
case("numpy-T", "numpy", "R = A.T", A=I(3, 4, 5))
case("numpy-T-1d", "numpy", "R = v.T", v=I(4))
case("numpy-transpose-default", "numpy", "R = np.transpose(A)", A=I(3, 4))
case("numpy-transpose-axes", "numpy", "R = np.transpose(A, (1, 2, 0))", A=I(2, 3, 4))
case("numpy-transpose-axes-keyword", "numpy", "R = np.transpose(A, axes=[0, -1, 1])", A=I(2, 3, 4))
case("numpy-transpose-method-args", "numpy", "R = A.transpose(2, 0, 1)", A=I(2, 3, 4))
case("numpy-transpose-method-tuple", "numpy", "R = A.transpose((2, 0, 1)) + A.transpose(None).transpose(0, 2, 1)",
     A=I(2, 3, 4))
case("numpy-swapaxes-method", "numpy", "R = A.swapaxes(0, 2)", A=I(2, 3, 4))
case("numpy-swapaxes-function", "numpy", "R = np.swapaxes(A, -1, 0)", A=I(2, 3, 4, dtype="float32"))
case("numpy-sum-axis0", "numpy", "R = X.sum(axis=0)", X=I(6, 4))
case("numpy-sum-positional", "numpy", "R = X.sum(1)", X=I(6, 4))
case("numpy-sum-all", "numpy", "R = X.sum()", X=I(6, 4))
case("numpy-sum-none", "numpy", "R = np.sum(X, axis=None, keepdims=False)", X=I(6, 4))
case("numpy-sum-tuple", "numpy", "R = np.sum(X, axis=(0, 2))", X=I(3, 4, 5))
case("numpy-sum-negative", "numpy", "R = np.sum(X, -1)", X=I(3, 4, 5))
case("numpy-sum-int32", "numpy", "R = X.sum(axis=0)", strategies=ALL, X=I(6, 4, dtype="int32"))
case("numpy-sum-float32", "numpy", "R = np.sum(X, 0)", X=I(6, 4, dtype="float32"))
case("numpy-sum-complex64", "numpy", "R = X.sum(axis=(1,))", X=I(6, 4, dtype="complex64"))
case("numpy-sum-of-expression", "numpy", "R = np.sum(A @ B, axis=1) / 4", A=I(5, 6), B=I(6, 3))
case("numpy-sum-tiled", "numpy", "R = X.sum(axis=0)", memory="1MiB", multi_tile=True, strategies=ALL,
     X=I(400, 500))
case("numpy-mean-axis0", "numpy", "R = X.mean(0)", X=I(6, 4))
case("numpy-mean-tuple", "numpy", "R = X.mean(axis=(0, 1))", X=I(3, 4, 5))
case("numpy-mean-all", "numpy", "R = np.mean(X)", X=I(6, 4))
case("numpy-mean-int32", "numpy", "R = np.mean(X, axis=1)", strategies=ALL, X=I(6, 4, dtype="int32"))
case("numpy-mean-float32", "numpy", "R = X.mean(axis=-1)", X=I(6, 4, dtype="float32"))
case("numpy-covariance", "numpy",
     "import numpy as np\nmu = X.mean(axis=0)\nXc = X - mu\nC = Xc.T @ Xc / (100 - 1)\nprint(C)",
     strategies=ALL, X=I(100, 8))
case("numpy-gram-tiled", "numpy", "G = X.T @ X\ns = X.sum(0)", memory="1MiB", multi_tile=True, X=I(2000, 60))
case("numpy-mixed-with-einsum", "numpy",
     "T = np.einsum('ij,jk->ik', A, B)\nR = np.trace(T) * T.sum(axis=0) + np.diagonal(T @ T.T).mean()",
     A=I(4, 5), B=I(5, 4))


# -----------------------------------------------------------------------------------------------------------------
# slicing: numpy's basic indexing of inputs and intermediates (issue 12), pushed down to the inputs as views that read
# only their hyperslab: slices with bounds, steps (also negative) and parts left out, integer indices, '...', slices
# of einsums, sums and products, and slices combined with diagonals.

case("slice-input-columns", "slicing", "R = C[:, :20]", C=I(8, 30))
case("slice-input-step", "slicing", "R = X[::2]", strategies=ALL, X=I(9, 4))
case("slice-input-negative", "slicing", "R = X[-3:, ::-2]", X=I(7, 9))
case("slice-input-index", "slicing", "R = X[2] + X[-1, :]", X=I(5, 6))
case("slice-input-ellipsis", "slicing", "R = T[..., 1] @ T[0, ..., 2:4]", T=I(3, 4, 5))
case("slice-input-empty", "slicing", "R = X[5:2].sum(axis=0)", X=I(6, 3))
case("slice-input-none-bounds", "slicing", "R = X[None:4, 1:None:2]", X=I(6, 5))
case("slice-input-int32", "slicing", "R = X[1:, ::3].sum(0)", X=I(6, 7, dtype="int32"))
case("slice-input-complex", "slicing", "R = einsum('ij,jk->ik', A[:3], B[:, 1:])", A=I(5, 4, dtype="complex128"),
     B=I(4, 6))
case("slice-input-named-bounds", "slicing", "n = 3\nR = X[n:2 * n, :-n]", X=I(8, 7))
case("slice-einsum", "slicing", "C = einsum('ij,jk->ik', A, B)\nR = C[1::2, :3]", strategies=ALL, A=I(7, 5),
     B=I(5, 6))
case("slice-matmul-index", "slicing", "R = (A @ B)[-1]", A=I(4, 5), B=I(5, 3))
case("slice-sum-broadcast", "slicing", "R = (A + v)[2:5, ::2]", A=I(6, 7), v=I(7))
case("slice-product", "slicing", "R = (A * B)[::-1, 0]", A=I(5, 4), B=I(5, 1))
case("slice-of-diagonal", "slicing", "R = einsum('ii->i', A)[1::2]", A=I(7, 7))
case("slice-diagonal-of-slice", "slicing", "R = einsum('ii->i', A[2:6, 1:5])", A=I(7, 7))
case("slice-seed-lazy", "slicing",
     "C = einsum('i,jk->ijk', B, A)\nC2 = einsum('j,ik->ijk', Y2, Z2)\nE = einsum('ijk,ikj->k', C + C2, C + C2)[:5]",
     strategies=ALL, B=I(6), A=I(7, 7), Y2=I(7), Z2=I(6, 7))
case("slice-tiled", "slicing", "R = X[100:1900:3, 5:].T @ X[100:1900:3, :7]", memory="1MiB", multi_tile=True,
     strategies=ALL, X=I(2000, 60))


# -----------------------------------------------------------------------------------------------------------------
# division: division by an array (issue 12), read as 1 / value through reciprocal views of the divisor's inputs;
# numpy's broadcasting, dtypes (true_divide: integers give float64) and values at zero (inf, -inf, nan).

case("divide-input", "division", "R = A / D", strategies=ALL, A=I(5, 6), D=I(5, 6))
case("divide-einsum-by-input", "division", "g = einsum('ia,jb->iajb', X, Y)\nR = g / D", strategies=ALL,
     X=I(4, 3), Y=I(4, 3), D=I(4, 3, 4, 3))
case("divide-broadcast", "division", "R = A / v + A / w.T", A=I(5, 6), v=I(6), w=I(1, 5))
case("divide-number-by", "division", "R = 2 / D + (A @ B) / 3", D=I(4, 4), A=I(4, 5), B=I(5, 4))
case("divide-slice-transpose", "division", "R = A / D[1:, ::2].T", A=I(3, 4), D=I(5, 6))
case("divide-outer", "division", "R = A / np.outer(u, v)", A=I(4, 5), u=I(4), v=I(5))
case("divide-int32", "division", "R = A / D", A=I(4, 5, dtype="int32"),
     D=V(lambda: np.random.default_rng(7).integers(1, 9, (4, 5)).astype("int32")))
case("divide-float32", "division", "R = A / D", A=I(4, 5, dtype="float32"), D=I(4, 5, dtype="float32"))
case("divide-zeros", "division", "R = A / D", A=V(lambda: np.array([1.0, -1.0, 0.0, 2.0, 0.0])),
     D=V(lambda: np.array([0.0, 0.0, 0.0, -0.0, 4.0])))
case("divide-mp2", "division",
     "t = einsum('iajb,iajb->iajb', g, g)\nE = einsum('iajb->', t / D) - 0.5 * einsum('iajb,ibja->', g, g / D)",
     strategies=ALL, g=I(4, 3, 4, 3), D=V(lambda: -1 - np.random.default_rng(8).random((4, 3, 4, 3))))
case("divide-tiled", "division", "R = X.T @ (X / W)", memory="1MiB", multi_tile=True, strategies=ALL,
     X=I(2000, 40), W=V(lambda: 1 + np.random.default_rng(9).random((2000, 40))))


def check_unique():
    seen = set()
    for c in CASES:
        if c.id in seen:
            raise ValueError(f"duplicate case id {c.id}")
        seen.add(c.id)


check_unique()
