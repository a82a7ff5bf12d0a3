"""File helpers shared by the build, handbooks and the portal."""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.lru_cache(maxsize=1)
def package_hash() -> str:
    """SHA-256 over policydocs' own code and data files: part of every cache key,
    so a changed writer re-renders even when the version number is the same
    (an editable install, a patched release)."""
    here = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted([*here.rglob("*.py"), *(here / "data").rglob("*")]):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(here)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()
