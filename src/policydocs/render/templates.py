"""Where templates come from: the project's ``templates/`` first, then policydocs' own.

One Jinja2 environment per project and process, autoescaping on, undefined
variables an error. A company overrides a template by putting a file of the
same name under its project's ``templates/``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    """Template folders in lookup order: the project's, then the package's."""
    dirs = []
    if project_root is not None and (Path(project_root) / "templates").is_dir():
        dirs.append(Path(project_root) / "templates")
    dirs.append(PACKAGE_TEMPLATES)
    return dirs


def template_env(project_root: Path | None) -> Environment:
    """The Jinja2 environment of a project (cached per process)."""
    return _env(str(Path(project_root).resolve()) if project_root is not None else "")


@lru_cache(maxsize=8)
def _env(root: str) -> Environment:
    loader = ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(Path(root) if root else None)])
    return Environment(loader=loader, autoescape=select_autoescape(["html", "j2", "xml"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


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
