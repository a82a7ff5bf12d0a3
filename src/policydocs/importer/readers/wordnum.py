"""Word's automatic numbering: the numbers ``numbering.xml`` makes Word print.

python-docx exposes ``w:numPr`` but does not count (python-docx #92), and
docx2python counts without ``lvlText`` ("第%1条"), Chinese formats, start
overrides or numbering inherited from a style.  This module plays Word's
counters: numPr on the paragraph or on its style (WPS writes both),
``w:num`` instances sharing an ``w:abstractNum`` continue one count unless a
``w:lvlOverride/w:startOverride`` restarts it, ``w:lvlRestart`` and deeper
levels restarting after a higher one, and the formats regulations use
(``chineseCounting``, ``chineseCountingThousand``, ``ideographTraditional``,
``decimalEnclosedCircle`` …).  The result is the text Word shows, so an
auto-numbered heading reaches the structure step exactly like a typed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docx.oxml.ns import qn

from ...core.numerals import chinese_numeral

_GAN = "甲乙丙丁戊己庚辛壬癸"
_ZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_STOP = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
_LEGAL_S = str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟")
_LEGAL_T = str.maketrans("一二三四五六七八九十百千", "壹貳參肆伍陸柒捌玖拾佰仟")


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _cycle(chars: str, n: int) -> str:
    return chars[(n - 1) % len(chars)]


def _enclosed(chars: str, n: int) -> str:
    return chars[n - 1] if 1 <= n <= len(chars) else str(n)


def format_number(n: int, fmt: str) -> str:
    """One level's number in a Word ``w:numFmt`` (unknown formats print decimal, as Word does)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand",
               "japaneseCounting", "koreanCounting"):
        return chinese_numeral(n)
    if fmt in ("chineseLegalSimplified",):
        return chinese_numeral(n).translate(_LEGAL_S)
    if fmt in ("ideographLegalTraditional", "japaneseLegal"):
        return chinese_numeral(n).translate(_LEGAL_T)
    if fmt == "taiwaneseDigital":
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt in ("ideographTraditional",):
        return _cycle(_GAN, n)
    if fmt in ("ideographZodiac",):
        return _cycle(_ZHI, n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _enclosed(_CIRCLED, n)
    if fmt == "decimalEnclosedParen":
        return _enclosed(_PAREN, n)
    if fmt == "decimalEnclosedFullstop":
        return _enclosed(_STOP, n)
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerLetter":
        return _letters(n)
    return str(n)


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # w:lvlRestart: 0 = never, k = after level k (1-based) is used
    legal: bool = False  # w:isLgl: all numbers decimal
    suffix: str = "tab"  # tab | space | nothing
    style: str | None = None  # w:pStyle linking a paragraph style to this level


@dataclass
class _Num:
    abstract: str
    start_overrides: dict[int, int] = field(default_factory=dict)
    levels: dict[int, Level] = field(default_factory=dict)


@dataclass
class NumberedText:
    """What Word prints before a paragraph: ``text`` such as 第五条 or （一）."""

    text: str
    level: int  # ilvl, 0-based
    fmt: str
    separator: str


def _val(el, tag: str) -> str | None:
    child = el.find(qn(tag)) if el is not None else None
    return child.get(qn("w:val")) if child is not None else None


def _level(lvl) -> Level:
    level = Level()
    if (v := _val(lvl, "w:start")) and v.lstrip("-").isdigit():
        level.start = int(v)
    level.fmt = _val(lvl, "w:numFmt") or "decimal"
    text = _val(lvl, "w:lvlText")
    level.text = text if text is not None else ""
    if (v := _val(lvl, "w:lvlRestart")) is not None and v.isdigit():
        level.restart = int(v)
    legal = lvl.find(qn("w:isLgl"))
    level.legal = legal is not None and legal.get(qn("w:val"), "1") not in ("0", "false")
    level.suffix = _val(lvl, "w:suff") or "tab"
    level.style = _val(lvl, "w:pStyle")
    return level


class WordNumbering:
    """Counts numbered paragraphs of one document in reading order."""

    def __init__(self, numbering_el, styles_el) -> None:
        self.abstracts: dict[str, dict[int, Level]] = {}
        self.nums: dict[str, _Num] = {}
        self.style_numpr: dict[str, tuple[str | None, int | None]] = {}
        self.style_parent: dict[str, str] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[tuple[str, int]] = set()
        if numbering_el is not None:
            for ab in numbering_el.findall(qn("w:abstractNum")):
                levels = {int(lvl.get(qn("w:ilvl"), "0")): _level(lvl) for lvl in ab.findall(qn("w:lvl"))}
                link = _val(ab, "w:numStyleLink")
                self.abstracts[ab.get(qn("w:abstractNumId"))] = levels
                if link:
                    self.abstracts[ab.get(qn("w:abstractNumId")) + "#link"] = {-1: Level(style=link)}
            for num in numbering_el.findall(qn("w:num")):
                entry = _Num(_val(num, "w:abstractNumId") or "")
                for ov in num.findall(qn("w:lvlOverride")):
                    ilvl = int(ov.get(qn("w:ilvl"), "0"))
                    if (v := _val(ov, "w:startOverride")) and v.lstrip("-").isdigit():
                        entry.start_overrides[ilvl] = int(v)
                    lvl = ov.find(qn("w:lvl"))
                    if lvl is not None:
                        entry.levels[ilvl] = _level(lvl)
                self.nums[num.get(qn("w:numId"))] = entry
        if styles_el is not None:
            for st in styles_el.findall(qn("w:style")):
                sid = st.get(qn("w:styleId"))
                if (parent := _val(st, "w:basedOn")):
                    self.style_parent[sid] = parent
                ppr = st.find(qn("w:pPr"))
                numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
                if numpr is not None:
                    ilvl = _val(numpr, "w:ilvl")
                    self.style_numpr[sid] = (_val(numpr, "w:numId"), int(ilvl) if ilvl and ilvl.isdigit() else None)

    # -- lookup ----------------------------------------------------------
    def _style_numpr(self, style: str | None) -> tuple[str | None, int | None]:
        seen = set()
        while style and style not in seen:
            seen.add(style)
            if style in self.style_numpr:
                return self.style_numpr[style]
            style = self.style_parent.get(style)
        return None, None

    def _levels(self, num_id: str) -> dict[int, Level]:
        num = self.nums[num_id]
        levels = dict(self.abstracts.get(num.abstract, {}))
        link = self.abstracts.get(num.abstract + "#link")
        if link:  # abstractNum pointing at a numbering style: use that style's numbering
            linked_num, _ = self._style_numpr(link[-1].style)
            if linked_num and linked_num in self.nums and linked_num != num_id:
                levels = dict(self.abstracts.get(self.nums[linked_num].abstract, {}))
        levels.update(num.levels)
        return levels

    def paragraph_number(self, p) -> NumberedText | None:
        """Advance the counters for paragraph element ``p``; the number Word prints, or None."""
        ppr = p.find(qn("w:pPr"))
        style = _val(ppr, "w:pStyle") if ppr is not None else None
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        num_id, ilvl = (None, None)
        if numpr is not None:
            num_id = _val(numpr, "w:numId")
            raw_ilvl = _val(numpr, "w:ilvl")
            ilvl = int(raw_ilvl) if raw_ilvl and raw_ilvl.isdigit() else None
        style_num, style_ilvl = self._style_numpr(style)
        if num_id is None:
            num_id = style_num
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return None
        levels = self._levels(num_id)
        if ilvl is None:
            ilvl = style_ilvl
        if ilvl is None:  # a level may name the paragraph style that uses it
            ilvl = next((k for k, lvl in levels.items() if style and lvl.style == style), 0)
        level = levels.get(ilvl)
        if level is None:
            return None
        key = self.nums[num_id].abstract
        counters = self.counters.setdefault(key, {})
        override = self.nums[num_id].start_overrides
        for lvl_no, start in override.items():
            if (num_id, lvl_no) not in self.started:
                self.started.add((num_id, lvl_no))
                counters[lvl_no] = start - 1
                for deeper in [k for k in counters if k > lvl_no]:
                    del counters[deeper]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            restart = levels.get(deeper, Level()).restart
            if restart is None or (restart != 0 and ilvl <= restart - 1):
                del counters[deeper]
        if level.fmt == "none":
            return NumberedText("", ilvl, level.fmt, "")
        if level.fmt == "bullet":
            return NumberedText("•", ilvl, level.fmt, " ")

        def fill(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            other = levels.get(k, Level())
            value = counters.get(k, other.start)
            return format_number(value, "decimal" if level.legal else other.fmt)

        text = re.sub(r"%([1-9])", fill, level.text)
        separator = {"tab": "\t", "space": " "}.get(level.suffix, "")
        return NumberedText(text, ilvl, level.fmt, separator)
