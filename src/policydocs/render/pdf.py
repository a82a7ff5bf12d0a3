"""The ``pdf`` writer: one policy as a PDF, laid out by Typst.

The tree becomes Typst markup (``typst.writer.TypstWriter``), the document's
data (title, 文件编号, versions, approvals, words of the locale, page preset)
becomes Typst literals (``typst.escape.value``), and the project's or our
``templates/typst/policy.typ`` lays them out. One compiler per process
(``typst.engine.engine_for``): fonts are scanned once and Typst's memoized
layout is reused between documents. Output is PDF/A-2b unless ``[pdf] pdfa =
false``, and reproducible: document dates come from the policy, never "now".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .context import RenderContext
from .typst.engine import TypstEngine, engine_for
from .typst.escape import value
from .typst.presets import get_preset, locale_data
from .typst.writer import TypstWriter

POLICY_TEMPLATES = ("common.typ", "policy.typ")


def document_date(ctx: RenderContext) -> date:
    """The date written into the PDF's metadata: the version's effective date."""
    return ctx.version.effective_date or ctx.doc.meta.effective_date or date(2000, 1, 1)


def watermark_word(ctx: RenderContext) -> str | None:
    """草稿 DRAFT on previews, 已废止 on superseded or repealed texts, else none."""
    if ctx.version.is_draft:
        return f"{ctx.word('draft')} DRAFT"
    if ctx.doc.meta.status in ("superseded", "repealed"):
        return ctx.word("repealed")
    return None


def policy_data(ctx: RenderContext, preset: str | None = None) -> dict:
    """Everything ``pd-policy`` needs besides the body, as plain data."""
    meta = ctx.doc.meta
    roles = list(ctx.config.versions.roles)
    by_role = {a.role: a for a in ctx.version.approvals}
    words = {key: ctx.word(key) for key in (
        "doc_no", "version", "effective", "page", "page_of", "department", "applies_to", "revisions", "summary",
        "date", "draft", "trial", "no", "sections", "revision_date")}
    return {
        "title": meta.title, "id": meta.id, "version": ctx.version.version,
        "effective": ctx.date(ctx.effective_date) or "—", "department": meta.department,
        "applies_to": meta.applies_to, "company": ctx.company, "category": meta.category,
        "status": meta.status, "status_word": ctx.status_word if meta.status != "draft" else "",
        "superseded_by": meta.superseded_by or "", "trial": meta.status == "trial",
        "watermark": watermark_word(ctx), "date": document_date(ctx),
        "keywords": [meta.id, meta.category], "words": words,
        "roles": [ctx.role(r) for r in roles],
        "approvals": [[by_role[r].person, ctx.date(by_role[r].date)] if r in by_role else None for r in roles],
        "revisions": [{"version": rev.version, "date": ctx.date(rev.date), "sections": rev.sections,
                       "summary": rev.summary, "approvals": [rev.approvals.get(r, "") for r in roles]}
                      for rev in ctx.version.revisions],
        "preset": get_preset(preset or ctx.config.pdf_preset).as_data(), "loc": locale_data(ctx.locale, ctx.config.pdf),
    }


def policy_source(ctx: RenderContext) -> str:
    """The generated Typst main source of one policy (after the templates)."""
    body = TypstWriter(ctx).body()
    return f"#pd-policy({value(policy_data(ctx))}, [\n{body}])\n"


class PdfWriter:
    """The ``pdf`` writer: one policy as an unsigned PDF (the pipeline signs released ones)."""

    format = "pdf"
    suffix = ".pdf"
    templates = tuple(f"typst/{name}" for name in POLICY_TEMPLATES)  # what shapes the output (cache keys)

    def __init__(self, project_root: Path):
        self.engine: TypstEngine = engine_for(project_root)

    def write(self, ctx: RenderContext) -> bytes:
        return self.engine.compile(POLICY_TEMPLATES, policy_source(ctx), when=document_date(ctx),
                                   standard="a-2b" if ctx.config.pdf.pdfa else None)



