"""Word .docx: body paragraphs and tables in order, numbers from numbering.xml.

python-docx gives the body in order, styles and runs; ``wordnum`` adds the
numbers Word's automatic numbering prints.  Page headers and footers are not
body text: their lines go to ``header_lines`` (they carry 文件编号 / 版本).
Text boxes and comments are not read (they are not the regulation's text).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..blocks import RawDocument, SourceBlock, UnreadableFile
from .wordnum import WordNumbering

_HEADING_STYLE = re.compile(r"^(?:heading|标题|標題)\s*(\d)$", re.IGNORECASE)


def read_docx(path: Path, shown: Path | None = None) -> RawDocument:
    """Read a .docx (``shown``: the name used in the report, e.g. the original .doc)."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(shown or path, f"not a readable Word document ({exc.__class__.__name__}: {exc})") from None
    part = document.part
    try:
        numbering_el = part.numbering_part.element
    except (NotImplementedError, KeyError):
        numbering_el = None
    numbering = WordNumbering(numbering_el, document.styles.element)
    raw = RawDocument(path=shown or path, blocks=[], kind="docx", title_hint=(document.core_properties.title or "").strip())
    counter = [0]
    # style id → name, read once (python-docx looks each paragraph's style up with an XPath query)
    style_names = {st.get(qn("w:styleId")): (st.find(qn("w:name")).get(qn("w:val")) if st.find(qn("w:name")) is not None
                                             else "") for st in document.styles.element.findall(qn("w:style"))}

    def add_paragraph(p_el) -> None:
        counter[0] += 1
        index = counter[0]
        paragraph = Paragraph(p_el, document)
        number = numbering.paragraph_number(p_el)
        text = paragraph.text
        if not text.strip():
            return
        ppr = p_el.find(qn("w:pPr"))
        style_el = ppr.find(qn("w:pStyle")) if ppr is not None else None
        style_name = style_names.get(style_el.get(qn("w:val")), "") if style_el is not None else ""
        heading = _heading_level(p_el, style_name)
        prefix = ""
        if number is not None and number.text:
            prefix = number.text + number.separator
        lead = _bold_lead(p_el, text)
        centered = paragraph.alignment is not None and int(paragraph.alignment) == 1
        pieces = [t for t in text.split("\n") if t.strip()]
        for k, piece in enumerate(pieces):
            raw.blocks.append(SourceBlock(
                (prefix if k == 0 else "") + piece.strip(), index, f"paragraph {index}",
                heading=heading if k == 0 else 0, list_level=number.level if number is not None else None,
                auto_number=number.text if number is not None and k == 0 else "",
                bold_lead=lead if k == 0 else "", centered=centered,
            ))
        if style_name == "Title" and not raw.title_hint:
            raw.title_hint = text.strip()

    def add_table(tbl_el) -> None:
        counter[0] += 1
        table = Table(tbl_el, document)
        rows: list[list[str]] = []
        for row in table.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
            rows.append(cells)
        if rows:
            raw.blocks.append(SourceBlock("", counter[0], f"table at paragraph {counter[0]}", table=rows))

    def walk(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                add_paragraph(child)
            elif child.tag == qn("w:tbl"):
                add_table(child)
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content)

    walk(document.element.body)
    for section in document.sections:
        for part_ in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if part_ is None or part_.is_linked_to_previous:
                continue
            for p in part_.paragraphs:
                if p.text.strip():
                    raw.header_lines.append(p.text.strip())
            for t in part_.tables:
                rows = []
                for row in t.rows:
                    cells, seen = [], set()
                    for cell in row.cells:
                        if id(cell._tc) not in seen:
                            seen.add(id(cell._tc))
                            cells.append(cell.text.strip())
                    rows.append(cells)
                raw.header_tables.append(rows)
    return raw


def _heading_level(p_el, style_name: str) -> int:
    m = _HEADING_STYLE.match(style_name.strip())
    if m:
        return min(int(m.group(1)), 3)
    ppr = p_el.find(qn("w:pPr"))
    outline = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if outline is not None and (v := outline.get(qn("w:val"), "")).isdigit() and int(v) < 9:
        return min(int(v) + 1, 3)
    return 0


def _bold_lead(p_el, text: str) -> str:
    """The bold text a paragraph starts with (a run-in title such as 目的), if any (direct run formatting)."""
    out = []
    for r in p_el.iterchildren(qn("w:r")):
        run_text = "".join(t.text or "" for t in r.iterchildren(qn("w:t")))
        if not run_text:
            continue
        rpr = r.find(qn("w:rPr"))
        b = rpr.find(qn("w:b")) if rpr is not None else None
        if b is not None and b.get(qn("w:val"), "true") not in ("0", "false"):
            out.append(run_text)
        else:
            break
    lead = "".join(out).strip()
    return lead if lead != text.strip() else ""
