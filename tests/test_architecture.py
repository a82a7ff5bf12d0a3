"""The package's layers point one way and no modules import each other in a loop.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter reads
every import, function-level ones included, so a cycle cannot hide in a function.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
