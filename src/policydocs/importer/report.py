"""The import report: every guess the importer made, with the source place.

One report per imported policy, as Markdown (written next to the project's
other review material) and as terminal text, so a person can review an
import in minutes: headings that were guessed, furniture that was dropped,
references left unresolved, list levels inferred, metadata guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

#: Finding kinds, in the order a reviewer reads them, with their headings.
KINDS = {
    "metadata": "Front matter guessed",
    "split": "Splitting the file",
    "structure": "Structure guessed",
    "heading": "Headings guessed",
    "level": "List levels inferred",
    "numbering": "Source numbering irregular",
    "reference": "References",
    "furniture": "Dropped as page or web furniture",
    "join": "Lines joined",
    "text": "Text normalised",
    "file": "Reading the file",
}


@dataclass
class Finding:
    """One decision that was a guess: where in the source, what kind, what was decided."""

    where: str
    kind: str
    message: str
    line: int = 0  # order key in the source (to give a part of a split file its own findings)


@dataclass
class Counts:
    chapters: int = 0
    sections: int = 0
    articles: int = 0
    paragraphs: int = 0
    items: int = 0
    tables: int = 0
    references: int = 0

    def summary(self) -> str:
        parts = [f"{self.chapters} chapters"] if self.chapters else []
        if self.sections:
            parts.append(f"{self.sections} sections")
        parts.append(f"{self.articles} articles" if self.articles else f"{self.paragraphs} paragraphs")
        parts.append(f"{self.items} items")
        if self.tables:
            parts.append(f"{self.tables} tables")
        if self.references:
            parts.append(f"{self.references} references")
        return ", ".join(parts)


@dataclass
class ImportReport:
    """What happened to one policy taken from one source file."""

    source: str
    policy_id: str = ""
    title: str = ""
    output: str = ""
    numbering: str = "articles"
    counts: Counts = field(default_factory=Counts)
    findings: list[Finding] = field(default_factory=list)
    error: str = ""  # set when nothing was written
    part: str = ""  # "2/5" when one file held several regulations

    def add(self, where: str, kind: str, message: str, line: int = 0) -> None:
        self.findings.append(Finding(where, kind, message, line))

    @property
    def warnings(self) -> int:
        return len(self.findings)

    def kind_counts(self) -> Counter[str]:
        return Counter(f.kind for f in self.findings)

    def to_markdown(self) -> str:
        """The report as Markdown, findings grouped by kind, each with its source place."""
        lines = [f"# Import report: {self.policy_id or '(not written)'} {self.title}".rstrip(), ""]
        lines.append(f"- source: `{self.source}`" + (f" (regulation {self.part})" if self.part else ""))
        if self.output:
            lines.append(f"- written: `{self.output}` ({self.numbering} style)")
        if self.error:
            lines.append(f"- **not written**: {self.error}")
        lines.append(f"- structure: {self.counts.summary()}")
        lines.append(f"- guesses to review: {self.warnings}")
        lines.append("")
        for kind, heading in KINDS.items():
            found = [f for f in self.findings if f.kind == kind]
            if not found:
                continue
            lines += [f"## {heading} ({len(found)})", ""]
            for f in found:
                lines.append(f"- {f.where}: {_md_escape(f.message)}")
            lines.append("")
        lines += ["## Next steps", "",
                  "1. Read the guesses above against the source; fix the Markdown where a guess was wrong.",
                  f"2. `policydocs check` — then `policydocs build --policy {self.policy_id or 'ID'}` and read the PDF.",
                  "3. Approve: `policydocs approve` (编制 → 审核 → 批准), then `policydocs release`.", ""]
        return "\n".join(lines)

    def terminal_lines(self, full: bool) -> list[str]:
        """Lines for the terminal: a summary, then every finding (``full``) or counts per kind."""
        head = f"{self.source}"
        if self.part:
            head += f" [{self.part}]"
        if self.error:
            return [f"{head}: error: {self.error}"]
        out = [f"{head} → {self.output}: {self.title} — {self.counts.summary()}; {self.warnings} guess(es) to review"]
        if full:
            out += [f"    {f.where}: [{f.kind}] {f.message}" for f in self.findings]
        elif self.findings:
            kinds = self.kind_counts()
            out.append("    " + ", ".join(f"{n} {KINDS.get(k, k).lower()}" for k, n in kinds.most_common()))
        return out


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("<", "\\<").replace("`", "\\`").replace("*", "\\*").replace("_", "\\_")
