"""Periodic review (复审): when each policy is due, and the signed record of a review.

A policy in force (or scheduled) is due for review ``review_cycle_months``
(from the front matter of its latest release; 12 when absent) after its last
release or its last recorded review, whichever is later. A review that
changes nothing is a ``review`` record signed by the reviewer's key: it binds
to the release reviewed and creates no new version. A review that changes
the text is a new version (approve, release).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..read.config import Config
from .clock import now
from .ledger import (
    Ledger,
    LedgerError,
    State,
    _config,
    _writable_state,
    check_policy_id,
    load_state,
    registered_signer,
)
from .records import Review
from .status import IN_FORCE, SCHEDULED, release_meta, statuses

DEFAULT_CYCLE_MONTHS = 12

OVERDUE = "overdue"
DUE = "due"
OK = "ok"


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (2025-01-31 + 1 → 2025-02-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ReviewDue:
    """When a policy's next review is due, and from what."""

    policy: str
    version: str  # the version in force (or scheduled) that is reviewed
    cycle_months: int
    last: date  # last release or review
    last_kind: str  # "release" | "review"
    last_record: int
    due: date
    day: date  # the day this was judged on

    @property
    def days_left(self) -> int:
        return (self.due - self.day).days

    def state(self, within: int = 0) -> str:
        if self.due < self.day:
            return OVERDUE
        return DUE if self.days_left <= within else OK

    def to_json(self, within: int = 0) -> dict:
        return {"policy": self.policy, "version": self.version, "cycle_months": self.cycle_months,
                "last": self.last.isoformat(), "last_kind": self.last_kind, "last_record": self.last_record,
                "due": self.due.isoformat(), "days_left": self.days_left, "state": self.state(within)}


def schedule(project_root: str | Path, day: date, config: Config | None = None, *,
             state: State | None = None) -> list[ReviewDue]:
    """Every policy in force or scheduled on ``day`` with its next review date (soonest first)
    (``state``: judge from this replayed ledger, e.g. ``status.known_on``; default the project's)."""
    st = state if state is not None else load_state(project_root, config)
    out = []
    for pid, ps in statuses(project_root, day, config, state=st).items():
        if ps.state not in (IN_FORCE, SCHEDULED):
            continue
        releases = st.policies[pid].releases
        latest = releases[-1]
        meta = release_meta(project_root, latest)
        cycle = meta.review_cycle_months if meta is not None and meta.review_cycle_months > 0 else DEFAULT_CYCLE_MONTHS
        last, kind, seq = latest.date, "release", latest.seq
        reviews = st.reviews.get(pid, [])
        if reviews and reviews[-1].day >= last:
            last, kind, seq = reviews[-1].day, "review", reviews[-1].record
        version = (ps.current or ps.upcoming or latest).version
        out.append(ReviewDue(pid, version, cycle, last, kind, seq, add_months(last, cycle), day))
    return sorted(out, key=lambda d: (d.due, d.policy))


def due(project_root: str | Path, day: date, within: int = 30, config: Config | None = None) -> list[ReviewDue]:
    """Policies whose review is overdue on ``day`` or due within ``within`` days."""
    return [d for d in schedule(project_root, day, config) if d.state(within) != OK]


def review(project_root: str | Path, config: Config | None, policy_id: str, person: str, key,
           note: str = "") -> Review:
    """Append a 复审 record signed by ``person``: the version in force today was reviewed and stays."""
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    check_policy_id(policy_id)
    led = Ledger(root)
    where = Path("ledger") / "records.jsonl"
    when = now()
    with led.locked():
        st = _writable_state(led, cfg)
        registered_signer(st, person, key, where)
        status = statuses(root, when.date(), cfg).get(policy_id)
        if status is None:
            raise LedgerError(where, 0, f"{policy_id} has never been released: there is nothing to review")
        if status.state not in (IN_FORCE, SCHEDULED):
            raise LedgerError(where, 0, f"{policy_id} is {status.describe()}: a policy no longer in force is not reviewed")
        rel = status.current if status.state == IN_FORCE else status.upcoming
        payload = {"policy": policy_id, "version": rel.version, "release": {"seq": rel.seq, "hash": rel.record_hash},
                   "person": person}
        if note:
            payload["note"] = note
        rec = led.append("review", payload, last=st.last, signer=person, key=key, when=when)
    return Review(policy_id, rel.version, rel.seq, person, note, rec["seq"], when)
