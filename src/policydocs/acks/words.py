"""What the service says: the employee's page and mails from the word catalogue
(data/words.yaml, domain ``acks``, 简/繁); HR's labels (HR pages are in Simplified Chinese)."""

from __future__ import annotations

from ..core.words import words as catalogue

STATES = {"acknowledged": "已确认", "pending": "待确认", "overdue": "已逾期", "left": "已离职"}
KINDS = {"online": "在线确认", "paper": "纸质签收（代录）", "void": "更正（作废）"}


def words(locale: str) -> dict[str, str]:
    """The employee-facing words for a locale code (zh-Hans, zh-Hant-TW, zh-Hant-HK …)."""
    return dict(catalogue(locale, "acks"))


def statement(locale: str, title: str, doc_no: str, version: str) -> str:
    """The 学习确认书 sentence the employee confirms."""
    return words(locale)["statement"].format(title=title, doc_no=doc_no, version=version)
