"""Redline between released versions: pairing per article, character-level changes, HTML/DOCX/PDF."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import pdf_lines, pdftotext
from docx.oxml.ns import qn
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


def _ops(a: str, b: str) -> list[tuple[str, str]]:
    return [(s.op, s.text) for s in diff.token_segments(a, b) if s.op != "equal"]


def test_changes_are_whole_numbers_dates_and_ids_never_digit_by_digit():
    # 2024年 → 2025年 is 2024 → 2025; a character diff printed "20245年"
    assert _ops("自2024年起", "自2025年起") == [("delete", "2024"), ("insert", "2025")]
    assert _ops("三十分钟", "二十分钟") == [("delete", "三十"), ("insert", "二十")]
    assert _ops("十五个工作日", "十个工作日") == [("delete", "十五"), ("insert", "十")]
    # a date in the document's form is one token, in every form the writers print
    for a, b in (("2024年1月1日", "2025年3月1日"), ("二〇二四年一月一日", "二〇二五年三月一日"),
                 ("中華民國113年1月1日", "中華民國114年3月1日"), ("2024-01-01", "2025-03-01")):
        assert _ops(f"自{a}起施行", f"自{b}起施行") == [("delete", a), ("insert", b)], a
    assert _ops("参照HR-ATT-001执行", "参照HR-ATT-002执行") == [("delete", "HR-ATT-001"), ("insert", "HR-ATT-002")]
    assert _ops("版本A/0", "版本A/1") == [("delete", "A/0"), ("insert", "A/1")]
    assert _ops("补贴3.5元", "补贴4.25元") == [("delete", "3.5"), ("insert", "4.25")]


def test_token_segments_chinese():
    segs = diff.token_segments("考勤记录保存一年。", "考勤记录保存两年。")
    assert [(s.op, s.text) for s in segs] == [("equal", "考勤记录保存"), ("delete", "一"), ("insert", "两"), ("equal", "年。")]
    # a rewritten phrase is one deletion + one insertion, not confetti
    segs = diff.token_segments("由部门负责人批准", "由人力资源部批准")
    assert [s.op for s in segs] == ["equal", "delete", "insert", "equal"]
    assert "".join(s.text for s in segs if s.op != "insert") == "由部门负责人批准"
    assert "".join(s.text for s in segs if s.op != "delete") == "由人力资源部批准"


def _resolved_pair():
    old = parsing.parse_policy_text(OLD, "old.md")
    new = parsing.parse_policy_text(NEW, "new.md")
    from policydocs.core.errors import Collector
    from policydocs.read import references

    references.resolve({"HR-X-001": old}, Collector())
    references.resolve({"HR-X-001": new}, Collector())
    return old, new


def test_grouped_per_article():
    old, new = _resolved_pair()
    r = diff.diff_documents(old, new, old_version="A/0", new_version="A/1")
    heads = [c.heading for c in r.changed]
    assert heads == ["第三条 新增", "第五条（原第四条）修改", "原第五条 删除"]
    # dates in the document's own form
    assert ("生效日期", "2024年1月1日", "2025年1月1日") in [tuple(m) for m in r.meta_changes]
    mod = r.changed[1]
    assert [(s.op, s.text) for s in mod.segments if s.op != "equal"] == [("delete", "一"), ("insert", "两")]
    # the reference 依照第三条 → 依照第四条 follows renumbering and is not a change
    assert not any("附则" in c.heading or "第七条" in c.heading for c in r.changed)
    assert any("引用" in n for n in r.notes)


def test_redline_table_rows_old_new_and_explanation():
    old, new = _resolved_pair()
    r = diff.diff_documents(old, new, old_version="A/0", new_version="A/1")
    t = diff.redline_table(r)
    assert (t.words["old_clause"], t.words["new_clause"], t.words["note"]) == ("原条款", "修订后条款", "修订说明")
    assert t.title == "《测试制度》修订对照表"
    kinds = [row.kind for row in t.rows]
    assert kinds == ["meta", "added", "modified", "deleted"]
    meta, added, modified, deleted = t.rows
    assert meta.old == (diff.Span("delete", "2024年1月1日"),) and meta.new == (diff.Span("insert", "2025年1月1日"),)
    assert added.old == () and added.new_label == "第三条" and added.note == "新增条款。"
    assert (modified.old_label, modified.new_label) == ("第四条", "第五条")
    assert "".join(s.text for s in modified.old) == "考勤记录保存一年。"
    assert "".join(s.text for s in modified.new) == "考勤记录保存两年。"
    assert modified.note == "条款序号由第四条调整为第五条。将“一”修改为“两”。"
    assert deleted.new == () and deleted.note == "删除条款。"
    assert t.header.changes == 3


def test_traditional_redline_uses_traditional_words():
    from policydocs.convert.conversion import load_glossary, localize

    old, new = _resolved_pair()
    glossary = load_glossary(Path("/nonexistent"))
    old_tw, _ = localize(old, "zh-Hant-TW", glossary)
    new_tw, _ = localize(new, "zh-Hant-TW", glossary)
    t = diff.redline_table(diff.diff_documents(old_tw, new_tw, old_version="A/0", new_version="A/1"))
    assert t.words["old_clause"] == "原條款" and t.rows[2].old_label == "第四條"
    assert "原第五條 刪除" in [c.heading for c in diff.diff_documents(old_tw, new_tw, old_version="A/0",
                                                                   new_version="A/1").changed]


@pytest.fixture
def project(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)
    root = make_project(tmp_path)
    keys = add_people(root)
    release_one(root, keys)
    p = root / "policies" / "HR-ATT-001.md"
    p.write_text(POLICY_A.replace("为加强考勤管理，维护工作秩序，特制定本制度。",
                                  "为加强考勤管理，维护工作秩序，特制定本制度。\n\n本制度所称“员工”，指与公司签订劳动合同的人员。")
                 .replace("三十分钟", "二十分钟"), encoding="utf-8")
    release_one(root, keys, summary="调整迟到时限，增加适用范围")
    return root


def test_diff_command_writes_the_table_and_the_tracked_changes_variant(project, capsys):
    assert cli(["-C", str(project), "diff", "HR-ATT-001", "A/0", "A/1", "--formats", "html,docx"]) == 0
    out = capsys.readouterr().out
    assert "第二条 新增" in out and "第三条（原第二条）修改" in out
    out_dir = project / "build" / "diff"
    page = (out_dir / "HR-ATT-001_A0_A1.html").read_text(encoding="utf-8")
    assert "<del>三十</del>" in page and "<ins>二十</ins>" in page  # a number, not digit by digit
    assert "<th>原条款</th><th>修订后条款</th><th>修订说明</th>" in page
    assert "将“三十”修改为“二十”" in page
    # the author's reason, as recorded by `release --summary`, heads the table
    assert re.search(r"<th>修订内容摘要</th><td[^>]*>调整迟到时限，增加适用范围</td>", page)
    assert "text-decoration: none" in page.split("del {")[1].split("}")[0]  # deletions are not struck through
    # the table DOCX: house template, three columns, header with page numbers, approval line
    d = docx.Document(str(out_dir / "HR-ATT-001_A0_A1.docx"))
    table = d.tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["原条款", "修订后条款", "修订说明"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert any("三十" in c.text for c in table.rows[-1].cells)
    body = "\n".join(p.text for p in d.paragraphs)
    assert "《考勤管理制度》修订对照表" in body
    assert "编制：张伟" in body and "批准：" in body
    info = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert info[-1][0] == "修订内容摘要" and info[-1][1] == "调整迟到时限，增加适用范围"
    header_xml = d.sections[0].header._element.xml
    assert "PAGE" in header_xml and "NUMPAGES" in header_xml and "HR-ATT-001" in header_xml
    assert d.core_properties.language == "zh-CN"
    assert round(d.sections[0].page_width.mm) == 210 and round(d.sections[0].page_height.mm) == 297
    doc_xml = d.element.xml
    assert "<w:strike" not in doc_xml and "<w:dstrike" not in doc_xml
    # the tracked-changes variant: real revisions by the newer version's 编制 person
    with zipfile.ZipFile(out_dir / "HR-ATT-001_A0_A1.tracked.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert '<w:ins w:id="' in xml and '<w:del w:id="' in xml and 'w:author="张伟"' in xml
    assert '<w:delText xml:space="preserve">三十</w:delText>' in xml
    tracked = docx.Document(str(out_dir / "HR-ATT-001_A0_A1.tracked.docx"))
    assert tracked.core_properties.language == "zh-CN"


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
    assert "修订对照表" in text and "原条款" in text and "修订说明" in text
    assert "A/0" in text and "A/1" in text
    assert "修订内容摘要" in text and "调整迟到时限，增加适用范围" in text
    for row in diff.redline_table(r).rows:
        shown = "".join(s.text for s in row.new if s.op != "delete") or "".join(s.text for s in row.old)
        assert re.sub(r"\s+", "", shown)[:12] in text


def test_diff_pdf_keeps_dates_ids_and_the_company_whole_and_tight(project):
    """As every other output (docs/docx.md): dates print tight (2025年3月1日, not 2025 年 3 月 1 日),
    and no date, id or company name is split across two lines — in the header table, in the
    narrow clause columns, in 修订说明 and in the page header."""
    cfg = project / "policydocs.toml"
    cfg.write_text('[organisation]\nname = "华衡智造科技股份有限公司"\n\n' + cfg.read_text(encoding="utf-8"),
                   encoding="utf-8")
    dates = ["2025年3月1日", "2025年10月15日", "2026年12月31日", "2024年11月30日", "2025年9月1日"]
    src = project / "policies" / "HR-ATT-001.md"
    src.write_text(text_of(project).replace(
        "按迟到处理。", "按迟到处理；" + "，".join(f"自{d}起" for d in dates) + "分别按HR-ATT-001附表执行。"),
        encoding="utf-8")
    r = diff.diff_versions(project, None, "HR-ATT-001", "A/0", None, formats=["pdf"])
    pdf = r.files[0]
    plain = pdftotext(pdf)
    assert not re.search(r"\d\s+[年月日页頁]|[年月第共]\s+\d", plain), re.findall(r".{0,6}\d\s+[年月日页].{0,4}", plain)
    lines = [ln["text"] for page in pdf_lines(pdf) for ln in page]
    shown = dates + [r.signers[0].date, "华衡智造科技股份有限公司", "HR-ATT-001", "第1页共1页"]
    split = [d for d in shown if d and not any(d in ln for ln in lines)]
    assert split == [], (split, lines)


def test_revision_history_sections_column(project):
    info = history.version_info(project, None, "HR-ATT-001", text_of(project))
    assert [(r.version, r.sections) for r in info.revisions] == [("A/0", ""), ("A/1", "新增第二条；修改第三条")]


def test_diff_locale_writes_a_traditional_table_with_corner_quotes(project, capsys):
    """`diff --locale zh-Hant-TW`: both texts converted as the build converts them (the build
    session's trees): Traditional characters and words, 「」 quotes, the recorded summary too."""
    assert cli(["-C", str(project), "diff", "HR-ATT-001", "A/0", "A/1", "--locale", "zh-Hant-TW",
                "--formats", "html,pdf"]) == 0
    out = capsys.readouterr().out
    assert "第二條 新增" in out and "第三條（原第二條）修改" in out
    out_dir = project / "build" / "diff"
    page = (out_dir / "HR-ATT-001_A0_A1.zh-Hant-TW.html").read_text(encoding="utf-8")
    assert 'lang="zh-Hant-TW"' in page and "《考勤管理制度》修訂對照表" in page
    assert "<th>原條款</th><th>修訂後條款</th><th>修訂說明</th>" in page
    assert "本制度所稱「員工」，指與公司簽訂勞動合同的人員。" in page  # the clause itself, 「」 not “”
    assert "將「三十」修改為「二十」" in page and "調整遲到時限，增加適用範圍" in page
    assert "“" not in page and "修订" not in page and "条款" not in page
    text = re.sub(r"\s+", "", pdftotext(out_dir / "HR-ATT-001_A0_A1.zh-Hant-TW.pdf"))
    assert "修訂對照表" in text and "「員工」" in text and "第1頁共1頁" in text and "“" not in text
    # the document's own language keeps its plain name; an unknown locale is a clear error
    assert not (out_dir / "HR-ATT-001_A0_A1.html").exists()
    assert cli(["-C", str(project), "diff", "HR-ATT-001", "A/0", "A/1", "--locale", "zh-TW"]) == 2
    assert "unknown locale 'zh-TW'" in capsys.readouterr().err
    # another working file being edited: the frozen texts still compare; a converted redline needs a valid project
    (project / "policies" / "NEW-001.md").write_text("---\nid: NEW-001\n---\n", encoding="utf-8")
    assert cli(["-C", str(project), "diff", "HR-ATT-001", "A/0", "A/1", "--formats", "html"]) == 0
    assert "comparing the two texts on their own" in capsys.readouterr().err
    assert cli(["-C", str(project), "diff", "HR-ATT-001", "A/0", "A/1", "--locale", "zh-Hant-TW"]) == 2
    assert "policies/NEW-001.md:1: error" in capsys.readouterr().err


def test_diff_help_explains_every_argument(capsys):
    with pytest.raises(SystemExit):
        cli(["diff", "--help"])
    out = capsys.readouterr().out
    assert "the earlier released version, e.g. A/0" in out and "the later released version, e.g. A/1" in out
    assert "--locale LOCALE" in out and "zh-Hant-TW" in out
