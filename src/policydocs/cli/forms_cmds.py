"""Subcommands: register (培训签到表), receipts (学习确认书 / 签收单).

Everything is validated first — the policy or handbook, the roster, the
date and time — and all outputs are rendered in memory before any file is
written, so bad input exits 2 and leaves nothing behind. What was issued is
then an ``issue`` record in the ledger (``trust/issued.py``): subject and
version, date, the roster's SHA-256, every file's SHA-256; file names carry
the date, so a later run never overwrites an issued form.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import PolicyError
from ..core.fsutil import sha256_file
from ..core.locales import LOCALES
from ..core.model import PolicyMeta
from ..trust import clock, issued, ledger, signing, status
from ..trust.ledger import ReleaseRecord

if TYPE_CHECKING:
    from ..products.forms import Material

DRAFT_VERSION = "草稿"

REGISTER_EXAMPLES = """examples:
  policydocs register --policy HR-ATT-002 --roster staff.xlsx --date 2025-03-05 --time 14:00-16:00 \\
      --place 三楼大会议室 --trainer 王丽 --organizer 人力资源部
  policydocs register --policy HR-ATT-002 --version A/3 --date 2025-06-20 …   # training before A/3 takes effect
  policydocs register --policy HR-ATT-009 --draft --date 2025-03-05            # a text not yet released (草稿)
  policydocs register --handbook employee-handbook --roster staff.csv --date 2025-03-05 --locale zh-Hant-TW
"""

RECEIPTS_EXAMPLES = """examples:
  policydocs receipts --policy HR-ATT-002 --roster staff.csv                 # one 学习确认书 per employee
  policydocs receipts --policy HR-ATT-002 --roster staff.csv --employee A017 # one new hire
  policydocs receipts --policy HR-ATT-002 --roster staff.csv --batch --date 2025-03-05 --issuer 人力资源部
"""


def register(sub) -> None:
    """Add register/receipts to the ``policydocs`` parser."""
    p = sub.add_parser(
        "register", help="training sign-in register (培训签到表) for a policy or handbook, PDF and DOCX",
        description="Print a training sign-in register: session header (主题, 时间, 地点, 主讲人, 组织部门, 对象, "
                    "应到/实到, the policy's 文件编号 and version), one row per employee of the roster (grouped by "
                    "department) plus blank rows, column header and 第x页/共y页 on every page. A policy's register "
                    "names the version in force on the training date (its frozen text in the ledger), never the "
                    "working text; the register is recorded in the ledger (issue record) and never overwritten: "
                    "a second register of the same day is written as …-2.pdf.",
        epilog=REGISTER_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--policy", metavar="ID", help="the policy the training is about")
    what.add_argument("--handbook", metavar="NAME", help="a handbook (handbooks/NAME.yaml) the training is about")
    p.add_argument("--roster", metavar="FILE", help="employees: CSV (UTF-8, UTF-8 BOM, GBK) or XLSX; "
                                                   "without it the register is blank")
    p.add_argument("--sheet", metavar="NAME", help="worksheet of an XLSX roster (default: the first)")
    p.add_argument("--topic", help="培训主题 (default: 《title》)")
    p.add_argument("--date", required=True, help="training date, YYYY-MM-DD")
    p.add_argument("--time", default="", help="from–to, e.g. 14:00-16:00")
    p.add_argument("--place", default="", help="培训地点")
    p.add_argument("--trainer", default="", help="主讲人")
    p.add_argument("--organizer", default="", help="组织部门")
    p.add_argument("--audience", help="培训对象 (default: the policy's applies_to / the handbook's audience)")
    _common(p, blank_help="extra empty rows after the roster for walk-ins (default 0; a register without "
                          "a roster gets one page)")
    p.set_defaults(func=cmd_register)

    p = sub.add_parser(
        "receipts", help="acknowledgement receipts: one 学习确认书 per employee, or a batch 签收单 (--batch)",
        description="Print acknowledgement receipts for a policy: one 学习确认书 per employee (statement citing "
                    "《title》, 文件编号 and version; 部门/岗位/姓名/工号/签名/日期), two per A4 page, or with "
                    "--batch a 签收单 table. The receipts name the version in force on the issue date (--date, "
                    "default today), from its frozen text in the ledger; what was issued is recorded, and an earlier "
                    "issue's files are never overwritten (a second run of the same day writes …-2.pdf).",
        epilog=RECEIPTS_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", metavar="ID", required=True, help="the policy employees acknowledge")
    p.add_argument("--roster", metavar="FILE", help="employees: CSV or XLSX (without it: blank receipts)")
    p.add_argument("--sheet", metavar="NAME", help="worksheet of an XLSX roster (default: the first)")
    p.add_argument("--batch", action="store_true", help="one 签收单 table instead of one receipt per employee")
    p.add_argument("--issuer", default="", help="发放部门 printed on the batch form (default: the policy's department)")
    p.add_argument("--date", help="发放日期 printed on the batch form and in the file names, YYYY-MM-DD "
                                  "(file names: today when not given)")
    p.add_argument("--employee", metavar="工号", help="one receipt for one employee of the roster (a new hire)")
    _common(p, blank_help="extra empty rows on the batch form (default 0)")
    p.set_defaults(func=cmd_receipts)


def _common(p: argparse.ArgumentParser, blank_help: str) -> None:
    p.add_argument("--version", metavar="VERSION", help="a released version in force or scheduled on the form's "
                   "date, e.g. A/2 to train before a revision takes effect (default: the version in force)")
    p.add_argument("--draft", action="store_true", help="print the working text, not a release: every form is "
                   "titled 草稿（未发布版本）, its version reads 草稿 and the issue record says draft")
    p.add_argument("--blank", type=int, default=None, metavar="N", help=blank_help)
    p.add_argument("--rows-per-page", type=int, default=20, metavar="N", help="rows per page (5–30, default 20)")
    p.add_argument("--locale", help="zh-Hans, zh-Hant, zh-Hant-TW or zh-Hant-HK (default: the project's source locale)")
    p.add_argument("--form-no", help="the form's own control number printed top right")
    p.add_argument("--format", default="pdf,docx", help="pdf, docx or pdf,docx (default)")
    p.add_argument("-o", "--output", metavar="DIR", help="output directory (default: build/forms in the project)")


# --------------------------------------------------------------------------


def _parse_date(text: str | None, flag: str) -> date | None:
    from ..read.roster import parse_date  # lazy: the roster reader (openpyxl) ≈ 55 ms at start-up

    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise PolicyError(flag, 0, f"{text!r} is not a date ({exc})") from None


def _formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("pdf", "docx")]
    if bad or not formats:
        raise PolicyError("--format", 0, f"unknown format(s) {', '.join(bad) or text!r}; use pdf, docx or pdf,docx")
    return formats


@dataclass(frozen=True)
class PolicySubject:
    """The policy a form is about, as printed: the released version in force on the form's date
    (its frozen front matter), or — only with ``--draft`` — the working text, marked 草稿."""

    material: "Material"
    meta: PolicyMeta  # front matter of the text printed (frozen for a release)
    release: ReleaseRecord | None  # None for a draft


def _policy_material(project, policy_id: str, locale: str, day: date, *, draft: bool = False,
                     version: str | None = None) -> PolicySubject:
    """The policy as a form prints it (PolicyError, exit 2, when nothing may be printed).

    Issued forms are records of what employees were trained on, so by default they name the
    version in force on ``day`` (the training or issue date), from its frozen text in the
    ledger — never the working tree. ``version`` picks another released version that is in
    force or scheduled on ``day`` (training ahead of a revision); ``draft`` prints the working
    text, marked 草稿 on the form and in the issue record."""
    from ..products.forms import Material  # lazy: products.forms ≈ 100 ms at start-up, see cmd_register

    doc = project.get(policy_id)  # PolicyError naming the known ids
    if draft:
        if version is not None:
            raise PolicyError("--draft", 0, "--draft prints the working text; leave out --version")
        _refuse_ended(doc)
        meta = doc.meta
        print(f"warning: {policy_id}: printing the working text as a DRAFT (草稿), not a released version; "
              f"the form and its issue record say so", file=sys.stderr)
        title = _convert(project, meta.title, meta.lang, locale)
        return PolicySubject(Material(title=title, doc_no=meta.id, version=DRAFT_VERSION, draft=True), meta, None)
    release = _release_for(project, doc, day, version)
    meta = status.release_meta(project.root, release)
    if meta is None:
        raise PolicyError(project.root / "ledger", 0, f"the frozen text of {policy_id} {release.version} (snapshot "
                                                      f"{release.snapshot[:12]}) cannot be read; run `policydocs verify`")
    if doc.source_text != ledger.snapshot_text(project.root, release.snapshot):
        print(f"note: {policy_id}: the working text differs from {release.version}; the form is for the released "
              f"{release.version} (use --draft for the working text)", file=sys.stderr)
    title = _convert(project, meta.title, meta.lang, locale)
    return PolicySubject(Material(title=title, doc_no=meta.id, version=release.version), meta, release)


def _refuse_ended(doc) -> None:
    """A working text that says the policy is repealed or superseded is never printed on a form."""
    meta = doc.meta
    if meta.status in ("repealed", "superseded"):
        succ = f"; use its successor {meta.superseded_by}" if meta.superseded_by else ""
        raise PolicyError(doc.path, meta.lines.get("status", 1),
                          f"policy {meta.id} is {meta.status}: employees cannot be trained on or acknowledge it{succ}")


def _release_for(project, doc, day: date, version: str | None) -> ReleaseRecord:
    """The release a form names: ``version`` (in force or scheduled on ``day``), else the one in force."""
    pid = doc.meta.id
    if version is not None:
        vs = status.version_status(project.root, pid, version, day, project.config)
        if vs is None:
            known = ", ".join(r.version for r in ledger.released_versions(project.root, pid, project.config)) or "none"
            raise PolicyError("--version", 0, f"{pid} has no released version {version} (released: {known})")
        if vs.state not in (status.IN_FORCE, status.SCHEDULED):
            raise PolicyError("--version", 0, f"{pid} {version} on {day}: {vs.describe()}; employees are trained on "
                                              f"the version in force or one scheduled to take effect")
        return vs.release
    st = status.status_on(project.root, pid, day, project.config)
    if st.in_force:
        if st.upcoming is not None:
            print(f"note: {pid}: {st.upcoming.version} is scheduled from {status.effective_of(st.upcoming)}; "
                  f"--version {st.upcoming.version} prints the form for it", file=sys.stderr)
        return st.current
    if st.state in (status.REPEALED, status.SUPERSEDED):
        raise PolicyError(doc.path, 1, f"policy {pid} on {day}: {st.describe()}: employees cannot be trained on or "
                                       f"acknowledge it" + (f"; use {st.by.policy}" if st.by and st.by.policy != pid
                                                            else ""))
    _refuse_ended(doc)
    if st.state == status.SCHEDULED:
        raise PolicyError(doc.path, 1, f"policy {pid} has no version in force on {day}: {st.describe()}; print "
                                       f"the form for it with --version {st.upcoming.version}, or the working text "
                                       f"with --draft")
    raise PolicyError(doc.path, 1, f"policy {pid} has no version in force on {day} (never released): release it "
                                   f"(`policydocs release {pid}`), or print the working text as a draft with --draft")


def _convert(project, text: str, source: str, target: str) -> str:
    if not text or source == target:
        return text
    from ..convert import conversion  # lazy: OpenCC and the glossary ≈ 8 ms at start-up

    glossary = conversion.load_glossary(project.root)
    return conversion.convert_text(text, source, target, phrase_mode=project.config.locales.phrase_mode,
                                   glossary=glossary)


def _options(args, project, locale: str, default_form_no: str):
    from ..products.forms import FormOptions, check_options  # lazy: ≈ 100 ms at start-up, see cmd_register

    cfg = project.config
    style = cfg.locales.date_style
    if locale == "zh-Hant-TW" and cfg.locales.roc_dates:
        style = "roc"
    opts = FormOptions(company=cfg.organisation.name_for(locale),
                       locale=locale, rows_per_page=args.rows_per_page, blank=args.blank or 0,
                       form_no=args.form_no if args.form_no is not None else default_form_no,
                       date_style=style, fonts=cfg.pdf)
    check_options(opts)
    return opts


def _locale(args, project) -> str:
    locale = args.locale or project.config.locales.source
    if locale not in LOCALES:
        raise PolicyError("--locale", 0, f"unknown locale {locale!r}; known: {', '.join(LOCALES)}")
    return locale


def _roster(args):
    from ..read.roster import load_roster  # lazy: the roster reader (openpyxl) ≈ 55 ms at start-up

    if not args.roster:
        return []
    return load_roster(args.roster, sheet=args.sheet).employees


def _out_dir(args, project) -> Path:
    return Path(args.output) if args.output else project.config.build_dir / "forms"


def _issuing_identity(project):
    """The organisation's identity to sign the issue record with, or ``None`` (the record is then unsigned)."""
    identity = signing.load_identity(project.config)  # a configured identity that does not open is an error
    if identity is None:
        return None
    reason = signing.identity_matches_trust_root(identity, project.config)
    if reason:
        print(f"warning: the issue record is not signed: {reason}", file=sys.stderr)
        return None
    return identity


def _write(stem: Path, outputs: dict[str, bytes], project, issue: "issued.FormIssue") -> int:
    """Write the files (``stem`` + each tail, never over an earlier issue's files), then record
    what was issued in the ledger."""
    from ..products.forms import write_new_outputs  # lazy: ≈ 100 ms at start-up, see cmd_register

    identity = _issuing_identity(project)  # before writing: a broken identity leaves nothing behind
    paths = write_new_outputs(stem, outputs)
    if paths and paths[0].name != stem.name + next(iter(outputs)):
        print(f"note: {stem.name}… exists (an earlier issue, kept as recorded); this issue is "
              f"{paths[0].name}", file=sys.stderr)
    for path in paths:
        print(path)
    rec = issued.record_issue(project.root, project.config, replace(issue, files=paths), identity)
    print(f"issued: record #{rec.record} ({'signed by the organisation' if rec.signed_record else 'unsigned'}) lists "
          f"{len(rec.files)} file(s)", file=sys.stderr)
    return 0


def _roster_sha(args) -> str:
    return sha256_file(Path(args.roster)) if args.roster else ""


# --------------------------------------------------------------------------


def _tail(project, locale: str, ext: str) -> str:
    """The end of a form's file name: ``.pdf``, or ``.zh-Hant-TW.pdf`` outside the source locale."""
    return f"{'' if locale == project.config.locales.source else '.' + locale}.{ext}"


def _issue_fields(subject: PolicySubject | None) -> dict:
    """What the issue record says about the text printed: the release it names, or that it is a draft."""
    if subject is None:
        return {}
    if subject.release is None:
        return {"draft": True}
    return {"release": (subject.release.seq, subject.release.record_hash)}


def cmd_register(args: argparse.Namespace) -> int:
    """``policydocs register``: print a training sign-in register and record it."""
    # lazy: products.forms (python-docx, openpyxl, Typst) ≈ 100 ms at start-up; only register/receipts need it
    from ..products.forms import (
        Material,
        Session,
        form_words,
        parse_time_range,
        register_docx,
        register_pdf,
        safe_name,
    )
    from ..products.handbook import handbook_path, load_handbook
    from ..read.project import load_project

    formats = _formats(args.format)
    when = _parse_date(args.date, "--date")
    time_range = parse_time_range(args.time) if args.time else ""
    project = load_project(args.project)
    locale = _locale(args, project)
    subject: PolicySubject | None = None
    if args.policy:
        subject = _policy_material(project, args.policy, locale, when, draft=args.draft, version=args.version)
        material, meta = subject.material, subject.meta
        audience = args.audience if args.audience is not None else _convert(project, meta.applies_to, meta.lang,
                                                                            locale)
        name = args.policy
    else:
        if args.draft or args.version:
            raise PolicyError("--handbook", 0, "--draft and --version are for a policy; a handbook's register names "
                                               "the handbook's own version")
        hb = load_handbook(handbook_path(project, args.handbook), project)
        material = Material(title=_convert(project, hb.title, project.config.locales.source, locale),
                            doc_no=hb.doc_no, version=hb.version)
        audience = args.audience if args.audience is not None else _convert(
            project, hb.audience, project.config.locales.source, locale)
        name = hb.name
    employees = _roster(args)
    opts = _options(args, project, locale, "PD-F-001")
    if args.blank is None and not employees:
        opts.blank = opts.rows_per_page  # no roster: one blank page
    words = form_words(locale)
    topic = args.topic or f"《{material.title}》"
    session = Session(topic=topic, date=when, time=time_range, place=args.place, trainer=args.trainer,
                      organizer=args.organizer, audience=audience, material=material)
    stem = _out_dir(args, project) / f"register-{safe_name(name)}-{when.isoformat()}"
    outputs: dict[str, bytes] = {}
    if "pdf" in formats:
        outputs[_tail(project, locale, "pdf")] = register_pdf(session, employees, opts, project.root)
    if "docx" in formats:
        outputs[_tail(project, locale, "docx")] = register_docx(session, employees, opts)
    print(f"{words['register_title']}: {len(employees)} name(s), {material.doc_no} {material.version}",
          file=sys.stderr)
    issue = issued.FormIssue("register", "policy" if args.policy else "handbook", name, material.version, locale,
                             when, _roster_sha(args), len(employees), **_issue_fields(subject))
    return _write(stem, outputs, project, issue)


def cmd_receipts(args: argparse.Namespace) -> int:
    """``policydocs receipts``: print acknowledgement receipts (or a batch 签收单) and record them."""
    # lazy: products.forms (python-docx, openpyxl, Typst) ≈ 100 ms at start-up; only register/receipts need it
    from ..products.forms import (
        batch_receipt_docx,
        batch_receipt_pdf,
        receipts_docx,
        receipts_pdf,
        safe_name,
    )
    from ..read.project import load_project

    formats = _formats(args.format)
    when = _parse_date(args.date, "--date")
    project = load_project(args.project)
    locale = _locale(args, project)
    day = when or clock.today()
    subject = _policy_material(project, args.policy, locale, day, draft=args.draft, version=args.version)
    material, meta = subject.material, subject.meta
    employees = _roster(args)
    if args.employee is not None:
        if not args.roster:
            raise PolicyError("--employee", 0, "--employee needs --roster (the roster that lists the employee)")
        if args.batch:
            raise PolicyError("--employee", 0, "--employee makes one employee's receipt; leave out --batch")
        wanted = args.employee.strip()
        employees = [e for e in employees if e.employee_no.strip() == wanted]
        if not employees:
            raise PolicyError(args.roster, 0, f"no employee with 工号 {wanted} in the roster")
    opts = _options(args, project, locale, "PD-F-002" if args.batch else "PD-F-003")
    kind = "receipts-batch" if args.batch else "receipts"
    who = f"-{safe_name(args.employee.strip())}" if args.employee else ""
    stem = _out_dir(args, project) / f"{kind}-{safe_name(args.policy)}{who}-{day.isoformat()}"
    outputs: dict[str, bytes] = {}
    if args.batch:
        if args.blank is None and not employees:
            opts.blank = opts.rows_per_page
        issuer = args.issuer or _convert(project, meta.department, meta.lang, locale)
        if "pdf" in formats:
            outputs[_tail(project, locale, "pdf")] = batch_receipt_pdf(material, employees, opts, issuer, when,
                                                                       project.root)
        if "docx" in formats:
            outputs[_tail(project, locale, "docx")] = batch_receipt_docx(material, employees, opts, issuer, when)
    else:
        if "pdf" in formats:
            outputs[_tail(project, locale, "pdf")] = receipts_pdf(material, employees, opts, project.root, when)
        if "docx" in formats:
            outputs[_tail(project, locale, "docx")] = receipts_docx(material, employees, opts)
    print(f"{kind}: {len(employees)} name(s), {material.doc_no} {material.version}", file=sys.stderr)
    issue = issued.FormIssue(kind, "policy", args.policy, material.version, locale, day, _roster_sha(args),
                             len(employees), args.employee.strip() if args.employee else "", **_issue_fields(subject))
    return _write(stem, outputs, project, issue)
