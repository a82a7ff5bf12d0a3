"""Parsed policies kept between runs, so a build that changes nothing reads nothing twice.

A tree is stored under the SHA-256 of policydocs' own code, the file's name
and its text: any edit, or a new policydocs, parses again. Only trees that
parsed without error are kept. The cache lives in the user's cache folder
($XDG_CACHE_HOME/policydocs, one file per project), never in the project:
it is pickled, and a project folder may be shared with people who should not
be able to run code on the next person's build.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from ..core.fsutil import atomic_write_bytes, package_hash
from ..core.model import Document
from .markdown import parse_policy_text, read_source

CACHE_ENV = "POLICYDOCS_CACHE_DIR"  # another folder, or "off" to parse every time


def cache_dir() -> Path | None:
    """$POLICYDOCS_CACHE_DIR, else $XDG_CACHE_HOME/policydocs (~/.cache/policydocs); None when off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policydocs"


class TreeCache:
    """The parsed trees of one project: ``parse`` reads a policy file, parsing only what changed.

    ``kind`` names a separate cache of the project (``"snapshots"``: the ledger's frozen
    texts, read by the build and the portal), so each keeps only what it used last time."""

    def __init__(self, project_root: Path, kind: str = "working"):
        folder = cache_dir()
        name = f"{hashlib.sha256(str(project_root).encode()).hexdigest()[:24]}.{kind}.pickle"
        self.file = folder / "trees" / name if folder else None
        self.entries: dict[str, bytes] = self._load()
        self.used: dict[str, bytes] = {}
        self.salt = package_hash()

    def _load(self) -> dict[str, bytes]:
        if self.file is None:
            return {}
        try:
            data = pickle.loads(self.file.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            return {}  # missing, or written by another policydocs: parse again
        return data if isinstance(data, dict) else {}

    def parse(self, path: Path, shown: Path) -> Document:
        """The tree of one policy file (``shown`` names it in messages and source positions)."""
        return self.parse_text(read_source(path, shown), shown)

    def parse_text(self, text: str, shown: Path) -> Document:
        """The tree of a text read elsewhere (a ledger snapshot), as if it were ``shown``."""
        key = hashlib.sha256(f"{self.salt}\0{shown}\0{text}".encode()).hexdigest()
        blob = self.entries.get(key)
        if blob is not None:
            try:
                doc = pickle.loads(blob)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
                doc = None
            if isinstance(doc, Document):
                self.used[key] = blob
                return doc
        doc = parse_policy_text(text, shown)
        self.used[key] = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)  # before references are resolved
        return doc

    def save(self) -> None:
        """Keep the trees this run used (and only those); nothing is written when nothing changed.
        May be called again after more trees were used (the build, then the portal)."""
        if self.file is None or self.used.keys() == self.entries.keys():
            return
        try:
            atomic_write_bytes(self.file, pickle.dumps(self.used, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return  # a read-only home: the next run parses again, nothing else changes
        self.entries = dict(self.used)  # saving again writes only when more trees were used since
