"""The acknowledgement service in headless Chromium (Debian's, over the DevTools protocol):
an employee on a phone opens the link, reads to the end, confirms; HR signs in, opens a
campaign, reads the dashboard, exports, sends a reminder that arrives in the SMTP sink.
Screenshots go to tests/artifacts/acks-*.png."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from test_acks_support import (  # noqa: F401
    HR_PASSWORD,
    ServerProcess,
    SmtpSink,
    acks_built,
    acks_root,
    db_url,
    pg_cluster,
    service,
)
from test_site_support import Browser, find_chromium

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = find_chromium()

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (make setup installs it)")]


@pytest.fixture(scope="module")
def browser():
    b = Browser(CHROMIUM)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def running(service, db_url):
    sink = SmtpSink()
    (service.root / "acks.toml").write_text(sink.toml(), encoding="utf-8")
    srv = ServerProcess(service.root, db_url, args=("--no-background",))
    try:
        yield service, srv, sink
    finally:
        srv.stop()
        sink.close()


def _shot(b: Browser, name: str, db: str, full: bool = False) -> None:
    b.screenshot(ARTIFACTS / f"acks-{name}-{db}.png", full_page=full)


def test_employee_confirms_on_a_phone(browser, running, db_url):
    service, srv, _sink = running
    db = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    cid = service.open_campaign("HR-LV-002", "A/1", audience_kind="all", audience_value="",
                                due=date.today() + timedelta(days=7), opened_by="hr")
    emp = service.store.employee_by_no("E002")
    link = service.links(cid, [emp["id"]])[emp["id"]].replace("http://127.0.0.1:8470", srv.base)
    b = browser
    b.viewport(390, 844, mobile=True, scale=2)
    try:
        b.navigate(link)
        assert b.js("document.getElementById('confirm').disabled") is True
        assert "本人已阅读并理解《请假管理制度》（文件编号HR-LV-002，版本A/1），同意遵守。" in b.js(
            "document.getElementById('statement').textContent")
        assert b.js("document.documentElement.scrollWidth") <= b.js("innerWidth") + 1  # no sideways scrolling
        assert b.js("parseFloat(getComputedStyle(document.querySelector('.body')).fontSize)") >= 15
        _shot(b, "phone-top", db)
        # clicking before reading to the end records nothing
        b.click("#confirm", wait_load=False)
        assert service.store.count_acks() == 0
        # switch to Traditional, read to the end, then the button unlocks
        b.click('.locale-switch a[data-locale="zh-Hant-TW"]')
        assert "本人已閱讀並理解《請假管理制度》" in b.js("document.getElementById('statement').textContent")
        assert b.js("document.getElementById('confirm').disabled") is True
        # the end of the text at the screen's bottom edge is still under the confirm panel: not read yet
        b.js("document.getElementById('end-of-text').scrollIntoView({block: 'end'})")
        time.sleep(0.3)
        assert b.js("document.getElementById('confirm').disabled") is True
        b.js("window.scrollTo(0, document.documentElement.scrollHeight)")
        b.wait_for("!document.getElementById('confirm').disabled")
        _shot(b, "phone-end", db)
        b.click("#confirm")
        assert b.js("document.querySelector('[data-kind=done] h1').textContent") == "確認已記錄"
        _shot(b, "phone-done", db, full=True)
        rec = service.store.all_acks()
        assert len(rec) == 1 and rec[0]["locale"] == "zh-Hant-TW" and rec[0]["employee_no"] == "E002"
        assert "Mobile" in rec[0]["user_agent"] or "HeadlessChrome" in rec[0]["user_agent"]
        b.navigate(link)  # the link is used up
        assert b.js("document.querySelector('[data-kind] h1').textContent") == "此链接已使用"
        _shot(b, "phone-used", db)
        b.navigate(srv.base + "/a/not-a-real-link")
        assert b.js("document.querySelector('[data-kind] h1').textContent") == "链接无效"
        assert not [c for c in b.console if "exception" in c or "Content Security Policy" in c], b.console
    finally:
        b.viewport(1280, 900)


def test_hr_campaign_dashboard_export_and_reminder(browser, running, db_url):
    service, srv, sink = running
    db = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    b = browser
    b.navigate(srv.base + "/hr/")
    assert b.url().endswith("/hr/login")
    b.type_text("input[name=username]", "hr")
    b.type_text("input[name=password]", HR_PASSWORD)
    _shot(b, "hr-login", db)
    b.click("#login")
    assert b.url().endswith("/hr/")
    due = (date.today() + timedelta(days=10)).isoformat()
    b.js(f"document.getElementById('published').value = 'HR-LV-002|A/1'; document.getElementById('due').value = '{due}'")
    b.click('input[name=audience_kind][value=department]', wait_load=False)
    b.type_text("#audience_value", "人力资源部,生产部")
    _shot(b, "hr-open", db, full=True)
    b.click("#open-campaign")
    assert re.search(r"/hr/campaigns/\d+", b.url()), b.url()
    assert "确认活动已发起" in b.js("document.getElementById('notice').textContent")
    cid = int(re.search(r"/hr/campaigns/(\d+)", b.url()).group(1))
    # two employees confirm meanwhile
    for no in ("E001", "E003"):
        emp = service.store.employee_by_no(no)
        tok = service.store.token(service.store.issue_tokens(cid, [emp["id"]], 2_000_000_000, "t")[emp["id"]])
        t = service.store.campaign_texts(cid)["zh-Hans"]
        service.store.record_online(tok, locale="zh-Hans", statement="s", file_sha256=t["file_sha256"],
                                    text_sha256=t["html_sha256"], ip="10.0.0.8", user_agent="x", shown_at="")
    b.navigate(b.url().split("?")[0])
    counts = b.js("[...document.querySelectorAll('table.summary tr[data-dept]')].map(r => [r.dataset.dept, "
                  "r.querySelector('.n-ack').textContent, r.querySelector('.n-pending').textContent])")
    assert counts == [["人力资源部", "1", "1"], ["生产部", "1", "1"]]
    names = b.js("[...document.querySelectorAll('tr[data-state=pending] td:nth-child(3)')].map(td => td.textContent)")
    assert sorted(names) == ["李四", "赵六"]
    _shot(b, "hr-dashboard", db, full=True)
    # exports: real clicks on the links, downloaded by the browser
    downloads = service.root / "downloads"
    downloads.mkdir()
    b.call("Browser.setDownloadBehavior", _session=False, behavior="allow", downloadPath=str(downloads))
    for link_id, suffix in (("export-csv", ".csv"), ("export-xlsx", ".xlsx")):
        b.click(f"#{link_id}", wait_load=False)
        b.wait_for("true")
        deadline = time.monotonic() + 15
        while not [p for p in downloads.glob(f"*{suffix}")] and time.monotonic() < deadline:
            time.sleep(0.1)
    got = {p.suffix: p for p in downloads.iterdir()}
    csv_text = got[".csv"].read_text(encoding="utf-8-sig")
    assert "赵六" in csv_text and "已确认" in csv_text and got[".csv"].name == "HR-LV-002-A-1-acknowledgements.csv"
    ws = openpyxl.load_workbook(got[".xlsx"]).active
    assert sorted(r[2].value for r in ws.iter_rows(min_row=3)) == ["张三", "李四", "王五", "赵六"]
    b.click("#remind")
    assert "已发送 2 封提醒邮件" in b.js("document.getElementById('notice').textContent")
    msgs = sink.wait(2)
    assert sorted(m["To"].addresses[0].addr_spec for m in msgs) == ["lisi@example.com", "zhaoliu@example.com"]
    _shot(b, "hr-reminded", db)
    b.viewport(390, 844, mobile=True, scale=2)
    try:
        b.navigate(b.url().split("?")[0])
        _shot(b, "hr-dashboard-phone", db)
    finally:
        b.viewport(1280, 900)
    actions = [r["action"] for r in service.store.hr_log()]
    for a in ("login", "campaign-open", "view-dashboard", "export", "mail"):
        assert a in actions, a
    assert json.loads(next(r["detail"] for r in service.store.hr_log() if r["action"] == "mail"))["sent"] == 2
