"""The code base stays ruff-clean (the configuration is in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed; install the [test] extra")
    dirs = [d for d in ("src", "tests", "validation", "benchmarks") if (ROOT / d).exists()]
    out = subprocess.run([ruff, "check", *dirs], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mechanisms_reach_randomness_only_through_streams():
    """Common random numbers hold only if no mechanism has a generator of its own."""
    for path in (ROOT / "src" / "inevitable" / "mechanisms").rglob("*.py"):
        text = path.read_text()
        for banned in ("np.random", "numpy.random", "import random", "from random"):
            assert banned not in text, f"{path.name} uses {banned}"
