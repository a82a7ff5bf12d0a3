"""From source blocks to units: one numbered (or unnumbered) piece of text each.

Text files lose their paragraphs in two ways: a paragraph hard-wrapped into
lines (joined again here), or a whole chapter run into one line —
``第一章总则第一条为了规范……第二条……`` (cut again here, only where the number
continues the sequence and stands where a new unit can start, so a citation
such as ``按照本制度第五条`` is never cut).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .blocks import SourceBlock
from .markers import CN_NUM, Marker, inline_marker_positions, leading_marker
from .normalize import (
    drop_cjk_spaces,
    full_width_punctuation,
    stars_to_brackets,
    strip_pinyin,
)
from .report import Finding

TERMINAL = "。！？!?；;：:"
_CLOSERS = "”’」』）)》】"
_OPENING_CONTINUATION = "，,、。；;：:）)」』”》"
_BREAK_BEFORE = "。！？!?；;：: \t\u3000"
REGULATION_NOUN = re.compile(r"(?:制度|办法|辦法|规定|規定|细则|細則|规则|規則|规范|規範|规程|規程|守则|守則|章程|条例|條例|"
                             r"手册|手冊|准则|準則|须知|須知|流程|流程图|流程圖|范文|範文|范本|範本|方案|要求|职责|職責)"
                             r"(?:[（(][^）)]{1,12}[）)])?(?:[一二三四五六七八九十\d]{1,2})?$")
#: 提升2、網站: a number between two characters of one sentence is a page number that landed there
_STRAY_PAGE_NUMBER = re.compile(r"(?<=[\u4e00-\u9fff])(?<![第共约約前后後至和及或])\d{1,3}、(?=[\u4e00-\u9fff])")
_TITLE_GLUE = re.compile(r"第一(?:章|条|條|节|節)|一、|[（(]一[）)]|1\.1\s?|第一部分")
#: 【第2篇】, 【篇一：…】: where a collection page starts its next regulation
PIECE_MARK = re.compile(r"【(?:第\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*篇|篇(?:\d{1,3}|[一二三四五六七八九十]{1,3})"
                        r"(?:[:：][^】]{0,40})?)】")
#: How the first sentence of a regulation (or of a part) usually begins: 为了规范…, 根据…, 本制度…
SENTENCE_OPENER = re.compile(r"^(?:为了|为|為了|為|根据|根據|依据|依據|依照|按照|本|凡|对|對|各|制定|建立|设立|設立|注重|"
                             r"加强|加強|明确|明確|实行|實行|实施|實施|坚持|堅持|遵循|结合|結合|通过|通過|在|由|成立|"
                             r"公司|部门|部門|员工|員工)(?!是)")


@dataclass
class Unit:
    """One unit of text with the marker it started with (None for a plain paragraph)."""

    marker: Marker | None
    text: str
    where: str
    line: int
    heading: int = 0
    bold_lead: str = ""
    centered: bool = False
    table: list[list[str]] | None = None
    list_level: int | None = None
    auto_number: bool = False
    title_candidate: bool = False  # glued title found before 第一章/第一条
    run_in_title: str = ""  # 第一条 目的 …: the article's own short title
    from_heading: bool = False  # the sentence cut off a heading it was glued to (第二章组织机构网络部门是…)


    @property
    def is_table(self) -> bool:
        return self.table is not None


def ends_sentence(text: str) -> bool:
    """Does ``text`` end a sentence or clause (。；：！？, also before a closing quote/bracket)?"""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in TERMINAL


def join_wrapped(blocks: list[SourceBlock], findings: list[Finding]) -> list[SourceBlock]:
    """Join lines of a text file that a hard wrap broke in the middle of a sentence."""
    out: list[SourceBlock] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and block.wrapped and prev.wrapped and not prev.is_table and not block.is_table \
                and not block.heading and not prev.heading and _continues(prev.text, block.text):
            findings.append(Finding(f"{prev.where}–{block.where.replace('line ', '')}", "join",
                                    f"joined a line broken mid-sentence: “…{prev.text[-12:]}” + “{block.text[:12]}…”",
                                    block.line))
            sep = " " if prev.text[-1:].isascii() and prev.text[-1:].isalnum() and block.text[:1].isascii() else ""
            prev.text = prev.text.rstrip() + sep + block.text.lstrip()
            continue
        out.append(block)
    return out


def _continues(prev: str, text: str) -> bool:
    prev, text = prev.rstrip(), text.lstrip()
    if not prev or not text:
        return False
    if standalone_title(prev) or standalone_title(text):
        return False
    if text[0] in _OPENING_CONTINUATION:
        return True
    if ends_sentence(prev) or leading_marker(text)[0] is not None:
        return False
    if prev[-1] in "，,、":
        return True
    return len(prev) >= 20 and not (len(prev) <= 40 and REGULATION_NOUN.search(prev))


def clean_text(block: SourceBlock, findings: list[Finding]) -> None:
    """Pinyin leaks, *** brackets and half-width punctuation in one block (reported)."""
    text, pinyin = strip_pinyin(block.text)
    for p in pinyin:
        findings.append(Finding(block.where, "text", f"removed pinyin {p} after a character (ruby text leaked by copying)",
                                block.line))
    text, stars = stars_to_brackets(text)
    if stars:
        findings.append(Finding(block.where, "text", f"{stars} pair(s) of *** read as brackets （…）", block.line))
    text, punct = full_width_punctuation(text)
    if punct:
        findings.append(Finding(block.where, "text", f"{punct} half-width punctuation mark(s) made full-width", block.line))
    block.text = text


class SequenceTracker:
    """The last value seen per marker style, to tell a new unit from a citation."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def see(self, marker: Marker) -> None:
        if marker.style == "chapter" and marker.value == 1:
            self.last = {}
        self.last[marker.style] = marker.value

    def continues(self, marker: Marker, fresh_list_ok: bool) -> bool:
        last = self.last.get(marker.style)
        if marker.value == (last or 0) + 1:
            return True
        return fresh_list_ok and marker.value == 1 and not marker.fixed


def split_units(blocks: list[SourceBlock], findings: list[Finding]) -> list[Unit]:
    """Blocks → units: leading numbers read, run-on text cut at numbers that continue a sequence."""
    tracker = SequenceTracker()
    units: list[Unit] = []
    for block in blocks:
        if block.is_table:
            units.append(Unit(None, "", block.where, block.line, table=block.table))
            continue
        pieces = _cut(block, tracker, findings)
        for k, (marker, text, title) in enumerate(pieces):
            run_in = ""
            if marker is not None and marker.style == "article":
                run_in, text = _run_in_title(marker, text, block.bold_lead if k == 0 else "")
            text = drop_cjk_spaces(text).strip()
            if not text and marker is None:
                continue
            units.append(Unit(marker, text, block.where, block.line,
                              heading=block.heading if k == 0 else 0,
                              bold_lead=block.bold_lead if k == 0 else "",
                              centered=block.centered if k == 0 else False,
                              list_level=block.list_level if k == 0 else None,
                              auto_number=bool(block.auto_number) and k == 0,
                              title_candidate=title, run_in_title=run_in))
    return units


_RUN_IN = re.compile(r"^([^\s，。；：、,.;:（）()“”《》]{1,10})[ \t\u3000]+(\S.*)$")


def _run_in_title(marker: Marker, text: str, bold_lead: str) -> tuple[str, str]:
    """第一条 目的 为保护… → ("目的", "为保护…"): a short bold or space-separated title after the number."""
    lead = bold_lead.replace(" ", "").replace("\u3000", "")
    number = marker.raw.strip(" \t\u3000:：、.．")
    if lead.startswith(number) and len(lead) > len(number):
        title = lead[len(number):].strip(":：、")
        compact = text.lstrip(" \t\u3000")
        if title and compact.replace(" ", "").startswith(title) and len(title) <= 12:
            rest = compact[len(title):] if compact.startswith(title) else compact.replace(" ", "", 1)[len(title):]
            return title, rest.strip()
    if marker.separated:
        m = _RUN_IN.match(text.strip())
        if m and len(m.group(2)) > 1:
            return m.group(1), m.group(2)
    return "", text


def _cut(block: SourceBlock, tracker: SequenceTracker, findings: list[Finding]) -> list[tuple[Marker | None, str, bool]]:
    text = block.text.strip()
    pieces: list[tuple[Marker | None, str, bool]] = []
    mark = PIECE_MARK.search(text)
    if mark and text[mark.end():].strip():
        before = text[:mark.start()].strip()
        findings.append(Finding(block.where, "split", f"“{mark.group(0)}” marks the next regulation of a collection: "
                                "the text is cut there", block.line))
        if before:
            pieces.append((None, before, False))
        text = text[mark.end():].strip()
    marker, rest = leading_marker(text)
    if marker is None:
        glue = _TITLE_GLUE.search(text)
        start = glue.start() if glue else _title_before_opener(text)
        if start is not None and 2 <= start <= 40:
            prefix = text[:start].strip()
            half = len(prefix) // 2
            if len(prefix) % 2 == 0 and prefix[:half] == prefix[half:]:
                prefix = prefix[:half]  # a breadcrumb and the title, run together
            if REGULATION_NOUN.search(prefix) and not re.search(r"[。；，,：:]", prefix):
                findings.append(Finding(block.where, "split", f"read “{prefix}” as a title glued to the text after it",
                                        block.line))
                pieces.append((None, prefix, True))
                text = text[start:]
                marker, rest = leading_marker(text)
    if marker is not None:
        tracker.see(marker)
        body = rest
    else:
        body = text
    current_marker, start = marker, 0
    segments: list[tuple[Marker | None, int, int]] = []
    marker_end = 0
    for pos, candidate in inline_marker_positions(body):
        if pos < start:
            continue
        before = body[pos - 1] if pos > 0 else ""
        since = body[start:pos]
        run_in_title = (current_marker is not None or start == 0) and 0 < len(since) <= 14 \
            and not re.search(r"[，,。；;、：:]", since) and start == marker_end and current_marker is not None
        fresh_ok = before in "：:" or before.isspace() or run_in_title or before in "。；;！!？?"
        if not (before in _BREAK_BEFORE or run_in_title):
            continue
        if candidate.fixed and candidate.style == "chapter" and not (before in "。；;" or before.isspace() or pos == 0):
            continue
        if not tracker.continues(candidate, fresh_ok):
            continue
        after = body[pos + len(candidate.raw):]
        if not after.strip() or (candidate.style == "article" and after.startswith(("规定", "規定", "的"))):
            continue
        segments.append((current_marker, start, pos))
        tracker.see(candidate)
        current_marker = candidate
        start = pos + len(candidate.raw)
        marker_end = start
    segments.append((current_marker, start, len(body)))
    pieces_text = []
    for m, a, b in segments:
        piece = body[a:b]
        for stray in _STRAY_PAGE_NUMBER.finditer(piece):
            findings.append(Finding(block.where, "furniture", f"removed “{stray.group(0)}” inside a sentence "
                                    f"(“…{piece[max(0, stray.start() - 6):stray.end() + 6]}…”): a page number, "
                                    "not a list number", block.line))
        pieces_text.append((m, _STRAY_PAGE_NUMBER.sub("", piece)))
    if len(segments) > 1:
        findings.append(Finding(block.where, "split", f"cut run-on text into {len(segments)} units at their numbers",
                                block.line))
    for m, piece in pieces_text:
        pieces.append((m, piece.strip(), False))
    return pieces


_TITLE_OPENER = re.compile(r"^(?:为了|為了|[为為](?:加强|加強|规范|規範|进一步|進一步|保障|确保|確保|提高|明确|明確)|根据|根據|"
                           r"依据|依據|在(?:公司|日常|本|我们|我們))")


#: How a heading such as 组织机构, 工作职责, 绩效考核与激励 ends
_HEADING_END = re.compile(r"(?:则|則|职责|職責|职能|職能|流程|原则|原則|管理|考核|机构|機構|架构|架構|结构|結構|制度|行为|行為|"
                          r"划分|劃分|规范|規範|机制|機制|激励|激勵|发展|發展|范围|範圍|要求|措施|纪律|紀律|分工|奖惩|獎懲|"
                          r"评价|評價|权限|權限|培训|培訓|程序|方法|领导|領導|目的|定义|定義|依据|依據|标准|標準|保密|处理|"
                          r"處理|任务|任務|内容|內容|办法|辦法|绪论|緒論|概述|附录|附錄|总纲|總綱|说明|說明)$")
_NOT_SUBJECT = ("管理", "制度", "规定", "規定", "办法", "辦法")
_HEADING_KINDS = ("chapter", "section", "part", "cn-dun")


def cut_glued_headings(units: list[Unit], title: str, findings: list[Finding]) -> list[Unit]:
    """第二章组织机构网络部门是公司的… → the heading 组织机构 and the sentence after it.

    Only for chapter/section numbers and 一、: the heading must end like one (…机构, …职责, …与激励)
    and the sentence must start like one (为…, 根据…, or the subject named in the title)."""
    out: list[Unit] = []
    for u in units:
        cut = _glued_heading_end(u, title)
        if cut is None:
            out.append(u)
            continue
        head, rest = u.text[:cut], u.text[cut:]
        findings.append(Finding(u.where, "heading", f"“{head}” read as the heading of {u.marker.raw.strip()}, "
                                f"“{rest[:12]}…” as the text under it", u.line))
        u.text = head
        out.append(u)
        out.append(Unit(None, rest, u.where, u.line, from_heading=True))
    return out


def _glued_heading_end(u: Unit, title: str) -> int | None:
    if u.marker is None or u.is_table or u.marker.style not in _HEADING_KINDS or u.heading:
        return None
    text = u.text
    if SENTENCE_OPENER.match(text):
        return None  # 一、本制度所述的项目工程管理是指…: a sentence from its first character
    for k in range(2, min(11, len(text) - 5)):
        if re.search(r"[\s，,。；;：:、！!？?（）()“”《》]", text[k - 1]):
            return None
        rest = text[k:]
        if not _HEADING_END.search(text[:k]) or re.match(r"[\s，,。；;：:、！!？?）)”》]", rest):
            continue
        subject = rest[:2] in title and rest[:2] not in _NOT_SUBJECT
        if subject or SENTENCE_OPENER.match(rest):
            return k
    return None


def _title_before_opener(text: str) -> int | None:
    """网络部团队管理制度范文为了能够…: where a title ends and the first sentence begins (None: no such place)."""
    for k in range(4, min(41, len(text) - 8)):
        if _TITLE_OPENER.match(text[k:]) and title_like(text[:k]):
            return k
    return None


_NAMES_A_REGULATION = re.compile(r"制度|办法|辦法|规定|規定|流程|手册|手冊|细则|細則|规程|規程")


def standalone_title(text: str) -> bool:
    """A line that names a regulation and is no sentence (客服部管理制度与工作流程(整理版)): never the
    continuation of a hard-wrapped line, nor continued by the next one."""
    t = text.strip()
    return 6 <= len(t) <= 40 and not re.search(r"[。；;，,：:！？!?、]", t) and bool(_NAMES_A_REGULATION.search(t))


def title_like(text: str, limit: int = 40) -> bool:
    """Short, no sentence punctuation, ends with a regulation noun: a document title."""
    t = text.strip()
    return 2 <= len(t) <= limit and not re.search(r"[。；;，,：:！？]", t) and bool(REGULATION_NOUN.search(t))


_ = CN_NUM  # re-exported pattern used by callers building their own regexes
