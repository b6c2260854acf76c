"""The machine profile the Python module plans with: the one `tilesum calibrate` stored, found as the CLI finds it
(TILESUM_PROFILE, then $XDG_CONFIG_HOME/tilesum/machine.json or ~/.config/tilesum/machine.json), unless profile=
names a file or "defaults". ctest runs this file with TILESUM_PROFILE=defaults; each test sets what it needs."""
import json

import numpy as np
import pytest

import tilesum as ts

GEMM_RATE = 1.25e9  # a rate no machine measures by accident: the profile's fingerprint in the plan


def gram():
    rng = np.random.default_rng(7)
    return ts.einsum("ni,nj->ij", rng.random((40, 3)), rng.random((40, 3)))


def machine_of(plan):
    return json.loads(plan.to_json())["report"]["machine"]


def write_profile(path):
    """A valid profile: the built-in defaults as the plan records them, with GEMM_RATE."""
    profile = machine_of(gram().plan(profile="defaults"))
    profile.pop("source", None)
    profile.update(version=3, gemm_flops_per_second=GEMM_RATE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(profile))
    return path


def test_profile_keyword_names_the_file_planned_with(tmp_path):
    path = write_profile(tmp_path / "machine.json")
    machine = machine_of(gram().plan(profile=path))
    assert machine["source"] == str(path)
    assert machine["gemm_flops_per_second"] == GEMM_RATE


def test_without_the_keyword_the_calibrated_profile_is_found_where_the_cli_finds_it(tmp_path, monkeypatch):
    path = write_profile(tmp_path / "config" / "tilesum" / "machine.json")
    monkeypatch.delenv("TILESUM_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert machine_of(ts.plan({"G": gram()}))["source"] == str(path)
    assert str(path) in gram().explain()


def test_tilesum_profile_variable_is_honoured(tmp_path, monkeypatch):
    path = write_profile(tmp_path / "elsewhere.json")
    monkeypatch.setenv("TILESUM_PROFILE", str(path))
    assert machine_of(gram().plan())["gemm_flops_per_second"] == GEMM_RATE


def test_defaults_word_ignores_a_stored_profile(tmp_path, monkeypatch):
    write_profile(tmp_path / "config" / "tilesum" / "machine.json")
    monkeypatch.delenv("TILESUM_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert machine_of(gram().plan(profile="defaults"))["gemm_flops_per_second"] != GEMM_RATE


def test_a_missing_named_profile_raises_value_error_saying_how_to_use_the_defaults(tmp_path):
    missing = tmp_path / "no_such.json"
    with pytest.raises(ValueError, match=r"named by profile=\).*profile=defaults"):
        gram().compute(profile=missing)


def test_a_malformed_profile_raises_value_error_naming_the_file(tmp_path):
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"version": 3, "gemm_flops_per_second": -3}')
    with pytest.raises(ValueError, match="corrupt.json"):
        ts.compute({"G": gram()}, profile=str(corrupt))


def test_profile_must_be_a_path(tmp_path):
    with pytest.raises(TypeError, match="profile must be"):
        gram().compute(profile=3)


def test_computed_values_do_not_depend_on_the_profile(tmp_path):
    path = write_profile(tmp_path / "machine.json")
    expr = gram()
    assert np.array_equal(expr.compute(profile=path), expr.compute(profile="defaults"))
