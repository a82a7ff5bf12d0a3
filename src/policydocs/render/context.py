"""What every writer needs besides the tree: locale, organisation, version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..core.locales import Locale, format_date, get_locale
from ..core.model import Document, VersionInfo
from ..read.config import Config

#: Words by which a policy states its own effective date (then none is added).
EFFECTIVE_WORDS = ("起施行", "起实施", "起實施", "起执行", "起執行", "起实行", "起實行", "起生效")


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

    def __post_init__(self) -> None:
        self.locale = get_locale(self.doc.locale)

    @property
    def company(self) -> str:
        return self.config.organisation.name

    def date(self, d: date | None) -> str:
        """A date in this locale's style (ROC years for zh-Hant-TW when configured)."""
        style = self.config.locales.date_style
        if self.locale.taiwan_levels and self.config.locales.roc_dates:
            style = "roc"
        return format_date(d, self.locale.code, style)

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
    def effective_clause(self) -> str:
        """本制度自2025年3月1日起施行。 — only when the text has no such clause of its own."""
        when = self.effective_date
        if when is None or any(w in self.doc.source_text for w in EFFECTIVE_WORDS):
            return ""
        return self.word("effective_clause", date=self.date(when))

    @property
    def status_word(self) -> str:
        """试行 / 已废止 … shown on the page, empty for effective policies."""
        status = self.doc.meta.status
        return {"trial": self.word("trial"), "superseded": self.word("superseded"),
                "repealed": self.word("repealed"), "draft": self.word("draft")}.get(status, "")
