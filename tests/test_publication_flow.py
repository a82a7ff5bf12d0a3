"""Controlled publication end to end, as a user runs it (issue 11): the portal and the publication
serve released, signed versions only; an edit is a preview; a scheduled version takes over on its
date; the superseded copy stays downloadable and says so."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from conftest import preview, published, run_cli

pytestmark = pytest.mark.slow

POLICY = """---
id: HR-PUB-001
title: 加班管理办法
department: 人力资源部
category: 人事
status: effective
effective_date: 2025-03-01
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范加班管理，制定本办法。

加班应当事先申请，经部门负责人批准。{#apply}

# 附则

违反[[#apply]]的，不计加班。
"""


def cli(root: Path, env: dict, *args: str, ok: bool = True):
    result = run_cli(*args, cwd=root, env=env)
    if ok:
        assert result.returncode == 0, f"policydocs {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def approve_and_release(root: Path, env: dict, *release_args: str) -> None:
    for person, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        cli(root, env, "approve", "HR-PUB-001", "--role", role, "--as", person)
    cli(root, env, "release", "HR-PUB-001", *release_args)


def manifest(root: Path) -> dict:
    return json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))


def test_publication_preview_schedule_and_supersession(tmp_path):
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试科技有限公司"\n[locales]\n'
                                          'publish = ["zh-Hans", "zh-Hant-TW"]\n', encoding="utf-8")
    source = root / "policies" / "HR-PUB-001.md"
    source.write_text(POLICY, encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "POLICYDOCS_NOW": "2025-02-01T09:00:00+08:00"}
    cli(root, env, "keys", "init-org")
    for person, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        cli(root, env, "keys", "new", "--person", person, "--roles", role)

    # A/0 released a month before it takes effect: published, signed, on the record; shown as scheduled
    approve_and_release(root, env)
    cli(root, env, "build", "--all")
    a0 = published(root, "HR-PUB-001", "A/0")
    a0_bytes = a0.read_bytes()
    assert "Signature is Valid" in run_cli_out(["pdfsig", "-nocert", str(a0)])
    page = (root / "build/site/zh-Hans/HR-PUB-001.html").read_text(encoding="utf-8")
    assert "HR-PUB-001_A-0.zh-Hans.pdf" in page and "待生效，2025年3月1日起施行" in page
    index = (root / "build/site/zh-Hans/index.html").read_text(encoding="utf-8")
    assert "即将生效的制度" in index
    # its day comes: in force (nothing is published again)
    env["POLICYDOCS_NOW"] = "2025-03-02T09:00:00+08:00"
    result = cli(root, env, "build", "--all")
    assert "0 file(s) published" in result.stdout
    page = (root / "build/site/zh-Hans/HR-PUB-001.html").read_text(encoding="utf-8")
    assert "现行有效" in page and a0.read_bytes() == a0_bytes

    # the text is edited: the portal and the publication still serve the signed A/0; the draft is a preview
    source.write_text(POLICY.replace("经部门负责人批准", "经部门负责人和人力资源部批准"), encoding="utf-8")
    result = cli(root, env, "build", "--all")
    assert "previews" in result.stdout and "HR-PUB-001" in result.stdout
    assert a0.read_bytes() == a0_bytes
    assert "草稿" in run_cli_out(["pdftotext", str(preview(root, "HR-PUB-001")), "-"])
    page = (root / "build/site/zh-Hans/HR-PUB-001.html").read_text(encoding="utf-8")
    assert "经部门负责人批准" in page and "人力资源部批准" not in page and "草稿" not in page
    assert not list((root / "build/site").rglob("*preview*"))

    # A/1 released with a future effective date: A/0 stays in force, A/1 is scheduled
    env["POLICYDOCS_NOW"] = "2025-06-01T09:00:00+08:00"
    approve_and_release(root, env, "--effective", "2025-09-01", "--summary", "加班审批增加人力资源部")
    cli(root, env, "build", "--all")
    a1 = published(root, "HR-PUB-001", "A/1")
    assert a1.is_file() and a0.read_bytes() == a0_bytes
    hist = (root / "build/site/zh-Hans/HR-PUB-001.history.html").read_text(encoding="utf-8")
    assert 'class="release v-scheduled" data-version="A/1"' in hist
    assert 'class="release v-in_force" data-version="A/0"' in hist
    assert "待生效，2025年9月1日起施行" in hist
    # … and the catalogue and the policy page announce it as upcoming, not only the history page
    index = (root / "build/site/zh-Hans/index.html").read_text(encoding="utf-8")
    row = index[index.index('data-policy="HR-PUB-001"'):]
    row = row[:row.index("</tr>")]
    assert "现行有效" in row and "即将生效：A/1，2025年9月1日起施行" in row and 'href="HR-PUB-001.v-A-1.html"' in row
    upcoming = index[index.index("即将生效的制度"):]
    assert 'href="HR-PUB-001.v-A-1.html"' in upcoming and "HR-PUB-001_A-1.zh-Hans.pdf" in upcoming
    page = (root / "build/site/zh-Hans/HR-PUB-001.html").read_text(encoding="utf-8")
    assert 'class="banner banner-pending banner-upcoming"' in page and "现行有效" in page
    assert "修订版 A/1 已发布，自2025年9月1日起施行，届时替代现行的 A/0。" in page
    assert "files/diff/HR-PUB-001_A-0_A-1.html" in page
    tw = (root / "build/site/zh-Hant-TW/HR-PUB-001.html").read_text(encoding="utf-8")
    assert "即將生效：A/1" in tw and "修訂版 A/1 已發布" in tw
    assert "files/diff/HR-PUB-001_A-0_A-1.zh-Hant-TW.html" in tw  # the redline in the page's own locale
    old = cli(root, env, "verify-file", str(a0))
    assert "AUTHENTIC" in old.stdout and "in force" in old.stdout

    # the date comes: A/1 in force, A/0 superseded and still downloadable, and verify-file says so
    env["POLICYDOCS_NOW"] = "2025-09-02T09:00:00+08:00"
    cli(root, env, "build", "--all")
    hist = (root / "build/site/zh-Hans/HR-PUB-001.history.html").read_text(encoding="utf-8")
    assert 'class="release v-in_force" data-version="A/1"' in hist
    assert 'class="release v-superseded" data-version="A/0"' in hist and "已被 A/1 替代（2025年9月1日起）" in hist
    page = (root / "build/site/zh-Hans/HR-PUB-001.html").read_text(encoding="utf-8")
    index = (root / "build/site/zh-Hans/index.html").read_text(encoding="utf-8")
    assert "banner-upcoming" not in page and "即将生效：" not in index and "即将生效的制度" not in index
    site_a0 = root / "build/site/files" / a0.relative_to(root)
    assert hashlib.sha256(site_a0.read_bytes()).hexdigest() == hashlib.sha256(a0_bytes).hexdigest()
    old = cli(root, env, "verify-file", str(a0))
    assert "AUTHENTIC" in old.stdout and "superseded by A/1" in old.stdout
    assert "2025-09-01" in old.stdout
    # every published file is on the record, and verify checks them all
    record = [a for a in manifest(root)["artifacts"] if a["path"].startswith("publication/")]
    assert {a["version"] for a in record if a.get("policy_id") == "HR-PUB-001"} == {"A/0", "A/1"}
    assert cli(root, env, "verify").returncode == 0


def test_a_published_file_that_changed_is_reported(tmp_path):
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试科技有限公司"\n[locales]\n'
                                          'publish = ["zh-Hans"]\n[build]\nformats = ["pdf"]\n', encoding="utf-8")
    (root / "policies" / "HR-PUB-001.md").write_text(POLICY, encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "POLICYDOCS_NOW": "2025-02-01T09:00:00+08:00"}
    cli(root, env, "keys", "init-org")
    for person, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        cli(root, env, "keys", "new", "--person", person, "--roles", role)
    approve_and_release(root, env)
    cli(root, env, "build")
    a0 = published(root, "HR-PUB-001", "A/0")
    data = bytearray(a0.read_bytes())
    data[len(data) // 2] ^= 1
    a0.write_bytes(bytes(data))
    result = cli(root, env, "verify", ok=False)
    assert result.returncode == 1 and "HR-PUB-001" in result.stdout + result.stderr
    assert "publication/HR-PUB-001/A-0/HR-PUB-001_A-0.zh-Hans.pdf" in result.stdout + result.stderr
    # the build never overwrites a published file: it is on the record already
    cli(root, env, "build")
    assert a0.read_bytes() == bytes(data)
    # and the portal does not offer it
    result = cli(root, env, "site", "--no-build", ok=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "HR-PUB-001_A-0.zh-Hans.pdf" in result.stderr and "publication record" in result.stderr
    assert not (root / "build" / "site" / "files").exists()


def run_cli_out(args: list[str]) -> str:
    import subprocess

    return subprocess.run(args, capture_output=True, text=True).stdout


def test_retroactive_reason_on_the_portal_and_in_evidence_and_as_of_as_known_then(tmp_path):
    """A retroactive release's reason is shown on the portal and in the evidence pack; a pack as of a
    day before that release checks on its own and judges the day by the records made by then."""
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试科技有限公司"\n[locales]\n'
                                          'publish = ["zh-Hans"]\n[build]\nformats = ["pdf"]\n', encoding="utf-8")
    source = root / "policies" / "HR-PUB-001.md"
    source.write_text(POLICY, encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "POLICYDOCS_NOW": "2025-02-01T09:00:00+08:00"}
    cli(root, env, "keys", "init-org")
    for person, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        cli(root, env, "keys", "new", "--person", person, "--roles", role)
    approve_and_release(root, env)  # A/0, effective 2025-03-01
    reason = "董事会决议自2025年4月1日起追溯适用"
    env["POLICYDOCS_NOW"] = "2025-06-01T09:00:00+08:00"
    source.write_text(POLICY.replace("经部门负责人批准", "经部门负责人和人力资源部批准"), encoding="utf-8")
    approve_and_release(root, env, "--effective", "2025-04-01", "--retroactive", "--reason", reason,
                        "--summary", "加班审批增加人力资源部")
    cli(root, env, "build", "--all")
    for page in ("HR-PUB-001.html", "HR-PUB-001.history.html"):
        assert reason in (root / "build/site/zh-Hans" / page).read_text(encoding="utf-8"), page

    cli(root, env, "evidence", "-o", str(tmp_path / "all.zip"))
    with zipfile.ZipFile(tmp_path / "all.zip") as zf:
        assert reason in zf.read("README.md").decode("utf-8")
        versions = json.loads(zf.read("records/versions.json"))
    assert [(v["version"], v["retroactive_reason"]) for v in versions] == [("A/0", None), ("A/1", reason)]

    # as of 2025-05-01 the retroactive A/1 (released 2025-06-01) was not yet on the ledger
    cli(root, env, "evidence", "--as-of", "2025-05-01", "-o", str(tmp_path / "asof.zip"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    checked = run_cli("verify-evidence", str(tmp_path / "asof.zip"), cwd=elsewhere,
                      env={"XDG_CONFIG_HOME": str(elsewhere / "xdg")})
    assert checked.returncode == 0 and "EVIDENCE INTACT" in checked.stdout, checked.stdout + checked.stderr
    with zipfile.ZipFile(tmp_path / "asof.zip") as zf:
        names = set(zf.namelist())
        state = json.loads(zf.read("records/status.json"))["HR-PUB-001"]
        versions = json.loads(zf.read("records/versions.json"))
        readme = zf.read("README.md").decode("utf-8")
    assert state["state"] == "in_force" and state["version"] == "A/0" and state["since"] == "2025-03-01"
    assert [v["version"] for v in versions] == ["A/0"] and versions[0]["status"]["state"] == "in_force"
    assert not any("A-1" in n for n in names)
    assert "A/1 (released 2025-06-01) released after 2025-05-01" in readme
    # review status as of that day: from A/0's release, not from a release made later
    review = state["review"]
    assert (review["last"], review["last_kind"], review["due"], review["state"]) == (
        "2025-02-01", "release", "2026-02-01", "ok")
    assert "| HR-PUB-001 | A/0 in force since 2025-03-01 | 12 | 2025-02-01 (release" in readme


def test_reissue_renders_again_under_a_new_name_and_records_the_reason(tmp_path):
    """`policydocs reissue`: a published version rendered again from its frozen text with today's
    templates (here a corrected company name), signed, written beside the old files, recorded with
    the reason; the old files stay on the record and verifiable, marked as replaced on the portal."""
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    toml = root / "policydocs.toml"
    toml.write_text('[organisation]\nname = "测试科枝有限公司"\n[locales]\npublish = ["zh-Hans"]\n'
                    '[build]\nformats = ["pdf", "docx"]\n', encoding="utf-8")
    (root / "policies" / "HR-PUB-001.md").write_text(POLICY, encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "POLICYDOCS_NOW": "2025-02-20T09:00:00+08:00"}
    cli(root, env, "keys", "init-org")
    for person, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        cli(root, env, "keys", "new", "--person", person, "--roles", role)
    approve_and_release(root, env)
    cli(root, env, "site")
    old_pdf, old_docx = published(root, "HR-PUB-001", "A/0"), published(root, "HR-PUB-001", "A/0", fmt="docx")
    before = {p: p.read_bytes() for p in (old_pdf, old_docx)}
    assert "测试科枝有限公司" in run_cli_out(["pdftotext", str(old_pdf), "-"])

    # no reason, a version never released, a locale never published: refused, nothing written
    assert cli(root, env, "reissue", "HR-PUB-001", "A/0", ok=False).returncode == 2
    r = cli(root, env, "reissue", "HR-PUB-001", "A/0", "--reason", "  ", ok=False)
    assert r.returncode == 2 and "needs its reason" in r.stderr
    r = cli(root, env, "reissue", "HR-PUB-001", "A/9", "--reason", "x", ok=False)
    assert r.returncode == 2 and "no version A/9" in r.stderr
    r = cli(root, env, "reissue", "HR-PUB-001", "A/0", "--reason", "x", "--locales", "zh-Hant-TW", ok=False)
    assert r.returncode == 2 and "was not published in 'zh-Hant-TW'" in r.stderr
    assert sorted(p.name for p in old_pdf.parent.iterdir()) == sorted(p.name for p in before)

    # the company name in the header was wrong: corrected in the configuration, the version re-issued
    toml.write_text(toml.read_text(encoding="utf-8").replace("测试科枝", "测试科技"), encoding="utf-8")
    env["POLICYDOCS_NOW"] = "2025-03-05T09:00:00+08:00"
    reason = "模板更正：页眉单位名称有误"
    r = cli(root, env, "reissue", "HR-PUB-001", "A/0", "--reason", reason)
    new_pdf = old_pdf.with_name("HR-PUB-001_A-0_reissue-1.zh-Hans.pdf")
    new_docx = old_docx.with_name("HR-PUB-001_A-0_reissue-1.zh-Hans.docx")
    assert f"replaces {old_pdf.relative_to(root)}" in r.stdout and reason in r.stderr
    assert {p: p.read_bytes() for p in before} == before  # the published files are never touched
    text = run_cli_out(["pdftotext", str(new_pdf), "-"])
    assert "测试科技有限公司" in text and "测试科枝" not in text and "草稿" not in text
    assert "Signature is Valid" in run_cli_out(["pdfsig", "-nocert", str(new_pdf)])
    assert new_docx.is_file()
    assert cli(root, env, "verify").returncode == 0
    old = cli(root, env, "verify-file", str(old_pdf))
    assert "AUTHENTIC" in old.stdout and "re-issued as" in old.stdout and new_pdf.name in old.stdout
    assert reason in old.stdout
    new = cli(root, env, "verify-file", str(new_pdf))
    assert new.stdout.startswith("AUTHENTIC") and f"reason: {reason}" in new.stdout
    hist = cli(root, env, "history", "HR-PUB-001")
    assert f"re-issued A/0 2025-03-05" in hist.stdout and reason in hist.stdout
    reissues = json.loads(cli(root, env, "history", "HR-PUB-001", "--json").stdout)["reissues"]
    assert {f["format"] for f in reissues} == {"pdf", "docx"} and {f["reissue_reason"] for f in reissues} == {reason}

    # the portal (brought up to date by reissue) offers the re-issue, keeps the old file, says why
    site = root / "build/site"
    page = (site / "zh-Hans/HR-PUB-001.html").read_text(encoding="utf-8")
    assert f"files/{new_pdf.relative_to(root)}" in page and "重新发布" in page and reason in page
    assert f"已被 {new_pdf.name} 替代" in page  # the old file, listed as replaced
    hist_page = (site / "zh-Hans/HR-PUB-001.history.html").read_text(encoding="utf-8")
    assert reason in hist_page and "已被重新发布替代的文件" in hist_page
    assert (site / "files" / old_pdf.relative_to(root)).read_bytes() == before[old_pdf]
    pub = json.loads((site / "published.json").read_text(encoding="utf-8"))
    by_path = {f["path"]: f for f in pub["files"]}
    assert by_path[str(old_pdf.relative_to(root))]["replaced_by"]["path"] == str(new_pdf.relative_to(root))
    assert by_path[str(new_pdf.relative_to(root))]["reissue_reason"] == reason
    index = (site / "zh-Hans/index.html").read_text(encoding="utf-8")
    assert new_pdf.name in index and f'"{old_pdf.name}' not in index

    # a DOCX that renders byte for byte as published is not re-issued (nothing would change)
    r = cli(root, env, "reissue", "HR-PUB-001", "A/0", "--reason", "x", "--formats", "docx", ok=False)
    assert r.returncode == 2 and "nothing to re-issue" in r.stderr
    # a second re-issue gets the next name; a build afterwards publishes nothing again
    cli(root, env, "reissue", "HR-PUB-001", "A/0", "--reason", "字体修正", "--formats", "pdf", "--no-site")
    assert old_pdf.with_name("HR-PUB-001_A-0_reissue-2.zh-Hans.pdf").is_file()
    assert "0 file(s) published" in cli(root, env, "site").stdout
    assert cli(root, env, "verify").returncode == 0
