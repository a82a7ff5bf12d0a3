"""``policydocs.toml``: the project's validated configuration.

Small core, validated config (as MkDocs does): every section has defaults, so
an empty file is a valid project; unknown keys and wrong types are errors
naming the file and line.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..core.errors import PolicyError
from ..core.locales import LOCALES

CONFIG_NAME = "policydocs.toml"


@dataclass
class OrganisationConfig:
    """``[organisation]``: the name as registered, and optionally the name per locale.

    ``names`` / ``short_names`` (sub-tables ``[organisation.names]``) map a
    locale code to the name printed in that locale's outputs, e.g. a Taiwan
    branch registered as 華衡智造科技股份有限公司.  A locale without an entry
    prints ``name`` exactly as written: a registered name is not converted.
    """

    name: str = "示例公司"
    short_name: str = ""
    address: str = ""
    names: dict = field(default_factory=dict)
    short_names: dict = field(default_factory=dict)

    def name_for(self, locale: str) -> str:
        """The organisation's name in ``locale``'s outputs."""
        return self.names.get(locale) or self.name

    def short_name_for(self, locale: str) -> str:
        """The short name in ``locale``'s outputs (falls back to ``short_name``, then the name)."""
        return self.short_names.get(locale) or self.short_name or self.name_for(locale)


@dataclass
class LocalesConfig:
    source: str = "zh-Hans"
    publish: list[str] = field(default_factory=lambda: ["zh-Hans"])
    phrase_mode: bool = False  # s2twp / tw2sp whole-word swaps (opt-in)
    roc_dates: bool = False  # 中華民國114年1月1日 in zh-Hant-TW outputs
    date_style: str = "arabic"  # arabic (2025年1月1日) | hanzi (二〇二五年一月一日)
    quotes: str = "locale"  # locale: 「」『』 in Traditional, “”‘’ in Simplified outputs | keep: as written


@dataclass
class VersionsConfig:
    scheme: str = "A/0"  # "A/0" (A/0, A/1, … B/0) or "V1.0" (V1.0, V1.1, … V2.0)
    roles: list[str] = field(default_factory=lambda: ["编制", "审核", "批准"])


@dataclass
class SigningConfig:
    pkcs12: str = ""  # path to the organisation's PKCS#12; empty = the demo one made by `keys init-org`
    passphrase_env: str = "POLICYDOCS_SIGNING_PASSPHRASE"
    trust_root: str = "keys/org-ca.pem"  # public CA certificate (in the repo)
    timestamp_url: str = ""  # PAdES B-T when set
    location: str = ""
    contact: str = ""


@dataclass
class DocxConfig:
    preset: str = "gbt9704"  # gbt9704 | handbook
    reference: str = ""  # path to the organisation's own reference DOCX


#: Font roles of ``[pdf.fonts]``: what each one sets in a PDF.
PDF_FONT_ROLES = {
    "body": "仿宋: body text and tables",
    "title": "小标宋: the document title",
    "heading": "黑体: headings, the document-control header, bold text",
}


@dataclass
class PdfConfig:
    """``[pdf]``: page preset, PDF/A, and the company's own faces.

    ``fonts`` (sub-table ``[pdf.fonts]``) maps a role (``body``, ``title``,
    ``heading``) to a font family name or a list of them, tried in order before
    the locale's Noto face, e.g. ``body = "FangSong_GB2312"``, ``title =
    ["FZXiaoBiaoSong-B05S", "方正小标宋简体"]``. Only families are named here,
    never files: the fonts are found in the project's ``fonts/`` folder, the
    machine's local font folders or ``POLICYDOCS_FONT_PATH``.
    """

    preset: str = ""  # gbt9704 | handbook; empty = the same as [docx] preset, so PDF and DOCX agree
    pdfa: bool = True  # write PDF/A-2b (archival); Typst checks the rules while writing
    fonts: dict = field(default_factory=dict)  # role → family or [families], ahead of Noto

    def font_families(self, role: str) -> tuple[str, ...]:
        """The families ``[pdf.fonts]`` names for ``role``, in order (empty: Noto only)."""
        named = self.fonts.get(role, ())
        return (named,) if isinstance(named, str) else tuple(named)

    def named_fonts(self) -> list[tuple[str, str]]:
        """Every (role, family) ``[pdf.fonts]`` names, in the order written."""
        return [(role, family) for role in self.fonts for family in self.font_families(role)]


@dataclass
class BuildConfig:
    formats: list[str] = field(default_factory=lambda: ["pdf", "docx"])
    output: str = "build"
    jobs: int = 0  # 0 = number of CPUs


@dataclass
class Config:
    root: Path
    organisation: OrganisationConfig = field(default_factory=OrganisationConfig)
    locales: LocalesConfig = field(default_factory=LocalesConfig)
    versions: VersionsConfig = field(default_factory=VersionsConfig)
    signing: SigningConfig = field(default_factory=SigningConfig)
    docx: DocxConfig = field(default_factory=DocxConfig)
    pdf: PdfConfig = field(default_factory=PdfConfig)
    build: BuildConfig = field(default_factory=BuildConfig)

    @property
    def path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def pdf_preset(self) -> str:
        """The page preset of policy PDFs: ``[pdf] preset``, else ``[docx] preset``."""
        return self.pdf.preset or self.docx.preset

    @property
    def build_dir(self) -> Path:
        return self.root / self.build.output

    @property
    def policies_dir(self) -> Path:
        return self.root / "policies"

    @property
    def ledger_dir(self) -> Path:
        return self.root / "ledger"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def handbooks_dir(self) -> Path:
        return self.root / "handbooks"


_SECTIONS = {
    "organisation": OrganisationConfig,
    "locales": LocalesConfig,
    "versions": VersionsConfig,
    "signing": SigningConfig,
    "docx": DocxConfig,
    "pdf": PdfConfig,
    "build": BuildConfig,
}


def _line_of(text: str, section: str, key: str | None = None) -> int:
    """Best-effort line number of ``[section]`` or ``key`` inside it (``section`` may be
    dotted: ``organisation.names``)."""
    lines = text.splitlines()
    start = 0
    header = r"\s*\.\s*".join(re.escape(part) for part in section.split("."))
    for i, line in enumerate(lines):
        if re.match(rf"\s*\[\s*{header}\s*\]\s*$", line):
            start = i
            if key is None:
                return i + 1
            break
    for i in range(start, len(lines)):
        if key and re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start + 1 if start else 1


def load_config(root: str | Path) -> Config:
    """Read and validate ``policydocs.toml`` in ``root`` (defaults when absent)."""
    root = Path(root).resolve()
    cfg = Config(root=root)
    path = root / CONFIG_NAME
    if not path.exists():
        return cfg
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise PolicyError(path, int(m.group(1)) if m else 1, f"TOML syntax error: {exc}") from None
    for section, value in data.items():
        if section not in _SECTIONS:
            raise PolicyError(path, _line_of(text, section), f"unknown section [{section}]; known: {', '.join(_SECTIONS)}")
        if not isinstance(value, dict):
            raise PolicyError(path, 1, f"{section} must be a table")
        klass = _SECTIONS[section]
        known = {f.name: f for f in fields(klass)}
        obj = getattr(cfg, section)
        for key, val in value.items():
            if key not in known:
                raise PolicyError(path, _line_of(text, section, key), f"unknown key {section}.{key}; known: {', '.join(known)}")
            default = getattr(obj, key)
            if isinstance(default, bool) != isinstance(val, bool) or not isinstance(val, type(default)):
                raise PolicyError(path, _line_of(text, section, key),
                                  f"{section}.{key} must be {type(default).__name__}, got {type(val).__name__}")
            setattr(obj, key, val)
    _validate(cfg, text, path)
    return cfg


def _validate(cfg: Config, text: str, path: Path) -> None:
    for code in [cfg.locales.source, *cfg.locales.publish]:
        if code not in LOCALES:
            raise PolicyError(path, _line_of(text, "locales", "publish" if code != cfg.locales.source else "source"),
                              f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
    if cfg.versions.scheme not in ("A/0", "V1.0"):
        raise PolicyError(path, _line_of(text, "versions", "scheme"), "versions.scheme must be \"A/0\" or \"V1.0\"")
    for fmt in cfg.build.formats:
        if fmt not in ("pdf", "docx"):
            raise PolicyError(path, _line_of(text, "build", "formats"), f"unknown format {fmt!r}; known: pdf, docx")
    if cfg.docx.preset not in ("gbt9704", "handbook"):
        raise PolicyError(path, _line_of(text, "docx", "preset"), "docx.preset must be gbt9704 or handbook")
    if cfg.pdf.preset not in ("", "gbt9704", "handbook"):
        raise PolicyError(path, _line_of(text, "pdf", "preset"), "pdf.preset must be gbt9704 or handbook")
    if cfg.locales.date_style not in ("arabic", "hanzi"):
        raise PolicyError(path, _line_of(text, "locales", "date_style"), "locales.date_style must be arabic or hanzi")
    if cfg.locales.quotes not in ("locale", "keep"):
        raise PolicyError(path, _line_of(text, "locales", "quotes"),
                          "locales.quotes must be \"locale\" (「」 in Traditional, “” in Simplified) or \"keep\"")
    for role, named in cfg.pdf.fonts.items():
        line = _setting_line(text, "pdf.fonts", "pdf", "fonts", role)
        if role not in PDF_FONT_ROLES:
            raise PolicyError(path, line, f"unknown font role pdf.fonts.{role}; known: "
                                          + "; ".join(f"{k} ({v})" for k, v in PDF_FONT_ROLES.items()))
        families = [named] if isinstance(named, str) else named
        if not isinstance(families, list) or not families or not all(
                isinstance(f, str) and f.strip() and f.isprintable() for f in families):
            raise PolicyError(path, line, f"pdf.fonts.{role} must be a font family name or a list of them, "
                                          f"e.g. {role} = \"FangSong\"")
    for key in ("names", "short_names"):
        table = getattr(cfg.organisation, key)
        for code, value in table.items():
            line = _line_of(text, f"organisation.{key}", code)
            if line == 1:
                line = _line_of(text, "organisation", key)
            if code not in LOCALES:
                raise PolicyError(path, line, f"organisation.{key}: unknown locale {code!r}; known: {', '.join(LOCALES)}")
            if not isinstance(value, str) or not value.strip():
                raise PolicyError(path, line, f"organisation.{key}.{code} must be a non-empty string")


def _setting_line(text: str, table: str, section: str, key: str, entry: str) -> int:
    """Line of ``entry`` in the sub-table ``[table]`` (= ``[section] key``), else of ``key`` in ``[section]``."""
    line = _line_of(text, table, entry)
    return line if line != 1 else _line_of(text, section, key)


def setting_line(cfg: Config, table: str, entry: str) -> int:
    """Line of ``entry`` in ``[table]`` of the project's policydocs.toml (1 if not found), for
    messages about a setting found wanting after loading (a font that is not installed)."""
    text = cfg.path.read_text(encoding="utf-8") if cfg.path.is_file() else ""
    section, _, key = table.rpartition(".")
    return _setting_line(text, table, section, key, entry) if section else _line_of(text, table, entry)


def user_config_dir() -> Path:
    """Where private material lives (never inside a repository): $XDG_CONFIG_HOME/policydocs."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "policydocs"
