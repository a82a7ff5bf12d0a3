"""Locales we publish and what each one changes besides the characters.

Conversion (``conversion``) changes the text; this table says how a locale
names structural levels and approval roles, which font renders it, and how it
writes dates.  Writers ask here instead of hard-coding mainland words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping

from .numerals import chinese_numeral
from .words import words

ROLE_KEYS = ("编制", "审核", "批准")  # canonical role keys, as stored in the ledger


@dataclass(frozen=True)
class Locale:
    code: str
    name: str  # shown in switches and reports
    traditional: bool
    taiwan_levels: bool  # 條→項→款→目 and 一、（一）1、 item markers
    font_family: str  # CJK family named in every CSS font stack
    sans_family: str
    docx_east_asia_font: str
    html_lang: str
    roles: dict[str, str]  # canonical role key → display name
    short_name: str  # the 简/繁 switch of the portal

    @property
    def words(self) -> Mapping[str, str]:
        """Words printed on documents (文件编号, 版本 …) in this locale (core/words.py)."""
        return words(self.code, "document")


LOCALES: dict[str, Locale] = {
    "zh-Hans": Locale("zh-Hans", "简体中文", False, False, "Noto Serif CJK SC", "Noto Sans CJK SC",
                      "Noto Serif CJK SC", "zh-Hans", {"编制": "编制", "审核": "审核", "批准": "批准"}, "简体"),
    "zh-Hant": Locale("zh-Hant", "繁體中文", True, False, "Noto Serif CJK TC", "Noto Sans CJK TC",
                      "Noto Serif CJK TC", "zh-Hant", {"编制": "編制", "审核": "審核", "批准": "批准"}, "繁體"),
    "zh-Hant-TW": Locale("zh-Hant-TW", "繁體中文（台灣）", True, True, "Noto Serif CJK TC", "Noto Sans CJK TC",
                         "Noto Serif CJK TC", "zh-Hant-TW", {"编制": "制定", "审核": "審核", "批准": "核准"}, "繁體（台灣）"),
    "zh-Hant-HK": Locale("zh-Hant-HK", "繁體中文（香港）", True, False, "Noto Serif CJK HK", "Noto Sans CJK HK",
                         "Noto Serif CJK HK", "zh-Hant-HK", {"编制": "編制", "审核": "審核", "批准": "批准"}, "繁體（香港）"),
}


def get_locale(code: str) -> Locale:
    """The Locale for a code such as ``zh-Hant-TW``; ValueError names the known ones."""
    try:
        return LOCALES[code]
    except KeyError:
        raise ValueError(f"unknown locale {code!r}; known: {', '.join(LOCALES)}") from None


def format_date(d: date | None, locale: str, style: str = "arabic") -> str:
    """2025年1月1日 (GB/T 9704), 二〇二五年一月一日 (``style='hanzi'``) or
    中華民國114年1月1日 (``style='roc'``)."""
    if d is None:
        return ""
    if style == "roc":
        return f"中華民國{d.year - 1911}年{d.month}月{d.day}日"
    if style == "hanzi":
        digits = "〇一二三四五六七八九"
        year = "".join(digits[int(c)] for c in str(d.year))
        return f"{year}年{chinese_numeral(d.month)}月{chinese_numeral(d.day)}日"
    return f"{d.year}年{d.month}月{d.day}日"
