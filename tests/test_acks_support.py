"""Helpers for the acknowledgement tests (no tests here): a throw-away PostgreSQL cluster,
an SMTP sink, the test project with a published version, and the service as a real process.

PostgreSQL: Debian's ``postgresql`` (15) ships initdb/pg_ctl under
/usr/lib/postgresql/15/bin; they refuse to run as root, so as root the cluster
lives in a temp dir owned by ``postgres`` and the tools run through
``runuser -u postgres --``, on a free port and a private socket directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import run_cli

PG_BINDIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
ROSTER = """部门,姓名,工号,岗位,邮箱
人力资源部,张三,E001,专员,zhangsan@example.com
人力资源部,赵六,E004,经理,zhaoliu@example.com
生产部,李四,E002,操作工,lisi@example.com
生产部,王五,E003,班长,
质量部,"<script>alert(1)</script>",E005,检验员,x5@example.com
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bindir() -> str | None:
    for d in PG_BINDIRS:
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    return None


class PostgresCluster:
    """A private PostgreSQL server for the tests: started in ``__init__``, removed by ``close``."""

    def __init__(self) -> None:
        bindir = pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql; make setup installs it)")
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="policydocs-pg-"))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.sock.mkdir()
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        self.port = free_port()
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        opts = f"-c listen_addresses='' -c unix_socket_directories={self.sock} -p {self.port} -c fsync=on " \
               f"-c max_connections=200 -c shared_buffers=64MB"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.base / "log"), "-w", "-t", "60", "start")
        self.n = 0

    def _run(self, tool: str, *args: str) -> None:
        cmd = [os.path.join(self.bindir, tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{tool} failed: {proc.stdout}\n{proc.stderr}")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.sock}&port={self.port}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        import psycopg

        with psycopg.connect(host=str(self.sock), port=self.port, user="postgres", dbname=dbname,
                             autocommit=True) as conn:
            cur = conn.execute(sql)
            return str(cur.fetchall()) if cur.description else ""

    def new_database(self) -> str:
        self.n += 1
        name = f"acks_{os.getpid()}_{self.n}"
        self.psql(f"CREATE DATABASE {name}")
        return name

    def close(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


class SmtpSink:
    """A local SMTP server (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                from email import policy

                sink.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        self.messages: list = []
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def toml(self) -> str:
        return f'[smtp]\nhost = "127.0.0.1"\nport = {self.port}\nsender = "hr@example.com"\n'

    def wait(self, n: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def close(self) -> None:
        self.controller.stop()


def make_acks_project(root: Path) -> Path:
    """The portal test project (every policy released; HR-LV-002 as A/0 and A/1) with HR-LV-002 and
    XSS-1 published (signed PDFs on the publication record), and a roster file.
    XDG_CONFIG_HOME must be set (demo signing identity, private keys)."""
    from test_site_support import make_site_project

    from policydocs.trust.signing import DEMO_PASSPHRASE

    make_site_project(root)
    proc = run_cli("-C", str(root), "build", "--policy", "HR-LV-002", "--policy", "XSS-1", "--formats", "pdf", "-q",
                   cwd=root, env={"POLICYDOCS_SIGNING_PASSPHRASE": DEMO_PASSPHRASE})
    assert proc.returncode == 0, proc.stderr
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return root


class ServerProcess:
    """``policydocs acks serve`` as a real process on a free port."""

    def __init__(self, root: Path, database: str, *, env: dict | None = None, workers: int = 1,
                 args: tuple[str, ...] = ()):
        self.root, self.database, self.workers = root, database, workers
        self.port = free_port()
        self.env = dict(os.environ, POLICYDOCS_ACKS_DATABASE=database, **(env or {}))
        self.args = args
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log = open(self.root / f"serve-{self.port}.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "policydocs", "-C", str(self.root), "acks", "serve",
                                      "--port", str(self.port), "--workers", str(self.workers), *self.args],
                                     env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.root / f'serve-{self.port}.log').read_text()}")
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL the server and its workers (a crash, not a shutdown)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


# ---------------------------------------------------------------------------
# fixtures (imported by the test modules)
# ---------------------------------------------------------------------------

import pytest  # noqa: E402

HR_PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def acks_built(tmp_path_factory):
    """One built project per test session (copied per test)."""
    base = tmp_path_factory.mktemp("acks-built")
    xdg = base / "xdg"
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CONFIG_HOME", str(xdg))
    try:
        root = make_acks_project(base / "proj")
    finally:
        mp.undo()
    return root, xdg


@pytest.fixture
def acks_root(acks_built, tmp_path, monkeypatch) -> Path:
    """A private copy of the built project (its ledger receives seals)."""
    src, xdg = acks_built
    dst = tmp_path / "proj"
    shutil.copytree(src, dst, symlinks=True)
    xdg_copy = tmp_path / "xdg"
    shutil.copytree(xdg, xdg_copy)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg_copy))
    monkeypatch.delenv("POLICYDOCS_ACKS_DATABASE", raising=False)
    monkeypatch.delenv("POLICYDOCS_ACKS_SECRET", raising=False)
    return dst


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PostgresCluster()
    try:
        yield cluster
    finally:
        cluster.close()


DATABASES = [pytest.param("sqlite", id="sqlite"),
             pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def db_url(request, tmp_path) -> str:
    """The same test on the embedded SQLite database and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'acks.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.url(cluster.new_database())


@pytest.fixture
def service(acks_root, db_url):
    """A migrated database with the roster imported and an HR user; the service object."""
    from policydocs.acks import db, migrate
    from policydocs.acks.service import open_service
    from policydocs.acks.store import Person
    from policydocs.acks.web import hash_password
    from policydocs.read.roster import load_roster

    engine = db.make_engine(db_url)
    migrate.upgrade(engine)
    engine.dispose()
    svc = open_service(acks_root, db_url)
    people = [Person(e.employee_no, e.name, e.department, e.position, e.email, "")
              for e in load_roster(acks_root / "roster.csv", group=False)]
    svc.store.import_people(people, default_locale="zh-Hans", deactivate_missing=False, actor="test")
    svc.store.add_hr_user("hr", hash_password(HR_PASSWORD), actor="test")
    try:
        yield svc
    finally:
        svc.close()
