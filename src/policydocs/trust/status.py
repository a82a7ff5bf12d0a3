"""In force is computed, not assumed: the status of a policy, or of one version, on a date.

One set of rules, used by ``as-of``, ``verify-file``, ``due``, the portal and
the evidence pack:

* a release is *in force* on day D when its effective date has come and no
  later release (higher record number) of the policy has an effective date
  that has come too; a later release always wins, so a correction released
  after a scheduled revision replaces it;
* a release whose effective date is still to come, and that no later release
  overtakes, is *scheduled* (upcoming, not in force);
* a release whose frozen text says ``status: repealed`` *repeals* the policy
  from its effective date; ``status: superseded`` (with ``superseded_by``)
  ends it in favour of another policy;
* a policy whose in-force text lists it under ``supersedes:`` is *superseded*
  by that policy from that release's effective date (unless the policy was
  released again afterwards).

Every function takes the day explicitly; callers pass ``clock.today()``
(``--today`` / ``POLICYDOCS_TODAY``) for "today".
"""

from __future__ import annotations

import os

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..core.model import PolicyMeta
from .ledger import (
    LedgerError,
    PolicyState,
    ReleaseRecord,
    State,
    load_state,
    read_meta,
    snapshot_text,
)

IN_FORCE = "in_force"
SCHEDULED = "scheduled"
SUPERSEDED = "superseded"
REPEALED = "repealed"
WITHDRAWN = "withdrawn"  # released, but replaced before its effective date came
UNRELEASED = "unreleased"


@dataclass(frozen=True)
class Successor:
    """What replaced a version: a later version of the same policy or another policy."""

    policy: str
    version: str
    effective: date
    record: int

    def label(self, of_policy: str) -> str:
        return self.version if self.policy == of_policy else f"{self.policy} {self.version}"


@dataclass(frozen=True)
class PolicyStatus:
    """A policy on ``day``: which version is in force, what is scheduled, or why none is."""

    policy: str
    day: date
    state: str  # IN_FORCE | SCHEDULED | SUPERSEDED | REPEALED | UNRELEASED
    current: ReleaseRecord | None  # in force on ``day`` (or the last one in force, when superseded/repealed)
    upcoming: ReleaseRecord | None  # the next release with an effective date still to come
    since: date | None  # in force since / repealed or superseded on / scheduled from
    by: Successor | None = None  # what repealed or superseded the policy

    @property
    def in_force(self) -> bool:
        return self.state == IN_FORCE

    def describe(self) -> str:
        """One line in English, e.g. ``A/1 in force since 2025-01-01; A/2 scheduled from 2026-01-01``."""
        up = (f"; {self.upcoming.version} scheduled from {effective_of(self.upcoming)}"
              if self.upcoming is not None and self.state == IN_FORCE else "")
        if self.state == IN_FORCE:
            return f"{self.current.version} in force since {self.since}{up}"
        if self.state == SCHEDULED:
            return f"not yet in force: {self.upcoming.version} scheduled from {self.since}"
        if self.state == REPEALED:
            return f"repealed effective {self.since} ({self.by.label(self.policy) if self.by else '?'})"
        if self.state == SUPERSEDED:
            return f"superseded by {self.by.label(self.policy) if self.by else '?'} effective {self.since}"
        return "never released"

    def to_json(self) -> dict:
        return {"policy": self.policy, "day": self.day.isoformat(), "state": self.state,
                "version": self.current.version if self.current else None,
                "record": self.current.seq if self.current else None,
                "since": self.since.isoformat() if self.since else None,
                "upcoming": {"version": self.upcoming.version, "effective_date": effective_of(self.upcoming).isoformat(),
                             "record": self.upcoming.seq} if self.upcoming else None,
                "by": _successor_json(self.by), "describe": self.describe()}


@dataclass(frozen=True)
class VersionStatus:
    """One released version on ``day``: in force, scheduled, superseded (by what, from when), repealed."""

    policy: str
    version: str
    day: date
    state: str  # IN_FORCE | SCHEDULED | SUPERSEDED | REPEALED | WITHDRAWN
    release: ReleaseRecord
    since: date | None  # in force since / scheduled from / superseded or repealed on
    by: Successor | None = None

    @property
    def in_force(self) -> bool:
        return self.state == IN_FORCE

    def describe(self) -> str:
        """``in force since …`` / ``superseded by A/2 effective …`` / ``scheduled from …`` / ``repealed …``."""
        by = self.by.label(self.policy) if self.by else "?"
        if self.state == IN_FORCE:
            return f"in force since {self.since}"
        if self.state == SCHEDULED:
            return f"scheduled: in force from {self.since}"
        if self.state == SUPERSEDED:
            return f"superseded by {by} effective {self.since}"
        if self.state == REPEALED:
            return f"repealed effective {self.since} (by {by})"
        return f"never in force: replaced by {by} before its effective date"

    def to_json(self) -> dict:
        return {"policy": self.policy, "version": self.version, "day": self.day.isoformat(), "state": self.state,
                "since": self.since.isoformat() if self.since else None, "by": _successor_json(self.by),
                "record": self.release.seq, "describe": self.describe(),
                "retroactive_reason": self.release.retroactive_reason or None}


def _successor_json(s: Successor | None) -> dict | None:
    return {"policy": s.policy, "version": s.version, "effective_date": s.effective.isoformat(),
            "record": s.record} if s else None


def effective_of(r: ReleaseRecord) -> date:
    """The day a release takes effect (its release date when none was recorded)."""
    return r.effective_date or r.date


@lru_cache(maxsize=4096)
def _snapshot_meta(root: str, snapshot: str) -> PolicyMeta | None:
    try:
        return read_meta(snapshot_text(root, snapshot))
    except LedgerError:
        return None


def release_meta(root: str | Path, rel: ReleaseRecord) -> PolicyMeta | None:
    """Front matter of a release's frozen text (cached by snapshot hash)."""
    return _snapshot_meta(os.path.abspath(root), rel.snapshot)  # abspath: no file system calls


def _overtaken(r: ReleaseRecord, releases: list[ReleaseRecord]) -> ReleaseRecord | None:
    """A later release that takes effect no later than ``r`` (so ``r`` never comes into force)."""
    later = [x for x in releases if x.seq > r.seq and effective_of(x) <= effective_of(r)]
    return min(later, key=lambda x: (effective_of(x), x.seq)) if later else None


def _current(releases: list[ReleaseRecord], day: date) -> ReleaseRecord | None:
    cands = [r for r in releases if effective_of(r) <= day]
    return max(cands, key=lambda r: r.seq) if cands else None


def _upcoming(releases: list[ReleaseRecord], day: date, after_seq: int) -> ReleaseRecord | None:
    cands = [r for r in releases if effective_of(r) > day and r.seq > after_seq and _overtaken(r, releases) is None]
    return min(cands, key=lambda r: (effective_of(r), r.seq)) if cands else None


def _superseding(root: str | Path, st: State, pid: str, cur: ReleaseRecord, day: date) -> Successor | None:
    """Another policy whose text in force on ``day`` supersedes ``pid`` (released after ``cur``)."""
    best: Successor | None = None
    for other, r in _supersessions(root, st).get(pid, ()):
        if other == pid or effective_of(r) > day or r.seq < cur.seq:
            continue
        cand = Successor(other, r.version, effective_of(r), r.seq)
        if best is None or (cand.effective, cand.record) < (best.effective, best.record):
            best = cand
    return best


_index: dict[int, tuple[State, dict[str, list[tuple[str, ReleaseRecord]]]]] = {}


def _supersessions(root: str | Path, st: State) -> dict[str, list[tuple[str, ReleaseRecord]]]:
    """Policy id → the releases of other policies whose frozen text names it in ``supersedes``;
    read once per ledger state (the portal asks for hundreds of statuses)."""
    hit = _index.get(id(st))
    if hit is not None and hit[0] is st:
        return hit[1]
    index: dict[str, list[tuple[str, ReleaseRecord]]] = {}
    for other, ps in st.policies.items():
        for r in ps.releases:
            meta = release_meta(root, r)
            for old in (meta.supersedes if meta is not None else ()):
                index.setdefault(old, []).append((other, r))
    _index.clear()
    _index[id(st)] = (st, index)  # holding ``st`` keeps its id from being reused
    return index


def _status(root: str | Path, st: State, pid: str, day: date) -> PolicyStatus:
    releases = st.policies.get(pid, PolicyState()).releases
    if not releases:
        return PolicyStatus(pid, day, UNRELEASED, None, None, None)
    cur = _current(releases, day)
    upcoming = _upcoming(releases, day, cur.seq if cur else 0)
    if cur is None:
        return PolicyStatus(pid, day, SCHEDULED, None, upcoming, effective_of(upcoming) if upcoming else None)
    meta = release_meta(root, cur)
    if meta is not None and meta.status == "repealed":
        return PolicyStatus(pid, day, REPEALED, cur, upcoming, effective_of(cur),
                            Successor(pid, cur.version, effective_of(cur), cur.seq))
    other = _superseding(root, st, pid, cur, day)
    if other is not None:
        return PolicyStatus(pid, day, SUPERSEDED, cur, upcoming, other.effective, other)
    if meta is not None and meta.status == "superseded" and meta.superseded_by:
        succ = _current(st.policies.get(meta.superseded_by, PolicyState()).releases, day)
        by = Successor(meta.superseded_by, succ.version if succ else "?", effective_of(cur), succ.seq if succ else 0)
        return PolicyStatus(pid, day, SUPERSEDED, cur, upcoming, effective_of(cur), by)
    return PolicyStatus(pid, day, IN_FORCE, cur, upcoming, effective_of(cur))


def known_on(st: State, day: date) -> State:
    """``st`` as it stood at the end of ``day``: only the releases and reviews recorded by then.

    For a status *as known on* a past day (an evidence pack ``--as-of``): a release made later —
    even one effective earlier (retroactive) or one that overtook a scheduled version — is not
    yet part of it. Every other part of the state is shared with ``st``."""
    policies = {pid: PolicyState([r for r in ps.releases if r.date <= day], ps.pending)
                for pid, ps in st.policies.items()}
    reviews = {pid: [r for r in rs if r.day <= day] for pid, rs in st.reviews.items()}
    return replace(st, policies=policies, reviews=reviews)


def status_on(root: str | Path, policy: str, day: date, config=None, *, state: State | None = None) -> PolicyStatus:
    """The status of ``policy`` on ``day`` (``state``: judge from this replayed ledger, e.g.
    :func:`known_on`; default the project's ledger as it is)."""
    return _status(root, state if state is not None else load_state(root, config), policy, day)


def statuses(root: str | Path, day: date, config=None, *, state: State | None = None) -> dict[str, PolicyStatus]:
    """Every released policy's status on ``day`` (policy id → status; ``state`` as in :func:`status_on`)."""
    st = state if state is not None else load_state(root, config)
    return {pid: _status(root, st, pid, day) for pid in sorted(st.policies) if st.policies[pid].releases}


def version_status(root: str | Path, policy: str, version: str, day: date, config=None, *,
                   state: State | None = None) -> VersionStatus | None:
    """The status of one released version on ``day``; ``None`` when there is no such release
    (``state`` as in :func:`status_on`)."""
    st = state if state is not None else load_state(root, config)
    releases = st.policies.get(policy, PolicyState()).releases
    r = next((x for x in releases if x.version == version), None)
    if r is None:
        return None
    ps = _status(root, st, policy, day)
    cur = ps.current
    if cur is not None and r.seq == cur.seq:
        if ps.state in (REPEALED, SUPERSEDED) and ps.by is not None and not (ps.by.policy == policy
                                                                           and ps.by.record == r.seq):
            return VersionStatus(policy, version, day, ps.state, r, ps.since, ps.by)
        if ps.state == REPEALED:  # r is the repealing release itself
            return VersionStatus(policy, version, day, REPEALED, r, effective_of(r), ps.by)
        return VersionStatus(policy, version, day, IN_FORCE, r, effective_of(r))
    if cur is None or r.seq > cur.seq:
        over = _overtaken(r, releases)
        if over is not None:
            return VersionStatus(policy, version, day, WITHDRAWN, r, effective_of(over),
                                 Successor(policy, over.version, effective_of(over), over.seq))
        return VersionStatus(policy, version, day, SCHEDULED, r, effective_of(r))
    # an earlier release: when did it stop being in force, and what replaced it?
    over = _overtaken(r, releases)
    if over is not None:
        return VersionStatus(policy, version, day, WITHDRAWN, r, effective_of(over),
                             Successor(policy, over.version, effective_of(over), over.seq))
    later = [x for x in releases if x.seq > r.seq and effective_of(x) <= day]
    nxt = min(later, key=lambda x: (effective_of(x), x.seq))
    by = Successor(policy, nxt.version, effective_of(nxt), nxt.seq)
    meta = release_meta(root, nxt)
    state = REPEALED if meta is not None and meta.status == "repealed" else SUPERSEDED
    return VersionStatus(policy, version, day, state, r, effective_of(nxt), by)


def as_of(project_root: str | Path, when: date, config=None, *,
          superseded: dict[str, str] | None = None) -> dict[str, ReleaseRecord]:
    """policy id → the release in force on ``when``; ``superseded`` (if given) receives
    ``{policy id: why not in force}`` for policies repealed or superseded by then."""
    out: dict[str, ReleaseRecord] = {}
    for pid, ps in statuses(project_root, when, config).items():
        if ps.state == IN_FORCE:
            out[pid] = ps.current
        elif ps.state in (REPEALED, SUPERSEDED) and superseded is not None:
            superseded[pid] = ps.describe()
    return out
