"""Open-source / Digital Public Good alternatives by functional category.

The catalogue ships with the package (``data/alternatives.csv``, built by
``tools/build_alternatives.py``; sources in ``data/ALTERNATIVES_SOURCES.md``).
It feeds the reuse factor "an open-source / DPG alternative exists for the
category" and the "replace or complement" priority.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from .._clean.schema import CATEGORIES

CATALOGUE_AS_OF = "2026-11-26"
"""Date the shipped catalogue was last reviewed (its ``as_of`` column)."""

_COLUMNS = ("category", "name", "licence", "url", "is_dpg", "deployed_countries", "source", "as_of")


@lru_cache(maxsize=8)
def _load(path: str | None) -> pd.DataFrame:
    if path is None:
        ref = resources.files("ospo_analytics") / "data" / "alternatives.csv"
        with resources.as_file(ref) as p:
            df = pd.read_csv(p, dtype="string", keep_default_na=False)
    else:
        df = pd.read_csv(path, dtype="string", keep_default_na=False)
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"alternatives catalogue {path or 'alternatives.csv'}: missing columns {missing}"
        )
    df = df.loc[:, list(_COLUMNS)]
    # Blank cells mean "not stated": keep them NA rather than "".
    df = df.replace("", pd.NA)
    df["is_dpg"] = df["is_dpg"].str.lower().map({"true": True, "false": False}).astype("boolean")
    return df


def load_alternatives(path: str | Path | None = None) -> pd.DataFrame:
    """Return the alternatives catalogue.

    Parameters
    ----------
    path : path-like, optional
        A catalogue CSV with the same columns; default the one shipped with the
        package.

    Returns
    -------
    pandas.DataFrame
        Columns ``category, name, licence, url, is_dpg, deployed_countries,
        source, as_of`` (string dtypes, ``is_dpg`` boolean; blank cells NA).
        The file is read once per path; a copy is returned so callers may
        modify it.

    Examples
    --------
    >>> from ospo_analytics import load_alternatives
    >>> alt = load_alternatives()
    >>> list(alt.columns[:3]), bool(alt["category"].eq("hr").any())
    (['category', 'name', 'licence'], True)
    """
    return _load(None if path is None else str(path)).copy()


def alternatives_for(categories: pd.Series, path: str | Path | None = None) -> pd.Series:
    """Names of the alternatives for each row's functional category.

    Parameters
    ----------
    categories : pandas.Series
        Category codes (``_schema.CATEGORIES``), one per row.
    path : path-like, optional
        Catalogue to use (default: the shipped one).

    Returns
    -------
    pandas.Series
        ``"; "``-joined alternative names (sorted), aligned with ``categories``:
        NA where the category is NA or not a known code (unknown stays unknown),
        ``""`` for a known category that has no alternative in the catalogue.
    """
    cat = load_alternatives(path)
    names = (
        cat.dropna(subset=["category", "name"])
        .drop_duplicates(["category", "name"])
        .sort_values("name", key=lambda s: s.str.casefold())
        .groupby("category", sort=False)["name"]
        .agg("; ".join)
    )
    lookup = dict.fromkeys(CATEGORIES, "") | names.to_dict()
    return categories.astype("string").map(lookup).astype("string")
