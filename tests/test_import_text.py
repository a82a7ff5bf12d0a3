"""The structure step on text: run-on text, furniture, pinyin, punctuation, encodings, references."""

from __future__ import annotations

from pathlib import Path

from test_import_support import outline

from policydocs.importer.batch import Options, finish, read_drafts
from policydocs.read.project import load_project


def _import(tmp_path: Path, name: str, text: str | bytes, *, copy_samples: bool = False):
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True, exist_ok=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试公司"\n', encoding="utf-8")
    if copy_samples:
        from test_import_support import REPO
        for src in (REPO / "policies").glob("*.md"):
            (root / "policies" / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    source = tmp_path / name
    source.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    reports = finish([read_drafts(source)], Options(into=root / "policies", project_root=root))
    assert [r.error for r in reports if r.error] == []
    project = load_project(root)
    return reports, {r.policy_id: project.documents[r.policy_id] for r in reports}


RUN_ON = ("考勤管理制度\n"
          "第一章总则第一条为了规范考勤管理,制定本制度。第二条本制度适用于全体员工。"
          "第二章考勤第三条员工应当按时上下班。第四条有下列情形之一的,视为旷工:(一)未请假缺勤的;(二)请假未获批准的。"
          "第五条违反第四条规定的,按照本制度第三条、第四条处理。\n")


def test_run_on_text_is_cut_at_continuing_numbers_only(tmp_path):
    reports, docs = _import(tmp_path, "run-on.txt", RUN_ON)
    (doc,) = docs.values()
    o = outline(doc)
    assert [e for e in o if e[0] == "chapter"] == [("chapter", 0, "总则"), ("chapter", 0, "考勤")]
    assert [e[0] for e in o].count("article") == 5
    assert ("item", 2, "请假未获批准的。") in o
    # citations are references now, the text around them full-width Chinese punctuation
    assert ("p", 2, "违反<:article:4>规定的，按照本制度<:article:3>、<:article:4>处理。") in o
    assert any(f.kind == "split" for f in reports[0].findings)


def test_furniture_pinyin_stars_and_punctuation(tmp_path):
    text = ("網路管理辦法\n下載文檔\n上傳人:小王\n"
            "一、本辦法適用於各部門繼續(xù)使用網頁(wǎng yè)的人員_第1頁。\n"
            "二、資訊收集***信用狀況、公司規模***,每週六21:00前提交。\n"
            "三、推廣工作提升2、網站訪問流量。\n"
            "已閱讀5頁,還剩2頁未讀\n")
    reports, docs = _import(tmp_path, "web.txt", text)
    (doc,) = docs.values()
    assert doc.meta.lang == "zh-Hant-TW" and doc.meta.title == "網路管理辦法"
    paragraphs = [e[2] for e in outline(doc) if e[0] == "p"]
    assert paragraphs == ["本辦法適用於各部門繼續使用網頁的人員。", "資訊收集（信用狀況、公司規模），每週六21:00前提交。",
                          "推廣工作提升網站訪問流量。"]
    kinds = {f.kind for f in reports[0].findings}
    assert {"furniture", "text", "structure"} <= kinds
    messages = " ".join(f.message for f in reports[0].findings)
    assert "下載文檔" in messages and "上傳人" in messages and "(xù)" in messages and "“2、”" in messages


def test_encodings(tmp_path):
    text = "请假管理办法\n第一条 为规范请假，制定本办法。\n第二条 本办法适用于全体员工。\n"
    for n, (encoding, data) in enumerate([("gb18030", text.encode("gb18030")),
                                          ("big5", "請假管理辦法\n第一條 為規範請假，制定本辦法。\n第二條 本辦法適用於全體員工。\n"
                                           .encode("big5")),
                                          ("utf-16", text.encode("utf-16"))]):
        _, docs = _import(tmp_path / str(n), f"leave-{n}.txt", data)
        (doc,) = docs.values()
        assert len(doc.articles()) == 2, encoding


def test_citation_of_an_existing_policy_becomes_a_reference(tmp_path):
    text = ("出差管理规定\n第一条 出差费用按照《费用报销管理制度》第八条执行。\n"
            "第二条 加班按照《考勤管理制度》的规定办理，劳动法另见《中华人民共和国劳动法》。\n")
    reports, docs = _import(tmp_path, "trip.txt", text, copy_samples=True)
    (doc,) = docs.values()
    o = outline(doc)
    assert o[1] == ("p", 1, "出差费用按照<FIN-EXP-001:article:8>执行。")
    assert o[3] == ("p", 1, "加班按照<HR-ATT-002:policy:>的规定办理，劳动法另见《中华人民共和国劳动法》。")


def test_sentences_numbered_一二三_become_articles_and_headings_become_sectioned(tmp_path):
    _, docs = _import(tmp_path / "a", "a.txt", "值班规定\n一、为加强值班管理，制定本规定。\n二、值班人员应当按时到岗。\n")
    assert list(docs.values())[0].meta.numbering == "articles"
    _, docs = _import(tmp_path / "b", "b.txt", "会议规定\n一、总则\n会议应当精简。\n二、会议纪律\n1、按时到会；\n2、关闭手机。\n")
    doc = list(docs.values())[0]
    assert doc.meta.numbering == "sectioned"
    assert outline(doc) == [("chapter", 0, "总则"), ("p", 1, "会议应当精简。"), ("chapter", 0, "会议纪律"),
                            ("item", 1, "按时到会；"), ("item", 1, "关闭手机。")]
