"""One build session: every text parsed, resolved and localized once per run.

A :class:`BuildSession` holds the project, its glossary and the ledger's view
of every policy, and memoizes the three expensive steps — reading a text (the
working file or a release's frozen snapshot), converting it to a locale, and
its version information — so the policy writers, the handbook, the portal and
the forms all share one localized tree per (policy, version, locale).

It implements :class:`policydocs.products.inputs.Inputs`, the only way
products receive documents.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path

from ..convert import conversion
from ..convert.conversion import ConversionReport, Glossary
from ..core.errors import Collector
from ..core.model import Document, VersionInfo
from ..products import history
from ..products.inputs import Edition
from ..read.cache import TreeCache
from ..read.media import resolve_images
from ..read.project import Project, load_project
from ..read.references import resolve_one
from ..render.context import RenderContext
from ..trust import clock, ledger


@dataclass(frozen=True)
class Localized:
    """One edition of a policy in one locale: the converted tree, its version
    information (revision rows converted too) and the conversion report."""

    doc: Document
    version: VersionInfo
    report: ConversionReport


class BuildSession:
    """Inputs of one run of ``build`` (or ``site``, ``register`` …), computed once."""

    def __init__(self, project: Project, *, today: date | None = None):
        self.project = project
        self.config = project.config
        self.root = project.root
        self.today = today or clock.today()
        self._versions: dict[Edition, VersionInfo] = {}
        self._documents: dict[Edition, Document] = {}
        self._localized: dict[tuple[Edition, str], Localized] = {}
        self._snapshots = TreeCache(self.root, "snapshots")

    @classmethod
    def open(cls, root: str | Path = ".", *, today: date | None = None) -> "BuildSession":
        """Load and validate the project (every problem reported at once) and start a session."""
        return cls(load_project(root), today=today)

    # -- shared inputs -------------------------------------------------------
    @cached_property
    def glossary(self) -> Glossary:
        """The project's glossary over the default one, read once."""
        return conversion.load_glossary(self.root)

    @cached_property
    def glossary_hash(self) -> str:
        return conversion.glossary_hash(self.glossary)

    @property
    def phrase_mode(self) -> bool:
        return self.config.locales.phrase_mode

    # -- texts ----------------------------------------------------------------
    def working(self, policy_id: str) -> Edition:
        """The working text of a policy (``policies/ID.md``)."""
        self.project.get(policy_id)  # PolicyError naming the known ids
        return Edition(policy_id, None)

    def document(self, edition: Edition) -> Document:
        """The resolved tree of an edition: the working file, or a release's frozen snapshot."""
        if edition.version is None:
            return self.project.get(edition.policy_id)
        doc = self._documents.get(edition)
        if doc is None:
            release = ledger.find_release(self.root, edition.policy_id, edition.version, self.config)
            text = ledger.snapshot_text(self.root, release.snapshot)
            working = self.project.documents.get(edition.policy_id)
            if working is not None and working.source_text == text:
                # the working file is, byte for byte, this frozen text (the usual case): the same
                # tree, resolved the same way, already parsed — and errors name the file to edit
                self._documents[edition] = working
                return working
            doc = self._snapshots.parse_text(text, Path("ledger/snapshots") / f"{release.snapshot}.md")
            others = {pid: d for pid, d in self.project.documents.items() if pid != doc.meta.id}
            errors = Collector()
            resolve_one(doc, others, errors)
            # pictures are read from the project as it is now (ledger snapshots hold the text only)
            resolve_images(doc, self.root, errors, base_dir=self.config.policies_dir)
            errors.raise_if_any()
            self._documents[edition] = doc
        return doc

    def version(self, edition: Edition) -> VersionInfo:
        """Version information printed on an edition (approvals, revision rows, draft or not)."""
        info = self._versions.get(edition)
        if info is None:
            trees = self._release_trees(edition.policy_id)  # 修订章节 compares this session's trees
            if edition.version is not None:  # a release, as published
                info = history.release_info(self.root, self.config, edition.policy_id, edition.version, trees=trees)
            else:  # the working text: its release when unchanged, else a draft
                doc = self.document(edition)
                info = history.version_info(self.root, self.config, edition.policy_id, doc.source_text,
                                            fallback_effective=doc.meta.effective_date, trees=trees)
            self._versions[edition] = info
        return info

    def _release_trees(self, policy_id: str) -> history.Trees:
        return lambda release: self.document(Edition(policy_id, release.version))

    def documents_to_compare(self, old: Edition, new: Edition) -> tuple[Document, Document]:
        """The trees of two editions of a policy for a comparison (a redline, 修订章节): private
        copies, since the diff renumbers the older text's references in place."""
        return copy.deepcopy(self.document(old)), copy.deepcopy(self.document(new))

    def localized(self, edition: Edition, locale: str) -> Localized:
        """The edition converted to ``locale``, once per session."""
        key = (edition, locale)
        hit = self._localized.get(key)
        if hit is None:
            doc = self.document(edition)
            tree, report = conversion.localize(doc, locale, self.glossary, phrase_mode=self.phrase_mode)
            hit = Localized(tree, self._localized_version(self.version(edition), doc.locale, locale), report)
            self._localized[key] = hit
        return hit

    def _localized_version(self, version: VersionInfo, source: str, target: str) -> VersionInfo:
        """Revision summaries and 修订章节 are text: they are converted with the document.
        Names of people are not converted (they are shown as registered)."""
        if source == target or not version.revisions:
            return version
        revisions = [replace(r, summary=self.convert(r.summary, target, source=source),
                             sections=self.convert(r.sections, target, source=source)) for r in version.revisions]
        return replace(version, revisions=revisions)

    def convert(self, text: str, locale: str, *, source: str | None = None) -> str:
        """A piece of project text (a handbook title, a company name) in ``locale``."""
        source = source or self.config.locales.source
        if not text or source == locale:
            return text
        return conversion.convert_text(text, source, locale, phrase_mode=self.phrase_mode, glossary=self.glossary)

    def context(self, edition: Edition, locale: str, *, policy_links: dict[str, str] | None = None) -> RenderContext:
        """What a writer needs to render ``edition`` in ``locale``."""
        loc = self.localized(edition, locale)
        return RenderContext(doc=loc.doc, config=self.config, version=loc.version, policy_links=policy_links or {})

    def close(self) -> None:
        """Keep the frozen texts this session parsed, and the 修订章节 it compared, for the next run
        (again after more were parsed)."""
        self._snapshots.save()
        history.keep_sections(self.root)

    def check_glyphs(self, edition: Edition, locale: str) -> None:
        """PolicyError(s) when the converted text has characters the locale's font lacks."""
        conversion.check_glyph_coverage(self.localized(edition, locale).doc, locale)
