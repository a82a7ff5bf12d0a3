"""Concurrent employees for the acknowledgement service (used by bench_acks.py and the load tests).

Each simulated employee opens their personal link (GET: the reading page with
its signed reading proof) and confirms (POST), as a browser does.  Requests go
only to the local server under test (127.0.0.1), in a bounded number of
requests with timeouts.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, field

import httpx

_VIEW = re.compile(r'name="view" value="([^"]*)"')


@dataclass
class LoadResult:
    confirmed: list[str] = field(default_factory=list)  # links whose POST answered "recorded"
    already: list[str] = field(default_factory=list)  # links refused as used/already (409/410)
    failed: list[tuple[str, str]] = field(default_factory=list)  # link, reason (connection lost, 5xx …)
    confirm_latency: list[float] = field(default_factory=list)  # seconds, POST only
    ack_latency: list[float] = field(default_factory=list)  # seconds, GET page + POST
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.confirmed) / self.seconds if self.seconds else 0.0

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        if not values:
            return 0.0
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]

    def summary(self) -> str:
        return (f"{len(self.confirmed)} confirmed in {self.seconds:.1f} s = {self.rate:.0f} acks/s; "
                f"confirm p50 {self.pct(self.confirm_latency, 50) * 1000:.0f} ms, "
                f"p95 {self.pct(self.confirm_latency, 95) * 1000:.0f} ms; "
                f"page+confirm p95 {self.pct(self.ack_latency, 95) * 1000:.0f} ms; "
                f"{len(self.already)} refused as used, {len(self.failed)} failed")


async def _one(client: httpx.AsyncClient, link: str, res: LoadResult, user_agent: str) -> None:
    t0 = time.perf_counter()
    try:
        page = await client.get(link, headers={"user-agent": user_agent})
        if page.status_code in (409, 410) or (page.status_code == 200 and "data-kind" in page.text):
            res.already.append(link)
            return
        m = _VIEW.search(page.text)
        if page.status_code != 200 or not m:
            res.failed.append((link, f"page {page.status_code}"))
            return
        t1 = time.perf_counter()
        done = await client.post(link, data={"view": m.group(1)}, headers={"user-agent": user_agent})
        t2 = time.perf_counter()
    except httpx.HTTPError as exc:
        res.failed.append((link, type(exc).__name__))
        return
    if done.status_code == 200 and 'data-kind="done"' in done.text:
        res.confirmed.append(link)
        res.confirm_latency.append(t2 - t1)
        res.ack_latency.append(t2 - t0)
    elif done.status_code in (409, 410):
        res.already.append(link)
    else:
        res.failed.append((link, f"confirm {done.status_code}"))


async def _run(links: list[str], concurrency: int, timeout: float, stop_after: int | None,
               on_progress=None) -> LoadResult:
    res = LoadResult()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for link in links:
        queue.put_nowait(link)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        async def worker(n: int) -> None:
            ua = f"policydocs-load/{n}"
            while True:
                if stop_after is not None and len(res.confirmed) >= stop_after:
                    return
                try:
                    link = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await _one(client, link, res, ua)
                if on_progress is not None:
                    on_progress(res)

        start = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        res.seconds = time.perf_counter() - start
    return res


def run_load(links: list[str], *, concurrency: int = 32, timeout: float = 30.0, stop_after: int | None = None,
             on_progress=None) -> LoadResult:
    """Confirm every link with ``concurrency`` simultaneous clients; returns what the clients saw."""
    for link in links:
        host = httpx.URL(link).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"load only against the local server, not {host}")
    return asyncio.run(_run(links, concurrency, timeout, stop_after, on_progress))


def populate(service, n: int, *, prefix: str = "L", departments: int = 20) -> tuple[int, list[str]]:
    """``n`` employees in ``departments`` departments, one campaign on HR-LV-002 A/1 for all of
    them, and one personal link each (for the bench and the load tests)."""
    from datetime import date, timedelta

    from policydocs.acks.store import Person

    people = [Person(f"{prefix}{i:06d}", f"员工{i}", f"部门{i % departments:02d}", "职员", "", "") for i in range(n)]
    service.store.import_people(people, default_locale="zh-Hans", deactivate_missing=False, actor="bench")
    cid = service.open_campaign("HR-LV-002", "A/1", audience_kind="all", audience_value="",
                                due=date.today() + timedelta(days=30), opened_by="bench")
    ids = [m["id"] for m in service.store.members(cid)]
    links = service.links(cid, ids)
    return cid, [links[i] for i in ids]


def token_id(link: str) -> str:
    return link.rsplit("/", 1)[1].split(".")[0]
