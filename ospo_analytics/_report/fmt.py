"""Reader-facing formatting: numbers, money, dates and codes in plain words.

Views turn the scorer's tables into what a minister reads through these
functions only, so a figure is written the same way on every page, in every
table and in ``scores.xlsx``. Unknown values print ``unknown``, never blank
(a blank reads as zero).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

__all__ = [
    "KIND_WORDS",
    "METHOD_WORDS",
    "date",
    "end_status",
    "money",
    "number",
    "pct",
    "score100",
    "word",
]

UNKNOWN = "unknown"

KIND_WORDS = {
    "duplication": "Shared function",
    "exit_window": "Exit window",
    "replacement": "Open alternative",
}
"""Opportunity kinds in words."""

METHOD_WORDS = {
    "open": "Open tender",
    "selective": "Selective tender",
    "limited": "Limited (negotiated)",
    "direct": "Direct award",
    "unknown": "Not recorded",
}
"""OCDS procurement methods in words."""

BAND_WORDS = {"low": "low", "medium": "medium", "high": "high", "unknown": "unknown"}


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x) or (isinstance(x, float) and math.isnan(x))  # NaN, NA
    except (TypeError, ValueError):  # pandas NA refuses bool()
        return True


def number(x: Any, digits: int = 0) -> str:
    """``1,234`` (thousands separated), or ``unknown``.

    Examples
    --------
    >>> number(1234.5), number(None), number(0.25, 2)
    ('1,234', 'unknown', '0.25')
    """
    if _missing(x):
        return UNKNOWN
    return f"{float(x):,.{digits}f}"


def money(x: Any, currency: str = "") -> str:
    """An amount with its ISO currency: ``TTD 1,234,567``.

    Examples
    --------
    >>> money(1234567.4, "TTD"), money(12.0), money(float("nan"), "USD")
    ('TTD 1,234,567', '12', 'unknown')
    """
    if _missing(x):
        return UNKNOWN
    text = f"{float(x):,.0f}"
    return f"{currency} {text}" if currency else text


def pct(x: Any) -> str:
    """A 0–1 share as a whole percentage.

    Examples
    --------
    >>> pct(0.784), pct(None)
    ('78%', 'unknown')
    """
    if _missing(x):
        return UNKNOWN
    return f"{float(x):.0%}"


def score100(x: Any, stored_01: bool = False) -> str:
    """A score on the 0–100 scale, cut (not rounded) to a whole number.

    Cutting keeps the shown score consistent with stage cut-offs: 59.8 shows
    as 59, below a cut-off of 60, as the stage says.

    Examples
    --------
    >>> score100(0.598, stored_01=True), score100(88.3), score100(None)
    ('59', '88', 'unknown')
    """
    if _missing(x):
        return UNKNOWN
    v = float(x) * (100 if stored_01 else 1)
    return f"{math.floor(v + 1e-9):.0f}"


def date(x: Any) -> str:
    """ISO date ``2026-12-13``, or ``unknown``.

    Examples
    --------
    >>> import datetime as dt
    >>> date(dt.date(2026, 12, 13)), date(None)
    ('2026-12-13', 'unknown')
    """
    if _missing(x):
        return UNKNOWN
    if hasattr(x, "strftime"):
        return x.strftime("%Y-%m-%d")
    return str(x)[:10]


def end_status(end: Any, as_of: dt.date) -> str:
    """When a contract ends, relative to the analysis date, in words.

    Examples
    --------
    >>> import datetime as dt
    >>> end_status(dt.date(2027, 1, 1), dt.date(2026, 6, 30))
    'ends in 6 months'
    >>> end_status(dt.date(2024, 12, 1), dt.date(2026, 6, 30))
    'ended 18 months ago'
    >>> end_status(None, dt.date(2026, 6, 30))
    'no end date recorded'
    """
    if _missing(end):
        return "no end date recorded"
    d = end.date() if hasattr(end, "date") and callable(end.date) else end
    if d >= as_of:
        n = (d.year - as_of.year) * 12 + (d.month - as_of.month) - (d.day < as_of.day)
        return "ends within a month" if n <= 0 else f"ends in {n} month{'s' * (n != 1)}"
    n = (as_of.year - d.year) * 12 + (as_of.month - d.month) - (as_of.day < d.day)
    return "ended within the last month" if n <= 0 else f"ended {n} month{'s' * (n != 1)} ago"


def word(code: Any, words: dict[str, str]) -> str:
    """A code in plain words (the code itself when it has none)."""
    if _missing(code):
        return UNKNOWN
    return words.get(str(code), str(code).replace("_", " "))
