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
* ``competition_years``: the same spend per ministry, year and method, with
  its share of the ministry's year (the award's year, else the contract
  start's; NA when neither is known).
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
* ``national_functions``: per function (system category, NA when not
  recorded), the systems, the ministries running one and their spend.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

__all__ = [
    "DETAIL_TABLES",
    "contract_ends",
    "empty_details",
    "it_rows",
    "known_band",
    "ministry_details",
    "open_flag",
]

DETAIL_TABLES: tuple[str, ...] = (
    "suppliers",
    "competition",
    "competition_years",
    "system_ends",
    "factor_coverage",
    "national",
    "national_suppliers",
    "national_functions",
)
"""Names of the detail tables (``<name>.parquet`` in the processed folder)."""

_COMPETITIVE = ("open", "selective")
#: The lock-in bands that say something; "unknown" (or none) does not.
KNOWN_BANDS = ("low", "medium", "high")
# Days since 1970 of any datetime64[ns], shifted positive, fit in _DAY_SPAN.
_DAY_OFFSET = 2**17
_DAY_SPAN = 2**19
_SOURCES = pd.Index(["inventory", "procurement"], dtype="string")

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
    "competition_years": {
        "ministry": "string",
        "year": "Int64",
        "method": "string",
        "spend": "Float64",
        "share": "Float64",
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
    "national_functions": {
        "category": "string",
        "n_systems": "Int64",
        "n_ministries": "Int64",
        "spend_total": "Float64",
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


def _codes(s: pd.Series, fill: str | None = None) -> tuple[np.ndarray, pd.Series]:
    """``(codes, names)``: integer codes of a text column that sort as its text does.

    ``names[code]`` is the text; codes follow code point order (as
    ``sort_values``), NA takes the last code, ``len(names) - 1``, where
    ``names`` is NA, unless ``fill`` names it. A categorical keeps its codes,
    so a national table's text is never hashed again (the prepared
    procurement's columns are categorical: millions of rows, few values).
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy(dtype=np.int64)
        cats = np.asarray(pd.Series(s.cat.categories).astype("string").tolist(), dtype=object)
    else:
        codes, found = pd.factorize(s.astype("string"), use_na_sentinel=True)
        codes = codes.astype(np.int64)
        cats = np.asarray(pd.Series(found).astype("string").tolist(), dtype=object)
    if fill is not None:
        cats = np.append(cats, np.array([fill], dtype=object))
        codes = np.where(codes >= 0, codes, len(cats) - 1)
    uniq: np.ndarray
    if fill is None and pd.Index(cats).is_monotonic_increasing:
        uniq = cats  # sorted categories (the prepared procurement's): codes as they are
        codes = np.where(codes >= 0, codes, len(uniq))
    else:
        uniq, remap = np.unique(cats, return_inverse=True)  # sorted by code point
        codes = np.where(codes >= 0, remap.reshape(-1)[codes], len(uniq))
    names = pd.Series(pd.array([*uniq.tolist(), None], dtype="string"))
    return codes, names


def _group(
    keys: dict[str, tuple[np.ndarray, pd.Series]], values: pd.DataFrame, **agg: Any
) -> pd.DataFrame:
    """``values`` grouped by coded key columns, one packed integer for all.

    ``keys`` maps each key column to its ``(codes, names)`` (as
    :func:`_codes` gives them); groups come in the order of the names, the
    first key first, as ``groupby([...], sort=True)`` on the text would. The
    key columns come back as text, then the aggregates ``agg`` (named as in
    ``DataFrame.groupby(...).agg``).
    """
    packed = np.zeros(len(values), dtype=np.int64)
    for codes, names in keys.values():
        packed = packed * len(names) + codes
    t = values.groupby(packed, sort=True).agg(**agg)
    k = t.index.to_numpy()
    text: dict[str, Any] = {}
    for col, (_, names) in reversed(keys.items()):  # the last key is the lowest digit
        text[col] = names.array.take(k % len(names))
        k = k // len(names)
    return pd.DataFrame({**{c: text[c] for c in keys}, **{c: t[c].to_numpy() for c in t}})


def _unknown_sums(t: pd.DataFrame, col: str = "spend") -> None:
    """A group with no known amount has spend unknown, not 0 (its ``known``
    count, aggregated beside the sum, is dropped)."""
    t[col] = t[col].where(t.pop("known") > 0)


def _descending(codes: np.ndarray, names: pd.Series) -> np.ndarray:
    """Codes of :func:`_codes` for a descending sort, NA still last."""
    na = len(names) - 1
    return np.where(codes == na, na, na - 1 - codes)


def _category(s: pd.Series) -> pd.Series:
    """``s`` as a categorical of text (kept as is when it already is one)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s
    return s.astype("string").astype("category")


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
    # Text columns stay categorical: a national feed has a million ends and a
    # few thousand distinct systems, buyers and suppliers.
    from_proc = pd.DataFrame(
        {
            "system_id": _category(p["system_id"]),
            "buyer": _category(p["ministry"]),
            "end_date": pd.to_datetime(p["end_date"]),
            "source": pd.Categorical.from_codes(np.ones(len(p), dtype=np.int8), _SOURCES),
            "contract_vendor": _category(p["supplier"]),
            "pos_amount": p["pos_amount"].astype("Float64"),
        }
    )
    inv_end = (
        pd.to_datetime(sysf["contract_end"], errors="coerce")
        if "contract_end" in sysf
        else pd.Series(pd.NaT, index=sysf.index, dtype="datetime64[ns]")
    )
    known = inv_end.notna()
    n_inv = int(known.sum())
    from_inv = pd.DataFrame(
        {
            "system_id": _category(sysf.loc[known, "system_id"]),
            "buyer": _category(sysf.loc[known, "ministry"]),
            "end_date": inv_end[known],
            "source": pd.Categorical.from_codes(np.zeros(n_inv, dtype=np.int8), _SOURCES),
            "contract_vendor": pd.Categorical([None] * n_inv),
            "pos_amount": pd.array([pd.NA] * n_inv, dtype="Float64"),
        }
    )
    ends = pd.DataFrame(
        {
            c: _union(from_proc[c], from_inv[c])
            if isinstance(from_proc[c].dtype, pd.CategoricalDtype)
            else pd.concat([from_proc[c], from_inv[c]], ignore_index=True)
            for c in from_proc.columns
        }
    )
    ends["end_date"] = pd.to_datetime(ends["end_date"]).dt.normalize()
    return ends


def _union(a: pd.Series, b: pd.Series) -> pd.Series:
    """Two categoricals of text concatenated, with the union of their
    categories, sorted."""
    cats = [c.array.set_categories(c.cat.categories.astype("string")) for c in (a, b)]
    return pd.Series(union_categoricals(cats, sort_categories=True, ignore_order=True))


def _suppliers(it: pd.DataFrame) -> pd.DataFrame:
    spend = pd.DataFrame({"spend": it["pos_amount"].astype("float64").to_numpy()})
    t = _group(
        {"ministry": _codes(it["ministry"]), "supplier": _codes(it["supplier"])},
        spend,
        spend=("spend", "sum"),
        contracts=("spend", "size"),
        known=("spend", "count"),
    )
    _unknown_sums(t)
    known = t["supplier"].notna()
    base = t["spend"].where(known).groupby(t["ministry"]).transform("sum")
    t["share"] = (t["spend"] / base.where(base > 0)).where(known)
    t = t.sort_values(
        ["ministry", "spend", "supplier"], ascending=[True, False, True], na_position="last"
    )
    return _conform(t, "suppliers")


def _competition(it: pd.DataFrame) -> pd.DataFrame:
    methods, m_names = _codes(it["method"], fill="unknown")
    # Membership per distinct method, spread by code (never per row of text).
    competitive = m_names.isin(_COMPETITIVE).to_numpy(dtype=bool)[methods]
    tenderers = it["tenderers"]
    d = pd.DataFrame(
        {
            "spend": it["pos_amount"].astype("float64").to_numpy(),
            "single": ((tenderers == 1).fillna(False).to_numpy(dtype=bool) & competitive).astype(
                "int64"
            ),
            "bids_known": (tenderers.notna().to_numpy(dtype=bool) & competitive).astype("int64"),
        }
    )
    t = _group(
        {"ministry": _codes(it["ministry"]), "method": (methods, m_names)},
        d,
        spend=("spend", "sum"),
        awards=("spend", "size"),
        single_bid_awards=("single", "sum"),
        bids_known=("bids_known", "sum"),
        known=("spend", "count"),
    )
    _unknown_sums(t)
    total = t.groupby("ministry")["spend"].transform("sum")
    t["share"] = t["spend"] / total.where(total > 0)
    # Single bids are only counted where the number of bids is known.
    t["single_bid_awards"] = t["single_bid_awards"].where(t["bids_known"] > 0)
    t = t.sort_values(["ministry", "spend", "method"], ascending=[True, False, True])
    return _conform(t, "competition")


def _competition_years(it: pd.DataFrame) -> pd.DataFrame:
    """Positive IT spend per ministry, year and method, with its share of the year.

    The year is the award's, else the contract start's (as the repeat-award
    indicators count awards); NA when neither is known.
    """
    dates = it["date"] if "date" in it else pd.Series(pd.NaT, index=it.index)
    years = pd.to_datetime(dates).dt.year.to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(years)
    first = int(years[known].min()) if known.any() else 0
    span = int(years[known].max()) - first + 1 if known.any() else 0
    year_codes = np.where(known, np.nan_to_num(years) - first, span).astype(np.int64)
    year_names = pd.Series(pd.array([*range(first, first + span), None], dtype="Int64"))
    t = _group(
        {
            "ministry": _codes(it["ministry"]),
            "year": (year_codes, year_names),
            "method": _codes(it["method"], fill="unknown"),
        },
        pd.DataFrame({"spend": it["pos_amount"].astype("float64").to_numpy()}),
        spend=("spend", "sum"),
        known=("spend", "count"),
    )
    _unknown_sums(t)
    total = t.groupby(["ministry", "year"], dropna=False)["spend"].transform("sum")
    t["share"] = t["spend"] / total.where(total > 0)
    return _conform(t, "competition_years")


def _system_ends(ends: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    if ends.empty:
        return empty_details("system_ends")
    start = pd.Timestamp(as_of)
    rows = np.flatnonzero(ends["buyer"].notna().to_numpy(dtype=bool))
    # On integer codes and arrays: the frame is only cut to the chosen rows.
    sys_codes = _codes(ends["system_id"])[0][rows]
    buyer_codes = _codes(ends["buyer"])[0][rows]
    source_codes, source_names = _codes(ends["source"])
    source_desc = _descending(source_codes, source_names)[rows]
    del source_codes
    end = ends["end_date"].iloc[rows]
    future = (end >= start).to_numpy(dtype=bool)
    # One integer per (system_id, buyer); contract_ends gives whole days.
    pair, _ = pd.factorize(sys_codes * (int(buyer_codes.max(initial=0)) + 1) + buyer_codes)
    days = end.to_numpy().astype("datetime64[D]").astype(np.int64) + _DAY_OFFSET
    # A national feed has ten million ends: each array below is 80 MB, so
    # the ones done with are let go before the group-by (the scoring peak).
    del end
    n_up = np.bincount(pd.unique(pair[future] * _DAY_SPAN + days[future]) // _DAY_SPAN)
    n_up = np.append(n_up, np.zeros(int(pair.max(initial=-1)) + 1 - len(n_up), dtype=np.int64))
    # The chosen end per pair has the smallest rank: upcoming before past,
    # then the earliest upcoming or latest past day, then procurement before
    # the inventory date it repeats; ties keep row order. As sort_values
    # (["system_id", "buyer", "_future", "_key", "source"], ascending=[T, T,
    # F, T, F], kind="stable").drop_duplicates(["system_id", "buyer"]), on
    # integers and without sorting a million rows.
    signed = np.where(future, days, 2 * _DAY_OFFSET - days)
    del days
    rank = (~future).astype(np.int64) * (4 * _DAY_SPAN) + signed * 4 + source_desc
    del signed, source_desc
    best = pd.Series(rank).groupby(pair, sort=False).transform("min").to_numpy()
    cand = np.flatnonzero(rank == best)
    del rank, best
    cand = cand[~pd.Series(pair[cand]).duplicated().to_numpy()]
    first = cand[np.lexsort((buyer_codes[cand], sys_codes[cand]))]
    e = ends.iloc[rows[first]].copy()
    chosen_future = future[first]
    e["n_upcoming"] = n_up[pair[first]]
    e["status"] = np.where(chosen_future, "active", "ended")
    e["months_to_end"] = ((e["end_date"] - start).dt.days / (365.25 / 12)).round(1)
    return _conform(e, "system_ends")


def _factor_coverage(factors: pd.DataFrame | None, sysf: pd.DataFrame) -> pd.DataFrame:
    if factors is None or factors.empty or sysf.empty:
        return empty_details("factor_coverage")
    # On codes: the factor table has a row per system and factor (1.25
    # million for 50,000 systems). Scored system ids are unique.
    mins = sysf[["system_id", "ministry"]].dropna().astype("string")
    mins = mins.drop_duplicates("system_id")
    sid, sid_uniq = pd.factorize(factors["system_id"].astype("string"))
    min_codes, min_names = _codes(mins["ministry"])
    at = pd.Index(mins["system_id"]).get_indexer(sid_uniq)
    row_min = np.append(np.where(at >= 0, min_codes[at], -1), -1)[sid]
    # Factors and names group in their categories' order, as groupby does.
    fac, fac_names = _group_codes(factors["factor"])
    name, name_names = _group_codes(factors["name"])
    keep = (row_min >= 0) & (fac >= 0) & (name >= 0)
    unknown = ~factors["known"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    t = _group(
        {
            "ministry": (row_min[keep], min_names),
            "factor": (fac[keep], fac_names),
            "name": (name[keep], name_names),
        },
        pd.DataFrame({"unknown": unknown[keep]}),
        systems=("unknown", "size"),
        systems_unknown=("unknown", "sum"),
    )
    return _conform(t, "factor_coverage")


def _group_codes(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``(codes, names)`` in the order ``groupby(sort=True)`` uses: a
    categorical's category order, else the text's; NA is -1."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        names = pd.Series(s.cat.categories.astype("string"))
        return s.cat.codes.to_numpy(dtype=np.int64), names
    codes, names = _codes(s)
    return np.where(codes == len(names) - 1, -1, codes), names.iloc[:-1]


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


def _n_used(s: pd.Series) -> int:
    """Distinct known texts of a column, counted on its codes."""
    codes, names = _codes(s)
    return int(np.count_nonzero(np.bincount(codes, minlength=len(names))[:-1]))


def _national(it: pd.DataFrame, sysf: pd.DataFrame, n_ministries: int | None) -> pd.DataFrame:
    s = sysf[sysf["ministry"].notna()] if "ministry" in sysf else sysf.iloc[0:0]
    band = _band(s)
    high = band.eq("high").fillna(False)
    # With no known band anywhere, the high lock-in figures are unknown, not 0.
    any_band = bool(known_band(band).any())
    is_open = open_flag(s)
    spend = pd.to_numeric(s["spend_total"], errors="coerce").astype("Float64")
    pos = spend.where(spend.gt(0).fillna(False))
    open_known_spend = pos.where(is_open.notna()).sum()
    open_spend = pos.where(is_open.fillna(False)).sum()
    total_sys_spend = pos.sum()
    known = int(is_open.notna().sum())
    if n_ministries is None:
        codes, names = _codes(it["ministry"])
        used = names[np.bincount(codes, minlength=len(names)) > 0]
        n_ministries = int(pd.concat([used, s["ministry"].astype("string")]).dropna().nunique())
    amount = pd.to_numeric(it["amount"], errors="coerce")
    # Spend at high lock-in: 0 when no system is high; unknown when the high
    # ones have no known spend (it read 0 beside their "unknown" spend).
    high_pos = pos.where(high)
    high_spend = (
        None
        if not any_band or (high.any() and not high_pos.notna().any())
        else float(high_pos.sum())
    )
    return _one_row(
        {
            "ministries": n_ministries,
            "systems": len(s),
            # As ``ministries.spend_it`` (its sum over ministries).
            "spend_it": float(amount.sum()) if amount.notna().any() else None,
            "suppliers": _n_used(it["supplier"]),
            "systems_open": int(is_open.fillna(False).sum()),
            "systems_open_known": known,
            "open_share_systems": float(is_open.dropna().astype(float).mean()) if known else None,
            "open_share_spend": (
                float(open_spend / open_known_spend) if open_known_spend > 0 else None
            ),
            "systems_high_lockin": int(high.sum()) if any_band else None,
            "systems_unknown_lockin": int(band.eq("unknown").fillna(False).sum()),
            "spend_systems": float(total_sys_spend) if pos.notna().any() else None,
            "spend_high_lockin": high_spend,
            "high_lockin_share_spend": (
                high_spend / float(total_sys_spend)
                if high_spend is not None and total_sys_spend > 0
                else None
            ),
        }
    )


def _national_suppliers(it: pd.DataFrame, sysf: pd.DataFrame) -> pd.DataFrame:
    # On integer codes: a national table has millions of rows and a few
    # thousand suppliers; text only for the result.
    sup, sup_names = _codes(it["supplier"])
    keep = sup < len(sup_names) - 1
    if not keep.any():
        return empty_details("national_suppliers")
    mins, min_names = _codes(it["ministry"])
    sys_codes, sys_names = _codes(it["system_id"])
    sup, mins, sys_codes = sup[keep], mins[keep], sys_codes[keep]
    g_spend = pd.Series(it["pos_amount"].astype("float64").to_numpy()[keep]).groupby(sup, sort=True)
    # Distinct ministries per supplier: distinct (supplier, ministry) pairs
    # (hashed, not sorted), counted per supplier.
    known_min = mins < len(min_names) - 1
    pairs_min = pd.unique(sup[known_min] * len(min_names) + mins[known_min])
    per_sup = np.bincount(pairs_min // len(min_names), minlength=len(sup_names))
    t = pd.DataFrame({"spend": g_spend.sum(min_count=1), "contracts": g_spend.size()})
    codes = t.index.to_numpy()
    t["ministries"] = per_sup[codes]
    t.index = pd.Index(sup_names.array.take(codes), name="supplier")
    total = t["spend"].sum()
    t["share"] = t["spend"] / total if total > 0 else np.nan
    # High-lock-in systems per supplier, by contract link or as the system's
    # vendor: distinct (supplier, system) pairs on codes. Unknown for a
    # supplier none of whose systems has a known band.
    ids = sysf["system_id"].astype("string")
    first = (ids.notna() & ~ids.duplicated()).to_numpy(dtype=bool)
    band = _band(sysf)[first]
    known = known_band(band).to_numpy(dtype=bool)
    high = band.eq("high").fillna(False).to_numpy(dtype=bool)
    at = pd.Index(ids[first].to_numpy()).get_indexer(sys_names.array[:-1])
    row_sys = np.append(at, -1)[sys_codes]  # each row's system, -1: none
    row_known = np.append(known, False)[row_sys]  # -1 takes the False slot
    vendors = _col(sysf, "vendor", "string").astype("string")[first]
    v_codes, v_names = pd.factorize(vendors, use_na_sentinel=True)
    v_sup = np.append(pd.Index(sup_names.array[:-1]).get_indexer(v_names), -1)[v_codes]
    has_known = (np.bincount(sup[row_known], minlength=len(sup_names)) > 0) | (
        np.bincount(v_sup[(v_sup >= 0) & known], minlength=len(sup_names)) > 0
    )
    n_high = max(int(high.sum()), 1)
    high_code = np.full(len(high) + 1, -1)  # last slot: rows with no system
    high_code[np.flatnonzero(high)] = np.arange(int(high.sum()))
    row_high = high_code[row_sys]
    linked = row_high >= 0
    by_vendor = (v_sup >= 0) & high
    pairs = pd.unique(
        np.concatenate(
            [
                sup[linked] * n_high + row_high[linked],
                v_sup[by_vendor] * n_high + high_code[np.flatnonzero(by_vendor)],
            ]
        )
    )
    per_sup = np.bincount(pairs // n_high, minlength=len(sup_names))
    t["systems_high_lockin"] = pd.array(per_sup[codes], dtype="Int64")
    t.loc[~has_known[codes], "systems_high_lockin"] = pd.NA
    t = t.reset_index().sort_values(["spend", "supplier"], ascending=[False, True])
    return _conform(t, "national_suppliers")


def _col(df: pd.DataFrame | None, name: str, dtype: str) -> pd.Series:
    """Column ``name`` of ``df`` or an all-NA column of ``dtype`` when absent."""
    if df is not None and name in df.columns:
        return df[name]
    index = pd.RangeIndex(0) if df is None else df.index
    return pd.Series(pd.NaT if dtype.startswith("datetime") else pd.NA, index=index, dtype=dtype)


def it_rows(proc: pd.DataFrame) -> pd.DataFrame:
    """The IT rows of the prepared procurement, the rows every indicator counts.

    An IT-only feed (every row IT) comes back as it is: no filtered copy of a
    national table.
    """
    return proc[proc["it"]] if "it" in proc and not proc["it"].all() else proc


def known_band(band: pd.Series) -> pd.Series:
    """Whether each lock-in band says something (low, medium, high), as booleans."""
    return band.astype("string").isin(list(KNOWN_BANDS)).fillna(False).astype(bool)


def _national_functions(sysf: pd.DataFrame) -> pd.DataFrame:
    """Systems, ministries running them and their spend per function (category)."""
    d = pd.DataFrame(
        {
            "category": _col(sysf, "category", "string").astype("string").array,
            "ministry": _col(sysf, "ministry", "string").astype("string").array,
            "spend": pd.to_numeric(
                sysf["spend_total"]
                if "spend_total" in sysf
                else pd.Series(np.nan, index=sysf.index),
                errors="coerce",
            ).to_numpy(dtype="float64", na_value=np.nan),
        }
    )
    t = d.groupby("category", dropna=False, sort=True).agg(
        n_systems=("spend", "size"),
        n_ministries=("ministry", "nunique"),
        spend_total=("spend", "sum"),
        known=("spend", "count"),
    )
    _unknown_sums(t, "spend_total")
    return _conform(t.reset_index(), "national_functions")


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
    it = it_rows(proc)
    return {
        "suppliers": _suppliers(it),
        "competition": _competition(it),
        "competition_years": _competition_years(it),
        "system_ends": _system_ends(ends, as_of),
        "factor_coverage": _factor_coverage(factors, sysf),
        "national": _national(it, sysf, n_ministries),
        "national_suppliers": _national_suppliers(it, sysf),
        "national_functions": _national_functions(sysf),
    }
