"""One file, several regulations: find where each titled regulation starts.

Web pages and "范文" collections put several regulations in one file.  A
part starts at a title-like line (short, no sentence punctuation, ending in
制度/办法/规定/细则/范文 …) whose following numbered text restarts at 1
(第一章, 第一条, 一、, 1、).  Text before the first part on such a page is
the page's own introduction and is reported as dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .furniture import is_collection_heading, is_collection_intro
from .report import Finding
from .segment import Unit, ends_sentence, standalone_title, title_like


@dataclass
class Part:
    """One regulation's units, with its title when the file stated one."""

    title: str
    title_where: str
    units: list[Unit] = field(default_factory=list)
    first_line: int = 0


def split_parts(units: list[Unit], findings: list[Finding], title_hint: str = "") -> list[Part]:
    """Cut ``units`` into regulations; one part when the file holds one regulation."""
    titles = [i for i, u in enumerate(units) if _is_title(u, units, i)]
    collection = [i for i, u in enumerate(units) if _is_collection(u)]
    starts = _collapse([i for i in titles if _restarts_after(units, i)], units)
    listing = _listing_starts(units)
    if len(listing) >= LISTING_MIN:
        # a page of titled excerpts (search results, a 汇编 index): every excerpt is its own regulation
        first = next((i for i in titles if i < listing[0]), listing[0])
        starts = sorted({first, *listing})
        findings.append(Finding(units[first].where, "split", f"{len(starts)} titled excerpts, one after another: "
                                "each one is imported as a regulation of its own", units[first].line))
    least = 1 if len(listing) >= LISTING_MIN else 2  # an excerpt is short by nature
    substantial = [i for i in starts if _substance(units, i, starts) >= least]
    if len(substantial) >= 2 or (collection and substantial):
        parts: list[Part] = []
        first = substantial[0]
        for u in units[:first]:
            if not u.is_table:
                what = "collection heading" if is_collection_heading(u.text) else "introduction of a collection page"
                findings.append(Finding(u.where, "furniture", f"dropped ({what}): “{_short(u.text)}”", u.line))
        bounds = substantial + [len(units)]
        for a, b in zip(bounds, bounds[1:]):
            title_unit = units[a]
            # a collection heading between two regulations ends the first: it and the collection's
            # introduction after it belong to neither
            stop = next((i for i in collection if a < i < b), b)
            for u in units[stop:b]:
                if not u.is_table:
                    what = "collection heading" if _is_collection(u) else "introduction of a collection page"
                    findings.append(Finding(u.where, "furniture", f"dropped ({what}): “{_short(u.text)}”", u.line))
            b = stop
            body = [u for u in units[a + 1:b] if not (u.marker is None and u.text == title_unit.text)]
            trailing = [u for u in body if u.marker is None and not u.is_table and is_collection_heading(u.text)]
            for u in trailing:
                findings.append(Finding(u.where, "furniture", f"dropped (collection heading): “{_short(u.text)}”", u.line))
            body = [u for u in body if u not in trailing]
            parts.append(Part(title_unit.text, title_unit.where, body, title_unit.line))
        return parts
    # a single regulation: its title is the first title-like line before any numbered text
    title, where, body = "", "", list(units)
    for i, u in enumerate(units):
        if u.marker is not None or u.is_table:
            break
        if _is_title(u, units, i) or (u.heading and len(u.text) <= 40 and not ends_sentence(u.text)) \
                or (title_hint and u.text.replace(" ", "") == title_hint.replace(" ", "")):
            title, where = u.text, u.where
            body = units[:i] + units[i + 1:]
            body = [x for x in body if not (x.marker is None and x.text == title)]
            break
    return [Part(title or title_hint, where or ("document properties" if title_hint else ""), body,
                 units[0].line if units else 0)]


#: How many "short title line, then a long run-on excerpt" pairs make a file a listing of excerpts
LISTING_MIN = 5
_EXCERPT_MIN = 60


def _listing_starts(units: list[Unit]) -> list[int]:
    """Title lines (or runs of them) followed, within two source lines, by a long run-on excerpt:
    where each excerpt starts."""
    length: dict[int, int] = {}
    for u in units:
        length[u.line] = length.get(u.line, 0) + (len(u.text) if not u.is_table else _EXCERPT_MIN)
    lines = sorted(length)
    following = {line: lines[k + 1:k + 3] for k, line in enumerate(lines)}
    out: list[int] = []
    i = 0
    while i < len(units):
        if not _listing_title(units[i], length):
            i += 1
            continue
        j = i
        while j + 1 < len(units) and _listing_title(units[j + 1], length):
            j += 1
        if any(length[line] >= _EXCERPT_MIN for line in following[units[j].line]):
            run = list(range(i, j + 1))
            strong = [k for k in run if _STRONG.search(units[k].text)]
            out.append((strong or run)[0])
        i = j + 1
    return out


def _listing_title(u: Unit, length: dict[int, int]) -> bool:
    """A line of its own, short, no sentence punctuation, naming a regulation."""
    return length[u.line] == len(u.text) and u.marker is None and not u.is_table and standalone_title(u.text) \
        and not is_collection_heading(u.text)


def _is_collection(u: Unit) -> bool:
    """A collection's heading (网络管理制度(精选7篇)), alone or run into the page's introduction."""
    if u.marker is not None or u.is_table:
        return False
    return (len(u.text) <= 40 and is_collection_heading(u.text)) or is_collection_intro(u.text)


def _is_title(u: Unit, units: list[Unit], i: int) -> bool:
    if u.marker is not None or u.is_table:
        return False
    return u.title_candidate or (title_like(u.text) and not is_collection_heading(u.text))


def _restarts_after(units: list[Unit], i: int) -> bool:
    """Is the first numbered unit after ``i`` number 1 (a new document's first chapter/article/item)?"""
    for u in units[i + 1:i + 12]:
        if u.marker is not None and u.marker.style != "bullet":
            return u.marker.value == 1
    # a titled block of plain sentences (no numbers) is a regulation too when it has several of them
    plain = [u for u in units[i + 1:i + 6] if u.marker is None and not u.is_table and ends_sentence(u.text)]
    return len(plain) >= 2


_STRONG = re.compile(r"制度|办法|辦法|规定|規定|细则|細則|规则|規則|章程|条例|條例|手册|手冊|准则|準則|守则|守則|规范|規範")


def _collapse(starts: list[int], units: list[Unit]) -> list[int]:
    """Adjacent titles with no text between them name one regulation: keep the one that names a
    regulation (制度/办法/规定 …, else the first); the others stay text of their neighbours."""
    out: list[int] = []
    run: list[int] = []

    def close() -> None:
        if run:
            strong = [i for i in run if _STRONG.search(units[i].text)]
            out.append((strong or run)[0])
            run.clear()

    for i in starts:
        if run and all(u.marker is None and not u.is_table and _is_title(u, units, k) or u.text == units[run[-1]].text
                       for k, u in enumerate(units[run[-1] + 1:i], start=run[-1] + 1)):
            run.append(i)
            continue
        close()
        run.append(i)
    close()
    return out


def _substance(units: list[Unit], i: int, starts: list[int]) -> int:
    end = next((s for s in starts if s > i), len(units))
    return sum(1 for u in units[i + 1:end] if u.marker is not None or u.is_table or ends_sentence(u.text))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
