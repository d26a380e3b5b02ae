"""Per-system scoring: lock-in factors L1-L13, reuse factors R1-R12, explanations.

Every factor is a number 0-1 or unknown (NaN). A score is the weighted mean of
the known factors (x100); ``confidence`` is the share of the weight resting on
known factors; ``lockin_low`` / ``lockin_high`` set every unknown to 0 / 1 over
all weights, so they bracket the score and widen as data goes missing.

Procurement factors are computed with group-bys over integer codes of the
linked rows, so the cost is a few sorts of the procurement table whatever the
number of systems; strings are built once per system, never per contract, with
pyarrow compute on whole columns (texts that depend on a few codes are picked
from a small dictionary instead of concatenated row by row).

Sensitivity: ``systems`` carries ``lockin_rank`` (competition rank of
``lockin_score``, 1 = most locked in), ``rank_min`` / ``rank_max`` (its range
over the profile's weights and ``[sensitivity] n`` seeded draws of every
lock-in weight in ``w·[1 ± spread]``) and ``p_top10`` (share of draws ranking
within ``[sensitivity] top``). Draws are scored in float32 in chunks (ranked by
sorting, or above ~5,000 systems by binning at 0.0015-point resolution), so
memory stays small; for big
inventories the number of draws is lowered automatically so that draws ×
ranked systems stays within ``[sensitivity] max_cells`` (2,000,000 by default:
all 200 draws up to 10,000 systems, 40 draws for 50,000). ``systems.attrs
["sensitivity"]["n_draws"]`` says how many were used. See :func:`rank_ranges`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from .._clean.cells import is_open_licence
from .._clean.schema import CROSS_CUTTING, empty_frame
from .._config import ConfigError
from .._lanes import Background
from .alternatives import alternatives_for
from .details import TableDtype
from .link import link_positions
from .ministries import prepare_procurement, score_ministries
from .profile import LOCKIN_FACTORS, REUSE_FACTORS, Profile, load_profile

if TYPE_CHECKING:
    from .result import ScoreResult

SYSTEM_COLUMNS = (
    "system_id",
    "system_name",
    "ministry",
    "category",
    "vendor",
    "lockin_score",
    "lockin_low",
    "lockin_high",
    "lockin_commercial",
    "lockin_technical",
    "lockin_sovereignty",
    "reuse_score",
    "replace_priority",
    "confidence",
    "red_flags",
    "top_drivers",
    "spend_total",
    "n_contracts",
    "candidate_alternatives",
    "lockin_band",
    "lockin_rank",
    "rank_min",
    "rank_max",
    "p_top10",
)
FACTOR_COLUMNS = (
    "system_id",
    "factor",
    "name",
    "group",
    "value",
    "weight",
    "contribution",
    "known",
    "evidence",
)


class ScoreInputError(ConfigError):
    """A problem in the tables given to :func:`score` (reported without a traceback)."""


# --------------------------------------------------------------------------- helpers


def _get(df: pd.DataFrame, col: str, dtype: TableDtype) -> pd.Series:
    """Column ``col`` as ``dtype``, or an all-NA column when absent."""
    if col in df.columns:
        s = df[col]
        if str(s.dtype) != dtype:
            try:
                s = s.astype(dtype)
            except (TypeError, ValueError) as exc:
                raise ScoreInputError(f"column {col!r} cannot be read as {dtype}: {exc}") from None
        return s.reset_index(drop=True)
    return pd.Series(pd.NA, index=pd.RangeIndex(len(df)), dtype=dtype)


def _f(s: pd.Series) -> np.ndarray:
    """Nullable numeric/boolean Series -> float ndarray with NaN for NA."""
    return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _txt(a: Any) -> pd.Series:
    return pd.Series(a, dtype="string").reset_index(drop=True)


# Text is built with pyarrow compute on whole columns: one C++ call per
# concatenation instead of pandas' per-operation alignment and NA handling.
# pandas keeps text as large_string, so every piece is large_string too.
_T = pa.large_string()
_NULL = pa.scalar(None, _T)


def _arrow(x: Any) -> Any:
    """Text column (Series, array, list) or str as a pyarrow (chunked) array / scalar."""
    if isinstance(x, str):
        return pa.scalar(x, _T)
    if isinstance(x, pa.Array | pa.ChunkedArray | pa.Scalar):
        return x if x.type == _T else x.cast(_T)
    if isinstance(x, pd.Series):
        x = x.array
    if not isinstance(x, pd.arrays.ArrowStringArray):
        x = pd.array(x, dtype="string")
    a = pa.array(x)
    return a if a.type == _T else a.cast(_T)


def _flat(a: Any) -> pa.Array:
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _series(a: Any) -> pd.Series:
    """pyarrow string (chunked) array -> string Series with a RangeIndex."""
    return pd.Series(pd.arrays.ArrowStringArray(a if a.type == _T else a.cast(_T)))


def _cat_txt(*parts: Any) -> pd.Series:
    """``parts[0] + parts[1] + ...`` on text columns / strings; NA if any part is NA."""
    return _series(pc.binary_join_element_wise(*[_arrow(x) for x in parts], _arrow("")))


def _choose(codes: np.ndarray, labels: list[str]) -> pd.Series:
    """``labels[code]`` per row (NA for code -1): one dictionary cast, no per-row strings."""
    codes = np.asarray(codes, dtype=np.int32)
    idx = pa.array(np.maximum(codes, 0), mask=codes < 0)
    return _series(pa.DictionaryArray.from_arrays(idx, pa.array(labels, _T)).cast(_T))


def _select_txt(conds: list[np.ndarray], labels: list[str], default: str) -> pd.Series:
    """Text twin of ``np.select(conds, labels, default)``."""
    return _choose(np.select(conds, list(range(len(labels))), len(labels)), [*labels, default])


def _int_txt(x: np.ndarray) -> pd.Series:
    """Whole numbers as text; NA for NaN."""
    x = np.asarray(x, float)
    ok = ~np.isnan(x)
    return _series(pa.array(np.where(ok, x, 0).astype(np.int64), mask=~ok).cast(_T))


def _pct(x: np.ndarray) -> pd.Series:
    return _int_txt(np.round(np.asarray(x, float) * 100))


def _num_txt(x: np.ndarray) -> pd.Series:
    return _int_txt(x)


def _money(x: np.ndarray) -> pd.Series:
    """Compact amounts: 950, 12.3k, 4.5M, 1.2bn (one string per system).

    Same text as ``f"{v:.1f}"`` (``.0f`` below 1000): rounded with integer
    arithmetic, and with Python's formatting for the rare values where the
    two could differ (near a half, negative, not finite).
    """
    x = np.asarray(x, float)
    ax = np.abs(x)
    div = np.select([ax >= 1e9, ax >= 1e6, ax >= 1e3], [1e9, 1e6, 1e3], 1.0)
    suf = np.select([ax >= 1e9, ax >= 1e6, ax >= 1e3], ["bn", "M", "k"], "")
    val = x / div
    digits = np.where(div > 1, 1, 0)
    scaled = val * np.where(div > 1, 10.0, 1.0)
    with np.errstate(invalid="ignore"):
        frac = scaled - np.floor(scaled)
        slow = ~np.isfinite(x) | (x < 0) | (np.abs(frac - 0.5) < 1e-6) | (ax >= 1e15)
    r = np.where(slow, 0, np.round(np.where(slow, 0, scaled))).astype(np.int64)
    one = digits == 1
    tail = pc.if_else(one, _arrow(_cat_txt(".", _int_txt(r % 10))), _arrow(""))
    sfx = _choose(np.select([ax >= 1e9, ax >= 1e6, ax >= 1e3], [3, 2, 1], 0), ["", "k", "M", "bn"])
    out = _arrow(_cat_txt(_int_txt(np.where(one, r // 10, r)), tail, sfx))
    if slow.any():  # few rows: exact Python formatting
        fix = [
            f"{v:.{d}f}{u}" if np.isfinite(v) else "?"
            for v, d, u in zip(val[slow], digits[slow], suf[slow], strict=True)
        ]
        out = pc.replace_with_mask(_flat(out), pa.array(slow), pa.array(fix, _T))
    return _series(out)


def _join(parts: list[pd.Series], sep: str = "; ") -> pd.Series:
    """Join per-row text pieces, skipping NA/empty ones; NA when nothing is left."""
    out = None
    for p in parts:
        p = pc.fill_null(_arrow(p), pa.scalar("", _T))
        if out is None:
            out = p
            continue
        both = pc.and_(pc.not_equal(out, ""), pc.not_equal(p, ""))
        sp = pc.if_else(both, pa.scalar(sep, _T), pa.scalar("", _T))
        out = pc.binary_join_element_wise(out, sp, p, pa.scalar("", _T))
    if out is None:
        return _txt([])
    return _series(pc.if_else(pc.equal(out, ""), pa.scalar(None, _T), out))


def _after(prefix: Any, known: np.ndarray, text: Any, fallback: Any) -> pd.Series:
    """``prefix; text`` (``fallback`` where not ``known``); ``prefix`` alone if that is NA.

    ``_join([prefix, ...])`` for a prefix that is never empty and pieces that
    are never "": one concatenation instead of the general skip logic.
    """
    body = pc.if_else(known, _arrow(text), _arrow(fallback))
    joined = pc.binary_join_element_wise(_arrow(prefix), body, _arrow("; "))
    return _series(pc.fill_null(joined, _arrow(prefix)))


def _quote(s: pd.Series) -> pd.Series:
    q = pc.binary_join_element_wise(_arrow("'"), _arrow(s), _arrow("'"), _arrow(""))
    return _series(pc.fill_null(q, _arrow("unknown")))


def _by_unique(s: pd.Series, fn: Any) -> np.ndarray:
    """``fn`` (text Series -> float array) evaluated on the distinct values only."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    vals = np.append(np.asarray(fn(pd.Series(uniq, dtype="string")), dtype=float), np.nan)
    return vals[np.where(codes >= 0, codes, len(vals) - 1)]


def _map_codes(s: pd.Series, scale: dict[str, float]) -> np.ndarray:
    return _by_unique(s, lambda u: _f(u.str.strip().str.casefold().map(scale).astype("Float64")))


def _licence_open(lic: pd.Series) -> np.ndarray:
    """1.0 open licence, 0.0 closed, NaN unknown (the loader's classifier)."""
    verdict = is_open_licence(lic.astype("string").str.strip())
    return verdict.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _bool(s: pd.Series) -> np.ndarray:
    return _f(s.astype("boolean"))


# --------------------------------------------------------------------------- inputs


def _check_inputs(inventory: pd.DataFrame, procurement: pd.DataFrame) -> None:
    for name, df, req in (
        ("inventory", inventory, ("system_id", "system_name", "ministry")),
        ("procurement", procurement, ("ministry", "supplier", "amount")),
    ):
        if not isinstance(df, pd.DataFrame):
            raise ScoreInputError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
        missing = [c for c in req if c not in df.columns]
        if missing:
            raise ScoreInputError(
                f"{name} table lacks required column(s) {missing}; it has {list(df.columns)}"
            )
    ids = inventory["system_id"].astype("string").str.strip()
    if ids.isna().any():
        raise ScoreInputError(f"inventory: system_id is empty in {_where(inventory, ids.isna())}")
    dup = ids.duplicated(keep=False)
    if dup.any():
        first = ids[dup].iloc[0]
        raise ScoreInputError(
            f"inventory: system_id {first!r} appears more than once "
            f"({_where(inventory, ids == first)})"
        )


def _where(df: pd.DataFrame, mask: pd.Series, limit: int = 5) -> str:
    """Name the rows of ``mask`` by provenance (file:sheet:row) where known."""
    idx = np.flatnonzero(mask.to_numpy(dtype=bool))
    refs = []
    for i in idx[:limit]:
        if "source_row" in df.columns and pd.notna(df["source_row"].iloc[i]):
            f = df["source_file"].iloc[i] if "source_file" in df.columns else "?"
            sh = df["source_sheet"].iloc[i] if "source_sheet" in df.columns else None
            refs.append(
                f"{f}:{sh}:r{df['source_row'].iloc[i]}"
                if pd.notna(sh)
                else f"{f}:r{df['source_row'].iloc[i]}"
            )
        else:
            refs.append(f"row {i}")
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return ", ".join(refs) + more


# --------------------------------------------------------------------------- factors


#: Procurement factors whose evidence waits for the rows behind each system:
#: (factor id, its text, the text when unknown).
_RowsLater = list[tuple[str, Any, str]]


class _Factors:
    """Factor values and texts for one scoring run (arrays of length n_systems)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.value: dict[str, np.ndarray] = {}
        self.evidence: dict[str, pd.Series] = {}
        self.driver: dict[str, pd.Series] = {}

    def set(self, f: str, value: np.ndarray, evidence: Any, driver: Any) -> None:
        value = np.clip(np.asarray(value, dtype=float), 0.0, 1.0)
        self.value[f] = value
        if evidence is not None:  # else filled in later (_rows_evidence)
            self.evidence[f] = _series(_arrow(evidence))
        # Driver text only where the factor is known.
        self.driver[f] = _series(pc.if_else(~np.isnan(value), _arrow(driver), _NULL))

    def update(self, other: _Factors) -> None:
        """Take in the factors ``other`` computed (for the same systems)."""
        self.value |= other.value
        self.evidence |= other.evidence
        self.driver |= other.driver


def _years(s: pd.Series) -> np.ndarray:
    """Calendar year of each datetime as float, NaN for NaT."""
    return s.dt.year.to_numpy(dtype=float, na_value=np.nan)


def _proc_frame(
    procurement: pd.DataFrame, pos: np.ndarray, as_of: dt.date
) -> tuple[dict[str, np.ndarray], ExtensionArray, dict[str, pd.Categorical]]:
    """Linked procurement rows as integer/float arrays, supplier names, coded columns.

    Plain arrays, not a DataFrame: building a frame would copy every column
    into one block, and the callers only ever want the arrays.
    """
    linked = pos >= 0
    every = bool(linked.all())

    def pick(a: np.ndarray) -> np.ndarray:
        return a if every else a[linked]

    p = procurement.reset_index(drop=True)
    sup_codes, sup_names = pd.factorize(p["supplier"].astype("string"), sort=True)
    # Map methods on unique values only (a handful), then spread by code.
    mc, mu = pd.factorize(_get(p, "method", "string"))
    mu_val = np.append(
        _map_codes(pd.Series(mu), {"open": 0.0, "selective": 0.0, "limited": 1.0, "direct": 1.0}),
        np.nan,
    )
    m_codes = mu_val[np.where(mc >= 0, mc, len(mu_val) - 1)]
    # The same codes as categoricals, for the ministry step (no second hashing).
    coded = {
        "supplier": pd.Categorical.from_codes(sup_codes, pd.Index(sup_names)),
        "method": pd.Categorical.from_codes(mc, pd.Index(mu)),
    }
    y0 = _years(_get(p, "award_date", "datetime64[ns]"))
    if np.isnan(y0).any():
        y0 = np.where(np.isnan(y0), _years(_get(p, "start_date", "datetime64[ns]")), y0)
    y1 = _years(_get(p, "end_date", "datetime64[ns]"))
    # A contract covers its years up to its end, but tenure cannot run past as_of.
    y1 = np.where(np.isnan(y1) | (y1 < y0), y0, y1)
    y1 = np.minimum(y1, as_of.year)
    y0 = np.minimum(y0, y1)
    # Provenance sort keys, so evidence lists do not depend on input row order.
    fcode = pd.factorize(_get(p, "source_file", "string"), sort=True)[0]
    scode = pd.factorize(_get(p, "source_sheet", "string"), sort=True)[0]
    lp = {
        "sys": pick(pos),
        "sup": pick(sup_codes),
        "amt": pick(_f(_get(p, "amount", "Float64"))),
        "comp": pick(m_codes),  # 0 competitive, 1 limited/direct, NaN unknown
        "ten": pick(_f(_get(p, "tenderers", "Float64"))),
        "brand": pick(_f(_get(p, "brand_name_spec", "boolean"))),
        "y0": pick(y0),
        "y1": pick(y1),
        "fcode": pick(fcode),
        "scode": pick(scode),
        "row": pick(_f(_get(p, "source_row", "Int64"))),
        "pidx": np.flatnonzero(linked),
    }
    return lp, pd.array(np.asarray(sup_names, dtype=object), dtype="string"), coded


def _row_refs(
    lp: dict[str, np.ndarray], procurement: pd.DataFrame, n: int, k: int = 5
) -> pd.Series:
    """Per system: the first ``k`` procurement rows by provenance, as text."""
    sys_ = lp["sys"]
    if len(sys_) == 0:
        return pd.Series(pd.NA, index=range(n), dtype="string")
    row = np.nan_to_num(lp["row"], nan=-1).astype(np.int64) + 1
    fc = lp["fcode"].astype(np.int64) + 1
    sc = lp["scode"].astype(np.int64) + 1
    nr, nf, ns = int(row.max()) + 1, int(fc.max()) + 1, int(sc.max()) + 1
    m = len(sys_)
    if float(n) * nf * ns * nr * m < 2**62:
        # One packed int64 key (provenance, then input position for ties) sorts
        # far faster than a 5-key lexsort; keys are unique, so sorting the
        # values (cheaper than argsort) gives the order back.
        key = (((sys_.astype(np.int64) * nf + fc) * ns + sc) * nr + row) * m + np.arange(m)
        order = np.sort(key) % m
    elif float(n) * nf * ns * nr < 2**62:
        key = ((sys_.astype(np.int64) * nf + fc) * ns + sc) * nr + row
        order = np.argsort(key, kind="stable")
    else:
        order = np.lexsort((lp["pidx"], row, sc, fc, sys_))
    ss = sys_[order]
    first = np.r_[0, np.flatnonzero(ss[1:] != ss[:-1]) + 1]
    starts = np.repeat(first, np.diff(np.r_[first, len(ss)]))
    sel = order[(np.arange(len(ss)) - starts) < k]  # the first k of each system, in order
    count = np.bincount(sys_, minlength=n)
    i = lp["pidx"][sel]
    p = procurement.reset_index(drop=True)
    pos_txt = _cat_txt("row ", _int_txt(i))
    if "source_row" in p.columns:
        f = pc.fill_null(_arrow(_small(p.get("source_file"), i, "string")), _arrow("?"))
        sh = _small(p.get("source_sheet"), i, "string")
        sheet = pc.fill_null(_arrow(_cat_txt(":", sh)), _arrow(""))
        loc = _cat_txt(f, sheet, ":r", _int_txt(lp["row"][sel]))
        loc = pc.fill_null(_arrow(loc), _arrow(pos_txt))
    else:
        loc = _arrow(pos_txt)
    # Rows are grouped by system: one list per system, joined in C++.
    offsets = np.r_[0, np.cumsum(np.minimum(count, k))].astype(np.int64)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), _flat(loc))
    txt = pc.binary_join(lists, _arrow(", "))
    txt = pc.if_else(count > 0, txt, _NULL)
    return _series(
        pc.binary_join_element_wise(txt, pa.array(np.where(count > k, " …", ""), _T), _arrow(""))
    )


def _small(col: pd.Series | None, i: np.ndarray, dtype: TableDtype) -> pd.Series:
    """Rows ``i`` of ``col`` as ``dtype`` (all NA when the column is absent)."""
    if col is None:
        return pd.Series(pd.NA, index=pd.RangeIndex(len(i)), dtype=dtype)
    return col.take(i).reset_index(drop=True).astype(dtype)


def _first_best(starts: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """Per group of consecutive pairs, the first pair with the highest ``keys``.

    Groups start at ``starts``; ``keys`` are compared in turn (highest wins,
    later keys break ties); among full ties the first pair wins. Same answer
    as a lexsort, with a few O(n) segment reductions instead of a sort.
    """
    size = np.diff(np.r_[starts, len(keys[0]) if len(keys) else 0])
    cand = np.ones(len(keys[0]), dtype=bool)
    for k in keys:
        kk = np.where(cand, k, -np.inf)
        cand &= kk == np.repeat(np.maximum.reduceat(kk, starts), size)
    grp = np.repeat(np.arange(len(starts)), size)
    idx = np.flatnonzero(cand)
    return idx[np.r_[True, grp[idx][1:] != grp[idx][:-1]]]


@dataclass
class _Pairs:
    """(system, supplier) pairs of the linked rows, sorted by system, then supplier.

    ``sup`` is the supplier code + 1 (0 = supplier missing); each system's
    pairs are one contiguous segment opening at ``starts``.
    """

    sys: np.ndarray
    sup: np.ndarray
    spend: np.ndarray  # credit notes net out within a pair, never below 0
    count: np.ndarray
    direct: np.ndarray  # limited/direct awards
    starts: np.ndarray
    no_sup: np.ndarray


def _supplier_pairs(lp: dict[str, np.ndarray], n_codes: int) -> _Pairs:
    """Group the linked rows by (system, supplier) (see :class:`_Pairs`)."""
    sys = lp["sys"]
    amt = lp["amt"]
    # (system, supplier) pairs as one packed int64 key, factorised (hash, then
    # sort of the distinct pairs only): pairs come out sorted by system, then
    # supplier, so each system's pairs are one contiguous segment.
    sup = lp["sup"].astype(np.int64) + 1  # 0 = supplier missing
    pair_of_row, pair_key = pd.factorize(sys.astype(np.int64) * n_codes + sup, sort=True)
    pair_key = np.asarray(pair_key, dtype=np.int64)
    g_sys, g_sup = pair_key // n_codes, pair_key % n_codes
    g_spend = np.maximum(np.bincount(pair_of_row, weights=np.where(~np.isnan(amt), amt, 0.0)), 0)
    g_cnt = np.bincount(pair_of_row).astype(float)
    # Rows with no recorded supplier say nothing about concentration: they are
    # neither "the top supplier" nor part of the total (a system whose
    # contracts name no supplier has L1 unknown, not 1).
    no_sup = g_sup == 0
    g_spend[no_sup] = 0.0
    g_cnt[no_sup] = 0.0
    dmask = lp["comp"] == 1
    g_direct = np.bincount(pair_of_row, weights=dmask.astype(float), minlength=len(pair_key))
    starts = np.r_[0, np.flatnonzero(g_sys[1:] != g_sys[:-1]) + 1] if len(g_sys) else g_sys
    return _Pairs(g_sys, g_sup, g_spend, g_cnt, g_direct, starts, no_sup)


def _supplier_names(sup_names: ExtensionArray, codes: np.ndarray) -> pd.Series:
    """Supplier name per code (NA for -1)."""
    return pd.Series(sup_names.take(codes, allow_fill=True))


def _set_proc(
    fx: _Factors, f: str, value: np.ndarray, rows: _RowsLater, text: Any, fallback: str
) -> None:
    """Set procurement factor ``f``: evidence is the rows, then ``text`` (``fallback`` if unknown).

    The rows are listed beside the factors (on a second core), so the
    evidence is put together by :func:`_rows_evidence` once they are.
    """
    fx.set(f, value, None, text)
    rows.append((f, text, fallback))


def _rows_evidence(fx: _Factors, rows: _RowsLater, refs: pd.Series) -> None:
    """Evidence of the procurement factors ``rows`` holds: ``refs`` (the rows), then the text."""
    prefix = pc.fill_null(_arrow(_cat_txt("procurement rows ", refs)), "no linked procurement rows")
    for f, text, fallback in rows:
        fx.evidence[f] = _after(prefix, ~np.isnan(fx.value[f]), text, fallback)


def _per_system(ufunc: np.ufunc, n: int, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """``ufunc`` (np.minimum / np.maximum) of ``vals`` per system ``idx``; NaN for none."""
    out = np.full(n, np.inf if ufunc is np.minimum else -np.inf)
    ufunc.at(out, idx, vals)
    out[np.isinf(out)] = np.nan
    return out


def _l1_concentration(
    fx: _Factors, pairs: _Pairs, sup_names: ExtensionArray, rows: _RowsLater
) -> tuple[np.ndarray, pd.Series]:
    """L1: the top supplier's share of spend; returns its code (-1: none) and name per system."""
    n = fx.n
    # Top supplier: most spend, then most awards, then name order (deterministic).
    starts = pairs.starts
    firsts = _first_best(starts, [pairs.spend, pairs.count]) if len(pairs.sys) else starts
    total = np.bincount(pairs.sys, weights=pairs.spend, minlength=n)
    top_sup = np.full(n, -1, dtype=np.int64)
    top_sup[pairs.sys[firsts]] = pairs.sup[firsts] - 1
    top_spend = np.zeros(n)
    top_spend[pairs.sys[firsts]] = pairs.spend[firsts]
    l1 = np.where(total > 0, top_spend / np.where(total > 0, total, 1), np.nan)
    top_name = _supplier_names(sup_names, top_sup)
    l1_txt = _cat_txt(_pct(l1), "% of ", _money(total), " to ", top_name)
    _set_proc(fx, "L1", l1, rows, l1_txt, "no amounts known")
    return top_sup, top_name


def _l2_tenure(
    fx: _Factors,
    lp: dict[str, np.ndarray],
    top_sup: np.ndarray,
    top_name: pd.Series,
    rows: _RowsLater,
    cap: float,
    as_of_year: int,
) -> np.ndarray:
    """L2: consecutive years with the top supplier (``cap`` years = 1); returns the years."""
    # The run of consecutive covered years with the top supplier that reaches
    # the system's latest covered year. Years are bits of one uint64 per system
    # (63 years back from as_of), OR-ed together: no sort, no per-group Python.
    n = fx.n
    sys = lp["sys"]
    y0, y1 = lp["y0"], lp["y1"]
    dated = ~np.isnan(y0)
    base = as_of_year - 62
    latest = _per_system(np.maximum, n, sys[dated], y1[dated])
    is_top = (lp["sup"] == top_sup[sys]) & (top_sup[sys] >= 0) & dated
    b0 = np.clip(y0[is_top] - base, 0, 62).astype(np.uint64)
    b1 = np.clip(y1[is_top] - base, 0, 62).astype(np.uint64)
    one = np.uint64(1)
    bits = ((one << (b1 - b0 + one)) - one) << b0
    acc = np.zeros(n, dtype=np.uint64)
    np.bitwise_or.at(acc, sys[is_top], bits)
    lb = np.nan_to_num(latest - base, nan=-1).astype(np.int64)
    years = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    for d in range(63):  # 63 vectorised steps over systems
        pos = lb - d
        ok = pos >= 0
        bit = (acc >> np.maximum(pos, 0).astype(np.uint64)) & one
        alive &= ok & (bit == one)
        years += alive
    years = np.where(acc > 0, years, np.nan)
    run_end = np.where(years > 0, latest, np.nan)
    run_start = run_end - years + 1
    l2 = np.minimum(1.0, years / cap)
    l2_txt = _cat_txt(
        _num_txt(years),
        " consecutive years with ",
        top_name,
        " (",
        _num_txt(run_start),
        "–",
        _num_txt(run_end),
        ")",
    )
    l2_txt = _series(
        pc.if_else(
            years > 0,
            _arrow(l2_txt),
            _arrow(
                _cat_txt(
                    "top supplier ", top_name, " not active in the latest year ", _num_txt(latest)
                )
            ),
        )
    )
    _set_proc(fx, "L2", l2, rows, l2_txt, "no award dates")
    return years


def _l3_direct_share(fx: _Factors, lp: dict[str, np.ndarray], rows: _RowsLater) -> None:
    """L3: share of value awarded limited/direct (count share when no amounts)."""
    n = fx.n
    sys, amt, comp = lp["sys"], lp["amt"], lp["comp"]
    mk = ~np.isnan(comp)
    a_pos = np.where(~np.isnan(amt), np.maximum(amt, 0), 0.0)
    val_all = np.bincount(sys[mk], weights=a_pos[mk], minlength=n)
    val_dir = np.bincount(sys[mk], weights=(a_pos * (comp == 1))[mk], minlength=n)
    cnt_all = np.bincount(sys[mk], minlength=n)
    cnt_dir = np.bincount(sys[mk], weights=(comp == 1)[mk].astype(float), minlength=n)
    l3 = np.where(
        val_all > 0,
        val_dir / np.where(val_all > 0, val_all, 1),
        np.where(cnt_all > 0, cnt_dir / np.maximum(cnt_all, 1), np.nan),
    )
    # Years of the direct awards per system (NaN years are skipped).
    dmask = comp == 1
    yd = lp["y0"][dmask]
    sd = sys[dmask][~np.isnan(yd)]
    yd = yd[~np.isnan(yd)]
    dmin = _per_system(np.minimum, n, sd, yd)
    dmax = _per_system(np.maximum, n, sd, yd)
    span = pc.fill_null(_arrow(_cat_txt(", ", _num_txt(dmin), "–", _num_txt(dmax))), _arrow(""))
    l3_txt = _cat_txt(
        _pct(l3),
        "% of value via limited/direct awards (",
        _num_txt(cnt_dir),
        " of ",
        _num_txt(cnt_all),
        " awards",
        span,
        ")",
    )
    _set_proc(fx, "L3", l3, rows, l3_txt, "procurement method unknown")


def _top_direct(pairs: _Pairs, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Most direct awards to one supplier per system, and that supplier's code (-1: none).

    Ties go to name order; behind the red flag and its driver text.
    """
    starts = pairs.starts
    firsts = _first_best(starts, [pairs.direct]) if len(pairs.sys) else starts
    max_direct = np.zeros(n)
    max_direct[pairs.sys[firsts]] = pairs.direct[firsts]
    direct_sup = np.full(n, -1, dtype=np.int64)
    has_direct = pairs.direct[firsts] > 0
    direct_sup[pairs.sys[firsts][has_direct]] = pairs.sup[firsts][has_direct] - 1
    return max_direct, direct_sup


def _l4_l5_bids_brand(fx: _Factors, lp: dict[str, np.ndarray], rows: _RowsLater) -> None:
    """L4 single-bid share of competitive awards, L5 any brand-name specification."""
    n = fx.n
    sys = lp["sys"]
    # L4: single-bid share among competitive awards with a known bid count.
    ten = lp["ten"]
    ck = (lp["comp"] == 0) & ~np.isnan(ten)
    c_all = np.bincount(sys[ck], minlength=n)
    c_one = np.bincount(sys[ck], weights=(ten[ck] <= 1).astype(float), minlength=n)
    l4 = np.where(c_all > 0, c_one / np.maximum(c_all, 1), np.nan)
    l4_txt = _cat_txt(
        _num_txt(c_one), " of ", _num_txt(c_all), " competitive awards had a single bid"
    )
    _set_proc(fx, "L4", l4, rows, l4_txt, "no competitive award with a known number of bids")

    # L5: any brand-name specification.
    br = lp["brand"]
    bk = ~np.isnan(br)
    b_all = np.bincount(sys[bk], minlength=n)
    b_yes = np.bincount(sys[bk], weights=br[bk], minlength=n)
    l5 = np.where(b_all > 0, (b_yes > 0).astype(float), np.nan)
    l5_txt = _cat_txt(_num_txt(b_yes), " award(s) name a brand without 'or equivalent'")
    _set_proc(fx, "L5", l5, rows, l5_txt, "brand-name flag unknown")


def _procurement_factors(
    fx: _Factors,
    lp: dict[str, np.ndarray],
    sup_names: ExtensionArray,
    rows: _RowsLater,
    profile: Profile,
    as_of_year: int,
) -> dict[str, Any]:
    """Lock-in factors L1-L5 from the linked procurement rows, and per-system facts.

    Their evidence waits in ``rows`` for the rows behind each system (see
    :func:`_rows_evidence`).
    """
    n = fx.n
    sys = lp["sys"]
    n_contracts = np.bincount(sys, minlength=n)
    has_rows = n_contracts > 0
    amt = lp["amt"]
    amt_known = ~np.isnan(amt)
    spend_total = np.bincount(sys[amt_known], weights=amt[amt_known], minlength=n)
    spend_total = np.where(np.bincount(sys[amt_known], minlength=n) > 0, spend_total, np.nan)

    pairs = _supplier_pairs(lp, len(sup_names) + 1)
    n_sup = np.bincount(pairs.sys[~pairs.no_sup], minlength=n)
    top_sup, top_name = _l1_concentration(fx, pairs, sup_names, rows)
    cap = float(profile["lockin"]["scales"]["tenure_cap_years"])
    years = _l2_tenure(fx, lp, top_sup, top_name, rows, cap, as_of_year)
    _l3_direct_share(fx, lp, rows)
    max_direct, direct_sup = _top_direct(pairs, n)
    _l4_l5_bids_brand(fx, lp, rows)
    return {
        "spend_total": np.where(has_rows, spend_total, np.nan),
        "n_contracts": n_contracts,
        "n_suppliers_proc": np.where(n_sup > 0, n_sup, np.nan),
        "top_supplier": top_name,
        "tenure_years": years,
        "max_direct": max_direct,
        "direct_supplier": _supplier_names(sup_names, direct_sup),
    }


def _set_coded(
    fx: _Factors,
    f: str,
    col: str,
    s: pd.Series,
    scale: dict[str, float],
    before: str = "",
    after: str = "",
) -> None:
    """Factor ``f`` from inventory column ``col`` (values ``s``) through ``scale``.

    The evidence quotes the value; the driver text is ``before + value + after``.
    """
    fx.set(f, _map_codes(s, scale), f"inventory: {col}=" + _quote(s), before + s.fillna("") + after)


def _l6_licence(fx: _Factors, inv: pd.DataFrame) -> dict[str, Any]:
    """L6 licence & IP ownership; returns the parts the reuse factors share."""
    lic = _get(inv, "licence", "string")
    is_open = _licence_open(lic)
    ip = _get(inv, "ip_owner", "string").str.strip().str.casefold()
    src = _get(inv, "source_code_access", "string").str.strip().str.casefold()
    gov_ip = ip.isin(["government", "shared"]).fillna(False).to_numpy(dtype=bool)
    ip_known = ip.notna().to_numpy()
    src_np = src.fillna("").to_numpy(dtype=object)
    # L6: gov-owned open 0; other open 0.2; gov-owned closed 0.4; closed with
    # escrow/source access 0.7; closed without source 1; otherwise unknown.
    l6 = np.select(
        [
            (is_open == 1) & gov_ip & ip.eq("government").fillna(False).to_numpy(dtype=bool),
            # Open licence, owner unknown: 0 or 0.2, so unknown (a guess of 0.2
            # would narrow the best case the owner could still bring).
            (is_open == 1) & ip_known,
            (is_open == 0) & gov_ip,
            (is_open == 0) & ip_known & np.isin(src_np, ["escrow", "gov-repo", "public-repo"]),
            (is_open == 0) & ip_known & (src_np == "none"),
        ],
        [0.0, 0.2, 0.4, 0.7, 1.0],
        np.nan,
    )
    l6_ev = (
        "inventory: licence="
        + _quote(lic)
        + ", ip_owner="
        + _quote(ip)
        + ", source_code_access="
        + _quote(src)
    )
    l6_drv = _select_txt(
        [l6 == 0, l6 == 0.2, l6 == 0.4, l6 == 0.7, l6 == 1],
        [
            "government-owned open source",
            "third-party open source",
            "government-owned, closed licence",
            "proprietary, source only in escrow",
            "proprietary licence, no source access",
        ],
        "",
    )
    fx.set("L6", l6, l6_ev, l6_drv)
    return {"is_open": is_open, "gov_ip": gov_ip, "ip_known": ip_known, "src": src}


def _l8_interfaces(fx: _Factors, inv: pd.DataFrame) -> None:
    """L8: share of interfaces on closed standards (no interfaces: 0)."""
    tot = _f(_get(inv, "interfaces_total", "Float64"))
    opn = _f(_get(inv, "interfaces_open", "Float64"))
    opn = np.where(opn > tot, np.nan, opn)  # more open than all: a typo, unknown
    l8 = np.where(
        tot > 0,
        1 - opn / np.where(tot > 0, tot, 1),
        np.where(tot == 0, 0.0, np.nan),
    )
    fx.set(
        "L8",
        l8,
        "inventory: interfaces_total="
        + _num_txt(tot).fillna("unknown")
        + ", interfaces_open="
        + _num_txt(opn).fillna("unknown"),
        _num_txt(tot - opn) + " of " + _num_txt(tot) + " interfaces on closed standards",
    )


def _supplier_factors(
    fx: _Factors, inv: pd.DataFrame, proc: dict[str, Any], profile: Profile
) -> None:
    """L11 knowledge held by the vendor and R12 suppliers able to maintain it.

    They need both the inventory and the distinct suppliers in procurement.
    """
    inh = _bool(_get(inv, "in_house_capability", "boolean"))
    qs = _f(_get(inv, "qualified_suppliers", "Float64"))
    n_sup = np.where(np.isnan(qs), proc["n_suppliers_proc"], qs)
    n_src = _select_txt(
        [~np.isnan(qs), np.isnan(n_sup)],
        ["qualified_suppliers", "unknown"],
        "distinct suppliers in procurement",
    )
    l11 = 0.5 * (1 - inh) + 0.5 / np.maximum(n_sup, 1)
    fx.set(
        "L11",
        l11,
        "inventory: in_house_capability="
        + _bool_txt(inh)
        + "; "
        + _num_txt(n_sup).fillna("?")
        + " supplier(s) ("
        + n_src
        + ")",
        _choose(inh == 0, ["", "no in-house capability, "])
        + _num_txt(n_sup)
        + " qualified supplier(s)",
    )
    scap = float(profile["reuse"]["scales"]["suppliers_cap"])
    r12 = np.minimum(1.0, np.log1p(np.maximum(n_sup, 0)) / np.log1p(scap))
    fx.set("R12", r12, fx.evidence["L11"], _num_txt(n_sup) + " suppliers able to maintain it")


def _inventory_lane(
    inv: pd.DataFrame, profile: Profile
) -> tuple[_Factors, dict[str, Any], pd.Series, dict[str, Any]]:
    """Every factor that reads the inventory alone, with the catalogue's alternatives."""
    fx = _Factors(len(inv))
    info = _inventory_factors(fx, inv, profile)
    alt = _alternatives(_get(inv, "category", "string").str.strip().str.casefold())
    return fx, info, alt, _reuse_factors(fx, inv, info, alt, profile)


def _inventory_factors(fx: _Factors, inv: pd.DataFrame, profile: Profile) -> dict[str, Any]:
    """Lock-in factors L6-L13 but L11 from the inventory; returns what reuse scoring shares."""
    info = _l6_licence(fx, inv)
    exp = _get(inv, "data_export", "string")
    scale = {"open-format": 0.0, "proprietary-format": 0.5, "none": 1.0}
    _set_coded(fx, "L7", "data_export", exp, scale, before="data export: ")
    _l8_interfaces(fx, inv)
    dep = _get(inv, "proprietary_dependencies", "string")
    scale = {"none": 0.0, "replaceable": 0.5, "hard": 1.0}
    _set_coded(fx, "L9", "proprietary_dependencies", dep, scale, after=" proprietary dependencies")

    host = _get(inv, "hosting", "string")
    loc = _get(inv, "data_location", "string")
    l10 = _map_codes(
        host,
        {
            "government": 0.0,
            "third-party-in-country": 0.33,
            "vendor-cloud-in-country": 0.5,
            "foreign": 1.0,
        },
    )
    fx.set(
        "L10",
        l10,
        "inventory: hosting=" + _quote(host) + ", data_location=" + _quote(loc),
        "hosting: " + host.fillna(""),
    )

    ni = _f(_get(inv, "integrations", "Float64"))
    icap = float(profile["lockin"]["scales"]["integrations_cap"])
    l12 = np.minimum(1.0, np.log1p(np.maximum(ni, 0)) / np.log1p(icap))
    fx.set(
        "L12",
        l12,
        "inventory: integrations=" + _num_txt(ni).fillna("unknown"),
        _num_txt(ni) + " integrations",
    )

    ex = _bool(_get(inv, "exit_clause", "boolean"))
    dr = _bool(_get(inv, "data_return_clause", "boolean"))
    l13 = 1 - (ex + dr) / 2
    fx.set(
        "L13",
        l13,
        "inventory: exit_clause=" + _bool_txt(ex) + ", data_return_clause=" + _bool_txt(dr),
        _select_txt(
            [(ex == 0) & (dr == 0), ex == 0, dr == 0],
            ["no exit or data-return clause", "no exit clause", "no data-return clause"],
            "",
        ),
    )
    return info | {"host": host, "data_return": dr}


def _bool_txt(x: np.ndarray) -> pd.Series:
    return _select_txt([np.isnan(x), x == 1], ["unknown", "yes"], "no")


def _spread_factors(
    fx: _Factors, inv: pd.DataFrame, cat: pd.Series, profile: Profile
) -> tuple[np.ndarray, np.ndarray]:
    """R1 ministries running the category, R2 cross-cutting function.

    Returns R2 and the share of ministries running the category (the
    "common" part of ``replace_priority``).
    """
    minis = _get(inv, "ministry", "string").str.strip().str.casefold()
    n_min_total = max(int(minis.nunique()), 1)
    per_cat = pd.DataFrame({"c": cat, "m": minis}).dropna().drop_duplicates().groupby("c").size()
    n_cat_min = _f(cat.map(per_cat).astype("Float64"))
    n_cat_min = np.where(cat.notna().to_numpy(), np.nan_to_num(n_cat_min, nan=1.0), np.nan)
    mcap = float(profile["reuse"]["scales"]["ministries_cap"])
    r1 = np.where(
        cat.eq("other").fillna(False).to_numpy(),
        0.0,
        np.minimum(1.0, np.log1p(n_cat_min - 1) / np.log1p(mcap)),
    )
    fx.set(
        "R1",
        r1,
        "inventory: category="
        + _quote(cat)
        + " in "
        + _num_txt(n_cat_min).fillna("?")
        + " ministries",
        _num_txt(n_cat_min) + " ministries run a " + cat.fillna("") + " system",
    )
    cross = np.where(
        cat.notna().to_numpy(),
        cat.isin(list(CROSS_CUTTING)).fillna(False).to_numpy(dtype=float),
        np.nan,
    )
    fx.set(
        "R2",
        cross,
        "inventory: category=" + _quote(cat),
        "cross-cutting function (" + cat.fillna("") + ")",
    )
    share = np.where(
        cat.notna().to_numpy(), np.nan_to_num(n_cat_min, nan=0.0) / n_min_total, np.nan
    )
    return cross, share


def _reuse_factors(
    fx: _Factors, inv: pd.DataFrame, info: dict[str, Any], alt: pd.Series, profile: Profile
) -> dict[str, Any]:
    """Reuse factors R1-R11; returns ``common`` and ``r11`` for ``replace_priority``."""
    n = fx.n
    cat = _get(inv, "category", "string").str.strip().str.casefold()
    cross, share = _spread_factors(fx, inv, cat, profile)

    is_open, gov_ip, ip_known = info["is_open"], info["gov_ip"], info["ip_known"]
    r3 = np.select(
        [is_open == 1, (is_open == 0) & gov_ip, (is_open == 0) & ip_known], [1.0, 0.5, 0.0], np.nan
    )
    fx.set(
        "R3",
        r3,
        fx.evidence["L6"],
        _select_txt(
            [r3 == 1, r3 == 0.5], ["open licence", "government may share within government"], ""
        ),
    )
    scale = {"public-repo": 1.0, "gov-repo": 0.7, "escrow": 0.3, "none": 0.0}
    _set_coded(fx, "R4", "source_code_access", info["src"], scale, before="code: ")
    doc = _get(inv, "documentation", "string")
    scale = {"none": 0.0, "basic": 0.5, "complete": 1.0}
    _set_coded(fx, "R5", "documentation", doc, scale, after=" documentation")
    for f, col, text in (
        ("R6", "configurable", "configurable / modular"),
        ("R9", "localised", "localised"),
        ("R10", "maintained", "actively maintained"),
    ):
        v = _bool(_get(inv, col, "boolean"))
        fx.set(
            f,
            v,
            f"inventory: {col}=" + _bool_txt(v),
            _choose(v == 1, ["", text]),
        )
    fx.set(
        "R7",
        1 - fx.value["L8"],
        fx.evidence["L8"],
        pd.Series("interfaces on open standards", index=range(n), dtype="string"),
    )
    fx.set(
        "R8",
        1 - fx.value["L9"],
        fx.evidence["L9"],
        pd.Series("few proprietary dependencies", index=range(n), dtype="string"),
    )

    known_alt = alt.notna().to_numpy()
    r11 = np.where(known_alt, (alt.fillna("") != "").to_numpy(dtype=float), np.nan)
    fx.set(
        "R11",
        r11,
        ("alternatives catalogue: " + alt.where(alt != "", "none listed")).fillna(
            "alternatives catalogue: category unknown or catalogue unavailable"
        ),
        "open alternatives: " + alt.fillna(""),
    )
    common = np.where(cross == 1, 1.0, share)
    return {"common": common, "r11": r11}


# --------------------------------------------------------------------------- combine


def combine(values: np.ndarray, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Weighted score, confidence and best/worst case from a factor matrix.

    Parameters
    ----------
    values : ndarray (n_systems, n_factors)
        Factor values 0-1, NaN for unknown.
    weights : ndarray (n_factors,)
        Non-negative weights.

    Returns
    -------
    dict of ndarray
        ``score`` (0-100, NaN when nothing is known), ``low``, ``high``
        (unknowns at 0 / 1, over all weights), ``confidence`` (known weight share).
    """
    w = np.asarray(weights, dtype=float)
    known = ~np.isnan(values)
    v0 = np.where(known, values, 0.0)
    s = v0 @ w
    k = known.astype(float) @ w
    total = w.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(k > 0, s / np.where(k > 0, k, 1) * 100, np.nan)
        low = s / total * 100 if total > 0 else np.full(len(s), np.nan)
        high = (s + total - k) / total * 100 if total > 0 else np.full(len(s), np.nan)
        conf = k / total if total > 0 else np.full(len(s), np.nan)
    return {"score": score, "low": low, "high": high, "confidence": conf}


def _alternatives(cat: pd.Series) -> pd.Series:
    """ "; "-joined alternative names per system; NA when not known."""
    out = pd.Series(pd.NA, index=range(len(cat)), dtype="string")
    uniq = pd.Series(cat.dropna().unique(), dtype="string")
    if uniq.empty:
        return out
    lists = alternatives_for(uniq)
    names: dict[str, Any] = {}
    # The catalogue may answer "; "-joined text or lists; NA = category unknown.
    for c, v in zip(uniq.tolist(), list(lists), strict=True):
        if isinstance(v, list | tuple | np.ndarray):
            names[c] = "; ".join(str(x) for x in v)
        elif isinstance(v, str):
            names[c] = v
        else:
            names[c] = pd.NA
    return cat.map(names).astype("string").reset_index(drop=True)


def _as_profile(profile: Profile | str | Path | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    return load_profile(profile)


def systems_from_procurement(
    inventory: pd.DataFrame,
    procurement: pd.DataFrame,
    ids: tuple[np.ndarray, Any] | None = None,
) -> pd.DataFrame:
    """Systems named in procurement (by ``system_id``) but absent from the inventory.

    ``ids`` is ``pd.factorize`` of procurement's ``system_id`` when the caller
    has it already.

    Real exports often come without an inventory (an OCDS feed, the US IT
    Dashboard's investments): each such system still gets its commercial
    lock-in factors from its contracts. Every inventory field stays unknown,
    so its ``confidence`` is low, its interval wide and its band usually
    ``unknown``: nothing is guessed. The rows are marked ``in_inventory``
    False in ``systems``.
    """
    if not len(procurement) or "system_id" not in procurement:
        return inventory.iloc[0:0]
    # String work on the distinct ids only (a million contracts, a few
    # thousand systems).
    codes, uniq = ids or pd.factorize(procurement["system_id"].astype("string"))
    u = pd.Series(uniq, dtype="string").str.strip()
    known = inventory["system_id"].astype("string").str.strip().str.casefold().dropna()
    # Index look-up: pandas' string isin is ~20x slower here.
    in_inv = pd.Index(known.drop_duplicates()).get_indexer(pd.Index(u.str.casefold())) >= 0
    fresh = (u.notna() & (u != "")).fillna(False).to_numpy() & ~in_inv
    if not fresh.any():
        return inventory.iloc[0:0]
    rows = np.flatnonzero((codes >= 0) & fresh[np.maximum(codes, 0)])
    new = procurement.iloc[rows]
    new = new.assign(_id=u.to_numpy()[codes[rows]])
    names = (
        new["system_name"].astype("string")
        if "system_name" in new
        else pd.Series(pd.NA, index=new.index)
    )
    first = (
        new.assign(_name=names)
        .groupby("_id", sort=True)
        .agg(ministry=("ministry", "first"), system_name=("_name", "first"))
    )
    out = pd.DataFrame(
        {
            "system_id": first.index.astype("string"),
            "system_name": first["system_name"].fillna(pd.Series(first.index, index=first.index)),
            "ministry": first["ministry"].astype("string"),
        }
    )
    out["source_file"] = pd.Series("(procurement only)", index=out.index, dtype="string")
    return out.astype({c: inventory[c].dtype for c in out.columns if c in inventory.columns})


#: The procurement columns scoring reads (the rest of the canonical table is
#: not needed): ``ospo-analytics score`` reads only these from parquet, which
#: on a national table of ten million rows saves gigabytes.
PROCUREMENT_COLUMNS: tuple[str, ...] = (
    "ministry",
    "supplier",
    "amount",
    "award_date",
    "start_date",
    "end_date",
    "method",
    "tenderers",
    "system_id",
    "system_name",
    "amendments",
    "original_amount",
    "brand_name_spec",
    "is_it",
    "process_id",
    "source_file",
    "source_sheet",
    "source_row",
)


def score(
    inventory: pd.DataFrame,
    procurement: pd.DataFrame | None,
    questionnaire: pd.DataFrame | None = None,
    *,
    profile: Profile | str | Path | None = None,
    as_of: dt.date | str | None = None,
) -> ScoreResult:
    """Score every system for lock-in risk and reuse potential, and every ministry.

    Parameters
    ----------
    inventory : DataFrame
        Canonical inventory table (one row per system).
    procurement : DataFrame or None
        Canonical procurement table (one row per award / contract line).
    questionnaire : DataFrame, optional
        Canonical readiness questionnaire answers.
    profile : Profile or path, optional
        Scoring profile; the packaged default if None.
    as_of : date or str, optional
        Analysis date (tenure stops here; exit windows start here). Default
        today; an ISO string (``"2024-06-30"``) is read as a date.

    Returns
    -------
    ScoreResult
        ``systems``, ``factors``, ``ministries``, ``opportunities``, ``links``.
        ``systems`` includes the sensitivity columns ``lockin_rank, rank_min,
        rank_max, p_top10`` (see the module docstring; the number of draws is
        capped for big inventories by ``[sensitivity] max_cells``).

    Raises
    ------
    ScoreInputError
        When a table lacks required columns or has duplicate system ids.

    Examples
    --------
    Load a project's inputs, score them at a fixed analysis date and look at
    the systems, most locked-in first:

    >>> import datetime as dt
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, load_inputs, score
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
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
    >>> inputs = load_inputs(
    ...     load_config(root=folder),
    ...     inventory=inv,
    ...     procurement=proc,
    ...     progress=False,
    ... )
    >>> result = score(
    ...     inputs.inventory.table,
    ...     inputs.procurement.table,
    ...     inputs.questionnaire.table,
    ...     as_of=dt.date(2024, 6, 30),
    ... )
    >>> systems = result.systems.sort_values("lockin_score", ascending=False)
    >>> systems[["system_id", "lockin_score", "lockin_band", "reuse_score"]].round(1)
      system_id  lockin_score lockin_band  reuse_score
    0     FIN-1          87.1        high          4.8
    2     HEA-1          38.7      medium         14.8
    1     FIN-2          14.7         low         88.2
    >>> systems["red_flags"].iloc[0]
    'closed licence and no data export'
    >>> result.ministries[["ministry", "spend_it", "top_supplier"]]
                  ministry  spend_it top_supplier
    0  Ministry of Finance  590000.0       Oracle
    1   Ministry of Health  500000.0     MediCore
    >>> tmp.cleanup()
    """
    from .result import ScoreResult

    prof = _as_profile(profile)
    as_of = as_of or dt.date.today()
    if isinstance(as_of, str):  # "2024-06-30", as ospo.toml and the CLI take it
        try:
            as_of = dt.date.fromisoformat(as_of.strip())
        except ValueError:
            raise ScoreInputError(f"as_of {as_of!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if procurement is None:
        procurement = empty_frame("procurement")
    _check_inputs(inventory, procurement)
    # Only the declared columns go further, so a new use of another column
    # finds it missing in every test, not only when the CLI reads fewer.
    proc = procurement[[c for c in PROCUREMENT_COLUMNS if c in procurement.columns]]
    proc = proc.reset_index(drop=True)
    inv = inventory.reset_index(drop=True)
    # Procurement's system ids, hashed once for both look-ups below.
    sids = pd.factorize(proc["system_id"].astype("string")) if "system_id" in proc else None
    if prof["linking"].get("systems_from_procurement", True):
        inv = pd.concat([inv, systems_from_procurement(inv, proc, sids)], ignore_index=True)
    n = len(inv)
    # The inventory's factors need nothing from procurement: on a second core
    # they overlap linking and the procurement factors.
    lane = Background(_inventory_lane, inv, prof)

    links, pos = link_positions(inv, proc, prof, sids)
    lp, sup_names, coded = _proc_frame(proc, pos, as_of)
    # The ministry step gets the linked ids as codes into the inventory ids
    # (unique, checked above), and supplier / method as the codes found above:
    # it then never hashes those million-row text columns again. Its
    # procurement half needs no system score: it overlaps the systems' scoring.
    ids = pd.CategoricalDtype(pd.Index(inv["system_id"].astype("string").array))
    links_coded = links.assign(system_id=pd.Categorical.from_codes(pos, dtype=ids))
    prepared = Background(prepare_procurement, proc.assign(**coded), links_coded, prof)
    # The rows behind each system, listed for the evidence only, overlap the
    # procurement factors.
    refs = Background(_row_refs, lp, proc, n)

    fx = _Factors(n)
    rows: _RowsLater = []
    pinfo = _procurement_factors(fx, lp, sup_names, rows, prof, as_of.year)
    _rows_evidence(fx, rows, refs.result())
    ifx, iinfo, alt, rinfo = lane.result()
    fx.update(ifx)
    _supplier_factors(fx, inv, pinfo, prof)

    scores = _combine_scores(fx, prof)
    # Long factor table; contribution = points of the score each factor adds.
    factors = _factor_table(inv, fx, scores)
    systems = _systems_table(inv, fx, scores, pinfo, iinfo, rinfo, alt, prof)

    ministries, opportunities, make_details = score_ministries(
        inventory=inv,
        procurement=proc,
        links=links_coded,
        systems=systems,
        questionnaire=questionnaire,
        profile=prof,
        as_of=as_of,
        factors=factors,
        prepared=prepared,
    )
    return ScoreResult(
        systems=systems,
        factors=factors,
        ministries=ministries,
        opportunities=opportunities,
        links=links,
        make_details=make_details,
        profile=prof,
        as_of=as_of,
    )


@dataclass
class _Scores:
    """Lock-in and reuse scores of one run, from the factor values and the profile's weights."""

    lids: list[str]  # lock-in factor ids, in profile order
    rids: list[str]  # reuse factor ids
    lw: dict[str, float]  # their weights
    rw: dict[str, float]
    group_of: dict[str, str]  # lock-in factor id -> sub-score group
    lv: np.ndarray  # (systems, lock-in factors) values
    lwa: np.ndarray  # lock-in weights as an array, in ``lids`` order
    lockin: dict[str, np.ndarray]  # :func:`combine` of the lock-in factors
    reuse: dict[str, np.ndarray]  # :func:`combine` of the reuse factors
    subs: dict[str, np.ndarray]  # lock-in sub-score per group


def _combine_scores(fx: _Factors, prof: Profile) -> _Scores:
    """Weighted lock-in and reuse scores and the lock-in sub-scores (see :func:`combine`)."""
    lw = prof.lockin_weights
    rw = prof.reuse_weights
    lids, rids = list(lw), list(rw)
    lv = np.column_stack([fx.value[f] for f in lids])
    rv = np.column_stack([fx.value[f] for f in rids])
    lwa = np.array([lw[f] for f in lids])
    rwa = np.array([rw[f] for f in rids])
    group_of = prof.lockin_group_of
    subs = {}
    for g in ("commercial", "technical", "sovereignty"):
        idx = [i for i, f in enumerate(lids) if group_of.get(f) == g]
        subs[g] = combine(lv[:, idx], lwa[idx])["score"] if idx else np.full(fx.n, np.nan)
    return _Scores(lids, rids, lw, rw, group_of, lv, lwa, combine(lv, lwa), combine(rv, rwa), subs)


def _lockin_band(sc: np.ndarray, confidence: np.ndarray, bands: dict[str, Any]) -> np.ndarray:
    """``unknown`` (no score, or too little of the weight known), ``low``, ``medium``, ``high``."""
    return np.select(
        [
            np.isnan(sc) | (confidence < bands["min_confidence"]),
            sc < bands["low"],
            sc < bands["high"],
        ],
        ["unknown", "low", "medium"],
        "high",
    )


def _red_flags(
    fx: _Factors, pinfo: dict[str, Any], iinfo: dict[str, Any], rf: dict[str, Any]
) -> pd.Series:
    """The red flags the profile's ``[red_flags]`` switch on, "; "-joined per system."""
    flags: list[Any] = []  # NA or "" = no flag (``_join`` skips both)
    if rf.get("closed_no_export", True):
        closed = (fx.value["L6"] == 1) & (fx.value["L7"] == 1)
        flags.append(_choose(closed, ["", "closed licence and no data export"]))
    tenure = pinfo["tenure_years"]
    top_s = pc.fill_null(_arrow(pinfo["top_supplier"]), _arrow("?"))
    text = _cat_txt("single supplier ", top_s, " for ", _num_txt(tenure), " consecutive years")
    flags.append(pc.if_else(tenure >= rf["tenure_years"], _arrow(text), _NULL))
    md = pinfo["max_direct"]
    dir_s = pc.fill_null(_arrow(pinfo["direct_supplier"]), _arrow("?"))
    text = _cat_txt(_num_txt(md), " limited/direct awards to ", dir_s)
    flags.append(pc.if_else(md >= rf["direct_awards"], _arrow(text), _NULL))
    if rf.get("foreign_no_data_return", True):
        foreign = iinfo["host"].str.casefold().eq("foreign").fillna(False).to_numpy(dtype=bool)
        no_return = foreign & (iinfo["data_return"] == 0)
        flags.append(_choose(no_return, ["", "foreign hosting without data-return clause"]))
    return _join(flags)


def _systems_table(
    inv: pd.DataFrame,
    fx: _Factors,
    scores: _Scores,
    pinfo: dict[str, Any],
    iinfo: dict[str, Any],
    rinfo: dict[str, Any],
    alt: pd.Series,
    prof: Profile,
) -> pd.DataFrame:
    """The ``systems`` table: scores, band, red flags, drivers, rank ranges (one row each)."""
    lockin, reuse, subs = scores.lockin, scores.reuse, scores.subs
    top_drivers = _top_drivers(fx, scores.lids, scores.lwa, fx.n)
    sc = lockin["score"]
    band = _lockin_band(sc, lockin["confidence"], prof["lockin"]["bands"])
    red = _red_flags(fx, pinfo, iinfo, prof["red_flags"])
    with np.errstate(invalid="ignore"):
        priority = rinfo["r11"] * rinfo["common"] * sc / 100

    # How stable each rank is when the lock-in weights move (seeded Monte Carlo).
    se = prof["sensitivity"]
    rr = rank_ranges(
        scores.lv,
        scores.lwa,
        n=int(se["n"]),
        spread=float(se["spread"]),
        seed=int(se["seed"]),
        top=int(se["top"]),
        max_cells=int(se.get("max_cells", SENSITIVITY_MAX_CELLS)),
    )

    systems = pd.DataFrame(
        {
            # Text columns go in as string arrays (.array): no round trip
            # through Python objects.
            "system_id": inv["system_id"].astype("string").array,
            "system_name": _get(inv, "system_name", "string").array,
            "ministry": _get(inv, "ministry", "string").array,
            "category": _get(inv, "category", "string").array,
            # The inventory's vendor, else the top supplier of the linked
            # contracts: readers should not see "unknown" when spend says who.
            "vendor": _get(inv, "vendor", "string")
            .fillna(pd.Series(pinfo["top_supplier"].array, index=inv.index))
            .array,
            "lockin_score": _fl(sc),
            "lockin_low": _fl(lockin["low"]),
            "lockin_high": _fl(lockin["high"]),
            "lockin_commercial": _fl(subs["commercial"]),
            "lockin_technical": _fl(subs["technical"]),
            "lockin_sovereignty": _fl(subs["sovereignty"]),
            "reuse_score": _fl(reuse["score"]),
            "replace_priority": _fl(priority),
            "confidence": _fl(lockin["confidence"]),
            "red_flags": red.array,
            "top_drivers": top_drivers.array,
            "spend_total": _fl(pinfo["spend_total"]),
            "n_contracts": pinfo["n_contracts"].astype(np.int64),
            "candidate_alternatives": alt.where(alt != "").array,
            "lockin_band": pd.array(band, dtype="string"),
            "reuse_confidence": _fl(reuse["confidence"]),
            "top_supplier": pinfo["top_supplier"].array,
            "tenure_years": _fl(pinfo["tenure_years"]),
            "n_direct_awards_top": pinfo["max_direct"].astype(np.int64),
            "in_inventory": (_get(inv, "source_file", "string") != "(procurement only)")
            .fillna(True)
            .astype(bool)
            .to_numpy(),
            "lockin_rank": _int(rr["rank"]),
            "rank_min": _int(rr["rank_min"]),
            "rank_max": _int(rr["rank_max"]),
            "p_top10": _fl(rr["p_top"]),
            # The inventory row behind the system (where the inventory
            # evidence comes from); "(procurement only)" without one.
            "source_file": _get(inv, "source_file", "string").array,
            "source_sheet": _get(inv, "source_sheet", "string").array,
            "source_row": _get(inv, "source_row", "Int64").array,
        }
    )
    systems.attrs["sensitivity"] = {
        "n_draws": rr["n_draws"],
        "spread": float(se["spread"]),
        "seed": int(se["seed"]),
        "top": int(se["top"]),
    }
    return systems


def _int(x: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers with NA (not NaN) for unknown."""
    x = np.asarray(x, float)
    ok = ~np.isnan(x)
    return pd.arrays.IntegerArray(np.where(ok, x, 0).astype(np.int64), ~ok)


def _fl(x: np.ndarray) -> pd.arrays.FloatingArray:
    """Float array with NA (not NaN) for unknown, rounded for stable output."""
    x = np.round(np.asarray(x, float), 6)
    return pd.arrays.FloatingArray(x, np.isnan(x))


def _factor_table(inv: pd.DataFrame, fx: _Factors, scores: _Scores) -> pd.DataFrame:
    """Long table, one row per (system, factor), system-major order.

    Built factor-major from the per-factor arrays, then put in system order
    with one ``take`` per column (no sort of a million-row frame).
    """
    n = fx.n
    ids = inv["system_id"].astype("string").reset_index(drop=True)
    cols: dict[str, list] = {
        k: [] for k in ("factor", "name", "group", "value", "weight", "contribution", "evidence")
    }
    group_of = scores.group_of
    blocks = (
        (scores.lids, scores.lw, scores.lockin, "lockin"),
        (scores.rids, scores.rw, scores.reuse, "reuse"),
    )
    for f_ids, weights, res, kind in blocks:
        known_w = res["confidence"] * sum(weights.values())
        names = LOCKIN_FACTORS if kind == "lockin" else REUSE_FACTORS
        for f in f_ids:
            v = fx.value[f]
            w = weights[f]
            with np.errstate(invalid="ignore", divide="ignore"):
                contrib = np.where(
                    known_w > 0, w * v / np.where(known_w > 0, known_w, 1) * 100, np.nan
                )
            cols["factor"].append(f)
            cols["name"].append(names[f])
            cols["group"].append(group_of.get(f, "other") if kind == "lockin" else "reuse")
            cols["value"].append(v)
            cols["weight"].append(w)
            cols["contribution"].append(contrib)
            cols["evidence"].append(fx.evidence[f].array)
    nf = len(cols["factor"])
    # Factor-major order (all systems for L1, then L2, ...): the blocks are
    # concatenated as built, so the million-row string column is never permuted.
    fidx = np.repeat(np.arange(nf), n)

    def cat(labels: list[str]) -> pd.Series:
        # Categorical: 25 distinct labels repeated per system cost codes, not strings.
        uniq = list(dict.fromkeys(labels))
        codes = np.asarray([uniq.index(x) for x in labels], dtype=np.int64)[fidx]
        return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniq)))

    empty = not (nf and n)
    value = np.concatenate(cols["value"]) if not empty else np.array([])
    # Text columns as chunked arrays, one chunk per factor: the system ids are
    # the same chunk repeated and the evidence chunks are used as built, so
    # the 1.25-million-row text columns cost no copy.
    if empty:
        evidence = system_id = pd.Series([], dtype="string")
    else:
        evidence = _series(pa.chunked_array([_flat(_arrow(e)) for e in cols["evidence"]], _T))
        system_id = _series(pa.chunked_array([_flat(_arrow(ids))] * nf, _T))
    return pd.DataFrame(
        {
            "system_id": system_id,
            "factor": cat(cols["factor"]),
            "name": cat(cols["name"]),
            "group": cat(cols["group"]),
            "value": _fl(value),
            "weight": np.asarray(cols["weight"], dtype=float)[fidx],
            "contribution": _fl(np.concatenate(cols["contribution"]) if not empty else value),
            "known": pd.array(~np.isnan(value), dtype="boolean"),
            "evidence": evidence,
        }
    )


def _top_drivers(fx: _Factors, lids: list[str], w: np.ndarray, n: int, k: int = 3) -> pd.Series:
    """Readable text of the (up to) ``k`` lock-in factors adding the most points.

    The driver texts of all factors form one column (factor-major); each of
    the ``k`` positions is a single ``take`` from it, so no per-factor masking.
    """
    if not lids:
        return pd.Series(pd.NA, index=range(n), dtype="string")
    vals = np.column_stack([fx.value[f] for f in lids])
    contrib = np.where(np.isnan(vals), -1.0, vals * w)
    # Stable order: highest contribution first, then factor order.
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    texts = pa.concat_arrays([_flat(_arrow(fx.driver[f])) for f in lids])
    rows = np.arange(n)
    parts = []
    for j in range(order.shape[1]):
        pick = order[:, j]
        c = contrib[rows, pick]
        t = texts.take(pa.array(pick * n + rows))
        parts.append(pc.if_else(c > 0, t, _NULL))
    return _join(parts) if parts else pd.Series(pd.NA, index=range(n), dtype="string")


# --------------------------------------------------------------------------- sensitivity

SENSITIVITY_MAX_CELLS = 2_000_000
"""Default cap on draws × ranked systems (``[sensitivity] max_cells``)."""

_CHUNK_CELLS = 1_000_000  # draw scores held at a time: 4 MB of float32
_BINS = 1 << 16  # rank resolution of the draws: 100 / 65536 = 0.0015 score points


def _sorted_ranks(s: np.ndarray) -> np.ndarray:
    """Exact competition ranks of each row of float32 scores ``s`` (0-1, NaN last).

    A float32 score >= 0 has a monotonic bit pattern, so (reversed score bits,
    position) packed into one int64 per cell sorts with a plain value sort
    and still carries the order. Used for small inventories, where a sort per
    draw costs less than the bins of :func:`_binned_ranks`.
    """
    c, m = s.shape
    nan = np.isnan(s)
    bits = np.where(s > 0, s, 0).astype(np.float32).view(np.int32).astype(np.int64)
    hi = np.where(nan, 0x7F800001, 0x7F800000 - bits)
    key = np.sort((hi << 32) | np.arange(m, dtype=np.int64), axis=1)
    srt = key >> 32
    new = np.ones((c, m), dtype=bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    first = np.maximum.accumulate(np.where(new, np.arange(m, dtype=np.int32), 0), axis=1)
    ranks = np.empty((c, m), dtype=np.int32)
    np.put_along_axis(ranks, key & 0xFFFFFFFF, first + 1, axis=1)
    return ranks


def _binned_ranks(s: np.ndarray) -> np.ndarray:
    """Competition ranks of each row of scores ``s`` (0-1, NaN last), highest first.

    Scores are put in ``_BINS`` equal bins and a system's rank is 1 + the
    number of systems in higher bins: one ``bincount`` and one ``cumsum`` per
    row instead of a sort, so ranking costs O(systems + bins) per draw. Scores
    closer than 0.0015 points (of 100) may share a rank.
    """
    c, m = s.shape
    nb = _BINS + 1  # bin 0 holds unknown scores
    b = np.clip(np.nan_to_num(s * _BINS, nan=-1.0), -1, _BINS - 1).astype(np.int32) + 1
    b += (np.arange(c, dtype=np.int32) * nb)[:, None]
    counts = np.bincount(b.ravel(), minlength=c * nb).reshape(c, nb)
    # 1 + systems in a strictly higher bin.
    above = (m + 1 - np.cumsum(counts, axis=1)).astype(np.int32)
    return above.ravel()[b]


def rank_ranges(
    values: np.ndarray,
    weights: np.ndarray,
    n: int = 200,
    spread: float = 0.2,
    seed: int = 0,
    top: int = 10,
    max_cells: int | None = None,
) -> dict[str, Any]:
    """Rank of each system under the profile's weights and under ±``spread`` draws.

    Parameters
    ----------
    values : ndarray (n_systems, n_factors)
        Lock-in factor values 0-1, NaN for unknown.
    weights : ndarray (n_factors,)
        The profile's lock-in weights.
    n : int
        Monte Carlo draws; each weight is drawn uniform in ``w·[1-spread, 1+spread]``
        (seeded; the first k draws are the same whatever ``n`` is).
    spread : float
        Relative half-width of the perturbation (0.2 = ±20%).
    seed : int
        Random seed: same seed, same answer.
    top : int
        Size of the top list behind ``p_top``.
    max_cells : int, optional
        Cap on draws × ranked systems; when exceeded, the number of draws is
        lowered to ``max_cells // n_ranked`` (at least 1) and ``n_draws`` says so.

    Returns
    -------
    dict
        ``rank`` (competition rank of the score rounded as in ``systems``,
        1 = most locked in; NaN where the score is unknown), ``rank_min``,
        ``rank_max`` (over the profile's weights and every draw, so
        ``rank_min <= rank <= rank_max``), ``p_top`` (share of draws ranking
        within ``top``), ``n_draws`` (draws used).

    Notes
    -----
    Draws are scored in float32, about ``1e6 // n_ranked`` draws at a time,
    so memory stays at a few tens of MB whatever the number of systems. Their
    ranks are exact (float32) for up to about 5,000 ranked systems; above, they
    come from 65,536 score bins (:func:`_binned_ranks`: scores closer than
    0.0015 points of 100 may share a rank). With
    ``spread == 0`` every draw equals the profile's weights: the range is the
    rank itself and no draw is computed.
    """
    v = np.asarray(values, float)
    w0 = np.asarray(weights, float)
    n_sys = v.shape[0]
    base = np.round(combine(v, w0)["score"], 6)
    keep = ~np.isnan(base)
    m = int(keep.sum())
    rank = np.full(n_sys, np.nan)
    out: dict[str, Any] = {
        "rank": rank,
        "rank_min": rank.copy(),
        "rank_max": rank.copy(),
        "p_top": rank.copy(),
    }
    draws = int(n)
    if max_cells is not None and m and m * draws > max_cells:
        draws = max(1, int(max_cells) // m)
    out["n_draws"] = draws if spread > 0 else 0
    if m == 0:
        return out
    # Exact ranks of the scores as shown (float64, rounded like ``systems``).
    r0 = pd.Series(base[keep]).rank(method="min", ascending=False).to_numpy()
    rank[keep] = r0
    lo, hi, hits = r0.copy(), r0.copy(), np.zeros(m)
    if spread > 0 and draws > 0:
        rng = np.random.default_rng(seed)
        u = rng.uniform(1 - spread, 1 + spread, size=(int(n), len(w0)))[:draws]
        w = (w0[None, :] * u).astype(np.float32)
        known = ~np.isnan(v[keep])
        a = np.where(known, v[keep], 0.0).astype(np.float32).T.copy()  # (factors, m)
        k = known.astype(np.float32).T.copy()
        # Bins cost O(bins) per draw, a sort O(m log m): take the cheaper.
        binned = m * np.log2(max(m, 2)) > _BINS
        rank_draws = _binned_ranks if binned else _sorted_ranks
        step = max(1, _CHUNK_CELLS // (m + (_BINS if binned else 0)))
        for c0 in range(0, draws, step):
            wc = w[c0 : c0 + step]
            with np.errstate(invalid="ignore", divide="ignore"):
                sc = (wc @ a) / (wc @ k)
            r = rank_draws(sc)
            np.minimum(lo, r.min(axis=0), out=lo)
            np.maximum(hi, r.max(axis=0), out=hi)
            hits += (r <= top).sum(axis=0)
        p = hits / draws
    else:
        p = (r0 <= top).astype(float)
    out["rank_min"][keep] = lo
    out["rank_max"][keep] = hi
    out["p_top"][keep] = p
    return out


def _factor_matrix(res: Any, lids: list[str]) -> np.ndarray:
    """(system, lock-in factor) values of a result, from its long factor table."""
    f = res.factors
    order = pd.Index(res.systems["system_id"].astype("string"))
    # Scatter with integer positions: much faster than a pivot on a million rows.
    fpos = (f["factor"].astype("string").map({x: i for i, x in enumerate(lids)})).to_numpy(
        dtype=float, na_value=np.nan
    )
    lock = ~np.isnan(fpos)
    spos = order.get_indexer(f["system_id"].astype("string")[lock])
    vals = np.full((len(order), len(lids)), np.nan)
    ok = spos >= 0
    vals[spos[ok], fpos[lock][ok].astype(np.int64)] = _f(f["value"][lock])[ok]
    return vals


def sensitivity(
    result_or_inputs: Any,
    n: int = 200,
    spread: float = 0.2,
    seed: int = 0,
    top: int = 10,
) -> pd.DataFrame:
    """Stability of the lock-in ranking when each weight moves by ±``spread``.

    The same computation as the ``lockin_rank, rank_min, rank_max, p_top10``
    columns :func:`score` adds to ``systems`` (see :func:`rank_ranges`), with
    the draws and settings given here and no cap on their number.

    Parameters
    ----------
    result_or_inputs : ScoreResult, or (inventory, procurement[, questionnaire])
        A scored result, or inputs to score with the default profile.
    n : int
        Number of Monte Carlo draws.
    spread : float
        Relative half-width of the weight perturbation (0.2 = ±20%).
    seed : int
        Random seed (same seed, same answer).
    top : int
        Size of the top list whose membership probability is reported.

    Returns
    -------
    DataFrame
        ``system_id, rank, rank_min, rank_max, p_top10`` (``p_top10`` is the share
        of draws in which the system ranks within ``top``; the rank range covers
        the profile's own weights and every draw), sorted by ``rank``; systems
        with no known lock-in factor are left out.

    Examples
    --------
    Three systems scored from their inventory alone: the first is clearly the
    most locked in, the other two swap places in some draws (``p_top10`` is
    the share of draws that rank a system within ``top``, here 2):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, read_inventory, score, sensitivity
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> csv = folder / "inventory.csv"
    >>> _ = csv.write_text('''id,name,ministry,licence,ip owner,source code,hosting,data export
    ... FIN-1,Payroll,Ministry of Finance,Proprietary,Vendor,None,Foreign SaaS,None
    ... HEA-1,Records,Ministry of Health,Proprietary,Vendor,None,On-premise,Open format
    ... EDU-1,Portal,Ministry of Education,GPL v3,Vendor,Public repo,Foreign SaaS,Open format
    ... ''', encoding="utf-8")
    >>> inventory = read_inventory([csv], load_config(root=folder)).table
    >>> result = score(inventory, None)
    >>> sensitivity(result, top=2)
      system_id  rank  rank_min  rank_max  p_top10
    0     FIN-1     1         1         1    1.000
    1     HEA-1     2         2         3    0.865
    2     EDU-1     3         2         3    0.135
    >>> tmp.cleanup()
    """
    from .result import ScoreResult

    # Checked here: n=-1 or spread=3 (negative weights) gave ranges that meant nothing.
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"n must be a whole number of draws, 1 or more, not {n!r}")
    if not (isinstance(spread, int | float) and 0 <= spread < 1):
        raise ValueError(f"spread must be a share of each weight in [0, 1), not {spread!r}")
    if not (isinstance(top, int) and top >= 1):
        raise ValueError(f"top must be 1 or more, not {top!r}")
    res = result_or_inputs
    if not isinstance(res, ScoreResult | dict | tuple | list):
        raise TypeError(
            "sensitivity takes a ScoreResult (what score() returns) or score()'s "
            f"arguments as a dict or tuple, not {type(res).__name__}"
        )
    if not isinstance(res, ScoreResult):
        res = score(**res) if isinstance(res, dict) else score(*res)
    lids = list(res.profile.lockin_weights)
    w0 = np.array([res.profile.lockin_weights[x] for x in lids])
    rr = rank_ranges(_factor_matrix(res, lids), w0, n=n, spread=spread, seed=seed, top=top)
    keep = ~np.isnan(rr["rank"])
    out = pd.DataFrame(
        {
            "system_id": pd.array(res.systems["system_id"].astype("string").array[keep]),
            "rank": rr["rank"][keep].astype(np.int64),
            "rank_min": rr["rank_min"][keep].astype(np.int64),
            "rank_max": rr["rank_max"][keep].astype(np.int64),
            "p_top10": rr["p_top"][keep],
        }
    )
    return out.sort_values(["rank", "system_id"], kind="stable").reset_index(drop=True)
