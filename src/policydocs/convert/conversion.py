"""Simplified ⇄ Traditional conversion: OpenCC plus a regulation glossary.

Layers, from the bottom:

- **OpenCC** (the official C++ binding, ``opencc`` on PyPI).  One
  ``opencc.OpenCC`` object per config, created once and reused.  Default
  configs map characters and disambiguate one-to-many characters by phrase
  (s2tw, s2hk, s2t, tw2s, hk2s, t2s …); *phrase mode* (s2twp, s2hkp, tw2sp,
  hk2sp) additionally swaps whole words (软件→軟體) and is opt-in.  The
  tofu-risk dictionaries (extension-plane characters a PDF font may lack) are
  off unless asked for.
- **Glossary** (``data/glossary-default.yaml`` + the project's
  ``glossary.yaml``): protected terms that are never converted (company and
  product names, people) and forced mappings per direction and locale
  (会签→會簽, 协调制度→協調制度 …).  Glossary terms are found with one compiled
  regular expression (longest term first); every match is replaced by a
  private-use placeholder character, the whole text goes through OpenCC in a
  single call (placeholders pass through untouched and break phrases exactly
  like a split would), and the placeholders are swapped for the forced
  targets.  One-character rules (签→簽) are applied in place after OpenCC so
  their neighbours keep OpenCC's phrase context.  Text without a glossary
  term costs one regex search extra.
- **Quotes**: Traditional output gets corner quotes 「」『』 and Simplified
  output “”‘’ (``[locales] quotes = "locale"``, the default); ``"keep"``
  leaves them as written.  The setting travels with the :class:`Glossary`
  (it is a conversion rule like the glossary's and enters its hash).
- **Regional vocabulary**: converting Simplified text to zh-Hant-TW or
  zh-Hant-HK keeps mainland words (信息, 账号 → 賬號); the report lists each
  one as *vocabulary* to review with the usual local word (資訊, 帳號),
  without changing the text — a glossary term decides.  The list is OpenCC's
  own TWPhrases/HKPhrases (what s2twp/s2hkp would swap,
  ``data/regional-phrases.tsv``) less the words regulations use in the region
  too, plus the few words they lack (``data/regional-vocabulary.yaml``);
  glossary terms are never suggested against.
- **Documents**: :func:`localize` runs every Text inline, reference title,
  picture description and text metadata field through the converter
  (``Document.map_text``) and builds a :class:`ConversionReport` listing
  every place where a glossary or phrase rule changed the text beyond
  character mapping, every rare reading OpenCC chose (髮, 錶 …) and every
  regional word to review.
- **Sources**: :func:`convert_source` converts a Markdown policy or plain text
  for ``policydocs convert`` (code, labels, references and URLs kept).
- **Glyph coverage**: :func:`check_glyph_coverage` checks every character
  against the cmap of the locale's font.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import opencc
import yaml

from ..core.errors import Diagnostic, PolicyError, PolicyErrors
from ..core.fsutil import atomic_write_bytes, inside_project, outside_project_message
from ..core.locales import LOCALES, get_locale
from ..core.model import Document, Image, PolicyMeta, Ref, Text
from ..core.yamlload import SafeLoader, safe_load
from ..read.config import load_config

OPENCC_VERSION: str = opencc.__version__
DEFAULT_GLOSSARY = Path(__file__).resolve().parent.parent / "data" / "glossary-default.yaml"
REGIONAL_VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "regional-vocabulary.yaml"
REGIONAL_PHRASES = Path(__file__).resolve().parent.parent / "data" / "regional-phrases.tsv"
PROJECT_GLOSSARY = "glossary.yaml"
QUOTE_STYLES = ("locale", "keep")
#: Regions whose usual vocabulary differs from the mainland's, with the OpenCC dictionary that lists it.
REGIONS = {"zh-Hant-TW": ("Taiwan", "OpenCC TWPhrases"), "zh-Hant-HK": ("Hong Kong", "OpenCC HKPhrases")}

SIMPLIFIED = "zh-Hans"
TRADITIONAL_LOCALES = ("zh-Hant", "zh-Hant-TW", "zh-Hant-HK")

#: Common spellings accepted on the command line and in glossaries.
LOCALE_ALIASES = {
    "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans-cn": "zh-Hans", "s": "zh-Hans",
    "zh-hant": "zh-Hant", "t": "zh-Hant",
    "zh-hant-tw": "zh-Hant-TW", "zh-tw": "zh-Hant-TW", "tw": "zh-Hant-TW",
    "zh-hant-hk": "zh-Hant-HK", "zh-hk": "zh-Hant-HK", "hk": "zh-Hant-HK", "zh-mo": "zh-Hant-HK",
}


def normalize_locale(code: str) -> str:
    """``zh-TW`` → ``zh-Hant-TW`` etc.; ValueError naming the known locales."""
    if code in LOCALES:
        return code
    canon = LOCALE_ALIASES.get(code.strip().lower().replace("_", "-"))
    if canon is None:
        raise ValueError(f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
    return canon


# --------------------------------------------------------------------------
# OpenCC configs per direction
# --------------------------------------------------------------------------

#: (source, target) → (default configs, phrase-mode configs); a tuple of
#: several configs is applied in order (Traditional variant → variant goes
#: through OpenCC-standard Traditional, never through Simplified).
OPENCC_CONFIGS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("zh-Hans", "zh-Hant"): (("s2t",), ("s2t",)),
    ("zh-Hans", "zh-Hant-TW"): (("s2tw",), ("s2twp",)),
    ("zh-Hans", "zh-Hant-HK"): (("s2hk",), ("s2hkp",)),
    ("zh-Hant", "zh-Hans"): (("t2s",), ("t2s",)),
    ("zh-Hant-TW", "zh-Hans"): (("tw2s",), ("tw2sp",)),
    ("zh-Hant-HK", "zh-Hans"): (("hk2s",), ("hk2sp",)),
    ("zh-Hant", "zh-Hant-TW"): (("t2tw",), ("t2tw",)),
    ("zh-Hant", "zh-Hant-HK"): (("t2hk",), ("t2hk",)),
    ("zh-Hant-TW", "zh-Hant"): (("tw2t",), ("tw2t",)),
    ("zh-Hant-HK", "zh-Hant"): (("hk2t",), ("hk2t",)),
    ("zh-Hant-TW", "zh-Hant-HK"): (("tw2t", "t2hk"), ("tw2t", "t2hk")),
    ("zh-Hant-HK", "zh-Hant-TW"): (("hk2t", "t2tw"), ("hk2t", "t2tw")),
}

def opencc_converter(config: str, *, tofu_risk: bool = False) -> opencc.OpenCC:
    """The shared ``opencc.OpenCC`` for ``config`` (created once per process, ~5–60 ms)."""
    return _opencc(config, tofu_risk)


@functools.lru_cache(maxsize=None)
def _opencc(config: str, tofu_risk: bool) -> opencc.OpenCC:
    return opencc.OpenCC(config, include_tofu_risk_dictionaries=tofu_risk)


def opencc_configs(source: str, target: str, phrase_mode: bool = False) -> tuple[str, ...]:
    """OpenCC config names used for a direction ("" tuple for identity)."""
    source, target = normalize_locale(source), normalize_locale(target)
    if source == target:
        return ()
    try:
        plain, phrase = OPENCC_CONFIGS[(source, target)]
    except KeyError:  # pragma: no cover - the table is complete for LOCALES
        raise ValueError(f"no conversion from {source} to {target}") from None
    return phrase if phrase_mode else plain


# --------------------------------------------------------------------------
# Glossary
# --------------------------------------------------------------------------

_FORM_KEYS = ("zh-Hans", "zh-Hant", "zh-Hant-TW", "zh-Hant-HK")
_ENTRY_KEYS = set(_FORM_KEYS) | {"reason", "only", "phrase"}
_PROTECT_KEYS = {"term", "reason"}
_ONLY_VALUES = ("to-traditional", "to-simplified")


@dataclass(frozen=True)
class GlossaryEntry:
    """One glossary rule.

    A *protected* entry (``protect`` is the term) is never converted in any
    direction.  A *mapping* entry holds the term's form per locale; the form
    for zh-Hant-TW / zh-Hant-HK falls back to ``zh-Hant``.  ``only`` limits
    it to one direction; ``phrase`` limits it to phrase mode.
    """

    forms: tuple[tuple[str, str], ...]  # (locale, form), sorted
    reason: str
    source: str  # "file:line"
    protect: str | None = None
    only: str | None = None
    phrase: bool = False

    def form(self, locale: str) -> str | None:
        d = dict(self.forms)
        if locale in d:
            return d[locale]
        if locale != SIMPLIFIED:
            return d.get("zh-Hant")
        return None

    def source_forms(self, locale: str) -> set[str]:
        """Spellings of the term a text in ``locale`` may contain."""
        d = dict(self.forms)
        out = {f for f in (self.form(locale),) if f}
        if locale in ("zh-Hant-TW", "zh-Hant-HK") and d.get("zh-Hant"):
            out.add(d["zh-Hant"])
        return out

    @property
    def label(self) -> str:
        return self.protect if self.protect else (self.form(SIMPLIFIED) or self.forms[0][1])

    def canonical(self) -> dict:
        return {"protect": self.protect, "forms": dict(self.forms), "only": self.only, "phrase": self.phrase}


@dataclass(frozen=True)
class Rule:
    """A glossary entry compiled for one direction: match ``term``, write ``target``."""

    term: str
    target: str
    entry: GlossaryEntry


@dataclass(frozen=True)
class Glossary:
    """The project's conversion rules: default glossary plus the project's (later
    files override earlier ones), and the quote style from ``policydocs.toml``
    (``[locales] quotes``: "locale" = 「」 in Traditional, “” in Simplified output;
    "keep" = as written)."""

    entries: tuple[GlossaryEntry, ...] = ()
    files: tuple[str, ...] = ()
    quotes: str = "locale"

    def rules(self, source: str, target: str, phrase_mode: bool = False) -> dict[str, Rule]:
        """term → Rule for a direction (later entries win)."""
        return _compile_rules(self, normalize_locale(source), normalize_locale(target), phrase_mode)

    def __len__(self) -> int:
        return len(self.entries)


EMPTY_GLOSSARY = Glossary()


@lru_cache(maxsize=256)
def _compile_rules(glossary: Glossary, source: str, target: str, phrase_mode: bool) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    if source == target:
        return rules
    to_trad = target != SIMPLIFIED
    to_simp = target == SIMPLIFIED
    for e in glossary.entries:
        if e.protect:
            rules[e.protect] = Rule(e.protect, e.protect, e)
            continue
        if e.phrase and not phrase_mode:
            continue
        if (e.only == "to-traditional" and not to_trad) or (e.only == "to-simplified" and not to_simp):
            continue
        tgt = e.form(target)
        if not tgt:
            continue
        for term in e.source_forms(source):
            rules[term] = Rule(term, tgt, e)
    return rules


class _LineLoader(SafeLoader):
    """SafeLoader that records each mapping's 1-based line as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_glossary_file(path: Path, shown: str | None = None) -> list[GlossaryEntry]:
    """Entries of one glossary file; ``shown`` names it in reports (errors use ``path``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(path, 0, f"cannot read glossary: {exc}") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyError(path, mark.line + 1 if mark else 1, f"YAML syntax error: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise PolicyError(path, 1, "glossary must be a mapping with 'protect' and/or 'terms'")
    data.pop("__line__", None)
    unknown = set(data) - {"protect", "terms", "version"}
    if unknown:
        raise PolicyError(path, _key_line(text, sorted(unknown)[0]),
                          f"unknown glossary section {sorted(unknown)[0]!r}; known: protect, terms")
    entries: list[GlossaryEntry] = []
    seen: dict[tuple, tuple[str, int]] = {}  # (direction key) → (target, line) for conflicts in one file

    shown = shown or str(path)

    def where(line: int) -> str:
        return f"{shown}:{line}"

    protect = data.get("protect") or []
    if not isinstance(protect, list):
        raise PolicyError(path, _key_line(text, "protect"), "'protect' must be a list")
    for item in protect:
        line = _key_line(text, "protect")
        if isinstance(item, str):
            term, reason = item, ""
        elif isinstance(item, dict):
            line = item.pop("__line__", line)
            bad = set(item) - _PROTECT_KEYS
            if bad:
                raise PolicyError(path, line, f"unknown key {sorted(bad)[0]!r} in protected term; known: term, reason")
            term, reason = item.get("term"), item.get("reason", "")
        else:
            raise PolicyError(path, line, "a protected term must be a string or {term, reason}")
        if not isinstance(term, str) or not term.strip():
            raise PolicyError(path, line, "protected term must be a non-empty string")
        if not isinstance(reason, str):
            raise PolicyError(path, line, "reason must be a string")
        entries.append(GlossaryEntry(forms=(), reason=reason, source=where(line), protect=term.strip()))

    terms = data.get("terms") or []
    if not isinstance(terms, list):
        raise PolicyError(path, _key_line(text, "terms"), "'terms' must be a list")
    for item in terms:
        if not isinstance(item, dict):
            raise PolicyError(path, _key_line(text, "terms"), "each term must be a mapping such as {zh-Hans: 会签, zh-Hant: 會簽, reason: …}")
        line = item.pop("__line__", 0)
        bad = set(item) - _ENTRY_KEYS
        if bad:
            raise PolicyError(path, line, f"unknown key {sorted(bad)[0]!r} in term; known: {', '.join(sorted(_ENTRY_KEYS))}")
        forms = {}
        for k in _FORM_KEYS:
            if k in item:
                v = item[k]
                if not isinstance(v, str) or not v.strip():
                    raise PolicyError(path, line, f"{k} must be a non-empty string")
                forms[k] = v.strip()
        if "zh-Hans" not in forms or len(forms) < 2:
            raise PolicyError(path, line, "a term needs zh-Hans and at least one Traditional form (zh-Hant, zh-Hant-TW or zh-Hant-HK)")
        only = item.get("only")
        if only is not None and only not in _ONLY_VALUES:
            raise PolicyError(path, line, f"only must be one of {', '.join(_ONLY_VALUES)}")
        phrase = item.get("phrase", False)
        if not isinstance(phrase, bool):
            raise PolicyError(path, line, "phrase must be true or false")
        reason = item.get("reason", "")
        if not isinstance(reason, str):
            raise PolicyError(path, line, "reason must be a string")
        entry = GlossaryEntry(forms=tuple(sorted(forms.items())), reason=reason, source=where(line),
                              only=only, phrase=phrase)
        # conflicting mappings inside one file are errors (across files: override)
        for src, tgt in _directions(entry):
            for term in entry.source_forms(src):
                key = (src, tgt, term, phrase)
                new_target = entry.form(tgt)
                if key in seen and seen[key][0] != new_target:
                    raise PolicyError(path, line, f"{term!r} ({src}→{tgt}) already maps to {seen[key][0]!r} "
                                      f"at line {seen[key][1]}; use 'only:' to limit one of them to a direction")
                seen[key] = (new_target, line)
        entries.append(entry)
    return entries


def _directions(entry: GlossaryEntry) -> Iterable[tuple[str, str]]:
    locs = [SIMPLIFIED, *TRADITIONAL_LOCALES]
    for s in locs:
        for t in locs:
            if s == t or (s != SIMPLIFIED and t != SIMPLIFIED):
                continue
            if entry.only == "to-traditional" and t == SIMPLIFIED:
                continue
            if entry.only == "to-simplified" and t != SIMPLIFIED:
                continue
            if entry.form(s) and entry.form(t):
                yield s, t


def _key_line(text: str, key: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*:", line):
            return i
    return 1


def load_glossary(project_root: Path | str | None) -> Glossary:
    """The default regulation glossary plus ``<project_root>/glossary.yaml`` (if present),
    with the project's quote style (``[locales] quotes``).

    Project entries override default ones for the same term and direction.
    Errors are :class:`PolicyError` naming the glossary file and line.
    """
    files = [(DEFAULT_GLOSSARY, "policydocs/data/glossary-default.yaml")]
    if project_root is not None:
        p = Path(project_root) / PROJECT_GLOSSARY
        if p.is_file():
            if not inside_project(p, Path(project_root)):
                raise PolicyError(PROJECT_GLOSSARY, 1, outside_project_message("glossary", p))
            files.append((p, PROJECT_GLOSSARY))
    entries: list[GlossaryEntry] = []
    for f, shown in files:
        entries.extend(_read_glossary_file(f, shown))
    quotes = "locale"
    if project_root is not None:
        quotes = load_config(project_root).locales.quotes
    return Glossary(entries=tuple(entries), files=tuple(str(f) for f, _ in files), quotes=quotes)


def glossary_hash(glossary: Glossary | None) -> str:
    """SHA-256 of the effective glossary content (order-sensitive, file locations ignored).

    Recorded in the build manifest together with :data:`OPENCC_VERSION`, so a
    locale variant can be re-derived exactly.
    """
    entries = [] if glossary is None else [e.canonical() for e in glossary.entries]
    if glossary is not None and glossary.quotes != "locale":  # the default keeps earlier hashes valid
        entries.append({"quotes": glossary.quotes})
    blob = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Converter
# --------------------------------------------------------------------------

# Placeholders for glossary matches: BMP Private Use Area characters.  They
# pass through OpenCC untouched and, unlike supplementary-plane characters,
# keep Python strings in their compact 2-byte form (an astral placeholder made
# OpenCC's encode/decode about 50 % slower).
_PH_BASE = 0xE000
_PH_MAX = 0xF8FF - _PH_BASE + 1
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


#: Traditional characters that OpenCC produces only for a rare reading of a
#: common Simplified character.  Every one of the neighbour-capture errors
#: found in the legacy texts (延長髮放, 對錶現, 一齣現, 國傢俱有, 補釦) produced
#: one of them, so the report lists each occurrence for a reviewer to check.
RARE_READINGS = {
    "髮": "hair", "錶": "watch (timepiece)", "齣": "a play (theatre)", "傢": "furniture (傢俱)",
    "釦": "button", "鬚": "beard", "麵": "noodles, flour", "糰": "dough ball", "颱": "typhoon",
    "檯": "counter, desk", "甦": "revive", "燬": "burn down", "彔": "carve", "噹": "clang",
}
_RARE_RE = re.compile("[" + "".join(RARE_READINGS) + "]")


@dataclass
class Change:
    """One place where a glossary or phrase rule changed the text beyond character
    mapping, where OpenCC chose a rare reading (``check``), or a mainland word
    the target region usually writes differently (``vocabulary``, text unchanged).

    ``start``/``end`` index the *source* text; ``opencc`` is what OpenCC
    without the glossary gives for the snippet in context (for ``phrase``:
    what the default, non-phrase config gives).
    """

    rule: str  # "glossary" | "protected" | "phrase" | "check" | "vocabulary"
    source: str
    result: str
    opencc: str
    start: int
    end: int
    detail: str = ""  # glossary file:line and reason, or phrase config
    suggestion: str = ""  # vocabulary: the usual local word (the text keeps ``result``)


_CORNER = {"“": "「", "”": "」", "‘": "『", "’": "』"}
_CURLY = {v: k for k, v in _CORNER.items()}
_TO_CORNER = re.compile(r"[“”‘]|(?<![A-Za-z])’|’(?![A-Za-z])")  # ’ between Latin letters is an apostrophe
_TO_CURLY = re.compile("[「」『』]")


def locale_quotes(text: str, target: str) -> str:
    """Quotation marks in the target's convention: 「」『』 in Traditional, “”‘’ in Simplified."""
    if target == SIMPLIFIED:
        return _TO_CURLY.sub(lambda m: _CURLY[m.group()], text) if "「" in text or "」" in text or "『" in text or "』" in text else text
    return _TO_CORNER.sub(lambda m: _CORNER[m.group()], text) if any(q in text for q in "“”‘’") else text


@functools.lru_cache(maxsize=1)
def regional_vocabulary() -> dict[str, dict[str, tuple[str, str, bool]]]:
    """locale → word as s2t writes it (OpenCC-standard Traditional) → (usual local word(s),
    why, from OpenCC): OpenCC's TWPhrases/HKPhrases (``data/regional-phrases.tsv``, made by
    ``scripts/regional_phrases.py``), less the words regulations use in the region too,
    plus the words OpenCC lacks (both in ``data/regional-vocabulary.yaml``)."""
    out: dict[str, dict[str, tuple[str, str, bool]]] = {loc: {} for loc in REGIONS}
    for line in REGIONAL_PHRASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        region, word, values = line.split("\t")
        usual = values.split()
        if word not in usual:  # listed as an alternative: the region writes it too
            out[region][word] = ("/".join(usual), f"listed in {REGIONS[region][1]}", True)
    s2t = opencc_converter("s2t")
    curated = safe_load(REGIONAL_VOCABULARY.read_text(encoding="utf-8")) or {}
    for region, section in curated.items():
        for entry in section.get("keep") or []:
            out[region].pop(s2t.convert(entry["zh-Hans"]), None)
        for entry in section.get("add") or []:
            out[region][s2t.convert(entry["zh-Hans"])] = (entry["usual"], entry.get("reason", ""), False)
    return out


class Converter:
    """Converts text between two locales: glossary rules first, OpenCC for the rest.

    Two kinds of glossary rule:

    - *term rules* (protected terms and multi-character terms) are masked
      with placeholder characters before OpenCC runs, so OpenCC never sees
      them and cannot join them with their neighbours into a phrase;
    - *character rules* (one character → one character, e.g. 签→簽) are
      applied after OpenCC at the same position, so the neighbours keep
      OpenCC's phrase context (splitting 核准 around 核 would turn 准 into 準).
      When a phrase-mode config changed the length (互联网→網際網路), they
      replace OpenCC's lone-character choice (籤) wherever it appears.

    Create through :func:`get_converter` (cached); ``convert`` is thread-safe.
    """

    def __init__(self, source: str, target: str, *, phrase_mode: bool = False,
                 glossary: Glossary | None = None, tofu_risk: bool = False):
        self.source = normalize_locale(source)
        self.target = normalize_locale(target)
        self.phrase_mode = phrase_mode
        self.glossary = glossary or EMPTY_GLOSSARY
        self.tofu_risk = tofu_risk
        self.configs = opencc_configs(self.source, self.target, phrase_mode)
        self.plain_configs = opencc_configs(self.source, self.target, False)
        self._chain = [opencc_converter(c, tofu_risk=tofu_risk) for c in self.configs]
        self._plain_chain = [opencc_converter(c, tofu_risk=tofu_risk) for c in self.plain_configs]
        if len(self._chain) == 1:  # skip the loop in the hot path
            self.opencc = self._chain[0].convert  # type: ignore[method-assign]
        self.rules = self.glossary.rules(self.source, self.target, phrase_mode) if self.configs else {}
        chars = {t: r for t, r in self.rules.items() if len(t) == 1 and len(r.target) == 1 and not r.entry.protect}
        terms = sorted((t for t in self.rules if t not in chars), key=lambda t: (-len(t), t))
        self.char_rules = {t: r.target for t, r in chars.items()}
        self._char_re = re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]") if chars else None
        self._pattern = re.compile("|".join(map(re.escape, terms))) if terms else None
        every = sorted(self.rules, key=lambda t: (-len(t), t))
        self._split_pattern = re.compile("|".join(map(re.escape, every))) if every else None
        # placeholders for every rule (character rules too: they are masked
        # like terms when their wrong character also occurs in the input)
        self._mask = {t: chr(_PH_BASE + i) for i, t in enumerate(every[:_PH_MAX])}
        self._unmask = {chr(_PH_BASE + i): self.rules[t].target for i, t in enumerate(every[:_PH_MAX])}
        last = chr(_PH_BASE + max(0, min(len(every), _PH_MAX) - 1))
        self._ph_re = re.compile(f"[{chr(_PH_BASE)}-{last}]")
        self._can_mask = len(every) <= _PH_MAX
        # when a phrase config changed the length, positions are lost: a
        # character rule then replaces OpenCC's lone-character choice (籤 for
        # 签) wherever it appears in the output
        wrong = {}
        for src, tgt in self.char_rules.items():
            alone = self.opencc(src)
            if len(alone) == 1 and alone != tgt:
                wrong[alone] = tgt
        self._char_wrong = str.maketrans(wrong) if wrong else None
        self._char_wrong_re = re.compile("[" + "".join(map(re.escape, sorted(wrong))) + "]") if wrong else None
        mask, unmask = self._mask, self._unmask
        self._mask_match = lambda m: mask[m.group()]
        self._unmask_match = lambda m: unmask[m.group()]
        self._alone: dict[str, str] = {}
        self.quotes = bool(self.configs) and self.glossary.quotes == "locale"
        self._init_vocabulary()

    def _init_vocabulary(self) -> None:
        """Regional words to report (Simplified → zh-Hant-TW / zh-Hant-HK only)."""
        self.region = REGIONS.get(self.target) if self.source == SIMPLIFIED else None
        self._vocab: dict[str, tuple[str, str, bool]] = {}
        self._vocab_re = self._vocab_guard = None
        if self.region is None:
            return
        # in phrase mode OpenCC's own swaps are made (and reported as "phrase"): only the additions remain
        self._vocab = {w: v for w, v in regional_vocabulary()[self.target].items()
                       if not (self.phrase_mode and v[2])}
        if self._vocab:
            self._vocab_re = re.compile("|".join(map(re.escape, sorted(self._vocab, key=lambda t: (-len(t), t)))))
        # the glossary decides: no suggestion against a glossary term (phrase-mode terms included)
        guard = sorted((t for t in self.glossary.rules(self.source, self.target, True) if len(t) > 1),
                       key=lambda t: (-len(t), t))
        self._vocab_guard = re.compile("|".join(map(re.escape, guard))) if guard else None
        self._s2t = opencc_converter("s2t", tofu_risk=self.tofu_risk)
        self._t2s = opencc_converter("t2s", tofu_risk=self.tofu_risk)

    def __repr__(self) -> str:
        return (f"Converter({self.source}→{self.target}, configs={'+'.join(self.configs) or 'identity'}, "
                f"rules={len(self.rules)})")

    @property
    def identity(self) -> bool:
        return not self.configs

    # -- raw OpenCC -------------------------------------------------------
    def opencc(self, text: str) -> str:
        """OpenCC alone (this converter's configs, no glossary)."""
        for cc in self._chain:
            text = cc.convert(text)
        return text

    def opencc_plain(self, text: str) -> str:
        """OpenCC with the default (non-phrase) configs, no glossary."""
        for cc in self._plain_chain:
            text = cc.convert(text)
        return text

    # -- conversion ---------------------------------------------------------
    def convert(self, text: str) -> str:
        """Converted ``text``: glossary terms forced/protected, the rest through OpenCC,
        quotation marks in the target's convention."""
        out = self._convert(text)
        return locale_quotes(out, self.target) if self.quotes and out else out

    def _convert(self, text: str) -> str:
        if not text or not self._chain:
            return text
        if not self._can_mask:
            return self._convert_split(text) if self._split_pattern is not None else self.opencc(text)
        pattern = self._pattern
        k = 0
        masked = text
        if pattern is not None:
            masked, k = pattern.subn(self._mask_match, text)
            if k and self._ph_re.search(text) is not None:
                # the text itself uses our placeholder characters: split instead of masking
                return self._convert_split(text)
        out = self.opencc(masked)
        if self._char_re is not None:
            fixed = self._fix_chars(masked, out)
            if fixed is None:  # OpenCC changed the length
                if self._char_wrong is None:
                    fixed = out
                elif self._char_wrong_re.search(masked) is None:  # type: ignore[union-attr]
                    fixed = out.translate(self._char_wrong)
                else:  # the wrong character is also in the input: mask the characters too
                    return self._convert_masked_all(text)
            out = fixed
        if k:
            out = self._ph_re.sub(self._unmask_match, out)
        return out

    def _convert_masked_all(self, text: str) -> str:
        masked = self._split_pattern.sub(self._mask_match, text)  # type: ignore[union-attr]
        return self._ph_re.sub(self._unmask_match, self.opencc(masked))

    __call__ = convert

    def _fix_chars(self, src: str, out: str) -> str | None:
        """Apply character rules at their positions (None when OpenCC changed the length)."""
        pieces: list[str] = []
        last = 0
        cmap = self.char_rules
        for m in self._char_re.finditer(src):  # type: ignore[union-attr]
            if len(out) != len(src):
                return None
            i = m.start()
            t = cmap[m.group()]
            if out[i] != t:
                pieces.append(out[last:i])
                pieces.append(t)
                last = i + 1
        if not pieces:
            return out
        pieces.append(out[last:])
        return "".join(pieces)

    def _convert_split(self, text: str) -> str:
        out, pos = [], 0
        for m in self._split_pattern.finditer(text):  # type: ignore[union-attr]
            out.append(self.opencc(text[pos:m.start()]))
            out.append(self.rules[m.group()].target)
            pos = m.end()
        out.append(self.opencc(text[pos:]))
        return "".join(out)

    def convert_with_changes(self, text: str) -> tuple[str, list[Change]]:
        """Like :meth:`convert`, plus every change beyond character mapping (for reports)."""
        result = self.convert(text)
        if not text or not self._chain:
            return result, []
        changes: list[Change] = []
        gaps: list[tuple[int, int]] = []
        pos = 0
        if self._split_pattern is not None and (
                (self._pattern is not None and self._pattern.search(text) is not None)
                or (self._char_re is not None and self._char_re.search(text) is not None)):
            # what OpenCC alone gives in context: its configs map character for
            # character except phrase-mode word swaps, so slice when lengths agree
            raw = self.opencc(text)
            aligned = len(raw) == len(text)
            matches = self._pattern.finditer(text) if self._pattern is not None else iter(())
            for m in matches:
                if self._char_re is not None:
                    self._char_changes(text, raw, aligned, pos, m.start(), changes)
                term = m.group()
                rule = self.rules[term]
                alone = raw[m.start():m.end()] if aligned else self._opencc_alone(term)
                if alone != rule.target:
                    changes.append(self._change(rule, term, alone, m.start(), m.end()))
                gaps.append((pos, m.start()))
                pos = m.end()
            if self._char_re is not None:
                self._char_changes(text, raw, aligned, pos, len(text), changes)
        gaps.append((pos, len(text)))
        if self.configs != self.plain_configs:
            for a, b in gaps:
                if a < b:
                    changes.extend(self._phrase_changes(text, a, b))
        if self.target != SIMPLIFIED and len(result) == len(text) and _RARE_RE.search(result):
            forced = [(c.start, c.end) for c in changes]
            for m in _RARE_RE.finditer(result):
                i = m.start()
                if text[i] != m.group() and not any(a <= i < b for a, b in forced):
                    changes.append(Change("check", text[i], m.group(), m.group(), i, i + 1,
                                          f"OpenCC chose the rare reading {m.group()} ({RARE_READINGS[m.group()]}); "
                                          "check the meaning, add a glossary entry if it is wrong"))
        if self._vocab_re is not None:
            changes.extend(self.vocabulary(text))
        changes.sort(key=lambda c: c.start)
        return result, changes

    def vocabulary(self, text: str) -> list[Change]:
        """Mainland words in ``text`` that the target region usually writes differently
        (rule ``vocabulary``; ``result`` is what the output keeps, ``suggestion`` the usual word).

        Words are found the way OpenCC's phrase configs find them: longest match
        on the OpenCC-standard Traditional text (s2t), left to right."""
        if self._vocab_re is None or not text:
            return []
        region = self.region[0]  # type: ignore[index]
        covered = [(m.start(), m.end()) for m in self._vocab_guard.finditer(text)] if self._vocab_guard else []
        std = self._s2t.convert(text)
        aligned = len(std) == len(text)
        out: list[Change] = []
        pos = 0
        for m in self._vocab_re.finditer(std):
            if aligned:
                start, end = m.start(), m.end()
            else:  # s2t changed the length somewhere: find the word in the source instead
                start = text.find(self._t2s.convert(m.group()), pos)
                if start < 0:
                    continue
                end = start + len(self._t2s.convert(m.group()))
            pos = end
            if any(a < end and start < b for a, b in covered):
                continue
            usual, why, _ = self._vocab[m.group()]
            kept = self._convert(text[start:end])
            out.append(Change("vocabulary", text[start:end], kept, kept, start, end,
                              f"{region} usually writes {usual} ({why}); the text keeps {kept}: "
                              "add a glossary term to choose", suggestion=usual))
        return out

    def _change(self, rule: Rule, term: str, alone: str, start: int, end: int) -> Change:
        kind = "protected" if rule.entry.protect else "glossary"
        detail = rule.entry.source + (f" — {rule.entry.reason}" if rule.entry.reason else "")
        return Change(kind, term, rule.target, alone, start, end, detail)

    def _char_changes(self, text: str, raw: str, aligned: bool, a: int, b: int, changes: list[Change]) -> None:
        for m in self._char_re.finditer(text, a, b):  # type: ignore[union-attr]
            ch = m.group()
            rule = self.rules[ch]
            alone = raw[m.start()] if aligned else self._opencc_alone(ch)
            if alone != rule.target:
                changes.append(self._change(rule, ch, alone, m.start(), m.end()))

    def _opencc_alone(self, term: str) -> str:
        r = self._alone.get(term)
        if r is None:
            r = self._alone[term] = self.opencc(term)
        return r

    def _phrase_changes(self, text: str, a: int, b: int) -> list[Change]:
        seg = text[a:b]
        phrased = self.opencc(seg)
        plain = self.opencc_plain(seg)
        if phrased == plain:
            return []
        aligned = len(plain) == len(seg)
        out = []
        sm = difflib.SequenceMatcher(None, plain, phrased, autojunk=False)
        # merge changed regions separated by one unchanged character when a
        # length changes (信息技術 → 資訊科技 is one swap, not two)
        spans: list[list[int]] = []
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                continue
            if spans:
                p = spans[-1]
                resized = (i2 - i1) != (j2 - j1) or (p[1] - p[0]) != (p[3] - p[2])
                if (i1 == p[1] and j1 == p[3]) or (resized and i1 - p[1] <= 1 and j1 - p[3] <= 1):
                    p[1], p[3] = i2, j2
                    continue
            spans.append([i1, i2, j1, j2])
        for i1, i2, j1, j2 in spans:
            if i1 == i2:  # pure insertion: show the character before it
                i1, j1 = max(0, i1 - 1), max(0, j1 - 1)
            if i2 - i1 == 1:  # one character: show the word (软件→軟體, not 件→體)
                if i1 > 0 and j1 > 0 and plain[i1 - 1] == phrased[j1 - 1] and _HAN_RE.match(plain[i1 - 1]):
                    i1, j1 = i1 - 1, j1 - 1
                elif i2 < len(plain) and j2 < len(phrased) and plain[i2] == phrased[j2] and _HAN_RE.match(plain[i2]):
                    i2, j2 = i2 + 1, j2 + 1
            src = seg[i1:i2] if aligned else plain[i1:i2]
            start = a + (i1 if aligned else 0)
            end = a + (i2 if aligned else len(seg))
            out.append(Change("phrase", src, phrased[j1:j2], plain[i1:i2], start, end, "+".join(self.configs)))
        return out


def get_converter(source: str, target: str, *, phrase_mode: bool = False,
                  glossary: Glossary | None = None, tofu_risk: bool = False) -> Converter:
    """A cached :class:`Converter` for a direction, mode and glossary.

    ``tofu_risk`` turns on OpenCC's tofu-risk dictionaries (characters outside
    what fonts commonly cover); leave it off for PDF output.
    """
    return _converter(normalize_locale(source), normalize_locale(target), phrase_mode, glossary or EMPTY_GLOSSARY,
                      tofu_risk)


@functools.lru_cache(maxsize=None)
def _converter(source: str, target: str, phrase_mode: bool, glossary: Glossary, tofu_risk: bool) -> Converter:
    return Converter(source, target, phrase_mode=phrase_mode, glossary=glossary, tofu_risk=tofu_risk)


def config_direction(config: str) -> tuple[str, str, bool] | None:
    """(source, target, phrase_mode) for an OpenCC config name, or None (jp2t, t2jp …)."""
    for (src, tgt), (plain, phrase) in OPENCC_CONFIGS.items():
        if plain == (config,):
            return src, tgt, False
        if phrase == (config,) and phrase != plain:
            return src, tgt, True
    return None


def converter_for_config(config: str, *, glossary: Glossary | None = None, tofu_risk: bool = True) -> Converter:
    """The :class:`Converter` that runs exactly one OpenCC ``config`` (used to check
    OpenCC's upstream test cases through our API).  ValueError for configs that
    are not a policydocs direction (jp2t, t2jp)."""
    direction = config_direction(config)
    if direction is None:
        raise ValueError(f"OpenCC config {config!r} is not a policydocs locale direction")
    src, tgt, phrase = direction
    return get_converter(src, tgt, phrase_mode=phrase, glossary=glossary, tofu_risk=tofu_risk)


def convert_text(text: str, source: str, target: str, *, phrase_mode: bool = False,
                 glossary: Glossary | None = None) -> str:
    """One-off conversion of a string (uses the cached converter)."""
    return get_converter(source, target, phrase_mode=phrase_mode, glossary=glossary).convert(text)


def is_simplified_clean(text: str) -> bool:
    """True when t2s leaves ``text`` unchanged (no Traditional-only characters left)."""
    return opencc_converter("t2s").convert(text) == text


# --------------------------------------------------------------------------
# Conversion report
# --------------------------------------------------------------------------


@dataclass
class ReportEntry:
    rule: str  # "glossary" | "protected" | "phrase" | "check" | "vocabulary"
    source: str  # source snippet
    result: str  # converted snippet
    context: str  # source text around the change, the change in 【】
    line: int
    path: str = ""
    opencc: str = ""  # what OpenCC alone gives for the snippet
    detail: str = ""  # glossary file:line — reason, or phrase config
    field: str = ""  # front-matter field name, or "" for body text
    suggestion: str = ""  # vocabulary: the usual local word (the text keeps ``result``)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.path else f"line {self.line}"
        if self.field:
            where += f" ({self.field})"
        if self.rule == "vocabulary":
            return (f"{where}: [vocabulary] {self.source} → {self.result}, usually {self.suggestion} "
                    f"| {self.context}" + (f" | {self.detail}" if self.detail else ""))
        return (f"{where}: [{self.rule}] {self.source} → {self.result} (OpenCC: {self.opencc}) "
                f"| {self.context}" + (f" | {self.detail}" if self.detail else ""))


@dataclass
class ConversionReport:
    """Every place in one policy and locale where the text changed beyond character mapping."""

    policy_id: str
    locale: str
    source_locale: str = ""
    configs: tuple[str, ...] = ()
    glossary_hash: str = ""
    entries: list[ReportEntry] = field(default_factory=list)
    path: Path | None = None  # set by write()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.rule] = out.get(e.rule, 0) + 1
        return out

    def to_dict(self) -> dict:
        return {
            "policy_id": self.policy_id, "locale": self.locale, "source_locale": self.source_locale,
            "configs": list(self.configs), "opencc_version": OPENCC_VERSION, "glossary_sha256": self.glossary_hash,
            "entries": [e.__dict__ for e in self.entries],
        }

    def render(self) -> str:
        c = self.counts()
        head = [
            f"Conversion report: {self.policy_id} {self.source_locale} → {self.locale}",
            f"OpenCC {OPENCC_VERSION}, configs: {'+'.join(self.configs) or 'identity'}, glossary sha256: {self.glossary_hash}",
            f"{len(self.entries)} change(s) beyond character mapping to review: "
            + (", ".join(f"{n} {k}" for k, n in sorted(c.items())) or "none"),
            "Each line: place: [rule] source → result (what OpenCC alone gives) | context | rule origin",
            "[vocabulary] lines change nothing: the word is kept as converted; the usual local word is named "
            "so a reviewer can choose it with a glossary term.",
            "",
        ]
        return "\n".join(head + [str(e) for e in self.entries]) + "\n"

    def write(self, path: Path) -> None:
        """Write the report (UTF-8 text) atomically to ``path``."""
        path = Path(path)
        atomic_write_bytes(path, self.render().encode("utf-8"), mode=0o644)
        self.path = path

    def summary_line(self) -> str:
        c = self.counts()
        parts = ", ".join(f"{n} {k}" for k, n in sorted(c.items()))
        s = f"{self.policy_id} {self.locale}: {len(self.entries)} conversion change(s) to review"
        if parts:
            s += f" ({parts})"
        if self.path:
            s += f" → {self.path}"
        return s


def build_summary_line(reports: Iterable[ConversionReport], reports_dir: str | Path = "build/reports") -> str:
    """One line for the build output over all policies and locales, e.g.
    ``conversion: 18 variants, 37 changes to review (30 glossary, 7 protected) → build/reports/``."""
    reports = [r for r in reports if r.configs]
    totals: dict[str, int] = {}
    for r in reports:
        for k, n in r.counts().items():
            totals[k] = totals.get(k, 0) + n
    n = sum(totals.values())
    parts = ", ".join(f"{v} {k}" for k, v in sorted(totals.items()))
    return (f"conversion: {len(reports)} converted variant(s), {n} change(s) to review"
            + (f" ({parts})" if parts else "") + f" → {reports_dir}/")


def _context(text: str, start: int, end: int, width: int = 12) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    ctx = ("…" if a > 0 else "") + text[a:start] + "【" + text[start:end] + "】" + text[end:b] + ("…" if b < len(text) else "")
    return ctx.replace("\n", " ")


# --------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------


def _text_slots(doc: Document) -> list[tuple[str, int, str]]:
    """(text, line, field) for every string ``Document.map_text`` passes to its function, in its order."""
    slots: list[tuple[str, int, str]] = []
    line = 0
    for node in doc.walk():
        pos = getattr(node, "pos", None)
        if pos is not None:
            line = pos.line
        if isinstance(node, Text):
            slots.append((node.text, line, ""))
        elif isinstance(node, Ref) and node.title:
            slots.append((node.title, line, ""))
        elif isinstance(node, Image) and node.alt:
            slots.append((node.alt, line, ""))
    for name in PolicyMeta.TEXT_FIELDS:
        value = getattr(doc.meta, name)
        if isinstance(value, str):
            slots.append((value, doc.meta.lines.get(name, 0), name))
    return slots


def localize(doc: Document, locale: str, glossary: Glossary | None, *,
             phrase_mode: bool = False) -> tuple[Document, ConversionReport]:
    """The document converted to ``locale`` (a new tree; ``doc`` is unchanged) and its report.

    Only text is converted: Text inlines, reference titles and the text
    metadata fields (title, department, category, applies_to …).  Code, link
    targets, ids, labels and numbers are untouched.  When ``locale`` equals
    ``doc.locale`` the result is a plain copy with an empty report.
    """
    locale = normalize_locale(locale)
    get_locale(locale)
    source = normalize_locale(doc.locale)
    conv = get_converter(source, locale, phrase_mode=phrase_mode, glossary=glossary)
    report = ConversionReport(doc.meta.id, locale, source, conv.configs, glossary_hash(glossary))
    if conv.identity:
        new = doc.map_text(lambda s: s)
        new.locale = locale
        return new, report

    slots = _text_slots(doc)
    index = 0
    path = str(doc.path)

    def fn(s: str) -> str:
        nonlocal index
        slot = slots[index] if index < len(slots) else None
        index += 1
        out, changes = conv.convert_with_changes(s)
        if changes:
            line, fld = (slot[1], slot[2]) if slot and slot[0] == s else (0, "")
            for ch in changes:
                report.entries.append(ReportEntry(ch.rule, ch.source, ch.result, _context(s, ch.start, ch.end),
                                                  line, path, ch.opencc, ch.detail, fld, ch.suggestion))
        return out

    new = doc.map_text(fn)
    new.locale = locale
    return new, report


# --------------------------------------------------------------------------
# Source files (policydocs convert)
# --------------------------------------------------------------------------

#: Spans of Markdown source that are data, not text: fenced code, inline code,
#: labels {#x}, references [[X#y]], link destinations, autolinks and bare URLs.
_MD_KEEP = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=fence)[ \t]*$"
    r"|(?P<ticks>`+)(?:(?!\n[ \t]*\n).)+?(?P=ticks)"
    r"|\{#[^}\n]*\}"
    r"|\[\[[^\]\n]*\]\]"
    r"|\]\([^)\n]*\)"
    r"|<[A-Za-z][A-Za-z0-9+.-]*:[^>\s]*>"
    r"|https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%\[\]-]+",
    re.M | re.S,
)
_FRONT_KEY = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>\s*:\s*)(?P<value>.*)$")


def convert_source(text: str, conv: Converter, *, markdown: bool = False,
                   policy_id: str = "", path: str = "") -> tuple[str, ConversionReport]:
    """Convert a plain text or a Markdown policy source (for ``policydocs convert``).

    Markdown: only the text front-matter fields (title, department …) are
    converted and ``lang`` is set to the target; in the body, code, labels,
    references, link targets and URLs are kept as written.
    """
    report = ConversionReport(policy_id, conv.target, conv.source, conv.configs, glossary_hash(conv.glossary))
    out: list[str] = []

    def piece(s: str, offset: int, field: str = "") -> str:
        res, changes = conv.convert_with_changes(s)
        for ch in changes:
            line = text.count("\n", 0, offset + ch.start) + 1
            report.entries.append(ReportEntry(ch.rule, ch.source, ch.result, _context(s, ch.start, ch.end),
                                              line, path, ch.opencc, ch.detail, field, ch.suggestion))
        return res

    body_start = 0
    if markdown and text.startswith("---\n"):
        end = text.find("\n---", 3)
        if end >= 0 and text[end + 4:end + 5] in ("\n", ""):
            offset = 4
            out.append("---\n")
            for line in text[4:end + 1].splitlines(keepends=True):
                m = _FRONT_KEY.match(line.rstrip("\n"))
                if m and m.group("key") in PolicyMeta.TEXT_FIELDS:
                    v0 = offset + m.start("value")
                    out.append(m.group("key") + m.group("sep") + piece(m.group("value"), v0, m.group("key"))
                               + line[len(line.rstrip("\n")):])
                elif m and m.group("key") == "lang":
                    out.append(m.group("key") + m.group("sep") + conv.target + line[len(line.rstrip("\n")):])
                elif m and m.group("key") == "id" and not policy_id:
                    report.policy_id = m.group("value").split("#")[0].strip()
                    out.append(line)
                else:
                    out.append(line)
                offset += len(line)
            out.append("---")
            body_start = end + 4
    if not markdown:
        out.append(piece(text, 0))
        return "".join(out), report
    pos = body_start
    for m in _MD_KEEP.finditer(text, body_start):
        out.append(piece(text[pos:m.start()], pos))
        out.append(m.group())
        pos = m.end()
    out.append(piece(text[pos:], pos))
    return "".join(out), report


# --------------------------------------------------------------------------
# Glyph coverage
# --------------------------------------------------------------------------

_font_cache: dict[str, tuple[str, int, str]] = {}


def resolve_font(family: str) -> tuple[str, int]:
    """(file, index) of an installed font family, via fontconfig; PolicyError when missing."""
    hit = _font_cache.get(family)
    if hit is None:
        if not shutil.which("fc-match"):
            raise PolicyError(family, 0, "fc-match (fontconfig) not found; cannot check glyph coverage")
        res = subprocess.run(["fc-match", "-f", "%{file}\t%{index}\t%{family}", f"{family}:style=Regular"],
                             capture_output=True, text=True, check=False)
        parts = res.stdout.split("\t")
        if res.returncode != 0 or len(parts) < 3:
            raise PolicyError(family, 0, f"fc-match failed for font {family!r}: {res.stderr.strip()}")
        file, index, families = parts[0], int(parts[1] or 0), parts[2]
        hit = (file, index, families)
        _font_cache[family] = hit
    file, index, families = hit
    if family.lower() not in [f.strip().lower() for f in families.split(",")]:
        raise PolicyError(family, 0, f"font {family!r} is not installed (fontconfig substitutes {families!r} "
                          f"from {file}); install fonts-noto-cjk")
    return file, index


def font_codepoints(file: str, index: int = 0) -> frozenset[int]:
    """Code points in a font's cmap (cached per file and index)."""
    return _font_codepoints(file, index)


@functools.lru_cache(maxsize=None)
def _font_codepoints(file: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # lazy: fontTools ≈ 7 ms at start-up; `check` never reads a font

    font = TTFont(file, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def _rendered_strings(doc: Document) -> Iterable[tuple[str, int]]:
    """(text, line) for every string a writer renders from the tree (text, code, titles, metadata)."""
    line = 0
    for node in doc.walk():
        pos = getattr(node, "pos", None)
        if pos is not None:
            line = pos.line
        text = getattr(node, "text", None)
        if isinstance(text, str):
            yield text, line
        if isinstance(node, Ref) and node.title:
            yield node.title, line
        if isinstance(node, Image) and node.alt:
            yield node.alt, line
    meta = doc.meta
    yield meta.id, meta.lines.get("id", 0)
    for name in PolicyMeta.TEXT_FIELDS:
        value = getattr(meta, name)
        if isinstance(value, str):
            yield value, meta.lines.get(name, 0)


def missing_glyphs(text: str, cmap: frozenset[int]) -> list[str]:
    """Characters of ``text`` the font lacks (controls and whitespace ignored), in order, once each."""
    seen: dict[str, None] = {}
    for ch in set(text):
        if ord(ch) in cmap or ch in seen:
            continue
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            continue
        seen[ch] = None
    return sorted(seen, key=text.index)


def locale_missing_glyphs(text: str, locale: str) -> list[str]:
    """Characters of ``text`` that the locale's font lacks (for strings outside a
    Document: organisation name, approvers, revision summaries, register headers)."""
    loc = get_locale(normalize_locale(locale))
    return missing_glyphs(text, font_codepoints(*resolve_font(loc.font_family)))


def check_glyph_coverage(doc: Document, locale: str | None = None) -> None:
    """Raise :class:`PolicyErrors` when the locale's font lacks a character of ``doc``.

    One diagnostic per source line, listing the characters (with code points).
    ``locale`` defaults to ``doc.locale``; its font is ``get_locale(locale).font_family``.
    """
    loc = get_locale(normalize_locale(locale or doc.locale))
    file, index = resolve_font(loc.font_family)
    cmap = font_codepoints(file, index)
    per_line: dict[int, list[str]] = {}
    for text, line in _rendered_strings(doc):
        for ch in missing_glyphs(text, cmap):
            chars = per_line.setdefault(line, [])
            if ch not in chars:
                chars.append(ch)
    if per_line:
        diags = [Diagnostic(str(doc.path), line,
                            f"{loc.code}: font {loc.font_family} has no glyph for "
                            + ", ".join(f"{c} (U+{ord(c):04X})" for c in chars)
                            + "; rewrite the text, add a glossary mapping, or choose another font")
                 for line, chars in per_line.items()]
        raise PolicyErrors(diags)


__all__ = [
    "OPENCC_VERSION", "OPENCC_CONFIGS", "Glossary", "GlossaryEntry", "Rule", "Converter", "Change",
    "ConversionReport", "ReportEntry", "build_summary_line", "RARE_READINGS", "load_glossary", "glossary_hash", "get_converter", "convert_text",
    "localize", "convert_source", "check_glyph_coverage", "resolve_font", "font_codepoints", "missing_glyphs", "locale_missing_glyphs",
    "normalize_locale", "opencc_configs", "config_direction", "converter_for_config", "opencc_converter", "is_simplified_clean", "EMPTY_GLOSSARY",
]
