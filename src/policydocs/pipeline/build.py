"""The build pipeline: validate everything, render into a staging folder, then publish.

1. ``load_project`` validates all sources (any error → nothing is written).
2. The ledger says which version each policy is (released or draft).
3. Each policy is converted to every published locale (main process; fast).
4. PDFs/DOCX are rendered in a process pool, one writer per format (one
   Typst compiler, one font scan) per worker; released PDFs are signed there too.
   Outputs whose inputs did not change are reused (content-hash cache).
5. Only when everything succeeded are the staged files renamed into
   ``build/`` (os.replace per file) and ``manifest.json`` written last, so a
   failed build leaves the previous outputs untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import __version__
from ..core import fsutil
from ..core.errors import Collector, PolicyError
from ..core.fsutil import atomic_write_bytes, sha256_file  # noqa: F401 (re-exported for callers)
from ..core.model import Document, VersionInfo
from ..products import history
from ..read.project import Project, load_project
from ..render import writers
from ..render.context import RenderContext
from ..trust import signing

MANIFEST_FORMAT = 1


@dataclass
class Job:
    """One policy in one locale: the converted tree and what to produce."""

    doc: Document
    version: VersionInfo
    locale: str
    formats: tuple[str, ...]
    key: str  # content hash of every input; same key → same unsigned output


@dataclass
class BuildResult:
    artifacts: list[dict] = field(default_factory=list)
    rendered: int = 0
    reused: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    conversion_reports: list = field(default_factory=list)  # conversion.ConversionReport per policy × locale
    glossary_sha256: str = ""

    def conversion_summary(self) -> str:
        """One line for the build output: how many conversion changes a reviewer should check."""
        if not self.conversion_reports:
            return ""
        counts: dict[str, int] = {}
        for report in self.conversion_reports:
            for rule, n in report.counts().items():
                counts[rule] = counts.get(rule, 0) + n
        total = sum(counts.values())
        detail = ", ".join(f"{n} {rule}" for rule, n in sorted(counts.items()))
        return (f"conversion: {len(self.conversion_reports)} report(s), {total} change(s) beyond character mapping "
                f"to review{f' ({detail})' if detail else ''} → build/reports/")


def _templates_hash(project: Project) -> str:
    """Hash of what shapes a policy's output: package version and code, and the
    policy templates (top-level files and typst/ of the packaged and the
    project's templates/; site/ templates do not affect policy PDFs)."""
    from ..render.templates import PACKAGE_TEMPLATES

    h = hashlib.sha256(__version__.encode())
    h.update(fsutil.package_hash().encode())
    for base in (PACKAGE_TEMPLATES, project.config.templates_dir):
        for folder in (base, base / "typst"):  # typst/: the PDF templates (render/typst)
            if folder.is_dir():
                for p in sorted(folder.iterdir()):
                    if p.is_file():
                        h.update(str(p.relative_to(base)).encode())
                        h.update(p.read_bytes())
    return h.hexdigest()


def _version_info(project: Project, doc: Document) -> VersionInfo:
    return history.version_info(project.root, project.config, doc.meta.id, doc.source_text,
                                fallback_effective=doc.meta.effective_date)


# ---------------------------------------------------------------------------
# worker side
# ---------------------------------------------------------------------------

_WORKER: dict = {}


def _worker_init(root: str, sign: bool) -> None:
    _WORKER["root"] = Path(root)
    _WORKER["sign"] = sign


def _worker_identity(config):
    if "identity" not in _WORKER:
        _WORKER["identity"] = signing.load_identity(config) if _WORKER.get("sign", True) else None
    return _WORKER["identity"]


def render_job(job: Job, config, staging: str) -> list[dict]:
    """Render one job into ``staging``; returns artifact records (paths relative to staging)."""
    meta = job.doc.meta
    # other policies' files sit beside this one: writers that can link point there
    refs = sorted({n.policy_id for n in job.doc.walk() if getattr(n, "policy_id", None)})
    out: list[dict] = []
    base = {"kind": "policy", "policy_id": meta.id, "title": meta.title, "version": job.version.version,
            "locale": job.locale, "draft": job.version.is_draft, "status": meta.status, "key": job.key,
            "effective_date": (job.version.effective_date or meta.effective_date).isoformat()
            if (job.version.effective_date or meta.effective_date) else None}
    for fmt in job.formats:
        writer = writers.get_writer(fmt, config.root)
        ctx = RenderContext(doc=job.doc, config=config, version=job.version,
                            policy_links={pid: f"{pid}{writer.suffix}" for pid in refs}
                            if getattr(writer, "links_policies", False) else {})
        rel = f"{job.locale}/{meta.id}{writer.suffix}"
        target = Path(staging) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        record = dict(base, path=rel, format=fmt, signed=False)
        data = writer.write(ctx)
        if fmt == "pdf":
            record["unsigned_sha256"] = hashlib.sha256(data).hexdigest()
            record["unsigned_size"] = len(data)
            identity = None if job.version.is_draft else _worker_identity(config)
            if identity is not None:
                data = signing.sign_pdf(data, identity, policy_id=meta.id, version=job.version.version,
                                        locale=job.locale, location=config.signing.location,
                                        contact=config.signing.contact, timestamp_url=config.signing.timestamp_url)
                record["signed"] = True
        target.write_bytes(data)
        out.append(record)
    return out


# ---------------------------------------------------------------------------
# main side
# ---------------------------------------------------------------------------


def plan_jobs(project: Project, locales: list[str], formats: tuple[str, ...], policy_ids: list[str] | None,
              result: BuildResult, reports_dir: Path | None, signer_id: str = "unsigned") -> list[Job]:
    """Convert every selected policy to every locale and key each job by its inputs."""
    from ..convert import conversion

    cfg = project.config
    glossary = conversion.load_glossary(project.root)
    ghash = conversion.glossary_hash(glossary)
    result.glossary_sha256 = ghash
    thash = _templates_hash(project)
    if "docx" in formats:  # the organisation's reference DOCX shapes every DOCX
        from ..render.docx import load_reference

        thash = hashlib.sha256(thash.encode() + load_reference(cfg)).hexdigest()
    errors = Collector()
    jobs: list[Job] = []
    selected = policy_ids or list(project.documents)
    for pid in selected:
        doc = project.get(pid)
        version = _version_info(project, doc)
        for locale in locales:
            localized, report = conversion.localize(doc, locale, glossary, phrase_mode=cfg.locales.phrase_mode)
            local_version = _localize_version(version, doc.locale, locale, glossary, cfg.locales.phrase_mode)
            if "pdf" in formats:
                try:
                    conversion.check_glyph_coverage(localized, locale)
                except Exception as exc:  # PolicyError/PolicyErrors
                    errors.extend(exc)  # type: ignore[arg-type]
                    continue
            if reports_dir is not None and locale != doc.locale:
                report.write(reports_dir / f"{pid}.{locale}.conversion.txt")
                result.conversion_reports.append(report)
            key_src = json.dumps([doc.source_text, locale, list(formats), version.version, version.is_draft,
                                  [(a.role, a.person, a.date.isoformat()) for a in version.approvals],
                                  [(r.version, r.date.isoformat(), r.summary, r.sections, sorted(r.approvals.items()))
                                   for r in version.revisions],
                                  ghash, thash, cfg.locales.phrase_mode, cfg.locales.roc_dates, cfg.locales.date_style,
                                  cfg.organisation.name, cfg.versions.roles, cfg.docx.preset, cfg.docx.reference,
                                  {p: d.meta.title for p, d in project.documents.items()},
                                  signer_id if not version.is_draft else "draft"], ensure_ascii=False)
            key = hashlib.sha256(key_src.encode()).hexdigest()
            jobs.append(Job(localized, local_version, locale, formats, key))
    errors.raise_if_any()
    return jobs


def _localize_version(version: VersionInfo, source: str, target: str, glossary, phrase_mode: bool) -> VersionInfo:
    """Revision summaries are text: convert them with the document. Names of
    people are not converted (they are shown as registered)."""
    if source == target or not version.revisions:
        return version
    from dataclasses import replace

    from ..convert import conversion

    def convert(text: str) -> str:
        return conversion.convert_text(text, source, target, phrase_mode=phrase_mode, glossary=glossary) if text else text

    revisions = [replace(r, summary=convert(r.summary), sections=convert(r.sections)) for r in version.revisions]
    return replace(version, revisions=revisions)


def _load_previous(build_dir: Path) -> dict[str, dict]:
    """path → artifact record of the last successful build (for reuse)."""
    manifest = build_dir / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return {a["path"]: a for a in data.get("artifacts", [])}
    except (OSError, ValueError, KeyError):
        return {}


def build(root: str | Path = ".", *, formats: list[str] | None = None, locales: list[str] | None = None,
          policy_ids: list[str] | None = None, handbooks: bool = True, jobs: int | None = None,
          force: bool = False, sign: bool = True, progress: Callable[[str], None] | None = None) -> BuildResult:
    """Build every policy (or ``policy_ids``) in every locale and format into ``build/``."""
    started = time.perf_counter()
    say = progress or (lambda msg: None)
    project = load_project(root)
    cfg = project.config
    formats_t = tuple(formats or cfg.build.formats)
    for fmt in formats_t:
        if fmt not in writers.formats():
            raise PolicyError(cfg.path, 0, f"unknown format {fmt!r}; known: {', '.join(writers.formats())}")
    locale_list = locales or list(cfg.locales.publish)
    from ..core.locales import LOCALES

    for code in locale_list:
        if code not in LOCALES:
            raise PolicyError(cfg.path, 0, f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
    if "docx" in formats_t:
        from ..render.docx import load_reference

        load_reference(cfg)  # a bad reference DOCX is an input error: fail before rendering
    if sign:
        identity = signing.load_identity(cfg)
        signer_id = identity.fingerprint if identity is not None else "unsigned"
        if identity is None:
            result_warning = ("no signing identity: released PDFs are published unsigned and `verify` will "
                              "report them (run `policydocs keys init-org` or set [signing] pkcs12)")
        else:
            reason = signing.identity_matches_trust_root(identity, cfg)
            result_warning = f"signing identity does not match the trust root: {reason}" if reason else ""
    else:
        identity, result_warning, signer_id = None, "", "unsigned"
    build_dir = cfg.build_dir
    build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=build_dir))
    result = BuildResult()
    if result_warning:
        result.warnings.append(result_warning)
    try:
        jobs_list = plan_jobs(project, locale_list, formats_t, policy_ids, result, staging / "reports", signer_id)
        previous = {} if force else _load_previous(build_dir)
        todo: list[Job] = []
        for job in jobs_list:
            reusable = []
            for fmt in job.formats:
                rel = f"{job.locale}/{job.doc.meta.id}.{fmt}"
                prev = previous.get(rel)
                current = build_dir / rel
                if prev and prev.get("key") == job.key and current.exists() and sha256_file(current) == prev.get("sha256"):
                    reusable.append(prev)
            if len(reusable) == len(job.formats):
                for prev in reusable:
                    dst = staging / prev["path"]
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(build_dir / prev["path"], dst)
                    result.artifacts.append({k: v for k, v in prev.items() if k not in ("sha256", "size")})
                result.reused += 1
            else:
                todo.append(job)
        n_workers = jobs or cfg.build.jobs or os.cpu_count() or 1
        n_workers = max(1, min(n_workers, len(todo)))
        total = len(todo)
        if total:
            say(f"rendering {total} document(s) × {'/'.join(formats_t)} with {n_workers} worker(s); "
                f"{result.reused} unchanged reused")
        if n_workers > 1:
            import multiprocessing

            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_worker_init,
                                     initargs=(str(project.root), sign)) as pool:
                futures = [pool.submit(render_job, job, cfg, str(staging)) for job in todo]
                for i, (job, fut) in enumerate(zip(todo, futures), start=1):
                    result.artifacts.extend(fut.result())
                    say(f"[{i}/{total}] {job.locale:<10} {job.doc.meta.id} {job.version.version}")
        else:
            _worker_init(str(project.root), sign)
            for i, job in enumerate(todo, start=1):
                result.artifacts.extend(render_job(job, cfg, str(staging)))
                say(f"[{i}/{total}] {job.locale:<10} {job.doc.meta.id} {job.version.version}")
        result.rendered = total
        if handbooks and not policy_ids and cfg.handbooks_dir.is_dir():
            result.artifacts.extend(_build_handbooks(project, staging, locale_list, formats_t, say,
                                                     jobs=jobs, force=force, identity=identity))
        for art in result.artifacts:
            p = staging / art["path"]
            art["sha256"] = sha256_file(p)
            art["size"] = p.stat().st_size
        _publish(staging, build_dir, result, project, full=not policy_ids, locales=locale_list, formats=formats_t)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _build_handbooks(project: Project, staging: Path, locales: list[str], formats: tuple[str, ...], say, *,
                     jobs: int | None, force: bool, identity) -> list[dict]:
    """Render handbooks; sign each handbook PDF whose policies are all released."""
    import hashlib as _hashlib

    from ..products import handbook
    from ..trust import signing

    arts = handbook.build_handbooks(project, staging, locales, formats, jobs=jobs, force=force)
    books = {hb.name: hb for hb in (handbook.load_handbook(p, project) for p in handbook.handbook_files(project))}
    for art in arts:
        if art.get("signed"):  # reused from the last build, signed as published
            continue
        versions = [_version_info(project, project.get(pid)) for pid in art.get("policies", [])]
        hb = books.get(art.get("handbook", ""))
        art["draft"] = any(v.is_draft for v in versions)
        art["version"] = hb.version if hb else ""
        art["signed"] = False
        if art["format"] != "pdf":
            continue
        path = staging / art["path"]
        data = path.read_bytes()
        art["unsigned_sha256"] = _hashlib.sha256(data).hexdigest()
        art["unsigned_size"] = len(data)
        if identity is not None and not art["draft"]:
            cfg = project.config
            signed = signing.sign_pdf(data, identity, policy_id=hb.doc_no if hb else art.get("handbook", ""),
                                      version=art["version"], locale=art["locale"], location=cfg.signing.location,
                                      contact=cfg.signing.contact, timestamp_url=cfg.signing.timestamp_url)
            path.write_bytes(signed)
            art["signed"] = True
    if arts:
        say(f"handbooks: {', '.join(sorted({a['path'] for a in arts}))}")
    return arts


def _publish(staging: Path, build_dir: Path, result: BuildResult, project: Project, *, full: bool,
             locales: list[str], formats: tuple[str, ...]) -> None:
    """Move staged files into build/ and write the manifest last."""
    previous = _load_previous(build_dir)
    for art in result.artifacts:
        src, dst = staging / art["path"], build_dir / art["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
    reports = staging / "reports"
    if reports.is_dir():
        for p in reports.iterdir():
            (build_dir / "reports").mkdir(exist_ok=True)
            os.replace(p, build_dir / "reports" / p.name)
    current = {a["path"] for a in result.artifacts}
    if full:
        for path, art in previous.items():  # outputs of policies that no longer exist
            if path not in current:
                (build_dir / path).unlink(missing_ok=True)
    else:  # partial build: keep the other entries of the previous manifest
        for path, art in previous.items():
            if path not in current and (build_dir / path).exists():
                result.artifacts.append(art)
    result.artifacts.sort(key=lambda a: (a.get("kind", ""), a.get("policy_id", ""), a["locale"], a["format"]))
    manifest = {
        "format": MANIFEST_FORMAT,
        "generated_by": f"policydocs {__version__}",
        "organisation": project.config.organisation.name,
        "converter": _converter_info(result, project),
        "ledger_head": _ledger_head(project),
        "artifacts": result.artifacts,
    }
    atomic_write_bytes(build_dir / "manifest.json",
                       json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"))


def _ledger_head(project: Project) -> dict | None:
    """The ledger's last record (number and hash), published so that deleting
    the newest records cannot go unnoticed (the chain alone cannot show it)."""
    from ..trust.ledger import read_head

    head = read_head(project.root)
    return {"seq": head[0], "hash": head[1]} if head else None


def _converter_info(result: BuildResult, project: Project) -> dict:
    """Pinned converter version, glossary hash and mode, so an auditor can re-derive locale variants."""
    from ..convert.conversion import OPENCC_VERSION

    return {"opencc": OPENCC_VERSION, "glossary_sha256": result.glossary_sha256,
            "phrase_mode": project.config.locales.phrase_mode}


def print_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
