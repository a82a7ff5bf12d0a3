"""Front matter: split it from the body and validate it into ``PolicyMeta``.

YAML is *composed* (not loaded) so every value keeps its line number and
dates are validated by us: ``2025-02-30`` is reported as an impossible date
at its line instead of crashing inside PyYAML.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from ..core.errors import Collector, PolicyError
from ..core.locales import LOCALES
from ..core.model import NUMBERING_STYLES, STATUSES, PolicyMeta
from ..core.yamlload import SafeLoader

ID_PATTERN = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

REQUIRED = ("id", "title", "department", "category", "status", "effective_date", "applies_to", "lang")
OPTIONAL = ("review_cycle_months", "numbering", "supersedes", "superseded_by", "issued_date", "interpreted_by", "summary")


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Return (yaml_text, body_text, body_first_line) — body_first_line is 1-based."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise PolicyError(path, 1, "missing front matter: the file must start with a line '---'")
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise PolicyError(path, 1, "unterminated front matter: no closing '---' line")


def check_id(value: str, path: Path, line: int) -> str:
    """Ids become file names and URLs: letters, digits and single dashes only."""
    if not ID_PATTERN.match(value):
        raise PolicyError(path, line, f"invalid id {value!r}: use letters, digits and dashes only "
                                      "(no '/', '..', spaces or other path characters)")
    return value


def parse_front_matter(yaml_text: str, path: Path, first_line: int = 2, *, strict: bool = True) -> PolicyMeta:
    """Validate front matter; collects every problem and raises them together.

    ``strict=False`` returns what could be read despite validation problems
    (the ledger reads frozen texts of any age this way); YAML that does not
    parse still raises.
    """
    errors = Collector()
    try:
        root = yaml.compose(yaml_text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark else first_line
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(path, line, f"front matter is not valid YAML: {problem}") from None
    if root is None:
        raise PolicyError(path, first_line - 1, "front matter is empty")
    if not isinstance(root, yaml.MappingNode):
        raise PolicyError(path, first_line, "front matter must be a mapping of keys to values")

    values: dict[str, yaml.Node] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        line = first_line + key_node.start_mark.line
        if key in values:
            errors.add(path, line, f"duplicate key {key!r}")
            continue
        if key not in REQUIRED and key not in OPTIONAL:
            errors.add(path, line, f"unknown key {key!r}; known keys: {', '.join(REQUIRED + OPTIONAL)}")
            continue
        values[key] = value_node
        lines[key] = line

    def scalar(key: str) -> str | None:
        node = values.get(key)
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            errors.add(path, lines[key], f"{key} must be a single value")
            return None
        return str(node.value).strip()

    for key in REQUIRED:
        if key not in values and key != "effective_date":
            errors.add(path, 1, f"missing required key {key!r}")

    meta_id = scalar("id") or ""
    if meta_id:
        try:
            check_id(meta_id, path, lines["id"])
        except PolicyError as exc:
            errors.extend(exc)

    status = scalar("status") or ""
    if "status" in values and status not in STATUSES:
        errors.add(path, lines["status"], f"unknown status {status!r}; use one of {', '.join(STATUSES)}")

    def parse_date(key: str) -> date | None:
        raw = scalar(key)
        if not raw:
            return None
        m = _DATE.match(raw)
        if not m:
            errors.add(path, lines[key], f"{key} {raw!r} is not a date; write YYYY-MM-DD")
            return None
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            errors.add(path, lines[key], f"{key} {raw} is not a real date ({exc})")
            return None

    effective = parse_date("effective_date")
    if effective is None and "effective_date" not in values and status != "draft":
        errors.add(path, 1, "missing required key 'effective_date' (only drafts may omit it)")
    issued = parse_date("issued_date")

    review = scalar("review_cycle_months")
    review_months = 12
    if review is not None:
        if not review.isdigit() or int(review) <= 0:
            errors.add(path, lines["review_cycle_months"], f"review_cycle_months must be a positive whole number, got {review!r}")
        else:
            review_months = int(review)

    lang = scalar("lang") or ""
    if lang and lang not in LOCALES:
        errors.add(path, lines["lang"], f"unknown lang {lang!r}; known: {', '.join(LOCALES)}")

    numbering = scalar("numbering") or "articles"
    if numbering not in NUMBERING_STYLES:
        errors.add(path, lines["numbering"], f"unknown numbering {numbering!r}; use articles or sectioned")

    supersedes: list[str] = []
    node = values.get("supersedes")
    if node is not None:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            if not isinstance(item, yaml.ScalarNode):
                errors.add(path, lines["supersedes"], "supersedes must be a list of policy ids")
                continue
            try:
                supersedes.append(check_id(str(item.value), path, first_line + item.start_mark.line))
            except PolicyError as exc:
                errors.extend(exc)

    superseded_by = scalar("superseded_by")
    if superseded_by:
        try:
            check_id(superseded_by, path, lines["superseded_by"])
        except PolicyError as exc:
            errors.extend(exc)
    if status == "superseded" and not superseded_by:
        errors.add(path, lines.get("status", 1), "a superseded policy must name its successor in superseded_by")

    for key in ("title", "department", "category", "applies_to"):
        if key in values and not scalar(key):
            errors.add(path, lines[key], f"{key} must not be empty")

    if strict:
        errors.raise_if_any()
    return PolicyMeta(
        id=meta_id, title=scalar("title") or "", department=scalar("department") or "",
        category=scalar("category") or "", status=status, effective_date=effective,
        review_cycle_months=review_months, applies_to=scalar("applies_to") or "", lang=lang,
        numbering=numbering, supersedes=supersedes, superseded_by=superseded_by, issued_date=issued,
        interpreted_by=scalar("interpreted_by"), summary=scalar("summary"), lines=lines,
    )
