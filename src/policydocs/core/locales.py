"""Locales we publish and what each one changes besides the characters.

Conversion (``conversion``) changes the text; this table says how a locale
names structural levels and approval roles, which font renders it, and how it
writes dates.  Writers ask here instead of hard-coding mainland words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .numerals import chinese_numeral

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
    words: dict[str, str]  # UI words used by templates


_SC_WORDS = {
    "doc_no": "文件编号", "version": "版本", "effective": "生效日期", "page": "页次",
    "page_of": "第{page}页 共{pages}页", "department": "编制部门", "applies_to": "适用范围",
    "approval": "审批", "revisions": "修订记录", "summary": "修订内容摘要", "date": "日期",
    "name": "姓名", "signature": "签名", "draft": "草稿", "trial": "试行", "superseded": "已废止（已被替代）",
    "repealed": "已废止", "effective_status": "生效", "draft_status": "草稿", "no": "序号",
    "controlled": "受控文件", "toc": "目录", "handbook_revisions": "制度版本一览",
    "effective_clause": "本制度自{date}起施行。", "category": "类别", "title": "文件名称",
    "sections": "修订章节", "issued": "发布日期", "company": "公司", "revision_date": "修订日期",
}

_TC_WORDS = {
    "doc_no": "文件編號", "version": "版本", "effective": "生效日期", "page": "頁次",
    "page_of": "第{page}頁 共{pages}頁", "department": "編制部門", "applies_to": "適用範圍",
    "approval": "審批", "revisions": "修訂記錄", "summary": "修訂內容摘要", "date": "日期",
    "name": "姓名", "signature": "簽名", "draft": "草稿", "trial": "試行", "superseded": "已廢止（已被替代）",
    "repealed": "已廢止", "effective_status": "生效", "draft_status": "草稿", "no": "序號",
    "controlled": "受控文件", "toc": "目錄", "handbook_revisions": "制度版本一覽",
    "effective_clause": "本制度自{date}起施行。", "category": "類別", "title": "文件名稱",
    "sections": "修訂章節", "issued": "發布日期", "company": "公司", "revision_date": "修訂日期",
}

_TW_WORDS = dict(_TC_WORDS, doc_no="文件編號", department="制定部門", approval="核准",
                 effective_clause="本制度自{date}起施行。")

LOCALES: dict[str, Locale] = {
    "zh-Hans": Locale("zh-Hans", "简体中文", False, False, "Noto Serif CJK SC", "Noto Sans CJK SC",
                      "Noto Serif CJK SC", "zh-Hans", {"编制": "编制", "审核": "审核", "批准": "批准"}, _SC_WORDS),
    "zh-Hant": Locale("zh-Hant", "繁體中文", True, False, "Noto Serif CJK TC", "Noto Sans CJK TC",
                      "Noto Serif CJK TC", "zh-Hant", {"编制": "編制", "审核": "審核", "批准": "批准"}, _TC_WORDS),
    "zh-Hant-TW": Locale("zh-Hant-TW", "繁體中文（台灣）", True, True, "Noto Serif CJK TC", "Noto Sans CJK TC",
                         "Noto Serif CJK TC", "zh-Hant-TW", {"编制": "制定", "审核": "審核", "批准": "核准"}, _TW_WORDS),
    "zh-Hant-HK": Locale("zh-Hant-HK", "繁體中文（香港）", True, False, "Noto Serif CJK HK", "Noto Sans CJK HK",
                         "Noto Serif CJK HK", "zh-Hant-HK", {"编制": "編制", "审核": "審核", "批准": "批准"}, _TC_WORDS),
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
