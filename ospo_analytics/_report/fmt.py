"""Reader-facing formatting: numbers, money, dates and codes in plain words.

Views turn the scorer's tables into what a minister reads through these
functions only, so a figure is written the same way on every page, in every
chart, in every table and in ``scores.xlsx``. Unknown values print
``unknown`` (in the report language), never blank (a blank reads as zero).

The one owner of locale formatting: separators, percent signs, the place of
the currency code and month names come from CLDR through Babel, for the
report language (:func:`ospo_analytics._i18n.get_language`) or the
``locale`` given.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from .._i18n import N_, _, get_language, ngettext

__all__ = [
    "KIND_WORDS",
    "METHOD_WORDS",
    "compact",
    "date",
    "end_status",
    "month",
    "money",
    "number",
    "pct",
    "out_of_100",
    "score100",
    "unknown",
    "word",
    "xlsx_formats",
]

KIND_WORDS = {
    "duplication": N_("Shared function"),
    "exit_window": N_("Exit window"),
    "replacement": N_("Open alternative"),
}
"""Opportunity kinds in words."""

METHOD_WORDS = {
    "open": N_("Open tender"),
    "selective": N_("Selective tender"),
    "limited": N_("Limited (negotiated)"),
    "direct": N_("Direct award"),
    "unknown": N_("Not recorded"),
}
"""OCDS procurement methods in words."""

BAND_WORDS = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "unknown": N_("unknown"),
}


def unknown() -> str:
    """The word for a value the inputs did not give."""
    return _("unknown")


def _loc(locale: str | None) -> str:
    return locale or get_language()


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x) or (isinstance(x, float) and math.isnan(x))  # NaN, NA
    except (TypeError, ValueError):  # pandas NA refuses bool()
        return True


def number(x: Any, digits: int = 0, locale: str | None = None) -> str:
    """``1,234`` (``1.234`` es, ``1 234`` fr), or ``unknown``.

    Examples
    --------
    >>> number(1234.5, locale="en"), number(None, locale="en"), number(0.25, 2, "en")
    ('1,234', 'unknown', '0.25')
    >>> number(1234.5, 1, "es")
    '1.234,5'
    """
    if _missing(x):
        return unknown()
    return _decimal(float(x), digits, _loc(locale))


def _decimal(v: float, digits: int, locale: str) -> str:
    from babel.numbers import format_decimal

    if not math.isfinite(v):
        return unknown()
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = format_decimal(round(v, digits), format=pattern, locale=locale)
    # CLDR leaves 4-digit numbers ungrouped in es/pt ("1234"); a report column
    # mixing "1234" and "12.345" reads badly: always group.
    if abs(v) >= 1000 and not any(c in text[: len(text) - digits - 1] for c in ".,\u202f\xa0 "):
        text = _group(text, digits, locale)
    return text


def _group(text: str, digits: int, locale: str) -> str:
    from babel.numbers import get_group_symbol

    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("-")
    whole, frac = (
        (body[: len(body) - digits - 1], body[len(body) - digits - 1 :]) if digits else (body, "")
    )
    sep = get_group_symbol(locale)
    parts: list[str] = []
    while len(whole) > 3:
        parts.insert(0, whole[-3:])
        whole = whole[:-3]
    parts.insert(0, whole)
    return sign + sep.join(parts) + frac


def _currency_first(locale: str) -> bool:
    from babel.core import Locale

    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return pattern.lstrip("-").startswith("\xa4")


def money(x: Any, currency: str = "", digits: int = 0, locale: str | None = None) -> str:
    """An amount with its ISO currency where the locale puts it.

    Examples
    --------
    >>> money(1234567.4, "TTD", locale="en"), money(12.0, locale="en")
    ('TTD 1,234,567', '12')
    >>> money(1234.5, "TTD", 2, "es"), money(1234.5, "TTD", 2, "fr")
    ('1.234,50\xa0TTD', '1\u202f234,50\xa0TTD')
    """
    if _missing(x):
        return unknown()
    loc = _loc(locale)
    text = _decimal(float(x), digits, loc)
    if not currency:
        return text
    # ISO code, not CLDR's symbol ("$TT" in fr): the code of ospo.toml is what
    # the inputs and the workbooks say. A no-break space keeps it with its number.
    space = " " if loc == "en" else "\xa0"
    return f"{currency}{space}{text}" if _currency_first(loc) else f"{text}{space}{currency}"


def compact(x: float, locale: str | None = None) -> str:
    """Short amount for chart ticks: ``1.2M``, ``350k`` (``1,2 M`` in fr).

    Examples
    --------
    >>> compact(1_250_000, "en"), compact(350_000, "es")
    ('1.2M', '350\xa0mil')
    """
    from babel.numbers import format_compact_decimal

    if _missing(x):
        return ""
    return format_compact_decimal(
        float(x), format_type="short", fraction_digits=1, locale=_loc(locale)
    )


def pct(x: Any, locale: str | None = None) -> str:
    """A 0–1 share as a whole percentage (``78%``, ``78 %`` in es and fr).

    Examples
    --------
    >>> pct(0.784, "en"), pct(None, "en"), pct(0.784, "fr")
    ('78%', 'unknown', '78\xa0%')
    """
    from babel.numbers import format_percent

    if _missing(x):
        return unknown()
    if not math.isfinite(float(x)):
        return unknown()
    return format_percent(float(x), locale=_loc(locale))


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
        return unknown()
    v = float(x) * (100 if stored_01 else 1)
    return f"{math.floor(v + 1e-9):.0f}"


def out_of_100(x: Any, stored_01: bool = False) -> str:
    """:func:`score100` with its scale, or ``unknown`` alone.

    Examples
    --------
    >>> out_of_100(0.598, stored_01=True), out_of_100(None)
    ('59 / 100', 'unknown')
    """
    shown = score100(x, stored_01)
    return shown if _missing(x) else f"{shown} / 100"


def _as_date(x: Any) -> dt.date | None:
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    if hasattr(x, "to_pydatetime"):
        return x.to_pydatetime().date()
    try:
        return dt.date.fromisoformat(str(x)[:10])
    except ValueError:
        return None


def date(x: Any, locale: str | None = None) -> str:
    """A date with its month in words: ``Dec 13, 2026``, ``13 dic 2026``, or ``unknown``.

    Month names never leave a day/month order in doubt (03/04 is March in one
    country and April in the next).

    Examples
    --------
    >>> import datetime as dt
    >>> date(dt.date(2026, 12, 13), "en"), date(None, "en"), date(dt.date(2026, 12, 13), "es")
    ('Dec 13, 2026', 'unknown', '13 dic 2026')
    """
    from babel.dates import format_date

    if _missing(x):
        return unknown()
    d = _as_date(x)
    if d is None:
        return str(x)[:10]
    return format_date(d, format="medium", locale=_loc(locale))


def month(x: Any, locale: str | None = None) -> str:
    """Month and year: ``Dec 2026``, ``déc. 2026`` (chart ticks, short texts).

    Examples
    --------
    >>> import datetime as dt
    >>> month(dt.date(2026, 12, 13), "en"), month(dt.date(2026, 12, 13), "pt")
    ('Dec 2026', 'dez. de 2026')
    """
    from babel.dates import format_skeleton

    if _missing(x):
        return unknown()
    d = _as_date(x)
    if d is None:
        return str(x)[:7]
    return format_skeleton("yMMM", d, locale=_loc(locale))


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
        return _("no end date recorded")
    d = end.date() if hasattr(end, "date") and callable(end.date) else end
    if d >= as_of:
        n = (d.year - as_of.year) * 12 + (d.month - as_of.month) - (d.day < as_of.day)
        if n <= 0:
            return _("ends within a month")
        return ngettext("ends in {n} month", "ends in {n} months", n).format(n=n)
    n = (as_of.year - d.year) * 12 + (as_of.month - d.month) - (as_of.day < d.day)
    if n <= 0:
        return _("ended within the last month")
    return ngettext("ended {n} month ago", "ended {n} months ago", n).format(n=n)


def word(code: Any, words: dict[str, str]) -> str:
    """A code in plain words, translated (the code itself when it has none)."""
    if _missing(code):
        return unknown()
    got = words.get(str(code))
    return _(got) if got else str(code).replace("_", " ")


def xlsx_formats(currency: str = "", locale: str | None = None) -> dict[str, str]:
    """Excel number formats of ``scores.xlsx`` for the report language.

    Excel draws separators from the reader's own settings; the formats say
    where the currency code goes and how dates read (month in words).

    Examples
    --------
    >>> xlsx_formats("TTD", "en")["money"], xlsx_formats("TTD", "fr")["money"]
    ('"TTD" #,##0', '#,##0 "TTD"')
    """
    loc = _loc(locale)
    code = currency.replace('"', "")
    money_fmt = "#,##0"
    if code:
        money_fmt = f'"{code}" #,##0' if _currency_first(loc) else f'#,##0 "{code}"'
    return {
        "money": money_fmt,
        "date": "mmm d, yyyy" if loc == "en" else "d mmm yyyy",
    }
