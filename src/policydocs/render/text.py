"""Tree → plain text in one locale: the one plain-text writer.

Numbers and references are written out (第五条, 《考勤管理制度》第三条), markup
is dropped. Portal search, redlines (修订对照) and reports read policies
through it, so they all see the same text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from ..core.locales import Locale, get_locale
from ..core.model import (
    Article,
    Block,
    Chapter,
    Code,
    Emph,
    Image,
    Inline,
    Item,
    ItemList,
    LineBreak,
    Link,
    Note,
    Paragraph,
    Ref,
    Section,
    Strong,
    Table,
    Text,
    Visitor,
)
from ..core.numbering import item_marker, ref_text


class TextWriter(Visitor):
    """Inline nodes → ``str``; blocks and containers → ``list[str]`` (one line per
    paragraph, item or table row; items indented two spaces per level below the first).

    ``titles`` (policy id → title) names cited policies in references that were
    never resolved (an old frozen text read without its project); resolved
    references carry their own title.
    """

    def __init__(self, locale: str | Locale, *, titles: Mapping[str, str] | None = None, line_break: str = "\n"):
        self.loc = locale if isinstance(locale, Locale) else get_locale(locale)
        self.titles = titles or {}
        self.line_break = line_break

    # -- entry points ------------------------------------------------------
    def inline(self, nodes: list[Inline]) -> str:
        """Inline content as one string."""
        return "".join(self.visit_all(nodes))

    def lines(self, nodes: list) -> list[str]:
        """Blocks and containers as lines, in document order."""
        out: list[str] = []
        for node in nodes:
            out += self.visit(node)
        return out

    def text(self, nodes: list, sep: str = " ") -> str:
        """Blocks and containers as one string (search indexes), lines joined by ``sep``."""
        return sep.join(line.strip() for line in self.lines(nodes) if line.strip())

    # -- inlines -----------------------------------------------------------
    def visit_Text(self, node: Text) -> str:
        return node.text

    def visit_Code(self, node: Code) -> str:
        return node.text

    def visit_Strong(self, node: Strong) -> str:
        return self.inline(node.children)

    def visit_Emph(self, node: Emph) -> str:
        return self.inline(node.children)

    def visit_Link(self, node: Link) -> str:
        return self.inline(node.children)

    def visit_LineBreak(self, node: LineBreak) -> str:
        return self.line_break

    def visit_Ref(self, node: Ref) -> str:
        if node.kind:
            if node.policy_id and not node.title and node.policy_id in self.titles:
                node = replace(node, title=self.titles[node.policy_id])
            return ref_text(node, self.loc)
        if node.policy_id and not node.label:
            return f"《{self.titles.get(node.policy_id, node.policy_id)}》"
        return f"[[{node.policy_id or ''}{'#' + node.label if node.label else ''}]]"

    # -- blocks ------------------------------------------------------------
    def visit_Paragraph(self, node: Paragraph) -> list[str]:
        return [self.inline(node.inlines)]

    def visit_ItemList(self, node: ItemList) -> list[str]:
        return self.lines(node.items)

    def visit_Image(self, node: Image) -> list[str]:
        return [f"{self.loc.words['figure']}：{node.alt or node.src}"]

    def visit_Item(self, node: Item) -> list[str]:
        indent = "  " * (node.depth - 1)
        marker = item_marker(node.number, node.depth, self.loc, sectioned=node.sectioned)
        return [f"{indent}{marker}{self.inline(node.inlines)}",
                *self.lines(node.children)]

    def visit_Table(self, node: Table) -> list[str]:
        return [" | ".join(self.inline(cell) for cell in row) for row in [node.header, *node.rows]]

    def visit_Note(self, node: Note) -> list[str]:
        return self.lines(node.blocks)

    # -- containers (titles first; numbers are the writers' business) -------
    def visit_Article(self, node: Article) -> list[str]:
        title = self.inline(node.title)
        return ([title] if title else []) + self.lines(node.blocks)

    def visit_Section(self, node: Section) -> list[str]:
        return [self.inline(node.title), *self.lines(node.children)]

    def visit_Chapter(self, node: Chapter) -> list[str]:
        return [self.inline(node.title), *self.lines(node.children)]


def blocks_text(blocks: list[Block], locale: str | Locale, **kw) -> list[str]:
    """Lines of ``blocks`` in ``locale`` (see :class:`TextWriter`)."""
    return TextWriter(locale, **kw).lines(blocks)
