"""The one local worker pool: every command that runs work in parallel on this machine.

``local_executor(workers)`` gives a process pool (or, for one worker, no pool).
The build (``pipeline/executor.py`` adds a Dask cluster on top), ``import`` and
the ledger's signature check all run through it, so they share one start method
and one way of handing results back. It lives in ``core`` because the ledger
(trust) and the importer sit below the pipeline.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn(item)`` for every item: ``run`` yields (item, result) as each finishes,
    ``map`` returns the results in the order of ``items``."""

    workers: int

    def run(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]: ...

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]: ...

    def close(self) -> None: ...


class InProcess:
    """No pool: one job after another in this process (one CPU, or one job)."""

    workers = 1

    def run(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        for item in items:
            yield item, fn(item)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return [fn(item) for item in items]

    def close(self) -> None:
        pass


class LocalPool:
    """A process pool on this machine, started on first use and reused until ``close``.

    Workers come from a fork server where the platform has one (Linux), else they
    are spawned (Windows, macOS). Never plain fork: the PDF engine keeps worker
    threads, and a process forked from one that has compiled a document waits on
    them forever. ``preload``: modules the fork server imports once, not each worker."""

    def __init__(self, workers: int, preload: tuple[str, ...] = ()):
        self.workers = workers
        self.preload = preload
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if sys.platform.startswith("linux"):
                context = multiprocessing.get_context("forkserver")
                if self.preload:
                    context.set_forkserver_preload(list(self.preload))
            else:
                context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    def run(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        items = list(items)
        if len(items) < 2:
            yield from InProcess().run(fn, items)
            return
        pool = self._started()
        futures: dict[Future, Any] = {pool.submit(fn, item): item for item in items}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        items = list(items)
        if len(items) < 2:
            return InProcess().map(fn, items)
        return list(self._started().map(fn, items, chunksize=max(1, len(items) // (self.workers * 4))))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def local_executor(workers: int | None = None, *, preload: tuple[str, ...] = ()) -> Executor:
    """A pool of ``workers`` processes (default: one per CPU), or none for one worker."""
    n = workers or os.cpu_count() or 1
    return LocalPool(n, preload) if n > 1 else InProcess()
