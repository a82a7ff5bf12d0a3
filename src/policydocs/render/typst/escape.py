"""User text → Typst source that can only ever print that text.

Two forms, both total (every Unicode string has one):

* :func:`markup` escapes text for Typst *markup*: every ASCII punctuation
  character gets a backslash (Typst prints ``\\x`` as ``x`` for any
  non-space ``x``), so ``#``, ``[``, ``=``, ``*``, ``//``, ``http://``,
  ``1.``, ``- `` and ``<label>`` stay text; line breaks become spaces.
* :func:`value` writes a Python value (str, int, float, bool, None, list,
  tuple, dict, date) as a Typst *code* literal — strings in double quotes with
  ``\\`` and ``"`` escaped — for the data the templates receive.

Nothing else in the package turns user text into Typst source.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

# Every printable ASCII character that is not a letter, digit or space.
_SPECIAL = re.compile(r"""([!-/:-@\[-`{-~])""")
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markup(text: str) -> str:
    """``text`` as Typst markup that prints exactly ``text`` (line breaks as spaces)."""
    text = _CONTROL.sub("", _NEWLINES.sub(" ", text))
    return _SPECIAL.sub(r"\\\1", text)


def string(text: str) -> str:
    """``text`` as a Typst string literal (``"…"``)."""
    text = _CONTROL.sub("", text)
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    out = out.replace("\t", "\\t")
    return f'"{out}"'


def value(obj: Any) -> str:
    """A Python value as a Typst code literal (dicts keep their order)."""
    if obj is None:
        return "none"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, (int, float)):
        return repr(obj)
    if isinstance(obj, str):
        return string(obj)
    if isinstance(obj, date):
        return f"datetime(year: {obj.year}, month: {obj.month}, day: {obj.day})"
    if isinstance(obj, dict):
        if not obj:
            return "(:)"
        return "(" + ", ".join(f"{string(str(k))}: {value(v)}" for k, v in obj.items()) + ")"
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "()"
        return "(" + ", ".join(value(v) for v in obj) + ("," if len(obj) == 1 else "") + ")"
    raise TypeError(f"no Typst literal for {type(obj).__name__}")
