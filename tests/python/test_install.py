"""`cmake --install` puts the package where Debian's interpreter finds it: PREFIX/lib/python3.X/dist-packages."""

import os
import subprocess
import sys

import pytest

BUILD_DIR = os.environ.get("TILESUM_BUILD_DIR")


@pytest.mark.skipif(not BUILD_DIR, reason="TILESUM_BUILD_DIR (set by ctest) names the build to install")
def test_the_installed_package_imports_and_computes(tmp_path):
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)], check=True, capture_output=True)
    packages = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "dist-packages"
    script = ("import numpy as np, tilesum as ts; print(ts.__file__); "
              "print(float(ts.einsum('ij,ij->', np.ones((3, 4)), np.ones((3, 4))).compute()))")
    environment = {**os.environ, "PYTHONPATH": str(packages)}
    completed = subprocess.run([sys.executable, "-c", script], env=environment, cwd=tmp_path, check=True,
                               capture_output=True, text=True)
    installed_at, value = completed.stdout.split()
    assert installed_at.startswith(str(packages))
    assert float(value) == 12.0
