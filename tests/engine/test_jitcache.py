"""numba's disk cache must not serve code compiled against an older dependency."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CALLER = textwrap.dedent("""
    import numba as nb
    from inevitable.engine.jitcache import follow
    from jitpkg.callee import base

    @nb.njit(cache=True)
    def twice():
        return 2 * base()

    follow(__name__, "jitpkg.callee")
""")


def _callee(value: int) -> str:
    return f"import numba as nb\n\n\n@nb.njit(cache=True)\ndef base():\n    return {value}\n"


def _run(root) -> int:
    code = "from jitpkg.caller import twice; print(twice())"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True)
    return int(out.stdout.strip())


def test_a_changed_callee_in_another_file_recompiles_the_caller(tmp_path):
    pkg = tmp_path / "jitpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "caller.py").write_text(CALLER)
    (pkg / "callee.py").write_text(_callee(1))
    assert _run(tmp_path) == 2
    cached = list((pkg / "__pycache__").glob("caller.*.nbi"))
    assert cached, "numba wrote no cache for the caller"
    # the caller's file is untouched, so numba alone would load its stale entry (2)
    (pkg / "callee.py").write_text(_callee(5))
    assert _run(tmp_path) == 10
    assert _run(tmp_path) == 10  # and the fresh entry is then reused
