"""The acknowledgement records on SQLite and on a real PostgreSQL server (same tests, both databases):
campaigns on published versions only, one acknowledgement per person, paper entries, corrections,
leavers, audiences, append-only enforcement, seals on the ledger and tampering found by `verify`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from conftest import run_cli
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from test_acks_support import acks_built, acks_root, db_url, pg_cluster, service  # noqa: F401

from policydocs.acks import db, exports, publication
from policydocs.acks.seal import GRACE, seal_days, verify_acks
from policydocs.acks.store import AckError, AlreadyAcknowledged, Person, ack_row_hash
from policydocs.trust import ledger
from policydocs.trust import publication as trust_publication


def _emp(svc, no):
    return svc.store.employee_by_no(no)


def _ack(svc, cid, no, locale="zh-Hans"):
    """An online acknowledgement through a freshly issued link (as the web page does)."""
    emp = _emp(svc, no)
    tid = svc.store.issue_tokens(cid, [emp["id"]], 2_000_000_000, "test")[emp["id"]]
    tok = svc.store.token(tid)
    text_row = svc.store.campaign_texts(cid)[locale]
    return svc.store.record_online(tok, locale=locale, statement="本人已阅读并理解", file_sha256=text_row["file_sha256"],
                                   text_sha256=text_row["html_sha256"], ip="127.0.0.1", user_agent="pytest",
                                   shown_at="t"), tok


def _open(svc, **kw):
    kw.setdefault("audience_kind", "all")
    kw.setdefault("audience_value", "")
    kw.setdefault("due", date.today() + timedelta(days=14))
    kw.setdefault("opened_by", "hr")
    return svc.open_campaign("HR-LV-002", "A/1", **kw)


def test_schema_matches_the_models_and_migrate_is_idempotent(service, db_url):
    from sqlalchemy import inspect

    insp = inspect(service.engine)
    for table in db.metadata.sorted_tables:
        cols = {c["name"] for c in insp.get_columns(table.name)}
        assert cols == {c.name for c in table.columns}, table.name
    proc = run_cli("-C", str(service.root), "acks", "--database", db_url, "migrate", cwd=service.root)
    assert proc.returncode == 0 and "up to date (0001)" in proc.stdout, proc.stderr


def test_campaign_only_on_a_released_published_version(service):
    versions = {(p.policy_id, p.version): p for p in publication.published_versions(service.root)}
    assert versions[("HR-LV-002", "A/1")].locales == ["zh-Hans", "zh-Hant-TW"]
    assert ("HR-LV-002", "A/0") in versions  # earlier versions stay published
    assert not any(p.version == "草稿" for p in versions.values())  # previews are never on the record
    with pytest.raises(AckError, match="is a draft"):
        service.open_campaign("XSS-1", "草稿", audience_kind="all", audience_value="", due=date.today(), opened_by="hr")
    with pytest.raises(AckError, match="A/9 is a draft"):
        service.open_campaign("HR-LV-002", "A/9", audience_kind="all", audience_value="", due=date.today(),
                              opened_by="hr")
    cid = _open(service)
    camp = service.store.campaign(cid)
    texts = service.store.campaign_texts(cid)
    art = {f.locale: {"sha256": f.sha256} for f in trust_publication.published_files(service.root)
           if (f.policy, f.version, f.format) == ("HR-LV-002", "A/1", "pdf")}
    for loc, t in texts.items():
        assert t["file_sha256"] == art[loc]["sha256"] and t["file_signed"]
        kept = service.settings.files_dir / t["file_path"]
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == t["file_sha256"]  # the exact published bytes
    # the frozen A/1 text, not the working tree; Traditional for zh-Hant-TW
    assert "婚假为十天" in texts["zh-Hans"]["html"] and "婚假為十天" in texts["zh-Hant-TW"]["html"]
    assert texts["zh-Hant-TW"]["title"] == "請假管理制度"
    assert camp["content_hash"] and len(service.store.members(cid)) == 5
    with pytest.raises(AckError, match="already exists"):
        _open(service)


def test_one_acknowledgement_per_person_and_link(service):
    cid = _open(service)
    rec, tok = _ack(service, cid, "E001")
    assert rec["kind"] == "online" and rec["policy_id"] == "HR-LV-002" and rec["version"] == "A/1"
    assert rec["employee_name"] == "张三" and rec["ip"] == "127.0.0.1" and rec["user_agent"] == "pytest"
    with pytest.raises(AlreadyAcknowledged):  # the same link again
        service.store.record_online(tok, locale="zh-Hans", statement="x", file_sha256="", text_sha256="", ip="",
                                    user_agent="", shown_at="")
    with pytest.raises(AlreadyAcknowledged):  # another link of the same person
        _ack(service, cid, "E001")
    assert service.store.count_acks() == 1
    states = {m.employee_no: m.state for m in service.status(cid)}
    assert states == {"E001": "acknowledged", "E002": "pending", "E003": "pending", "E004": "pending",
                      "E005": "pending"}


def test_paper_acknowledgement_correction_and_overdue(service):
    cid = _open(service, due=date.today() + timedelta(days=3))
    scan = hashlib.sha256(b"scanned register").hexdigest()
    with pytest.raises(AckError, match="note"):
        service.store.record_paper(cid, "E002", entered_by="hr", note=" ", scan_sha256=scan, signed_on=date.today(),
                                   statement="s")
    rec = service.store.record_paper(cid, "E002", entered_by="hr", note="签收单存档 HR-2026-01", scan_sha256=scan,
                                     signed_on=date(2026, 11, 2), statement="s")
    assert rec["kind"] == "paper" and rec["entered_by"] == "hr" and rec["scan_sha256"] == scan
    with pytest.raises(AlreadyAcknowledged):  # paper, then online: refused
        _ack(service, cid, "E002")
    fix = service.store.void(rec["seq"], by="hr", reason="录错了人")
    assert fix["kind"] == "void" and fix["voids_seq"] == rec["seq"]
    assert {m.employee_no: m.state for m in service.status(cid)}["E002"] == "pending"
    again, _ = _ack(service, cid, "E002")  # after the correction the employee can confirm
    assert again["ack_key"].endswith(":1")
    rows = service.store.acks_for_campaign(cid)
    assert [r["kind"] for r in rows] == ["paper", "void", "online"]  # nothing was rewritten
    later = service.store.status(cid, today=date.today() + timedelta(days=4))
    assert {m.employee_no: m.state for m in later}["E001"] == "overdue"
    log = [r["action"] for r in service.store.hr_log()]
    assert "paper-ack" in log and "void" in log and "campaign-open" in log


def test_audiences_leavers_and_reissue_without_new_acknowledgement(service):
    cid = _open(service, audience_kind="department", audience_value="生产部")
    assert sorted(m["employee_no"] for m in service.store.members(cid)) == ["E002", "E003"]
    _ack(service, cid, "E002")
    # E003 leaves: deactivated, not deleted; shown as left, not overdue
    res = service.store.import_people([Person("E001", "张三", "人力资源部", "专员"), Person("E002", "李四", "生产部"),
                                       Person("E004", "赵六", "人力资源部", "经理"), Person("E005", "x", "质量部"),
                                       Person("E006", "孙七", "生产部", "操作工")],
                                      default_locale="zh-Hant-TW", deactivate_missing=True, actor="test")
    assert res.deactivated == ["E003"] and res.added == 1
    assert _emp(service, "E003")["active"] is False or _emp(service, "E003")["active"] == 0
    assert _emp(service, "E002")["email"] == "lisi@example.com"  # a roster without the column keeps addresses
    st = {m.employee_no: m.state for m in service.store.status(cid, today=date.today() + timedelta(days=30))}
    assert st == {"E002": "acknowledged", "E003": "left"}
    assert service.store.sync_members(cid, "hr") == 1  # the new hire of 生产部
    pos = service.open_campaign("HR-LV-002", "A/1", audience_kind="position", audience_value="专员,经理",
                                due=date.today(), opened_by="hr")
    assert sorted(m["employee_no"] for m in service.store.members(pos)) == ["E001", "E004"]
    with pytest.raises(AckError, match="reason"):
        service.open_campaign("HR-LV-002", "A/1", audience_kind="all", audience_value="", due=date.today(),
                              opened_by="hr", requires_ack=False)


@pytest.mark.slow
def test_minor_reissue_carries_acknowledgements_with_a_reason(service):
    """A/2 fixes a typo: HR marks it as needing no new acknowledgement; A/1's stand, the reason is recorded."""
    from policydocs.trust import keys as keymod
    from policydocs.trust import ledger
    from policydocs.trust.signing import DEMO_PASSPHRASE

    root = service.root
    first = _open(service)
    _ack(service, first, "E001")
    path = root / "policies" / "HR-LV-002.md"
    text = path.read_text(encoding="utf-8").replace("本制度由人力资源部负责解释。", "本制度由人力资源部负责解释和修订。")
    path.write_text(text, encoding="utf-8")
    for name, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        ledger.approve(root, None, "HR-LV-002", role, name, keymod.load_private_key(name), text)
    ledger.release(root, None, "HR-LV-002", text, summary="文字修订", effective=date.today())
    proc = run_cli("-C", str(root), "build", "--policy", "HR-LV-002", "--formats", "pdf", "-q", cwd=root,
                   env={"POLICYDOCS_SIGNING_PASSPHRASE": DEMO_PASSPHRASE})
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(AckError, match="reason"):
        service.open_campaign("HR-LV-002", "A/2", audience_kind="all", audience_value="", due=date.today(),
                              opened_by="hr", requires_ack=False)
    cid = service.open_campaign("HR-LV-002", "A/2", audience_kind="all", audience_value="", due=date.today(),
                                opened_by="hr", requires_ack=False, reason="仅文字修订，不改变员工义务")
    camp = service.store.campaign(cid)
    assert camp["requires_ack"] in (False, 0) and camp["carries_from"] == first
    assert camp["waiver_reason"] == "仅文字修订，不改变员工义务"
    assert {m.employee_no: m.state for m in service.store.status(cid)}["E001"] == "acknowledged"
    entry = next(r for r in service.store.hr_log() if r["action"] == "campaign-open" and f'"campaign": {cid}' in r["detail"])
    assert "仅文字修订" in entry["detail"]
    with pytest.raises(AckError, match="nothing to send"):
        service.remind_now(cid, "hr")
    # the earlier campaign still shows A/1's exact file, kept although build/ now holds A/2
    t = service.store.campaign_texts(first)["zh-Hans"]
    assert (service.settings.files_dir / t["file_path"]).is_file()


def test_evidence_tables_refuse_update_and_delete(service):
    cid = _open(service)
    rec, _ = _ack(service, cid, "E001")
    for sql in (f"UPDATE acknowledgements SET ip = '1.2.3.4' WHERE seq = {rec['seq']}",
                f"DELETE FROM acknowledgements WHERE seq = {rec['seq']}",
                "DELETE FROM hr_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with service.store.w.begin() as conn:
                conn.execute(text(sql))
    assert service.store.all_acks()[0]["ip"] == "127.0.0.1"


def test_exports_csv_and_xlsx(service):
    cid = _open(service)
    _ack(service, cid, "E001", "zh-Hant-TW")
    rows = service.status(cid)
    data = exports.to_csv(service.store.campaign(cid), rows)
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[1][:5] == ["部门", "工号", "姓名", "岗位", "状态"]
    by_no = {r[1]: r for r in table[2:]}
    assert by_no["E001"][4] == "已确认" and by_no["E001"][7] == "zh-Hant-TW" and len(by_no["E001"][8]) == 64
    assert by_no["E002"][4] == "待确认"
    wb = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(service.store.campaign(cid), rows)))
    ws = wb.active
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert {v[1]: v[4] for v in values} == {"E001": "已确认", "E002": "待确认", "E003": "待确认", "E004": "待确认",
                                            "E005": "待确认"}
    assert {v[1]: v[2] for v in values}["E005"] == "<script>alert(1)</script>"


class _Clock:
    def __init__(self, when: datetime):
        self.when = when

    def __call__(self) -> datetime:
        return self.when


def _drop_append_only_triggers(engine, conn) -> None:
    """What an insider with database rights does before editing or deleting acknowledgements."""
    if db.kind_of(engine) == "sqlite":
        conn.execute(text("DROP TRIGGER acknowledgements_no_update"))
        conn.execute(text("DROP TRIGGER acknowledgements_no_delete"))
    else:
        conn.execute(text("ALTER TABLE acknowledgements DISABLE TRIGGER USER"))


@pytest.mark.slow
def test_seals_and_verify_report_tampering(service, db_url):
    """Two past days sealed into the ledger; editing or deleting a stored row is reported by
    `policydocs verify` (and `acks report`), with the record named."""
    root = service.root
    cid = _open(service)
    yesterday = datetime.now().astimezone() - timedelta(days=1) - GRACE * 2  # sealable even just after midnight
    service.store.clock = _Clock(yesterday - timedelta(days=1))
    _ack(service, cid, "E001")
    service.store.clock = _Clock(yesterday)
    _ack(service, cid, "E002")
    _ack(service, cid, "E003", "zh-Hant-TW")
    service.store.clock = datetime.now().astimezone
    today_rec, _ = _ack(service, cid, "E004")  # today: not sealed yet
    env = {"POLICYDOCS_ACKS_DATABASE": db_url}
    proc = run_cli("-C", str(root), "acks", "seal", cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("sealed ") == 2 and "2 acknowledgements" in proc.stdout
    assert seal_days(service.store, root) == []  # idempotent
    proc = run_cli("-C", str(root), "verify", cwd=root, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "acknowledgements: 4 records, 2 sealed days, 1 not sealed yet" in proc.stdout
    rep = run_cli("-C", str(root), "acks", "report", "--policy", "HR-LV-002", "--version", "A/1", cwd=root, env=env)
    assert rep.returncode == 0 and "4 acknowledged" in rep.stdout, rep.stdout + rep.stderr
    # the ledger holds the seals as ordinary chained records
    recs = [json.loads(x) for x in (root / "ledger" / "records.jsonl").read_text().splitlines()]
    seals = [r for r in recs if r["type"] == "acks-seal"]
    assert [s["payload"]["count"] for s in seals] == [1, 2]
    assert seals[0]["payload"]["database"] == service.store.database_id

    rows = service.store.all_acks()
    with service.engine.begin() as conn:  # an insider with database rights edits one row and deletes another
        _drop_append_only_triggers(service.engine, conn)
        conn.execute(text("UPDATE acknowledgements SET recorded_at = :t WHERE seq = :s"),
                     {"t": "2026-01-01T09:00:00+08:00", "s": rows[1]["seq"]})
        conn.execute(text("DELETE FROM acknowledgements WHERE seq = :s"), {"s": rows[0]["seq"]})
        conn.execute(text("UPDATE acknowledgements SET employee_name = '改名' WHERE seq = :s"), {"s": today_rec["seq"]})
        # a careful insider also recomputes the row's own hash: only the sealed chain can tell
        smart = dict(rows[2], locale="zh-Hans")
        conn.execute(text("UPDATE acknowledgements SET locale = 'zh-Hans', row_hash = :h WHERE seq = :s"),
                     {"h": ack_row_hash(smart), "s": rows[2]["seq"]})
    problems, _ = verify_acks(service.store, root)
    proc = run_cli("-C", str(root), "verify", cwd=root, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = proc.stderr
    assert f"acknowledgement #{rows[1]['seq']} (online, E002 李四" in err and "was edited" in err
    assert f"acknowledgement #{today_rec['seq']} (online, E004 改名" in err  # not sealed yet, still caught
    day0 = (yesterday - timedelta(days=1)).date().isoformat()
    assert f"acknowledgements of {day0}: 1 sealed in the ledger, 0 in the database — 1 deleted" in err
    assert f"#{rows[0]['seq']}" in err
    assert f"acknowledgements of {yesterday.date().isoformat()}: the chain over the stored rows does not match" in err
    assert len(problems) == 4 and "verify FAILED" in err
    rep = run_cli("-C", str(root), "acks", "report", "--policy", "HR-LV-002", "--version", "A/1", "--format", "json",
                  cwd=root, env=env)
    assert rep.returncode == 1 and json.loads(rep.stdout)["ok"] is False


def _cut_newest_seal(root) -> dict:
    """Delete the newest ledger record (an acks-seal) and rewrite ledger/HEAD to the record before it."""
    path = root / "ledger" / "records.jsonl"
    ls = path.read_bytes().splitlines(keepends=True)
    rec, prev = json.loads(ls[-1]), json.loads(ls[-2])
    assert rec["type"] == "acks-seal"
    path.write_bytes(b"".join(ls[:-1]))
    (root / "ledger" / "HEAD").write_text(f"{prev['seq']} {prev['hash']} {ledger.describe(prev)}\n", encoding="utf-8")
    return rec


def test_cutting_the_newest_seal_from_the_ledger_is_tampering(service, db_url):
    """An insider deletes a sealed acknowledgement, cuts that day's seal from the ledger's tail and rewrites
    ledger/HEAD: the ledger alone is consistent again, but the database's append-only copy of the seal
    still names the day and the record. Re-sealing the day with fewer rows does not hide it either."""
    root = service.root
    cid = _open(service)
    day1 = datetime.now().astimezone() - timedelta(days=1) - GRACE * 2  # sealable even just after midnight
    service.store.clock = _Clock(day1 - timedelta(days=1))
    _ack(service, cid, "E001")
    service.store.clock = _Clock(day1)
    gone, _ = _ack(service, cid, "E002")
    _ack(service, cid, "E003")
    service.store.clock = datetime.now().astimezone
    assert [r["payload"]["count"] for r in seal_days(service.store, root)] == [1, 2]
    assert verify_acks(service.store, root)[0] == []
    with service.engine.begin() as conn:
        _drop_append_only_triggers(service.engine, conn)
        conn.execute(text("DELETE FROM acknowledgements WHERE seq = :s"), {"s": gone["seq"]})
    cut = _cut_newest_seal(root)
    env = {"POLICYDOCS_ACKS_DATABASE": db_url}
    proc = run_cli("-C", str(root), "verify", cwd=root, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    where = f"the database's seal of {day1.date().isoformat()} (head {cut['payload']['head'][:12]}, " \
            f"ledger record #{cut['seq']})"
    assert f"{where} is not in the ledger — ledger record #{cut['seq']} was cut" in proc.stderr
    assert proc.stderr.count("error:") == 1, proc.stderr  # the ledger itself is consistent: only the copy tells
    # the careful insider seals the day again (1 row now): record #N is back, but not the seal that was cut
    again = seal_days(service.store, root)
    assert [(r["seq"], r["payload"]["count"]) for r in again] == [(cut["seq"], 1)]
    problems, _ = verify_acks(service.store, root)
    assert problems == [f"{where} differs from ledger record #{cut['seq']} in head, count, first_seq (ledger head "
                        f"{again[0]['payload']['head'][:12]}): one of the two was rewritten"]
