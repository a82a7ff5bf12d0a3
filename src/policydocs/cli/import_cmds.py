"""Subcommand: import — bring existing regulations (.docx, .doc, .wps, .pdf, .txt, .md) into policies/."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from ..core.fsutil import atomic_write_bytes
from ..core.workers import Executor, local_executor
from ..importer import SUPPORTED
from ..pipeline.progress import Progress, Silent, for_terminal

EXAMPLES = """examples:
  policydocs import 考勤管理制度.docx                 one Word file into policies/
  policydocs import old/制度汇编.pdf --id HR-ATT-010   choose the id (文件编号) yourself
  policydocs import legacy/ --into policies/          a whole folder, in parallel, with progress
  policydocs import web.txt --lang zh-Hant-TW --report  print every guess in the terminal too

Then review: read import-reports/<ID>.md, fix the Markdown, `policydocs check`,
`policydocs build --policy ID`, and approve (docs/import.md)."""


def register(sub) -> None:
    """Add ``import`` to the ``policydocs`` parser."""
    p = sub.add_parser(
        "import", help="import existing regulations (.docx/.doc/.wps/.pdf/.txt/.md) into policies/",
        description="Read existing regulations — Word files (automatic numbering included), old .doc/.wps through "
                    "LibreOffice, PDFs and text copied from web pages — recover chapters, sections, articles, 款, "
                    "items and tables, drop page and web furniture, and write each regulation as a policy in the "
                    "source format with every number removed (policydocs numbers again) and citations turned into "
                    "references. Every guess is listed in an import report (import-reports/<ID>.md and the "
                    "terminal) with its place in the source. A file holding several titled regulations becomes "
                    "several policies. Exit status: 0 when everything was imported (guesses are warnings), "
                    "2 when a file could not be read or a policy would be overwritten.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="files or folders to import (folders: every supported "
                                                            f"file inside: {' '.join(SUPPORTED)})")
    p.add_argument("--into", metavar="DIR", help="where to write the policies (default: the project's policies/)")
    p.add_argument("--id", dest="policy_id", metavar="ID",
                   help="policy id for a single file (a file with several regulations gets ID-01, ID-02 …); "
                        "default: the document's 文件编号, else the file name")
    p.add_argument("--lang", metavar="LOCALE", help="language of the text: zh-Hans, zh-Hant, zh-Hant-TW, zh-Hant-HK "
                                                    "(default: detected from the characters)")
    p.add_argument("--force", action="store_true", help="overwrite policies that already exist")
    p.add_argument("--report", action="store_true", help="print every guess in the terminal (always written to "
                                                         "the Markdown report)")
    p.add_argument("--reports-dir", metavar="DIR", default="import-reports",
                   help="folder for the Markdown import reports, relative to the project (default: import-reports)")
    p.add_argument("--dry-run", action="store_true", help="read and report, write no policy")
    p.add_argument("-j", "--jobs", type=int, default=0, help="worker processes (default: number of CPUs)")
    p.set_defaults(func=run)


def collect_files(arguments: list[str]) -> tuple[list[Path], list[str]]:
    """Expand folders into the supported files in them; (files, problems)."""
    files: list[Path] = []
    problems: list[str] = []
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED
                           and not p.name.startswith(("~$", ".")))
            if not found:
                problems.append(f"{path}: no importable files in this folder ({' '.join(SUPPORTED)})")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def run(args: argparse.Namespace) -> int:
    # lazy: the importer (pypdfium2, python-docx, the parser) and rich ≈ 110 ms at start-up;
    # every other command, and `policydocs --help`, starts without them
    from rich.console import Console

    from ..importer.batch import Options, finish, read_drafts

    root = Path(args.project).resolve()
    into = Path(args.into).resolve() if args.into else root / "policies"
    files, problems = collect_files(args.files)
    for problem in problems:
        print(f"policydocs import: {problem}", file=sys.stderr)
    if args.policy_id and len(files) > 1:
        print("policydocs import: --id names one policy; give one file (or leave --id out)", file=sys.stderr)
        return 2
    if not files:
        return 2
    options = Options(into=into, project_root=root, policy_id=args.policy_id, lang=args.lang, force=args.force,
                      dry_run=args.dry_run)
    jobs = args.jobs or os.cpu_count() or 1
    # the one local pool (core/workers.py), one process with -j 1 or one file; a bar on a
    # terminal, "[n/N] read FILE" lines in logs — for every folder, whatever -j is
    progress = progress_display(len(files))
    pool = local_executor(min(jobs, len(files)), preload=("policydocs.importer.batch",))
    try:
        if len(files) == 1:
            reports = finish([read_drafts(files[0], args.lang)], options)
        else:
            reports = finish(_read_all(pool, files, args.lang, progress), options, mapper=pool.map)
    finally:
        pool.close()
    reports_dir = root / args.reports_dir
    failed = bool(problems)
    out = Console(highlight=False, soft_wrap=True)
    written = 0
    for report in reports:
        if report.error:
            failed = True
            print(*report.terminal_lines(args.report), sep="\n", file=sys.stderr)
        else:
            written += 1
            out.print(*report.terminal_lines(args.report), sep="\n", markup=False)
        if not args.dry_run and (report.policy_id or report.error):
            name = report.policy_id or (Path(report.source).stem + (f"-{report.part.split('/')[0]}" if report.part else ""))
            atomic_write_bytes(reports_dir / f"{name}.md", report.to_markdown().encode("utf-8"))
    guesses = sum(r.warnings for r in reports if not r.error)
    verb = "would write" if args.dry_run else "wrote"
    print(f"{verb} {written} polic{'y' if written == 1 else 'ies'} from {len(files)} file(s); {guesses} guess(es) to "
          f"review" + (f" in {reports_dir.relative_to(root) if reports_dir.is_relative_to(root) else reports_dir}/"
                       if not args.dry_run else ""), file=sys.stderr)
    return 2 if failed else 0


def progress_display(files: int) -> Progress:
    """Progress for reading ``files`` files: none for a single file (it takes well under a second)."""
    return for_terminal(stream=sys.stderr) if files > 1 else Silent()


def _read_all(pool: Executor, files: list[Path], lang: str | None, progress: Progress) -> list:
    """Read every file in the pool, reporting each one as it completes."""
    # lazy: the importer ≈ 110 ms at start-up, see run
    from ..importer.batch import FileResult, read_drafts

    results: dict[Path, FileResult] = {}
    progress.start("reading", len(files))
    for path, result in pool.run(functools.partial(read_drafts, lang=lang), files):
        results[path] = result
        progress.step(f"read {path}")
    progress.finish()
    return [results[f] for f in files]
