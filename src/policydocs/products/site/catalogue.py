"""What the portal shows, computed from the ledger and the publication record — never the working tree.

Only released versions appear. For every policy with a release: every version,
its status on the portal's day (in force, scheduled, superseded by …, repealed,
withdrawn), its approvals, and the files published for it. Drafts, previews
and policies that were never released are not in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ...read.config import Config
from ...trust import ledger, publication, status
from ...trust.ledger import ReleaseRecord
from ...trust.records import PublishedFile
from ...trust.status import PolicyStatus, VersionStatus


@dataclass(frozen=True)
class PortalFile:
    """A published file as the portal offers it (copied to ``files/<path>``)."""

    published: PublishedFile

    @property
    def site_path(self) -> str:
        return f"files/{self.published.path}"


@dataclass
class PortalVersion:
    """One released version: its record, its status on the portal's day, its published files."""

    release: ReleaseRecord
    status: VersionStatus
    files: list[PortalFile] = field(default_factory=list)  # the files offered: the latest issue of each
    replaced: list[PortalFile] = field(default_factory=list)  # earlier issues a re-issue replaced (kept, verifiable)

    @property
    def version(self) -> str:
        return self.release.version

    def file(self, locale: str, fmt: str) -> PortalFile | None:
        return next((f for f in self.files if f.published.locale == locale and f.published.format == fmt), None)


@dataclass
class PortalPolicy:
    """A policy with at least one release."""

    policy_id: str
    status: PolicyStatus
    versions: list[PortalVersion]  # oldest first

    @property
    def shown(self) -> PortalVersion:
        """The version the policy's page shows: in force today, else the one scheduled, else the last."""
        for wanted in (self.status.current, self.status.upcoming):
            if wanted is not None:
                for v in self.versions:
                    if v.version == wanted.version:
                        return v
        return self.versions[-1]

    @property
    def versions_by(self) -> dict[str, PortalVersion]:
        """Version label → version."""
        return {v.version: v for v in self.versions}

    @property
    def in_force(self) -> bool:
        return self.status.in_force

    @property
    def scheduled(self) -> bool:
        return self.status.state == status.SCHEDULED


@dataclass
class Catalogue:
    """Everything the portal needs to know about the ledger, on one day."""

    day: date
    policies: dict[str, PortalPolicy]  # in the project's order
    handbooks: list[PortalFile]  # newest edition of each handbook, every locale and format
    files: list[PublishedFile]  # every file ever published (the verify page knows them all)

    def replaced_by(self, f: PublishedFile) -> PublishedFile | None:
        """The re-issue that replaced ``f`` (a later file of the same version naming its hash), if any."""
        return next((x for x in self.files if x.replaces == f.sha256 and x.ident == f.ident), None)


def catalogue(root: Path, config: Config, policy_ids: list[str], day: date) -> Catalogue:
    """The portal's view of the ledger on ``day``: released policies, versions, statuses, files."""
    published = publication.published_files(root, config)
    by_version: dict[tuple[str, str], list[PortalFile]] = {}
    for f in published:
        if f.kind == "policy":
            by_version.setdefault((f.policy, f.version), []).append(PortalFile(f))
    policies: dict[str, PortalPolicy] = {}
    for pid in policy_ids:
        releases = ledger.released_versions(root, pid, config)
        if not releases:
            continue
        versions = []
        for r in releases:
            files = by_version.get((pid, r.version), [])
            latest = _latest(files)
            versions.append(PortalVersion(r, status.version_status(root, pid, r.version, day, config), latest,
                                          [f for f in files if f not in latest]))
        policies[pid] = PortalPolicy(pid, status.status_on(root, pid, day, config), versions)
    return Catalogue(day, policies, _newest_handbooks(published), published)


def _latest(files: list[PortalFile]) -> list[PortalFile]:
    """One file per (locale, format): a re-issue replaces the earlier file on the portal (both stay on record)."""
    out: dict[tuple[str, str], PortalFile] = {}
    for f in files:  # oldest first
        out[(f.published.locale, f.published.format)] = f
    return list(out.values())


def _newest_handbooks(published: list[PublishedFile]) -> list[PortalFile]:
    """The newest edition of every handbook (by publication order), in each locale and format."""
    newest: dict[str, str] = {}
    for f in published:
        if f.kind == "handbook":
            newest[f.policy] = f.version
    return [PortalFile(f) for f in published if f.kind == "handbook" and newest.get(f.policy) == f.version]
