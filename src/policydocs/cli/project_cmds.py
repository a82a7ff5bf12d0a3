"""Subcommands: check, build, init, doctor."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from ..core.errors import Collector, PolicyError, PolicyErrors
from ..read.config import load_config
from .scaffold import init_project


def register(sub) -> None:
    """Add check/build/init/doctor to the ``policydocs`` parser."""
    p = sub.add_parser("check", help="validate policies, pictures, glossary, handbooks, templates and configuration",
                       description="Validate policydocs.toml, every policy (front matter, structure, labels, "
                                   "references, pictures and links), glossary.yaml, handbooks/*.yaml and the "
                                   "project's templates (Jinja syntax). Prints every problem as file:line and "
                                   "exits 2 if there is any; writes nothing.",
                       epilog="examples:\n  policydocs check\n  policydocs -C ~/regulations check",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="build all policies into build/ (PDF, DOCX, every locale, handbooks)",
                       description="Validate everything, then render every policy in every published locale "
                                   "and format into build/. Nothing in build/ changes unless the whole build succeeds. "
                                   "Unchanged outputs are reused (keyed by a hash of all inputs).")
    p.add_argument("--all", action="store_true", help="also build handbooks and the portal (build/site/)")
    p.add_argument("--formats", help="comma-separated formats to produce, e.g. pdf,docx (default: [build] formats)")
    p.add_argument("--locales", help="comma-separated locales, e.g. zh-Hans,zh-Hant-TW (default: [locales] publish)")
    p.add_argument("--policy", action="append", metavar="ID", help="build only this policy (repeatable)")
    p.add_argument("-j", "--jobs", type=int, help="worker processes (default: number of CPUs)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="render on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 "
                        "(pip install 'policydocs[cluster]'); the output is the same as a local build")
    p.add_argument("--force", action="store_true", help="re-render everything, ignoring the cache")
    p.add_argument("--no-sign", action="store_true", help="do not sign PDFs (for previews)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    p.epilog = ("examples:\n  policydocs build                       every policy, locale and format\n"
                "  policydocs build --all                 also handbooks and the portal\n"
                "  policydocs build --policy HR-ATT-001 --formats pdf --locales zh-Hant-TW --no-sign")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("init", help="create a new project with a sample policy that builds as is",
                       description="Scaffold policies/, templates/, handbooks/, glossary.yaml and policydocs.toml "
                                   "in DIR. The result passes `policydocs check` and builds.")
    p.add_argument("dir", metavar="DIR", help="directory to create (must be empty or missing)")
    p.add_argument("--company", default="示例有限公司", help="organisation name (default: 示例有限公司)")
    p.epilog = "example:\n  policydocs init regulations --company 华衡智造科技有限公司"
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("doctor", help="check fonts, the Typst engine, OpenCC and tools; say how to fix",
                       description="Checks that CJK fonts (as Typst sees them), OpenCC, "
                                   "poppler-utils and LibreOffice are available, and prints how to install what is missing. "
                                   "Exits 1 when something is missing.",
                       epilog="example:\n  policydocs doctor", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=cmd_doctor)


def cmd_check(args: argparse.Namespace) -> int:
    # lazy: the Markdown parser, OpenCC and the handbook/Typst modules ≈ 33 ms at start-up,
    # which --help, --version and every other command would pay
    from ..convert.conversion import load_glossary
    from ..products.handbook import handbook_files, load_handbook
    from ..read.project import check_templates, load_project, template_files
    from ..render.typst.engine import check_project_templates, font_warnings

    config = load_config(args.project)
    errors = Collector()
    try:
        glossary = load_glossary(args.project)
    except (PolicyError, PolicyErrors) as exc:
        errors.extend(exc)
        glossary = None
    check_templates(config, errors)
    n_typst = check_project_templates(config.root, errors)
    for warning in font_warnings(config):
        print(warning, file=sys.stderr)
    try:
        project = load_project(args.project, templates=False)
    except (PolicyError, PolicyErrors) as exc:  # reported with the glossary's and templates' problems
        errors.extend(exc)
        errors.raise_if_any()
        raise
    books = handbook_files(project) if project.config.handbooks_dir.is_dir() else []
    for path in books:
        try:
            load_handbook(path, project)
        except (PolicyError, PolicyErrors) as exc:
            errors.extend(exc)
    errors.raise_if_any()
    n_articles = sum(len(d.articles()) for d in project.documents.values())
    n_images = sum(len(d.images()) for d in project.documents.values())
    n_terms = len(glossary) if glossary is not None else 0
    print(f"ok: {len(project.documents)} policies, {n_articles} articles, {n_images} picture(s), "
          f"{len(books)} handbook(s), {len(template_files(project.config)) + n_typst} project template(s), "
          f"glossary of {n_terms} rules; all references resolved")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    # lazy: the build pipeline (writers, python-docx, Typst, the portal) ≈ 75 ms at start-up
    from ..pipeline.build import build
    from ..pipeline.progress import for_terminal
    from ..pipeline.session import BuildSession
    from ..products.site import generate_site

    formats = [f.strip() for f in args.formats.split(",")] if args.formats else None
    locales = [x.strip() for x in args.locales.split(",")] if args.locales else None
    session = BuildSession.open(args.project)
    result = build(session=session, formats=formats, locales=locales, policy_ids=args.policy, jobs=args.jobs,
                   scheduler=args.scheduler, force=args.force, sign=not args.no_sign,
                   progress=for_terminal(args.quiet))
    if result.conversion_summary():
        print(result.conversion_summary())
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    root = Path(args.project).resolve()
    signed = sum(1 for a in result.published if a.signed)
    print(f"built in {result.seconds:.1f} s: {len(result.published)} file(s) published ({signed} signed) → "
          f"{root / 'publication'}; {len(result.previews)} preview(s) ({result.reused} unchanged) → "
          f"{root / 'build' / 'preview'}")
    drafts = sorted({a.policy_id for a in result.previews if a.kind == "policy"})
    if drafts:
        print(f"previews (not released, watermarked 草稿, unsigned): {', '.join(drafts)}")
    if result.unpublished:
        print(f"not published — signing is off (--no-sign): {', '.join(result.unpublished)}", file=sys.stderr)
    if args.all:
        site = generate_site(session)
        session.close()  # keep the frozen texts the portal parsed, too
        print(f"portal → {site.path} ({site.pages} page(s) written, {site.kept} unchanged)")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    target = init_project(Path(args.dir), company=args.company)
    print(f"created project in {target}\nnext: cd {args.dir} && policydocs check && policydocs build")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    problems = 0

    def report(ok: bool, what: str, fix: str = "") -> None:
        nonlocal problems
        print(f"[{'ok' if ok else 'MISSING'}] {what}")
        if not ok:
            problems += 1
            if fix:
                print(f"        fix: {fix}")

    fc = shutil.which("fc-list")
    fonts = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True).stdout if fc else ""
    for family in ("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Serif CJK TC", "Noto Serif CJK HK"):
        report(family in fonts, f"font {family}", "apt-get install fonts-noto-cjk")
    try:
        import opencc  # lazy: probed, so doctor reports a missing OpenCC instead of failing to start

        report(True, f"OpenCC {getattr(opencc, '__version__', '?')} (official binding)")
        if "reimplemented" in (getattr(opencc, "__file__", "") or ""):
            report(False, "opencc is opencc-python-reimplemented", "pip uninstall opencc-python-reimplemented && pip install opencc")
    except ImportError:
        report(False, "OpenCC", "pip install opencc")
    # lazy: importlib.metadata and the Typst engine ≈ 7 ms at start-up; only doctor needs them
    from importlib.metadata import version

    from ..render.typst.engine import missing_families

    report(True, f"Typst {version('typst')} (the PDF engine, inside the typst wheel)")
    for family in missing_families(("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Serif CJK TC", "Noto Serif CJK HK")):
        report(False, f"Typst cannot find the font {family}", "apt-get install fonts-noto-cjk")
    for tool, pkg in (("pdftotext", "poppler-utils"), ("pdfsig", "poppler-utils"), ("soffice", "libreoffice-writer")):
        report(bool(shutil.which(tool)), f"{tool} (tests, DOCX proof)", f"apt-get install {pkg}")
    print("all good" if not problems else f"{problems} problem(s)")
    return 0 if not problems else 1
