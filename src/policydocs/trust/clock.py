"""The trust layer's clock: record times and "today" for every date decision.

Two environment overrides let tests, demos and auditors move time:

* ``POLICYDOCS_NOW`` (ISO date-time) fixes the time written into new ledger
  records;
* ``POLICYDOCS_TODAY`` (ISO date) fixes the day on which "in force", "due for
  review" and "retroactive" are judged. Commands with ``--today DATE`` set it
  for their own process (:func:`set_today`).

They stay consistent: without ``POLICYDOCS_TODAY`` today is the date of
``POLICYDOCS_NOW``; without ``POLICYDOCS_NOW`` a record made while
``POLICYDOCS_TODAY`` is set is dated that day (at the current clock time).
Both set to different days is refused. An explicit ``--today`` wins over
both for date decisions (it does not change record times).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from ..core.errors import PolicyError

NOW_ENV = "POLICYDOCS_NOW"
TODAY_ENV = "POLICYDOCS_TODAY"

_override: date | None = None  # set by --today for this process


def _env_date(name: str) -> date | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PolicyError(f"${name}", 0, f"{text!r} is not a date; write YYYY-MM-DD") from None


def _env_now() -> datetime | None:
    text = os.environ.get(NOW_ENV, "").strip()
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise PolicyError(f"${NOW_ENV}", 0, f"{text!r} is not a date-time; write e.g. 2025-06-20T09:30:00+08:00") from None
    return dt if dt.tzinfo else dt.astimezone()


def _check_consistent(fixed_now: datetime | None, fixed_today: date | None) -> None:
    if fixed_now is not None and fixed_today is not None and fixed_now.date() != fixed_today:
        raise PolicyError(f"${TODAY_ENV}", 0, f"${TODAY_ENV} ({fixed_today}) and ${NOW_ENV} ({fixed_now.isoformat()}) "
                                              f"name different days; set one of them")


def now() -> datetime:
    """Current time with the local UTC offset, whole seconds (see the module doc for overrides)."""
    fixed_now, fixed_today = _env_now(), _env_date(TODAY_ENV)
    _check_consistent(fixed_now, fixed_today)
    if fixed_now is not None:
        return fixed_now
    current = datetime.now().astimezone().replace(microsecond=0)
    if fixed_today is not None:
        return current.replace(year=fixed_today.year, month=fixed_today.month, day=fixed_today.day)
    return current


def today() -> date:
    """The day every date decision is made on (``POLICYDOCS_TODAY``, else the date of :func:`now`)."""
    if _override is not None:
        return _override
    fixed_now, fixed_today = _env_now(), _env_date(TODAY_ENV)
    _check_consistent(fixed_now, fixed_today)
    if fixed_today is not None:
        return fixed_today
    return fixed_now.date() if fixed_now is not None else datetime.now().astimezone().date()


@contextmanager
def today_is(day: date | None) -> Iterator[None]:
    """Judge dates as of ``day`` inside the block (``--today``); ``None`` changes nothing."""
    global _override
    saved = _override
    if day is not None:
        _override = day
    try:
        yield
    finally:
        _override = saved
