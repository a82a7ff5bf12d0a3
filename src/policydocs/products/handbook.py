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
from datetime import date
from pathlib import Path
from typing import Mapping

import yaml

from ..core.errors import Collector, PolicyError
from ..core.fsutil import package_hash, sha256_file
from ..core.locales import get_locale
from ..core.model import plain_text
from ..core.numbering import chapter_label, heading_marker
from ..render.pdf import policy_data
from ..render.typst.engine import engine_for
from ..render.typst.escape import value
from ..render.typst.presets import get_preset, locale_data
from ..render.typst.writer import TypstWriter
from ..core.words import words
from . import history

IN_FORCE = ("effective", "trial")
HANDBOOK_TEMPLATES = ("common.typ", "policy.typ", "handbook.typ")
HANDBOOK_PRESET = "handbook"  # 小四 body: a handbook is read, not filed
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
    def book_data(self, hb: Handbook, locale: str, parts: list[_Part]) -> dict:
        """The front matter's data for ``pd-handbook`` (templates/typst/handbook.typ)."""
        loc = get_locale(locale)
        src = self.config.locales.source
        entries = []
        for part in parts:
            ctx = part.ctx
            meta = ctx.doc.meta
            sectioned = meta.numbering == "sectioned"
            chapters = []
            for ch in ctx.doc.chapters():
                marker = heading_marker(1, ch.number, loc) if sectioned else chapter_label(ch.number, loc) + "\u3000"
                anchor = part.prefix + (f"part-{ch.number}" if sectioned else chapter_label(ch.number, loc))
                chapters.append([marker + plain_text(ch.title), anchor])
            when = ctx.version.effective_date or meta.effective_date
            entries.append({"id": meta.id, "title": meta.title, "version": ctx.version.version,
                            "effective": ctx.date(when) if when else "—", "anchor": part.anchor,
                            "chapters": chapters})
        dates = [p.ctx.version.effective_date or p.ctx.doc.meta.effective_date for p in parts]
        words = dict(_words(loc))
        return {
            "title": self.convert(hb.title, src, locale),
            "company": self.convert(hb.company or self.config.organisation.name, src, locale),
            "doc_no": hb.doc_no, "version": hb.version, "cover_text": self.convert(hb.cover, src, locale).strip(),
            "audience": self.convert(hb.audience, src, locale),
            "foreword": [t.strip() for t in self.convert(hb.foreword, src, locale).split("\n\n") if t.strip()],
            "count": len(parts), "date": max((d for d in dates if d), default=date(2000, 1, 1)),
            "words": words, "loc": locale_data(loc), "preset": get_preset(HANDBOOK_PRESET).as_data(),
            "policies": entries,
        }

    def typst_source(self, hb: Handbook, locale: str, parts: list[_Part] | None = None) -> str:
        """The generated Typst of the whole book (after the templates)."""
        parts = parts if parts is not None else self.parts(hb, locale)
        linked = frozenset(hb.policy_ids)
        calls = []
        for part in parts:
            data = policy_data(part.ctx, preset=HANDBOOK_PRESET)
            data["company"] = self.convert(hb.company or self.config.organisation.name,
                                           self.config.locales.source, locale)
            body = TypstWriter(part.ctx, part.prefix, linked).body()
            calls.append(f"#pd-handbook-policy(hb, {value(data)}, [\n{body}])\n")
        return (f"#let hb = {value(self.book_data(hb, locale, parts))}\n"
                f"#pd-handbook(hb, [\n{''.join(calls)}])\n")

    def pdf(self, hb: Handbook, locale: str, parts: list[_Part] | None = None) -> bytes:
        """The handbook PDF, the whole book laid out in one Typst run."""
        parts = parts if parts is not None else self.parts(hb, locale)
        source = self.typst_source(hb, locale, parts)
        when = max((p.ctx.version.effective_date or p.ctx.doc.meta.effective_date for p in parts
                    if p.ctx.version.effective_date or p.ctx.doc.meta.effective_date), default=None)
        return engine_for(self.project.root).compile(HANDBOOK_TEMPLATES, source, when=when,
                                                     standard="a-2b" if self.config.pdf.pdfa else None)

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
    processes (``jobs`` default: CPUs); each book is laid out whole, in one
    Typst run (a 400-page book takes about a second).  A
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
        renderer = HandbookRenderer(project)
        results = [_render_one(renderer, by_name[name], locale, formats, Path(out_dir))
                   for name, locale in todo]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn: a fresh interpreter per worker (one Typst compiler each), whatever the parent holds
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
                out_dir: Path) -> list[dict]:
    parts = renderer.parts(hb, locale)
    title = renderer.convert(hb.title, renderer.config.locales.source, locale)
    arts = []
    for fmt in formats:
        data = renderer.pdf(hb, locale, parts) if fmt == "pdf" else renderer.docx(hb, locale, parts)
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
