"""The Jinja2 templates of the portal (HTML): the project's templates/ first, then ours.

PDFs are laid out by Typst from ``templates/typst/*.typ`` (``render/typst``);
this module serves the HTML side only.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .context import RenderContext
from .html import HtmlWriter

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_env(project_root: Path | None) -> Environment:
    """Jinja2 environment: the project's templates/ first, then the packaged defaults."""
    loaders = []
    if project_root is not None and (project_root / "templates").is_dir():
        loaders.append(FileSystemLoader(str(project_root / "templates")))
    loaders.append(FileSystemLoader(str(PACKAGE_TEMPLATES)))
    return Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html", "j2", "xml"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def policy_template_vars(ctx: RenderContext) -> dict:
    """What the portal's policy page needs besides its own data: the body as HTML,
    approvals by role, the document's words and date format."""
    meta = ctx.doc.meta
    created = (ctx.version.effective_date or meta.effective_date)
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
