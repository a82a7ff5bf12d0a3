"""The text an employee reads: the released (frozen) version, rendered to HTML in a locale.

Rendered once when a campaign opens, from the ledger's snapshot — not from the
working tree, which may already hold the next draft — through the same
``HtmlWriter`` the portal uses; the HTML is stored with the campaign, so every
employee sees the same bytes and the acknowledgement records their hash.
"""

from __future__ import annotations

import copy
from pathlib import Path

from ..convert import conversion
from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.model import Approval, Document, VersionInfo
from ..read import markdown as parsing
from ..read import references
from ..read.config import Config
from ..read.project import load_project
from ..render.context import RenderContext
from ..render.html import HtmlWriter
from ..render.templates import package_env
from ..trust import ledger
from .store import AckError

_ENV = package_env("acks")  # the one environment of the service's templates (render/templates.py)


def _others(project_root: Path, policy_id: str) -> dict[str, Document]:
    """The other policies of the working tree, for references like 《考勤管理制度》."""
    try:
        project = load_project(project_root)
    except (PolicyError, PolicyErrors):
        return {}
    return {k: copy.deepcopy(v) for k, v in project.documents.items() if k != policy_id}


def frozen_document(project_root: Path, release: ledger.ReleaseRecord) -> Document:
    """The release's snapshot parsed, references resolved (missing targets stay unresolved)."""
    text = ledger.snapshot_text(project_root, release.snapshot)
    doc = parsing.parse_policy_text(text, Path("ledger") / "snapshots" / f"{release.snapshot}.md")
    references.resolve({**_others(project_root, release.policy_id), release.policy_id: doc}, Collector())
    return doc


def render_text(config: Config, doc: Document, release: ledger.ReleaseRecord, locale: str) -> tuple[str, str]:
    """(title, HTML fragment) of the released text in ``locale`` (with its closing 施行 article)."""
    glossary = conversion.load_glossary(config.root)
    localized, _report = conversion.localize(doc, locale, glossary, phrase_mode=config.locales.phrase_mode)
    info = VersionInfo(version=release.version, is_draft=False, effective_date=release.effective_date,
                       approvals=[Approval(a.role, a.person, a.date) for a in release.approvals],
                       revisions=[], content_hash=release.content_hash)
    ctx = RenderContext(doc=localized, config=config, version=info)
    html = _ENV.get_template("text.html.j2").render(
        ctx=ctx, meta=localized.meta, body=HtmlWriter(ctx).body(), version=info,
        effective=ctx.date(info.effective_date),
        approvals=[(ctx.role(a.role), a.person, ctx.date(a.date)) for a in info.approvals], w=ctx.word)
    return localized.meta.title, html


def convert_words(text: str, locale: str, config: Config) -> str:
    """A short Simplified text (a department name …) in ``locale``."""
    if not text or locale == config.locales.source:
        return text
    return conversion.convert_text(text, config.locales.source, locale)


def ensure_renderable(project_root: Path, release: ledger.ReleaseRecord) -> Document:
    try:
        return frozen_document(project_root, release)
    except (PolicyError, PolicyErrors) as exc:
        raise AckError(f"{release.policy_id} {release.version}: the frozen text cannot be rendered ({exc})") from None
