"""Redline between two versions of a policy: per article, by word and number token.

Both texts (ledger snapshots, or the working file for the newer side) are
document trees — the build session's when one is given (``inputs``), converted
to the redline's locale as every other output is; articles are paired by label (``{#label}``), then
by identical text, then by similarity in order; each pair is compared with
``difflib`` on **tokens** (``tokens``): a date (2025年1月1日, 二〇二五年一月一日,
2025-01-01) is one token, a number (2024, 3.5, 三十), an id or a Latin word
(HR-ATT-002, A/1, VPN) is one token, every other character (a Han character,
punctuation) is its own token — so ``2024年`` → ``2025年`` reads as 2024 → 2025,
never ``20245年``.  Changes are reported per article: "第五条 修改", "第九条 新增",
"原第九条 删除" (numbers are those of the version the article belongs to; a
renumbered article reads "第六条（原第五条）修改").

The result becomes a **修订对照表** (:class:`RedlineTable`, a typed model every
writer renders the same): header (company, policy, 文件编号, versions, dates,
修订内容摘要 as the releases recorded it, approval line), rows 原条款 | 修订后条款 |
修订说明.  Outputs (``build/diff/<ID>_<old>_<new>[.<locale>].*``):

- HTML: the table, deletions and insertions marked (``<del>``/``<ins>``);
- PDF: the same table laid out by Typst (``templates/typst/redline.typ``);
- DOCX: the table on the house template (A4, our styles, a page header with
  第x页 共y页, the document's language);
- ``.tracked.docx``: the whole newer text with **real tracked changes**
  (``w:ins``/``w:del``, author = the newer version's 编制 person, date = its
  release time), which Word, WPS and LibreOffice show as revisions to accept or
  reject.

Marking: deleted text is never struck through in the table (a struck 一 reads
as 二 or "="): it is shaded in the 原条款 column; inserted text is bold and
underlined in the 修订后条款 column.
"""

from __future__ import annotations

import copy
import difflib
import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Mapping

from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.fsutil import atomic_write_bytes
from ..core.locales import format_date, get_locale
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
from ..core.words import words
from ..read import markdown as parsing
from ..read import references
from ..read.config import PdfConfig, load_config
from ..render.docx import CELL_PAD, base_document, blocks, fit_widths, text_twips
from ..render.docx import docx_bytes as serialise
from ..render.docx_styles import word_lang
from ..render.text import TextWriter
from ..render.typst.engine import engine_for
from ..render.typst.escape import value
from ..render.typst.presets import locale_data
from ..trust import ledger
from .inputs import Edition, Inputs

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
    locale: str = "zh-Hans"

    @property
    def heading(self) -> str:
        w = words(self.locale, "history")
        verb = {"modified": w["modified"], "added": w["added"], "deleted": w["deleted"], "unchanged": ""}[self.kind]
        if self.kind == "deleted":
            return f"{w['former'].format(label=self.old.display)} {verb}"
        if self.kind == "modified" and self.old.label != self.new.label:
            return f"{self.new.display}（{w['former'].format(label=self.old.label)}）{verb}"
        return f"{self.new.display} {verb}".rstrip()


@dataclass(frozen=True)
class MetaChange:
    """A changed front-matter field, values as the document prints them (dates 2025年1月1日)."""

    key: str  # front-matter name: effective_date, title …
    name: str  # how the document calls it: 生效日期
    old: str
    new: str

    def __iter__(self):  # (name, old, new), as the summary lines and older callers read it
        return iter((self.name, self.old, self.new))


@dataclass(frozen=True)
class Signer:
    """One role of the approval line: 编制 张伟 2025年2月15日 (person and date blank when pending)."""

    role: str  # as printed in the document's locale
    person: str = ""
    date: str = ""


@dataclass
class DiffResult:
    policy_id: str
    title: str
    old_version: str
    new_version: str
    changes: list[Change]
    meta_changes: list[MetaChange] = field(default_factory=list)
    author: str = "policydocs"
    when: datetime | None = None
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    locale: str = "zh-Hans"
    source_locale: str = "zh-Hans"  # the document's own language (a redline in another locale is converted)
    company: str = ""
    signers: list[Signer] = field(default_factory=list)  # the newer version's approval line
    revised_on: str = ""  # the newer version's release date, in the document's form ("" for working text)
    effective: str = ""  # the newer version's effective date, in the document's form
    renumbered_refs: int = 0
    config: object = None  # the project's configuration the redline is written with
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (version, 修订摘要 its release recorded)

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.kind != "unchanged"]

    def summary_lines(self) -> list[str]:
        out = [f"{self.policy_id} {self.old_version} → {self.new_version}: "
               f"{len(self.changed)} change(s)" + (f", {len(self.meta_changes)} metadata change(s)" if self.meta_changes else "")]
        out += [f"  {m.name}: {m.old or '—'} → {m.new or '—'}" for m in self.meta_changes]
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
            out.append(Unit("article", words(loc, "redline")["preamble"], None, "\n".join(writer.lines([node])), ""))
    return out


# --------------------------------------------------------------------------
# pairing and character diff
# --------------------------------------------------------------------------


_CN_DIGITS = "〇零一二三四五六七八九"
_CN_NUMBER = "〇零一二三四五六七八九十百千万两"
_TOKEN = re.compile(
    r"中華民國\d{1,3}年\d{1,2}月\d{1,2}日"  # ROC date
    r"|\d{4}年\d{1,2}月\d{1,2}日"  # GB/T 9704 date
    rf"|[{_CN_DIGITS}]{{4}}年[{_CN_NUMBER}]{{1,3}}月[{_CN_NUMBER}]{{1,3}}日"  # 二〇二五年一月一日
    r"|\d{4}-\d{2}-\d{2}"  # ISO date
    r"|[A-Za-z0-9]+(?:[-/.:_][A-Za-z0-9]+)*%?"  # a number (3.5, 14:00, 30%), an id (HR-ATT-002, A/1) or a word
    rf"|[{_CN_NUMBER}]+"  # a Chinese number (三十, 十五)
    r"|\s+"
    r"|.",
    re.S)
_PUNCT = set("，。；：、！？,.;:\n（）()《》“”「」")


def tokens(text: str) -> list[str]:
    """``text`` cut into the units a redline compares: dates, numbers, ids and Latin words
    whole; every other character (Han, punctuation) on its own."""
    return _TOKEN.findall(text)


def token_segments(a: str, b: str) -> list[Segment]:
    """Token-level diff (``tokens``).  A single unchanged one-character token between two
    changes (not punctuation) is folded into them, so a rewritten phrase reads as one
    deletion and one insertion instead of confetti."""
    ta, tb = tokens(a), tokens(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    chunks: list[list] = []  # ["equal", text] | ["change", deleted, inserted]
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            chunks.append(["equal", "".join(ta[i1:i2])])
        elif chunks and chunks[-1][0] == "change":
            chunks[-1][1] += "".join(ta[i1:i2])
            chunks[-1][2] += "".join(tb[j1:j2])
        else:
            chunks.append(["change", "".join(ta[i1:i2]), "".join(tb[j1:j2])])
    merged: list[list] = []
    i = 0
    while i < len(chunks):
        c = chunks[i]
        if (c[0] == "equal" and len(c[1]) == 1 and c[1] not in _PUNCT and merged
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
                    changes.append(Change("modified", u, v, token_segments(u.text, v.text)))
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
                                      token_segments(u.text, v.text)))
                j = best + 1
            else:
                changes.append(Change("deleted", u, None, [Segment("delete", u.text)]))
        for k in range(j, len(news)):
            changes.append(Change("added", None, news[k], [Segment("insert", news[k].text)]))
    return changes


_META_FIELDS = ("title", "status", "effective_date", "department", "applies_to", "category", "supersedes",
                "review_cycle_months")
_STATUS_WORDS = {"effective": "effective_status", "trial": "trial", "draft": "draft_status",
                 "superseded": "superseded", "repealed": "repealed"}


def _locale_of(doc: Document) -> str:
    return doc.locale or doc.meta.lang or "zh-Hans"


def diff_documents(old: Document, new: Document, *, old_version: str, new_version: str,
                   titles: dict[str, str] | None = None,
                   format_day: Callable[[date], str] | None = None) -> DiffResult:
    """Compare two parsed versions.  ``format_day`` prints dates in the document's form
    (default: ``2025年1月1日`` in the newer document's locale)."""
    locale = _locale_of(new)
    w = words(locale, "redline")
    doc_words = words(locale, "document")
    format_day = format_day or (lambda d: format_date(d, locale))
    # A reference renders with its target's current number (第十三条 → 第十四条 after an
    # insertion). The author did not change it, so compare old references as if they
    # already had the new numbering, and report only how many moved.
    new_refs = {(r.policy_id, r.label): r for r in new.walk() if isinstance(r, Ref) and r.kind}

    def moved(r) -> Ref | None:
        nr = new_refs.get((r.policy_id, r.label)) if isinstance(r, Ref) and r.kind else None
        return nr if nr is not None and (nr.kind, nr.numbers) != (r.kind, r.numbers) else None

    renumbered = sum(1 for r in old.walk() if moved(r))
    if renumbered:  # on a copy: the trees may be a build session's, shared with every other product
        old = copy.deepcopy(old)
        for r in old.walk():
            nr = moved(r)
            if nr is not None:
                r.kind, r.numbers, r.style = nr.kind, nr.numbers, nr.style
    changes = pair_units(units_of(old, titles), units_of(new, titles))
    for c in changes:
        c.locale = locale

    def shown(name: str, v) -> str:
        if v is None:
            return ""
        if isinstance(v, date):
            return format_day(v)
        if isinstance(v, list):
            return w["note_sep"].join(str(x) for x in v)
        if name == "status" and v in _STATUS_WORDS:
            return doc_words[_STATUS_WORDS[v]]
        return str(v)

    meta = []
    for name in _META_FIELDS:
        a, b = getattr(old.meta, name, None), getattr(new.meta, name, None)
        if a != b:
            meta.append(MetaChange(name, w[f"meta_{name}"], shown(name, a), shown(name, b)))
    result = DiffResult(new.meta.id, new.meta.title, old_version, new_version, changes, meta, locale=locale,
                        renumbered_refs=renumbered)
    if renumbered:
        result.notes.append(w["refs_renumbered"].format(n=renumbered))
    return result


# --------------------------------------------------------------------------
# versions from the ledger
# --------------------------------------------------------------------------


def _parse(text: str, name: str, titles: dict[str, str], others: dict[str, Document]) -> Document:
    doc = parsing.parse_policy_text(text, Path(name))
    errors = Collector()
    try:
        references.resolve_one(doc, others, errors)
    except (PolicyError, PolicyErrors):
        pass  # unresolved references are shown as written
    return doc


def diff_snapshots(project_root: Path, old_snapshot: str, new_snapshot: str) -> DiffResult:
    """Compare two frozen texts (no output files, references resolved within the policy only)."""
    docs = []
    for snap in (old_snapshot, new_snapshot):
        doc = parsing.parse_policy_text(ledger.snapshot_text(project_root, snap), Path(f"ledger/snapshots/{snap}.md"))
        references.resolve({doc.meta.id: doc}, Collector())
        docs.append(doc)
    return diff_documents(docs[0], docs[1], old_version="", new_version="")


def _project_docs(root: Path) -> tuple[dict[str, str], dict[str, Document]]:
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


def redline_stem(policy_id: str, old: str, new: str, locale: str | None = None) -> str:
    """``HR-ATT-002_A0_A1`` (the document's own language), ``HR-ATT-002_A0_A1.zh-Hant-TW`` (another locale)."""
    name = lambda v: _safe(v if v != "草稿" else "working")  # noqa: E731
    return f"{policy_id}_{name(old)}_{name(new)}" + (f".{locale}" if locale else "")


def diff_versions(project_root: str | Path, config, policy_id: str, old: str, new: str | None = None, *,
                  out_dir: Path | None = None, formats: list[str] = ("html", "pdf", "docx"),
                  inputs: Inputs | None = None, locale: str | None = None) -> DiffResult:
    """Redline ``old`` → ``new`` (versions such as A/0, or ``working`` / None for the working text)
    into ``out_dir`` (default ``build/diff``).

    ``formats``: ``html``, ``pdf`` and ``docx`` (the 修订对照表, plus its tracked-changes
    variant ``.tracked.docx``).  ``inputs`` and ``locale``: see :func:`compare_versions`; a
    redline in another locale than the document's own is named ``<stem>.<locale>.*``."""
    root = Path(project_root).resolve()
    result = compare_versions(root, config, policy_id, old, new, inputs=inputs, locale=locale)
    cfg = result.config
    out = Path(out_dir) if out_dir else root / "build" / "diff"
    out.mkdir(parents=True, exist_ok=True)
    stem = redline_stem(policy_id, result.old_version, result.new_version,
                        result.locale if result.locale != result.source_locale else None)
    table = redline_table(result)
    if "html" in formats:
        result.files.append(_write(out / f"{stem}.html", render_html(table).encode("utf-8")))
    if "pdf" in formats:
        result.files.append(_write(out / f"{stem}.pdf", pdf_bytes(table, root, result.when.date() if result.when else None,
                                                                  cfg.pdf)))
    if "docx" in formats:
        result.files.append(_write(out / f"{stem}.docx", docx_bytes(table, cfg, result.when)))
        result.files.append(_write(out / f"{stem}.tracked.docx", tracked_docx_bytes(result, cfg)))
    return result


def compare_versions(project_root: str | Path, config, policy_id: str, old: str, new: str | None = None, *,
                     project: dict[str, Document] | None = None, inputs: Inputs | None = None,
                     locale: str | None = None) -> DiffResult:
    """The comparison of ``old`` → ``new`` (nothing written): what every redline renders.

    ``inputs``: a build session; both texts are then its trees (parsed, resolved and, for
    ``locale``, localized once per run — the very trees the policy files, handbook and portal
    print), so a Traditional redline reads word for word like the Traditional documents.
    ``locale`` other than the document's own language needs ``inputs``.
    ``project``: without ``inputs``, the working texts already parsed, so references to other
    policies resolve without reading the project again."""
    root = Path(project_root).resolve()
    if config is None:
        config = inputs.config if inputs is not None else load_config(root)
    cfg = config
    releases = ledger.released_versions(root, policy_id, cfg)

    def side(v: str | None) -> tuple[str, ledger.ReleaseRecord | None, str]:
        """(version as printed, its release or None for the working text, the text)."""
        if v in (None, WORKING, "current-text"):
            text = ledger.find_source(root, policy_id).read_text(encoding="utf-8")
            same = releases and releases[-1].content_hash == ledger.content_hash(text)
            return (releases[-1].version if same else "草稿"), None, text
        rel = ledger.find_release(root, policy_id, v, cfg)
        return rel.version, rel, ledger.snapshot_text(root, rel.snapshot)

    old_name, old_rel, old_text = side(old)
    new_name, new_rel, new_text = side(new)
    if inputs is not None:
        def tree(rel: ledger.ReleaseRecord | None) -> Document:
            edition = Edition(policy_id, rel.version) if rel is not None else inputs.working(policy_id)
            return inputs.context(edition, locale).doc if locale else inputs.document(edition)

        source_locale = _locale_of(inputs.document(Edition(policy_id, new_rel.version) if new_rel is not None
                                                   else inputs.working(policy_id)))
        old_doc, new_doc, titles = tree(old_rel), tree(new_rel), {}
    else:
        if project is None:
            titles, others = _project_docs(root)
        else:
            titles, others = {pid: d.meta.title for pid, d in project.items()}, dict(project)
        others.pop(policy_id, None)
        old_doc = _parse(old_text, f"ledger:{policy_id}@{old_name}", titles, others)
        new_doc = _parse(new_text, f"ledger:{policy_id}@{new_name}", titles, others)
        source_locale = _locale_of(new_doc)
        if locale and locale != source_locale:
            raise ValueError("a redline in another locale than the document's needs the build session (inputs)")
    locale = _locale_of(new_doc)
    loc = get_locale(locale)
    style = "roc" if loc.taiwan_levels and cfg.locales.roc_dates else cfg.locales.date_style

    def day(d: date | None) -> str:
        return format_date(d, locale, style) if d else ""

    result = diff_documents(old_doc, new_doc, old_version=old_name, new_version=new_name, titles=titles,
                            format_day=day)
    result.source_locale = source_locale
    result.company = cfg.organisation.name_for(locale)
    by_role = new_rel.by_role if new_rel is not None else {}
    result.signers = [Signer(loc.roles.get(r, r), by_role[r].person if r in by_role else "",
                             day(by_role[r].time.date()) if r in by_role else "") for r in cfg.versions.roles]
    result.effective = day((new_rel.effective_date if new_rel is not None else None) or new_doc.meta.effective_date)
    # why: the summary every release after the older text recorded (release --summary), in the table's words
    versions = [r.version for r in releases]
    start = versions.index(old_rel.version) + 1 if old_rel is not None else len(releases)
    stop = versions.index(new_rel.version) + 1 if new_rel is not None else len(releases)
    convert = (lambda t: inputs.convert(t, locale, source=source_locale)) if inputs is not None else (lambda t: t)
    result.reasons = [(r.version, convert(r.summary)) for r in releases[start:stop] if r.summary]
    if new_rel is not None:
        result.when = new_rel.time
        result.revised_on = day(new_rel.date)
        first = next(iter(by_role.values()), None)
        result.author = first.person if first else "policydocs"
    else:
        result.when = ledger.now()
    result.config = cfg
    return result


def _write(path: Path, data: bytes) -> Path:
    atomic_write_bytes(path, data, mode=0o644)
    return path


# --------------------------------------------------------------------------
# The 修订对照表: one typed model, rendered by every writer
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A run of a clause: ``equal`` text, or ``delete``/``insert`` text to mark."""

    op: str  # "equal" | "delete" | "insert"
    text: str


@dataclass(frozen=True)
class RedlineRow:
    """One row: the clause before (label + spans), after, and what was done (修订说明).
    A side that does not exist (an added or deleted clause) has no spans."""

    kind: str  # "modified" | "added" | "deleted" | "meta"
    old_label: str
    old: tuple[Span, ...]
    new_label: str
    new: tuple[Span, ...]
    note: str


@dataclass(frozen=True)
class RedlineHeader:
    company: str
    policy_id: str
    title: str  # the newer version's title
    old_version: str
    new_version: str
    revised_on: str  # release date of the newer version ("" for a working text), the document's date form
    effective: str  # effective date of the newer version
    signers: tuple[Signer, ...]  # approval line: one per [versions] roles
    changes: int  # rows that are clause changes
    reasons: tuple[tuple[str, str], ...] = ()  # (version, 修订内容摘要 recorded at its release), oldest first

    def reason_text(self, w: Mapping[str, str]) -> str:
        """The recorded summaries as one line: the summary alone for one release, else each
        with its version (A/1：…；A/2：…); "" when none was recorded."""
        if len(self.reasons) == 1:
            return self.reasons[0][1]
        return w["note_sep"].join(w["reason_item"].format(version=v, summary=t) for v, t in self.reasons)


@dataclass(frozen=True)
class RedlineTable:
    """修订对照表: what every writer (HTML, PDF, DOCX) renders.  ``words`` are the
    labels in the document's locale (domain ``redline`` of data/words.yaml)."""

    header: RedlineHeader
    rows: tuple[RedlineRow, ...]
    notes: tuple[str, ...]
    locale: str
    words: Mapping[str, str]

    @property
    def title(self) -> str:
        return self.words["table_title"].format(title=self.header.title)


_NOTE_LIMIT = 16  # characters of a quoted change in 修订说明; longer ones are summarised
_NOTE_ITEMS = 3


def _quote(text: str) -> str:
    text = text.replace("\n", " ").strip()
    return text if len(text) <= _NOTE_LIMIT else text[:_NOTE_LIMIT - 1] + "…"


def _explain(change: Change, w: Mapping[str, str]) -> str:
    """修订说明 of one changed clause, in the document's words."""
    unit = change.new or change.old
    chapter = unit.kind != "article"
    if change.kind == "added":
        return w["added_chapter" if chapter else "added_article"]
    if change.kind == "deleted":
        return w["deleted_chapter" if chapter else "deleted_article"]
    parts: list[str] = []
    segs = change.segments
    i = 0
    while i < len(segs):
        s = segs[i]
        if s.op == "delete" and i + 1 < len(segs) and segs[i + 1].op == "insert":
            parts.append(w["replaced"].format(old=_quote(s.text), new=_quote(segs[i + 1].text)))
            i += 2
            continue
        if s.op == "delete":
            parts.append(w["removed"].format(old=_quote(s.text)))
        elif s.op == "insert":
            parts.append(w["inserted"].format(new=_quote(s.text)))
        i += 1
    text = (w["note_sep"].join(parts) + w["note_end"]) if 0 < len(parts) <= _NOTE_ITEMS else w["modified"]
    if change.old.label != change.new.label:
        text = w["renumbered"].format(old=change.old.label, new=change.new.label) + text
    return text


def redline_table(result: DiffResult) -> RedlineTable:
    """The 修订对照表 of a comparison: metadata rows first, then one row per changed clause."""
    w = words(result.locale, "redline")
    rows: list[RedlineRow] = []
    for m in result.meta_changes:
        rows.append(RedlineRow("meta", m.name, (Span("delete", m.old),) if m.old else (), m.name,
                               (Span("insert", m.new),) if m.new else (), w["meta_changed"].format(field=m.name)))
    for c in result.changed:
        old = tuple(Span(s.op, s.text) for s in c.segments if s.op in ("equal", "delete")) if c.old else ()
        new = tuple(Span(s.op, s.text) for s in c.segments if s.op in ("equal", "insert")) if c.new else ()
        rows.append(RedlineRow(c.kind, c.old.display if c.old else "", old, c.new.display if c.new else "", new,
                               _explain(c, w)))
    header = RedlineHeader(result.company, result.policy_id, result.title, result.old_version, result.new_version,
                           result.revised_on, result.effective, tuple(result.signers), len(result.changed),
                           tuple(result.reasons))
    return RedlineTable(header, tuple(rows), tuple(result.notes), result.locale, w)


# --------------------------------------------------------------------------
# HTML (and the PDF made from it)
# --------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 18mm 15mm 16mm; }
body { font-family: "Noto Serif CJK SC", serif; font-size: 10.5pt; line-height: 1.6; color: #111;
       max-width: 60em; margin: 0 auto; padding: 0 12px; }
h1 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 16pt; text-align: center; margin: 0 0 3mm; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; }
table.info td, table.info th { border: 0.6pt solid #000; padding: 1mm 2mm; white-space: nowrap; }
table.info td.reasons { white-space: normal; text-align: left; }
table.info th, table.redline th { background: #f2f2f2; font-family: "Noto Sans CJK SC", sans-serif; font-weight: bold; }
table.redline { margin-top: 3mm; table-layout: fixed; min-width: 34em; }
table.redline thead { display: table-header-group; }
table.redline th, table.redline td { border: 0.6pt solid #000; padding: 1.2mm 1.5mm; vertical-align: top; }
table.redline td { white-space: pre-wrap; }
table.redline tr { break-inside: avoid; }
col.clause { width: 39%; } col.note { width: 22%; }
.label { font-family: "Noto Sans CJK SC", sans-serif; font-weight: bold; }
.nb { white-space: nowrap; }
del { text-decoration: none; background: #f8d7d4; color: #a31b12; }
ins { text-decoration: underline; font-weight: bold; color: #0b5a29; }
.none { color: #666; }
.legend, .notes { font-size: 9pt; color: #333; margin: 2mm 0 0; }
.signers { margin-top: 6mm; }
.signers span { display: inline-block; margin-right: 10mm; }
@media (max-width: 36em) {  /* a phone: the header block as label/value pairs, one under the other */
  table.info, table.info tbody { display: block; }
  table.info tr { display: grid; grid-template-columns: 7.5em 1fr; width: calc(100% - 1px); }
  table.info tr + tr { margin-top: -1px; }
  table.info th, table.info td { display: block; white-space: normal; text-align: left; border-width: 1px; }
  table.info td { margin-left: -1px; }
  table.info th { text-align: center; }
}
"""


def info_grid(table: "RedlineTable") -> list[list[tuple[str, str]]]:
    """The header block as every writer lays it out: three rows of two label/value pairs
    (company and 文件编号; the versions; the dates), values as printed."""
    w, h = table.words, table.header
    doc = words(table.locale, "document")
    return [[(doc["company"], h.company), (doc["doc_no"], h.policy_id)],
            [(w["old_version"], h.old_version), (w["new_version"], h.new_version)],
            [(w["effective"], h.effective or "—"), (w["revised_on"], h.revised_on or w["blank"])]]


# what never breaks across lines in a redline (as ``pd-unbroken`` in redline.typ): a date in every
# form the documents print, an id (HR-ATT-002), a version (A/1)
_UNBROKEN = re.compile(
    r"中華民國\d{1,3}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月\d{1,2}日"
    rf"|[{_CN_DIGITS}]{{4}}年[{_CN_NUMBER}]{{1,3}}月[{_CN_NUMBER}]{{1,3}}日"
    r"|\d{4}-\d{2}-\d{2}|[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)+")


def _html_text(text: str) -> str:
    """``text`` escaped, dates, ids and versions kept on one line."""
    return _UNBROKEN.sub(lambda m: f'<span class="nb">{m.group()}</span>', html.escape(text))


def render_html(table: RedlineTable) -> str:
    """The 修订对照表 as one HTML page (the portal's redline, readable on a phone: wide tables
    scroll inside their own box)."""
    e = html.escape
    w, h = table.words, table.header
    lang = get_locale(table.locale).html_lang

    def spans(label: str, items: tuple[Span, ...]) -> str:
        if not items:
            return f'<span class="none">{e(w["none"])}</span>'
        t = _html_text
        body = "".join(t(s.text) if s.op == "equal" else f"<{'ins' if s.op == 'insert' else 'del'}>{t(s.text)}"
                       f"</{'ins' if s.op == 'insert' else 'del'}>" for s in items)
        return f'<span class="label">{e(label)}</span>\u3000{body}'

    rows = ["<tr>" + "".join(f"<th>{e(k)}</th><td>{e(v)}</td>" for k, v in row) + "</tr>" for row in info_grid(table)]
    if h.reasons:
        rows.append(f'<tr><th>{e(w["reasons"])}</th><td class="reasons" colspan="3">{e(h.reason_text(w))}</td></tr>')
    parts = [f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8">'
             '<meta name="viewport" content="width=device-width, initial-scale=1">'
             f"<title>{e(h.policy_id)} {e(h.old_version)} → {e(h.new_version)} {e(table.title)}</title>"
             f"<style>{_CSS}</style></head><body>",
             f"<h1>{e(table.title)}</h1>",
             '<div class="table-wrap"><table class="info">' + "".join(rows) + "</table></div>",
             f'<p class="legend">{e(w["legend"])}\u3000{e(w["changes"].format(n=h.changes))}</p>']
    parts += [f'<p class="notes">{e(n)}</p>' for n in table.notes]
    if table.rows:
        parts.append('<div class="table-wrap"><table class="redline"><colgroup><col class="clause"><col class="clause">'
                     f'<col class="note"></colgroup><thead><tr><th>{e(w["old_clause"])}</th><th>{e(w["new_clause"])}</th>'
                     f'<th>{e(w["note"])}</th></tr></thead><tbody>')
        for i, r in enumerate(table.rows, 1):
            parts.append(f'<tr class="{r.kind}" id="c{i}"><td>{spans(r.old_label, r.old)}</td>'
                         f"<td>{spans(r.new_label, r.new)}</td><td>{_html_text(r.note)}</td></tr>")
        parts.append("</tbody></table></div>")
    else:
        parts.append(f"<p>{e(w['identical'])}</p>")
    parts.append('<p class="signers">' + "".join(
        f"<span>{e(s.role)}：{e(s.person or w['blank'])}{('　' + e(s.date)) if s.date else ''}</span>"
        for s in h.signers) + "</p>")
    parts.append("</body></html>")
    return "".join(parts)


def pdf_bytes(table: RedlineTable, project_root: Path, when: date | None = None,
              fonts: PdfConfig | None = None) -> bytes:
    """The 修订对照表 as PDF (Typst, ``templates/typst/redline.typ``): the same model as the
    HTML and the DOCX, deletions shaded (never struck through), insertions bold and underlined;
    ``fonts``: the project's ``[pdf.fonts]``, ahead of our Noto faces."""
    h = table.header
    when = when or date(2000, 1, 1)  # the newer version's release: equal input, equal bytes
    spans = lambda items: [[s.op, s.text] for s in items]  # noqa: E731
    data = {"title": table.title, "words": dict(table.words), "doc": dict(words(table.locale, "document")),
            "header": {"company": h.company, "id": h.policy_id, "old": h.old_version, "new": h.new_version,
                       "effective": h.effective, "revised_on": h.revised_on, "changes": h.changes,
                       "signers": [[s.role, s.person, s.date] for s in h.signers],
                       "reasons": h.reason_text(table.words) if h.reasons else ""},
            "info": [[list(pair) for pair in row] for row in info_grid(table)],
            "notes": list(table.notes),
            "rows": [{"kind": r.kind, "old_label": r.old_label, "old": spans(r.old), "new_label": r.new_label,
                      "new": spans(r.new), "note": r.note} for r in table.rows],
            "loc": locale_data(get_locale(table.locale), fonts), "date": when}
    return engine_for(project_root).compile(("common.typ", "redline.typ"), f"#pd-redline({value(data)})\n",
                                            when=when, standard="a-2b")


# --------------------------------------------------------------------------
# DOCX: the table on the house template, and the tracked-changes variant
# --------------------------------------------------------------------------

_DEL_FILL, _DEL_COLOR, _INS_COLOR = "F8D7D4", "A31B12", "0B5A29"


def _redline_document(config, locale: str, title: str, h: RedlineHeader):
    """A house-template document (our styles or the organisation's reference, A4) with a page
    header: company, the table's title, 文件编号 and 第x页 共y页 (PAGE/NUMPAGES)."""
    document = base_document(config, locale)
    b = blocks(document, config.docx.preset, locale)
    doc = words(locale, "document")
    font, sans = b.font("PDHeaderText"), b.font("PDLabel")
    page_of = doc["page_of"].format(page="\x00PAGE\x00", pages="\x00NUMPAGES\x00").split("\x00")
    pages = "".join(b.field(p, "1", font) if k % 2 else b.run(p, font) for k, p in enumerate(page_of))
    width = b.info.text_width
    tabs = f'<w:tabs><w:tab w:val="center" w:pos="{width // 2}"/><w:tab w:val="right" w:pos="{width}"/></w:tabs>'
    border = '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="auto"/></w:pBdr>'
    tab = "<w:r><w:tab/></w:r>"
    line = b.run(h.company, sans, bold=True) + tab + b.run(f"{title}\u3000{h.policy_id}", font) + tab + pages
    header = document.sections[-1].header
    header.is_linked_to_previous = False
    hdr = header._element
    for child in list(hdr):
        hdr.remove(child)
    for child in b.parse(b.p("PDHeaderText", line, border + tabs)):
        hdr.append(child)
    return document, b


def _core(document, h: RedlineHeader, title: str, locale: str, when: datetime | None) -> None:
    cp = document.core_properties
    cp.title = title
    cp.subject = h.policy_id
    cp.identifier = f"{h.policy_id} {h.old_version}→{h.new_version}"
    cp.author = h.company or "policydocs"
    cp.last_modified_by = "policydocs"
    cp.language = word_lang(get_locale(locale))
    if when is not None:
        stamp = (when.astimezone(timezone.utc) if when.tzinfo else when).replace(tzinfo=None)
        cp.created = cp.modified = stamp


def _signers_xml(b, h: RedlineHeader, w: Mapping[str, str]) -> str:
    font = b.font("PDTableText")
    text = "\u3000\u3000".join(f"{s.role}：{s.person or w['blank']}" + (f"\u3000{s.date}" if s.date else "")
                                for s in h.signers)
    return b.p("PDTableText", b.run(text, font), '<w:spacing w:before="360" w:after="0"/>')


def docx_bytes(table: RedlineTable, config, when: datetime | None = None) -> bytes:
    """The 修订对照表 as DOCX on the house template: title, an info table (company, 文件编号,
    versions, dates), the legend, the three-column table (header row repeated on every
    page), the approval line."""
    h, w = table.header, table.words
    document, b = _redline_document(config, table.locale, table.title, h)
    title_font, sans, font = b.font("Title"), b.font("PDLabel"), b.font("PDTableText")
    size = b.info.table_size
    out = [b.p("Title", b.run(table.title, title_font))]
    grid = info_grid(table)  # three rows of two label/value pairs
    needs = [0] * 4
    for row in grid:
        for k, (label, shown) in enumerate(row):
            needs[2 * k] = max(needs[2 * k], text_twips(label, size, bold=True) + CELL_PAD)
            needs[2 * k + 1] = max(needs[2 * k + 1], text_twips(shown, size) + CELL_PAD)
    if h.reasons:
        needs[0] = max(needs[0], text_twips(w["reasons"], size, bold=True) + CELL_PAD)
    widths = fit_widths(b.info.text_width, needs, set(range(4)), {1: 1.0, 3: 1.0})
    rows = [[cell for label, shown in row for cell in ((b.run(label, sans, bold=True), 1, "center", "F2F2F2"),
                                                        (b.run(shown, font), 1, "center", None))] for row in grid]
    if h.reasons:  # 修订内容摘要: what the author recorded at release, across the table
        rows.append([(b.run(w["reasons"], sans, bold=True), 1, "center", "F2F2F2"),
                     (b.run(h.reason_text(w), font), 3, "left", None)])
    out.append(b.table(rows, widths, header_rows=0, no_wrap={0, 2, 3}, no_wrap_spans=False))
    legend = w["legend"] + "\u3000" + w["changes"].format(n=h.changes)
    out.append(b.p("PDTableText", b.run(legend, font), '<w:spacing w:before="120" w:after="60"/>'))
    out += [b.p("PDTableText", b.run(n, font), '<w:spacing w:before="0" w:after="60"/>') for n in table.notes]

    def spans_xml(label: str, items: tuple[Span, ...]) -> str:
        if not items:
            return b.run(w["none"], font, color="666666")
        runs = [b.run(label, sans, bold=True), b.run("\u3000", font)]
        for s in items:
            for k, piece in enumerate(s.text.split("\n")):
                if k:
                    runs.append("<w:r><w:br/></w:r>")
                if s.op == "equal":
                    runs.append(b.run(piece, font))
                elif s.op == "delete":  # shaded, never struck through (a struck 一 reads as =)
                    runs.append(b.run(piece, font, color=_DEL_COLOR).replace(
                        "</w:rPr>", f'<w:shd w:val="clear" w:color="auto" w:fill="{_DEL_FILL}"/></w:rPr>', 1))
                else:
                    runs.append(b.run(piece, font, bold=True, color=_INS_COLOR).replace(
                        "</w:rPr>", '<w:u w:val="single"/></w:rPr>', 1))
        return "".join(runs)

    if table.rows:
        heads = [(b.run(x, sans, bold=True), 1, "center", "F2F2F2") for x in (w["old_clause"], w["new_clause"], w["note"])]
        body = [heads] + [[(spans_xml(r.old_label, r.old), 1, "left", None),
                           (spans_xml(r.new_label, r.new), 1, "left", None),
                           (b.run(r.note, font), 1, "left", None)] for r in table.rows]
        col = b.info.text_width
        clause = col * 37 // 100
        out.append(b.table(body, [clause, clause, col - 2 * clause], header_rows=1, split_rows=True))
    else:
        out.append(b.p("PDBody", b.run(w["identical"], font)))
    out.append(_signers_xml(b, h, w))
    b.insert("".join(out))
    _core(document, h, table.title, table.locale, when)
    return serialise(document, when.date() if when else None)


def tracked_docx_bytes(r: DiffResult, config) -> bytes:
    """The newer text with real tracked changes (``w:ins``/``w:del``, author = the newer
    version's 编制 person, date = its release time) on the house template: every clause in
    order, changed ones as revisions Word, WPS and LibreOffice can accept or reject."""
    table = redline_table(r)
    w = table.words
    title = w["tracked_title"].format(title=r.title)
    document, b = _redline_document(config, r.locale, title, table.header)
    font, sans = b.font("PDArticle"), b.font("PDLabel")
    stamp = r.when or datetime.now(timezone.utc)
    when = (stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp).strftime("%Y-%m-%dT%H:%M:%SZ")
    rev = [0]

    def text_runs(text: str, deleted: bool = False) -> str:
        if not text:
            return ""
        tag = "w:delText" if deleted else "w:t"
        return (f"<w:r><w:rPr>{b.rfonts(font)}</w:rPr><{tag} xml:space=\"preserve\">"
                f"{html.escape(text, quote=False)}</{tag}></w:r>")

    def revision(tag: str, text: str) -> str:
        if not text:
            return ""
        rev[0] += 1
        return (f'<{tag} w:id="{rev[0]}" w:author="{html.escape(r.author)}" w:date="{when}">'
                f"{text_runs(text, deleted=tag == 'w:del')}</{tag}>")

    def paragraphs(segments: list[Segment]) -> list[str]:
        """Runs per line of a clause (its title, paragraphs, items): each line a paragraph."""
        lines = [""]
        for seg in segments:
            for k, piece in enumerate(seg.text.split("\n")):
                if k:
                    lines.append("")
                lines[-1] += (text_runs(piece) if seg.op == "equal"
                              else revision("w:ins" if seg.op == "insert" else "w:del", piece))
        return lines

    out = [b.p("Title", b.run(title, b.font("Title"))),
           b.p("PDMeta", b.run(f"{r.policy_id}\u3000{r.old_version} → {r.new_version}\u3000"
                               + w["changes"].format(n=len(r.changed)), b.font("PDMeta"))),
           b.p("PDTableText", b.run(w["tracked_legend"], b.font("PDTableText")))]
    for m in r.meta_changes:
        out.append(b.p("PDBody", b.run(f"{m.name}：", font) + revision("w:del", m.old) + revision("w:ins", m.new)))
    styles = {"article": "PDArticle", "chapter": "Heading1", "section": "Heading2"}
    for c in r.changes:
        unit = c.new or c.old
        style = styles[unit.kind]
        head_font = b.font(style) if unit.kind != "article" else sans
        if c.kind == "added":
            label = revision("w:ins", unit.label + "\u3000")
        elif c.kind == "deleted":
            label = revision("w:del", unit.label + "\u3000")
        else:
            label = b.run(unit.label, head_font, bold=unit.kind == "article") + b.run("\u3000", font)
        lines = paragraphs(c.segments)
        out.append(b.p(style, label + lines[0]))
        out += [b.p("PDItem" if unit.kind == "article" else "PDBody", line) for line in lines[1:]]
    b.insert("".join(out))
    _core(document, table.header, title, r.locale, r.when)
    return serialise(document, r.when.date() if r.when else None)
