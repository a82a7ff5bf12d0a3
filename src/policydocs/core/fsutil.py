"""File helpers shared by the build, handbooks and the portal."""

from __future__ import annotations

import functools
import hashlib
import multiprocessing.util
import os
import shutil
import tempfile
from pathlib import Path


def process_temp_dir(prefix: str) -> Path:
    """A new temporary folder, removed when this process ends — also when it is a worker of a
    process pool: a worker's exit skips ``atexit`` (and so ``TemporaryDirectory``'s own clean-up)
    and runs multiprocessing's finalizers instead, which this registers with."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(str(path), True), exitpriority=10)
    return path


def inside_project(path: Path, root: Path) -> bool:
    """True when ``path``, with every symlink resolved, is inside ``root``: a project reads
    its files (policies, glossary, handbooks, templates) only from inside itself."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def outside_project_message(what: str, path: Path) -> str:
    """The one message for a project file that is a symlink out of the project."""
    return (f"{what} is a symlink to {path.resolve()}, outside the project: project files are read only "
            "from inside the project; copy the file in")


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None, fsync: bool = False) -> None:
    """Write via a temp file in the same folder, then rename over ``path``.

    ``mode`` sets the file's permissions before the rename (default: those of
    ``tempfile.mkstemp``, 0600). ``fsync`` makes the write durable: the data
    is flushed before the rename and the folder entry after it (the ledger's
    snapshots, people.yaml, the signing identity).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync:
        fsync_dir(path.parent)


def atomic_write_files(outputs: dict[Path, bytes], *, mode: int | None = None) -> list[Path]:
    """Write several files all or nothing (as far as a file system allows): every temp file
    is written first, and only then is each renamed over its target — a failure while
    writing (a full disk) leaves every target as it was. Returns the paths written."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                if mode is not None:
                    os.chmod(tmp, mode)
                f.write(data)
        written: list[Path] = []
        for tmp, path in temps:
            os.replace(tmp, path)
            written.append(path)
        return written
    finally:
        for tmp, _path in temps:
            Path(tmp).unlink(missing_ok=True)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
