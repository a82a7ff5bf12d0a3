"""The portal: a static site in ``build/site/`` made from the build outputs and the document tree.

Inputs are what ``policydocs build`` produced (``build/manifest.json`` and the
files it lists) plus the validated document tree (``load_project`` →
``conversion.localize`` → ``HtmlWriter``) and the ledger.  Markdown is never
read again here.  Output (relative links only, so it works from a web server,
a file share or ``file://``, offline)::

    build/site/index.html                → <source locale>/index.html
    build/site/<locale>/index.html       policies by category, status, dates, search
    build/site/<locale>/<ID>.html        the numbered text, every article anchored (#第五条)
    build/site/<locale>/<ID>.history.html versions, approvers per role, dates, redlines
    build/site/<locale>/auditor.html     ledger summary, every artifact's hash, how to verify
    build/site/<locale>/verify.html      SHA-256 of a picked file in the browser vs the manifest
    build/site/files/<locale>/<ID>.pdf   the published files (hard links or copies of build/)
    build/site/manifest.json, SHA256SUMS the manifest as built; sums for `sha256sum -c`
    build/site/data/*.js                 manifest and search index as scripts (no fetch: file:// works)
    build/site/static/                   CSS/JS from templates/site/static (no CDN)

Everything is written into a temporary folder next to ``build/site`` and
swapped in at the end, so a failed run leaves the previous portal untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from ..core.errors import PolicyError
from ..core.fsutil import sha256_file
from ..core.locales import get_locale
from ..core.model import (
    Article,
    Chapter,
    Document,
    Section,
)
from ..core.numbering import (
    article_label,
    chapter_label,
    heading_marker,
)
from ..core.words import words as word_catalogue
from ..read.project import Project, load_project
from ..render.context import RenderContext
from ..render.html import HtmlWriter, inline_html
from ..render.templates import PACKAGE_TEMPLATES, template_env
from ..render.text import TextWriter
from ..trust import ledger
from . import history

IN_FORCE = ("trial", "effective")
STATUS_ORDER = {"effective": 0, "trial": 1, "draft": 2, "superseded": 3, "repealed": 4}


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def js_data(var: str, obj) -> str:
    """``window.VAR = <json>;`` safe to load as a script (no ``</script>``, no U+2028 breaks)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return f"window.{var} = {text};\n"


def safe_rel(path_text: str, where: Path) -> PurePosixPath:
    """A manifest path as a relative path without ``..`` (refuse anything else)."""
    p = PurePosixPath(path_text)
    if p.is_absolute() or not p.parts or any(part in ("..", "") for part in p.parts) or "\\" in path_text:
        raise PolicyError(where, 0, f"unsafe artifact path {path_text!r} in the manifest")
    return p


def search_segments(writer: HtmlWriter) -> list[dict]:
    """The searchable pieces of a policy: one per article (or per part in sectioned style),
    each with the anchor it is rendered under, so a hit links to ``ID.html#第五条``."""
    loc = writer.loc
    text = TextWriter(loc, line_break=" ")
    segs: list[dict] = []

    def article(art: Article) -> None:
        title = text.inline(art.title)
        label = article_label(art.number, loc)
        segs.append({"a": writer.article_id(art), "l": f"{label}　{title}".strip("　"),
                     "t": text.text(art.blocks)})

    def container(children) -> None:
        for c in children:
            if isinstance(c, Section):
                container(c.children)
            elif isinstance(c, Article):
                article(c)

    for node in writer.ctx.body:
        if isinstance(node, Chapter):
            if writer.sectioned:
                segs.append({"a": writer.chapter_id(node),
                             "l": heading_marker(1, node.number, loc) + text.inline(node.title),
                             "t": text.text(node.children)})
            else:
                container(node.children)
        elif isinstance(node, Article):
            if writer.sectioned:
                segs.append({"a": "", "l": text.inline(node.title), "t": text.text([node])})
            else:
                article(node)
        else:
            segs.append({"a": "", "l": "", "t": text.text([node])})
    return [s for s in segs if s["t"] or s["l"]]


def page_anchors(writer: HtmlWriter) -> list[str]:
    """Chapter and article ids in document order (same order in every locale: used by the 简/繁 switch
    to keep the reader at the same article)."""
    out: list[str] = []

    def walk(nodes) -> None:
        for n in nodes:
            if isinstance(n, Chapter):
                out.append(writer.chapter_id(n))
                walk(n.children)
            elif isinstance(n, Section):
                walk(n.children)
            elif isinstance(n, Article) and not writer.sectioned:
                out.append(writer.article_id(n))

    walk(writer.ctx.body)
    return out


# ---------------------------------------------------------------------------
# the builder
# ---------------------------------------------------------------------------


@dataclass
class SiteResult:
    path: Path
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Release:
    """One row of a history page (locale-independent data)."""

    version: str
    date: date
    effective_date: date | None
    summary: str
    approvals: dict  # role → (person, date)
    status: str  # current | pending | replaced | withdrawn
    replaced_by: str = ""
    redline: str = ""  # path under the site root
    snapshot: str = ""  # path under the site root
    record_hash: str = ""
    content_hash: str = ""


class SiteBuilder:
    def __init__(self, project: Project, manifest: dict, manifest_bytes: bytes, out: Path, *, today: date | None = None):
        self.project = project
        self.cfg = project.config
        self.root = project.root
        self.manifest = manifest
        self.manifest_bytes = manifest_bytes
        self.out = out
        self.today = today or date.today()
        self.result = SiteResult(path=self.cfg.build_dir / "site")
        self.env = template_env(self.root)
        self.locales = [code for code in self.cfg.locales.publish]
        self.source_locale = self.cfg.locales.source if self.cfg.locales.source in self.locales else self.locales[0]
        # policy id → locale → format → artifact
        self.arts: dict[str, dict[str, dict[str, dict]]] = {}
        self.other_arts: list[dict] = []
        for art in manifest.get("artifacts", []):
            if art.get("kind") == "policy" and art.get("policy_id"):
                self.arts.setdefault(art["policy_id"], {}).setdefault(art.get("locale", ""), {})[art.get("format", "")] = art
            else:
                self.other_arts.append(art)

    # -- output helpers --------------------------------------------------
    def write(self, rel: str, text: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rel.endswith(".html"):
            self.result.pages += 1

    def render(self, template: str, rel: str, **kw) -> None:
        depth = rel.count("/")
        base = "../" * depth
        kw.setdefault("page_rel", rel)
        html = self.env.get_template(f"site/{template}").render(base=base, **kw)
        self.write(rel, html)

    # -- steps -----------------------------------------------------------
    def build(self) -> SiteResult:
        started = time.perf_counter()
        self.copy_static()
        self.copy_files()
        self.load_ledger()
        self.make_redlines()
        self.localize_all()
        self.write_data()
        self.write_version_pages()
        for code in self.locales:
            self.write_locale(code)
        self.render("redirect.html.j2", "index.html", target=f"{self.source_locale}/index.html",
                    title=self.cfg.organisation.name, lang=get_locale(self.source_locale).html_lang)
        self.result.seconds = time.perf_counter() - started
        return self.result

    def copy_static(self) -> None:
        dst = self.out / "static"
        dst.mkdir(parents=True, exist_ok=True)
        for base in (PACKAGE_TEMPLATES / "site" / "static", self.cfg.templates_dir / "site" / "static"):
            if base.is_dir():
                for p in sorted(base.rglob("*")):
                    if p.is_file():
                        target = dst / p.relative_to(base)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(p, target)

    def copy_files(self) -> None:
        """Link (or copy) every artifact into files/, checking it still matches the manifest."""
        build_dir = self.cfg.build_dir
        where = build_dir / "manifest.json"
        sums: list[str] = []
        for art in self.manifest.get("artifacts", []):
            rel = safe_rel(str(art.get("path", "")), where)
            src = build_dir / rel
            if not src.is_file():
                raise PolicyError(where, 0, f"{rel} is listed in the manifest but missing from {build_dir}: "
                                  "run `policydocs build` again")
            dst = self.out / "files" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
            digest = sha256_file(dst)
            if digest != art.get("sha256"):
                raise PolicyError(src, 0, f"file does not match build/manifest.json (sha256 {digest[:12]}… ≠ "
                                  f"{str(art.get('sha256'))[:12]}…): it changed after the build; run `policydocs build` again")
            art["site_path"] = f"files/{rel}"
            sums.append(f"{digest}  files/{rel}\n")
            self.result.files += 1
        (self.out / "manifest.json").write_bytes(self.manifest_bytes)
        sums.append(f"{hashlib.sha256(self.manifest_bytes).hexdigest()}  manifest.json\n")
        (self.out / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")

    def load_ledger(self) -> None:
        """Releases per policy and a ledger summary; a missing or broken ledger degrades visibly."""
        self.releases: dict[str, list] = {pid: [] for pid in self.project.documents}
        self.ledger_summary: dict = {"exists": False, "records": 0, "people": 0, "releases": 0,
                                     "problems": [], "error": "", "head": ""}
        self.version_infos = {}
        records = self.cfg.ledger_dir / "records.jsonl"
        try:
            for pid, doc in self.project.documents.items():
                self.releases[pid] = ledger.released_versions(self.root, pid, self.cfg)
                self.version_infos[pid] = history.version_info(self.root, self.cfg, pid, doc.source_text,
                                                               fallback_effective=doc.meta.effective_date)
            if records.exists():
                state = ledger.load_state(self.root, self.cfg)
                self.ledger_summary.update(exists=True, records=state.count, people=len(state.people),
                                           releases=sum(len(p.releases) for p in state.policies.values()))
                head = ledger.read_head(self.root)
                if head:
                    self.ledger_summary["head"] = f"#{head[0]} {head[1]}"
                report = ledger.verify_ledger(self.root, self.cfg, ledger.working_texts(self.root))
                self.ledger_summary["problems"] = list(getattr(report, "problems", []) or [])
        except PolicyError as exc:
            self.ledger_summary["error"] = str(exc)
            self.result.warnings.append(f"ledger: {exc}")
        except Exception as exc:  # a teammate's module in flux must not take the portal down
            self.ledger_summary["error"] = f"{type(exc).__name__}: {exc}"
            self.result.warnings.append(f"ledger: {type(exc).__name__}: {exc}")

        # the history rows, locale-independent
        self.history: dict[str, list[_Release]] = {}
        for pid, releases in self.releases.items():
            doc = self.project.documents[pid]
            rows: list[_Release] = []
            in_force_doc = doc.meta.status in IN_FORCE
            # which release is in force today: latest effective date ≤ today
            current = None
            for r in releases:
                eff = r.effective_date or r.date
                if eff <= self.today and (current is None or (eff, r.seq) >= ((current.effective_date or current.date), current.seq)):
                    current = r
            for i, r in enumerate(releases):
                later = releases[i + 1] if i + 1 < len(releases) else None
                if not in_force_doc:
                    status, by = "withdrawn", ""
                elif r is current:
                    status, by = "current", ""
                elif (r.effective_date or r.date) > self.today and later is None:
                    status, by = "pending", ""
                elif current is not None and r.seq < current.seq:
                    status, by = "replaced", current.version if later is None else later.version
                else:
                    status, by = "pending", ""
                if status == "replaced" and later is not None:
                    by = later.version
                snap = ""
                snap_src = self.cfg.ledger_dir / "snapshots" / f"{r.snapshot}.md"
                if r.snapshot and snap_src.is_file():
                    snap = f"files/snapshots/{r.snapshot}.md"
                    dst = self.out / snap
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(snap_src, dst)
                rows.append(_Release(version=r.version, date=r.date, effective_date=r.effective_date,
                                     summary=r.summary, status=status, replaced_by=by,
                                     approvals={a.role: (a.person, a.date) for a in r.approvals},
                                     snapshot=snap, record_hash=r.record_hash, content_hash=r.content_hash))
            self.history[pid] = rows

    def make_redlines(self) -> None:
        """Redlines between consecutive releases, through ``policydocs.products.diff`` when it is available."""
        self.redline_note = ""
        pairs = [(pid, rows[i - 1].version, rows[i]) for pid, rows in self.history.items() for i in range(1, len(rows))]
        if not pairs:
            return
        try:
            from . import diff as diffmod

            diff_versions = diffmod.diff_versions
        except (ImportError, AttributeError):
            self.redline_note = "redline_unavailable"
            self.result.warnings.append("diff module not available: history pages have no redlines")
            return
        out_dir = self.out / "files" / "diff"
        for pid, old, row in pairs:
            try:
                res = diff_versions(self.root, self.cfg, pid, old, row.version, out_dir=out_dir, formats=["html"])
                files = [Path(f) for f in getattr(res, "files", [])]
                html = [f for f in files if f.suffix == ".html"] or files
                if html:
                    row.redline = html[0].resolve().relative_to(self.out.resolve()).as_posix()
            except Exception as exc:  # degrade: the history page says the redline is missing
                self.redline_note = "redline_failed"
                self.result.warnings.append(f"redline {pid} {old}→{row.version}: {type(exc).__name__}: {exc}")

    def localize_all(self) -> None:
        from ..convert import conversion

        glossary = self.glossary = conversion.load_glossary(self.root)
        self.docs: dict[str, dict[str, Document]] = {}
        for pid, doc in self.project.documents.items():
            self.docs[pid] = {}
            for code in self.locales:
                localized, _report = conversion.localize(doc, code, glossary, phrase_mode=self.cfg.locales.phrase_mode)
                self.docs[pid][code] = localized
        self.ctxs: dict[tuple[str, str], RenderContext] = {}
        for pid in self.project.documents:
            for code in self.locales:
                self.ctxs[(pid, code)] = RenderContext(doc=self.docs[pid][code], config=self.cfg,
                                                       version=self.version_for(pid),
                                                       policy_links={p: f"{p}.html" for p in self.project.documents})

    def version_for(self, pid: str):
        from ..core.model import VersionInfo

        info = getattr(self, "version_infos", {}).get(pid)
        return info or VersionInfo.draft(self.project.documents[pid])

    def write_data(self) -> None:
        manifest_view = {
            "organisation": self.manifest.get("organisation", ""),
            "artifacts": [{k: a.get(k) for k in ("path", "site_path", "kind", "policy_id", "title", "version",
                                                  "locale", "format", "draft", "signed", "sha256", "size",
                                                  "unsigned_sha256", "status", "effective_date")}
                          for a in self.manifest.get("artifacts", [])],
            "manifest_sha256": hashlib.sha256(self.manifest_bytes).hexdigest(),
            "locale_names": {c: get_locale(c).short_name for c in self.locales},
        }
        self.write("data/manifest.js", js_data("POLICYDOCS_MANIFEST", manifest_view))
        for code in self.locales:
            words = word_catalogue(code, "site")
            loc = get_locale(code)
            docs = []
            for pid in self.project.documents:
                ctx = self.ctxs[(pid, code)]
                doc = ctx.doc
                writer = HtmlWriter(ctx)
                docs.append({"id": pid, "title": doc.meta.title, "category": doc.meta.category,
                             "department": doc.meta.department, "status": doc.meta.status,
                             "status_label": self.status_label(ctx), "in_force": doc.meta.status in IN_FORCE,
                             "url": f"{pid}.html", "segments": search_segments(writer)})
            self.write(f"data/search.{code}.js", js_data("POLICYDOCS_SEARCH", {"locale": loc.code, "docs": docs,
                                                                           "words": {k: words[k] for k in (
                                                                               "search_none", "search_count",
                                                                               "not_in_force_short")}}))

    # -- per-locale pages ------------------------------------------------
    def status_label(self, ctx: RenderContext) -> str:
        status = ctx.doc.meta.status
        if status == "effective":
            return ctx.word("effective_status")
        if status == "draft":
            return ctx.word("draft_status")
        return ctx.status_word

    def common(self, code: str, page: str) -> dict:
        """Variables every page template needs."""
        loc = get_locale(code)
        words = word_catalogue(code, "site")
        switch = [{"code": c, "name": get_locale(c).short_name, "current": c == code,
                   "href": f"../{c}/{page}"} for c in self.locales]
        return {"loc": loc, "sw": words, "company": self.cfg.organisation.name, "switch": switch, "code": code,
                "page": page, "locales": self.locales}

    def downloads(self, pid: str, code: str) -> list[dict]:
        """Rows of the download table: this locale first, then the others."""
        rows = []
        order = [code] + [c for c in self.locales if c != code]
        for c in order:
            for fmt in ("pdf", "docx"):
                art = self.arts.get(pid, {}).get(c, {}).get(fmt)
                if art is None or "site_path" not in art:
                    continue
                rows.append({"locale": c, "locale_name": get_locale(c).short_name, "format": fmt.upper(),
                             "href": "../" + art["site_path"], "size": human_size(art.get("size")),
                             "bytes": art.get("size"), "sha256": art.get("sha256", ""), "version": art.get("version", ""),
                             "signed": bool(art.get("signed")), "draft": bool(art.get("draft")),
                             "filename": f"{pid}.{c}.{fmt}", "current": c == code})
        return rows

    def policy_rows(self, code: str) -> tuple[list[dict], list[dict]]:
        """(categories with in-force policies, policies not in force) for the index."""
        cats: dict[str, list[dict]] = {}
        old: list[dict] = []
        words = word_catalogue(code, "site")
        for pid in self.project.documents:
            ctx = self.ctxs[(pid, code)]
            meta = ctx.doc.meta
            art = self.arts.get(pid, {}).get(code, {})
            pdf = art.get("pdf") or art.get("docx")
            eff = ctx.version.effective_date or meta.effective_date
            row = {"id": pid, "title": meta.title, "status": meta.status, "status_label": self.status_label(ctx),
                   "effective": ctx.date(eff), "effective_iso": eff.isoformat() if eff else "",
                   "version": pdf.get("version") if pdf else ctx.version.version,
                   "draft": bool(pdf.get("draft")) if pdf else ctx.version.is_draft,
                   "pdf": ("../" + pdf["site_path"]) if pdf and "site_path" in pdf else "",
                   "pdf_format": (pdf.get("format") or "").upper() if pdf else "",
                   "pdf_size": human_size(pdf.get("size")) if pdf else "",
                   "department": meta.department, "superseded_by": None}
            if meta.superseded_by and meta.superseded_by in self.ctxs_by_code(code):
                row["superseded_by"] = {"id": meta.superseded_by,
                                        "title": self.ctxs[(meta.superseded_by, code)].doc.meta.title}
            if meta.status in IN_FORCE:
                cats.setdefault(meta.category or words["category_none"], []).append(row)
            else:
                old.append(row)
        categories = [{"name": name, "policies": sorted(rows, key=lambda r: r["id"])} for name, rows in cats.items()]
        old.sort(key=lambda r: (STATUS_ORDER.get(r["status"], 9), r["id"]))
        return categories, old

    def ctxs_by_code(self, code: str) -> set[str]:
        return {pid for (pid, c) in self.ctxs if c == code}

    def write_locale(self, code: str) -> None:
        categories, old = self.policy_rows(code)
        others = [{"path": a.get("path"), "href": "../" + a["site_path"], "size": human_size(a.get("size")),
                   "sha256": a.get("sha256"), "title": a.get("title") or a.get("path")}
                  for a in self.other_arts if a.get("locale") in (code, None, "") and "site_path" in a]
        self.render("index.html.j2", f"{code}/index.html", categories=categories, old=old, others=others,
                    **self.common(code, "index.html"))
        for pid in self.project.documents:
            self.write_policy(pid, code)
            self.write_history(pid, code)
        self.write_auditor(code)
        self.render("verify.html.j2", f"{code}/verify.html", **self.common(code, "verify.html"))

    def policy_link(self, pid: str, code: str) -> dict:
        return {"id": pid, "title": self.ctxs[(pid, code)].doc.meta.title, "href": f"{pid}.html",
                "status": self.ctxs[(pid, code)].doc.meta.status,
                "status_label": self.status_label(self.ctxs[(pid, code)])}

    def write_policy(self, pid: str, code: str) -> None:
        ctx = self.ctxs[(pid, code)]
        art = self.arts.get(pid, {}).get(code, {})
        built_version = next((a.get("version") for a in art.values()), None)
        stale = built_version is not None and built_version != ctx.version.version
        if stale:
            self.result.warnings.append(f"{pid} {code}: build/ has version {built_version}, the ledger says "
                                        f"{ctx.version.version}: run `policydocs build` before `site`")
        anchors = {c: " ".join(page_anchors(HtmlWriter(self.ctxs[(pid, c)]))) for c in self.locales}
        self.policy_page(ctx, f"{pid}.html", anchors=anchors, downloads=self.downloads(pid, code), stale=stale)

    def policy_page(self, ctx: RenderContext, page: str, *, anchors: dict, downloads: list, stale: bool = False,
                    old: dict | None = None) -> None:
        """One rendering of policy.html.j2: the current text, or (``old``) a frozen earlier version."""
        from ..render.templates import policy_template_vars

        code = ctx.locale.code
        meta = ctx.doc.meta
        tv = policy_template_vars(ctx)
        writer = HtmlWriter(ctx)
        toc = [{"id": writer.chapter_id(ch),
                "label": (heading_marker(1, ch.number, ctx.locale) if writer.sectioned
                          else chapter_label(ch.number, ctx.locale)),
                "title": inline_html(ctx, ch.title)} for ch in ctx.doc.chapters()]
        eff = ctx.version.effective_date or meta.effective_date
        pending = bool(eff and eff > self.today and meta.status in IN_FORCE and old is None)
        current = self.project.documents[meta.id].meta  # links and status come from the working text
        self.render("policy.html.j2", f"{code}/{page}", meta=meta, title=meta.title, body=tv["body"],
                    effective_text=tv["effective_text"],
                    version=ctx.version, approvals=tv["approvals"], roles=tv["roles"], fmt_date=ctx.date, w=ctx.word,
                    status_label=old["status_text"] if old else self.status_label(ctx),
                    badge_class=f"v-{old['status']}" if old else f"status-{meta.status}",
                    in_force=meta.status in IN_FORCE and old is None,
                    pending=pending, old=old,
                    superseded_by=self.policy_link(current.superseded_by, code)
                    if current.superseded_by in self.project.documents else None,
                    supersedes=[self.policy_link(p, code) for p in current.supersedes if p in self.project.documents],
                    toc=toc, anchors=anchors, downloads=downloads, stale=stale, **self.common(code, page))

    def write_version_pages(self) -> None:
        """A page per released version that is not the working text: earlier versions stay readable,
        marked as not in force.  Their text comes from the ledger's frozen snapshot."""
        import copy

        from ..convert import conversion
        from ..core.errors import Collector, PolicyErrors
        from ..core.model import Approval, VersionInfo
        from ..read import markdown as parsing
        from ..read import references

        self.version_pages: dict[tuple[str, str], str] = {}
        for pid, releases in self.releases.items():
            working = self.version_infos.get(pid)
            working_hash = working.content_hash if working else ""
            rows = {row.version: row for row in self.history.get(pid, [])}
            for i, r in enumerate(releases):
                if r.content_hash == working_hash:
                    continue
                try:
                    from ..trust import ledger

                    text = ledger.snapshot_text(self.root, r.snapshot)
                    doc = parsing.parse_policy_text(text, Path("ledger") / "snapshots" / f"{r.snapshot}.md")
                    others = {k: copy.deepcopy(v) for k, v in self.project.documents.items() if k != pid}
                    errors = Collector()
                    references.resolve({**others, pid: doc}, errors)
                except (PolicyError, PolicyErrors) as exc:
                    self.result.warnings.append(f"{pid} {r.version}: frozen text not rendered ({exc})")
                    continue
                page = f"{pid}.v-{_safe_version(r.version)}.html"
                info = VersionInfo(version=r.version, is_draft=False, effective_date=r.effective_date,
                                   approvals=[Approval(a.role, a.person, a.date) for a in r.approvals],
                                   revisions=[], content_hash=r.content_hash)
                ctxs = {}
                for code in self.locales:
                    localized, _ = conversion.localize(doc, code, self.glossary, phrase_mode=self.cfg.locales.phrase_mode)
                    ctxs[code] = RenderContext(doc=localized, config=self.cfg, version=info,
                                               policy_links={p: f"{p}.html" for p in self.project.documents})
                anchors = {c: " ".join(page_anchors(HtmlWriter(ctxs[c]))) for c in self.locales}
                row = rows.get(r.version)
                for code in self.locales:
                    words = word_catalogue(code, "site")
                    status = row.status if row else "withdrawn"
                    status_text = {"current": words["v_current"], "pending": words["v_pending"],
                                   "replaced": words["v_replaced"].format(v=row.replaced_by if row else ""),
                                   "withdrawn": words["v_withdrawn"]}[status]
                    old = {"version": r.version, "status": status, "status_text": status_text,
                           "snapshot": ("../" + row.snapshot) if row and row.snapshot else "",
                           "current_href": f"{pid}.html", "history_href": f"{pid}.history.html"}
                    self.policy_page(ctxs[code], page, anchors=anchors, downloads=[], old=old)
                self.version_pages[(pid, r.version)] = page

    def write_history(self, pid: str, code: str) -> None:
        ctx = self.ctxs[(pid, code)]
        meta = ctx.doc.meta
        words = word_catalogue(code, "site")
        rows = []
        for r in reversed(self.history.get(pid, [])):
            status_text = {"current": words["v_current"], "pending": words["v_pending"],
                           "replaced": words["v_replaced"].format(v=r.replaced_by),
                           "withdrawn": words["v_withdrawn"]}[r.status]
            rows.append({"version": r.version, "date": ctx.date(r.date), "date_iso": r.date.isoformat(),
                         "effective": ctx.date(r.effective_date), "summary": self.convert(r.summary, meta.lang, code),
                         "summary_original": r.summary,
                         "approvals": [(ctx.role(role), r.approvals.get(role, ("", None))[0],
                                        ctx.date(r.approvals.get(role, ("", None))[1]))
                                       for role in self.cfg.versions.roles],
                         "status": r.status, "status_text": status_text, "in_force": r.status == "current",
                         "redline": ("../" + r.redline) if r.redline else "",
                         "page": self.version_pages.get((pid, r.version)) or
                         (f"{pid}.html" if r.content_hash == self.version_for(pid).content_hash else ""),
                         "snapshot": ("../" + r.snapshot) if r.snapshot else "",
                         "record_hash": r.record_hash, "content_hash": r.content_hash})
        first_version = self.history.get(pid, [])[0].version if self.history.get(pid) else ""
        working_draft = bool(self.history.get(pid)) and ctx.version.is_draft
        chain_prev = [self.policy_link(p, code) for p in meta.supersedes if p in self.project.documents]
        chain_next = self.policy_link(meta.superseded_by, code) if meta.superseded_by in self.project.documents else None
        self.render("history.html.j2", f"{code}/{pid}.history.html", meta=meta, title=meta.title, rows=rows,
                    first_version=first_version, working_draft=working_draft, chain_prev=chain_prev,
                    chain_next=chain_next, status_label=self.status_label(ctx), in_force=meta.status in IN_FORCE,
                    redline_note=self.redline_note, roles=[ctx.role(r) for r in self.cfg.versions.roles],
                    **self.common(code, f"{pid}.history.html"))

    def convert(self, text: str, source: str, target: str) -> str:
        """Ledger text (release summaries) shown in the page's script; the signed original stays in the title."""
        if not text or source == target:
            return text
        from ..convert import conversion

        try:
            return conversion.convert_text(text, source, target, phrase_mode=self.cfg.locales.phrase_mode,
                                           glossary=self.glossary)
        except Exception:  # a display nicety: never fail the site over it
            return text

    def write_auditor(self, code: str) -> None:
        words = word_catalogue(code, "site")
        policies = []
        for pid in self.project.documents:
            ctx = self.ctxs[(pid, code)]
            hist = self.history.get(pid, [])
            policies.append({"id": pid, "title": ctx.doc.meta.title, "status_label": self.status_label(ctx),
                             "version": ctx.version.version, "draft": ctx.version.is_draft,
                             "releases": len(hist), "last": ctx.date(hist[-1].date) if hist else "",
                             "effective": ctx.date(ctx.version.effective_date or ctx.doc.meta.effective_date),
                             "content_hash": ctx.version.content_hash})
        artifacts = [{"path": a.get("path"), "href": "../" + a["site_path"], "policy_id": a.get("policy_id", ""),
                      "version": a.get("version", ""), "locale": a.get("locale", ""), "format": (a.get("format") or "").upper(),
                      "signed": a.get("signed"), "draft": a.get("draft"), "size": human_size(a.get("size")),
                      "sha256": a.get("sha256", "")}
                     for a in self.manifest.get("artifacts", []) if "site_path" in a]
        self.render("auditor.html.j2", f"{code}/auditor.html", policies=policies, artifacts=artifacts,
                    ledger=self.ledger_summary, converter=self.manifest.get("converter", {}),
                    generated_by=self.manifest.get("generated_by", ""),
                    manifest_sha256=hashlib.sha256(self.manifest_bytes).hexdigest(),
                    example_file=next((f"~/Downloads/{a['policy_id']}.pdf" for a in self.manifest.get("artifacts", [])
                                       if a.get("format") == "pdf" and a.get("policy_id")), "FILE"),
                    ledger_problems_text=words["ledger_problems"].format(n=len(self.ledger_summary["problems"])),
                    **self.common(code, "auditor.html"))


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------


def _safe_version(v: str) -> str:
    """A version as a file-name part: A/0 → A-0, V1.2 → V1.2."""
    return "".join(c if c.isalnum() or c in "-." else "-" for c in v) or "v"


def read_manifest(build_dir: Path) -> tuple[dict, bytes]:
    path = build_dir / "manifest.json"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(path, 0, "no build to publish: run `policydocs build` first "
                          "(the portal is made from the built, signed files)") from None
    try:
        manifest = json.loads(data.decode("utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
            raise ValueError("no artifacts list")
    except (ValueError, UnicodeDecodeError) as exc:
        raise PolicyError(path, 0, f"unreadable manifest ({exc}): run `policydocs build` again") from None
    return manifest, data


def _swap_in(tmp: Path, site: Path) -> None:
    """Replace ``site`` by ``tmp`` with renames only (the old tree is removed afterwards)."""
    old = None
    if site.exists():
        old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=site.parent))
        os.rmdir(old)
        os.replace(site, old)
    try:
        os.replace(tmp, site)
    except BaseException:
        if old is not None:
            os.replace(old, site)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def generate_site(project_root: str | Path = ".", *, today: date | None = None) -> SiteResult:
    """Build ``build/site/`` and return what was done (pages, files, warnings, seconds)."""
    project = load_project(project_root)
    build_dir = project.config.build_dir
    manifest, data = read_manifest(build_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".site-new-", dir=build_dir))
    try:
        tmp.chmod(0o755)
        result = SiteBuilder(project, manifest, data, tmp, today=today).build()
        _swap_in(tmp, build_dir / "site")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    result.path = build_dir / "site"
    return result


def build_site(project_root: str | Path = ".") -> Path:
    """Generate the portal into ``build/site/`` from ``build/manifest.json`` and the document tree.

    Raises PolicyError when the build has not been run (no manifest) or a built
    file no longer matches the manifest.
    """
    return generate_site(project_root).path


__all__ = ["build_site", "generate_site", "SiteResult", "read_manifest", "search_segments", "js_data"]
