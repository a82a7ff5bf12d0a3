"""Document tree → HTML, shared by the PDF writer, the handbook and the portal.

Everything user-provided goes through ``markupsafe.escape``; the tree has no
raw-HTML node, so nothing can inject markup.  Anchors: every chapter and
article gets ``id`` = its label in the rendered locale (``第五条``), so links
like ``…#第五条`` work; ``anchor_prefix`` keeps ids unique inside a handbook.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..core.model import (
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
from ..core.numbering import (
    article_label,
    chapter_label,
    heading_marker,
    item_marker,
    ref_text,
    section_label,
)
from .context import RenderContext

_SAFE_SCHEMES = ("http://", "https://", "mailto:")


class HtmlWriter(Visitor):
    """Renders one document (already converted to ``ctx.locale``): one ``visit_<Node>`` rule per node type."""

    def __init__(self, ctx: RenderContext, anchor_prefix: str = ""):
        self.ctx = ctx
        self.loc = ctx.locale
        self.prefix = anchor_prefix
        self.sectioned = ctx.doc.meta.numbering == "sectioned"
        self._part = (0, 0)  # sectioned style: the 一、 and （一） being rendered (their ids name the path)

    # -- ids -------------------------------------------------------------
    def anchor(self, text: str) -> str:
        return f"{self.prefix}{text}"

    def chapter_id(self, ch: Chapter) -> str:
        return self.anchor(chapter_label(ch.number, self.loc) if not self.sectioned else f"part-{ch.number}")

    def article_id(self, art: Article) -> str:
        return self.anchor(article_label(art.number, self.loc))

    def part_id(self, numbers: tuple[int, ...]) -> str:
        """Sectioned style: ``part-2`` (二、), ``part-2-1`` (（一）), ``part-2-1-3`` (1.), from the path."""
        return self.anchor("part-" + "-".join(str(n) for n in numbers))

    def ref_href(self, ref: Ref) -> str | None:
        anchor = ""
        if ref.style == "sectioned" and ref.numbers:
            heads = list(ref.numbers[:3])
            while heads and not heads[-1]:
                heads.pop()
            anchor = "part-" + "-".join(map(str, heads)) if heads else ""
        elif ref.kind in ("article", "item") and ref.numbers and ref.numbers[0] and ref.style == "articles":
            anchor = article_label(ref.numbers[0], self.loc)
        elif ref.kind == "chapter" and ref.style == "articles":
            anchor = chapter_label(ref.numbers[0], self.loc)
        if ref.policy_id:
            base = self.ctx.policy_links.get(ref.policy_id)
            if base is None:
                return None
            return f"{base}#{anchor}" if anchor else base
        return f"#{self.anchor(anchor)}" if anchor else None

    # -- inlines (one rule per node type) ----------------------------------
    def inlines(self, nodes: list[Inline]) -> Markup:
        return Markup("").join(self.visit_all(nodes))

    def visit_Text(self, node: Text) -> Markup:
        return escape(node.text)

    def visit_Code(self, node: Code) -> Markup:
        return Markup('<code class="nobreak">{}</code>').format(node.text)

    def visit_Strong(self, node: Strong) -> Markup:
        return Markup("<strong>{}</strong>").format(self.inlines(node.children))

    def visit_Emph(self, node: Emph) -> Markup:
        return Markup("<em>{}</em>").format(self.inlines(node.children))

    def visit_LineBreak(self, node: LineBreak) -> Markup:
        return Markup("<br>")

    def visit_Link(self, node: Link) -> Markup:
        href = node.href if node.href.startswith(_SAFE_SCHEMES) else ""
        if href:
            return Markup('<a href="{}">{}</a>').format(href, self.inlines(node.children))
        return self.inlines(node.children)

    def visit_Ref(self, node: Ref) -> Markup:
        text = ref_text(node, self.loc)
        href = self.ref_href(node)
        cls = "ref ref-policy" if node.policy_id else "ref"
        if href:
            return Markup('<a class="{}" href="{}">{}</a>').format(cls, href, text)
        return Markup('<span class="{}">{}</span>').format(cls, text)

    # -- blocks and containers ----------------------------------------------
    def body(self) -> Markup:
        return Markup("\n").join(self.visit_all(self.ctx.body))

    def visit_Chapter(self, ch: Chapter) -> Markup:
        self._part = (ch.number, 0)
        label = heading_marker(1, ch.number, self.loc) if self.sectioned else chapter_label(ch.number, self.loc) + "\u3000"
        head = Markup('<h2 class="chapter" id="{}"><span class="num">{}</span>{}</h2>').format(
            self.chapter_id(ch), label, self.inlines(ch.title))
        return head + Markup("\n").join(self.visit_all(ch.children))

    def visit_Section(self, sec: Section) -> Markup:
        label = heading_marker(2, sec.number, self.loc) if self.sectioned else section_label(sec.number, self.loc) + "\u3000"
        if self.sectioned:
            self._part = (self._part[0], sec.number)
            head = Markup('<h3 class="section" id="{}"><span class="num">{}</span>{}</h3>').format(
                self.part_id(self._part), label, self.inlines(sec.title))
        else:
            head = Markup('<h3 class="section"><span class="num">{}</span>{}</h3>').format(label, self.inlines(sec.title))
        return head + Markup("\n").join(self.visit_all(sec.children))

    def visit_Article(self, art: Article) -> Markup:
        if self.sectioned:
            head = Markup('<h4 class="subsection" id="{}"><span class="num">{}</span>{}</h4>').format(
                self.part_id((*self._part, art.number)), heading_marker(3, art.number, self.loc), self.inlines(art.title))
            return head + Markup("\n").join(self.visit_all(art.blocks))
        label = article_label(art.number, self.loc)
        parts: list[Markup] = []
        lead = Markup('<span class="art-no">{}</span>').format(label)
        if art.title:
            lead += Markup('<span class="art-title">{}</span>').format(self.inlines(art.title))
        first = True
        for block in art.blocks:
            if first and isinstance(block, Paragraph):
                parts.append(Markup('<p class="kuan first">{}\u3000{}</p>').format(lead, self.inlines(block.inlines)))
            else:
                if first:
                    parts.append(Markup('<p class="kuan first">{}</p>').format(lead))
                parts.append(self.visit(block))
            first = False
        if first:
            parts.append(Markup('<p class="kuan first">{}</p>').format(lead))
        return Markup('<div class="article" id="{}">{}</div>').format(self.article_id(art), Markup("").join(parts))

    def visit_Paragraph(self, block: Paragraph) -> Markup:
        return Markup('<p class="kuan">{}</p>').format(self.inlines(block.inlines))

    def visit_ItemList(self, block: ItemList) -> Markup:
        return Markup('<div class="items">{}</div>').format(Markup("").join(self.visit_all(block.items)))

    def visit_Note(self, block: Note) -> Markup:
        return Markup('<div class="note">{}</div>').format(Markup("").join(self.visit_all(block.blocks)))

    def visit_Image(self, image: Image) -> Markup:
        """A figure: the picture (the portal's copy, else the project file) and its description as caption."""
        src = self.ctx.image_urls.get(image.sha256) or (image.path.as_uri() if image.path else "")
        caption = Markup('<figcaption>{}</figcaption>').format(image.alt) if image.alt else Markup("")
        if not src:  # an unresolved picture (a text read without its project): its description only
            return Markup('<figure class="figure missing">{}</figure>').format(caption)
        size = Markup("")
        if image.width and image.height:
            size = Markup(' width="{}" height="{}"').format(round(image.width), round(image.height))
        return Markup('<figure class="figure"><img src="{}" alt="{}"{} loading="lazy">{}</figure>').format(
            src, image.alt, size, caption)

    def visit_Item(self, item: Item) -> Markup:
        marker = item_marker(item.number, item.depth, self.loc, sectioned=item.sectioned)
        children = Markup("").join(self.visit_all(item.children))
        nesting = item.depth - 1 if item.sectioned else item.depth  # CSS indents by nesting, not by level
        return Markup('<p class="item depth-{}"><span class="marker">{}</span>{}</p>{}').format(
            nesting, marker, self.inlines(item.inlines), children)

    def visit_Table(self, table: Table) -> Markup:
        def cells(row, tag):
            out = []
            for i, cell in enumerate(row):
                align = table.align[i] if i < len(table.align) and table.align[i] else None
                style = Markup(' style="text-align:{}"').format(align) if align in ("left", "right", "center") else ""
                out.append(Markup("<{0}{1}>{2}</{0}>").format(Markup(tag), style, self.inlines(cell)))
            return Markup("").join(out)

        head = Markup("<thead><tr>{}</tr></thead>").format(cells(table.header, "th"))
        rows = Markup("").join(Markup("<tr>{}</tr>").format(cells(r, "td")) for r in table.rows)
        # the wrapper lets a wide table scroll inside its own box on a phone (portal CSS)
        return Markup('<div class="table-wrap"><table class="grid">{}<tbody>{}</tbody></table></div>').format(head, rows)


def media_path(image: Image) -> str:
    """Where a picture is published in a site: ``media/<content hash><ext>`` (one copy per content,
    a changed picture gets a new name, so caches never show a stale one)."""
    return f"media/{image.sha256[:16]}{image.suffix}"


def policy_body_html(ctx: RenderContext, anchor_prefix: str = "") -> Markup:
    """The numbered body of one policy as an HTML fragment."""
    return HtmlWriter(ctx, anchor_prefix).body()


def inline_html(ctx: RenderContext, inlines: list[Inline]) -> Markup:
    """Inline nodes as HTML (titles, table cells)."""
    return HtmlWriter(ctx).inlines(inlines)
