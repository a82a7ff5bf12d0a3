"""Command-line entry point.

Each command group lives in its own module exposing ``register(subparsers)``;
``main`` wires them into one ``policydocs`` command.  A command function gets
the parsed ``args`` and returns an exit code (0 ok, 1 verification failed,
2 bad input).  ``PolicyError``/``PolicyErrors`` raised anywhere are printed as
``file:line: error: message`` and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..core.errors import PolicyError, PolicyErrors

#: Modules under policydocs.cli that add subcommands, in --help order.
COMMAND_MODULES = [
    "project_cmds",  # check, build, init, doctor
    "convert_cmds",  # convert
    "ledger_cmds",  # keys new, approve, release, history, as-of, diff, verify
    "signing_cmds",  # keys init-org, verify-file
    "forms_cmds",  # register, receipts
    "evidence_cmds",  # evidence, verify-evidence
    "site_cmds",  # site, serve
    "import_cmds",  # import
    "acks_cmds",  # acks migrate|serve|import-roster|campaign|remind|report|seal (and its part of verify)
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policydocs",
        description="Turn company regulations (管理制度) written in Markdown into numbered, "
        "converted (简/繁), approved, signed and versioned PDF/DOCX documents, handbooks and a portal.",
    )
    parser.add_argument("--version", action="version", version=f"policydocs {__import__('policydocs').__version__}")
    parser.add_argument("-C", "--project", default=".", metavar="DIR", help="project directory (default: current directory)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PolicyErrors as exc:
        for d in exc.diagnostics:
            print(d, file=sys.stderr)
        print(f"{len(exc.diagnostics)} error(s); nothing was written.", file=sys.stderr)
        return 2
    except PolicyError as exc:
        print(exc.diagnostic, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
