"""The one catalogue of words printed around a policy's text (data/words.yaml).

Domains: ``document`` (policy PDF/DOCX), ``handbook``, ``forms``, ``site``, ``redline``,
``history``, ``acks``. ``words(locale, domain)`` merges ``document`` (shared words such
as 文件编号) with the domain's own table; regional locales (zh-Hant-TW,
zh-Hant-HK) inherit zh-Hant and list only what differs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .yamlload import safe_load

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "words.yaml"
DOMAINS = ("document", "handbook", "forms", "site", "history", "redline", "acks")
_PARENT = {"zh-Hant-TW": "zh-Hant", "zh-Hant-HK": "zh-Hant"}


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, dict[str, str]]]:
    return safe_load(CATALOGUE.read_text(encoding="utf-8"))


def _table(domain: str, locale: str) -> dict[str, str]:
    tables = _catalogue()[domain]
    if locale not in tables:
        locale = "zh-Hant" if locale.startswith("zh-Hant") else "zh-Hans"
    parent = _PARENT.get(locale)
    base = _table(domain, parent) if parent else {}
    return {**base, **(tables.get(locale) or {})}


@lru_cache(maxsize=None)
def words(locale: str, domain: str = "document") -> Mapping[str, str]:
    """The words of ``domain`` in ``locale`` (read-only mapping)."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown word domain {domain!r}; known: {', '.join(DOMAINS)}")
    merged = _table("document", locale)
    if domain != "document":
        merged.update(_table(domain, locale))
    return MappingProxyType(merged)
