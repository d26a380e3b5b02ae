"""Per-ministry detail tables the reports show beside the indicators.

The report layer only selects and formats; every table it shows is written
here, by the scorer, with the same conventions as the indicators in
:mod:`.ministries` (IT rows only, unknown classification counted as IT;
value shares on positive amounts only), so a report page cannot contradict
itself:

* ``suppliers``: spend per ministry and supplier; ``share`` is the share of
  the ministry's positive IT spend to known suppliers, the base of
  ``hhi_it`` and ``top_supplier_share``. Contracts with no supplier are one
  row with ``supplier`` NA and no share.
* ``competition``: spend, awards and single-bid awards per ministry and
  procurement method (``unknown`` when not recorded).
* ``system_ends``: one contract end per system and buyer, merging
  procurement and inventory end dates: the earliest end on or after the
  analysis date, else the latest past end (``status`` ``ended``). The exit
  windows in the opportunities use the same rule.
* ``factor_coverage``: per ministry and factor, how many systems have it
  unknown.
* ``national``: one row of government-wide totals (ministries, systems, IT
  spend, open-source or government-owned share, systems and spend at high
  lock-in), the sums of what the per-ministry rows count, so the national
  overview never adds numbers up itself.
* ``national_suppliers``: spend per supplier across government, with the
  ministries it serves, its share of national positive IT spend to known
  suppliers and the high-lock-in systems it supplies (by contract link or as
  the system's vendor).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "DETAIL_TABLES",
    "contract_ends",
    "empty_details",
    "ministry_details",
    "open_flag",
]

DETAIL_TABLES: tuple[str, ...] = (
    "suppliers",
    "competition",
    "system_ends",
    "factor_coverage",
    "national",
    "national_suppliers",
)
"""Names of the detail tables (``<name>.parquet`` in the processed folder)."""

_COMPETITIVE = ("open", "selective")

TableDtype = Literal["string", "Float64", "Int64", "boolean", "datetime64[ns]"]
"""The dtypes of the scorer's tables, by name (a Literal, so ``astype`` type-checks)."""

_COLUMNS: dict[str, dict[str, TableDtype]] = {
    "suppliers": {
        "ministry": "string",
        "supplier": "string",
        "spend": "Float64",
        "share": "Float64",
        "contracts": "Int64",
    },
    "competition": {
        "ministry": "string",
        "method": "string",
        "spend": "Float64",
        "share": "Float64",
        "awards": "Int64",
        "single_bid_awards": "Int64",
    },
    "system_ends": {
        "system_id": "string",
        "buyer": "string",
        "end_date": "datetime64[ns]",
        "status": "string",
        "months_to_end": "Float64",
        "n_upcoming": "Int64",
        "source": "string",
        "contract_vendor": "string",
    },
    "factor_coverage": {
        "ministry": "string",
        "factor": "string",
        "name": "string",
        "systems": "Int64",
        "systems_unknown": "Int64",
    },
    "national": {
        "ministries": "Int64",
        "systems": "Int64",
        "spend_it": "Float64",
        "suppliers": "Int64",
        "systems_open": "Int64",
        "systems_open_known": "Int64",
        "open_share_systems": "Float64",
        "open_share_spend": "Float64",
        "systems_high_lockin": "Int64",
        "systems_unknown_lockin": "Int64",
        "spend_systems": "Float64",
        "spend_high_lockin": "Float64",
        "high_lockin_share_spend": "Float64",
    },
    "national_suppliers": {
        "supplier": "string",
        "ministries": "Int64",
        "spend": "Float64",
        "share": "Float64",
        "contracts": "Int64",
        "systems_high_lockin": "Int64",
    },
}


def empty_details(name: str) -> pd.DataFrame:
    """An empty detail table with its columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _COLUMNS[name].items()})


def _conform(t: pd.DataFrame, name: str) -> pd.DataFrame:
    """The columns of detail table ``name``, in order and with its dtypes, from ``t``."""
    return pd.DataFrame({c: t[c].astype(d) for c, d in _COLUMNS[name].items()}).reset_index(
        drop=True
    )


def _text(s: pd.Series) -> pd.Series:
    """``s.astype("string")``; a categorical converts its categories once
    (procurement columns are categorical: millions of rows, few values)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pd.Series(s.cat.categories).astype("string").array
        out = cats.take(s.cat.codes.to_numpy(), allow_fill=True)
        return pd.Series(out, index=s.index, name=s.name)
    return s.astype("string")


def _sort_codes(s: pd.Series, ascending: bool = True) -> np.ndarray:
    """Integer keys that sort as ``s`` does in ``sort_values`` (NA last)."""
    codes, uniques = pd.factorize(s, sort=True)
    codes = codes if ascending else len(uniques) - 1 - codes
    return np.where(s.isna().to_numpy(), len(uniques), codes)


def contract_ends(proc: pd.DataFrame, sysf: pd.DataFrame) -> pd.DataFrame:
    """Every known contract end per system and buyer (long table).

    Parameters
    ----------
    proc : DataFrame
        Prepared procurement (``ministry``, ``supplier``, ``system_id``,
        ``end_date``, ``pos_amount``).
    sysf : DataFrame
        Prepared systems (``system_id``, ``ministry``, ``contract_end``).

    Returns
    -------
    DataFrame
        ``system_id, buyer, end_date (normalised), source
        ("procurement"/"inventory"), contract_vendor, pos_amount``.
    """
    has = proc["system_id"].notna() & proc["end_date"].notna()
    p = proc.loc[has, ["system_id", "ministry", "supplier", "end_date", "pos_amount"]]
    from_proc = pd.DataFrame(
        {
            "system_id": _text(p["system_id"]),
            "buyer": _text(p["ministry"]),
            "end_date": pd.to_datetime(p["end_date"]),
            "source": "procurement",
            "contract_vendor": _text(p["supplier"]),
            "pos_amount": p["pos_amount"].astype("Float64"),
        }
    )
    inv_end = (
        pd.to_datetime(sysf["contract_end"], errors="coerce")
        if "contract_end" in sysf
        else pd.Series(pd.NaT, index=sysf.index, dtype="datetime64[ns]")
    )
    from_inv = pd.DataFrame(
        {
            "system_id": sysf["system_id"].astype("string"),
            "buyer": sysf["ministry"].astype("string"),
            "end_date": inv_end,
            "source": "inventory",
        }
    )
    from_inv = from_inv[from_inv["end_date"].notna()]
    ends = pd.concat([from_proc, from_inv], ignore_index=True)
    ends["end_date"] = pd.to_datetime(ends["end_date"]).dt.normalize()
    for c in ("source", "contract_vendor"):
        ends[c] = ends[c].astype("string")
    ends["pos_amount"] = ends["pos_amount"].astype("Float64")
    return ends


def _suppliers(it: pd.DataFrame) -> pd.DataFrame:
    d = pd.DataFrame(
        {
            "ministry": _text(it["ministry"]),
            "supplier": _text(it["supplier"]),
            "spend": it["pos_amount"].astype("float64"),
        }
    )
    g = d.groupby(["ministry", "supplier"], dropna=False, sort=True)
    t = g["spend"].agg(["sum", "size"]).reset_index()
    t = t.rename(columns={"sum": "spend", "size": "contracts"})
    known = t["supplier"].notna()
    base = t["spend"].where(known).groupby(t["ministry"]).transform("sum")
    t["share"] = (t["spend"] / base.where(base > 0)).where(known)
    t = t.sort_values(
        ["ministry", "spend", "supplier"], ascending=[True, False, True], na_position="last"
    )
    return _conform(t, "suppliers")


def _competition(it: pd.DataFrame) -> pd.DataFrame:
    method = _text(it["method"]).fillna("unknown")
    single = (it["tenderers"] == 1).fillna(False) & method.isin(_COMPETITIVE)
    d = pd.DataFrame(
        {
            "ministry": _text(it["ministry"]),
            "method": method,
            "spend": it["pos_amount"].astype("float64"),
            "single": single.astype("int64"),
            "bids_known": (it["tenderers"].notna() & method.isin(_COMPETITIVE)).astype("int64"),
        }
    )
    g = d.groupby(["ministry", "method"], sort=True)
    t = g.agg(
        spend=("spend", "sum"),
        awards=("spend", "size"),
        single_bid_awards=("single", "sum"),
        bids_known=("bids_known", "sum"),
    ).reset_index()
    total = t.groupby("ministry")["spend"].transform("sum")
    t["share"] = t["spend"] / total.where(total > 0)
    # Single bids are only counted where the number of bids is known.
    t["single_bid_awards"] = t["single_bid_awards"].where(t["bids_known"] > 0)
    t = t.sort_values(["ministry", "spend", "method"], ascending=[True, False, True])
    return _conform(t, "competition")


def _system_ends(ends: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    if ends.empty:
        return empty_details("system_ends")
    start = pd.Timestamp(as_of)
    e = ends[ends["buyer"].notna()].copy()
    e["_future"] = e["end_date"] >= start
    # (system_id, buyer) as one integer: grouping and de-duplicating a
    # million text pairs is most of this table's time.
    sys_codes, buyer_codes = _sort_codes(e["system_id"]), _sort_codes(e["buyer"])
    pair = sys_codes.astype(np.int64) * (int(buyer_codes.max(initial=0)) + 1) + buyer_codes
    future = e["_future"].to_numpy(dtype=bool)
    n_up = (
        pd.Series(e["end_date"].to_numpy()[future])
        .groupby(pair[future])
        .nunique()
        .rename("n_upcoming")
    )
    # Upcoming first (earliest end, procurement before the inventory date it
    # repeats), then past ones latest first.
    e["_key"] = np.where(
        e["_future"], e["end_date"].astype("int64"), -e["end_date"].astype("int64")
    )
    # As sort_values(["system_id", "buyer", "_future", "_key", "source"],
    # ascending=[T, T, F, T, F], kind="stable").drop_duplicates(["system_id",
    # "buyer"]), on integer codes.
    order = np.lexsort(
        (
            _sort_codes(e["source"], ascending=False),
            e["_key"].to_numpy(),
            _sort_codes(e["_future"], ascending=False),
            buyer_codes,
            sys_codes,
        )
    )
    first = order[~pd.Series(pair[order]).duplicated().to_numpy()]
    e = e.iloc[first]
    e["n_upcoming"] = n_up.reindex(pair[first]).to_numpy()
    e["status"] = np.where(e["_future"], "active", "ended")
    e["months_to_end"] = ((e["end_date"] - start).dt.days / (365.25 / 12)).round(1)
    e["n_upcoming"] = e["n_upcoming"].fillna(0)
    return _conform(e, "system_ends")


def _factor_coverage(factors: pd.DataFrame | None, sysf: pd.DataFrame) -> pd.DataFrame:
    if factors is None or factors.empty or sysf.empty:
        return empty_details("factor_coverage")
    mins = sysf[["system_id", "ministry"]].dropna().astype("string")
    f = factors[["system_id", "factor", "name", "known"]].copy()
    f["system_id"] = f["system_id"].astype("string")
    f = f.merge(mins, on="system_id", how="inner")
    f["unknown"] = ~f["known"].astype("boolean").fillna(False)
    t = (
        f.groupby(["ministry", "factor", "name"], sort=True)["unknown"]
        .agg(["size", "sum"])
        .reset_index()
        .rename(columns={"size": "systems", "sum": "systems_unknown"})
    )
    return _conform(t, "factor_coverage")


def open_flag(sysf: pd.DataFrame) -> pd.Series:
    """Open source or government-owned per system (boolean, NA = unknown).

    True on any positive evidence (an open licence, or the government owns the
    IP), False on negative evidence alone, NA when neither licence nor IP owner
    is recorded. The one rule behind ``ind_open_share_*`` and the national
    totals.
    """
    from .._clean.cells import is_open_licence

    def text(name: str, lower: bool = False) -> pd.Series:
        if name not in sysf:
            return pd.Series(pd.NA, index=sysf.index, dtype="string")
        t = sysf[name].astype("string").str.strip()
        t = t.str.lower() if lower else t
        return t.mask(t.eq(""))

    open_lic = is_open_licence(text("licence"))
    ip = text("ip_owner", lower=True)
    gov = ip.eq("government")
    positive = open_lic.fillna(False) | gov.fillna(False)
    negative = open_lic.eq(False).fillna(False) | (ip.notna() & ~gov.fillna(False))
    out = pd.Series(pd.NA, index=sysf.index, dtype="boolean")
    out[negative] = False
    out[positive] = True
    return out


def _band(sysf: pd.DataFrame) -> pd.Series:
    """The systems' lock-in band as text (all NA when not scored)."""
    if "lockin_band" in sysf:
        return sysf["lockin_band"].astype("string")
    return pd.Series(pd.NA, index=sysf.index, dtype="string")


def _one_row(values: dict[str, object]) -> pd.DataFrame:
    cols = _COLUMNS["national"]
    return pd.DataFrame({c: pd.Series([values.get(c)], dtype=t) for c, t in cols.items()})


def _national(it: pd.DataFrame, sysf: pd.DataFrame, n_ministries: int | None) -> pd.DataFrame:
    s = sysf[sysf["ministry"].notna()] if "ministry" in sysf else sysf.iloc[0:0]
    band = _band(s)
    high = band.eq("high").fillna(False)
    is_open = open_flag(s)
    spend = pd.to_numeric(s["spend_total"], errors="coerce").astype("Float64")
    pos = spend.where(spend.gt(0).fillna(False))
    open_known_spend = pos.where(is_open.notna()).sum()
    open_spend = pos.where(is_open.fillna(False)).sum()
    total_sys_spend = pos.sum()
    known = int(is_open.notna().sum())
    if n_ministries is None:
        names = pd.concat([_text(it["ministry"]), s["ministry"].astype("string")])
        n_ministries = int(names.dropna().nunique())
    amount = pd.to_numeric(it["amount"], errors="coerce")
    return _one_row(
        {
            "ministries": n_ministries,
            "systems": len(s),
            # As ``ministries.spend_it`` (its sum over ministries).
            "spend_it": float(amount.sum()) if amount.notna().any() else None,
            "suppliers": int(_text(it["supplier"]).dropna().nunique()),
            "systems_open": int(is_open.fillna(False).sum()),
            "systems_open_known": known,
            "open_share_systems": float(is_open.dropna().astype(float).mean()) if known else None,
            "open_share_spend": (
                float(open_spend / open_known_spend) if open_known_spend > 0 else None
            ),
            "systems_high_lockin": int(high.sum()),
            "systems_unknown_lockin": int(band.eq("unknown").fillna(False).sum()),
            "spend_systems": float(total_sys_spend) if pos.notna().any() else None,
            "spend_high_lockin": float(pos.where(high).sum()),
            "high_lockin_share_spend": (
                float(pos.where(high).sum() / total_sys_spend) if total_sys_spend > 0 else None
            ),
        }
    )


def _keys(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``(codes, names)``: integer codes of a text column (-1 for NA) and the
    text of each code; a categorical keeps its codes (no text per row)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        names = pd.Series(s.cat.categories).astype("string")
        return s.cat.codes.to_numpy(dtype=np.int64), names
    codes, uniques = pd.factorize(s.astype("string"), use_na_sentinel=True)
    return codes.astype(np.int64), pd.Series(uniques).astype("string")


def _national_suppliers(it: pd.DataFrame, sysf: pd.DataFrame) -> pd.DataFrame:
    # On integer codes: a national table has millions of rows and a few
    # thousand suppliers; text only for the result.
    sup, sup_names = _keys(it["supplier"])
    keep = sup >= 0
    if not keep.any():
        return empty_details("national_suppliers")
    mins, _ = _keys(it["ministry"])
    sys_codes, sys_names = _keys(it["system_id"])
    sup = sup[keep]
    g_min = pd.Series(np.where(mins >= 0, mins, np.nan)[keep]).groupby(sup, sort=True)
    g_spend = pd.Series(it["pos_amount"].astype("float64").to_numpy()[keep]).groupby(sup, sort=True)
    t = pd.DataFrame(
        {
            "ministries": g_min.nunique(),
            "spend": g_spend.sum(),
            "contracts": g_spend.size(),
        }
    )
    t.index = pd.Index(sup_names.to_numpy()[t.index.to_numpy()], dtype="string", name="supplier")
    total = t["spend"].sum()
    t["share"] = t["spend"] / total if total > 0 else np.nan
    band = _band(sysf)
    high_ids = set(sysf.loc[band.eq("high").fillna(False), "system_id"].astype("string"))
    high_code = sys_names.isin(high_ids).to_numpy(dtype=bool)
    sys_kept = sys_codes[keep]
    linked = sys_kept >= 0
    linked[linked] = high_code[sys_kept[linked]]
    by_link = pd.DataFrame(
        {
            "supplier": sup_names.to_numpy()[sup[linked]],
            "system_id": sys_names.to_numpy()[sys_kept[linked]],
        }
    ).astype("string")
    vend = sysf.loc[sysf["system_id"].astype("string").isin(high_ids), ["vendor", "system_id"]]
    by_vendor = vend.rename(columns={"vendor": "supplier"}).astype("string").dropna()
    pairs = pd.concat([by_link, by_vendor], ignore_index=True).drop_duplicates()
    t["systems_high_lockin"] = pairs.groupby("supplier")["system_id"].nunique()
    t["systems_high_lockin"] = t["systems_high_lockin"].fillna(0)
    t = t.reset_index().sort_values(["spend", "supplier"], ascending=[False, True])
    return _conform(t, "national_suppliers")


def ministry_details(
    proc: pd.DataFrame,
    sysf: pd.DataFrame,
    ends: pd.DataFrame,
    factors: pd.DataFrame | None,
    as_of: dt.date,
    n_ministries: int | None = None,
) -> dict[str, pd.DataFrame]:
    """The detail tables of every ministry (see the module docstring).

    Parameters
    ----------
    proc : DataFrame
        Prepared procurement of :mod:`.ministries` (``it`` flag, ``pos_amount``).
    sysf : DataFrame
        Prepared systems.
    ends : DataFrame
        From :func:`contract_ends`.
    factors : DataFrame or None
        The scorer's long factor table.
    as_of : date
        Analysis date.
    n_ministries : int, optional
        Ministries scored (for ``national``); default the ministries named in
        procurement or the inventory.

    Returns
    -------
    dict of str to DataFrame
        Keyed by :data:`DETAIL_TABLES`.

    Examples
    --------
    >>> import datetime as dt
    >>> import pandas as pd
    >>> proc = pd.DataFrame({"ministry": ["Health", "Health"], "supplier": ["A", "B"],
    ...     "system_id": ["S1", "S1"], "end_date": pd.to_datetime(["2024-01-01", "2026-03-01"]),
    ...     "amount": [300.0, 100.0], "pos_amount": [300.0, 100.0], "method": ["open", "direct"],
    ...     "tenderers": [1, None], "it": [True, True]})
    >>> sysf = pd.DataFrame({"system_id": ["S1"], "ministry": ["Health"], "vendor": ["A"],
    ...     "spend_total": [400.0]})
    >>> d = ministry_details(proc, sysf, contract_ends(proc, sysf), None, dt.date(2025, 1, 1))
    >>> d["suppliers"][["supplier", "share"]].to_dict("records")
    [{'supplier': 'A', 'share': 0.75}, {'supplier': 'B', 'share': 0.25}]
    >>> d["system_ends"][["end_date", "status"]].astype(str).to_dict("records")
    [{'end_date': '2026-03-01', 'status': 'active'}]
    """
    # All rows IT (an IT-only feed): no filtered copy of a national table.
    it = proc[proc["it"]] if "it" in proc and not proc["it"].all() else proc
    return {
        "suppliers": _suppliers(it),
        "competition": _competition(it),
        "system_ends": _system_ends(ends, as_of),
        "factor_coverage": _factor_coverage(factors, sysf),
        "national": _national(it, sysf, n_ministries),
        "national_suppliers": _national_suppliers(it, sysf),
    }
