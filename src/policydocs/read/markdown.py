"""Markdown policy source → ``model.Document``.

markdown-it-py produces the token tree (CommonMark + GFM tables, plus our
``[[…]]`` reference rule); this module maps it onto the regulation structure
(chapters, sections, articles, 款, items) once.  Raw HTML is parsed only so it
can be *rejected* with its line number; it never reaches a writer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.tree import SyntaxTreeNode

from ..core.errors import Collector, PolicyError
from ..core.model import (
    Article,
    Block,
    Chapter,
    Code,
    Document,
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
    SourcePos,
    Strong,
    Table,
    Text,
)
from ..core.numbering import MAX_ITEM_DEPTH, MAX_SECTIONED_LEVEL, sectioned_marker
from .frontmatter import parse_front_matter, split_front_matter
from .media import format_size, link_problem, source_problem

LABEL_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
_TRAILING_LABEL = re.compile(r"\s*\{#([^}]*)\}\s*$")
_REF_BODY = re.compile(r"^(?P<policy>[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)?(?:#(?P<label>[A-Za-z0-9_-]+))?$")
MAX_SOURCE_BYTES = 8 * 1024 * 1024


def _policy_ref_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule for ``[[ID]]``, ``[[#label]]`` and ``[[ID#label]]``."""
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos):
        return False
    end = src.find("]]", pos + 2)
    if end < 0 or "\n" in src[pos + 2:end]:
        return False
    if not silent:
        token = state.push("policy_ref", "", 0)
        token.meta = {"raw": src[pos + 2:end], "offset": pos}
    state.pos = end + 2
    return True


def _any_link(url: str) -> bool:
    """Let every link and image through markdown-it: the tree builder checks the
    target itself and reports a refused one at its line (markdown-it would keep
    ``[x](javascript:…)`` as literal text)."""
    return True


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The one configured markdown-it instance (HTML recognised only to be rejected)."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")
    md.validateLink = _any_link  # type: ignore[method-assign]
    md.inline.ruler.before("link", "policy_ref", _policy_ref_rule)
    return md


def read_source(path: Path, display: Path | None = None) -> str:
    """Read a policy file as UTF-8; a file that is not UTF-8 is an error at its line.

    ``display`` is the path named in messages (relative to the project)."""
    data = path.read_bytes()
    path = display or path
    if len(data) > MAX_SOURCE_BYTES:
        raise PolicyError(path, 0, f"file is {format_size(len(data))} ({len(data)} bytes); the limit is "
                                   f"{format_size(MAX_SOURCE_BYTES)}: split the policy into several")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyError(path, line, f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                                      "save it as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_policy(path: str | Path, display: str | Path | None = None) -> Document:
    """Parse one policy file; raises PolicyError/PolicyErrors naming file and line.

    ``display`` (default: ``path``) is how the file is named in messages and
    source positions, normally relative to the project root."""
    path = Path(path)
    shown = Path(display) if display is not None else path
    return parse_policy_text(read_source(path, shown), shown)


def parse_policy_text(text: str, path: str | Path) -> Document:
    """Parse policy source text (e.g. a ledger snapshot) as if it were ``path``."""
    path = Path(path)
    yaml_text, body, body_line = split_front_matter(text, path)
    meta = parse_front_matter(yaml_text, path)
    builder = _TreeBuilder(path, body_line, meta.numbering)
    blocks = builder.build(body)
    return Document(meta=meta, body=blocks, path=path, source_text=text)


class _TreeBuilder:
    """Maps markdown-it's block tree onto chapters/sections/articles/items."""

    def __init__(self, path: Path, body_line: int, style: str):
        self.path = path
        self.body_line = body_line
        self.style = style
        self.errors = Collector()
        self.article_count = 0

    # -- helpers ---------------------------------------------------------
    def pos(self, node: SyntaxTreeNode) -> SourcePos:
        line = node.map[0] if node.map else 0
        return SourcePos(self.path, self.body_line + line)

    def error(self, node_or_pos, message: str) -> None:
        pos = node_or_pos if isinstance(node_or_pos, SourcePos) else self.pos(node_or_pos)
        self.errors.add(self.path, pos.line, message)

    # -- document --------------------------------------------------------
    def build(self, body: str) -> list:
        if not body.strip():
            raise PolicyError(self.path, self.body_line, "the policy has no body text after the front matter")
        md = markdown_parser()
        tokens = md.parse(body)
        cut = self._cut_line(tokens, md.options["maxNesting"])
        root = SyntaxTreeNode(tokens)
        out = self._structure(root.children)
        if cut and not any("nested too deeply" in d.message for d in self.errors.diagnostics):
            self.errors.add(self.path, cut, "lists or notes nested too deeply to read: nothing after this line "
                                            "would be kept; flatten the structure (at most five list levels)")
        self.errors.raise_if_any()
        if not any(isinstance(b, (Chapter, Article)) for b in out) and self.style == "articles":
            raise PolicyError(self.path, self.body_line, "the policy has no articles: write at least one paragraph")
        return out

    def _cut_line(self, tokens: list, limit: int) -> int | None:
        """markdown-it stops reading a block nested ``limit`` deep and silently drops
        the rest of the file: the line where that happened (lists are limited
        earlier, by level, with a better message)."""
        for token in tokens:
            if token.level >= limit - 1 and token.map:
                return self.body_line + token.map[0]
        return None

    def _structure(self, nodes: list[SyntaxTreeNode]) -> list:
        body: list = []
        chapter: Chapter | None = None
        section: Section | None = None
        article: Article | None = None
        article_from_heading = False
        counters = {"chapter": 0, "section": 0, "h3": 0}
        listed: object = None  # sectioned style: the part whose own list is numbered 1. 2. like ### headings

        def container() -> list:
            if section is not None:
                return section.children
            if chapter is not None:
                return chapter.children
            return body

        for node in nodes:
            kind = node.type
            if kind == "heading":
                level = int(node.tag[1])
                title, label = self._heading_inlines(node)
                if level == 1:
                    counters["chapter"] += 1
                    counters["section"] = 0
                    counters["h3"] = 0
                    chapter = Chapter(counters["chapter"], title, self.pos(node), label=label)
                    body.append(chapter)
                    section, article = None, None
                elif level == 2:
                    if chapter is None:
                        self.error(node, "a '##' section must be inside a chapter: add a '#' chapter heading before it")
                        continue
                    counters["section"] += 1
                    counters["h3"] = 0
                    section = Section(counters["section"], title, self.pos(node), label=label)
                    chapter.children.append(section)
                    article = None
                elif level == 3:
                    if self.style == "sectioned" and listed is not None and listed is container():
                        self.error(node, "this ### heading would be numbered 1. like the list above it in the same "
                                         "part: put the list under a ### heading of its own, or make the headings "
                                         "list items")
                    article = self._new_article(title, node, label, counters)
                    container().append(article)
                    article_from_heading = True
                else:
                    self.error(node, f"heading level {level} is not used in policies (use #, ## or ###)")
            elif kind == "paragraph" and (image := self._image_paragraph(node)) is not None:
                if self.style == "articles" and article is None:
                    self.error(node, "an image must follow the article it belongs to (write the article's sentence first)")
                    continue
                (article.blocks if article is not None else container()).append(image)
            elif kind == "paragraph":
                para = self._paragraph(node)
                if para is None:
                    continue
                paragraph, label = para
                if self.style == "sectioned":
                    if label:
                        self.error(node, "labels in sectioned documents go on headings or list items")
                    (article.blocks if article is not None else container()).append(paragraph)
                elif article is not None and article_from_heading:
                    article.blocks.append(paragraph)
                    if label:
                        if article.label:
                            self.error(node, f"article already has label {article.label!r}")
                        else:
                            article.label = label
                else:
                    article = self._new_article([], node, label, counters)
                    article.blocks.append(paragraph)
                    container().append(article)
                    article_from_heading = False
            elif kind in ("bullet_list", "ordered_list"):
                items = self._items(node, self._list_level(article))
                if article is None:
                    listed = container()
                if self.style == "articles" and article is None:
                    self.error(node, "a list must follow the article it belongs to (write the article's sentence first)")
                    continue
                (article.blocks if article is not None else container()).append(ItemList(items, self.pos(node)))
            elif kind == "table":
                table = self._table(node)
                (article.blocks if article is not None else container()).append(table)
            elif kind == "blockquote":
                note = Note(self._plain_blocks(node.children, self._list_level(article)), self.pos(node))
                (article.blocks if article is not None else container()).append(note)
            elif kind == "html_block":
                self.error(node, "raw HTML is not allowed in policies (use Markdown, e.g. **bold**)")
            elif kind in ("fence", "code_block"):
                para = Paragraph([Code(node.content.rstrip("\n"))], self.pos(node))
                (article.blocks if article is not None else container()).append(para)
            elif kind == "hr":
                continue
            else:  # pragma: no cover - markdown-it block types are all handled above
                self.error(node, f"unsupported Markdown block {kind!r}")
        return body

    def _list_level(self, article: Article | None) -> int:
        """Depth of a list's first level: 1 in article style; in sectioned style its
        level in 一、（一）1.（1）①: 3 under a 一、/（一） heading, 4 under a 1. heading."""
        if self.style == "articles":
            return 1
        return 4 if article is not None else 3

    def _new_article(self, title: list[Inline], node: SyntaxTreeNode, label: str | None, counters: dict) -> Article:
        if self.style == "articles":
            self.article_count += 1
            number = self.article_count
        else:  # sectioned: ### headings are numbered 1. 2. within their parent
            counters["h3"] += 1
            number = counters["h3"]
        return Article(number, title, [], self.pos(node), label=label)

    # -- blocks ----------------------------------------------------------
    def _paragraph(self, node: SyntaxTreeNode) -> tuple[Paragraph, str | None] | None:
        inline = node.children[0] if node.children else None
        inlines = self._inlines(inline, self.pos(node)) if inline else []
        label = self._take_label(inlines, node)
        if not inlines:
            if label:
                self.error(node, "a label must follow some text")
            return None
        return Paragraph(inlines, self.pos(node)), label

    def _image_paragraph(self, node: SyntaxTreeNode) -> Image | None:
        """An ``Image`` when the paragraph is one ``![alt](path)`` and nothing else."""
        inline = node.children[0] if node.children else None
        if inline is None:
            return None
        parts = [c for c in inline.children if c.type != "softbreak" and not (c.type == "text" and not c.content.strip())]
        if len(parts) != 1 or parts[0].type != "image":
            return None
        img = parts[0]
        src = unquote(str(img.attrs.get("src", "")))
        problem = source_problem(src)
        if problem:
            self.error(node, problem)
        alt = "".join(c.content for c in img.walk() if c.type in ("text", "code_inline")).strip()
        return Image(alt=alt, src=src, pos=self.pos(node))

    def _heading_inlines(self, node: SyntaxTreeNode) -> tuple[list[Inline], str | None]:
        inline = node.children[0] if node.children else None
        inlines = self._inlines(inline, self.pos(node)) if inline else []
        return inlines, self._take_label(inlines, node)

    def _take_label(self, inlines: list[Inline], node: SyntaxTreeNode) -> str | None:
        if not inlines or not isinstance(inlines[-1], Text):
            return None
        m = _TRAILING_LABEL.search(inlines[-1].text)
        if not m:
            return None
        label = m.group(1)
        if not LABEL_PATTERN.match(label):
            self.error(node, f"invalid label {{#{label}}}: use ASCII letters, digits, '-' and '_'")
            return None
        inlines[-1].text = inlines[-1].text[: m.start()]
        if not inlines[-1].text:
            inlines.pop()
        return label

    def _items(self, list_node: SyntaxTreeNode, depth: int) -> list[Item]:
        sectioned = self.style == "sectioned"
        deepest = MAX_SECTIONED_LEVEL if sectioned else MAX_ITEM_DEPTH
        if depth > deepest:
            if sectioned:
                levels = " → ".join(sectioned_marker(level, 1, "zh-Hans") for level in range(1, deepest + 1))
                self.error(list_node, f"list nested too deeply: a sectioned document has {deepest} levels "
                                      f"({levels}) and this list would be level {depth}; "
                                      "flatten it or move the detail into a table")
            else:
                self.error(list_node, f"list nested too deeply: items have at most {deepest} levels "
                                      f"(（一） → 1. → （1） → 1) → ①) and this list is level {depth}; "
                                      "flatten it or move the detail into a table or another article")
            return []
        items: list[Item] = []
        for n, li in enumerate(list_node.children, start=1):
            inlines: list[Inline] = []
            children: list[Item] = []
            for child in li.children:
                if child.type == "paragraph":
                    if inlines:
                        inlines.append(LineBreak())
                    inlines.extend(self._inlines(child.children[0], self.pos(child)) if child.children else [])
                elif child.type in ("bullet_list", "ordered_list"):
                    children.extend(self._items(child, depth + 1))
                elif child.type == "html_block":
                    self.error(child, "raw HTML is not allowed in policies")
                else:
                    self.error(child, f"only text and nested lists may appear inside a list item (found {child.type})")
            label = self._take_label(inlines, li)
            items.append(Item(n, depth, inlines, self.pos(li), children, label, sectioned))
        return items

    def _table(self, node: SyntaxTreeNode) -> Table:
        header: list[list[Inline]] = []
        rows: list[list[list[Inline]]] = []
        align: list[str | None] = []
        for part in node.children:
            for tr in part.children:
                cells = []
                for cell in tr.children:
                    cells.append(self._inlines(cell.children[0], self.pos(tr)) if cell.children else [])
                    if part.type == "thead":
                        style = str(cell.attrs.get("style", ""))
                        align.append(style.split(":", 1)[1] if ":" in style else None)
                if part.type == "thead":
                    header = cells
                else:
                    rows.append(cells)
        return Table(header, rows, self.pos(node), align)

    def _plain_blocks(self, nodes: list[SyntaxTreeNode], list_level: int) -> list[Block]:
        out: list[Block] = []
        for child in nodes:
            if child.type == "paragraph" and (image := self._image_paragraph(child)) is not None:
                out.append(image)
            elif child.type == "paragraph":
                para = self._paragraph(child)
                if para:
                    out.append(para[0])
            elif child.type in ("bullet_list", "ordered_list"):
                out.append(ItemList(self._items(child, list_level), self.pos(child)))
            elif child.type == "html_block":
                self.error(child, "raw HTML is not allowed in policies")
            else:
                self.error(child, f"unsupported block inside a note: {child.type}")
        return out

    # -- inlines ---------------------------------------------------------
    def _inlines(self, inline: SyntaxTreeNode, pos: SourcePos) -> list[Inline]:
        line = [pos.line]
        return self._inline_children(inline.children, line)

    def _inline_children(self, nodes: list[SyntaxTreeNode], line: list[int]) -> list[Inline]:
        out: list[Inline] = []
        for node in nodes:
            kind = node.type
            if kind == "text":
                if out and isinstance(out[-1], Text):
                    out[-1].text += node.content
                else:
                    out.append(Text(node.content))
            elif kind == "softbreak":
                line[0] += 1  # Chinese text joins lines without a space
            elif kind == "hardbreak":
                line[0] += 1
                out.append(LineBreak())
            elif kind == "strong":
                out.append(Strong(self._inline_children(node.children, line)))
            elif kind == "em":
                out.append(Emph(self._inline_children(node.children, line)))
            elif kind == "code_inline":
                out.append(Code(node.content))
            elif kind == "link":
                href = str(node.attrs.get("href", ""))
                children = self._inline_children(node.children, line)
                problem = link_problem(unquote(href))
                if problem:
                    self.errors.add(self.path, line[0], problem)
                    out.extend(children)
                else:
                    out.append(Link(href, children))
            elif kind == "image":
                self.errors.add(self.path, line[0], "an image must be a paragraph of its own: put ![…](…) on a line "
                                                    "by itself with a blank line before and after (not inside text, "
                                                    "headings, list items or table cells)")
            elif kind == "policy_ref":
                out.append(self._ref(node, line[0]))
            elif kind == "html_inline":
                self.errors.add(self.path, line[0], f"raw HTML is not allowed in policies: {node.content!r}")
            else:
                out.append(Text(node.content))
        return out

    def _ref(self, node: SyntaxTreeNode, line: int) -> Ref:
        raw = node.meta.get("raw", "")
        m = _REF_BODY.match(raw.strip())
        pos = SourcePos(self.path, line)
        if not m or not (m.group("policy") or m.group("label")):
            self.errors.add(self.path, line, f"malformed reference [[{raw}]]: write [[#label]], [[POLICY-ID]] or [[POLICY-ID#label]]")
            return Ref(None, None, pos)
        return Ref(m.group("policy"), m.group("label"), pos)
