"""Citations in the text become references that follow renumbering.

``按照本制度第五条`` → ``按照本制度[[#art-5]]`` (label ``{#art-5}`` put on the
article the source numbered 5); ``第四条第（二）项`` → an item reference;
``《保密管理制度》`` → ``[[ADM-CONF-001]]`` when a policy with that title is in
the project or in the same import, ``《…》第十条`` → ``[[ID#art-10]]``.
Citations of laws (《中华人民共和国劳动法》第三条) are left as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    SourcePos,
    Table,
    Text,
)
from .markers import CN_NUM, chinese_value
from .report import Finding
from .structure import Structured

_NUM = rf"(?:{CN_NUM}|\d{{1,3}})"
_INTERNAL = re.compile(rf"第(?P<art>{_NUM})(?P<kind>条|條|章)(?:第[（(](?P<item>{_NUM})[）)](?:项|項))?")
_TITLED = re.compile(rf"《(?P<title>[^《》]{{2,40}})》(?:第(?P<art>{_NUM})(?:条|條)(?:第[（(](?P<item>{_NUM})[）)](?:项|項))?)?")


@dataclass
class Labels:
    """Hands out labels in one document: the label is stored on the node itself (``node.label``),
    so it survives the trip to a worker process."""

    given: int = 0

    def label(self, node, name: str) -> str:
        if not node.label:
            node.label = name
            self.given += 1
        return node.label


@dataclass
class Target:
    """A policy that 《title》 may cite: in this import (``structured``) or already in the project (``doc``)."""

    policy_id: str
    structured: Structured | None = None
    labels: Labels | None = None
    doc: Document | None = None


def _pieces(text: str, pattern: re.Pattern[str]):
    pos = 0
    for m in pattern.finditer(text):
        yield text[pos:m.start()], m
        pos = m.end()
    yield text[pos:], None


def link_internal(structured: Structured, labels: Labels, findings: list[Finding], where_of) -> int:
    """Replace 第N条 / 第N章 / 第N条第（M）项 citations with [[#label]]; returns how many."""
    count = 0

    def resolve(m: re.Match[str], pos: SourcePos, preceding: str) -> Ref | None:
        nonlocal count
        if preceding.endswith("》"):
            return None  # cites another document
        number = chinese_value(m.group("art"))
        if number is None:
            return None
        if m.group("kind") == "章":
            node = structured.chapters.get(number)
            name = f"ch-{number}"
        elif m.group("item"):
            item_no = chinese_value(m.group("item"))
            node = structured.items.get((number, item_no)) if item_no else None
            name = f"art-{number}-{item_no}"
        else:
            node = structured.articles.get(number)
            name = f"art-{number}"
        if node is None:
            findings.append(Finding(where_of(pos), "reference", f"“{m.group(0)}” cites a unit this document does not "
                                    "have: left as text", pos.line))
            return None
        count += 1
        return Ref(None, labels.label(node, name), pos)

    _rewrite(structured.body, _INTERNAL, resolve)
    return count


def link_titles(structured: Structured, titles: dict[str, Target], self_id: str, findings: list[Finding], where_of) -> int:
    """Replace 《title》 (and 《title》第N条) of known policies with [[ID]] / [[ID#label]]."""
    count = 0

    def resolve(m: re.Match[str], pos: SourcePos, preceding: str) -> list | Ref | None:
        nonlocal count
        title = m.group("title").strip()
        target = titles.get(title)
        if target is None or target.policy_id == self_id:
            if title.endswith(("制度", "办法", "辦法", "规定", "規定", "细则", "細則", "规则", "規則")) and target is None:
                findings.append(Finding(where_of(pos), "reference", f"《{title}》 is not a policy of this project or "
                                        "this import: left as text", pos.line))
            return None
        count += 1
        if not m.group("art"):
            return Ref(target.policy_id, None, pos)
        number = chinese_value(m.group("art"))
        item_no = chinese_value(m.group("item")) if m.group("item") else None
        label = _label_in(target, number, item_no)
        if label is None:
            findings.append(Finding(where_of(pos), "reference", f"{m.group(0)}: {target.policy_id} has no label on that "
                                    "article; linked the policy, the article number stays text", pos.line))
            return [Ref(target.policy_id, None, pos), Text(m.group(0)[len(title) + 2:])]
        return Ref(target.policy_id, label, pos)

    _rewrite(structured.body, _TITLED, resolve)
    return count


def _label_in(target: Target, number: int | None, item_no: int | None) -> str | None:
    if number is None:
        return None
    if target.structured is not None and target.labels is not None:
        if item_no:
            node = target.structured.items.get((number, item_no))
            return target.labels.label(node, f"art-{number}-{item_no}") if node else None
        node = target.structured.articles.get(number)
        return target.labels.label(node, f"art-{number}") if node else None
    if target.doc is not None:
        for article in target.doc.articles():
            if article.number == number:
                if item_no is None:
                    return article.label
                for block in article.blocks:
                    if isinstance(block, ItemList):
                        for item in block.items:
                            if item.number == item_no:
                                return item.label
    return None


def _rewrite(nodes: list, pattern: re.Pattern[str], resolve) -> None:
    """Apply ``resolve`` to every match in every Text of ``nodes`` (in place)."""
    for node in nodes:
        if isinstance(node, (Chapter, Section)):
            _rewrite(node.children, pattern, resolve)
        elif isinstance(node, Article):
            _rewrite(node.blocks, pattern, resolve)
        elif isinstance(node, Paragraph):
            node.inlines = _rewrite_inlines(node.inlines, node.pos, pattern, resolve)
        elif isinstance(node, ItemList):
            _rewrite_items(node.items, pattern, resolve)
        elif isinstance(node, Table):
            node.header = [_rewrite_inlines(c, node.pos, pattern, resolve) for c in node.header]
            node.rows = [[_rewrite_inlines(c, node.pos, pattern, resolve) for c in row] for row in node.rows]
        elif isinstance(node, Note):
            _rewrite(node.blocks, pattern, resolve)


def _rewrite_items(items: list[Item], pattern, resolve) -> None:
    for item in items:
        item.inlines = _rewrite_inlines(item.inlines, item.pos, pattern, resolve)
        _rewrite_items(item.children, pattern, resolve)


def _rewrite_inlines(inlines: list[Inline], pos: SourcePos, pattern, resolve) -> list[Inline]:
    out: list[Inline] = []
    for inline in inlines:
        if not isinstance(inline, Text):
            out.append(inline)
            continue
        preceding = "》" if out and isinstance(out[-1], Ref) and out[-1].policy_id else ""
        for before, m in _pieces(inline.text, pattern):
            if before:
                out.append(Text(before))
                preceding = before
            if m is None:
                continue
            replacement = resolve(m, pos, preceding)
            if replacement is None:
                out.append(Text(m.group(0)))
            elif isinstance(replacement, list):
                out.extend(replacement)
            else:
                out.append(replacement)
            preceding = m.group(0)
    merged: list[Inline] = []
    for inline in out:
        if isinstance(inline, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + inline.text)
        else:
            merged.append(inline)
    return merged
