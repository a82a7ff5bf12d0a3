"""One Typst compiler per process, and the templates it compiles.

``engine_for(project_root)`` returns the process's :class:`TypstEngine` for a
project: the font folders are scanned once (Noto CJK, DejaVu, Liberation from
the Debian packages the set-up installs; the machine's local font folders and
the project's ``fonts/``, where a company's licensed 仿宋/小标宋 live) and the
``typst.Compiler`` is kept, so Typst's memoized layout survives from one
document to the next.

Templates (``*.typ``) are looked up by name, first in the project's
``templates/typst/``, then in the package's ``templates/typst/``: a company
overrides a whole template by putting a file of the same name in its project
(``policydocs check`` compiles them, a Typst error names ``templates/typst/
NAME.typ:LINE``). A template may not import Typst packages (no downloads) and
reads files only inside the project: the compiler's root is the project
folder, and Typst refuses paths outside its root.

The main source of a document is: the templates it names, concatenated, then
the generated body (``TypstWriter``) and a call of the template's entry
function with the document's data written as Typst literals (``escape.value``).
User text reaches Typst only through ``escape``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

import typst

from ...core.errors import Collector, PolicyError
from ...core.fsutil import process_temp_dir
from ...read.config import CONFIG_NAME, Config, setting_line

PACKAGE_TYPST = Path(__file__).resolve().parent.parent.parent / "templates" / "typst"
PROJECT_TYPST = Path("templates") / "typst"  # inside a project

#: Where the set-up's fonts are (Debian: fonts-noto-cjk, fonts-dejavu-core, fonts-liberation2).
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/dejavu"),
             Path("/usr/share/fonts/truetype/liberation2"))
#: Extra font folders, separated by os.pathsep (a company's licensed 仿宋/小标宋, or fonts elsewhere).
FONT_PATH_ENV = "POLICYDOCS_FONT_PATH"
#: The project's own font folder (inside the project, like everything a renderer reads).
PROJECT_FONTS = Path("fonts")


def local_font_dirs() -> list[Path]:
    """Where an administrator installs fonts by hand (fontconfig reads them): the faces a
    company licenses, never a distribution's packages (those would make the bytes differ
    from machine to machine)."""
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return [Path("/usr/local/share/fonts"), Path(data_home) / "fonts", Path(os.path.expanduser("~")) / ".fonts"]

_PACKAGE_IMPORT = re.compile(r"""(?:import|include)\s*\(?\s*["']@""")
_LINE = re.compile(r"__typst_py_bytes__\.typ:(\d+):(\d+)")


@dataclass(frozen=True)
class Template:
    """One template's text and where it came from (for error messages)."""

    name: str
    text: str
    shown_path: str  # templates/typst/policy.typ (project) or <package>/policy.typ


class TemplateError(PolicyError):
    """A Typst error in a template (or in generated source, which is a bug of ours)."""


def project_fonts_dir(project_root: Path | str | None) -> Path | None:
    """The project's ``fonts/`` folder, if it exists and is inside the project."""
    if project_root is None:
        return None
    root = Path(project_root).resolve()
    folder = (root / PROJECT_FONTS).resolve()
    return folder if folder.is_dir() and folder.is_relative_to(root) else None


@lru_cache(maxsize=4)
def fonts(project_fonts: Path | None = None) -> typst.Fonts:
    """The fonts documents may use, scanned once per process (and project font folder)."""
    setup = [str(d) for d in FONT_DIRS if d.is_dir()]
    dirs = setup + [str(d) for d in local_font_dirs() if d.is_dir()]
    dirs += [p for p in os.environ.get(FONT_PATH_ENV, "").split(os.pathsep) if p]
    if project_fonts is not None:
        dirs.append(str(project_fonts))
    # Only these folders where the set-up's exist (the same faces on every machine, so the
    # same bytes); elsewhere (macOS, Windows) the system's fonts as well.
    return typst.Fonts(include_system_fonts=not setup, include_embedded_fonts=False, font_paths=dirs)


def missing_families(families: tuple[str, ...] | list[str], project_root: Path | str | None = None) -> list[str]:
    """Those of ``families`` no font Typst finds provides (names compare without case, as
    Typst compares them)."""
    known = {f.lower() for f in fonts(project_fonts_dir(project_root)).families()}
    return [f for f in families if f.lower() not in known]


class TypstEngine:
    """Compiles generated Typst source against a project's templates; one per process."""

    def __init__(self, project_root: Path | None):
        if project_root is None:
            project_root = process_temp_dir("policydocs-typst-")  # an empty root: no project files
        self.root = Path(project_root).resolve()
        self.compiler = typst.Compiler(root=str(self.root), font_paths=fonts(project_fonts_dir(self.root)),
                                       ignore_system_fonts=True)
        self._templates: dict[str, Template] = {}

    # -- templates ---------------------------------------------------------
    def template(self, name: str) -> Template:
        """``name`` (``policy.typ``) from the project's templates/typst/, else the package's."""
        cached = self._templates.get(name)
        if cached is not None:
            return cached
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a template name: {name!r}")
        own = self.root / PROJECT_TYPST / name
        if own.is_file() and own.resolve().is_relative_to(self.root):
            path, shown = own, str(PROJECT_TYPST / name)
        else:
            path, shown = PACKAGE_TYPST / name, f"<policydocs>/templates/typst/{name}"
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if _PACKAGE_IMPORT.search(line):
                raise TemplateError(shown, number, "templates may not import Typst packages (no downloads); "
                                                   "copy what you need into the template")
        template = Template(name, text if text.endswith("\n") else text + "\n", shown)
        self._templates[name] = template
        return template

    def template_paths(self) -> list[Path]:
        """Every template file that shapes output (package and project), for cache keys."""
        paths = sorted(PACKAGE_TYPST.glob("*.typ"))
        own = self.root / PROJECT_TYPST
        if own.is_dir():
            paths += sorted(own.glob("*.typ"))
        return paths

    # -- compiling -----------------------------------------------------------
    def compile(self, templates: tuple[str, ...], main: str, *, when: date | None = None,
                standard: str | None = "a-2b", tags: bool = True) -> bytes:
        """PDF bytes of ``templates`` + ``main``.

        ``when`` is the document's date (PDF metadata; equal input gives equal
        bytes); ``standard`` a PDF standard Typst checks while writing (PDF/A-2b
        by default); ``tags`` a tagged PDF (off for forms: tags of thousands of
        table cells cost megabytes)."""
        parts = [self.template(name) for name in templates]
        source = "".join(t.text for t in parts) + main
        stamp = datetime.combine(when or date(2000, 1, 1), datetime.min.time(), tzinfo=timezone.utc)
        try:
            return self.compiler.compile(input=source.encode("utf-8"), format="pdf", timestamp=stamp,
                                         pdf_standards=[standard] if standard else [], pdf_tags=tags)
        except typst.TypstError as exc:
            raise self._located(exc, parts) from None

    def _located(self, exc: typst.TypstError, parts: list[Template]) -> PolicyError:
        """The error at its template file and line (or in the generated part)."""
        match = _LINE.search(exc.diagnostic or "")
        line = int(match.group(1)) if match else 0
        for t in parts:
            count = t.text.count("\n")
            if line <= count:
                return TemplateError(t.shown_path, line, f"Typst: {exc.message}")
            line -= count
        return TemplateError("<generated Typst>", line, f"Typst: {exc.message} (a policydocs bug: please report it)")


@lru_cache(maxsize=4)
def _engine(root: str | None) -> TypstEngine:
    return TypstEngine(Path(root) if root else None)


def engine_for(project_root: Path | str | None) -> TypstEngine:
    """The process-wide engine for a project (one compiler, one font scan per process)."""
    return _engine(str(Path(project_root).resolve()) if project_root is not None else None)


def check_project_templates(project_root: Path | str, errors: Collector) -> int:
    """Compile each of the project's own templates (``templates/typst/*.typ``) after
    ``common.typ``, as the writers do: a syntax error is reported at its file and line.
    Returns the number of templates checked."""
    folder = Path(project_root) / PROJECT_TYPST
    own = sorted(folder.glob("*.typ")) if folder.is_dir() else []
    if not own:
        return 0
    engine = engine_for(project_root)
    for path in own:
        parts = ("common.typ",) if path.name == "common.typ" else ("common.typ", path.name)
        try:
            engine.compile(parts, "", standard=None, tags=False)
        except PolicyError as exc:
            errors.extend(exc)
    return len(own)


def font_warnings(config: Config) -> list[str]:
    """One warning per family ``[pdf.fonts]`` names that Typst cannot find (PDFs then use
    the locale's Noto face in its place), at its line of policydocs.toml."""
    named = config.pdf.named_fonts()
    missing = set(missing_families([family for _, family in named], config.root))
    return [f"{CONFIG_NAME}:{setting_line(config, 'pdf.fonts', role)}: warning: pdf.fonts.{role}: "
            f"no installed font is named {family!r}, so PDFs use the next family or Noto CJK in its place; "
            f"put its files in the project's {PROJECT_FONTS}/ folder or /usr/local/share/fonts "
            f"(or a folder in ${FONT_PATH_ENV})"
            for role, family in named if family in missing]
