"""What every reader produces: a typed sequence of source blocks.

A reader (.txt, .docx, .pdf …) knows nothing about regulations.  It hands the
structure step a :class:`RawDocument`: paragraphs and tables in reading
order, each with the place it came from (``where``, shown in the import
report), the number Word's automatic numbering would print (already turned
into text, so it looks exactly like a typed number) and layout hints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SourceBlock:
    """One paragraph (or table) of the source, in reading order.

    ``line`` orders blocks and names them in the report together with
    ``where`` ("line 12", "paragraph 40", "page 2 line 7").
    """

    text: str
    line: int
    where: str
    table: list[list[str]] | None = None  # rows of cell texts (first row = header)
    heading: int = 0  # 1..3 when the source marks it as a heading (Word style, large/bold PDF line)
    list_level: int | None = None  # Word ilvl / indentation step, for bullets
    auto_number: str = ""  # the number Word's numbering.xml printed (already part of ``text``)
    bold_lead: str = ""  # leading bold text (a run-in article title such as 目的)
    centered: bool = False
    wrapped: bool = False  # True when the reader knows the source broke this paragraph into lines at random

    @property
    def is_table(self) -> bool:
        return self.table is not None


@dataclass
class RawDocument:
    """A read file: blocks plus what the reader found outside the body."""

    path: Path
    blocks: list[SourceBlock]
    kind: str  # "text", "docx", "pdf"
    title_hint: str = ""  # document properties / PDF metadata title
    header_lines: list[str] = field(default_factory=list)  # page headers/footers (fields such as 文件编号)
    header_tables: list[list[list[str]]] = field(default_factory=list)  # tables in page headers (key | value cells)
    dropped: list[tuple[str, str, str]] = field(default_factory=list)  # (where, what, why) removed by the reader
    notes: list[tuple[str, str]] = field(default_factory=list)  # (where, message): reader-level guesses


class UnreadableFile(Exception):
    """The file cannot be read at all (wrong type, damaged, encrypted, conversion failed)."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):  # crosses the process pool
        return (self.__class__, (self.path, self.reason))
