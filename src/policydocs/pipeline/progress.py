"""Progress of long work: a bar on a terminal (rich), plain lines in logs and CI.

The pipeline reports through a :class:`Progress`; the CLI picks the display.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO


class Progress(Protocol):
    def note(self, message: str) -> None:
        """A one-off message (what is about to happen, what was reused)."""

    def start(self, label: str, total: int) -> None:
        """A task of ``total`` steps begins."""

    def step(self, description: str) -> None:
        """One step of the current task is done."""

    def finish(self) -> None:
        """The current task is over."""


class Silent:
    """No output (library use, ``--quiet``)."""

    def note(self, message: str) -> None:
        pass

    def start(self, label: str, total: int) -> None:
        pass

    def step(self, description: str) -> None:
        pass

    def finish(self) -> None:
        pass


class Lines:
    """One line per step on ``stream`` (logs, pipes, CI)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.label, self.total, self.done = "", 0, 0

    def note(self, message: str) -> None:
        print(message, file=self.stream, flush=True)

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0

    def step(self, description: str) -> None:
        self.done += 1
        print(f"[{self.done}/{self.total}] {description}", file=self.stream, flush=True)

    def finish(self) -> None:
        pass


class Bar:
    """A rich progress bar on a terminal; notes print above it."""

    def __init__(self, stream: TextIO | None = None):
        # lazy: rich ≈ 17 ms at start-up; only a terminal shows the bar (CI, pipes and logs get Lines)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as RichProgress

        self.console = Console(file=stream or sys.stderr)
        self.bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=self.console, transient=True)
        self.task = None

    def note(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False)

    def start(self, label: str, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task(label, total=total)

    def step(self, description: str) -> None:
        if self.task is not None:
            self.bar.advance(self.task)

    def finish(self) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
        self.bar.stop()


def for_terminal(quiet: bool = False, stream: TextIO | None = None) -> Progress:
    """The display for a command: nothing when quiet, a bar on a terminal, lines otherwise."""
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    return Bar(stream) if stream.isatty() else Lines(stream)
