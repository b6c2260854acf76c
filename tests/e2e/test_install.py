"""`cmake --install` into a temporary prefix gives an outside project what it needs: examples/cpp, configured with
find_package(tilesum) against that prefix alone, builds, runs the seed through the C++ API (A and Z2 from HDF5, B
and Y2 borrowed from std::vectors) and writes numpy's E. The installed CLI runs, and the man page is there."""

import argparse
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

import e2e_util as util

N, Q = 160, 120


def run(argv, **kwargs):
    print("$ " + " ".join(argv), flush=True)
    completed = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    util.expect(completed.returncode == 0, f"`{' '.join(argv)}` exited {completed.returncode}\n"
                f"--- stdout ---\n{completed.stdout}--- stderr ---\n{completed.stderr}")
    return completed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True, help="the configured and built tilesum build tree")
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--cxx", default="c++", help="the compiler the build tree used")
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    prefix = os.path.join(args.workdir, "prefix")
    try:
        run(["cmake", "--install", args.build_dir, "--prefix", prefix])
        for path in ("bin/tilesum", "lib/libtilesum.so", "include/tilesum/tilesum.hpp",
                     "lib/cmake/tilesum/tilesumConfig.cmake", "lib/cmake/tilesum/tilesumConfigVersion.cmake",
                     "share/man/man1/tilesum.1"):
            util.expect(os.path.exists(os.path.join(prefix, path)), f"the install lacks {path}")
        with open(os.path.join(prefix, "share/man/man1/tilesum.1")) as page:
            util.expect(page.read().startswith(".TH TILESUM 1"), "tilesum.1 is not a man page")
        version = run([os.path.join(prefix, "bin/tilesum"), "--version"]).stdout
        util.expect(version.startswith("tilesum "), f"installed tilesum --version: {version!r}")

        example = os.path.join(args.workdir, "example")
        # Only the temporary prefix: the example must not find headers or libraries in the source or build tree.
        run(["cmake", "-S", os.path.join(args.source_dir, "examples", "cpp"), "-B", example,
             f"-DCMAKE_PREFIX_PATH={prefix}", f"-DCMAKE_CXX_COMPILER={args.cxx}", "-DCMAKE_BUILD_TYPE=Release"])
        run(["cmake", "--build", example])

        rng = np.random.default_rng(8)
        A, Z2 = rng.standard_normal((N, N)), rng.standard_normal((Q, N))
        data = util.write_h5(os.path.join(args.workdir, "in.h5"), A=A, Z2=Z2)
        out = os.path.join(args.workdir, "out.h5")
        # A small budget (in bytes), so that the plan has several tiles.
        result = run([os.path.join(example, "seed"), data, out, str(2 << 20)])
        print(result.stdout)
        util.expect("strategy:" in result.stdout and "wrote " + out + ":/E" in result.stdout,
                    "the example printed no plan or no result")
        B, Y2 = 1.0 / (1.0 + np.arange(Q)), np.cos(np.arange(N))
        C, C2 = np.einsum("i,jk->ijk", B, A), np.einsum("j,ik->ijk", Y2, Z2)
        expected = np.einsum("ijk,ikj->k", C + C2, C + C2)
        with h5py.File(out, "r") as file:
            util.expect_close("E of the installed example", file["E"][...], expected, rtol=1e-12)
    except util.TestFailure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
