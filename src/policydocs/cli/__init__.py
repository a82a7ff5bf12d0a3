"""Command-line entry point.

Each command group lives in its own module exposing ``register(subparsers)``;
``main`` wires them into one ``policydocs`` command.  A command function gets
the parsed ``args`` and returns an exit code (0 ok, 1 verification failed,
2 bad input).  What reaches the user is always a short message, never a
traceback:

- ``PolicyError``/``PolicyErrors`` raised anywhere are printed as
  ``file:line: error: message`` (exit 2);
- a Jinja template error is one line naming the template and its line (exit 2);
- an operating-system error (permission denied, disk full) names the file (exit 1);
- anything else is a bug: one line saying so and how to report it (exit 70);
  ``--debug`` or ``POLICYDOCS_DEBUG=1`` prints the traceback instead;
- a closed pipe (``policydocs history … | head``) ends quietly.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from pathlib import Path

from jinja2 import TemplateError, TemplateSyntaxError

from .. import __version__
from ..core.errors import Diagnostic, PolicyError, PolicyErrors
from . import (
    acks_cmds,
    convert_cmds,
    evidence_cmds,
    forms_cmds,
    import_cmds,
    ledger_cmds,
    project_cmds,
    reissue_cmds,
    signing_cmds,
    site_cmds,
)

EXIT_BUG = 70  # EX_SOFTWARE (sysexits.h)
EXIT_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a reader that went away
BUG_URL = "https://github.com/policydocs/policydocs/issues"

#: Modules that add subcommands (each has ``register(subparsers)``), in --help order.
COMMAND_MODULES = [
    project_cmds,  # check, build, init, doctor
    convert_cmds,  # convert
    ledger_cmds,  # keys new, approve, release, history, as-of, diff, verify
    signing_cmds,  # keys init-org, verify-file
    forms_cmds,  # register, receipts
    reissue_cmds,  # reissue
    evidence_cmds,  # evidence, verify-evidence
    site_cmds,  # site, serve
    import_cmds,  # import
    acks_cmds,  # acks migrate|serve|import-roster|campaign|remind|report|seal (and its part of verify)
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policydocs",
        description="Turn company regulations (管理制度) written in Markdown into numbered, "
        "converted (简/繁), approved, signed and versioned PDF/DOCX documents, handbooks and a portal.",
    )
    parser.add_argument("--version", action="version", version=f"policydocs {__version__}")
    parser.add_argument("-C", "--project", default=".", metavar="DIR", help="project directory (default: current directory)")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an internal error (also: POLICYDOCS_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    debug = args.debug or os.environ.get("POLICYDOCS_DEBUG", "") not in ("", "0")
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that went away shows up here, not at interpreter exit
        return code
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
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE
    except TemplateError as exc:
        if debug:
            traceback.print_exc()
        print(template_diagnostic(exc, Path(args.project)), file=sys.stderr)
        return 2
    except OSError as exc:
        if debug:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{where}error: {exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 1
    except Exception as exc:  # the one place that turns an unexpected failure into a message
        if debug:
            traceback.print_exc()
        else:
            print(f"error: internal error in `policydocs {args.command}` ({type(exc).__name__}); this is a bug in "
                  f"policydocs, not in your files. Run it again with --debug and report the output at {BUG_URL}",
                  file=sys.stderr)
        return EXIT_BUG


def _silence_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


_TEMPLATE_SUFFIXES = (".j2", ".html", ".htm", ".xml")
_TB_TEMPLATE = re.compile(r'File "([^"]+\.(?:j2|html?|xml))", line (\d+)')


def template_diagnostic(exc: TemplateError, project: Path) -> Diagnostic:
    """``templates/…:line: error: template …`` for a Jinja error, also when it happened in a
    build worker (the location is then read from the worker's traceback text)."""
    name, line = None, 0
    if isinstance(exc, TemplateSyntaxError):
        name, line = exc.filename or exc.name, exc.lineno or 0
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(_TEMPLATE_SUFFIXES)]
        if frames:
            name, line = frames[-1].filename, frames[-1].lineno or 0
        else:
            found = _TB_TEMPLATE.findall(str(exc.__cause__ or ""))
            if found:
                name, line = found[-1][0], int(found[-1][1])
    shown = name or "templates"
    if name:
        try:
            shown = str(Path(name).resolve().relative_to(project.resolve()))
        except ValueError:
            shown = name
    kind = "syntax error" if isinstance(exc, TemplateSyntaxError) else "error"
    return Diagnostic(shown, line, f"template {kind}: {exc.message or type(exc).__name__}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
