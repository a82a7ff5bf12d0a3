"""Previewing the portal (``policydocs serve``): a static file server on 127.0.0.1 for
``build/site/`` and the sources a change of which means a rebuild."""

from __future__ import annotations

import functools
import http.server
import os
from pathlib import Path
from typing import Iterator

import watchfiles

#: What `serve` watches (relative to the project); a change rebuilds.
WATCHED = ("policies", "templates", "handbooks", "ledger", "policydocs.toml", "glossary.yaml", "people.yaml")


def watched(root: Path):
    """A watchfiles filter: only the sources a build reads (never build/ itself, nor hidden files)."""
    names = set(WATCHED)

    def accept(change, path: str) -> bool:
        rel = Path(path).relative_to(root) if Path(path).is_relative_to(root) else None
        return bool(rel and rel.parts and rel.parts[0] in names and not any(x.startswith(".") for x in rel.parts))

    return accept


def changes(root: Path, quiet_seconds: float) -> Iterator[list[str]]:
    """The changed sources (paths relative to ``root``, sorted), one list per editor save:
    watchfiles waits until the file system has been quiet for ``quiet_seconds``. Ctrl-C
    raises KeyboardInterrupt."""
    for batch in watchfiles.watch(root, watch_filter=watched(root), debounce=int(quiet_seconds * 1000),
                                  step=50, raise_interrupt=True):
        yield sorted({os.path.relpath(path, root) for _, path in batch})


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet: one line per request would drown the rebuild messages
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def make_server(site_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A threading HTTP server for ``site_dir`` on 127.0.0.1 (``port`` 0 picks a free one)."""
    handler = functools.partial(_Handler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server
