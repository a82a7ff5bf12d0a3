"""Subcommands: (not yet implemented). Owned by one feature; see COMMAND_MODULES in cli/__init__.py."""

from __future__ import annotations


def register(sub) -> None:
    """Add this module's subcommands to the `policydocs` parser."""
