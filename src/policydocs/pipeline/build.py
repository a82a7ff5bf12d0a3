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
from functools import cached_property
from pathlib import Path

from filelock import FileLock, Timeout

from .. import __version__
from ..convert.conversion import OPENCC_VERSION, ConversionReport
from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.fsutil import sha256_file
from ..core.locales import LOCALES
from ..core.manifest import Artifact, Manifest, read_manifest
from ..products import handbook
from ..products.handbook import Handbook
from ..read.config import Config
from ..render import writers
from ..render.context import RenderContext
from ..render.docx import load_reference
from ..trust import ledger, publication, signing
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
    signer = Signer(session.config, result, enabled=sign)
    env = keys.environment(session.root, session.glossary_hash)
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
            todo = _plan_policies(session, env, signer, formats_t, locale_list, policy_ids, previous, result,
                                  progress)
            pool = executor(jobs or cfg.build.jobs, scheduler)
            if todo:
                _render_policies(session, todo, pool, signer, staging, result, progress)
            if handbooks and not policy_ids and cfg.handbooks_dir.is_dir():
                books = _plan_handbooks(session, env, signer, formats_t, locale_list, previous, result)
                if books:
                    _render_handbooks(session, books, pool, signer, staging, result, progress)
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


class Signer:
    """The organisation's signing identity, loaded once and only when a released file is
    keyed or signed (decrypting a PKCS#12 takes 0.3–0.6 s that a build of drafts saves)."""

    def __init__(self, config: Config, result: BuildResult, *, enabled: bool):
        self.config, self.result, self.enabled = config, result, enabled

    @cached_property
    def identity(self):
        """The identity, checked against the trust root; None when signing is off (``--no-sign``).
        Without an identity, or one the trust root does not vouch for, ``require_identity``
        stops the build (exit 2, naming the fix): released copies are never published unsigned."""
        if not self.enabled:
            return None
        return signing.require_identity(self.config)

    def fingerprint(self, released: bool) -> str:
        """What a key records of the signer: nothing for a draft (it is never signed); for a
        released file, hashes of the identity's PKCS#12 file and of the trust root — read,
        not decrypted, so a build that signs nothing never pays for the passphrase."""
        if not released:
            return ""
        return self._files_hash

    @cached_property
    def _files_hash(self) -> str:
        if not self.enabled:
            return "unsigned"
        h = hashlib.sha256()
        for path in (signing.configured_pkcs12_path(self.config) or signing.demo_identity_path(),
                     signing.trust_root_path(self.config)):
            h.update(path.read_bytes() if path.is_file() else b"-")
        return h.hexdigest()


def _remove_stale_staging(build_dir: Path) -> None:
    """Staging folders left by a build that was killed (the lock says none is running)."""
    for p in build_dir.glob(f"{STAGING_PREFIX}*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def _policy_path(policy_id: str, locale: str, suffix: str) -> str:
    return f"{locale}/{policy_id}{suffix}"


def _plan_policies(session: BuildSession, env: keys.Environment, signer: Signer, formats: tuple[str, ...],
                   locales: list[str],
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
                                    texts=[fingerprint], extra=reference,
                                    signer=signer.fingerprint(not version.is_draft))
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


def _render_policies(session: BuildSession, todo: list[PolicyJob], pool: Executor, signer: Signer, staging: Path,
                     result: BuildResult, progress: Progress) -> None:
    """Render the jobs in the pool; sign released PDFs here; write into staging."""
    cfg = session.config
    reports = staging / "reports"
    head = publication.ledger_head(session.root)  # signed copies name the ledger record they are published under
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
                    identity = None if version.is_draft else signer.identity
                    if identity is not None:
                        data = signing.sign_pdf(data, identity, policy_id=meta.id, version=version.version,
                                                locale=locale, location=cfg.signing.location,
                                                contact=cfg.signing.contact, timestamp_url=cfg.signing.timestamp_url,
                                                ledger_head=head)
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


@dataclass
class HandbookJob:
    """One handbook in one locale, every requested format: the parts are localized already."""

    config: Config
    handbook: Handbook
    locale: str
    parts: list
    texts: handbook.Localized
    formats: tuple[str, ...]
    key: str


def render_handbook(job: HandbookJob) -> dict[str, bytes]:
    """format → unsigned bytes of one handbook in one locale."""
    renderer = handbook.HandbookRenderer(job.config, job.texts)
    return {fmt: (renderer.pdf if fmt == "pdf" else renderer.docx)(job.handbook, job.locale, job.parts)
            for fmt in job.formats}


HANDBOOK_FORMATS = ("pdf", "docx")


def _plan_handbooks(session: BuildSession, env: keys.Environment, signer: Signer, formats: tuple[str, ...],
                    locales: list[str],
                    previous: dict[str, Artifact], result: BuildResult) -> list[HandbookJob]:
    """Every handbook in every locale it is published in: keep what is unchanged, return the rest."""
    project, cfg = session.project, session.config
    errors = Collector()
    books: list[Handbook] = []
    for path in handbook.handbook_files(project):
        try:
            books.append(handbook.load_handbook(path, project))
        except (PolicyError, PolicyErrors) as exc:
            errors.extend(exc)
    errors.raise_if_any()
    formats = tuple(f for f in formats if f in HANDBOOK_FORMATS)
    templates = keys.templates_hash(session.root, [f"typst/{t}" for t in handbook.HANDBOOK_TEMPLATES])
    reference = keys.file_hash(load_reference(cfg)) if "docx" in formats else ""
    todo = []
    for hb in books:
        editions = [session.working(pid) for pid in hb.policy_ids]
        versions = [session.version(e) for e in editions]
        texts = [keys.text_fingerprint(session.document(e), v) for e, v in zip(editions, versions)]
        definition = keys.file_hash((session.root / hb.path).read_bytes())
        for locale in (loc for loc in locales if not hb.locales or loc in hb.locales):
            key = keys.artifact_key(env, "handbook", "+".join(formats), locale, templates=templates, texts=texts,
                                    extra=[definition, reference],
                                    signer=signer.fingerprint(not any(v.is_draft for v in versions)))
            kept = [previous.get(_handbook_path(hb.name, locale, fmt)) for fmt in formats]
            if all(a is not None and a.key == key and _unchanged(cfg.build_dir / a.path, a) for a in kept):
                result.artifacts.extend(kept)
                continue
            todo.append(handbook_job(session, hb, locale, formats, key, editions))
    return todo


def handbook_job(session: BuildSession, hb: Handbook, locale: str, formats: tuple[str, ...] = HANDBOOK_FORMATS,
                 key: str = "", editions: list | None = None) -> HandbookJob:
    """Everything a worker needs to lay out ``hb`` in ``locale``, localized by the session."""
    cfg = session.config
    converted = handbook.Localized({t: session.convert(t, locale) for t in handbook.book_texts(hb, cfg)})
    return HandbookJob(cfg, hb, locale, handbook.parts_of(hb, locale, session, editions), converted, formats, key)


def _handbook_path(name: str, locale: str, fmt: str) -> str:
    return f"handbooks/{name}.{locale}.{fmt}"


def _render_handbooks(session: BuildSession, todo: list[HandbookJob], pool: Executor, signer: Signer, staging: Path,
                      result: BuildResult, progress: Progress) -> None:
    """Lay the books out in the pool; sign the PDF of a book whose policies are all released."""
    cfg = session.config
    head = publication.ledger_head(session.root)
    progress.start(f"laying out {len(todo)} handbook(s)", len(todo))
    try:
        for job, outputs in pool.run(render_handbook, todo):
            hb = job.handbook
            draft = any(part.ctx.version.is_draft for part in job.parts)
            for fmt, data in outputs.items():
                art = Artifact(path=_handbook_path(hb.name, job.locale, fmt), kind="handbook", format=fmt,
                               locale=job.locale, title=job.texts(hb.title, "", job.locale), key=job.key,
                               version=hb.version, draft=draft, handbook=hb.name, policies=list(hb.policy_ids))
                if fmt == "pdf":
                    art.unsigned_sha256, art.unsigned_size = hashlib.sha256(data).hexdigest(), len(data)
                    identity = None if draft else signer.identity
                    if identity is not None:
                        data = signing.sign_pdf(data, identity, policy_id=hb.doc_no, version=hb.version,
                                                locale=job.locale, location=cfg.signing.location,
                                                contact=cfg.signing.contact, timestamp_url=cfg.signing.timestamp_url,
                                                ledger_head=head)
                        art.signed = True
                _stage(staging, art, data)
                result.artifacts.append(art)
            progress.step(f"{job.locale:<10} {hb.name}")
    finally:
        progress.finish()


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
