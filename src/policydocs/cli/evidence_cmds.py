"""Subcommands: evidence (write an auditor's evidence pack), verify-evidence (re-check one offline)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from ..core.errors import PolicyError


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
                    "records, every version's status on the date, `verify` output (text and JSON) and a README "
                    "(中文/English) on re-checking it with `policydocs verify-evidence` or poppler's pdfsig.",
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
    res = build_evidence(args.project, out, policies=args.policy, as_of=args.as_of, progress=say)
    for n in res.notes:
        print(f"note: {n}", file=sys.stderr)
    print(f"evidence pack {res.path}: {len(res.policies)} policies, {res.versions} version(s), {res.files} files, "
          f"index {'signed by the organisation' if res.signed_index else 'unsigned'}"
          + ("" if res.verify_ok else "; verify reported problems (see verify/verify.txt in the pack)"))
    print(f"re-check: policydocs verify-evidence {res.path}")
    return 0


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
