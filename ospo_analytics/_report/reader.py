"""The ministry report's tables as a reader sees them.

Each table here takes the scorer's rows (already selected for one ministry by
``runner.ministry_view``) and gives them a handful of columns with plain-word
headers and values formatted by :mod:`.fmt`: money with the currency of
``ospo.toml``, shares as %, scores 0–100, dates, codes as words. Nothing is
computed that the scorer did not write; the full detail is in ``scores.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._i18n import N_, _
from . import fmt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INDICATOR_TEXT", "reader_tables"]

INDICATOR_TEXT: dict[str, tuple[str, str]] = {
    "inventory_completeness": (
        N_("Inventory completeness"),
        N_("Share of the scoring fields filled in the system inventory."),
    ),
    "open_share_systems": (
        N_("Open or government-owned systems"),
        N_("Share of systems under an open-source licence or owned by the government."),
    ),
    "open_share_spend": (
        N_("Spend on open or government-owned systems"),
        N_("Share of system spend going to open-source or government-owned systems."),
    ),
    "lockin_exposure": (
        N_("Freedom from lock-in"),
        N_(
            "100 minus the spend-weighted lock-in of the ministry's systems (unknown when their scores rest on too little data)."
        ),
    ),
    "supplier_hhi": (
        N_("Supplier diversity"),
        N_("100 minus the concentration (HHI) of IT spend among suppliers."),
    ),
    "competitive_share": (
        N_("Competitive procurement"),
        N_("Share of IT spend awarded through open or selective procedures."),
    ),
    "portability": (
        N_("Portability"),
        N_("Open-format data export and open interfaces, averaged over systems."),
    ),
    "questionnaire": (
        N_("Self-assessment"),
        N_("Answers to the readiness questionnaire (yes 100, partly 50, no 0)."),
    ),
}
"""Readiness indicator id -> (name, what it measures)."""

_DEFAULT_CUTOFFS = [0.2, 0.4, 0.6, 0.8]
_DEFAULT_STAGES = [
    N_("ad hoc"),
    N_("inventory & compliance"),
    N_("promote"),
    N_("host & share"),
    N_("strategic"),
]


def _profile(data: Any) -> dict[str, Any]:
    try:
        return tomllib.loads(data.profile_text or "")
    except tomllib.TOMLDecodeError:
        return {}


def _stages(data: Any) -> tuple[list[float], list[str]]:
    ready = _profile(data).get("readiness") or {}
    return (
        list(ready.get("stage_cutoffs") or _DEFAULT_CUTOFFS),
        list(ready.get("stage_names") or _DEFAULT_STAGES),
    )


def _frame(columns: dict[str, list[str]]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns, dtype="string")


def readiness_text(row: dict[str, Any], data: Any) -> tuple[str, str]:
    """Stage and the score band it covers: ``("2 · promote", "scores 40–59")``."""
    cutoffs, names = _stages(data)
    stage = row.get("readiness_stage")
    if fmt._missing(stage):
        return fmt.unknown(), _("too little data to place the ministry")
    assert stage is not None  # _missing(None) is True
    st = int(stage)
    lo = 0 if st == 0 else round(cutoffs[st - 1] * 100)
    hi = 100 if st >= len(cutoffs) else round(cutoffs[st] * 100) - 1
    # A profile's own stage names are not catalogued and show as written.
    name = _(names[st]) if st < len(names) else _(str(row.get("readiness_stage_name")))
    return f"{st} · {name}", _("scores {lo}–{hi}").format(lo=lo, hi=hi)


def _readiness_score_label(row: dict[str, Any]) -> str:
    """The readiness score card's label; provisional when the score rests on
    too few indicators to place the ministry in a stage (the scorer left the
    stage unknown). Said in the label: the card's value stays a number."""
    if fmt._missing(row.get("readiness_score")) or not fmt._missing(row.get("readiness_stage")):
        return _("Readiness score")
    return _("Readiness score (provisional: rests on {share} of the indicators)").format(
        share=fmt.pct(row.get("readiness_confidence"))
    )


def _readiness_table(row: dict[str, Any], data: Any) -> pd.DataFrame:
    weights = (_profile(data).get("readiness") or {}).get("weights") or {}
    rows: dict[str, list[str]] = {
        _("Indicator"): [],
        _("What it measures"): [],
        _("Value"): [],
        _("Weight"): [],
    }
    cols = list(rows)
    for key, (name, what) in INDICATOR_TEXT.items():
        rows[cols[0]].append(_(name))
        rows[cols[1]].append(_(what))
        rows[cols[2]].append(fmt.score100(row.get(f"ind_{key}"), stored_01=True))
        rows[cols[3]].append(fmt.number(weights.get(key, 1.0), 1))
    return _frame(rows)


def spend_header(currency: str, label: str = N_("IT spend")) -> str:
    """``IT spend (TTD)``: a money column's header with its currency."""
    return _("{label} ({currency})").format(label=_(label), currency=currency or _("amount"))


def _get(t: pd.DataFrame, col: str) -> pd.Series:
    """A column, or unknowns when an older or hand-made table lacks it."""
    import pandas as pd

    return t[col] if col in t else pd.Series(pd.NA, index=t.index, dtype="object")


def _suppliers(view: dict, currency: str) -> pd.DataFrame:
    t = view["suppliers"]
    return _frame(
        {
            _("Supplier"): [
                s if not fmt._missing(s) else _("(no supplier recorded)") for s in t["supplier"]
            ],
            spend_header(currency): [fmt.money(x) for x in t["spend"]],
            _("Share of IT spend"): [
                fmt.pct(x) if not fmt._missing(x) else _("not counted") for x in t["share"]
            ],
            _("Contracts"): [fmt.number(x) for x in t["contracts"]],
        }
    )


def _matched_by(text: object) -> str:
    """How a buyer was assigned to its ministry, in words."""
    t = "" if fmt._missing(text) else str(text)
    if t.startswith("mapping: "):
        # "mapping: Hospital * (ospo.toml [ministries.buyers])": the pattern is
        # for the reader; where the rule lives is in ministry_buyers for analysts.
        rule = t.removeprefix("mapping: ").rsplit(" (", 1)[0]
        return _("rule {rule}").format(rule=rule)
    words = {
        "is a ministry": _("is the ministry"),
        "no mapping": _("its own name"),
        "unmatched": _("no rule matched: kept as its own ministry"),
    }
    return "; ".join(words.get(part.strip(), part.strip()) for part in t.split(";") if part)


def _buyers(view: dict, currency: str) -> pd.DataFrame:
    t = view.get("buyers")
    if t is None or not len(t) or (len(t) == 1 and str(t["buyer"].iloc[0]) == view["ministry"]):
        return _frame({})
    return _frame(
        {
            _("Buyer"): [str(b) for b in t["buyer"]],
            _("How it was assigned"): [_matched_by(m) for m in t["matched_by"]],
            spend_header(currency): [fmt.money(x) for x in t["spend"]],
            _("Contracts"): [fmt.number(x) for x in t["contracts"]],
            _("Systems"): [fmt.number(x) for x in t["systems"]],
        }
    )


def _competition(view: dict, currency: str) -> pd.DataFrame:
    t = view["competition"]
    return _frame(
        {
            _("Procedure"): [fmt.word(m, fmt.METHOD_WORDS) for m in t["method"]],
            spend_header(currency): [fmt.money(x) for x in t["spend"]],
            _("Share of IT spend"): [fmt.pct(x) for x in t["share"]],
            _("Awards"): [fmt.number(x) for x in t["awards"]],
            _("Single-bid awards"): [
                fmt.number(x) if not fmt._missing(x) else _("bids not recorded")
                for x in t["single_bid_awards"]
            ],
        }
    )


def _exits(view: dict, currency: str) -> pd.DataFrame:
    t = view["exit_windows"]
    as_of = view["as_of"]
    ends = _get(t, "end_date")
    return _frame(
        {
            _("System"): list(_get(t, "system_name").astype("string").fillna(fmt.unknown())),
            _("Vendor"): list(_get(t, "vendor").astype("string").fillna(fmt.unknown())),
            _("Lock-in"): [fmt.score100(x) for x in _get(t, "lockin_score")],
            _("Contract ends"): [fmt.date(x) for x in ends],
            _("When"): [fmt.end_status(x, as_of) for x in ends],
            spend_header(currency, N_("Spend")): [fmt.money(x) for x in _get(t, "spend_total")],
        }
    )


def _opportunities(view: dict, currency: str) -> pd.DataFrame:
    from .scorer_text import translate

    t = view["opportunities"]
    heads = [_("What"), _("Description"), _("Value"), _("Open alternatives")]
    if not len(t):
        return _frame({h: [] for h in heads})
    value = []
    for kind, v, n in zip(_get(t, "kind"), _get(t, "value"), _get(t, "n_ministries"), strict=True):
        text = fmt.money(v, currency)
        if kind == "duplication" and not fmt._missing(n):
            text += " " + _("(across {n} ministries)").format(n=int(n))
        value.append(text)
    return _frame(
        {
            heads[0]: [fmt.word(k, fmt.KIND_WORDS) for k in _get(t, "kind")],
            heads[1]: [translate(x, currency) for x in _get(t, "description")],
            heads[2]: value,
            heads[3]: list(_get(t, "alternatives").astype("string").fillna(_("none known"))),
        }
    )


def _no_opportunities_note(view: dict) -> str:
    """Why the ministry has no reuse or replacement opportunity listed."""
    if len(view["opportunities"]):
        return ""
    systems = view["systems"]
    known = "category" in systems and bool(systems["category"].notna().any())
    if not known:
        return _(
            "None to list: no system of this ministry has a recorded function (the "
            "inventory's category), so neither a function shared with other ministries "
            "nor an open alternative can be found."
        )
    return _(
        "None to list: no function of this ministry is also run by another, no contract "
        "of a high-lock-in system ends soon, and no system is a replacement candidate."
    )


def _relative(path: object, root: str) -> str:
    text = str(path)
    if root and os.path.isabs(text):
        try:
            return os.path.relpath(text, root)
        except ValueError:
            return Path(text).name
    return text


def _own_files(view: dict, data: Any) -> tuple[set[str], set[str]]:
    """This ministry's source files: only its rows (own) or shared with others."""
    own: set[str] = set()
    shared: set[str] = set()
    for table in (data.inventory, data.procurement):
        if not len(table) or "source_file" not in table:
            continue
        files = table[["ministry", "source_file"]].dropna().astype("string").drop_duplicates()
        mine = set(files.loc[files["ministry"] == view["ministry"], "source_file"])
        others = set(files.loc[files["ministry"] != view["ministry"], "source_file"])
        own |= mine - others
        shared |= mine & others
    return own, shared


def _quality(view: dict, data: Any) -> dict[str, pd.DataFrame]:
    import pandas as pd

    own, shared = _own_files(view, data)
    lr = data.load_report
    heads = [_("File"), _("Sheet"), _("Rows read"), _("Loaded"), _("Rejected"), _("Note")]
    rows: dict[str, list[str]] = {h: [] for h in heads}
    if len(lr) and "file" in lr:
        mine = lr[lr["file"].astype("string").isin(own | shared)]
        for r in mine.itertuples(index=False):
            sheet = getattr(r, "sheet", None)
            values = [
                _relative(r.file, data.root),
                "" if fmt._missing(sheet) else str(sheet),
                fmt.number(getattr(r, "rows_read", None)),
                fmt.number(getattr(r, "loaded", None)),
                fmt.number(getattr(r, "rejected", None)),
                _("shared with other ministries") if r.file in shared else "",
            ]
            for h, v in zip(heads, values, strict=True):
                rows[h].append(v)
    rej = data.rejects
    pheads = [_("Problem"), _("Column"), _("Rows")]
    problems = pd.DataFrame({h: [] for h in pheads}, dtype="string")
    if len(rej) and "file" in rej:
        # Only this ministry's own files: a shared file's rejected values may
        # belong to another ministry and are listed in the national workbook.
        r = rej[rej["file"].astype("string").isin(own)]
        if len(r):
            g = r.groupby(["problem", "column"], dropna=False).size().sort_values(ascending=False)
            problems = pd.DataFrame(
                {
                    pheads[0]: [str(p) for p, _c in g.index],
                    pheads[1]: [str(c) for _p, c in g.index],
                    pheads[2]: [fmt.number(n) for n in g.to_numpy()],
                },
                dtype="string",
            ).head(10)
    own_rejects = (
        rej[rej["file"].astype("string").isin(own)].copy() if len(rej) and "file" in rej else rej
    )
    if len(own_rejects) and "file" in own_rejects:
        own_rejects["file"] = [_relative(f, data.root) for f in own_rejects["file"]]
    return {
        "quality_files": _frame(rows),
        "quality_problems": problems,
        "quality_files_note": _not_written("load_report.csv", data) or _no_files_note(),
        "quality_problems_note": _not_written("rejects.csv", data)
        or _no_problems_note(own, shared),
        "own_rejects": own_rejects,
    }


def _not_written(name: str, data: Any) -> str:
    """Why a loader table is empty when validation's file is not in the
    processed folder (unknown, not "none"); "" when it is there."""
    if name not in data.missing:
        return ""
    return _(
        "Unknown: {file} is not in the processed folder (copied without it, or written "
        "by an older version); validate again to list them."
    ).format(file=name)


def _no_problems_note(own: set[str], shared: set[str]) -> str:
    """Why no problem is listed for the ministry's own files (shown only when none is)."""
    if not own and shared:
        return _(
            "None to list here: every file with this ministry's rows also holds other "
            "ministries' rows, so its rejected rows are listed in the national workbook."
        )
    if not own:
        return _no_files_note()
    return _("None: no row of this ministry's own files was rejected.")


def _no_files_note() -> str:
    return _("None to list: no input file holds rows of this ministry.")


def reader_tables(view: dict, data: Any) -> dict[str, Any]:
    """Reader tables and headline cards of one ministry view.

    Parameters
    ----------
    view : dict
        From ``ministry_view`` (the scorer's rows for this ministry).
    data : ReportData
        The processed folder (currency, profile, accounting files).

    Returns
    -------
    dict
        ``cards`` (label -> text), ``stage_text``, and DataFrames of text:
        ``readiness_table``, ``suppliers_table``, ``competition_table``,
        ``exit_table``, ``opportunities_table``, ``buyers_table`` (the
        buyers rolled up into this ministry; empty when the ministry is its
        only buyer), ``quality_files``,
        ``quality_problems``, ``own_rejects`` (rejected rows of this
        ministry's own files, paths relative to the project).
    """
    row = view["row"]
    cur = data.currency
    stage, band = readiness_text(row, data)
    cards = {
        _("Readiness stage ({band})").format(band=band): stage,
        _readiness_score_label(row): fmt.out_of_100(row.get("readiness_score"), stored_01=True),
        _("Spend-weighted lock-in"): fmt.out_of_100(row.get("lockin_exposure"), stored_01=True),
        _("Systems at high lock-in"): view["numbers"]["high_lockin"],
        _("IT spend"): fmt.money(row.get("spend_it"), cur),
        _("Top supplier share of IT spend"): fmt.pct(row.get("top_supplier_share")),
        _("Non-competitive share of IT spend"): fmt.pct(row.get("noncompetitive_share")),
    }
    return {
        "cards": cards,
        "currency": cur,
        "country": data.country,
        "stage_text": f"{stage} ({band})",
        "readiness_table": _readiness_table(row, data),
        "suppliers_table": _suppliers(view, cur),
        "competition_table": _competition(view, cur),
        "exit_table": _exits(view, cur),
        "opportunities_table": _opportunities(view, cur),
        "opportunities_note": _no_opportunities_note(view),
        "buyers_table": _buyers(view, cur),
        **_quality(view, data),
    }


def as_of_text(as_of: dt.date) -> str:
    """The analysis date as shown under a report's title."""
    return _("Data as of {date}.").format(date=fmt.date(as_of))
