"""Import files into a project: read → clean → structure (per file, in parallel),
then ids, references across the batch, Markdown, validation and writing.

``read_drafts`` is the per-file half (pure, picklable results, run in worker
processes); ``finish`` is the per-batch half (ids and 《title》 citations
need every file of the batch and the project's existing policies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import PolicyError, PolicyErrors
from ..core.fsutil import atomic_write_bytes
from ..core.locales import LOCALES
from ..core.model import (
    Article,
    Chapter,
    Document,
    Item,
    Paragraph,
    Section,
    Table,
    walk_with_path,
)
from ..read.markdown import parse_policy_text
from ..read.project import load_project
from . import emit, furniture, references, segment, split, structure
from . import meta as meta_mod
from .blocks import RawDocument, UnreadableFile
from .readers import read_file
from .report import Counts, Finding, ImportReport

ID_PATTERN = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")


@dataclass
class Options:
    """What the user asked for on the command line."""

    into: Path
    project_root: Path
    policy_id: str | None = None
    lang: str | None = None
    force: bool = False
    dry_run: bool = False


@dataclass
class Draft:
    """One regulation read from a file, structured but not yet written."""

    source: str
    part: str
    meta: meta_mod.GuessedMeta
    structured: structure.Structured
    lang: str
    findings: list[Finding] = field(default_factory=list)
    labels: references.Labels = field(default_factory=references.Labels)
    policy_id: str = ""
    kind: str = "text"  # the reader: text, docx, pdf (how source positions are named)


@dataclass
class FileResult:
    """What reading one file gave: drafts, or the reason it could not be read."""

    source: str
    drafts: list[Draft] = field(default_factory=list)
    error: str = ""


def read_drafts(path: Path, lang: str | None = None) -> FileResult:
    """Read, clean and structure one file (safe to run in a worker process)."""
    try:
        raw = read_file(path)
    except UnreadableFile as exc:
        return FileResult(str(path), error=exc.reason)
    except OSError as exc:
        return FileResult(str(path), error=f"cannot read: {exc.strerror or exc}")
    return FileResult(str(path), drafts=drafts_from_raw(raw, lang))


def drafts_from_raw(raw: RawDocument, lang: str | None = None) -> list[Draft]:
    """The structure step for a read file: one Draft per regulation in it."""
    findings: list[Finding] = [Finding(w, "file", m) for w, m in raw.notes]
    findings += [Finding(w, "furniture", f"dropped ({why}): “{what}”") for w, what, why in raw.dropped]
    blocks = furniture.drop_furniture(raw.blocks, findings)
    blocks = segment.join_wrapped(blocks, findings)
    for block in blocks:
        if not block.is_table:
            segment.clean_text(block, findings)
    units = segment.split_units(blocks, findings)
    parts = split.split_parts(units, findings, raw.title_hint)
    all_text = "\n".join(b.text for b in blocks if not b.is_table)
    detected = lang or meta_mod.detect_lang(all_text)
    drafts = []
    bounds = [p.first_line for p in parts[1:]] + [10 ** 12]
    for n, (part, end) in enumerate(zip(parts, bounds), start=1):
        start = part.first_line if len(parts) > 1 else -1
        own = [f for f in findings if start <= f.line < end or (len(parts) == 1) or (n == 1 and f.line < start)]
        if len(parts) > 1:
            own.insert(0, Finding(part.title_where, "split", f"regulation {n} of {len(parts)} in this file, "
                                  f"titled “{part.title}”", part.first_line))
        meta, units_left = meta_mod.extract(part.units, raw.header_lines if n == 1 else [], part.title,
                                           part.title_where, own, raw.header_tables if n == 1 else [])
        if not meta.title:
            meta.title = raw.path.stem
            own.append(Finding("file name", "metadata", f"no title found in the text: title “{meta.title}” from the file name"))
        if not units_left:
            own.append(Finding(part.title_where or "file", "structure", "no text under this title: skipped"))
            drafts.append(Draft(str(raw.path), f"{n}/{len(parts)}" if len(parts) > 1 else "", meta,
                                structure.Structured("articles", []), detected, own, kind=raw.kind))
            continue
        units_left = segment.cut_glued_headings(units_left, meta.title, own)
        structured = structure.build(units_left, own, raw.path)
        drafts.append(Draft(str(raw.path), f"{n}/{len(parts)}" if len(parts) > 1 else "", meta, structured,
                            detected, own, kind=raw.kind))
    return drafts


# ---------------------------------------------------------------------------
# the batch half
# ---------------------------------------------------------------------------


def existing_policies(root: Path, into: Path) -> dict[str, Document]:
    """Policies already in the project (id → Document); empty when the project does not load."""
    try:
        project = load_project(root)
    except (PolicyError, PolicyErrors):
        return {}
    return dict(project.documents)


def _id_from_name(path: str) -> str:
    stem = Path(path).name.split(".")[0]
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").upper()
    return cleaned[:40].strip("-")


def assign_ids(drafts: list[Draft], options: Options, taken: set[str], findings_for) -> None:
    """Ids from 文件编号, --id, or the file name; never one already taken (unless --force for the same file)."""
    counters: dict[str, int] = {}
    for d in drafts:
        wanted = ""
        if options.policy_id:
            wanted = options.policy_id if not d.part else f"{options.policy_id}-{d.part.split('/')[0].zfill(2)}"
        elif d.meta.policy_id and ID_PATTERN.match(d.meta.policy_id):
            wanted = d.meta.policy_id
            findings_for(d).append(Finding(d.meta.sources.get("id", "cover"), "metadata",
                                           f"id {wanted} taken from the document's 文件编号"))
        else:
            base = _id_from_name(d.source) or "IMPORTED"
            if d.part:
                base = f"{base}-{d.part.split('/')[0].zfill(2)}"
            wanted = base
            if d.meta.policy_id:
                findings_for(d).append(Finding("cover", "metadata", f"文件编号 “{d.meta.policy_id}” is not a valid id "
                                               "(letters, digits and dashes): id from the file name"))
            findings_for(d).append(Finding("file name", "metadata", f"id {wanted} made from the file name — "
                                           "rename it to your numbering scheme"))
        candidate = wanted
        while candidate in taken:
            counters[wanted] = counters.get(wanted, 1) + 1
            candidate = f"{wanted}-{counters[wanted]}"
        if candidate != wanted:
            findings_for(d).append(Finding("id", "metadata", f"id {wanted} is already used: this one is {candidate}"))
        d.policy_id = candidate
        taken.add(candidate)


@dataclass
class WriteJob:
    """One policy to render, validate and write (picklable: runs in a worker process)."""

    draft: Draft
    options: Options
    existing_ids: frozenset[str]
    references: int


def run_write_job(job: WriteJob) -> ImportReport:
    """Render, validate by parsing and write one policy."""
    return _write(job.draft, job.options, job.existing_ids, job.references)


def finish(results: list[FileResult], options: Options, mapper=map) -> list[ImportReport]:
    """Assign ids, link references across the batch, write and validate every policy.

    ``mapper`` runs the per-policy write jobs (``map``, or a process pool's ``map``)."""
    existing = existing_policies(options.project_root, options.into)
    reports: list[ImportReport] = []
    drafts = [d for r in results for d in r.drafts if _has_body(d)]
    for r in results:
        if r.error:
            reports.append(ImportReport(source=r.source, error=r.error))
        for d in r.drafts:
            if not _has_body(d):
                rep = ImportReport(source=d.source, title=d.meta.title, part=d.part, findings=d.findings,
                                   error="no regulation text found")
                reports.append(rep)
    # ids already in the project are not dodged: writing one is refused unless --force (a re-import
    # must not create a second copy); two regulations of this batch wanting one id get -2, -3 …
    assign_ids(drafts, options, set(), lambda d: d.findings)
    titles: dict[str, references.Target] = {}
    for pid, doc in existing.items():
        titles.setdefault(doc.meta.title, references.Target(pid, doc=doc))
    for d in drafts:
        titles[d.meta.title] = references.Target(d.policy_id, d.structured, d.labels)
    ref_counts = {}
    for d in drafts:
        where_of = _where_of(d)
        n = references.link_titles(d.structured, titles, d.policy_id, d.findings, where_of)
        n += references.link_internal(d.structured, d.labels, d.findings, where_of)
        ref_counts[id(d)] = n
    known_ids = set(existing) | {d.policy_id for d in drafts}
    for d in drafts:
        if d.meta.superseded_by and d.meta.superseded_by not in known_ids:
            d.findings.append(Finding(d.meta.sources.get("status", "cover"), "metadata",
                                      f"superseded by {d.meta.superseded_by}, which is not in the project: "
                                      "status set to repealed"))
            d.meta.status, d.meta.superseded_by = "repealed", ""
    jobs = [WriteJob(d, options, frozenset(existing), ref_counts[id(d)]) for d in drafts]
    reports.extend(mapper(run_write_job, jobs))
    return reports


def _has_body(d: Draft) -> bool:
    return bool(d.structured.body)


def _where_of(d: Draft):
    """How a source position is named in the report (the readers' numbering of lines)."""

    def where(pos) -> str:
        if d.kind == "pdf":
            return f"page {pos.line // 1000} line {pos.line % 1000}"
        if d.kind == "docx":
            return f"paragraph {pos.line}"
        return f"line {pos.line}"
    return where


def _write(d: Draft, options: Options, existing: frozenset[str], refs: int) -> ImportReport:
    lang = options.lang or d.lang
    report = ImportReport(source=d.source, policy_id=d.policy_id, title=d.meta.title, numbering=d.structured.numbering,
                          findings=d.findings, part=d.part)
    report.counts = count(d.structured.body)
    report.counts.references = refs
    if lang not in LOCALES:
        report.error = f"unknown language {lang!r}; use one of {', '.join(LOCALES)}"
        return report
    if lang != d.lang and not options.lang:
        pass
    d.findings.append(Finding("text", "metadata", f"lang: {lang}" + (" (detected from the characters)" if not options.lang
                                                                      else " (from --lang)")))
    text = emit.render_source(d.meta, d.policy_id, lang, d.structured.numbering, d.structured.body, d.labels)
    target = options.into / f"{d.policy_id}.md"
    try:
        shown = target.relative_to(options.project_root)
    except ValueError:
        shown = target
    try:
        parsed = parse_policy_text(text, shown)
    except (PolicyError, PolicyErrors) as exc:  # a bug in the importer, never the user's fault: say so
        report.error = f"the imported text does not parse ({exc}); please report this file"
        return report
    got, want = emit.tree_signature(parsed), emit.tree_signature(d.structured.body)
    if got != want:
        k = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        detail = f"{want[k] if k < len(want) else 'end'} came back as {got[k] if k < len(got) else 'end'}"
        report.error = (f"the written Markdown does not read back as the recovered structure ({detail}); "
                        "please report this file")
        return report
    report.output = str(shown)
    if target.exists() and not options.force:
        report.error = f"{shown} already exists: not overwritten (use --force to replace it)"
        report.output = ""
        return report
    if d.policy_id in existing and not options.force:
        report.error = f"a policy with id {d.policy_id} already exists in the project (use --force or --id)"
        report.output = ""
        return report
    if not options.dry_run:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, text.encode("utf-8"))
    return report


def count(body: list) -> Counts:
    """Chapters, sections, articles, paragraphs, items and tables in a body (notes' blocks included)."""
    c = Counts()
    fields = {Chapter: "chapters", Section: "sections", Article: "articles", Paragraph: "paragraphs",
              Item: "items", Table: "tables"}
    for node, _ in walk_with_path(body):
        name = fields.get(type(node))
        if name:
            setattr(c, name, getattr(c, name) + 1)
    return c
