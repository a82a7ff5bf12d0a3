"""Subcommands: site (build the portal into build/site/) and serve (preview it on 127.0.0.1, rebuilding on change)."""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import threading
import time
from pathlib import Path

from ..core.errors import PolicyError, PolicyErrors

#: What `serve` watches (relative to the project); a change rebuilds.
WATCHED = ("policies", "templates", "handbooks", "ledger", "policydocs.toml", "glossary.yaml", "people.yaml")


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
                       "policydocs.toml, glossary.yaml …) are polled; a change rebuilds (build + site). Ctrl-C stops.")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--no-build", action="store_true", help="do not run the normal build, only regenerate the site")
    p.add_argument("--no-sign", action="store_true", help="do not sign PDFs in the build (previews)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls for changes (default 1)")
    p.set_defaults(func=cmd_serve)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rebuild(project: str, *, build: bool, sign: bool, quiet: bool = False):
    """Normal build (incremental) then the site; returns the SiteResult."""
    from ..products.site import generate_site

    if build:
        from ..pipeline.build import build as run_build
        from ..pipeline.progress import for_terminal

        res = run_build(project, sign=sign, progress=for_terminal(quiet))
        drafts = sorted({a.policy_id for a in res.artifacts if a.draft and a.kind == "policy"})
        print(f"built {len(res.artifacts)} file(s) ({res.rendered} rendered, {res.reused} reused) in {res.seconds:.1f} s"
              + (f"; drafts: {', '.join(drafts)}" if drafts else ""), flush=True)
    return generate_site(project)


def cmd_site(args: argparse.Namespace) -> int:
    result = rebuild(args.project, build=not args.no_build, sign=not args.no_sign, quiet=args.quiet)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"portal: {result.pages} page(s), {result.files} file(s) in {result.seconds:.1f} s → {result.path}")
    print(f"open {result.path / 'index.html'} or run `policydocs serve`")
    return 0


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """path → (mtime_ns, size) of every watched file (bounded: regular files under the watched names)."""
    out: dict[str, tuple[int, int]] = {}
    for name in WATCHED:
        base = root / name
        if base.is_file():
            paths = [base]
        elif base.is_dir():
            paths = [p for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")]
        else:
            continue
        for p in paths:
            try:
                st = p.stat()
            except OSError:
                continue
            out[str(p)] = (st.st_mtime_ns, st.st_size)
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet: one line per request would drown the rebuild messages
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def make_server(site_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def cmd_serve(args: argparse.Namespace) -> int:
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
    seen = snapshot(root)
    try:
        while True:
            time.sleep(args.interval)
            now = snapshot(root)
            if now == seen:
                continue
            # settle: wait until nothing changed for one interval (an editor writes in steps)
            for _ in range(10):
                time.sleep(min(args.interval, 0.5))
                again = snapshot(root)
                if again == now:
                    break
                now = again
            changed = sorted((set(now) ^ set(seen)) | {p for p in now if p in seen and now[p] != seen[p]})
            seen = now
            _say(f"changed: {', '.join(os.path.relpath(p, root) for p in changed[:5])}"
                 f"{' …' if len(changed) > 5 else ''}; rebuilding")
            started = time.perf_counter()
            try:
                res = rebuild(str(root), build=build, sign=sign, quiet=True)
            except (PolicyError, PolicyErrors) as exc:
                _say(f"rebuild failed, still serving the previous site:\n{exc}")
                continue
            except Exception as exc:  # keep serving: a preview server must survive a bad edit
                _say(f"rebuild failed ({type(exc).__name__}: {exc}), still serving the previous site")
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
