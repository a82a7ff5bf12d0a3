"""Handbooks (员工手册): several policies bound into one PDF/DOCX.

A handbook is defined in ``handbooks/NAME.yaml``::

    title: 员工手册
    company: 华衡智造科技有限公司     # optional; default [organisation] name
    audience: 全体员工
    doc_no: HB-EMP-001               # optional; default the file name
    version: 2025年版                 # optional
    cover: 2025年版                   # optional text under the title on the cover
    foreword: |                      # optional 前言, paragraphs separated by blank lines
      ……
    locales: [zh-Hans, zh-Hant-TW]   # optional; default [locales] publish
    policies:                        # in order; an id, or every policy of a category
      - HR-ATT-002
      - category: 行政

A listed policy that does not exist, or is repealed/superseded, is an error
naming the handbook file, the line of the entry and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml

from ..core.errors import Collector, PolicyError
from ..core.fsutil import package_hash, sha256_file
from ..core.words import words
from . import history

IN_FORCE = ("effective", "trial")
HANDBOOK_CSS = ("policy.css", "handbook/handbook.css")
_KEYS = ("title", "company", "audience", "doc_no", "version", "cover", "foreword", "locales", "policies")


@dataclass
class Handbook:
    name: str  # file stem: employee-handbook
    path: Path
    title: str
    audience: str = ""
    company: str = ""
    doc_no: str = ""
    version: str = ""
    cover: str = ""
    foreword: str = ""
    locales: list[str] = field(default_factory=list)
    policy_ids: list[str] = field(default_factory=list)  # resolved, in order


def handbook_path(project, name: str) -> Path:
    """handbooks/NAME.yaml of the project; PolicyError naming the known handbooks."""
    hb_dir = project.config.handbooks_dir
    if "/" in name or "\\" in name or name.startswith("."):
        raise PolicyError("--handbook", 0, f"{name!r} is not a handbook name")
    for suffix in (".yaml", ".yml"):
        path = hb_dir / f"{name}{suffix}"
        if path.is_file():
            return path
    known = sorted(p.stem for p in hb_dir.glob("*.y*ml")) if hb_dir.is_dir() else []
    raise PolicyError(hb_dir, 0, f"no handbook {name!r} (known: {', '.join(known) or 'none'})")


def handbook_files(project) -> list[Path]:
    hb_dir = project.config.handbooks_dir
    if not hb_dir.is_dir():
        return []
    return sorted(p for p in hb_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _line(node) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def load_handbook(path: str | Path, project) -> Handbook:
    """Read and validate a handbook definition against the project's policies."""
    path = Path(path)
    rel = path.relative_to(project.root) if path.is_absolute() and path.is_relative_to(project.root) else path
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(rel, 1, f"not UTF-8: {exc}") from None
    except OSError as exc:
        raise PolicyError(rel, 0, f"cannot read: {exc.strerror}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyError(rel, mark.line + 1 if mark else 1, f"YAML syntax error: {exc}") from None
    if not isinstance(root, yaml.MappingNode):
        raise PolicyError(rel, 1, "a handbook must be a mapping with title and policies")
    errors = Collector()
    nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in root.value:
        key = key_node.value
        if key not in _KEYS:
            errors.add(rel, _line(key_node), f"unknown key {key!r}; known: {', '.join(_KEYS)}")
            continue
        nodes[key] = (key_node, value_node)
    data = yaml.safe_load(text) or {}

    def text_field(key: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                errors.add(rel, 1, f"missing {key}")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            errors.add(rel, _line(nodes[key][1]), f"{key} must be text")
            return ""
        return str(value).strip()

    hb = Handbook(name=path.stem, path=rel, title=text_field("title", required=True),
                  audience=text_field("audience"), company=text_field("company"),
                  doc_no=text_field("doc_no") or path.stem, version=text_field("version") or "—",
                  cover=text_field("cover"), foreword=text_field("foreword"))
    from ..core.locales import LOCALES

    locales = data.get("locales")
    if locales is not None:
        if isinstance(locales, str):
            locales = [locales]
        if not isinstance(locales, list):
            errors.add(rel, _line(nodes["locales"][1]), "locales must be a list such as [zh-Hans, zh-Hant-TW]")
        else:
            for code in locales:
                if code not in LOCALES:
                    errors.add(rel, _line(nodes["locales"][1]), f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
            hb.locales = [str(c) for c in locales]
    if "policies" not in nodes:
        errors.add(rel, 1, "missing policies (a list of policy ids or {category: …} entries)")
    else:
        hb.policy_ids = _resolve_entries(rel, nodes["policies"][1], project, errors)
    errors.raise_if_any()
    return hb


def _resolve_entries(rel: Path, node, project, errors: Collector) -> list[str]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        errors.add(rel, _line(node), "policies must be a non-empty list")
        return []
    docs = project.documents
    out: list[str] = []
    seen: dict[str, int] = {}

    def add(pid: str, line: int, explicit: bool) -> None:
        if pid in seen:
            if explicit:
                errors.add(rel, line, f"policy {pid} is listed twice (first on line {seen[pid]})")
            return
        seen[pid] = line
        out.append(pid)

    for entry in node.value:
        line = _line(entry)
        if isinstance(entry, yaml.ScalarNode):
            pid = str(entry.value).strip()
            doc = docs.get(pid)
            if doc is None:
                errors.add(rel, line, f"entry {pid!r}: no such policy (known: {', '.join(docs) or 'none'})")
                continue
            status = doc.meta.status
            if status not in IN_FORCE and status != "draft":
                succ = f"; list {doc.meta.superseded_by} instead" if doc.meta.superseded_by else ""
                errors.add(rel, line, f"entry {pid!r}: policy is {status} and cannot be in a handbook{succ}")
                continue
            add(pid, line, True)
        elif isinstance(entry, yaml.MappingNode):
            keys = {k.value: v for k, v in entry.value}
            if set(keys) != {"category"} or not isinstance(keys["category"], yaml.ScalarNode):
                errors.add(rel, line, "an entry is a policy id or {category: NAME}")
                continue
            category = str(keys["category"].value).strip()
            members = [pid for pid, d in docs.items() if d.meta.category == category and d.meta.status in IN_FORCE]
            if not members:
                cats = sorted({d.meta.category for d in docs.values()})
                errors.add(rel, line, f"entry category {category!r}: no policy in force in this category "
                                      f"(categories: {', '.join(cats)})")
            for pid in members:
                add(pid, line, False)
        else:
            errors.add(rel, line, "an entry is a policy id or {category: NAME}")
    return out


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

@dataclass
class _Part:
    """One policy of a handbook, ready for the writers."""

    ctx: object  # RenderContext
    anchor: str  # id of its title in the HTML (p-ID)
    prefix: str  # prefix of its chapter/article anchors


def _words(locale) -> Mapping[str, str]:
    return words(locale.code, "handbook")


class HandbookRenderer:
    """Renders handbooks of one project; holds the glossary and version lookups."""

    def __init__(self, project):
        from ..convert import conversion

        self.project = project
        self.config = project.config
        self.glossary = conversion.load_glossary(project.root)
        self._versions: dict[str, object] = {}

    # -- inputs ----------------------------------------------------------
    def version(self, doc):
        pid = doc.meta.id
        if pid not in self._versions:
            self._versions[pid] = history.version_info(self.project.root, self.config, pid, doc.source_text,
                                                       fallback_effective=doc.meta.effective_date)
        return self._versions[pid]

    def convert(self, text: str, source: str, target: str) -> str:
        from ..convert import conversion

        if not text or source == target:
            return text
        return conversion.convert_text(text, source, target, phrase_mode=self.config.locales.phrase_mode,
                                       glossary=self.glossary)

    def parts(self, hb: Handbook, locale: str) -> list[_Part]:
        from dataclasses import replace

        from ..convert import conversion
        from ..render.context import RenderContext

        parts = []
        links = {pid: f"#p-{pid}" for pid in hb.policy_ids}
        for pid in hb.policy_ids:
            doc = self.project.documents[pid]
            localized, _report = conversion.localize(doc, locale, self.glossary,
                                                     phrase_mode=self.config.locales.phrase_mode)
            version = self.version(doc)
            if version.revisions and doc.locale != locale:
                version = replace(version, revisions=[replace(r, summary=self.convert(r.summary, doc.locale, locale))
                                                      for r in version.revisions])
            ctx = RenderContext(localized, self.config, version, policy_links=links)
            parts.append(_Part(ctx, f"p-{pid}", f"{pid}-"))
        return parts

    # -- PDF -------------------------------------------------------------
    def book(self, hb: Handbook, locale: str, parts: list[_Part] | None = None) -> dict:
        """Everything handbook.html.j2 needs, for the whole book."""
        import re

        from markupsafe import Markup

        from ..core.locales import get_locale
        from ..core.numbering import chapter_label, heading_marker
        from ..render.html import HtmlWriter, inline_html
        from .forms import _css_string

        loc = get_locale(locale)
        parts = parts if parts is not None else self.parts(hb, locale)
        src = self.config.locales.source
        w = _words(loc)
        company = self.convert(hb.company or self.config.organisation.name, src, locale)
        title = self.convert(hb.title, src, locale)
        items = []
        for part in parts:
            ctx = part.ctx
            meta = ctx.doc.meta
            writer = HtmlWriter(ctx, part.prefix)
            body = str(writer.body())
            # links to another policy of this handbook: "#p-ID#第五条" → its anchor "ID-第五条"
            body = re.sub(r'href="#p-([A-Za-z0-9-]+)#([^"]+)"', r'href="#\1-\2"', body)
            body = Markup(body)  # the writer's escaped HTML; only our own hrefs were rewritten
            chapters = []
            for ch in ctx.doc.chapters():
                marker = (heading_marker(1, ch.number, loc) if meta.numbering == "sectioned"
                          else chapter_label(ch.number, loc) + "\u3000")
                chapters.append({"anchor": writer.chapter_id(ch), "label": marker + str(inline_html(ctx, ch.title))})
            when = ctx.version.effective_date or meta.effective_date
            items.append({
                "id": meta.id, "anchor": part.anchor, "title": meta.title, "meta": meta, "body": body,
                "version": ctx.version.version, "is_draft": ctx.version.is_draft,
                "effective": ctx.date(when) if when else "—", "chapters": chapters,
                "roles": [(key, ctx.role(key)) for key in self.config.versions.roles],
                "approvals": {a.role: a for a in ctx.version.approvals}, "revisions": ctx.version.revisions,
                "w": ctx.word, "fmt_date": ctx.date,
            })
        dates = [p.ctx.version.effective_date or p.ctx.doc.meta.effective_date for p in parts]
        created = max((d for d in dates if d), default=None)
        q = _css_string
        page_of = q(w["page_of"]).replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "')
        page_css = (
            f'@page {{ @top-left {{ content: "{q(company)}\u3000{q(title)}\u3000\u3000" string(ptitle) '
            f'"\\A {q(w["doc_no"])}：" string(pid) "\u3000{q(w["version"])}：" string(pversion) '
            f'"\u3000{q(w["effective"])}：" string(peffective); }} }}\n'
            f'@page front {{ @top-left {{ content: "{q(company)}\u3000{q(title)}"; width: auto; height: auto; '
            f'white-space: nowrap; text-align: left; font-size: 9pt; vertical-align: bottom; padding-bottom: 4mm; }}\n'
            f'  @bottom-center {{ content: "{page_of}"; }} }}')
        return dict(
            lang=loc.html_lang, hb=hb, hb_title=title, company=company, policies=items, w=w,
            cover_text=self.convert(hb.cover, src, locale), audience=self.convert(hb.audience, src, locale),
            foreword=[p.strip() for p in self.convert(hb.foreword, src, locale).split("\n\n") if p.strip()],
            created=created.isoformat() if created else "2000-01-01", page_css=page_css)

    def html(self, hb: Handbook, locale: str, parts: list[_Part] | None = None, *, book: dict | None = None,
             front: bool = True, policies: list[dict] | None = None, page_numbers: dict[str, int] | None = None) -> str:
        """The handbook page; by default the whole book with page numbers from target-counter().

        For the parallel renderer: ``front=False`` leaves out the cover and front
        matter, ``policies`` renders only those policies, and ``page_numbers``
        (anchor → page) prints the given numbers in the contents and summary."""
        from ..render.pdf import renderer_for

        book = book if book is not None else self.book(hb, locale, parts)
        shown = book["policies"] if policies is None else policies
        return renderer_for(self.project.root).env.get_template("handbook/handbook.html.j2").render(
            **book, show_front=front, shown=shown, page_numbers=page_numbers)

    def pdf(self, hb: Handbook, locale: str, parts: list[_Part] | None = None, *, jobs: int = 1) -> bytes:
        """The handbook PDF.  ``jobs`` > 1 lays it out in that many processes (see ``_pdf_parallel``)."""
        from ..render.pdf import renderer_for

        book = self.book(hb, locale, parts)
        if jobs > 1 and len(book["policies"]) > 1:
            return _pdf_parallel(self, hb, locale, book, jobs)
        html = self.html(hb, locale, book=book)
        return renderer_for(self.project.root).render(html, locale, stylesheets=HANDBOOK_CSS,
                                                      identifier=f"handbook|{hb.name}|{locale}|{html}")

    # -- DOCX ------------------------------------------------------------
    def docx(self, hb: Handbook, locale: str, parts: list[_Part] | None = None) -> bytes:
        from ..core.locales import get_locale
        from ..render.docx import append_policy, base_document, docx_bytes

        loc = get_locale(locale)
        parts = parts if parts is not None else self.parts(hb, locale)
        src = self.config.locales.source
        w = _words(loc)
        document = base_document(self.config, locale)
        _docx_front(document, self, hb, loc, w, parts, src, locale)
        for part in parts:
            append_policy(document, part.ctx, new_section=True, header=True)
        _update_fields_on_open(document)
        cp = document.core_properties
        cp.title = self.convert(hb.title, src, locale)
        cp.subject = hb.doc_no
        cp.author = self.convert(hb.company or self.config.organisation.name, src, locale)
        cp.version = hb.version
        dates = [p.ctx.version.effective_date or p.ctx.doc.meta.effective_date for p in parts]
        when = max((d for d in dates if d), default=None)
        if when:
            from datetime import datetime

            cp.created = cp.modified = datetime(when.year, when.month, when.day)
        return docx_bytes(document, when)


def _docx_front(document, r: HandbookRenderer, hb: Handbook, loc, w: dict, parts: list[_Part], src: str,
                locale: str) -> None:
    """Cover, foreword, TOC field and revision summary, before the first policy."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = loc.docx_east_asia_font

    def para(text: str = "", size: float | None = None, bold: bool = False, center: bool = False,
             space_after: float = 0, space_before: float = 0):
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(space_after)
        p.paragraph_format.space_before = Pt(space_before)
        p.paragraph_format.first_line_indent = Pt(0)
        if text:
            run = p.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
            run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        return p

    def page_break():
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    company = r.convert(hb.company or r.config.organisation.name, src, locale)
    para(company, 18, center=True, space_before=120, space_after=48)
    para(r.convert(hb.title, src, locale), 42, bold=True, center=True, space_after=30)
    if hb.cover:
        for line in r.convert(hb.cover, src, locale).splitlines():
            para(line, 16, center=True)
    para(space_after=120)
    if hb.audience:
        para(f"{w['audience']}：{r.convert(hb.audience, src, locale)}", 12, center=True, space_after=6)
    para(f"{w['doc_no']}：{hb.doc_no}　{w['version']}：{hb.version}", 12, center=True)
    page_break()
    if hb.foreword:
        para(w["foreword"], 18, bold=True, center=True, space_after=18)
        for text in r.convert(hb.foreword, src, locale).split("\n\n"):
            if text.strip():
                p = para(text.strip(), 12, space_after=6)
                p.paragraph_format.first_line_indent = Pt(24)
        page_break()
    para(w["toc"], 18, bold=True, center=True, space_after=18)
    _toc_field(document, [p.ctx.doc.meta.title for p in parts], w["update_toc"], font)
    page_break()
    para(w["revisions"], 18, bold=True, center=True, space_after=12)
    rows = [[w["no"], w["doc_no"], w["title"], w["version"], w["effective"]]]
    for i, part in enumerate(parts, start=1):
        meta = part.ctx.doc.meta
        when = part.ctx.version.effective_date or meta.effective_date
        rows.append([str(i), meta.id, meta.title, part.ctx.version.version, part.ctx.date(when) if when else "—"])
    _grid_table(document, rows, [14, 32, 60, 18, 32], font)


def _toc_field(document, titles: list[str], hint: str, font: str) -> None:
    """A TOC field (policy titles = level 1, chapters = level 2) whose cached
    result lists the policy titles until Word refreshes it (w:updateFields)."""
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def run(text: str) -> str:
        return (f'<w:r><w:rPr><w:rFonts w:eastAsia="{escape(font)}"/></w:rPr>'
                f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')

    instr = ' TOC \\h \\z \\t "Title,1,heading 1,2" '
    paras = [f'<w:p {nsdecls("w")}><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
             f'<w:r><w:instrText xml:space="preserve">{escape(instr)}</w:instrText></w:r>'
             f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run(hint)}</w:p>']
    for t in titles:
        paras.append(f'<w:p {nsdecls("w")}>{run(t)}</w:p>')
    paras[-1] = paras[-1].replace("</w:p>", '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    body = document.element.body
    for xml in paras:
        body.sectPr.addprevious(parse_xml(xml))


def _grid_table(document, rows: list[list[str]], widths_mm: list[float], font: str) -> None:
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    tw = [round(w / 25.4 * 1440) for w in widths_mm]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in tw)
    borders = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
                      for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(tw)}" w:type="dxa"/><w:jc w:val="center"/>'
           f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
           f'<w:tblGrid>{grid}</w:tblGrid>']
    for i, row in enumerate(rows):
        head = i == 0
        trpr = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if head else "<w:trPr><w:cantSplit/></w:trPr>"
        cells = []
        for text, w in zip(row, tw):
            shd = '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>' if head else ""
            bold = "<w:b/>" if head else ""
            cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{shd}<w:vAlign w:val="center"/></w:tcPr>'
                         f'<w:p><w:pPr><w:ind w:firstLine="0" w:firstLineChars="0"/><w:jc w:val="center"/></w:pPr>'
                         f'<w:r><w:rPr><w:rFonts w:eastAsia="{escape(font)}"/>{bold}<w:sz w:val="21"/></w:rPr>'
                         f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>')
        out.append(f"<w:tr>{trpr}{''.join(cells)}</w:tr>")
    out.append("</w:tbl>")
    document.element.body.sectPr.addprevious(parse_xml("".join(out)))


def _update_fields_on_open(document) -> None:
    """<w:updateFields w:val="true"/> so Word refreshes the TOC and page numbers."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        el = OxmlElement("w:updateFields")
        el.set(qn("w:val"), "true")
        settings.append(el)


def build_handbooks(project, out_dir: Path, locales: list[str], formats, jobs: int | None = None,
                    force: bool = False) -> list[dict]:
    """Render every ``handbooks/*.yaml`` into ``out_dir/handbooks/NAME.LOCALE.pdf|docx``.

    All handbooks are validated before any is rendered (PolicyErrors listing
    every problem).  A handbook with ``locales:`` is built in those of
    ``locales`` it names.  Several (handbook, locale) pairs render in parallel
    processes (WeasyPrint is single-threaded; ``jobs`` default: CPUs); a
    single one is itself laid out in ``jobs`` parallel parts.  A
    handbook whose inputs hash like the one in the last build's manifest
    (artifact ``key``) is copied from ``build/`` instead (``force``: never).
    Returns artifact dicts (path relative to ``out_dir``, kind "handbook",
    title, locale, format, handbook, policies, key).
    """
    import os

    errors = Collector()
    books: list[Handbook] = []
    for path in handbook_files(project):
        try:
            books.append(load_handbook(path, project))
        except PolicyError as exc:
            errors.extend(exc)
        except Exception as exc:  # PolicyErrors
            if hasattr(exc, "diagnostics"):
                errors.extend(exc)
            else:
                raise
    errors.raise_if_any()
    tasks = [(hb.name, locale) for hb in books for locale in locales if not hb.locales or locale in hb.locales]
    if not tasks:
        return []
    (Path(out_dir) / "handbooks").mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    by_name = {hb.name: hb for hb in books}
    # Incremental: a handbook whose inputs hash like last build's is copied from build/.
    keys = _handbook_keys(project, books, [loc for _, loc in tasks])
    previous = {} if force else _previous_artifacts(project)
    artifacts: list[dict] = []
    todo = []
    for name, locale in tasks:
        key = keys[(name, locale)]
        reused = []
        for fmt in formats:
            rel = f"handbooks/{name}.{locale}.{fmt}"
            prev = previous.get(rel)
            src = project.config.build_dir / rel
            if prev and prev.get("key") == key and src.is_file() and sha256_file(src) == prev.get("sha256"):
                reused.append((rel, prev))
        if len(reused) == len(formats):
            import shutil

            for rel, prev in reused:
                shutil.copy2(project.config.build_dir / rel, Path(out_dir) / rel)
                artifacts.append({k: v for k, v in prev.items() if k not in ("sha256", "size")})
        else:
            todo.append((name, locale))
    cpus = jobs or os.cpu_count() or 1
    workers = min(len(todo), cpus)
    if not todo:
        results = []
    elif workers < 2:
        # one book (or one process): that book is laid out in parallel parts when there are CPUs to spare
        renderer = HandbookRenderer(project)
        results = [_render_one(renderer, by_name[name], locale, formats, Path(out_dir), jobs=cpus)
                   for name, locale in todo]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn: the parent already holds WeasyPrint/Pango state from rendering the policies
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futures = [pool.submit(_render_task, str(project.root), name, locale, formats, str(out_dir))
                       for name, locale in todo]
            results = [f.result() for f in futures]
    for (name, locale), arts in zip(todo, results):
        for art in arts:
            art["key"] = keys[(name, locale)]
        artifacts.extend(arts)
    order = {(name, locale): i for i, (name, locale) in enumerate(tasks)}
    fmt_order = {f: i for i, f in enumerate(formats)}
    artifacts.sort(key=lambda a: (order[(a["handbook"], a["locale"])], fmt_order.get(a["format"], 9)))
    return artifacts


def _previous_artifacts(project) -> dict[str, dict]:
    import json

    try:
        data = json.loads((project.config.build_dir / "manifest.json").read_text(encoding="utf-8"))
        return {a["path"]: a for a in data.get("artifacts", []) if a.get("kind") == "handbook"}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _handbook_keys(project, books: list[Handbook], locales: list[str]) -> dict[tuple[str, str], str]:
    """(handbook, locale) → hash of everything its output depends on: the
    definition, each policy's text and version record, the configuration,
    glossary, templates, reference DOCX and the code that writes it."""
    import hashlib
    import json

    from .. import __version__
    from ..convert import conversion
    from ..render.templates import PACKAGE_TEMPLATES

    renderer = HandbookRenderer(project)
    base = hashlib.sha256(__version__.encode())
    for root in (PACKAGE_TEMPLATES, project.config.templates_dir):
        if root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file() and "site" not in p.relative_to(root).parts:
                    base.update(str(p.relative_to(root)).encode())
                    base.update(p.read_bytes())
    base.update(package_hash().encode())  # the code that writes it
    cfg = project.config
    base.update(json.dumps([cfg.organisation.name, cfg.versions.roles, cfg.versions.scheme, cfg.locales.source,
                            cfg.locales.phrase_mode, cfg.locales.roc_dates, cfg.locales.date_style, cfg.docx.preset,
                            cfg.docx.reference, conversion.glossary_hash(renderer.glossary)],
                           ensure_ascii=False).encode())
    ref = Path(cfg.docx.reference) if cfg.docx.reference else None
    if ref is not None:
        ref = ref if ref.is_absolute() else project.root / ref
        if ref.is_file():
            base.update(ref.read_bytes())
    keys = {}
    for hb in books:
        h = base.copy()
        h.update((project.root / hb.path).read_bytes() if not hb.path.is_absolute() else hb.path.read_bytes())
        for pid in hb.policy_ids:
            doc = project.documents[pid]
            v = renderer.version(doc)
            h.update(json.dumps([pid, doc.source_text, v.version, v.is_draft, str(v.effective_date),
                                 [(a.role, a.person, str(a.date)) for a in v.approvals],
                                 [(r.version, str(r.date), r.summary, sorted(r.approvals.items()))
                                  for r in v.revisions],
                                 {p: d.meta.title for p, d in project.documents.items()}],
                                ensure_ascii=False).encode())
        for locale in set(locales):
            keys[(hb.name, locale)] = hashlib.sha256(h.hexdigest().encode() + locale.encode()).hexdigest()
    return keys


def _render_one(renderer: HandbookRenderer, hb: Handbook, locale: str, formats: tuple[str, ...],
                out_dir: Path, jobs: int = 1) -> list[dict]:
    parts = renderer.parts(hb, locale)
    title = renderer.convert(hb.title, renderer.config.locales.source, locale)
    arts = []
    for fmt in formats:
        data = renderer.pdf(hb, locale, parts, jobs=jobs) if fmt == "pdf" else renderer.docx(hb, locale, parts)
        rel = f"handbooks/{hb.name}.{locale}.{fmt}"
        (out_dir / rel).write_bytes(data)
        arts.append({"path": rel, "kind": "handbook", "title": title, "locale": locale, "format": fmt,
                     "handbook": hb.name, "policies": list(hb.policy_ids)})
    return arts


_TASK_STATE: dict = {}


def _render_task(root: str, name: str, locale: str, formats: tuple[str, ...], out_dir: str) -> list[dict]:
    """Worker side: load the project once per process, render one handbook in one locale."""
    from ..read.project import load_project

    if _TASK_STATE.get("root") != root:
        project = load_project(root)
        _TASK_STATE.update(root=root, project=project, renderer=HandbookRenderer(project))
    project = _TASK_STATE["project"]
    hb = load_handbook(handbook_path(project, name), project)
    return _render_one(_TASK_STATE["renderer"], hb, locale, formats, Path(out_dir))


# -- parallel PDF -------------------------------------------------------------
#
# WeasyPrint lays out one document on one core, at ~80 ms a page, so a 300-page
# handbook in one document takes ~25 s on a 2-core machine.  _pdf_parallel cuts
# the book into runs of whole policies (each starts on a new page anyway, so
# cutting there changes no page), lays the runs out in separate processes, then
# renders the front matter with the page numbers the runs report, and a page-
# number overlay for the whole book, and joins them (render/stitch.py).  The
# pages look the same as the one-document book's; tests compare the two.

_PARTS_CSS = HANDBOOK_CSS + ("handbook/parts.css",)
_NUMBERS_CSS = HANDBOOK_CSS + ("handbook/page-numbers.css",)


class _AnyPage(dict):
    """Page numbers for a first layout of the front matter: every anchor on a 3-digit page."""

    def __missing__(self, key):
        return 888


def _runs(policies: list[dict], count: int) -> list[list[dict]]:
    """``policies`` cut into ``count`` consecutive runs of about equal text length."""
    sizes = [len(p["body"]) + 2000 for p in policies]
    total = sum(sizes)
    runs: list[list[dict]] = [[]]
    acc = 0
    for policy, size in zip(policies, sizes):
        if runs[-1] and len(runs) < count and acc + size / 2 > total * len(runs) / count:
            runs.append([])
        runs[-1].append(policy)
        acc += size
    return runs


def _with_stand_ins(html: str) -> tuple[str, frozenset[str]]:
    """Add zero-size stand-ins for the anchors this part links to but does not
    contain (after its first heading); returns the HTML and the anchors it owns."""
    import html as htmllib
    import re

    ids = set(re.findall(r'\sid="([^"]+)"', html))
    foreign = sorted(set(re.findall(r'\shref="#([^"]+)"', html)) - ids)
    owned = frozenset(htmllib.unescape(i) for i in ids)
    if foreign:
        stand_ins = '<div class="stitch-anchors">' + "".join(f'<span id="{i}"></span>' for i in foreign) + "</div>"
        cut = html.index("</h1>") + len("</h1>")
        html = html[:cut] + stand_ins + html[cut:]
    return html, owned


def _render_part(root: str, html: str, locale: str, stylesheets: tuple[str, ...], identifier: str):
    """Worker side: one part of a handbook → (PDF bytes, anchor → page index, page count)."""
    from ..render.pdf import renderer_for

    return renderer_for(Path(root)).render_with_anchors(html, locale, stylesheets=stylesheets, identifier=identifier)


def _pdf_parallel(renderer: HandbookRenderer, hb: Handbook, locale: str, book: dict, jobs: int) -> bytes:
    """The handbook PDF laid out in ``jobs`` processes; the same pages as the one-document layout."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ..render.pdf import renderer_for
    from ..render.stitch import RenderedPart, assemble

    root = str(renderer.project.root)
    tag = f"handbook|{hb.name}|{locale}"
    runs = _runs(book["policies"], jobs)
    parts_html = [_with_stand_ins(renderer.html(hb, locale, book=book, front=False, policies=run)) for run in runs]

    def front_html(numbers: dict) -> tuple[str, frozenset[str]]:
        return _with_stand_ins(renderer.html(hb, locale, book=book, policies=[], page_numbers=numbers))

    # spawn: a forked child would inherit this process's Pango/fontconfig state
    with ProcessPoolExecutor(min(jobs, len(runs)), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_render_part, root, html, locale, _PARTS_CSS, f"{tag}|part{i}|{html}")
                   for i, (html, _owned) in enumerate(parts_html)]
        # meanwhile, here: how many pages the front matter takes (numbers of the same width lay out alike)
        html, owned = front_html(_AnyPage(x=888))
        front_anchors, front_pages = renderer_for(Path(root)).layout(html, locale, _PARTS_CSS)
        results = [f.result() for f in futures]
        for _attempt in range(3):
            numbers = {a: i + 1 for a, i in front_anchors.items() if a in owned}
            total = front_pages
            for (_pdf, anchors, pages), (_html, part_owned) in zip(results, parts_html):
                numbers.update({a: total + i + 1 for a, i in anchors.items() if a in part_owned})
                total += pages
            html, owned = front_html(numbers)
            front = pool.submit(_render_part, root, html, locale, _PARTS_CSS, f"{tag}|front|{html}")
            cover_pages = front_anchors.get("handbook-front", 1)
            kinds = ["pn-cover"] * cover_pages + ["pn-front"] * (front_pages - cover_pages) + ["pn"] * (total - front_pages)
            overlay_html = (f'<!DOCTYPE html><html lang="{book["lang"]}"><head><meta charset="utf-8">'
                            f'<style>{book["page_css"]}</style></head><body>'
                            + "".join(f'<div class="pn {k}"></div>' for k in kinds) + "</body></html>")
            numbers_pdf = pool.submit(_render_part, root, overlay_html, locale, _NUMBERS_CSS, f"{tag}|numbers|{kinds}")
            front_pdf, new_anchors, new_pages = front.result()
            if new_pages == front_pages and all(new_anchors.get(a) == i for a, i in front_anchors.items() if a in owned):
                break
            front_anchors, front_pages = new_anchors, new_pages  # the real numbers moved something: again
        else:
            raise RuntimeError("the handbook's front matter does not settle on a page count")
        overlay = numbers_pdf.result()[0]
    parts = [RenderedPart(front_pdf, owned)] + [RenderedPart(r[0], o) for r, (_h, o) in zip(results, parts_html)]
    return assemble(parts, overlay)
