"""Errors that name a file and line.

Every problem with user input becomes a :class:`Diagnostic`; validation
collects all of them and raises :class:`PolicyErrors` once, so ``check``
reports everything at one go. The CLI prints them as ``file:line: message``
and exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: error: {self.message}"


class PolicyError(Exception):
    """One problem in user input (a policy, config, roster, handbook …)."""

    def __init__(self, path: str | Path, line: int, message: str):
        self.diagnostic = Diagnostic(str(path), line, message)
        super().__init__(str(self.diagnostic))

    def __reduce__(self):  # survives the trip back from a build worker process
        d = self.diagnostic
        return (self.__class__, (d.path, d.line, d.message))


class PolicyErrors(Exception):
    """Several problems found during validation; raised after collecting all."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self):
        return (self.__class__, (self.diagnostics,))


class Collector:
    """Collects diagnostics; ``raise_if_any`` raises them together."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def add(self, path: str | Path, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(str(path), line, message))

    def extend(self, exc: PolicyError | PolicyErrors) -> None:
        if isinstance(exc, PolicyError):
            self.diagnostics.append(exc.diagnostic)
        else:
            self.diagnostics.extend(exc.diagnostics)

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise PolicyErrors(self.diagnostics)
