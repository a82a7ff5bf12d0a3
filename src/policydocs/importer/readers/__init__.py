"""Readers: one per file kind, each returning a :class:`RawDocument`.

``read_file`` picks the reader by suffix; a file nobody can read raises
:class:`UnreadableFile` with the reason the user sees.
"""

from __future__ import annotations

from pathlib import Path

from .. import SUPPORTED  # noqa: F401  (the suffixes, re-exported next to the readers)
from ..blocks import RawDocument, UnreadableFile
from . import docx, legacy_office, pdf, text


def read_file(path: Path) -> RawDocument:
    """Read one file into blocks; UnreadableFile when it cannot be read."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    if suffix in (".txt", ".text", ".md", ".markdown"):
        return text.read_text_file(path)
    if suffix == ".docx":
        return docx.read_docx(path)
    if suffix in (".doc", ".wps", ".rtf", ".odt"):
        return legacy_office.read_via_libreoffice(path)
    if suffix == ".pdf":
        return pdf.read_pdf(path)
    raise UnreadableFile(path, f"unsupported file type {suffix or '(none)'}; "
                               f"import reads {', '.join(SUPPORTED)}")
