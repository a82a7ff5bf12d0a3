"""Old binary Word (.doc), WPS (.wps), RTF and ODT: LibreOffice converts them to .docx.

Each conversion runs ``soffice --headless`` with its own profile directory
(parallel runs sharing a profile fail silently) and a timeout; the .docx is
then read like any other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..blocks import RawDocument, UnreadableFile
from .docx import read_docx

TIMEOUT_SECONDS = 120


def soffice_binary() -> str | None:
    """The LibreOffice executable, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, workdir: Path, timeout: float = TIMEOUT_SECONDS) -> Path:
    """Convert ``path`` with LibreOffice into ``workdir``; UnreadableFile on failure."""
    binary = soffice_binary()
    if binary is None:
        raise UnreadableFile(path, "LibreOffice (soffice) is not installed; it converts .doc/.wps files "
                                   "(Debian package libreoffice-writer)")
    profile = workdir / "profile"
    outdir = workdir / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    command = [binary, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(path.resolve())]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                env=dict(os.environ, HOME=str(workdir)))
    except subprocess.TimeoutExpired:
        raise UnreadableFile(path, f"LibreOffice did not finish converting within {timeout:.0f} s") from None
    produced = outdir / (path.stem + ".docx")
    if result.returncode != 0 or not produced.is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise UnreadableFile(path, "LibreOffice could not convert it"
                                   + (f": {detail[-1]}" if detail else " (damaged, encrypted or not a document)"))
    return produced


def read_via_libreoffice(path: Path) -> RawDocument:
    """Convert to .docx in a private temporary folder and read that."""
    with tempfile.TemporaryDirectory(prefix="policydocs-lo-") as tmp:
        produced = convert_to_docx(path, Path(tmp))
        raw = read_docx(produced, shown=path)
    raw.notes.append(("file", "converted to .docx by LibreOffice"))
    return raw
