"""A build whose cost follows the change (issue 12), seen from the files a user gets.

After an edit, only that policy's previews are written: nothing published, no
handbook, no portal page changes. After its release, only its new version and
a new handbook edition are published, and only pages that show that policy or
list every policy are written again. The new edition is byte-for-byte what a
session with nothing cached renders.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import pytest
from conftest import copy_project, release_all, run_cli

from policydocs.pipeline import build as build_module
from policydocs.products import handbook
from policydocs.trust import keys as keymod
from policydocs.trust import ledger, status

pytestmark = pytest.mark.slow

POLICIES = ["ADM-CONF-001", "IT-DEV-001", "IT-SEC-001"]
EDITED = "IT-SEC-001"
BOOK = "title: 员工手册\ndoc_no: HB-T-001\nversion: 测试版\npolicies:\n" + "".join(f"  - {p}\n" for p in POLICIES)


def files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path → SHA-256)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def build_all(root: Path) -> None:
    result = run_cli("build", "--all", "--locales", "zh-Hans,zh-Hant-TW", "-j", "2", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = copy_project(tmp_path / "proj", POLICIES)
    (root / "handbooks").mkdir()
    (root / "handbooks" / "book.yaml").write_text(BOOK, encoding="utf-8")
    release_all(root)
    build_all(root)
    return root


def test_an_edit_writes_that_policys_previews_and_nothing_else(root):
    published, site = files(root / "publication"), files(root / "build" / "site")
    previews = root / "build" / "preview"
    assert not list(previews.rglob("*.pdf"))  # every working text is a release
    source = root / "policies" / f"{EDITED}.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n离职员工的账号应当当日停用。\n", encoding="utf-8")

    build_all(root)

    assert files(root / "publication") == published  # the publication and its handbook edition untouched
    assert files(root / "build" / "site") == site  # the portal shows releases only
    assert sorted(p.relative_to(previews).as_posix() for p in previews.rglob("*.*")) == sorted(
        f"{loc}/{EDITED}.{fmt}" for loc in ("zh-Hans", "zh-Hant-TW") for fmt in ("pdf", "docx"))


def test_a_release_publishes_that_policy_and_one_handbook_edition(root):
    published, site = files(root / "publication"), files(root / "build" / "site")
    source = root / "policies" / f"{EDITED}.md"
    text = source.read_text(encoding="utf-8") + "\n离职员工的账号应当当日停用。\n"
    source.write_text(text, encoding="utf-8")
    for name, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        ledger.approve(root, None, EDITED, role, name, keymod.load_private_key(name), text)
    release = ledger.release(root, None, EDITED, text, summary="增加账号停用要求", retroactive_reason="test")

    build_all(root)

    now = files(root / "publication")
    assert not changed(published, now) - now.keys()  # nothing published was changed or removed
    added = set(now) - set(published)
    v = release.version.replace("/", "-")
    mine = {p for p in added if p.startswith(f"{EDITED}/{v}/")}
    books = {p for p in added if p.startswith("handbooks/book/")}
    assert len(mine) == 4 and len(books) == 4 and added == mine | books  # 2 locales × PDF + DOCX each

    rewritten = changed(site, files(root / "build" / "site"))
    for other in POLICIES:
        if other != EDITED:
            for page in (f"{other}.html", f"{other}.history.html"):
                assert f"zh-Hans/{page}" in site and f"zh-Hans/{page}" not in rewritten, page
    assert f"zh-Hans/{EDITED}.html" in rewritten and f"zh-Hans/{EDITED}.history.html" in rewritten

    # every file ever published is on the auditor page, and each of its links opens (the first
    # handbook edition, replaced by the new one, included)
    auditor = (root / "build" / "site" / "zh-Hans" / "auditor.html").read_text(encoding="utf-8")
    links = re.findall(r'href="\.\./(files/[^"]+)"', auditor)
    assert {f"files/publication/{p}" for p in now} <= set(links)
    assert [link for link in links if not (root / "build" / "site" / html.unescape(link)).is_file()] == []

    # the new edition is what a session with nothing cached lays out
    session = build_module.BuildSession.open(root)
    hb = handbook.load_handbook(root / "handbooks" / "book.yaml", session.project)
    editions = [build_module.Edition(pid, status.status_on(root, pid, session.today).current.version)
                for pid in hb.policy_ids]
    job = build_module.handbook_job(session, hb, "zh-Hans", ("docx", "pdf"), editions)
    fresh = build_module.render_handbook(job)
    (docx,) = [root / "publication" / p for p in books if p.endswith(".zh-Hans.docx")]
    (pdf,) = [root / "publication" / p for p in books if p.endswith(".zh-Hans.pdf")]
    assert docx.read_bytes() == fresh["docx"]
    assert pdf.read_bytes().startswith(fresh["pdf"])  # the signature is an incremental update
