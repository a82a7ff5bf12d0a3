"""Issued forms are records: registers (培训签到表) and receipts (学习确认书/签收单).

``register`` and ``receipts`` append an ``issue`` record with what was
printed — the policy (or handbook) and version, the date, the roster's
SHA-256 and number of names, a single new hire's 工号, and every file with
its SHA-256 — to the same hash-chained ledger as the publication record.
When the organisation's signing identity is at hand the record is signed
with it (like a ``publish`` record); otherwise it is chained but unsigned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..core.fsutil import sha256_file
from ..read.config import Config
from .ledger import Ledger, LedgerError, _config, _writable_state, load_state
from .records import IssuedForm
from .signing import SigningIdentity

FORMS = ("register", "receipts", "receipts-batch")


@dataclass(frozen=True)
class FormIssue:
    """What the forms command printed (files already written)."""

    form: str  # register | receipts | receipts-batch
    subject_kind: str  # policy | handbook
    subject: str  # policy id or handbook name
    version: str
    locale: str
    day: date | None
    roster_sha256: str = ""
    names: int = 0
    employee: str = ""
    files: list[Path] = field(default_factory=list)
    release: tuple[int, str] | None = None  # (seq, hash) of the release record a policy's form names
    draft: bool = False  # the working text was printed (--draft): no release stands behind it


def record_issue(project_root: str | Path, config: Config | None, issue: FormIssue,
                 identity: SigningIdentity | None = None) -> IssuedForm:
    """Append the ``issue`` record (signed by ``identity`` when given)."""
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    if issue.form not in FORMS:
        raise LedgerError("--form", 0, f"unknown form {issue.form!r}")
    files = []
    for path in issue.files:
        p = Path(path).resolve()
        try:
            shown = p.relative_to(root).as_posix()
        except ValueError:
            shown = str(p)  # forms may be written outside the project (-o DIR)
        files.append({"path": shown, "sha256": sha256_file(p), "size": p.stat().st_size,
                      "format": p.suffix.lstrip(".")})
    payload = {"form": issue.form, "subject_kind": issue.subject_kind, "subject": issue.subject,
               "version": issue.version, "locale": issue.locale,
               "date": issue.day.isoformat() if issue.day else None, "roster_sha256": issue.roster_sha256 or None,
               "names": issue.names, "files": files}
    if issue.employee:
        payload["employee"] = issue.employee
    if issue.release is not None:
        payload["release"] = {"seq": issue.release[0], "hash": issue.release[1]}
    if issue.draft:
        payload["draft"] = True
    led = Ledger(root)
    with led.locked():
        st = _writable_state(led, cfg)
        if identity is not None:
            rec = led.append_org_signed("issue", payload, last=st.last, key=identity.org_key())
        else:
            rec = led.append("issue", payload, last=st.last)
    return next(f for f in load_state(root, cfg).issued if f.record == rec["seq"])


def issued_forms(project_root: str | Path, config: Config | None = None) -> list[IssuedForm]:
    """Every form issued, oldest first."""
    return list(load_state(project_root, config).issued)
