"""Subcommands: evidence (write an auditor's evidence pack), verify-evidence (re-check one offline).

``products`` cannot import ``acks`` (layering), so the acknowledgement records of the
packed versions are gathered here, with the acknowledgement service's own report and
export functions, and handed to the pack as a contributor (``products.evidence.PackExtra``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import PolicyError
from ..read.config import Config, load_config
from ..trust import ledger

if TYPE_CHECKING:  # the evidence and acks modules load inside the commands (start-up, see cmd_evidence)
    from ..products.evidence import Contributor, PackedVersion, PackExtra

ACKS_DIR = "acknowledgements"  # in the pack


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2025-03-01") from None


def register(sub) -> None:
    """Add evidence/verify-evidence to the ``policydocs`` parser."""
    p = sub.add_parser(
        "evidence", help="write an auditor's evidence pack (ZIP) that can be re-checked offline",
        description="Collect, for the chosen policies as of a date: the signed PDF of every version released by "
                    "then (from the publication record), the ledger and its frozen texts, people.yaml, the trust "
                    "root, PDF redlines between consecutive versions, the publication, issued-forms and review "
                    "records, every policy's status and review status on the date (as the ledger stood then), "
                    "the acknowledgement report and CSV export of every packed version when the project has an "
                    "acknowledgement database, `verify` output (text and JSON, with the acknowledgement check) and "
                    "a README (中文/English) on re-checking it with `policydocs verify-evidence` or poppler's pdfsig.",
        epilog="examples:\n"
               "  policydocs evidence -o audit-2026.zip\n"
               "  policydocs evidence --policy HR-ATT-002 --policy FIN-EXP-001 --as-of 2025-12-31 -o hr-fin.zip\n"
               "  policydocs verify-evidence audit-2026.zip",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", action="append", metavar="ID", help="only this policy (repeatable; default: all released)")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                   help="versions released by this day, status on this day (default: today)")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.zip", help="the pack to write")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser(
        "verify-evidence", help="re-check an evidence pack offline, without the project",
        description="Check an evidence pack as an auditor would, with nothing but the ZIP: every file against "
                    "the pack's index and the organisation's signature on it, the ledger's hash chain, signatures "
                    "and rules, the frozen texts, and every signed copy (signature against the pack's trust root, "
                    "a release record behind its version, its ledger head in the chain). Exit 0 when everything "
                    "holds, 1 when anything was changed.",
        epilog="examples:\n"
               "  policydocs verify-evidence audit-2026.zip\n"
               "  policydocs verify-evidence audit-2026.zip --pdfsig --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pack", type=Path, metavar="FILE.zip")
    p.add_argument("--pdfsig", action="store_true", help="also have poppler's pdfsig check every signed PDF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify_evidence)


def cmd_evidence(args) -> int:
    # lazy: products.evidence (the diff engine, python-docx, Typst) ≈ 60 ms at start-up for every other command
    from ..products.evidence import build_evidence

    out = args.output
    if out.suffix.lower() != ".zip":
        raise PolicyError(out, 0, "the evidence pack is a ZIP file: give a name ending in .zip")
    say = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    root = Path(args.project).resolve()
    cfg = load_config(root)
    acks = acknowledgements_contributor(root, cfg)
    res = build_evidence(root, out, policies=args.policy, as_of=args.as_of, config=cfg, progress=say,
                         extras=[acks] if acks is not None else [])
    for n in res.notes:
        print(f"note: {n}", file=sys.stderr)
    print(f"evidence pack {res.path}: {len(res.policies)} policies, {res.versions} version(s), {res.files} files, "
          f"index {'signed by the organisation' if res.signed_index else 'unsigned'}"
          + ("" if res.verify_ok else "; verify reported problems (see verify/verify.txt in the pack)"))
    print(f"re-check: policydocs verify-evidence {res.path}")
    return 0


def acknowledgements_contributor(root: Path, config: Config) -> "Contributor | None":
    """What the acknowledgement service adds to a pack, or ``None`` when the project has no
    acknowledgement database (none configured and no ``acks/acks.sqlite3``, or one without a
    schema) and the ledger holds no seals of one — then nothing is added, quietly.

    Per packed version with a campaign: ``acknowledgements/<ID>_<version>.json`` (the
    ``acks report --format json`` report) and ``.csv`` (its CSV export); the pack's verify
    output gets the acknowledgement check of ``policydocs verify``."""
    # lazy: the acks stack (SQLAlchemy, Alembic) ≈ 0.2–0.3 s at start-up, see cli/acks_cmds.py
    from ..acks import db, migrate
    from ..acks.settings import load_settings

    settings = load_settings(root)
    sealed = sorted(ledger.load_state(root, config).acks_seals)
    if settings.database == db.default_url(root) and not (root / "acks" / "acks.sqlite3").exists():
        if not sealed:
            return None
        return lambda _versions: _acks_missing(f"acknowledgements were sealed in the ledger ({', '.join(sealed)}) "
                                               f"but the database acks/acks.sqlite3 is missing")
    engine = db.make_engine(settings.database)
    try:
        schema = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if schema is None:
        if not sealed:
            return None
        return lambda _versions: _acks_missing(f"acknowledgement database {db.redacted(settings.database)} has "
                                               f"no schema")
    return lambda versions: _acks_extra(root, settings.database, versions)


def _acks_missing(problem: str) -> "PackExtra":
    from ..products.evidence import PackExtra  # lazy: products.evidence ≈ 60 ms at start-up, see cmd_evidence

    return PackExtra(ACKS_DIR, "确认记录 / acknowledgement records", problems=[f"acknowledgements: {problem}"])


def _acks_extra(root: Path, database: str, versions: "list[PackedVersion]") -> "PackExtra":
    """The ``acks report`` of every packed version with a campaign, and the acknowledgement check."""
    # lazy: the acks stack (SQLAlchemy, Alembic, Starlette) ≈ 0.2–0.3 s and products.evidence ≈ 60 ms at start-up
    from sqlalchemy.exc import SQLAlchemyError

    from ..acks import db, exports
    from ..acks.seal import verify_acks
    from ..acks.service import open_service, version_report
    from ..products.evidence import PackExtra

    extra = PackExtra(ACKS_DIR, "确认记录（各版本的确认报告 JSON 与 CSV 导出，生成时的记录）/ acknowledgement "
                                "records: each version's report (JSON) and export (CSV), as recorded when the pack "
                                "was made")
    service = open_service(root, database)
    try:
        problems, summary = verify_acks(service.store, root)
        for v in versions:
            camps = service.store.campaigns(v.policy, v.version)
            if not camps:
                continue
            report = version_report(service, v.policy, v.version)
            members = [m for c in camps for m in service.store.status(c["id"])]
            name = f"{ACKS_DIR}/{v.policy}_{v.version.replace('/', '-')}"
            extra.members[f"{name}.json"] = (report.to_json() + "\n").encode("utf-8")
            extra.members[f"{name}.csv"] = exports.to_csv(camps[0], members)
    except SQLAlchemyError as exc:
        extra.problems.append(f"acknowledgements: database {db.redacted(database)} cannot be read: "
                              f"{type(exc).__name__}: {exc}")
        return extra
    finally:
        service.close()
    extra.verify_lines.append(f"acknowledgements: {summary['rows']} records, {summary['sealed_days']} sealed days, "
                              f"{summary['unsealed_rows']} not sealed yet ({len(extra.members) // 2} version "
                              f"report(s) in {ACKS_DIR}/)")
    extra.problems += [f"acknowledgements: {p}" for p in problems]
    return extra


def cmd_verify_evidence(args) -> int:
    from ..products.evidence import verify_evidence  # lazy: ≈ 60 ms at start-up, see cmd_evidence

    if not args.pack.exists():
        raise PolicyError(args.pack, 0, "no such file")
    res = verify_evidence(args.pack, pdfsig=args.pdfsig)
    if args.json:
        print(json.dumps(res.to_json(), ensure_ascii=False, indent=2))
        return 0 if res.ok else 1
    print(f"trust root: {res.trust_root} — compare with the organisation's CA certificate you obtained separately")
    for n in res.notes:
        print(f"note: {n}")
    for p in res.problems:
        print(f"error: {p}")
    verdict = "EVIDENCE INTACT" if res.ok else f"EVIDENCE NOT INTACT: {len(res.problems)} problem(s)"
    print(f"{verdict} — {res.files} files, {res.records} ledger records, {res.copies} signed copies, "
          f"policies {', '.join(res.policies) or 'none'}")
    return 0 if res.ok else 1
