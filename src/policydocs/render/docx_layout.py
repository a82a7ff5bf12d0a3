"""Where a DOCX's pages fall, as LibreOffice lays them out (headless, one run per call).

A table of contents in a DOCX is a field whose *result* (titles and page
numbers) is stored in the file.  Word recomputes it when asked; LibreOffice
and WPS show the stored result as it is.  So the result must carry real page
numbers, and page numbers exist only after a layout: we lay the finished
document out once with LibreOffice (the second client our tests use), read
the page of every ``_Toc`` bookmark from the PDF's named destinations
(``pdfinfo -dests``), and write those numbers into the field results.  The
numbers are then right for LibreOffice and WPS users at once, and Word
recomputes them from the same bookmarks.

Each process keeps its own LibreOffice user profile (parallel runs with one
profile fail), created on first use and removed at exit.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from ..core.errors import PolicyError
from ..core.fsutil import process_temp_dir

#: LibreOffice's PDF export with bookmarks written as named destinations.
_PDF_FILTER = 'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
_TIMEOUT = 900  # seconds: a 400-page handbook takes well under a minute


def soffice() -> str | None:
    """The LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_tools() -> list[tuple[str, str]]:
    """What a layout needs and this computer lacks: (program, Debian package) pairs
    (empty when page numbers can be laid out)."""
    needed = (("soffice", "libreoffice-writer", soffice()), ("pdfinfo", "poppler-utils", shutil.which("pdfinfo")))
    return [(program, package) for program, package, found in needed if found is None]


@lru_cache(maxsize=1)
def _profile() -> Path:
    return process_temp_dir("policydocs-lo-")  # removed at exit, in a pool worker too


def _dest_name(bookmark: str) -> str:
    """How LibreOffice names a bookmark's destination in the PDF (``_`` written as ``5F``)."""
    return bookmark.replace("_", "5F")


def to_pdf(data: bytes, *, what: str = "DOCX", filter_name: str = "pdf") -> bytes:
    """``data`` (a DOCX) converted to PDF by LibreOffice headless.  PolicyError when
    LibreOffice is missing or fails (naming ``what``)."""
    binary = soffice()
    if binary is None:
        raise PolicyError(what, 0, "LibreOffice (soffice) is not installed: install the Debian package "
                                   "libreoffice-writer (`make setup` does)")
    with tempfile.TemporaryDirectory(prefix="policydocs-layout-") as tmp:
        src = Path(tmp) / "layout.docx"
        src.write_bytes(data)
        cmd = [binary, f"-env:UserInstallation=file://{_profile()}", "--headless", "--norestore",
               "--convert-to", filter_name, "--outdir", tmp, str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise PolicyError(what, 0, f"LibreOffice did not lay out the document within {_TIMEOUT} s") from None
        pdf = Path(tmp) / "layout.pdf"
        if proc.returncode != 0 or not pdf.is_file():
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PolicyError(what, 0, f"LibreOffice could not lay out the document: {detail[0]}")
        return pdf.read_bytes()


def bookmark_pages(data: bytes, bookmarks: list[str], *, what: str = "DOCX") -> dict[str, int] | None:
    """Physical page (1-based) of each of ``bookmarks`` in the DOCX ``data`` as LibreOffice
    lays it out; None when LibreOffice or pdfinfo is not installed (the caller leaves numbers
    out; the build warns, see :func:`missing_tools`)."""
    if missing_tools():
        return None
    pdf = to_pdf(data, what=what, filter_name=_PDF_FILTER)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        out = subprocess.run(["pdfinfo", "-dests", fh.name], capture_output=True, text=True, check=True).stdout
    pages: dict[str, int] = {}
    for line in out.splitlines():
        m = re.match(r'\s*(\d+)\s+\[.*\]\s+"(.*)"\s*$', line)
        if m:
            pages.setdefault(m.group(2), int(m.group(1)))
    return {b: pages[_dest_name(b)] for b in bookmarks if _dest_name(b) in pages}
