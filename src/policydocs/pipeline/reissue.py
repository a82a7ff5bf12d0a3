"""An explicit, recorded re-issue of a published version (docs/publication.md §4).

A published file is never rendered again or replaced. When a published copy must
change without a new version — a template correction, a wrong company name in
the header, a font fix — the version is *re-issued*: rendered again from its
frozen text in the ledger with today's templates, PDFs signed, written under a
new name beside the old files (which are never touched), and put on a signed
``publish`` record that carries the reason and, for each file, the SHA-256 of
the file it replaces. The old files stay on the record and verifiable; the
portal offers the re-issued ones and marks the old ones as replaced.

Only (locale, format) pairs already published can be re-issued; a first
publication is the build's job.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from filelock import FileLock, Timeout

from ..core.errors import PolicyError
from ..core.manifest import Artifact, read_manifest
from ..products.inputs import Edition
from ..render import writers
from ..trust import ledger, publication, signing
from ..trust.publication import FileToPublish
from ..trust.records import PublishedFile
from .build import LOCK_NAME, PUBLICATION_DIR, safe_version
from .jobs import PolicyJob, render_policy
from .session import BuildSession
from .signer import Signer


@dataclass
class ReissueResult:
    """What :func:`reissue` did: the publish record, the new files and the files they replace."""

    record: int
    reason: str
    files: list[PublishedFile] = field(default_factory=list)
    replaced: dict[str, PublishedFile] = field(default_factory=dict)  # new path → the file it replaces
    unchanged: list[PublishedFile] = field(default_factory=list)  # rendered again byte for byte: not re-issued
    seconds: float = 0.0


def reissue_path(policy_id: str, version: str, locale: str, suffix: str, n: int) -> str:
    """Where the ``n``-th re-issue of a published file goes (relative to the project), beside the
    first issue: ``publication/HR-ATT-002/A-1/HR-ATT-002_A-1_reissue-1.zh-Hans.pdf``."""
    v = safe_version(version)
    return f"{PUBLICATION_DIR}/{policy_id}/{v}/{policy_id}_{v}_reissue-{n}.{locale}{suffix}"


def _published_now(files: list[PublishedFile], policy_id: str, version: str) -> dict[tuple[str, str], PublishedFile]:
    """(locale, format) → the file the portal offers for this version today (the latest issue)."""
    out: dict[tuple[str, str], PublishedFile] = {}
    for f in files:  # oldest first
        if f.kind == "policy" and f.policy == policy_id and f.version == version:
            out[(f.locale, f.format)] = f
    return out


def _select(current: dict[tuple[str, str], PublishedFile], policy_id: str, version: str,
            locales: list[str] | None, formats: list[str] | None) -> list[tuple[str, str]]:
    """The (locale, format) pairs to re-issue; PolicyError for a pair that was never published."""
    if not current:
        raise PolicyError("publication", 0, f"{policy_id} {version} has never been published, so there is nothing to "
                                            f"re-issue; `policydocs build` publishes a release")
    have_locales = sorted({loc for loc, _ in current})
    have_formats = sorted({fmt for _, fmt in current})
    for flag, asked, have in (("--locales", locales, have_locales), ("--formats", formats, have_formats)):
        for item in asked or []:
            if item not in have:
                raise PolicyError(flag, 0, f"{policy_id} {version} was not published in {item!r} (published: "
                                           f"{', '.join(have)}); a first publication is `policydocs build`'s job")
    return sorted(pair for pair in current
                  if (locales is None or pair[0] in locales) and (formats is None or pair[1] in formats))


def _write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet (a published file is never replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _add_to_manifest(session: BuildSession, arts: list[Artifact]) -> None:
    """Put the re-issued files on ``build/manifest.json`` as a build would (with the hash of each
    PDF before signing, which ``verify`` checks), and the ledger head after the publish record.
    Without a manifest the next build writes one from the publication record."""
    path = session.config.build_dir / "manifest.json"
    manifest = read_manifest(path)
    if manifest is None:
        return
    manifest.artifacts = [a for a in manifest.artifacts if a.path not in {x.path for x in arts}] + arts
    manifest.artifacts.sort(key=lambda a: (a.kind, a.policy_id or a.handbook or "", a.version, a.locale, a.format))
    head = ledger.read_head(session.root)
    manifest.ledger_head = {"seq": head[0], "hash": head[1]} if head else None
    manifest.write(path)


def reissue(root: str | Path, policy_id: str, version: str, reason: str, *, locales: list[str] | None = None,
            formats: list[str] | None = None, today: date | None = None,
            session: BuildSession | None = None) -> ReissueResult:
    """Re-render ``policy_id`` ``version`` from its frozen text, sign, write under new names and
    record the re-issue with ``reason``. Every check runs before anything is written; a failure
    while writing removes the new files (nothing is recorded)."""
    started = time.perf_counter()
    reason = (reason or "").strip()
    if not reason:
        raise PolicyError("--reason", 0, "a re-issue needs its reason (e.g. --reason \"模板更正：页眉单位名称\"); "
                                         "it is recorded on the signed publish record and shown on the portal")
    session = session or BuildSession.open(root, today=today)
    cfg = session.config
    session.project.get(policy_id)  # PolicyError naming the known ids
    ledger.find_release(session.root, policy_id, version, cfg)  # LedgerError: no such release
    published = publication.published_files(session.root, cfg)
    current = _published_now(published, policy_id, version)
    pairs = _select(current, policy_id, version, locales, formats)
    identity = Signer(cfg, enabled=True).require()  # exit 2 with the fix when it cannot sign
    build_dir = cfg.build_dir
    build_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(build_dir / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise PolicyError(build_dir, 0, "a build is running in this project; re-issue when it has finished") from None
    try:
        edition = Edition(policy_id, version)
        meta = session.document(edition).meta
        info = session.version(edition)
        effective = (info.effective_date or meta.effective_date).isoformat() \
            if (info.effective_date or meta.effective_date) else None
        head = publication.ledger_head(session.root)
        by_locale: dict[str, list[str]] = {}
        for loc, fmt in pairs:
            by_locale.setdefault(loc, []).append(fmt)
        rendered: list[tuple[str, str, str, bytes]] = []  # locale, format, path, bytes
        arts: list[Artifact] = []
        unchanged: list[PublishedFile] = []
        taken = {f.path for f in published}
        for loc, fmts in by_locale.items():
            if "pdf" in fmts:
                session.check_glyphs(edition, loc)
            data = render_policy(PolicyJob(session.context(edition, loc), tuple(fmts)))
            for fmt in fmts:
                raw = data[fmt]
                if fmt != "pdf" and hashlib.sha256(raw).hexdigest() == current[(loc, fmt)].sha256:
                    unchanged.append(current[(loc, fmt)])  # the same bytes again: a re-issue would change nothing
                    continue
                art = Artifact(path="", kind="policy", format=fmt, locale=loc, title=meta.title, policy_id=policy_id,
                               version=version, status=meta.status, effective_date=effective)
                if fmt == "pdf":
                    art.unsigned_sha256, art.unsigned_size = hashlib.sha256(raw).hexdigest(), len(raw)
                    art.signed = True
                    raw = signing.sign_pdf(raw, identity, policy_id=policy_id, version=version, locale=loc,
                                           location=cfg.signing.location, contact=cfg.signing.contact,
                                           timestamp_url=cfg.signing.timestamp_url, ledger_head=head)
                suffix = writers.get_writer(fmt, session.root).suffix
                n = 1 + sum(1 for f in published if f.ident == ("policy", policy_id, version, loc, fmt)
                            and f.reissue_reason)
                path = reissue_path(policy_id, version, loc, suffix, n)
                while path in taken or (session.root / path).exists():
                    n += 1
                    path = reissue_path(policy_id, version, loc, suffix, n)
                taken.add(path)
                art.path, art.sha256, art.size = path, hashlib.sha256(raw).hexdigest(), len(raw)
                arts.append(art)
                rendered.append((loc, fmt, path, raw))
        if not rendered:
            raise PolicyError("publication", 0, f"{policy_id} {version}: rendered again, every file is byte for byte "
                                                f"the published one; nothing to re-issue")
        written: list[Path] = []
        try:
            for _loc, _fmt, path, raw in rendered:
                _write_new(session.root / path, raw)
                written.append(session.root / path)
            rec = publication.record(session.root, cfg, [FileToPublish(Path(path), policy_id, version, loc, fmt)
                                                         for loc, fmt, path, _raw in rendered],
                                     identity, reissue_reason=reason)
        except BaseException:
            for p in written:
                p.unlink(missing_ok=True)
            raise
        _add_to_manifest(session, arts)
        session.close()
    finally:
        lock.release()
    by_sha = {f.sha256: f for f in published}
    result = ReissueResult(rec.seq or 0, reason, list(rec.files),
                           {f.path: by_sha[f.replaces] for f in rec.files if f.replaces in by_sha}, unchanged)
    result.seconds = time.perf_counter() - started
    return result
