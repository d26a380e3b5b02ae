"""Supplier-name clustering: many spellings of one vendor -> one supplier.

Procurement exports spell the same company many ways ("ORACLE CORPORATION",
"Oracle Corp.", "A T & T CORP" / "AT&T CORP"). Lock-in factors such as
supplier concentration (L1) and tenure (L2) are only meaningful once those
spellings are merged, and only if unrelated companies are *not* merged, so
every merge is listed for review (``vendor_merges.csv``).

Steps:

1. :func:`~ospo_analytics._clean.cells.normalise_vendor` (case, accents,
   punctuation, legal suffixes): equal keys merge ("exact-normalised").
2. ``[vendors.aliases]`` from ``ospo.toml`` force merges ("alias").
3. Fuzzy links between distinct keys with ``rapidfuzz``
   ``fuzz.token_sort_ratio`` >= ``threshold`` ("fuzzy"); clusters are the
   connected components of those links.

Why ``token_sort_ratio``: it is symmetric (so the result cannot depend on
input order), tolerant of word order and small typos and truncation
("EARTH RESOURCES TECHNOLOGY IN"), but unlike ``WRatio``/``partial_ratio``
it does not score a short name contained in a longer one as a perfect match
("acme" vs "acme federal services" are different contracting entities).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from .cells import clean_text, normalise_vendor

__all__ = ["cluster_vendors", "vendor_merges"]

# Names shorter than this merge only on equal keys: at 3 letters one edit is
# already a different company (IBM vs HBM).
_MIN_FUZZY_LEN = 5
# Above this block size, compare in row chunks to bound memory.
_CHUNK = 2048
_DIGITS = re.compile(r"\d+")

# UTF-8 read as cp1252/Latin-1 ("SociÃ©tÃ©", "â€™") or a lost byte.
_UTF8_AS_LEGACY = re.compile(
    "[ÃÂâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013-\u203a\u20ac\u2122]|\ufffd"
)


def looks_mojibake(name: object) -> bool:
    """Whether a spelling looks like text decoded with the wrong code page.

    Signs: UTF-8 read as cp1252 ("SociÃ©tÃ©"), a replacement character, a
    capital accented letter inside a lower-case word ("SystËmes", cp1252
    read as MacRoman), a small one inside a capital word ("CARAœBES"), or a
    symbol between two letters ("SYST»MES").
    """
    s = str(name)
    if s.isascii():
        return False
    if _UTF8_AS_LEGACY.search(s):
        return True
    for i, ch in enumerate(s):
        if ord(ch) < 128:
            continue
        prev = s[i - 1] if i else ""
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if ch.isalpha():
            if ch.isupper() and prev.islower():
                return True
            if ch.islower() and prev.isupper() and nxt.isupper():
                return True
        elif prev.isalpha() and nxt.isalpha() and ch not in "’‘·":
            return True
    return False


_COLUMNS = [
    "supplier_raw",
    "normalised",
    "supplier",
    "cluster_id",
    "match_score",
    "method",
    "n_rows",
]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return int(root)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Smaller index wins: the forest does not depend on edge order.
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo


def _fuzzy_edges(keys: list[str], threshold: float) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of keys similar enough to merge.

    Keys are blocked by first character (spelling variants of a company
    almost always share it) and by their numbers (keys whose numbers differ
    never merge, so comparing them is wasted): 20,000 names take a few
    seconds, and numbered names (``Supplier 03062``) almost none.
    """
    edges: list[tuple[int, int]] = []
    digits = [tuple(_DIGITS.findall(k)) for k in keys]
    blocks: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i, k in enumerate(keys):
        if len(k) >= _MIN_FUZZY_LEN:
            blocks.setdefault((k[0], digits[i]), []).append(i)
    for members in blocks.values():
        if len(members) < 2:
            continue
        block_keys = [keys[i] for i in members]
        for start in range(0, len(members), _CHUNK):
            rows = block_keys[start : start + _CHUNK]
            scores = process.cdist(
                rows,
                block_keys,
                scorer=fuzz.token_sort_ratio,
                score_cutoff=threshold,
                dtype=np.uint8,
                workers=1,
            )
            # uint8 truncates, so compare against the floor of the threshold
            # and re-check the exact score for the (few) candidates.
            r_idx, c_idx = np.nonzero(scores)
            for r, c in zip(r_idx.tolist(), c_idx.tolist(), strict=True):
                i, j = members[start + r], members[c]
                # One block holds one tuple of numbers: "Windows 7" and
                # "Windows 8", "Region 4 Services" and "Region 5..." (different
                # entities) are never compared.
                if i >= j:
                    continue
                if fuzz.token_sort_ratio(keys[i], keys[j]) >= threshold:
                    edges.append((i, j))
    return edges


def cluster_vendors(
    names: pd.Series,
    threshold: float = 92,
    aliases: Mapping[str, str] | None = None,
    n_rows: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Cluster supplier spellings into suppliers.

    Parameters
    ----------
    names : Series
        Raw supplier names, one per procurement row (repeats count towards
        the display name). Blank cells are ignored.
    threshold : float, default 92
        Minimum ``fuzz.token_sort_ratio`` (0-100) between normalised names to
        merge them. Names under 5 characters, or whose numbers differ, never
        merge fuzzily.
    aliases : mapping, optional
        ``{"HP Enterprise": "Hewlett Packard Enterprise"}``: the left spelling
        belongs to the right one's cluster (matched after normalisation), and
        the right-hand text is that cluster's display name.
    n_rows : array of int, optional
        Rows behind each name when ``names`` holds each spelling once (a
        caller that has counted them already; no missing names then).

    Returns
    -------
    DataFrame
        One row per distinct raw name (after whitespace tidying):
        ``supplier_raw``, ``normalised``, ``supplier`` (display name: the
        alias target if any, else the most frequent raw spelling that does not
        look like mojibake (:func:`looks_mojibake`), ties to the longest --
        truncated exports lose the end -- then alphabetically), ``cluster_id`` (Int64, numbered by display name),
        ``match_score`` (token_sort_ratio of the name's key to the display
        name's key, 100 for equal keys), ``method`` (``"exact-normalised"``,
        ``"fuzzy"`` or ``"alias"``) and ``n_rows`` (how many input rows).
        Sorted by ``supplier`` then ``supplier_raw``; the same for any input
        order.
    """
    counts = _spelling_counts(names, n_rows)
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in _COLUMNS})
    raw = counts.index.astype(str).tolist()
    n_rows = counts.to_numpy()
    norm = normalise_vendor(pd.Series(raw, dtype="string"))
    # A name that normalises to nothing keeps its casefolded self as key.
    keys_per_raw = [
        k if isinstance(k, str) else r.casefold() for k, r in zip(norm.tolist(), raw, strict=True)
    ]
    normalised = list(keys_per_raw)

    alias_target_key, alias_display = _alias_keys(aliases)
    via_alias = [k in alias_target_key for k in keys_per_raw]
    keys_per_raw = [alias_target_key.get(k, k) for k in keys_per_raw]

    keys = sorted(set(keys_per_raw))
    key_pos = {k: i for i, k in enumerate(keys)}
    uf = _UnionFind(len(keys))
    for i, j in _fuzzy_edges(keys, float(threshold)):
        uf.union(i, j)
    # Each key's component once; names reach theirs through their key's position.
    comp_of_key = np.array([uf.find(i) for i in range(len(keys))], dtype=np.int64)
    comp = comp_of_key[np.fromiter(map(key_pos.__getitem__, keys_per_raw), np.int64, len(raw))]

    frame = pd.DataFrame(
        {
            "supplier_raw": raw,
            "normalised": normalised,
            "_key": keys_per_raw,
            "_comp": comp,
            "_alias": via_alias,
            "n_rows": n_rows,
        }
    )
    display = _display_names(frame, alias_display)
    frame = frame.join(display, on="_comp")

    # Lists: iterating a text Series goes through pandas cell by cell.
    frame["match_score"] = [
        100.0 if k == d else float(fuzz.token_sort_ratio(k, d))
        for k, d in zip(normalised, frame["_display_key"].tolist(), strict=True)
    ]
    frame["method"] = np.where(
        frame["_alias"],
        "alias",
        np.where(frame["_key"] == frame["_display_key"], "exact-normalised", "fuzzy"),
    )
    order = display.assign(_fold=display["supplier"].str.casefold()).sort_values(
        ["_fold", "supplier", "_display_key"]
    )
    cluster_no = pd.Series(np.arange(len(order)), index=order.index)
    frame["cluster_id"] = frame["_comp"].map(cluster_no)
    frame = frame.sort_values(["cluster_id", "supplier_raw"], kind="stable").reset_index(drop=True)
    out = frame[_COLUMNS].copy()
    for c in _COLUMNS:
        out[c] = out[c].astype(_dtype(c))
    return out


def _spelling_counts(
    names: pd.Series, n_rows: Sequence[int] | np.ndarray | None = None
) -> pd.Series:
    """Rows per distinct whitespace-tidied spelling (blank cells dropped);
    ``n_rows``: the rows of each of ``names``, distinct spellings."""
    names = pd.Series(names) if not isinstance(names, pd.Series) else names
    if n_rows is not None or isinstance(names.dtype, pd.StringDtype):
        # Text repeats (one cell per contract): tidy each distinct spelling
        # once and add up its rows (1 and 1.0 only merge in object columns).
        raw_counts = (
            names.value_counts(sort=False, dropna=True)
            if n_rows is None
            else pd.Series(np.asarray(n_rows), index=pd.Index(names.array))
        )
        text, _ = clean_text(pd.Series(raw_counts.index, dtype=names.dtype))
        keep = text.notna().to_numpy()
        return (
            pd.Series(raw_counts.to_numpy()[keep], index=pd.Index(text[keep], dtype="string"))
            .groupby(level=0, sort=False)
            .sum()
        )
    text, _ = clean_text(names)
    text = text.dropna()
    return text.value_counts(sort=False)


def _alias_keys(aliases: Mapping[str, str] | None) -> tuple[dict[str, str], dict[str, str]]:
    """``[vendors.aliases]`` as (source key -> target key, target key -> display name)."""
    alias_target_key: dict[str, str] = {}
    alias_display: dict[str, str] = {}
    for src, dst in (aliases or {}).items():
        s_key = _key_of(src)
        d_key = _key_of(dst)
        if s_key and d_key:
            alias_target_key[s_key] = d_key
            alias_display[d_key] = str(dst).strip()
    return alias_target_key, alias_display


def _display_names(frame: pd.DataFrame, alias_display: dict[str, str]) -> pd.DataFrame:
    """``supplier`` and ``_display_key`` per component (index ``_comp``).

    The alias target, else the most frequent spelling that does not look like
    mojibake (a garbled spelling is named only when the cluster has no other).
    """
    # ASCII text is never mojibake: only the other spellings are looked at.
    ascii_only = pc.string_is_ascii(pa.array(frame["supplier_raw"], pa.string()))
    moji = np.zeros(len(frame), dtype=bool)
    for i in np.flatnonzero(~ascii_only.to_numpy(zero_copy_only=False)).tolist():
        moji[i] = looks_mojibake(frame["supplier_raw"].iat[i])
    ranked = frame.assign(
        _moji=moji,
        _fold=frame["supplier_raw"].str.casefold(),
        _len=frame["supplier_raw"].str.len(),
    ).sort_values(
        ["_comp", "_moji", "n_rows", "_len", "_fold", "supplier_raw"],
        ascending=[True, True, False, False, True, True],
    )
    display = ranked.groupby("_comp", sort=False).first()[["supplier_raw", "_key"]]
    display.columns = ["supplier", "_display_key"]
    if alias_display:
        # A component holding an alias target is named by it (the first
        # target in order, when it holds several).
        hits = frame.loc[frame["_key"].isin(list(alias_display)), ["_comp", "_key"]]
        first = hits.sort_values("_key").groupby("_comp", sort=False)["_key"].first()
        for c, k in zip(first.index.tolist(), first.tolist(), strict=True):
            display.loc[c, ["supplier", "_display_key"]] = [alias_display[k], k]
    return display


def _key_of(name: Any) -> str | None:
    key = normalise_vendor(pd.Series([str(name)], dtype="string")).iloc[0]
    if isinstance(key, str):
        return key
    text = str(name).strip().casefold()
    return text or None


def _dtype(column: str) -> Literal["Int64", "Float64", "string"]:
    dtypes: dict[str, Literal["Int64", "Float64"]] = {
        "cluster_id": "Int64",
        "match_score": "Float64",
        "n_rows": "Int64",
    }
    return dtypes.get(column, "string")


def vendor_merges(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`cluster_vendors` whose cluster holds several spellings.

    This is the review file (``vendor_merges.csv``): every raw name that was
    merged with at least one other spelling, grouped by cluster, lowest match
    score first within each cluster so doubtful merges stand out.
    """
    if table.empty:
        return table.copy()
    sizes = table.groupby("cluster_id")["supplier_raw"].transform("nunique")
    merged = table[sizes > 1]
    return merged.sort_values(
        ["cluster_id", "match_score", "supplier_raw"], ascending=[True, True, True], kind="stable"
    ).reset_index(drop=True)
