"""What products (handbook, portal, forms) need from a build, as a protocol.

Products never load, parse or localize policies themselves: the pipeline's
build session does that once per (policy, version, locale) and hands every
product the same trees through this interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..core.model import Document, VersionInfo
from ..read.config import Config
from ..render.context import RenderContext


@dataclass(frozen=True)
class Edition:
    """One text of a policy: a released ``version`` (its frozen snapshot), or the
    working text when ``version`` is None."""

    policy_id: str
    version: str | None = None


class Inputs(Protocol):
    """Localized documents and project text, computed once per build."""

    config: Config

    def working(self, policy_id: str) -> Edition:
        """The working text of a policy."""

    def document(self, edition: Edition) -> Document:
        """The resolved tree of an edition, in its source language."""

    def version(self, edition: Edition) -> VersionInfo:
        """Version information printed on an edition."""

    def documents_to_compare(self, old: Edition, new: Edition) -> tuple[Document, Document]:
        """The trees of two editions for a redline, as copies the comparison may change."""

    def context(self, edition: Edition, locale: str, *, policy_links: dict[str, str] | None = None) -> RenderContext:
        """What a writer needs to render ``edition`` in ``locale``."""

    def convert(self, text: str, locale: str, *, source: str | None = None) -> str:
        """A piece of project text (handbook title, company name) in ``locale``."""
