"""Settings of the acknowledgement service: ``<project>/acks.toml``, environment, command line.

``policydocs.toml`` is validated strictly by ``read/config.py`` and belongs to
the documents; the service's own settings (database, public address, SMTP,
reminder schedule) live beside it in ``acks.toml``, which is optional::

    [acks]
    database = "postgresql://acks@/acks?host=/run/postgresql"   # default: acks/acks.sqlite3
    base_url = "https://policies.example.com"  # how links in e-mails start (default: where `serve` listens)
    token_days = 30                            # a personal link expires after …
    sso_header = "X-Remote-User"               # trust this header from the reverse proxy
    secure_cookies = true

    [smtp]
    host = "smtp.example.com"
    port = 587
    sender = "hr@example.com"
    starttls = true
    username = "hr@example.com"                # password from $POLICYDOCS_SMTP_PASSWORD

    [reminders]
    before_days = [7, 1]     # reminders this many days before the due date
    on_due = true            # and on the due date
    after_every_days = 3     # then every N days while overdue (0: never)
    check_minutes = 60       # how often the server looks for due reminders

Environment: ``POLICYDOCS_ACKS_DATABASE`` (URL), ``POLICYDOCS_ACKS_SECRET`` (the
key that signs links and cookies; default: a random key kept in the user's
config directory), ``POLICYDOCS_SMTP_PASSWORD``.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..core.errors import PolicyError
from . import db

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETTINGS_FILE = "acks.toml"
DATABASE_ENV = "POLICYDOCS_ACKS_DATABASE"
SECRET_ENV = "POLICYDOCS_ACKS_SECRET"
SMTP_PASSWORD_ENV = "POLICYDOCS_SMTP_PASSWORD"
DEFAULT_PORT = 8470


@dataclass
class SmtpSettings:
    host: str = ""
    port: int = 25
    sender: str = ""
    starttls: bool = False
    ssl: bool = False
    username: str = ""
    timeout: int = 30

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    @property
    def password(self) -> str:
        return os.environ.get(SMTP_PASSWORD_ENV, "")


@dataclass
class ReminderSettings:
    before_days: list = field(default_factory=lambda: [7, 1])
    on_due: bool = True
    after_every_days: int = 3
    check_minutes: int = 60


@dataclass
class AcksSettings:
    project_root: Path
    database: str = ""
    base_url: str = ""
    token_days: int = 30
    sso_header: str = ""
    secure_cookies: bool = True
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)

    @property
    def files_dir(self) -> Path:
        """Exact copies of the published files employees were shown (content-addressed)."""
        return self.project_root / "acks" / "files"


def _line_of(text: str, key: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line) or line.strip() == f"[{key}]":
            return n
    return 0


def _apply(obj, table: dict, path: Path, text: str, section: str) -> None:
    known = {f.name: f for f in fields(obj) if f.name not in ("project_root", "smtp", "reminders")}
    for key, value in table.items():
        if key not in known:
            raise PolicyError(path, _line_of(text, key), f"unknown key {section}.{key}; known: {', '.join(known)}")
        default = getattr(obj, key)
        if isinstance(default, bool) != isinstance(value, bool) or not isinstance(value, type(default)):
            raise PolicyError(path, _line_of(text, key),
                              f"{section}.{key} must be {type(default).__name__}, got {type(value).__name__}")
        setattr(obj, key, value)


def listen_url(host: str, port: int) -> str:
    """The address a server bound to ``host:port`` is reached at (links when ``base_url`` is not set).

    A wildcard bind (0.0.0.0, ::) is reached under this machine's name; an IPv6
    address goes in brackets.
    """
    if host in ("", "0.0.0.0", "::"):
        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def load_settings(project_root: str | Path, *, database: str | None = None,
                  listen: str | None = None) -> AcksSettings:
    """Settings for a project: defaults, then ``acks.toml``, then the environment, then ``database``.

    ``listen`` (from ``listen_url``) is where the running server is reached: links
    start with it when ``base_url`` is not configured (default http://127.0.0.1:8470).
    """
    root = Path(project_root).resolve()
    st = AcksSettings(project_root=root)
    path = root / SETTINGS_FILE
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(path, 0, f"not valid TOML: {exc}") from None
        sections = {"acks": st, "smtp": st.smtp, "reminders": st.reminders}
        for name, table in data.items():
            if name not in sections or not isinstance(table, dict):
                raise PolicyError(path, _line_of(text, name), f"unknown section [{name}]; known: {', '.join(sections)}")
            _apply(sections[name], table, path, text, name)
        if not all(isinstance(d, int) and d >= 0 for d in st.reminders.before_days):
            raise PolicyError(path, _line_of(text, "before_days"), "reminders.before_days must be whole days ≥ 0")
    st.database = database or os.environ.get(DATABASE_ENV) or st.database or db.default_url(root)
    if not st.base_url:
        st.base_url = listen or listen_url("127.0.0.1", DEFAULT_PORT)
    st.base_url = st.base_url.rstrip("/")
    if st.token_days < 1:
        raise PolicyError(path, _line_of(text if path.is_file() else "", "token_days"), "token_days must be ≥ 1")
    return st


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "policydocs"


def service_secret(database_id: str) -> bytes:
    """The key that signs personal links, reading proofs and HR cookies.

    ``$POLICYDOCS_ACKS_SECRET`` when set (every server of a cluster needs the
    same one); otherwise a random key created once per database in the user's
    config directory (mode 600, never in the project).
    """
    env = os.environ.get(SECRET_ENV)
    if env:
        if len(env) < 32:
            raise PolicyError(SECRET_ENV, 0, "the secret must be at least 32 characters")
        return env.encode("utf-8")
    if not re.fullmatch(r"[0-9a-f-]{36}", database_id):
        raise PolicyError("acks_meta", 0, f"invalid database id {database_id!r}")
    path = _config_home() / f"acks-secret-{database_id}"
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, value + b"\n")
    finally:
        os.close(fd)
    return value
