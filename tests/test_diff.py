"""Redline between released versions: pairing per article, character-level changes, HTML/DOCX/PDF."""

from __future__ import annotations

import re
import zipfile

import pytest
from conftest import pdftotext
from test_ledger_support import (
    POLICY_A,
    add_people,
    cli,
    isolate_env,
    make_project,
    release_one,
    text_of,
)

from policydocs.products import diff, history
from policydocs.read import markdown as parsing

OLD = """---
id: HR-X-001
title: 测试制度
department: 人力资源部
category: 人事
status: effective
effective_date: 2024-01-01
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范管理，特制定本制度。

本制度适用于全体员工。

# 考勤

迟到三十分钟以上的，按旷工处理。{#late}

考勤记录保存一年。

员工应当按时打卡。

# 附则

违反本制度的，依照[[#late]]处理。
"""

NEW = (OLD.replace("2024-01-01", "2025-01-01")
       .replace("本制度适用于全体员工。\n", "本制度适用于全体员工。\n\n外包人员参照本制度执行。\n")
       .replace("考勤记录保存一年。", "考勤记录保存两年。")
       .replace("员工应当按时打卡。\n\n", ""))


def test_char_segments_chinese():
    segs = diff.char_segments("考勤记录保存一年。", "考勤记录保存两年。")
    assert [(s.op, s.text) for s in segs] == [("equal", "考勤记录保存"), ("delete", "一"), ("insert", "两"), ("equal", "年。")]
    # a rewritten phrase is one deletion + one insertion, not confetti
    segs = diff.char_segments("由部门负责人批准", "由人力资源部批准")
    assert [s.op for s in segs] == ["equal", "delete", "insert", "equal"]
    assert "".join(s.text for s in segs if s.op != "insert") == "由部门负责人批准"
    assert "".join(s.text for s in segs if s.op != "delete") == "由人力资源部批准"


def test_grouped_per_article():
    old = parsing.parse_policy_text(OLD, "old.md")
    new = parsing.parse_policy_text(NEW, "new.md")
    from policydocs.core.errors import Collector
    from policydocs.read import references

    references.resolve({"HR-X-001": old}, Collector())
    references.resolve({"HR-X-001": new}, Collector())
    r = diff.diff_documents(old, new, old_version="A/0", new_version="A/1")
    heads = [c.heading for c in r.changed]
    assert heads == ["第三条 新增", "第五条（原第四条）修改", "原第五条 删除"]
    assert ("生效日期", "2024-01-01", "2025-01-01") in r.meta_changes
    mod = r.changed[1]
    assert [(s.op, s.text) for s in mod.segments if s.op != "equal"] == [("delete", "一"), ("insert", "两")]
    # the reference 依照第三条 → 依照第四条 follows renumbering and is not a change
    assert not any("附则" in c.heading or "第七条" in c.heading for c in r.changed)
    assert any("引用" in n for n in r.notes)


@pytest.fixture
def project(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)
    root = make_project(tmp_path)
    keys = add_people(root)
    release_one(root, keys)
    p = root / "policies" / "HR-ATT-001.md"
    p.write_text(POLICY_A.replace("为加强考勤管理，维护工作秩序，特制定本制度。",
                                  "为加强考勤管理，维护工作秩序，特制定本制度。\n\n本制度适用于全体员工。")
                 .replace("三十分钟", "二十分钟"), encoding="utf-8")
    release_one(root, keys, summary="调整迟到时限，增加适用范围")
    return root


def test_diff_command_writes_html_and_tracked_changes_docx(project, capsys):
    assert cli(["-C", str(project), "diff", "HR-ATT-001", "A/0", "A/1", "--formats", "html,docx"]) == 0
    out = capsys.readouterr().out
    assert "第二条 新增" in out and "第三条（原第二条）修改" in out
    html_path = project / "build" / "diff" / "HR-ATT-001_A0_A1.html"
    page = html_path.read_text(encoding="utf-8")
    assert "<del>三</del><ins>二</ins>" in page and "<ins>本制度适用于全体员工。</ins>" in page
    with zipfile.ZipFile(project / "build" / "diff" / "HR-ATT-001_A0_A1.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert '<w:ins w:id="' in xml and '<w:del w:id="' in xml and 'w:author="张伟"' in xml
    assert "<w:delText xml:space=\"preserve\">三</w:delText>" in xml
    import docx

    docx.Document(str(project / "build" / "diff" / "HR-ATT-001_A0_A1.docx"))  # opens


def test_diff_working_text_and_unknown_version(project, capsys):
    p = project / "policies" / "HR-ATT-001.md"
    p.write_text(text_of(project).replace("附则", "附　则"), encoding="utf-8")
    r = diff.diff_versions(project, None, "HR-ATT-001", "A/1", None, formats=["html"])
    assert r.new_version == "草稿" and [c.heading for c in r.changed] == ["第二章 附\u3000则 修改"]
    assert r.files[0].name == "HR-ATT-001_A1_working.html"
    assert cli(["-C", str(project), "diff", "HR-ATT-001", "A/0", "B/7"]) == 2
    assert "no version B/7 (released: A/0, A/1)" in capsys.readouterr().err


def test_diff_pdf(project):
    r = diff.diff_versions(project, None, "HR-ATT-001", "A/0", "A/1", formats=["pdf"])
    pdf = r.files[0]
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    text = re.sub(r"\s+", "", pdftotext(pdf))
    assert f"《{r.title}》修订对照" in text and "A/0→A/1" in text
    for change in r.changed:
        assert re.sub(r"\s+", "", change.heading) in text


def test_revision_history_sections_column(project):
    info = history.version_info(project, None, "HR-ATT-001", text_of(project))
    assert [(r.version, r.sections) for r in info.revisions] == [("A/0", ""), ("A/1", "新增第二条；修改第三条")]
