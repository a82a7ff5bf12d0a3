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


def test_latin_in_parentheses_survives_only_tone_marked_pinyin_goes(tmp_path):
    text = ("信息安全规定\n第一条 信息技术(IT)部门和人力资源(HR)部门共同负责,(it)小写亦同。\n"
            "第二条 網頁(wǎng yè)上的拼音去掉,(CEO)保留。\n")
    reports, docs = _import(tmp_path, "latin.txt", text)
    (doc,) = docs.values()
    paragraphs = [e[2] for e in outline(doc) if e[0] == "p"]
    assert paragraphs == ["信息技术（IT）部门和人力资源（HR）部门共同负责，（it）小写亦同。",
                          "網頁上的拼音去掉，（CEO）保留。"]
    pinyin = [f.message for f in reports[0].findings if "pinyin" in f.message]
    assert len(pinyin) == 1 and "(wǎng yè)" in pinyin[0]


def test_chapter_headings_glued_to_their_text_are_cut(tmp_path):
    text = ("网络部门的管理制度\n第一章总则为了规范网络部门的管理,特制定本制度。\n"
            "第二章组织机构网络部门是公司的重要组成部分。\n网络部门下设网络维护组。\n"
            "第三章绩效考核网络部门的绩效考核从以下几个方面评定:1. 工作绩效;2. 团队协作。\n")
    reports, docs = _import(tmp_path, "glued.txt", text)
    (doc,) = docs.values()
    assert outline(doc) == [
        ("chapter", 0, "总则"), ("article", 1, ""), ("p", 2, "为了规范网络部门的管理，特制定本制度。"),
        ("chapter", 0, "组织机构"), ("article", 1, ""), ("p", 2, "网络部门是公司的重要组成部分。"),
        ("p", 2, "网络部门下设网络维护组。"),
        ("chapter", 0, "绩效考核"), ("article", 1, ""), ("p", 2, "网络部门的绩效考核从以下几个方面评定："),
        ("item", 2, "工作绩效；"), ("item", 2, "团队协作。")]
    messages = [f.message for f in reports[0].findings]
    assert any("“组织机构” read as the heading of 第二章" in m for m in messages)
    assert any("read as its items" in m for m in messages)


def test_collections_are_cut_at_their_headings_and_篇_markers(tmp_path):
    text = ("考勤管理制度\n第一章总则第一条为了规范考勤,制定本制度。\n第二条本制度适用于全体员工。\n"
            "行政管理制度3篇\n"
            "行政管理制度3篇【第1篇】会议管理制度范文为了提高会议效率,特制定本制度。\n"
            "1、会议应当准时开始。\n2、会议应当有记录。\n"
            "网络管理制度(精选7篇)\n网络管理制度(精选7篇)在日常工作中,制度越来越重要。\n"
            "网络管理制度1一、机房必须保持整洁。\n二、外来人员不得进入机房。\n")
    reports, docs = _import(tmp_path, "collection.txt", text)
    titles = [(d.meta.title, len(d.articles())) for d in docs.values()]
    assert titles == [("考勤管理制度", 2), ("会议管理制度范文", 3), ("网络管理制度1", 2)]
    body = "\n".join(e[2] for d in docs.values() for e in outline(d) if e[0] == "p")
    assert "3篇" not in body and "精选" not in body and "日常工作中" not in body
    messages = " ".join(f.message for r in reports for f in r.findings)
    assert "【第1篇】" in messages and "dropped (collection heading)" in messages


def test_an_article_without_text_is_never_written(tmp_path):
    reports, docs = _import(tmp_path, "empty.txt", "值班规定\n第一条 为加强值班管理，制定本规定。\n第二条\n"
                                                   "第三条 违反第一条的，按照第二条处理。\n")
    (doc,) = docs.values()
    assert [a.blocks != [] for a in doc.articles()] == [True, True]
    # the citation of the article left out stays text; the other one still follows renumbering
    assert outline(doc)[-1] == ("p", 1, "违反<:article:1>的，按照第二条处理。")
    assert any("no text at all" in f.message for f in reports[0].findings)
