"""Issued forms are records: register and receipts append what was issued to the ledger."""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

from conftest import pdftotext, run_cli
from test_forms import GOOD, SESSION_ARGS, roster_csv

from policydocs.trust import issued, ledger


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_register_and_receipts_are_recorded(project, tmp_path):
    roster = roster_csv(tmp_path / "r.csv", GOOD)
    out = project / "build" / "forms"
    r = run_cli("register", "--policy", "HR-ATT-002", "--roster", str(roster), *SESSION_ARGS, cwd=project)
    assert r.returncode == 0, r.stderr
    assert "issued: record #1 (unsigned)" in r.stderr  # no organisation identity in this project
    reg = sorted(out.glob("register-HR-ATT-002-2025-03-05.*"))
    assert [p.suffix for p in reg] == [".docx", ".pdf"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in reg)  # ordinary modes, not 0600
    # one receipt for one new hire, named with the date and the 工号
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--roster", str(roster), "--employee", "A002",
                "--format", "pdf", cwd=project, env={"POLICYDOCS_TODAY": "2025-03-07"})
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
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--roster", str(roster), "--employee", "Z999", cwd=project)
    assert r.returncode == 2 and "no employee with 工号 Z999" in r.stderr
    assert len(issued.issued_forms(project)) == 2


def test_issue_record_is_signed_when_the_organisation_identity_is_at_hand(project, tmp_path):
    env = {"POLICYDOCS_SIGNING_PASSPHRASE": "test-pass"}
    assert run_cli("keys", "init-org", cwd=project, env=env).returncode == 0
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--batch", "--date", "2025-03-05", "--format", "docx",
                cwd=project, env=env)
    assert r.returncode == 0, r.stderr
    assert "signed by the organisation" in r.stderr
    (form,) = issued.issued_forms(project)
    assert form.signed_record and form.form == "receipts-batch" and form.files[0].path.endswith("-2025-03-05.docx")
    assert ledger.verify_ledger(project, None, {}).ok
    # the record cannot be rewritten: the organisation's signature covers it
    path = project / "ledger" / "records.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"names":0', b'"names":9'))
    assert not ledger.verify_ledger(project, None, {}).ok
