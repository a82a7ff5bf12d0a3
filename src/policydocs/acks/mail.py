"""E-mail through the configured SMTP server, and the reminder schedule.

Which mail an employee gets on a given day (at most one per run):

- before the first ``before_days`` window: ``invite``;
- within ``d`` days of the due date: ``before-d`` (the smallest d that applies);
- on the due date: ``due`` (when ``on_due``);
- after it: ``overdue-k``, one per ``after_every_days`` period.

Each slot is claimed in the database before sending (``reminders`` table,
unique per campaign, employee and slot), so two server processes never send
the same reminder twice.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from .settings import ReminderSettings, SmtpSettings


class MailError(RuntimeError):
    pass


def current_slot(today: date, due: date, rules: ReminderSettings) -> str | None:
    """The reminder slot of ``today`` for a campaign due on ``due`` (None: nothing to send)."""
    if today > due:
        if rules.after_every_days <= 0:
            return None
        return f"overdue-{(today - due).days // rules.after_every_days}"
    if today == due:
        return "due" if rules.on_due else None
    days_left = (due - today).days
    fitting = [d for d in rules.before_days if d > 0 and days_left <= d]
    return f"before-{min(fitting)}" if fitting else "invite"


def build_message(smtp: SmtpSettings, to: str, name: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = formataddr((name, to))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    msg.set_content(body)
    return msg


class Mailer:
    """One SMTP connection for a batch of messages."""

    def __init__(self, smtp: SmtpSettings):
        if not smtp.configured:
            raise MailError("no SMTP server configured ([smtp] host and sender in acks.toml)")
        self.smtp = smtp
        self.conn: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        s = self.smtp
        try:
            if s.ssl:
                self.conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                self.conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    self.conn.starttls(context=ssl.create_default_context())
            if s.username:
                self.conn.login(s.username, s.password)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot reach SMTP server {s.host}:{s.port}: {exc}") from None
        return self

    def send(self, msg: EmailMessage) -> None:
        assert self.conn is not None
        try:
            self.conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"recipient refused: {', '.join(exc.recipients)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(str(exc)) from None

    def __exit__(self, *exc) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
