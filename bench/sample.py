"""The bundled sample project, copied for a bench run (config, glossary, policies)."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_sample(dst: Path) -> Path:
    """Copy policydocs.toml, glossary.yaml and policies/ of the repository into ``dst``."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("policydocs.toml", "glossary.yaml"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dst / name)
    shutil.copytree(REPO / "policies", dst / "policies")
    return dst
