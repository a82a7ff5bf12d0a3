"""Redline between two versions of a policy: per article, character level.

Both texts (ledger snapshots, or the working file for the newer side) are
parsed into document trees; articles are paired by label (``{#label}``), then
by identical text, then by similarity in order; each pair is compared with
``difflib`` on characters — the natural unit for Chinese — and reported per
article: "第五条 修改", "第九条 新增", "原第九条 删除" (numbers are those of the
version the article belongs to; a renumbered article reads
"第六条（原第五条）修改").

Outputs (``build/diff/<ID>_<old>_<new>.*``):

- HTML: ``<ins>``/``<del>`` with colour and under/strike-through;
- PDF: the same content laid out by Typst (``templates/typst/redline.typ``);
- DOCX: **real tracked changes** (``w:ins``/``w:del`` revisions, author = the
  newer version's 编制 person, date = its release time), so Word and
  LibreOffice show them as revisions that can be accepted or rejected.
"""

from __future__ import annotations

import difflib
import html
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.locales import get_locale
from ..core.model import (
    Article,
    Chapter,
    Document,
    Ref,
    Section,
)
from ..core.numbering import (
    article_label,
    chapter_label,
    heading_marker,
    section_label,
)
from ..render.text import TextWriter
from ..render.typst.engine import engine_for
from ..render.typst.escape import value
from ..render.typst.presets import locale_data
from ..trust import ledger

WORKING = "working"  # the name of the working text as the newer side


@dataclass
class Segment:
    op: str  # "equal" | "insert" | "delete"
    text: str


@dataclass
class Unit:
    """One comparable piece: an article, or a chapter/section heading (sectioned style: heading + text)."""

    kind: str  # "article" | "chapter" | "section"
    label: str  # 第五条 / 第二章 / 一、
    key: str | None  # author label ({#late}) when present
    text: str
    title: str = ""  # run-in title or heading words, for the summary

    @property
    def display(self) -> str:
        """How the unit is named in headings: 第五条, 第二章 附则, 一、会议安排."""
        if self.kind == "article" or not self.title:
            return self.label
        return f"{self.label}{self.title}" if self.label.endswith(("、", "）", ".")) else f"{self.label} {self.title}"


@dataclass
class Change:
    kind: str  # "modified" | "added" | "deleted" | "unchanged"
    old: Unit | None
    new: Unit | None
    segments: list[Segment] = field(default_factory=list)

    @property
    def heading(self) -> str:
        verb = {"modified": "修改", "added": "新增", "deleted": "删除", "unchanged": "未修改"}[self.kind]
        if self.kind == "deleted":
            return f"原{self.old.display} {verb}"
        if self.kind == "modified" and self.old.label != self.new.label:
            return f"{self.new.display}（原{self.old.label}）{verb}"
        return f"{self.new.display} {verb}"


@dataclass
class DiffResult:
    policy_id: str
    title: str
    old_version: str
    new_version: str
    changes: list[Change]
    meta_changes: list[tuple[str, str, str]] = field(default_factory=list)
    author: str = "policydocs"
    when: datetime | None = None
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.kind != "unchanged"]

    def summary_lines(self) -> list[str]:
        out = [f"{self.policy_id} {self.old_version} → {self.new_version}: "
               f"{len(self.changed)} change(s)" + (f", {len(self.meta_changes)} metadata change(s)" if self.meta_changes else "")]
        out += [f"  {name}: {a or '—'} → {b or '—'}" for name, a, b in self.meta_changes]
        out += [f"  {c.heading}" for c in self.changed]
        out += [f"  note: {n}" for n in self.notes]
        return out


# --------------------------------------------------------------------------
# tree → comparable units
# --------------------------------------------------------------------------


def units_of(doc: Document, titles: dict[str, str] | None = None) -> list[Unit]:
    """Articles (and chapter/section headings) in document order, as plain text."""
    titles = titles or {}
    loc = doc.locale or doc.meta.lang or "zh-Hans"
    writer = TextWriter(loc, titles=titles)
    out: list[Unit] = []
    sectioned = doc.meta.numbering == "sectioned"

    def article(a: Article) -> None:
        title = writer.inline(a.title)
        body = writer.lines(a.blocks)
        text = "\n".join(([title] if title else []) + body)
        out.append(Unit("article", article_label(a.number, loc), a.label, text, title))

    def container(node, level: int) -> None:
        title = writer.inline(node.title)
        if sectioned:
            label = heading_marker(level, node.number, loc)
            own = writer.lines([c for c in node.children if not isinstance(c, (Chapter, Section, Article))])
            out.append(Unit("chapter" if level == 1 else "section", label, node.label, "\n".join([title, *own]), title))
        else:
            label = chapter_label(node.number, loc) if level == 1 else section_label(node.number, loc)
            out.append(Unit("chapter" if level == 1 else "section", label, node.label, title, title))
        for c in node.children:
            if isinstance(c, Section):
                container(c, level + 1)
            elif isinstance(c, Article):
                article(c)

    for node in doc.body:
        if isinstance(node, Chapter):
            container(node, 1)
        elif isinstance(node, Section):
            container(node, 2)
        elif isinstance(node, Article):
            article(node)
        else:  # loose blocks (sectioned preamble)
            out.append(Unit("article", "正文", None, "\n".join(writer.lines([node])), ""))
    return out


# --------------------------------------------------------------------------
# pairing and character diff
# --------------------------------------------------------------------------


def char_segments(a: str, b: str) -> list[Segment]:
    """Character-level diff.  A single unchanged character between two changes
    (not punctuation) is folded into them, so a rewritten phrase reads as one
    deletion and one insertion instead of confetti."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    chunks: list[list] = []  # ["equal", text] | ["change", deleted, inserted]
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            chunks.append(["equal", a[i1:i2]])
        elif chunks and chunks[-1][0] == "change":
            chunks[-1][1] += a[i1:i2]
            chunks[-1][2] += b[j1:j2]
        else:
            chunks.append(["change", a[i1:i2], b[j1:j2]])
    merged: list[list] = []
    i = 0
    while i < len(chunks):
        c = chunks[i]
        if (c[0] == "equal" and len(c[1]) == 1 and c[1] not in "，。；：、！？,.;:\n" and merged
                and merged[-1][0] == "change" and i + 1 < len(chunks) and chunks[i + 1][0] == "change"):
            nxt = chunks[i + 1]
            merged[-1][1] += c[1] + nxt[1]
            merged[-1][2] += c[1] + nxt[2]
            i += 2
            continue
        merged.append(list(c))
        i += 1
    out: list[Segment] = []
    for c in merged:
        if c[0] == "equal":
            out.append(Segment("equal", c[1]))
        else:
            if c[1]:
                out.append(Segment("delete", c[1]))
            if c[2]:
                out.append(Segment("insert", c[2]))
    return out


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def pair_units(old: list[Unit], new: list[Unit]) -> list[Change]:
    """Pair old and new units: same author label, else same text, else similar text in order."""
    def key(u: Unit) -> str:
        return f"{u.kind}#{u.key}" if u.key else f"{u.kind}:{u.text}"

    sm = difflib.SequenceMatcher(None, [key(u) for u in old], [key(u) for u in new], autojunk=False)
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for u, v in zip(old[i1:i2], new[j1:j2]):
                if u.text == v.text:
                    changes.append(Change("unchanged", u, v, [Segment("equal", v.text)]))
                else:
                    changes.append(Change("modified", u, v, char_segments(u.text, v.text)))
            continue
        olds, news = old[i1:i2], new[j1:j2]
        j = 0
        for u in olds:
            best, best_r = None, 0.0
            for k in range(j, len(news)):
                if news[k].kind != u.kind:
                    continue
                r = _ratio(u.text, news[k].text)
                if r > best_r:
                    best, best_r = k, r
            if best is not None and best_r >= 0.4:
                for k in range(j, best):
                    changes.append(Change("added", None, news[k], [Segment("insert", news[k].text)]))
                v = news[best]
                changes.append(Change("modified" if u.text != v.text else "unchanged", u, v,
                                      char_segments(u.text, v.text)))
                j = best + 1
            else:
                changes.append(Change("deleted", u, None, [Segment("delete", u.text)]))
        for k in range(j, len(news)):
            changes.append(Change("added", None, news[k], [Segment("insert", news[k].text)]))
    return changes


_META_FIELDS = [("title", "标题"), ("status", "状态"), ("effective_date", "生效日期"), ("department", "编制部门"),
                ("applies_to", "适用范围"), ("category", "类别"), ("supersedes", "替代"), ("review_cycle_months", "复审周期（月）")]


def diff_documents(old: Document, new: Document, *, old_version: str, new_version: str,
                   titles: dict[str, str] | None = None) -> DiffResult:
    # A reference renders with its target's current number (第十三条 → 第十四条 after an
    # insertion). The author did not change it, so compare old references as if they
    # already had the new numbering, and report only how many moved.
    new_refs = {(r.policy_id, r.label): r for r in new.walk() if isinstance(r, Ref) and r.kind}
    renumbered = 0
    for r in old.walk():
        if isinstance(r, Ref) and r.kind and (r.policy_id, r.label) in new_refs:
            nr = new_refs[(r.policy_id, r.label)]
            if (nr.kind, nr.numbers) != (r.kind, r.numbers):
                renumbered += 1
                r.kind, r.numbers, r.style = nr.kind, nr.numbers, nr.style
    changes = pair_units(units_of(old, titles), units_of(new, titles))
    meta = []
    for name, shown in _META_FIELDS:
        a, b = getattr(old.meta, name, None), getattr(new.meta, name, None)
        if a != b:
            fmt = lambda v: ", ".join(v) if isinstance(v, list) else ("" if v is None else str(v))  # noqa: E731
            meta.append((shown, fmt(a), fmt(b)))
    result = DiffResult(new.meta.id, new.meta.title, old_version, new_version, changes, meta)
    if renumbered:
        result.notes.append(f"{renumbered} 处引用的条款序号随条款增删自动调整，未列为修改")
    return result


# --------------------------------------------------------------------------
# versions from the ledger
# --------------------------------------------------------------------------


def _parse(text: str, name: str, titles: dict[str, str], others: dict[str, Document]) -> Document:
    from ..read import markdown as parsing
    from ..read import references

    doc = parsing.parse_policy_text(text, Path(name))
    errors = Collector()
    try:
        references.resolve({**others, doc.meta.id: doc}, errors)
    except (PolicyError, PolicyErrors):
        pass  # unresolved references are shown as written
    return doc


def diff_snapshots(project_root: Path, old_snapshot: str, new_snapshot: str) -> DiffResult:
    """Compare two frozen texts (no output files, references resolved within the policy only)."""
    from ..read import markdown as parsing
    from ..read import references

    docs = []
    for snap in (old_snapshot, new_snapshot):
        doc = parsing.parse_policy_text(ledger.snapshot_text(project_root, snap), Path(f"ledger/snapshots/{snap}.md"))
        references.resolve({doc.meta.id: doc}, Collector())
        docs.append(doc)
    return diff_documents(docs[0], docs[1], old_version="", new_version="")


def _project_docs(root: Path) -> tuple[dict[str, str], dict[str, Document]]:
    from ..read import markdown as parsing

    titles: dict[str, str] = {}
    docs: dict[str, Document] = {}
    for pid, text in ledger.working_texts(root).items():
        titles[pid] = ledger.front_matter(text).get("title", pid)
        try:
            docs[pid] = parsing.parse_policy_text(text, Path("policies") / f"{pid}.md")
        except (PolicyError, PolicyErrors):
            continue
    return titles, docs


def _safe(v: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "" for c in v.replace("/", "")) or "v"


def diff_versions(project_root: str | Path, config, policy_id: str, old: str, new: str | None = None, *,
                  out_dir: Path | None = None, formats: list[str] = ("html", "pdf", "docx")) -> DiffResult:
    """Redline ``old`` → ``new`` (versions such as A/0, or ``working`` / None for the working text)."""
    root = Path(project_root).resolve()
    cfg = config
    releases = ledger.released_versions(root, policy_id, cfg)

    def text_of(v: str | None) -> tuple[str, str, ledger.ReleaseRecord | None]:
        if v in (None, WORKING, "current-text"):
            path = ledger.find_source(root, policy_id)
            return path.read_text(encoding="utf-8"), "草稿" if not releases or releases[-1].content_hash != \
                ledger.content_hash(path.read_text(encoding="utf-8")) else releases[-1].version, None
        rel = ledger.find_release(root, policy_id, v, cfg)
        return ledger.snapshot_text(root, rel.snapshot), rel.version, rel

    old_text, old_name, _ = text_of(old)
    new_text, new_name, new_rel = text_of(new)
    titles, others = _project_docs(root)
    others.pop(policy_id, None)
    old_doc = _parse(old_text, f"ledger:{policy_id}@{old_name}", titles, others)
    new_doc = _parse(new_text, f"ledger:{policy_id}@{new_name}", titles, others)
    result = diff_documents(old_doc, new_doc, old_version=old_name, new_version=new_name, titles=titles)
    if new_rel is not None:
        result.when = new_rel.time
        by = new_rel.by_role
        first = next(iter(by.values()), None)
        result.author = first.person if first else "policydocs"
    else:
        result.when = ledger.now()
    out = Path(out_dir) if out_dir else root / "build" / "diff"
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{policy_id}_{_safe(old_name if old_name != '草稿' else 'working')}_{_safe(new_name if new_name != '草稿' else 'working')}"
    page = render_html(result)
    if "html" in formats:
        result.files.append(_write(out / f"{stem}.html", page.encode("utf-8")))
    if "pdf" in formats:
        result.files.append(_write(out / f"{stem}.pdf", pdf_bytes(result, root, new_doc.locale or "zh-Hans")))
    if "docx" in formats:
        result.files.append(_write(out / f"{stem}.docx", docx_bytes(result)))
    return result


def _write(path: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "Noto Serif CJK SC", serif; font-size: 11pt; line-height: 1.7; color: #111; }
h1 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 16pt; margin: 0 0 4pt; }
h2 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 12pt; margin: 14pt 0 4pt; page-break-after: avoid; }
.sub { color: #555; margin-bottom: 10pt; }
.summary li { margin: 0; }
.change { margin: 0 0 8pt; white-space: pre-wrap; break-inside: avoid; }
ins { color: #0a6b2d; background: #e3f6e8; text-decoration: underline; }
del { color: #b3261e; background: #fdecea; text-decoration: line-through; }
.added h2 { color: #0a6b2d; } .deleted h2 { color: #b3261e; }
table.meta { border-collapse: collapse; margin: 6pt 0; } table.meta td, table.meta th { border: 1px solid #bbb; padding: 2pt 6pt; }
.legend { font-size: 9pt; color: #555; }
"""


def render_html(r: DiffResult) -> str:
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
             f"<title>{e(r.policy_id)} {e(r.old_version)} → {e(r.new_version)} 修订对照</title><style>{_CSS}</style></head><body>",
             f"<h1>《{e(r.title)}》修订对照</h1>",
             f"<p class=\"sub\">文件编号 {e(r.policy_id)}　{e(r.old_version)} → {e(r.new_version)}　"
             f"共 {len(r.changed)} 处修订</p>",
             "<p class=\"legend\"><ins>新增文字</ins>　<del>删除文字</del></p>"]
    parts += [f"<p class=\"legend\">注：{e(n)}</p>" for n in r.notes]
    if r.meta_changes:
        parts.append("<table class=\"meta\"><tr><th>项目</th><th>原</th><th>新</th></tr>")
        parts += [f"<tr><td>{e(n)}</td><td><del>{e(a)}</del></td><td><ins>{e(b)}</ins></td></tr>" for n, a, b in r.meta_changes]
        parts.append("</table>")
    parts.append("<ul class=\"summary\">" + "".join(
        f"<li><a href=\"#c{i}\">{e(c.heading)}</a></li>" for i, c in enumerate(r.changed, 1)) + "</ul>")
    for i, c in enumerate(r.changed, 1):
        body = "".join(e(s.text) if s.op == "equal" else f"<{'ins' if s.op == 'insert' else 'del'}>{e(s.text)}"
                       f"</{'ins' if s.op == 'insert' else 'del'}>" for s in c.segments)
        parts.append(f"<section class=\"{c.kind}\" id=\"c{i}\"><h2>{e(c.heading)}</h2><div class=\"change\">{body}</div></section>")
    if not r.changed and not r.meta_changes:
        parts.append("<p>两个版本的正文相同。</p>")
    parts.append("</body></html>")
    return "".join(parts)


def pdf_bytes(r: DiffResult, project_root: Path, locale: str = "zh-Hans") -> bytes:
    """The redline as PDF (Typst): the same headings, insertions and deletions as the HTML."""
    when = (r.when or datetime(2000, 1, 1, tzinfo=timezone.utc)).date()
    data = {"title": r.title, "id": r.policy_id, "old": r.old_version, "new": r.new_version,
            "count": len(r.changed), "notes": list(r.notes), "meta": [list(m) for m in r.meta_changes],
            "changes": [{"heading": c.heading, "kind": c.kind, "segments": [[s.op, s.text] for s in c.segments]}
                        for c in r.changed],
            "loc": locale_data(get_locale(locale)), "date": when}
    return engine_for(project_root).compile(("common.typ", "redline.typ"), f"#pd-redline({value(data)})\n",
                                            when=when, standard="a-2b")


def docx_bytes(r: DiffResult) -> bytes:
    """DOCX with real tracked changes (w:ins / w:del) for every insertion and deletion."""
    import io

    from docx import Document as DocxDocument
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    d = DocxDocument()
    normal = d.styles["Normal"]
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    d.add_heading(f"《{r.title}》修订对照", level=1)
    d.add_paragraph(f"文件编号 {r.policy_id}　{r.old_version} → {r.new_version}　共 {len(r.changed)} 处修订"
                    f"（修订以 Word 修订标记显示，可逐条接受或拒绝）")
    w = r.when or datetime.now(timezone.utc)
    when = (w.astimezone(timezone.utc) if w.tzinfo else w).strftime("%Y-%m-%dT%H:%M:%SZ")
    rev_id = [1]

    def run(text: str, deleted: bool = False):
        rr = OxmlElement("w:r")
        lines = text.split("\n")
        for n, line in enumerate(lines):
            if n:
                rr.append(OxmlElement("w:br"))
            if line:
                t = OxmlElement("w:delText" if deleted else "w:t")
                t.set(qn("xml:space"), "preserve")
                t.text = line
                rr.append(t)
        return rr

    def revision(tag: str, text: str):
        el = OxmlElement(tag)
        el.set(qn("w:id"), str(rev_id[0]))
        rev_id[0] += 1
        el.set(qn("w:author"), r.author)
        el.set(qn("w:date"), when)
        el.append(run(text, deleted=(tag == "w:del")))
        return el

    if r.meta_changes:
        for name, a, b in r.meta_changes:
            p = d.add_paragraph()
            p._p.append(run(f"{name}："))
            if a:
                p._p.append(revision("w:del", a))
            if b:
                p._p.append(revision("w:ins", b))
    for c in r.changed:
        h = d.add_heading(c.heading, level=2)
        color = {"added": RGBColor(0x0A, 0x6B, 0x2D), "deleted": RGBColor(0xB3, 0x26, 0x1E)}.get(c.kind)
        if color is not None:
            for rn in h.runs:
                rn.font.color.rgb = color
        p = d.add_paragraph()
        for s in c.segments:
            if s.op == "equal":
                p._p.append(run(s.text))
            else:
                p._p.append(revision("w:ins" if s.op == "insert" else "w:del", s.text))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
