"""The evidence pack on the sample project: made, re-checked offline, and a tampered pack caught."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import copy_project, run_cli
from test_acks_support import acks_built, acks_root  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("evidence")
    root = copy_project(base / "proj", ledger=True)
    env = {"XDG_CONFIG_HOME": str(base / "xdg"), "POLICYDOCS_SIGNING_PASSPHRASE": "test-pass"}
    assert run_cli("keys", "init-org", cwd=root, env=env).returncode == 0
    # the build publishes A/0 and A/1 of HR-ATT-002, signed, on the publication record
    r = run_cli("build", "--policy", "HR-ATT-002", "--formats", "pdf", "--locales", "zh-Hans", cwd=root, env=env)
    assert r.returncode == 0, r.stderr
    out = base / "audit.zip"
    r = run_cli("evidence", "--policy", "HR-ATT-002", "-o", str(out), cwd=root, env=env)
    assert r.returncode == 0, r.stderr
    assert "index signed by the organisation" in r.stdout
    return {"root": root, "zip": out, "base": base, "env": env}


def _check(zip_path: Path, *args: str) -> tuple[int, str]:
    # offline and without the project: run from an empty folder with nothing configured
    empty = zip_path.parent / "elsewhere"
    empty.mkdir(exist_ok=True)
    r = run_cli("verify-evidence", str(zip_path), *args, cwd=empty, env={"XDG_CONFIG_HOME": str(empty / "xdg")})
    return r.returncode, r.stdout + r.stderr


def test_pack_contents(pack):
    with zipfile.ZipFile(pack["zip"]) as zf:
        names = set(zf.namelist())
        readme = zf.read("README.md").decode("utf-8")
        versions = json.loads(zf.read("records/versions.json"))
        verify_txt = zf.read("verify/verify.txt").decode("utf-8")
        status = json.loads(zf.read("records/status.json"))
    for name in ("evidence.json", "evidence.sig.json", "policydocs.toml", "people.yaml", "keys/org-ca.pem",
                 "ledger/records.jsonl", "ledger/HEAD", "publication/HR-ATT-002/A-1/HR-ATT-002_A-1.zh-Hans.pdf",
                 "records/publication.json", "records/forms.json", "records/reviews.json", "records/status.json",
                 "verify/verify.json", "verify/verify.txt"):
        assert name in names, name
    assert any(n.startswith("redlines/HR-ATT-002") and n.endswith(".pdf") for n in names)
    assert not any(n.startswith("acknowledgements/") for n in names)  # no acknowledgement database: none
    assert sum(n.startswith("ledger/snapshots/") for n in names) == 2  # A/0 and A/1 of HR-ATT-002 only
    assert [v["version"] for v in versions] == ["A/0", "A/1"]
    assert "policydocs verify-evidence" in readme and "pdfsig -no-ocsp" in readme and "如何复核" in readme
    assert "verify OK" in verify_txt
    # the pdfsig example names a PDF that is in the pack
    examples = set(re.findall(r"pdfsig -no-ocsp (?:-nssdir sql:nssdb )?(\S+\.pdf)", readme))
    assert examples and examples <= names, examples
    # review status: the schedule `policydocs due` uses
    due = run_cli("due", "--all", "--json", cwd=pack["root"], env=pack["env"])
    (expected,) = [d for d in json.loads(due.stdout)["policies"] if d["policy"] == "HR-ATT-002"]
    assert status["HR-ATT-002"]["review"] == expected
    words = {"overdue": "已逾期", "due": "即将到期", "ok": "正常"}
    assert re.search(rf"\| HR-ATT-002 \| .* \| {expected['due']} \| {words[expected['state']]}", readme), readme


def test_as_of_pack_checks_on_its_own(pack):
    """Made as of a day between two releases: the pack holds the whole ledger, so it holds every
    frozen text that ledger names, and verify-evidence accepts it."""
    out = pack["base"] / "as-of.zip"
    r = run_cli("evidence", "--policy", "HR-ATT-002", "--as-of", "2024-06-01", "-o", str(out),
                cwd=pack["root"], env=pack["env"])
    assert r.returncode == 0, r.stderr
    rc, text = _check(out)
    assert rc == 0, text
    assert "1 signed copies" in text
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        status = json.loads(zf.read("records/status.json"))["HR-ATT-002"]
    assert sum(n.startswith("ledger/snapshots/") for n in names) == 2
    assert not any("A-1" in n for n in names)
    assert status["version"] == "A/0" and status["state"] == "in_force"
    assert status["review"]["last"] == "2024-02-16"


def test_verify_evidence_round_trip(pack):
    rc, out = _check(pack["zip"], "--pdfsig")
    assert rc == 0, out
    assert "EVIDENCE INTACT" in out and "2 signed copies" in out and "policies HR-ATT-002" in out
    assert "trust root: " in out


def _tampered(pack, name: str, change, *, fix_index: bool = False) -> Path:
    src = pack["zip"]
    dst = src.with_name(f"tampered-{name.replace('/', '_')}-{int(fix_index)}.zip")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        members = {i.filename: zin.read(i) for i in zin.infolist()}
        members[name] = change(members[name])
        if fix_index:  # a careful forger also updates the index …
            index = json.loads(members["evidence.json"])
            for f in index["files"]:
                if f["path"] == name:
                    f["sha256"] = hashlib.sha256(members[name]).hexdigest()
                    f["size"] = len(members[name])
            members["evidence.json"] = json.dumps(index).encode()
        for n, data in members.items():
            zout.writestr(n, data)
    return dst


def _flip(data: bytes) -> bytes:
    b = bytearray(data)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


def test_tampered_pdf_is_caught(pack):
    rc, out = _check(_tampered(pack, "publication/HR-ATT-002/A-1/HR-ATT-002_A-1.zh-Hans.pdf", _flip))
    assert rc == 1 and "EVIDENCE NOT INTACT" in out
    assert "publication/HR-ATT-002/A-1/HR-ATT-002_A-1.zh-Hans.pdf: differs from the pack's index" in out


def test_record_cut_from_the_ledger_is_caught_even_with_a_rewritten_index(pack):
    def drop_last_release(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        i = max(i for i, line in enumerate(lines) if b'"type":"release"' in line and b"HR-ATT-002" in line)
        return b"".join(lines[:i] + lines[i + 1:])

    rc, out = _check(_tampered(pack, "ledger/records.jsonl", drop_last_release, fix_index=True))
    assert rc == 1
    assert "evidence.json: the organisation's signature does not verify" in out
    assert "release HR-ATT-002 A/1" in out or "HR-ATT-002 A/1" in out


def test_edited_redline_is_caught(pack):
    with zipfile.ZipFile(pack["zip"]) as zf:
        redline = next(n for n in zf.namelist() if n.startswith("redlines/"))
    rc, out = _check(_tampered(pack, redline, lambda d: d + b"\n%% appended\n"))
    assert rc == 1 and f"{redline}: differs from the pack's index" in out


def test_acknowledgements_in_the_pack_and_in_its_verify_output(acks_root):
    """Issue 14: the pack carries each packed version's acknowledgement report (JSON, as `acks report`
    gives it) and export (CSV); its verify output includes the acknowledgement check, so a pack made
    from a database with an edited row says FAILED, as `policydocs verify` does."""
    from sqlalchemy import text

    from policydocs.acks import db, migrate
    from policydocs.acks.service import open_service
    from policydocs.acks.store import Person

    root = acks_root
    engine = db.make_engine(db.default_url(root))  # the project's embedded database: acks/acks.sqlite3
    migrate.upgrade(engine)
    engine.dispose()
    svc = open_service(root)
    try:
        svc.store.import_people([Person("E001", "张三", "生产部", "操作工", "", ""),
                                 Person("E002", "李四", "质量部", "检验员", "", "")],
                                default_locale="zh-Hans", deactivate_missing=False, actor="test")
        cid = svc.open_campaign("HR-LV-002", "A/1", audience_kind="all", audience_value="",
                                due=date.today() + timedelta(days=14), opened_by="hr")
        emp = svc.store.employee_by_no("E001")
        tok = svc.store.token(svc.store.issue_tokens(cid, [emp["id"]], 2_000_000_000, "test")[emp["id"]])
        shown = svc.store.campaign_texts(cid)["zh-Hans"]
        ack = svc.store.record_online(tok, locale="zh-Hans", statement="本人已阅读并理解", ip="127.0.0.1",
                                      file_sha256=shown["file_sha256"], text_sha256=shown["html_sha256"],
                                      user_agent="pytest", shown_at="t")
    finally:
        svc.close()
    out = root.parent / "acks-pack.zip"
    r = run_cli("evidence", "--policy", "HR-LV-002", "-o", str(out), cwd=root)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        report = json.loads(zf.read("acknowledgements/HR-LV-002_A-1.json"))
        table = zf.read("acknowledgements/HR-LV-002_A-1.csv").decode("utf-8-sig")
        verify_txt = zf.read("verify/verify.txt").decode("utf-8")
        readme = zf.read("README.md").decode("utf-8")
    assert "acknowledgements/HR-LV-002_A-0.json" not in names  # no campaign on A/0
    (camp,) = report["campaigns"]
    assert report["ok"] and camp["counts"]["acknowledged"] == 1 and camp["counts"]["pending"] == 1
    assert "E001,张三" in table and "E002,李四" in table and ack["file_sha256"] in table
    assert "acknowledgements: 1 records, 0 sealed days, 1 not sealed yet" in verify_txt and "verify OK" in verify_txt
    assert "`acknowledgements/`" in readme
    rc, checked = _check(out)
    assert rc == 0, checked

    engine = db.make_engine(db.default_url(root))  # an insider edits the stored row
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER acknowledgements_no_update"))
        conn.execute(text("UPDATE acknowledgements SET ip = '10.0.0.1' WHERE seq = :s"), {"s": ack["seq"]})
    engine.dispose()
    r = run_cli("evidence", "--policy", "HR-LV-002", "-o", str(out), cwd=root)
    assert r.returncode == 0 and "verify reported problems" in r.stdout, r.stdout + r.stderr
    with zipfile.ZipFile(out) as zf:
        verify_txt = zf.read("verify/verify.txt").decode("utf-8")
        verify_json = json.loads(zf.read("verify/verify.json"))
    assert "verify FAILED" in verify_txt and f"acknowledgement #{ack['seq']}" in verify_txt and "edited" in verify_txt
    assert verify_json["ok"] is False and not verify_json["extras"]["acknowledgements"]["ok"]
