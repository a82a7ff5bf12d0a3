"""Issued forms are records: register and receipts append what was issued to the ledger."""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

import json

from conftest import copy_project, pdftotext, release_all, run_cli
from docx import Document
from test_forms import GOOD, SESSION_ARGS, roster_csv

from policydocs.trust import issued, ledger


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_register_and_receipts_are_recorded(project, tmp_path):
    roster = roster_csv(tmp_path / "r.csv", GOOD)
    out = project / "build" / "forms"
    r = run_cli("register", "--policy", "HR-ATT-002", "--roster", str(roster), *SESSION_ARGS, "--draft", cwd=project)
    assert r.returncode == 0, r.stderr
    assert "issued: record #1 (unsigned)" in r.stderr  # no organisation identity in this project
    reg = sorted(out.glob("register-HR-ATT-002-2025-03-05.*"))
    assert [p.suffix for p in reg] == [".docx", ".pdf"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in reg)  # ordinary modes, not 0600
    # one receipt for one new hire, named with the date and the 工号
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--roster", str(roster), "--employee", "A002",
                "--format", "pdf", "--draft", cwd=project, env={"POLICYDOCS_TODAY": "2025-03-07"})
    assert r.returncode == 0, r.stderr
    single = out / "receipts-HR-ATT-002-A002-2025-03-07.pdf"
    text = re.sub(r"\s+", "", pdftotext(single))
    assert "李四" in text and "张三" not in text and "王五" not in text
    assert stat.S_IMODE(single.stat().st_mode) == 0o644
    first, second = issued.issued_forms(project)
    assert (first.form, first.subject, first.version, str(first.day), first.names) == (
        "register", "HR-ATT-002", "草稿", "2025-03-05", 3)
    assert first.roster_sha256 == _sha(roster)
    assert {f.path: f.sha256 for f in first.files} == {f"build/forms/{p.name}": _sha(p) for p in reg}
    assert (second.form, second.employee, second.names, str(second.day)) == ("receipts", "A002", 1, "2025-03-07")
    assert [f.sha256 for f in second.files] == [_sha(single)]
    assert ledger.verify_ledger(project, None, {}).ok
    # an unknown 工号 is bad input and leaves nothing behind
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--roster", str(roster), "--employee", "Z999", "--draft",
                cwd=project)
    assert r.returncode == 2 and "no employee with 工号 Z999" in r.stderr
    assert len(issued.issued_forms(project)) == 2


def test_issue_record_is_signed_when_the_organisation_identity_is_at_hand(project, tmp_path):
    env = {"POLICYDOCS_SIGNING_PASSPHRASE": "test-pass"}
    assert run_cli("keys", "init-org", cwd=project, env=env).returncode == 0
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--batch", "--date", "2025-03-05", "--format", "docx",
                "--draft", cwd=project, env=env)
    assert r.returncode == 0, r.stderr
    assert "signed by the organisation" in r.stderr
    (form,) = issued.issued_forms(project)
    assert form.signed_record and form.form == "receipts-batch" and form.files[0].path.endswith("-2025-03-05.docx")
    assert ledger.verify_ledger(project, None, {}).ok
    # the record cannot be rewritten: the organisation's signature covers it
    path = project / "ledger" / "records.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"names":0', b'"names":9'))
    assert not ledger.verify_ledger(project, None, {}).ok


def _issue_payloads(root: Path) -> list[dict]:
    lines = (root / "ledger" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [r["payload"] for r in map(json.loads, lines) if r["type"] == "issue"]


def test_forms_name_the_version_in_force_never_the_working_text(tmp_path):
    """Issued forms are records of what employees were trained on: the released version in force
    on the form's date, from its frozen text — an edit of the working file changes nothing; a
    text with no version in force is refused unless --draft, which marks every form 草稿."""
    root = copy_project(tmp_path / "proj")
    release_all(root)  # A/0 of each, released 2020-01-01, effective 2025-03-01
    source = root / "policies" / "HR-ATT-002.md"
    released_text = source.read_text(encoding="utf-8")
    source.write_text(released_text.replace("title: 考勤管理制度", "title: 考勤管理办法（修订稿）"), encoding="utf-8")
    roster = roster_csv(tmp_path / "r.csv", GOOD)
    out = root / "build" / "forms"
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--roster", str(roster), "--date", "2025-03-05",
                "--format", "pdf", cwd=root)
    assert r.returncode == 0, r.stderr
    assert "working text differs from A/0" in r.stderr
    text = re.sub(r"\s+", "", pdftotext(out / "receipts-HR-ATT-002-2025-03-05.pdf"))
    assert text.count("《考勤管理制度》（文件编号：HR-ATT-002，版本：A/0）") == 3
    assert "草稿" not in text and "修订稿" not in text
    (form,) = issued.issued_forms(root)
    assert form.version == "A/0"
    release = ledger.find_release(root, "HR-ATT-002", "A/0")
    assert _issue_payloads(root)[0]["release"] == {"seq": release.seq, "hash": release.record_hash}
    # before its effective date nothing is in force: refused, unless the scheduled version is asked for
    r = run_cli("register", "--policy", "HR-ATT-002", "--date", "2025-02-20", cwd=root)
    assert r.returncode == 2 and "no version in force on 2025-02-20" in r.stderr and "--version A/0" in r.stderr
    assert not list(out.glob("register-*"))
    r = run_cli("register", "--policy", "HR-ATT-002", "--version", "A/0", "--date", "2025-02-20", "--format", "pdf",
                cwd=root)
    assert r.returncode == 0, r.stderr
    assert "版本：A/0" in pdftotext(out / "register-HR-ATT-002-2025-02-20.pdf")
    # a policy never released: refused with the way out; with --draft, marked 草稿 on the form and the record
    new = root / "policies" / "HR-NEW-001.md"
    new.write_text(released_text.replace("id: HR-ATT-002", "id: HR-NEW-001").replace("supersedes: [HR-ATT-001]\n", ""),
                   encoding="utf-8")
    r = run_cli("receipts", "--policy", "HR-NEW-001", "--roster", str(roster), "--date", "2025-03-05", cwd=root)
    assert r.returncode == 2 and "HR-NEW-001.md" in r.stderr and "never released" in r.stderr
    assert "--draft" in r.stderr and not list(out.glob("receipts-HR-NEW-001-*"))
    r = run_cli("receipts", "--policy", "HR-NEW-001", "--roster", str(roster), "--date", "2025-03-05", "--draft",
                cwd=root)
    assert r.returncode == 0, r.stderr
    assert "DRAFT" in r.stderr
    text = re.sub(r"\s+", "", pdftotext(out / "receipts-HR-NEW-001-2025-03-05.pdf"))
    assert text.count("学习确认书（草稿：未发布版本）") == 3 and "版本：草稿" in text
    docx = Document(str(out / "receipts-HR-NEW-001-2025-03-05.docx"))
    assert docx.element.body.xml.count("学习确认书（草稿：未发布版本）") == 3
    assert issued.issued_forms(root)[-1].version == "草稿" and _issue_payloads(root)[-1]["draft"] is True
    assert "release" not in _issue_payloads(root)[-1]
    # --version must name a release in force or scheduled
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--version", "A/7", cwd=root)
    assert r.returncode == 2 and "no released version A/7" in r.stderr
    assert ledger.verify_ledger(root, None, {}).ok


def test_a_second_issue_of_the_same_day_never_overwrites_the_first(project, tmp_path):
    """Records are never rewritten: the second register of a day gets its own files (…-2), the
    first issue's files stay exactly as its record lists them."""
    roster = roster_csv(tmp_path / "r.csv", GOOD)
    out = project / "build" / "forms"
    args = ("register", "--policy", "HR-ATT-002", "--roster", str(roster), *SESSION_ARGS, "--draft")
    assert run_cli(*args, cwd=project).returncode == 0
    first = {p.name: _sha(p) for p in out.iterdir()}
    r = run_cli(*args, "--place", "二楼培训室", cwd=project)
    assert r.returncode == 0, r.stderr
    assert "kept as recorded" in r.stderr
    assert {p.name: _sha(p) for p in out.iterdir() if p.name in first} == first
    second = sorted(p.name for p in out.iterdir() if p.name not in first)
    assert second == ["register-HR-ATT-002-2025-03-05-2.docx", "register-HR-ATT-002-2025-03-05-2.pdf"]
    assert "二楼培训室" in pdftotext(out / second[1]) and "二楼培训室" not in pdftotext(
        out / "register-HR-ATT-002-2025-03-05.pdf")
    a, b = issued.issued_forms(project)
    assert {f.path: f.sha256 for f in a.files} == {f"build/forms/{n}": h for n, h in first.items()}
    assert sorted(Path(f.path).name for f in b.files) == second
    assert run_cli(*args, "--format", "pdf", cwd=project).returncode == 0
    assert (out / "register-HR-ATT-002-2025-03-05-3.pdf").is_file()
