"""Readiness reports: report data views and the batch runner.

Two halves:

* **views** (``load_report_data``, ``ministry_view``, ``national_view``,
  ``html_table``, ``cards``): what the notebooks call, so they stay thin;
* **runner** (``run_reports``, ``print_summary``): executes the parameterised
  notebooks for every ministry in a process pool, exports HTML / XLSX / PDF,
  writes the index and manifest, and publishes the run atomically.

Run layout::

    out/<run-id>/<ministry-slug>/report.html, report.ipynb, scores.xlsx, report.pdf
    out/<run-id>/national/...
    out/<run-id>/index.html, manifest.json
    out/latest -> <run-id>     (symlink, replaced with os.replace)
    out/LATEST                 (text: the run id, for systems without symlinks)

A run is built in ``out/.tmp-<run-id>/`` and renamed into place only when
complete, so a crashed or killed run never moves ``latest``.

The import of this module is light on purpose (no pandas, papermill or
nbconvert at module level): the "nothing changed" path must answer in well
under two seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from .._i18n import DEFAULT, N_, _, check_language, language
from .._processed import sha256_file
from . import fmt
from .columns import for_workbook
from .reader import reader_tables
from .scorer_text import split_actions, translate

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pandas.io.formats.style import Styler

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
MINISTRY_NOTEBOOK = "ministry_readiness.ipynb"
NATIONAL_NOTEBOOK = "national_overview.ipynb"
NATIONAL = "national"
FAIL_ENV = "OSPO_REPORT_INJECT_FAILURE"
"""Test hook: a ministry name whose notebook the runner makes raise (checks the
failure path end to end, e.g. in a CI smoke test). Ignored when unset."""
HANG_ENV = "OSPO_REPORT_INJECT_HANG"
"""Test hook: a ministry name whose notebook sleeps forever (checks the timeout)."""
CRASH_ENV = "OSPO_REPORT_INJECT_CRASH"
"""Test hook: a ministry name whose kernel exits mid-notebook (``os._exit(1)``)."""
_INJECTED = {
    "fail": f"raise RuntimeError('planted failure ({FAIL_ENV})')",
    "hang": "import time as _t\nwhile True:\n    _t.sleep(1)",
    "crash": "import os as _os\n_os._exit(1)",
}
CHROMIUM_MISSING = (
    "skipped: chromium not installed (install Debian's `chromium` package, "
    "e.g. `apt-get install chromium`, to get PDFs)"
)
_SCORE_TABLES = ("systems", "factors", "ministries", "opportunities")
RUN_MARKER = ".ospo-run"
"""File inside every run folder the runner builds (removed once the run is
published); stale-run clean-up removes only ``.tmp-*`` folders that hold it."""


class ReportError(ValueError):
    """A user-facing problem with a report run (printed without a traceback)."""


class DiskFullError(OSError):
    """No space left while writing a run: the run is dropped, ``latest`` kept."""


def _is_disk_full(exc: BaseException) -> TypeGuard[OSError]:
    import errno

    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _describe_error(exc: BaseException, timeout: int, timed_out: bool) -> str:
    """One line a reader understands for a failed report (no traceback)."""
    name = type(exc).__name__
    if _is_disk_full(exc):
        return f"disk full: no space left writing the report ({exc.filename or exc})"
    if timed_out or name in ("CellTimeoutError", "TimeoutError"):
        return f"timed out after {timeout} s"
    if name == "DeadKernelError" or "kernel died" in str(exc).lower():
        return "kernel died while running the notebook (the Python process exited or was killed)"
    return f"{name}: {exc}"


# =================================================================== views
@dataclass
class ReportData:
    """Everything a report reads from a processed folder.

    Attributes
    ----------
    processed_dir : Path
        The folder read.
    systems, factors, ministries, opportunities : DataFrame
        Scoring outputs (empty frames when a file is missing).
    suppliers, competition, competition_years, system_ends, factor_coverage : DataFrame
        The scorer's per-ministry detail tables (see ``_score.details``).
    national, national_suppliers, national_functions : DataFrame
        The scorer's government-wide totals, suppliers and functions.
    inventory, procurement : DataFrame
        Canonical tables.
    rejects, load_report : DataFrame
        Loader diagnostics (empty when missing).
    profile_text : str
        The scoring profile used (TOML text).
    as_of : date or None
        The analysis date the scores were made for (``run.json``).
    missing : list of str
        Files that were expected but not found (shown under data quality).
    """

    processed_dir: Path
    systems: pd.DataFrame
    factors: pd.DataFrame
    ministries: pd.DataFrame
    opportunities: pd.DataFrame
    inventory: pd.DataFrame
    procurement: pd.DataFrame
    rejects: pd.DataFrame
    load_report: pd.DataFrame
    suppliers: pd.DataFrame = field(default_factory=lambda: _empty())
    competition: pd.DataFrame = field(default_factory=lambda: _empty())
    competition_years: pd.DataFrame = field(default_factory=lambda: _empty())
    system_ends: pd.DataFrame = field(default_factory=lambda: _empty())
    factor_coverage: pd.DataFrame = field(default_factory=lambda: _empty())
    links: pd.DataFrame = field(default_factory=lambda: _empty())
    ministry_buyers: pd.DataFrame = field(default_factory=lambda: _empty())
    national: pd.DataFrame = field(default_factory=lambda: _empty())
    national_suppliers: pd.DataFrame = field(default_factory=lambda: _empty())
    national_functions: pd.DataFrame = field(default_factory=lambda: _empty())
    profile_text: str = ""
    as_of: dt.date | None = None
    country: str = ""
    currency: str = ""
    root: str = ""
    missing: list[str] = field(default_factory=list)

    def explain(self, system_id: str) -> pd.DataFrame:
        """Factor table of one system, largest contribution first."""
        f = self.factors
        return f[f["system_id"].astype("string") == str(system_id)].sort_values(
            "contribution", ascending=False, na_position="last"
        )


def _empty() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()


def _require_scores(d: Path) -> None:
    """Raise :class:`ReportError` unless ``d`` holds every table the scorer writes.

    Scores without some of them come from an older version (or lost files):
    a report would draw those charts empty as if there were no data.
    """
    from .._score.details import DETAIL_TABLES

    for name in ("systems.parquet", "ministries.parquet"):
        if not (d / name).is_file():
            raise ReportError(f"{d}: no {name}; score the project first (`ospo-analytics run`)")
    absent = [
        f"{t}.parquet"
        for t in (*_SCORE_TABLES, "links", *DETAIL_TABLES)
        if not (d / f"{t}.parquet").is_file()
    ]
    if absent:
        raise ReportError(
            f"{d}: the scores lack {', '.join(absent)} (scored by an older version of "
            "ospo-analytics, or files were removed); score again with `ospo-analytics score` "
            "(or `ospo-analytics run`)"
        )


def load_report_data(processed_dir: str | Path) -> ReportData:
    """Read a processed folder (as written by ``ospo-analytics run``).

    Raises
    ------
    ReportError
        When the folder or its ``systems.parquet``/``ministries.parquet`` is missing,
        or a table cannot be read.
    """
    import pandas as pd

    from .._processed import ProcessedError, read_csv, read_meta, read_table
    from .._score.details import DETAIL_TABLES, empty_details

    d = Path(processed_dir)
    if not d.is_dir():
        raise ReportError(f"processed folder not found: {d} (run `ospo-analytics run` first)")
    _require_scores(d)
    missing: list[str] = []

    def pq(name: str) -> pd.DataFrame:
        try:
            df = read_table(d, name, required=False)
        except ProcessedError as exc:
            raise ReportError(str(exc)) from None
        if df is None:
            missing.append(f"{name}.parquet")
            return empty_details(name) if name in DETAIL_TABLES else pd.DataFrame()
        return df

    def csv(name: str) -> pd.DataFrame:
        df = read_csv(d, name)
        if df is None:
            missing.append(name)
            return pd.DataFrame()
        return df

    try:
        meta = read_meta(d)
    except ProcessedError as exc:
        raise ReportError(str(exc)) from None
    profile = d / "profile_used.toml"
    # Written by validation (buyer roll-up); a folder from before has none.
    buyers = (
        read_table(d, "ministry_buyers", required=False)
        if (d / "ministry_buyers.parquet").is_file()
        else None
    )
    return ReportData(
        processed_dir=d,
        systems=pq("systems"),
        factors=pq("factors"),
        ministries=pq("ministries"),
        opportunities=pq("opportunities"),
        inventory=pq("inventory"),
        procurement=pq("procurement"),
        rejects=csv("rejects.csv"),
        load_report=csv("load_report.csv"),
        **{name: pq(name) for name in DETAIL_TABLES},
        links=pq("links"),
        ministry_buyers=buyers if buyers is not None else pd.DataFrame(),
        profile_text=profile.read_text(encoding="utf-8") if profile.is_file() else "",
        as_of=meta.get("as_of"),
        country=str(meta.get("country") or ""),
        currency=str(meta.get("currency") or ""),
        root=str(meta.get("root") or ""),
        missing=missing,
    )


def _split(text: object) -> list[str]:
    """Split a ``"; "``-joined cell into items (NA → [])."""
    if not isinstance(text, str):
        return []
    return [t.strip() for t in text.split(";") if t.strip()]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    import pandas as pd

    return df[name] if name in df else pd.Series(pd.NA, index=df.index, dtype="object")


def ministry_view(data: ReportData, ministry: str, as_of: str | dt.date | None = None) -> dict:
    """Tables and numbers for one ministry's report, in reading order.

    Parameters
    ----------
    data : ReportData
        From :func:`load_report_data`.
    ministry : str
        Exact ministry name.
    as_of : str or date, optional
        Analysis date (default today) for exit windows.

    Returns
    -------
    dict
        ``ministry``, ``row`` (dict of the ministry's indicators), ``numbers``
        (label → formatted value), ``actions`` (≤ 3), ``systems``, ``drivers``,
        ``suppliers``, ``competition``, ``exit_windows``, ``opportunities``,
        ``unknowns``, ``rejects``, ``load_report``, ``procurement``, ``as_of``.

    Raises
    ------
    ReportError
        When the ministry is not in the scored data.
    """
    known = data.ministries["ministry"].astype(str).tolist() if len(data.ministries) else []
    if ministry not in known:
        raise ReportError(f"ministry {ministry!r} not in the scored data; known: {known}")
    as_of_d = _as_date(as_of) if as_of else (data.as_of or _as_date(None))
    row = data.ministries[data.ministries["ministry"].astype(str) == ministry].iloc[0].to_dict()
    systems = data.systems[data.systems["ministry"].astype(str) == ministry]
    systems = systems.sort_values("lockin_score", ascending=False, na_position="last")
    proc = _it_procurement(data.procurement, ministry)

    # Every table below is the scorer's (``_score.details``); the view only
    # selects this ministry's rows.
    contracts = _contracts(proc, data.links)
    ew = _exit_windows(systems, data.system_ends, ministry)
    opp = _ministry_opportunities(data.opportunities, ministry)
    suppliers = _rows(data.suppliers, "ministry", ministry).drop(
        columns="ministry", errors="ignore"
    )
    comp = _rows(data.competition, "ministry", ministry).drop(columns="ministry", errors="ignore")
    comp_years = _rows(data.competition_years, "ministry", ministry).drop(
        columns="ministry", errors="ignore"
    )
    unknowns = (
        _rows(data.factor_coverage, "ministry", ministry)
        .drop(columns="ministry", errors="ignore")
        .sort_values(["systems_unknown", "factor"], ascending=[False, True])
    )
    f, drivers = _ministry_drivers(data.factors, systems)
    # Keyed by id: the reader cards (``reader_tables``) put them in words.
    numbers = {
        "high_lockin": _n_of(row.get("n_high_lockin"), row.get("n_systems")),
    }
    sys_cols = ["system_id", "system_name", "category", "vendor", "lockin_score", "lockin_low",
                "lockin_high", "lockin_band", "confidence", "lockin_rank", "rank_min", "rank_max",
                "top_drivers", "red_flags", "reuse_score", "replace_priority", "spend_total",
                "candidate_alternatives", "in_inventory"]  # fmt: skip
    view = {
        "ministry": ministry,
        "as_of": as_of_d,
        "row": row,
        "numbers": numbers,
        "actions": [translate(a, data.currency) for a in split_actions(row.get("actions"))[:3]],
        "systems": systems[[c for c in sys_cols if c in systems]],
        "systems_table": _systems_table(systems, f),
        "systems_all": systems,
        "drivers": drivers,
        "suppliers": suppliers,
        "competition": comp,
        "competition_years": comp_years,
        "procurement": proc,
        "contracts": contracts,
        "buyers": _ministry_buyers(data.ministry_buyers, ministry),
        "exit_windows": ew,
        "opportunities": opp,
        "unknowns": unknowns,
        "rejects": data.rejects,
        "load_report": data.load_report,
    }
    view.update(reader_tables(view, data))
    return view


def _it_procurement(procurement: pd.DataFrame, ministry: str) -> pd.DataFrame:
    """The ministry's contracts the indicators count: IT rows, unknown
    classification as IT."""
    proc = procurement
    proc = proc[proc["ministry"].astype(str) == ministry] if len(proc) else proc
    if len(proc) and "is_it" in proc:
        proc = proc[proc["is_it"].astype("boolean").fillna(True).astype(bool)]
    return proc


def _exit_windows(systems: pd.DataFrame, system_ends: pd.DataFrame, ministry: str) -> pd.DataFrame:
    """The ministry's systems with the end of their contract, soonest first."""
    ends = _rows(system_ends, "buyer", ministry).drop(columns="buyer", errors="ignore")
    ew = systems[["system_id", "system_name", "vendor", "lockin_score", "spend_total"]].merge(
        ends, on="system_id", how="left"
    )
    return ew.sort_values("end_date", na_position="last", kind="stable")


def _ministry_opportunities(opp: pd.DataFrame, ministry: str) -> pd.DataFrame:
    """The opportunities naming this ministry (one of a ``"; "``-joined list), by rank."""
    if len(opp):
        mask = opp["ministry"].astype("string").fillna("").map(lambda s: ministry in _split(s))
        opp = opp[mask.astype(bool)].sort_values("rank", na_position="last")
    return opp


def _ministry_drivers(
    factors: pd.DataFrame, systems: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The factor rows of ``systems``, and the drivers table (largest contribution first)."""
    import pandas as pd

    from .._score.systems import FACTOR_COLUMNS

    f = factors
    f = f[f["system_id"].isin(systems["system_id"])] if len(f) else f
    drivers = (
        f.merge(systems[["system_id", "system_name"]], on="system_id")
        .sort_values("contribution", ascending=False, na_position="last")
        # The scorer's factor columns, the system named rather than by id.
        .loc[:, ["system_name", *FACTOR_COLUMNS[1:]]]
        if len(f)
        else pd.DataFrame()
    )
    return f, drivers


def _ministry_buyers(buyers: pd.DataFrame, ministry: str) -> pd.DataFrame:
    """The buyers rolled up into this ministry, largest spend first."""
    if not len(buyers):
        return buyers
    return _rows(buyers, "ministry", ministry).sort_values(
        "spend", ascending=False, na_position="last", kind="stable"
    )


_SYSTEM_LABELS = {
    "system_name": N_("System"),
    "category": N_("Category"),
    "vendor": N_("Vendor"),
    "lockin_score": N_("Lock-in"),
    "lockin_range": N_("Best–worst"),
    "confidence": N_("Confidence"),
    "reuse_score": N_("Reuse"),
    "spend_total": N_("Spend"),
    "details": N_("Drivers · red flags · alternatives"),
}


def system_labels() -> dict[str, str]:
    """Column headings of the compact systems table, in the report language."""
    return {k: _(v) for k, v in _SYSTEM_LABELS.items()}


def factor_name(factor: object) -> str:
    """A factor id and its name in the report language: ``L6 licence & IP ownership``."""
    from .._score.profile import LOCKIN_FACTORS, REUSE_FACTORS

    f = str(factor)
    name = LOCKIN_FACTORS.get(f) or REUSE_FACTORS.get(f)
    return f"{f} {_(name)}" if name else f


def _drivers(systems: pd.DataFrame, factors: pd.DataFrame, k: int = 3) -> pd.Series:
    """The (up to) ``k`` lock-in factors adding most points, by id and translated name.

    The scorer's own driver sentences are English detail (in ``scores.xlsx``);
    the report names the factors, which read the same in every language.
    """
    import pandas as pd

    out = pd.Series(pd.NA, index=systems.index, dtype="string")
    if not len(factors) or not {"system_id", "factor", "contribution"} <= set(factors.columns):
        return out
    f = factors[factors["factor"].astype("string").str.startswith("L")]
    f = f[pd.to_numeric(f["contribution"], errors="coerce").gt(0).fillna(False)]
    f = f.sort_values("contribution", ascending=False, kind="stable")
    top = f.groupby(f["system_id"].astype("string"), sort=False)["factor"].agg(
        lambda s: ", ".join(factor_name(x) for x in list(s)[:k])
    )
    ids = _col(systems, "system_id").astype("string")
    return pd.Series(ids.map(top).to_numpy(), index=systems.index, dtype="string")


def _systems_table(systems: pd.DataFrame, factors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compact, readable systems table: one row per system, the drivers, red
    flags and alternatives joined into one wrapped text column (the full
    column set stays in ``scores.xlsx``)."""
    import pandas as pd

    def text(name: str) -> pd.Series:
        # pandas-stubs: replace() of a string Series takes no NA value (pandas does).
        return _col(systems, name).astype("string").str.strip().replace("", pd.NA)  # type: ignore[call-overload]

    low = pd.to_numeric(_col(systems, "lockin_low"), errors="coerce").round(0).astype("Int64")
    high = pd.to_numeric(_col(systems, "lockin_high"), errors="coerce").round(0).astype("Int64")
    rng = (low.astype("string") + "–" + high.astype("string")).fillna(fmt.unknown())
    flags = text("red_flags").map(
        lambda t: "; ".join(translate(x) for x in split_actions(t)), na_action="ignore"
    )
    drivers = _drivers(systems, factors if factors is not None else _empty())

    def label(template: str, values: pd.Series) -> pd.Series:
        return values.map(lambda v: _(template).format(items=v), na_action="ignore")

    parts = [
        label(N_("Drivers: {items}"), drivers) if factors is not None else text("top_drivers"),
        label(N_("Red flag: {items}"), flags.astype("string")),
        label(N_("Alternatives: {items}"), text("candidate_alternatives")),
    ]
    details = pd.concat(parts, axis=1).apply(
        lambda r: " · ".join(r.dropna()), axis=1, result_type="reduce"
    ) if len(systems) else pd.Series(dtype="string")  # fmt: skip
    out = pd.DataFrame(
        {
            "system_name": _col(systems, "system_name"),
            "vendor": _col(systems, "vendor"),
            "lockin_score": pd.to_numeric(_col(systems, "lockin_score"), errors="coerce"),
            "lockin_range": rng,
            "confidence": pd.to_numeric(_col(systems, "confidence"), errors="coerce"),
            "reuse_score": pd.to_numeric(_col(systems, "reuse_score"), errors="coerce"),
            "spend_total": pd.to_numeric(_col(systems, "spend_total"), errors="coerce"),
            "details": details.astype("string").replace("", pd.NA),  # type: ignore[call-overload]
        },
        index=systems.index,
    )
    return out.reset_index(drop=True)


FUNCTION_LABELS: dict[str, str] = {
    "analytics-bi": N_("Analytics & business intelligence"),
    "case-management": N_("Case management"),
    "collaboration": N_("Collaboration & office"),
    "crm": N_("Citizen relations (CRM)"),
    "data-collection": N_("Data collection & surveys"),
    "data-exchange": N_("Data exchange"),
    "document-management": N_("Document management"),
    "education-lms": N_("Learning management"),
    "erp": N_("Enterprise resource planning (ERP)"),
    "finance": N_("Public finance"),
    "gis": N_("Maps & GIS"),
    "health-information": N_("Health information"),
    "help-desk": N_("IT service desk"),
    "hr": N_("Human resources"),
    "identity": N_("Identity & access"),
    "infrastructure": N_("Infrastructure"),
    "messaging": N_("Messaging & e-mail"),
    "other": N_("Other"),
    "payments": N_("Payments"),
    "payroll": N_("Payroll"),
    "procurement": N_("Procurement"),
    "social-protection": N_("Social protection"),
    "tax-revenue": N_("Tax & revenue"),
    "website-cms": N_("Websites & content"),
}
"""Plain words for the functional category codes (unlisted codes: hyphens to spaces)."""

OPPORTUNITY_LABELS: dict[str, str] = {
    "duplication": N_("Share one solution"),
    "exit_window": N_("Exit window"),
    "replacement": N_("Replace or complement"),
}
"""Plain words for the scorer's opportunity kinds."""


def function_label(code: object) -> str:
    """A category code in plain words (``"document-management"`` → ``"Document management"``)."""
    if not isinstance(code, str) or not code.strip():
        return fmt.unknown()
    code = code.strip()
    if code in FUNCTION_LABELS:
        return _(FUNCTION_LABELS[code])
    words = code.replace("-", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


def money_words(value: Any, currency: str = "") -> str:
    """Money for a card: ``TTD 186.9 million`` (``unknown`` when missing)."""
    import pandas as pd

    try:
        if value is None or pd.isna(value):
            return fmt.unknown()
        x = float(value)
    except (TypeError, ValueError):
        return fmt.unknown()
    for div, word in ((1e9, N_("{amount} billion")), (1e6, N_("{amount} million"))):
        if abs(x) >= div:
            text = _(word).format(amount=fmt.number(x / div, 1))
            break
    else:
        text = fmt.number(x)
    if not currency:
        return text
    # Where the locale puts the currency code (before in en, after in es/fr).
    return fmt.money(1, currency).replace(fmt.number(1), text, 1)


def _cell(value: Any, kind: str) -> str:
    """One display cell: never ``nan``/``None``/``<NA>``; unknown says so."""
    import pandas as pd

    try:
        missing = value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        missing = False
    if missing:
        # No open alternative listed is a fact about the catalogue, not unknown data.
        return _("none in the catalogue") if kind == "alternatives" else fmt.unknown()
    if kind == "money":
        return fmt.number(value)
    if kind == "pct":
        return fmt.pct(value)
    if kind == "score100":  # stored 0-1, read 0-100
        return fmt.number(float(value) * 100)
    if kind == "int":
        return fmt.number(int(value))
    if kind == "date":
        return fmt.date(pd.Timestamp(value))
    if kind == "function":
        return function_label(value)
    if kind == "kind":
        return fmt.word(value, OPPORTUNITY_LABELS)
    if kind == "stage":  # a profile's stage name (the shipped ones are catalogued)
        name = " ".join(str(value).split())
        return _(name)
    text = " ".join(str(value).split())
    return text if text else fmt.unknown()


def display_frame(df: pd.DataFrame, spec: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """Format a scorer table for reading: plain headers, one text cell per value.

    Parameters
    ----------
    df : DataFrame
        Rows already selected.
    spec : sequence of (column, header, kind)
        ``kind`` is ``text``, ``int``, ``money``, ``pct``, ``score100``,
        ``date``, ``function`` (category code in words), ``kind``
        (opportunity kind in words) or ``alternatives`` (a list; none reads
        "none in the catalogue"). A column missing from ``df`` is unknown.

    Returns
    -------
    DataFrame
        Strings only, columns named by ``header``; missing values read ``unknown``.
    """
    import pandas as pd

    out = {}
    for col, header, kind in spec:
        values = df[col] if col in df else pd.Series([None] * len(df), index=df.index)
        out[header] = [_cell(v, kind) for v in values]
    return pd.DataFrame(out, index=range(len(df)), dtype="object")


_BRIEF_CSS = """<style>
.jp-RenderedHTMLCommon table.ospo-brief { width: auto !important; table-layout: auto !important; }
.jp-RenderedHTMLCommon table.ospo-brief th { width: auto !important; }
.jp-RenderedHTMLCommon table.ospo-brief td.ospo-wide { min-width: 11em !important; }
@media print {
  .jp-RenderedHTMLCommon table.ospo-brief { font-size: 8pt !important; width: auto !important; }
  .jp-RenderedHTMLCommon table.ospo-brief td.ospo-wide { min-width: 11em !important; }
}
</style>"""
"""Print rules of the national tables: readable type on A4 (the report's default
print size is for the wide ministry tables), names kept on as few lines as fit."""


def _figures(values: Any) -> bool:
    """Whether every cell is a formatted figure: a number in any locale
    (1,234 · 1.234 · 1 234 · 78 %), a date, or unknown. Such text columns
    read right-aligned, as numbers do."""
    import re

    num = re.compile(
        rf"^({re.escape(fmt.unknown())}|–|-?\d[\d,.\s\u202f\xa0]*%?"
        r"|\D{0,12}\b\d{1,2}\b\D{0,12}\d{4})$"
    )
    return all(num.match(str(v)) for v in values)


def brief_table(
    df: pd.DataFrame,
    *,
    numeric: Sequence[str] | None = None,
    wide: Sequence[str] = (),
    note: str = "",
    caption: str = "",
) -> Any:
    """A compact, escaped HTML table of a :func:`display_frame` (national overview).

    Words wrap only between words (never inside one), numeric columns (by
    default: every cell a number, percentage, date or ``unknown``) are
    right-aligned on one line, ``wide`` columns take the spare width.
    """

    from IPython.display import HTML

    from .._safe import esc

    if df is None or not len(df):
        # The view's note says why a table is empty, where it knows.
        # Outside the f-string: Babel does not look inside one for messages.
        said = note or _("No rows.")
        return HTML(f'<p class="ospo-note">{esc(said)}</p>')
    if numeric is None:
        numeric = [c for c in df.columns if _figures(df[c])]
    keep = "overflow-wrap:normal;word-break:normal;hyphens:manual;"
    head = "".join(
        f'<th style="{keep}text-align:{"right" if c in numeric else "left"};'
        f'vertical-align:bottom">{esc(c)}</th>'
        for c in df.columns
    )
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, rec, strict=True):
            cls = ""
            if c in numeric:
                style = keep + "text-align:right;white-space:nowrap"
            elif c in wide:
                style = keep + "text-align:left"
                cls = ' class="ospo-wide"'
            else:
                style = keep + "text-align:left"
            cells.append(f'<td{cls} style="{style}">{esc(v)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f'<caption style="text-align:left">{esc(caption)}</caption>' if caption else ""
    table = (
        '<table class="ospo-brief" style="table-layout:auto;width:auto">'
        f"{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    extra = f'<p class="ospo-note">{esc(note)}</p>' if note else ""
    return HTML(_BRIEF_CSS + table + extra)


def _stage_cutoffs(profile_text: str) -> str:
    """The readiness stage cut-offs of the profile used, in words (0-100 scale)."""
    import tomllib

    try:
        rd = tomllib.loads(profile_text or "").get("readiness", {})
    except tomllib.TOMLDecodeError:
        return ""
    cuts, names = rd.get("stage_cutoffs"), rd.get("stage_names")
    if not cuts or not names or len(names) != len(cuts) + 1:
        return ""
    bounds = [0, *[round(float(c) * 100) for c in cuts], 100]
    parts = [
        f"{i} {_(n)} {lo}–{hi - 1 if i < len(cuts) else hi}"
        for i, (n, lo, hi) in enumerate(zip(names, bounds[:-1], bounds[1:], strict=True))
    ]
    return _("Stages by readiness score: {stages}.").format(stages="; ".join(parts))


def national_view(
    data: ReportData,
    top: int = 15,
    *,
    country: str = "",
    currency: str = "",
    suppliers_top: int = 10,
    duplication_top: int = 10,
) -> dict:
    """The national overview as an executive briefing (selected and formatted only).

    Every number comes from a scorer table (``national``, ``national_suppliers``,
    ``ministries``, ``opportunities``); this function picks rows and formats.

    Parameters
    ----------
    data : ReportData
        From :func:`load_report_data`.
    top : int
        Opportunities shown (at most 15).
    country, currency : str
        ``[project] name`` and ``currency`` of ``ospo.toml`` (shown on the page).
    suppliers_top, duplication_top : int
        Rows of the supplier and duplication tables (all rows go to scores.xlsx).

    Returns
    -------
    dict
        ``title``, ``note``, ``numbers`` (cards), display tables ``suppliers``,
        ``ministries``, ``duplication``, ``top_opportunities`` (plain headers,
        text cells), their notes, and the raw ``*_all`` tables for scores.xlsx
        and charts.
    """
    top = min(int(top), 15)
    nat = data.national.iloc[0].to_dict() if len(data.national) else {}
    # Alphabetical: a readiness profile of each ministry, not a league table.
    m = data.ministries.sort_values("ministry") if len(data.ministries) else data.ministries
    dup, acts = _national_opportunities(data.opportunities, top)
    sup = data.national_suppliers
    numbers, totals_note = _national_numbers(nat, currency)
    money_h = _money_header(N_("IT spend"), currency)
    suppliers = display_frame(
        sup.head(suppliers_top),
        [
            ("supplier", _("Supplier"), "text"),
            ("ministries", _("Ministries served"), "int"),
            ("spend", money_h, "money"),
            ("share", _("Share of national IT spend"), "pct"),
            ("contracts", _("Contracts"), "int"),
            ("systems_high_lockin", _("High-lock-in systems"), "int"),
        ],
    )
    # A feed of a thousand buyers (no [ministries] mapping) listed every one
    # in the overview: the table keeps the ministries the charts keep.
    from .charts import _cap_ministries

    shown_m = _cap_ministries(m)[0]  # its note is the charts' (titles); the table has its own
    ministries = _ministries_display(shown_m, money_h)
    duplication = display_frame(
        dup.head(duplication_top),
        [
            ("category", _("Function"), "function"),
            ("n_ministries", _("Ministries"), "int"),
            ("n_systems", _("Systems"), "int"),
            ("spend_at_stake", _money_header(N_("Spend"), currency), "money"),
            ("alternatives", _("Open alternatives"), "alternatives"),
        ],
    )
    opportunities = _opportunities_display(acts, currency)
    title, note = _national_title_note(data.as_of, country, currency)
    return {
        "country": country,
        "currency": currency,
        "title": title,
        "note": note,
        "numbers": numbers,
        "totals_note": totals_note,
        "suppliers": suppliers,
        "suppliers_note": _more_note(len(suppliers), len(sup), _("suppliers")),
        "ministries": ministries,
        "stage_note": " ".join(
            x
            for x in (
                _stage_cutoffs(data.profile_text),
                _more_note(len(shown_m), len(m), _("ministries")),
            )
            if x
        ),
        "duplication": duplication,
        "duplication_note": _more_note(len(duplication), len(dup), _("shared functions"))
        or _no_duplication_note(dup, data.national_functions),
        "top_opportunities": opportunities,
        "opportunities_note": _no_opportunities_note(acts, nat, data.systems),
        "ministries_all": m,
        "duplication_all": dup,
        "opportunities_all": acts,
        "national": data.national,
        "national_suppliers": sup,
        "systems": data.systems,
        "functions": data.national_functions,
    }


def _national_opportunities(opp: pd.DataFrame, top: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The duplication opportunities by rank, and the ``top`` exit windows and
    replacements by the spend they concern."""
    dup = (
        opp[opp["kind"] == "duplication"].sort_values("rank", na_position="last")
        if len(opp)
        else opp
    )
    acts = (
        opp[opp["kind"].isin(["exit_window", "replacement"])]
        .sort_values(["value", "kind", "rank"], ascending=[False, True, True], na_position="last")
        .head(top)
        if len(opp)
        else opp
    )
    return dup, acts


def _n_of(n: object, total: object) -> str:
    """ "n of total", or unknown when n is (never "unknown of 12")."""
    import pandas as pd

    if n is None or pd.isna(n):  # type: ignore[call-overload]
        return fmt.unknown()
    return _("{n} of {total}").format(n=fmt.number(n), total=fmt.number(total))


def _money_header(label: str, currency: str) -> str:
    """A money column's header in the report language, with its currency."""
    return _(label) + (f" ({currency})" if currency else "")


def _national_numbers(nat: dict[Hashable, Any], currency: str) -> tuple[dict[str, str], str]:
    """The national cards (label → formatted value) and the note under them."""

    def n(key: str) -> str:
        return fmt.number(nat.get(key))

    def h(label: str) -> str:  # a money header with its currency
        return _money_header(label, currency)

    numbers = {
        _("Ministries"): n("ministries"),
        _("Systems in the inventories"): n("systems"),
        h(N_("IT procurement spend")): money_words(nat.get("spend_it"), currency),
        _("Systems at high lock-in"): _n_of(nat.get("systems_high_lockin"), nat.get("systems")),
        h(N_("Spend on high-lock-in systems")): money_words(nat.get("spend_high_lockin"), currency),
        _("Share of system spend at high lock-in"): fmt.pct(nat.get("high_lockin_share_spend")),
        _("Systems open source or government-owned"): fmt.pct(nat.get("open_share_systems")),
        _("Spend on open-source or government-owned systems"): fmt.pct(nat.get("open_share_spend")),
    }
    totals_note = _(
        "Open share: {open} of the {known} systems whose licence or IP owner is known. "
        "{unknown} systems have too little data for a lock-in band (shown as unknown, "
        "never as low). Spend shares are of spend linked to systems."
    ).format(
        open=n("systems_open"), known=n("systems_open_known"), unknown=n("systems_unknown_lockin")
    )
    return numbers, totals_note


def _ministries_display(m: pd.DataFrame, money_h: str) -> pd.DataFrame:
    """The national table of ministries: readiness, stage, systems, spend, competition."""
    import pandas as pd

    return display_frame(
        m.assign(
            _stage=[
                f"{_fmt(a, '{:.0f}')} · {_(b) if isinstance(b, str) else _fmt(b)}"
                if pd.notna(a)
                else fmt.unknown()
                for a, b in zip(m["readiness_stage"], m["readiness_stage_name"], strict=True)
            ]
            if len(m)
            else []
        ),
        [
            ("ministry", _("Ministry"), "text"),
            ("readiness_score", _("Readiness (0–100)"), "score100"),
            ("_stage", _("Stage"), "text"),
            ("n_systems", _("Systems"), "int"),
            ("n_high_lockin", _("High lock-in"), "int"),
            ("spend_it", money_h, "money"),
            ("top_supplier_share", _("Top supplier share"), "pct"),
            ("noncompetitive_share", _("Non-competitive share"), "pct"),
        ],
    )


def _opportunities_display(acts: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The national top opportunities: an end date for exit windows only, the
    lock-in score as a whole number."""
    import pandas as pd

    ends_h, lockin_h = _("Contract ends"), _("Lock-in (0–100)")
    opportunities = display_frame(
        acts,
        [
            ("kind", _("Action"), "kind"),
            ("ministry", _("Ministry"), "text"),
            ("system_name", _("System"), "text"),
            ("vendor", _("Vendor"), "text"),
            ("end_date", ends_h, "date"),
            ("lockin_score", lockin_h, "int"),
            ("value", _money_header(N_("Spend"), currency), "money"),
            ("alternatives", _("Open alternatives"), "alternatives"),
        ],
    )
    if len(acts):
        ends = opportunities[ends_h].where(acts["kind"].eq("exit_window").to_numpy(), "–")
        opportunities[ends_h] = ends
        opportunities[lockin_h] = [
            fmt.number(v) for v in pd.to_numeric(_col(acts, "lockin_score"), errors="coerce")
        ]
    return opportunities


def _national_title_note(as_of: dt.date | None, country: str, currency: str) -> tuple[str, str]:
    """The national overview's title and the line under it."""
    title = (
        _("National overview: {country}").format(country=country)
        if country
        else _("National overview")
    )
    date = fmt.date(as_of) if as_of else fmt.unknown()
    note = (
        _("OSPO readiness and vendor lock-in across government. Data as of {date}").format(
            date=date
        )
        + (_("; amounts in {currency}").format(currency=currency) if currency else "")
        + ". "
        + _("A readiness profile, not a ranking: each ministry starts from its own systems.")
    )
    return title, note


def _no_duplication_note(dup: pd.DataFrame, functions: pd.DataFrame) -> str:
    """Why no shared function is listed (empty when some are)."""
    if len(dup):
        return ""
    known = (
        functions["category"].notna().any()
        if len(functions) and "category" in functions.columns
        else False
    )
    if not known:
        return _(
            "No system has a recorded function (the inventory's category), so functions "
            "bought by several ministries cannot be found."
        )
    return _("No function is bought by more than one ministry.")


def _no_opportunities_note(acts: pd.DataFrame, nat: dict, systems: pd.DataFrame) -> str:
    """Why no exit window or replacement is listed (empty when some are);
    ``nat`` is the scorer's national totals (its high lock-in count)."""
    if len(acts):
        return ""
    n_high = nat.get("systems_high_lockin")
    high = n_high is not None and not fmt._missing(n_high) and int(n_high) > 0
    alts = systems.get("candidate_alternatives")
    has_alt = alts is not None and bool(
        alts.astype("string").str.strip().ne("").fillna(False).any()
    )
    if not high and not has_alt:
        return _(
            "None to list: no system is known to be at high lock-in (exit windows need one) "
            "and none has a function with a known open alternative (replacements need one)."
        )
    return _("None to list: no high-lock-in contract ends soon and no replacement candidate.")


def _more_note(shown: int, total: int, what: str) -> str:
    """The note under a table cut to its first rows (empty when it shows them all)."""
    return (
        _("Showing {shown} of {total} {what}; all are in scores.xlsx.").format(
            shown=fmt.number(shown), total=fmt.number(total), what=what
        )
        if total > shown
        else ""
    )


NATIONAL_NUMERIC = (
    "Ministries served", "Contracts", "High-lock-in systems", "Share of national IT spend",
    "Readiness (0–100)", "Systems", "High lock-in", "Top supplier share",
    "Non-competitive share", "Ministries", "Lock-in (0–100)", "Contract ends",
)  # fmt: skip
"""Headers of the national tables that hold numbers (right-aligned, one line)."""


_CONTRACT_COLUMNS = ("contract_id", "linked_system", "supplier", "method", "award_date",
                     "start_date", "end_date", "amount", "source_file", "source_row")  # fmt: skip


def _contracts(proc: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """This ministry's IT contracts with the system the scorer linked each to."""
    out = proc.copy()
    if len(links) and {"proc_index", "system_id"} <= set(links.columns):
        lk = links
        if "link_confidence" in lk:
            lk = lk.sort_values("link_confidence", ascending=False, kind="stable")
        system_of = lk.drop_duplicates("proc_index").set_index("proc_index")["system_id"]
        out["linked_system"] = system_of.reindex(out.index).to_numpy()
    else:
        out["linked_system"] = out["system_id"] if "system_id" in out else None
    return out[[c for c in _CONTRACT_COLUMNS if c in out]].reset_index(drop=True)


def _rows(df: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """The rows of a scorer table where ``column`` equals ``value`` (selection only)."""
    if not len(df) or column not in df:
        return df.iloc[0:0] if len(df.columns) else df
    return df[df[column].astype("string") == value]


def _as_date(value: str | dt.date | None) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if value:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise ReportError(f"as_of must be YYYY-MM-DD, got {value!r}") from None
    return dt.date.today()


def _fmt(value: object, pattern: str = "{}") -> str:
    """Format a number, or say ``unknown`` (never a blank that reads as zero)."""
    import pandas as pd

    try:
        # pandas-stubs: isna() of a scalar lists the scalar types (pandas takes any object).
        if value is None or pd.isna(value):  # type: ignore[call-overload]
            return fmt.unknown()
    except (TypeError, ValueError):
        pass
    try:
        return pattern.format(value)
    except (ValueError, TypeError):
        return str(value)


def html_table(
    df: pd.DataFrame,
    *,
    bad: Sequence[str] = ("lockin_score", "lockin_low", "lockin_high"),
    good: Sequence[str] = ("reuse_score", "readiness_score", "confidence"),
    percent: Sequence[str] = (
        "share",
        "top_supplier_share",
        "noncompetitive_share",
        "single_bid_rate",
        "confidence",
        "readiness_confidence",
    ),
    money: Sequence[str] = ("spend_total", "spend", "spend_it", "value", "amount"),
    scale100: Sequence[str] = ("readiness_score", "lockin_exposure"),
    labels: dict[str, str] | None = None,
    wrap: Sequence[str] = (),
    nowrap: Sequence[str] = (),
    max_rows: int = 60,
    empty: str = "",
) -> Any:
    """Escaped, formatted HTML table of a DataFrame for a notebook output
    (``empty``: what to say instead of "No rows." when it has none).

    All text is HTML-escaped (a system called ``<script>`` shows as text),
    missing values print ``unknown``, score columns get a colour-blind-safe
    gradient, and long tables are cut with a note. ``scale100`` columns are
    stored 0–1 and shown 0–100; ``labels`` renames headings; ``wrap`` columns
    are long text shown wrapped at a fixed readable width.
    """
    import pandas as pd
    from IPython.display import HTML

    from .._safe import esc

    if df is None or not len(df):
        said = empty or _("No rows.")
        return HTML(f'<p class="ospo-note">{esc(said)}</p>')
    shown = df.head(max_rows).reset_index(drop=True)
    for c in scale100:
        if c in shown and pd.api.types.is_numeric_dtype(shown[c]):
            shown[c] = shown[c] * 100
    # A content-derived uuid: stable between runs, distinct per table on a page.
    import hashlib

    uid = hashlib.sha256(shown.to_csv().encode("utf-8", "surrogatepass")).hexdigest()[:12]
    styler = shown.style.set_uuid(uid).hide(axis="index")
    unknown = fmt.unknown()
    styler = styler.format(escape="html", na_rep=unknown, precision=1)
    styler = _format_figures(styler, shown, percent=percent, money=money, nowrap=nowrap)
    styler = _format_headers(styler, shown, labels)
    styler = _column_layout(styler, shown, wrap=wrap, nowrap=nowrap)
    if len(shown.columns) >= WIDE_COLUMNS:
        styler = _wide_widths(styler, shown, labels, wrap=wrap, percent=percent, money=money)
    for cols, cmap in ((bad, "Oranges"), (good, "Blues")):
        use = [c for c in cols if c in shown and str(shown[c].dtype) not in ("object", "string")]
        for c in use:
            vmax = 1 if c in percent else 100
            styler = styler.background_gradient(cmap=cmap, subset=[c], vmin=0, vmax=vmax * 1.6)
    note = (
        '<p class="ospo-note">'
        + esc(
            _("Showing {shown} of {total} rows; all rows are in scores.xlsx.").format(
                shown=fmt.number(max_rows), total=fmt.number(len(df))
            )
        )
        + "</p>"
        if len(df) > max_rows
        else ""
    )
    return HTML(styler.to_html() + note)


def _figure_format(
    s: pd.Series, *, percent: Sequence[str], money: Sequence[str]
) -> Callable[[Any], str] | None:
    """How a numeric or date column's cells read in the report locale; None
    for text (and booleans), shown as they are."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(s) or not (
        pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
    ):
        return None
    if pd.api.types.is_datetime64_any_dtype(s):
        return fmt.date
    if s.name in percent:
        return fmt.pct
    if s.name in money or pd.api.types.is_integer_dtype(s):
        return fmt.number
    return lambda x: fmt.number(x, 1)


def _format_figures(
    styler: Styler,
    shown: pd.DataFrame,
    *,
    percent: Sequence[str],
    money: Sequence[str],
    nowrap: Sequence[str],
) -> Styler:
    """Figures in the report locale (fmt owns separators, % signs, months), on
    one line; text columns left-aligned."""

    unknown = fmt.unknown()
    for c in shown.columns:
        s = shown[c]
        cell = _figure_format(s, percent=percent, money=money)
        if cell is None:
            # Text (escaped by the default formatter above) reads left-aligned;
            # pre-formatted figures (``nowrap``, or every cell a figure) stay
            # right-aligned.
            if c not in nowrap and not (len(s) and _figures(s)):
                styler = styler.set_properties(subset=[c], **{"text-align": "left"})
                # Its heading too (notebook CSS right-aligns every heading).
                styler = styler.set_table_styles(
                    {c: [{"selector": "th", "props": [("text-align", "left")]}]}, overwrite=False
                )
            elif c not in nowrap:
                # Figures formatted upstream stay on one line, as numbers do below
                # ("108,821,890" broke after its eighth digit in a narrow column).
                styler = styler.set_properties(subset=[c], **{"white-space": "nowrap"})
            continue
        styler = styler.format(cell, subset=[c], na_rep=unknown)
        # Numbers never break across lines (long text cells wrap instead).
        styler = styler.set_properties(subset=[c], **{"white-space": "nowrap"})
    return styler


def _heading(c: Any, shown: pd.DataFrame, labels: dict[str, str] | None) -> str:
    """A column's heading: ``labels`` renames it, else a data column name reads
    as words in the report language."""
    if labels:
        return str(labels.get(c, c))
    if c in _DATA_COLUMN_WORDS and any(x in _DATA_COLUMN_WORDS for x in shown.columns):
        return _(_DATA_COLUMN_WORDS[c])
    return str(c)


def _format_headers(styler: Styler, shown: pd.DataFrame, labels: dict[str, str] | None) -> Styler:
    """Escaped column headings (see :func:`_heading`)."""
    return styler.format_index(lambda c: _heading(c, shown, labels), escape="html", axis=1)


#: From this many columns a table is laid out fixed to the page width (REPORT_CSS).
WIDE_COLUMNS = 7


def _wide_widths(
    styler: Styler,
    shown: pd.DataFrame,
    labels: dict[str, str] | None,
    *,
    wrap: Sequence[str],
    percent: Sequence[str],
    money: Sequence[str],
) -> Styler:
    """Column widths of a wide table, from what its columns hold.

    A fixed layout shares out equally the width no rule gives: a vendor
    column as narrow as a score column broke its words ("CORPORATIO/N")
    while a long amount ran over the next cell. Names get what the first
    column gets; figures and short text get their longest cell or heading
    word, in ``ch`` (so it follows the font on screen and on paper). The first
    and last columns keep the stylesheet's share (a calc() mixing % and ch is
    read as no width at all in a table column). Spare width is shared out in
    proportion.
    """
    import math

    cols = list(shown.columns)
    for c in cols[1:-1]:
        if c in wrap:
            continue
        if c in _NAME_COLUMNS:
            width = "14%"
        else:
            texts = _display_texts(shown[c], percent=percent, money=money)
            cell = max((len(t) for t in texts), default=0)
            word = max((len(w) for w in _heading(c, shown, labels).split()), default=0)
            # Headings are set smaller than cells (REPORT_CSS: 0.9em): a cell
            # of n characters needs n / 0.9 of the heading's ch. Long text wraps.
            width = f"{min(max(math.ceil(cell / 0.9), word), 24) + 1}ch"
        styler = styler.set_table_styles(
            {c: [{"selector": "", "props": [("width", width)]}]}, overwrite=False
        )
    return styler


def _display_texts(s: pd.Series, *, percent: Sequence[str], money: Sequence[str]) -> list[str]:
    """A column's cells as :func:`_format_figures` shows them."""
    import pandas as pd

    cell = _figure_format(s, percent=percent, money=money) or str
    return [fmt.unknown() if pd.isna(x) else cell(x) for x in s]


#: Columns of names: they wrap between words, and get a name's width in wide tables.
_NAME_COLUMNS = ("ministry", "system_name", "vendor", "supplier", "top_supplier", "name")


def _column_layout(
    styler: Styler, shown: pd.DataFrame, *, wrap: Sequence[str], nowrap: Sequence[str]
) -> Styler:
    """Where cells may break: short codes never, names between words, ``wrap``
    columns at a fixed readable width."""
    for c in ("kind", "method", *nowrap):
        if c in shown and c not in wrap:  # short codes: never split inside a word
            styler = styler.set_properties(subset=[c], **{"white-space": "nowrap"})
    for c in _NAME_COLUMNS:
        if c in shown and c not in wrap:
            # Names wrap between words, never letter by letter in a narrow column;
            # only a word wider than its whole cell breaks (break-word leaves the
            # column widths alone), instead of running over the next cell.
            styler = styler.set_properties(subset=[c], **{
                "min-width": "8rem", "text-align": "left", "overflow-wrap": "break-word",
            })  # fmt: skip
    for c in wrap:
        if c in shown:
            # Type relative to the table's, so it shrinks with it on paper
            # (0.78rem stayed screen-sized beside 6.5pt cells).
            styler = styler.set_properties(subset=[c], **{
                "min-width": "12rem", "max-width": "18rem", "white-space": "normal",
                "text-align": "left", "font-size": "0.95em",
            })  # fmt: skip
    return styler


def cards(numbers: dict[str, str]) -> Any:
    """The key numbers as HTML cards (escaped)."""
    from IPython.display import HTML

    from .._safe import esc

    # The no-break space between an amount and its currency code may break in a
    # card: "1.234.567 TTD" wraps before the code instead of overflowing the card.
    items = "".join(
        f'<div class="ospo-card"><div class="v">{esc(str(v).replace(chr(0xA0), " "))}</div>'
        f'<div class="l">{esc(k)}</div></div>'
        for k, v in numbers.items()
    )
    return HTML(f'<div class="ospo-cards">{items}</div>')


def page_break() -> Any:
    """A page break in the printed (PDF) report; nothing on screen."""
    from IPython.display import HTML

    return HTML('<div class="ospo-page-break"></div>')


def heading(text: str, level: int = 1, note: str = "") -> Any:
    """An escaped heading (ministry names are user text; never Markdown)."""
    from IPython.display import HTML

    from .._safe import esc

    level = min(max(level, 1), 4)
    extra = f'<p class="ospo-note">{esc(note)}</p>' if note else ""
    return HTML(f"<h{level}>{esc(text)}</h{level}>{extra}")


def bullets(items: Sequence[str], empty: str = "") -> Any:
    """An escaped bullet list."""
    from IPython.display import HTML

    from .._safe import esc

    if not items:
        said = empty or _("None recorded.")
        return HTML(f'<p class="ospo-note">{esc(said)}</p>')
    return HTML("<ol>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ol>")


def show(fig: Any, alt: str = "") -> None:
    """Display a matplotlib figure as an inline PNG and close it."""
    import io
    import warnings

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    from .charts import alt_text

    # The chart's own description (data it shows) after the caller's title; the
    # HTML export writes it into <img alt> (see ``_report.html``).
    described = alt_text(fig)
    alt = f"{alt}. {described}" if alt and described else (alt or described)
    buf = io.BytesIO()
    # Layout hints (e.g. AutoDateLocator's "Defaulting to 6") are for developers;
    # in a report they would print a stderr block with our source paths.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png", metadata={"alt": alt} if alt else None))


_DATA_COLUMN_WORDS = {
    "factor": N_("Factor"),
    "name": N_("Name"),
    "systems": N_("Systems"),
    "systems_unknown": N_("Systems where unknown"),
}
"""Headers of scorer columns shown as they are (the unknown-inputs table)."""


def ministry_tables(view: dict) -> dict[str, pd.DataFrame]:
    """The sheets of a ministry's ``scores.xlsx`` (sheet names in English ids;
    :func:`.columns.for_workbook` puts them in the report language)."""
    import pandas as pd

    summary = pd.DataFrame(
        {"measure": list(view["cards"]), "value": [str(v) for v in view["cards"].values()]}
    )
    actions = pd.DataFrame(
        {"measure": _("Action"), "value": view["actions"] or [_("none recorded")]}
    )
    sheets = {
        "Summary": pd.concat([summary, actions], ignore_index=True),
        "Systems": view["systems"],
        "Lock-in drivers": view["drivers"],
        "Suppliers": view["suppliers"],
        "Competition": view["competition"],
        "Competition by year": view["competition_years"],
        "Exit windows": view["exit_windows"],
        "Opportunities": view["opportunities"],
        "Contracts": view["contracts"],
        "Unknowns": view["unknowns"],
        # This ministry's own files only: a shared file's rejected values may
        # belong to another ministry (they are in the processed rejects.csv).
        "Rejected rows": view["own_rejects"],
    }
    return _with_function_words(sheets)


def national_tables(view: dict) -> dict[str, pd.DataFrame]:
    """The sheets of the national ``scores.xlsx`` (the scorer's columns, all rows)."""
    return _with_function_words(
        {
            "National totals": view["national"],
            "Suppliers": view["national_suppliers"],
            "Ministries": view["ministries_all"],
            "Duplication": view["duplication_all"],
            "Functions": view["functions"],
            "Top opportunities": view["opportunities_all"],
            "Systems": view["systems"],
        }
    )


def _with_function_words(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Sheets with a ``category`` code column get its words beside it (as the
    charts and tables of the report say it); the code stays for joins."""
    import pandas as pd

    out = {}
    for name, df in sheets.items():
        if "category" in df.columns and "category_words" not in df.columns:
            df = df.copy()
            at = list(df.columns).index("category") + 1
            words = [function_label(c) for c in df["category"]]
            df.insert(at, "category_words", pd.Series(words, index=df.index, dtype="string"))
        out[name] = df
    return out


def use_language(lang: str | None) -> str:
    """Set the report language of this kernel (the notebooks' first call)."""
    from .._i18n import set_language

    return set_language(lang)


def title_note(country: str, currency: str, as_of: dt.date) -> str:
    """The line under a ministry report's title: country, currency, date, scale."""
    parts = [country] if country else []
    if currency:
        parts.append(_("amounts in {currency}").format(currency=currency))
    parts.append(_("Data as of {date}.").format(date=fmt.date(as_of)))
    return " · ".join(parts) + " " + _('Scores run 0–100; "unknown" means the inputs did not say.')


_HHI_BANDS = {"moderate": N_("moderate")}


def band_word(band: object) -> str:
    """A supplier-concentration (HHI) or lock-in band in words."""
    if fmt._missing(band):
        return fmt.unknown()
    return fmt.word(band, {**fmt.BAND_WORDS, **_HHI_BANDS})


def unknowns_table(unknowns: pd.DataFrame) -> pd.DataFrame:
    """The unknown-inputs table: factor ids kept, factor names in the report language."""
    t = unknowns.copy()
    if "name" in t and "factor" in t:
        t["name"] = [
            factor_name(f).partition(" ")[2] or n
            for f, n in zip(t["factor"], t["name"], strict=True)
        ]
    return t


def factors_table() -> pd.DataFrame:
    """The lock-in and reuse factors: id (the same in every language) and name."""
    import pandas as pd

    from .._score.profile import LOCKIN_FACTORS, REUSE_FACTORS

    rows = [(f, _(n), _("lock-in")) for f, n in LOCKIN_FACTORS.items()]
    rows += [(f, _(n), _("reuse")) for f, n in REUSE_FACTORS.items()]
    return pd.DataFrame(rows, columns=[_("Factor"), _("Name"), _("Score")], dtype="string")


def section(title: str, text: str = "") -> Any:
    """A section heading (h2) and its lead paragraph, escaped.

    ``*words*`` in ``text`` are emphasised and ```words``` set as code (the
    notebooks' prose is catalogued Python strings, not Markdown cells, so it
    can be translated).
    """
    import re

    from IPython.display import HTML

    from .._safe import esc

    body = esc(text)
    body = re.sub(r"`([^`<>]+)`", r"<code>\1</code>", body)
    body = re.sub(r"\*([^*<>]+)\*", r"<em>\1</em>", body)
    slug = re.sub(r"[^\w]+", "-", title.lower(), flags=re.U).strip("-")
    para = f"<p>{body}</p>" if text else ""
    return HTML(f'<h2 id="{esc(slug)}">{esc(title)}</h2>{para}')


# =================================================================== runner
@dataclass
class ReportStatus:
    """Outcome of one report (a ministry or the national overview)."""

    name: str
    slug: str
    status: str  # "ok" | "failed" | "not run"
    duration: float = 0.0
    error: str = ""
    files: list[str] = field(default_factory=list)
    pdf: str = ""  # "ok", "skipped: ...", "failed: ..."
    carried_over_from: str = ""  # run id whose good report is shown instead


@dataclass
class RunSummary:
    """What a :func:`run_reports` call did.

    Attributes
    ----------
    run_id : str
        Identifier of the run (also its folder name); the previous run's id when skipped.
    run_dir : Path or None
        Published folder of the run (``None`` if nothing was published).
    status : list of ReportStatus
        One per report, national overview first.
    skipped : bool
        True when nothing changed since the last complete run (no notebook executed).
    exit_code : int
        0 all ok (or skipped); 1 at least one report failed.
    message : str
        One-line human summary.
    duration : float
        Wall time in seconds.
    """

    run_id: str
    run_dir: Path | None
    status: list[ReportStatus]
    skipped: bool
    exit_code: int
    message: str = ""
    duration: float = 0.0


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("ospo-analytics")
    except Exception:  # not installed (running from a checkout)
        return "0+unknown"


def _source_key(
    input_files: Sequence[Path],
    config_hash: str,
    profile_hash: str,
    ministries: Sequence[str] | None,
    formats: Sequence[str],
    lang: str = DEFAULT,
) -> dict[str, Any]:
    """What a run depends on besides the processed tables: raw inputs, config,
    profile, notebooks, code, version, the selection and the language (hashes only)."""
    nbs = hashlib.sha256()
    for name in (MINISTRY_NOTEBOOK, NATIONAL_NOTEBOOK):
        nbs.update(name.encode())
        nbs.update((NOTEBOOK_DIR / name).read_bytes())
    return {
        "inputs": {str(p): sha256_file(Path(p)) for p in input_files if Path(p).is_file()},
        "config_hash": config_hash,
        "profile_hash": profile_hash,
        "notebooks_sha256": nbs.hexdigest(),
        "notebooks": {
            n: sha256_file(NOTEBOOK_DIR / n) for n in (MINISTRY_NOTEBOOK, NATIONAL_NOTEBOOK)
        },
        "report_code_sha256": library_sha256(),
        "package_version": _package_version(),
        "ministries": sorted(ministries) if ministries else "all",
        "formats": sorted(f.strip().lower() for f in formats),
        # An es run never reuses an en report (nor the other way round).
        "language": lang,
    }


def _fingerprint(
    processed_dir: Path,
    input_files: Sequence[Path],
    config_hash: str,
    profile_hash: str,
    ministries: Sequence[str] | None,
    formats: Sequence[str],
    lang: str = DEFAULT,
) -> dict[str, Any]:
    """Everything a run's output depends on, hashed (cheap: no heavy imports)."""
    processed = {
        p.name: sha256_file(p)
        for p in sorted(processed_dir.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }
    key = {
        "processed": processed,
        **_source_key(input_files, config_hash, profile_hash, ministries, formats, lang),
    }
    key["fingerprint"] = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    return key


_HASHED = {".py", ".toml", ".csv", ".json", ".tpl", ".css", ".po"}  # .po: translations


def library_sha256() -> str:
    """Hash of the package's code and data files: a changed loader, scorer or
    report module or a translation makes the next run rebuild even at the same version."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in _HASHED:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def is_up_to_date(
    out_dir: Path,
    *,
    input_files: Sequence[Path],
    config_hash: str,
    profile_hash: str,
    ministries: Sequence[str] | None = None,
    formats: Sequence[str] = ("html", "xlsx", "pdf"),
    lang: str = DEFAULT,
) -> bool:
    """True when the last complete run was made from exactly these raw inputs,
    config, profile, notebooks and code, with every report ok.

    Cheap (hashes only), so a scheduled ``run`` with nothing new costs well
    under two seconds and never touches the processed tables.
    """
    prev = latest_manifest(Path(out_dir))
    if not prev or prev.get("status") != "ok":
        return False
    if not prev.get("reports") or any(r.get("status") != "ok" for r in prev["reports"]):
        return False
    now = _source_key(input_files, config_hash, profile_hash, ministries, formats, lang)
    recorded = {d["path"]: d["sha256"] for d in prev.get("input_files", [])}
    same = ("config_hash", "profile_hash", "notebooks_sha256", "report_code_sha256",
            "package_version", "ministries")  # fmt: skip
    if prev.get("language", DEFAULT) != now["language"]:
        return False
    return (
        bool(now["inputs"])
        and now["inputs"] == recorded
        and all(prev.get(k) == now[k] for k in same)
        and sorted(prev.get("formats", [])) == now["formats"]
    )


@contextlib.contextmanager
def _run_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out/.lock`` (non-blocking ``flock``); a second run gets a clear error."""
    import fcntl

    path = out_dir / ".lock"
    fh = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            pid = fh.read().strip() or "unknown"
            raise ReportError(f"another run is in progress (pid {pid}); lock file {path}") from None
        with contextlib.suppress(OSError):  # the pid is informative; a full disk must not stop us
            os.ftruncate(fh.fileno(), 0)
            os.pwrite(fh.fileno(), str(os.getpid()).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def latest_manifest(out_dir: Path) -> dict | None:
    """The manifest of the run ``out/latest`` points at, if any."""
    link = Path(out_dir) / "latest"
    run_id = None
    if link.is_symlink() or link.exists():
        run_id = os.path.basename(os.readlink(link)) if link.is_symlink() else None
    if run_id is None and (Path(out_dir) / "LATEST").is_file():
        run_id = (Path(out_dir) / "LATEST").read_text(encoding="utf-8").strip()
    if not run_id:
        return None
    try:
        return json.loads((Path(out_dir) / run_id / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_reports(
    processed_dir: Path,
    out_dir: Path,
    *,
    ministries: list[str] | None = None,
    jobs: int | None = None,
    formats: tuple[str, ...] = ("html", "xlsx", "pdf"),
    force: bool = False,
    timeout: int = 600,
    input_files: Sequence[Path] = (),
    config_hash: str = "",
    profile_hash: str = "",
    progress: bool = True,
    as_of: str = "",
    project: dict[str, str] | None = None,
    lang: str = DEFAULT,
) -> RunSummary:
    """Make every ministry's readiness report plus the national overview.

    Parameters
    ----------
    processed_dir : Path
        Scored processed folder (``systems.parquet``, ``ministries.parquet``, ...).
    out_dir : Path
        Reports folder (default in the CLI: ``reports/``).
    ministries : list of str, optional
        Only these ministries (exact names); default all. The national
        overview is always made.
    jobs : int, optional
        Worker processes (default ``os.cpu_count()``), each with one kernel it
        reuses for its notebooks.
    formats : tuple of str
        Any of ``"html"``, ``"xlsx"``, ``"pdf"`` (the executed ``report.ipynb``
        is always kept).
    force : bool
        Run even when nothing changed since the last complete run.
    timeout : int
        Seconds allowed per notebook; the kernel is interrupted after that.
    input_files : sequence of Path
        Raw input files, hashed into the manifest and the change check.
    config_hash, profile_hash : str
        Hashes of the config and scoring profile (change check).
    progress : bool
        Show a rich progress bar.
    as_of : str
        Analysis date passed to the notebooks (``YYYY-MM-DD``; empty = today).
    project : dict, optional
        Notebook parameters from ``[project]`` of ``ospo.toml``: ``country``
        (the project name) and ``currency``, shown on the national overview.
    lang : str
        Report language: ``en``, ``es``, ``fr`` or ``pt`` (words, numbers,
        dates and money of every report, chart and workbook).

    Returns
    -------
    RunSummary
        ``exit_code`` 0 when every report is ok (or nothing changed), 1 otherwise.

    Raises
    ------
    ReportError
        Bad arguments, missing processed data, unknown ministry, or another
        run holding the lock.

    Examples
    --------
    Score a project into its processed folder, then make the national
    overview and one ministry's report, as workbooks only (no HTML or PDF
    export; the notebooks still run, in one Jupyter kernel):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_project, run_reports
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "ospo.toml").write_text('''[project]
    ... name = "Tamarind"
    ... as_of = 2024-06-30
    ... currency = "USD"
    ...
    ... [inputs]
    ... inventory = "inventory.csv"
    ... procurement = "procurement.csv"
    ... ''', encoding="utf-8")
    >>> inv, proc = folder / "inventory.csv", folder / "procurement.csv"
    >>> _ = inv.write_text('''id,name,ministry,licence,ip owner,source code,hosting,data export
    ... FIN-1,Payroll,Ministry of Finance,Proprietary,Vendor,None,Foreign SaaS,None
    ... FIN-2,Website,Ministry of Finance,GPL v3,Government,Public repo,On-premise,Open format
    ... HEA-1,Records,Ministry of Health,Proprietary,Vendor,Escrow,On-premise,Proprietary format
    ... ''', encoding="utf-8")
    >>> _ = proc.write_text('''ministry,supplier,amount,award_date,method,tenderers,system_id
    ... Ministry of Finance,Oracle,250000,2021-03-01,Direct award,1,FIN-1
    ... Ministry of Finance,Oracle,300000,2023-03-01,Direct award,1,FIN-1
    ... Ministry of Finance,WebCo,40000,2022-05-10,Open tender,4,FIN-2
    ... Ministry of Health,MediCore,500000,2022-01-15,Open tender,2,HEA-1
    ... ''', encoding="utf-8")
    >>> project = load_project(folder)
    >>> config = project.config
    >>> _ = project.result.to_parquet(config.processed_dir, **config.project_meta)
    >>> summary = run_reports(
    ...     config.processed_dir,
    ...     config.reports_dir,
    ...     ministries=["Ministry of Health"],
    ...     formats=("xlsx",),
    ...     jobs=1,
    ...     progress=False,
    ...     as_of=config.as_of.isoformat(),
    ...     project=config.project_meta,
    ... )
    >>> reports = [(r.name, r.status, r.files) for r in summary.status]
    >>> summary.exit_code, reports  # doctest: +NORMALIZE_WHITESPACE
    (0, [('National overview', 'ok', ['report.ipynb', 'scores.xlsx']),
         ('Ministry of Health', 'ok', ['report.ipynb', 'scores.xlsx'])])
    >>> (config.reports_dir / "latest").resolve() == summary.run_dir
    True

    Run again with nothing changed, and no notebook is executed:

    >>> again = run_reports(
    ...     config.processed_dir,
    ...     config.reports_dir,
    ...     ministries=["Ministry of Health"],
    ...     formats=("xlsx",),
    ...     progress=False,
    ...     as_of=config.as_of.isoformat(),
    ...     project=config.project_meta,
    ... )
    >>> again.skipped, again.run_id == summary.run_id
    (True, True)
    >>> tmp.cleanup()
    """
    t0 = time.perf_counter()
    processed_dir, out_dir, formats, lang = _check_run_args(processed_dir, out_dir, formats, lang)
    out_dir.mkdir(parents=True, exist_ok=True)

    with _run_lock(out_dir):
        key = _fingerprint(
            processed_dir, input_files, config_hash, profile_hash, ministries, formats, lang
        )
        prev = latest_manifest(out_dir)
        if not force and prev and _all_ok_with(prev, key["fingerprint"]):
            return _unchanged_summary(out_dir, prev, t0)
        settings = _RunSettings(
            processed_dir=processed_dir, out_dir=out_dir, key=key, jobs=jobs, formats=formats,
            timeout=timeout, progress=progress, as_of=as_of, project=dict(project or {}),
            lang=lang, t0=t0,
        )  # fmt: skip
        return _execute_run(settings, ministries)


@dataclass(frozen=True)
class _RunSettings:
    """What a report run was asked for (:func:`run_reports`' arguments, checked)."""

    processed_dir: Path
    out_dir: Path
    key: dict[str, Any]  # the run's fingerprint and hashes (``_fingerprint``)
    jobs: int | None
    formats: tuple[str, ...]
    timeout: int
    progress: bool
    as_of: str
    project: dict[str, str]  # [project] country and currency, notebook parameters
    lang: str
    t0: float  # start time (``perf_counter``): the summary's duration


def _check_run_args(
    processed_dir: Path, out_dir: Path, formats: tuple[str, ...], lang: str
) -> tuple[Path, Path, tuple[str, ...], str]:
    """Checked, normalised arguments of a run (resolved folders, lower-case
    formats, a known language); a :class:`ReportError` before anything is written."""
    try:
        lang = check_language(lang)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    processed_dir = Path(processed_dir).resolve()
    out_dir = Path(out_dir).resolve()
    formats = tuple(f.strip().lower() for f in formats if f.strip())
    bad = sorted(set(formats) - {"html", "xlsx", "pdf"})
    if bad:
        raise ReportError(f"unknown format(s) {bad}; use html, xlsx, pdf")
    _require_scores(processed_dir)
    if not (NOTEBOOK_DIR / MINISTRY_NOTEBOOK).is_file():
        raise ReportError(f"report notebooks not found in {NOTEBOOK_DIR}")
    _check_out_dir(processed_dir, out_dir)
    return processed_dir, out_dir, formats, lang


def _all_ok_with(prev: dict, fingerprint: str) -> bool:
    """True when run ``prev`` (a manifest) had this fingerprint and every report ok."""
    return bool(
        prev.get("fingerprint") == fingerprint
        and prev.get("reports")
        and all(r.get("status") == "ok" for r in prev["reports"])
    )


def _unchanged_summary(out_dir: Path, prev: dict, t0: float) -> RunSummary:
    """The summary of a run skipped because nothing changed: the last run's reports."""
    return RunSummary(
        run_id=prev["run_id"],
        run_dir=out_dir / prev["run_id"],
        status=[
            ReportStatus(
                r["name"],
                r["slug"],
                "ok",
                r.get("duration", 0.0),
                "",
                r.get("files", []),
                r.get("pdf", ""),
            )  # fmt: skip
            for r in prev["reports"]
        ],
        skipped=True,
        exit_code=0,
        message=f"nothing changed since run {prev['run_id']}: no report executed "
        "(use --force to rebuild)",
        duration=time.perf_counter() - t0,
    )


def _check_out_dir(processed_dir: Path, out_dir: Path) -> None:
    """Refuse folder states that would block or break a run, before it starts."""
    if out_dir == processed_dir:
        raise ReportError(
            f"the reports folder and the processed-tables folder are the same ({out_dir}); "
            "set [outputs] reports and processed to two different folders"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"reports folder {out_dir} is a file, not a folder")
    latest = out_dir / "latest"
    if latest.exists() and not latest.is_symlink():
        kind = "folder" if latest.is_dir() else "file"
        raise ReportError(
            f"{latest} is a {kind}, but the tool keeps a link there that points at the last "
            f"run; move or delete that {kind} and run again"
        )
    for name in ("LATEST", ".lock"):
        if (out_dir / name).is_dir():
            raise ReportError(
                f"{out_dir / name} is a folder, but the tool keeps a file there; "
                "move or delete that folder and run again"
            )


def _ministry_names(processed_dir: Path) -> list[str]:
    import pyarrow.parquet as pq

    col = pq.read_table(processed_dir / "ministries.parquet", columns=["ministry"]).column(0)
    return [str(m) for m in col.to_pylist() if m is not None]


def _execute_run(settings: _RunSettings, ministries: list[str] | None) -> RunSummary:
    """Check the ministries asked for, then build the run in a fresh ``.tmp-*``
    folder (removed again if the run stops half-way)."""
    out_dir = settings.out_dir
    known = _ministry_names(settings.processed_dir)
    if ministries:
        unknown = [m for m in ministries if m not in known]
        if unknown:
            raise ReportError(f"unknown ministr{'y' if len(unknown) == 1 else 'ies'} "
                              f"{unknown}; known: {known}")  # fmt: skip
        selected = list(dict.fromkeys(ministries))
    else:
        selected = list(dict.fromkeys(known))
    created = dt.datetime.now(dt.UTC)
    run_id = created.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)
    # Leftovers of killed runs: safe to remove, we hold the lock. Only folders
    # this tool made (they hold the marker file): never a user's own .tmp-*.
    for stale in out_dir.glob(".tmp-*"):
        if not stale.is_symlink() and stale.is_dir() and (stale / RUN_MARKER).is_file():
            shutil.rmtree(stale, ignore_errors=True)
    tmp_dir = out_dir / f".tmp-{run_id}"
    try:
        tmp_dir.mkdir()
        (tmp_dir / RUN_MARKER).write_text(f"ospo-analytics run {run_id}\n", encoding="utf-8")
        unselected = [m for m in known if m not in selected]
        return _build_run(settings, tmp_dir, run_id, created, selected, unselected)
    except BaseException as exc:
        # Nothing half-built stays behind; ``latest`` was not touched.
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if _is_disk_full(exc):
            return _disk_full_summary(out_dir, run_id, str(exc), settings.t0)
        raise


def _disk_full_summary(out_dir: Path, run_id: str, detail: str, t0: float) -> RunSummary:
    prev = latest_manifest(out_dir)
    keep = f"latest still points at run {prev['run_id']}" if prev else "no run published"
    return RunSummary(
        run_id=run_id,
        run_dir=None,
        status=[],
        skipped=False,
        exit_code=1,
        message=f"disk full while writing reports in {out_dir}: run {run_id} dropped, "
        f"{keep}; free some space and run again ({detail[:200]})",
        duration=time.perf_counter() - t0,
    )


def _worker_init() -> None:
    """Pool worker start: a fresh event loop, and die with the parent (a killed
    run leaves no orphan worker holding the lock file or writing into a
    dropped folder)."""
    global _KERNEL
    # A fork copies the parent's kernel manager when the parent ran a report
    # in-process (``_run_job`` in a notebook or a test): two workers would then
    # drive one kernel (zmq sockets shared across processes) and one's clean-up
    # kills the other's notebook. Every worker starts its own kernel.
    _KERNEL = None
    _DATA_CACHE.clear()
    _fresh_event_loop()
    if sys.platform != "linux":
        return
    import ctypes

    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # parent already gone before prctl took effect
        os._exit(1)


def _fresh_event_loop() -> None:
    """Give a forked worker its own asyncio loop.

    A fork copies the parent's event loop (and, in a notebook, the fact that
    it is running); its epoll descriptor is then shared with the parent, and
    the kernel client's zmq sockets spin on events meant for the other
    process: kernel start-up never returns. jupyter_core keeps the loop it
    made in a context variable; that is reset too.
    """
    import asyncio

    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(asyncio.new_event_loop())
    with contextlib.suppress(Exception):  # private in jupyter_core; best effort
        from jupyter_core import utils as _jc

        _jc._loop.set(None)
        _jc._runner_map.clear()


def _build_run(
    settings: _RunSettings,
    tmp_dir: Path,
    run_id: str,
    created: dt.datetime,
    selected: list[str],
    unselected: list[str],
) -> RunSummary:
    """Run every report into ``tmp_dir``, write the index and manifest, then
    publish the folder as ``out/<run-id>`` and point ``latest`` at it."""
    from .._safe import atomic_symlink, atomic_write_text

    out_dir, formats, lang = settings.out_dir, settings.formats, settings.lang
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    jobs_list = _report_jobs(settings, tmp_dir, selected, chromium or "")
    statuses = _run_pool(jobs_list, settings)
    full = [s for s in statuses if s.error.startswith("disk full")]
    if full:  # a half-written run is worth nothing: drop it (caller cleans up)
        raise DiskFullError(28, f"{full[0].name}: {full[0].error}")
    ok = all(s.status == "ok" for s in statuses)
    if not ok:
        _carry_over_last_good(out_dir, tmp_dir, statuses, lang)
    # A run for some ministries still publishes a complete set: the others
    # keep their last good report, labelled with the run it comes from.
    statuses += _carry_over_unselected(out_dir, tmp_dir, unselected, statuses, lang)
    pdf_reason = CHROMIUM_MISSING if ("pdf" in formats and not chromium) else ""
    from .html import index_page

    with language(lang):
        index = index_page(
            run_id, [asdict(s) for s in statuses], created=created, skipped_pdf_reason=pdf_reason
        )
    atomic_write_text(tmp_dir / "index.html", index)
    manifest = _manifest(settings, run_id, created, statuses, ok)
    atomic_write_text(tmp_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    final = out_dir / run_id
    os.replace(tmp_dir, final)
    # The marker only tells clean-up that a .tmp-* folder is ours.
    with contextlib.suppress(OSError):
        (final / RUN_MARKER).unlink()
    # Publish: the symlink first (atomic), then the plain-text pointer. A run
    # with failed ministries is published too, so one broken ministry never
    # freezes everyone's reports; each failed ministry's folder shows its last
    # good report (copied above), never a half-made one.
    atomic_symlink(run_id, out_dir / "latest")
    atomic_write_text(out_dir / "LATEST", run_id + "\n")
    return RunSummary(
        run_id=run_id,
        run_dir=final,
        status=statuses,
        skipped=False,
        exit_code=0 if ok else 1,
        message=_run_message(statuses, ok, run_id, final),
        duration=time.perf_counter() - settings.t0,
    )


def _report_jobs(
    settings: _RunSettings, tmp_dir: Path, selected: list[str], chromium: str
) -> list[dict[str, Any]]:
    """One job per report, national overview first: what a worker needs to
    run its notebook and write its outputs (plain data: it is pickled)."""
    from .._safe import unique_slugs

    hooks = {kind: os.environ.get(env, "") for kind, env in
             (("fail", FAIL_ENV), ("hang", HANG_ENV), ("crash", CRASH_ENV))}  # fmt: skip
    with language(settings.lang):
        national_name = _("National overview")
    jobs_list: list[dict[str, Any]] = [
        {
            "name": national_name,
            "ministry": "",
            "slug": NATIONAL,
            "notebook": str(NOTEBOOK_DIR / NATIONAL_NOTEBOOK),
        }
    ]
    # One folder per name, collisions resolved (never two reports in one folder).
    slugs = unique_slugs(selected, reserved=[NATIONAL])
    jobs_list += [
        {
            "name": m,
            "ministry": m,
            "slug": slugs[m],
            "notebook": str(NOTEBOOK_DIR / MINISTRY_NOTEBOOK),
        }
        for m in selected
    ]
    for j in jobs_list:
        j.update(
            processed_dir=str(settings.processed_dir),
            out_dir=str(tmp_dir / j["slug"]),
            formats=list(settings.formats),
            timeout=int(settings.timeout),
            chromium=chromium,
            as_of=settings.as_of,
            project=dict(settings.project),
            language=settings.lang,
            inject=next((k for k, m in hooks.items() if m and m == j["ministry"]), ""),
        )
    return jobs_list


def _run_pool(jobs_list: list[dict[str, Any]], settings: _RunSettings) -> list[ReportStatus]:
    """Run the jobs in a pool of worker processes; one status per job, in
    ``jobs_list`` order (a crashed worker fails its report, not the batch)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    n_workers = max(1, min(settings.jobs or os.cpu_count() or 1, len(jobs_list)))
    results: dict[str, ReportStatus] = {}
    # fork (Linux): no re-import of the caller's __main__ and fast start; the
    # workers are forked on submit, before the progress bar starts its thread.
    method = "fork" if sys.platform == "linux" else "spawn"
    with ProcessPoolExecutor(
        n_workers, mp_context=get_context(method), initializer=_worker_init
    ) as pool:
        futures = {pool.submit(_run_job, j): j for j in jobs_list}
        with _progress(settings.progress) as bar:
            task = bar.add_task("reports", total=len(jobs_list)) if bar is not None else None
            for fut in as_completed(futures):
                j = futures[fut]
                try:
                    res = ReportStatus(**fut.result())
                except Exception as exc:  # worker died: report it, keep the others
                    res = ReportStatus(j["name"], j["slug"], "failed", 0.0,
                                       f"worker crashed: {type(exc).__name__}: {exc}")  # fmt: skip
                results[j["slug"]] = res
                if bar is not None:
                    bar.update(task, advance=1, description=f"{res.status}: {res.name[:40]}")
    return [results[j["slug"]] for j in jobs_list]


def _manifest(
    settings: _RunSettings,
    run_id: str,
    created: dt.datetime,
    statuses: list[ReportStatus],
    ok: bool,
) -> dict[str, Any]:
    """The run's ``manifest.json``: what it was made from, and each report's outcome."""
    key = settings.key
    return {
        "run_id": run_id,
        "created": created.isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat(),
        "status": "ok" if ok else "failed",
        "fingerprint": key["fingerprint"],
        "package_version": key["package_version"],
        "config_hash": key["config_hash"],
        "profile_hash": key["profile_hash"],
        "notebooks_sha256": key["notebooks_sha256"],
        "notebooks": key["notebooks"],
        "report_code_sha256": key["report_code_sha256"],
        "processed_dir": str(settings.processed_dir),
        "processed_files": key["processed"],
        "input_files": [{"path": p, "sha256": h} for p, h in key["inputs"].items()],
        "ministries": key["ministries"],
        "formats": list(settings.formats),
        "language": settings.lang,
        "python": sys.version.split()[0],
        "reports": [asdict(s) for s in statuses],
    }


def _run_message(statuses: list[ReportStatus], ok: bool, run_id: str, final: Path) -> str:
    """The one-line summary of a published run."""
    n_failed = sum(s.status == "failed" for s in statuses)
    n_built = sum(s.status != "not run" for s in statuses)
    if ok:
        msg = f"{n_built} reports ok in run {run_id}"
        if n_built < len(statuses):
            msg += f"; {len(statuses) - n_built} other ministries keep their last good report"
        return msg
    carried = [s for s in statuses if s.carried_over_from]
    return (
        f"{n_failed} of {n_built} reports failed in run {run_id} "
        f"(failed notebooks kept in {final}; see manifest.json)"
        + (f"; {len(carried)} show their last good report from an earlier run" if carried else "")
    )


def _last_good(out_dir: Path, lang: str) -> tuple[dict, dict[str, dict]]:
    """The ``latest`` manifest and its good reports by slug (a report that was
    itself carried over still holds a good copy). None when ``latest`` is in
    another language than ``lang``: a run never mixes two languages."""
    prev = latest_manifest(out_dir) or {}
    if prev.get("language", lang) != lang:
        return prev, {}
    good = {
        r["slug"]: r
        for r in prev.get("reports", [])
        if r.get("status") == "ok" or r.get("carried_over_from")
    }
    return prev, good


def _copy_last_good(out_dir: Path, tmp_dir: Path, prev: dict, old: dict, st: ReportStatus) -> None:
    """Copy report ``old`` of run ``prev`` into this run's folder for ``st``."""
    src = out_dir / prev["run_id"] / old["slug"]
    dst = tmp_dir / st.slug
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("report.html", "report.pdf", "scores.xlsx"):
        if (src / name).is_file():
            shutil.copy2(src / name, dst / name)
            st.files.append(name)
    st.carried_over_from = old.get("carried_over_from") or prev["run_id"]


def _carry_over_last_good(
    out_dir: Path, tmp_dir: Path, statuses: list[ReportStatus], lang: str
) -> None:
    """For each failed report, copy the last good one (from ``latest``) beside
    the failed notebook, so readers keep a complete report and the index says
    which run it comes from."""
    prev, good = _last_good(out_dir, lang)
    for st in statuses:
        old = good.get(st.slug)
        # Same folder name but another ministry: never show its report.
        if st.status == "ok" or old is None or old.get("name") != st.name:
            continue
        _copy_last_good(out_dir, tmp_dir, prev, old, st)
        st.error = f"{st.error} (showing the last good report, from run {st.carried_over_from})"


def _carry_over_unselected(
    out_dir: Path, tmp_dir: Path, unselected: list[str], statuses: list[ReportStatus], lang: str
) -> list[ReportStatus]:
    """Statuses "not run" for the ministries a partial run left out, each with
    its last good report copied from ``latest`` (none: not listed)."""
    if not unselected:
        return []
    prev, good = _last_good(out_dir, lang)
    by_name = {r.get("name"): r for r in good.values()}
    taken = {st.slug for st in statuses}
    out = []
    for name in unselected:
        old = by_name.get(name)
        if old is None or old["slug"] in taken:
            continue
        st = ReportStatus(name, old["slug"], "not run", 0.0, "not in this run's --ministry list")
        _copy_last_good(out_dir, tmp_dir, prev, old, st)
        out.append(st)
    return out


def _progress(enabled: bool) -> Any:
    if not enabled:
        return contextlib.nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def print_summary(summary: RunSummary, console: Any = None) -> None:
    """Print a run summary as a rich table (one row per report) and its message."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    if summary.skipped:
        console.print(Text(summary.message))
        return
    table = Table(title=f"Readiness reports · run {summary.run_id}")
    for col in ("report", "status", "time", "PDF", "error"):
        table.add_column(col)
    for s in summary.status:
        style = {"ok": "green", "not run": "dim"}.get(s.status, "bold red")
        # Text(...) so names like "[bold]" are shown, not interpreted as markup.
        table.add_row(Text(s.name), Text(s.status, style=style), f"{s.duration:.1f} s",
                      Text("skipped: no chromium" if s.pdf == CHROMIUM_MISSING else (s.pdf or "-")), Text(s.error[:200]))  # fmt: skip
    console.print(table)
    if any(s.pdf == CHROMIUM_MISSING for s in summary.status):
        console.print(Text("PDF " + CHROMIUM_MISSING))
    console.print(Text(summary.message, style="green" if summary.exit_code == 0 else "bold red"))
    if summary.run_dir:
        console.print(Text(f"index: {summary.run_dir / 'index.html'}"))


# =================================================================== worker side
_KERNEL: Any = None


def _kernel_manager() -> Any:
    """A kernel of *this* interpreter, started once per worker and reused.

    Built from ``sys.executable`` rather than a registered kernelspec, so it
    works when no kernelspec is installed and never picks another Python.
    """
    global _KERNEL
    if _KERNEL is not None:
        return _KERNEL
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    spec = KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="ospo-analytics",
        language="python",
        env={"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    )

    class _OwnSpec(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:  # noqa: ARG002
            return spec

    import tempfile
    from multiprocessing.util import Finalize

    # IPC sockets in a private temp folder: no TCP port, no "unencrypted" warning.
    sock_dir = tempfile.mkdtemp(prefix="ospo-kernel-")
    km = AsyncKernelManager(
        kernel_name="python3",
        kernel_spec_manager=_OwnSpec(),
        transport="ipc",
        ip=os.path.join(sock_dir, "k"),
    )
    run_sync(km.start_kernel)()
    _KERNEL = km
    # Pool workers skip atexit; multiprocessing finalizers do run at worker exit.
    Finalize(km, _drop_kernel, exitpriority=10)
    Finalize(km, shutil.rmtree, args=(sock_dir, True), exitpriority=5)
    return km


def _drop_kernel() -> None:
    """Kill the worker's kernel (after a timeout or crash); the next job starts a new one.

    The kernel is killed with signals, not ``shutdown_kernel``: after a failed
    execution the manager's zmq sockets can belong to a closed event loop, and
    its async shutdown then spins forever (a report batch that never ends).
    """
    global _KERNEL
    km, _KERNEL = _KERNEL, None
    if km is None:
        return
    proc = _kernel_process(km)
    pid = getattr(proc, "pid", None)
    if pid:
        # The kernel runs in its own session (jupyter_client): kill the group,
        # so processes the notebook started go too.
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)
    for cleanup in ("cleanup_connection_file", "cleanup_ipc_files"):
        with contextlib.suppress(Exception):
            getattr(km, cleanup)()


def _kernel_process(km: Any) -> Any:
    """The kernel's ``subprocess.Popen`` (None before it started)."""
    return getattr(getattr(km, "provisioner", None), "process", None)


def _kernel_pid(km: Any) -> int | None:
    return getattr(_kernel_process(km), "pid", None)


def _prepare_notebook(job: dict) -> Any:
    """Load, parameterise (papermill) and prefix the reset / planted-failure cells."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(job["notebook"])  # also gives every cell a tags list
    params = {
        "processed_dir": job["processed_dir"],
        "as_of": job["as_of"],
        "language": job.get("language", DEFAULT),
    }
    # [project] name / currency of ospo.toml, for the notebooks that declare them.
    params.update(job.get("project") or {})
    if job["ministry"]:
        params["ministry"] = job["ministry"]
    # papermill writes parameters with repr(): a name with quotes or newlines
    # stays a string literal (tests check the injected cell is literals only).
    nb = parameterize_notebook(nb, params, kernel_name="python3", language="python")
    # The kernel is reused: start from an empty namespace (modules stay imported).
    reset = nbformat.v4.new_code_cell(
        "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')"
    )
    reset.metadata["tags"] = ["ospo-reset"]
    cells = [reset]
    for cell in nb.cells:
        cells.append(cell)
        inject = job.get("inject", "")
        if inject and "injected-parameters" in cell.metadata.get("tags", []):
            boom = nbformat.v4.new_code_cell(_INJECTED[inject])
            boom.metadata["tags"] = [f"ospo-planted-{inject}"]
            cells.append(boom)
    nb.cells = cells
    return nb


def _run_job(job: dict) -> dict:
    """Run one report (``_execute_job``) under a hard deadline.

    A worker stuck past every timeout (a kernel that ignores interrupts, a
    hung export) exits; the batch then reports "worker crashed" for it instead
    of waiting for ever.
    """
    deadline = threading.Timer(2 * job["timeout"] + 120, os._exit, args=(70,))
    deadline.daemon = True
    deadline.start()
    try:
        return _execute_job(job)
    finally:
        deadline.cancel()


def _execute_job(job: dict) -> dict:
    """Execute one report in a worker process and write its outputs.

    Never raises for notebook errors: the failed notebook is saved and the
    error is returned in the status.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    out = Path(job["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    nb_path = out / "report.ipynb"
    status, error, files, pdf = "ok", "", ["report.ipynb"], ""
    timed_out = threading.Event()
    try:
        nb = _prepare_notebook(job)
        km = _kernel_manager()
        pid = _kernel_pid(km)

        def _interrupt() -> None:
            timed_out.set()
            if pid:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGINT)

        timer = threading.Timer(job["timeout"], _interrupt)
        timer.start()
        try:
            nb = pm.execute_notebook(
                nb,
                str(nb_path),
                kernel_name="python3",
                progress_bar=False,
                km=km,
                execution_timeout=job["timeout"] + 30,
                request_save_on_cell_execute=False,
            )
        finally:
            timer.cancel()
    except PapermillExecutionError as exc:
        status = "failed"
        error = f"{exc.ename}: {exc.evalue}"
        if timed_out.is_set():
            error = f"timed out after {job['timeout']} s"
        nb = _read_nb(nb_path)
    except Exception as exc:  # kernel died, timeout inside nbclient, disk full, bad notebook
        status, nb = "failed", None
        error = _describe_error(exc, job["timeout"], timed_out.is_set())
        _drop_kernel()
    want_html = "html" in job["formats"]
    try:
        if status == "failed" and not nb_path.exists() and nb is not None:
            nbformat.write(nb, nb_path)
        # A PDF is printed from the HTML: made for it even when not asked for.
        need_html = want_html or (status == "ok" and "pdf" in job["formats"])
        if nb is not None and need_html:
            try:
                from .._safe import atomic_write_text
                from .html import export_html

                # A failed notebook is exported for analysts as error.html, never
                # as report.html, where a ministry reader would look.
                html_name = "report.html" if status == "ok" else "error.html"
                with language(job.get("language")):
                    title = _("Readiness report: {name}").format(name=job["name"])
                atomic_write_text(out / html_name, export_html(nb, title, job.get("language")))
                if want_html:
                    files.insert(0, html_name)
            except Exception as exc:
                if _is_disk_full(exc):
                    raise
                status = "failed"
                error = error or f"HTML export failed: {type(exc).__name__}: {exc}"
        if status == "ok" and "xlsx" in job["formats"]:
            try:
                _write_scores_xlsx(job, out / "scores.xlsx")
                files.append("scores.xlsx")
            except Exception as exc:
                if _is_disk_full(exc):
                    raise
                status, error = "failed", f"XLSX export failed: {type(exc).__name__}: {exc}"
    except OSError as exc:  # disk full: the parent drops the whole run
        status, error = "failed", _describe_error(exc, job["timeout"], False)
        if not error.startswith("disk full"):
            raise
    if status == "ok" and "pdf" in job["formats"]:
        pdf = _print_pdf(job["chromium"], out / "report.html", out / "report.pdf")
        if pdf == "ok":
            files.append("report.pdf")
    if not want_html:
        (out / "report.html").unlink(missing_ok=True)  # only the PDF's source
    return {
        "name": job["name"],
        "slug": job["slug"],
        "status": status,
        "duration": round(time.perf_counter() - t0, 2),
        "error": error,
        "files": files,
        "pdf": pdf,
    }


def _read_nb(path: Path) -> Any:
    """The partially executed notebook papermill saved, if readable."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4) if path.exists() else None
    except Exception:  # truncated by a full disk or a crash
        return None


_DATA_CACHE: dict[str, ReportData] = {}


def _write_scores_xlsx(job: dict, path: Path) -> None:

    d = job["processed_dir"]
    if d not in _DATA_CACHE:
        _DATA_CACHE[d] = load_report_data(d)
    data = _DATA_CACHE[d]
    with language(job.get("language")):
        _scores_workbook(job, data, path)


def _scores_workbook(job: dict, data: ReportData, path: Path) -> None:
    from .._safe import write_xlsx

    if job["ministry"]:
        tables = ministry_tables(ministry_view(data, job["ministry"], job["as_of"] or None))
    else:
        tables = national_tables(national_view(data))
        # The full accounting lives in the national workbook (ministry
        # workbooks carry their own files' rejected rows only).
        tables["Files loaded"] = data.load_report
        tables["Rejected rows"] = data.rejects
    sheets, kinds, columns = for_workbook(tables)
    sheets[_("Columns")] = columns
    write_xlsx(
        sheets,
        path,
        high_is_bad=tuple(
            _(h) for h in ("Lock-in (0–100)", "Lock-in best case", "Lock-in worst case")
        ),
        high_is_good=tuple(_(h) for h in ("Reuse (0–100)", "Readiness (0–100)", "Confidence")),
        percent=kinds["pct"],
        money=kinds["money"],
        scores=kinds["score"],
        ratios=kinds["ratio"],
        number_formats=fmt.xlsx_formats(data.currency),
    )


def _print_pdf(chromium: str, html: Path, pdf: Path, timeout: int = 120) -> str:
    """Print the HTML to PDF with headless Chromium, network off; returns a status."""
    if not chromium:
        return CHROMIUM_MISSING
    if not html.exists():
        return "skipped: no HTML"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ospo-chromium-") as profile:
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", html.resolve().as_uri(),
        ]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"failed: {type(exc).__name__}"
    if proc.returncode != 0 or not pdf.exists():
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"failed: chromium exit {proc.returncode} {tail[0][:120]}"
    return "ok"
