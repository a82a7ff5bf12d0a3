"""`policydocs acks …` as HR runs it, on SQLite and PostgreSQL: migrate, a Traditional-Chinese XLSX
roster with e-mail addresses, leavers, HR users, campaigns (drafts refused with a clear message),
personal links, reports; and the server sealing finished days on its own."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from test_acks_support import ServerProcess, acks_built, acks_root, db_url, free_port, pg_cluster, service  # noqa: F401

from policydocs.acks.seal import GRACE


def _cli(root, db_url, *args, env=None):
    return run_cli("-C", str(root), "acks", "--database", db_url, *args, cwd=root, env=env)


def test_hr_workflow_from_the_command_line(acks_root, db_url):
    root = acks_root
    proc = _cli(root, db_url, "migrate")
    assert proc.returncode == 0 and "migrated empty → 0001" in proc.stdout, proc.stderr
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年員工名冊"])
    ws.append(["部門", "姓名", "工號", "職位", "電子郵件"])
    ws.append(["研發部", "陳大文", 1001, "工程師", "dw@example.com"])
    ws.append(["研發部", "林小美", 1002, "工程師", ""])
    ws.append(["業務部", "黃志明", 1003, "業務員", "zm@example.com"])
    wb.save(root / "名冊.xlsx")
    proc = _cli(root, db_url, "import-roster", "名冊.xlsx", "--locale", "zh-Hant-TW")
    assert proc.returncode == 0 and "3 added" in proc.stdout, proc.stdout + proc.stderr
    assert "1 employees have no e-mail" in proc.stderr
    proc = _cli(root, db_url, "hr-user", "王芳", env={"POLICYDOCS_HR_PASSWORD": "short"})
    assert proc.returncode == 2 and "at least 10 characters" in proc.stderr
    proc = _cli(root, db_url, "hr-user", "王芳", env={"POLICYDOCS_HR_PASSWORD": "a-long-enough-password"})
    assert proc.returncode == 0 and "argon2" in proc.stdout
    proc = _cli(root, db_url, "campaign", "open", "XSS-1", "草稿", "--due", "2030-01-01")
    assert proc.returncode == 2 and "is a draft" in proc.stderr and "Traceback" not in proc.stderr
    due = (date.today() + timedelta(days=20)).isoformat()
    proc = _cli(root, db_url, "campaign", "open", "HR-LV-002", "A/1", "--due", due, "--department", "研發部")
    assert proc.returncode == 0 and "2 employees" in proc.stdout, proc.stderr
    proc = _cli(root, db_url, "campaign", "links", "1", "--out", "links.csv")
    rows = list(csv.reader(io.StringIO((root / "links.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["部门", "工号", "姓名", "邮箱", "个人链接"] and [r[1] for r in rows[1:]] == ["1001", "1002"]
    assert all(r[4].startswith("http://127.0.0.1:8470/a/") for r in rows[1:])
    # 林小美 leaves: the next roster lacks her
    ws.delete_rows(4)
    wb.save(root / "名冊.xlsx")
    proc = _cli(root, db_url, "import-roster", "名冊.xlsx", "--deactivate-missing")
    assert "1 deactivated" in proc.stdout and "1002" in proc.stdout
    proc = _cli(root, db_url, "campaign", "list")
    assert "HR-LV-002 A/1" in proc.stdout and "left 1" in proc.stdout and "pending 1" in proc.stdout
    proc = _cli(root, db_url, "report", "--policy", "HR-LV-002", "--version", "A/1", "--format", "json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["ok"] and data["campaigns"][0]["counts"]["pending"] == 1
    assert set(data["campaigns"][0]["files"]) == {"zh-Hans", "zh-Hant-TW"}
    proc = _cli(root, db_url, "report", "--policy", "HR-LV-002", "--version", "A/1", "--format", "xlsx",
                "--out", "report.xlsx")
    ws2 = openpyxl.load_workbook(root / "report.xlsx").active
    assert sorted(r[2].value for r in ws2.iter_rows(min_row=3)) == ["林小美", "陳大文"]
    proc = _cli(root, db_url, "report", "--policy", "HR-LV-002", "--version", "A/9")
    assert proc.returncode == 2 and "no acknowledgement campaign" in proc.stderr
    proc = run_cli("acks", "--help", cwd=root)
    assert "examples:" in proc.stdout and "import-roster" in proc.stdout


def test_unmigrated_database_gets_a_clear_message(acks_root, db_url):
    """A database named by URL (PostgreSQL, or a SQLite file of the operator's choosing) is migrated
    deliberately: commands and `serve` refuse with a clear message and leave no empty file behind."""
    for args in (("campaign", "list"), ("serve", "--port", str(free_port()), "--no-background")):
        proc = _cli(acks_root, db_url, *args)
        assert proc.returncode == 2 and "run `policydocs acks migrate`" in proc.stderr, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
    proc = run_cli("-C", str(acks_root), "verify", cwd=acks_root, env={"POLICYDOCS_ACKS_DATABASE": db_url})
    assert proc.returncode == 0, proc.stdout + proc.stderr  # nothing sealed yet: nothing missing
    if db_url.startswith("sqlite"):
        assert not Path(db_url.removeprefix("sqlite:///")).exists()
    assert not (acks_root / "acks" / "acks.sqlite3").exists()


def test_serve_creates_the_embedded_database_on_first_start(acks_root):
    """`policydocs acks serve` on a fresh project: one command, no set-up — the embedded SQLite database
    gets its schema (one line says so) and the service answers."""
    from policydocs.acks.service import create_embedded_database
    from policydocs.acks.settings import load_settings

    assert not (acks_root / "acks" / "acks.sqlite3").exists()
    srv = ServerProcess(acks_root, "", args=("--no-background",))  # no database named: the embedded default
    try:
        log = (acks_root / f"serve-{srv.port}.log").read_text()
        assert log.count("first start — created the embedded database acks/acks.sqlite3 (schema 0001") == 1, log
        assert urllib.request.urlopen(srv.base + "/hr/login", timeout=10).status == 200
    finally:
        srv.stop()
    assert create_embedded_database(load_settings(acks_root)) is None  # the next start says nothing
    proc = run_cli("-C", str(acks_root), "acks", "migrate", cwd=acks_root)
    assert proc.returncode == 0 and "schema is up to date (0001)" in proc.stdout, proc.stderr


@pytest.mark.slow
def test_server_seals_finished_days_on_its_own(service, db_url):
    cid = service.open_campaign("HR-LV-002", "A/1", audience_kind="all", audience_value="",
                                due=date.today() + timedelta(days=9), opened_by="hr")
    when = datetime.now().astimezone() - timedelta(days=1) - GRACE * 2  # a finished day even just after midnight
    service.store.clock = lambda: when
    emp = service.store.employee_by_no("E001")
    tok = service.store.token(service.store.issue_tokens(cid, [emp["id"]], 2_000_000_000, "t")[emp["id"]])
    service.store.record_online(tok, locale="zh-Hans", statement="s", file_sha256="f", text_sha256="h", ip="",
                                user_agent="", shown_at="")
    srv = ServerProcess(service.root, db_url, workers=2 if db_url.startswith("postgresql") else 1)
    try:
        lines = []
        for _ in range(100):
            lines = [json.loads(x) for x in (service.root / "ledger" / "records.jsonl").read_text().splitlines()]
            if any(r["type"] == "acks-seal" for r in lines):
                break
            time.sleep(0.1)
        seals = [r for r in lines if r["type"] == "acks-seal"]
        assert len(seals) == 1 and seals[0]["payload"]["day"] == when.date().isoformat()
        assert seals[0]["payload"]["count"] == 1
    finally:
        srv.stop()
    proc = run_cli("-C", str(service.root), "verify", cwd=service.root, env={"POLICYDOCS_ACKS_DATABASE": db_url})
    assert proc.returncode == 0 and "1 sealed days" in proc.stdout, proc.stdout + proc.stderr
