"""Writing the portal: only the pages whose inputs changed, all at once at the end.

Every page and file of ``build/site/`` has a key over its inputs, kept in
``build/site/.keys.json``. A page whose key is unchanged (and whose file is
still there) is not rendered again. New and changed files are written into a
staging folder first; only when every page rendered are they moved into place,
the files no longer part of the portal removed, and the keys written last.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from ...core import cachekey
from ...core.errors import PolicyError
from ...core.fsutil import atomic_write_bytes, sha256_file

KEYS_FILE = ".keys.json"
STAGING_PREFIX = ".site-new-"
LOCK_NAME = ".site.lock"


key_of = cachekey.digest  # a page's key: the portal's artifact key (``portal_key``) and the page's own inputs


class SiteOutput:
    """The files of one portal build: ``want`` each file with its key; ``commit`` (or
    ``discard``) at the end.  One portal build at a time per project (``build/.site.lock``);
    the staging folders a killed one left behind are removed when the next one starts."""

    def __init__(self, site: Path):
        self.site = site
        site.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(site.parent / LOCK_NAME), timeout=0)
        try:
            self._lock.acquire()
        except Timeout:
            raise PolicyError(site, 0, "another portal build (site, serve or build --all) is running in this "
                                       "project; try again when it has finished") from None
        for stale in site.parent.glob(f"{STAGING_PREFIX}*"):  # the lock says no run owns them
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        try:
            self.previous: dict[str, str] = json.loads((site / KEYS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet (or unreadable): everything is written, nothing else kept
            self.previous = {}
        self.keys: dict[str, str] = {}
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=site.parent))
        self.written = 0
        self.kept = 0

    def want(self, rel: str, key: str, make: Callable[[], bytes | str]) -> bool:
        """Make sure ``rel`` exists with content for ``key``; ``make`` runs only when it changed.
        True when the file is (re)written."""
        self.keys[rel] = key
        if self.previous.get(rel) == key and (self.site / rel).is_file():
            self.kept += 1
            return False
        data = make()
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.written += 1
        return True

    def want_copy(self, rel: str, source: Path, sha256: str) -> bool:
        """A published file, hard-linked (else copied) from where it is kept; PolicyError when
        its bytes are no longer the ``sha256`` on the publication record."""
        self.keys[rel] = sha256
        if self.previous.get(rel) == sha256 and (self.site / rel).is_file():
            self.kept += 1
            return False
        if sha256_file(source) != sha256:
            raise PolicyError(source, 0, "this published file is not the file on the publication record "
                                         "(changed after publication); `policydocs verify` lists every such file")
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:  # another file system: a copy
            shutil.copyfile(source, target)
        self.written += 1
        return True

    def commit(self) -> None:
        """Move every new file into place, remove what the portal no longer has, keys last."""
        self.site.mkdir(parents=True, exist_ok=True)
        for path in sorted(p for p in self.staging.rglob("*") if p.is_file()):
            rel = path.relative_to(self.staging)
            dst = self.site / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dst)
        keep = set(self.keys) | {KEYS_FILE}
        for path in [p for p in self.site.rglob("*") if p.is_file()]:
            if path.relative_to(self.site).as_posix() not in keep:
                path.unlink()
        for folder in sorted((p for p in self.site.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
        atomic_write_bytes(self.site / KEYS_FILE, json.dumps(self.keys, indent=0, sort_keys=True).encode("utf-8"),
                           mode=0o644)
        self.discard()

    def discard(self) -> None:
        """Forget the staged files (a failed portal build leaves the previous portal as it was)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self._lock.release()
