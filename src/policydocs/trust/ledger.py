"""The approval ledger: signed, hash-chained, append-only history of every policy.

Layout (``ledger/`` in the project; the format is documented in docs/ledger.md)::

    ledger/records.jsonl          one canonical-JSON record per line, never rewritten
    ledger/snapshots/<sha256>.md  exact source text of every release (content-addressed)
    ledger/HEAD                   "<seq> <hash>" of the last record (tail-truncation tripwire)
    ledger/repair/                bytes removed by an explicit `policydocs ledger repair`
    ledger/.lock                  the writers' lock file (not part of the record; git-ignore it)

Every record is ``{"v", "seq", "prev", "type", "time", "payload", ["signer", "sig"], "hash"}``.
``hash`` is the SHA-256 of the canonical JSON of the record without ``hash``;
``prev`` is the previous record's hash (64 zeros for record 1); ``sig`` is an
Ed25519 signature by ``signer`` over ``SIG_DOMAIN`` + the canonical JSON of the
record without ``sig`` and ``hash`` — so it also covers ``seq`` and ``prev``
and a signed record cannot be moved within the chain.

Record types: ``key`` (a person's public key and roles, self-signed),
``approve`` (role, person, content hash; signed by the person), ``release``
(version, effective date, summary, snapshot, the approvals it rests on, a
retroactive release's reason), ``repair`` (what an explicit repair removed),
``publish`` (every published file with its SHA-256; signed by the
organisation's document-signing certificate, see ``orgsig.py``), ``issue``
(registers and receipts printed) and ``review`` (a periodic review, 复审,
signed by the reviewer).

The integration API used by the build, history and portal:
:func:`content_hash`, :func:`version_info`, :func:`released_versions`,
:func:`snapshot_text`, :func:`verify_ledger`; in force on a date: ``status.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

from filelock import FileLock

from ..core import model
from ..core.errors import PolicyError
from ..core.fsutil import atomic_write_bytes
from ..core.fsutil import fsync_dir as _fsync_dir
from ..core.manifest import read_manifest
from ..core.versioning import VersionError, next_version
from ..core.workers import local_executor
from ..read.config import Config, load_config
from ..read.frontmatter import ID_PATTERN, parse_front_matter, split_front_matter
from . import clock, orgsig
from . import keys as keymod
from .records import (
    ORG_SIGNER,
    IssuedFile,
    IssuedForm,
    LedgerHead,
    PublishedFile,
    Review,
    safe_relative_path,
)
from .signing import trust_root_path  # signing imports nothing from the ledger

FORMAT_VERSION = 1
GENESIS = "0" * 64
SIG_DOMAIN = b"policydocs-ledger-v1\n"
NOW_ENV = clock.NOW_ENV  # ISO datetime: fixed clock for tests and demo seeding
TODAY_ENV = clock.TODAY_ENV  # ISO date: the day date decisions are made on
FAULT_ENV = "POLICYDOCS_FAULT"  # fault injection for crash tests: torn-append | after-append
RECORD_TYPES = ("key", "approve", "release", "repair", "publish", "issue", "review", "acks-seal")
FSYNC = True  # bench/bench_ledger.py turns this off while building its fixture; never in normal use


class LedgerError(PolicyError):
    """A ledger operation was refused (names the file and, where known, the line)."""


# --------------------------------------------------------------------------
# canonical forms and hashes
# --------------------------------------------------------------------------


def canonical_json(obj) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not \\u escapes): one byte string per value."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_TRAILING_WS = re.compile(r"[ \t]+$")
_WS_BEFORE_LF = re.compile(r"[ \t]\n")


def canonical_source(source_text: str) -> str:
    """The form of a policy source that approvals bind to.

    Only differences that cannot change what a reader sees are removed: a
    leading BOM, CRLF/CR line endings (→ LF), spaces and tabs at line ends
    (a run ending in two spaces — a Markdown hard line break — is kept as
    exactly two spaces) and blank lines at the end (exactly one final LF).
    No Unicode normalisation: NFC maps CJK compatibility ideographs (U+F900…)
    to other code points, which would let two visibly different texts share
    an approval.
    """
    if (source_text.endswith("\n") and not source_text.endswith("\n\n") and not source_text.startswith("\ufeff")
            and "\r" not in source_text and not _WS_BEFORE_LF.search(source_text)):
        return source_text  # already canonical (the common case): skip the line-by-line pass
    text = source_text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        stripped = _TRAILING_WS.sub("", line)
        if stripped and line.endswith("  "):
            stripped += "  "
        lines.append(stripped)
    return "\n".join(lines).rstrip("\n") + "\n"


def content_hash(source_text: str) -> str:
    """SHA-256 (hex) of :func:`canonical_source` — front matter and body together."""
    return sha256_hex(canonical_source(source_text).encode("utf-8"))


def record_hash(rec: dict) -> str:
    return sha256_hex(canonical_json({k: v for k, v in rec.items() if k != "hash"}))


def signed_bytes(rec: dict) -> bytes:
    return SIG_DOMAIN + canonical_json({k: v for k, v in rec.items() if k not in ("sig", "hash")})


def now() -> datetime:
    """Current time with the local UTC offset, whole seconds (``$POLICYDOCS_NOW`` overrides; see clock.py)."""
    return clock.now()


def _parse_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime(1970, 1, 1, tzinfo=timezone.utc)


def describe(rec: dict) -> str:
    """``record #7 (approve HR-ATT-001 审核 by 李娜)`` — how every message names a record."""
    seq = rec.get("seq", "?")
    p = rec.get("payload") if isinstance(rec.get("payload"), dict) else {}
    t = rec.get("type", "?")
    if t == "key":
        what = f"key {p.get('person', '?')}" + (" rotation" if "replaces" in p else "")
    elif t == "approve":
        what = f"approve {p.get('policy', '?')} {p.get('role', '?')} by {p.get('person', '?')}"
    elif t == "release":
        what = f"release {p.get('policy', '?')} {p.get('version', '?')}"
    elif t == "publish":
        files = p.get("files") if isinstance(p.get("files"), list) else []
        pols = sorted({f"{f.get('policy', '?')} {f.get('version', '?')}" for f in files if isinstance(f, dict)})
        what = "publish " + (", ".join(pols[:3]) + (f" +{len(pols) - 3}" if len(pols) > 3 else "") if pols else "?")
    elif t == "issue":
        what = f"issue {p.get('form', '?')} {p.get('subject', '?')} {p.get('version', '?')}"
    elif t == "review":
        what = f"review {p.get('policy', '?')} {p.get('version', '?')} by {p.get('person', '?')}"
    elif t == "acks-seal":
        what = f"acks-seal {p.get('day', '?')}, {p.get('count', '?')} acknowledgements"
    else:
        what = str(t)
    return f"record #{seq} ({what})"


class _Who:
    """``describe(rec)`` computed only when a message is actually formatted."""

    __slots__ = ("rec",)

    def __init__(self, rec: dict):
        self.rec = rec

    def __str__(self) -> str:
        return describe(self.rec)

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731


class _WhoAt(_Who):
    __slots__ = ("line",)

    def __init__(self, rec: dict, line: int):
        super().__init__(rec)
        self.line = line

    def __str__(self) -> str:
        return f"{describe(self.rec)} at line {self.line}"


# --------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def dir(self) -> Path:
        return self.root / "ledger"

    @property
    def records(self) -> Path:
        return self.dir / "records.jsonl"

    @property
    def snapshots(self) -> Path:
        return self.dir / "snapshots"

    @property
    def head(self) -> Path:
        return self.dir / "HEAD"

    @property
    def repair(self) -> Path:
        return self.dir / "repair"

    @property
    def lock(self) -> Path:
        return self.dir / ".lock"

    def snapshot(self, h: str) -> Path:
        return self.snapshots / f"{h}.md"

    def pending_snapshot(self, h: str) -> Path:
        """Where a release stages its frozen text until the release record is durable."""
        return self.snapshots / f".pending-{h}.md"

    def rel(self, p: Path) -> str:
        try:
            return str(p.relative_to(self.root))
        except ValueError:
            return str(p)


@dataclass
class Entry:
    line: int  # 1-based line in records.jsonl
    rec: dict
    raw: bytes


@dataclass
class TornTail:
    line: int
    offset: int  # byte offset where the incomplete line starts
    data: bytes
    after_seq: int | None

    def guess_policy(self) -> str | None:
        m = re.search(rb'"policy":"([A-Za-z0-9-]+)"', self.data)
        return m.group(1).decode() if m else None


@dataclass
class LedgerFile:
    entries: list[Entry]
    bad_lines: list[tuple[int, str]]  # complete lines that are not records
    torn: TornTail | None
    size: int


def read_ledger(root: Path) -> LedgerFile:
    """Parse records.jsonl; never raises on damage (that is verify's job)."""
    path = Paths(Path(root)).records
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LedgerFile([], [], None, 0)
    entries: list[Entry] = []
    bad: list[tuple[int, str]] = []
    torn = None
    pos = 0
    lineno = 0
    n = len(data)
    while pos < n:
        lineno += 1
        end = data.find(b"\n", pos)
        if end < 0:
            last = entries[-1].rec.get("seq") if entries else None
            torn = TornTail(lineno, pos, data[pos:], last if isinstance(last, int) else None)
            break
        raw = data[pos:end]
        pos = end + 1
        try:
            rec = json.loads(raw)
            if not isinstance(rec, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            bad.append((lineno, f"not a valid record ({exc})"))
            continue
        entries.append(Entry(lineno, rec, raw))
    return LedgerFile(entries, bad, torn, n)


def read_head(root: Path) -> tuple[int, str] | None:
    p = Paths(Path(root)).head
    try:
        seq, h = p.read_text(encoding="utf-8").split(maxsplit=2)[:2]
        return int(seq), h
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        return (-1, "")


class Ledger:
    """Writer side. Use ``with ledger.locked():`` around read-validate-append."""

    def __init__(self, root: str | Path):
        self.paths = Paths(Path(root).resolve())
        self._locked = False

    @contextmanager
    def locked(self) -> Iterator["Ledger"]:
        """Exclusive lock on ``ledger/.lock`` (filelock: flock on POSIX, msvcrt on Windows)."""
        self.paths.dir.mkdir(parents=True, exist_ok=True)
        with FileLock(self.paths.lock, mode=0o644):
            self._locked = True
            try:
                yield self
            finally:
                self._locked = False

    def append(self, rtype: str, payload: dict, *, last: tuple[int, str],
               signer: str | None = None, key=None, when: datetime | None = None) -> dict:
        """Append one record after ``last`` = (seq, hash). Caller holds the lock.

        One ``write`` of the whole line on an O_APPEND descriptor, then fsync;
        HEAD is updated (temp file + rename) only after the line is durable.
        """
        assert self._locked, "append() needs the ledger lock"
        seq, prev = last
        rec = {"v": FORMAT_VERSION, "seq": seq + 1, "prev": prev, "type": rtype,
               "time": (when or now()).isoformat(), "payload": payload}
        signature = None
        if signer is not None:
            rec["signer"] = signer
            signature = keymod.sign(key, signed_bytes(rec))
        return self._write_record(rec, signature)

    def _write_record(self, rec: dict, signature: str | None) -> dict:
        if signature is not None:
            rec["sig"] = signature
        rec["hash"] = record_hash(rec)
        line = canonical_json(rec) + b"\n"
        fault = os.environ.get(FAULT_ENV, "")
        fd = os.open(self.paths.records, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if fault == "torn-append":  # simulate power loss in the middle of the write
                os.write(fd, line[: len(line) // 2])
                os.fsync(fd)
                os._exit(75)
            written = os.write(fd, line)
            if written != len(line):  # pragma: no cover - regular files write fully
                raise OSError(f"short write to {self.paths.records}")
            if FSYNC:
                os.fsync(fd)
        finally:
            os.close(fd)
        if fault == "after-append":  # crash after the record, before HEAD
            os._exit(75)
        # HEAD is a tripwire, not the record of truth: renamed into place but not fsynced
        # (a HEAD lost in a crash is reported by verify and rewritten by `ledger repair`).
        atomic_write_bytes(self.paths.head, f"{rec['seq']} {rec['hash']} {describe(rec)}\n".encode("utf-8"),
                           mode=0o644)
        return rec

    def append_org_signed(self, rtype: str, payload: dict, *, last: tuple[int, str], key: orgsig.OrgKey,
                          when: datetime | None = None) -> dict:
        """Append a record signed with the organisation's document-signing certificate."""
        assert self._locked, "append() needs the ledger lock"
        payload = {**payload, **orgsig.payload_fields(key)}
        rec = {"v": FORMAT_VERSION, "seq": last[0] + 1, "prev": last[1], "type": rtype,
               "time": (when or now()).isoformat(), "payload": payload, "signer": ORG_SIGNER}
        signature = orgsig.sign(key, signed_bytes(rec))
        return self._write_record(rec, signature)

    def write_snapshot(self, text: str) -> str:
        """Write a frozen text under its final name (fixtures; releases use stage/commit)."""
        data = text.encode("utf-8")
        h = sha256_hex(data)
        path = self.paths.snapshot(h)
        if path.exists() and path.read_bytes() == data:
            return h
        atomic_write_bytes(path, data, mode=0o444, fsync=FSYNC)
        return h

    def stage_snapshot(self, text: str) -> str:
        """Write a release's frozen text as ``.pending-<sha256>.md``; :meth:`commit_snapshot`
        gives it its final name once the release record is durable. A final-named snapshot
        without a release record therefore means a record was removed, never a crash."""
        data = text.encode("utf-8")
        h = sha256_hex(data)
        final = self.paths.snapshot(h)
        if final.exists() and final.read_bytes() == data:
            return h
        atomic_write_bytes(self.paths.pending_snapshot(h), data, mode=0o444, fsync=FSYNC)
        return h

    def commit_snapshot(self, h: str) -> None:
        pending = self.paths.pending_snapshot(h)
        if pending.exists():
            os.replace(pending, self.paths.snapshot(h))
            if FSYNC:
                _fsync_dir(self.paths.snapshots)


# --------------------------------------------------------------------------
# replaying the ledger into state
# --------------------------------------------------------------------------


@dataclass
class ApprovalEntry:
    """One signed approval: role, person, time, and the record that holds it."""

    role: str
    person: str
    time: datetime
    seq: int
    hash: str
    content_hash: str = ""
    comment: str = ""

    @property
    def date(self) -> date:
        return self.time.date()


@dataclass
class ReleaseRecord:
    """One released version of a policy, as history, the portal and the build see it."""

    policy_id: str
    version: str
    seq: int
    record_hash: str
    time: datetime
    effective_date: date | None
    summary: str
    content_hash: str
    snapshot: str  # sha256 of the frozen source bytes (ledger/snapshots/<snapshot>.md)
    approvals: list[ApprovalEntry] = field(default_factory=list)  # in role order
    roles: list[str] = field(default_factory=list)
    major: bool = False
    retroactive_reason: str = ""  # why the effective date lies before the release (``--retroactive``)
    signer: str = ""  # who signed the release record (``release --as``), if anyone

    @property
    def date(self) -> date:
        return self.time.date()

    @property
    def retroactive(self) -> bool:
        """Effective before it was released (allowed only with a recorded reason since format 1.1)."""
        return self.effective_date is not None and self.effective_date < self.date

    @property
    def retroactive_note(self) -> str:
        """``retroactive (effective 2025-01-01, released 2025-03-02): reason`` or ''."""
        if not self.retroactive:
            return ""
        reason = self.retroactive_reason or "no reason recorded"
        return f"retroactive (effective {self.effective_date}, released {self.date}): {reason}"

    @property
    def head(self) -> LedgerHead:
        return LedgerHead(self.seq, self.record_hash)

    @property
    def by_role(self) -> dict[str, ApprovalEntry]:
        return {a.role: a for a in self.approvals}

    def to_json(self) -> dict:
        return {
            "policy": self.policy_id, "version": self.version, "record": self.seq, "record_hash": self.record_hash,
            "date": self.date.isoformat(), "time": self.time.isoformat(),
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
            "summary": self.summary, "content_hash": self.content_hash, "snapshot": self.snapshot,
            "approvals": [{"role": a.role, "person": a.person, "time": a.time.isoformat(), "record": a.seq}
                          for a in self.approvals],
            "retroactive": self.retroactive, "retroactive_reason": self.retroactive_reason or None,
        }


@dataclass
class Registered:
    name: str
    roles: list[str]
    public_key: str
    fingerprint: str
    seq: int
    pub: object = None


@dataclass
class PolicyState:
    releases: list[ReleaseRecord] = field(default_factory=list)
    pending: list[ApprovalEntry] = field(default_factory=list)  # valid approvals since the last release

    @property
    def last(self) -> ReleaseRecord | None:
        return self.releases[-1] if self.releases else None


@dataclass
class State:
    people: dict[str, Registered] = field(default_factory=dict)
    policies: dict[str, PolicyState] = field(default_factory=dict)
    last: tuple[int, str] = (0, GENESIS)
    by_seq: dict[int, dict] = field(default_factory=dict)
    signed_by: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # person → [(seq, policy)]
    problems: list[str] = field(default_factory=list)
    count: int = 0
    published: list[PublishedFile] = field(default_factory=list)  # in record order
    issued: list[IssuedForm] = field(default_factory=list)
    reviews: dict[str, list[Review]] = field(default_factory=dict)  # policy → reviews, oldest first
    org_signed: list[int] = field(default_factory=list)  # entry indices signed by the organisation
    repairs: list[dict] = field(default_factory=list)  # repair records, for auditors
    acks_seals: dict[str, list[dict]] = field(default_factory=dict)  # database id → seal payloads in order

    @property
    def releases_by_seq(self) -> dict[int, ReleaseRecord]:
        return {r.seq: r for ps in self.policies.values() for r in ps.releases}

    def policy(self, pid: str) -> PolicyState:
        return self.policies.setdefault(pid, PolicyState())


def _date_or_none(v) -> date | None:
    if not v:
        return None
    try:
        return date.fromisoformat(v)
    except (TypeError, ValueError):
        return None


def _sig_worker(tasks: list[tuple[int, bytes | dict, str]]) -> list[int]:
    """Indices whose signature verifies (runs in a worker process for big ledgers)."""
    ok = []
    pubs: dict[str, object] = {}
    for idx, raw, pub_text in tasks:
        try:
            rec = json.loads(raw) if isinstance(raw, bytes) else raw
            pub = pubs.get(pub_text)
            if pub is None:
                pub = pubs[pub_text] = keymod.parse_public_key(pub_text)
            if keymod.verify_signature(pub, rec.get("sig", ""), signed_bytes(rec)):
                ok.append(idx)
        except (ValueError, TypeError, AttributeError):
            continue
    return ok


PARALLEL_SIGNATURES_FROM = 3000  # records; below this one process is faster than starting workers


def verify_signatures(entries: list[Entry]) -> set[tuple[int, str]]:
    """Check every signature against the key its signer most plausibly has, in parallel when
    the ledger is big.  Returns {(entry index, public key)} that verify; ``replay`` checks
    the key it actually resolves against this set and falls back to a direct check."""
    registry: dict[str, str] = {}
    tasks: list[tuple[int, bytes, str]] = []
    for i, e in enumerate(entries):
        rec = e.rec
        p = rec.get("payload") if isinstance(rec.get("payload"), dict) else {}
        signer = rec.get("signer")
        if not isinstance(signer, str) or "sig" not in rec:
            continue
        if rec.get("type") == "key" and isinstance(p.get("public_key"), str):
            if "replaces" in p:  # rotation: signed by the key it replaces
                if signer in registry:
                    tasks.append((i, e.raw, registry[signer]))
                registry[p.get("person")] = p["public_key"]
            else:
                registry.setdefault(p.get("person"), p["public_key"])
                tasks.append((i, e.raw, p["public_key"]))
        elif signer in registry:
            tasks.append((i, e.raw, registry[signer]))
    ok: list[int] = []
    workers = min(os.cpu_count() or 1, 8)
    if len(tasks) >= PARALLEL_SIGNATURES_FROM and workers > 1:
        size = -(-len(tasks) // (workers * 4))
        chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
        pool = local_executor(workers, preload=(__name__,))  # the one local pool (core/workers.py)
        try:
            for _chunk, part in pool.run(_sig_worker, chunks):
                ok += part
        finally:
            pool.close()
    else:  # in-process: hand over the parsed records instead of re-parsing the lines
        ok = _sig_worker([(i, entries[i].rec, pub) for i, _raw, pub in tasks])
    okset = set(ok)
    return {(t[0], t[2]) for t in tasks if t[0] in okset}


def replay(entries: list[Entry], roles: list[str], scheme: str, *, check_signatures: bool = True,
           signature_results: set[tuple[int, str]] | None = None) -> State:
    """Apply the records in file order; every rule violation becomes a problem naming the record."""
    st = State()
    seen_hashes: set[str] = set()

    def sig_ok(index: int, pub_text: str, pub, rec: dict) -> bool:
        if signature_results is not None and (index, pub_text) in signature_results:
            return True
        return keymod.verify_signature(pub, rec.get("sig", ""), signed_bytes(rec))

    for index, e in enumerate(entries):
        rec = e.rec
        h = rec.get("hash")
        if h in seen_hashes:
            continue  # duplicated line: reported by the chain check
        seen_hashes.add(h)
        seq = rec.get("seq")
        if isinstance(seq, int):
            st.by_seq.setdefault(seq, rec)
            st.last = (seq, h)
        st.count += 1
        probs: list[str] = []
        rtype = rec.get("type")
        p = rec.get("payload")
        if not isinstance(p, dict) or rtype not in RECORD_TYPES:
            st.problems.append(f"{describe(rec)}: unknown record type or missing payload")
            continue
        who = _Who(rec)
        signer = rec.get("signer")
        # --- signature -----------------------------------------------------
        if rtype == "key":
            try:
                pub = keymod.parse_public_key(p.get("public_key"))
            except (ValueError, TypeError) as exc:
                st.problems.append(f"{who}: malformed public key ({exc})")
                continue
            prior = st.people.get(p.get("person"))
            if "replaces" in p:  # key rotation, signed by the current key, proven by the new one
                if prior is None:
                    probs.append(f"{who}: replaces a key of {p.get('person')}, who is not registered")
                else:
                    if p.get("replaces") != prior.fingerprint:
                        probs.append(f"{who}: replaces key {keymod.short_fp(str(p.get('replaces')))} but the current "
                                     f"key of {prior.name} is {keymod.short_fp(prior.fingerprint)} (record #{prior.seq})")
                    if check_signatures and not sig_ok(index, prior.public_key, prior.pub, rec):
                        probs.append(f"{who}: not signed by {prior.name}'s current key (record #{prior.seq})")
                    if sorted(p.get("roles") or []) != sorted(prior.roles):
                        probs.append(f"{who}: a key rotation cannot change roles ({', '.join(prior.roles)})")
                if check_signatures and not keymod.verify_signature(pub, p.get("proof", ""), rotation_proof_bytes(p)):
                    probs.append(f"{who}: the new key's proof of possession does not verify")
            elif check_signatures and not sig_ok(index, p["public_key"], pub, rec):
                probs.append(f"{who}: self-signature does not verify (record altered or not made with this key)")
        elif signer == ORG_SIGNER and rtype in ("publish", "issue"):
            st.org_signed.append(index)  # checked against the trust root by verify_ledger
        elif signer is not None or rtype in ("approve", "review"):
            reg = st.people.get(signer) if isinstance(signer, str) else None
            if reg is None:
                probs.append(f"{who}: signed by {signer!r}, who has no key registered in the ledger "
                             f"before this record (unregistered key)")
            elif check_signatures and not sig_ok(index, reg.public_key, reg.pub, rec):
                probs.append(f"{who}: signature does not verify with {signer}'s registered key "
                             f"{keymod.short_fp(reg.fingerprint)} (record #{reg.seq}) — altered, or signed with another key")
            if isinstance(signer, str):
                st.signed_by.setdefault(signer, []).append((seq, p.get("policy", "")))
        # --- semantics -----------------------------------------------------
        if rtype == "key":
            person = p.get("person")
            if signer != person:
                probs.append(f"{who}: signer {signer!r} differs from the person registered")
            if person in st.people and "replaces" not in p:
                probs.append(f"{who}: {person} was already registered in record #{st.people[person].seq}; "
                             f"a second key for the same person is accepted only as a rotation signed by the current key")
            elif not probs:
                st.people[person] = Registered(person, list(p.get("roles") or []), p["public_key"],
                                               keymod.fingerprint(p["public_key"]), seq, pub)
        elif rtype == "approve":
            probs += _check_approval(st, rec, roles, who)
            if not probs:
                st.policy(p["policy"]).pending.append(ApprovalEntry(
                    p["role"], p["person"], _parse_time(rec.get("time")), seq, h, p["content_hash"], p.get("comment", "")))
        elif rtype == "release":
            rel, rprobs = _check_release(st, rec, roles, scheme, who)
            probs += rprobs
            ps = st.policy(str(p.get("policy")))
            ps.releases.append(rel)
            ps.pending = []
        elif rtype == "publish":
            probs += _apply_publish(st, rec, who)
        elif rtype == "issue":
            probs += _apply_issue(st, rec, who)
        elif rtype == "review":
            probs += _apply_review(st, rec, who)
        elif rtype == "repair":
            st.repairs.append(rec)
        elif rtype == "acks-seal":
            probs += _check_acks_seal(st, p, who)
        st.problems.extend(probs)
    return st


def _release_ref(st: State, ref: object, pid: str, version: str | None, who) -> tuple[ReleaseRecord | None, str]:
    """The release record ``ref`` = {"seq", "hash"} names, checked to be ``pid`` (``version``)."""
    if not isinstance(ref, dict):
        return None, f"{who}: names no release record for {pid}"
    src = st.by_seq.get(ref.get("seq"))
    if src is None or src.get("hash") != ref.get("hash") or src.get("type") != "release":
        return None, (f"{who}: refers to release record #{ref.get('seq')} of {pid} {version or ''}".rstrip()
                      + ", which is not in the ledger (deleted or altered)")
    rel = next((r for r in st.policy(pid).releases if r.seq == src.get("seq")), None)
    if rel is None or (version is not None and rel.version != version):
        return None, f"{who}: release record #{ref.get('seq')} is not {pid} {version or ''}".rstrip()
    return rel, ""


def _apply_publish(st: State, rec: dict, who) -> list[str]:
    p = rec["payload"]
    probs: list[str] = []
    files = p.get("files")
    if not isinstance(files, list) or not files:
        return [f"{who}: lists no files"]
    if rec.get("signer") != ORG_SIGNER or "sig" not in rec:
        probs.append(f"{who}: not signed by the organisation's document-signing certificate")
    by_path = {f.path: f for f in st.published}
    by_ident: dict[tuple, list[PublishedFile]] = {}
    for x in st.published:
        by_ident.setdefault(x.ident, []).append(x)
    reason = str(p.get("reissue") or "")
    for i, f in enumerate(files):
        if not isinstance(f, dict):
            probs.append(f"{who}: file #{i + 1} is not an object")
            continue
        kind, pid, ver, loc, fmt = (str(f.get(k) or "") for k in ("kind", "policy", "version", "locale", "format"))
        path, sha, size = safe_relative_path(f.get("path")), f.get("sha256"), f.get("size")
        label = f"{pid} {ver} {loc} {fmt}"
        if path is None or not (isinstance(sha, str) and len(sha) == 64) or not isinstance(size, int):
            probs.append(f"{who}: {label}: path, sha256 or size missing or unsafe")
            continue
        release = None
        if kind == "policy":
            rel, problem = _release_ref(st, f.get("release"), pid, ver, who)
            if problem:
                probs.append(f"{problem} (published file {path})")
            release = rel.seq if rel else None
        earlier = by_path.get(path)
        if earlier is not None:
            what = "again" if earlier.sha256 == sha else "with different content"
            probs.append(f"{who}: publishes {path} {what}; it was published in record #{earlier.record} "
                         f"— a published file is never replaced")
            continue
        replaces = str(f.get("replaces") or "")
        same = by_ident.get((kind, pid, ver, loc, fmt), [])
        if same and not (reason and replaces in {x.sha256 for x in same}):
            probs.append(f"{who}: a second file for {label} ({path}) without a recorded re-issue "
                         f"(first: {same[0].path}, record #{same[0].record})")
        pf = PublishedFile(kind, pid, ver, loc, fmt, path, sha, size, rec.get("seq"), rec.get("hash"),
                           _parse_time(rec.get("time")), release, reason if replaces else "", replaces,
                           rec.get("signer") == ORG_SIGNER)
        st.published.append(pf)
        by_path[path] = pf
        by_ident.setdefault(pf.ident, []).append(pf)
    return probs


def _apply_issue(st: State, rec: dict, who) -> list[str]:
    p = rec["payload"]
    files = []
    for f in p.get("files") or []:
        if isinstance(f, dict) and isinstance(f.get("sha256"), str):
            files.append(IssuedFile(str(f.get("path")), f["sha256"], int(f.get("size") or 0), str(f.get("format"))))
    if not files:
        return [f"{who}: lists no files"]
    st.issued.append(IssuedForm(
        str(p.get("form")), str(p.get("subject_kind") or "policy"), str(p.get("subject")), str(p.get("version")),
        str(p.get("locale") or ""), _date_or_none(p.get("date")), str(p.get("roster_sha256") or ""),
        int(p.get("names") or 0), str(p.get("employee") or ""), tuple(files), rec.get("seq"),
        _parse_time(rec.get("time")), rec.get("signer") == ORG_SIGNER))
    return []


def _apply_review(st: State, rec: dict, who) -> list[str]:
    p = rec["payload"]
    pid, person = str(p.get("policy")), p.get("person")
    probs = []
    if rec.get("signer") != person:
        probs.append(f"{who}: signed by {rec.get('signer')!r} on behalf of {person}")
    rel, problem = _release_ref(st, p.get("release"), pid, p.get("version"), who)
    if problem:
        probs.append(problem)
    if not probs and rel is not None:
        st.reviews.setdefault(pid, []).append(Review(pid, rel.version, rel.seq, str(person), str(p.get("note") or ""),
                                                     rec.get("seq"), _parse_time(rec.get("time"))))
    return probs


def _check_approval(st: State, rec: dict, roles: list[str], who: str) -> list[str]:
    p = rec["payload"]
    probs = []
    pid, role, person, ch = p.get("policy"), p.get("role"), p.get("person"), p.get("content_hash")
    if not all(isinstance(x, str) for x in (pid, role, person, ch)):
        return [f"{who}: approval lacks policy, role, person or content_hash"]
    if rec.get("signer") != person:
        probs.append(f"{who}: signed by {rec.get('signer')!r} on behalf of {person}")
    if role not in roles:
        probs.append(f"{who}: role {role} is not one of the configured roles ({', '.join(roles)})")
    reg = st.people.get(person)
    if reg is not None and role not in reg.roles:
        probs.append(f"{who}: {person} does not hold the role {role} (registered roles: {', '.join(reg.roles) or 'none'})")
    ps = st.policy(pid)
    base = ps.last.record_hash if ps.last else None
    if p.get("base") != base:
        probs.append(f"{who}: approval is based on {p.get('base_version') or 'no release'} but the last release "
                     f"of {pid} before it is {ps.last.version if ps.last else 'none'}")
    if role in roles:
        same = [a for a in ps.pending if a.content_hash == ch]
        for earlier in roles[: roles.index(role)]:
            if not any(a.role == earlier for a in same):
                probs.append(f"{who}: out of order — no {earlier} approval of the same text "
                             f"(sha256 {ch[:12]}) before this {role} approval")
                break
        other = [a for a in same if a.person == person and a.role != role]
        if other:
            probs.append(f"{who}: {person} already approved the same text as {other[0].role} "
                         f"(record #{other[0].seq}); one person cannot hold two roles in one release")
    return probs


def _check_acks_seal(st: State, p: dict, who) -> list[str]:
    """An acknowledgement day seal: well-formed, and chained to the previous seal of the same database."""
    ok = (isinstance(p.get("database"), str) and isinstance(p.get("day"), str) and isinstance(p.get("count"), int)
          and all(isinstance(p.get(k), str) and re.fullmatch(r"[0-9a-f]{64}", p[k]) for k in ("head", "prev")))
    if not ok:
        return [f"{who}: acks-seal lacks database, day, count, head or prev"]
    seals = st.acks_seals.setdefault(p["database"], [])
    last = seals[-1] if seals else None
    probs = []
    if last is not None and p["day"] <= last["day"]:
        probs.append(f"{who}: seals {p['day']}, not after the previous seal of this database ({last['day']})")
    if p["prev"] != (last["head"] if last else GENESIS):
        probs.append(f"{who}: does not chain to the previous acknowledgement seal of this database")
    seals.append(p)
    return probs


def append_acks_seal(project_root: str | Path, config, payload: dict) -> dict:
    """Append an ``acks-seal`` record (the head of one day's acknowledgement chain)."""
    root = Path(project_root).resolve()
    led = Ledger(root)
    with led.locked():
        st = _writable_state(led, _config(root, config))
        probs = _check_acks_seal(st, payload, "acks-seal")
        if probs:
            raise LedgerError(led.paths.records, 0, "; ".join(probs))
        return led.append("acks-seal", payload, last=st.last)


def _check_release(st: State, rec: dict, roles: list[str], scheme: str, who: str) -> tuple[ReleaseRecord, list[str]]:
    p = rec["payload"]
    pid = str(p.get("policy"))
    ps = st.policy(pid)
    probs = []
    approvals_out: list[ApprovalEntry] = []
    listed = p.get("approvals") if isinstance(p.get("approvals"), list) else []
    for a in listed:
        src = st.by_seq.get(a.get("seq")) if isinstance(a, dict) else None
        if src is None or src.get("hash") != a.get("hash"):
            probs.append(f"{who}: refers to approval record #{a.get('seq') if isinstance(a, dict) else '?'} "
                         f"which is not in the ledger (deleted or altered)")
            continue
        sp = src.get("payload") or {}
        approvals_out.append(ApprovalEntry(sp.get("role", "?"), sp.get("person", "?"), _parse_time(src.get("time")),
                                           src.get("seq"), src.get("hash"), sp.get("content_hash", ""),
                                           sp.get("comment", "")))
    rel = ReleaseRecord(pid, str(p.get("version")), rec.get("seq"), rec.get("hash"), _parse_time(rec.get("time")),
                        _date_or_none(p.get("effective_date")), str(p.get("summary") or ""),
                        str(p.get("content_hash")), str(p.get("snapshot")), approvals_out,
                        list(p.get("roles") or []), bool(p.get("major")), str(p.get("retroactive") or ""),
                        str(rec.get("signer") or ""))
    # version sequence
    prev = ps.last
    if p.get("base") != (prev.record_hash if prev else None):
        probs.append(f"{who}: does not follow the previous release of {pid} "
                     f"({prev.version + ' record #' + str(prev.seq) if prev else 'none'})")
    try:
        expected = next_version(prev.version if prev else None, scheme, major=bool(p.get("major")))
        if rel.version != expected:
            probs.append(f"{who}: version {rel.version} but the next version after "
                         f"{prev.version if prev else '(first release)'} is {expected}")
    except VersionError as exc:
        probs.append(f"{who}: {exc}")
    if rel.roles != list(roles):
        probs.append(f"{who}: released under roles {'→'.join(rel.roles)} but the project requires {'→'.join(roles)}")
    # the approvals themselves: every configured role, in order, distinct people, same text, valid
    valid = {a.hash for a in ps.pending}
    by_role = {a.role: a for a in approvals_out}
    missing = [r for r in roles if r not in by_role]
    if missing:
        probs.append(f"{who}: released without {', '.join(missing)} approval")
    for a in approvals_out:
        if a.content_hash != rel.content_hash:
            probs.append(f"{who}: {a.role} approval (record #{a.seq}) is for another text "
                         f"(sha256 {a.content_hash[:12]}, released {rel.content_hash[:12]})")
        elif a.hash not in valid:
            src = st.by_seq.get(a.seq) or {}
            if (src.get("payload") or {}).get("policy") != pid:
                probs.append(f"{who}: {a.role} approval record #{a.seq} is for another policy")
            else:
                probs.append(f"{who}: {a.role} approval record #{a.seq} by {a.person} is not a valid approval "
                             f"of {pid} since its last release")
    seqs = [a.seq for a in approvals_out if a.role in roles]
    order = [a.role for a in sorted((a for a in approvals_out if a.role in roles), key=lambda a: a.seq)]
    if order != [r for r in roles if r in by_role] or seqs != sorted(seqs):
        probs.append(f"{who}: approvals out of order: signed {'→'.join(order)}, required {'→'.join(roles)}")
    people = [a.person for a in approvals_out]
    dupes = sorted({x for x in people if people.count(x) > 1})
    if dupes:
        probs.append(f"{who}: {', '.join(dupes)} signed in more than one role; roles need distinct people")
    return rel, probs


# --------------------------------------------------------------------------
# cached reads for the build (version_info is called per policy and locale)
# --------------------------------------------------------------------------

_cache: dict[tuple, State] = {}


def _config(project_root: Path, config) -> Config:
    return config if config is not None else load_config(project_root)


def load_state(project_root: str | Path, config=None) -> State:
    """Replay without signature checks (fast; ``verify_ledger`` does the full check), cached."""
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    path = Paths(root).records
    try:
        stt = path.stat()
        key = (str(path), stt.st_mtime_ns, stt.st_size, tuple(cfg.versions.roles), cfg.versions.scheme)
    except FileNotFoundError:
        return State()
    if key not in _cache:
        _cache.clear()
        _cache[key] = replay(read_ledger(root).entries, cfg.versions.roles, cfg.versions.scheme,
                             check_signatures=False)
    return _cache[key]


def released_versions(project_root: str | Path, policy_id: str, config=None) -> list[ReleaseRecord]:
    """Every release of ``policy_id``, oldest first."""
    return list(load_state(project_root, config).policies.get(policy_id, PolicyState()).releases)


def snapshot_text(project_root: str | Path, snapshot_hash: str) -> str:
    """The frozen source of a release; raises LedgerError if missing or altered."""
    paths = Paths(Path(project_root))
    if not re.fullmatch(r"[0-9a-f]{64}", snapshot_hash or ""):
        raise LedgerError(paths.snapshots, 0, f"invalid snapshot hash {snapshot_hash!r}")
    path = paths.snapshots / f"{snapshot_hash}.md"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LedgerError(path, 0, "snapshot missing from the ledger") from None
    if sha256_hex(data) != snapshot_hash:
        raise LedgerError(path, 0, "snapshot content does not match its hash (altered)")
    return data.decode("utf-8")


def find_release(project_root: str | Path, policy_id: str, version: str, config=None) -> ReleaseRecord:
    for r in released_versions(project_root, policy_id, config):
        if r.version == version:
            return r
    known = ", ".join(r.version for r in released_versions(project_root, policy_id, config)) or "none"
    raise LedgerError(Paths(Path(project_root)).records, 0, f"{policy_id} has no version {version} (released: {known})")


def revisions_of(releases: list[ReleaseRecord]) -> list[model.Revision]:
    """Rows of the revision history (修订章节 is left empty: ``products.history``
    fills it from a comparison of the frozen texts)."""
    return [model.Revision(version=r.version, date=r.date, summary=r.summary,
                           approvals={a.role: a.person for a in r.approvals})
            for r in releases]


def version_info(project_root: str | Path, config, policy_id: str, source_text: str, *,
                 fallback_effective: date | None = None) -> model.VersionInfo:
    """What to print on the document for this working text.

    Released and unchanged (the text hashes like the *latest* release) → that
    version with its approvals and effective date.  Anything else (never
    released, edited since, or reverted to an older release's text) → a draft
    (版本 草稿) with the releases so far as revision history.
    """
    ch = content_hash(source_text)
    releases = released_versions(project_root, policy_id, config)
    last = releases[-1] if releases else None
    if last is not None and last.content_hash == ch:
        return model.VersionInfo(
            version=last.version, is_draft=False,
            effective_date=last.effective_date or fallback_effective,
            approvals=[model.Approval(a.role, a.person, a.date) for a in last.approvals],
            revisions=revisions_of(releases), content_hash=ch)
    return model.VersionInfo(version="草稿", is_draft=True, effective_date=fallback_effective,
                             approvals=[], revisions=revisions_of(releases), content_hash=ch)


def release_info(project_root: str | Path, config, policy_id: str, version: str) -> model.VersionInfo:
    """What to print on a released version, as published: its own approvals and effective
    date, and the revision history up to and including it (later releases not yet made)."""
    releases = released_versions(project_root, policy_id, config)
    upto = next((i for i, r in enumerate(releases) if r.version == version), None)
    if upto is None:
        known = ", ".join(r.version for r in releases) or "none"
        raise LedgerError(Paths(Path(project_root)).records, 0,
                          f"{policy_id} has no version {version} (released: {known})")
    rel = releases[upto]
    return model.VersionInfo(version=rel.version, is_draft=False, effective_date=rel.effective_date,
                             approvals=[model.Approval(a.role, a.person, a.date) for a in rel.approvals],
                             revisions=revisions_of(releases[:upto + 1]), content_hash=rel.content_hash)


# --------------------------------------------------------------------------
# front matter: the project's own reader (read/frontmatter.py), leniently
# --------------------------------------------------------------------------


def read_meta(text: str, path: str | Path = "<text>") -> model.PolicyMeta | None:
    """Front matter of a source or frozen text through the real reader (YAML lists, dates …).

    Lenient: a frozen text stays readable when a later version of policydocs
    validates front matter more strictly; ``None`` when there is no front
    matter or its YAML does not parse.
    """
    try:
        yaml_text, _body, _line = split_front_matter(text.lstrip("\ufeff").replace("\r\n", "\n"), Path(path))
        return parse_front_matter(yaml_text, Path(path), strict=False)
    except PolicyError:
        return None


def front_matter(text: str) -> dict[str, str]:
    """The front matter's scalar fields as strings (``id``, ``title``, ``status``, ``effective_date`` …).

    Kept for callers that only need a field or two; lists such as
    ``supersedes`` are in :func:`read_meta`'s ``PolicyMeta``.
    """
    meta = read_meta(text)
    if meta is None:
        return {}
    out = {"id": meta.id, "title": meta.title, "department": meta.department, "category": meta.category,
           "status": meta.status, "applies_to": meta.applies_to, "lang": meta.lang,
           "review_cycle_months": str(meta.review_cycle_months)}
    if meta.effective_date:
        out["effective_date"] = meta.effective_date.isoformat()
    if meta.superseded_by:
        out["superseded_by"] = meta.superseded_by
    return {k: v for k, v in out.items() if v}


def _policy_id_of(text: str, fallback: str) -> str:
    meta = read_meta(text)
    return meta.id if meta is not None and meta.id and ID_PATTERN.match(meta.id) else fallback


def working_texts(project_root: str | Path) -> dict[str, str]:
    """policy id → source text of every policies/*.md (id from the front matter, else the file stem)."""
    out = {}
    pdir = Path(project_root) / "policies"
    for path in sorted(pdir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        out[_policy_id_of(text, path.stem)] = text
    return out


_POLICY_ID = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")


def check_policy_id(policy_id: str) -> str:
    if not isinstance(policy_id, str) or not _POLICY_ID.match(policy_id):
        raise LedgerError("POLICY-ID", 0, f"invalid policy id {policy_id!r}: letters, digits and dashes only")
    return policy_id


def find_source(project_root: str | Path, policy_id: str) -> Path:
    check_policy_id(policy_id)
    pdir = Path(project_root) / "policies"
    direct = pdir / f"{policy_id}.md"
    if direct.exists() and _policy_id_of(direct.read_text(encoding="utf-8"), policy_id) == policy_id:
        return direct
    for path in sorted(pdir.glob("*.md")):
        if _policy_id_of(path.read_text(encoding="utf-8"), "") == policy_id:
            return path
    raise LedgerError(pdir, 0, f"no policy with id {policy_id} in policies/")


# --------------------------------------------------------------------------
# operations: register, approve, release, repair
# --------------------------------------------------------------------------


def _writable_state(led: Ledger, cfg: Config) -> State:
    """State for a writer (lock held); refuses to append after damage that needs `ledger repair`."""
    lf = read_ledger(led.paths.root)
    if lf.torn is not None:
        raise LedgerError(led.paths.records, lf.torn.line,
                          f"the last record is incomplete (an append was interrupted after record "
                          f"#{lf.torn.after_seq}); run `policydocs ledger repair` first")
    st = replay(lf.entries, cfg.versions.roles, cfg.versions.scheme, check_signatures=False)
    if lf.entries:
        last = lf.entries[-1].rec
        st.last = (last.get("seq"), last.get("hash"))
        if not isinstance(st.last[0], int) or not isinstance(st.last[1], str):
            raise LedgerError(led.paths.records, lf.entries[-1].line, "the last record has no seq/hash; run `policydocs verify`")
    return st


def register_person(project_root: str | Path, config, person: str, roles: list[str], key) -> dict:
    """Append a self-signed ``key`` record and add the person to people.yaml."""
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    person = keymod.check_person_name(person)
    roles = [keymod.normalize_role(r, cfg.versions.roles) for r in roles]
    led = Ledger(root)
    with led.locked():
        st = _writable_state(led, cfg)
        if person in st.people:
            raise LedgerError(led.paths.records, 0, f"{person} is already registered (record #{st.people[person].seq})")
        pub = keymod.public_key_text(key)
        payload = {"person": person, "roles": roles, "public_key": pub, "fingerprint": keymod.fingerprint(pub)}
        rec = led.append("key", payload, last=st.last, signer=person, key=key)
        people = keymod.read_people(root)
        people[person] = keymod.Person(person, roles, pub, payload["fingerprint"], rec["seq"])
        keymod.write_people(root, list(people.values()))
    return rec


def rotation_proof_bytes(payload: dict) -> bytes:
    """What the new key signs in a rotation: the payload without the proof itself."""
    return SIG_DOMAIN + b"rotation-proof\n" + canonical_json({k: v for k, v in payload.items() if k != "proof"})


def rotate_key(project_root: str | Path, config, person: str, old_key, new_key) -> dict:
    """Replace ``person``'s key: a ``key`` record signed by the current key, with the new
    key's proof of possession.  Earlier signatures stay valid under the key of their time."""
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    person = keymod.check_person_name(person)
    led = Ledger(root)
    with led.locked():
        st = _writable_state(led, cfg)
        reg = st.people.get(person)
        if reg is None:
            raise LedgerError(led.paths.records, 0, f"{person} is not registered; use `keys new`")
        if keymod.public_key_text(old_key) != reg.public_key:
            raise LedgerError(led.paths.records, 0, f"the private key on this computer for {person} is not the "
                              f"registered one (record #{reg.seq}); it cannot authorise a rotation")
        pub = keymod.public_key_text(new_key)
        payload = {"person": person, "roles": list(reg.roles), "public_key": pub,
                   "fingerprint": keymod.fingerprint(pub), "replaces": reg.fingerprint}
        payload["proof"] = keymod.sign(new_key, rotation_proof_bytes(payload))
        rec = led.append("key", payload, last=st.last, signer=person, key=old_key)
        people = keymod.read_people(root)
        people[person] = keymod.Person(person, list(reg.roles), pub, payload["fingerprint"], rec["seq"])
        keymod.write_people(root, list(people.values()))
    return rec


def registered_person(project_root: str | Path, person: str, config=None) -> Registered | None:
    return load_state(project_root, config).people.get(person)


def registered_signer(st: State, person: str, key, where: Path) -> Registered:
    """``person``'s registration, when the private key on this computer is the registered one;
    LedgerError (naming ``where``) when the person is not registered or the key differs."""
    reg = st.people.get(person)
    if reg is None:
        raise LedgerError(where, 0, f"{person} is not registered; run `policydocs keys new --person {person}`")
    if keymod.public_key_text(key) != reg.public_key:
        raise LedgerError(where, 0, f"the private key on this computer for {person} does not match the key "
                          f"registered in record #{reg.seq}")
    return reg


def approve(project_root: str | Path, config, policy_id: str, role: str, person: str, key, source_text: str,
            comment: str | None = None, *, source_path: Path | None = None) -> dict:
    """Sign an approval of the current text; refuses anything a release would reject."""
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    roles = cfg.versions.roles
    role = keymod.normalize_role(role, roles)
    check_policy_id(policy_id)
    where = source_path or Path("policies") / f"{policy_id}.md"
    ch = content_hash(source_text)
    led = Ledger(root)
    with led.locked():
        st = _writable_state(led, cfg)
        reg = registered_signer(st, person, key, where)
        if role not in reg.roles:
            raise LedgerError(where, 0, f"{person} does not hold the role {role} "
                              f"(registered roles: {', '.join(reg.roles) or 'none'})")
        ps = st.policy(policy_id)
        if ps.last and ps.last.content_hash == ch:
            raise LedgerError(where, 0, f"{policy_id}: the text is unchanged since {ps.last.version}; nothing to approve")
        same = [a for a in ps.pending if a.content_hash == ch]
        for a in same:
            if a.role == role and a.person == person:
                raise LedgerError(where, 0, f"{policy_id}: {person} already approved this text as {role} (record #{a.seq})")
            if a.person == person:
                raise LedgerError(where, 0, f"{policy_id}: {person} already approved this text as {a.role} "
                                  f"(record #{a.seq}); {role} must be someone else")
        for earlier in roles[: roles.index(role)]:
            if not any(a.role == earlier for a in same):
                raise LedgerError(where, 0, f"{policy_id}: {role} approval out of order — {earlier} has not "
                                  f"approved this text (sha256 {ch[:12]}) yet; order: {' → '.join(roles)}")
        payload = {"policy": policy_id, "role": role, "person": person, "content_hash": ch,
                   "base": ps.last.record_hash if ps.last else None,
                   "base_version": ps.last.version if ps.last else None}
        if comment:
            payload["comment"] = comment
        return led.append("approve", payload, last=st.last, signer=person, key=key)


def release(project_root: str | Path, config, policy_id: str, source_text: str, *,
            effective: date | None = None, summary: str | None = None, major: bool = False,
            signer: str | None = None, key=None, source_path: Path | None = None,
            retroactive_reason: str | None = None) -> ReleaseRecord:
    """Assign the next version to the current text, freeze it, and append a release record.

    An effective date before the day of the release is refused unless
    ``retroactive_reason`` says why; the reason is recorded and shown wherever
    the version is shown.
    """
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    roles = cfg.versions.roles
    check_policy_id(policy_id)
    where = source_path or Path("policies") / f"{policy_id}.md"
    ch = content_hash(source_text)
    led = Ledger(root)
    with led.locked():
        st = _writable_state(led, cfg)
        ps = st.policy(policy_id)
        if ps.last and ps.last.content_hash == ch:
            raise LedgerError(where, 0, f"{policy_id}: the text is unchanged since {ps.last.version}; nothing to release")
        meta = read_meta(source_text, where)
        if meta is not None and meta.status == "draft":
            raise LedgerError(where, 0, f"{policy_id}: status is draft; set it to effective (or trial) and have "
                              f"the text approved before releasing")
        chosen: list[ApprovalEntry] = []
        after = 0
        for role in roles:
            cands = [a for a in ps.pending if a.content_hash == ch and a.role == role and a.seq > after
                     and a.person not in {c.person for c in chosen}]
            if not cands:
                have = ", ".join(f"{a.role} by {a.person} (record #{a.seq})" for a in ps.pending if a.content_hash == ch)
                stale = [a for a in ps.pending if a.content_hash != ch]
                hint = (f"; {len(stale)} approval(s) are for an earlier text (the file changed since)" if stale else "")
                raise LedgerError(where, 0, f"{policy_id}: cannot release — no {role} approval of the current text "
                                  f"(sha256 {ch[:12]}); approvals so far: {have or 'none'}{hint}")
            chosen.append(cands[0])
            after = cands[0].seq
        if signer is not None:
            reg = st.people.get(signer)
            if reg is None or keymod.public_key_text(key) != reg.public_key:
                raise LedgerError(where, 0, f"{signer} is not registered with this private key")
        version = next_version(ps.last.version if ps.last else None, cfg.versions.scheme, major=major)
        when = now()
        if effective is None:
            effective = (meta.effective_date if meta is not None else None) or when.date()
        reason = (retroactive_reason or "").strip()
        if effective < when.date() and not reason:
            raise LedgerError(where, 0, f"{policy_id}: effective date {effective} is before the release date "
                              f"{when.date()}: the text would have been in force before it was approved. Give a "
                              f"later --effective date, or release it retroactively with "
                              f"--retroactive --reason \"why\" (recorded and shown with the version)")
        if reason and effective >= when.date():
            reason = ""  # not retroactive: nothing to record
        if summary is None:
            summary = "首次发行" if ps.last is None else ""
        if not summary:
            raise LedgerError(where, 0, f"{policy_id}: give a revision summary with --summary \"修订内容摘要\"")
        snap = led.stage_snapshot(source_text)
        payload = {"policy": policy_id, "version": version, "content_hash": ch, "snapshot": snap,
                   "effective_date": effective.isoformat(), "summary": summary, "roles": list(roles),
                   "approvals": [{"role": a.role, "seq": a.seq, "hash": a.hash} for a in chosen],
                   "base": ps.last.record_hash if ps.last else None, "major": bool(major)}
        if reason:
            payload["retroactive"] = reason
        rec = led.append("release", payload, last=st.last, signer=signer, key=key, when=when)
        led.commit_snapshot(snap)
    return ReleaseRecord(policy_id, version, rec["seq"], rec["hash"], _parse_time(rec["time"]), effective, summary,
                         ch, snap, chosen, list(roles), bool(major), reason, signer or "")


# --------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    records: int = 0
    head: tuple[int, str] | None = None
    repairable: bool = False  # every problem is damage `ledger repair` can fix

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"ok": self.ok, "records": self.records, "head": list(self.head) if self.head else None,
                "problems": self.problems, "states": self.states, "notes": self.notes}


def _check_chain(paths: Paths, lf: LedgerFile) -> list[str]:
    probs = []
    rel = paths.rel(paths.records)
    for line, err in lf.bad_lines:
        probs.append(f"{rel} line {line}: {err} — the record was edited or corrupted")
    prev_seq, prev_hash = 0, GENESIS
    seen: dict[int, tuple[int, str]] = {}
    for e in lf.entries:
        rec = e.rec
        who = _WhoAt(rec, e.line)
        seq, stored = rec.get("seq"), rec.get("hash")
        if rec.get("v") != FORMAT_VERSION:
            probs.append(f"{who}: unknown format version {rec.get('v')!r}")
        raw = e.raw
        actual = None
        if raw.startswith(b'{"hash":"') and raw[73:75] == b'",':
            # lines are written canonically, so "hash" is the first member: the line without it
            # is the canonical JSON the hash covers (any other byte change makes it differ)
            actual = sha256_hex(b"{" + raw[75:])
        if actual != stored:
            actual = record_hash(rec)  # e.g. a line re-serialised by some tool: judge its content
        if stored != actual:
            probs.append(f"{who}: content does not match its hash (stored {str(stored)[:12]}, actual {actual[:12]}) "
                         f"— the record was modified")
        if not isinstance(seq, int):
            probs.append(f"{who}: no sequence number")
            continue
        if seq in seen:
            first_line, first_hash = seen[seq]
            kind = "duplicated" if first_hash == stored else "a second, different record with the same number"
            probs.append(f"{who}: record #{seq} appears again (first at line {first_line}) — {kind}")
        elif seq < prev_seq + 1:
            probs.append(f"{who}: comes after record #{prev_seq} — records were reordered")
        elif seq > prev_seq + 1:
            missing = f"#{prev_seq + 1}" if seq == prev_seq + 2 else f"#{prev_seq + 1}–#{seq - 1}"
            probs.append(f"{who}: record {missing} is missing before it — deleted or reordered")
        elif rec.get("prev") != prev_hash:
            probs.append(f"{who}: does not chain to the record before it (prev {str(rec.get('prev'))[:12]}, "
                         f"expected {prev_hash[:12]}) — a record before it was changed or replaced")
        seen.setdefault(seq, (e.line, stored))
        prev_seq, prev_hash = seq, stored if isinstance(stored, str) else actual
    return probs


@dataclass(frozen=True)
class Anchor:
    """A ledger head kept outside the ledger (a build manifest, a signed PDF): the ledger
    must still contain that record, unchanged. ``versions`` are the (policy, version)
    pairs the anchoring file shows as released, so a cut can be named."""

    source: str
    head: LedgerHead
    versions: tuple[tuple[str, str], ...] = ()


def manifest_anchors(config: Config) -> list[Anchor]:
    """The ``ledger_head`` of ``build/manifest.json`` (written by every build), if any."""
    path = config.build_dir / "manifest.json"
    try:
        manifest = read_manifest(path, any_format=True)
    except PolicyError:  # unreadable: `verify` reports it with the build's files
        return []
    head = LedgerHead.parse(manifest.ledger_head) if manifest is not None else None
    if head is None:
        return []
    versions = sorted({(a.policy_id, a.version) for a in manifest.artifacts
                       if a.kind == "policy" and not a.draft
                       and isinstance(a.policy_id, str) and isinstance(a.version, str)})
    rel = path.relative_to(config.root) if path.is_relative_to(config.root) else path
    return [Anchor(str(rel), head, tuple(versions))]


def check_anchor(anchor: Anchor, lf: LedgerFile, st: State) -> list[str]:
    """Problems when the ledger no longer holds the record ``anchor`` was made under."""
    last = lf.entries[-1].rec if lf.entries else None
    last_seq = last.get("seq") if last else 0
    h = anchor.head
    probs = []
    if isinstance(last_seq, int) and h.seq > last_seq:
        ends = describe(last) if last else "no record at all"
        probs.append(f"{anchor.source} was made when the ledger ended at record #{h.seq} ({h.hash[:12]}), but the "
                     f"ledger now ends at {ends}: records #{last_seq + 1}–#{h.seq} were cut from the end — tampering")
    elif h.seq > 0:
        rec = st.by_seq.get(h.seq)
        if rec is None or rec.get("hash") != h.hash:
            now_is = describe(rec) if rec else "missing"
            probs.append(f"{anchor.source} was made under record #{h.seq} ({h.hash[:12]}), but record #{h.seq} in the "
                         f"ledger is now {now_is} with another hash — the chain was rewritten")
    released = {(pid, r.version) for pid, ps in st.policies.items() for r in ps.releases}
    for pid, version in anchor.versions:
        if (pid, version) not in released:
            known = ", ".join(r.version for r in st.policies.get(pid, PolicyState()).releases) or "none"
            probs.append(f"{anchor.source} shows {pid} {version} as released, but the ledger has no release "
                         f"record {pid} {version} (releases: {known}) — a release record was removed")
    return probs


def _complete_record(torn: TornTail, lf: LedgerFile) -> dict | None:
    """The torn tail when it is in fact a whole record that only lacks its end of line."""
    try:
        rec = json.loads(torn.data)
    except ValueError:
        return None
    if not isinstance(rec, dict) or rec.get("hash") != record_hash(rec):
        return None
    last = lf.entries[-1].rec if lf.entries else None
    if rec.get("seq") != (last.get("seq", 0) if last else 0) + 1:
        return None
    return rec


def _snapshot_policy(path: Path) -> tuple[str, str]:
    """(policy id, content hash) of a snapshot file, for messages."""
    text = path.read_bytes().decode("utf-8", "replace")
    return _policy_id_of(text, "?"), content_hash(text)


def _check_snapshots(paths: Paths, st: State, scope: set[str] | None) -> tuple[list[str], list[str]]:
    """(problems, repairable problems) about frozen texts."""
    probs: list[str] = []
    fixable: list[str] = []
    referenced: dict[str, ReleaseRecord] = {}
    for pid, ps in st.policies.items():
        for r in ps.releases:
            referenced[r.snapshot] = r
            if scope is not None and pid not in scope:
                continue
            who = f"record #{r.seq} (release {pid} {r.version})"
            path = paths.snapshot(r.snapshot)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                if paths.pending_snapshot(r.snapshot).exists():
                    fixable.append(f"{who}: frozen source is still staged as {paths.rel(paths.pending_snapshot(r.snapshot))} "
                                   f"(the release was interrupted after its record); run `policydocs ledger repair`")
                else:
                    probs.append(f"{who}: frozen source {paths.rel(path)} is missing")
                continue
            if sha256_hex(data) != r.snapshot:
                probs.append(f"{who}: frozen source {paths.rel(path)} was altered (sha256 "
                             f"{sha256_hex(data)[:12]}, expected {r.snapshot[:12]})")
            elif content_hash(data.decode("utf-8", "replace")) != r.content_hash:
                probs.append(f"{who}: frozen source does not hash to the released content hash")
    if not paths.snapshots.is_dir():
        return probs, fixable
    for f in sorted(paths.snapshots.iterdir()):
        if f.suffix != ".md":
            continue
        if f.name.startswith(".pending-"):
            h = f.name[len(".pending-"):-3]
            if h in referenced and not paths.snapshot(h).exists():
                continue  # reported above
            pid, _ch = _snapshot_policy(f)
            fixable.append(f"{paths.rel(f)} ({pid}): staged snapshot not referenced by any release record — a release "
                           f"was interrupted before its record was written (`ledger repair` moves it aside)")
        elif f.stem not in referenced:
            pid, ch = _snapshot_policy(f)
            approvals = [a for a in st.policies.get(pid, PolicyState()).pending if a.content_hash == ch]
            by = (" (approved in " + ", ".join(f"record #{a.seq} {a.role} {a.person}" for a in approvals) + ")"
                  if approvals else "")
            probs.append(f"{paths.rel(f)}: frozen text of {pid}{by} that no release record names — a release record "
                         f"of {pid} was deleted from the ledger (an interrupted release leaves only a staged "
                         f".pending- file); tampering, not repairable")
    return probs, fixable


def verify_ledger(project_root: str | Path, config, working_texts: dict[str, str], *,
                  anchors: list[Anchor] | None = None, scope: set[str] | None = None) -> VerifyReport:
    """Recompute the chain, check every signature, snapshot, release rule, people.yaml and HEAD;
    compare the anchors (default: the build manifest's ``ledger_head``); report each
    policy's working-tree state.  ``.ok`` only when nothing is wrong.

    ``scope`` limits the snapshot checks to those policies (an evidence pack
    carries only the frozen texts of the policies it covers).
    """
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    paths = Paths(root)
    rel_records = paths.rel(paths.records)
    report = VerifyReport()
    lf = read_ledger(root)
    repairable = []
    complete = _complete_record(lf.torn, lf) if lf.torn is not None else None
    if complete is not None:  # a whole record that only lacks its "\n": it is part of the ledger
        report.problems.append(
            f"{rel_records} line {lf.torn.line}: {describe(complete)} is complete but lacks its end of line; "
            f"run `policydocs ledger repair` to add it (the record is kept)")
        repairable.append(len(report.problems) - 1)
        lf.entries.append(Entry(lf.torn.line, complete, lf.torn.data))
        lf.torn = None
    report.records = len(lf.entries)
    # 1. chain
    report.problems += _check_chain(paths, lf)
    if lf.torn is not None:
        guess = lf.torn.guess_policy()
        report.problems.append(
            f"{rel_records} line {lf.torn.line}: incomplete record ({len(lf.torn.data)} bytes without end of line) "
            f"after record #{lf.torn.after_seq} ({guess or 'policy not readable from the fragment'}) "
            f"— an append was interrupted; "
            f"run `policydocs ledger repair` to remove it (it is kept under ledger/repair/)")
        repairable.append(len(report.problems) - 1)
    # 2. signatures and rules
    st = replay(lf.entries, cfg.versions.roles, cfg.versions.scheme, check_signatures=True,
                signature_results=verify_signatures(lf.entries))
    report.problems += st.problems
    report.problems += _check_org_signatures(lf, st, cfg)
    for rep in st.repairs:
        kinds = ", ".join(sorted({a.get("kind", "?") for a in (rep.get("payload") or {}).get("actions", [])
                                  if isinstance(a, dict)})) or "nothing"
        report.notes.append(f"{describe(rep)} at {rep.get('time')}: an explicit `ledger repair` ({kinds})")
    # 3. snapshots
    snap_probs, snap_fixable = _check_snapshots(paths, st, scope)
    report.problems += snap_probs
    for msg in snap_fixable:
        report.problems.append(msg)
        if not lf.bad_lines:
            repairable.append(len(report.problems) - 1)
    # 4. people.yaml against the key records
    try:
        people = keymod.read_people(root)
    except PolicyError as exc:
        report.problems.append(str(exc))
        people = None
    if people is not None:
        ppath = paths.rel(keymod.people_path(root))
        for name, reg in st.people.items():
            mine = people.get(name)
            affected = _affected(st, name)
            if mine is None:
                report.problems.append(f"{ppath}: {name} (registered in record #{reg.seq}) is missing")
                repairable.append(len(report.problems) - 1)
            elif mine.public_key != reg.public_key:
                report.problems.append(
                    f"{ppath}:{mine.line}: public key of {name} ({keymod.short_fp(keymod.fingerprint(mine.public_key))}) "
                    f"differs from the key registered in record #{reg.seq} ({keymod.short_fp(reg.fingerprint)}) "
                    f"— changed after the fact; signatures of {name} are checked against record #{reg.seq}{affected}")
            elif sorted(mine.roles) != sorted(reg.roles):
                report.problems.append(f"{ppath}:{mine.line}: roles of {name} ({', '.join(mine.roles)}) differ from "
                                       f"record #{reg.seq} ({', '.join(reg.roles)}){affected}")
        for name, mine in people.items():
            if name not in st.people:
                report.problems.append(f"{ppath}:{mine.line}: {name} has no key registration record in the ledger "
                                       f"(added by hand?)")
    # 5. HEAD
    head = read_head(root)
    report.head = head
    last = lf.entries[-1].rec if lf.entries else None
    last_seq = last.get("seq") if last else 0
    if head is None:
        if last is not None:
            report.problems.append(f"ledger/HEAD is missing (ledger ends at {describe(last)}); run `policydocs ledger repair`")
            repairable.append(len(report.problems) - 1)
    elif head[0] == -1:
        report.problems.append("ledger/HEAD is unreadable")
    elif isinstance(last_seq, int) and head[0] > last_seq:
        report.problems.append(f"ledger/HEAD names {_head_desc(root) or 'record #' + str(head[0])} but the ledger "
                               f"ends at record #{last_seq}: records #{last_seq + 1}–#{head[0]} were removed from the end")
    elif isinstance(last_seq, int) and head[0] < last_seq:
        at = st.by_seq.get(head[0])
        if head[0] == 0 or (at is not None and at.get("hash") == head[1]):
            report.problems.append(f"ledger/HEAD names record #{head[0]} but the ledger continues to {describe(last)}: "
                                   f"an append was interrupted before HEAD was updated; run `policydocs ledger repair`")
            repairable.append(len(report.problems) - 1)
        else:
            report.problems.append(f"ledger/HEAD names record #{head[0]} with a hash that is not in the ledger")
    elif last is not None and head[1] != last.get("hash"):
        report.problems.append(f"ledger/HEAD: hash of {describe(last)} differs from the one recorded at append time "
                               f"— the last record was replaced")
    # 6. anchors kept outside the ledger: a cut or rewritten tail shows against them
    for anchor in manifest_anchors(cfg) if anchors is None else anchors:
        report.problems += check_anchor(anchor, lf, st)
    report.repairable = bool(report.problems) and len(repairable) == len(report.problems)
    # 7. working tree
    for pid in sorted(set(working_texts) | set(st.policies)):
        ps = st.policies.get(pid, PolicyState())
        text = working_texts.get(pid)
        last_rel = ps.last
        if last_rel is None:
            pend = ps.pending
            if text is None:
                continue
            ch = content_hash(text)
            roles_done = [a.role for a in pend if a.content_hash == ch]
            report.states[pid] = "never released" + (f" (approved so far: {', '.join(roles_done)})" if roles_done else "")
        elif text is None:
            report.states[pid] = f"released {last_rel.version} (record #{last_rel.seq}); no source file in policies/"
        else:
            ch = content_hash(text)
            if ch == last_rel.content_hash:
                report.states[pid] = f"released {last_rel.version} (record #{last_rel.seq})"
            else:
                older = [r for r in ps.releases if r.content_hash == ch]
                if older:
                    report.states[pid] = (f"matches {older[-1].version} (record #{older[-1].seq}), not the current "
                                          f"{last_rel.version} (record #{last_rel.seq})")
                else:
                    report.states[pid] = f"changed since {last_rel.version} (record #{last_rel.seq})"
    return report


def _check_org_signatures(lf: LedgerFile, st: State, cfg: Config) -> list[str]:
    """Records signed by the organisation: signature, certificate chain to the trust root."""
    if not st.org_signed:
        return []
    path = trust_root_path(cfg)
    try:
        roots = orgsig.load_trust_roots(path)
    except (OSError, ValueError):
        roots = None
    probs = []
    for index in st.org_signed:
        rec = lf.entries[index].rec
        problem = orgsig.check(rec.get("payload") or {}, rec.get("sig"), signed_bytes(rec),
                               _parse_time(rec.get("time")), roots)
        if problem:
            where = f" ({path})" if roots is None else ""
            probs.append(f"{describe(rec)}: {problem}{where}")
    return probs


def _head_desc(root: Path) -> str:
    try:
        text = Paths(root).head.read_text(encoding="utf-8").split(maxsplit=2)
        return text[2].strip() if len(text) > 2 else ""
    except (OSError, UnicodeDecodeError):
        return ""


def _affected(st: State, person: str) -> str:
    items = st.signed_by.get(person, [])
    pols: dict[str, list[int]] = {}
    for seq, pid in items:
        if pid:
            pols.setdefault(pid, []).append(seq)
    if not pols:
        return ""
    return "; records signed by this person: " + ", ".join(
        f"{pid} (records {', '.join('#' + str(s) for s in seqs)})" for pid, seqs in sorted(pols.items()))


# --------------------------------------------------------------------------
# explicit repair
# --------------------------------------------------------------------------


def repair(project_root: str | Path, config=None, *, dry_run: bool = False) -> list[str]:
    """Fix damage an interrupted write can leave, and record what was done in a ``repair`` record.

    Repairs: an incomplete last line (moved to ledger/repair/) — never a
    complete record: one that only lacks its end of line gets it back; a HEAD
    that lags behind the last record; a release's frozen text left staged
    (``.pending-``: given its final name when its record exists, moved aside
    when not); people.yaml entries missing for registered keys.  Anything
    else — edited, deleted, reordered or cut records, a frozen text no record
    names, a ledger shorter than a published manifest or PDF shows — is
    tampering: refused, with the verify messages.
    """
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    led = Ledger(root)
    paths = led.paths
    with led.locked():
        report = verify_ledger(root, cfg, {})
        if report.ok:
            return []
        if not report.repairable:
            fixable = "\n  ".join(report.problems)
            raise LedgerError(paths.records, 0, "the ledger has problems that an interrupted write cannot cause; "
                              f"repair refused (restore from backup or version control):\n  {fixable}")
        actions: list[dict] = []
        done: list[str] = []
        stamp = now().strftime("%Y%m%dT%H%M%S")
        lf = read_ledger(root)
        complete = _complete_record(lf.torn, lf) if lf.torn is not None else None
        if complete is not None:
            actions.append({"kind": "end-of-line", "line": lf.torn.line, "record": complete.get("seq")})
            done.append(f"added the missing end of line after {describe(complete)} (line {lf.torn.line}); "
                        f"the record is kept")
            if not dry_run:
                fd = os.open(paths.records, os.O_WRONLY | os.O_APPEND)
                try:
                    os.write(fd, b"\n")
                    os.fsync(fd)
                finally:
                    os.close(fd)
                lf = read_ledger(root)
        elif lf.torn is not None:
            saved = paths.repair / f"{stamp}-line{lf.torn.line}.torn"
            actions.append({"kind": "torn-tail", "line": lf.torn.line, "bytes": len(lf.torn.data),
                            "sha256": sha256_hex(lf.torn.data), "saved_as": paths.rel(saved)})
            done.append(f"removed incomplete line {lf.torn.line} ({len(lf.torn.data)} bytes) after record "
                        f"#{lf.torn.after_seq}; saved as {paths.rel(saved)}")
            if not dry_run:
                atomic_write_bytes(saved, lf.torn.data, mode=0o444, fsync=True)
                fd = os.open(paths.records, os.O_WRONLY)
                try:
                    os.ftruncate(fd, lf.torn.offset)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                lf = read_ledger(root)
        st = replay(lf.entries, cfg.versions.roles, cfg.versions.scheme, check_signatures=False)
        referenced = {r.snapshot for ps in st.policies.values() for r in ps.releases}
        if paths.snapshots.is_dir():
            for f in sorted(paths.snapshots.iterdir()):
                if not (f.name.startswith(".pending-") and f.suffix == ".md"):
                    continue
                h = f.name[len(".pending-"):-3]
                if h in referenced and not paths.snapshot(h).exists():
                    actions.append({"kind": "staged-snapshot", "snapshot": h})
                    done.append(f"gave the staged frozen text {f.name} its final name {h}.md (its release record exists)")
                    if not dry_run:
                        os.replace(f, paths.snapshot(h))
                    continue
                dest = paths.repair / f"{stamp}-unreleased-{h}.md"
                actions.append({"kind": "orphan-snapshot", "snapshot": h, "moved_to": paths.rel(dest)})
                done.append(f"moved staged snapshot {f.name} of an interrupted release to {paths.rel(dest)}")
                if not dry_run:
                    paths.repair.mkdir(parents=True, exist_ok=True)
                    os.replace(f, dest)
        people = keymod.read_people(root)
        added = [n for n in st.people if n not in people]
        if added:
            actions.append({"kind": "people", "added": added})
            done.append(f"added {', '.join(added)} to people.yaml from their key records")
            if not dry_run:
                for n in added:
                    r = st.people[n]
                    people[n] = keymod.Person(n, r.roles, r.public_key, r.fingerprint, r.seq)
                keymod.write_people(root, list(people.values()))
        head = read_head(root)
        if head is None or head[0] != st.last[0]:
            actions.append({"kind": "head", "was": head[0] if head else None, "last": st.last[0]})
            done.append(f"HEAD was {'missing' if head is None else 'record #' + str(head[0])}; now follows the last record")
        if not dry_run:
            rec = led.append("repair", {"actions": actions}, last=st.last)
            done.append(f"recorded the repair as {describe(rec)}")
        return done
