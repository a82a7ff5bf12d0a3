"""Write the recovered tree in the policy source format (docs/source-format.md).

The inverse of ``read/markdown.py``: chapters ``#``, sections ``##``, an
article as one paragraph — or ``###`` (with its run-in title) when it has
several 款, a title, or text after a list or table —, items as nested ``-``
lists, GFM tables, notes as ``>``.  Text is escaped so the parser reads back
exactly these characters; ``validate`` proves it by parsing the result.
"""

from __future__ import annotations

import json
import re
from datetime import date

from ..core.model import (
    Article,
    Chapter,
    Document,
    Inline,
    Item,
    ItemList,
    Note,
    Paragraph,
    Ref,
    Section,
    Table,
    Text,
    plain_text,
    walk_with_path,
)
from .meta import GuessedMeta
from .references import Labels

_ESCAPE = re.compile(r"([\\`*_\[\]{}<>#|&!~])")
_LINE_START = re.compile(r"^(\s*)([-+*>=]|\d+[.)])(?=\s|$)")


def escape(text: str, *, table: bool = False) -> str:
    """Text as Markdown that parses back to the same characters (no emphasis, links, HTML or labels)."""
    out = _ESCAPE.sub(r"\\\1", text)
    out = out.replace("\n", " ")
    m = _LINE_START.match(out)
    if m:
        out = out[: m.start(2)] + "\\" + out[m.start(2):]
    if out.startswith((" ", "\t")):
        out = out.lstrip(" \t")
    return out


def inlines(nodes: list[Inline], *, table: bool = False) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, Text):
            parts.append(escape(node.text, table=table))
        elif isinstance(node, Ref):
            parts.append(f"[[{node.policy_id or ''}{'#' + node.label if node.label else ''}]]")
        else:
            parts.append(escape(plain_text([node]), table=table))
    text = "".join(parts)
    return text


def front_matter(meta: GuessedMeta, policy_id: str, numbering: str, lang: str) -> str:
    """YAML front matter; strings written as JSON strings (valid YAML, nothing interpreted)."""

    def s(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ["---", f"id: {policy_id}", f"title: {s(meta.title)}", f"department: {s(meta.department)}",
             f"category: {s(meta.category)}", f"status: {meta.status}",
             f"effective_date: {meta.effective_date.isoformat() if isinstance(meta.effective_date, date) else ''}",
             f"applies_to: {s(meta.applies_to)}", f"lang: {lang}", f"numbering: {numbering}"]
    if meta.superseded_by:
        lines.append(f"superseded_by: {meta.superseded_by}")
    if meta.issued_date:
        lines.append(f"issued_date: {meta.issued_date.isoformat()}")
    if meta.interpreted_by:
        lines.append(f"interpreted_by: {s(meta.interpreted_by)}")
    lines.append("---")
    return "\n".join(lines)


class Emitter:
    """Tree → Markdown lines, with the labels references asked for."""

    def __init__(self, labels: Labels, numbering: str) -> None:
        self.labels = labels
        self.numbering = numbering
        self.lines: list[str] = []
        # after a '###' article the parser adds plain paragraphs to it: the rest of its
        # chapter/section must use '###' too
        self.heading_articles = False

    def label(self, node) -> str:
        name = getattr(node, "label", None)
        return f" {{#{name}}}" if name else ""

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def emit(self, body: list) -> str:
        for node in body:
            self.node(node)
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"

    def node(self, node) -> None:
        if isinstance(node, Chapter):
            self.heading_articles = False
            self.blank()
            self.lines.append(f"# {inlines(node.title)}{self.label(node)}".rstrip())
            self.blank()
            for child in node.children:
                self.node(child)
        elif isinstance(node, Section):
            self.heading_articles = False
            self.blank()
            self.lines.append(f"## {inlines(node.title)}{self.label(node)}".rstrip())
            self.blank()
            for child in node.children:
                self.node(child)
        elif isinstance(node, Article):
            self.article(node)
        else:
            self.block(node)

    def article(self, art: Article) -> None:
        blocks = art.blocks
        paragraphs_after_first = any(isinstance(b, Paragraph) for b in blocks[1:])
        simple = (self.numbering == "articles" and not art.title and blocks and isinstance(blocks[0], Paragraph)
                  and not paragraphs_after_first and not self.heading_articles)
        self.blank()
        if simple:
            self.lines.append(inlines(blocks[0].inlines) + self.label(art))
            self.blank()
            for b in blocks[1:]:
                self.block(b)
            return
        self.heading_articles = True
        self.lines.append(f"### {inlines(art.title)}{self.label(art)}".rstrip() if (art.title or self.label(art))
                          else "###")
        self.blank()
        for b in blocks:
            self.block(b)

    def block(self, b) -> None:
        if isinstance(b, Paragraph):
            self.blank()
            self.lines.append(inlines(b.inlines))
            self.blank()
        elif isinstance(b, ItemList):
            self.blank()
            self.items(b.items, 0)
            self.blank()
        elif isinstance(b, Table):
            self.blank()
            width = max(len(b.header), *(len(r) for r in b.rows)) if b.rows else len(b.header)
            header = b.header + [[]] * (width - len(b.header))
            self.lines.append("| " + " | ".join(inlines(c, table=True) or " " for c in header) + " |")
            self.lines.append("|" + "|".join(" --- " for _ in header) + "|")
            for row in b.rows:
                row = row + [[]] * (width - len(row))
                self.lines.append("| " + " | ".join(inlines(c, table=True) or " " for c in row) + " |")
            self.blank()
        elif isinstance(b, Note):
            self.blank()
            for k, inner in enumerate(b.blocks):
                if k:
                    self.lines.append(">")
                if isinstance(inner, Paragraph):
                    self.lines.append("> " + inlines(inner.inlines))
            self.blank()

    def items(self, items: list[Item], depth: int) -> None:
        for item in items:
            self.lines.append("  " * depth + "- " + (inlines(item.inlines) or "\\-") + self.label(item))
            if item.children:
                self.items(item.children, depth + 1)


def render_source(meta: GuessedMeta, policy_id: str, lang: str, numbering: str, body: list, labels: Labels) -> str:
    """The complete policy file text."""
    return front_matter(meta, policy_id, numbering, lang) + "\n\n" + Emitter(labels, numbering).emit(body)


def tree_signature(body_or_doc) -> list:
    """A comparable outline of a body (kinds, titles, texts, refs) used to check a round trip."""
    body = body_or_doc.body if isinstance(body_or_doc, Document) else body_or_doc
    out: list = []

    def text(nodes: list[Inline]) -> str:
        return "".join(n.text if isinstance(n, Text) else f"[[{n.policy_id or ''}#{n.label or ''}]]"
                       if isinstance(n, Ref) else plain_text([n]) for n in nodes)

    kinds = {Chapter: "chapter", Section: "section", Article: "article"}
    for n, path in walk_with_path(body):
        if any(isinstance(a, Note) for a in path):
            continue  # a note is one entry, its paragraphs in it
        depth = sum(isinstance(a, (Chapter, Section, Article, Item)) for a in path)
        if type(n) in kinds:
            out.append((kinds[type(n)], depth, text(n.title)))
        elif isinstance(n, Paragraph):
            out.append(("p", depth, text(n.inlines)))
        elif isinstance(n, Item):
            out.append(("item", depth, text(n.inlines)))
        elif isinstance(n, Table):
            out.append(("table", depth, [text(c) for c in n.header], [[text(c) for c in r] for r in n.rows]))
        elif isinstance(n, Note):
            out.append(("note", depth, [text(p.inlines) for p in n.blocks if isinstance(p, Paragraph)]))
    return out
