"""Per-ministry procurement indicators, readiness profile and opportunities.

Everything here works on whole tables with groupby / merge: the procurement
table can hold millions of rows; the per-ministry tables are small.

Conventions
-----------
* **Scope.** ``spend_total``, ``n_contracts``, ``n_suppliers`` and ``hhi_all``
  use every procurement row; the behaviour indicators (``hhi_it``, top
  supplier, non-competitive share, single bids, repeat awards, amendments,
  value growth, unlinked spend, lock-in exposure) use IT rows only, where
  ``is_it`` NA (unknown) counts as IT: the lock-in question is about software.
* **Value shares use positive amounts only.** Credit notes and corrections
  (negative amounts) are legitimate rows, but a negative supplier total would
  give a negative "share" and an HHI that is no longer within 0-1; netting
  them against awards would also hide who was awarded the work.
* **Unknown stays unknown.** An indicator with no data behind it is NA (a
  ministry with no procurement has NA HHI, not 0); the readiness score is the
  weighted mean of the *known* indicators and ``readiness_confidence`` says
  which share of the weight was known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .._i18n import N_
from .._lanes import Background
from .details import (
    TableDtype,
    _col,
    contract_ends,
    it_rows,
    known_band,
    ministry_details,
    open_flag,
)
from .profile import READINESS_INDICATORS, complete_profile

_PD = TypeVar("_PD", pd.Series, pd.DataFrame)

__all__ = [
    "INDICATORS",
    "QUESTION_GROUPS",
    "score_ministries",
]

# The readiness indicators are named by the profile (their weights live there).
INDICATORS: tuple[str, ...] = READINESS_INDICATORS

QUESTION_GROUPS: tuple[str, ...] = (
    "procurement",
    "skills",
    "governance",
    "exit",
    "sharing",
    "compliance",
)

# Optional inventory fields that feed the lock-in / reuse factor model: their
# fill rate is the inventory-completeness indicator.
FACTOR_FIELDS: tuple[str, ...] = (
    "category",
    "vendor",
    "licence",
    "ip_owner",
    "source_code_access",
    "hosting",
    "data_location",
    "data_export",
    "interfaces_total",
    "interfaces_open",
    "proprietary_dependencies",
    "integrations",
    "documentation",
    "in_house_capability",
    "qualified_suppliers",
    "exit_clause",
    "data_return_clause",
    "contract_end",
    "configurable",
    "localised",
    "maintained",
)

_ANSWER_VALUE = {"yes": 1.0, "partly": 0.5, "no": 0.0}
_COMPETITIVE = ("open", "selective")
_NONCOMPETITIVE = ("limited", "direct")
_KNOWN_METHODS = _COMPETITIVE + _NONCOMPETITIVE
# SPDX ids that are valid but not open source (source-available, non-commercial).

# Readable action per weak readiness indicator ({v} = the indicator as a %). Marked
# for the catalogues: reports translate the stored English through these templates
# (``_report.scorer_text``).
_INDICATOR_ACTIONS = {
    "inventory_completeness": N_(
        "Complete the system inventory ({v} of the scoring fields are filled)"
    ),
    "open_share_systems": N_(
        "Consider open-source or government-owned options at each renewal ({v} of systems today)"
    ),
    "open_share_spend": N_(
        "Shift spend towards open-source or government-owned systems ({v} of spend today)"
    ),
    "lockin_exposure": N_("Reduce lock-in exposure (spend-weighted lock-in {lk})"),
    "supplier_hhi": N_("Diversify IT suppliers ({top} holds {share} of IT spend)"),
    "competitive_share": N_("Tender competitively ({nc} of IT spend awarded limited/direct)"),
    "portability": N_(
        "Require open-format data export and open interfaces in contracts ({v} today)"
    ),
    "q_procurement": N_("Let tenders allow open source and compare it before renewals"),
    "q_skills": N_("Build in-house skills to maintain core systems"),
    "q_governance": N_("Give open source a formal mandate and owner (an OSPO)"),
    "q_exit": N_("Write exit plans and data-return clauses for critical systems"),
    "q_sharing": N_("Check what other ministries already use before buying; share own code"),
    "q_compliance": N_("Track open-source licence obligations and vulnerabilities"),
}


# --------------------------------------------------------------------------- helpers


def _profile_section(profile: Any) -> dict[str, Any]:
    """The ``procurement`` / ``readiness`` settings scoring uses, from a
    :class:`Profile` or a settings dict (merged over the packaged default).

    Raises
    ------
    ConfigError
        (a ``ValueError``) naming the offending key when a value is unusable.
    """
    data = complete_profile(getattr(profile, "data", profile) or {})
    proc, ready = data["procurement"], data["readiness"]
    bands = [float(b) for b in proc["hhi_bands"]]
    windows = sorted(int(w) for w in proc["exit_windows_months"])
    cutoffs = [float(c) for c in ready["stage_cutoffs"]]
    names = list(ready["stage_names"])
    weights = {
        **dict.fromkeys(INDICATORS, 1.0),
        **{k: float(w) for k, w in (ready.get("weights") or {}).items()},
    }
    min_conf = ready.get("min_confidence", 0.5)
    return {
        "repeat_days": int(proc["repeat_window_days"]),
        "hhi_bands": bands,
        "windows": windows,
        "high_lockin": float(data["lockin"]["bands"]["high"]),
        # The floor under which a lock-in band is "unknown" also holds for
        # the spend-weighted exposure (weighted confidence of its scores).
        "band_min_confidence": float(data["lockin"]["bands"]["min_confidence"]),
        "cutoffs": cutoffs,
        "stage_names": names,
        "weights": weights,
        "min_confidence": float(min_conf),
    }


@cache
def _question_groups() -> dict[str, str]:
    """Map readiness point id (upper case) to its group, from the packaged TOML."""
    from .._clean.schema import readiness_points

    return {p["id"].upper(): p["group"] for p in readiness_points()}


def _is_high(s: pd.DataFrame, prof: dict[str, Any]) -> pd.Series:
    """High lock-in: the scorer's band where it ran (a score below the
    profile's confidence floor is "unknown", not high), else the band's
    threshold (``lockin.bands.high``) on the score."""
    if "lockin_band" in s:
        return s["lockin_band"].astype("string").eq("high").fillna(False).astype(bool)
    return s["lockin_score"].ge(prof["high_lockin"]).fillna(False).astype(bool)


def _band_known(s: pd.DataFrame) -> pd.Series:
    """Whether a system's lock-in band is known (low, medium or high; else
    whether it has a score, where no band was given)."""
    if "lockin_band" in s:
        return known_band(s["lockin_band"])
    return s["lockin_score"].notna().astype(bool)


def _score_confidence(s: pd.DataFrame) -> pd.Series:
    """Share of each system's lock-in weight on known inputs (1 where no
    confidence was given, as :func:`_band_known` takes a score for known)."""
    if "confidence" not in s:
        return pd.Series(1.0, index=s.index, dtype="Float64")
    return s["confidence"].astype("Float64").fillna(0)


def _clean_uniques(uniques: Any, lower: bool) -> pd.Series:
    """Distinct values stripped (and optionally lower-cased); blanks become NA."""
    clean = pd.Series(uniques, dtype="string").str.strip()
    if lower:
        clean = clean.str.lower()
    return clean.mask(clean.eq("").fillna(False))


def _str(s: pd.Series, lower: bool = False) -> pd.Series:
    """Strip (and optionally lower-case) text; blanks become NA (unknown).

    Works on the distinct values: buyer, supplier and method columns repeat a
    few thousand values over millions of rows.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    clean = _clean_uniques(uniques, lower)
    # One take spreads the cleaned values back (a masked setitem is far slower).
    return pd.Series(clean.array.take(codes, allow_fill=True), index=s.index, dtype="string")


def _cat(s: pd.Series, lower: bool = False) -> pd.Series:
    """Cleaned text as a Categorical with sorted categories.

    Groupby, ``isin`` and sort on the integer codes are several times faster
    than on strings, and sorted categories keep "sort by name" tie-breaks
    meaningful.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        # Already coded (e.g. linked system ids from the scorer): clean the
        # categories actually used, never the million rows.
        codes = s.cat.codes.to_numpy().astype(np.int64)
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)))
        uniques = s.cat.categories[used]
        back = np.full(len(s.cat.categories) + 1, -1, dtype=np.int64)
        back[used] = np.arange(len(used))
        codes = back[codes]  # -1 (NA) lands in the last slot, itself -1
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    clean = _clean_uniques(uniques, lower)
    # Sorted by code point, as Python's sorted() would, but on the arrow array.
    cats = pd.Index(pd.Series(clean.dropna().unique(), dtype="string").sort_values().array)
    remap = np.append(cats.get_indexer(clean.fillna("")), -1)  # last slot: NA code
    new_codes = remap[np.where(codes >= 0, codes, len(remap) - 1)]
    return pd.Series(pd.Categorical.from_codes(new_codes, cats), index=s.index)


def _filled(col: pd.Series) -> np.ndarray:
    """Known (and, for text, not blank) per row; blanks are judged on distinct values."""
    if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
        codes, uniq = pd.factorize(col, use_na_sentinel=True)
        blank = pd.Series(uniq, dtype="string").str.strip().eq("").fillna(True).to_numpy(bool)
        return ~np.append(blank, True)[codes]  # code -1 (NA) takes the last slot
    return col.notna().to_numpy(dtype=bool)


def _safe_ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as Float64, NA where den is NA or 0."""
    num = num.astype("Float64")
    den = den.astype("Float64")
    return (num / den.mask(den.eq(0).fillna(False))).astype("Float64")


def _fmt_pct(s: pd.Series) -> pd.Series:
    return (s.astype("Float64") * 100).round(0).astype("Int64").astype("string") + "%"


def _fmt_money(s: pd.Series) -> pd.Series:
    return (
        s.astype("Float64").map(lambda x: "unknown" if pd.isna(x) else f"{x:,.0f}").astype("string")
    )


def _join_per_category(s: pd.DataFrame, col: str) -> pd.Series:
    """Sorted unique items of ``col`` ("; "-lists allowed) per category, "; "-joined."""
    # Distinct (category, text) pairs first: a vendor repeats over many systems.
    items = s[["category", col]].drop_duplicates()
    items[col] = items[col].astype("string").str.split(";")
    items = items.explode(col)
    items[col] = items[col].astype("string").str.strip()
    items = items[items[col].ne("").fillna(False)].drop_duplicates()
    items = items.sort_values(["category", col], kind="stable")
    return items.groupby("category", sort=True)[col].agg("; ".join).astype("string")


# --------------------------------------------------------------------------- inputs


def _prepare_procurement(
    procurement: pd.DataFrame | None, links: pd.DataFrame | None
) -> pd.DataFrame:
    """Reduce procurement to the columns used here, with the linked system id."""
    if procurement is None or len(procurement) == 0:
        return _finish_procurement(
            pd.DataFrame(
                {
                    "ministry": pd.Series(dtype="string"),
                    "supplier": pd.Series(dtype="string"),
                    "amount": pd.Series(dtype="Float64"),
                    "date": pd.Series(dtype="datetime64[ns]"),
                    "end_date": pd.Series(dtype="datetime64[ns]"),
                    "method": pd.Series(dtype="string"),
                    "tenderers": pd.Series(dtype="Int64"),
                    "amendments": pd.Series(dtype="Int64"),
                    "original_amount": pd.Series(dtype="Float64"),
                    "is_it": pd.Series(dtype="boolean"),
                    "system_id": pd.Series(dtype="string"),
                    "process": pd.Series(dtype="int64"),
                }
            )
        )
    p = procurement.reset_index(drop=True)
    award = pd.to_datetime(_col(p, "award_date", "datetime64[ns]"))
    start = pd.to_datetime(_col(p, "start_date", "datetime64[ns]"))
    out = pd.DataFrame(
        {
            "ministry": _cat(p["ministry"]),
            "supplier": _cat(_col(p, "supplier", "string")),
            "amount": pd.to_numeric(p["amount"], errors="coerce").astype("Float64"),
            # i077/i180 count awards: award date, else contract start.
            "date": award.fillna(start),
            "end_date": pd.to_datetime(_col(p, "end_date", "datetime64[ns]")),
            # Categorical: the indicators only test membership (isin on codes).
            "method": _cat(_col(p, "method", "string"), lower=True),
            "tenderers": pd.to_numeric(_col(p, "tenderers", "Int64"), errors="coerce").astype(
                "Int64"
            ),
            "amendments": pd.to_numeric(_col(p, "amendments", "Int64"), errors="coerce").astype(
                "Int64"
            ),
            "original_amount": pd.to_numeric(
                _col(p, "original_amount", "Float64"), errors="coerce"
            ).astype("Float64"),
            "is_it": _col(p, "is_it", "boolean").astype("boolean"),
            "process": _process_codes(_col(p, "process_id", "string")),
        },
        copy=False,  # the columns above are new or read-only here: no second copy
    )
    # Linked system per row: ``links.proc_index`` is the position in procurement.
    if links is not None and len(links) and "proc_index" in links.columns:
        pi = links["proc_index"]
        if (
            len(links) == len(out)
            and pd.api.types.is_integer_dtype(pi.dtype)
            and not pi.hasnans
            and (pi.to_numpy() == np.arange(len(out))).all()
        ):
            # One link per row, in row order (what ``link_positions`` gives):
            # no sort or de-duplication needed.
            out["system_id"] = _cat(links["system_id"].reset_index(drop=True)).array
        else:
            lk = links[["proc_index", "system_id"]].copy()
            if "link_confidence" in links.columns:
                lk["_c"] = pd.to_numeric(links["link_confidence"], errors="coerce")
                lk = lk.sort_values("_c", ascending=False, kind="stable", na_position="last")
            lk = lk.drop_duplicates("proc_index")
            pos = pd.to_numeric(lk["proc_index"], errors="coerce")
            ok = pos.notna() & pos.between(0, len(out) - 1)
            linked = _cat(lk.loc[ok, "system_id"])
            linked_codes = linked.cat.codes.to_numpy()
            codes = np.full(len(out), -1, dtype=linked_codes.dtype)
            codes[pos[ok].astype("int64").to_numpy()] = linked_codes
            out["system_id"] = pd.Categorical.from_codes(codes, linked.cat.categories)
    elif links is None:
        # No linking step ran: trust the ids the data itself carries.
        out["system_id"] = _cat(_col(p, "system_id", "string"))
    else:
        out["system_id"] = _cat(pd.Series(pd.NA, index=out.index, dtype="string"))
    return _finish_procurement(out)


def _process_codes(process_id: pd.Series) -> np.ndarray:
    """One integer per procurement process: the OCDS ocid, else the row itself
    (a spreadsheet row is its own process)."""
    codes, uniq = pd.factorize(process_id, use_na_sentinel=True)
    codes = codes.astype("int64")
    missing = codes < 0
    codes[missing] = len(uniq) + np.flatnonzero(missing)
    return codes


def _finish_procurement(out: pd.DataFrame) -> pd.DataFrame:
    """Drop rows without a buyer; add the IT flag and the positive amount."""
    for c in ("ministry", "supplier", "system_id"):
        if not isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = _cat(out[c])
    if out["ministry"].isna().any():
        out = out[out["ministry"].notna()].copy()
    out["it"] = out["is_it"].fillna(True).astype(bool)
    out["pos_amount"] = out["amount"].where(out["amount"].gt(0).fillna(False))
    return out


@dataclass(frozen=True)
class PreparedProcurement:
    """Procurement reduced to what the ministry step uses, and its indicators.

    Everything here comes from procurement and its links alone, so it can be
    made before the systems are scored.
    """

    proc: pd.DataFrame  # see _prepare_procurement
    it: pd.DataFrame  # its IT rows (details.it_rows), filtered once
    indicators: pd.DataFrame  # per ministry: _procurement_indicators


def prepare_procurement(
    procurement: pd.DataFrame | None,
    links: pd.DataFrame | None,
    profile: Any,
) -> PreparedProcurement:
    """The procurement half of :func:`score_ministries` (same parameters)."""
    proc = _prepare_procurement(procurement, links)
    it = it_rows(proc)
    return PreparedProcurement(
        proc, it, _procurement_indicators(proc, it, _profile_section(profile))
    )


def _prepare_systems(inventory: pd.DataFrame | None, systems: pd.DataFrame | None) -> pd.DataFrame:
    """One row per system: inventory fields plus the per-system scores."""
    inv = inventory.copy() if inventory is not None else pd.DataFrame({"system_id": []})
    if "system_id" not in inv.columns:
        inv["system_id"] = pd.Series(dtype="string")
    inv["system_id"] = _str(inv["system_id"])
    inv = inv[inv["system_id"].notna()].drop_duplicates("system_id")
    sysf = systems.copy() if systems is not None else pd.DataFrame({"system_id": []})
    if "system_id" not in sysf.columns:
        sysf["system_id"] = pd.Series(dtype="string")
    sysf["system_id"] = _str(sysf["system_id"])
    sysf = sysf[sysf["system_id"].notna()].drop_duplicates("system_id")
    # Scores come from `systems`; descriptive fields prefer `systems`, fall back to inventory.
    shared = [c for c in sysf.columns if c in inv.columns and c != "system_id"]
    merged = inv.merge(sysf, on="system_id", how="outer", suffixes=("_inv", ""))
    for c in shared:
        merged[c] = merged[c].fillna(merged[f"{c}_inv"]) if len(merged) else merged[c]
        merged = merged.drop(columns=f"{c}_inv")
    m = merged
    m["ministry"] = _str(_col(m, "ministry", "string"))
    for name in ("system_name", "category", "vendor", "candidate_alternatives"):
        m[name] = _str(_col(m, name, "string"))
    for name in ("lockin_score", "spend_total", "replace_priority", "reuse_score"):
        m[name] = pd.to_numeric(_col(m, name, "Float64"), errors="coerce").astype("Float64")
    m["category"] = m["category"].str.lower()
    m["system_name"] = m["system_name"].fillna(m["system_id"])
    return m.reset_index(drop=True)


# --------------------------------------------------------------------------- procurement


def _hhi(df: pd.DataFrame) -> pd.DataFrame:
    """HHI, top supplier and its share per ministry over positive amounts.

    Returns columns ``hhi``, ``top_supplier``, ``top_share`` indexed by ministry;
    ministries with no positive spend to a known supplier are absent (NA later).
    """
    d = df[df["pos_amount"].notna() & df["supplier"].notna()]
    if d.empty:
        return pd.DataFrame(
            {
                "hhi": pd.Series(dtype="Float64"),
                "top_supplier": pd.Series(dtype="string"),
                "top_share": pd.Series(dtype="Float64"),
            }
        )
    # Group by one packed integer (ministry code, supplier code): the same
    # groups, in the same order of appearance, as a two-column group-by on the
    # categoricals, without building a MultiIndex.
    n_s = len(d["supplier"].cat.categories)
    key = (
        d["ministry"].cat.codes.to_numpy().astype(np.int64) * n_s
        + d["supplier"].cat.codes.to_numpy()
    )
    s = d["pos_amount"].groupby(key, sort=False).sum()
    pair = s.index.to_numpy()
    m_code = pair // n_s
    share = (s / s.groupby(m_code, sort=False).transform("sum")).to_numpy(dtype=float)
    hhi = pd.Series(share**2).groupby(m_code, sort=False).sum()
    # Ties broken by supplier name (sorted categories), so row order never
    # changes the result.
    o = np.lexsort((pair % n_s, -share, m_code))
    top = o[np.r_[True, m_code[o][1:] != m_code[o][:-1]]]
    mins = d["ministry"].cat.categories
    hhi_index = pd.CategoricalIndex(mins[hhi.index.to_numpy()], dtype=d["ministry"].dtype)
    top_index = pd.CategoricalIndex(mins[m_code[top]], dtype=d["ministry"].dtype)
    return pd.DataFrame(
        {
            "hhi": pd.Series(hhi.to_numpy(), index=hhi_index, dtype="Float64"),
            "top_supplier": pd.Series(
                d["supplier"].cat.categories[pair[top] % n_s], index=top_index, dtype="string"
            ),
            "top_share": pd.Series(share[top], index=top_index, dtype="Float64"),
        }
    )


def _repeat_pairs(df: pd.DataFrame, days: int, direct: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Buyer→supplier pairs with two awards at most ``days`` apart, per ministry.

    Returns the count over all awards (i077) and over limited/direct awards
    only (``direct``, boolean per row; i180). Ministries with dated awards but
    no such pair get 0; those without dated awards are absent (NA later).

    Rows are sorted once by (ministry, supplier, date); the direct subset keeps
    that order, so the closest two awards of a pair are always neighbours. For
    calendar dates (the usual case) the pair, the day and the direct flag are
    packed into one integer and only the values are sorted: everything needed
    comes back out of the sorted keys, with no gather of the rows.
    """
    mc = df["ministry"].cat.codes.to_numpy().astype(np.int64)
    sc = df["supplier"].cat.codes.to_numpy().astype(np.int64)
    dates = df["date"].to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(dates) & (sc >= 0) & (mc >= 0)
    n_s = len(df["supplier"].cat.categories) + 1
    pair = mc[ok] * n_s + sc[ok]
    d = dates[ok].view(np.int64)
    dr = np.asarray(direct, dtype=bool)[ok]
    day = np.int64(86_400 * 10**9)
    packed = False
    if len(d) and not (d % day).any():
        dd = (d - d.min()) // day
        n_d = int(dd.max()) + 1
        if (int(pair.max()) + 1) * n_d * 2 < 2**62:
            v = np.sort((pair * n_d + dd) * 2 + dr)
            dr, v = (v & 1).astype(bool), v >> 1
            pair, d, limit = v // n_d, v % n_d, np.int64(days)
            packed = True
    if not packed:
        order = np.lexsort((d, pair))
        pair, d, dr = pair[order], d[order], dr[order]
        limit = np.int64(days) * day
    out = []
    for keep in (None, dr):
        p, t = (pair, d) if keep is None else (pair[keep], d[keep])
        if len(p) == 0:
            out.append(pd.Series(dtype="Int64"))
            continue
        close = (p[1:] == p[:-1]) & (np.diff(t) <= limit)
        hit = _sorted_unique(p[1:][close])
        m_all = _sorted_unique(p // n_s)
        counts = np.bincount(hit // n_s, minlength=len(df["ministry"].cat.categories))[m_all]
        mins = df["ministry"].cat.categories[m_all]
        index = pd.CategoricalIndex(mins, dtype=df["ministry"].dtype)
        out.append(pd.Series(counts, index=index, dtype="Int64"))
    return out[0], out[1]


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """Distinct values of an already sorted array (no second sort)."""
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def _plain(x: _PD) -> _PD:
    """``x`` indexed by ministry name as plain text.

    Group-bys on the categorical ministry column give CategoricalIndexes whose
    code width depends on how many ministries there are (int8 up to 127, int16
    beyond) and on how the index was built; pandas refuses to align two of
    them with different code widths. Every per-ministry result is therefore
    indexed by name before it meets another one.
    """
    x = x.copy(deep=False)
    x.index = pd.Index(x.index.astype("string"), dtype="string", name="ministry")
    return x


def _procurement_indicators(
    proc: pd.DataFrame, it: pd.DataFrame, prof: dict[str, Any]
) -> pd.DataFrame:
    """Per-ministry procurement indicators but lock-in exposure (index: ministry);
    ``it`` is ``it_rows(proc)``."""
    g_all = proc.groupby("ministry", sort=False)
    out = _plain(
        pd.DataFrame(
            {
                "spend_total": g_all["amount"].sum(min_count=1),
                "n_contracts": g_all.size(),
                "n_suppliers": g_all["supplier"].nunique(),
            }
        )
    )
    g_it = it.groupby("ministry", sort=False)["amount"]
    out["spend_it"] = _plain(g_it.sum(min_count=1))
    # 0 where the ministry's contracts are none of them IT; unknown where its
    # IT contracts have no known amount (a Paraguayan buyer whose one award
    # is in USD read "IT spend PYG 0" beside its supplier's unknown spend).
    n_it = _plain(g_it.size()).reindex(out.index).fillna(0)
    out["spend_it"] = out["spend_it"].mask(out["spend_it"].isna() & n_it.eq(0), 0.0)
    out["spend_it"] = out["spend_it"].where(out["n_contracts"].gt(0))
    h_it = _plain(_hhi(it))
    out["hhi_all"] = (h_it if it is proc else _plain(_hhi(proc)))["hhi"]
    out["hhi_it"] = h_it["hhi"]
    out["top_supplier"] = h_it["top_supplier"]
    out["top_supplier_share"] = h_it["top_share"]

    # Method: value shares over positive IT amounts.
    known = it["method"].isin(_KNOWN_METHODS)
    nonc = it["method"].isin(_NONCOMPETITIVE)
    val = it["pos_amount"].fillna(0.0)
    linked = it["system_id"].notna()
    # One group-by for every positive-value sum (unlinked share below too).
    frame = pd.DataFrame(
        {
            "ministry": it["ministry"],
            "v": val,
            "v_known": val.where(known, 0.0),
            "v_nonc": val.where(nonc, 0.0),
            "v_unl": val.where(~linked, 0.0),
        }
    )
    sums = _plain(frame.groupby("ministry", sort=False)[["v", "v_known", "v_nonc", "v_unl"]].sum())
    out["noncompetitive_share"] = _safe_ratio(sums["v_nonc"], sums["v_known"])
    out["method_known_share"] = _safe_ratio(sums["v_known"], sums["v"])

    # R018: single bid among competitive procedures with a known number of bids.
    comp = it.loc[
        it["method"].isin(_COMPETITIVE) & it["tenderers"].notna(), ["ministry", "tenderers"]
    ]
    single = (comp["tenderers"] == 1).astype("float64")
    # Award level: each awarded row counts (a process with five awards counts five times).
    out["single_bid_rate"] = _plain(single.groupby(comp["ministry"], sort=False).mean())
    # Process level (Cardinal R018): each process counts once, however many
    # awards or suppliers it has. Tenderers is a process fact in OCDS.
    per_proc = it.loc[comp.index, ["ministry", "process", "tenderers"]].drop_duplicates(
        ["ministry", "process"]
    )
    single_p = (per_proc["tenderers"] == 1).astype("float64")
    out["single_bid_rate_process"] = _plain(
        single_p.groupby(per_proc["ministry"], sort=False).mean()
    )

    # i077 (any award) and i180 (limited/direct awards).
    days = prof["repeat_days"]
    pairs_all, pairs_direct = _repeat_pairs(it, days, nonc.to_numpy(dtype=bool))
    out["repeat_award_pairs"] = _plain(pairs_all)
    out["repeat_direct_pairs"] = _plain(pairs_direct)
    # A ministry whose dated IT awards include no direct ones has 0 direct pairs.
    has_dates = out["repeat_award_pairs"].notna()
    out.loc[has_dates, "repeat_direct_pairs"] = out.loc[has_dates, "repeat_direct_pairs"].fillna(0)

    am = it.loc[it["amendments"].notna(), ["ministry", "amendments"]]
    out["amended_share"] = _plain(
        (am["amendments"] > 0).astype("float64").groupby(am["ministry"], sort=False).mean()
    )
    both = it.loc[
        it["amount"].notna() & it["original_amount"].gt(0).fillna(False),
        ["ministry", "amount", "original_amount"],
    ]
    vg = _plain(both.groupby("ministry", sort=False)[["amount", "original_amount"]].sum())
    out["value_growth"] = _safe_ratio(vg["amount"], vg["original_amount"]) - 1

    out["unlinked_spend_share"] = _safe_ratio(sums["v_unl"], sums["v"])
    return out


def _lockin_exposure(it: pd.DataFrame, sysf: pd.DataFrame, floor: float) -> pd.DataFrame:
    """Linked IT spend weighted by the system's lock-in score, 0-1, and the
    same weighting of the scores' confidence (index: ministry).

    ``exposure`` is unknown (NA) where that confidence is below ``floor``,
    the profile's floor for a known lock-in band: scores resting on too little
    data do not add up to a known exposure (the US IT Dashboard feed, with no
    inventory, has every band unknown). ``linked`` says whether any spend
    linked to a scored system (else the systems' fallback applies).
    """
    by_id = sysf.set_index("system_id")
    sc = it["system_id"].map(by_id["lockin_score"]).astype("Float64")
    conf = it["system_id"].map(_score_confidence(by_id)).astype("Float64").fillna(0)
    ok = sc.notna() & it["pos_amount"].notna()
    amount = it.loc[ok, "pos_amount"].astype("float64")
    w = pd.DataFrame(
        {
            "ministry": it.loc[ok, "ministry"],
            "ws": amount * sc[ok].astype("float64"),
            "wc": amount * conf[ok].astype("float64"),
            "w": amount,
        }
    )
    ws = _plain(w.groupby("ministry", sort=False)[["ws", "wc", "w"]].sum())
    confidence = _safe_ratio(ws["wc"], ws["w"])
    exposure = (_safe_ratio(ws["ws"], ws["w"]) / 100).where(confidence.ge(floor).fillna(False))
    return pd.DataFrame(
        {"exposure": exposure, "confidence": confidence, "linked": ws["w"].gt(0)},
        index=ws.index,
    )


# --------------------------------------------------------------------------- systems


def _system_indicators(sysf: pd.DataFrame, prof: dict[str, Any]) -> pd.DataFrame:
    """Per-ministry indicators computed from the system inventory (index: ministry)."""
    s = sysf[sysf["ministry"].notna()].copy()
    if s.empty:
        return pd.DataFrame(index=pd.Index([], dtype="string", name="ministry"))
    filled = np.column_stack([_filled(_col(s, f, "string")) for f in FACTOR_FIELDS])
    s["_filled"] = filled.mean(axis=1)

    # Open (True) on any positive evidence, closed (False) on negative evidence
    # alone, unknown (NA): one rule shared with the national totals.
    s["_open"] = open_flag(s).astype("Float64")
    s["_open_spend"] = (s["_open"] * s["spend_total"]).where(s["spend_total"].gt(0).fillna(False))
    s["_open_known_spend"] = s["spend_total"].where(
        s["_open"].notna() & s["spend_total"].gt(0).fillna(False)
    )

    export = _str(_col(s, "data_export", "string"), lower=True)
    export_v = export.map({"open-format": 1.0, "proprietary-format": 0.0, "none": 0.0}).astype(
        "Float64"
    )
    itot = pd.to_numeric(_col(s, "interfaces_total", "Int64"), errors="coerce").astype("Float64")
    iopen = pd.to_numeric(_col(s, "interfaces_open", "Int64"), errors="coerce").astype("Float64")
    iface_v = _safe_ratio(iopen, itot).clip(0, 1)
    # System portability: mean of the known parts (export format, open interface share).
    s["_portable"] = (
        pd.concat([export_v, iface_v], axis=1).mean(axis=1, skipna=True).astype("Float64")
    )
    # Unknown where the band is: a ministry whose systems all lack a band has
    # an unknown count of high lock-in, not zero.
    s["_high"] = _is_high(s, prof).astype("Float64").where(_band_known(s))
    s["_sys_w"] = s["spend_total"].where(
        s["spend_total"].gt(0).fillna(False) & s["lockin_score"].notna()
    )
    s["_sys_ws"] = s["_sys_w"] * s["lockin_score"]
    s["_conf"] = _score_confidence(s)
    s["_sys_wc"] = s["_sys_w"] * s["_conf"]
    s["_scored_conf"] = s["_conf"].where(s["lockin_score"].notna())

    g = s.groupby("ministry", sort=False)
    out = pd.DataFrame(
        {
            "n_systems": g.size(),
            "ind_inventory_completeness": g["_filled"].mean(),
            "ind_open_share_systems": g["_open"].mean(),
            "ind_portability": g["_portable"].mean(),
            "n_high_lockin": g["_high"].sum(min_count=1),
        }
    )
    sums = g[["_open_spend", "_open_known_spend", "_sys_ws", "_sys_wc", "_sys_w"]].sum(min_count=1)
    out["ind_open_share_spend"] = _safe_ratio(sums["_open_spend"], sums["_open_known_spend"])
    # Fallback exposure when no procurement spend links to the ministry's systems:
    # system spend-weighted, else the plain mean of its known scores; unknown,
    # as the linked exposure, when the scores' confidence is below the floor.
    spend_w = _safe_ratio(sums["_sys_ws"], sums["_sys_w"]) / 100
    weighted = spend_w.notna()
    fallback = spend_w.fillna(g["lockin_score"].mean().astype("Float64") / 100)
    confidence = _safe_ratio(sums["_sys_wc"], sums["_sys_w"]).where(
        weighted, g["_scored_conf"].mean().astype("Float64")
    )
    out["_exposure_fallback"] = fallback.where(
        confidence.ge(prof["band_min_confidence"]).fillna(False)
    )
    out["_exposure_basis"] = pd.Series("system spend", index=out.index, dtype="string").where(
        weighted, pd.Series("unweighted", index=out.index, dtype="string")
    )
    return out


# --------------------------------------------------------------------------- questionnaire


def _questionnaire_groups(questionnaire: pd.DataFrame | None) -> pd.DataFrame:
    """Group scores per ministry: yes 1, partly 0.5, no 0, unknown/missing NA."""
    cols = [f"q_{g}" for g in QUESTION_GROUPS]
    if questionnaire is None or len(questionnaire) == 0:
        return pd.DataFrame(columns=cols, dtype="Float64")
    q = pd.DataFrame(
        {
            "ministry": _str(questionnaire["ministry"]),
            "point": _str(questionnaire["point"]).str.upper(),
            "answer": _str(questionnaire["answer"]).str.lower(),
        }
    )
    q = q[q["ministry"].notna()]
    q["group"] = q["point"].map(_question_groups())
    q["value"] = q["answer"].map(_ANSWER_VALUE).astype("Float64")
    # Keep every ministry (a ministry that only answered "unknown" is still listed).
    wide = (
        q.dropna(subset=["group"])
        .pivot_table(index="ministry", columns="group", values="value", aggfunc="mean")
        .reindex(columns=list(QUESTION_GROUPS))
    )
    wide.columns = cols
    wide = wide.reindex(pd.Index(q["ministry"].unique(), name="ministry")).astype("Float64")
    return wide


# --------------------------------------------------------------------------- opportunities

_OPP_COLUMNS: dict[str, TableDtype] = {
    "kind": "string",
    "rank": "Int64",
    "ministry": "string",
    "category": "string",
    "system_id": "string",
    "system_name": "string",
    "description": "string",
    "value": "Float64",
    "ministries": "string",
    "n_ministries": "Int64",
    "n_systems": "Int64",
    "vendors": "string",
    "n_vendors": "Int64",
    "spend_at_stake": "Float64",
    "alternatives": "string",
    "vendor": "string",
    "end_date": "datetime64[ns]",
    "months_to_end": "Float64",
    "window": "Int64",
    "lockin_score": "Float64",
    "spend_total": "Float64",
    "replace_priority": "Float64",
    "source": "string",
    "n_ending": "Int64",
}


def _conform(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for c, dtype in _OPP_COLUMNS.items():
        out[c] = (
            df[c].astype(dtype)
            if c in df.columns
            else pd.Series(
                pd.NA if dtype != "datetime64[ns]" else pd.NaT, index=df.index, dtype=dtype
            )
        )
    return out


def _duplication(sysf: pd.DataFrame) -> pd.DataFrame:
    """Categories that two or more ministries run systems for."""
    s = sysf[sysf["ministry"].notna() & sysf["category"].notna() & sysf["category"].ne("other")]
    if s.empty:
        return _conform(pd.DataFrame())
    g = s.groupby("category", sort=True)
    d = pd.DataFrame(
        {
            "n_ministries": g["ministry"].nunique(),
            "n_systems": g.size(),
            "n_vendors": g["vendor"].nunique(),
            "spend_at_stake": g["spend_total"].sum(min_count=1),
        }
    )
    d = d[d["n_ministries"] >= 2]
    if d.empty:
        return _conform(pd.DataFrame())
    s = s[s["category"].isin(d.index)]
    d["ministries"] = _join_per_category(s, "ministry")
    d["vendors"] = _join_per_category(s, "vendor")
    d["alternatives"] = _join_per_category(s, "candidate_alternatives")
    d = d.reset_index()
    d["kind"] = "duplication"
    d["value"] = d["spend_at_stake"]
    alt = d["alternatives"].astype("string")
    # Descriptions open with fixed words, never with input text (no formula injection).
    d["description"] = (
        "Same category ("
        + d["category"].astype("string")
        + ") in "
        + d["n_ministries"].astype("string")
        + " ministries: "
        + d["ministries"].astype("string")
        + "; "
        + d["n_vendors"].astype("string")
        + " vendor(s); spend at stake "
        + _fmt_money(d["spend_at_stake"])
        + (("; open alternatives: " + alt).fillna(""))
    )
    d = d.sort_values(
        ["value", "n_ministries", "category"],
        ascending=[False, False, True],
        na_position="last",
        kind="stable",
    )
    d["rank"] = np.arange(1, len(d) + 1)
    return _conform(d)


def _exit_windows(
    ends: pd.DataFrame, sysf: pd.DataFrame, prof: dict[str, Any], as_of: dt.date
) -> pd.DataFrame:
    """Contracts of high-lock-in systems ending within the profile's windows.

    ``ends`` is :func:`.details.contract_ends`, the one source of contract end
    dates (the reports' exit-window table reads the same).
    """
    high = sysf[_is_high(sysf, prof)]
    keep = [
        "system_id",
        "system_name",
        "ministry",
        "category",
        "vendor",
        "lockin_score",
        "spend_total",
        "candidate_alternatives",
    ]
    high = high[keep]
    start = pd.Timestamp(as_of)
    last = start + pd.DateOffset(months=max(prof["windows"])) + pd.Timedelta(days=1)
    ends = ends[
        ends["system_id"].isin(high["system_id"].astype("string"))
        & ends["end_date"].ge(start)
        & ends["end_date"].le(last)
    ].copy()
    if ends.empty:
        return _conform(pd.DataFrame())
    ends = ends[ends["end_date"] >= start]
    window = pd.Series(pd.NA, index=ends.index, dtype="Int64")
    for m in reversed(prof["windows"]):  # smallest window wins
        window[ends["end_date"] <= start + pd.DateOffset(months=m)] = m
    ends["window"] = window
    ends = ends[ends["window"].notna()]
    # One exit decision per system and buyer: its earliest ending contract
    # (procurement before an inventory date it repeats); ``n_ending`` counts
    # the distinct end dates within the windows.
    for c in ("system_id", "buyer", "source", "contract_vendor"):
        ends[c] = ends[c].astype("string")  # categorical in ``contract_ends``
    n_ending = ends.groupby(["system_id", "buyer"])["end_date"].nunique().rename("n_ending")
    ends = ends.sort_values(
        ["system_id", "buyer", "end_date", "source"],
        ascending=[True, True, True, False],
        kind="stable",
    ).drop_duplicates(["system_id", "buyer"])
    ends = ends.join(n_ending, on=["system_id", "buyer"])
    e = ends.merge(high, on="system_id", how="left")
    e["ministry"] = e["buyer"].fillna(e["ministry"])
    e["vendor"] = _col(e, "contract_vendor", "string").fillna(e["vendor"])
    e["months_to_end"] = ((e["end_date"] - start).dt.days / (365.25 / 12)).round(1)
    e["alternatives"] = e["candidate_alternatives"]
    e["value"] = e["spend_total"].fillna(_col(e, "pos_amount", "Float64"))
    e["kind"] = "exit_window"
    e["description"] = (
        "Plan the exit from "
        + e["system_name"].astype("string")
        + " (contract ends "
        + e["end_date"].dt.strftime("%Y-%m").astype("string")
        + ", lock-in "
        + e["lockin_score"].round(0).astype("Int64").astype("string")
        + ")"
        + ("; alternatives: " + e["alternatives"].astype("string")).fillna("")
    )
    e = e.sort_values(
        ["window", "lockin_score", "value", "end_date", "system_id"],
        ascending=[True, False, False, True, True],
        na_position="last",
        kind="stable",
    )
    e["rank"] = np.arange(1, len(e) + 1)
    return _conform(e)


def _replacements(sysf: pd.DataFrame, prof: dict[str, Any]) -> pd.DataFrame:
    """High-lock-in systems with a candidate open-source alternative."""
    r = sysf[sysf["candidate_alternatives"].notna() & _is_high(sysf, prof)].copy()
    if r.empty:
        return _conform(pd.DataFrame())
    r["kind"] = "replacement"
    r["alternatives"] = r["candidate_alternatives"]
    r["value"] = r["spend_total"]
    r["description"] = (
        "Replace or complement "
        + r["system_name"].astype("string")
        + " (lock-in "
        + r["lockin_score"].round(0).astype("Int64").astype("string")
        + ") with "
        + r["alternatives"].astype("string")
    )
    r = r.sort_values(
        ["replace_priority", "lockin_score", "value", "system_id"],
        ascending=[False, False, False, True],
        na_position="last",
        kind="stable",
    )
    r["rank"] = np.arange(1, len(r) + 1)
    return _conform(r)


# --------------------------------------------------------------------------- readiness


def _readiness(m: pd.DataFrame, prof: dict[str, Any]) -> pd.DataFrame:
    """Add readiness score, confidence and stage to the ministry table."""
    weights = prof["weights"]
    total_w = sum(weights.values())
    num = pd.Series(0.0, index=m.index)
    known_w = pd.Series(0.0, index=m.index)
    for name in INDICATORS:
        ind = m[f"ind_{name}"].astype("Float64")
        w = weights.get(name, 0.0)
        num = num + (ind * w).fillna(0.0).astype("float64")
        known_w = known_w + ind.notna().astype("float64") * w
    m["readiness_score"] = _safe_ratio(num, known_w)
    m["readiness_confidence"] = (known_w / total_w if total_w else known_w * np.nan).astype(
        "Float64"
    )
    score = m["readiness_score"].astype("float64").to_numpy()
    # Stage = number of cut-offs reached (a score equal to a cut-off reaches it).
    stage = np.searchsorted(np.asarray(prof["cutoffs"]), score, side="right")
    m["readiness_stage"] = pd.array(stage, dtype="Int64")
    # Like lock-in bands: a stage resting on too little of the weight is unknown
    # (one indicator out of eight must not read as "4 · strategic").
    thin = m["readiness_confidence"].lt(prof["min_confidence"]).fillna(True)
    m.loc[m["readiness_score"].isna() | thin, "readiness_stage"] = pd.NA
    names = pd.Series(prof["stage_names"], dtype="string")
    m["readiness_stage_name"] = m["readiness_stage"].map(names).astype("string").fillna("unknown")
    return m


def _top_per_ministry(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` highest-``_p`` rows per ministry, one per system (cheap before text work)."""
    df = df.sort_values(
        ["ministry", "_p", "system_id"], ascending=[True, False, True], kind="stable"
    )
    df = df.drop_duplicates(["ministry", "system_id"])
    return df[df.groupby("ministry", sort=False).cumcount() < n]


def _exit_actions(opp: pd.DataFrame, windows: list[int]) -> pd.DataFrame | None:
    """Exit candidates: the two most locked-in systems per ministry with a contract ending."""
    ex = opp[opp["kind"].eq("exit_window") & opp["ministry"].notna()]
    if not len(ex):
        return None
    factor = ex["window"].map({w: 1.0 - 0.1 * i for i, w in enumerate(windows)}).astype(float)
    ex = _top_per_ministry(ex.assign(_p=ex["lockin_score"].astype(float) / 100 * factor), 2)
    return pd.DataFrame(
        {
            "ministry": ex["ministry"],
            "kind": "exit",
            "key": ex["system_id"],
            "priority": ex["_p"],
            "text": ex["description"].str.split("; alternatives").str[0],
        }
    )


def _replacement_actions(opp: pd.DataFrame) -> pd.DataFrame | None:
    """Replacement candidates: high lock-in systems with an open alternative."""
    rp = opp[opp["kind"].eq("replacement") & opp["ministry"].notna()]
    if not len(rp):
        return None
    # Up to two exits may name the same systems: keep enough to still have two.
    rp = _top_per_ministry(rp.assign(_p=rp["lockin_score"].astype(float)), 4)
    return pd.DataFrame(
        {
            "ministry": rp["ministry"],
            "kind": "replacement",
            "key": rp["system_id"],
            "priority": 0.7 * rp["lockin_score"].astype(float) / 100,
            "text": "Evaluate "
            + rp["alternatives"].str.replace("; ", ", ", regex=False)
            + " to replace "
            + rp["system_name"]
            + " (lock-in "
            + rp["lockin_score"].round(0).astype("Int64").astype("string")
            + ")",
        }
    )


def _indicator_actions(m: pd.DataFrame) -> list[pd.DataFrame]:
    """Readiness candidates: one per weak indicator (below 0.5) per ministry."""
    out = []
    for name, template in _INDICATOR_ACTIONS.items():
        col = name if name.startswith("q_") else f"ind_{name}"
        v = m[col].astype("Float64")
        weak = v.lt(0.5).fillna(False)
        if not weak.any():
            continue
        sub = m[weak]
        if name == "lockin_exposure":
            lk = (sub["lockin_exposure"].astype("Float64") * 100).round(0).astype("Int64")
            text = "Reduce lock-in exposure (spend-weighted lock-in " + lk.astype("string") + ")"
        elif name == "supplier_hhi":
            text = (
                "Diversify IT suppliers ("
                + sub["top_supplier"].astype("string").fillna("one supplier")
                + " holds "
                + _fmt_pct(sub["top_supplier_share"]).fillna("most")
                + " of IT spend)"
            )
        elif name == "competitive_share":
            text = (
                "Tender competitively ("
                + _fmt_pct(sub["noncompetitive_share"])
                + " of IT spend awarded limited/direct)"
            )
        else:
            head, _, tail = template.partition("{v}")
            text = head + _fmt_pct(v[weak]) + tail if _ else pd.Series(template, index=sub.index)
        out.append(
            pd.DataFrame(
                {
                    "ministry": sub["ministry"],
                    "kind": "indicator",
                    "key": name,
                    "priority": (1 - v[weak]).astype(float),
                    "text": text,
                }
            )
        )
    return out


def _duplication_actions(opp: pd.DataFrame) -> pd.DataFrame | None:
    """Sharing candidates: each ministry of a duplicated category, naming its partners."""
    # Only the columns used: the vendor lists of a category can be long, and
    # exploding per ministry pair would copy them many times.
    dup = opp.loc[
        opp["kind"].eq("duplication"),
        ["category", "ministries", "n_ministries", "rank", "spend_at_stake"],
    ]
    if not len(dup):
        return None
    d = dup.assign(member=dup["ministries"].str.split("; ")).explode("member")
    pairs = d.assign(other=d["ministries"].str.split("; ")).explode("other")
    pairs = pairs[pairs["member"] != pairs["other"]]
    # Name at most three partners, then "and N more".
    grp = pairs.groupby(["category", "member"], sort=True)
    n_more = (grp["other"].size() - 3).clip(lower=0)
    shown = pairs[grp.cumcount() < 3].groupby(["category", "member"])["other"].agg(", ".join)
    others: pd.Series = shown + np.where(n_more > 0, " and " + n_more.astype(str) + " more", "")
    d = d.join(others.rename("others"), on=["category", "member"])
    return pd.DataFrame(
        {
            "ministry": d["member"],
            "kind": "duplication",
            "key": "dup:" + d["category"],
            # Bigger shared spend first among duplication actions.
            "priority": 0.4 - 0.001 * d["rank"].astype(float),
            "text": "Explore one shared "
            + d["category"]
            + " system with "
            + d["others"].astype("string")
            # Government-wide, not this ministry's: say so.
            + " (spend at stake across the "
            + d["n_ministries"].astype("Int64").astype("string")
            + " ministries: "
            + _fmt_money(d["spend_at_stake"])
            + ")",
        }
    )


def _data_actions(m: pd.DataFrame, min_confidence: float) -> pd.DataFrame | None:
    """Missing-data candidates: ministries whose readiness rests on too little data."""
    low_conf = m["readiness_confidence"].lt(min_confidence).fillna(False)
    if not low_conf.any():
        return None
    sub = m[low_conf]
    return pd.DataFrame(
        {
            "ministry": sub["ministry"],
            "kind": "data",
            "key": "data",
            "priority": 0.45,
            "text": "Collect the missing data (readiness rests on "
            + _fmt_pct(sub["readiness_confidence"])
            + " of the indicators)",
        }
    )


def _actions(
    m: pd.DataFrame, opportunities: pd.DataFrame, windows: list[int], min_confidence: float = 0.5
) -> pd.Series:
    """The three actions per ministry, "; "-joined (texts use "," inside).

    Candidates fall in three families: systems (exit windows, priority
    ``lockin/100 × 1, 0.9, 0.8`` for the 1st/2nd/3rd window; replacements
    ``0.7 × lockin/100``), readiness (weak indicators below 0.5, priority
    ``1 − value``; missing data when confidence < 0.5, 0.45) and sharing
    (duplicated categories, largest spend first). The best of each family is
    taken first, then the next best, so the three actions mix an exit or
    replacement, a readiness gap and a reuse opportunity whenever all exist.
    One action per system or indicator.
    """
    opp = opportunities
    found = [
        _exit_actions(opp, windows),
        _replacement_actions(opp),
        *_indicator_actions(m),
        _duplication_actions(opp),
        _data_actions(m, min_confidence),
    ]
    cand = [c for c in found if c is not None]
    if not cand:
        return pd.Series(pd.NA, index=m.index, dtype="string")
    c = pd.concat(cand, ignore_index=True)
    c = c[c["ministry"].notna() & c["text"].notna()]
    c = c.sort_values(
        ["ministry", "priority", "kind", "key"], ascending=[True, False, True, True], kind="stable"
    )
    c = c.drop_duplicates(["ministry", "key"])  # one action per system / indicator
    family = c["kind"].map(
        {"exit": 0, "replacement": 0, "indicator": 1, "data": 1, "duplication": 2}
    )
    c["round"] = c.groupby([c["ministry"], family], sort=False).cumcount()
    c = c.sort_values(
        ["ministry", "round", "priority", "key"], ascending=[True, True, False, True], kind="stable"
    )
    c = c[c.groupby("ministry", sort=False).cumcount() < 3]
    joined = c.groupby("ministry", sort=False)["text"].agg("; ".join)
    return m["ministry"].map(joined).astype("string")


# --------------------------------------------------------------------------- entry point

_MINISTRY_COLUMNS: dict[str, TableDtype] = {
    "ministry": "string",
    "n_systems": "Int64",
    "spend_total": "Float64",
    "spend_it": "Float64",
    "n_contracts": "Int64",
    "n_suppliers": "Int64",
    "hhi_all": "Float64",
    "hhi_it": "Float64",
    "hhi_band": "string",
    "top_supplier": "string",
    "top_supplier_share": "Float64",
    "noncompetitive_share": "Float64",
    "method_known_share": "Float64",
    "single_bid_rate": "Float64",
    "single_bid_rate_process": "Float64",
    "repeat_award_pairs": "Int64",
    "repeat_direct_pairs": "Int64",
    "amended_share": "Float64",
    "value_growth": "Float64",
    "unlinked_spend_share": "Float64",
    "lockin_exposure": "Float64",
    "lockin_exposure_basis": "string",
    "n_high_lockin": "Int64",
    **{f"ind_{name}": "Float64" for name in INDICATORS[:-1]},
    **{f"q_{g}": "Float64" for g in QUESTION_GROUPS},
    "ind_questionnaire": "Float64",
    "readiness_score": "Float64",
    "readiness_confidence": "Float64",
    "readiness_stage": "Int64",
    "readiness_stage_name": "string",
    "actions": "string",
}


def _ministry_index(proc: pd.DataFrame, sysf: pd.DataFrame, qgroups: pd.DataFrame) -> pd.Index:
    """Every ministry named in procurement, the systems or the questionnaire, sorted."""
    names = pd.concat(
        [
            # Categories, not rows: each category is a ministry of some row.
            pd.Series(proc["ministry"].cat.categories, dtype="string"),
            sysf["ministry"],
            pd.Series(qgroups.index, dtype="string"),
        ]
    ).dropna()
    return pd.Index(sorted(names.unique()), dtype="string", name="ministry")


def _set_exposure(m: pd.DataFrame) -> None:
    """Lock-in exposure from linked spend, else (no spend links to a scored
    system) the systems' fallback; and its basis."""
    basis = pd.Series(pd.NA, index=m.index, dtype="string")
    basis[m["lockin_exposure"].notna()] = "linked spend"
    # Linked spend whose scores rest on too little data stays unknown: the
    # same systems' unweighted scores would not know more.
    linked = m["_exposure_linked"].astype("boolean").fillna(False)
    fallback = m["lockin_exposure"].isna() & ~linked & m["_exposure_fallback"].notna()
    basis[fallback] = m.loc[fallback, "_exposure_basis"]
    m["lockin_exposure"] = (
        m["lockin_exposure"]
        .astype("Float64")
        .fillna(m["_exposure_fallback"].astype("Float64").where(fallback))
    )
    m["lockin_exposure_basis"] = basis


def _hhi_band(hhi: pd.Series, bands: list[float]) -> pd.Series:
    """``low`` / ``moderate`` / ``high`` supplier concentration (NA when unknown)."""
    lo, hi = bands
    band = pd.Series(pd.NA, index=hhi.index, dtype="string")
    band[hhi.lt(lo).fillna(False)] = "low"
    band[hhi.ge(lo).fillna(False) & hhi.le(hi).fillna(False)] = "moderate"
    band[hhi.gt(hi).fillna(False)] = "high"
    return band


def _indicator_table(
    pp: PreparedProcurement,
    sysf: pd.DataFrame,
    qgroups: pd.DataFrame,
    index: pd.Index,
    prof: dict[str, Any],
) -> pd.DataFrame:
    """One row per ministry of ``index``: procurement, system and questionnaire indicators."""
    m = pd.DataFrame(index=index)
    exposure = _lockin_exposure(pp.it, sysf, prof["band_min_confidence"])
    pind = pp.indicators.assign(
        lockin_exposure=exposure["exposure"], _exposure_linked=exposure["linked"]
    )
    m = m.join(pind.rename_axis("ministry"))
    m = m.join(_system_indicators(sysf, prof).rename_axis("ministry"))
    m = m.join(qgroups.rename_axis("ministry"))
    for c in ("n_systems", "n_contracts", "n_suppliers"):
        m[c] = m[c].fillna(0) if c in m.columns else 0
    for c in _MINISTRY_COLUMNS:
        if c not in m.columns and c != "ministry":
            m[c] = pd.NA
    for c in ("_exposure_fallback", "_exposure_basis"):
        if c not in m.columns:
            m[c] = pd.Series(pd.NA, index=m.index, dtype="Float64" if "fall" in c else "string")
    m["spend_total"] = m["spend_total"].where(m["n_contracts"].gt(0))
    # A ministry with no systems has none at high lock-in (a known zero).
    m["n_high_lockin"] = m["n_high_lockin"].astype("Float64").mask(m["n_systems"].eq(0), 0)
    _set_exposure(m)

    hhi = m["hhi_it"].astype("Float64")
    m["hhi_band"] = _hhi_band(hhi, prof["hhi_bands"])
    m["ind_lockin_exposure"] = 1 - m["lockin_exposure"].astype("Float64")
    m["ind_supplier_hhi"] = 1 - hhi
    m["ind_competitive_share"] = 1 - m["noncompetitive_share"].astype("Float64")
    qcols = [f"q_{g}" for g in QUESTION_GROUPS]
    m["ind_questionnaire"] = m[qcols].astype("Float64").mean(axis=1, skipna=True)
    return m.reset_index()


def _opportunities(
    sysf: pd.DataFrame, ends: pd.DataFrame, prof: dict[str, Any], as_of: dt.date
) -> pd.DataFrame:
    """Duplication, exit-window and replacement opportunities, ranked within each kind."""
    found = pd.concat(
        [_duplication(sysf), _exit_windows(ends, sysf, prof, as_of), _replacements(sysf, prof)],
        ignore_index=True,
    )
    return _conform(found).reset_index(drop=True)


def score_ministries(
    inventory: pd.DataFrame | None,
    procurement: pd.DataFrame | None,
    links: pd.DataFrame | None,
    systems: pd.DataFrame | None,
    questionnaire: pd.DataFrame | None,
    profile: Any,
    as_of: dt.date,
    factors: pd.DataFrame | None = None,
    prepared: PreparedProcurement | Background[PreparedProcurement] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Callable[[], dict[str, pd.DataFrame]]]:
    """Score every ministry and list cross-ministry and exit opportunities.

    Parameters
    ----------
    inventory, procurement : DataFrame or None
        Canonical tables (see :mod:`ospo_analytics._clean.schema`).
    links : DataFrame or None
        ``proc_index`` (position in ``procurement``), ``system_id`` (NA when
        unlinked), ``link_method``, ``link_confidence``. ``None`` means no
        linking step ran: the procurement's own ``system_id`` is used.
    systems : DataFrame or None
        Per-system scores: ``system_id, system_name, ministry, category,
        vendor, lockin_score, spend_total, candidate_alternatives`` (optional
        ``replace_priority``).
    questionnaire : DataFrame or None
        ``ministry, point, answer`` (yes / partly / no / unknown).
    profile : object
        Scoring profile; ``profile.data`` (or the object itself, if a dict)
        holds the ``procurement`` and ``readiness`` sections. Missing keys take
        the packaged ``profile.toml`` values.
    as_of : datetime.date
        Analysis date; exit windows count forward from it.
    factors : DataFrame, optional
        The scorer's long factor table (for ``factor_coverage``).
    prepared : PreparedProcurement or Background of it, optional
        :func:`prepare_procurement` of ``procurement`` and ``links``, made
        beforehand (the scorer makes it while it scores the systems); the
        two tables are then not read again.

    Returns
    -------
    ministries : DataFrame
        One row per ministry found in any input, sorted by name.
    opportunities : DataFrame
        ``kind`` in ``duplication``, ``exit_window``, ``replacement``; ``rank``
        runs within each kind (1 = first to act on).
    make_details : callable
        Makes the detail tables of :mod:`.details` (suppliers, competition,
        system ends, factor coverage, national totals) when called. Only the
        reports read them, so an analyst who scores in a notebook and looks
        at the systems does not wait for them (about a third of the scoring
        work on a national feed).

    Raises
    ------
    ValueError
        When a profile value is unusable (the message names the key).
    """
    prof = _profile_section(profile)
    sysf = _prepare_systems(inventory, systems)
    qgroups = _questionnaire_groups(questionnaire)
    if isinstance(prepared, Background):
        prepared = prepared.result()
    pp = prepared or prepare_procurement(procurement, links, profile)
    proc = pp.proc
    index = _ministry_index(proc, sysf, qgroups)
    ends = contract_ends(proc, sysf)
    # The opportunities and the indicators read the same prepared tables:
    # on a second core they overlap.
    found = Background(_opportunities, sysf, ends, prof, as_of)
    m = _readiness(_indicator_table(pp, sysf, qgroups, index, prof), prof)
    opportunities = found.result()

    m["actions"] = _actions(m, opportunities, prof["windows"], prof["min_confidence"])
    ministries = pd.DataFrame({c: m[c].astype(dtype) for c, dtype in _MINISTRY_COLUMNS.items()})
    n_ministries = len(index)

    def make_details() -> dict[str, pd.DataFrame]:
        return ministry_details(pp.it, sysf, ends, factors, as_of, n_ministries)

    return ministries, opportunities, make_details
