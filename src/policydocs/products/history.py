"""Version history for the writers: the ledger's releases plus what changed between them.

The ledger (trust layer) knows releases, approvals and frozen texts; which
articles changed between two frozen texts (修订章节) needs the parser and the
diff engine, so it is filled in here, one layer up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..core.errors import PolicyError, PolicyErrors
from ..core.model import VersionInfo
from ..core.words import words
from ..trust import ledger
from . import diff


def version_info(project_root: str | Path, config, policy_id: str, source_text: str, *,
                 fallback_effective: date | None = None) -> VersionInfo:
    """``ledger.version_info`` with the 修订章节 column of every revision row filled."""
    info = ledger.version_info(project_root, config, policy_id, source_text, fallback_effective=fallback_effective)
    releases = ledger.released_versions(project_root, policy_id, config)
    return replace(info, revisions=_with_sections(project_root, releases, info.revisions))


def release_info(project_root: str | Path, config, policy_id: str, version: str) -> VersionInfo:
    """``ledger.release_info`` (a released version as published) with 修订章节 filled."""
    info = ledger.release_info(project_root, config, policy_id, version)
    releases = ledger.released_versions(project_root, policy_id, config)
    return replace(info, revisions=_with_sections(project_root, releases, info.revisions))


def _with_sections(project_root: str | Path, releases: list, revisions: list) -> list:
    root = str(Path(project_root).resolve())
    return [replace(rev, sections=revision_sections(root, releases[i - 1].snapshot, releases[i].snapshot))
            if i > 0 else rev for i, rev in enumerate(revisions)]


@lru_cache(maxsize=512)
def revision_sections(project_root: str, old_snapshot: str, new_snapshot: str, locale: str = "zh-Hans") -> str:
    """Which articles changed between two frozen texts, in ``locale``'s words (cached).

    The words are those of the policy's source language: the build converts the
    revision rows with the rest of the text."""
    try:
        result = diff.diff_snapshots(Path(project_root), old_snapshot, new_snapshot)
    except (PolicyError, PolicyErrors):  # an old snapshot the current parser rejects: leave the column empty
        return ""
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
