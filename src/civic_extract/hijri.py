"""Hijri (Umm al-Qura) to Gregorian, as a thin adapter over hijridate.

dateparser keeps its Hijri support in the same shape (``calendars/hijri.py``
wrapping ``hijridate``): the calendar arithmetic is the library's, this module
only turns its exceptions into ``None`` for dates outside the Umm al-Qura table
(1343–1500 AH) or impossible ones (30 of a 29-day month), so the date finder can
drop such a candidate instead of failing.
"""

from __future__ import annotations

from datetime import date

from hijridate import Gregorian, Hijri


def _plain(day: date) -> date:
    """hijridate's Gregorian is a date subclass; callers get a plain ``date``."""
    return date(day.year, day.month, day.day)


def to_gregorian(year: int, month: int, day: int) -> date | None:
    """The Gregorian day of Hijri ``day/month/year``, or None if there is none."""
    try:
        return _plain(Hijri(year, month, day).to_gregorian())
    except (ValueError, OverflowError):
        return None


def month_bounds(year: int, month: int) -> tuple[date, date] | None:
    """First and last Gregorian days of a Hijri month (its length comes from the table)."""
    try:
        first = Hijri(year, month, 1)
        return _plain(first.to_gregorian()), _plain(Hijri(year, month, first.month_length()).to_gregorian())
    except (ValueError, OverflowError):
        return None


def year_bounds(year: int) -> tuple[date, date] | None:
    """First and last Gregorian days of a Hijri year."""
    start, end = month_bounds(year, 1), month_bounds(year, 12)
    return (start[0], end[1]) if start and end else None


def from_gregorian(day: date) -> tuple[int, int, int] | None:
    """(year, month, day) in the Hijri calendar, or None outside the table."""
    try:
        return Gregorian(day.year, day.month, day.day).to_hijri().datetuple()
    except (ValueError, OverflowError):
        return None

