"""The portal generator without a browser: structure, hashes, anchors, escaping, atomicity, CLI."""

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

from policydocs.core.errors import PolicyError
from policydocs.pipeline.build import build
from policydocs.products.site import build_site, generate_site, js_data


@pytest.fixture(scope="module")
def site_project(tmp_path_factory):
    """The portal test project built as DOCX only (fast: no PDF rendering) and its site."""
    base = tmp_path_factory.mktemp("site")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CONFIG_HOME", str(base / "xdg"))
    root = make_site_project(base / "proj")
    build(root, formats=["docx"], sign=False)
    result = generate_site(root)
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


def test_build_site_requires_a_build(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    root = make_site_project(tmp_path / "p", release=False)
    with pytest.raises(PolicyError, match=r"run `policydocs build` first"):
        build_site(root)
    assert not (root / "build" / "site").exists()
    proc = run_cli("-C", str(root), "site", "--no-build", cwd=tmp_path)
    assert proc.returncode == 2 and "manifest.json" in proc.stderr and "policydocs build" in proc.stderr


def test_layout_pages_per_locale(site_project):
    root, result = site_project
    site = root / "build" / "site"
    assert result.path == site
    for code in ("zh-Hans", "zh-Hant-TW"):
        for name in ("index.html", "auditor.html", "verify.html", "HR-LV-002.html", "HR-LV-002.history.html",
                     "XSS-1.html", "IT-SEC-001.html"):
            assert (site / code / name).is_file(), f"{code}/{name}"
        assert (site / "data" / f"search.{code}.js").is_file()
    for name in ("index.html", "manifest.json", "SHA256SUMS", "data/manifest.js", "static/site.css",
                 "static/site.js", "static/sha256.js", "static/verify.js"):
        assert (site / name).is_file(), name
    # nothing from a CDN or any absolute URL: every script/style/link is relative
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), page
        assert "<script>" not in text.replace("&lt;script&gt;", ""), f"inline script in {page}"


def test_downloads_are_the_built_files(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    manifest_bytes = (root / "build" / "manifest.json").read_bytes()
    assert (site / "manifest.json").read_bytes() == manifest_bytes
    manifest = json.loads(manifest_bytes)
    assert manifest["artifacts"]
    for art in manifest["artifacts"]:
        f = site / "files" / art["path"]
        assert hashlib.sha256(f.read_bytes()).hexdigest() == art["sha256"]
        assert f.stat().st_size == art["size"]
    sums = (site / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) == len(manifest["artifacts"]) + 1
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((site / name).read_bytes()).hexdigest() == digest
    # the policy page shows size and hash of every locale's file and links it relatively
    page = (site / "zh-Hans" / "HR-LV-002.html").read_text(encoding="utf-8")
    for art in manifest["artifacts"]:
        if art["policy_id"] == "HR-LV-002":
            assert art["sha256"] in page
            assert f'href="../files/{art["path"]}"' in page


def test_every_article_anchored_with_its_locale_label(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    sc = parse(site / "zh-Hans" / "HR-LV-002.html")
    tc = parse(site / "zh-Hant-TW" / "HR-LV-002.html")
    assert {"第一条", "第五条", "第六条", "第一章"} <= set(sc.ids)
    assert {"第一條", "第五條", "第六條", "第一章"} <= set(tc.ids)
    assert "#第三条" in sc.links and "#第三條" in tc.links  # [[#sick]] inside the policy
    # every in-page link points at an id that exists
    for p in (sc, tc):
        for href in p.links:
            if href.startswith("#") and href != "#main":
                assert href[1:] in p.ids, href


def test_status_and_supersession(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    index = (site / "zh-Hans" / "index.html").read_text(encoding="utf-8")
    current, _, old = index.partition("已废止和已被替代的制度")
    assert "HR-LV-002.html" in current and "HR-LV-001.html" not in current
    assert "HR-LV-001.html" in old and "已废止（已被替代）" in old
    assert "试行" in current and "生效" in current  # XSS-1 is trial, the others effective
    old_page = (site / "zh-Hans" / "HR-LV-001.html").read_text(encoding="utf-8")
    assert "banner-old" in old_page and 'href="HR-LV-002.html"' in old_page
    tw_index = (site / "zh-Hant-TW" / "index.html").read_text(encoding="utf-8")
    assert "已廢止和已被替代的制度" in tw_index and "請假管理制度" in tw_index


def test_history_versions_approvers_and_not_in_force(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    hist = (site / "zh-Hans" / "HR-LV-002.history.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="release v-(\w+)" data-version="([^"]+)">', hist)
    assert rows == [("current", "A/1"), ("replaced", "A/0")]
    for name in ("张伟", "李娜", "王强", "编制", "审核", "批准", "婚假调整为十天", "首次发行"):
        assert name in hist
    assert "已被 A/1 替代，不再有效" in hist
    tw = (site / "zh-Hant-TW" / "HR-LV-002.history.html").read_text(encoding="utf-8")
    assert "制定" in tw and "核准" in tw  # Taiwan role names
    # frozen sources are published and match the ledger's hashes
    snaps = re.findall(r'href="\.\./(files/snapshots/([0-9a-f]{64})\.md)"', hist)
    assert len(snaps) == 2
    for rel, digest in snaps:
        assert hashlib.sha256((site / rel).read_bytes()).hexdigest() == digest
    # redlines between consecutive releases, when the diff module is there; said so when not
    try:
        from policydocs.products import diff as diffmod
    except ImportError:
        diffmod = None
    if diffmod is not None and hasattr(diffmod, "diff_versions"):
        links = re.findall(r'class="redline" href="\.\./(files/diff/[^"]+\.html)"', hist)
        assert len(links) == 1 and (site / links[0]).is_file()
        assert "婚假" in (site / links[0]).read_text(encoding="utf-8")
    else:
        assert "修订对照暂未生成" in hist
    # the earlier version stays readable (frozen text), marked as not in force; the current one links to the page
    assert 'class="version-link" href="HR-LV-002.v-A-0.html"' in hist and 'class="version-link" href="HR-LV-002.html"' in hist
    old_page = (site / "zh-Hans" / "HR-LV-002.v-A-0.html").read_text(encoding="utf-8")
    assert "婚假为三天" in old_page and "婚假为十天" not in old_page
    assert "banner-version" in old_page and "已被 A/1 替代，不再有效" in old_page
    assert 'id="第五条"' in old_page and 'id="downloads"' not in old_page
    assert "婚假為三天" in (site / "zh-Hant-TW" / "HR-LV-002.v-A-0.html").read_text(encoding="utf-8")
    # a policy with no releases says so instead of an empty table
    assert "尚无已发布的版本" in (site / "zh-Hans" / "IT-SEC-001.history.html").read_text(encoding="utf-8")


def test_user_text_is_escaped_everywhere(site_project):
    root, _ = site_project
    site = root / "build" / "site"
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
        assert "<img src=x" not in text and "<svg onload" not in text and "<b>测试" not in text, page
        assert "href=\"javascript:" not in text and "<svg/onload" not in text, page  # javascript: links are refused at read time
    page = (site / "zh-Hans" / "XSS-1.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    title = parse(site / "zh-Hans" / "XSS-1.html")
    assert XSS_TITLE in "".join(title.text)
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
    assert seg["a"] == "第五條" and doc["url"] == "HR-LV-002.html"
    # references are rendered as words, not [[#sick]]
    assert any("第三條" in s["t"] for s in doc["segments"])
    assert not any("[[" in s["t"] for d in data["docs"] for s in d["segments"])


def test_tampered_build_file_is_refused_and_old_site_kept(site_project, tmp_path):
    root, _ = site_project
    site = root / "build" / "site"
    before = (site / "zh-Hans" / "index.html").read_bytes()
    target = root / "build" / "zh-Hans" / "IT-SEC-001.docx"
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"x")
        with pytest.raises(PolicyError, match="does not match build/manifest.json"):
            build_site(root)
    finally:
        target.write_bytes(original)
    assert (site / "zh-Hans" / "index.html").read_bytes() == before
    assert not [p for p in (root / "build").iterdir() if p.name.startswith(".site-")]


def test_unsafe_manifest_path_refused(site_project):
    root, _ = site_project
    manifest_path = root / "build" / "manifest.json"
    original = manifest_path.read_bytes()
    data = json.loads(original)
    data["artifacts"][0]["path"] = "../../etc/passwd"
    try:
        manifest_path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(PolicyError, match="unsafe artifact path"):
            build_site(root)
    finally:
        manifest_path.write_bytes(original)


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
    # only loopback
    assert "127.0.0.1" in line
