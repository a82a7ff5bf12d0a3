"""Subcommands: site (build the portal into build/site/) and serve (preview it on 127.0.0.1, rebuilding on change)."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from ..core.errors import PolicyError, PolicyErrors


def register(sub) -> None:
    """Add this module's subcommands to the `policydocs` parser."""
    p = sub.add_parser("site", help="build the portal into build/site/ (runs the normal build first)",
                       description="Build the static portal (build/site/): policies by category, pages per "
                       "policy and locale, downloads with SHA-256, history, auditor and verify pages. "
                       "Works from any web server, a file share or file://, offline.")
    p.add_argument("--no-build", action="store_true", help="only regenerate the site from the existing build/")
    p.add_argument("--no-sign", action="store_true", help="do not sign PDFs in the build (previews)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=cmd_site)

    p = sub.add_parser("serve", help="preview the portal on http://127.0.0.1:PORT/, rebuilding when sources change",
                       description="Serve build/site/ on 127.0.0.1 only. Sources (policies/, templates/, ledger/, "
                       "policydocs.toml, glossary.yaml …) are watched; a change rebuilds (build + site). Ctrl-C stops.")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--no-build", action="store_true", help="do not run the normal build, only regenerate the site")
    p.add_argument("--no-sign", action="store_true", help="do not sign PDFs in the build (previews)")
    p.add_argument("--interval", type=float, default=0.5,
                   help="seconds the sources must be quiet before a rebuild starts (default 0.5)")
    p.set_defaults(func=cmd_serve)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rebuild(project: str, *, build: bool, sign: bool, quiet: bool = False):
    """Normal build (incremental) then the portal, in one session; returns the SiteResult."""
    # lazy: the build pipeline and the portal ≈ 75 ms at start-up; only site and serve need them
    from ..pipeline.build import build as run_build
    from ..pipeline.progress import for_terminal
    from ..pipeline.session import BuildSession
    from ..products.site import generate_site

    session = BuildSession.open(project)
    if build:
        res = run_build(session=session, sign=sign, progress=for_terminal(quiet))
        print(f"built in {res.seconds:.1f} s: {len(res.published)} file(s) published, {len(res.previews)} "
              f"preview(s) ({res.reused} unchanged)", flush=True)
    site = generate_site(session)
    session.close()  # keep the frozen texts parsed for the next run
    return site


def cmd_site(args: argparse.Namespace) -> int:
    result = rebuild(args.project, build=not args.no_build, sign=not args.no_sign, quiet=args.quiet)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"portal: {result.pages} page(s) written, {result.kept} unchanged, {result.files} published file(s) "
          f"in {result.seconds:.1f} s → {result.path}")
    print(f"open {result.path / 'index.html'} or run `policydocs serve`")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # lazy: http.server and watchfiles ≈ 10 ms at start-up; only serve needs them
    from ..products.site.preview import changes, make_server

    root = Path(args.project).resolve()
    build = not args.no_build
    sign = not args.no_sign
    try:
        result = rebuild(str(root), build=build, sign=sign)
    except (PolicyError, PolicyErrors) as exc:
        if not (root / "build" / "site").is_dir():
            raise
        _say(f"build failed, serving the previous site:\n{exc}")
        result = None
    site_dir = (result.path if result else root / "build" / "site")
    server = make_server(site_dir, args.port)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="policydocs-serve", daemon=True)
    thread.start()
    print(f"serving {site_dir} at http://127.0.0.1:{port}/ (Ctrl-C stops)", flush=True)
    try:
        for changed in changes(root, args.interval):  # one batch per editor save
            _say(f"changed: {', '.join(changed[:5])}{' …' if len(changed) > 5 else ''}; rebuilding")
            started = time.perf_counter()
            try:
                res = rebuild(str(root), build=build, sign=sign, quiet=True)
            except (PolicyError, PolicyErrors) as exc:
                _say(f"rebuild failed, still serving the previous site:\n{exc}")
                continue
            for w in res.warnings:
                _say(f"warning: {w}")
            print(f"rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    return 0
