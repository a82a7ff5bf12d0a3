"""The build: validate everything, render what changed, then publish atomically.

1. A :class:`BuildSession` loads and validates the project once (any error →
   nothing is written) and localizes each (policy, version, locale) once.
2. Every artifact gets a key over all of its inputs (``keys.py``); an artifact
   whose key and file match the last manifest is kept as it is.
3. The rest is rendered through one executor (local processes or Dask): the
   workers turn trees into bytes; this process signs released PDFs and writes
   them into a staging folder.
4. Only when everything succeeded are the staged files renamed into
   ``build/`` and ``manifest.json`` written last, so a failed build leaves the
   previous outputs untouched. One build at a time (a lock in ``build/``);
   the staging folders of a killed build are removed by the next one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from filelock import FileLock, Timeout

from .. import __version__
from ..convert.conversion import OPENCC_VERSION, ConversionReport
from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.fsutil import sha256_file
from ..core.locales import LOCALES
from ..core.manifest import Artifact, Manifest, read_manifest
from ..render import writers
from ..render.context import RenderContext
from ..render.docx import load_reference
from ..trust import ledger, signing
from . import keys
from .executor import Executor, executor
from .progress import Progress, Silent
from .session import BuildSession

LOCK_NAME = ".build.lock"
STAGING_PREFIX = ".staging-"


@dataclass
class BuildResult:
    artifacts: list[Artifact] = field(default_factory=list)
    rendered: int = 0  # documents rendered this time (a document = one policy in one locale, all formats)
    reused: int = 0  # documents whose files were kept
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    conversion_reports: list[ConversionReport] = field(default_factory=list)  # of the documents rendered
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


# ---------------------------------------------------------------------------
# jobs (run in workers: trees in, bytes out)
# ---------------------------------------------------------------------------


@dataclass
class PolicyJob:
    """One policy in one locale, every requested format."""

    ctx: RenderContext
    formats: tuple[str, ...]
    key: str
    cited: tuple[str, ...] = ()  # policies this one cites: their files sit beside its own


def render_policy(job: PolicyJob) -> dict[str, bytes]:
    """format → unsigned bytes of one policy in one locale."""
    out = {}
    for fmt in job.formats:
        writer = writers.get_writer(fmt, job.ctx.config.root)
        ctx = job.ctx
        if getattr(writer, "links_policies", False):  # a cited title links to that policy's file of this format
            ctx = replace(ctx, policy_links={pid: f"{pid}{writer.suffix}" for pid in job.cited})
        out[fmt] = writer.write(ctx)
    return out


# ---------------------------------------------------------------------------
# the build
# ---------------------------------------------------------------------------


def build(root: str | Path = ".", *, formats: list[str] | None = None, locales: list[str] | None = None,
          policy_ids: list[str] | None = None, handbooks: bool = True, jobs: int | None = None,
          scheduler: str | None = None, force: bool = False, sign: bool = True,
          progress: Progress | None = None, today: date | None = None,
          session: BuildSession | None = None) -> BuildResult:
    """Build every policy (or ``policy_ids``) in every locale and format, and the handbooks, into ``build/``."""
    started = time.perf_counter()
    progress = progress or Silent()
    session = session or BuildSession.open(root, today=today)
    cfg = session.config
    formats_t = tuple(formats or cfg.build.formats)
    locale_list = list(locales or cfg.locales.publish)
    _check_request(session, formats_t, locale_list, policy_ids)
    result = BuildResult(glossary_sha256=session.glossary_hash)
    identity = _signing_identity(session, result) if sign else None
    env = keys.environment(session.root, session.glossary_hash, identity.fingerprint if identity else "unsigned")
    build_dir = cfg.build_dir
    build_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = FileLock(str(build_dir / LOCK_NAME), timeout=0)
        lock.acquire()
    except Timeout:
        raise PolicyError(build_dir, 0, "another build is running in this project; try again when it has finished") from None
    pool: Executor | None = None
    try:
        _remove_stale_staging(build_dir)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=build_dir))
        try:
            previous = {} if force else (read_manifest(build_dir / "manifest.json") or Manifest()).by_path()
            todo = _plan_policies(session, env, formats_t, locale_list, policy_ids, previous, result, progress)
            pool = executor(jobs or cfg.build.jobs, scheduler)
            if todo:
                _render_policies(session, todo, pool, identity, staging, result, progress)
            if handbooks and not policy_ids and cfg.handbooks_dir.is_dir():
                result.artifacts.extend(_build_handbooks(session, staging, locale_list, formats_t, progress,
                                                         jobs=jobs, force=force, identity=identity))
            _publish(session, staging, build_dir, result, full=not policy_ids)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        if pool is not None:
            pool.close()
        lock.release()
    result.seconds = time.perf_counter() - started
    return result


def _check_request(session: BuildSession, formats: tuple[str, ...], locales: list[str],
                   policy_ids: list[str] | None) -> None:
    cfg = session.config
    known = writers.formats()
    for fmt in formats:
        if fmt not in known:
            raise PolicyError(cfg.path, 0, f"unknown format {fmt!r}; known: {', '.join(known)}")
    for code in locales:
        if code not in LOCALES:
            raise PolicyError(cfg.path, 0, f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
    for pid in policy_ids or []:
        session.project.get(pid)
    if "docx" in formats:
        load_reference(cfg)  # a bad reference DOCX is an input error: fail before rendering


def _signing_identity(session: BuildSession, result: BuildResult):
    """The organisation's signing identity, loaded once (None: released PDFs stay unsigned)."""
    cfg = session.config
    identity = signing.load_identity(cfg)
    if identity is None:
        result.warnings.append("no signing identity: released PDFs are published unsigned and `verify` will "
                               "report them (run `policydocs keys init-org` or set [signing] pkcs12)")
    else:
        reason = signing.identity_matches_trust_root(identity, cfg)
        if reason:
            result.warnings.append(f"signing identity does not match the trust root: {reason}")
    return identity


def _remove_stale_staging(build_dir: Path) -> None:
    """Staging folders left by a build that was killed (the lock says none is running)."""
    for p in build_dir.glob(f"{STAGING_PREFIX}*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def _policy_path(policy_id: str, locale: str, suffix: str) -> str:
    return f"{locale}/{policy_id}{suffix}"


def _plan_policies(session: BuildSession, env: keys.Environment, formats: tuple[str, ...], locales: list[str],
                   policy_ids: list[str] | None, previous: dict[str, Artifact], result: BuildResult,
                   progress: Progress) -> list[PolicyJob]:
    """Key every (policy, locale); keep those whose files match; return the jobs to render."""
    build_dir = session.config.build_dir
    templates = "+".join(keys.templates_hash(session.root, writers.get_writer(fmt, session.root).templates)
                         for fmt in formats)
    reference = keys.file_hash(load_reference(session.config)) if "docx" in formats else ""
    errors = Collector()
    todo: list[PolicyJob] = []
    for pid in policy_ids or list(session.project.documents):
        edition = session.working(pid)
        doc, version = session.document(edition), session.version(edition)
        fingerprint = keys.text_fingerprint(doc, version)
        refs = sorted({n.policy_id for n in doc.walk() if getattr(n, "policy_id", None)})
        for locale in locales:
            key = keys.artifact_key(env, "policy", "+".join(formats), locale, templates=templates,
                                    texts=[fingerprint], extra=reference)
            kept = [previous.get(_policy_path(pid, locale, writers.get_writer(fmt, session.root).suffix))
                    for fmt in formats]
            if all(a is not None and a.key == key and _unchanged(build_dir / a.path, a) for a in kept):
                result.artifacts.extend(kept)
                result.reused += 1
                continue
            try:
                if "pdf" in formats:
                    session.check_glyphs(edition, locale)
            except (PolicyError, PolicyErrors) as exc:
                errors.extend(exc)
                continue
            todo.append(PolicyJob(session.context(edition, locale), formats, key, tuple(refs)))
    errors.raise_if_any()
    if result.reused:
        progress.note(f"{result.reused} document(s) unchanged, kept")
    return todo


def _unchanged(path: Path, artifact: Artifact) -> bool:
    try:
        return path.stat().st_size == artifact.size and sha256_file(path) == artifact.sha256
    except OSError:
        return False


def _render_policies(session: BuildSession, todo: list[PolicyJob], pool: Executor, identity, staging: Path,
                     result: BuildResult, progress: Progress) -> None:
    """Render the jobs in the pool; sign released PDFs here; write into staging."""
    cfg = session.config
    reports = staging / "reports"
    progress.start(f"rendering {len(todo)} document(s) with {pool.workers} worker(s)", len(todo))
    try:
        for job, outputs in pool.run(render_policy, todo):
            doc, version, locale = job.ctx.doc, job.ctx.version, job.ctx.doc.locale
            meta = doc.meta
            effective = version.effective_date or meta.effective_date
            for fmt, data in outputs.items():
                writer = writers.get_writer(fmt, session.root)
                art = Artifact(path=_policy_path(meta.id, locale, writer.suffix), kind="policy", format=fmt,
                               locale=locale, title=meta.title, key=job.key, policy_id=meta.id,
                               version=version.version, draft=version.is_draft, status=meta.status,
                               effective_date=effective.isoformat() if effective else None)
                if fmt == "pdf":
                    art.unsigned_sha256, art.unsigned_size = hashlib.sha256(data).hexdigest(), len(data)
                    if identity is not None and not version.is_draft:
                        data = signing.sign_pdf(data, identity, policy_id=meta.id, version=version.version,
                                                locale=locale, location=cfg.signing.location,
                                                contact=cfg.signing.contact, timestamp_url=cfg.signing.timestamp_url)
                        art.signed = True
                _stage(staging, art, data)
                result.artifacts.append(art)
            source = session.document(session.working(meta.id))
            if locale != source.locale:
                report = session.localized(session.working(meta.id), locale).report
                report.write(reports / f"{meta.id}.{locale}.conversion.txt")
                result.conversion_reports.append(report)
            result.rendered += 1
            progress.step(f"{locale:<10} {meta.id} {version.version}")
    finally:
        progress.finish()


def _stage(staging: Path, art: Artifact, data: bytes) -> None:
    target = staging / art.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    art.sha256, art.size = hashlib.sha256(data).hexdigest(), len(data)


def _build_handbooks(session: BuildSession, staging: Path, locales: list[str], formats: tuple[str, ...],
                     progress: Progress, *, jobs: int | None, force: bool, identity) -> list[Artifact]:
    """Render handbooks; sign each handbook PDF whose policies are all released."""
    from ..products import handbook

    project, cfg = session.project, session.config
    arts = [Artifact.from_json(a) for a in handbook.build_handbooks(project, staging, locales, formats, jobs=jobs,
                                                                     force=force)]
    books = {hb.name: hb for hb in (handbook.load_handbook(p, project) for p in handbook.handbook_files(project))}
    for art in arts:
        path = staging / art.path
        if art.signed and path.is_file():  # reused from the last build, signed as published
            art.sha256, art.size = sha256_file(path), path.stat().st_size
            continue
        versions = [session.version(session.working(pid)) for pid in art.policies]
        hb = books.get(art.handbook or "")
        art.draft = any(v.is_draft for v in versions)
        art.version = hb.version if hb else ""
        art.signed = False
        data = path.read_bytes()
        if art.format == "pdf":
            art.unsigned_sha256, art.unsigned_size = hashlib.sha256(data).hexdigest(), len(data)
            if identity is not None and not art.draft:
                data = signing.sign_pdf(data, identity, policy_id=hb.doc_no if hb else art.handbook or "",
                                        version=art.version, locale=art.locale, location=cfg.signing.location,
                                        contact=cfg.signing.contact, timestamp_url=cfg.signing.timestamp_url)
                art.signed = True
        _stage(staging, art, data)
    if arts:
        progress.note(f"handbooks: {', '.join(sorted({a.path for a in arts}))}")
    return arts


def _publish(session: BuildSession, staging: Path, build_dir: Path, result: BuildResult, *, full: bool) -> None:
    """Move staged files into build/ and write the manifest last."""
    previous = (read_manifest(build_dir / "manifest.json") or Manifest()).by_path()
    for art in result.artifacts:
        src = staging / art.path
        if src.is_file():  # kept artifacts were never staged
            dst = build_dir / art.path
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    reports = staging / "reports"
    if reports.is_dir():
        (build_dir / "reports").mkdir(exist_ok=True)
        for p in reports.iterdir():
            os.replace(p, build_dir / "reports" / p.name)
    current = {a.path for a in result.artifacts}
    for path, art in previous.items():
        if path in current:
            continue
        if full:  # outputs of policies, locales or formats that are no longer built
            (build_dir / path).unlink(missing_ok=True)
        elif (build_dir / path).exists():  # partial build: the others stay as they were
            result.artifacts.append(art)
    result.artifacts.sort(key=lambda a: (a.kind, a.policy_id or "", a.locale, a.format))
    head = ledger.read_head(session.root)
    Manifest(organisation=session.config.organisation.name, generated_by=f"policydocs {__version__}",
             converter={"opencc": OPENCC_VERSION, "glossary_sha256": result.glossary_sha256,
                        "phrase_mode": session.config.locales.phrase_mode},
             ledger_head={"seq": head[0], "hash": head[1]} if head else None,
             artifacts=result.artifacts).write(build_dir / "manifest.json")
