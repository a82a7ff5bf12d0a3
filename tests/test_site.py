"""The portal without a browser: built from the publication (released versions only), structure,
hashes, statuses, history, escaping, incremental writes, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_cli
from test_site_support import XSS_TITLE, make_site_project

from policydocs.core.errors import PolicyErrors
from policydocs.pipeline.build import build
from policydocs.pipeline.session import BuildSession
from policydocs.products.site import generate_site, js_data


@pytest.fixture(scope="module")
def site_project(tmp_path_factory):
    """The portal test project published as DOCX only (fast: no PDF layout), and its portal."""
    base = tmp_path_factory.mktemp("site")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CONFIG_HOME", str(base / "xdg"))
    root = make_site_project(base / "proj")
    build(root, formats=["docx"])
    result = generate_site(BuildSession.open(root))
    yield root, result
    mp.undo()


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "script":
            self.scripts.append(a.get("src") or "<inline>")

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> _Collect:
    p = _Collect()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_nothing_released_nothing_in_the_portal(tmp_path, monkeypatch):
    """Drafts are previews for authors: a project without releases has an empty catalogue."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    root = make_site_project(tmp_path / "p", release=False)
    result = generate_site(BuildSession.open(root))
    site = root / "build" / "site"
    assert "尚无制度" in (site / "zh-Hans" / "index.html").read_text(encoding="utf-8")
    assert not list(site.glob("*/HR-LV-002*.html")) and not (site / "files").exists()
    assert result.files == 0


def test_layout_pages_per_locale(site_project):
    root, result = site_project
    site = root / "build" / "site"
    assert result.path == site
    for code in ("zh-Hans", "zh-Hant-TW"):
        for name in ("index.html", "auditor.html", "verify.html", "as-of.html", "HR-LV-002.html",
                     "HR-LV-002.history.html", "HR-LV-002.v-A-0.html", "XSS-1.html", "IT-SEC-001.html"):
            assert (site / code / name).is_file(), f"{code}/{name}"
        assert (site / "data" / f"search.{code}.js").is_file()
    assert not (site / "manifest.json").exists()  # the build's manifest lists previews: not the portal's business
    for name in ("index.html", "published.json", "SHA256SUMS", "data/published.js", "static/site.css",
                 "static/site.js", "static/sha256.js", "static/verify.js", "static/as-of.js"):
        assert (site / name).is_file(), name
    # nothing from a CDN or any absolute URL: every script/style/link is relative
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), page
        assert "<script>" not in text.replace("&lt;script&gt;", ""), f"inline script in {page}"


def test_downloads_are_the_published_files(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    published = [a for a in manifest["artifacts"] if a["path"].startswith("publication/")]
    assert published
    drafts = [a for a in manifest["artifacts"] if a.get("draft")]  # HR-LV-001's working text names its successor
    assert drafts and all(a["path"].startswith("build/preview/") for a in drafts)
    assert not (site / "files" / "build").exists()  # previews never reach the portal
    for art in published:
        f = site / "files" / art["path"]
        assert hashlib.sha256(f.read_bytes()).hexdigest() == art["sha256"]
    sums = (site / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) == len(published)
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((site / name).read_bytes()).hexdigest() == digest
    # the page of the version in force offers its files in every locale, size and hash, relative links
    page = (site / "zh-Hans" / "HR-LV-002.html").read_text(encoding="utf-8")
    for art in published:
        if art.get("policy_id") == "HR-LV-002" and art["version"] == "A/1":
            assert art["sha256"] in page and f'href="../files/{art["path"]}"' in page
        elif art.get("policy_id") == "HR-LV-002":
            assert art["sha256"] not in page  # A/0's files are on its own page and in the history


def test_every_article_anchored_with_its_locale_label(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    sc = parse(site / "zh-Hans" / "HR-LV-002.html")
    tc = parse(site / "zh-Hant-TW" / "HR-LV-002.html")
    assert {"第一条", "第五条", "第六条", "第一章"} <= set(sc.ids)
    assert {"第一條", "第五條", "第六條", "第一章"} <= set(tc.ids)
    assert "#第三条" in sc.links and "#第三條" in tc.links  # [[#sick]] inside the policy
    for p in (sc, tc):  # every in-page link points at an id that exists
        for href in p.links:
            if href.startswith("#") and href != "#main":
                assert href[1:] in p.ids, href


def test_in_force_is_computed_from_the_ledger(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    index = (site / "zh-Hans" / "index.html").read_text(encoding="utf-8")
    current, _, old = index.partition("已废止和已被替代的制度")
    assert "HR-LV-002.html" in current and "HR-LV-001.html" not in current
    assert "HR-LV-001.html" in old and "已被 HR-LV-002 A/0 替代（2024年1月1日起）" in old
    assert "现行有效" in current
    old_page = (site / "zh-Hans" / "HR-LV-001.html").read_text(encoding="utf-8")
    assert "banner-old" in old_page
    tw_index = (site / "zh-Hant-TW" / "index.html").read_text(encoding="utf-8")
    assert "已廢止和已被替代的制度" in tw_index and "請假管理制度" in tw_index


def test_history_every_version_its_files_and_redlines(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    hist = (site / "zh-Hans" / "HR-LV-002.history.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="release v-(\w+)" data-version="([^"]+)">', hist)
    assert rows == [("in_force", "A/1"), ("superseded", "A/0")]
    for name in ("张伟", "李娜", "王强", "编制", "审核", "批准", "婚假调整为十天", "首次发行"):
        assert name in hist
    assert "已被 A/1 替代（2025年7月1日起）" in hist
    tw = (site / "zh-Hant-TW" / "HR-LV-002.history.html").read_text(encoding="utf-8")
    assert "制定" in tw and "核准" in tw  # Taiwan role names
    # every version's published files, downloadable from the history
    files = re.findall(r'class="dl" href="\.\./(files/publication/HR-LV-002/(A-\d)/[^"]+)"', hist)
    assert {v for _, v in files} == {"A-0", "A-1"}
    for rel, _ in files:
        assert (site / rel).is_file()
    # a redline between the two versions, HTML and PDF
    links = re.findall(r'class="redline" href="\.\./(files/diff/[^"]+\.html)"', hist)
    assert links == ["files/diff/HR-LV-002_A-0_A-1.html"] and "婚假" in (site / links[0]).read_text(encoding="utf-8")
    assert (site / "files/diff/HR-LV-002_A-0_A-1.pdf").read_bytes().startswith(b"%PDF")
    # the Taiwan history links the Taiwan redline: converted like the TW pages, 「」 quotes, the summary too
    tw_links = re.findall(r'class="redline(?:-pdf)?" href="\.\./(files/diff/[^"]+)"', tw)
    assert tw_links == ["files/diff/HR-LV-002_A-0_A-1.zh-Hant-TW.html", "files/diff/HR-LV-002_A-0_A-1.zh-Hant-TW.pdf"]
    tw_redline = (site / tw_links[0]).read_text(encoding="utf-8")
    assert 'lang="zh-Hant-TW"' in tw_redline and "修訂對照表" in tw_redline and "婚假調整為十天" in tw_redline
    assert "將「三」修改為「十」" in tw_redline and "“" not in tw_redline and "修订" not in tw_redline
    assert 'name="viewport"' in tw_redline
    assert (site / tw_links[1]).read_bytes().startswith(b"%PDF")
    # the earlier version stays readable from its frozen text, marked, with its own signed files
    assert 'href="HR-LV-002.v-A-0.html"' in hist and 'href="HR-LV-002.html"' in hist
    old_page = (site / "zh-Hans" / "HR-LV-002.v-A-0.html").read_text(encoding="utf-8")
    assert "婚假为三天" in old_page and "婚假为十天" not in old_page
    assert "banner-version" in old_page and "已被 A/1 替代（2025年7月1日起）" in old_page
    assert 'id="第五条"' in old_page and "files/publication/HR-LV-002/A-0/" in old_page
    assert "婚假為三天" in (site / "zh-Hant-TW" / "HR-LV-002.v-A-0.html").read_text(encoding="utf-8")


def test_user_text_is_escaped_everywhere(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
        assert "<img src=x" not in text and "<svg onload" not in text and "<b>测试" not in text, page
        assert "href=\"javascript:" not in text and "<svg/onload" not in text, page
    page = (site / "zh-Hans" / "XSS-1.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert XSS_TITLE in "".join(parse(site / "zh-Hans" / "XSS-1.html").text)
    for js in (site / "data").glob("*.js"):
        body = js.read_text(encoding="utf-8").split("=", 1)[1]
        assert "<" not in body and ">" not in body, js


def test_js_data_cannot_break_out_of_a_script():
    text = js_data("X", {"t": "</script><script>alert(1)</script>\u2028&"})
    assert "</script>" not in text and "\u2028" not in text and "&" not in text
    assert json.loads(text.split("=", 1)[1].rstrip(";\n")) == {"t": "</script><script>alert(1)</script>\u2028&"}


def test_search_index_has_article_text_and_anchors(site_project):
    root, _ = site_project
    text = (root / "build" / "site" / "data" / "search.zh-Hant-TW.js").read_text(encoding="utf-8")
    data = json.loads(text.split("=", 1)[1].rstrip(";\n"))
    doc = next(d for d in data["docs"] if d["id"] == "HR-LV-002")
    seg = next(s for s in doc["segments"] if "婚假" in s["t"])
    assert seg["a"] == "第五條" and doc["url"] == "HR-LV-002.html" and "十天" in seg["t"]
    assert any("第三條" in s["t"] for s in doc["segments"])  # references as words, not [[#sick]]
    assert not any("[[" in s["t"] for d in data["docs"] for s in d["segments"])


def test_verify_data_knows_every_published_file(site_project):
    root, _ = site_project
    text = (root / "build" / "site" / "data" / "published.js").read_text(encoding="utf-8")
    data = json.loads(text.split("=", 1)[1].rstrip(";\n"))
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    assert {f["sha256"] for f in data["files"]} == {a["sha256"] for a in manifest["artifacts"] if not a.get("draft")}
    assert json.loads((root / "build" / "site" / "published.json").read_text(encoding="utf-8")) == data
    a0 = next(v for v in data["policies"]["HR-LV-002"]["versions"] if v["version"] == "A/0")
    assert a0["state"] == "superseded" and a0["until"] == "2025-07-01" and a0["by"] == "A/1"


def test_unchanged_portal_writes_nothing_and_a_template_change_rewrites_its_pages(site_project):
    root, _ = site_project
    again = generate_site(BuildSession.open(root))
    assert again.pages == 0 and again.kept > 20
    override = root / "templates" / "site" / "verify.html.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    source = (Path(__file__).resolve().parent.parent / "templates" / "site" / "verify.html.j2").read_text(encoding="utf-8")
    try:
        override.write_text(source.replace("{{ sw.verify_intro }}", "{{ sw.verify_intro }} (test)"), encoding="utf-8")
        changed = generate_site(BuildSession.open(root))
        assert changed.pages >= 2  # every page: the key covers the site's templates
        assert "(test)" in (root / "build" / "site" / "zh-Hans" / "verify.html").read_text(encoding="utf-8")
    finally:
        override.unlink()
        generate_site(BuildSession.open(root))


def test_a_failed_portal_build_leaves_the_portal_as_it_was(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    before = (site / "zh-Hans" / "index.html").read_bytes()
    broken = root / "templates" / "site" / "index.html.j2"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("{% extends 'site/base.html.j2' %}{% block main %}{{ no_such_value }}{% endblock %}",
                      encoding="utf-8")
    try:
        with pytest.raises(Exception, match="no_such_value"):
            generate_site(BuildSession.open(root))
    finally:
        broken.unlink()
    assert (site / "zh-Hans" / "index.html").read_bytes() == before
    assert not [p for p in (root / "build").iterdir() if p.name.startswith(".site-")]


def test_site_refuses_a_broken_project_with_file_and_line(site_project, tmp_path):
    root, _ = site_project
    bad = root / "policies" / "ZZ-BAD-001.md"
    bad.write_text("---\nid: ZZ-BAD-001\n---\n", encoding="utf-8")
    try:
        with pytest.raises(PolicyErrors, match="ZZ-BAD-001.md"):
            BuildSession.open(root)
    finally:
        bad.unlink()


def test_site_cli_no_build(site_project):
    root, _ = site_project
    proc = run_cli("-C", str(root), "site", "--no-build", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "portal:" in proc.stdout and "page(s)" in proc.stdout


def test_serve_previews_and_rebuilds_on_change(site_project):
    root, _ = site_project
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "policydocs", "-C", str(root), "serve", "--port", "0", "--no-build",
                             "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line + proc.stderr.read() if proc.poll() is not None else line
        base = m.group(0)
        page = urllib.request.urlopen(base + "zh-Hans/HR-LV-002.html", timeout=10).read().decode("utf-8")
        assert "请假管理制度" in page
        # edit a template override in the project: the site is rebuilt and served
        override = root / "templates" / "site" / "static" / "site.css"
        override.parent.mkdir(parents=True, exist_ok=True)
        override.write_text("/* preview-marker */\n", encoding="utf-8")
        deadline = time.monotonic() + 30
        css = ""
        while time.monotonic() < deadline:
            css = urllib.request.urlopen(base + "static/site.css", timeout=10).read().decode("utf-8")
            if "preview-marker" in css:
                break
            time.sleep(0.2)
        assert "preview-marker" in css
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
        (root / "templates" / "site" / "static" / "site.css").unlink(missing_ok=True)
    assert proc.returncode == 0, err
    assert "127.0.0.1" in line  # only loopback


def test_a_killed_portal_builds_staging_folder_is_removed_by_the_next(tmp_path):
    """A killed `site`/`serve` left build/.site-new-* behind for good; the next portal build
    removes it (one portal build at a time, so no running one owns it)."""
    from policydocs.core.errors import PolicyError
    from policydocs.products.site.output import SiteOutput

    site = tmp_path / "build" / "site"
    stale = tmp_path / "build" / ".site-new-killed"
    (stale / "zh-Hans").mkdir(parents=True)
    (stale / "zh-Hans" / "index.html").write_text("half a page", encoding="utf-8")
    out = SiteOutput(site)
    assert not stale.exists() and out.staging.is_dir()
    with pytest.raises(PolicyError, match="another portal build"):  # and it leaves the running one's files
        SiteOutput(site)
    assert out.staging.is_dir()
    out.want("index.html", "k1", lambda: "<p>portal</p>")
    out.commit()
    assert (site / "index.html").read_text(encoding="utf-8") == "<p>portal</p>"
    assert not list((tmp_path / "build").glob(".site-new-*"))
    SiteOutput(site).discard()  # the finished build let go of the lock
