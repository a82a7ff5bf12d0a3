"""Version schemes for released policies (ISO 9001 document-control practice).

Two schemes, chosen by ``versions.scheme`` in ``policydocs.toml``:

``"A/0"`` (default)
    A/0 is the first issue, each revision increments the number (A/1, A/2, …),
    a major rewrite (``release --major``) moves to the next letter and restarts
    at 0 (B/0).  The letters I and O are skipped (they read as 1 and 0 on
    stamped copies), so the sequence of letters is A B C D E F G H J K L M N P
    … Z, then AA, AB, ….

``"V1.0"``
    V1.0, V1.1, … and V2.0 after ``--major``.

Only the ledger calls :func:`next_version`; the number is never typed by a
person, so a release cannot skip or repeat a version.
"""

from __future__ import annotations

import re

SCHEMES = ("A/0", "V1.0")

_LETTERS = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "IO"]
_A_RE = re.compile(r"^([A-HJ-NP-Z]+)/(\d+)$")
_V_RE = re.compile(r"^V(\d+)\.(\d+)$")


class VersionError(ValueError):
    """A version string that does not belong to the scheme."""


def _letter_index(letters: str) -> int:
    """A→0, B→1, … Z→23, AA→24 (bijective base-24 over the allowed letters)."""
    n = 0
    for ch in letters:
        if ch not in _LETTERS:
            raise VersionError(f"letter {ch!r} is not used in versions (I and O are skipped)")
        n = n * len(_LETTERS) + _LETTERS.index(ch) + 1
    return n - 1


def _letters(index: int) -> str:
    n = index + 1
    out = ""
    while n:
        n, r = divmod(n - 1, len(_LETTERS))
        out = _LETTERS[r] + out
    return out


def parse_version(version: str, scheme: str) -> tuple[int, int]:
    """(major, minor), both 0-based for A/0 (A/0 → (0, 0)) and as written for V1.0."""
    if scheme == "A/0":
        m = _A_RE.match(version)
        if not m:
            raise VersionError(f"{version!r} is not an A/0-scheme version (A/0, A/1, B/0 …)")
        return _letter_index(m.group(1)), int(m.group(2))
    if scheme == "V1.0":
        m = _V_RE.match(version)
        if not m:
            raise VersionError(f"{version!r} is not a V1.0-scheme version (V1.0, V1.1, V2.0 …)")
        return int(m.group(1)), int(m.group(2))
    raise VersionError(f"unknown version scheme {scheme!r}; known: {', '.join(SCHEMES)}")


def format_version(major: int, minor: int, scheme: str) -> str:
    if scheme == "A/0":
        return f"{_letters(major)}/{minor}"
    if scheme == "V1.0":
        return f"V{major}.{minor}"
    raise VersionError(f"unknown version scheme {scheme!r}; known: {', '.join(SCHEMES)}")


def first_version(scheme: str) -> str:
    return format_version(0 if scheme == "A/0" else 1, 0, scheme)


def next_version(previous: str | None, scheme: str, *, major: bool = False) -> str:
    """The version a release gets after ``previous`` (None: the first release).

    ``major`` on the first release is ignored (the first issue is always A/0 or V1.0).
    """
    if previous is None:
        return first_version(scheme)
    maj, minor = parse_version(previous, scheme)
    if major:
        return format_version(maj + 1, 0, scheme)
    return format_version(maj, minor + 1, scheme)


def sort_key(version: str) -> tuple[int, int]:
    """Order versions of either scheme (for tables); unknown strings sort last."""
    for scheme in SCHEMES:
        try:
            return parse_version(version, scheme)
        except VersionError:
            continue
    return (1 << 30, 0)
