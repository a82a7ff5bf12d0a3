"""Where templates come from: the project's ``templates/`` first, then policydocs' own.

One Jinja2 environment per project and process, autoescaping on, undefined
variables an error. A company overrides a template by putting a file of the
same name under its project's ``templates/``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_dirs(project_root: Path | None) -> list[Path]:
    """Template folders in lookup order: the project's, then the package's."""
    dirs = []
    if project_root is not None and (Path(project_root) / "templates").is_dir():
        dirs.append(Path(project_root) / "templates")
    dirs.append(PACKAGE_TEMPLATES)
    return dirs


def template_env(project_root: Path | None) -> Environment:
    """The Jinja2 environment of a project (cached per process)."""
    return _env(str(Path(project_root).resolve()) if project_root is not None else "")


@lru_cache(maxsize=8)
def _env(root: str) -> Environment:
    loader = ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(Path(root) if root else None)])
    return Environment(loader=loader, autoescape=select_autoescape(["html", "j2", "xml"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
