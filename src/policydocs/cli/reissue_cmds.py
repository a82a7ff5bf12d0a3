"""Subcommand: reissue — an explicit, recorded re-issue of a published version."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import PolicyError
from ..core.locales import LOCALES

EXAMPLES = """examples:
  policydocs reissue HR-ATT-002 A/1 --reason "模板更正：页眉单位名称有误"
  policydocs reissue HR-ATT-002 A/1 --reason "繁体版字体修正" --locales zh-Hant-TW --formats pdf
  policydocs reissue HR-ATT-002 A/1 --reason "…" --no-site      # leave the portal for the next `policydocs site`

The old files are never touched: they stay on the publication record, verifiable, and the
portal marks them as replaced by the re-issue. A template change that is not worth a re-issue
simply applies to the next release.
"""


def register(sub) -> None:
    """Add ``reissue`` to the ``policydocs`` parser."""
    p = sub.add_parser(
        "reissue", help="re-issue a published version (new files, signed, recorded with a reason)",
        description="Render a released, published version again from its frozen text in the ledger with "
                    "today's templates, sign the PDFs, write them under new names beside the published files "
                    "(…_reissue-1.<locale>.pdf; a published file is never replaced), and append a signed publish "
                    "record with the reason and the file each new one replaces. Then the portal is brought up to "
                    "date: it offers the re-issued files, and its verify, history and auditor pages mark the old "
                    "ones as replaced.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("policy", metavar="ID", help="the policy")
    p.add_argument("version", metavar="VERSION", help="its released, published version, e.g. A/1")
    p.add_argument("--reason", required=True, help="why the published files are re-issued (recorded, shown on the "
                                                   "portal and by verify-file)")
    p.add_argument("--locales", metavar="LIST", help="comma-separated locales to re-issue (default: every locale "
                                                     "the version was published in)")
    p.add_argument("--formats", metavar="LIST", help="pdf, docx or pdf,docx (default: every format published)")
    p.add_argument("--no-site", action="store_true", help="do not bring build/site/ up to date afterwards")
    p.set_defaults(func=cmd_reissue)


def _list(text: str | None, flag: str, known: tuple[str, ...] | list[str]) -> list[str] | None:
    if text is None:
        return None
    items = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in known]
    if bad or not items:
        raise PolicyError(flag, 0, f"unknown {', '.join(bad) or repr(text)}; known: {', '.join(known)}")
    return items


def cmd_reissue(args: argparse.Namespace) -> int:
    """``policydocs reissue ID VERSION --reason …``."""
    # lazy: the pipeline (renderers, signing) ≈ 75 ms at start-up; only commands that render need it
    from ..pipeline.reissue import reissue
    from ..pipeline.session import BuildSession
    from ..products.site import generate_site

    locales = _list(args.locales, "--locales", list(LOCALES))
    formats = _list(args.formats, "--formats", ("pdf", "docx"))
    session = BuildSession.open(args.project)
    result = reissue(session.root, args.policy, args.version, args.reason, locales=locales, formats=formats,
                     session=session)
    for f in result.unchanged:
        print(f"note: {f.path} rendered again byte for byte; not re-issued", file=sys.stderr)
    for f in result.files:
        old = result.replaced.get(f.path)
        print(f"{f.path}  sha256 {f.sha256[:16]}…" + (f"  replaces {old.path}" if old else ""))
    print(f"re-issued {args.policy} {args.version}: {len(result.files)} file(s) on publish record #{result.record} "
          f"(signed by the organisation), reason: {result.reason}", file=sys.stderr)
    if not args.no_site and (session.config.build_dir / "site").is_dir():
        site = generate_site(session)
        session.close()
        print(f"portal: {site.pages} page(s) written, {site.kept} unchanged → {site.path}", file=sys.stderr)
    return 0
