"""Plain text and Markdown: detect the encoding, one block per line.

Web-copied text arrives as UTF-8, GB18030 (GBK), Big5 or UTF-16.  Markdown
headings (``#``), list bullets and GFM tables from other tools are read as
what they mean (a heading hint, a bullet, a table).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..blocks import RawDocument, SourceBlock, UnreadableFile

# Characters frequent in regulations, in both scripts: a decoding that yields
# many of them is the right one (GB18030 happily decodes Big5 bytes into nonsense).
_COMMON = set("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龍規條項應當員會於為與職責務進業辦門資發經")
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """(text, encoding name) — UTF-8, UTF-16 (with or without BOM), GB18030 or Big5."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    for name in ("gb18030", "big5hkscs"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
        score = sum(c in _COMMON for c in han) / max(len(han), 1)
        candidates.append((score, name, text))
    if not candidates:
        raise UnreadableFile(path, "not text in UTF-8, UTF-16, GB18030 or Big5 (is it a binary file?)")
    score, name, text = max(candidates)
    return text, name


def read_text_file(path: Path) -> RawDocument:
    """A .txt/.md file as blocks, one per non-empty line (tables as one block)."""
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")) and data[1::2].count(0) < len(data) // 4:
        raise UnreadableFile(path, "binary file, not text")
    text, encoding = decode(data, path)
    raw = RawDocument(path=path, blocks=[], kind="text")
    if encoding not in ("utf-8",):
        raw.notes.append(("file", f"read as {encoding}"))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    markdown = path.suffix.lower() in (".md", ".markdown")
    if markdown and lines and lines[0].strip() == "---":  # someone else's front matter
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                raw.dropped.append(("lines 1–%d" % (i + 1), "front matter", "front matter of another tool"))
                lines = [""] * (i + 1) + lines[i + 1:]
                break
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        number = i + 1
        if _TABLE_ROW.match(line) and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            rows = [_cells(line)]
            j = i + 2
            while j < len(lines) and _TABLE_ROW.match(lines[j]):
                rows.append(_cells(lines[j]))
                j += 1
            raw.blocks.append(SourceBlock("", number, f"line {number}", table=rows))
            i = j
            continue
        if "\t" in line.strip() and i + 1 < len(lines) and _tsv_width(lines[i + 1]) == _tsv_width(line) >= 2:
            rows = []
            j = i
            while j < len(lines) and _tsv_width(lines[j]) == _tsv_width(line):
                rows.append([c.strip() for c in lines[j].strip().split("\t")])
                j += 1
            raw.blocks.append(SourceBlock("", number, f"line {number}", table=rows))
            i = j
            continue
        i += 1
        if not line.strip():
            continue
        heading = 0
        if markdown:
            m = _MD_HEADING.match(line)
            if m:
                heading, line = min(len(m.group(1)), 3), m.group(2)
            line = re.sub(r"\*\*(.+?)\*\*", r"\1", line)
            line = re.sub(r"^\s*>\s?", "", line)
        raw.blocks.append(SourceBlock(line.strip(" \t"), number, f"line {number}", heading=heading,
                                      list_level=_indent_level(line) if markdown else None, wrapped=True))
    return raw


def _tsv_width(line: str) -> int:
    """Cells in a tab-separated row (a table copied from a web page), 0 for other lines."""
    stripped = line.strip()
    return len(stripped.split("\t")) if "\t" in stripped else 0


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def _indent_level(line: str) -> int | None:
    m = re.match(r"^( *)[-*+] ", line)
    return len(m.group(1)) // 2 if m else None
