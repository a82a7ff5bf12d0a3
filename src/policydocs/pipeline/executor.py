"""The one way the build runs work in parallel.

``executor(workers, scheduler)`` returns a local process pool by default, or a
client of a Dask distributed cluster when ``--scheduler ADDRESS`` is given
(group companies whose corpora outgrow one machine; ``pip install
policydocs[cluster]``). Jobs are module-level functions with picklable
arguments that return bytes-and-records; they never write files or sign, so
the results are identical whichever executor ran them.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

from ..core.errors import PolicyError

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn(item)`` for every item; yields (item, result) as each finishes."""

    workers: int

    def run(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]: ...

    def close(self) -> None: ...


class InProcess:
    """No pool: one job after another in this process (one CPU, or one job)."""

    workers = 1

    def run(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        for item in items:
            yield item, fn(item)

    def close(self) -> None:
        pass


class LocalPool:
    """A process pool on this machine, started on first use and reused for the whole build.

    Workers come from a fork server where the platform has one (Linux), else they
    are spawned (Windows, macOS). Never plain fork: the PDF engine keeps worker
    threads, and a process forked from one that has compiled a document waits on
    them forever."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def run(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        items = list(items)
        if len(items) < 2:
            yield from InProcess().run(fn, items)
            return
        if self._pool is None:
            if sys.platform.startswith("linux"):
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["policydocs.pipeline.build"])  # imported once, not per worker
            else:
                context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        futures: dict[Future, Any] = {self._pool.submit(fn, item): item for item in items}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class DaskCluster:
    """Jobs sent to a Dask distributed scheduler; its workers must have policydocs installed."""

    def __init__(self, address: str):
        try:
            # lazy: distributed is an optional extra (policydocs[cluster]) and ≈ 240 ms to import
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:
            raise PolicyError("--scheduler", 0, "Dask is not installed: pip install 'policydocs[cluster]'") from None
        self._as_completed = dask_completed
        try:
            self.client = Client(address, timeout="10s")
        except OSError as exc:
            raise PolicyError("--scheduler", 0, f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.workers = max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))

    def run(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        items = list(items)
        futures = self.client.map(fn, items, pure=False)
        index = {f.key: item for f, item in zip(futures, items)}
        for fut in self._as_completed(futures):
            yield index[fut.key], fut.result()

    def close(self) -> None:
        self.client.close()


def executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for a build: Dask when ``scheduler`` is given, else local processes."""
    if scheduler:
        return DaskCluster(scheduler)
    n = workers or os.cpu_count() or 1
    return LocalPool(n) if n > 1 else InProcess()
