"""Version history for the writers: the ledger's releases plus what changed between them.

The ledger (trust layer) knows releases, approvals and frozen texts; which
articles changed between two frozen texts (修订章节) needs their trees and the
diff engine, so it is filled in here, one layer up. A build session hands its
trees in (``trees``): a frozen text is parsed once per run, whoever needs it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Callable

from ..core.errors import PolicyError, PolicyErrors
from ..core.fsutil import atomic_write_bytes, package_hash
from ..core.model import Document, VersionInfo
from ..core.words import words
from ..read.cache import cache_dir
from ..trust import ledger
from . import diff


#: The resolved tree of a release's frozen text (a build session's ``document``).
Trees = Callable[[ledger.ReleaseRecord], Document]


def version_info(project_root: str | Path, config, policy_id: str, source_text: str, *,
                 fallback_effective: date | None = None, trees: Trees | None = None) -> VersionInfo:
    """``ledger.version_info`` with the 修订章节 column of every revision row filled
    (compared on ``trees`` when given, else on frozen texts parsed here)."""
    info = ledger.version_info(project_root, config, policy_id, source_text, fallback_effective=fallback_effective)
    releases = ledger.released_versions(project_root, policy_id, config)
    return replace(info, revisions=_with_sections(project_root, releases, info.revisions, trees))


def release_info(project_root: str | Path, config, policy_id: str, version: str, *,
                 trees: Trees | None = None) -> VersionInfo:
    """``ledger.release_info`` (a released version as published) with 修订章节 filled."""
    info = ledger.release_info(project_root, config, policy_id, version)
    releases = ledger.released_versions(project_root, policy_id, config)
    return replace(info, revisions=_with_sections(project_root, releases, info.revisions, trees))


def _with_sections(project_root: str | Path, releases: list, revisions: list, trees: Trees | None) -> list:
    root = str(Path(project_root).resolve())

    def pair(old, new) -> Callable[[], tuple[Document, Document]] | None:
        return (lambda: (trees(old), trees(new))) if trees is not None else None

    return [replace(rev, sections=revision_sections(root, releases[i - 1].snapshot, releases[i].snapshot,
                                                    documents=pair(releases[i - 1], releases[i])))
            if i > 0 else rev for i, rev in enumerate(revisions)]


class SectionsCache:
    """修订章节 of pairs of frozen texts, kept between runs: a text never changes under its
    hash, so a pair is compared once per policydocs version, not on every build. JSON in the
    user's cache folder (like the tree cache, never in the project)."""

    def __init__(self, project_root: str):
        folder = cache_dir()
        name = f"{hashlib.sha256(project_root.encode()).hexdigest()[:24]}.sections.json"
        self.file = folder / "trees" / name if folder else None
        self.salt = package_hash()
        self.entries: dict[str, str] = {}
        self.changed = False
        if self.file is not None:
            try:
                data = json.loads(self.file.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("salt") == self.salt:
                    self.entries = dict(data.get("sections") or {})
            except (OSError, ValueError):
                pass  # none yet, or unreadable: compare again

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def put(self, key: str, value: str) -> None:
        self.entries[key] = value
        self.changed = True

    def save(self) -> None:
        if self.file is None or not self.changed:
            return
        data = json.dumps({"salt": self.salt, "sections": self.entries}, ensure_ascii=False, sort_keys=True)
        try:
            atomic_write_bytes(self.file, data.encode("utf-8"))
        except OSError:
            return  # a read-only home: the next run compares again
        self.changed = False


_sections: dict[str, SectionsCache] = {}


def _sections_of(project_root: str) -> SectionsCache:
    if project_root not in _sections:
        _sections[project_root] = SectionsCache(project_root)
    return _sections[project_root]


def keep_sections(project_root: str | Path) -> None:
    """Write the 修订章节 computed in this process for the next run (the build session's close)."""
    cache = _sections.get(str(Path(project_root).resolve()))
    if cache is not None:
        cache.save()


def revision_sections(project_root: str, old_snapshot: str, new_snapshot: str, locale: str = "zh-Hans", *,
                      documents: Callable[[], tuple[Document, Document]] | None = None) -> str:
    """Which articles changed between two frozen texts, in ``locale``'s words (cached).

    ``documents`` gives their trees (a build session's) when they must be compared; without
    it the frozen texts are parsed here. The words are those of the policy's source
    language: the build converts the revision rows with the rest of the text."""
    cache = _sections_of(project_root)
    key = f"{old_snapshot}:{new_snapshot}:{locale}"
    hit = cache.get(key)
    if hit is None:
        hit = _revision_sections(project_root, old_snapshot, new_snapshot, locale, documents)
        cache.put(key, hit)
    return hit


def sections_between(old: Document, new: Document, locale: str = "zh-Hans") -> str:
    """修订章节 of two trees (a session's: they are compared as copies, since the diff
    renumbers the older text's references in place)."""
    return _describe(diff.diff_documents(copy.deepcopy(old), copy.deepcopy(new), old_version="", new_version=""),
                     locale)


def _revision_sections(project_root: str, old_snapshot: str, new_snapshot: str, locale: str,
                       documents: Callable[[], tuple[Document, Document]] | None) -> str:
    if documents is not None:
        try:
            return sections_between(*documents(), locale)
        except (PolicyError, PolicyErrors):
            pass  # a frozen text that no longer resolves in today's project: compared on its own below
    try:
        result = diff.diff_snapshots(Path(project_root), old_snapshot, new_snapshot)
    except (PolicyError, PolicyErrors):  # an old snapshot the current parser rejects: leave the column empty
        return ""
    return _describe(result, locale)


def _describe(result: diff.DiffResult, locale: str) -> str:
    """The changed articles of a comparison, grouped (新增 / 修改 / 删除) in ``locale``'s words."""
    w = words(locale, "history")
    groups: dict[str, list[str]] = {"added": [], "modified": [], "deleted": []}
    for c in result.changed:
        unit = c.new if c.new is not None else c.old
        name = unit.label if unit.kind == "article" else unit.display
        groups[c.kind].append(name if c.new is not None else w["former"].format(label=name))
    parts = []
    for kind in ("added", "modified", "deleted"):
        labels = groups[kind]
        if labels:
            shown = w["list_sep"].join(labels[:4]) + (w["and_more"].format(n=len(labels)) if len(labels) > 4 else "")
            parts.append(w[kind] + shown)
    return w["group_sep"].join(parts)
