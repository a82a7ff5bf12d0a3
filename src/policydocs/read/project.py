"""A policydocs project: configuration plus every policy, parsed and validated.

``load_project`` is the single entry for commands that read policies: it
reports *all* problems at once (PolicyErrors) before anything is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError

from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.fsutil import inside_project, outside_project_message
from ..core.model import Document
from .cache import TreeCache
from .config import Config, load_config
from .media import resolve_images
from .references import resolve

#: Files under templates/ that Jinja reads (checked for syntax by ``load_project``).
TEMPLATE_SUFFIXES = (".j2", ".html", ".htm")


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


def load_project(root: str | Path = ".", *, templates: bool = True) -> Project:
    """Load config and all policies; raise PolicyErrors listing every problem.

    Besides the policies and their references this checks their pictures
    (``media.resolve_images``) and, unless ``templates`` is False, the syntax
    of the project's templates, so that ``build`` finds them before rendering
    anything."""
    config = load_config(root)
    project = Project(root=config.root, config=config)
    errors = Collector()
    seen: dict[str, Path] = {}
    trees = TreeCache(config.root)
    for path in policy_files(config):
        rel = path.relative_to(config.root) if path.is_relative_to(config.root) else path
        if not inside_project(path, config.root):
            errors.add(rel, 1, outside_project_message("policy file", path))
            continue
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
        resolve_images(doc, config.root, errors)
    trees.save()
    _check_links(project, errors)
    resolve(project.documents, errors)
    if templates:
        check_templates(config, errors)
    errors.raise_if_any()
    return project


def template_files(config: Config) -> list[Path]:
    """The project's own Jinja templates (``templates/**/*.j2|html``), sorted."""
    if not config.templates_dir.is_dir():
        return []
    return sorted(p for p in config.templates_dir.rglob("*") if p.suffix in TEMPLATE_SUFFIXES and not p.is_dir())


def check_templates(config: Config, errors: Collector) -> int:
    """Parse every project template; report a syntax error as ``templates/…:line``.

    Returns the number of templates checked.  A file of ``templates/`` (Jinja, Typst,
    the portal's static files) that is a symlink out of the project is refused like a
    policy: the portal would publish it, the writers would read it."""
    env = Environment()
    files = template_files(config)
    outside = set()
    if config.templates_dir.is_dir():
        for path in sorted(p for p in config.templates_dir.rglob("*") if not p.is_dir()):
            if not inside_project(path, config.root):
                outside.add(path)
                errors.add(path.relative_to(config.root), 1, outside_project_message("template file", path))
    for path in files:
        rel = path.relative_to(config.root)
        if path in outside:
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            errors.add(rel, 1, "template is not UTF-8")
            continue
        try:
            env.parse(source, name=rel.as_posix())
        except TemplateSyntaxError as exc:
            errors.add(rel, exc.lineno or 1, f"template syntax error: {exc.message}")
    return len(files)


def _check_links(project: Project, errors: Collector) -> None:
    """supersedes / superseded_by must name policies of this project."""
    for doc in project.documents.values():
        for other in doc.meta.supersedes:
            if other not in project.documents:
                errors.add(doc.path, doc.meta.lines.get("supersedes", 1), f"supersedes unknown policy {other!r}")
        succ = doc.meta.superseded_by
        if succ and succ not in project.documents:
            errors.add(doc.path, doc.meta.lines.get("superseded_by", 1), f"superseded_by unknown policy {succ!r}")
