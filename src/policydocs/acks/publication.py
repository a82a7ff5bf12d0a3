"""Published versions, as the acknowledgement service sees them — the only module that reads them.

Two sources, the first one winning for a policy version it holds:

1. the publication record on the ledger (``trust/publication.py``: every
   published file's SHA-256 on the hash-chained record, kept forever);
2. ``build/manifest.json`` (policy_id, version, locale, format, path, sha256,
   signed, draft), for builds that do not write the publication record yet.

Either way the version needs its release record in the ledger, and a draft
is refused (:func:`find_published`).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import PolicyError
from ..core.manifest import read_manifest
from ..read.config import load_config
from ..trust import ledger
from ..trust import publication as trust_publication
from .store import AckError


@dataclass(frozen=True)
class PublishedFile:
    locale: str
    format: str
    path: Path  # absolute, inside build/
    sha256: str
    signed: bool


@dataclass
class PublishedVersion:
    policy_id: str
    version: str
    title: str
    draft: bool
    files: list[PublishedFile] = field(default_factory=list)

    def pdf(self, locale: str) -> PublishedFile | None:
        return next((f for f in self.files if f.locale == locale and f.format == "pdf"), None)

    @property
    def locales(self) -> list[str]:
        return sorted({f.locale for f in self.files if f.format == "pdf"})


def published_versions(project_root: str | Path) -> list[PublishedVersion]:
    """Every policy version with files in the publication, drafts included (marked)."""
    cfg = load_config(Path(project_root))
    path = cfg.build_dir / "manifest.json"
    try:
        manifest = read_manifest(path, missing_ok=True)
    except PolicyError as exc:
        raise AckError(str(exc), code="unpublished") from None
    out = _from_publication_record(Path(project_root))
    if manifest is None and not out:
        raise AckError(f"{path}: nothing is published yet (run `policydocs build`)", code="unpublished")
    recorded = set(out)
    for art in (manifest.artifacts if manifest is not None else []):
        if art.kind != "policy" or not art.policy_id:
            continue
        key = (art.policy_id, str(art.version))
        if key in recorded:
            continue
        pv = out.setdefault(key, PublishedVersion(key[0], key[1], art.title or key[0], False))
        pv.draft = pv.draft or art.draft
        pv.files.append(PublishedFile(art.locale, art.format, (cfg.build_dir / art.path).resolve(), art.sha256,
                                      art.signed))
    return sorted(out.values(), key=lambda p: (p.policy_id, p.version))


def _from_publication_record(root: Path) -> dict[tuple[str, str], PublishedVersion]:
    """Policy versions on the ledger's publication record (files as the record holds them)."""
    out: dict[tuple[str, str], PublishedVersion] = {}
    for f in trust_publication.published_files(root):
        if f.kind != "policy":
            continue
        pv = out.setdefault((f.policy, f.version), PublishedVersion(f.policy, f.version, f.policy, False))
        pv.files = [x for x in pv.files if (x.locale, x.format) != (f.locale, f.format)]  # a re-issue replaces
        pv.files.append(PublishedFile(f.locale, f.format, (root / f.path).resolve(), f.sha256,
                                      f.format == "pdf"))  # released PDFs are published signed
    return out


def find_published(project_root: str | Path, policy_id: str, version: str) -> tuple[PublishedVersion, ledger.ReleaseRecord]:
    """The published, released version — or AckError saying why it cannot be acknowledged."""
    root = Path(project_root)
    versions = [p for p in published_versions(root) if p.policy_id == policy_id]
    if not versions:
        raise AckError(f"{policy_id} is not published", code="unpublished")
    pv = next((p for p in versions if p.version == version), None)
    if pv is None:
        have = ", ".join(p.version for p in versions)
        released = {r.version for r in ledger.released_versions(root, policy_id)}
        if version not in released:
            raise AckError(f"{policy_id} {version} is a draft, not a released version; a campaign opens only on a "
                           f"released, published version (published: {have})", code="draft")
        raise AckError(f"{policy_id} {version} is not published (published: {have})", code="unpublished")
    if pv.draft:
        raise AckError(f"{policy_id} {version} is a draft; a campaign opens only on a released, published version",
                       code="draft")
    try:
        release = ledger.find_release(root, policy_id, version)
    except ledger.LedgerError:
        raise AckError(f"{policy_id} {version} has no release record in the ledger", code="draft") from None
    if not pv.locales:
        raise AckError(f"{policy_id} {version}: no published PDF", code="unpublished")
    return pv, release


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
