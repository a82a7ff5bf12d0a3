"""The portal's pages, per locale, from the catalogue (released versions only).

Per locale: ``index.html`` (in force by category; scheduled; no longer in
force), ``<ID>.html`` (the version in force, or scheduled, or last),
``<ID>.v-<version>.html`` (every other released version, marked),
``<ID>.history.html`` (every version: status, approvers, downloads, redlines
between any two versions), ``as-of.html`` (what was in force on a date),
``auditor.html`` and ``verify.html``; ``data/`` holds the search index and the
list of every published file for the verify and as-of pages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import Protocol

from ...core.errors import PolicyError, PolicyErrors
from ...core.locales import get_locale
from ...core.model import Document, VersionInfo, fingerprint
from ...core.numbering import chapter_label, heading_marker
from ...core.words import words as word_catalogue
from ...read.config import PDF_FONT_ROLES, Config
from ...read.project import Project
from ...render.context import RenderContext
from ...render.html import HtmlWriter, inline_html, media_path
from ...render.templates import PACKAGE_TEMPLATES, policy_template_vars, template_env, templates_hash
from ...trust import ledger, reviews
from ...trust.status import IN_FORCE, REPEALED, SCHEDULED, SUPERSEDED, WITHDRAWN, effective_of
from .. import diff, handbook
from ..inputs import Edition
from .catalogue import Catalogue, PortalFile, PortalPolicy, PortalVersion
from .output import SiteOutput, key_of
from .text import human_size, js_data, page_anchors, search_segments

TEMPLATES = ("site/*.j2", "site/static/*")


class PortalInputs(Protocol):
    """What the portal needs from the build session (``pipeline.session.BuildSession``)."""

    config: Config
    root: Path
    today: date
    project: Project
    glossary_hash: str

    def document(self, edition: Edition) -> Document: ...

    def version(self, edition: Edition) -> VersionInfo: ...

    def context(self, edition: Edition, locale: str, *, policy_links: dict[str, str] | None = None) -> RenderContext: ...

    def convert(self, text: str, locale: str, *, source: str | None = None) -> str: ...


@dataclass
class SiteResult:
    path: Path
    pages: int = 0  # written this time
    kept: int = 0  # unchanged, not written again
    files: int = 0  # published files offered
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def page_name(pid: str, portal_policy: PortalPolicy, version: PortalVersion) -> str:
    """``ID.html`` for the version the policy page shows, ``ID.v-A-1.html`` for the others."""
    if version.version == portal_policy.shown.version:
        return f"{pid}.html"
    return f"{pid}.v-{_safe(version.version)}.html"


def redline_name(pid: str, old: str, new: str, ext: str, locale: str | None = None) -> str:
    """``files/diff/ID_A-0_A-1.html`` in the document's own language, ``….zh-Hant-TW.html`` in another."""
    return f"files/diff/{pid}_{_safe(old)}_{_safe(new)}" + (f".{locale}" if locale else "") + f".{ext}"


def _safe(v: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in v) or "v"


class Portal:
    """Renders every page of the portal into a :class:`SiteOutput`, each only when its inputs changed."""

    def __init__(self, inputs: PortalInputs, cat: Catalogue, out: SiteOutput, env_key: str):
        self.inputs, self.cat, self.out = inputs, cat, out
        self.cfg, self.root = inputs.config, inputs.root
        self.env = template_env(self.root)
        self.env_key = env_key
        self.locales = list(self.cfg.locales.publish)
        self.source_locale = self.cfg.locales.source if self.cfg.locales.source in self.locales else self.locales[0]
        self.result = SiteResult(path=out.site)
        self.links = {pid: f"{pid}.html" for pid in cat.policies}
        self._fp: dict[Edition, list] = {}

    # -- helpers --------------------------------------------------------------
    def edition(self, pid: str, version: PortalVersion) -> Edition:
        return Edition(pid, version.version)

    def fp(self, edition: Edition) -> list:
        """The fingerprint of a released text (source, version block, resolved references, pictures)."""
        if edition not in self._fp:
            self._fp[edition] = fingerprint(self.inputs.document(edition), self.inputs.version(edition))
        return self._fp[edition]

    def ctx(self, edition: Edition, code: str) -> RenderContext:
        return replace(self.inputs.context(edition, code, policy_links=self.links), image_urls=self.media)

    def render(self, template: str, rel: str, key: object, variables) -> None:
        """One page from ``site/<template>``, rendered only when ``key`` changed
        (``variables()`` gives the template's variables; it runs only then)."""
        def make() -> str:
            depth = rel.count("/")
            return self.env.get_template(f"site/{template}").render(base="../" * depth, page_rel=rel, **variables())

        if self.out.want(rel, key_of(self.env_key, template, rel, key), make):
            self.result.pages += 1
        else:
            self.result.kept += 1

    def common(self, code: str, page: str) -> dict:
        """Variables every page template needs."""
        loc = get_locale(code)
        switch = [{"code": c, "name": get_locale(c).short_name, "current": c == code, "href": f"../{c}/{page}"}
                  for c in self.locales]
        return {"loc": loc, "sw": word_catalogue(code, "site"), "company": self.cfg.organisation.name_for(code),
                "switch": switch, "code": code, "page": page, "locales": self.locales}

    def date(self, code: str, d: date | None) -> str:
        return RenderContext.date_in(self.cfg, code, d)

    def status_text(self, code: str, v: PortalVersion) -> str:
        """现行有效 / 待生效（…起施行）/ 已被 A/2 替代（…起）/ 已废止 / 未生效即被替代."""
        sw, st = word_catalogue(code, "site"), v.status
        by = st.by.label(st.policy) if st.by else ""
        return {IN_FORCE: sw["st_in_force"], SCHEDULED: sw["st_scheduled"].format(date=self.date(code, st.since)),
                SUPERSEDED: sw["st_superseded"].format(by=by, date=self.date(code, st.since)),
                REPEALED: sw["st_repealed"].format(date=self.date(code, st.since)),
                WITHDRAWN: sw["st_withdrawn"].format(by=by)}.get(st.state, st.state)

    def status_key(self, v: PortalVersion) -> list:
        st = v.status
        return [st.state, str(st.since), st.by.policy if st.by else None, st.by.version if st.by else None]

    def upcoming(self, pid: str, p: PortalPolicy, code: str) -> dict | None:
        """A revision released but not yet in force, while the policy's version in force is shown
        (即将生效: version, date, its page and the redline against the version in force)."""
        st = p.status
        if st.state != IN_FORCE or st.upcoming is None or st.current is None:
            return None
        up = next((v for v in p.versions if v.version == st.upcoming.version), None)
        if up is None:
            return None
        sw = word_catalogue(code, "site")
        day = self.date(code, effective_of(st.upcoming))
        pdf = up.file(code, "pdf")
        names = self.redline_pages.get((pid, st.current.version, up.version, code))  # in this page's locale
        redline = names["html"] if names else None
        return {"version": up.version, "date": day, "date_iso": effective_of(st.upcoming).isoformat(),
                "href": page_name(pid, p, up), "label": sw["upcoming_revision"].format(v=up.version, date=day),
                "banner": sw["upcoming_banner"].format(v=up.version, date=day, current=st.current.version),
                "view": sw["upcoming_view"].format(v=up.version), "redline": f"../{redline}" if redline else "",
                "pdf": "../" + pdf.site_path if pdf else "", "pdf_size": human_size(pdf.published.size) if pdf else ""}

    @staticmethod
    def upcoming_key(p: PortalPolicy) -> list | None:
        """What the 即将生效 notices depend on: the scheduled release, its date and its files."""
        up = p.status.upcoming
        if up is None or not p.in_force:
            return None
        v = p.versions_by.get(up.version)
        return [up.version, str(effective_of(up)), up.record_hash, [f.published.sha256 for f in v.files] if v else []]

    def title(self, pid: str, code: str) -> str:
        p = self.cat.policies[pid]
        doc = self.inputs.document(self.edition(pid, p.shown))
        return self.inputs.convert(doc.meta.title, code, source=doc.locale)

    # -- the whole portal -------------------------------------------------------
    def build(self) -> SiteResult:
        self.copy_static()
        self.copy_published()
        self.copy_pictures()
        self.redlines()
        for code in self.locales:
            self.locale_pages(code)
        self.data_files()
        self.render("redirect.html.j2", "index.html", [self.source_locale, self.cfg.organisation.name],
                    lambda: {"target": f"{self.source_locale}/index.html", "title": self.cfg.organisation.name,
                             "lang": get_locale(self.source_locale).html_lang})
        return self.result

    def copy_static(self) -> None:
        for base in (PACKAGE_TEMPLATES / "site" / "static", self.cfg.templates_dir / "site" / "static"):
            if base.is_dir():
                for p in sorted(base.rglob("*")):
                    if p.is_file():
                        data = p.read_bytes()
                        self.out.want(f"static/{p.relative_to(base).as_posix()}", hashlib.sha256(data).hexdigest(),
                                      lambda data=data: data)

    def copy_published(self) -> None:
        """Every file ever published (the auditor page links each one: a replaced issue, an earlier
        handbook edition stay downloadable), and SHA256SUMS over them."""
        offered = [PortalFile(f) for f in self.cat.files]
        sums = []
        for f in offered:
            self.out.want_copy(f.site_path, self.root / f.published.path, f.published.sha256)
            sums.append(f"{f.published.sha256}  {f.site_path}\n")
        self.result.files = len(offered)
        text = "".join(sorted(sums))
        self.out.want("SHA256SUMS", hashlib.sha256(text.encode()).hexdigest(), lambda: text)

    def copy_pictures(self) -> None:
        """The pictures the released texts show, under ``media/`` by content hash."""
        self.media: dict[str, str] = {}
        for pid, p in self.cat.policies.items():
            for v in p.versions:
                for img in self.inputs.document(self.edition(pid, v)).images():
                    if img.path and img.sha256 not in self.media:
                        self.out.want_copy(media_path(img), Path(img.path), img.sha256)
                        self.media[img.sha256] = "../" + media_path(img)

    def redlines(self) -> None:
        """修订对照表 (HTML and PDF) between any two released versions of a policy, in every
        published locale (a Traditional page links a Traditional redline: the session's
        localized trees, 「」 quotes, local words)."""
        self.redline_pages: dict[tuple[str, str, str, str], dict[str, str]] = {}
        typst = templates_hash(self.root, ("typst/redline.typ", "typst/common.typ"))  # a company's own layout
        fonts = [list(self.cfg.pdf.font_families(role)) for role in PDF_FONT_ROLES]  # and its [pdf.fonts]
        for pid, p in self.cat.policies.items():
            for old, new in combinations(p.versions, 2):
                own = self.inputs.document(self.edition(pid, new)).locale
                for code in self.locales:
                    names = {ext: redline_name(pid, old.version, new.version, ext, None if code == own else code)
                             for ext in ("html", "pdf")}
                    key = key_of(self.env_key, "redline", pid, old.release.snapshot, new.release.snapshot,
                                 new.release.record_hash, code, typst, fonts,
                                 [v.release.summary for v in p.versions])
                    if all(self.out.previous.get(n) == key and (self.out.site / n).is_file() for n in names.values()):
                        for n in names.values():
                            self.out.want(n, key, lambda: b"")
                    else:
                        made = self._redline(pid, old.version, new.version, code)
                        for ext, n in names.items():
                            self.out.want(n, key, lambda ext=ext: made[ext])
                    self.redline_pages[(pid, old.version, new.version, code)] = names

    def _redline(self, pid: str, old: str, new: str, code: str) -> dict[str, bytes]:
        result = diff.compare_versions(self.root, self.cfg, pid, old, new, inputs=self.inputs, locale=code)
        table = diff.redline_table(result)
        return {"html": diff.render_html(table).encode("utf-8"),
                "pdf": diff.pdf_bytes(table, self.root, result.when.date() if result.when else None, self.cfg.pdf)}

    # -- per locale ---------------------------------------------------------------
    def locale_pages(self, code: str) -> None:
        for pid, p in self.cat.policies.items():
            for v in p.versions:
                self.version_page(pid, p, v, code)
            self.history_page(pid, p, code)
        self.index_page(code)
        self.as_of_page(code)
        self.auditor_page(code)
        self.render("verify.html.j2", f"{code}/verify.html", [code], lambda: self.common(code, "verify.html"))

    def downloads(self, v: PortalVersion, code: str) -> list[dict]:
        """Rows of a version's download table: this locale first, then the others."""
        rows = []
        for c in [code] + [c for c in self.locales if c != code]:
            for fmt in ("pdf", "docx"):
                f = v.file(c, fmt)
                if f is None:
                    continue
                pub = f.published
                rows.append({"locale": c, "locale_name": get_locale(c).short_name, "format": fmt.upper(),
                             "href": "../" + f.site_path, "size": human_size(pub.size), "bytes": pub.size,
                             "sha256": pub.sha256, "version": pub.version, "signed": fmt == "pdf", "draft": False,
                             "filename": Path(pub.path).name, "current": c == code,
                             "reissue": pub.reissue_reason, "record": pub.record})
        return rows

    def replaced(self, v: PortalVersion, code: str) -> list[dict]:
        """Earlier issues of a version's files that a re-issue replaced: still published, verifiable."""
        rows = []
        for f in v.replaced:
            pub = f.published
            by = self.cat.replaced_by(pub)
            rows.append({"locale": pub.locale, "locale_name": get_locale(pub.locale).short_name,
                         "format": pub.format.upper(), "href": "../" + f.site_path, "size": human_size(pub.size),
                         "sha256": pub.sha256, "filename": Path(pub.path).name, "record": pub.record,
                         "by": Path(by.path).name if by else "", "by_record": by.record if by else None,
                         "reason": by.reissue_reason if by else ""})
        return rows

    def reissue_notes(self, v: PortalVersion, code: str) -> list[str]:
        """One line per re-issue of this version: 重新发布（记录 #N）：reason."""
        sw = word_catalogue(code, "site")
        seen: dict[int, str] = {}
        for f in v.files + v.replaced:
            if f.published.reissue_reason:
                seen.setdefault(f.published.record, f.published.reissue_reason)
        return [sw["reissue_note"].format(record=rec, reason=self.inputs.convert(reason, code))
                for rec, reason in sorted(seen.items())]

    def version_page(self, pid: str, p: PortalPolicy, v: PortalVersion, code: str) -> None:
        edition = self.edition(pid, v)
        rel = f"{code}/{page_name(pid, p, v)}"
        key = [code, self.fp(edition), self.status_key(v), [f.published.sha256 for f in v.files + v.replaced],
               v.release.retroactive_reason, page_name(pid, p, v), [x.version for x in p.versions],
               sorted(self.links), self.upcoming_key(p) if v.version == p.shown.version else None]

        def variables() -> dict:
            ctx = self.ctx(edition, code)
            meta = ctx.doc.meta
            tv = policy_template_vars(ctx)
            writer = HtmlWriter(ctx)
            toc = [{"id": writer.chapter_id(ch),
                    "label": heading_marker(1, ch.number, ctx.locale) if writer.sectioned
                    else chapter_label(ch.number, ctx.locale),
                    "title": inline_html(ctx, ch.title)} for ch in ctx.doc.chapters()]
            shown = v.version == p.shown.version
            anchors = {c: " ".join(page_anchors(HtmlWriter(self.ctx(edition, c)))) for c in self.locales}
            return dict(meta=meta, title=meta.title, body=tv["body"], effective_text=tv["effective_text"],
                        version=ctx.version, approvals=tv["approvals"], roles=tv["roles"], fmt_date=ctx.date,
                        w=ctx.word, status_label=self.status_text(code, v), state=v.status.state,
                        shown=shown, history_href=f"{pid}.history.html", current_href=f"{pid}.html",
                        successor=self.successor(pid, v, code),
                        upcoming=self.upcoming(pid, p, code) if shown else None,
                        retroactive=self.retroactive(code, v), toc=toc, anchors=anchors,
                        downloads=self.downloads(v, code), replaced=self.replaced(v, code),
                        reissues=self.reissue_notes(v, code), **self.common(code, page_name(pid, p, v)))

        self.render("policy.html.j2", rel, key, variables)

    def successor(self, pid: str, v: PortalVersion, code: str) -> dict | None:
        """The policy that replaced this one (when another policy did), for a link."""
        by = v.status.by
        if by is None or by.policy == pid or by.policy not in self.cat.policies:
            return None
        return {"href": f"{by.policy}.html", "title": self.title(by.policy, code)}

    def retroactive(self, code: str, v: PortalVersion) -> str:
        if not v.release.retroactive:
            return ""
        sw = word_catalogue(code, "site")
        reason = v.release.retroactive_reason or sw["retroactive_no_reason"]
        return sw["retroactive"].format(date=self.date(code, v.release.effective_date),
                                        released=self.date(code, v.release.date), reason=reason)

    def history_page(self, pid: str, p: PortalPolicy, code: str) -> None:
        rel = f"{code}/{pid}.history.html"
        key = [code, [(v.release.record_hash, self.status_key(v), [f.published.sha256 for f in v.files + v.replaced])
                      for v in p.versions], self.fp(self.edition(pid, p.shown))[0], list(self.cfg.versions.roles)]

        def variables() -> dict:
            shown = self.ctx(self.edition(pid, p.shown), code)
            meta = shown.doc.meta
            rows = []
            for v in reversed(p.versions):
                r = v.release
                approvals = {a.role: a for a in r.approvals}
                rows.append({"version": v.version, "page": page_name(pid, p, v), "state": v.status.state,
                             "status_text": self.status_text(code, v), "date": self.date(code, r.date),
                             "date_iso": r.date.isoformat(), "effective": self.date(code, r.effective_date),
                             "summary": self.inputs.convert(r.summary, code, source=meta.lang),
                             "summary_original": r.summary, "retroactive": self.retroactive(code, v),
                             "approvals": [(shown.role(role), approvals[role].person if role in approvals else "",
                                            self.date(code, approvals[role].date) if role in approvals else "")
                                           for role in self.cfg.versions.roles],
                             "downloads": self.downloads(v, code), "replaced": self.replaced(v, code),
                             "reissues": self.reissue_notes(v, code), "record_hash": r.record_hash,
                             "content_hash": r.content_hash})
            pairs = [{"old": o.version, "new": n.version,
                      "href": "../" + self.redline_pages[(pid, o.version, n.version, code)]["html"],
                      "pdf": "../" + self.redline_pages[(pid, o.version, n.version, code)]["pdf"]}
                     for o, n in combinations(p.versions, 2)]
            return dict(meta=meta, title=meta.title, rows=rows, pairs=pairs, versions=[v.version for v in p.versions],
                        pid=pid, status_label=self.status_text(code, p.shown), state=p.shown.status.state,
                        roles=[shown.role(r) for r in self.cfg.versions.roles], **self.common(code, f"{pid}.history.html"))

        self.render("history.html.j2", rel, key, variables)

    def index_rows(self, code: str) -> tuple[list[dict], list[dict], list[dict]]:
        """(categories of policies in force, policies scheduled, policies no longer in force)."""
        cats: dict[str, list[dict]] = {}
        upcoming, old = [], []
        sw = word_catalogue(code, "site")
        for pid, p in self.cat.policies.items():
            v = p.shown
            ctx = self.inputs.context(self.edition(pid, v), code)
            meta = ctx.doc.meta
            pdf = v.file(code, "pdf")
            row = {"id": pid, "title": meta.title, "state": v.status.state, "status_label": self.status_text(code, v),
                   "effective": self.date(code, v.release.effective_date),
                   "effective_iso": str(v.release.effective_date or ""), "version": v.version,
                   "pdf": "../" + pdf.site_path if pdf else "", "pdf_size": human_size(pdf.published.size) if pdf else "",
                   "href": f"{pid}.html", "upcoming": self.upcoming(pid, p, code)}
            if p.in_force:
                cats.setdefault(meta.category or sw["category_none"], []).append(row)
                up = row["upcoming"]
                if up is not None:  # the revision is listed with the policies about to take effect, too
                    upcoming.append({**row, "state": SCHEDULED, "version": up["version"], "href": up["href"],
                                     "status_label": self.status_text(code, p.versions_by[up["version"]]),
                                     "effective": up["date"], "effective_iso": up["date_iso"], "pdf": up["pdf"],
                                     "pdf_size": up["pdf_size"], "upcoming": None})
            elif p.scheduled:
                upcoming.append(row)
            else:
                old.append(row)
        categories = [{"name": n, "policies": sorted(rows, key=lambda r: r["id"])} for n, rows in cats.items()]
        return categories, upcoming, old

    def index_page(self, code: str) -> None:
        key = [code, [(pid, p.shown.version, self.status_key(p.shown), self.fp(self.edition(pid, p.shown))[0],
                       [f.published.sha256 for f in p.shown.files], self.upcoming_key(p))
                      for pid, p in self.cat.policies.items()],
               [f.published.sha256 for f in self.cat.handbooks], books := self.books(code)]

        def variables() -> dict:
            categories, upcoming, old = self.index_rows(code)
            return dict(categories=categories, upcoming=upcoming, old=old, books=books,
                        **self.common(code, "index.html"))

        self.render("index.html.j2", f"{code}/index.html", key, variables)

    def books(self, code: str) -> list[dict]:
        """The newest edition of each handbook in ``code``: its title, version, edition and files."""
        titles = {}
        for path in handbook.handbook_files(self.inputs.project):
            try:
                hb = handbook.load_handbook(path, self.inputs.project)
            except (PolicyError, PolicyErrors):  # `check` reports it; the edition is listed by name
                continue
            titles[hb.name] = self.inputs.convert(hb.title, code)
        books: dict[str, dict] = {}
        for f in self.cat.handbooks:
            pf = f.published
            if pf.locale != code:
                continue
            version, _, edition = pf.version.rpartition("/")
            book = books.setdefault(pf.policy, {"title": titles.get(pf.policy, pf.policy), "version": version,
                                                "edition": edition, "files": []})
            book["files"].append({"href": "../" + f.site_path, "format": pf.format.upper(),
                                  "size": human_size(pf.size)})
        return list(books.values())

    def as_of_page(self, code: str) -> None:
        self.render("as-of.html.j2", f"{code}/as-of.html", [code], lambda: self.common(code, "as-of.html"))

    def auditor_page(self, code: str) -> None:
        state = ledger.load_state(self.root, self.cfg)
        head = ledger.read_head(self.root)
        due = {d.policy: d for d in reviews.schedule(self.root, self.cat.day, self.cfg)}
        key = [code, state.count, head, self.published_json_sha256,
               [(f.path, f.sha256) for f in self.cat.files],
               [(pid, self.status_key(p.shown), str(getattr(due.get(pid), "due", ""))) for pid, p in self.cat.policies.items()]]

        def variables() -> dict:
            sw = word_catalogue(code, "site")
            policies = []
            for pid, p in self.cat.policies.items():
                d = due.get(pid)
                policies.append({"id": pid, "title": self.title(pid, code), "status_label": self.status_text(code, p.shown),
                                 "version": p.shown.version, "releases": len(p.versions),
                                 "last": self.date(code, p.versions[-1].release.date),
                                 "effective": self.date(code, p.shown.release.effective_date),
                                 "review_due": self.date(code, d.due) if d else "",
                                 "review_overdue": bool(d and d.due < self.cat.day)})
            files = [{"path": f.path, "href": f"../files/{f.path}", "kind": f.kind, "policy": f.policy,
                      "version": f.version, "locale": f.locale, "format": f.format.upper(), "signed": f.format == "pdf",
                      "size": human_size(f.size), "sha256": f.sha256, "record": f.record,
                      "reissue": sw["reissue_note"].format(record=f.record, reason=f.reissue_reason)
                      if f.reissue_reason else "",
                      "replaced": sw["replaced_by"].format(file=Path(by.path).name, record=by.record)
                      if (by := self.cat.replaced_by(f)) else ""} for f in self.cat.files]
            example = next((f.path for f in self.cat.files if f.format == "pdf"), "FILE.pdf")
            return dict(policies=policies, artifacts=files, ledger={"records": state.count, "head":
                        f"#{head[0]} {head[1]}" if head else "", "people": len(state.people),
                        "releases": sum(len(x.releases) for x in state.policies.values())},
                        published_sha256=self.published_json_sha256,
                        example_file=Path(example).name, **self.common(code, "auditor.html"))

        self.render("auditor.html.j2", f"{code}/auditor.html", key, variables)

    @cached_property
    def published_json(self) -> bytes:
        """``published.json``: every published file with its hash and record, every version's dates."""
        return (json.dumps(self.published, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @cached_property
    def published_json_sha256(self) -> str:
        return hashlib.sha256(self.published_json).hexdigest()

    # -- data for the scripts ------------------------------------------------------
    def data_files(self) -> None:
        """The search index per locale, and every published file with its dates (verify, as-of)."""
        for code in self.locales:
            key = [code, [(pid, self.fp(self.edition(pid, p.shown))[0], p.shown.version, self.status_key(p.shown))
                          for pid, p in self.cat.policies.items()]]

            def search(code=code) -> str:
                sw = word_catalogue(code, "site")
                docs = []
                for pid, p in self.cat.policies.items():
                    ctx = self.ctx(self.edition(pid, p.shown), code)
                    docs.append({"id": pid, "title": ctx.doc.meta.title, "category": ctx.doc.meta.category,
                                 "in_force": p.in_force, "status_label": self.status_text(code, p.shown),
                                 "url": f"{pid}.html", "segments": search_segments(HtmlWriter(ctx))})
                return js_data("POLICYDOCS_SEARCH", {"locale": code, "docs": docs, "words": {
                    k: sw[k] for k in ("search_none", "search_count", "not_in_force_short")}})

            self.out.want(f"data/search.{code}.js", key_of(self.env_key, "search", key), search)
        text = js_data("POLICYDOCS_PUBLISHED", self.published)
        self.out.want("data/published.js", hashlib.sha256(text.encode()).hexdigest(), lambda: text)
        self.out.want("published.json", self.published_json_sha256, lambda: self.published_json)

    def _reissue_json(self, f) -> dict:
        """A re-issued file: its reason and the hash it replaces; a replaced one: what replaced it."""
        out: dict = {}
        if f.reissue_reason:
            out.update(reissue_reason=f.reissue_reason, replaces=f.replaces)
        by = self.cat.replaced_by(f)
        if by is not None:
            out["replaced_by"] = {"path": by.path, "site_path": f"files/{by.path}", "sha256": by.sha256,
                                  "record": by.record, "reason": by.reissue_reason}
        return out

    @cached_property
    def published(self) -> dict:
        """Every published file (sha256 → what it is) and every version's effective dates, so the
        verify page says 'authentic, superseded by A/2 on …' and the as-of page answers for any day."""
        versions = {}
        for pid, p in self.cat.policies.items():
            rows = []
            for v in p.versions:
                st = v.status
                rows.append({"version": v.version, "effective": str(v.release.effective_date or v.release.date),
                             "released": v.release.date.isoformat(), "state": st.state,
                             "until": str(st.since) if st.state in (SUPERSEDED, REPEALED) else None,
                             "by": st.by.label(pid) if st.by else None,
                             "retroactive": v.release.retroactive_reason if v.release.retroactive else None,
                             "page": page_name(pid, p, v)})
            versions[pid] = {"titles": {c: self.title(pid, c) for c in self.locales}, "versions": rows}
        files = [{"sha256": f.sha256, "path": f.path, "site_path": f"files/{f.path}", "kind": f.kind,
                  "policy": f.policy, "version": f.version, "locale": f.locale, "format": f.format, "size": f.size,
                  "signed": f.format == "pdf", "record": f.record, "time": f.time.isoformat(),
                  **self._reissue_json(f)} for f in self.cat.files]
        return {"day": self.cat.day.isoformat(), "files": files, "policies": versions,
                "locale_names": {c: get_locale(c).short_name for c in self.locales}}

