"""Shared helpers for the DOCX tests: hand-built trees and a python-docx read-back."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from docx.oxml.ns import qn

from policydocs.core.model import (
    Approval,
    Article,
    Chapter,
    Code,
    Document,
    Emph,
    Item,
    ItemList,
    Note,
    Paragraph,
    PolicyMeta,
    Ref,
    Revision,
    Section,
    SourcePos,
    Strong,
    Table,
    Text,
    VersionInfo,
)
from policydocs.read.config import Config
from policydocs.render.context import RenderContext

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
POS = SourcePos(Path("policies/T-001.md"), 1)


def T(s: str) -> Text:
    return Text(s)


def para(*inlines) -> Paragraph:
    return Paragraph([T(x) if isinstance(x, str) else x for x in inlines], POS)


def meta(**kw) -> PolicyMeta:
    base = dict(id="HR-T-001", title="测试管理制度", department="人力资源部", category="人事", status="effective",
                effective_date=date(2025, 3, 1), review_cycle_months=12, applies_to="全体员工", lang="zh-Hans")
    base.update(kw)
    return PolicyMeta(**base)


def articles_doc(**kw) -> Document:
    """第一章 总则 (第一条 目的, 第二条 with items), 第二章 附则 / 第一节 (第三条 with refs, table, note)."""
    items = ItemList([
        Item(1, 1, [T("未请假而缺勤的；")], POS, children=[
            Item(1, 2, [T("全天缺勤；")], POS), Item(2, 2, [T("半天缺勤。")], POS)]),
        Item(2, 1, [T("代他人打卡的。")], POS, label="proxy"),
    ], POS)
    ref_art = Ref(None, "scope", POS, kind="article", numbers=(2,))
    ref_item = Ref(None, "proxy", POS, kind="item", numbers=(2, 2))
    ref_pol = Ref("HR-LEAVE-002", "sick", POS, kind="article", numbers=(3,), title="请假管理制度")
    table = Table(header=[[T("情形")], [T("处理")]],
                  rows=[[[T("迟到")], [T("扣款30元")]], [[T("旷工")], [Strong([T("警告")])]]], pos=POS,
                  align=["left", "center"])
    body = [
        Chapter(1, [T("总则")], POS, children=[
            Article(1, [T("目的")], [para("为加强考勤管理，制定本制度。")], POS),
            Article(2, [], [para("员工有下列情形之一的，视为旷工："), items], POS, label="scope"),
        ]),
        Chapter(2, [T("附则")], POS, children=[
            Section(1, [T("处理")], POS, children=[
                Article(3, [], [
                    para("违反", ref_art, "、", ref_item, "规定的，参照", ref_pol, "处理，",
                         Emph([T("情节严重")]), "的按", Code("HR-ATT-002"), "执行。"),
                    table,
                    Note([para("注：本条所称工作日不含法定节假日。")], POS),
                ], POS),
            ]),
        ]),
    ]
    return Document(meta(**kw), body, Path("policies/HR-T-001.md"), "source text without a clause", )


def sectioned_doc() -> Document:
    body = [
        Chapter(1, [T("总则")], POS, children=[para("为规范会议，制定本制度。")]),
        Chapter(2, [T("会议分类")], POS, children=[
            Section(1, [T("公司级会议")], POS, children=[
                Article(1, [T("总经理办公会")], [para("每两周召开一次。"),
                                               ItemList([Item(1, 1, [T("会议名称；")], POS)], POS)], POS),
            ]),
        ]),
    ]
    return Document(meta(id="ADM-T-002", title="会议管理制度", numbering="sectioned"), body,
                    Path("policies/ADM-T-002.md"), "本制度自2024年7月1日起施行。")


def released(doc: Document) -> VersionInfo:
    return VersionInfo(
        version="A/1", is_draft=False, effective_date=doc.meta.effective_date,
        approvals=[Approval("编制", "张三", date(2025, 2, 1)), Approval("审核", "李四", date(2025, 2, 5)),
                   Approval("批准", "王五", date(2025, 2, 10))],
        revisions=[Revision("A/0", date(2024, 1, 1), "首次发行", {"编制": "张三", "审核": "李四", "批准": "王五"}, "全文"),
                   Revision("A/1", date(2025, 2, 10), "调整迟到处理", {"编制": "张三", "审核": "李四", "批准": "王五"},
                            "第三条")])


def context(doc: Document, config: Config | None = None, version: VersionInfo | None = None,
            **config_changes) -> RenderContext:
    config = config or Config(root=Path("/nonexistent-project"))
    config.organisation.name = "华衡智造科技有限公司"
    for key, value in config_changes.items():
        section, name = key.split("__")
        setattr(getattr(config, section), name, value)
    return RenderContext(doc, config, version or released(doc))


# --------------------------------------------------------------------------
# Read-back: which East Asian font does a run resolve to?
# --------------------------------------------------------------------------


def _style_chain_font(styles: dict, sid: str | None) -> tuple[str | None, bool]:
    """(eastAsia font, theme_only) following w:basedOn."""
    seen = set()
    while sid and sid in styles and sid not in seen:
        seen.add(sid)
        st = styles[sid]
        rf = st.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if rf is not None:
            if rf.get(qn("w:eastAsia")):
                return rf.get(qn("w:eastAsia")), False
            if rf.get(qn("w:eastAsiaTheme")):
                return None, True
        based = st.find(qn("w:basedOn"))
        sid = based.get(qn("w:val")) if based is not None else None
    return None, False


class FontResolver:
    def __init__(self, document):
        root = document.styles.element
        self.styles = {s.get(qn("w:styleId")): s for s in root.iterchildren(qn("w:style"))}
        self.default_para = next((sid for sid, s in self.styles.items()
                                  if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")), None)
        rf = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        self.default_font = rf.get(qn("w:eastAsia")) if rf is not None else None

    def east_asia(self, run) -> str | None:
        """The explicit East Asian font of a ``w:r`` element (None: theme font or nothing)."""
        rpr = run.find(qn("w:rPr"))
        if rpr is not None:
            rf = rpr.find(qn("w:rFonts"))
            if rf is not None:
                if rf.get(qn("w:eastAsia")):
                    return rf.get(qn("w:eastAsia"))
                if rf.get(qn("w:eastAsiaTheme")):
                    return None
            rs = rpr.find(qn("w:rStyle"))
            if rs is not None:
                font, theme = _style_chain_font(self.styles, rs.get(qn("w:val")))
                if font or theme:
                    return font
        p = run.getparent()
        while p is not None and p.tag != qn("w:p"):
            p = p.getparent()
        ps = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") if p is not None else None
        font, theme = _style_chain_font(self.styles, ps.get(qn("w:val")) if ps is not None else self.default_para)
        if font or theme:
            return font
        return self.default_font


def run_text(run) -> str:
    return "".join(t.text or "" for t in run.iter(qn("w:t")))


def all_parts_runs(document):
    """Every w:r in the body and in every header/footer part."""
    runs = list(document.element.body.iter(qn("w:r")))
    for section in document.sections:
        for hf in (section.header, section.first_page_header, section.even_page_header, section.footer):
            if not hf.is_linked_to_previous:
                runs.extend(hf._element.iter(qn("w:r")))
    return runs


def body_paragraph_texts(document) -> list[str]:
    """Texts of all body paragraphs, including those in table cells (in order)."""
    out = []
    for p in document.element.body.iter(qn("w:p")):
        out.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return out


def header_text(document) -> str:
    hdr = document.sections[-1].header._element
    return "".join(t.text or "" for t in hdr.iter(qn("w:t")))


def instr_texts(element) -> list[str]:
    return [(i.text or "").strip() for i in element.iter(qn("w:instrText"))]


def assert_cjk_fonts(document, allowed: set[str] | None = None) -> int:
    """Every run carrying CJK text resolves to an explicit East Asian font; returns the count."""
    resolver = FontResolver(document)
    checked = 0
    for run in all_parts_runs(document):
        text = run_text(run)
        if not CJK.search(text):
            continue
        font = resolver.east_asia(run)
        assert font, f"run {text!r} has no East Asian font (theme or nothing)"
        if allowed is not None:
            assert font in allowed, f"run {text!r} resolves to {font!r}, expected one of {allowed}"
        checked += 1
    return checked
