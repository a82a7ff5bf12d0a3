"""Operations on the acknowledgement database (one place for every read and write).

Acknowledgements are only ever INSERTed.  Each row carries ``row_hash``, the
SHA-256 of its canonical content (everything but ``seq`` and the hash), so an
edited row is found by recomputing it, and each day's rows are chained and
sealed into the policydocs ledger (``acks/seal.py``), so a deleted or
replaced row is found too.

Uniqueness is the database's job, which makes concurrent clients safe:
``ack_key`` = ``campaign:employee:round`` allows one valid acknowledgement
per employee and campaign (online or on paper); a ``void`` record (a
correction, with a reason) opens the next round.  ``token_id`` is unique, so a
personal link confirms once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import Engine, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..core.errors import PolicyError
from . import db
from .db import acknowledgements as A
from .db import campaign_members as M
from .db import campaign_texts as CT
from .db import campaigns as C
from .db import employees as E
from .db import hr_log, hr_users, reminders, tokens

AUDIENCE_KINDS = ("all", "department", "position")
ACK_KINDS = ("online", "paper")

Clock = Callable[[], datetime]


def local_now() -> datetime:
    """Server time with the local UTC offset (microseconds kept: it orders records)."""
    return datetime.now().astimezone()


class AckError(PolicyError):
    """A refused acknowledgement operation (the message is shown to the user)."""

    def __init__(self, message: str, *, code: str = "refused"):
        super().__init__("acknowledgements", 0, message)
        self.code = code
        self.message = message


class AlreadyAcknowledged(AckError):
    def __init__(self, message: str, existing: dict | None):
        super().__init__(message, code="already")
        self.existing = existing


# ---------------------------------------------------------------------------
# canonical row hash
# ---------------------------------------------------------------------------

#: Columns covered by ``row_hash`` (all but ``seq`` and ``row_hash``), in a fixed order.
HASHED_COLUMNS = tuple(c.name for c in A.columns if c.name not in ("seq", "row_hash"))


def ack_row_hash(row: dict) -> str:
    """SHA-256 of the canonical JSON of an acknowledgement's content."""
    content = {k: row.get(k) for k in HASHED_COLUMNS}
    data = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# records passed around
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One employee as HR's roster gives them."""

    employee_no: str
    name: str
    department: str
    position: str = ""
    email: str = ""
    locale: str = ""


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CampaignText:
    """The published text of a campaign in one locale: rendered HTML and the published file."""

    locale: str
    title: str
    html: str
    file_path: str
    file_sha256: str
    file_signed: bool

    @property
    def html_sha256(self) -> str:
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CampaignSpec:
    policy_id: str
    version: str
    title: str
    audience_kind: str
    audience_value: str
    due_date: date
    release_hash: str
    content_hash: str
    requires_ack: bool = True
    waiver_reason: str = ""
    carries_from: int | None = None


@dataclass
class MemberStatus:
    employee_id: int
    employee_no: str
    name: str
    department: str
    position: str
    email: str
    locale: str
    active: bool
    state: str  # acknowledged | pending | overdue | left
    ack: dict | None = None


@dataclass(frozen=True)
class TokenRow:
    id: str
    campaign_id: int
    employee_id: int
    expires: int
    purpose: str


# ---------------------------------------------------------------------------


class AckStore:
    """The database of one acknowledgement service."""

    def __init__(self, engine: Engine, clock: Clock = local_now):
        self.engine = engine
        self.w = db.writer(engine)
        self.clock = clock
        self._database_id: str | None = None
        # campaigns and their texts never change once opened: cached per process
        self._campaigns: dict[int, dict] = {}
        self._texts: dict[int, dict[str, dict]] = {}

    def now_text(self) -> str:
        return self.clock().isoformat()

    @property
    def database_id(self) -> str:
        """A random id made when the database was created: seals name the database they cover."""
        if self._database_id is None:
            with self.engine.connect() as conn:
                value = conn.execute(select(db.acks_meta.c.value).where(db.acks_meta.c.key == "database_id")).scalar()
            if value is None:
                raise AckError("the database is not initialised: run `policydocs acks migrate`", code="schema")
            self._database_id = value
        return self._database_id

    # -- HR log ---------------------------------------------------------------
    def log(self, actor: str, action: str, detail: dict | None = None, ip: str = "", *, conn=None) -> None:
        """Append one HR action to the log (in ``conn``'s transaction when given)."""
        values = {"at": self.now_text(), "actor": actor, "action": action,
                  "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True), "ip": ip}
        if conn is not None:
            conn.execute(insert(hr_log).values(**values))
        else:
            with self.w.begin() as c:
                c.execute(insert(hr_log).values(**values))

    def hr_log(self, limit: int = 500) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(hr_log).order_by(hr_log.c.seq.desc()).limit(limit)).mappings().all()
        return [dict(r) for r in rows]

    # -- HR users ---------------------------------------------------------------
    def add_hr_user(self, username: str, password_hash: str | None, actor: str = "cli") -> None:
        username = username.strip()
        if not username or len(username) > 200:
            raise AckError("an HR user name is 1–200 characters")
        with self.w.begin() as conn:
            row = conn.execute(select(hr_users.c.id).where(hr_users.c.username == username)).first()
            if row is None:
                conn.execute(insert(hr_users).values(username=username, password_hash=password_hash, active=True,
                                                     created_at=self.now_text()))
                self.log(actor, "hr-user-add", {"username": username, "password": password_hash is not None}, conn=conn)
            else:
                conn.execute(update(hr_users).where(hr_users.c.id == row.id)
                             .values(password_hash=password_hash, active=True))
                self.log(actor, "hr-user-reset", {"username": username, "password": password_hash is not None},
                         conn=conn)

    def hr_user(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(hr_users).where(hr_users.c.username == username)).mappings().first()
        return dict(row) if row else None

    # -- employees --------------------------------------------------------------
    def import_people(self, people: Iterable[Person], *, default_locale: str, deactivate_missing: bool,
                      actor: str = "cli", source: str = "") -> ImportResult:
        """Add or update employees by 工号; with ``deactivate_missing`` everyone not in
        ``people`` is deactivated (leavers are never deleted: their records stay)."""
        res = ImportResult()
        now = self.now_text()
        people = list(people)
        with self.w.begin() as conn:
            existing = {r.employee_no: r for r in conn.execute(select(E))}
            for p in people:
                values = {"name": p.name, "department": p.department, "position": p.position,
                          "email": p.email, "locale": p.locale or default_locale}
                old = existing.get(p.employee_no)
                if old is None:
                    conn.execute(insert(E).values(employee_no=p.employee_no, active=True, updated_at=now, **values))
                    res.added += 1
                    continue
                if not old.email and not p.email:
                    values["email"] = ""
                elif not p.email:
                    values["email"] = old.email  # a roster without the column keeps known addresses
                changed = {k: v for k, v in values.items() if getattr(old, k) != v}
                if not old.active:
                    changed["active"] = True
                    res.reactivated.append(p.employee_no)
                if changed:
                    conn.execute(update(E).where(E.c.id == old.id).values(updated_at=now, **changed))
                    res.updated += 1
                else:
                    res.unchanged += 1
            if deactivate_missing:
                present = {p.employee_no for p in people}
                gone = [r for no, r in existing.items() if r.active and no not in present]
                for r in gone:
                    conn.execute(update(E).where(E.c.id == r.id).values(active=False, updated_at=now))
                    res.deactivated.append(r.employee_no)
            self.log(actor, "import-roster", {"source": source, "added": res.added, "updated": res.updated,
                                              "deactivated": res.deactivated, "reactivated": res.reactivated},
                     conn=conn)
        return res

    def deactivate(self, employee_no: str, actor: str, reason: str = "") -> None:
        with self.w.begin() as conn:
            n = conn.execute(update(E).where(E.c.employee_no == employee_no)
                             .values(active=False, updated_at=self.now_text())).rowcount
            if not n:
                raise AckError(f"no employee with 工号 {employee_no}")
            self.log(actor, "deactivate", {"employee_no": employee_no, "reason": reason}, conn=conn)

    def employee_by_no(self, employee_no: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(E).where(E.c.employee_no == employee_no)).mappings().first()
        return dict(row) if row else None

    def employee(self, employee_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(E).where(E.c.id == employee_id)).mappings().first()
        return dict(row) if row else None

    def count_employees(self, active_only: bool = True) -> int:
        with self.engine.connect() as conn:
            q = select(func.count()).select_from(E)
            if active_only:
                q = q.where(E.c.active.is_(True))
            return conn.execute(q).scalar_one()

    def departments(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(E.c.department).distinct().order_by(E.c.department))]

    def positions(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(E.c.position).where(E.c.position != "").distinct()
                                               .order_by(E.c.position))]

    # -- campaigns --------------------------------------------------------------
    @staticmethod
    def _audience_filter(kind: str, value: str):
        if kind == "all":
            return E.c.active.is_(True)
        names = [v.strip() for v in value.replace("，", ",").replace("、", ",").split(",") if v.strip()]
        col = E.c.department if kind == "department" else E.c.position
        return and_(E.c.active.is_(True), col.in_(names))

    def open_campaign(self, spec: CampaignSpec, texts: list[CampaignText], opened_by: str, ip: str = "") -> int:
        """Create a campaign with its published texts and the audience as of now."""
        if spec.audience_kind not in AUDIENCE_KINDS:
            raise AckError(f"audience must be one of {', '.join(AUDIENCE_KINDS)}")
        if spec.audience_kind != "all" and not spec.audience_value.strip():
            raise AckError(f"name the {spec.audience_kind}(s) of the audience")
        if not spec.requires_ack and not spec.waiver_reason.strip():
            raise AckError("a re-issue without new acknowledgement needs a recorded reason")
        if spec.requires_ack and not texts:
            raise AckError(f"{spec.policy_id} {spec.version}: no published file to show")
        now = self.now_text()
        with self.w.begin() as conn:
            if spec.carries_from is not None and conn.execute(select(C.c.id).where(C.c.id == spec.carries_from)).first() is None:
                raise AckError(f"campaign {spec.carries_from} does not exist")
            try:
                cid = conn.execute(insert(C).values(
                    policy_id=spec.policy_id, version=spec.version, title=spec.title,
                    audience_kind=spec.audience_kind, audience_value=spec.audience_value.strip(),
                    due_date=spec.due_date.isoformat(), requires_ack=spec.requires_ack,
                    waiver_reason=spec.waiver_reason.strip(), carries_from=spec.carries_from,
                    release_hash=spec.release_hash, content_hash=spec.content_hash,
                    opened_by=opened_by, opened_at=now)).inserted_primary_key[0]
            except IntegrityError:
                raise AckError(f"a campaign for {spec.policy_id} {spec.version} with this audience already exists") from None
            for t in texts:
                conn.execute(insert(CT).values(campaign_id=cid, locale=t.locale, title=t.title, html=t.html,
                                               html_sha256=t.html_sha256, file_path=t.file_path,
                                               file_sha256=t.file_sha256, file_signed=t.file_signed))
            ids = [r[0] for r in conn.execute(select(E.c.id).where(self._audience_filter(spec.audience_kind,
                                                                                         spec.audience_value)))]
            if ids:
                conn.execute(insert(M), [{"campaign_id": cid, "employee_id": i, "added_at": now} for i in ids])
            self.log(opened_by, "campaign-open", {
                "campaign": cid, "policy": spec.policy_id, "version": spec.version, "audience": spec.audience_kind,
                "audience_value": spec.audience_value, "due": spec.due_date.isoformat(), "members": len(ids),
                "requires_ack": spec.requires_ack, "waiver_reason": spec.waiver_reason,
                "carries_from": spec.carries_from}, ip, conn=conn)
        return cid

    def sync_members(self, campaign_id: int, actor: str) -> int:
        """Add employees who joined the audience since the campaign opened (new hires, transfers)."""
        camp = self.campaign(campaign_id)
        now = self.now_text()
        with self.w.begin() as conn:
            have = {r[0] for r in conn.execute(select(M.c.employee_id).where(M.c.campaign_id == campaign_id))}
            ids = [r[0] for r in conn.execute(select(E.c.id).where(
                self._audience_filter(camp["audience_kind"], camp["audience_value"]))) if r[0] not in have]
            if ids:
                conn.execute(insert(M), [{"campaign_id": campaign_id, "employee_id": i, "added_at": now} for i in ids])
            self.log(actor, "campaign-sync", {"campaign": campaign_id, "added": len(ids)}, conn=conn)
        return len(ids)

    def campaign(self, campaign_id: int) -> dict:
        hit = self._campaigns.get(campaign_id)
        if hit is not None:
            return dict(hit)
        with self.engine.connect() as conn:
            row = conn.execute(select(C).where(C.c.id == campaign_id)).mappings().first()
        if row is None:
            raise AckError(f"no campaign {campaign_id}", code="not-found")
        self._campaigns[campaign_id] = dict(row)
        return dict(row)

    def campaigns(self, policy_id: str | None = None, version: str | None = None) -> list[dict]:
        q = select(C).order_by(C.c.id.desc())
        if policy_id:
            q = q.where(C.c.policy_id == policy_id)
        if version:
            q = q.where(C.c.version == version)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def campaign_texts(self, campaign_id: int) -> dict[str, dict]:
        """locale → rendered text and published file of a campaign (read-only: do not modify)."""
        hit = self._texts.get(campaign_id)
        if hit is not None:
            return hit
        with self.engine.connect() as conn:
            rows = conn.execute(select(CT).where(CT.c.campaign_id == campaign_id)).mappings().all()
        texts = {r["locale"]: dict(r) for r in rows}
        if texts:
            self._texts[campaign_id] = texts
        return texts

    def members(self, campaign_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(E).join(M, M.c.employee_id == E.c.id).where(M.c.campaign_id == campaign_id)
                                .order_by(E.c.department, E.c.employee_no)).mappings().all()
        return [dict(r) for r in rows]

    # -- tokens -----------------------------------------------------------------
    def issue_tokens(self, campaign_id: int, employee_ids: list[int], expires: int, purpose: str) -> dict[int, str]:
        """A new token id per employee (the link itself is signed in ``tokens.py``)."""
        now = self.now_text()
        out = {eid: secrets.token_urlsafe(16) for eid in employee_ids}
        rows = [{"id": tid, "campaign_id": campaign_id, "employee_id": eid, "issued_at": now, "expires": expires,
                 "purpose": purpose} for eid, tid in out.items()]
        with self.w.begin() as conn:
            for i in range(0, len(rows), 1000):
                conn.execute(insert(tokens), rows[i:i + 1000])
        return out

    def token(self, token_id: str) -> TokenRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(tokens).where(tokens.c.id == token_id)).first()
        return TokenRow(r.id, r.campaign_id, r.employee_id, r.expires, r.purpose) if r else None

    # -- acknowledgements ---------------------------------------------------------
    def _insert_ack(self, conn, values: dict) -> dict:
        values["row_hash"] = ack_row_hash(values)
        seq = conn.execute(insert(A).values(**values)).inserted_primary_key[0]
        return dict(values, seq=seq)

    def _round(self, conn, campaign_id: int, employee_id: int) -> int:
        return conn.execute(select(func.count()).select_from(A).where(
            A.c.campaign_id == campaign_id, A.c.employee_id == employee_id, A.c.kind == "void")).scalar_one()

    def _base(self, conn, campaign_id: int, employee_id: int) -> tuple[dict, dict]:
        camp = conn.execute(select(C).where(C.c.id == campaign_id)).mappings().first()
        emp = conn.execute(select(E).where(E.c.id == employee_id)).mappings().first()
        if camp is None or emp is None:
            raise AckError("unknown campaign or employee", code="not-found")
        return dict(camp), dict(emp)

    def link_state(self, tok: TokenRow) -> tuple[dict | None, dict | None]:
        """(the record this link made, the employee's valid acknowledgement) — one query."""
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(A).where(
                A.c.campaign_id == tok.campaign_id, A.c.employee_id == tok.employee_id).order_by(A.c.seq)).mappings()]
        used = next((r for r in rows if r["token_id"] == tok.id), None)
        return used, _effective(rows).get(tok.employee_id)

    def effective_ack(self, campaign_id: int, employee_id: int, conn=None) -> dict | None:
        """The employee's valid acknowledgement in this campaign (not voided), if any."""
        def run(c):
            rows = c.execute(select(A).where(A.c.campaign_id == campaign_id, A.c.employee_id == employee_id)
                             .order_by(A.c.seq)).mappings().all()
            return _effective([dict(r) for r in rows]).get(employee_id)
        if conn is not None:
            return run(conn)
        with self.engine.connect() as c:
            return run(c)

    def record_online(self, tok: TokenRow, *, locale: str, statement: str, file_sha256: str, text_sha256: str,
                      ip: str, user_agent: str, shown_at: str) -> dict:
        """Record one online acknowledgement through a personal link; refuses a used link
        and a second acknowledgement of the same campaign (AlreadyAcknowledged)."""
        now = self.clock()
        camp = self.campaign(tok.campaign_id)
        try:
            with self.w.begin() as conn:
                emp = conn.execute(select(E).where(E.c.id == tok.employee_id)).mappings().first()
                if emp is None or not emp["active"]:
                    raise AckError("this employee is no longer active", code="inactive")
                rnd = self._round(conn, tok.campaign_id, tok.employee_id)
                return self._insert_ack(conn, {
                    "ack_key": f"{tok.campaign_id}:{tok.employee_id}:{rnd}", "kind": "online",
                    "campaign_id": tok.campaign_id, "employee_id": tok.employee_id,
                    "employee_no": emp["employee_no"], "employee_name": emp["name"], "department": emp["department"],
                    "policy_id": camp["policy_id"], "version": camp["version"], "locale": locale,
                    "file_sha256": file_sha256, "text_sha256": text_sha256, "statement": statement,
                    "recorded_at": now.isoformat(), "day": now.date().isoformat(), "ip": ip[:64],
                    "user_agent": user_agent[:1000], "token_id": tok.id, "shown_at": shown_at,
                    "entered_by": "", "note": "", "scan_sha256": "", "signed_on": "", "voids_seq": None})
        except IntegrityError:
            with self.engine.connect() as conn:
                used = conn.execute(select(A).where(A.c.token_id == tok.id)).mappings().first()
            if used is not None:
                raise AlreadyAcknowledged("this link has already been used", dict(used)) from None
            existing = self.effective_ack(tok.campaign_id, tok.employee_id)
            raise AlreadyAcknowledged("already acknowledged", existing) from None

    def record_paper(self, campaign_id: int, employee_no: str, *, entered_by: str, note: str, scan_sha256: str,
                     signed_on: date, statement: str, ip: str = "") -> dict:
        """Enter a signed paper acknowledgement on behalf of an employee (note and scan hash required)."""
        if not note.strip():
            raise AckError("a paper acknowledgement needs a note (where the signed form is kept)")
        if len(scan_sha256) != 64 or any(c not in "0123456789abcdef" for c in scan_sha256):
            raise AckError("the scanned file's SHA-256 is missing or malformed")
        emp_row = self.employee_by_no(employee_no)
        if emp_row is None:
            raise AckError(f"no employee with 工号 {employee_no}")
        now = self.clock()
        try:
            with self.w.begin() as conn:
                camp, emp = self._base(conn, campaign_id, emp_row["id"])
                member = conn.execute(select(M).where(M.c.campaign_id == campaign_id,
                                                      M.c.employee_id == emp["id"])).first()
                if member is None:
                    raise AckError(f"{emp['name']} ({employee_no}) is not in the audience of campaign {campaign_id}")
                rnd = self._round(conn, campaign_id, emp["id"])
                rec = self._insert_ack(conn, {
                    "ack_key": f"{campaign_id}:{emp['id']}:{rnd}", "kind": "paper",
                    "campaign_id": campaign_id, "employee_id": emp["id"], "employee_no": emp["employee_no"],
                    "employee_name": emp["name"], "department": emp["department"], "policy_id": camp["policy_id"],
                    "version": camp["version"], "locale": "", "file_sha256": "", "text_sha256": "",
                    "statement": statement, "recorded_at": now.isoformat(), "day": now.date().isoformat(),
                    "ip": ip[:64], "user_agent": "", "token_id": None, "shown_at": "", "entered_by": entered_by,
                    "note": note.strip(), "scan_sha256": scan_sha256, "signed_on": signed_on.isoformat(),
                    "voids_seq": None})
                self.log(entered_by, "paper-ack", {"campaign": campaign_id, "employee_no": employee_no,
                                                   "seq": rec["seq"], "scan_sha256": scan_sha256, "note": note}, ip,
                         conn=conn)
                return rec
        except IntegrityError:
            existing = self.effective_ack(campaign_id, emp_row["id"])
            raise AlreadyAcknowledged(f"{employee_no} has already acknowledged (record #{existing['seq'] if existing else '?'})",
                                      existing) from None

    def void(self, seq: int, *, by: str, reason: str, ip: str = "") -> dict:
        """A correction: a new record that voids acknowledgement ``seq`` (which stays stored)."""
        if not reason.strip():
            raise AckError("a correction needs a reason")
        now = self.clock()
        try:
            with self.w.begin() as conn:
                target = conn.execute(select(A).where(A.c.seq == seq)).mappings().first()
                if target is None or target["kind"] == "void":
                    raise AckError(f"no acknowledgement #{seq}")
                rec = self._insert_ack(conn, {
                    "ack_key": f"void:{seq}", "kind": "void", "campaign_id": target["campaign_id"],
                    "employee_id": target["employee_id"], "employee_no": target["employee_no"],
                    "employee_name": target["employee_name"], "department": target["department"],
                    "policy_id": target["policy_id"], "version": target["version"], "locale": "",
                    "file_sha256": "", "text_sha256": "", "statement": "", "recorded_at": now.isoformat(),
                    "day": now.date().isoformat(), "ip": ip[:64], "user_agent": "", "token_id": None,
                    "shown_at": "", "entered_by": by, "note": reason.strip(), "scan_sha256": "", "signed_on": "",
                    "voids_seq": seq})
                self.log(by, "void", {"seq": seq, "reason": reason, "void_seq": rec["seq"]}, ip, conn=conn)
                return rec
        except IntegrityError:
            raise AckError(f"acknowledgement #{seq} is already voided") from None

    def acks_for_campaign(self, campaign_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(A).where(A.c.campaign_id == campaign_id)
                                                  .order_by(A.c.seq)).mappings()]

    def all_acks(self, *, day: str | None = None) -> list[dict]:
        q = select(A).order_by(A.c.seq)
        if day is not None:
            q = q.where(A.c.day == day)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def stored_seals(self) -> list[dict]:
        """The database's own copy of the daily seals (``seals`` table), oldest day first."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(db.seals).order_by(db.seals.c.day)).mappings()]

    def count_acks(self, kind: str | None = None) -> int:
        q = select(func.count()).select_from(A)
        if kind:
            q = q.where(A.c.kind == kind)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    # -- status -----------------------------------------------------------------
    def status(self, campaign_id: int, *, today: date | None = None) -> list[MemberStatus]:
        """Every member of the campaign with acknowledged / pending / overdue / left.

        A re-issue that needs no new acknowledgement shows the acknowledgements
        of the campaign it carries over from.
        """
        camp = self.campaign(campaign_id)
        today = today or self.clock().date()
        source = campaign_id
        if not camp["requires_ack"] and camp["carries_from"] is not None:
            source = camp["carries_from"]
        acks = _effective(self.acks_for_campaign(source))
        overdue = date.fromisoformat(camp["due_date"]) < today
        out = []
        for m in self.members(campaign_id):
            ack = acks.get(m["id"])
            if ack is not None:
                state = "acknowledged"
            elif not m["active"]:
                state = "left"
            else:
                state = "overdue" if overdue else "pending"
            out.append(MemberStatus(m["id"], m["employee_no"], m["name"], m["department"], m["position"],
                                    m["email"], m["locale"], bool(m["active"]), state, ack))
        return out

    # -- reminders ----------------------------------------------------------------
    def reminder_sent(self, campaign_id: int, employee_id: int, slot: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(reminders.c.id).where(
                reminders.c.campaign_id == campaign_id, reminders.c.employee_id == employee_id,
                reminders.c.slot == slot)).first() is not None

    def sent_slots(self, campaign_id: int) -> set[tuple[int, str]]:
        with self.engine.connect() as conn:
            return {(r.employee_id, r.slot) for r in conn.execute(
                select(reminders.c.employee_id, reminders.c.slot).where(reminders.c.campaign_id == campaign_id))}

    def claim_reminder(self, campaign_id: int, employee_id: int, slot: str) -> bool:
        """Reserve a reminder slot before sending (False: someone already sent it)."""
        try:
            with self.w.begin() as conn:
                conn.execute(insert(reminders).values(campaign_id=campaign_id, employee_id=employee_id, slot=slot,
                                                      sent_at=self.now_text(), status="sending"))
            return True
        except IntegrityError:
            return False

    def reminder_result(self, campaign_id: int, employee_id: int, slot: str, status: str) -> None:
        with self.w.begin() as conn:
            conn.execute(update(reminders).where(reminders.c.campaign_id == campaign_id,
                                                 reminders.c.employee_id == employee_id, reminders.c.slot == slot)
                         .values(status=status[:200], sent_at=self.now_text()))


def _effective(rows: list[dict]) -> dict[int, dict]:
    """employee id → the latest online/paper acknowledgement that no void record cancels."""
    voided = {r["voids_seq"] for r in rows if r["kind"] == "void"}
    out: dict[int, dict] = {}
    for r in rows:
        if r["kind"] in ACK_KINDS and r["seq"] not in voided:
            out[r["employee_id"]] = r
    return out
