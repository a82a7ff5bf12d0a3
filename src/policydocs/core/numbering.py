"""Chinese numbering: numerals, structural labels and reference texts per locale.

The tree stores integers; these functions turn them into 第五条 / 第五條 /
（一） / 一、 for a locale.  Mainland levels are 条→款→项→目 with item markers
（一） then 1. then （1）; Taiwan levels are 條→項→款→目 with 一、 then （一）
then 1、 (款 and 项 swap names).
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


def item_marker(n: int, depth: int, locale: str | Locale) -> str:
    """The marker printed before a list item at ``depth`` (1-based).

    Mainland: （一） → 1. → （1）; Taiwan: 一、 → （一） → 1、.
    """
    loc = _loc(locale)
    if loc.taiwan_levels:
        markers = (f"{chinese_numeral(n)}、", f"（{chinese_numeral(n)}）", f"{n}、", f"（{n}）")
    else:
        markers = (f"（{chinese_numeral(n)}）", f"{n}.", f"（{n}）", f"{n})")
    return markers[min(depth, len(markers)) - 1]


def item_level_name(depth: int, locale: str | Locale) -> str:
    """项/目 (mainland) or 款/目 (Taiwan) for an item at ``depth``."""
    loc = _loc(locale)
    if loc.taiwan_levels:
        return ("款", "目", "目")[min(depth, 3) - 1]
    return ("项", "目", "目")[min(depth, 3) - 1] if not loc.traditional else ("項", "目", "目")[min(depth, 3) - 1]


def heading_marker(level: int, n: int, locale: str | Locale) -> str:
    """Sectioned style headings: 一、 → （一） → 1. (mainland); Taiwan the same."""
    if level == 1:
        return f"{chinese_numeral(n)}、"
    if level == 2:
        return f"（{chinese_numeral(n)}）"
    return f"{n}."


def ref_text(ref: Ref, locale: str | Locale, *, same_policy: bool | None = None) -> str:
    """The words a resolved reference renders as: 第五条, 《考勤管理制度》第三条 …

    For an item: 第五条第（二）项 (mainland) / 第五條第二款 (Taiwan).
    """
    loc = _loc(locale)
    inner = ""
    if ref.kind == "chapter":
        inner = chapter_label(ref.numbers[0], loc)
    elif ref.kind == "section":
        inner = section_label(ref.numbers[0], loc) if ref.style == "articles" else heading_marker(2, ref.numbers[0], loc).rstrip("、")
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
