"""Helpers for the import tests: render the samples, export plain text, compare trees.

``outline`` reduces a parsed, resolved policy to what a round trip must keep:
chapters, sections, articles (with run-in titles), 款, items with their
nesting, tables, notes — and every reference as the unit it resolves to, so
labels chosen by the importer (art-5) compare equal to the authors' (late).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from policydocs.core.model import (
    Approval,
    Article,
    Chapter,
    Document,
    Item,
    ItemList,
    Note,
    Paragraph,
    Ref,
    Revision,
    Section,
    Table,
    Text,
    VersionInfo,
    plain_text,
)
from policydocs.core.numbering import (
    article_label,
    chapter_label,
    heading_marker,
    item_marker,
    ref_text,
    section_label,
)
from policydocs.read.project import load_project
from policydocs.render.context import RenderContext
from policydocs.render.writers import get_writer

REPO = Path(__file__).resolve().parent.parent
RELEASED = ("FIN-EXP-001", "HR-ATT-002", "ADM-MTG-001")  # rendered with approvals and a revision table


def version_for(doc: Document) -> VersionInfo:
    """Drafts (watermark) for most samples; a released look (approvals, revisions) for some."""
    if doc.meta.id not in RELEASED:
        return VersionInfo.draft(doc)
    return VersionInfo(
        version="A/0", is_draft=False, effective_date=doc.meta.effective_date,
        approvals=[Approval("编制", "张三", date(2024, 12, 1)), Approval("审核", "李四", date(2024, 12, 5)),
                   Approval("批准", "王五", date(2024, 12, 10))],
        revisions=[Revision("A/0", date(2024, 12, 10), "首次发行", {"编制": "张三", "审核": "李四", "批准": "王五"}, "全文")])


def render_samples(out: Path) -> dict[str, dict[str, Path]]:
    """Every sample policy as PDF, DOCX (our writers) and plain text (``export_text``): {fmt: {id: path}}."""
    project = load_project(REPO)
    files: dict[str, dict[str, Path]] = {"pdf": {}, "docx": {}, "txt": {}}
    for fmt in files:
        (out / fmt).mkdir(parents=True, exist_ok=True)
    for pid, doc in project.documents.items():
        ctx = RenderContext(doc=doc, config=project.config, version=version_for(doc))
        for fmt in ("pdf", "docx"):
            path = out / fmt / f"{pid}.{fmt}"
            path.write_bytes(get_writer(fmt, REPO).write(ctx))
            files[fmt][pid] = path
        path = out / "txt" / f"{pid}.txt"
        path.write_text(export_text(ctx), encoding="utf-8")
        files["txt"][pid] = path
    return files


def _inline_text(nodes, locale: str) -> str:
    out = []
    for n in nodes:
        if isinstance(n, Ref):
            out.append(ref_text(n, locale))
        elif isinstance(n, Text):
            out.append(n.text)
        else:
            out.append(_inline_text(n.children, locale) if hasattr(n, "children") else plain_text([n]))
    return "".join(out)


def export_text(ctx: RenderContext) -> str:
    """The policy as a person would copy it from a web page: typed numbers, one paragraph per line."""
    doc, loc = ctx.doc, ctx.doc.locale
    lines = [doc.meta.title, f"文件编号：{doc.meta.id}　编制部门：{doc.meta.department}　"
                             f"生效日期：{ctx.date(doc.meta.effective_date)}", ""]
    sectioned = doc.meta.numbering == "sectioned"

    def items(lst: list[Item], base: int) -> None:
        for item in lst:
            lines.append(item_marker(item.number, item.depth if not sectioned else item.depth, loc)
                         + _inline_text(item.inlines, loc))
            items(item.children, base)

    def blocks(nodes: list) -> None:
        for n in nodes:
            if isinstance(n, Chapter):
                lines.append((chapter_label(n.number, loc) + " " if not sectioned else heading_marker(1, n.number, loc))
                             + _inline_text(n.title, loc))
                blocks(n.children)
            elif isinstance(n, Section):
                lines.append((section_label(n.number, loc) + " " if not sectioned else heading_marker(2, n.number, loc))
                             + _inline_text(n.title, loc))
                blocks(n.children)
            elif isinstance(n, Article):
                if sectioned:
                    lines.append(heading_marker(3, n.number, loc) + _inline_text(n.title, loc))
                    blocks(n.blocks)
                    continue
                head = article_label(n.number, loc) + " "
                if n.title:
                    head += _inline_text(n.title, loc) + " "
                first = n.blocks[0] if n.blocks and isinstance(n.blocks[0], Paragraph) else None
                lines.append(head + (_inline_text(first.inlines, loc) if first else ""))
                blocks(n.blocks[1:] if first else n.blocks)
            elif isinstance(n, Paragraph):
                lines.append(_inline_text(n.inlines, loc))
            elif isinstance(n, ItemList):
                items(n.items, 0)
            elif isinstance(n, Table):
                lines.append("\t".join(_inline_text(c, loc) for c in n.header))
                for row in n.rows:
                    lines.append("\t".join(_inline_text(c, loc) for c in row))
            elif isinstance(n, Note):
                blocks(n.blocks)

    blocks(ctx.body)  # the body the writers render: with the closing article 本制度自…起施行 when added
    return "\n".join(lines) + "\n"


def rendered_body(doc: Document) -> list:
    """The tree the writers print: the body plus the closing article they add (本制度自…起施行)
    when the text has none — what an import of the rendered file must give back."""
    project = load_project(REPO)
    return RenderContext(doc=doc, config=project.config, version=version_for(doc)).body


def outline(doc: Document | list) -> list:
    """What a round trip keeps, comparable across labels: kinds, nesting, texts, resolved references."""
    out: list = []

    def text(nodes) -> str:
        parts = []
        for n in nodes:
            if isinstance(n, Ref):
                parts.append(f"<{n.policy_id or ''}:{n.kind}:{'.'.join(map(str, n.numbers))}>")
            elif isinstance(n, Text):
                parts.append(n.text)
            else:
                parts.append(plain_text([n]))
        return "".join(parts)

    def walk(nodes: list, depth: int) -> None:
        for n in nodes:
            if isinstance(n, Chapter):
                out.append(("chapter", depth, text(n.title)))
                walk(n.children, depth + 1)
            elif isinstance(n, Section):
                out.append(("section", depth, text(n.title)))
                walk(n.children, depth + 1)
            elif isinstance(n, Article):
                out.append(("article", depth, text(n.title)))
                walk(n.blocks, depth + 1)
            elif isinstance(n, Paragraph):
                out.append(("p", depth, text(n.inlines)))
            elif isinstance(n, ItemList):
                walk_items(n.items, depth)
            elif isinstance(n, Table):
                out.append(("table", depth, [text(c) for c in n.header], [[text(c) for c in r] for r in n.rows]))
            elif isinstance(n, Note):
                out.append(("note", depth, [text(p.inlines) for p in n.blocks if isinstance(p, Paragraph)]))

    def walk_items(items: list[Item], depth: int) -> None:
        for item in items:
            out.append(("item", depth, text(item.inlines)))
            walk_items(item.children, depth + 1)

    walk(doc.body if isinstance(doc, Document) else doc, 0)
    return out
