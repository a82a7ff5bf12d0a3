"""The document model: one tree per policy, read by every writer.

Pandoc-style split: ``parsing`` reads Markdown into these nodes once; the
HTML/PDF, DOCX, portal and diff writers only read them.  Numbers are stored
as integers (``number``); the words 第五条 / 第五條 / （一） are produced by
``numbering`` for the target locale at render time, so a locale variant is the
same tree with converted text.

Every node carries ``pos`` (file and line) so errors and redlines can point
back to the source.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, Union


@dataclass(frozen=True)
class SourcePos:
    """A place in a source file (1-based line)."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


# --------------------------------------------------------------------------
# Inline nodes
# --------------------------------------------------------------------------


@dataclass
class Text:
    """Plain text; the only inline whose content is converted between scripts."""

    text: str


@dataclass
class Code:
    """Literal text (ids, commands); never converted."""

    text: str


@dataclass
class Strong:
    children: list["Inline"]


@dataclass
class Emph:
    children: list["Inline"]


@dataclass
class Link:
    """An ordinary hyperlink written by the author. ``href`` is never converted."""

    href: str
    children: list["Inline"]


@dataclass
class LineBreak:
    pass


@dataclass
class Ref:
    """A cross reference: ``[[#label]]``, ``[[POLICY-ID]]`` or ``[[POLICY-ID#label]]``.

    ``policy_id`` is None for a reference inside the same policy.  The
    resolver (``references.resolve``) fills in plain data, not object links,
    so trees copy cheaply and writers need nothing else:

    - ``kind``: "policy" | "chapter" | "section" | "article" | "item"
    - ``numbers`` in article style: (n,) for a chapter or article, (chapter,
      section) for a section, (article, item, sub, …) for an item;
      in sectioned style the path from the top, one number per level:
      (part,) for 一、, (part, section) for （一）, (part, section, sub) for
      a 1. heading, (part, section, sub, item, …) for a list item — 0 where
      a level is absent (a 1. heading directly under 一、 is (part, 0, sub))
    - ``title``: the cited policy's title (for 《…》); converted with the text
    - ``style``: numbering style of the cited document ("articles"/"sectioned")
    """

    policy_id: str | None
    label: str | None
    pos: SourcePos
    kind: str | None = None
    numbers: tuple[int, ...] = ()
    title: str = ""
    style: str = "articles"


Inline = Union[Text, Code, Strong, Emph, Link, LineBreak, Ref]


# --------------------------------------------------------------------------
# Block nodes
# --------------------------------------------------------------------------


@dataclass
class Paragraph:
    """A paragraph. Inside an article, each paragraph is a 款 (unnumbered)."""

    inlines: list[Inline]
    pos: SourcePos


@dataclass
class Item:
    """A list item: 项 （一） at depth 1, 目 1. at depth 2, （1） at depth 3 (mainland).

    ``number`` is 1-based within its list; ``depth`` starts at 1.  In a
    sectioned document (``sectioned``) ``depth`` is the item's level in the
    heading sequence 一、 （一） 1. （1） ① instead: 3 under a 一、 or （一）
    heading, 4 under a 1. heading, one more per nested list.
    """

    number: int
    depth: int
    inlines: list[Inline]
    pos: SourcePos
    children: list["Item"] = field(default_factory=list)
    label: str | None = None
    sectioned: bool = False


@dataclass
class ItemList:
    items: list[Item]
    pos: SourcePos


@dataclass
class Table:
    """A GFM table; cells are inline lists. The first row is the header."""

    header: list[list[Inline]]
    rows: list[list[list[Inline]]]
    pos: SourcePos
    align: list[str | None] = field(default_factory=list)


@dataclass
class Note:
    """A note (注/说明), written as a block quote."""

    blocks: list["Block"]
    pos: SourcePos


@dataclass
class Image:
    """A picture stored in the project (flowchart, organisation chart), written
    ``![alt](path)`` as a paragraph of its own.

    The parser records what the author wrote (``alt``, ``src``, ``pos``);
    ``read.media.resolve_images`` checks the file and fills in what every
    writer needs: ``path`` (absolute, symlinks resolved, inside the project),
    ``rel`` (project-relative POSIX path), ``media_type`` (``image/png``,
    ``image/jpeg`` or ``image/svg+xml``, from the content, not the name),
    ``sha256`` (content hash: cache keys, portal file names), ``size`` in bytes
    and the intrinsic ``width``/``height`` in CSS px when the file states them.
    ``alt`` is text: converted between scripts and shown as the caption.
    """

    alt: str
    src: str
    pos: SourcePos
    path: Path | None = None
    rel: str = ""
    media_type: str = ""
    sha256: str = ""
    size: int = 0
    width: float | None = None
    height: float | None = None

    @property
    def suffix(self) -> str:
        """File extension for the media type (``.png``, ``.jpg``, ``.svg``)."""
        return {"image/png": ".png", "image/jpeg": ".jpg", "image/svg+xml": ".svg"}.get(self.media_type, "")


Block = Union[Paragraph, ItemList, Table, Note, Image]


@dataclass
class Article:
    """第X条: numbered continuously through the document.

    ``title`` is an optional run-in heading (第一条 目的).  ``blocks`` are its
    款 (paragraphs), item lists, tables and notes, in order.
    """

    number: int
    title: list[Inline]
    blocks: list[Block]
    pos: SourcePos
    label: str | None = None


@dataclass
class Section:
    """第X节 inside a chapter (article style), or （一） heading (sectioned style)."""

    number: int
    title: list[Inline]
    pos: SourcePos
    children: list[Union[Article, Block]] = field(default_factory=list)
    label: str | None = None


@dataclass
class Chapter:
    """第X章 (article style) or 一、 heading (sectioned style).

    ``children`` holds Sections, Articles, or (sectioned style) plain blocks.
    """

    number: int
    title: list[Inline]
    pos: SourcePos
    children: list[Union[Section, Article, Block]] = field(default_factory=list)
    label: str | None = None


Labelled = Union[Chapter, Section, Article, Item]


# --------------------------------------------------------------------------
# Metadata and the document
# --------------------------------------------------------------------------

STATUSES = ("draft", "trial", "effective", "superseded", "repealed")
NUMBERING_STYLES = ("articles", "sectioned")


@dataclass
class PolicyMeta:
    """Validated front matter. ``lines`` maps each key to its source line."""

    id: str
    title: str
    department: str
    category: str
    status: str
    effective_date: date | None
    review_cycle_months: int
    applies_to: str
    lang: str
    numbering: str = "articles"
    supersedes: list[str] = field(default_factory=list)
    superseded_by: str | None = None
    issued_date: date | None = None
    interpreted_by: str | None = None
    summary: str | None = None
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    #: Front-matter fields whose text is converted between scripts.
    TEXT_FIELDS = ("title", "department", "category", "applies_to", "interpreted_by", "summary")


@dataclass
class Document:
    """One policy: metadata plus body.

    ``body`` holds Chapters (article style with chapters), Articles (article
    style without chapters), or Chapters/blocks (sectioned style).
    ``source_text`` is the exact file content (for hashing and the ledger).
    """

    meta: PolicyMeta
    body: list[Union[Chapter, Article, Block]]
    path: Path
    source_text: str
    locale: str = ""  # the locale of the text in this tree (defaults to meta.lang)

    def __post_init__(self) -> None:
        if not self.locale:
            self.locale = self.meta.lang

    # -- traversal -------------------------------------------------------
    def walk(self) -> Iterator[object]:
        """Yield every node (blocks, containers, items, inlines) in document order."""
        yield from _walk(self.body)

    def articles(self) -> list[Article]:
        return [n for n in self.walk() if isinstance(n, Article)]

    def chapters(self) -> list[Chapter]:
        return [n for n in self.body if isinstance(n, Chapter)]

    def images(self) -> list[Image]:
        """Every picture, in document order (their ``sha256`` belongs in cache keys)."""
        return [n for n in self.walk() if isinstance(n, Image)]

    def labels(self) -> dict[str, Labelled]:
        """label → node, for every labelled node."""
        out: dict[str, Labelled] = {}
        for n in self.walk():
            if isinstance(n, (Chapter, Section, Article, Item)) and n.label:
                out[n.label] = n
        return out

    def map_text(self, fn: Callable[[str], str]) -> "Document":
        """Return a deep copy whose Text inlines and text metadata went through ``fn``.

        Image alt texts are converted too.  Code, link targets, image paths,
        labels, ids and numbers are left alone.  This is
        the one hook locale conversion needs.
        """
        new = copy.deepcopy(self)
        for node in new.walk():
            if isinstance(node, Text):
                node.text = fn(node.text)
            elif isinstance(node, Ref) and node.title:
                node.title = fn(node.title)
            elif isinstance(node, Image) and node.alt:
                node.alt = fn(node.alt)
        for name in PolicyMeta.TEXT_FIELDS:
            value = getattr(new.meta, name)
            if isinstance(value, str):
                setattr(new.meta, name, fn(value))
        return new


def _table_cells(t: "Table") -> list:
    return [n for cell in t.header for n in cell] + [n for row in t.rows for cell in row for n in cell]


#: node type → its child nodes in document order (a table, not an isinstance chain: walks run
#: over every tree of a build, several times).
_CHILDREN: dict[type, Callable[[object], list]] = {
    Chapter: lambda n: n.title + n.children,
    Section: lambda n: n.title + n.children,
    Article: lambda n: n.title + n.blocks,
    Paragraph: lambda n: n.inlines,
    ItemList: lambda n: n.items,
    Item: lambda n: n.inlines + n.children,
    Table: _table_cells,
    Note: lambda n: n.blocks,
    Strong: lambda n: n.children,
    Emph: lambda n: n.children,
    Link: lambda n: n.children,
}


def walk(nodes: list) -> Iterator[object]:
    """Every node under ``nodes`` (blocks, containers, items, inlines), pre-order: the one tree
    walk (Pandoc's ``walk``/``query``); ``Document.walk`` walks a whole document."""
    return _walk(nodes)


#: node type → its child *blocks*, for walks that need where a node sits, not its text.
_BLOCK_CHILDREN: dict[type, Callable[[object], list]] = {
    Chapter: lambda n: n.children,
    Section: lambda n: n.children,
    Article: lambda n: n.blocks,
    ItemList: lambda n: n.items,
    Item: lambda n: n.children,
    Note: lambda n: n.blocks,
}


def walk_with_path(nodes: list) -> Iterator[tuple[object, tuple]]:
    """Every block-level node under ``nodes`` (chapters, sections, articles, blocks, lists,
    items; not inlines), pre-order, with its ancestors from the top: ``(node, (chapter,
    section, article, …))`` — what numbering and anchors need (the ``numbers`` of a
    reference, a page's article ids)."""
    stack: list[tuple[Iterator, tuple]] = [(iter(nodes), ())]
    while stack:
        children, path = stack[-1]
        for node in children:
            yield node, path
            kids = _BLOCK_CHILDREN.get(type(node))
            if kids is not None:
                below = kids(node)
                if below:
                    stack.append((iter(below), path + (node,)))
                    break
        else:
            stack.pop()


def _walk(nodes: list) -> Iterator[object]:
    """Pre-order, iteratively (a recursive generator costs a frame per level per node)."""
    stack = [iter(nodes)]
    while stack:
        for node in stack[-1]:
            yield node
            children = _CHILDREN.get(type(node))
            if children is not None:
                kids = children(node)
                if kids:
                    stack.append(iter(kids))
                    break
        else:
            stack.pop()


class Visitor:
    """Dispatches ``visit(node)`` to the method ``visit_<NodeClass>`` (``visit_Article`` …).

    Every writer is such a table of rules, one per node type (markdown-it-py's
    renderer rules; Pandoc's writers): a company overrides one rule by
    subclassing, and a new node type touches the model and the rules that
    render it, not every traversal. A node without a rule is a TypeError that
    names the writer and the node type.
    """

    def visit(self, node: object):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise TypeError(f"{type(self).__name__} has no rule for {type(node).__name__}")
        return method(node)

    def visit_all(self, nodes: list) -> list:
        """``visit`` over a list, results in order."""
        return [self.visit(n) for n in nodes]


def plain_text(inlines: list[Inline]) -> str:
    """Inline content as plain text (references shown as their raw source)."""
    parts: list[str] = []
    for node in _walk(inlines):  # Strong, Emph and Link come before their children: their text follows
        if isinstance(node, (Text, Code)):
            parts.append(node.text)
        elif isinstance(node, LineBreak):
            parts.append("\n")
        elif isinstance(node, Ref):
            parts.append(f"[[{node.policy_id or ''}{'#' + node.label if node.label else ''}]]")
    return "".join(parts)


# --------------------------------------------------------------------------
# Version information supplied by the ledger to every writer
# --------------------------------------------------------------------------


@dataclass
class Approval:
    """One signed approval shown in the approval block."""

    role: str  # canonical role key: "编制" | "审核" | "批准"
    person: str
    date: date


@dataclass
class Revision:
    """One row of the revision history table (修订记录)."""

    version: str
    date: date
    summary: str
    approvals: dict[str, str] = field(default_factory=dict)  # role → person
    sections: str = ""


@dataclass
class VersionInfo:
    """What the ledger says about the text being rendered.

    ``is_draft`` is True when the working text is not a released version: the
    writers then print a 草稿/DRAFT watermark and nothing is signed.
    """

    version: str
    is_draft: bool
    effective_date: date | None = None
    approvals: list[Approval] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    content_hash: str = ""

    @classmethod
    def draft(cls, doc: "Document", content_hash: str = "") -> "VersionInfo":
        return cls(version="草稿", is_draft=True, effective_date=doc.meta.effective_date, content_hash=content_hash)


def fingerprint(doc: Document, version: VersionInfo) -> list:
    """What a rendering of ``doc`` with ``version`` depends on, as JSON-able data (part of
    every cache key): its source, the version block printed on it, the resolved form of
    every reference (a cited policy's title or article numbers can change without this
    text changing) and the content of every picture it shows."""
    refs = [(n.policy_id, n.label, n.kind, list(n.numbers), n.title, n.style)
            for n in doc.walk() if isinstance(n, Ref)]
    pictures = [(i.rel, i.sha256) for i in doc.images()]
    return [hashlib.sha256(doc.source_text.encode("utf-8")).hexdigest(), doc.locale,
            version.version, version.is_draft, str(version.effective_date), version.content_hash,
            [(a.role, a.person, str(a.date)) for a in version.approvals],
            [(r.version, str(r.date), r.summary, r.sections, sorted(r.approvals.items())) for r in version.revisions],
            refs, pictures]


def replace(obj, **changes):
    """dataclasses.replace, re-exported for writers."""
    return dataclasses.replace(obj, **changes)
