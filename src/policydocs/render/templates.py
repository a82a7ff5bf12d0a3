"""Where templates come from: the project's ``templates/`` first, then policydocs' own.

One Jinja2 environment per project and process, autoescaping on, undefined
variables an error. A company overrides a template by putting a file of the
same name under its project's ``templates/``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

from .context import RenderContext
from .html import HtmlWriter

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_dirs(project_root: Path | None) -> list[Path]:
    """Template folders in lookup order: the project's (also when it does not exist yet: a
    long-running ``serve`` finds an override made later), then the package's."""
    dirs = [Path(project_root) / "templates"] if project_root is not None else []
    dirs.append(PACKAGE_TEMPLATES)
    return dirs


def template_env(project_root: Path | None) -> Environment:
    """A Jinja2 environment for a project's templates. Make one per run (a portal build): its
    cache would not notice an override added later to the project's ``templates/``."""
    loader = ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(project_root)])
    return Environment(loader=loader, autoescape=select_autoescape(["html", "j2", "xml"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=None)
def package_env(folder: str) -> Environment:
    """policydocs' own templates under ``templates/<folder>`` (the acknowledgement service's
    pages and mail): one environment per folder and process, autoescaping every template."""
    return Environment(loader=FileSystemLoader(str(PACKAGE_TEMPLATES / folder)),
                       autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


def policy_template_vars(ctx: RenderContext) -> dict:
    """What the portal's policy page needs besides its own data: the body as HTML,
    approvals by role, the document's words and date format."""
    meta = ctx.doc.meta
    created = ctx.version.effective_date or meta.effective_date
    return {
        "ctx": ctx,
        "meta": meta,
        "title": meta.title,
        "body": HtmlWriter(ctx).body(),
        "version": ctx.version,
        "approvals": {a.role: a for a in ctx.version.approvals},
        "roles": [(key, ctx.role(key)) for key in ctx.config.versions.roles],
        "effective_text": ctx.date(ctx.effective_date),
        "status_word": ctx.status_word,
        "created": created.isoformat() if created else "2000-01-01",
        "company": ctx.company,
        "w": ctx.word,
        "fmt_date": ctx.date,
    }


def templates_hash(project_root: Path, patterns: Iterable[str]) -> str:
    """Hash of the template files matching ``patterns`` (globs relative to a templates
    folder) in the package and in the project's ``templates/`` (which overrides it):
    part of the key of everything those templates shape."""
    h = hashlib.sha256()
    for base in (PACKAGE_TEMPLATES, Path(project_root) / "templates"):
        for pattern in patterns:
            for path in sorted(base.glob(pattern)):
                if path.is_file():
                    h.update(f"{base == PACKAGE_TEMPLATES}:{path.relative_to(base).as_posix()}\0".encode())
                    h.update(path.read_bytes())
    return h.hexdigest()
