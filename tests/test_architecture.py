"""The package's layers point one way and no modules import each other in a loop.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter reads
every import, function-level ones included, so a cycle cannot hide in a function.
Function-level imports exist only to keep a heavy library out of start-up, and
say so; the CLI starts without those libraries.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# --------------------------------------------------------------------------
# function-level imports: only for a measured start-up saving, each saying so
# --------------------------------------------------------------------------

PACKAGE = REPO / "src" / "policydocs"
LAZY_MARK = "lazy:"

#: Libraries the CLI imports only inside the commands that use them (each one of
#: those imports carries a "# lazy: …" comment with what it saves).
LAZY_FOR_EVERY_COMMAND = ("typst", "pyhanko", "pyhanko_certvalidator", "pikepdf", "docx", "lxml", "openpyxl",
                          "sqlalchemy", "alembic", "starlette", "uvicorn", "argon2", "psycopg", "distributed",
                          "rich", "watchfiles", "http.server", "fontTools", "pypdfium2", "opencc", "markdown_it")
#: ... and that `policydocs check` still does not need.
LAZY_FOR_CHECK = ("pyhanko", "pikepdf", "docx", "lxml", "openpyxl", "sqlalchemy", "alembic", "starlette", "uvicorn",
                  "distributed", "rich", "watchfiles", "http.server", "fontTools", "pypdfium2")


def _comments(source: str) -> tuple[dict[int, str], set[int]]:
    """(line number → the comment on that line, the lines that hold only a comment)."""
    comments, alone = {}, set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
            if tok.line.lstrip().startswith("#"):
                alone.add(tok.start[0])
    return comments, alone


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _function_imports(tree: ast.AST):
    """(import, the run of consecutive imports up to it) for every import whose scope is a
    function, outside ``if TYPE_CHECKING:``."""
    def visit(node: ast.AST, in_function: bool):
        for field in ("body", "orelse", "finalbody", "handlers"):
            stmts = getattr(node, field, None)
            if not isinstance(stmts, list):
                continue
            run: list[ast.stmt] = []
            for stmt in stmts:
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    run = run + [stmt]
                    if in_function:
                        yield stmt, run
                    continue
                run = []
                if _is_type_checking(stmt):
                    yield from visit(ast.If(test=stmt.test, body=[], orelse=stmt.orelse), in_function)
                    continue
                inner = in_function or isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                yield from visit(stmt, inner)
        for case in getattr(node, "cases", []):  # match statements
            yield from visit(case, in_function)

    yield from visit(tree, False)


def _says_why(run: list[ast.stmt], comments: tuple[dict[int, str], set[int]]) -> bool:
    """A "# lazy: …" comment on the import's line, or in the comment lines right above it or
    above an import before it in the same run (one comment covers a block of imports)."""
    text, alone = comments
    if LAZY_MARK in text.get(run[-1].lineno, ""):
        return True
    for node in reversed(run):
        line = node.lineno - 1
        while line in alone:
            if LAZY_MARK in text[line]:
                return True
            line -= 1
    return False


def test_function_level_imports_say_what_they_save():
    """An import inside a function hides a dependency; it is there only to keep a heavy library
    out of start-up, and then a "# lazy: …" comment says what it saves (issue 12)."""
    silent = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        comments = _comments(source)
        for node, run in _function_imports(ast.parse(source)):
            if not _says_why(run, comments):
                silent.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not silent, "function-level imports without a '# lazy: what it saves' comment " \
                       "(hoist them, or measure and say why):\n" + "\n".join(silent)


def test_the_checker_finds_function_level_imports():
    source = ("import os\n"
              "from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n    import docx\n"
              "def f():\n"
              "    import json\n"
              "    # lazy: rich ≈ 17 ms\n"
              "    from rich import console\n"
              "    from rich import progress\n"
              "    if True:\n"
              "        import csv  # lazy: a probe\n"
              "        import gzip\n"
              "    try:\n"
              "        import zlib\n"
              "    except ImportError:\n"
              "        pass\n"
              "    def g():\n"
              "        import re\n"
              "class C:\n"
              "    def m(self):\n"
              "        if TYPE_CHECKING:\n"
              "            import pathlib\n")
    comments = _comments(source)
    found = {ast.unparse(n): _says_why(run, comments) for n, run in _function_imports(ast.parse(source))}
    assert found == {"import json": False, "from rich import console": True, "from rich import progress": True,
                     "import csv": True, "import gzip": False, "import zlib": False, "import re": False}


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_the_cli_starts_without_heavy_libraries():
    """`policydocs --help` (every command registered) imports none of the heavy libraries."""
    loaded = _modules_after("import policydocs.cli\npolicydocs.cli.build_parser()")
    assert "policydocs.cli.acks_cmds" in loaded  # the probe did load the commands
    assert not [m for m in LAZY_FOR_EVERY_COMMAND if m in loaded]


def test_check_runs_without_rendering_libraries():
    """`policydocs check` (the sample project) needs the parser, OpenCC and Typst, nothing that
    writes DOCX, signs, reads spreadsheets or serves."""
    loaded = _modules_after("import contextlib, io, policydocs.cli\n"
                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                            "    assert policydocs.cli.main(['-C', '.', 'check']) == 0")
    assert {"markdown_it", "opencc"} <= loaded  # check did run
    assert not [m for m in LAZY_FOR_CHECK if m in loaded]
