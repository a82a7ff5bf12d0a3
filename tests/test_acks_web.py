"""The acknowledgement service over HTTP, as a real `policydocs acks serve` process on SQLite and
PostgreSQL: the employee's link, refusals (forged, expired, replayed, stale), rate limits, HR login,
CSRF, escaping, exports, paper entries, SSO, and reminders arriving in an SMTP sink."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from datetime import date, timedelta
from http.cookies import SimpleCookie

import httpx
import openpyxl
import pytest
from conftest import run_cli
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

from policydocs.acks.mail import current_slot
from policydocs.acks.settings import ReminderSettings

STATEMENT_SC = "本人已阅读并理解《请假管理制度》（文件编号HR-LV-002，版本A/1），同意遵守。"
STATEMENT_TW = "本人已閱讀並理解《請假管理制度》（文件編號HR-LV-002，版本A/1），同意遵守。"


class Client:
    """httpx with cookies kept by hand: the service's cookies are Secure, and this is plain http on 127.0.0.1."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.cookies: dict[str, str] = {}
        self.raw_cookies: list[str] = []

    def _keep(self, resp: httpx.Response) -> httpx.Response:
        for header in resp.headers.get_list("set-cookie"):
            self.raw_cookies.append(header)
            c = SimpleCookie()
            c.load(header)
            for k, m in c.items():
                if m.value:
                    self.cookies[k] = m.value
                else:
                    self.cookies.pop(k, None)
        return resp

    def _hdr(self, kw):
        h = dict(kw.pop("headers", {}) or {})
        if self.cookies:
            h["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return h

    def get(self, url, **kw):
        return self._keep(self.http.get(url, headers=self._hdr(kw), **kw))

    def post(self, url, **kw):
        return self._keep(self.http.post(url, headers=self._hdr(kw), **kw))

    def close(self):
        self.http.close()


def _plain(html: str) -> str:
    """The page's text without tags (the document number sits in a no-wrap span)."""
    return re.sub(r"<[^>]+>", "", html)


def _field(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no field {name}"
    return m.group(1)


def _open(service, **kw) -> int:
    kw.setdefault("audience_kind", "all")
    kw.setdefault("audience_value", "")
    kw.setdefault("due", date.today() + timedelta(days=14))
    return service.open_campaign("HR-LV-002", "A/1", opened_by="hr", **kw)


def _link(service, cid, no, base) -> str:
    emp = service.store.employee_by_no(no)
    url = service.links(cid, [emp["id"]])[emp["id"]]
    return base + url[url.index("/a/"):]


@pytest.fixture
def server(service, db_url):
    srv = ServerProcess(service.root, db_url)
    try:
        yield srv
    finally:
        srv.stop()


def _no_traceback(resp: httpx.Response) -> None:
    assert "Traceback" not in resp.text and "Exception" not in resp.text and "File \"" not in resp.text


def test_employee_reads_and_confirms_once(service, server):
    cid = _open(service)
    link = _link(service, cid, "E001", server.base)
    c = Client(server.base)
    r = c.get(link, headers={"user-agent": "Mozilla/5.0 (iPhone) policydocs-test"})
    assert r.status_code == 200 and r.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in r.headers["content-security-policy"] and r.headers["cache-control"] == "no-store"
    assert STATEMENT_SC in _plain(r.text) and 'id="confirm" disabled' in r.text and "婚假为十天" in r.text
    assert "张三" in r.text and "李四" not in r.text  # only the employee's own name
    tw = c.get(link + "?lang=zh-Hant-TW")
    assert STATEMENT_TW in _plain(tw.text) and "婚假為十天" in tw.text
    pdf = c.get(link[len(server.base):] + "/pdf/zh-Hant-TW")
    text_row = service.store.campaign_texts(cid)["zh-Hant-TW"]
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == text_row["file_sha256"]
    done = c.post(link, data={"view": _field(tw.text, "view")}, headers={"user-agent": "Mozilla/5.0 (iPhone) policydocs-test"})
    assert done.status_code == 200 and "確認已記錄" in done.text and text_row["file_sha256"] in done.text
    rec = service.store.all_acks()[0]
    assert (rec["employee_no"], rec["locale"], rec["file_sha256"], rec["text_sha256"]) == \
        ("E001", "zh-Hant-TW", text_row["file_sha256"], text_row["html_sha256"])
    assert rec["statement"] == STATEMENT_TW and rec["ip"] == "127.0.0.1"
    assert rec["user_agent"] == "Mozilla/5.0 (iPhone) policydocs-test" and rec["shown_at"]
    # replaying the same request, or opening the link again, is refused with a clear page
    again = c.post(link, data={"view": _field(tw.text, "view")})
    assert again.status_code == 409 and "已使用" in again.text
    assert c.get(link).status_code == 410
    # a second link for the same employee: already confirmed, nothing recorded
    other = _link(service, cid, "E001", server.base)
    page = c.get(other)
    assert page.status_code == 200 and "您已确认过" in page.text and "confirm" not in page.text
    assert service.store.count_acks() == 1


def test_forged_expired_and_stale_links_are_refused(service, server):
    cid = _open(service)
    link = _link(service, cid, "E002", server.base)
    c = Client(server.base)
    tid, exp, sig = link.rsplit("/", 1)[1].split(".")
    forged = [f"{tid}.{exp}.{sig[:-2]}AA", f"{tid}.{int(exp) + 86400}.{sig}", f"{'A' * len(tid)}.{exp}.{sig}",
              "garbage", "%00%2e%2e", "a" * 500]
    for tok in forged:
        r = c.get(f"/a/{tok}")
        assert r.status_code == 404 and "链接无效" in r.text, tok
        _no_traceback(r)
        assert c.post(f"/a/{tok}", data={"view": "x"}).status_code == 404
    # correctly signed but expired
    emp = service.store.employee_by_no("E003")
    old_tid = service.store.issue_tokens(cid, [emp["id"]], int(time.time()) - 60, "test")[emp["id"]]
    r = c.get("/a/" + service.signer.link_token(old_tid, int(time.time()) - 60))
    assert r.status_code == 410 and "链接已过期" in r.text
    # a reading proof from another employee's page, or an altered one, does not confirm
    page = c.get(link).text
    other = c.get(_link(service, cid, "E004", server.base)).text
    for view in (_field(other, "view"), _field(page, "view")[:-3] + "xyz", ""):
        r = c.post(link, data={"view": view})
        assert r.status_code == 400 and "页面已过期" in r.text
    assert service.store.count_acks() == 0
    # many failures from one address: the address is refused for a while, even with a good link
    for i in range(12):
        c.get(f"/a/{tid}.{exp}.{'B' * 32}")
    r = c.get(link)
    assert r.status_code == 429 and "尝试次数过多" in r.text
    _no_traceback(c.get("/nothing-here"))
    assert c.get("/nothing-here").status_code == 404


def _login(server) -> Client:
    c = Client(server.base)
    r = c.get("/hr/")
    assert r.status_code == 303 and r.headers["location"] == "/hr/login"
    page = c.get("/hr/login")
    bad = c.post("/hr/login", data={"csrf": _field(page.text, "csrf"), "username": "hr", "password": "wrong"})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    r = c.post("/hr/login", data={"csrf": _field(page.text, "csrf"), "username": "hr", "password": HR_PASSWORD})
    assert r.status_code == 303, r.text
    session = next(h for h in c.raw_cookies if h.startswith("pd_hr="))
    assert "HttpOnly" in session and "Secure" in session and "SameSite=lax" in session.replace("Lax", "lax")
    return c


def test_hr_campaign_dashboard_exports_and_paper(service, server):
    c = _login(server)
    index = c.get("/hr/")
    assert index.status_code == 200 and "HR-LV-002 A/1" in index.text and "XSS-1 A/0" in index.text and "草稿" not in index.text.split("<select")[1].split("</select>")[0]
    csrf = _field(index.text, "csrf")
    due = (date.today() + timedelta(days=10)).isoformat()
    # without the CSRF token: refused
    r = c.post("/hr/campaigns", data={"published": "HR-LV-002|A/1", "audience_kind": "all", "due": due})
    assert r.status_code == 403
    r = c.post("/hr/campaigns", data={"csrf": csrf, "published": "XSS-1|草稿", "audience_kind": "all", "due": due})
    assert r.status_code == 303 and "error=" in r.headers["location"]
    r = c.post("/hr/campaigns", data={"csrf": csrf, "published": "HR-LV-002|A/1", "audience_kind": "all", "due": due})
    assert r.status_code == 303 and r.headers["location"].startswith("/hr/campaigns/")
    cid = int(r.headers["location"].split("/")[3].split("?")[0])
    # one employee confirms online; another signs on paper, entered by HR with the scan
    link = _link(service, cid, "E001", server.base)
    emp = Client(server.base)
    emp.post(link, data={"view": _field(emp.get(link).text, "view")})
    scan = b"%PDF-1.4 scanned signed register"
    r = c.post(f"/hr/campaigns/{cid}/paper", data={"csrf": csrf, "employee_no": "E002", "signed_on": "2026-11-02",
                                                   "note": "签收单原件存人力资源部档案柜"},
               files={"scan": ("register.pdf", scan, "application/pdf")})
    assert r.status_code == 303 and "notice=" in r.headers["location"], r.headers
    paper = [a for a in service.store.all_acks() if a["kind"] == "paper"][0]
    assert paper["scan_sha256"] == hashlib.sha256(scan).hexdigest() and paper["entered_by"] == "hr"
    dash = c.get(f"/hr/campaigns/{cid}")
    assert dash.status_code == 200
    assert 'id="total-ack">2<' in dash.text and 'id="total-pending">3<' in dash.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dash.text and "<script>alert(1)" not in dash.text
    prod = c.get(f"/hr/campaigns/{cid}?dept=生产部")
    assert 'data-employee="E003" data-state="pending"' in prod.text and 'data-employee="E001"' not in prod.text
    # exports
    r = c.get(f"/hr/campaigns/{cid}/export.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    states = {row[1]: row[4] for row in rows[2:]}
    assert states == {"E001": "已确认", "E002": "已确认", "E003": "待确认", "E004": "待确认", "E005": "待确认"}
    assert "attachment" in r.headers["content-disposition"]
    r = c.get(f"/hr/campaigns/{cid}/export.xlsx?dept=生产部")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert [row[1].value for row in ws.iter_rows(min_row=3)] == ["E003", "E002"] or \
        sorted(row[1].value for row in ws.iter_rows(min_row=3)) == ["E002", "E003"]
    log = c.get("/hr/log").text
    for action in ("login", "campaign-open", "paper-ack", "view-dashboard", "export", "login-failed"):
        assert f'data-action="{action}"' in log, action
    # logout ends the session
    c.post("/hr/logout", data={"csrf": csrf})
    assert c.get("/hr/").status_code == 303


def test_reminders_arrive_by_smtp_and_their_links_work(service, db_url):
    sink = SmtpSink()
    (service.root / "acks.toml").write_text(sink.toml() + "[reminders]\nbefore_days = [7, 1]\nafter_every_days = 2\n",
                                            encoding="utf-8")
    srv = ServerProcess(service.root, db_url, args=("--no-background",))
    try:
        cid = _open(service, due=date.today() + timedelta(days=5))
        c = _login(srv)
        page = c.get(f"/hr/campaigns/{cid}")
        r = c.post(f"/hr/campaigns/{cid}/remind", data={"csrf": _field(page.text, "csrf")})
        assert r.status_code == 303 and "notice=" in r.headers["location"]
        msgs = sink.wait(4)
        assert sorted(m["To"].addresses[0].addr_spec for m in msgs) == [
            "lisi@example.com", "x5@example.com", "zhangsan@example.com", "zhaoliu@example.com"]  # 王五 has none
        body = msgs[0].get_content()
        assert "请假管理制度" in msgs[0]["Subject"] and "HR-LV-002" in body
        link = re.search(r"(http://\S+/a/\S+)", body).group(1)
        assert link.startswith(f"{srv.base}/a/"), link  # no base_url configured: the links follow --port
        assert f"links start with {srv.base}/a/" in (service.root / f"serve-{srv.port}.log").read_text()
        assert Client(srv.base).get(link).status_code == 200
        # the schedule (cron): 5 days before the due date is the before-7 slot, sent once
        proc = run_cli("-C", str(service.root), "acks", "remind", cwd=service.root, env={"POLICYDOCS_ACKS_DATABASE": db_url})
        assert proc.returncode == 0 and "4 sent" in proc.stdout, proc.stdout + proc.stderr
        sink.wait(8)
        assert len(sink.messages) == 8 and all("提醒" in m["Subject"] for m in sink.messages[4:])
        proc = run_cli("-C", str(service.root), "acks", "remind", cwd=service.root, env={"POLICYDOCS_ACKS_DATABASE": db_url})
        assert "0 sent, 0 failed, 1 without e-mail" in proc.stdout and len(sink.messages) == 8  # not twice
    finally:
        srv.stop()
        sink.close()


def test_reminder_schedule():
    rules = ReminderSettings(before_days=[7, 1], on_due=True, after_every_days=3)
    due = date(2026, 12, 31)
    slots = [current_slot(due - timedelta(days=d), due, rules) for d in (20, 8, 7, 3, 1, 0, -1, -3, -6)]
    assert slots == ["invite", "invite", "before-7", "before-7", "before-1", "due", "overdue-0", "overdue-1",
                     "overdue-2"]
    assert current_slot(due + timedelta(days=5), due, ReminderSettings(after_every_days=0)) is None


def test_sso_header_and_defaults(service, db_url):
    from policydocs.cli import build_parser

    assert build_parser().parse_args(["acks", "serve"]).host == "127.0.0.1"
    (service.root / "acks.toml").write_text('[acks]\nsso_header = "X-Remote-User"\n', encoding="utf-8")
    srv = ServerProcess(service.root, db_url, args=("--no-background",))
    try:
        c = Client(srv.base)
        r = c.get("/hr/", headers={"X-Remote-User": "hr"})
        assert r.status_code == 200 and "确认活动" in r.text
        assert Client(srv.base).get("/hr/", headers={"X-Remote-User": "mallory"}).status_code == 303
        assert any(x["action"] == "login-sso" for x in service.store.hr_log())
    finally:
        srv.stop()
