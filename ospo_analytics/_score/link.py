"""Link procurement rows to inventory systems.

Order of preference, each step only for rows the previous steps left unlinked:

1. ``system_id``: exact after normalising case and whitespace (confidence 1);
2. ``system_name``: rapidfuzz ``token_sort_ratio`` against the systems of the
   same ministry, best score at or above ``linking.name_threshold`` and no tie
   (confidence ``name_confidence * score / 100``);
3. ``vendor+ministry``: the supplier matches (exactly or fuzzily) the vendor of
   exactly one system in that ministry (confidence ``vendor_confidence *
   score / 100``, lower: a vendor may sell other things too).

Unlinked rows are kept with ``system_id`` NA; their spend still counts at
ministry level. String work happens on unique values only and fuzzy matching
uses one ``cdist`` per ministry, so the cost grows with distinct names, not rows.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from .profile import Profile, load_profile

LINK_METHODS = ("system_id", "system_name", "vendor+ministry", "unlinked")


def _codes_and_norm(
    s: pd.Series | None, n: int, factorized: tuple[np.ndarray, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Factorise ``s`` and normalise its unique values.

    ``factorized`` is ``pd.factorize(s)`` when the caller has it already.

    Returns
    -------
    codes : ndarray of int
        Position of each row's value in ``uniques`` (-1 for NA/blank).
    uniques : ndarray of object
        Normalised unique values (casefolded, trimmed, single spaces).
    """
    if s is None:
        return np.full(n, -1, dtype=np.int64), np.array([], dtype=object)
    codes, uniques = factorized or pd.factorize(s, use_na_sentinel=True)
    u = _normalised(pd.Series(uniques, dtype="string"))
    # Re-factorise the normalised values so "ABC " and "abc" share one code.
    codes2, uniq2 = pd.factorize(u.where(u != ""), use_na_sentinel=True)
    codes = np.where(codes >= 0, codes2[np.maximum(codes, 0)], -1) if len(codes2) else codes
    return codes.astype(np.int64), np.asarray(uniq2, dtype=object)


def _normalised(u: pd.Series) -> pd.Series:
    """Casefolded, trimmed, single-spaced text.

    Python's casefold and whitespace rules apply; values of printable ASCII
    alone (ids, most names), where a space is the only whitespace and
    casefold is lower-casing, are done in Arrow, several times faster.

    >>> _normalised(pd.Series([" ABC  d ", "Straße\u2003X", None], dtype="string")).tolist()
    ['abc d', 'strasse x', <NA>]
    """
    arr = pa.array(u.array)
    plain = pc.fill_null(pc.match_substring_regex(arr, r"^[\x20-\x7e]*$"), True)
    fast = pc.replace_substring_regex(pc.utf8_trim(pc.utf8_lower(arr), " "), " {2,}", " ")
    rest = ~plain.to_numpy(zero_copy_only=False)
    if rest.any():
        slow = u[rest].str.casefold().str.strip().str.replace(r"\s+", " ", regex=True)
        fast = pc.replace_with_mask(fast, pa.array(rest), pa.array(slow.array, type=fast.type))
    return pd.Series(pd.arrays.ArrowStringArray(fast), index=u.index)


def _col(df: pd.DataFrame, name: str) -> pd.Series | None:
    return df[name] if name in df.columns else None


def _best_unique(scores: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Column of the best score per row, -1 where below threshold or tied."""
    if scores.size == 0:
        return np.full(scores.shape[0], -1), np.zeros(scores.shape[0])
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(best)), best]
    n_top = (scores == top[:, None]).sum(axis=1)
    ok = (top >= threshold) & (n_top == 1)
    return np.where(ok, best, -1), top


def _fuzzy_step(
    q_min: np.ndarray,
    q_key: np.ndarray,
    c_min: np.ndarray,
    c_key: np.ndarray,
    c_target: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Match unique (ministry, key) queries to candidates of the same ministry.

    Parameters
    ----------
    q_min, q_key : ndarray
        Ministry code and normalised text of each query.
    c_min, c_key, c_target : ndarray
        Ministry code, normalised text and target system position of each candidate.
    threshold : float
        Minimum token_sort_ratio (0-100).

    Returns
    -------
    target : ndarray of int
        System position per query (-1: no unique match).
    score : ndarray of float
        Match score per query.
    """
    target = np.full(len(q_key), -1, dtype=np.int64)
    score = np.zeros(len(q_key))
    for m in np.unique(q_min):
        qi = np.flatnonzero(q_min == m)
        ci = np.flatnonzero(c_min == m)
        if len(ci) == 0:
            continue
        # Identical candidate texts pointing at different systems are a tie by design.
        sc = process.cdist(
            q_key[qi].tolist(),
            c_key[ci].tolist(),
            scorer=fuzz.token_sort_ratio,
            processor=default_process,
            dtype=np.float32,
        )
        best, top = _best_unique(sc, threshold)
        hit = best >= 0
        target[qi[hit]] = c_target[ci[best[hit]]]
        score[qi] = top
    return target, score


class _Candidates(NamedTuple):
    """Inventory systems a fuzzy step may link to (one entry per candidate text)."""

    ministry: np.ndarray  # ministry code
    key: np.ndarray  # normalised text
    target: np.ndarray  # inventory row position


# Rows a step linked, their target positions (-1: no unique match) and match scores.
_Found = tuple[np.ndarray, np.ndarray, np.ndarray]


def _fuzzy_link(
    pm: np.ndarray,
    todo: np.ndarray,
    codes: np.ndarray,
    uniq: np.ndarray,
    cands: _Candidates,
    threshold: float,
) -> _Found:
    """Fuzzy-match the text of the ``todo`` rows to candidates of their ministry.

    ``codes`` index each row's normalised text in ``uniq``; each distinct
    (ministry, text) pair is matched once and spread back to its rows.
    """
    q = pd.DataFrame({"m": pm[todo], "k": codes[todo]}).drop_duplicates()
    tgt, sc = _fuzzy_step(
        q["m"].to_numpy(),
        uniq[q["k"].to_numpy()],
        cands.ministry,
        cands.key,
        cands.target,
        threshold,
    )
    q["t"], q["s"] = tgt, sc
    rows = np.flatnonzero(todo)
    got = pd.DataFrame({"m": pm[rows], "k": codes[rows]}).merge(q, how="left", on=["m", "k"])
    return rows, got["t"].to_numpy(np.int64), got["s"].to_numpy()


def _id_matches(
    inventory: pd.DataFrame,
    procurement: pd.DataFrame,
    ids: tuple[np.ndarray, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: rows whose ``system_id`` is an inventory id (after normalising).

    Returns the mask of matched rows and their inventory positions.
    """
    n, n_inv = len(procurement), len(inventory)
    p_codes, p_uniq = _codes_and_norm(_col(procurement, "system_id"), n, ids)
    if not (n and n_inv and len(p_uniq)):
        return np.zeros(n, dtype=bool), np.zeros(0, dtype=np.int64)
    i_codes, i_uniq = _codes_and_norm(_col(inventory, "system_id"), n_inv)
    # First inventory row per normalised id (ids are unique in valid inventories).
    first = pd.Series(np.arange(n_inv))[i_codes >= 0].groupby(i_codes[i_codes >= 0]).first()
    key_to_pos = pd.Series(first.to_numpy(), index=pd.Index(i_uniq[first.index.to_numpy()]))
    u_pos = key_to_pos.reindex(p_uniq).fillna(-1).to_numpy(np.int64)
    hit = (p_codes >= 0) & (u_pos[np.maximum(p_codes, 0)] >= 0)
    return hit, u_pos[p_codes[hit]]


def _ministry_codes(
    inventory: pd.DataFrame, procurement: pd.DataFrame, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Ministry codes of the procurement and inventory rows, in one code space (-1: none)."""
    n, n_inv = len(procurement), len(inventory)
    # Only needed when some rows are still unlinked: skip the million-string work otherwise.
    if not (n and n_inv and (pos < 0).any()):
        return np.full(n, -1), np.full(n_inv, -1)
    both_min = pd.concat(
        [
            _col(procurement, "ministry") if "ministry" in procurement else pd.Series([pd.NA] * n),
            inventory["ministry"] if "ministry" in inventory else pd.Series([pd.NA] * n_inv),
        ],
        ignore_index=True,
    ).astype("string")
    m_codes, _ = _codes_and_norm(both_min, n + n_inv)
    return m_codes[:n], m_codes[n:]


def _name_matches(
    inventory: pd.DataFrame,
    procurement: pd.DataFrame,
    todo: np.ndarray,
    pm: np.ndarray,
    im: np.ndarray,
    threshold: float,
) -> _Found | None:
    """Step 2: the ``todo`` rows' system name against the systems of their ministry."""
    if not todo.any():  # text work only when some rows are still unlinked
        return None
    nm_codes, nm_uniq = _codes_and_norm(_col(procurement, "system_name"), len(procurement))
    todo = todo & (nm_codes >= 0)
    if not todo.any():
        return None
    inm_codes, inm_uniq = _codes_and_norm(_col(inventory, "system_name"), len(inventory))
    cand = (im >= 0) & (inm_codes >= 0)
    cands = _Candidates(im[cand], inm_uniq[inm_codes[cand]], np.flatnonzero(cand))
    return _fuzzy_link(pm, todo, nm_codes, nm_uniq, cands, threshold)


def _vendor_matches(
    inventory: pd.DataFrame,
    procurement: pd.DataFrame,
    todo: np.ndarray,
    pm: np.ndarray,
    im: np.ndarray,
    threshold: float,
) -> _Found | None:
    """Step 3: the ``todo`` rows' supplier against vendors of one system in their ministry."""
    if not todo.any():
        return None
    s_codes, s_uniq = _codes_and_norm(_col(procurement, "supplier"), len(procurement))
    todo = todo & (s_codes >= 0)
    if not todo.any() or "vendor" not in inventory:
        return None
    v_codes, v_uniq = _codes_and_norm(inventory["vendor"], len(inventory))
    cand = (im >= 0) & (v_codes >= 0)
    cdf = pd.DataFrame({"m": im[cand], "v": v_codes[cand], "t": np.flatnonzero(cand)})
    cdf = cdf[~cdf.duplicated(["m", "v"], keep=False)]  # vendors with one system only
    cands = _Candidates(cdf["m"].to_numpy(), v_uniq[cdf["v"].to_numpy()], cdf["t"].to_numpy())
    return _fuzzy_link(pm, todo, s_codes, s_uniq, cands, threshold)


def _record(
    found: _Found | None,
    step: int,
    weight: float,
    pos: np.ndarray,
    method: np.ndarray,
    conf: np.ndarray,
) -> None:
    """Write a fuzzy step's links: method ``step``, confidence ``weight * score / 100``."""
    if found is None:
        return
    rows, t, s = found
    ok = t >= 0
    pos[rows[ok]] = t[ok]
    method[rows[ok]] = step
    conf[rows[ok]] = weight * s[ok] / 100.0


def link_positions(
    inventory: pd.DataFrame,
    procurement: pd.DataFrame,
    profile: Profile | None = None,
    ids: tuple[np.ndarray, Any] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Link procurement rows to inventory systems.

    Parameters
    ----------
    inventory, procurement : DataFrame
        Canonical tables.
    profile : Profile, optional
        Scoring profile (``[linking]`` thresholds); default profile if None.
    ids : (codes, uniques), optional
        ``pd.factorize`` of procurement's ``system_id``, when the caller has
        it already (a million-row hash saved).

    Returns
    -------
    links : DataFrame
        ``proc_index, system_id, link_method, link_confidence``, one row per
        procurement row, in procurement order.
    positions : ndarray of int
        Inventory row position per procurement row (-1 unlinked).
    """
    profile = profile or load_profile()
    cfg = profile["linking"]
    n = len(procurement)
    pos = np.full(n, -1, dtype=np.int64)
    method = np.full(n, 3, dtype=np.int8)  # index into LINK_METHODS
    conf = np.zeros(n)

    # 1. system id.
    hit, target = _id_matches(inventory, procurement, ids)
    pos[hit] = target
    method[hit] = 0
    conf[hit] = 1.0

    pm, im = _ministry_codes(inventory, procurement, pos)
    # 2. system name within the same ministry.
    todo = (pos < 0) & (pm >= 0)
    found = _name_matches(inventory, procurement, todo, pm, im, float(cfg["name_threshold"]))
    _record(found, 1, float(cfg["name_confidence"]), pos, method, conf)
    # 3. supplier = vendor of exactly one system in that ministry.
    todo = (pos < 0) & (pm >= 0)
    found = _vendor_matches(inventory, procurement, todo, pm, im, float(cfg["vendor_threshold"]))
    _record(found, 2, float(cfg["vendor_confidence"]), pos, method, conf)

    if len(inventory):
        sid = inventory["system_id"].astype("string").array.take(pos, allow_fill=True)
    else:
        sid = pd.array([pd.NA] * n, dtype="string")
    links = pd.DataFrame(
        {
            "proc_index": np.arange(n, dtype=np.int64),
            "system_id": sid,
            # Codes -> text through a dictionary array: no million Python strings.
            "link_method": pd.arrays.ArrowStringArray(
                pa.DictionaryArray.from_arrays(
                    pa.array(method), pa.array(LINK_METHODS, pa.large_string())
                ).cast(pa.large_string())
            ),
            "link_confidence": pd.array(np.round(conf, 4), dtype="Float64"),
        }
    )
    return links, pos


def link_procurement(
    inventory: pd.DataFrame, procurement: pd.DataFrame, profile: Profile | None = None
) -> pd.DataFrame:
    """Link procurement rows to inventory systems (see module docstring).

    Parameters
    ----------
    inventory, procurement : DataFrame
        Canonical tables.
    profile : Profile, optional
        Scoring profile; its ``[linking]`` section sets thresholds.

    Returns
    -------
    DataFrame
        ``proc_index`` (row position in ``procurement``), ``system_id`` (NA when
        unlinked), ``link_method`` (one of :data:`LINK_METHODS`),
        ``link_confidence`` (0-1; 0 when unlinked).
    """
    return link_positions(inventory, procurement, profile)[0]
