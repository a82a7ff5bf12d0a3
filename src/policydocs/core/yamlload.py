"""YAML through libyaml when PyYAML was built with it (about 10× faster than the pure-Python
parser; the nodes carry the same line marks), else PyYAML's own parser."""

from __future__ import annotations

import yaml

#: The safe loader to use everywhere: never constructs arbitrary Python objects.
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """``yaml.safe_load`` with the fastest safe loader available."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 — SafeLoader (libyaml's or PyYAML's)
