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

from . import fmt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INDICATOR_TEXT", "reader_tables"]

INDICATOR_TEXT: dict[str, tuple[str, str]] = {
    "inventory_completeness": (
        "Inventory completeness",
        "Share of the scoring fields filled in the system inventory.",
    ),
    "open_share_systems": (
        "Open or government-owned systems",
        "Share of systems under an open-source licence or owned by the government.",
    ),
    "open_share_spend": (
        "Spend on open or government-owned systems",
        "Share of system spend going to open-source or government-owned systems.",
    ),
    "lockin_exposure": (
        "Freedom from lock-in",
        "100 minus the spend-weighted lock-in of the ministry's systems.",
    ),
    "supplier_hhi": (
        "Supplier diversity",
        "100 minus the concentration (HHI) of IT spend among suppliers.",
    ),
    "competitive_share": (
        "Competitive procurement",
        "Share of IT spend awarded through open or selective procedures.",
    ),
    "portability": (
        "Portability",
        "Open-format data export and open interfaces, averaged over systems.",
    ),
    "questionnaire": (
        "Self-assessment",
        "Answers to the readiness questionnaire (yes 100, partly 50, no 0).",
    ),
}
"""Readiness indicator id -> (name, what it measures)."""

_DEFAULT_CUTOFFS = [0.2, 0.4, 0.6, 0.8]
_DEFAULT_STAGES = ["ad hoc", "inventory & compliance", "promote", "host & share", "strategic"]


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
        return "unknown", "too little data to place the ministry"
    st = int(stage)
    lo = 0 if st == 0 else round(cutoffs[st - 1] * 100)
    hi = 100 if st >= len(cutoffs) else round(cutoffs[st] * 100) - 1
    name = names[st] if st < len(names) else str(row.get("readiness_stage_name"))
    return f"{st} · {name}", f"scores {lo}–{hi}"


def _readiness_table(row: dict[str, Any], data: Any) -> pd.DataFrame:
    weights = (_profile(data).get("readiness") or {}).get("weights") or {}
    rows: dict[str, list[str]] = {
        "Indicator": [],
        "What it measures": [],
        "Value": [],
        "Weight": [],
    }
    for key, (name, what) in INDICATOR_TEXT.items():
        rows["Indicator"].append(name)
        rows["What it measures"].append(what)
        rows["Value"].append(fmt.score100(row.get(f"ind_{key}"), stored_01=True))
        rows["Weight"].append(fmt.number(weights.get(key, 1.0), 1))
    return _frame(rows)


def _get(t: pd.DataFrame, col: str) -> pd.Series:
    """A column, or unknowns when an older or hand-made table lacks it."""
    import pandas as pd

    return t[col] if col in t else pd.Series(pd.NA, index=t.index, dtype="object")


def _suppliers(view: dict, currency: str) -> pd.DataFrame:
    t = view["suppliers"]
    return _frame(
        {
            "Supplier": [
                s if not fmt._missing(s) else "(no supplier recorded)" for s in t["supplier"]
            ],
            f"IT spend ({currency or 'amount'})": [fmt.money(x) for x in t["spend"]],
            "Share of IT spend": [
                fmt.pct(x) if not fmt._missing(x) else "not counted" for x in t["share"]
            ],
            "Contracts": [fmt.number(x) for x in t["contracts"]],
        }
    )


def _competition(view: dict, currency: str) -> pd.DataFrame:
    t = view["competition"]
    return _frame(
        {
            "Procedure": [fmt.word(m, fmt.METHOD_WORDS) for m in t["method"]],
            f"IT spend ({currency or 'amount'})": [fmt.money(x) for x in t["spend"]],
            "Share of IT spend": [fmt.pct(x) for x in t["share"]],
            "Awards": [fmt.number(x) for x in t["awards"]],
            "Single-bid awards": [
                fmt.number(x) if not fmt._missing(x) else "bids not recorded"
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
            "System": list(_get(t, "system_name").astype("string").fillna("unknown")),
            "Vendor": list(_get(t, "vendor").astype("string").fillna("unknown")),
            "Lock-in": [fmt.score100(x) for x in _get(t, "lockin_score")],
            "Contract ends": [fmt.date(x) for x in ends],
            "When": [fmt.end_status(x, as_of) for x in ends],
            f"Spend ({currency or 'amount'})": [fmt.money(x) for x in _get(t, "spend_total")],
        }
    )


def _opportunities(view: dict, currency: str) -> pd.DataFrame:
    t = view["opportunities"]
    if not len(t):
        return _frame({"What": [], "Description": [], "Value": [], "Open alternatives": []})
    value = []
    for kind, v, n in zip(_get(t, "kind"), _get(t, "value"), _get(t, "n_ministries"), strict=True):
        text = fmt.money(v, currency)
        if kind == "duplication" and not fmt._missing(n):
            text += f" (across {int(n)} ministries)"
        value.append(text)
    return _frame(
        {
            "What": [fmt.word(k, fmt.KIND_WORDS) for k in _get(t, "kind")],
            "Description": list(_get(t, "description").astype("string").fillna("")),
            "Value": value,
            "Open alternatives": list(
                _get(t, "alternatives").astype("string").fillna("none known")
            ),
        }
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
    rows: dict[str, list[str]] = {
        "File": [], "Sheet": [], "Rows read": [], "Loaded": [], "Rejected": [], "Note": []
    }  # fmt: skip
    if len(lr) and "file" in lr:
        mine = lr[lr["file"].astype("string").isin(own | shared)]
        for r in mine.itertuples(index=False):
            rows["File"].append(_relative(r.file, data.root))
            sheet = getattr(r, "sheet", None)
            rows["Sheet"].append("" if fmt._missing(sheet) else str(sheet))
            rows["Rows read"].append(fmt.number(getattr(r, "rows_read", None)))
            rows["Loaded"].append(fmt.number(getattr(r, "loaded", None)))
            rows["Rejected"].append(fmt.number(getattr(r, "rejected", None)))
            rows["Note"].append("shared with other ministries" if r.file in shared else "")
    rej = data.rejects
    problems = pd.DataFrame({"Problem": [], "Column": [], "Rows": []}, dtype="string")
    if len(rej) and "file" in rej:
        # Only this ministry's own files: a shared file's rejected values may
        # belong to another ministry and are listed in the national workbook.
        r = rej[rej["file"].astype("string").isin(own)]
        if len(r):
            g = r.groupby(["problem", "column"], dropna=False).size().sort_values(ascending=False)
            problems = pd.DataFrame(
                {
                    "Problem": [str(p) for p, _ in g.index],
                    "Column": [str(c) for _, c in g.index],
                    "Rows": [fmt.number(n) for n in g.to_numpy()],
                },
                dtype="string",
            ).head(10)
    own_rejects = (
        rej[rej["file"].astype("string").isin(own)].copy() if len(rej) and "file" in rej else rej
    )
    if len(own_rejects) and "file" in own_rejects:
        own_rejects["file"] = [_relative(f, data.root) for f in own_rejects["file"]]
    return {"quality_files": _frame(rows), "quality_problems": problems, "own_rejects": own_rejects}


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
        ``exit_table``, ``opportunities_table``, ``quality_files``,
        ``quality_problems``, ``own_rejects`` (rejected rows of this
        ministry's own files, paths relative to the project).
    """
    row = view["row"]
    cur = data.currency
    stage, band = readiness_text(row, data)
    cards = {
        f"Readiness stage ({band})": stage,
        "Readiness score": f"{fmt.score100(row.get('readiness_score'), stored_01=True)} / 100",
        "Spend-weighted lock-in": f"{fmt.score100(row.get('lockin_exposure'), stored_01=True)} / 100",
        "Systems at high lock-in": view["numbers"]["Systems at high lock-in"],
        "IT spend": fmt.money(row.get("spend_it"), cur),
        "Top supplier share of IT spend": fmt.pct(row.get("top_supplier_share")),
        "Non-competitive share of IT spend": fmt.pct(row.get("noncompetitive_share")),
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
        **_quality(view, data),
    }


def as_of_text(as_of: dt.date) -> str:
    """The analysis date as shown under a report's title."""
    return f"Data as of {as_of:%Y-%m-%d}."
