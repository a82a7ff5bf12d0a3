"""What every writer needs besides the tree: locale, organisation, version."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from ..core.locales import Locale, format_date, get_locale
from ..core.model import (
    Article,
    Chapter,
    Document,
    Paragraph,
    Section,
    SourcePos,
    Text,
    VersionInfo,
)
from ..read.config import Config
from .text import TextWriter

#: Words by which a policy states its own effective date (then no closing article is added).
EFFECTIVE_WORDS = ("起施行", "起实施", "起實施", "起执行", "起執行", "起实行", "起實行", "起生效")

#: What a regulation calls itself, from the end of its title: 本办法 / 本規定 … (default 本制度).
_NOUN = re.compile(r"(制度|办法|辦法|规定|規定|细则|細則|规则|規則|规范|規範|守则|守則|准则|準則|条例|條例|章程|须知|須知)$")
_TRAILING_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")  # （试行） / （2023年版）


@dataclass
class RenderContext:
    """Inputs of one rendering of one document in one locale.

    ``doc`` is already converted to ``locale`` (``conversion.localize``);
    ``version`` comes from the ledger (``ledger.version_info``) or is a draft.
    """

    doc: Document
    config: Config
    version: VersionInfo
    locale: Locale = field(init=False)
    # Where links to other policies point, by id (relative URL); writers that
    # cannot link (PDF per policy) leave it empty and show the title only.
    policy_links: dict[str, str] = field(default_factory=dict)
    # Where the portal copied each picture, by content hash (``Image.sha256``);
    # other writers read ``Image.path`` (a project file) directly.
    image_urls: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.locale = get_locale(self.doc.locale)

    @property
    def company(self) -> str:
        """The organisation's name in this locale (``[organisation.names]``, else as registered)."""
        return self.config.organisation.name_for(self.locale.code)

    def date(self, d: date | None) -> str:
        """A date in this locale's style (ROC years for zh-Hant-TW when configured)."""
        return self.date_in(self.config, self.locale.code, d)

    @staticmethod
    def date_in(config: Config, locale: str, d: date | None) -> str:
        """A date as documents of ``locale`` print it under ``config``."""
        style = config.locales.date_style
        if get_locale(locale).taiwan_levels and config.locales.roc_dates:
            style = "roc"
        return format_date(d, locale, style)

    def word(self, key: str, **kw) -> str:
        """A UI word (文件编号, 版本 …) in this locale."""
        text = self.locale.words[key]
        return text.format(**kw) if kw else text

    def role(self, key: str) -> str:
        """Display name of a canonical role (编制 → 制定 in zh-Hant-TW)."""
        return self.locale.roles.get(key, key)

    @property
    def effective_date(self) -> date | None:
        """The date this version takes effect (ledger first, then front matter)."""
        return self.version.effective_date or self.doc.meta.effective_date

    @property
    def self_noun(self) -> str:
        """What the document calls itself (制度, 办法, 規定 …), from the end of its title."""
        title = self.doc.meta.title
        while _TRAILING_NOTE.search(title):
            title = _TRAILING_NOTE.sub("", title)
        match = _NOUN.search(title)
        return match.group(1) if match else self.word("self_noun")

    @property
    def effective_clause(self) -> str:
        """本办法自2025年3月1日起施行。 — empty when the text states its own effective date."""
        when = self.effective_date
        if when is None:
            return ""
        text = TextWriter(self.locale).text(self.doc.body)
        if any(w in text for w in EFFECTIVE_WORDS):
            return ""
        return self.word("effective_clause", noun=self.self_noun, date=self.date(when))

    @cached_property
    def body(self) -> list:
        """The body every writer renders: the document's own, plus the closing article
        (本办法自…起施行) as the next numbered 条 when the text has no such clause.

        In sectioned style (一、（一）) the clause closes the last part as a paragraph.
        The tree itself is not changed."""
        clause = self.effective_clause
        body = list(self.doc.body)
        if not clause or not body:
            return body
        last = body[-1]
        pos = getattr(last, "pos", SourcePos(self.doc.path, 0))
        paragraph = Paragraph([Text(clause)], pos)
        if self.doc.meta.numbering == "sectioned":
            if isinstance(last, Chapter):
                body[-1] = replace(last, children=[*last.children, paragraph])
            else:
                body.append(paragraph)
            return body
        articles = self.doc.articles()
        closing = Article(number=(articles[-1].number if articles else 0) + 1, title=[], blocks=[paragraph], pos=pos)
        if isinstance(last, Chapter):
            children = list(last.children)
            if children and isinstance(children[-1], Section):  # chapters divided into 节: close the last 节
                children[-1] = replace(children[-1], children=[*children[-1].children, closing])
            else:
                children.append(closing)
            body[-1] = replace(last, children=children)
        else:
            body.append(closing)
        return body

    @property
    def status_word(self) -> str:
        """试行 / 已废止 … shown on the page, empty for effective policies."""
        status = self.doc.meta.status
        return {"trial": self.word("trial"), "superseded": self.word("superseded"),
                "repealed": self.word("repealed"), "draft": self.word("draft")}.get(status, "")
