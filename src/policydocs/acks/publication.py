"""Published versions, as the acknowledgement service sees them — the only module that reads them.

The source is the publication record on the ledger (``trust/publication.py``):
every file ``policydocs build`` published, with its SHA-256, on the
hash-chained record, kept forever. Only released versions are ever published
(working texts are previews under ``build/preview/``, never on the record), so
a campaign can only open on a version employees can be shown as signed.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..trust import ledger
from ..trust import publication as trust_publication
from ..trust.status import release_meta
from .store import AckError


@dataclass(frozen=True)
class PublishedFile:
    locale: str
    format: str
    path: Path  # absolute, inside the project's publication folder
    sha256: str
    signed: bool


@dataclass
class PublishedVersion:
    policy_id: str
    version: str
    title: str
    files: list[PublishedFile] = field(default_factory=list)

    def pdf(self, locale: str) -> PublishedFile | None:
        return next((f for f in self.files if f.locale == locale and f.format == "pdf"), None)

    @property
    def locales(self) -> list[str]:
        return sorted({f.locale for f in self.files if f.format == "pdf"})


def published_versions(project_root: str | Path) -> list[PublishedVersion]:
    """Every policy version with files on the publication record, by policy and version."""
    root = Path(project_root)
    releases = {(r.policy_id, r.version): r for ps in ledger.load_state(root).policies.values() for r in ps.releases}
    out: dict[tuple[str, str], PublishedVersion] = {}
    for f in trust_publication.published_files(root):
        if f.kind != "policy":
            continue
        pv = out.get((f.policy, f.version))
        if pv is None:
            rel = releases.get((f.policy, f.version))
            meta = release_meta(root, rel) if rel is not None else None
            pv = out[(f.policy, f.version)] = PublishedVersion(f.policy, f.version, meta.title if meta else f.policy)
        pv.files = [x for x in pv.files if (x.locale, x.format) != (f.locale, f.format)]  # a re-issue replaces
        pv.files.append(PublishedFile(f.locale, f.format, (root / f.path).resolve(), f.sha256,
                                      f.format == "pdf"))  # released PDFs are published signed
    return sorted(out.values(), key=lambda p: (p.policy_id, p.version))


def find_published(project_root: str | Path, policy_id: str, version: str) -> tuple[PublishedVersion, ledger.ReleaseRecord]:
    """The published, released version — or AckError saying why it cannot be acknowledged."""
    root = Path(project_root)
    released = {r.version: r for r in ledger.released_versions(root, policy_id)}
    if version not in released:
        known = ", ".join(released) or "none"
        raise AckError(f"{policy_id} {version} is a draft, not a released version; a campaign opens only on a "
                       f"released, published version (released: {known})", code="draft")
    pv = next((p for p in published_versions(root) if (p.policy_id, p.version) == (policy_id, version)), None)
    if pv is None or not pv.locales:
        raise AckError(f"{policy_id} {version} is released but not published yet (run `policydocs build`)",
                       code="unpublished")
    return pv, released[version]


def keep_copy(file: PublishedFile, files_dir: Path) -> str:
    """Copy the published file into the service's content-addressed store (the exact bytes
    employees are shown, kept even after a later build replaces ``build/``); returns its name."""
    data = file.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != file.sha256:
        raise AckError(f"{file.path}: content differs from the published SHA-256 (changed after publication)",
                       code="tampered")
    name = f"{digest}{file.path.suffix}"
    target = files_dir / name
    if not target.exists():
        files_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(file.path, tmp)
        tmp.replace(target)
    return name
