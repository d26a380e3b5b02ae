"""The scorer's English sentences (actions, red flags, opportunity texts), translated.

Scoring stores its sentences in English, built from fixed words and values
(``_score.ministries``, ``_score.systems``). Reports translate at the edge:
each sentence is matched against the message templates below (the scorer's
wording, placeholders for the values), the values are taken out, formatted
for the report locale (percentages, amounts, months, function names) and put
back into the translated template. A sentence no template matches is shown
as stored (``tests/test_i18n.py`` checks that every sentence of the demo
matches one, so a changed scorer text is caught).

Values from the data (system, supplier, ministry names) are never
translated; the output is plain text, escaped where it is shown.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .._i18n import N_, _
from . import fmt

__all__ = ["TEMPLATES", "split_actions", "translate"]

_STORED_TEMPLATES = (
    # Opportunities (``_score.ministries._duplication`` / ``_exit_windows`` / ``_replacements``).
    N_(
        "Same category ({category}) in {n} ministries: {ministries}; {nv} vendor(s); "
        "spend at stake {money}; open alternatives: {alternatives}"
    ),
    N_(
        "Same category ({category}) in {n} ministries: {ministries}; {nv} vendor(s); spend at stake {money}"
    ),
    N_(
        "Plan the exit from {system} (contract ends {month}, lock-in {lk}); "
        "alternatives: {alternatives}"
    ),
    N_("Plan the exit from {system} (contract ends {month}, lock-in {lk})"),
    N_("Replace or complement {system} (lock-in {lk}) with {alternatives}"),
    # Actions (``_score.ministries._actions``).
    N_("Evaluate {alternatives} to replace {system} (lock-in {lk})"),
    N_(
        "Explore one shared {category} system with {others} "
        "(spend at stake across the {n} ministries: {money})"
    ),
    N_("Collect the missing data (readiness rests on {v} of the indicators)"),
    # Red flags (``_score.systems.score``).
    N_("closed licence and no data export"),
    N_("single supplier {supplier} for {n} consecutive years"),
    N_("{n} limited/direct awards to {supplier}"),
    N_("foreign hosting without data-return clause"),
)

# Words the scorer puts in place of a missing value.
_FILLERS = (N_("one supplier"), N_("most"), N_("unknown"))

_PCT = {"v", "share", "nc"}
_INT = {"n", "nv", "lk"}


def _indicator_templates() -> tuple[str, ...]:
    from .._score.ministries import _INDICATOR_ACTIONS

    return tuple(_INDICATOR_ACTIONS.values())


@cache
def _compiled() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for template in (*_STORED_TEMPLATES, *_indicator_templates()):
        parts = re.split(r"\{(\w+)\}", template)
        rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((template, re.compile(f"^{rx}$", re.S)))
    return out


TEMPLATES = _STORED_TEMPLATES
"""The scorer's sentence templates (besides its indicator actions)."""


def _number(text: str) -> float | None:
    t = text.strip().rstrip("%").replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def _value(name: str, text: str, currency: str) -> str:
    """One placeholder's stored text, formatted for the report locale."""
    if text in _FILLERS:
        return _(text)
    if name in _PCT and text.endswith("%"):
        v = _number(text)
        return fmt.pct(v / 100) if v is not None else text
    if name in _INT or name == "money":
        v = _number(text)
        if v is None:
            return _(text)
        return fmt.money(v, currency) if name == "money" else fmt.number(v)
    if name == "month":
        return fmt.month(text + "-01") if re.fullmatch(r"\d{4}-\d\d", text) else text
    if name == "category":
        from .runner import function_label

        return function_label(text)
    if name == "others":
        m = re.fullmatch(r"(.*) and (\d+) more", text, re.S)
        if m:
            return _("{names} and {n} more").format(names=m[1], n=fmt.number(int(m[2])))
    return text


def translate(sentence: Any, currency: str = "") -> str:
    """A stored scorer sentence in the report language (as stored if unknown).

    Examples
    --------
    >>> translate("Plan the exit from Payroll (contract ends 2027-02, lock-in 68)")
    'Plan the exit from Payroll (contract ends Feb 2027, lock-in 68)'
    """
    if fmt._missing(sentence):
        return ""
    text = str(sentence)
    for template, rx in _compiled():
        m = rx.match(text)
        if m:
            values = {k: _value(k, v, currency) for k, v in m.groupdict().items()}
            return _(template).format(**values)
    return text


def matches(sentence: str) -> bool:
    """True when a template matches ``sentence`` (tests: no scorer text left out)."""
    return any(rx.match(sentence) for _t, rx in _compiled())


def split_actions(text: Any) -> list[str]:
    """Split a ``"; "``-joined cell into its sentences.

    An item that itself holds ``"; "`` (an action template does) stays whole.
    """
    if not isinstance(text, str):
        return []
    pieces = [t.strip() for t in text.split(";") if t.strip()]
    out: list[str] = []
    i = 0
    while i < len(pieces):
        if i + 1 < len(pieces) and matches(f"{pieces[i]}; {pieces[i + 1]}"):
            joined = f"{pieces[i]}; {pieces[i + 1]}"
            if not matches(pieces[i]):
                out.append(joined)
                i += 2
                continue
        out.append(pieces[i])
        i += 1
    return out
