"""Document tree → Typst markup: one ``visit_<Node>`` rule per node type.

The output calls the functions of ``templates/typst/common.typ``
(``pd-chapter``, ``pd-article``, ``pd-item``, ``pd-table`` …), so how a node
looks is decided by the (overridable) templates and what it says by the tree.
Every piece of user text goes through ``escape.markup`` or ``escape.string``;
numbers and labels (第五条, （一）) come from ``core.numbering``.

Anchors are the HTML writer's: a chapter is ``第一章`` (sectioned style
``part-1``), an article ``第五条``, each prefixed inside a handbook
(``HR-ATT-002-第五条``), and a policy's title in a handbook is ``p-ID``.
"""

from __future__ import annotations

from ...core.model import (
    Article,
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
from ...core.numbering import (
    article_label,
    chapter_label,
    heading_marker,
    item_marker,
    ref_text,
    section_label,
)
from ..context import RenderContext
from .escape import markup, string

_SAFE_SCHEMES = ("http://", "https://", "mailto:")


class TypstWriter(Visitor):
    """Renders one document (already converted to ``ctx.locale``) as Typst markup.

    ``anchor_prefix`` keeps anchors unique inside a handbook; references to
    the policies in ``linked`` point at their anchors in the same book."""

    def __init__(self, ctx: RenderContext, anchor_prefix: str = "", linked: frozenset[str] = frozenset()):
        self.ctx = ctx
        self.loc = ctx.locale
        self.prefix = anchor_prefix
        self.linked = linked
        self.sectioned = ctx.doc.meta.numbering == "sectioned"
        self._last_leaf: object | None = None

    # -- anchors -------------------------------------------------------------
    def chapter_anchor(self, ch: Chapter) -> str:
        return self.prefix + (chapter_label(ch.number, self.loc) if not self.sectioned else f"part-{ch.number}")

    def article_anchor(self, art: Article) -> str:
        return self.prefix + article_label(art.number, self.loc)

    def ref_target(self, ref: Ref) -> str | None:
        """The anchor a reference links to, or None (a policy outside this PDF)."""
        anchor = ""
        if ref.kind in ("article", "item") and ref.numbers and ref.numbers[0] and ref.style == "articles":
            anchor = article_label(ref.numbers[0], self.loc)
        elif ref.kind == "chapter" and ref.style == "articles":
            anchor = chapter_label(ref.numbers[0], self.loc)
        if ref.policy_id:
            if ref.policy_id not in self.linked:
                return None
            return f"{ref.policy_id}-{anchor}" if anchor else f"p-{ref.policy_id}"
        return self.prefix + anchor if anchor else None

    # -- inlines ---------------------------------------------------------------
    def inlines(self, nodes: list[Inline]) -> str:
        return "".join(self.visit_all(nodes))

    def content(self, nodes: list[Inline]) -> str:
        """Inline nodes as a Typst content block ``[…]``."""
        return f"[{self.inlines(nodes)}]"

    def visit_Text(self, node: Text) -> str:
        return markup(node.text)

    def visit_Code(self, node: Code) -> str:
        return f"#pd-nobreak[{markup(node.text)}]"

    def visit_Strong(self, node: Strong) -> str:
        return f"#strong[{self.inlines(node.children)}]"

    def visit_Emph(self, node: Emph) -> str:
        return f"#emph[{self.inlines(node.children)}]"

    def visit_LineBreak(self, node: LineBreak) -> str:
        return "#linebreak()"

    def visit_Link(self, node: Link) -> str:
        if node.href.startswith(_SAFE_SCHEMES):
            return f"#link({string(node.href)})[{self.inlines(node.children)}]"
        return self.inlines(node.children)

    def visit_Ref(self, node: Ref) -> str:
        text = markup(ref_text(node, self.loc))
        target = self.ref_target(node)
        if target is None:
            return text
        return f"#pd-ref({string(target)})[{text}]"

    # -- blocks ------------------------------------------------------------------
    def body(self) -> str:
        """The whole body (``ctx.body``: with the closing article); its last block
        keeps with what follows (the 修订记录), so that is never alone on a page."""
        nodes = self.ctx.body
        self._last_leaf = _last_leaf(nodes)
        return "".join(self.visit_all(nodes))

    def _keep(self, node: object, text: str) -> str:
        return f"#pd-keep-with-next[{text}]\n\n" if node is self._last_leaf else text

    def visit_Chapter(self, ch: Chapter) -> str:
        marker = heading_marker(1, ch.number, self.loc) if self.sectioned else chapter_label(ch.number, self.loc)
        head = (f"#pd-heading(1, {string(marker)}, {self.content(ch.title)}, {string(self.chapter_anchor(ch))}, "
                f"sectioned: {str(self.sectioned).lower()})\n\n")
        return head + "".join(self.visit_all(ch.children))

    def visit_Section(self, sec: Section) -> str:
        marker = heading_marker(2, sec.number, self.loc) if self.sectioned else section_label(sec.number, self.loc)
        head = f"#pd-heading(2, {string(marker)}, {self.content(sec.title)}, none, sectioned: {str(self.sectioned).lower()})\n\n"
        return head + "".join(self.visit_all(sec.children))

    def visit_Article(self, art: Article) -> str:
        if self.sectioned:
            head = f"#pd-heading(3, {string(heading_marker(3, art.number, self.loc))}, {self.content(art.title)}, none, sectioned: true)\n\n"
            return self._keep(art, head + "".join(self.visit_all(art.blocks)))
        title = self.content(art.title) if art.title else "none"
        blocks = list(art.blocks)
        first = ""
        if blocks and isinstance(blocks[0], Paragraph):
            first = self.inlines(blocks.pop(0).inlines)
        lead = (f"#pd-article({string(article_label(art.number, self.loc))}, {string(self.article_anchor(art))}, "
                f"{title})[{first}]\n\n")
        return self._keep(art, lead + "".join(self.visit_all(blocks)))

    def visit_Paragraph(self, block: Paragraph) -> str:
        return self._keep(block, f"#pd-par[{self.inlines(block.inlines)}]\n\n")

    def visit_ItemList(self, block: ItemList) -> str:
        return self._keep(block, "".join(self.visit_all(block.items)))

    def visit_Image(self, image: Image) -> str:
        """A picture centred at its own size (96 dpi), never wider than the text, its description
        below; the path is project-relative (the compiler's root is the project). A picture the
        reader did not resolve (a text read without its project) prints its description only."""
        caption = f"text(size: 0.9em)[{markup(image.alt)}]" if image.alt else ""
        if image.path is None or not image.rel:
            return self._keep(image, f"#align(center, {caption})\n\n" if caption else "")
        width = round((image.width or 480) * 0.75, 2)
        picture = (f"layout(size => image({string('/' + image.rel)}, width: calc.min(size.width, {width}pt), "
                   f"alt: {string(image.alt or image.rel)}))")
        parts = ", ".join(p for p in (picture, caption) if p)
        return self._keep(image, f"#block(width: 100%, breakable: false, align(center, stack(dir: ttb, "
                                 f"spacing: 0.6em, {parts})))\n\n")

    def visit_Item(self, item: Item) -> str:
        marker = item_marker(item.number, item.depth, self.loc, sectioned=item.sectioned)
        own = f"#pd-item({item.depth}, {string(marker)})[{self.inlines(item.inlines)}]\n\n"
        return own + "".join(self.visit_all(item.children))

    def visit_Note(self, block: Note) -> str:
        return self._keep(block, f"#pd-note[\n{''.join(self.visit_all(block.blocks))}]\n\n")

    def visit_Table(self, table: Table) -> str:
        width = len(table.header)
        aligns = [table.align[i] if i < len(table.align) and table.align[i] in ("left", "center", "right") else "auto"
                  for i in range(width)]

        def row(cells: list) -> str:
            cells = list(cells[:width]) + [[]] * (width - len(cells))
            return "(" + ", ".join(self.content(c) for c in cells) + ",)"

        rows = ", ".join(row(r) for r in table.rows)
        align = "(" + ", ".join(a if a == "auto" else a for a in aligns) + ",)"
        return self._keep(table, f"#pd-table({align}, {row(table.header)}, ({rows}{',' if table.rows else ''}))\n\n")


def _last_leaf(nodes: list) -> object | None:
    """The last article (or, without articles, the last block) of a body."""
    last = nodes[-1] if nodes else None
    while isinstance(last, (Chapter, Section)) and last.children:
        last = last.children[-1]
    return last
