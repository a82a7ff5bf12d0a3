"""The one way the build runs work in parallel.

``executor(workers, scheduler)`` returns the local process pool
(``core/workers.py``, shared with ``import`` and the ledger) by default, or a
client of a Dask distributed cluster when ``--scheduler ADDRESS`` is given
(group companies whose corpora outgrow one machine; ``pip install
policydocs[cluster]``). Jobs are module-level functions with picklable
arguments that return bytes-and-records; they never write files or sign, so
the results are identical whichever executor ran them.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

from ..core.errors import PolicyError
from ..core.workers import Executor, InProcess, LocalPool, local_executor

__all__ = ["Executor", "InProcess", "LocalPool", "DaskCluster", "executor"]

T = TypeVar("T")
R = TypeVar("R")


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

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return self.client.gather(self.client.map(fn, list(items), pure=False))

    def close(self) -> None:
        self.client.close()


def executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for a build: Dask when ``scheduler`` is given, else local processes."""
    if scheduler:
        return DaskCluster(scheduler)
    return local_executor(workers, preload=("policydocs.pipeline.build",))  # imported once, not per worker
