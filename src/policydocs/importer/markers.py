"""The numbers a regulation is written with: 第一章, 第五条, 一、, （一）, 1., （1）, ① …

``leading_marker`` reads the number at the start of a paragraph;
``inline_markers`` finds the numbers inside run-on text so the structure step
can cut it.  Each marker has a *style* (which kind of number it is) and an
integer *value*, so sequences can be checked (一、 → 二、) and levels
inferred from the order in which styles appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6,
              "柒": 7, "捌": 8, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_GAN = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN_DIGITS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
CN_NUM = "[零〇○一二两三四五六七八九十百千壹贰貳叁參肆伍陆陸柒捌玖拾佰仟]+"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

#: What follows 第五条 when it is cited, not started: 第五条的规定, 第五条、第六条 …
REFERENCE_CONTINUATIONS = ("的", "规定", "規定", "、", "至", "之", "所", "中", "和", "及", "或", "第",
                           "》", "，", "。", "；")

#: Fixed ranks of the 第X… markers; other styles get their level from context.
FIXED_STYLES = ("part", "chapter", "section", "article")


def chinese_value(text: str) -> int | None:
    """一 → 1, 十一 → 11, 二十 → 20, 一百零五 → 105, 甲 → 1, 12 → 12; None if not a number."""
    text = text.translate(_FULLWIDTH_DIGITS)
    if text.isdigit():
        return int(text)
    if len(text) == 1 and text in _GAN:
        return _GAN.index(text) + 1
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    total += current
    return total or None


@dataclass(frozen=True)
class Marker:
    """A number found in the text: its style, value and the exact characters."""

    style: str  # part | chapter | section | article | cn-dun | cn-paren | num-dun | num-dot | num-paren |
    #             num-half | circled | gan-dun | latin | outline2 | outline3 | bullet
    value: int
    raw: str  # the marker as written, separator included
    separated: bool = False  # whitespace or a colon followed the marker (第一条　目的　…)

    @property
    def fixed(self) -> bool:
        return self.style in FIXED_STYLES


_SEP = r"[ \t\u3000]*"
#: A decimal such as 1.5倍 or 2.5% is a quantity, not the outline number 1.5.
_NOT_UNIT = r"[^\d%％倍元万千亿米个天年月日次人分秒小周号级]"
_FIXED = re.compile(rf"^第({CN_NUM}|\d{{1,3}}|[０-９]{{1,3}})(章|节|節|条|條|篇|部分)(?P<sep>[ \t\u3000:：、.．]*)")
_FIXED_KIND = {"章": "chapter", "节": "section", "節": "section", "条": "article", "條": "article",
               "篇": "part", "部分": "part"}
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("outline3", re.compile(rf"^(\d{{1,2}}[.．]\d{{1,2}}[.．]\d{{1,3}})[.．]?(?P<sep>{_SEP})(?={_NOT_UNIT})")),
    ("outline2", re.compile(rf"^(\d{{1,2}}[.．]\d{{1,3}})(?![.．]?\d)[.．]?(?P<sep>{_SEP})(?={_NOT_UNIT})")),
    ("cn-dun", re.compile(rf"^({CN_NUM})[、，．](?P<sep>{_SEP})")),
    ("cn-paren", re.compile(rf"^[（(]({CN_NUM})[）)](?P<sep>[ \t\u3000、.．]*)")),
    ("gan-dun", re.compile(rf"^([{_GAN}])[、．](?P<sep>{_SEP})")),
    ("num-dun", re.compile(rf"^(\d{{1,3}}|[０-９]{{1,3}})[、](?P<sep>{_SEP})")),
    ("num-dot", re.compile(rf"^(\d{{1,3}}|[０-９]{{1,3}})[.．](?![\d０-９])(?P<sep>{_SEP})")),
    ("num-paren", re.compile(r"^[（(](\d{1,3}|[０-９]{1,3})[）)](?P<sep>[ \t\u3000、.．]*)")),
    ("num-half", re.compile(rf"^(\d{{1,2}})[)）](?P<sep>{_SEP})")),
    ("circled", re.compile(rf"^([{_CIRCLED}{_PAREN_DIGITS}])(?P<sep>[ \t\u3000、.．]*)")),
    ("latin", re.compile(rf"^([a-z])[.．、)）](?P<sep>{_SEP})(?=[\u3400-\u9fff（(])")),
    ("bullet", re.compile(r"^([•·●○◆◇■□▪►➢✓√\-*－])(?P<sep>[ \t\u3000]+|(?=[\u3400-\u9fff]))")),
)


def _value(style: str, raw: str) -> int | None:
    if style == "circled":
        return (_CIRCLED.index(raw) + 1) if raw in _CIRCLED else _PAREN_DIGITS.index(raw) + 1
    if style == "latin":
        return ord(raw) - ord("a") + 1
    if style.startswith("outline"):
        return int(re.split(r"[.．]", raw)[-1])
    if style == "bullet":
        return 0
    return chinese_value(raw)


def leading_marker(text: str) -> tuple[Marker | None, str]:
    """The marker at the start of ``text`` and the text after it (marker removed).

    ``第五条　员工…`` → (Marker(article, 5), "员工…"); no marker → (None, text).
    """
    stripped = text.lstrip(" \t\u3000")
    m = _FIXED.match(stripped)
    if m:
        value = chinese_value(m.group(1))
        rest = stripped[m.end():]
        cited = rest.startswith("第") or (not m.group("sep") and rest.startswith(REFERENCE_CONTINUATIONS))
        if value is not None and not cited:
            sep = m.group("sep")
            return Marker(_FIXED_KIND[m.group(2)], value, m.group(0), bool(sep.strip(" \t\u3000")) or bool(sep)), rest
    for style, pattern in _PATTERNS:
        m = pattern.match(stripped)
        if not m:
            continue
        value = _value(style, m.group(1))
        if value is None:
            continue
        rest = stripped[m.end():]
        if not rest.strip():
            continue
        if style == "cn-dun" and re.match(rf"{CN_NUM}(?:[、类類级級等种種])", rest):
            continue  # 一、二类投诉: a run of numbers in a sentence, not a list number
        return Marker(style, value, m.group(0), bool(m.group("sep"))), rest
    return None, text


#: Where a marker may start a new unit inside run-on text.
_INLINE = re.compile(
    rf"第(?:{CN_NUM}|\d{{1,3}})(?:章|节|節|条|條)"
    rf"|(?:{CN_NUM})[、]"
    rf"|[（(](?:{CN_NUM}|\d{{1,3}})[）)]"
    rf"|\d{{1,3}}(?:[.．]\d{{1,3}}){{0,2}}[、.．)）](?![\d０-９])"
    rf"|\d{{1,2}}(?:[.．]\d{{1,3}}){{1,2}}(?=[ \t\u3000][^\d\s])"  # 总则1.1 为了…: an outline number, then a space
    rf"|[{_CIRCLED}]"
    rf"|[a-z][、.．)）](?=[\u3400-\u9fff])"
)


def inline_marker_positions(text: str) -> list[tuple[int, Marker]]:
    """Every position after the first character where a marker could begin."""
    out: list[tuple[int, Marker]] = []
    for m in _INLINE.finditer(text, 1):
        marker, _ = leading_marker(text[m.start():])
        if marker is not None and marker.style != "bullet":
            out.append((m.start(), marker))
    return out
