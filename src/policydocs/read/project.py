"""A policydocs project: configuration plus every policy, parsed and validated.

``load_project`` is the single entry for commands that read policies: it
reports *all* problems at once (PolicyErrors) before anything is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.model import Document
from .cache import TreeCache
from .config import Config, load_config
from .references import resolve


@dataclass
class Project:
    root: Path
    config: Config
    documents: dict[str, Document] = field(default_factory=dict)  # id → Document, in file-name order

    def get(self, policy_id: str) -> Document:
        """The policy with ``policy_id``; PolicyError naming the known ids otherwise."""
        try:
            return self.documents[policy_id]
        except KeyError:
            known = ", ".join(self.documents) or "none"
            raise PolicyError(self.config.policies_dir, 0, f"no policy with id {policy_id!r} (known: {known})") from None


def policy_files(config: Config) -> list[Path]:
    """Policy sources: ``policies/*.md`` sorted by file name."""
    if not config.policies_dir.is_dir():
        raise PolicyError(config.policies_dir, 0, "no policies/ directory (run `policydocs init DIR` to start a project)")
    return sorted(p for p in config.policies_dir.glob("*.md") if p.is_file())


def load_project(root: str | Path = ".") -> Project:
    """Load config and all policies; raise PolicyErrors listing every problem."""
    config = load_config(root)
    project = Project(root=config.root, config=config)
    errors = Collector()
    seen: dict[str, Path] = {}
    trees = TreeCache(config.root)
    for path in policy_files(config):
        rel = path.relative_to(config.root) if path.is_relative_to(config.root) else path
        try:
            doc = trees.parse(path, rel)
        except (PolicyError, PolicyErrors) as exc:
            errors.extend(exc)
            continue
        pid = doc.meta.id
        if pid in seen:
            errors.add(rel, doc.meta.lines.get("id", 1), f"duplicate id {pid!r}: also used by {seen[pid]}")
            continue
        seen[pid] = rel
        project.documents[pid] = doc
    trees.save()
    _check_links(project, errors)
    resolve(project.documents, errors)
    errors.raise_if_any()
    return project


def _check_links(project: Project, errors: Collector) -> None:
    """supersedes / superseded_by must name policies of this project."""
    for doc in project.documents.values():
        for other in doc.meta.supersedes:
            if other not in project.documents:
                errors.add(doc.path, doc.meta.lines.get("supersedes", 1), f"supersedes unknown policy {other!r}")
        succ = doc.meta.superseded_by
        if succ and succ not in project.documents:
            errors.add(doc.path, doc.meta.lines.get("superseded_by", 1), f"superseded_by unknown policy {succ!r}")
