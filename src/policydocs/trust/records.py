"""Typed views of the ledger's record types beyond approvals and releases.

The ledger (``ledger.py``) replays ``records.jsonl`` into these; the
publication, review and forms modules, the portal and the evidence pack read
them. Payload formats are documented in docs/ledger.md.

* :class:`LedgerHead` — a position in the chain (sequence number and hash),
  as published in manifests and embedded in signed PDFs.
* :class:`PublishedFile` — one file of a ``publish`` record.
* :class:`IssuedForm` — an ``issue`` record: a register or receipts printed.
* :class:`Review` — a ``review`` record: a periodic review (复审) without a new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath

_HASH = re.compile(r"^[0-9a-f]{64}$")

#: ``signer`` of records signed with the organisation's document-signing certificate.
ORG_SIGNER = "organisation"


@dataclass(frozen=True)
class LedgerHead:
    """A position in the chain: record ``seq`` whose hash is ``hash``."""

    seq: int
    hash: str

    def text(self) -> str:
        """``"<seq> <hash>"``: how a head is written into manifests and PDFs."""
        return f"{self.seq} {self.hash}"

    def short(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"

    def to_json(self) -> dict:
        return {"seq": self.seq, "hash": self.hash}

    @classmethod
    def parse(cls, value: object) -> "LedgerHead | None":
        """From ``"12 <hash>"`` or ``{"seq": 12, "hash": "…"}``; ``None`` if it is neither."""
        if isinstance(value, dict):
            seq, h = value.get("seq"), value.get("hash")
        elif isinstance(value, str) and len(value.split()) == 2:
            seq, h = value.split()
            seq = int(seq) if seq.isdigit() else None
        else:
            return None
        if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0 and isinstance(h, str) and _HASH.match(h):
            return cls(seq, h)
        return None


def safe_relative_path(path: object) -> str | None:
    """``path`` as a clean relative POSIX path inside the project, or ``None`` if it could escape."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return None
    p = PurePosixPath(path)
    if p.is_absolute() or any(part in ("..", "") for part in p.parts) or str(p) != path:
        return None
    return path


@dataclass(frozen=True)
class PublishedFile:
    """One published file as the ``publish`` record holds it (path relative to the project)."""

    kind: str  # "policy" | "handbook"
    policy: str  # policy id, or handbook name
    version: str
    locale: str
    format: str  # "pdf" | "docx" | …
    path: str
    sha256: str
    size: int
    record: int  # seq of the publish record
    record_hash: str
    time: datetime
    release: int | None = None  # seq of the release record a policy file renders
    reissue_reason: str = ""
    replaces: str = ""  # sha256 of the earlier file of the same version this re-issue replaces
    signed_record: bool = False  # the publish record carries the organisation's signature

    @property
    def ident(self) -> tuple[str, str, str, str, str]:
        return (self.kind, self.policy, self.version, self.locale, self.format)

    def describe(self) -> str:
        return f"{self.policy} {self.version} {self.locale} {self.format}"

    def to_json(self) -> dict:
        out = {"kind": self.kind, "policy": self.policy, "version": self.version, "locale": self.locale,
               "format": self.format, "path": self.path, "sha256": self.sha256, "size": self.size,
               "record": self.record, "time": self.time.isoformat(), "release": self.release}
        if self.reissue_reason:
            out["reissue_reason"] = self.reissue_reason
            out["replaces"] = self.replaces
        return out


@dataclass(frozen=True)
class IssuedFile:
    path: str
    sha256: str
    size: int
    format: str

    def to_json(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "size": self.size, "format": self.format}


@dataclass(frozen=True)
class IssuedForm:
    """A register (培训签到表) or receipts (学习确认书/签收单) as issued."""

    form: str  # "register" | "receipts" | "receipts-batch"
    subject_kind: str  # "policy" | "handbook"
    subject: str  # policy id or handbook name
    version: str
    locale: str
    day: date | None  # training date / date printed on the form
    roster_sha256: str  # "" when printed blank
    names: int
    employee: str  # 工号 of a single new hire's receipt, else ""
    files: tuple[IssuedFile, ...]
    record: int
    time: datetime
    signed_record: bool = False

    def to_json(self) -> dict:
        return {"form": self.form, "subject_kind": self.subject_kind, "subject": self.subject,
                "version": self.version, "locale": self.locale, "date": self.day.isoformat() if self.day else None,
                "roster_sha256": self.roster_sha256 or None, "names": self.names, "employee": self.employee or None,
                "files": [f.to_json() for f in self.files], "record": self.record, "time": self.time.isoformat(),
                "signed": self.signed_record}


@dataclass(frozen=True)
class Review:
    """A periodic review (复审) of a released version that found no change was needed."""

    policy: str
    version: str
    release: int  # seq of the release record reviewed
    person: str
    note: str
    record: int
    time: datetime

    @property
    def day(self) -> date:
        return self.time.date()

    def to_json(self) -> dict:
        return {"policy": self.policy, "version": self.version, "release": self.release, "person": self.person,
                "note": self.note, "record": self.record, "time": self.time.isoformat()}

