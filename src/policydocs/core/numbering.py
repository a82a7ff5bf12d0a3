"""Chinese numbering: numerals, structural labels and reference texts per locale.

The tree stores integers; these functions turn them into 第五条 / 第五條 /
（一） / 一、 for a locale.  Mainland levels are 条→款→项→目 with item markers
（一） then 1. then （1）; Taiwan levels are 條→項→款→目 with 一、 then （一）
then 1、 (款 and 项 swap names).  Sectioned documents use 一、 → （一） → 1. →
（1） → ① for headings and items alike and are cited by path: 第二部分第（一）项
(Taiwan 第二點第一款).
"""

from __future__ import annotations

from .locales import Locale, get_locale
from .model import Ref
from .numerals import chinese_numeral


def _loc(locale: str | Locale) -> Locale:
    return locale if isinstance(locale, Locale) else get_locale(locale)


def _t(loc: Locale, simplified: str, traditional: str) -> str:
    return traditional if loc.traditional else simplified


def chapter_label(n: int, locale: str | Locale) -> str:
    """第一章 (the same in every locale)."""
    return f"第{chinese_numeral(n)}章"


def section_label(n: int, locale: str | Locale) -> str:
    """第一节 / 第一節."""
    return f"第{chinese_numeral(n)}{_t(_loc(locale), '节', '節')}"


def article_label(n: int, locale: str | Locale) -> str:
    """第一条 / 第一條."""
    return f"第{chinese_numeral(n)}{_t(_loc(locale), '条', '條')}"


#: Deepest list level in article style (（一） → 1. → （1） → 1) → ①); deeper lists are an error.
MAX_ITEM_DEPTH = 5
#: Deepest level in sectioned style (一、 → （一） → 1. → （1） → ①); deeper lists are an error.
MAX_SECTIONED_LEVEL = 5

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def sectioned_marker(level: int, n: int, locale: str | Locale) -> str:
    """The marker of a unit at ``level`` (1-based) of a sectioned document:
    一、 → （一） → 1. → （1） → ① (GB/T 9704-2012 §7.3.3). Taiwan writes the
    third level 1、 (行政院《文書處理手冊》)."""
    if level <= 1:
        return f"{chinese_numeral(n)}、"
    if level == 2:
        return f"（{chinese_numeral(n)}）"
    if level == 3:
        return f"{n}、" if _loc(locale).taiwan_levels else f"{n}."
    if level == 4:
        return f"（{n}）"
    return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else f"{n})"


def item_marker(n: int, depth: int, locale: str | Locale, *, sectioned: bool = False) -> str:
    """The marker printed before a list item at ``depth`` (1-based).

    Mainland: （一） → 1. → （1） → 1) → ①; Taiwan: 一、 → （一） → 1、 → （1） → ①.  Items of a
    sectioned document (``sectioned``; ``depth`` is then the level) continue
    the heading sequence: :func:`sectioned_marker`.
    """
    if sectioned:
        return sectioned_marker(depth, n, locale)
    loc = _loc(locale)
    circled = _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else f"({n})"
    if loc.taiwan_levels:
        markers = (f"{chinese_numeral(n)}、", f"（{chinese_numeral(n)}）", f"{n}、", f"（{n}）", circled)
    else:
        markers = (f"（{chinese_numeral(n)}）", f"{n}.", f"（{n}）", f"{n})", circled)
    return markers[min(depth, len(markers)) - 1]


def item_level_name(depth: int, locale: str | Locale) -> str:
    """项/目 (mainland) or 款/目 (Taiwan) for an item at ``depth``."""
    loc = _loc(locale)
    if loc.taiwan_levels:
        return ("款", "目", "目")[min(depth, 3) - 1]
    return ("项", "目", "目")[min(depth, 3) - 1] if not loc.traditional else ("項", "目", "目")[min(depth, 3) - 1]


def heading_marker(level: int, n: int, locale: str | Locale) -> str:
    """Sectioned style headings: 一、 → （一） → 1. (Taiwan 1、); see :func:`sectioned_marker`."""
    return sectioned_marker(level, n, locale)


def sectioned_unit(level: int, n: int, locale: str | Locale) -> str:
    """How a sectioned document's unit is cited: 第二部分 / 第（一）项 / 第1目 (mainland),
    第二點 / 第一款 / 第1目 (Taiwan, as 要點 are cited); deeper levels by their marker （2） ①."""
    loc = _loc(locale)
    if level == 1:
        return f"第{chinese_numeral(n)}{'點' if loc.taiwan_levels else '部分'}"
    if level == 2:
        if loc.taiwan_levels:
            return f"第{chinese_numeral(n)}款"
        return f"第（{chinese_numeral(n)}）{_t(loc, '项', '項')}"
    if level == 3:
        return f"第{n}目"
    return sectioned_marker(level, n, loc)


def sectioned_ref_text(kind: str, numbers: tuple[int, ...], locale: str | Locale) -> str:
    """第二部分第（一）项第1目 for a path in a sectioned document (see ``Ref.numbers``):
    every level from the top, so （一） is never printed without its 一、."""
    heads = numbers[:3]
    parts = [sectioned_unit(level, n, locale) for level, n in enumerate(heads, start=1) if n]
    if kind == "item":
        first = 3 if len(heads) < 3 or not heads[2] else 4
        parts += [sectioned_unit(level, n, locale) for level, n in enumerate(numbers[3:], start=first)]
    return "".join(parts)


def ref_text(ref: Ref, locale: str | Locale, *, same_policy: bool | None = None) -> str:
    """The words a resolved reference renders as: 第五条, 《考勤管理制度》第三条 …

    For an item: 第五条第（二）项 (mainland) / 第五條第二款 (Taiwan).  In a
    sectioned document (一、（一）1.) the whole path: 第二部分第（一）项 /
    第二點第一款 (:func:`sectioned_ref_text`).
    """
    loc = _loc(locale)
    inner = ""
    if ref.style == "sectioned" and ref.kind in ("chapter", "section", "article", "item"):
        inner = sectioned_ref_text(ref.kind, ref.numbers, loc)
    elif ref.kind == "chapter":
        inner = chapter_label(ref.numbers[0], loc)
    elif ref.kind == "section":  # 第二章第一节: 节 are numbered within their chapter
        inner = "".join([chapter_label(ref.numbers[0], loc)] if len(ref.numbers) > 1 else []) + section_label(ref.numbers[-1], loc)
    elif ref.kind == "article":
        inner = article_label(ref.numbers[0], loc)
    elif ref.kind == "item":
        article, *path = ref.numbers
        parts = [article_label(article, loc)] if article else []
        for depth, n in enumerate(path, start=1):
            if loc.taiwan_levels:
                parts.append(f"第{chinese_numeral(n)}{item_level_name(depth, loc)}" if depth == 1 else f"第{n}{item_level_name(depth, loc)}")
            else:
                parts.append(f"第（{chinese_numeral(n)}）{item_level_name(depth, loc)}" if depth == 1 else f"第{n}{item_level_name(depth, loc)}")
        inner = "".join(parts)
    if ref.policy_id:
        return f"《{ref.title}》{inner}"
    return inner
