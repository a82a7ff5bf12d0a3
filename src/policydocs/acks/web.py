"""The web service (Starlette): the employee's reading-and-confirm page and HR's pages.

Employees: ``/a/<token>`` shows the published text in their locale and the
statement; the confirm button unlocks when the end of the text has been on
screen; POST records the acknowledgement.  The form carries a signed
*reading proof* (token, locale, hashes of the text and file shown, time shown),
so the record says exactly what was on the screen, and a cross-site form
cannot confirm for someone (it would need the personal link and a proof).

HR: ``/hr/…`` behind an argon2 password or the reverse proxy's SSO header,
a signed session cookie (HttpOnly, SameSite=Lax, Secure) and a CSRF token in
every form; every action goes to the HR log.

Every error is a page, never a traceback.  Endpoints are plain functions,
which Starlette runs in its thread pool (the database calls are blocking).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..core.errors import PolicyError
from ..core.locales import get_locale
from ..render.templates import package_env
from . import exports, publication
from .mail import MailError
from .seal import seal_days
from .service import AckService
from .store import AckError, AlreadyAcknowledged
from .texts import convert_words
from .tokens import BadSignature, Expired
from .words import KINDS, STATES, statement, words

STATIC = Path(__file__).resolve().parent.parent / "templates" / "acks" / "static"
SESSION_COOKIE = "pd_hr"
PRE_COOKIE = "pd_pre"
SESSION_SECONDS = 8 * 3600
VIEW_SECONDS = 24 * 3600
MAX_UPLOAD = 20 * 1024 * 1024

_ENV = package_env("acks")  # the one environment of the service's templates (render/templates.py)
_HASHER = PasswordHasher()


def _nowrap_id(text: str, doc_no: str) -> Markup:
    """The statement with its document number kept on one line (HR-LV-002 must not break at "-")."""
    escaped = escape(text)
    if not doc_no:
        return escaped
    return Markup(str(escaped).replace(str(escape(doc_no)), f'<span class="nw">{escape(doc_no)}</span>'))


_ENV.filters["nowrap_id"] = _nowrap_id


def hash_password(password: str) -> str:
    """Argon2id hash for an HR password."""
    return _HASHER.hash(password)


class FailureLimiter:
    """Failed attempts per client address in a sliding window (bad links, bad passwords).

    Valid links are never limited (each confirms once anyway); an address that
    keeps presenting forged or expired links is refused for a while.

    The count lives in this worker process's memory (N workers: up to N × limit;
    a restart forgets it): counting in the database would make every forged
    request, refused by its HMAC without a query, a write. A deployment with
    several workers limits at the reverse proxy too (docs/acknowledgements.md).
    """

    def __init__(self, limit: int = 20, window: float = 300.0):
        self.limit, self.window = limit, window
        self.hits: dict[str, deque] = {}
        self.lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        with self.lock:
            q = self.hits.get(key)
            if not q:
                return False
            cutoff = time.monotonic() - self.window
            while q and q[0] < cutoff:
                q.popleft()
            return len(q) >= self.limit

    def fail(self, key: str) -> None:
        with self.lock:
            self.hits.setdefault(key, deque()).append(time.monotonic())


SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a personal link never leaks through Referer
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Pure ASGI middleware: the same safe headers on every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


def create_app(service: AckService, *, background: bool = False) -> Starlette:
    """The ASGI application; ``background`` runs reminders and daily seals in a thread."""
    st = service.settings
    store = service.store
    signer = service.signer
    limiter = FailureLimiter()
    org = service.config.organisation  # its name per locale: [organisation.names]

    def page(template: str, status: int = 200, **kw) -> HTMLResponse:
        kw.setdefault("org", org.name_for(kw.get("lang", "")))
        return HTMLResponse(_ENV.get_template(template).render(**kw), status_code=status)

    def message(kind: str, status: int, locale: str = "zh-Hans", record: dict | None = None, **fmt) -> HTMLResponse:
        w = words(locale)
        return page("message.html.j2", status, kind=kind, heading=w[f"{kind}_title"], body=w[f"{kind}_body"].format(**fmt),
                    words=w, record=record, page_title=w[f"{kind}_title"], lang=locale)

    def client_ip(request: Request) -> str:
        return request.client.host if request.client else ""

    # ------------------------------------------------------------------ employee
    def open_token(request: Request):
        """(token row, None) or (None, response) for the link in the URL."""
        ip = client_ip(request)
        if limiter.blocked(ip):
            return None, message("limited", 429)
        raw = request.path_params["token"]
        try:
            tid, exp = signer.open_link_token(raw)
        except Expired:
            limiter.fail(ip)
            return None, message("expired", 410)
        except BadSignature:
            limiter.fail(ip)
            return None, message("bad", 404)
        tok = store.token(tid)
        if tok is None or tok.expires != exp:
            limiter.fail(ip)
            return None, message("bad", 404)
        return tok, None

    def choose_locale(request: Request, texts: dict, emp: dict) -> str:
        wanted = request.query_params.get("lang", "")
        for cand in (wanted, emp.get("locale", ""), service.config.locales.source):
            if cand in texts:
                return cand
        return sorted(texts)[0]

    def read_page(request: Request):
        tok, bad = open_token(request)
        if bad:
            return bad
        emp = store.employee(tok.employee_id)
        loc = emp["locale"] if emp else "zh-Hans"
        used, valid = store.link_state(tok)
        if used is not None:
            return message("used", 410, loc, used, time=used["recorded_at"][:16].replace("T", " "))
        if valid is not None:
            return message("already", 200, loc, valid, time=valid["recorded_at"][:16].replace("T", " "))
        if not emp["active"]:
            return message("inactive", 403, loc)
        camp = store.campaign(tok.campaign_id)
        texts = store.campaign_texts(camp["id"])
        if not camp["requires_ack"] or not texts:
            return message("bad", 404, loc)
        locale = choose_locale(request, texts, emp)
        text = texts[locale]
        w = words(locale)
        shown = store.now_text()
        view = signer.dumps("view", {"t": tok.id, "l": locale, "f": text["file_sha256"], "h": text["html_sha256"],
                                     "s": shown}, VIEW_SECONDS)
        names = [(code, _locale_name(code)) for code in sorted(texts)]
        return page("read.html.j2", lang=locale, page_title=f"{w['read_title']}：{text['title']}", words=w,
                    locales=names, locale=locale, employee=emp,
                    department=convert_words(emp["department"], locale, service.config),
                    due=camp["due_date"], text_html=_markup(text["html"]), view=view,
                    pdf_href=f"/a/{quote(request.path_params['token'])}/pdf/{locale}",
                    file_sha256=text["file_sha256"],
                    statement=statement(locale, text["title"], camp["policy_id"], camp["version"]),
                    doc_no=camp["policy_id"], org=org.name_for(locale))

    async def confirm(request: Request):
        form = await request.form()
        view = str(form.get("view", ""))
        return await run_in_threadpool(_confirm, request, view)

    def _confirm(request: Request, view: str):
        tok, bad = open_token(request)
        if bad:
            return bad
        emp = store.employee(tok.employee_id)
        loc = emp["locale"] if emp else "zh-Hans"
        try:
            proof = signer.loads("view", view)
        except (BadSignature, Expired):
            limiter.fail(client_ip(request))
            return message("stale", 400, loc)
        texts = store.campaign_texts(tok.campaign_id)
        text = texts.get(proof.get("l"))
        if proof.get("t") != tok.id or text is None or text["file_sha256"] != proof.get("f") \
                or text["html_sha256"] != proof.get("h"):
            limiter.fail(client_ip(request))
            return message("stale", 400, loc)
        camp = store.campaign(tok.campaign_id)
        locale = proof["l"]
        try:
            rec = store.record_online(tok, locale=locale, file_sha256=text["file_sha256"],
                                      text_sha256=text["html_sha256"],
                                      statement=statement(locale, text["title"], camp["policy_id"], camp["version"]),
                                      ip=client_ip(request), user_agent=request.headers.get("user-agent", ""),
                                      shown_at=str(proof.get("s", "")))
        except AlreadyAcknowledged as exc:
            ex = exc.existing or {}
            when = str(ex.get("recorded_at", ""))[:16].replace("T", " ")
            if ex.get("token_id") == tok.id:
                return message("used", 409, loc, ex or None, time=when)
            return message("already", 409, loc, ex or None, time=when)
        except AckError as exc:
            if exc.code == "inactive":
                return message("inactive", 403, loc)
            raise
        w = words(locale)
        return page("done.html.j2", lang=locale, words=w, record=rec, page_title=w["done_title"],
                    time_text=rec["recorded_at"][:19].replace("T", " "), locale_name=_locale_name(locale))

    def pdf(request: Request):
        tok, bad = open_token(request)
        if bad:
            return bad
        texts = store.campaign_texts(tok.campaign_id)
        text = texts.get(request.path_params["locale"])
        if text is None:
            return message("notfound", 404)
        path = st.files_dir / text["file_path"]
        if not path.is_file():
            return message("notfound", 404)
        camp = store.campaign(tok.campaign_id)
        name = f"{camp['policy_id']}-{camp['version'].replace('/', '-')}-{text['locale']}.pdf"
        return FileResponse(path, media_type="application/pdf", filename=name)

    # ------------------------------------------------------------------ HR
    def session(request: Request) -> dict | None:
        raw = request.cookies.get(SESSION_COOKIE, "")
        if raw:
            try:
                data = signer.loads("hr", raw)
            except (BadSignature, Expired):
                data = None
            if data:
                user = store.hr_user(data.get("u", ""))
                if user and user["active"]:
                    return {"user": user["username"], "csrf": data["c"], "new": None}
        if st.sso_header:
            name = request.headers.get(st.sso_header, "").strip()
            user = store.hr_user(name) if name else None
            if user and user["active"]:
                sess = {"user": name, "csrf": secrets.token_urlsafe(24)}
                store.log(name, "login-sso", {"header": st.sso_header}, client_ip(request))
                sess["new"] = signer.dumps("hr", {"u": name, "c": sess["csrf"]}, SESSION_SECONDS)
                return sess
        return None

    def with_session(resp: Response, sess: dict) -> Response:
        if sess.get("new"):
            resp.set_cookie(SESSION_COOKIE, sess["new"], max_age=SESSION_SECONDS, httponly=True,
                            secure=st.secure_cookies, samesite="lax", path="/")
        return resp

    def require_hr(request: Request) -> dict:
        sess = session(request)
        if sess is None:
            raise Redirect("/hr/login")
        return sess

    def check_csrf(sess: dict, form) -> None:
        if not secrets.compare_digest(str(form.get("csrf", "")), sess["csrf"]):
            raise HTTPException(403, "CSRF check failed")

    def login_page(request: Request):
        if session(request) is not None:
            return RedirectResponse("/hr/", 303)
        pre = secrets.token_urlsafe(24)
        resp = page("hr_login.html.j2", page_title="人力资源登录", csrf=pre)
        resp.set_cookie(PRE_COOKIE, pre, max_age=3600, httponly=True, secure=st.secure_cookies, samesite="strict",
                        path="/hr")
        return resp

    async def login(request: Request):
        form = await request.form()
        return await run_in_threadpool(_login, request, form)

    def _login(request: Request, form):
        ip = client_ip(request)
        pre = request.cookies.get(PRE_COOKIE, "")
        if not pre or not secrets.compare_digest(str(form.get("csrf", "")), pre):
            raise HTTPException(403, "CSRF check failed")
        if limiter.blocked(f"login:{ip}"):
            return page("hr_login.html.j2", 429, page_title="人力资源登录", csrf=pre, error="尝试次数过多，请稍后再试。")
        username = str(form.get("username", "")).strip()
        user = store.hr_user(username)
        ok = False
        if user and user["active"] and user["password_hash"]:
            try:
                ok = _HASHER.verify(user["password_hash"], str(form.get("password", "")))
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok:
            limiter.fail(f"login:{ip}")
            store.log(username or "?", "login-failed", {}, ip)
            return page("hr_login.html.j2", 401, page_title="人力资源登录", csrf=pre, error="用户名或密码错误。")
        csrf = secrets.token_urlsafe(24)
        store.log(username, "login", {}, ip)
        resp = RedirectResponse("/hr/", 303)
        resp.set_cookie(SESSION_COOKIE, signer.dumps("hr", {"u": username, "c": csrf}, SESSION_SECONDS),
                        max_age=SESSION_SECONDS, httponly=True, secure=st.secure_cookies, samesite="lax", path="/")
        resp.delete_cookie(PRE_COOKIE, path="/hr")
        return resp

    async def hr_post(request: Request):
        """Every HR form POST: read the form (async), then act in the thread pool."""
        form = await request.form(max_part_size=MAX_UPLOAD)
        scan = form.get("scan")
        scan_bytes = await scan.read() if scan is not None and hasattr(scan, "read") else None
        return await run_in_threadpool(_hr_post, request, form, scan_bytes)

    def _hr_post(request: Request, form, scan_bytes: bytes | None):
        sess = require_hr(request)
        check_csrf(sess, form)
        ip = client_ip(request)
        action = request.path_params.get("action") or request.url.path.rstrip("/").rsplit("/", 1)[-1]
        user = sess["user"]
        if request.url.path == "/hr/logout":
            store.log(user, "logout", {}, ip)
            resp = RedirectResponse("/hr/login", 303)
            resp.delete_cookie(SESSION_COOKIE, path="/")
            return resp
        if request.url.path == "/hr/campaigns":
            try:
                pid, _, version = str(form.get("published", "")).partition("|")
                due = date.fromisoformat(str(form.get("due", "")))
                no_ack = bool(form.get("no_ack"))
                cid = service.open_campaign(pid, version, audience_kind=str(form.get("audience_kind", "all")),
                                            audience_value=str(form.get("audience_value", "")), due=due,
                                            opened_by=user, requires_ack=not no_ack,
                                            reason=str(form.get("reason", "")), ip=ip)
            except ValueError:
                return with_session(RedirectResponse("/hr/?error=" + quote("截止日期无效"), 303), sess)
            except AckError as exc:
                return with_session(RedirectResponse("/hr/?error=" + quote(exc.message), 303), sess)
            return with_session(RedirectResponse(f"/hr/campaigns/{cid}?notice=" + quote("确认活动已发起"), 303), sess)
        cid = request.path_params["cid"]
        back = f"/hr/campaigns/{cid}"
        try:
            if action == "remind":
                rep = service.remind_now(cid, user, ip)
                msg = f"已发送 {len(rep.sent)} 封提醒邮件"
                if rep.no_email:
                    msg += f"；{len(rep.no_email)} 人没有邮箱：{', '.join(rep.no_email[:20])}"
                if rep.failed:
                    msg += f"；{len(rep.failed)} 封发送失败"
            elif action == "sync":
                n = store.sync_members(cid, user)
                msg = f"新加入 {n} 人"
            elif action == "paper":
                if not scan_bytes:
                    raise AckError("请上传签收单扫描件")
                digest = hashlib.sha256(scan_bytes).hexdigest()
                scans = st.files_dir / "scans"
                scans.mkdir(parents=True, exist_ok=True)
                (scans / digest).write_bytes(scan_bytes)
                camp = store.campaign(cid)
                emp = store.employee_by_no(str(form.get("employee_no", "")).strip())
                texts = store.campaign_texts(cid)
                loc = emp["locale"] if emp and emp["locale"] in texts else (sorted(texts)[0] if texts else "zh-Hans")
                title = texts[loc]["title"] if loc in texts else camp["title"]
                rec = store.record_paper(cid, str(form.get("employee_no", "")).strip(), entered_by=user,
                                         note=str(form.get("note", "")), scan_sha256=digest,
                                         signed_on=date.fromisoformat(str(form.get("signed_on", ""))),
                                         statement=statement(loc, title, camp["policy_id"], camp["version"]), ip=ip)
                msg = f"已录入纸质签收，记录号 #{rec['seq']}（扫描件 SHA-256 {digest[:12]}…）"
            elif action == "void":
                rec = store.void(int(str(form.get("seq", "0")).lstrip("#")), by=user, reason=str(form.get("reason", "")),
                                 ip=ip)
                msg = f"已作废记录 #{rec['voids_seq']}（更正记录 #{rec['seq']}）"
            else:
                return message("notfound", 404)
        except MailError as exc:
            return with_session(RedirectResponse(f"{back}?error=" + quote(f"邮件发送失败：{exc}"), 303), sess)
        except (AckError, ValueError) as exc:
            text = exc.message if isinstance(exc, AckError) else "输入无效"
            return with_session(RedirectResponse(f"{back}?error=" + quote(text), 303), sess)
        return with_session(RedirectResponse(f"{back}?notice=" + quote(msg), 303), sess)

    def hr_index(request: Request):
        sess = require_hr(request)
        try:
            published = publication.published_versions(service.root)
        except AckError:
            published = []
        rows = []
        for c in store.campaigns():
            counts = {"acknowledged": 0, "pending": 0, "overdue": 0, "left": 0}
            for m in store.status(c["id"]):
                counts[m.state] += 1
            rows.append(dict(c, counts=counts, audience=_audience(c)))
        store.log(sess["user"], "view-campaigns", {}, client_ip(request))
        return with_session(page("hr_index.html.j2", page_title="确认活动", user=sess["user"], csrf=sess["csrf"],
                                 campaigns=rows, published=published, departments=store.departments(),
                                 positions=store.positions(), notice=request.query_params.get("notice", ""),
                                 error=request.query_params.get("error", "")), sess)

    def hr_campaign(request: Request):
        sess = require_hr(request)
        cid = request.path_params["cid"]
        camp = store.campaign(cid)
        status = store.status(cid)
        dept = request.query_params.get("dept", "")
        by: dict[str, dict] = {}
        total = {"acknowledged": 0, "pending": 0, "overdue": 0, "left": 0}
        for m in status:
            d = by.setdefault(m.department, {"name": m.department, "acknowledged": 0, "pending": 0, "overdue": 0,
                                             "left": 0})
            d[m.state] += 1
            total[m.state] += 1
        rows = [m for m in status if not dept or m.department == dept]
        rows.sort(key=lambda m: ({"overdue": 0, "pending": 1, "left": 3}.get(m.state, 2), m.department, m.employee_no))
        carried = store.campaign(camp["carries_from"]) if camp["carries_from"] else None
        store.log(sess["user"], "view-dashboard", {"campaign": cid, "department": dept}, client_ip(request))
        return with_session(page("hr_campaign.html.j2", page_title=f"{camp['title']} {camp['version']}",
                                 user=sess["user"], csrf=sess["csrf"], camp=camp, audience=_audience(camp),
                                 texts=list(store.campaign_texts(cid).values()), by_dept=sorted(by.values(),
                                                                                                key=lambda d: d["name"]),
                                 total=total, rows=rows, dept=dept, states=STATES, kinds=KINDS, carried=carried,
                                 notice=request.query_params.get("notice", ""),
                                 error=request.query_params.get("error", "")), sess)

    def hr_export(request: Request):
        sess = require_hr(request)
        cid = request.path_params["cid"]
        fmt = request.path_params["fmt"]
        camp = store.campaign(cid)
        dept = request.query_params.get("dept", "")
        rows = [m for m in store.status(cid) if not dept or m.department == dept]
        store.log(sess["user"], "export", {"campaign": cid, "format": fmt, "department": dept, "rows": len(rows)},
                  client_ip(request))
        base = f"{camp['policy_id']}-{camp['version'].replace('/', '-')}-acknowledgements"
        if fmt == "csv":
            data, mime = exports.to_csv(camp, rows), "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            data, mime = exports.to_xlsx(camp, rows), \
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            return message("notfound", 404)
        return with_session(Response(data, media_type=mime, headers={
            "content-disposition": f"attachment; filename=\"{base}.{fmt}\"; filename*=UTF-8''{quote(base)}.{fmt}"}),
            sess)

    def hr_log_page(request: Request):
        sess = require_hr(request)
        store.log(sess["user"], "view-log", {}, client_ip(request))
        return with_session(page("hr_log.html.j2", page_title="操作日志", user=sess["user"], csrf=sess["csrf"],
                                 rows=store.hr_log()), sess)

    def root(request: Request):
        return RedirectResponse("/hr/", 303)

    def health(request: Request):
        store.count_employees()
        return Response("ok\n", media_type="text/plain")

    # ------------------------------------------------------------------ errors
    async def on_redirect(request: Request, exc: Redirect):
        return RedirectResponse(exc.url, 303)

    async def on_http(request: Request, exc: HTTPException):
        if exc.status_code == 404:
            return message("notfound", 404)
        if exc.status_code == 405:
            return message("notfound", 405)
        return message("error", exc.status_code)

    async def on_ack_error(request: Request, exc: AckError):
        if exc.code == "not-found":
            return message("notfound", 404)
        return message("error", 400)

    async def on_error(request: Request, exc: Exception):
        return message("error", 500)

    routes = [
        Route("/", root),
        Route("/healthz", health),
        Route("/a/{token}", read_page, methods=["GET"]),
        Route("/a/{token}", confirm, methods=["POST"]),
        Route("/a/{token}/pdf/{locale}", pdf),
        Route("/hr/login", login_page, methods=["GET"]),
        Route("/hr/login", login, methods=["POST"]),
        Route("/hr/logout", hr_post, methods=["POST"]),
        Route("/hr/", hr_index),
        Route("/hr", lambda r: RedirectResponse("/hr/", 303)),
        Route("/hr/log", hr_log_page),
        Route("/hr/campaigns", hr_post, methods=["POST"]),
        Route("/hr/campaigns/{cid:int}", hr_campaign),
        Route("/hr/campaigns/{cid:int}/export.{fmt}", hr_export),
        Route("/hr/campaigns/{cid:int}/{action}", hr_post, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        Redirect: on_redirect, HTTPException: on_http, AckError: on_ack_error, Exception: on_error,
        500: on_error}, lifespan=_lifespan(service) if background else None)
    app.add_middleware(SecurityHeaders)
    return app


def _lifespan(service: AckService):
    @asynccontextmanager
    async def lifespan(app):
        stop = threading.Event()
        worker = threading.Thread(target=_background, args=(service, stop), name="acks-background", daemon=True)
        worker.start()
        try:
            yield
        finally:
            stop.set()
            worker.join(timeout=10)

    return lifespan


def _background(service: AckService, stop: threading.Event) -> None:
    """Seal finished days and send due reminders, every ``check_minutes``."""
    while not stop.is_set():
        try:
            seal_days(service.store, service.root)
        except PolicyError as exc:  # a ledger that needs `ledger repair`, a refused seal …
            service.store.log("scheduler", "seal-failed", {"error": str(exc)})
        except OSError as exc:  # ledger directory not writable …
            service.store.log("scheduler", "seal-failed", {"error": str(exc)})
        if service.settings.smtp.configured:
            try:
                service.scheduled_reminders()
            except (PolicyError, MailError) as exc:
                service.store.log("scheduler", "mail-failed", {"error": str(exc)})
        stop.wait(max(60, service.settings.reminders.check_minutes * 60))


def _locale_name(code: str) -> str:
    return {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "zh-Hant-TW": "繁體中文（台灣）",
            "zh-Hant-HK": "繁體中文（香港）"}.get(code) or get_locale(code).name


def _audience(c: dict) -> str:
    if c["audience_kind"] == "all":
        return "全体员工"
    return ("部门：" if c["audience_kind"] == "department" else "岗位：") + c["audience_value"]


def _markup(html: str):
    """Stored HTML that we rendered ourselves (every text in it was escaped then)."""
    return Markup(html)


