"""The approval ledger: signed, hash-chained, append-only history of every policy.

Layout (``ledger/`` in the project; the format is documented in docs/ledger.md)::

    ledger/records.jsonl          one canonical-JSON record per line, never rewritten
    ledger/snapshots/<sha256>.md  exact source text of every release (content-addressed)
    ledger/HEAD                   "<seq> <hash>" of the last record (tail-truncation tripwire)
    ledger/repair/                bytes removed by an explicit `policydocs ledger repair`

Every record is ``{"v", "seq", "prev", "type", "time", "payload", ["signer", "sig"], "hash"}``.
``hash`` is the SHA-256 of the canonical JSON of the record without ``hash``;
``prev`` is the previous record's hash (64 zeros for record 1); ``sig`` is an
Ed25519 signature by ``signer`` over ``SIG_DOMAIN`` + the canonical JSON of the
record without ``sig`` and ``hash`` — so it also covers ``seq`` and ``prev``
and a signed record cannot be moved within the chain.

Record types: ``key`` (a person's public key and roles, self-signed),
``approve`` (role, person, content hash; signed by the person), ``release``
(version, effective date, summary, snapshot, the approvals it rests on) and
``repair`` (what an explicit repair removed).

The integration API used by the build, history and portal:
:func:`content_hash`, :func:`version_info`, :func:`released_versions`,
:func:`snapshot_text`, :func:`verify_ledger`, :func:`as_of`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

from ..core import model
from ..core.errors import PolicyError
from ..core.versioning import VersionError, next_version
from ..read.config import Config, load_config
from . import keys as keymod

FORMAT_VERSION = 1
GENESIS = "0" * 64
SIG_DOMAIN = b"policydocs-ledger-v1\n"
NOW_ENV = "POLICYDOCS_NOW"  # ISO datetime: fixed clock for tests and demo seeding
FAULT_ENV = "POLICYDOCS_FAULT"  # fault injection for crash tests: torn-append | after-append
RECORD_TYPES = ("key", "approve", "release", "repair", "acks-seal")
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
    """Current time with the local UTC offset, whole seconds (``$POLICYDOCS_NOW`` overrides)."""
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        dt = datetime.fromisoformat(fixed)
        return dt if dt.tzinfo else dt.astimezone()
    return datetime.now().astimezone().replace(microsecond=0)


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


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.write(fd, data)
        if sync:
            os.fsync(fd)
        os.fchmod(fd, mode)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
        if sync:
            _fsync_dir(path.parent)
    finally:
        if fd >= 0:
            os.close(fd)
        if os.path.exists(tmp):
            os.unlink(tmp)


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
        self.paths.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.paths.dir, os.O_RDONLY)  # flock on the ledger directory itself: no lock file to commit
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._locked = True
            yield self
        finally:
            self._locked = False
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

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
        if signer is not None:
            rec["signer"] = signer
            rec["sig"] = keymod.sign(key, signed_bytes(rec))
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
        _atomic_write(self.paths.head, f"{rec['seq']} {rec['hash']} {describe(rec)}\n".encode("utf-8"), sync=False)
        return rec

    def write_snapshot(self, text: str) -> str:
        data = text.encode("utf-8")
        h = sha256_hex(data)
        path = self.paths.snapshots / f"{h}.md"
        if path.exists() and path.read_bytes() == data:
            return h
        _atomic_write(path, data, 0o444, sync=FSYNC)
        return h


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

    @property
    def date(self) -> date:
        return self.time.date()

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
    acks_seals: dict[str, list[dict]] = field(default_factory=dict)  # database id → seal payloads in order

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
    import threading

    # fork only from a single-threaded process (forking a threaded one can deadlock)
    if len(tasks) >= PARALLEL_SIGNATURES_FROM and workers > 1 and threading.active_count() == 1:
        import multiprocessing

        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - platforms without fork
            ctx = None
        if ctx is not None:
            size = -(-len(tasks) // (workers * 4))
            chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
            with ctx.Pool(workers) as pool:
                for part in pool.imap_unordered(_sig_worker, chunks):
                    ok += part
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
        elif signer is not None or rtype == "approve":
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
        elif rtype == "acks-seal":
            probs += _check_acks_seal(st, p, who)
        st.problems.extend(probs)
    return st


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
                        list(p.get("roles") or []), bool(p.get("major")))
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


def _list_value(text: str | None) -> list[str]:
    if not text:
        return []
    return [x.strip().strip("'\"") for x in text.strip("[]").split(",") if x.strip()]


def as_of(project_root: str | Path, when: date, config=None, *,
          superseded: dict[str, str] | None = None) -> dict[str, ReleaseRecord]:
    """policy id → the release in force on ``when``.

    Per policy: the release with the latest effective date ≤ ``when`` (ties:
    the later record).  A policy is then dropped when the frozen text of that
    release says ``status: repealed``, or when another policy in force then
    lists it under ``supersedes:``; ``superseded`` (if given) receives
    ``{dropped id: reason}``.
    """
    out: dict[str, ReleaseRecord] = {}
    for pid, ps in load_state(project_root, config).policies.items():
        cands = [r for r in ps.releases if (r.effective_date or r.date) <= when]
        if cands:
            out[pid] = max(cands, key=lambda r: (r.effective_date or r.date, r.seq))
    dropped: dict[str, str] = {}
    for pid, rel in list(out.items()):
        try:
            fm = front_matter(snapshot_text(project_root, rel.snapshot))
        except LedgerError:
            continue
        if fm.get("status") == "repealed":
            dropped[pid] = f"repealed by {rel.version}"
        for old in _list_value(fm.get("supersedes")):
            if old in out and old != pid:
                dropped[old] = f"superseded by {pid} {rel.version}"
    for pid in dropped:
        out.pop(pid, None)
    if superseded is not None:
        superseded.update(dropped)
    return out


# --------------------------------------------------------------------------
# working tree: raw policy sources (the ledger hashes raw text, not the tree)
# --------------------------------------------------------------------------

_FM_ID = re.compile(r"^id:\s*([A-Za-z0-9-]+)\s*(?:#.*)?$", re.M)


def front_matter(text: str) -> dict[str, str]:
    """Top-level ``key: value`` strings of the front matter (no YAML typing; enough for the ledger)."""
    m = re.match(r"\ufeff?---\r?\n(.*?)\r?\n---\s*(?:\r?\n|$)", text, re.S)
    out: dict[str, str] = {}
    if not m:
        return out
    for line in m.group(1).splitlines():
        mm = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):\s*(.*?)\s*(?:#.*)?$", line)
        if mm:
            out[mm.group(1)] = mm.group(2).strip().strip("'\"")
    return out


def working_texts(project_root: str | Path) -> dict[str, str]:
    """policy id → source text of every policies/*.md (id from the front matter, else the file stem)."""
    out = {}
    pdir = Path(project_root) / "policies"
    for path in sorted(pdir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        out[front_matter(text).get("id") or path.stem] = text
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
    if direct.exists() and front_matter(direct.read_text(encoding="utf-8")).get("id", policy_id) == policy_id:
        return direct
    for path in sorted(pdir.glob("*.md")):
        if front_matter(path.read_text(encoding="utf-8")).get("id") == policy_id:
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
        reg = st.people.get(person)
        if reg is None:
            raise LedgerError(where, 0, f"{person} is not registered; run `policydocs keys new --person {person}`")
        if keymod.public_key_text(key) != reg.public_key:
            raise LedgerError(where, 0, f"the private key on this computer for {person} does not match the key "
                              f"registered in record #{reg.seq}")
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
            signer: str | None = None, key=None, source_path: Path | None = None) -> ReleaseRecord:
    """Assign the next version to the current text, freeze it, and append a release record."""
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
        if front_matter(source_text).get("status") == "draft":
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
        if effective is None:
            effective = _date_or_none(front_matter(source_text).get("effective_date")) or now().date()
        if summary is None:
            summary = "首次发行" if ps.last is None else ""
        if not summary:
            raise LedgerError(where, 0, f"{policy_id}: give a revision summary with --summary \"修订内容摘要\"")
        snap = led.write_snapshot(source_text)
        payload = {"policy": policy_id, "version": version, "content_hash": ch, "snapshot": snap,
                   "effective_date": effective.isoformat(), "summary": summary, "roles": list(roles),
                   "approvals": [{"role": a.role, "seq": a.seq, "hash": a.hash} for a in chosen],
                   "base": ps.last.record_hash if ps.last else None, "major": bool(major)}
        rec = led.append("release", payload, last=st.last, signer=signer, key=key)
    return ReleaseRecord(policy_id, version, rec["seq"], rec["hash"], _parse_time(rec["time"]), effective, summary,
                         ch, snap, chosen, list(roles), bool(major))


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


def verify_ledger(project_root: str | Path, config, working_texts: dict[str, str]) -> VerifyReport:
    """Recompute the chain, check every signature, snapshot, release rule, people.yaml and HEAD;
    report each policy's working-tree state.  ``.ok`` only when nothing is wrong."""
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    paths = Paths(root)
    rel_records = paths.rel(paths.records)
    report = VerifyReport()
    lf = read_ledger(root)
    report.records = len(lf.entries)
    repairable = []
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
    # 3. snapshots
    referenced = set()
    for pid, ps in st.policies.items():
        for r in ps.releases:
            referenced.add(r.snapshot)
            who = f"record #{r.seq} (release {pid} {r.version})"
            path = paths.snapshots / f"{r.snapshot}.md"
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                report.problems.append(f"{who}: frozen source {paths.rel(path)} is missing")
                continue
            if sha256_hex(data) != r.snapshot:
                report.problems.append(f"{who}: frozen source {paths.rel(path)} was altered (sha256 "
                                       f"{sha256_hex(data)[:12]}, expected {r.snapshot[:12]})")
            elif content_hash(data.decode("utf-8", "replace")) != r.content_hash:
                report.problems.append(f"{who}: frozen source does not hash to the released content hash")
    if paths.snapshots.is_dir():
        for f in sorted(paths.snapshots.iterdir()):
            if f.suffix == ".md" and f.stem not in referenced:
                pid = front_matter(f.read_text(encoding="utf-8", errors="replace")).get("id", "?")
                report.problems.append(f"{paths.rel(f)} ({pid}): snapshot not referenced by any release record — a release "
                                       f"record was deleted, or a release was interrupted (`ledger repair` moves it aside)")
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
    report.repairable = bool(report.problems) and len(repairable) == len(report.problems)
    # 6. working tree
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

    Repairs: an incomplete last line (moved to ledger/repair/), a HEAD that
    lags behind the last record, snapshots no release refers to (moved aside),
    people.yaml entries missing for registered keys.  Anything else (edited,
    deleted, reordered records) is tampering: refused, with the verify message.
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
        if lf.torn is not None:
            saved = paths.repair / f"{stamp}-line{lf.torn.line}.torn"
            actions.append({"kind": "torn-tail", "line": lf.torn.line, "bytes": len(lf.torn.data),
                            "sha256": sha256_hex(lf.torn.data), "saved_as": paths.rel(saved)})
            done.append(f"removed incomplete line {lf.torn.line} ({len(lf.torn.data)} bytes) after record "
                        f"#{lf.torn.after_seq}; saved as {paths.rel(saved)}")
            if not dry_run:
                _atomic_write(saved, lf.torn.data, 0o444)
                fd = os.open(paths.records, os.O_WRONLY)
                try:
                    os.ftruncate(fd, lf.torn.offset)
                    os.fsync(fd)
                finally:
                    os.close(fd)
        st = replay(lf.entries, cfg.versions.roles, cfg.versions.scheme, check_signatures=False)
        referenced = {r.snapshot for ps in st.policies.values() for r in ps.releases}
        if paths.snapshots.is_dir():
            for f in sorted(paths.snapshots.iterdir()):
                if f.suffix == ".md" and f.stem not in referenced:
                    dest = paths.repair / f"{stamp}-orphan-{f.name}"
                    actions.append({"kind": "orphan-snapshot", "snapshot": f.stem, "moved_to": paths.rel(dest)})
                    done.append(f"moved unreferenced snapshot {f.name} to {paths.rel(dest)}")
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
