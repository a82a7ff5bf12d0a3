"""The portal in a real browser: Debian's headless Chromium over the DevTools protocol.

One browser session and one built project for the whole module.  Screenshots go
to tests/artifacts/site-*.png (git-ignored) for a person to look at.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import run_cli
from test_site_support import (
    XSS_TITLE,
    Browser,
    StaticServer,
    find_chromium,
    make_site_project,
)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = find_chromium()

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (make setup installs it)")


class Portal:
    def __init__(self, root: Path, server: StaticServer, browser: Browser):
        self.root = root
        self.site = root / "build" / "site"
        self.server = server
        self.b = browser
        self.published = json.loads((self.site / "published.json").read_text(encoding="utf-8"))

    def url(self, rel: str) -> str:
        return self.server.base + urllib.parse.quote(rel, safe="/?=&#%")

    def open(self, rel: str) -> None:
        self.b.navigate(self.url(rel))

    def shot(self, name: str, full_page: bool = True) -> Path:
        return self.b.screenshot(ARTIFACTS / f"site-{name}.png", full_page=full_page)

    def art(self, pid: str, locale: str, fmt: str, version: str | None = None) -> dict:
        """A published file of a policy (the newest version unless ``version``)."""
        found = [a for a in self.published["files"] if a["policy"] == pid and a["locale"] == locale
                 and a["format"] == fmt and (version is None or a["version"] == version)]
        return max(found, key=lambda a: a["version"])

    def text(self, selector: str) -> str:
        return self.b.js(f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''")


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    base = tmp_path_factory.mktemp("portal")
    mp = pytest.MonkeyPatch()
    xdg = base / "xdg"
    mp.setenv("XDG_CONFIG_HOME", str(xdg))
    mp.delenv("POLICYDOCS_SIGNING_PASSPHRASE", raising=False)
    root = make_site_project(base / "proj")
    proc = run_cli("-C", str(root), "site", "-q", cwd=root, env={"XDG_CONFIG_HOME": str(xdg)})
    assert proc.returncode == 0, proc.stderr
    server = StaticServer(root / "build" / "site")
    browser = Browser(CHROMIUM)
    try:
        yield Portal(root, server, browser)
    finally:
        browser.close()
        server.close()
        mp.undo()


def test_index_lists_current_policies_by_category(portal):
    portal.open("index.html")  # the root redirects to the source locale
    portal.b.wait_for("location.pathname.endsWith('/zh-Hans/index.html') && document.readyState === 'complete'")
    assert portal.b.js("document.documentElement.lang") == "zh-Hans"
    cats = portal.b.js("[...document.querySelectorAll('#catalogue .category h3')].map(h => h.firstChild.textContent.trim())")
    assert "人事" in cats and "信息技术" in cats
    rows = portal.b.js("""[...document.querySelectorAll('tr.policy-row')].map(r => [r.dataset.policy,
        r.querySelector('.c-status').textContent.trim(), r.querySelector('.c-date').textContent.trim(),
        !!r.closest('.not-in-force')])""")
    by_id = {r[0]: r[1:] for r in rows}
    assert by_id["HR-LV-002"] == ["现行有效", "2025年7月1日", False]
    assert by_id["XSS-1"][0] == "现行有效"
    assert by_id["HR-LV-001"] == ["已被 HR-LV-002 A/0 替代（2024年1月1日起）", "2022年1月1日", True]
    portal.shot("index")


def test_policy_page_from_index_and_article_anchor(portal):
    portal.open("zh-Hans/index.html")
    portal.b.click('tr[data-policy="HR-LV-002"] .c-title a')
    assert portal.b.url().endswith("/zh-Hans/HR-LV-002.html")
    assert portal.text("h1.policy-title") == "请假管理制度"
    ids = portal.b.js("[...document.querySelectorAll('.body .article')].map(e => e.id)")
    # the six articles of the text, then the closing article the writers add (本制度自…起施行)
    assert ids == ["第一条", "第二条", "第三条", "第四条", "第五条", "第六条", "第七条"]
    # the in-text reference 第三条 links to the article
    portal.b.click('.body a.ref[href="#第三条"]', wait_load=False)
    portal.b.wait_for("decodeURIComponent(location.hash) === '#第三条'")
    # a link like …#第五条 lands on the article, highlighted
    portal.open("zh-Hans/HR-LV-002.html#第五条")
    portal.b.wait_for("document.querySelector(':target') && document.querySelector(':target').id === '第五条'")
    box = portal.b.js("(() => { const r = document.getElementById('第五条').getBoundingClientRect(); "
                      "return [r.top, r.bottom, innerHeight, scrollY]; })()")
    assert 0 <= box[0] and box[1] <= box[2] and box[3] > 0, box  # scrolled to, and on screen
    assert "婚假为十天" in portal.text("#第五条")
    portal.shot("policy-article", full_page=False)
    portal.open("zh-Hans/HR-LV-002.html")
    portal.shot("policy")


def test_switch_simplified_traditional_keeps_the_article(portal):
    portal.open("zh-Hans/HR-LV-002.html#第五条")
    portal.b.click('.locale-switch a[data-locale="zh-Hant-TW"]')
    assert urllib.parse.unquote(portal.b.url()).endswith("/zh-Hant-TW/HR-LV-002.html#第五條")
    assert portal.b.js("document.documentElement.lang") == "zh-Hant-TW"
    assert portal.text("h1.policy-title") == "請假管理制度"
    assert "第五條" in portal.text("#第五條")
    assert portal.text(".locale-switch .current") == "繁體（台灣）"
    portal.shot("policy-zh-Hant-TW")
    portal.b.click('.locale-switch a[data-locale="zh-Hans"]')
    assert urllib.parse.unquote(portal.b.url()).endswith("/zh-Hans/HR-LV-002.html#第五条")


def _hits(portal) -> list[str]:
    return portal.b.js("[...document.querySelectorAll('#search-results .hit')].map(h => h.dataset.policy)")


def test_search_finds_chinese_terms(portal):
    portal.open("zh-Hans/index.html")
    portal.b.type_text("#q", "婚假")  # a word only in the body of one article: no spaces to split on
    portal.b.press_enter()
    assert "q=" in portal.b.url()
    portal.b.wait_for("!document.getElementById('search-results').hidden")
    assert _hits(portal) == ["HR-LV-002"]
    link = portal.b.js("document.querySelector('#search-results .seg-link').getAttribute('href')")
    assert urllib.parse.unquote(link) == "HR-LV-002.html#第五条"
    assert portal.b.js("document.querySelector('#search-results mark').textContent") == "婚假"
    assert portal.b.js("document.getElementById('catalogue').hidden") is True
    portal.shot("search")
    # follow the hit to the article
    portal.b.click("#search-results .seg-link")
    portal.b.wait_for("document.querySelector(':target') && document.querySelector(':target').id === '第五条'")
    # two terms (AND), a title word, a substring inside a word, an id, and Traditional text on the TW index
    for query, expected in (("病假 证明", {"HR-LV-002", "HR-LV-001"}), ("请假管理", {"HR-LV-002", "HR-LV-001"}),
                            ("信息安全", {"IT-SEC-001"}), ("hr-lv-002", {"HR-LV-002"})):
        portal.open("zh-Hans/index.html?q=" + urllib.parse.quote(query))
        assert set(_hits(portal)) >= expected, query
    portal.open("zh-Hans/index.html?q=" + urllib.parse.quote("病假 证明"))
    assert _hits(portal)[0] == "HR-LV-002"  # in force before not in force
    portal.open("zh-Hant-TW/index.html?q=" + urllib.parse.quote("診斷證明"))
    assert "HR-LV-002" in _hits(portal)
    portal.open("zh-Hans/index.html?q=" + urllib.parse.quote("不存在的词语"))
    assert _hits(portal) == [] and "没有找到" in portal.text(".search-summary")


def test_download_link_hash_equals_the_published_hash(portal):
    portal.open("zh-Hant-TW/HR-LV-002.html")
    row = portal.b.js("""(() => { const r = document.querySelector('tr.dl-row[data-locale="zh-Hant-TW"][data-format="pdf"]');
        return {href: r.querySelector('a.dl').href, shown: r.querySelector('code.hash').textContent,
                size: r.querySelector('[data-bytes]').dataset.bytes}; })()""")
    art = portal.art("HR-LV-002", "zh-Hant-TW", "pdf")
    assert art["signed"] is True
    assert row["shown"] == art["sha256"] and int(row["size"]) == art["size"]
    # the browser downloads the linked file and hashes it (WebCrypto)
    digest = portal.b.js(f"""fetch({json.dumps(row['href'])}).then(r => r.arrayBuffer())
        .then(b => crypto.subtle.digest('SHA-256', b))
        .then(d => [...new Uint8Array(d)].map(x => x.toString(16).padStart(2, '0')).join(''))""", await_promise=True)
    assert digest == art["sha256"]
    data = urllib.request.urlopen(row["href"], timeout=10).read()
    assert hashlib.sha256(data).hexdigest() == art["sha256"] and len(data) == art["size"]


def _verify(portal, path: Path, query: str = "") -> dict:
    portal.open("zh-Hans/verify.html" + query)
    portal.b.set_file("#verify-file", path)
    portal.b.wait_for("['ok', 'bad', 'error'].includes(document.getElementById('verify-result').dataset.state)")
    return portal.b.js("""(() => { const o = document.getElementById('verify-result');
        return {state: o.dataset.state, method: o.dataset.method, sha256: o.dataset.sha256, text: o.textContent,
                link: (o.querySelector('.match h2 a') || {}).href || ''}; })()""")


def test_verify_page_recognises_published_pdf_and_rejects_modified(portal, tmp_path):
    art = portal.art("HR-LV-002", "zh-Hans", "pdf")
    published = portal.site / "files" / art["path"]
    res = _verify(portal, published)
    assert res["state"] == "ok" and res["method"] == "subtle"
    assert res["sha256"] == art["sha256"]
    assert "HR-LV-002" in res["text"] and "A/1" in res["text"] and "简体" in res["text"] and "已电子签名" in res["text"]
    assert "现行有效" in res["text"]
    assert res["link"].endswith("/zh-Hans/HR-LV-002.html")
    portal.shot("verify-ok")
    # a copy of the earlier version: authentic, and superseded
    old = _verify(portal, portal.site / "files" / portal.art("HR-LV-002", "zh-Hans", "pdf", "A/0")["path"])
    assert old["state"] == "ok" and "A/0" in old["text"] and "已被 A/1 替代，自2025-07-01起不再有效" in old["text"]
    portal.shot("verify-old-copy")

    modified = tmp_path / "HR-LV-002.pdf"
    data = bytearray(published.read_bytes())
    data[len(data) // 2] ^= 0x01
    modified.write_bytes(bytes(data))
    res = _verify(portal, modified)
    assert res["state"] == "bad" and res["sha256"] == hashlib.sha256(data).hexdigest()
    assert "不是本门户发布的文件" in res["text"]
    portal.shot("verify-rejected")


def test_verify_page_javascript_fallback(portal, tmp_path):
    """Plain-http intranets have no crypto.subtle: the bundled SHA-256 must give the same answers."""
    art = portal.art("HR-LV-002", "zh-Hant-TW", "pdf")
    published = portal.site / "files" / art["path"]
    res = _verify(portal, published, "?hash=js")
    assert res["state"] == "ok" and res["method"] == "js" and res["sha256"] == art["sha256"]
    portal.shot("verify-fallback")
    docx = portal.site / "files" / portal.art("XSS-1", "zh-Hans", "docx")["path"]
    res = _verify(portal, docx, "?hash=js")
    assert res["state"] == "ok" and "XSS-1" in res["text"]
    other = tmp_path / "other.bin"
    other.write_bytes(b"not a policy")
    res = _verify(portal, other, "?hash=js")
    assert res["state"] == "bad" and res["sha256"] == hashlib.sha256(b"not a policy").hexdigest()
    # the fallback against hashlib on block-boundary lengths, in one piece and in odd chunks
    rnd = random.Random(8)
    for n in (0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 65537):
        blob = bytes(rnd.getrandbits(8) for _ in range(n))
        b64 = base64.b64encode(blob).decode()
        got = portal.b.js(f"""(() => {{ const s = atob('{b64}'); const u = new Uint8Array(s.length);
            for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
            const h = new PolicydocsSHA256.Hash(); let i = 0, step = 1;
            while (i < u.length) {{ h.update(u.subarray(i, i + step)); i += step; step = step * 3 + 1; }}
            return [PolicydocsSHA256.hex(u), h.hex()]; }})()""")
        assert got == [hashlib.sha256(blob).hexdigest()] * 2, n


def test_xss_title_shows_as_text(portal):
    portal.b.dialogs.clear()
    portal.open("zh-Hans/XSS-1.html")
    assert portal.text("h1.policy-title") == XSS_TITLE
    assert portal.b.js("document.title").startswith(XSS_TITLE)
    injected = portal.b.js("""[document.querySelectorAll('main script').length, document.querySelectorAll('img, svg').length,
        document.querySelectorAll('.control b').length]""")
    assert injected == [0, 0, 0]
    assert "<img src=x onerror=alert(2)>部" in portal.text("table.control")
    assert "<script>alert(4)</script>" in portal.text(".body")
    portal.shot("xss-policy")
    portal.open("zh-Hans/index.html?q=" + urllib.parse.quote("alert"))
    assert "XSS-1" in _hits(portal)
    assert portal.b.js("document.querySelector('.hit[data-policy=\"XSS-1\"] h2 a').textContent") == XSS_TITLE
    portal.shot("xss-search")
    for page in ("zh-Hans/index.html", "zh-Hant-TW/XSS-1.html", "zh-Hans/XSS-1.history.html", "zh-Hans/auditor.html"):
        portal.open(page)
    assert portal.b.dialogs == []
    assert not [c for c in portal.b.console if "alert" in c]


def test_history_and_not_in_force_versions(portal):
    portal.open("zh-Hans/HR-LV-002.html")
    portal.b.click("a.history-link")
    rows = portal.b.js("""[...document.querySelectorAll('tr.release')].map(r => [r.dataset.version,
        r.querySelector('.badge').textContent, [...r.querySelectorAll('.approver')].map(a => a.firstChild.textContent.trim())])""")
    assert rows == [["A/1", "现行有效", ["张伟", "李娜", "王强"]],
                    ["A/0", "已被 A/1 替代（2025年7月1日起）", ["张伟", "李娜", "王强"]]]
    portal.shot("history")
    # the earlier version's signed PDF is still downloadable from the history, as published
    href = portal.b.js("""document.querySelector('tr.release[data-version="A/0"] a.dl[data-locale="zh-Hans"][data-format="pdf"]').href""")
    data = urllib.request.urlopen(href, timeout=10).read()
    assert hashlib.sha256(data).hexdigest() == portal.art("HR-LV-002", "zh-Hans", "pdf", "A/0")["sha256"]
    # compare the two versions: the 修订对照表 opens
    portal.b.click("form.compare-form button")
    assert portal.b.url().endswith("/files/diff/HR-LV-002_A-0_A-1.html")
    assert "婚假" in portal.b.js("document.body.textContent")
    portal.open("zh-Hans/HR-LV-002.history.html")
    # the replaced version is still readable, from its frozen text, and says it is not in force
    portal.b.click('tr.release[data-version="A/0"] a.version-link')
    assert portal.b.url().endswith("/zh-Hans/HR-LV-002.v-A-0.html")
    assert "替代" in portal.text(".banner-version") and "婚假为三天" in portal.text("#第五条")
    portal.shot("old-version", full_page=False)
    portal.b.click(".banner-version a")
    assert portal.b.url().endswith("/zh-Hans/HR-LV-002.html")
    # the superseded policy stays reachable, marked as not in force, pointing at its successor
    portal.open("zh-Hans/HR-LV-001.html")
    assert "HR-LV-002" in portal.text(".banner-old")
    portal.b.click(".banner-old a")
    assert portal.b.url().endswith("/zh-Hans/HR-LV-002.html")
    portal.open("zh-Hant-TW/HR-LV-001.html")
    portal.shot("superseded-zh-Hant-TW")


def test_as_of_page_answers_for_any_day(portal):
    def on(day: str) -> dict:
        portal.open(f"zh-Hans/as-of.html?day={day}")
        portal.b.wait_for("!!document.querySelector('#as-of-result h2')")
        return dict(portal.b.js("[...document.querySelectorAll('#as-of-result tr[data-policy]')]"
                                ".map(r => [r.dataset.policy, r.dataset.version])"))

    assert on("2023-06-01") == {"HR-LV-001": "A/0"}
    assert on("2024-06-01") == {"HR-LV-002": "A/0"}  # HR-LV-002 replaced HR-LV-001 on 2024-01-01
    assert on("2024-12-01") == {"HR-LV-002": "A/0", "ADM-CONF-001": "A/0", "IT-DEV-001": "A/0"}
    now = on("2026-01-01")
    assert now["HR-LV-002"] == "A/1" and "HR-LV-001" not in now and "XSS-1" in now
    portal.shot("as-of")


def test_auditor_page_lists_every_hash(portal):
    portal.open("zh-Hans/auditor.html")
    shown = portal.b.js("Object.fromEntries([...document.querySelectorAll('.audit-files tr[data-path]')].map(r => [r.dataset.path, r.querySelector('code.hash').textContent]))")
    assert shown == {a["path"]: a["sha256"] for a in portal.published["files"]}
    assert "policydocs verify" in portal.text(".howto")
    href = portal.b.js("document.querySelector('a.published-link').href")
    assert json.loads(urllib.request.urlopen(href, timeout=10).read()) == portal.published
    portal.shot("auditor")


def test_works_from_file_urls(portal, tmp_path):
    """A file share: no server, no fetch; scripts and CSP must still work."""
    copy = tmp_path / "share" / "portal"
    shutil.copytree(portal.site, copy)
    portal.b.navigate((copy / "zh-Hant-TW" / "index.html").as_uri() + "?q=" + urllib.parse.quote("婚假"))
    portal.b.wait_for("!document.getElementById('search-results').hidden")
    assert _hits(portal) == ["HR-LV-002"]
    portal.b.navigate((copy / "zh-Hans" / "verify.html").as_uri())
    pdf = copy / "files" / portal.art("HR-LV-002", "zh-Hans", "pdf")["path"]
    portal.b.set_file("#verify-file", pdf)
    portal.b.wait_for("['ok', 'bad', 'error'].includes(document.getElementById('verify-result').dataset.state)")
    assert portal.b.js("document.getElementById('verify-result').dataset.state") == "ok"
    portal.shot("file-url-verify")
    assert not [c for c in portal.b.console if "Content Security Policy" in c or "exception" in c], portal.b.console


@pytest.mark.parametrize("page", ["zh-Hans/index.html", "zh-Hans/HR-LV-002.html", "zh-Hant-TW/verify.html"])
def test_phone_screen_has_no_sideways_scrolling(portal, page):
    """Employees open the portal on a phone: nothing wider than a 390 px screen, text not shrunk."""
    portal.b.viewport(390, 844, mobile=True, scale=2)
    try:
        portal.open(page)
        wide = portal.b.js("""[...document.querySelectorAll('body *')].filter(e => {
            const r = e.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 1;
        }).map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert portal.b.js("document.documentElement.scrollWidth") <= portal.b.js("innerWidth") + 1, wide
        # nothing sticks out of its card / the header; document ids and language names stay on one line
        # (a SHA-256 may wrap)
        out = portal.b.js("""[...document.querySelectorAll('table, .locale-switch a, .locale-switch span')].filter(e => {
            const box = e.closest('.category, .policy-doc, .policy-aside, header, main') || document.body;
            const r = e.getBoundingClientRect(), p = box.getBoundingClientRect();
            return r.width > 0 && (r.right > p.right + 1 || r.left < p.left - 1);
        }).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 20))""")
        assert out == [], out
        split = portal.b.js("""[...document.querySelectorAll('code:not(.hash), .locale-switch a, .locale-switch span')].filter(e => {
            const rects = [...e.getClientRects()].filter(r => r.width > 0);
            return new Set(rects.map(r => Math.round(r.top))).size > 1 || (rects.length === 1 && rects[0].height > 2.2 *
                parseFloat(getComputedStyle(e).fontSize) * 1.0 + 12);
        }).map(e => e.textContent.trim())""")
        assert split == [], split
        size = portal.b.js("parseFloat(getComputedStyle(document.querySelector('main') || document.body).fontSize)")
        assert size >= 14
        portal.shot("phone-" + page.replace("/", "-").removesuffix(".html"), full_page=False)
    finally:
        portal.b.viewport(1280, 900)


@pytest.mark.browser
def test_every_page_fits_a_phone_screen(portal):
    """Every page of the portal at 390 px: the page never scrolls sideways (a wide table
    scrolls inside its own box), and the auditor's commands keep their line breaks.

    Chromium's mobile emulation widens the layout viewport to fit an overflowing page
    (``innerWidth`` grows with it), so the page is measured against the screen width."""
    portal.b.viewport(390, 844, mobile=True, scale=1)
    try:
        # published files are documents, not pages (the redlines under files/diff/ are pages, linked
        # from every history); the root index.html only redirects (it has a viewport too)
        pages = sorted(p.relative_to(portal.site).as_posix() for p in portal.site.rglob("*.html")
                       if ("files" not in p.relative_to(portal.site).parts or p.parent.name == "diff")
                       and p != portal.site / "index.html")
        assert 'name="viewport"' in (portal.site / "index.html").read_text(encoding="utf-8")
        assert len(pages) >= 20, pages
        redlines = [rel for rel in pages if rel.startswith("files/diff/")]
        assert "files/diff/HR-LV-002_A-0_A-1.html" in redlines and "files/diff/HR-LV-002_A-0_A-1.zh-Hant-TW.html" in redlines
        too_wide = {}
        for rel in pages:
            portal.open(rel)
            width = portal.b.js("document.documentElement.scrollWidth")
            if width > 390 or width > portal.b.js("innerWidth"):
                too_wide[rel] = (width, portal.b.js("""[...document.querySelectorAll('body *')].filter(e => {
                    const r = e.getBoundingClientRect(); return r.width > 0 && r.right > 391
                        && !e.closest('.table-wrap, pre'); }).map(e => e.tagName + '.' + e.className).slice(0, 4)"""))
        assert too_wide == {}, too_wide
        portal.open("zh-Hans/auditor.html")
        lines = portal.b.js("""(() => { const c = document.querySelector('.howto pre code');
            return [c.textContent.split('\\n').length, Math.round(c.getBoundingClientRect().height / parseFloat(getComputedStyle(c).lineHeight))]; })()""")
        assert lines[0] >= 8 and lines[1] >= lines[0] - 1, lines  # one rendered line per source line
        portal.b.js("document.querySelector('.history-table, .audit-files').scrollIntoView()")
        portal.shot("phone-auditor-files", full_page=False)
        portal.open("zh-Hans/HR-LV-002.history.html")
        box = portal.b.js("""(() => { const w = document.querySelector('.table-wrap'), t = w.querySelector('table');
            return [w.getBoundingClientRect().right, t.scrollWidth, w.clientWidth]; })()""")
        assert box[0] <= 390 and box[1] > box[2], box  # the wide history table scrolls inside its box
        portal.shot("phone-history", full_page=False)
        # a redline is read at the phone's width and type size (not a 980 px page shrunk to fit)
        portal.open("files/diff/HR-LV-002_A-0_A-1.zh-Hant-TW.html")
        size = portal.b.js("""(() => { const t = document.querySelector('table.redline'), w = t.closest('.table-wrap');
            return [innerWidth, w.getBoundingClientRect().right, t.scrollWidth, w.clientWidth,
                    parseFloat(getComputedStyle(t.querySelector('td')).fontSize)]; })()""")
        assert size[0] == 390 and size[1] <= 390 and size[2] > size[3] and size[4] >= 13, size
        portal.shot("phone-redline", full_page=False)
    finally:
        portal.b.viewport(1280, 900)
