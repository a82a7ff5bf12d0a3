"""Helpers for the portal tests (no tests here): a headless Chromium driven over the
DevTools protocol, a static file server thread, and the portal test project.

The browser is Debian's /usr/bin/chromium started with ``--remote-debugging-pipe``:
commands go to fd 3, replies come from fd 4 (NUL-separated JSON).  Nothing is
downloaded (no driver, no browser build), and only the standard library is used.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                  "--no-default-browser-check", "--disable-features=Translate,MediaRouter,OptimizationHints",
                  "--force-device-scale-factor=1", "--lang=zh-CN")


def find_chromium() -> str | None:
    env = os.environ.get("POLICYDOCS_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    for c in CHROMIUM_CANDIDATES:
        if os.access(c, os.X_OK):
            return c
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """A minimal DevTools-protocol client for one headless Chromium page."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 900, timeout: float = 20.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="policydocs-chromium-")
        # fds 3/4 in the child: 3 = our commands (child reads), 4 = replies (child writes).  A tiny
        # single-threaded Python shim moves them into place and execs the browser (no preexec_fn,
        # which is unsafe while the test's server thread runs; dash cannot redirect fds above 9).
        cmd_r, self._cmd_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        args = [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                "--remote-debugging-pipe", "about:blank"]
        shim = ("import fcntl, os, sys; r, w = (fcntl.fcntl(int(a), fcntl.F_DUPFD, 10) for a in sys.argv[1:3]); "
                "os.dup2(r, 3); os.dup2(w, 4); os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])")
        self.proc = subprocess.Popen([sys.executable, "-c", shim, str(cmd_r), str(rep_w), *args],
                                     pass_fds=(cmd_r, rep_w), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(rep_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = None
        self.dialogs: list[dict] = []
        self.console: list[str] = []
        self.main_frame: str | None = None
        self.loader: str | None = None  # loader of the main frame's current document
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        if page is None:
            page = {"targetId": self.call("Target.createTarget", url="about:blank")["targetId"]}
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "DOM"):
            self.call(f"{domain}.enable")
        # lifecycle events carry the loaderId, so a wait can tell *which* document finished loading
        # (a meta-refresh redirect or an earlier page would otherwise satisfy a bare loadEventFired)
        self.call("Page.setLifecycleEventsEnabled", enabled=True)
        self.main_frame = self.call("Page.getFrameTree")["frameTree"]["frame"]["id"]
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    # -- protocol --------------------------------------------------------
    def _send(self, method: str, params: dict, session: bool) -> int:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        return self._next_id

    def _read_message(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("timed out waiting for the browser")
            ready, _, _ = select.select([self._rep_r], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self._rep_r, 1 << 20)
                if not chunk:
                    raise BrowserError("browser closed the pipe")
                self._buf += chunk
            elif self.proc.poll() is not None:
                raise BrowserError(f"browser exited with {self.proc.returncode}")
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def _handle_event(self, msg: dict) -> None:
        method = msg.get("method")
        params = msg.get("params", {})
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(params)
            # answer on a fresh id so a pending call is not confused; the reply is discarded
            self._send("Page.handleJavaScriptDialog", {"accept": False}, True)
        elif method == "Runtime.consoleAPICalled":
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Page.lifecycleEvent" and params.get("frameId") == self.main_frame:
            if params.get("name") == "init":
                self.loader = params.get("loaderId")
        elif method == "Runtime.exceptionThrown":
            self.console.append("exception: " + json.dumps(params.get("exceptionDetails", {}), ensure_ascii=False)[:500])
        self.events.append(msg)

    def call(self, method: str, _session: bool = True, **params) -> dict:
        msg_id = self._send(method, params, _session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._read_message(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self._handle_event(msg)

    def wait_event(self, method: str, timeout: float | None = None, since: int = 0, match=None) -> dict:
        """The first event named *method* (and accepted by *match*) received at or after index *since*."""
        deadline = time.monotonic() + (timeout or self.timeout)
        ok = (lambda m: m.get("method") == method and (match is None or match(m.get("params", {}))))
        for msg in self.events[since:]:
            if ok(msg):
                return msg
        while True:
            msg = self._read_message(deadline)
            if "method" in msg:
                self._handle_event(msg)
                if ok(msg):
                    return msg

    def _wait_loaded(self, since: int, *, loader: str | None = None, not_loader: str | None = None) -> None:
        """Wait until a main-frame document finishes loading: the one of *loader*, or any other than *not_loader*."""
        def done(p: dict) -> bool:
            if p.get("frameId") != self.main_frame or p.get("name") != "load":
                return False
            return p.get("loaderId") == loader if loader else p.get("loaderId") != not_loader
        self.wait_event("Page.lifecycleEvent", since=since, match=done)

    # -- page helpers ----------------------------------------------------
    def navigate(self, url: str) -> None:
        mark = len(self.events)
        res = self.call("Page.navigate", url=url)
        if res.get("errorText"):
            raise BrowserError(f"navigate {url}: {res['errorText']}")
        if res.get("loaderId"):  # a same-document navigation (only the #fragment changed) has none
            self._wait_loaded(mark, loader=res["loaderId"])

    # errors Runtime.evaluate gives while the page is between two documents; retrying is correct
    _NAVIGATING = ("Inspected target navigated or closed", "Cannot find context with specified id",
                   "Execution context was destroyed")

    def js(self, expression: str, *, await_promise: bool = False):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                                awaitPromise=await_promise)
                break
            except BrowserError as exc:
                if not any(t in str(exc) for t in self._NAVIGATING) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        if "exceptionDetails" in res:
            raise BrowserError(f"JS error in {expression[:80]!r}: {res['exceptionDetails']}")
        return res.get("result", {}).get("value")

    def url(self) -> str:
        return self.js("location.href")

    def wait_for(self, expression: str, timeout: float | None = None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression!r}")
            time.sleep(0.05)

    def _center(self, selector: str) -> tuple[float, float]:
        box = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return null; e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
        if not box:
            raise BrowserError(f"no element {selector!r}")
        return box[0], box[1]

    def click(self, selector: str, *, wait_load: bool = True) -> None:
        """A real mouse click (Input events) at the element's centre; waits for the next page load."""
        x, y = self._center(selector)
        mark, before = len(self.events), self.loader
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        if wait_load:
            self._wait_loaded(mark, not_loader=before)

    def viewport(self, width: int, height: int, *, mobile: bool = False, scale: float = 1) -> None:
        """Emulate a screen of this size (mobile: a phone's viewport rules and touch)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale,
                  mobile=mobile)

    def type_text(self, selector: str, text: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def press_enter(self, *, wait_load: bool = True) -> None:
        mark, before = len(self.events), self.loader
        self.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r")
        self.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
        if wait_load:
            self._wait_loaded(mark, not_loader=before)

    def set_file(self, selector: str, path: Path) -> None:
        doc = self.call("DOM.getDocument", depth=0)
        node = self.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector=selector)["nodeId"]
        if not node:
            raise BrowserError(f"no element {selector!r}")
        self.call("DOM.setFileInputFiles", nodeId=node, files=[str(path)])

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict = {"format": "png"}
        if full_page:
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self._send("Browser.close", {}, False)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait(timeout=5)
        finally:
            for fd in (self._cmd_w, self._rep_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class StaticServer:
    """build/site served on 127.0.0.1 in a thread (a secure context: crypto.subtle exists)."""

    def __init__(self, directory: Path):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------
# the portal test project
# ---------------------------------------------------------------------------

XSS_TITLE = "<script>alert(1)</script>"

XSS_POLICY = """---
id: XSS-1
title: "<script>alert(1)</script>"
department: "<img src=x onerror=alert(2)>部"
category: "安全<b>测试</b>"
status: trial
effective_date: 2025-02-01
review_cycle_months: 12
applies_to: "全体员工\\"><svg onload=alert(3)>"
lang: zh-Hans
---

# 总则

本条文字包含代码`<script>alert(4)</script>`与“引号”，应当原样显示。

员工在工位上使用[链接](mailto:hr@example.com?subject="><svg/onload=alert(5)>)的，视为测试。
"""

LEAVE_OLD = """---
id: HR-LV-001
title: 请假管理办法（旧版）
department: 人力资源部
category: 人事
status: superseded
superseded_by: HR-LV-002
effective_date: 2022-01-01
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范请假管理，制定本办法。

员工请病假应当提交医院证明。{#sick}

# 附则

本办法由人力资源部负责解释。
"""

LEAVE_NEW = """---
id: HR-LV-002
title: 请假管理制度
department: 人力资源部
category: 人事
status: effective
supersedes: [HR-LV-001]
effective_date: 2024-01-01
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范员工请假管理，保障员工休息休假权利，制定本制度。

本制度适用于公司全体员工。

# 假期种类

员工请病假应当提交二级以上医院出具的诊断证明。{#sick}

员工享受带薪年休假，年休假天数按照累计工作年限确定。{#annual}

员工婚假为三天，晚婚不再增加假期。

# 附则

违反本制度的，依照[[#sick]]处理。本制度由人力资源部负责解释。
"""

SITE_POLICIES = ["ADM-CONF-001", "IT-SEC-001", "IT-DEV-001"]
SITE_TOML = """[organisation]
name = "华衡智造科技有限公司"
short_name = "华衡智造"

[locales]
source = "zh-Hans"
publish = ["zh-Hans", "zh-Hant-TW"]

[versions]
scheme = "A/0"
roles = ["编制", "审核", "批准"]

[build]
formats = ["pdf", "docx"]
"""


def make_site_project(root: Path, *, release: bool = True) -> Path:
    """Three sample policies, a superseded/successor pair and the XSS policy, every one released
    (HR-LV-001 before HR-LV-002 replaced it; HR-LV-002 twice, A/0 and A/1) by three distinct
    approvers; a demo signing identity. XDG_CONFIG_HOME must be set."""
    from conftest import copy_project

    copy_project(root, SITE_POLICIES)
    (root / "policydocs.toml").write_text(SITE_TOML, encoding="utf-8")
    pol = root / "policies"
    (pol / "XSS-1.md").write_text(XSS_POLICY, encoding="utf-8")
    (pol / "HR-LV-001.md").write_text(LEAVE_OLD, encoding="utf-8")
    (pol / "HR-LV-002.md").write_text(LEAVE_NEW, encoding="utf-8")
    if release:
        from policydocs.read.config import load_config
        from policydocs.trust import keys as keymod
        from policydocs.trust import ledger, signing

        config = load_config(root)
        signing.init_org(config, passphrase=signing.DEMO_PASSPHRASE)
        people = {}
        for name, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
            key = keymod.generate_private_key()
            keymod.save_private_key(key, name)
            ledger.register_person(root, None, name, [role], key)
            people[name] = (role, key)

        def release_now(pid: str, summary: str | None, when: str, **kw):
            # records dated before the effective dates: releases are not retroactive
            saved = os.environ.get(ledger.NOW_ENV)
            os.environ[ledger.NOW_ENV] = when
            try:
                text = (pol / f"{pid}.md").read_text(encoding="utf-8")
                for name, (role, key) in people.items():
                    ledger.approve(root, None, pid, role, name, key, text)
                return ledger.release(root, None, pid, text, summary=summary, **kw)
            finally:
                if saved is None:
                    os.environ.pop(ledger.NOW_ENV, None)
                else:
                    os.environ[ledger.NOW_ENV] = saved

        # the old leave policy, in force until the new one replaced it (its text, as released, said effective)
        old = (pol / "HR-LV-001.md").read_text(encoding="utf-8")
        (pol / "HR-LV-001.md").write_text(old.replace("status: superseded\nsuperseded_by: HR-LV-002\n",
                                                      "status: effective\n"), encoding="utf-8")
        release_now("HR-LV-001", None, "2021-12-15T10:00:00+08:00")
        (pol / "HR-LV-001.md").write_text(old, encoding="utf-8")  # the working text now records its successor
        for pid, when in (("ADM-CONF-001", "2024-09-15"), ("IT-SEC-001", "2024-08-15"), ("IT-DEV-001", "2024-10-15"),
                          ("XSS-1", "2025-01-15")):
            release_now(pid, None, f"{when}T10:00:00+08:00")
        release_now("HR-LV-002", None, "2023-12-15T10:00:00+08:00")
        text = (pol / "HR-LV-002.md").read_text(encoding="utf-8")
        (pol / "HR-LV-002.md").write_text(text.replace("员工婚假为三天，晚婚不再增加假期。",
                                                       "员工婚假为十天，按照当地规定执行。"), encoding="utf-8")
        release_now("HR-LV-002", "婚假调整为十天", "2025-06-15T10:00:00+08:00", effective=date(2025, 7, 1))
    return root
