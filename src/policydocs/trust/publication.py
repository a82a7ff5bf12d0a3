"""The publication record: every published file on the hash-chained ledger.

Publishing appends one ``publish`` record per run listing, for every file
published, its policy (or handbook), version, locale, format, path (relative
to the project) and SHA-256 and size, and for a policy file the release record
it renders. The record is signed with the organisation's document-signing
certificate (the identity that signs the PDFs), so it is a *signed* record:
cutting it from the ledger is tampering that ``verify`` reports and
``ledger repair`` refuses.

A published file is never replaced: a path is recorded once, and a second
file for the same policy/version/locale/format is accepted only as an
explicit re-issue with a recorded reason (e.g. a template change), under a
new path.

API for the pipeline and the portal::

    identity = signing.require_identity(config)        # exit 2 with the fix when it cannot sign
    head = publication.ledger_head(root)              # embed with signing.sign_pdf(..., ledger_head=head)
    rec = publication.record(root, config, [FileToPublish(path, policy, version, locale, fmt)], identity)
    publication.published_files(root)                 # list[PublishedFile], oldest first
    publication.find_published(root, sha256)          # PublishedFile | None
    publication.verify_publication(root, config)      # list[str] problems

Checks of a signed copy against the ledger (``copy_problems``) are shared by
``verify``, ``verify-file`` and ``verify-evidence``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Sequence

from ..core.fsutil import sha256_file
from ..read.config import Config
from . import signing
from .ledger import (
    Anchor,
    Ledger,
    LedgerError,
    PolicyState,
    State,
    _config,
    _writable_state,
    describe,
    load_state,
    read_ledger,
)
from .records import LedgerHead, PublishedFile, safe_relative_path

KINDS = ("policy", "handbook")
PUBLICATION_DIR = "publication"  # inside the project: every published file, kept forever
HANDBOOKS_DIR = "handbooks"  # publication/handbooks/<name>/<edition>/…


@dataclass(frozen=True)
class FileToPublish:
    """A file the pipeline has written and wants on the record (path inside the project)."""

    path: Path
    policy: str  # policy id (kind "policy") or handbook name (kind "handbook")
    version: str
    locale: str
    format: str
    kind: str = "policy"


@dataclass(frozen=True)
class PublicationRecord:
    """What :func:`record` appended: ``seq`` is ``None`` when every file was already on the record."""

    seq: int | None
    hash: str | None
    time: datetime | None
    files: list[PublishedFile] = field(default_factory=list)  # newly recorded
    already: list[PublishedFile] = field(default_factory=list)  # identical files recorded before


def ledger_head(project_root: str | Path) -> LedgerHead | None:
    """The ledger's last record (from the records themselves, not ledger/HEAD): what a copy
    published now is published under. ``None`` for an empty ledger."""
    lf = read_ledger(Path(project_root))
    if not lf.entries:
        return None
    rec = lf.entries[-1].rec
    return LedgerHead.parse({"seq": rec.get("seq"), "hash": rec.get("hash")})


def _relative(root: Path, path: Path) -> str:
    p = path if path.is_absolute() else root / path
    try:
        rel = p.resolve().relative_to(root)
    except ValueError:
        raise LedgerError(path, 0, "a published file must be inside the project") from None
    text = rel.as_posix()
    if safe_relative_path(text) is None:
        raise LedgerError(path, 0, "unsafe path for a published file")
    return text


def record(project_root: str | Path, config: Config | None, files: Sequence[FileToPublish],
           identity: signing.SigningIdentity | None, *, reissue_reason: str | None = None) -> PublicationRecord:
    """Append a ``publish`` record, signed by the organisation, for ``files``.

    Hashes are computed here from the files on disk. Refuses (``LedgerError``,
    exit 2): a policy version with no release record; a path already recorded
    with other content (published files are never replaced); a second file for
    the same policy/version/locale/format without ``reissue_reason``.  Files
    already on the record unchanged are skipped (publishing is idempotent).
    """
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    identity = signing.require_identity(cfg, identity)
    reason = (reissue_reason or "").strip()
    led = Ledger(root)
    with led.locked():
        st = _writable_state(led, cfg)
        by_path = {f.path: f for f in st.published}
        entries: list[dict] = []
        already: list[PublishedFile] = []
        seen_paths: set[str] = set()
        for f in files:
            if f.kind not in KINDS:
                raise LedgerError(f.path, 0, f"unknown kind {f.kind!r}; known: {', '.join(KINDS)}")
            rel = _relative(root, Path(f.path))
            if rel in seen_paths:
                raise LedgerError(f.path, 0, "listed twice in one publication")
            seen_paths.add(rel)
            digest, size = sha256_file(root / rel), (root / rel).stat().st_size
            label = f"{f.policy} {f.version} {f.locale} {f.format}"
            earlier = by_path.get(rel)
            if earlier is not None:
                if earlier.sha256 == digest:
                    already.append(earlier)
                    continue
                raise LedgerError(rel, 0, f"{rel} was published in record #{earlier.record} ({earlier.describe()}) with "
                                          f"other content; a published file is never replaced — write a re-issue "
                                          f"to a new path")
            entry = {"kind": f.kind, "policy": f.policy, "version": f.version, "locale": f.locale,
                     "format": f.format, "path": rel, "sha256": digest, "size": size}
            if f.kind == "policy":
                rel_rec = next((r for r in st.policies.get(f.policy, PolicyState()).releases
                                if r.version == f.version), None)
                if rel_rec is None:
                    raise LedgerError(rel, 0, f"{label}: there is no release record {f.policy} {f.version}; only "
                                              f"released versions are published")
                entry["release"] = {"seq": rel_rec.seq, "hash": rel_rec.record_hash}
            same = [x for x in st.published if x.ident == (f.kind, f.policy, f.version, f.locale, f.format)]
            if same:
                if not reason:
                    raise LedgerError(rel, 0, f"{label} was already published as {same[-1].path} (record "
                                              f"#{same[-1].record}); publishing it again is a re-issue: give its "
                                              f"reason (reissue_reason)")
                entry["replaces"] = same[-1].sha256
            entries.append(entry)
        if not entries:
            return PublicationRecord(None, None, None, [], already)
        payload: dict = {"files": entries}
        if reason:
            payload["reissue"] = reason
        rec = led.append_org_signed("publish", payload, last=st.last, key=identity.org_key())
    new = [f for f in load_state(root, cfg).published if f.record == rec["seq"]]
    return PublicationRecord(rec["seq"], rec["hash"], new[0].time if new else None, new, already)


def published_files(project_root: str | Path, config: Config | None = None) -> list[PublishedFile]:
    """Every file ever published, oldest first (re-issues included; nothing is ever dropped)."""
    return list(load_state(project_root, config).published)


def find_published(project_root: str | Path, sha256: str, config: Config | None = None) -> PublishedFile | None:
    """The published file with this SHA-256, if any."""
    return next((f for f in load_state(project_root, config).published if f.sha256 == sha256), None)


def is_published(project_root: str | Path, sha256: str, config: Config | None = None) -> bool:
    return find_published(project_root, sha256, config) is not None


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


def head_problems(head: LedgerHead | None, last: LedgerHead | None, records: dict[int, dict],
                  after: int | None = None) -> list[str]:
    """Problems of the ledger head a signed copy names: it must still be in the chain (not beyond
    its end, not rewritten) and, with ``after``, not before that record (the copy's release)."""
    if head is None:
        return []
    rec = records.get(head.seq)
    if last is None or head.seq > last.seq:
        return [f"published under ledger record #{head.seq} ({head.hash[:12]}), but the ledger ends at "
                f"record #{last.seq if last else 0}: records were cut from the end of the ledger"]
    if rec is None or rec.get("hash") != head.hash:
        return [f"published under ledger record #{head.seq} ({head.hash[:12]}), which the ledger no longer "
                f"holds (record #{head.seq} is now {describe(rec) if rec else 'missing'}) — the chain was "
                f"rewritten"]
    if after is not None and head.seq < after:
        return [f"published under ledger record #{head.seq}, before its release record #{after}"]
    return []


def copy_problems(st: State, check: signing.SignatureCheck, last: LedgerHead | None,
                  by_seq: dict[int, dict] | None = None) -> list[str]:
    """Problems of a *validly signed* policy copy against the ledger: its version must have a
    release record, and the ledger head it names must still be in the chain, after that release."""
    ident = check.ident
    probs: list[str] = []
    if ident is None:
        return probs
    pid, version, _locale = ident
    ps = st.policies.get(pid)
    release = next((r for r in ps.releases if r.version == version), None) if ps else None
    if ps is None or release is None:
        known = ", ".join(r.version for r in ps.releases) if ps else "none"
        probs.append(f"signed as {pid} {version}, but the ledger has no release record {pid} {version} "
                     f"(releases of {pid}: {known}) — not an approved, released version, or its release record "
                     f"was removed from the ledger")
    records = by_seq if by_seq is not None else st.by_seq
    probs += head_problems(check.ledger_head, last, records, release.seq if release is not None else None)
    return probs


def pdf_anchor(source: str, check: signing.SignatureCheck) -> Anchor | None:
    """The ledger head a signed copy names, as an anchor for ``ledger.verify_ledger``."""
    if check.ledger_head is None:
        return None
    ident = check.ident
    return Anchor(source, check.ledger_head, ((ident[0], ident[1]),) if ident else ())


def verify_publication(project_root: str | Path, config: Config | None = None, *,
                       scope: set[str] | None = None, pdf_signatures: bool = True) -> list[str]:
    """Every published file on disk against its record, every record's file present, and every
    file in ``publication/`` on a record.

    For each file of every ``publish`` record (``scope``: only these policies
    and handbooks): present, same SHA-256 and size; a PDF's signature valid,
    trusted and covering the whole file, naming the recorded policy, version
    and locale (policies), and the ledger head it names still in the chain
    (policies and handbooks). Then every file under ``publication/`` that no
    record lists is reported by name — records cut from the ledger leave their
    files behind (see :func:`unrecorded_files`). This needs nothing outside the
    project's tracked files (not ``build/manifest.json``).
    """
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    st = load_state(root, cfg)
    last = ledger_head(root)
    trust_root = signing.trust_root_path(cfg)
    root_pem: bytes | None = None
    probs: list[str] = []
    for f in st.published:
        if scope is not None and f.policy not in scope:
            continue
        who = f"{describe(st.by_seq.get(f.record, {'seq': f.record, 'type': 'publish'}))}: {f.path} ({f.describe()})"
        path = root / f.path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            probs.append(f"{who} is missing — a published file must be kept")
            continue
        except OSError as exc:
            probs.append(f"{who} cannot be read: {exc.strerror or exc}")
            continue
        if hashlib.sha256(data).hexdigest() != f.sha256 or len(data) != f.size:
            probs.append(f"{who} differs from its publication record (sha256 {hashlib.sha256(data).hexdigest()[:12]}, "
                         f"recorded {f.sha256[:12]}) — changed or replaced after publication")
            continue
        if f.format != "pdf" or not pdf_signatures:
            continue
        if root_pem is None:
            try:
                root_pem = trust_root.read_bytes()
            except OSError:
                probs.append(f"{trust_root}: trust root missing; published PDFs cannot be checked")
                pdf_signatures = False
                continue
        check = signing.validate_pdf(data, root_pem)
        probs += [f"{who}: {p}" for p in check.problems]
        if not check.valid:
            continue
        if f.kind == "policy" and check.ident != (f.policy, f.version, f.locale):
            shown = " ".join(check.ident) if check.ident else repr(check.reason)
            probs.append(f"{who}: the signature is for {shown}, not the recorded {f.policy} {f.version} {f.locale}")
        if f.kind == "policy":
            probs += [f"{who}: {p}" for p in copy_problems(st, check, last)]
        else:
            probs += [f"{who}: {p}" for p in head_problems(check.ledger_head, last, st.by_seq)]
    probs += _unrecorded_problems(root, st, last, root_pem if pdf_signatures else None,
                                  trust_root if pdf_signatures else None, scope)
    return probs


def unrecorded_files(project_root: str | Path, st: State, scope: set[str] | None = None) -> list[str]:
    """Files under ``publication/`` (relative paths, sorted) that no ``publish`` record lists.

    ``scope``: only those under ``publication/<policy>/`` or ``publication/handbooks/<name>/``
    of these policies and handbooks."""
    root = Path(project_root)
    base = root / PUBLICATION_DIR
    if not base.is_dir():
        return []
    recorded = {f.path for f in st.published}
    out = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in sorted(filenames):
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            if rel in recorded:
                continue
            parts = rel.split("/")
            owner = parts[2] if len(parts) > 3 and parts[1] == HANDBOOKS_DIR else parts[1]
            if scope is None or owner in scope:
                out.append(rel)
    return out


def _unrecorded_problems(root: Path, st: State, last: LedgerHead | None, root_pem: bytes | None,
                         trust_root: Path | None, scope: set[str] | None) -> list[str]:
    """Every file in ``publication/`` that no record lists, and what its signature tells."""
    probs: list[str] = []
    for rel in unrecorded_files(root, st, scope):
        probs.append(f"{rel}: not on any publish record — an unknown file in the publication folder, or its publish "
                     f"record was cut from the ledger (tampering); a build interrupted before it recorded its files "
                     f"also leaves one (the next `policydocs build` publishes it again)")
        if not rel.endswith(".pdf") or trust_root is None:
            continue
        if root_pem is None:
            try:
                root_pem = trust_root.read_bytes()
            except OSError:
                probs.append(f"{trust_root}: trust root missing; published PDFs cannot be checked")
                trust_root = None
                continue
        try:
            data = (root / rel).read_bytes()
        except OSError as exc:
            probs.append(f"{rel}: cannot be read: {exc.strerror or exc}")
            continue
        check = signing.validate_pdf(data, root_pem)
        if not check.valid:
            continue  # not a signed copy of ours: reported above as an unknown file
        if rel.startswith(f"{PUBLICATION_DIR}/{HANDBOOKS_DIR}/"):
            probs += [f"{rel}: {p}" for p in head_problems(check.ledger_head, last, st.by_seq)]
        else:
            probs += [f"{rel}: {p}" for p in copy_problems(st, check, last)]
    return probs
