"""policydocs runs where most Chinese HR offices work: Windows (issue 12).

``import fcntl`` at module level once made the ledger, and with it ``build``,
unimportable there. Windows is simulated by blocking ``fcntl`` (what ``import
fcntl`` finds on Windows is an ImportError) in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import copy_project

NO_FCNTL = textwrap.dedent("""
    import importlib, pkgutil, sys, warnings
    sys.modules["fcntl"] = None  # `import fcntl` now raises ImportError, as on Windows
    warnings.simplefilter("ignore")  # filelock says it falls back to a soft lock
    import policydocs
    failed = []
    for m in pkgutil.walk_packages(policydocs.__path__, "policydocs."):
        if m.name.endswith("__main__") or ".migrations." in m.name:  # a script; Alembic's env runs only under Alembic
            continue
        try:
            importlib.import_module(m.name)
        except ImportError as exc:
            failed.append(f"{m.name}: {exc}")
    print("\\n".join(failed) or "ok")
""")


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


def test_every_module_imports_without_fcntl():
    result = _run(NO_FCNTL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok", result.stdout


def test_the_ledger_lock_and_the_cli_work_without_fcntl(tmp_path):
    code = textwrap.dedent("""
        import sys, warnings
        sys.modules["fcntl"] = None
        warnings.simplefilter("ignore")
        from pathlib import Path
        from policydocs.cli import main
        from policydocs.trust import ledger
        root = Path(sys.argv[1])
        with ledger.Ledger(root).locked():
            assert (root / "ledger" / ".lock").exists()  # held (a soft lock file where flock is missing)
        sys.exit(main(["-C", str(root), "check"]))
    """)
    root = copy_project(tmp_path / "proj", ["ADM-CONF-001", "IT-DEV-001", "IT-SEC-001"])
    result = _run(code, str(root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
