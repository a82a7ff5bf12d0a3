"""YAML through libyaml when PyYAML was built with it (about 10× faster than the pure-Python
parser; the nodes carry the same line marks), else PyYAML's own parser.

A mapping that repeats a key is an error at the repeated key's line: PyYAML keeps
the last value silently (YAML 1.2 requires keys to be unique), so a second
``terms:`` in a glossary would drop the first list without a word."""

from __future__ import annotations

import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class SafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader to use everywhere: never constructs arbitrary Python objects, and
    refuses duplicate keys (``ConstructorError`` whose ``problem_mark`` is the repeated key)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:  # `<<: *base` merges; later keys may override it
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the base constructor reports it
                    continue
                if first is not key_node:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"duplicate key {key!r} (first given at line {first.start_mark.line + 1})",
                        key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def safe_load(text: str):
    """``yaml.safe_load`` with the fastest safe loader available (duplicate keys refused)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 — SafeLoader (libyaml's or PyYAML's)
