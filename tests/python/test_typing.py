"""The package's typing: the extension's stub is current, and mypy --strict passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_core_stub_matches_the_extension(tmp_path):
    """python/fastac/_core.pyi is what pybind11-stubgen makes of the built extension."""
    pytest.importorskip("pybind11_stubgen")
    subprocess.run([sys.executable, "-m", "pybind11_stubgen", "fastac._core", "-o", str(tmp_path)], check=True,
                   capture_output=True, cwd=tmp_path)
    generated = (tmp_path / "fastac" / "_core.pyi").read_text()
    committed = (ROOT / "python" / "fastac" / "_core.pyi").read_text()
    assert generated == committed, (
        "python/fastac/_core.pyi is out of date: regenerate it with "
        "`python -m pybind11_stubgen fastac._core -o /tmp/stubs` and copy /tmp/stubs/fastac/_core.pyi")


def test_mypy_strict_passes():
    if shutil.which("mypy") is None and not _has_module("mypy"):
        pytest.skip("mypy is not installed (pip install fastac[test])")
    out = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
