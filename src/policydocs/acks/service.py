"""The acknowledgement service façade: what the web app and the CLI do, in one place.

``AckService`` ties the settings, the database (``store``), the publication,
the signed links (``tokens``) and the mail together; neither the web layer
nor the CLI touches tables or SMTP directly.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from ..read.config import Config, load_config
from . import db, migrate, publication, texts
from .exports import VersionReport
from .mail import Mailer, MailError, build_message, current_slot
from .seal import ledger_seals, verify_acks
from .settings import AcksSettings, load_settings, service_secret
from .store import AckError, AckStore, CampaignSpec, CampaignText, MemberStatus, local_now
from .tokens import Signer
from .words import words


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)  # employee numbers
    failed: list[tuple[str, str]] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)
    skipped: int = 0


class AckService:
    def __init__(self, settings: AcksSettings, *, engine=None, clock=local_now, check_schema: bool = True):
        self.settings = settings
        self.root = settings.project_root
        if engine is None and check_schema:
            missing = db.sqlite_file(settings.database)
            if missing is not None and not missing.exists():  # refuse before connecting creates an empty file
                raise _schema_error(settings.database, None)
        self.engine = engine if engine is not None else db.make_engine(settings.database)
        if check_schema:
            have, want = migrate.current_revision(self.engine), migrate.head_revision()
            if have != want:
                self.engine.dispose()
                raise _schema_error(settings.database, have)
        self.store = AckStore(self.engine, clock)
        self.signer = Signer(service_secret(self.store.database_id))
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.root)
        return self._config

    def close(self) -> None:
        self.engine.dispose()

    # -- campaigns --------------------------------------------------------------
    def open_campaign(self, policy_id: str, version: str, *, audience_kind: str, audience_value: str, due: date,
                      opened_by: str, requires_ack: bool = True, reason: str = "", ip: str = "") -> int:
        """Open a campaign on a published version: render its frozen text per locale and keep the exact files."""
        if not requires_ack and not reason.strip():
            raise AckError("a re-issue without new acknowledgement needs a recorded reason")
        pv, release = publication.find_published(self.root, policy_id, version)
        carries = None
        if not requires_ack:
            earlier = [c for c in self.store.campaigns(policy_id) if c["requires_ack"] and c["version"] != version]
            if not earlier:
                raise AckError(f"{policy_id}: no earlier campaign whose acknowledgements could carry over to {version}")
            carries = earlier[0]["id"]
        if due < self.store.clock().date() and requires_ack:
            raise AckError(f"the due date {due.isoformat()} is in the past")
        doc = texts.ensure_renderable(self.root, release)
        out = []
        for loc in pv.locales:
            f = pv.pdf(loc)
            stored = publication.keep_copy(f, self.settings.files_dir)
            title, html = texts.render_text(self.config, doc, release, loc)
            out.append(CampaignText(loc, title, html, stored, f.sha256, f.signed))
        spec = CampaignSpec(policy_id, version, pv.title, audience_kind, audience_value, due,
                            release.record_hash, release.content_hash, requires_ack, reason, carries)
        return self.store.open_campaign(spec, out, opened_by, ip)

    def status(self, campaign_id: int) -> list[MemberStatus]:
        return self.store.status(campaign_id)

    # -- links ------------------------------------------------------------------
    def _expiry(self) -> int:
        return int(time.time()) + self.settings.token_days * 86400

    def links(self, campaign_id: int, employee_ids: list[int], purpose: str = "link") -> dict[int, str]:
        """Fresh personal links (one per employee) — full URLs under ``base_url``."""
        expires = self._expiry()
        ids = self.store.issue_tokens(campaign_id, employee_ids, expires, purpose)
        return {eid: f"{self.settings.base_url}/a/{self.signer.link_token(tid, expires)}" for eid, tid in ids.items()}

    def pending(self, campaign_id: int) -> list[MemberStatus]:
        return [m for m in self.store.status(campaign_id) if m.state in ("pending", "overdue")]

    # -- mail -------------------------------------------------------------------
    def _mail_text(self, camp: dict, m: MemberStatus, link: str, slot: str, expires: int) -> tuple[str, str]:
        w = words(m.locale)
        texts_by_locale = self.store.campaign_texts(camp["id"])
        title = (texts_by_locale.get(m.locale) or next(iter(texts_by_locale.values()), {})).get("title", camp["title"])
        due = camp["due_date"]
        fmt = dict(title=title, version=camp["version"], doc_no=camp["policy_id"], due=due, name=m.name, link=link,
                   expires=datetime.fromtimestamp(expires).date().isoformat(),
                   org=self.config.organisation.name_for(m.locale))
        if slot.startswith("overdue"):
            subject = w["mail_overdue_subject"].format(**fmt)
        elif slot == "invite":
            subject = w["mail_subject"].format(**fmt)
        else:
            subject = w["mail_reminder_subject"].format(**fmt)
        return subject, w["mail_body"].format(**fmt)

    def send(self, campaign_id: int, members: list[MemberStatus], slot_of, actor: str, ip: str = "") -> SendReport:
        """Mail a fresh link to each member whose slot (``slot_of(member)``) has not been used yet."""
        camp = self.store.campaign(campaign_id)
        if not camp["requires_ack"]:
            raise AckError("this re-issue needs no new acknowledgement: nothing to send")
        rep = SendReport()
        todo = []
        for m in members:
            slot = slot_of(m)
            if slot is None:
                rep.skipped += 1
            elif not m.email:
                rep.no_email.append(m.employee_no)
            else:
                todo.append((m, slot))
        if todo:
            with Mailer(self.settings.smtp) as mailer:
                for m, slot in todo:
                    if not self.store.claim_reminder(campaign_id, m.employee_id, slot):
                        rep.skipped += 1
                        continue
                    expires = self._expiry()
                    tid = self.store.issue_tokens(campaign_id, [m.employee_id], expires, slot[:32])[m.employee_id]
                    link = f"{self.settings.base_url}/a/{self.signer.link_token(tid, expires)}"
                    subject, body = self._mail_text(camp, m, link, slot, expires)
                    try:
                        mailer.send(build_message(self.settings.smtp, m.email, m.name, subject, body))
                    except MailError as exc:
                        self.store.reminder_result(campaign_id, m.employee_id, slot, f"failed: {exc}")
                        rep.failed.append((m.employee_no, str(exc)))
                        continue
                    self.store.reminder_result(campaign_id, m.employee_id, slot, "sent")
                    rep.sent.append(m.employee_no)
        self.store.log(actor, "mail", {"campaign": campaign_id, "sent": len(rep.sent), "failed": rep.failed,
                                       "no_email": rep.no_email, "skipped": rep.skipped}, ip)
        return rep

    def remind_now(self, campaign_id: int, actor: str, ip: str = "") -> SendReport:
        """HR's button: a reminder to everyone still pending or overdue, now."""
        stamp = self.store.clock().strftime("%Y%m%dT%H%M%S")
        return self.send(campaign_id, self.pending(campaign_id), lambda m: f"manual-{stamp}", actor, ip)

    def scheduled_reminders(self, actor: str = "scheduler", today: date | None = None) -> dict[int, SendReport]:
        """Invitations and reminders that are due today for every open campaign (idempotent)."""
        today = today or self.store.clock().date()
        out = {}
        for camp in self.store.campaigns():
            if not camp["requires_ack"]:
                continue
            due = date.fromisoformat(camp["due_date"])
            if today > due + timedelta(days=90):
                continue
            slot = current_slot(today, due, self.settings.reminders)
            if slot is None:
                continue
            sent = self.store.sent_slots(camp["id"])
            members = [m for m in self.pending(camp["id"]) if (m.employee_id, slot) not in sent]
            if members:
                try:
                    out[camp["id"]] = self.send(camp["id"], members, lambda m, s=slot: s, actor)
                except MailError as exc:
                    self.store.log(actor, "mail-failed", {"campaign": camp["id"], "error": str(exc)})
        return out

    def deactivate(self, employee_no: str, actor: str, reason: str = "") -> None:
        self.store.deactivate(employee_no, actor, reason)


def _schema_error(url: str, have: str | None) -> AckError:
    return AckError(f"the acknowledgement database {db.redacted(url)} is at schema {have or 'none'}, this "
                    f"policydocs needs {migrate.head_revision()}: run `policydocs acks migrate`", code="schema")


def open_service(project_root: str | Path, database: str | None = None, *, listen: str | None = None,
                 **kw) -> AckService:
    """The service for a project (settings from ``acks.toml`` and the environment); see ``load_settings``."""
    return AckService(load_settings(project_root, database=database, listen=listen), **kw)


def create_embedded_database(settings: AcksSettings) -> tuple[str, str] | None:
    """On first start, give the project's embedded SQLite database (``acks/acks.sqlite3``) its schema.

    Only the default database: an operator who names a database (PostgreSQL or
    another file) migrates it deliberately with ``policydocs acks migrate``, and a
    database at an older schema is never upgraded behind their back either.
    Returns (schema, database id) when it created the schema, else None.
    """
    if settings.database != db.default_url(settings.project_root):
        return None
    engine = db.make_engine(settings.database)
    try:
        if migrate.current_revision(engine) is not None:
            return None
        _before, after = migrate.upgrade(engine)
        return after, AckStore(engine).database_id
    finally:
        engine.dispose()


def version_report(service: AckService, policy_id: str, version: str) -> VersionReport:
    """Everything recorded for one policy version: campaigns, who acknowledged how, seals, tampering."""
    camps = service.store.campaigns(policy_id, version)
    if not camps:
        raise AckError(f"no acknowledgement campaign for {policy_id} {version}")
    rep = VersionReport(policy_id, version)
    for c in reversed(camps):
        members = service.store.status(c["id"])
        counts = {"acknowledged": 0, "pending": 0, "overdue": 0, "left": 0}
        for m in members:
            counts[m.state] += 1
        audience = "everyone" if c["audience_kind"] == "all" else f"{c['audience_kind']}: {c['audience_value']}"
        rep.campaigns.append(dict(c, counts=counts, audience=audience,
                                  files={loc: t["file_sha256"] for loc, t in service.store.campaign_texts(c["id"]).items()},
                                  members=[asdict(m) for m in members]))
    rep.problems, _summary = verify_acks(service.store, service.root)
    rep.seals = ledger_seals(service.root, service.store.database_id)
    return rep
