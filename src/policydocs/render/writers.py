"""Writers behind one interface, found by format name (Pandoc's ``getWriter``).

A writer turns one localized policy (a :class:`RenderContext`) into the bytes
of one file. It never reads the command line, other writers' output or the
Markdown source. ``get_writer(fmt, root)`` returns the process's instance
for a project, so per-process resources (fonts, compiled templates) are
loaded once per worker. A company adds a format by calling ``register``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, ClassVar, Protocol

from ..core.errors import PolicyError
from .context import RenderContext
from .docx import DocxWriter
from .pdf import PdfWriter


class Writer(Protocol):
    """Tree + render context → bytes of one file."""

    format: ClassVar[str]  # "pdf", "docx", …
    suffix: ClassVar[str]  # file name suffix, with the dot
    templates: ClassVar[tuple[str, ...]]  # template files it reads (globs under templates/): part of the cache key

    def write(self, ctx: RenderContext) -> bytes: ...


WriterFactory = Callable[[Path], Writer]
_FACTORIES: dict[str, WriterFactory] = {}


def register(fmt: str, factory: WriterFactory) -> None:
    """Make ``fmt`` available to ``build --formats``; ``factory(project_root)`` creates the writer."""
    _FACTORIES[fmt] = factory
    _instance.cache_clear()


def formats() -> tuple[str, ...]:
    """Every registered format name, in registration order."""
    _register_builtin()
    return tuple(_FACTORIES)


def get_writer(fmt: str, project_root: Path) -> Writer:
    """The process-wide writer for ``fmt`` and a project; PolicyError for an unknown format."""
    _register_builtin()
    if fmt not in _FACTORIES:
        raise PolicyError("policydocs.toml", 0, f"unknown format {fmt!r}; known: {', '.join(_FACTORIES)}")
    return _instance(fmt, str(Path(project_root).resolve()))


@lru_cache(maxsize=None)
def _instance(fmt: str, root: str) -> Writer:
    return _FACTORIES[fmt](Path(root))


@lru_cache(maxsize=1)
def _register_builtin() -> None:
    # on first use, after the formats a company registered (a company's "pdf" replaces ours)
    for writer in (PdfWriter, DocxWriter):
        _FACTORIES.setdefault(writer.format, writer)
