"""DOCX writer: python-docx reads each produced file back."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from test_docx_support import (
    CJK,
    all_parts_runs,
    articles_doc,
    assert_cjk_fonts,
    body_paragraph_texts,
    context,
    header_text,
    instr_texts,
    run_text,
    sectioned_doc,
)

from policydocs.core.errors import PolicyError
from policydocs.core.model import Approval, Ref, Revision, Text, VersionInfo
from policydocs.read.config import Config
from policydocs.render import docx_styles
from policydocs.render.docx import (
    append_policy,
    base_document,
    load_reference,
    policy_docx_document,
    write_docx,
)


def readback(ctx, tmp_path: Path, name: str = "out.docx"):
    out = tmp_path / name
    write_docx(ctx, out)
    assert out.stat().st_size > 0
    return docx.Document(str(out))


# --------------------------------------------------------------------------
# Numbering, references, structure
# --------------------------------------------------------------------------


def test_articles_numbering_and_references_read_back(tmp_path):
    d = readback(context(articles_doc()), tmp_path)
    texts = body_paragraph_texts(d)
    joined = "\n".join(texts)
    assert texts[0] == "测试管理制度"
    assert "第一章\u3000总则" in texts
    assert "第二章\u3000附则" in texts
    assert "第一节\u3000处理" in texts
    assert "第一条\u3000目的\u3000为加强考勤管理，制定本制度。" in texts
    assert "第二条\u3000员工有下列情形之一的，视为旷工：" in texts
    assert "（一）未请假而缺勤的；" in texts
    assert "1.全天缺勤；" in texts and "2.半天缺勤。" in texts
    assert "（二）代他人打卡的。" in texts
    # resolved references, not [[…]] source
    assert "第三条\u3000违反第二条、第二条第（二）项规定的，参照《请假管理制度》第三条处理，情节严重的按HR-ATT-002执行。" in texts
    assert "[[" not in joined
    # the effective-date clause is added as the next article when the text has none
    assert "第四条\u3000本制度自2025年3月1日起施行。" in texts
    assert "注：本条所称工作日不含法定节假日。" in texts


def test_effective_clause_not_duplicated(tmp_path):
    doc = articles_doc()
    doc.body[0].children[0].blocks[0].inlines.append(Text("本制度自2025年3月1日起施行。"))
    texts = body_paragraph_texts(readback(context(doc), tmp_path))
    assert sum("起施行" in t for t in texts) == 1
    assert not any(t.startswith("第四条") for t in texts)


def test_internal_references_link_to_bookmarks(tmp_path):
    d = readback(context(articles_doc()), tmp_path)
    body = d.element.body
    marks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))]
    assert anchors and all(a in marks for a in anchors)
    ids = [b.get(qn("w:id")) for b in body.iter(qn("w:bookmarkStart"))]
    assert len(ids) == len(set(ids))


def test_policy_reference_links_when_the_build_gives_a_url(tmp_path):
    ctx = context(articles_doc())
    ctx.policy_links = {"HR-LEAVE-002": "HR-LEAVE-002.docx"}
    d = readback(ctx, tmp_path)
    targets = [r.target_ref for r in d.part.rels.values() if r.is_external]
    assert "HR-LEAVE-002.docx" in targets


def test_sectioned_numbering(tmp_path):
    texts = body_paragraph_texts(readback(context(sectioned_doc()), tmp_path))
    assert "一、总则" in texts
    assert "二、会议分类" in texts
    assert "（一）公司级会议" in texts
    assert "1.总经理办公会" in texts
    assert "为规范会议，制定本制度。" in texts
    assert "（一）会议名称；" in texts
    assert not any("第一条" in t for t in texts)


def test_traditional_taiwan_locale(tmp_path):
    doc = articles_doc()
    doc.locale = "zh-Hant-TW"
    d = readback(context(doc), tmp_path)
    texts = body_paragraph_texts(d)
    # (the tree's text is not converted here; labels and markers follow the locale)
    assert "第一條\u3000目的\u3000为加强考勤管理，制定本制度。" in texts
    assert "一、未请假而缺勤的；" in texts  # Taiwan markers: 一、 then （一）
    assert "（一）全天缺勤；" in texts
    joined = "\n".join(texts)
    assert "第二條第二款" in joined  # item reference, Taiwan level names
    for role in ("制定", "審核", "核准"):
        assert role in joined
    n = assert_cjk_fonts(d, {"Noto Serif CJK TC", "Noto Sans CJK TC"})
    assert n > 20
    lang = d.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:eastAsia")) == "zh-TW"
    assert d.core_properties.language == "zh-TW"


# --------------------------------------------------------------------------
# Fonts, languages, styles
# --------------------------------------------------------------------------


def test_every_cjk_run_resolves_to_an_east_asian_font(tmp_path):
    d = readback(context(articles_doc()), tmp_path)
    n = assert_cjk_fonts(d, {"Noto Serif CJK SC", "Noto Sans CJK SC"})
    assert n > 30
    # and explicitly on the run itself, not only through the style
    for run in all_parts_runs(d):
        if CJK.search(run_text(run)):
            rf = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
            assert rf is not None and rf.get(qn("w:eastAsia")), run_text(run)


def test_font_resolver_catches_theme_fonts():
    """The check above can fail: python-docx's own default document only has theme fonts."""
    d = docx.Document()
    d.add_paragraph("中文段落")
    with pytest.raises(AssertionError, match="no East Asian font"):
        assert_cjk_fonts(d)


@pytest.mark.parametrize("preset", ["gbt9704", "handbook"])
@pytest.mark.parametrize("locale", ["zh-Hans", "zh-Hant-TW", "zh-Hant-HK"])
def test_reference_template_is_chinese(preset, locale):
    data = docx_styles.reference_bytes(preset, locale)
    d = docx.Document(io.BytesIO(data))
    lang_tag = {"zh-Hans": "zh-CN", "zh-Hant-TW": "zh-TW", "zh-Hant-HK": "zh-HK"}[locale]
    styles = d.styles.element
    lang = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:eastAsia")) == lang_tag
    theme_lang = d.settings.element.find(qn("w:themeFontLang"))
    assert theme_lang.get(qn("w:eastAsia")) == lang_tag
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/styles.xml").decode() + z.read("word/settings.xml").decode()
        assert "ja-JP" not in xml and "Theme=" not in z.read("word/styles.xml").decode()
        assert "stylesWithEffects" not in " ".join(z.namelist())
    # every paragraph/character style names its East Asian font explicitly
    expected = docx_styles.locale_fonts(docx_styles.get_locale(locale))
    for st in styles.iterchildren(qn("w:style")):
        if st.get(qn("w:type")) in ("paragraph", "character") and st.get(qn("w:styleId")) != "DefaultParagraphFont":
            rf = st.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
            assert rf is not None, st.get(qn("w:styleId"))
            assert rf.get(qn("w:eastAsia")) in (expected.serif, expected.sans), st.get(qn("w:styleId"))
            assert rf.get(qn("w:asciiTheme")) is None


def test_gbt9704_page_and_type():
    d = docx.Document(io.BytesIO(docx_styles.reference_bytes("gbt9704", "zh-Hans")))
    s = d.sections[0]
    assert round(s.page_width.mm) == 210 and round(s.page_height.mm) == 297
    assert round(s.top_margin.mm) == 37 and round(s.left_margin.mm) == 28
    assert round(s.right_margin.mm) == 26 and round(s.bottom_margin.mm) == 35
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert abs(int(grid.get(qn("w:linePitch"))) / 20 - 28.99) < 0.1  # 22 lines in 225 mm
    assert d.styles["Normal"].font.size.pt == 16  # 三号
    assert d.styles["Title"].font.size.pt == 22  # 二号
    # 28 characters of 16 pt in 156 mm: tracking ≤ −0.21 pt
    spacing = d.styles["Normal"].element.find(f"{qn('w:rPr')}/{qn('w:spacing')}")
    track = int(spacing.get(qn("w:val")))
    assert 28 * (320 + track) <= Mm(156).twips < 28 * (320 + track + 2)


def test_handbook_preset_is_compact(tmp_path):
    ctx = context(articles_doc(), docx__preset="handbook")
    d = readback(ctx, tmp_path)
    assert d.styles["Normal"].font.size.pt == 12  # 小四
    assert d.sections[0].top_margin.mm < 30
    assert_cjk_fonts(d, {"Noto Serif CJK SC", "Noto Sans CJK SC"})


# --------------------------------------------------------------------------
# Header, tables, approvals, revisions, properties
# --------------------------------------------------------------------------


def test_document_control_header(tmp_path):
    d = readback(context(articles_doc()), tmp_path)
    text = header_text(d)
    for expected in ("华衡智造科技有限公司", "文件名称", "测试管理制度", "文件编号", "HR-T-001", "版本", "A/1",
                     "生效日期", "2025年3月1日", "页次", "受控文件"):
        assert expected in text, expected
    hdr = d.sections[0].header._element
    assert instr_texts(hdr) == ["PAGE", "NUMPAGES"]
    assert "第1页 共1页" in text  # placeholders until the client lays out the pages


def test_draft_marker(tmp_path):
    doc = articles_doc(status="draft")
    d = readback(context(doc, version=VersionInfo.draft(doc)), tmp_path)
    text = header_text(d)
    assert "草稿 DRAFT" in text and "受控文件" not in text
    assert "（草稿）" in body_paragraph_texts(d)
    released_text = header_text(readback(context(articles_doc()), tmp_path, "released.docx"))
    assert "DRAFT" not in released_text


def test_tables_repeat_header_rows(tmp_path):
    d = readback(context(articles_doc()), tmp_path)
    tables = d.tables
    assert len(tables) == 3  # approvals, the body table, revision history
    body_table = tables[1]
    assert [c.text for c in body_table.rows[0].cells] == ["情形", "处理"]
    assert [c.text for c in body_table.rows[2].cells] == ["旷工", "警告"]
    for t in (tables[1], tables[2]):
        assert t.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert t.rows[-1]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None


def test_approval_block_and_revision_history(tmp_path):
    d = readback(context(articles_doc()), tmp_path)
    approvals = d.tables[0]
    assert [c.text for c in approvals.rows[0].cells] == ["审批", "编制", "审核", "批准"]
    assert [c.text for c in approvals.rows[1].cells] == ["姓名", "张三", "李四", "王五"]
    assert [c.text for c in approvals.rows[2].cells] == ["日期", "2025年2月1日", "2025年2月5日", "2025年2月10日"]
    rev = d.tables[2]
    assert [c.text for c in rev.rows[0].cells] == ["序号", "版本", "修订日期", "修订章节", "修订内容摘要", "编制", "审核", "批准"]
    assert [c.text for c in rev.rows[1].cells] == ["1", "A/0", "2024年1月1日", "全文", "首次发行", "张三", "李四", "王五"]
    assert rev.rows[2].cells[1].text == "A/1"
    texts = body_paragraph_texts(d)
    assert "修订记录" in texts and "审批" in texts
    # the PDF's order: title, approvals, body, clause, revisions
    order = [texts.index(t) for t in ("测试管理制度", "审批", "第一章\u3000总则", "第四条\u3000本制度自2025年3月1日起施行。", "修订记录")]
    assert order == sorted(order)


@pytest.mark.parametrize("roles", [["编制", "批准"], ["编制", "审核", "会签", "批准"]])
def test_revision_history_and_approvals_follow_the_configured_roles(tmp_path, roles):
    doc = articles_doc()
    version = VersionInfo("A/1", False, doc.meta.effective_date,
                          approvals=[Approval(r, f"人{k}", date(2025, 2, k + 1)) for k, r in enumerate(roles)],
                          revisions=[Revision("A/1", date(2025, 2, 10), "调整", {r: f"人{k}" for k, r in enumerate(roles)},
                                              "第三条")])
    d = readback(context(doc, version=version, versions__roles=roles), tmp_path)
    assert [c.text for c in d.tables[0].rows[0].cells] == ["审批", *roles]
    rev = d.tables[-1]
    assert [c.text for c in rev.rows[0].cells] == ["序号", "版本", "修订日期", "修订章节", "修订内容摘要", *roles]
    assert [c.text for c in rev.rows[1].cells][5:] == [f"人{k}" for k in range(len(roles))]


def test_taiwan_approval_corner_is_not_a_role(tmp_path):
    from policydocs.convert.conversion import load_glossary, localize

    tree, _ = localize(articles_doc(), "zh-Hant-TW", load_glossary(Path("/nonexistent")))
    d = readback(context(tree), tmp_path)
    head = [c.text for c in d.tables[0].rows[0].cells]
    assert head[1:] == ["制定", "審核", "核准"]
    assert head[0] not in head[1:] and head[0] == "簽核"


def test_header_fields_do_not_wrap_widths_from_content(tmp_path):
    """文件编号/版本/生效日期/页次 cells are as wide as their text at the header size,
    measured with wide (DejaVu) digits, and marked no-wrap; a long id shrinks its text."""
    from policydocs.render.docx import CELL_PAD, text_twips

    for pid, title in (("ADM-CONF-001", "保密管理制度"), ("HR-ATTENDANCE-OVERTIME-2025-001", "加班管理办法")):
        d = readback(context(articles_doc(id=pid, title=title), locales__roc_dates=True), tmp_path, f"{pid}.docx")
        tbl = d.sections[0].header._element.find(qn("w:tbl"))
        widths = [int(g.get(qn("w:w"))) for g in tbl.iter(qn("w:gridCol"))]
        rows = tbl.findall(qn("w:tr"))
        id_cell = rows[1].findall(qn("w:tc"))[-1]
        assert "".join(t.text for t in id_cell.iter(qn("w:t"))) == pid
        assert id_cell.find(f"{qn('w:tcPr')}/{qn('w:noWrap')}") is not None
        sz = id_cell.find(f".//{qn('w:sz')}")
        size = int(sz.get(qn("w:val"))) if sz is not None else 21
        assert text_twips(pid, size) + CELL_PAD <= widths[-1] + 2, (pid, size, widths)
        date_cell = rows[2].findall(qn("w:tc"))[3]
        assert text_twips("2025年3月1日", 21) + CELL_PAD <= widths[3]  # the other fields keep their size
        assert date_cell.find(f".//{qn('w:sz')}") is None
        assert "".join(t.text for t in date_cell.iter(qn("w:t"))) == "2025年3月1日"
        sect = d.sections[0]
        assert abs(sum(widths) - (sect.page_width - sect.left_margin - sect.right_margin) / 635) <= 1  # type area


def test_status_lines(tmp_path):
    trial = body_paragraph_texts(readback(context(articles_doc(status="trial")), tmp_path, "trial.docx"))
    assert trial[0] == "测试管理制度（试行）"
    old = body_paragraph_texts(readback(context(articles_doc(status="superseded", superseded_by="HR-T-002")),
                                        tmp_path, "old.docx"))
    assert old[1] == "【已废止（已被替代）】 → HR-T-002"


def test_draft_approval_cells_are_blank(tmp_path):
    doc = articles_doc()
    d = readback(context(doc, version=VersionInfo.draft(doc)), tmp_path)
    assert [c.text for c in d.tables[0].rows[1].cells] == ["姓名", "", "", ""]
    assert len(d.tables[2].rows) == 2 and all(c.text == "" for c in d.tables[2].rows[1].cells)


def test_core_properties(tmp_path):
    d = readback(context(articles_doc()), tmp_path)
    cp = d.core_properties
    assert cp.title == "测试管理制度"
    assert cp.subject == "HR-T-001"
    assert cp.version == "A/1"
    assert cp.language == "zh-CN"
    assert "HR-T-001" in cp.keywords and "人事" in cp.keywords
    assert cp.author == "华衡智造科技有限公司"
    assert cp.created.date() == date(2025, 3, 1)


# --------------------------------------------------------------------------
# Reference templates: ours, the organisation's, bad ones
# --------------------------------------------------------------------------


def _config(tmp_path: Path, reference: str = "", preset: str = "gbt9704") -> Config:
    cfg = Config(root=tmp_path)
    cfg.docx.reference = reference
    cfg.docx.preset = preset
    return cfg


def test_missing_reference_is_a_clear_error(tmp_path):
    cfg = _config(tmp_path, "templates/reference.docx")
    with pytest.raises(PolicyError) as exc:
        load_reference(cfg)
    msg = str(exc.value)
    assert str(tmp_path / "templates/reference.docx") in msg and "does not exist" in msg
    with pytest.raises(PolicyError, match="does not exist"):
        write_docx(context(articles_doc(), config=cfg), tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.parametrize("content, message", [
    (b"not a zip at all", "not a DOCX file"),
    ("zip-without-document", "not a Word document"),
    ("xlsx", "not a Word document"),
])
def test_non_docx_reference_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "ref.docx"
    if content == "zip-without-document":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "hi")
    elif content == "xlsx":
        import openpyxl
        openpyxl.Workbook().save(path)
    else:
        path.write_bytes(content)
    with pytest.raises(PolicyError) as exc:
        load_reference(_config(tmp_path, "ref.docx"))
    assert message in str(exc.value) and str(path) in str(exc.value)
    assert exc.value.diagnostic.path == str(path)


def test_directory_reference_is_an_error(tmp_path):
    (tmp_path / "ref.docx").mkdir()
    with pytest.raises(PolicyError, match="not a file"):
        load_reference(_config(tmp_path, "ref.docx"))


def test_organisation_reference_is_the_base_document(tmp_path):
    """python-docx's own default (Letter size, theme fonts, Japanese theme language) as an
    organisation template: its page setup is kept, our styles are added, and every CJK
    run still names an East Asian font."""
    ref = tmp_path / "templates" / "org.docx"
    ref.parent.mkdir()
    org = docx.Document()
    org.add_paragraph("示例正文，应被清除")
    org.styles["Normal"].font.size = docx.shared.Pt(13)
    org.save(str(ref))
    cfg = _config(tmp_path, "templates/org.docx")
    assert load_reference(cfg) == ref.read_bytes()
    d = readback(context(articles_doc(), config=cfg), tmp_path)
    assert round(d.sections[0].page_width.inches, 1) == 8.5  # their page, not our A4
    assert d.styles["Normal"].font.size.pt == 13  # their Normal
    assert "PD Article" in [s.name for s in d.styles]  # our styles filled in …
    article = d.styles["PD Article"]
    assert article.font.size is None  # … taking their text size
    assert article.paragraph_format.first_line_indent.pt == 26  # two characters of 13 pt
    texts = body_paragraph_texts(d)
    assert "示例正文，应被清除" not in texts
    assert "第一条\u3000目的\u3000为加强考勤管理，制定本制度。" in texts
    assert_cjk_fonts(d)
    assert "HR-T-001" in header_text(d)


def test_dotx_reference_is_accepted(tmp_path):
    data = docx_styles.reference_bytes("handbook", "zh-Hans")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                blob = blob.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(info, blob)
    (tmp_path / "ref.dotx").write_bytes(out.getvalue())
    d = readback(context(articles_doc(), config=_config(tmp_path, "ref.dotx")), tmp_path)
    assert d.styles["Normal"].font.size.pt == 12


def test_exported_reference_round_trips(tmp_path):
    out = tmp_path / "reference.docx"
    assert docx_styles.main([str(out), "--preset", "handbook", "--locale", "zh-Hant-TW"]) == 0
    d = readback(context(articles_doc(), config=_config(tmp_path, str(out))), tmp_path)
    assert_cjk_fonts(d)


# --------------------------------------------------------------------------
# Handbook reuse
# --------------------------------------------------------------------------


def test_append_policy_in_new_sections(tmp_path):
    cfg = Config(root=tmp_path)
    document = base_document(cfg, "zh-Hans")
    append_policy(document, context(articles_doc(), config=cfg))
    append_policy(document, context(sectioned_doc(), config=cfg), new_section=True)
    out = tmp_path / "hb.docx"
    document.save(str(out))
    d = docx.Document(str(out))
    assert len(d.sections) == 2
    first = "".join(t.text or "" for t in d.sections[0].header._element.iter(qn("w:t")))
    second = "".join(t.text or "" for t in d.sections[1].header._element.iter(qn("w:t")))
    assert "HR-T-001" in first and "ADM-T-002" in second and "HR-T-001" not in second
    ids = [b.get(qn("w:id")) for b in d.element.body.iter(qn("w:bookmarkStart"))]
    names = [b.get(qn("w:name")) for b in d.element.body.iter(qn("w:bookmarkStart"))]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))
    assert_cjk_fonts(d)


def test_policy_docx_document_returns_a_document():
    d = policy_docx_document(context(articles_doc()))
    assert d.core_properties.subject == "HR-T-001"
    assert any("第三条" in p.text for p in d.paragraphs)


def test_xml_special_characters_are_escaped(tmp_path):
    doc = articles_doc(title="A&B <制度> \"测试\"")
    doc.body[0].children[0].blocks[0].inlines.append(Ref(None, None, doc.body[0].pos, kind="article", numbers=(1,)))
    d = readback(context(doc), tmp_path)
    assert body_paragraph_texts(d)[0] == "A&B <制度> \"测试\""
    assert d.core_properties.title == "A&B <制度> \"测试\""


def test_output_is_reproducible(tmp_path):
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_docx(context(articles_doc()), a)
    import time
    time.sleep(2.1)  # ZIP timestamps have 2-second resolution
    write_docx(context(articles_doc()), b)
    assert a.read_bytes() == b.read_bytes()
    doc = articles_doc()
    doc.body[0].children[0].blocks[0].inlines[0].text = "改过的文字。"
    write_docx(context(doc), b)
    assert a.read_bytes() != b.read_bytes()


# Child order of the containers we write, from ECMA-376 (transitional). Word rejects a file
# whose elements are out of order ("unreadable content"); LibreOffice does not care, so
# this is checked here.
_SEQUENCES = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
           "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
           "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
           "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
           "cs em lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
             "tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
              "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings",
    "style": "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat locked "
             "personal personalCompose personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr",
    "tc": "tcPr p tbl",
    "tr": "tblPrEx trPr tc",
    "tbl": "tblPr tblGrid tr",
}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _check_order(root, where: str) -> int:
    checked = 0
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.tag.startswith(_W):
            continue
        name = el.tag[len(_W):]
        seq = _SEQUENCES.get(name)
        if seq is None:
            continue
        order = seq.split()
        if name == "sectPr":
            order = ["headerReference"] + order[2:]
        last = -1
        for child in el:
            local = child.tag[len(_W):] if child.tag.startswith(_W) else child.tag
            if name == "sectPr" and local == "footerReference":
                local = "headerReference"
            assert local in order, f"{where}: <w:{local}> is not allowed in <w:{name}>"
            idx = order.index(local)
            assert idx >= last, f"{where}: <w:{local}> out of order in <w:{name}>"
            last = idx
        checked += 1
    return checked


@pytest.mark.parametrize("preset", ["gbt9704", "handbook"])
def test_element_order_is_valid_for_word(tmp_path, preset):
    cfg = Config(root=tmp_path)
    cfg.docx.preset = preset
    document = base_document(cfg, "zh-Hans")
    append_policy(document, context(articles_doc(), config=cfg))
    append_policy(document, context(sectioned_doc(), config=cfg), new_section=True)
    out = tmp_path / "x.docx"
    document.save(str(out))
    d = docx.Document(str(out))
    n = _check_order(d.element, "document.xml") + _check_order(d.styles.element, "styles.xml")
    for section in d.sections:
        n += _check_order(section.header._element, "header")
    assert n > 100


def test_element_order_check_can_fail():
    from docx.oxml import parse_xml
    bad = parse_xml(f'<w:p xmlns:w="{_W[1:-1]}"><w:pPr><w:jc w:val="left"/><w:ind w:left="0"/></w:pPr></w:p>')
    with pytest.raises(AssertionError, match="out of order"):
        _check_order(bad, "bad")


def test_handbook_sections_can_count_their_own_pages(tmp_path):
    cfg = Config(root=tmp_path)
    document = base_document(cfg, "zh-Hans")
    append_policy(document, context(articles_doc(), config=cfg), section_pages=True)
    append_policy(document, context(sectioned_doc(), config=cfg), new_section=True, section_pages=True)
    out = tmp_path / "hb.docx"
    document.save(str(out))
    d = docx.Document(str(out))
    for section in d.sections:
        assert instr_texts(section.header._element) == ["PAGE", "SECTIONPAGES"]
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    assert _check_order(d.element, "document.xml") > 0


def test_font_table_gives_windows_substitutes():
    with zipfile.ZipFile(io.BytesIO(docx_styles.reference_bytes("gbt9704", "zh-Hans"))) as z:
        table = z.read("word/fontTable.xml").decode("utf-8")
    assert 'w:name="Noto Serif CJK SC"><w:altName w:val="FangSong,仿宋,SimSun,宋体"/><w:charset w:val="86"/>' in table
    with zipfile.ZipFile(io.BytesIO(docx_styles.reference_bytes("gbt9704", "zh-Hant-TW"))) as z:
        table = z.read("word/fontTable.xml").decode("utf-8")
    assert 'w:name="Noto Serif CJK TC"><w:altName w:val="PMingLiU' in table and '<w:charset w:val="88"/>' in table


def test_dates_print_tight_as_in_the_pdf(tmp_path):
    """No automatic Han–digit gap (w:autoSpaceDN/DE off): Word and WPS print 2025年3月1日 tight,
    like the PDF, whose text then reads back as written."""
    out = tmp_path / "tight.docx"
    write_docx(context(articles_doc()), out)
    with zipfile.ZipFile(out) as z:
        styles = z.read("word/styles.xml").decode()
    assert '<w:autoSpaceDE w:val="0"/>' in styles and '<w:autoSpaceDN w:val="0"/>' in styles
