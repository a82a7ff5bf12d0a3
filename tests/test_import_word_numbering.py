"""Word's automatic numbering: a corpus of .docx files made here with a real numbering.xml.

The numbers are not in the text at all: each paragraph carries only
``w:numPr`` (or inherits it from its style, as WPS writes it).  Import must
recover every level — mainland 第X章/第X条/（一）/1. and Taiwan 第X條/一、/（一）,
restarts through ``w:startOverride``, ``w:lvlRestart``, 甲乙丙 and ①② — and a
.doc made from one of them by LibreOffice must import to the same tree.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from test_import_support import outline

from policydocs.importer.batch import Options, finish, read_drafts
from policydocs.importer.readers.docx import read_docx
from policydocs.importer.readers.wordnum import format_number
from policydocs.read.project import load_project

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _lvl(ilvl: int, fmt: str, text: str, *, restart: int | None = None, start: int = 1) -> str:
    restart_xml = f'<w:lvlRestart w:val="{restart}"/>' if restart is not None else ""
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{restart_xml}'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>')


def numbering_xml(abstracts: dict[int, list[str]], nums: dict[int, tuple[int, dict[int, int]]]) -> bytes:
    """numbering.xml with the given abstract definitions and w:num instances (numId → (abstractId, overrides))."""
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="{W}">']
    for aid, levels in abstracts.items():
        parts.append(f'<w:abstractNum w:abstractNumId="{aid}"><w:multiLevelType w:val="multilevel"/>{"".join(levels)}'
                     "</w:abstractNum>")
    for nid, (aid, overrides) in nums.items():
        ov = "".join(f'<w:lvlOverride w:ilvl="{k}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
                     for k, v in overrides.items())
        parts.append(f'<w:num w:numId="{nid}"><w:abstractNumId w:val="{aid}"/>{ov}</w:num>')
    parts.append("</w:numbering>")
    return "".join(parts).encode("utf-8")


def _numpr(num_id: int, ilvl: int | None):
    numpr = OxmlElement("w:numPr")
    if ilvl is not None:
        el = OxmlElement("w:ilvl")
        el.set(qn("w:val"), str(ilvl))
        numpr.append(el)
    el = OxmlElement("w:numId")
    el.set(qn("w:val"), str(num_id))
    numpr.append(el)
    return numpr


def make_docx(path: Path, paragraphs: list[tuple], numbering: bytes, *, numbered_style: tuple[str, int, int] | None = None,
              title: str = "") -> Path:
    """A .docx whose paragraphs are (text, numId or None, ilvl or None[, style name])."""
    document = docx.Document()
    if numbered_style:  # WPS: numPr on the paragraph style as well
        name, num_id, ilvl = numbered_style
        style = document.styles.add_style(name, 1)
        style.element.get_or_add_pPr().append(_numpr(num_id, ilvl))
    if title:
        document.add_paragraph(title, style="Title")
    for entry in paragraphs:
        text, num_id, ilvl, *rest = entry
        p = document.add_paragraph(text, style=rest[0] if rest else None)
        if num_id is not None:
            p._p.get_or_add_pPr().append(_numpr(num_id, ilvl))
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, numbering if item.filename == "word/numbering.xml" else src.read(item.filename))
    return path


MAINLAND = numbering_xml(
    {1: [_lvl(0, "chineseCounting", "第%1章"), _lvl(1, "chineseCounting", "第%2条", restart=0),
         _lvl(2, "chineseCounting", "（%3）"), _lvl(3, "decimal", "%4.")]},
    {1: (1, {})})
MAINLAND_PARAGRAPHS = [
    ("总则", 1, 0), ("为了规范考勤管理，制定本制度。", 1, 1), ("本制度适用于全体员工。", 1, 1),
    ("考勤纪律", 1, 0), ("员工应当遵守下列规定：", 1, 1), ("按时上下班；", 1, 2), ("服从工作安排，包括：", 1, 2),
    ("服从直接上级的安排；", 1, 3), ("服从部门负责人的安排。", 1, 3), ("保守公司秘密。", 1, 2),
    ("违反第三条第（二）项规定的，按照第三条处理。", 1, 1),
]
MAINLAND_NUMBERS = ["第一章", "第一条", "第二条", "第二章", "第三条", "（一）", "（二）", "1.", "2.", "（三）", "第四条"]

TAIWAN = numbering_xml(
    {2: [_lvl(0, "chineseCountingThousand", "第%1章"), _lvl(1, "taiwaneseCounting", "第%2條", restart=0),
         _lvl(2, "taiwaneseCounting", "%3、"), _lvl(3, "chineseCounting", "（%4）")]},
    {7: (2, {})})
TAIWAN_PARAGRAPHS = [
    ("總則", 7, 0), ("為規範出勤管理，特訂定本辦法。", 7, 1), ("考勤", 7, 0), ("員工有下列情形之一者，視為曠職：", 7, 1),
    ("未請假而缺勤者。", 7, 2), ("請假未獲核准者，包括：", 7, 2), ("事假未獲核准。", 7, 3), ("病假未檢附證明。", 7, 3),
    ("代他人打卡者。", 7, 2), ("本辦法經董事會通過後施行，修正時亦同。", 7, 1),
]
TAIWAN_NUMBERS = ["第一章", "第一條", "第二章", "第二條", "一、", "二、", "（一）", "（二）", "三、", "第三條"]

# restarts: two w:num share one list definition; the second restarts with startOverride, a third
# paragraph group continues the first w:num (3., 4.); article numbers are typed by hand
RESTARTS = numbering_xml({3: [_lvl(0, "decimal", "%1.")], 4: [_lvl(0, "ideographTraditional", "%1、"),
                                                          _lvl(1, "decimalEnclosedCircle", "%2")]},
                         {2: (3, {}), 3: (3, {0: 1}), 5: (4, {})})
RESTART_PARAGRAPHS = [
    ("第一条　报销应当提交下列材料：", None, None), ("报销单；", 2, 0), ("发票。", 2, 0),
    ("第二条　借款应当提交下列材料：", None, None), ("借款单；", 3, 0), ("审批单。", 3, 0),
    ("第三条　出差应当满足下列条件：", None, None), ("事先申请；", 2, 0), ("经过批准。", 2, 0),
    ("第四条　下列费用不予报销：", None, None), ("个人消费，包括：", 5, 0), ("娱乐；", 5, 1), ("礼品。", 5, 1),
    ("超标准的住宿费。", 5, 0),
]
RESTART_NUMBERS = ["1.", "2.", "1.", "2.", "3.", "4.", "甲、", "①", "②", "乙、"]

# WPS: the article style carries numPr, and each paragraph carries it again (one count per paragraph)
WPS = numbering_xml({5: [_lvl(0, "chineseCounting", "第%1条")]}, {9: (5, {})})
WPS_PARAGRAPHS = [("为了加强安全管理，制定本规定。", 9, 0, "WPS条"), ("本规定适用于各部门。", 9, 0, "WPS条"),
                  ("只带样式编号的一条。", None, None, "WPS条"), ("安全员负责日常检查。", 9, 0, "WPS条")]
WPS_NUMBERS = ["第一条", "第二条", "第三条", "第四条"]


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "corpus"
    d.mkdir()
    return {
        "mainland": make_docx(d / "mainland.docx", MAINLAND_PARAGRAPHS, MAINLAND, title="考勤管理制度"),
        "taiwan": make_docx(d / "taiwan.docx", TAIWAN_PARAGRAPHS, TAIWAN, title="出勤管理辦法"),
        "restarts": make_docx(d / "restarts.docx", RESTART_PARAGRAPHS, RESTARTS, title="费用报销规定"),
        "wps": make_docx(d / "wps.docx", WPS_PARAGRAPHS, WPS, numbered_style=("WPS条", 9, 0), title="安全管理规定"),
    }


@pytest.mark.parametrize("name,expected", [("mainland", MAINLAND_NUMBERS), ("taiwan", TAIWAN_NUMBERS),
                                           ("restarts", RESTART_NUMBERS), ("wps", WPS_NUMBERS)])
def test_reader_prints_the_numbers_word_would(corpus, name, expected):
    raw = read_docx(corpus[name])
    assert [b.auto_number for b in raw.blocks if b.auto_number] == expected


def test_number_formats():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 105)] == ["一", "十", "十一", "二十", "一百零五"]
    assert [format_number(n, "ideographTraditional") for n in (1, 2, 10)] == ["甲", "乙", "癸"]
    assert format_number(3, "decimalEnclosedCircle") == "③" and format_number(12, "upperRoman") == "XII"
    assert format_number(2, "chineseLegalSimplified") == "贰" and format_number(7, "decimalFullWidth") == "７"


def _import(files: list[Path], root: Path) -> dict:
    (root / "policies").mkdir(parents=True, exist_ok=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试公司"\n', encoding="utf-8")
    reports = finish([read_drafts(f) for f in files], Options(into=root / "policies", project_root=root))
    assert not [r.error for r in reports if r.error]
    return {r.source: r for r in reports}


def test_every_level_recovered(corpus, tmp_path):
    reports = _import(list(corpus.values()), tmp_path / "proj")
    project = load_project(tmp_path / "proj")
    docs = {r.title: project.documents[r.policy_id] for r in reports.values()}

    mainland = outline(docs["考勤管理制度"])
    assert [e for e in mainland if e[0] in ("chapter", "article")] == [
        ("chapter", 0, "总则"), ("article", 1, ""), ("article", 1, ""), ("chapter", 0, "考勤纪律"), ("article", 1, ""),
        ("article", 1, "")]
    assert ("item", 2, "服从工作安排，包括：") in mainland and ("item", 3, "服从部门负责人的安排。") in mainland
    assert mainland[-1] == ("p", 2, "违反<:item:3.2>规定的，按照<:article:3>处理。")
    assert not any("第" in e[2] and "章" in e[2] for e in mainland if e[0] == "chapter")

    taiwan = docs["出勤管理辦法"]
    assert taiwan.meta.lang == "zh-Hant-TW"
    t = outline(taiwan)
    assert [e[0] for e in t].count("article") == 3 and [e[0] for e in t].count("chapter") == 2
    assert ("item", 2, "請假未獲核准者，包括：") in t and ("item", 3, "病假未檢附證明。") in t

    restarts = outline(docs["费用报销规定"])
    assert [e for e in restarts if e[0] == "item"] == [
        ("item", 1, "报销单；"), ("item", 1, "发票。"), ("item", 1, "借款单；"), ("item", 1, "审批单。"),
        ("item", 1, "事先申请；"), ("item", 1, "经过批准。"), ("item", 1, "个人消费，包括："), ("item", 2, "娱乐；"),
        ("item", 2, "礼品。"), ("item", 1, "超标准的住宿费。")]
    report = reports[str(corpus["restarts"])]
    assert any(f.kind == "numbering" and "starts at 3." in f.message for f in report.findings)

    wps = outline(docs["安全管理规定"])
    assert [e[0] for e in wps].count("article") == 4


@pytest.mark.slow
def test_doc_and_wps_through_libreoffice_import_like_the_docx(corpus, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "doc"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(out), str(corpus["mainland"])],
                   check=True, capture_output=True, timeout=240)
    doc_file = out / "mainland.doc"
    assert doc_file.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # a real binary Word file (OLE container)
    # WPS Office saves its .wps in the same binary Word format; LibreOffice has no .wps export, so the
    # test's .wps is that .doc under WPS's name — what reaches users as 考勤管理制度.wps
    wps_file = tmp_path / "wps" / "mainland.wps"
    wps_file.parent.mkdir()
    shutil.copyfile(doc_file, wps_file)
    from_doc = _import([doc_file], tmp_path / "a")
    from_wps = _import([wps_file], tmp_path / "c")
    _import([corpus["mainland"]], tmp_path / "b")
    want = [outline(d) for d in load_project(tmp_path / "b").documents.values()]
    assert want and want[0]
    for name, reports in (("a", from_doc), ("c", from_wps)):
        got = load_project(tmp_path / name).documents
        assert [outline(d) for d in got.values()] == want, name
        (report,) = reports.values()
        assert any("converted to .docx by LibreOffice" in f.message for f in report.findings), name
