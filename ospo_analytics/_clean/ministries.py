"""Buyers roll up to ministries; ministry spellings cluster into one ministry.

National procurement feeds name *buyers* (agencies, hospitals, schools,
municipalities), while a readiness assessment is per *ministry*. And the same
ministry is spelled several ways ("Department for Work And Pensions" /
"Department for Work and Pensions", "Sécurité" / "sécurité"). This module
turns every distinct buyer spelling into the ministry it belongs to:

1. **Roll-up** (only when configured): ``[ministries.buyers]`` in
   ``ospo.toml`` and/or a CSV named by ``ministries.buyers_file``
   (``buyer,ministry``). Keys are exact names, globs (``"Hospital *"``) or
   regular expressions (``"re:^school district"``), all compared case-,
   accent- and spacing-insensitively. Exact names win over patterns; patterns
   are tried in the order written. A buyer that matches nothing, and is not
   itself one of the mapping's ministries, keeps its own name as ministry and
   is listed for review (``buyer_review.csv``).
2. **Clustering**: ministry spellings with the same key (case, accents,
   spacing, ``&``/``and``/``et``/``y``, punctuation folded) are one ministry.
   ``[ministries.aliases]`` forces merges, ``ministries.keep_apart`` keeps
   listed spellings on their own, and an optional fuzzy threshold (off by
   default: ministry names share long prefixes, so "Ministry of Finance" and
   "Ministry of Defence" are closer than most supplier typos) links near
   spellings. Merges are listed for review (``ministry_merges.csv``).

The display name of a ministry is the name the configuration gives it (a
mapping or alias target), else its most frequent spelling, preferring
mixed-case over ALL CAPS / all lower case and accented over bare spellings.
All the string work happens on distinct spellings, so millions of rows cost
one ``factorize``.
"""

from __future__ import annotations

import csv
import fnmatch
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BuyerRule",
    "MinistryResolution",
    "load_buyer_rules",
    "display_names",
    "ministry_key",
    "resolve_ministries",
]

_PUNCT = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
# Connectors that mean "and" in the languages of the demo and real feeds.
_AND_WORDS = frozenset({"and", "et", "y", "und", "e"})

MERGE_COLUMNS = ["ministry", "spelling", "n_rows", "method", "match_score"]
REVIEW_COLUMNS = ["buyer", "spellings", "ministry", "contracts", "spend", "systems", "problem"]
BUYER_COLUMNS = ["ministry", "buyer", "spellings", "matched_by", "contracts", "spend", "systems"]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold(text: str) -> str:
    """Casefold and drop accents (NFKD, combining marks removed)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def ministry_key(name: object) -> str:
    """Comparison key of a ministry or buyer name.

    Case, accents, punctuation and spacing are folded, and ``&``/``+`` and
    the words ``and``/``et``/``y``/``und``/``e`` become one connector, so
    "Ministère de la Sécurité & de l'Intérieur" and "ministere de la securite
    et de l interieur" share a key.

    Parameters
    ----------
    name : object
        A name (converted with ``str``); NA gives ``""``.

    Returns
    -------
    str
        The key (``""`` for a blank name).
    """
    # pd.isna takes any object; the stubs accept scalars and containers only.
    if name is None or (not isinstance(name, str) and pd.isna(name)):  # type: ignore[call-overload]
        return ""
    text = _fold(str(name)).replace("&", " and ").replace("+", " and ")
    words = [w for w in _PUNCT.sub(" ", text).split() if w]
    return " ".join("and" if w in _AND_WORDS else w for w in words)


def _tidy(name: str) -> str:
    """Casefolded, accent-free, single-spaced text (what patterns match)."""
    return _SPACES.sub(" ", _fold(name)).strip()


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class BuyerRule:
    """One buyer -> ministry rule.

    Attributes
    ----------
    pattern : str
        As written (name, glob or ``re:`` expression).
    ministry : str
        The ministry it rolls up to.
    kind : str
        ``"name"``, ``"glob"`` or ``"regex"``.
    origin : str
        Where the rule was written (``ospo.toml`` or the CSV file and row).
    """

    pattern: str
    ministry: str
    kind: str
    origin: str
    _compiled: Any = field(default=None, compare=False, repr=False)

    def matches(self, tidy: str) -> bool:
        """Whether a tidy buyer name (see :func:`_tidy`) matches this pattern rule."""
        if self.kind == "glob":
            return fnmatch.fnmatchcase(tidy, self._compiled)
        return self._compiled.search(tidy) is not None


class RuleError(ValueError):
    """A buyer mapping that cannot be used (bad regex, bad CSV...)."""


def _make_rule(pattern: Any, ministry: Any, origin: str) -> BuyerRule:
    if not isinstance(pattern, str) or not pattern.strip():
        raise RuleError(f"{origin}: empty buyer name or pattern")
    if not isinstance(ministry, str) or not ministry.strip():
        raise RuleError(f"{origin}: buyer {pattern!r} maps to an empty ministry")
    pattern, ministry = pattern.strip(), _SPACES.sub(" ", ministry).strip()
    if pattern[:3].casefold() == "re:":
        try:
            # Accents dropped (names are matched without them) but the case of
            # the expression kept: casefolding would turn \\B into \\b.
            rx = re.compile(_strip_accents(pattern[3:].strip()), re.IGNORECASE)
        except re.error as exc:
            raise RuleError(f"{origin}: invalid regular expression {pattern!r}: {exc}") from None
        return BuyerRule(pattern, ministry, "regex", origin, rx)
    if any(ch in pattern for ch in "*?["):
        return BuyerRule(pattern, ministry, "glob", origin, _tidy(pattern))
    return BuyerRule(pattern, ministry, "name", origin, None)


def load_buyer_rules(
    mapping: Mapping[str, Any] | None, csv_path: Path | None = None
) -> list[BuyerRule]:
    """Read the buyer -> ministry rules of ``ospo.toml`` and the optional CSV.

    Parameters
    ----------
    mapping : mapping
        ``[ministries.buyers]``: buyer name or pattern -> ministry.
    csv_path : Path, optional
        CSV with a ``buyer`` and a ``ministry`` column (UTF-8, BOM allowed;
        comma or semicolon separated). Rows of the CSV come after the TOML
        rules.

    Raises
    ------
    RuleError
        Invalid regular expression, empty name, missing CSV columns, unreadable file.
    """
    rules: list[BuyerRule] = []
    if mapping is not None and not isinstance(mapping, Mapping):
        raise RuleError("ospo.toml [ministries.buyers] must be a table of buyer = ministry")
    for pattern, ministry in (mapping or {}).items():
        rules.append(_make_rule(pattern, ministry, "ospo.toml [ministries.buyers]"))
    if csv_path is not None:
        rules.extend(_read_rules_csv(Path(csv_path)))
    return rules


def _read_rules_csv(path: Path) -> list[BuyerRule]:
    if not path.is_file():
        raise RuleError(f"ministries.buyers_file: {path} not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"ministries.buyers_file: {path}: cannot read as UTF-8: {exc}") from None
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delim)
    header = [h.strip().casefold() for h in next(reader, [])]
    if "buyer" not in header or "ministry" not in header:
        raise RuleError(
            f"ministries.buyers_file: {path}: the first row must name the columns "
            f"'buyer' and 'ministry' (found: {', '.join(header) or 'nothing'})"
        )
    ib, im = header.index("buyer"), header.index("ministry")
    rules = []
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        row = [*row, "", ""]  # short rows: missing cells are empty
        rules.append(_make_rule(row[ib], row[im], f"{path.name} row {n}"))
    return rules


# ---------------------------------------------------------------- resolution


@dataclass
class MinistryResolution:
    """How every distinct buyer spelling resolves to a ministry.

    Attributes
    ----------
    table : DataFrame
        One row per distinct spelling: ``buyer`` (spelling as cleaned),
        ``ministry`` (display name), ``matched_by`` (``"mapping: <rule>"``,
        ``"is a ministry"``, ``"unmatched"`` or ``"no mapping"``), ``method``
        (how its ministry spelling joined the cluster), ``n_rows``.
    merges : DataFrame
        ``ministry_merges.csv``: every spelling of a ministry with several.
    mapped : bool
        Whether a buyer mapping was configured.
    """

    table: pd.DataFrame
    merges: pd.DataFrame
    mapped: bool

    def lookup(self) -> dict[str, str]:
        """Spelling -> ministry display name."""
        return dict(zip(self.table["buyer"], self.table["ministry"], strict=True))

    @property
    def unmatched(self) -> list[str]:
        """Buyer spellings that no mapping rule placed under a ministry."""
        return self.table.loc[self.table["matched_by"] == "unmatched", "buyer"].tolist()


def _is_mixed_case(s: str) -> bool:
    return s != s.upper() and s != s.lower()


def _best_spelling(spellings: Iterable[str], weights: Mapping[str, int]) -> str:
    """Mixed case first, then the most rows, then accented, then alphabetical."""
    return min(
        spellings,
        key=lambda s: (
            not _is_mixed_case(s),
            -weights.get(s, 0),
            -sum(ord(ch) > 127 for ch in s),
            s.casefold(),
            s,
        ),
    )


def display_names(counts: Mapping[str, int]) -> dict[str, str]:
    """Spelling -> display spelling of the names sharing its :func:`ministry_key`.

    Used for buyers, whose spellings are listed per ministry for review
    ("CULTURE INSPECTORATE X" and "Culture Inspectorate X" are one buyer).
    """
    groups: dict[str, list[str]] = {}
    for s in counts:
        groups.setdefault(ministry_key(s) or s, []).append(s)
    out = {}
    for ss in groups.values():
        best = _best_spelling(ss, counts)
        out.update(dict.fromkeys(ss, best))
    return out


def resolve_ministries(
    counts: pd.Series,
    rules: Iterable[BuyerRule] = (),
    aliases: Mapping[str, str] | None = None,
    keep_apart: Iterable[str] = (),
    fuzzy_threshold: float = 0,
) -> MinistryResolution:
    """Resolve distinct buyer spellings to ministries.

    Parameters
    ----------
    counts : Series
        Distinct buyer spelling (index, whitespace-tidied text) -> number of
        rows carrying it (the weight for the display name).
    rules : iterable of BuyerRule
        Buyer -> ministry rules; none means every buyer is its own ministry.
    aliases : mapping, optional
        ``[ministries.aliases]``: spelling -> ministry, a forced merge.
    keep_apart : iterable of str
        Spellings that stay their own ministry (matched exactly after
        whitespace tidying), never merged with another spelling.
    fuzzy_threshold : float, default 0
        rapidfuzz ``token_sort_ratio`` (0-100) above which two ministry keys
        merge; 0 turns fuzzy merging off.

    Returns
    -------
    MinistryResolution
    """
    rules = list(rules)
    counts = counts[counts.index.notna()]
    buyers = [str(b) for b in counts.index]
    n_rows = counts.to_numpy(dtype=np.int64)
    keys = [ministry_key(b) for b in buyers]

    # 1. Roll-up --------------------------------------------------------
    ministry_spelling, matched_by = _roll_up(buyers, keys, rules, aliases)

    # 2. Clustering of the ministry spellings ---------------------------
    weights: dict[str, int] = {}
    for s, n in zip(ministry_spelling, n_rows.tolist(), strict=True):
        weights[s] = weights.get(s, 0) + int(n)
    preferred: dict[str, str] = {}  # key -> configured display name
    for r in rules:
        preferred.setdefault(ministry_key(r.ministry), r.ministry)
    alias_key: dict[str, str] = {}
    for src, dst in (aliases or {}).items():
        dst = _SPACES.sub(" ", str(dst)).strip()
        alias_key[ministry_key(src)] = ministry_key(dst)
        preferred[ministry_key(dst)] = dst
    apart = {_SPACES.sub(" ", str(s)).strip() for s in keep_apart}

    spellings = sorted(weights)
    method: dict[str, str] = {}
    cluster_of: dict[str, str] = {}
    for s in spellings:
        k = ministry_key(s) or s.casefold()
        if s in apart:
            cluster_of[s], method[s] = f"\x00{s}", "kept apart"
        elif k in alias_key:
            cluster_of[s], method[s] = alias_key[k], "alias"
        else:
            cluster_of[s], method[s] = k, "exact-normalised"
    if fuzzy_threshold and fuzzy_threshold > 0:
        _fuzzy_merge(cluster_of, method, float(fuzzy_threshold))

    members: dict[str, list[str]] = {}
    for s in spellings:
        members.setdefault(cluster_of[s], []).append(s)
    display: dict[str, str] = {}
    for c, ss in members.items():
        if c in preferred and not c.startswith("\x00"):
            display[c] = preferred[c]
            continue
        display[c] = _best_spelling(ss, weights)
    ministry = [display[cluster_of[s]] for s in ministry_spelling]
    table = pd.DataFrame(
        {
            "buyer": pd.array(buyers, dtype="string"),
            "ministry": pd.array(ministry, dtype="string"),
            "matched_by": pd.array(matched_by, dtype="string"),
            "method": pd.array([method[s] for s in ministry_spelling], dtype="string"),
            "n_rows": pd.array(n_rows, dtype="Int64"),
        }
    )
    merges = _merges(table)
    return MinistryResolution(table, merges, mapped=bool(rules))


def _roll_up(
    buyers: list[str],
    keys: list[str],
    rules: list[BuyerRule],
    aliases: Mapping[str, str] | None,
) -> tuple[list[str], list[str]]:
    """The ministry spelling of each buyer and how it was matched (step 1)."""
    by_name: dict[str, BuyerRule] = {}
    for r in rules:
        if r.kind == "name":
            by_name.setdefault(ministry_key(r.pattern), r)
    patterns = [r for r in rules if r.kind != "name"]
    target_keys = {ministry_key(r.ministry) for r in rules}
    target_keys |= {ministry_key(v) for v in (aliases or {}).values()}
    ministry_spelling: list[str] = []
    matched_by: list[str] = []
    for b, k in zip(buyers, keys, strict=True):
        rule = by_name.get(k)
        if rule is None and patterns:
            tidy = _tidy(b)
            rule = next((r for r in patterns if r.matches(tidy)), None)
        if rule is not None:
            ministry_spelling.append(rule.ministry)
            matched_by.append(f"mapping: {rule.pattern} ({rule.origin})")
        elif not rules:
            ministry_spelling.append(b)
            matched_by.append("no mapping")
        elif k in target_keys:
            ministry_spelling.append(b)
            matched_by.append("is a ministry")
        else:
            ministry_spelling.append(b)
            matched_by.append("unmatched")
    return ministry_spelling, matched_by


def _fuzzy_merge(cluster_of: dict[str, str], method: dict[str, str], threshold: float) -> None:
    """Link cluster keys whose token_sort_ratio reaches ``threshold``."""
    from .vendors import _fuzzy_edges, _UnionFind

    keys = sorted({c for c in cluster_of.values() if not c.startswith("\x00")})
    uf = _UnionFind(len(keys))
    for i, j in _fuzzy_edges(keys, threshold):
        uf.union(i, j)
    root = {k: keys[uf.find(i)] for i, k in enumerate(keys)}
    for s, c in cluster_of.items():
        if c in root and root[c] != c:
            cluster_of[s] = root[c]
            if method[s] == "exact-normalised":
                method[s] = "fuzzy"


def _merges(table: pd.DataFrame) -> pd.DataFrame:
    """Spellings of each ministry's own name that became one ministry.

    A buyer that a mapping rolled up under another name (a hospital under the
    Ministry of Health) is not a spelling of it: those are listed in
    ``ministry_buyers`` instead. Only ministries with several spellings, or
    whose single spelling differs from the name shown, are listed.
    """
    from rapidfuzz import fuzz

    t = table.assign(
        _bk=[ministry_key(b) for b in table["buyer"]],
        _mk=[ministry_key(m) for m in table["ministry"]],
    )
    mapped = t["matched_by"].str.startswith("mapping:")
    t = t[(t["_bk"] == t["_mk"]) | (t["method"].isin(["alias", "fuzzy"]) & ~mapped)]
    n = t.groupby("ministry")["buyer"].transform("size")
    t = t[(n > 1) | (t["buyer"] != t["ministry"])]
    if t.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in MERGE_COLUMNS})
    method = t["method"].where(t["_bk"] != t["_mk"], "exact-normalised")
    out = pd.DataFrame(
        {
            "ministry": t["ministry"].astype("string"),
            "spelling": t["buyer"].astype("string"),
            "n_rows": t["n_rows"].astype("Int64"),
            "method": method.astype("string"),
            "match_score": pd.array(
                [
                    100.0 if b == m else float(fuzz.token_sort_ratio(b, m))
                    for b, m in zip(t["_bk"], t["_mk"], strict=True)
                ],
                dtype="Float64",
            ),
        }
    )
    return out.sort_values(
        ["ministry", "match_score", "spelling"], key=_casefold_key, kind="stable"
    ).reset_index(drop=True)


def _casefold_key(s: pd.Series) -> pd.Series:
    return s.str.casefold() if s.dtype == object or str(s.dtype) == "string" else s
