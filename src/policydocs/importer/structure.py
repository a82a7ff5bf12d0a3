"""One structure step for every reader: units → chapters, sections, articles, 款, items.

Levels come from the order in which number styles appear (the first style
under an article is 项, a new style under it is 目 …), checked against each
style's sequence.  A document with 第X条 is in article style; without, it
is in article style when its top-level numbered units are sentences
(一、为加强考勤管理……), and in sectioned style when they are headings
(一、总则).  The result is our document model with plain text; numbers are
gone (the renderer numbers again), the source numbers are kept aside so
references can be turned into labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.model import (
    Article,
    Block,
    Chapter,
    Item,
    ItemList,
    Note,
    Paragraph,
    Section,
    SourcePos,
    Table,
    Text,
    walk_with_path,
)
from ..core.numbering import MAX_ITEM_DEPTH
from .markers import Marker
from .report import Finding
from .segment import Unit, ends_sentence

_NOTE = re.compile(r"^(?:注|註|说明|說明|备注|備註)\s*[:：]")
_HEADING_MAX = 25


@dataclass
class Structured:
    """The body in our model plus what references need: source number → node."""

    numbering: str
    body: list
    articles: dict[int, Article] = field(default_factory=dict)
    chapters: dict[int, Chapter] = field(default_factory=dict)
    items: dict[tuple[int, ...], Item] = field(default_factory=dict)  # (article no., item no., sub-item no. …)


def heading_like(u: Unit) -> bool:
    """Short and not a sentence: 一、总则, （一）会议申请, 1.总经理办公会."""
    if u.heading or (u.centered and len(u.text) <= 30):
        return True
    t = u.text.strip()
    return 0 < len(t) <= _HEADING_MAX and not ends_sentence(t.rstrip("：:") + "") and not re.search(r"[。；;！？]", t) \
        and not re.search(r"[，,]", t)


def _short_title(text: str) -> bool:
    """目的 / 适用范围 / 总则: an article's own title has no punctuation at all."""
    return 0 < len(text) <= 12 and not re.search(r"[，,。；;：:！？!?、（）()“”]", text)


def _key(u: Unit) -> str:
    assert u.marker is not None
    if u.marker.style == "bullet":
        return f"bullet{u.list_level or 0}"
    return u.marker.style


def build(units: list[Unit], findings: list[Finding], path: Path) -> Structured:
    """Recover the regulation structure of ``units`` (title and cover already taken out)."""
    units = [_unmarked_heading(u) for u in units]
    ANCESTORS.clear()
    depth = _assign_depths(units, findings)
    has_articles = any(u.marker is not None and u.marker.style == "article" for u in units)
    top = [u for u in units if u.marker is not None and not u.marker.fixed and depth.get(id(u)) == 0]
    if has_articles:
        return _articles(units, depth, None, findings, path)
    if top:
        heading_share = sum(heading_like(u) for u in top) / len(top)
        if heading_share < 0.5:
            findings.append(Finding(top[0].where, "structure",
                                    f"the top-level numbered units ({top[0].marker.raw.strip()} …) are sentences: "
                                    "imported as articles (第X条), the style the text's own citations use", top[0].line))
            return _articles(units, depth, 0, findings, path)
    elif not any(u.marker is not None and u.marker.style in ("chapter", "part", "section") for u in units):
        findings.append(Finding(units[0].where if units else "text", "structure",
                                "no numbered units at all: imported in sectioned style with plain paragraphs",
                                units[0].line if units else 0))
    return _sectioned(units, depth, findings, path)


def _unmarked_heading(u: Unit) -> Unit:
    """A Word heading style or a Markdown '#' without a number acts as a chapter/section number."""
    if u.marker is None and u.heading in (1, 2) and not u.is_table and u.text and len(u.text) <= 40 \
            and not ends_sentence(u.text):
        style = "chapter" if u.heading == 1 else "section"
        u.marker = Marker(style, 0, "")
    return u


def _assign_depths(units: list[Unit], findings: list[Finding]) -> dict[int, int]:
    """Depth of every non-fixed numbered unit below its chapter/section/article, by style order.

    ``ANCESTORS[id(unit)]`` (filled as a side result) lists the numbered units it sits under."""
    depth: dict[int, int] = {}
    stack: list[str] = []
    ustack: list[Unit] = []
    last: dict[str, int] = {}
    for u in units:
        if u.marker is None:
            continue
        if u.marker.fixed:
            ustack = []
            stack, last = [], {k: v for k, v in last.items() if k in ("chapter", "part", "section", "article")}
            prev = last.get(u.marker.style)
            if u.marker.value and prev is not None and u.marker.value != prev + 1 and u.marker.style != "part":
                findings.append(Finding(u.where, "numbering", f"{u.marker.raw.strip()} follows number {prev}: "
                                        "the source numbering skips or repeats (renumbered on import)", u.line))
            if u.marker.style == "chapter":
                last.pop("section", None)
            last[u.marker.style] = u.marker.value
            continue
        key = _key(u)
        if key in stack:
            k = stack.index(key)
            for gone in stack[k + 1:]:
                last.pop(gone, None)
            del stack[k + 1:]
            del ustack[k:]
            prev = last.get(key, 0)
            if key.startswith("bullet") is False and u.marker.value != prev + 1:
                findings.append(Finding(u.where, "numbering", f"{u.marker.raw.strip()} follows number {prev} of the "
                                        "same kind: the source numbering skips or repeats", u.line))
        else:
            stack.append(key)
            if len(stack) > 1:
                findings.append(Finding(u.where, "level", f"“{u.marker.raw.strip()}” is a new kind of number: read as "
                                        f"level {len(stack)} under “{stack[-2]}”", u.line))
            if not key.startswith("bullet") and u.marker.value != 1:
                findings.append(Finding(u.where, "numbering", f"a list starts at {u.marker.raw.strip()} instead of 1",
                                        u.line))
        last[key] = u.marker.value
        depth[id(u)] = stack.index(key)
        ANCESTORS[id(u)] = list(ustack)
        ustack.append(u)
    return depth


#: id(unit) → the numbered units above it (filled by ``_assign_depths`` for the build in progress)
ANCESTORS: dict[int, list[Unit]] = {}


def _text(u: Unit) -> list:
    return [Text(u.text)] if u.text else []


def _heading_text(u: Unit) -> list:
    """A heading's title without the colon or full stop some sources end it with."""
    text = u.text.rstrip("：:。.")
    return [Text(text)] if text else []


_HEADING_WORDS = re.compile(r"^(总则|總則|附则|附則|绪论|緒論|概述|总纲|總綱|罚则|罰則|附录|附錄|总述|總述)(?=[^\s，。；：,])")


def _table(u: Unit, pos: SourcePos) -> Table:
    rows = [[cell.strip() for cell in row] for row in (u.table or []) if any(c.strip() for c in row)]
    width = max((len(r) for r in rows), default=1)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = [[Text(c)] if c else [] for c in rows[0]] if rows else []
    body = [[[Text(c)] if c else [] for c in r] for r in rows[1:]]
    return Table(header, body, pos, [None] * width)


def _articles(units: list[Unit], depth: dict[int, int], article_depth: int | None, findings: list[Finding],
              path: Path) -> Structured:
    out = Structured("articles", [])
    chapter: Chapter | None = None
    section: Section | None = None
    article: Article | None = None
    article_no = 0
    lists: list[ItemList] = []  # open item lists, outermost first
    item_path: list[int] = []
    has_chapters = any(u.marker is not None and u.marker.style in ("chapter", "part") for u in units)
    source_numbers: list[tuple[int, Article]] = []
    lead_candidate: Article | None = None  # an article made from an unnumbered paragraph
    lead: Article | None = None  # … whose last paragraph ends in a colon: numbers after it are its items
    lead_reported = False

    def container() -> list:
        if section is not None:
            return section.children
        if chapter is not None:
            return chapter.children
        return out.body

    def close_lists() -> None:
        lists.clear()
        item_path.clear()

    for i, u in enumerate(units):
        pos = SourcePos(path, u.line)
        m = u.marker
        if u.is_table:
            close_lists()
            (article.blocks if article is not None else container()).append(_table(u, pos))
            continue
        if m is not None and m.style in ("chapter", "part") or (m is not None and m.style == "section" and not has_chapters):
            if m.style == "section":
                findings.append(Finding(u.where, "heading", f"{m.raw.strip()} without chapters: read as a chapter",
                                        u.line))
            lead = _HEADING_WORDS.match(u.text) if len(u.text) > 12 else None
            title = [Text(lead.group(1))] if lead else _heading_text(u)
            chapter = Chapter(len(out.chapters) + 1, title, pos)
            out.chapters[m.value or chapter.number] = chapter
            out.body.append(chapter)
            section, article = None, None
            close_lists()
            if lead:
                findings.append(Finding(u.where, "heading", f"“{lead.group(1)}” read as the title of {m.raw.strip()}, "
                                        "the sentence after it as its first article", u.line))
                article_no += 1
                article = Article(article_no, [], [Paragraph([Text(u.text[lead.end():])], pos)], pos)
                chapter.children.append(article)
            continue
        if m is not None and m.style == "section":
            if chapter is None:
                chapter = Chapter(1, [], pos)
                out.body.append(chapter)
            section = Section(len([c for c in chapter.children if isinstance(c, Section)]) + 1, _heading_text(u), pos)
            chapter.children.append(section)
            article = None
            close_lists()
            continue
        is_article = m is not None and (m.style == "article" or (article_depth is not None and not m.fixed
                                                                  and depth.get(id(u)) == article_depth))
        if is_article and m.style != "article" and lead is not None and lead is article:
            # 网络部门的绩效考核从以下几个方面评定：1. … 2. …: the numbers are the items of that sentence
            if not lead_reported:
                findings.append(Finding(u.where, "structure", f"“{m.raw.strip()}” and the numbers after it follow an "
                                        "unnumbered sentence ending in a colon: read as its items", u.line))
                lead_reported = True
            _add_item(article.blocks, lists, item_path, 0, u, pos, findings, out, article_no)
            continue
        lead = None
        if is_article:
            article_no += 1
            title, text = u.run_in_title, u.text
            if title:
                findings.append(Finding(u.where, "heading", f"“{title}” read as the run-in title of "
                                        f"{m.raw.strip()}", u.line))
            elif text and _short_title(text) and not u.heading and _followed_by_body(units, i, depth, article_depth):
                title, text = text, ""
                findings.append(Finding(u.where, "heading", f"“{title}” (no sentence after {m.raw.strip()}) read as "
                                        "the article's title", u.line))
            article = Article(article_no, [Text(title)] if title else [], [], pos)
            if text:
                article.blocks.append(Paragraph([Text(text)], pos))
            source_numbers.append((m.value or article_no, article))
            container().append(article)
            close_lists()
            continue
        if m is not None:  # an item below an article
            level = depth.get(id(u), 0) - (article_depth + 1 if article_depth is not None else 0)
            if article is None:
                findings.append(Finding(u.where, "structure", f"“{m.raw.strip()}” stands before any article: "
                                        "it starts an article of its own", u.line))
                article_no += 1
                article = Article(article_no, [], [], pos)
                container().append(article)
                close_lists()
                level = 0
            _add_item(article.blocks, lists, item_path, level, u, pos, findings, out, article_no)
            continue
        # a plain paragraph
        close_lists()
        if _NOTE.match(u.text):
            (article.blocks if article is not None else container()).append(Note([Paragraph([Text(u.text)], pos)], pos))
            continue
        if article is not None:
            article.blocks.append(Paragraph([Text(u.text)], pos))
            if article is lead_candidate and u.text.rstrip().endswith(("：", ":")):
                lead, lead_reported = article, False
        elif article_depth is not None or u.from_heading:
            # the source numbers no articles (or the sentence was glued to its chapter heading): an
            # unnumbered paragraph is an article, as it is in our source format
            findings.append(Finding(u.where, "structure", f"unnumbered paragraph read as an article: “{u.text[:30]}…”",
                                    u.line))
            article_no += 1
            article = Article(article_no, [], [Paragraph([Text(u.text)], pos)], pos)
            container().append(article)  # not a source number: citations such as 第五条 count the numbered ones
            lead_candidate = article
            if u.text.rstrip().endswith(("：", ":")):
                lead, lead_reported = article, False
        else:
            findings.append(Finding(u.where, "structure", "unnumbered text before the first article: kept as a note "
                                    f"(article style numbers every paragraph): “{u.text[:30]}…”", u.line))
            container().append(Note([Paragraph([Text(u.text)], pos)], pos))
    _no_empty_articles(out.body, findings)
    source_numbers = [(v, a) for v, a in source_numbers if a.blocks]  # an empty one was left out
    _key_articles(out, source_numbers, findings)
    return out


def _no_empty_articles(body: list, findings: list[Finding]) -> None:
    """An article with no text would print as a bare 第X条: its title becomes its text, or it goes (reported)."""
    empty = [(node, path[-1].children if path else body) for node, path in walk_with_path(body)
             if isinstance(node, Article) and not node.blocks]  # in document order, then changed
    for node, siblings in empty:
        where = f"line {node.pos.line}" if node.pos else "text"
        if node.title:
            node.blocks.append(Paragraph(node.title, node.pos))
            node.title = []
            findings.append(Finding(where, "structure", "an article with a title and no text: the title is "
                                    "kept as its text", node.pos.line if node.pos else 0))
        else:
            siblings.remove(node)
            findings.append(Finding(where, "structure", "an article with no text at all: left out",
                                    node.pos.line if node.pos else 0))


def _key_articles(out: Structured, source_numbers: list[tuple[int, Article]], findings: list[Finding]) -> None:
    """Citations use the source's article numbers; when the source restarted them in every chapter
    (numbers repeat), they are read as the continuous numbers the text meant."""
    values = [v for v, _ in source_numbers]
    if len(set(values)) == len(values):
        out.articles = {v: a for v, a in source_numbers}
        seq_to_source = {seq: v for seq, v in enumerate(values, start=1)}
        out.items = {(seq_to_source.get(k[0], k[0]),) + k[1:]: item for k, item in out.items.items()}
        return
    out.articles = {seq: a for seq, (_, a) in enumerate(source_numbers, start=1)}
    findings.append(Finding("text", "numbering", "the source numbers its articles again in every chapter: citations "
                            "such as 第三条 are read as the third article of the whole text"))


def _followed_by_body(units: list[Unit], i: int, depth: dict[int, int], article_depth: int | None) -> bool:
    nxt = units[i + 1] if i + 1 < len(units) else None
    if nxt is None:
        return False
    if nxt.marker is None:
        return not nxt.is_table or True
    if nxt.marker.fixed:
        return False
    return article_depth is None or depth.get(id(nxt), 0) > article_depth


def _add_item(blocks: list, lists: list[ItemList], item_path: list[int], level: int, u: Unit, pos: SourcePos,
              findings: list[Finding], out: Structured, article_no: int) -> None:
    level = max(level, 0)
    if level >= MAX_ITEM_DEPTH:  # the format numbers five levels; a deeper guess is kept at the fifth
        findings.append(Finding(u.where, "level", f"“{u.marker.raw.strip() if u.marker else ''}” would be a list "
                                f"level {level + 1}; policies have {MAX_ITEM_DEPTH}: attached at the deepest level", u.line))
        level = MAX_ITEM_DEPTH - 1
    if level > len(lists):
        findings.append(Finding(u.where, "level", f"“{u.marker.raw.strip() if u.marker else ''}” skips a level: "
                                "attached one level below the item above", u.line))
        level = len(lists)
    if level == 0:
        if not lists or not blocks or blocks[-1] is not lists[0]:
            lists.clear()
            item_path.clear()
            new = ItemList([], pos)
            blocks.append(new)
            lists.append(new)
        del lists[1:]
        del item_path[1:]
        parent_items = lists[0].items
        depth_no = 1
    else:
        del lists[level + 1:]
        del item_path[level:]
        parent = lists[level - 1].items[-1] if lists[level - 1].items else None
        if parent is None:
            parent_items = lists[level - 1].items
        else:
            if len(lists) <= level:
                lists.append(ItemList(parent.children, pos))
            elif lists[level].items is not parent.children:
                lists[level] = ItemList(parent.children, pos)
            parent_items = parent.children
        depth_no = level + 1
    item = Item(len(parent_items) + 1, depth_no, _text(u), pos)
    parent_items.append(item)
    if len(item_path) < level + 1:
        item_path.append(item.number)
    else:
        item_path[level] = item.number
        del item_path[level + 1:]
    source_path = tuple(item_path[: level + 1])
    out.items.setdefault((article_no, *source_path), item)


def _sectioned(units: list[Unit], depth: dict[int, int], findings: list[Finding], path: Path) -> Structured:
    out = Structured("sectioned", [])
    runs = _heading_runs(units, depth)
    chapter: Chapter | None = None
    section: Section | None = None
    article: Article | None = None  # a ### heading
    lists: list[ItemList] = []
    item_path: list[int] = []
    heading_styles: list[str] = []  # styles used as headings, outermost first
    counters = {"h3": 0}
    fixed_level = 0  # a 第X章 heading above the numbered units

    def container() -> list:
        if article is not None:
            return article.blocks
        if section is not None:
            return section.children
        if chapter is not None:
            return chapter.children
        return out.body

    for u in units:
        pos = SourcePos(path, u.line)
        m = u.marker
        if u.is_table:
            lists.clear()
            container().append(_table(u, pos))
            continue
        if m is None:
            lists.clear()
            if _NOTE.match(u.text):
                container().append(Note([Paragraph([Text(u.text)], pos)], pos))
            else:
                container().append(Paragraph([Text(u.text)], pos))
            continue
        if m.fixed:
            level = {"part": 1, "chapter": 1, "section": 2, "article": 3}[m.style]
            fixed_level = level
        elif runs.get(id(u)) and all(runs.get(id(a)) for a in ANCESTORS.get(id(u), [])) \
                and len(ANCESTORS.get(id(u), [])) + fixed_level < 3:
            key = _key(u)
            level = len(ANCESTORS.get(id(u), [])) + fixed_level + 1
            if key not in heading_styles:
                heading_styles.append(key)
                findings.append(Finding(u.where, "heading", f"“{m.raw.strip()}{u.text[:12]}” and its siblings read "
                                        f"as headings of level {level}", u.line))
        else:
            level = 0
        if level:
            lists.clear()
            item_path.clear()
            if level >= 3 and chapter is None:
                level = 1
            if level == 2 and chapter is None:
                findings.append(Finding(u.where, "heading", "a second-level heading before any first-level one: "
                                        "read as first level", u.line))
                level = 1
            if level == 1:
                chapter = Chapter(len([b for b in out.body if isinstance(b, Chapter)]) + 1, _heading_text(u), pos)
                out.body.append(chapter)
                section, article = None, None
                out.chapters.setdefault(m.value or chapter.number, chapter)
            elif level == 2:
                assert chapter is not None
                section = Section(len([c for c in chapter.children if isinstance(c, Section)]) + 1, _heading_text(u), pos)
                chapter.children.append(section)
                article = None
            else:
                counters["h3"] += 1
                article = Article(counters["h3"], _heading_text(u), [], pos)
                (section.children if section is not None else chapter.children if chapter is not None
                 else out.body).append(article)
            continue
        # a list item: its level among the list styles above it
        list_level = sum(1 for a in ANCESTORS.get(id(u), []) if not runs.get(id(a)))
        _add_item(container(), lists, item_path, list_level, u, pos, findings, out, 0)
    _empty_headings_to_items(out.body, findings)
    return out


def _empty_headings_to_items(body: list, findings: list[Finding]) -> None:
    """Level-3 headings with nothing under them (1.1.1 战略规划 1.1.2 …, an outline copied with the text)
    become the items of one list when all their siblings are empty too; otherwise they are reported.
    Each chapter's and section's children are looked at, innermost first (core.model's walk)."""
    levels = [(n.children, len(path)) for n, path in walk_with_path(body) if isinstance(n, (Chapter, Section))]
    for nodes, _ in sorted(levels, key=lambda level: -level[1]):
        _empty_headings_in(nodes, findings)
    _empty_headings_in(body, findings)


def _empty_headings_in(nodes: list, findings: list[Finding]) -> None:
    """One level of :func:`_empty_headings_to_items`: ``nodes`` are one container's children."""
    headings = [n for n in nodes if isinstance(n, Article)]
    empty = [a for a in headings if not a.blocks]
    if not empty:
        return
    where = f"line {empty[0].pos.line}"
    if len(empty) < len(headings) or any(isinstance(n, ItemList) for n in nodes):
        findings.append(Finding(where, "structure", f"{len(empty)} heading(s) with no text under them, among "
                                "headings that have text: kept as headings — check them", empty[0].pos.line))
        return
    first = nodes.index(empty[0])
    items = ItemList([Item(k, 1, a.title, a.pos) for k, a in enumerate(empty, start=1)], empty[0].pos)
    gone = {id(a) for a in empty}
    nodes[:] = [n for n in nodes if id(n) not in gone]
    nodes.insert(first, items)
    findings.append(Finding(where, "structure", f"{len(empty)} heading(s) with no text under them read as the items "
                            "of a list (an outline, not sections)", empty[0].pos.line))


def _heading_runs(units: list[Unit], depth: dict[int, int]) -> dict[int, bool]:
    """Per numbered unit: is its run of siblings a run of headings (most are short, not sentences)?"""
    result: dict[int, bool] = {}
    run: list[Unit] = []

    def close() -> None:
        if not run:
            return
        likes = [heading_like(u) for u in run]
        colon = [u.text.rstrip().endswith(("：", ":")) for u in run]
        decided = [like for like, c in zip(likes, colon) if not c]
        is_heading = (sum(decided) > len(decided) / 2) if decided else True
        for u in run:
            result[id(u)] = is_heading
        run.clear()

    last_depth: dict[str, int] = {}
    for u in units:
        if u.marker is None or u.marker.fixed:
            continue
        d = depth.get(id(u), 0)
        if run and (d != depth.get(id(run[-1]), 0) or _key(u) != _key(run[-1])):
            if d <= depth.get(id(run[-1]), 0):
                close()
            else:
                # a deeper unit interrupts the run: keep the run open for its later siblings
                pass
        if run and d > depth.get(id(run[0]), 0):
            inner = result.setdefault(id(u), heading_like(u) and not u.text.endswith(("：", ":")))
            result[id(u)] = inner
            continue
        run.append(u)
        last_depth[_key(u)] = d
    close()
    return result


_ = Block  # type used in annotations by callers
