"""Cell cleaners: raw spreadsheet cells -> canonical typed columns.

Every cleaner takes a pandas Series of raw cells (str, int, float, bool,
datetime, date, time, None/NaN -- whatever calamine or the csv reader gave)
and returns ``(values, problems)``:

* ``values`` has the canonical dtype (see :func:`ospo_analytics._clean.schema.pandas_dtype`)
  with NA where the cell is blank or could not be read;
* ``problems`` is a ``string`` Series, NA where the cell is fine, else a short
  human reason quoting the cell (the loader adds file/sheet/row/column).

Blank cells are NA without a problem: whether a column may be blank is the
loader's business. Unknown stays unknown: nothing unreadable becomes a
default value.

Speed: typed cells (calamine floats, datetimes) take vectorised paths;
text goes through pandas ``.str`` methods or is parsed once per *distinct*
value and mapped back, so 100,000-row columns take well under a second.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema as _schema

# Licences: one normaliser for every input lives in licences.py (re-exported).
from .licences import PROPRIETARY, is_open_licence, parse_licence

__all__ = [
    "CODE_SYNONYMS",
    "METHOD_SYNONYMS",
    "PROPRIETARY",
    "clean_text",
    "detect_currency",
    "is_open_licence",
    "may_read_two_ways",
    "normalise_key",
    "classification_code",
    "normalise_vendor",
    "parse_amount",
    "parse_bool",
    "parse_classification",
    "parse_code",
    "parse_date",
    "parse_float",
    "parse_int",
    "parse_licence",
    "parse_method",
]

Result = tuple[pd.Series, pd.Series]

# --------------------------------------------------------------------------- #
# Shared plumbing
# --------------------------------------------------------------------------- #

# Excel error values as they arrive in text (calamine and csv exports).
_EXCEL_ERROR_RE = (
    r"^#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|FIELD!|BLOCKED!"
    r"|CONNECT!|BUSY!|UNKNOWN!|GETTING_DATA|EXTERNAL!|PYTHON!)$"
)
# Placeholders people type for "nothing here"; compared casefolded.
_NA_TOKENS = frozenset(
    {"", "n/a", "na", "n.a.", "n.a", "-", "--", "---", "—", "–", "nan", "null", "?"}
)
# Whitespace incl. the no-break/thin spaces that spreadsheets love; written out
# because pyarrow's RE2 ``\s`` is ASCII-only.
_WS_EXTRA = "\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WS = "\\s" + _WS_EXTRA
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_INVISIBLE = f"[{_CONTROL}{_ZERO_WIDTH}]"
# Text that clean_text's replaces change: an invisible character, or white
# space other than one space.
_UNTIDY = f"{_INVISIBLE}|[^\\S ]|[{_WS_EXTRA}]|  "
_MAX_QUOTE = 60


def _q(value: Any) -> str:
    """Quote a cell for a message, shortened so messages stay one line."""
    text = str(value)
    if len(text) > _MAX_QUOTE:
        text = text[: _MAX_QUOTE - 1] + "…"
    return f"'{text}'"


def _as_series(s: Any) -> pd.Series:
    return s if isinstance(s, pd.Series) else pd.Series(s)


def _no_problems(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


_KIND_CACHE: dict[type, str] = {}


def _kind_of(ty: type) -> str:
    kind = _KIND_CACHE.get(ty)
    if kind is None:
        if issubclass(ty, str):
            kind = "str"
        elif issubclass(ty, bool | np.bool_):
            kind = "bool"
        elif issubclass(ty, int | float | np.integer | np.floating):
            kind = "num"
        elif issubclass(ty, dt.datetime | np.datetime64):  # pd.Timestamp too
            kind = "datetime"
        elif issubclass(ty, dt.date):
            kind = "date"
        elif issubclass(ty, dt.time):
            kind = "time"
        else:
            kind = "other"
        _KIND_CACHE[ty] = kind
    return kind


class _Cells:
    """A raw column split by Python type of its cells.

    Attributes
    ----------
    obj : Series (object)
        The raw cells.
    kind : ndarray of str
        ``"na"``, ``"str"``, ``"num"``, ``"bool"``, ``"datetime"``, ``"date"``,
        ``"time"`` or ``"other"`` per cell.
    text : Series (string)
        Stripped text of ``str`` cells (NA elsewhere); blank and placeholder
        text and Excel errors are already NA and marked in ``kind``.
    problems : Series (string)
        Problems found so far (Excel error values).
    """

    def __init__(self, s: Any, na_tokens: frozenset[str] = _NA_TOKENS) -> None:
        s = _as_series(s)
        self.index = s.index
        self._raw = s
        self._obj: pd.Series | None = None
        n = len(s)
        self.problems = _no_problems(s.index)
        dtype = s.dtype
        # One kind for the whole column: fixed-width text at once (no Python
        # string per cell).
        if isinstance(dtype, pd.StringDtype) or (
            pd.api.types.is_object_dtype(dtype) and n and _all_str_or_na(s)
        ):
            kind = np.where(s.isna().to_numpy(), "na", "str").astype("U8")
        elif pd.api.types.is_bool_dtype(dtype):
            kind = np.where(s.isna().to_numpy(), "na", "bool").astype("U8")
        elif pd.api.types.is_numeric_dtype(dtype):
            kind = np.where(s.isna().to_numpy(), "na", "num").astype("U8")
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kind = np.where(s.isna().to_numpy(), "na", "datetime").astype("U8")
        else:
            # One _kind_of call per distinct Python type, not per cell.
            types = self.obj.map(type)
            lookup = {t: _kind_of(t) for t in types.unique()}
            kind = types.map(lookup).to_numpy(dtype=object, copy=True)
            kind[self.obj.isna().to_numpy()] = "na"
        text = pd.Series(pd.NA, index=s.index, dtype="string")
        is_str = kind == "str"
        if is_str.any():
            every = bool(is_str.all())  # no selection to copy
            arr = _arrow(s if every else s[is_str])
            arr = pc.utf8_trim_whitespace(pc.utf8_trim(pc.utf8_trim_whitespace(arr), _ZERO_WIDTH))
            stripped = _str_series(arr, s.index[is_str])
            blank = _np_bool(pc.is_in(pc.utf8_lower(arr), pa.array(sorted(na_tokens))))
            # Excel errors start with "#": a check of first bytes rules out
            # nearly every cell before the (case-blind) pattern.
            err = _np_bool(pc.starts_with(arr, "#"))
            if err.any():
                hashed = np.flatnonzero(err)
                err[hashed] = _np_bool(
                    pc.match_substring_regex(
                        arr.take(pa.array(hashed)), _EXCEL_ERROR_RE, ignore_case=True
                    )
                )
            pos = np.flatnonzero(is_str)
            kind[pos[blank | err]] = "na"
            if err.any():
                errs = stripped[err]
                self.problems.iloc[pos[err]] = (
                    "Excel error value '" + errs.str.upper() + "'"
                ).to_numpy()
            keep = ~(blank | err)
            if every and keep.all():
                text = stripped  # every cell is text to keep, in place
            else:
                # Scattered in arrow: setting into a string Series goes through
                # Python objects, a large share of the cleaning time on big files.
                where = np.zeros(n, dtype=bool)
                where[pos[keep]] = True
                text = _str_series(
                    pc.replace_with_mask(
                        pa.nulls(n, pa.string()), pa.array(where), arr.filter(pa.array(keep))
                    ),
                    s.index,
                )
        # Fixed-width unicode: comparisons run in C, not per Python object.
        self.kind = kind.astype("U8", copy=False)
        self.text = text

    @property
    def obj(self) -> pd.Series:
        """The raw cells as Python objects, made when first asked for (a text
        column in Arrow is cleaned without them)."""
        if self._obj is None:
            self._obj = self._raw.astype(object)
        return self._obj

    def mask(self, *kinds: str) -> np.ndarray:
        # Elementwise == per kind: np.isin sorts arrays (much slower).
        out = np.zeros(len(self.kind), dtype=bool)
        for k in kinds:
            out |= self.kind == k
        return out

    def flag(self, mask: np.ndarray | pd.Series, messages: Any) -> None:
        """Record problems for the cells in ``mask`` (message str or Series)."""
        m = np.asarray(mask, dtype=bool)
        if not m.any():
            return
        if isinstance(messages, pd.Series):
            messages = messages.to_numpy()
        self.problems.iloc[np.flatnonzero(m)] = messages

    def flag_kinds(self, what: str, *kinds: str) -> None:
        """Flag every cell of the given kinds as ``"<what>: '<cell>'"``."""
        m = self.mask(*kinds)
        if m.any():
            self.flag(m, self.obj[m].map(lambda v: f"{what}: {_q(v)}"))


def _all_str_or_na(s: pd.Series) -> bool:
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    return inferred in ("string", "empty")


def _map_unique(
    values: pd.Series, func: Callable[[Any], tuple[Any, str | None]]
) -> tuple[pd.Series, pd.Series]:
    """Apply ``func`` once per distinct value; return (results, problems) objects."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    res = np.empty(len(uniques), dtype=object)
    prob = np.empty(len(uniques), dtype=object)
    for i, u in enumerate(uniques):
        res[i], prob[i] = func(u)
    return (
        pd.Series(res[codes], index=values.index, dtype=object),
        pd.Series(prob[codes], index=values.index, dtype=object),
    )


def normalise_key(text: str) -> str:
    """Normalise free text for dictionary look-ups.

    Casefold, strip accents (also the Romanian comma/cedilla forms), and turn
    every run of punctuation, spaces and underscores into one ``-``.

    Examples
    --------
    >>> normalise_key("  Licitaţie  Publică ")
    'licitatie-publica'
    """
    text = unicodedata.normalize("NFKD", str(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ")
    return re.sub(r"[\W_]+", "-", text).strip("-")


# --------------------------------------------------------------------------- #
# Text
# --------------------------------------------------------------------------- #


def clean_text(s: Any) -> Result:
    """Tidy free text: strip, collapse whitespace, drop control characters.

    Blank cells and placeholders (``n/a``, ``-``, ``?``, ``null``) become NA
    with no problem; Excel error values (``#REF!``, ``#N/A``...) become NA with
    a problem, because they mean a formula broke upstream. Numbers read as
    floats by calamine come back without a spurious ``.0`` (``1001.0`` ->
    ``"1001"``); dates as ISO text.

    Parameters
    ----------
    s : Series
        Raw cells.

    Returns
    -------
    values : Series (string)
    problems : Series (string)
    """
    cells = _Cells(s)
    # The text cells are tidied in Arrow over the whole column (the cells of
    # other kinds are null there and stay null), with no pandas round trip.
    # Removing invisible characters and collapsing white space change only
    # the text holding some (white space other than single spaces): the
    # costly replaces run on that text alone.
    arr = _arrow(cells.text)
    untidy = pc.match_substring_regex(arr, _UNTIDY).fill_null(False)
    if pc.any(untidy).as_py():
        tidied = pc.replace_substring_regex(arr.filter(untidy), _INVISIBLE, "")
        tidied = pc.replace_substring_regex(tidied, f"[{_WS}]+", " ")
        arr = pc.replace_with_mask(arr, untidy, tidied)
    arr = pc.utf8_trim_whitespace(arr)
    out = _str_series(_without_na_tokens(arr), cells.index)
    other = cells.mask("num", "bool", "datetime", "date", "time", "other")
    if other.any():
        text = cells.obj[other].map(_scalar_text).astype("string")
        out[other] = text.mask(text.str.lower().isin(list(_NA_TOKENS)).fillna(False))
    return out.astype("string"), cells.problems


def _without_na_tokens(arr: pa.Array) -> pa.Array:
    """``arr`` with the placeholder texts (any case) null."""
    na = pc.is_in(pc.utf8_lower(arr), pa.array(sorted(_NA_TOKENS)))
    if not pc.any(na).as_py():
        return arr
    return pc.if_else(na, pa.scalar(None, arr.type), arr)


def _scalar_text(v: Any) -> Any:
    if isinstance(v, bool | np.bool_):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float | np.floating):
        if not np.isfinite(v):
            return pd.NA
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e16 else repr(f)
    if isinstance(v, dt.datetime):
        return (
            v.isoformat(sep=" ")
            if (v.hour, v.minute, v.second) != (0, 0, 0)
            else v.date().isoformat()
        )
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return str(v)


# --------------------------------------------------------------------------- #
# Numbers and amounts
# --------------------------------------------------------------------------- #

# ISO 4217 active codes (2024), so "USD 5" is an amount but "abc 5" is not.
_ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND
    VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
)
# Symbols and prefixed dollars -> ISO code (NA where the symbol is ambiguous).
_CURRENCY_SYMBOLS: dict[str, str | None] = {
    "$": None,  # USD? TTD? MXN? -- the project's default currency decides
    "US$": "USD",
    "U$S": "USD",
    "TT$": "TTD",
    "EC$": "XCD",
    "J$": "JMD",
    "BDS$": "BBD",
    "BZ$": "BZD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "C$": "CAD",
    "CA$": "CAD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "MX$": "MXN",
    "N$": "NAD",
    "€": "EUR",
    "£": "GBP",
    "¥": None,  # JPY or CNY
    "₹": "INR",
    "₦": "NGN",
    "₱": "PHP",
    "₴": "UAH",
    "₽": "RUB",
    "₩": "KRW",
    "₪": "ILS",
    "₫": "VND",
    "₵": "GHS",
    "₲": "PYG",
    "₡": "CRC",
    "₺": "TRY",
    "₸": "KZT",
}
_CUR = r"(?:[A-Za-z]{1,3}\$|U\$S|\$|€|£|¥|₹|₦|₱|₴|₽|₩|₪|₫|₵|₲|₡|₺|₸|[A-Za-z]{3})"
_SP = f"[{_WS}]*"
_AMOUNT_RE = (
    f"^(?P<s1>[-+−])?{_SP}(?P<c1>{_CUR})?{_SP}(?P<s2>[-+−])?{_SP}"
    f"(?P<body>[0-9][0-9.,'’{_WS}]*|[.,][0-9]+)(?P<exp>[eE][-+]?[0-9]+)?{_SP}"
    f"(?P<c2>{_CUR})?{_SP}(?P<s3>-)?$"
)
_PAREN_RE = f"^\\({_SP}(.*?){_SP}\\)$"
# A character that every _CUR alternative holds at least one of.
_CUR_CHAR_RE = "[A-Za-z$€£¥₹₦₱₴₽₩₪₫₵₲₡₺₸]"
_GROUPING_RE = r"^(?:[0-9]+|[0-9]{1,3}(?:[.,][0-9]{3})+|[0-9]{1,2}(?:,[0-9]{2})+,[0-9]{3})?$"


def _currency_code(token: str) -> str | None:
    """Map a currency token to ISO 4217, ``""`` if ambiguous, None if not a currency."""
    up = token.upper()
    for key in (up, token):
        if key in _CURRENCY_SYMBOLS:
            return _CURRENCY_SYMBOLS[key] or ""
    if len(up) == 3 and up.isalpha():
        return up if up in _ISO_4217 else None
    return "" if up.endswith("$") else None


def _arrow(s: pd.Series) -> pa.Array:
    arr = pa.array(s.astype("string").array)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.cast(pa.string())


def _str_series(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.large_string())), index=index)


def _np_bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _np_int(arr: pa.Array, fill: int) -> np.ndarray:
    return np.asarray(arr.fill_null(fill).to_numpy(zero_copy_only=False), dtype=np.int64)


def _currency_tokens(
    parts: dict[str, Any], matched: np.ndarray, currency: pd.Series, allow_currency: bool
) -> None:
    """Currency tokens must be real currencies: "USD 5" yes, "abc 5" no.

    Sets ``currency`` for the cells with one, and unsets ``matched`` for a
    token that is not a currency (or any token when none is allowed).
    """
    c1 = parts["c1"].to_numpy(zero_copy_only=False)
    c2 = parts["c2"].to_numpy(zero_copy_only=False)
    tokens = np.where(pd.isna(c1) | (c1 == ""), c2, c1)
    has_tok = matched & ~pd.isna(tokens) & (tokens != "")
    if has_tok.any():
        codes = [_currency_code(t) for t in tokens[has_tok].tolist()]
        bad = np.array([c is None for c in codes])
        pos = np.flatnonzero(has_tok)
        matched[pos[bad]] = False
        good = pos[~bad]
        currency.iloc[good] = [c or pd.NA for c, b in zip(codes, bad, strict=True) if not b]
        if not allow_currency:
            matched[good] = False


def _well_grouped(
    body: Any,
    dec: np.ndarray,
    dec_arr: pa.Array,
    n_dot: np.ndarray,
    n_com: np.ndarray,
    has_exp: np.ndarray,
) -> np.ndarray:
    """Whether each number's integer part is grouped in threes (or not at all)
    and its decimal mark appears once (``dec_arr``: ``dec`` in Arrow)."""
    dec_count = np.where(dec == ".", n_dot, np.where(dec == ",", n_com, 0))
    int_part = pc.if_else(
        pc.equal(dec_arr, ""), body, pc.replace_substring_regex(body, r"[.,][0-9]*$", "")
    )
    grouping_ok = _np_bool(pc.match_substring_regex(int_part, _GROUPING_RE))
    if has_exp.any():
        grouping_ok = grouping_ok | (has_exp & (n_com == 0) & (n_dot <= 1))
    return grouping_ok & ((dec == "") | (dec_count == 1))


def _normalised_numbers(
    body: Any, exp: Any, dec_arr: pa.Array, valid: np.ndarray, idx: pd.Index
) -> pd.Series:
    """Float values of the valid numbers, written with a dot decimal mark
    (``dec_arr``: each number's decimal mark, or "")."""
    norm_dot = pc.replace_substring(body, ",", "")
    norm_com = pc.replace_substring(pc.replace_substring(body, ".", ""), ",", ".")
    norm_none = pc.replace_substring_regex(body, "[.,]", "")
    norm = pc.if_else(
        pc.equal(dec_arr, "."), norm_dot, pc.if_else(pc.equal(dec_arr, ","), norm_com, norm_none)
    )
    norm = pc.binary_join_element_wise(norm, exp, "")
    norm = pc.if_else(pa.array(valid), norm, pa.scalar(None, pa.string()))
    return pd.to_numeric(
        pd.Series(norm.to_numpy(zero_copy_only=False), index=idx, dtype=object), errors="coerce"
    ).astype("float64")


def _resolve_ambiguous(
    dec: np.ndarray,
    ambiguous: np.ndarray,
    multi: np.ndarray,
    n_dot: np.ndarray,
    n_com: np.ndarray,
    last: np.ndarray,
    decimal: str | None,
    text: pd.Series,
    body: Any,
    problems: pd.Series,
    dot_seen: bool = False,
    comma_seen: bool = False,
) -> None:
    """Decimal marks (``dec``) of the numbers whose one separator before three
    digits reads both ways, from ``decimal`` or the column's other values; a
    column that mixes both styles flags them in ``problems``. ``dot_seen`` /
    ``comma_seen``: the column has numbers parsed apart whose shape fixes a
    decimal dot / comma."""
    if decimal in (".", ","):
        dec[ambiguous] = np.where(last[ambiguous] == decimal, decimal, "")
    elif ambiguous.any():
        # Column-level evidence: a value whose shape fixes the convention
        # (e.g. "29.535882", "1.234,50", "1,234,567") decides the ambiguous ones.
        dot_dec = dot_seen or ((dec == ".") | (multi & (n_com > 1))).any()
        com_dec = comma_seen or ((dec == ",") | (multi & (n_dot > 1))).any()
        amb_last = last[ambiguous]
        if dot_dec and not com_dec:
            dec[ambiguous] = np.where(amb_last == ".", ".", "")
        elif com_dec and not dot_dec:
            dec[ambiguous] = np.where(amb_last == ",", ",", "")
        else:
            # No evidence (or contradicting evidence): a lone separator before
            # three digits is a thousands separator -- "1,234" and "1.234" as
            # amounts are far likelier to mean 1234 than 1.234.
            dec[ambiguous] = ""
            if dot_dec and com_dec:
                pos = np.flatnonzero(ambiguous)
                amb_text = text.iloc[pos]
                read = (
                    _str_series(body, text.index)
                    .iloc[pos]
                    .str.replace(".", "", regex=False)
                    .str.replace(",", "", regex=False)
                )
                problems.iloc[pos] = (
                    "ambiguous number '"
                    + amb_text
                    + "' (read as "
                    + read
                    + "; the column mixes 1,234.5 and 1.234,5 styles)"
                ).to_numpy()


# Plain numbers ("1234", "-12.50"): no currency, grouping or doubt. "1.234"
# (one dot before three digits, 1-3 digits first) is not plain: it may be 1234.
_PLAIN_RE = r"^-?[0-9]+(?:\.[0-9]+)?$"
_AMBIGUOUS_PLAIN_RE = r"^-?[1-9][0-9]{0,2}\.[0-9]{3}$"
# Other shapes that fix their own decimal mark, as the general parser reads
# them: (pattern, but not this one, thousands mark, decimal mark). A decimal
# comma ("1234,56", not the ambiguous "1,234"); thousands in threes with a
# decimal part or several groups ("1,234,567.89", "1.234.567", "1.234,5").
_SURE_SHAPES = (
    (r"^-?[0-9]+,[0-9]+$", r"^-?[1-9][0-9]{0,2},[0-9]{3}$", "", ","),
    (r"^-?[1-9][0-9]{0,2}(?:(?:,[0-9]{3})+\.[0-9]+|(?:,[0-9]{3}){2,})$", None, ",", "."),
    (r"^-?[1-9][0-9]{0,2}(?:(?:\.[0-9]{3})+,[0-9]+|(?:\.[0-9]{3}){2,})$", None, ".", ","),
)


def _parse_number_text(
    text: pd.Series, decimal: str | None, allow_currency: bool
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised number parsing of cleaned text (pyarrow RE2 kernels).

    Returns (float64 values with NaN for failures, problem strings or NA,
    currency codes or NA).

    Plain numbers, most of a machine export, skip the general parser (about
    twenty kernels per value), and so do the other shapes that fix their own
    decimal mark (:data:`_SURE_SHAPES`: "1234,56", "1.234.567,89", most of a
    European export), with or without a currency before or after
    ("TT$9860.31", "1.234,5 €", when ``allow_currency``); the marks they fix
    still count as the column's evidence for the ambiguous values, so the
    result is the same.
    """
    if text.empty:
        return _parse_number_text_all(text, decimal, allow_currency)
    arr = _arrow(text)
    fast = _plain_numbers(arr)
    dot_seen = bool(pc.any(pc.match_substring(arr.filter(pa.array(fast)), ".")).as_py())
    comma_seen = False
    norm = arr  # the fast cells' numbers, written with a dot decimal mark
    cur_fast = None  # the currency of each cell, where one was taken off
    if not fast.all():
        # The other fast cells are looked for only among the rest: a column
        # of plain numbers pays nothing for them.
        rest_pos = np.flatnonzero(~fast)
        rest = arr.take(pa.array(rest_pos))

        def take(hit: np.ndarray, numbers: pa.Array) -> None:
            nonlocal norm
            where = np.zeros(len(fast), dtype=bool)
            where[rest_pos[hit]] = True
            norm = pc.replace_with_mask(norm, pa.array(where), numbers)
            fast[where] = True

        rest_cur = None
        if allow_currency:
            rest, rest_cur = _without_currency(rest)
        if rest_cur is not None:
            cur_fast = np.full(len(arr), None, dtype=object)
            cur_fast[rest_pos] = rest_cur
            # "TT$9860.31": a plain number once its currency is off.
            hit = _plain_numbers(rest)
            if hit.any():
                numbers = rest.filter(pa.array(hit))
                dot_seen |= bool(pc.any(pc.match_substring(numbers, ".")).as_py())
                take(hit, numbers)
        for pattern, unless, thousands, mark in _SURE_SHAPES:
            hit = _np_bool(pc.match_substring_regex(rest, pattern)) & ~fast[rest_pos]
            if unless is not None:
                hit &= ~_np_bool(pc.match_substring_regex(rest, unless))
            if not hit.any():
                continue
            # Their evidence for the ambiguous cells, as the general parser
            # counts it: the decimal mark, or a thousands mark used twice.
            if mark == "." or thousands == ",":
                dot_seen = True
            else:
                comma_seen = True
            numbers = rest.filter(pa.array(hit))
            if thousands:
                numbers = pc.replace_substring(numbers, thousands, "")
            if mark == ",":
                numbers = pc.replace_substring(numbers, ",", ".")
            take(hit, numbers)
    plain = norm.filter(pa.array(fast))
    if not fast.any():
        return _parse_number_text_all(text, decimal, allow_currency)
    values, problems, currency = _parse_number_text_all(
        text[~fast], decimal, allow_currency, dot_seen=dot_seen, comma_seen=comma_seen
    )
    # As the general parser does: the digits, then the sign. Arrow reads
    # digits as to_numeric does (correctly rounded, inf past the largest
    # float), without a Python string per value.
    neg = _np_bool(pc.starts_with(plain, "-"))
    digits = pc.if_else(pa.array(neg), pc.utf8_slice_codeunits(plain, 1), plain)
    nums = np.array(pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False), copy=True)
    nums[neg] = -nums[neg]
    out = pd.Series(np.nan, index=text.index, dtype="float64")
    out[fast] = nums
    out[~fast] = values.to_numpy()
    prob = pd.Series(pd.NA, index=text.index, dtype="string")
    prob[~fast] = problems.to_numpy()
    cur = pd.Series(pd.NA, index=text.index, dtype="string")
    if cur_fast is not None:
        taken = fast & pd.notna(cur_fast)
        cur[taken] = cur_fast[taken]
    cur[~fast] = currency.to_numpy()
    return out, prob, cur


def _plain_numbers(text: pa.Array) -> np.ndarray:
    """Which cells are plain numbers that read one way (not "1.234")."""
    return _np_bool(pc.match_substring_regex(text, _PLAIN_RE)) & ~_np_bool(
        pc.match_substring_regex(text, _AMBIGUOUS_PLAIN_RE)
    )


def may_read_two_ways(values: pd.Series) -> bool:
    """Whether some number cell may read two ways (``1.234``: one separator,
    three digits after), the only cells a column's convention decides.

    A superset of the parser's test (currencies, signs and spaces around
    allowed), cheap enough that a caller can skip deciding the convention
    per file where no cell needs it.

    Examples
    --------
    >>> import pandas as pd
    >>> may_read_two_ways(pd.Series(["1.234,56", "TT$ 5,000", None]))
    True
    >>> may_read_two_ways(pd.Series(["1234.5", "1,234.56", 7.25]))
    False
    """
    text = _arrow(values)
    one_mark = pc.match_substring_regex(text, r"^[^.,]*[.,][^.,]*$")
    three_after = pc.match_substring_regex(text, r"[0-9][.,][0-9]{3}([^0-9]|$)")
    return bool(pc.any(pc.and_(one_mark, three_after)).as_py())


# A currency written before or after the number ("TT$9860.31", "1.234,5 €"),
# with at most one space between; the number may be signed only after it.
_CUR_PREFIX_RE = f"^(?P<tok>{_CUR}) ?(?P<num>-?[0-9][0-9.,]*)$"
_CUR_SUFFIX_RE = f"^(?P<num>-?[0-9][0-9.,]*) ?(?P<tok>{_CUR})$"


def _without_currency(rest: pa.Array) -> tuple[pa.Array, np.ndarray | None]:
    """``rest`` with a real currency taken off the cells that carry one, and
    the ISO code of each cell (NA when ambiguous, "$"; None without one),
    None when no cell has one. A token that is not a currency ("abc 5")
    stays: the general parser reports it."""
    maybe = _np_bool(pc.match_substring_regex(rest, _CUR_CHAR_RE))
    if not maybe.any():
        return rest, None
    codes = np.full(len(rest), None, dtype=object)
    for pattern in (_CUR_PREFIX_RE, _CUR_SUFFIX_RE):
        at = np.flatnonzero(maybe)
        if not len(at):
            break
        parts = pc.extract_regex(rest.take(pa.array(at)), pattern)
        # Tokens are few ("$", "TT$", "EUR"): each is looked up once.
        tok = parts.field("tok").dictionary_encode()
        code_of = [_currency_code(t) for t in tok.dictionary.to_pylist()]
        known = np.array([c is not None for c in code_of] + [False])
        which = np.asarray(
            tok.indices.fill_null(len(code_of)).to_numpy(zero_copy_only=False), dtype=np.intp
        )
        real = known[which]
        if not real.any():
            continue
        iso = np.array([c or pd.NA for c in code_of] + [None], dtype=object)
        codes[at[real]] = iso[which[real]]
        where = np.zeros(len(rest), dtype=bool)
        where[at[real]] = True
        rest = pc.replace_with_mask(
            rest, pa.array(where), parts.field("num").filter(pa.array(real))
        )
        maybe[at[real]] = False  # one currency per cell: "USD 5 USD" stays as it is
    return rest, codes


def _amount_parts(text: pd.Series) -> tuple[np.ndarray, dict[str, Any], np.ndarray]:
    """``(paren, parts, matched)`` of non-empty text: accounting brackets
    ("(1,234.00)"), the groups of :data:`_AMOUNT_RE` inside, and whether it
    matched."""
    arr = _arrow(text)
    paren = _np_bool(pc.match_substring_regex(arr, _PAREN_RE))
    inner = pc.replace_substring_regex(arr, _PAREN_RE, r"\1")
    parts = dict(
        zip(
            ["s1", "c1", "s2", "body", "exp", "c2", "s3"],
            pc.extract_regex(inner, _AMOUNT_RE).flatten(),
            strict=True,
        )
    )
    matched = np.asarray(parts["body"].is_valid().to_numpy(zero_copy_only=False), dtype=bool).copy()
    return paren, parts, matched


def _parse_number_text_all(
    text: pd.Series,
    decimal: str | None,
    allow_currency: bool,
    dot_seen: bool = False,
    comma_seen: bool = False,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The general parser of :func:`_parse_number_text` (every shape);
    ``dot_seen``/``comma_seen``: the column's cells parsed apart fix a
    decimal dot/comma (evidence for the ambiguous ones)."""
    idx = text.index
    values = pd.Series(np.nan, index=idx, dtype="float64")
    problems = pd.Series(pd.NA, index=idx, dtype="string")
    currency = pd.Series(pd.NA, index=idx, dtype="string")
    if text.empty:
        return values, problems, currency
    paren, parts, matched = _amount_parts(text)
    _currency_tokens(parts, matched, currency, allow_currency)
    body = pc.replace_substring_regex(parts["body"], f"[{_WS}'’]", "")
    body = pc.utf8_rtrim(body, characters=".,")
    body = pc.if_else(pa.array(matched), body, pa.scalar(None, pa.string()))
    exp = parts["exp"].fill_null("")
    n_dot = _np_int(pc.count_substring(body, "."), 0)
    n_com = _np_int(pc.count_substring(body, ","), 0)
    last = np.asarray(
        pc.extract_regex(body, r"(?P<x>[.,])[0-9]*$")
        .flatten()[0]
        .fill_null("")
        .to_numpy(zero_copy_only=False),
        dtype=object,
    )
    tail = _np_int(pc.utf8_length(pc.extract_regex(body, r"[.,](?P<x>[0-9]*)$").flatten()[0]), -1)
    lead = pc.extract_regex(body, r"^(?P<x>[0-9]*)[.,]").flatten()[0].fill_null("")
    lead_len = _np_int(pc.utf8_length(lead), 0)
    lead_zero = _np_bool(pc.starts_with(lead, "0"))
    has_exp = np.asarray(pc.not_equal(exp, "").to_numpy(zero_copy_only=False), dtype=bool)

    both = (n_dot > 0) & (n_com > 0)
    single = ((n_dot == 1) & (n_com == 0)) | ((n_com == 1) & (n_dot == 0))
    multi = ((n_dot > 1) & (n_com == 0)) | ((n_com > 1) & (n_dot == 0))
    # One separator, three digits after, 1-3 digits before (not "0"): "1.234"
    # may be 1.234 or 1234. Everything else is decided by its own shape.
    ambiguous = single & (tail == 3) & (lead_len >= 1) & (lead_len <= 3) & ~lead_zero & ~has_exp
    dec = np.full(len(idx), "", dtype=object)
    dec[both] = last[both]
    sure_single = single & ~ambiguous
    dec[sure_single] = last[sure_single]
    exp_plain = has_exp & (n_com == 0)
    dec[exp_plain] = np.where(n_dot[exp_plain] > 0, ".", "")

    _resolve_ambiguous(
        dec,
        ambiguous,
        multi,
        n_dot,
        n_com,
        last,
        decimal,
        text,
        body,
        problems,
        dot_seen,
        comma_seen,
    )

    dec_arr = pa.array(dec.astype(str))
    valid = matched & _well_grouped(body, dec, dec_arr, n_dot, n_com, has_exp)
    nums = _normalised_numbers(body, exp, dec_arr, valid, idx)

    def _signs(name: str, chars: tuple[str, ...]) -> np.ndarray:
        return np.isin(parts[name].fill_null("").to_numpy(zero_copy_only=False), chars)

    neg = paren | _signs("s1", ("-", "−")) | _signs("s2", ("-", "−")) | _signs("s3", ("-",))
    vals = nums.to_numpy(copy=True)
    vals[neg] = -vals[neg]
    values[:] = vals
    bad = np.isnan(vals)
    if bad.any():
        what = "not a number" if allow_currency else "not a plain number"
        problems.iloc[np.flatnonzero(bad)] = (what + ": '" + text[bad] + "'").to_numpy()
    return values, problems, currency


def _parse_numeric(s: Any, decimal: str | None, allow_currency: bool) -> Result:
    cells = _Cells(s)
    out = np.full(len(cells.kind), np.nan)
    num = cells.mask("num")
    if num.any():
        out[num] = cells.obj[num].to_numpy(dtype="float64")
        inf = num & ~np.isfinite(out)
        if inf.any():
            cells.flag(inf, cells.obj[inf].map(lambda v: f"not a finite number: {_q(v)}"))
            out[inf] = np.nan
    is_str = cells.mask("str")
    if is_str.any():
        vals, probs, _ = _parse_number_text(cells.text[is_str], decimal, allow_currency)
        out[is_str] = vals.to_numpy()
        cells.problems[is_str] = probs
    cells.flag_kinds("yes/no value where a number was expected", "bool")
    cells.flag_kinds("date where a number was expected", "datetime", "date", "time")
    cells.flag_kinds("not a number", "other")
    values = pd.Series(out, index=cells.index, dtype="float64").astype("Float64")
    values = values.mask(values.isna())  # NaN -> NA
    return values, cells.problems


def parse_amount(s: Any, *, decimal: str | None = None) -> Result:
    """Parse money amounts written in any common convention.

    Accepts numbers, and text such as ``"TT$1,234.50"``, ``"$ 1,234"``,
    ``"USD 1 234,50"``, ``"1.234,50"``, ``"1.234.567"``, ``"(1,234.00)"``
    (accounting negative), ``"-5"``, ``"1e15"``. Currency symbols/codes are
    dropped here (see :func:`detect_currency`); text that is not a number
    (``"approx 5"``, ``"5 million"``) is NA with a problem.

    Decimal separator, per value: when both ``.`` and ``,`` appear, the last
    one is decimal; a separator repeated (``1.234.567``) is for thousands;
    a single separator followed by 1-2 or 4+ digits, or after a leading 0, is
    decimal. A single separator followed by exactly three digits (``1.234``,
    ``1,234``) is ambiguous: the other values of the column decide (a column
    holding ``29.535882`` reads ``1.438`` as 1.438); with no evidence it is a
    thousands separator, because amounts rarely carry three decimals; with
    contradicting evidence it is read as thousands and flagged.

    Parameters
    ----------
    s : Series
        Raw cells.
    decimal : {".", ","}, optional
        Force the decimal separator (skips the inference above).

    Returns
    -------
    values : Series (Float64)
    problems : Series (string)
    """
    return _parse_numeric(s, decimal, allow_currency=True)


def parse_float(s: Any, *, decimal: str | None = None) -> Result:
    """Parse plain numbers (with thousands separators) to ``Float64``.

    Same rules as :func:`parse_amount`, but a currency sign is a problem:
    a float column that is not an amount should not carry one.
    """
    return _parse_numeric(s, decimal, allow_currency=False)


def parse_int(s: Any, *, decimal: str | None = None) -> Result:
    """Parse whole numbers to ``Int64``.

    ``"3"``, ``3.0``, ``"3.0"``, ``" 12 "``, ``"1,234"`` are fine; ``"3.5"``
    is NA with a problem (``not a whole number``), never rounded.
    """
    values, problems = _parse_numeric(s, decimal, allow_currency=False)
    arr = values.to_numpy(dtype="float64", na_value=np.nan, copy=True)
    frac = ~np.isnan(arr) & (np.mod(arr, 1) != 0)
    huge = ~np.isnan(arr) & (np.abs(arr) >= 2**53)
    bad = frac | huge
    if bad.any():
        src = _as_series(s).astype(object)
        problems = problems.copy()
        problems.iloc[np.flatnonzero(frac)] = [f"not a whole number: {_q(v)}" for v in src[frac]]
        problems.iloc[np.flatnonzero(huge)] = [f"number too large: {_q(v)}" for v in src[huge]]
        arr[bad] = np.nan
    out = pd.array(np.where(np.isnan(arr), 0, arr).astype("int64"), dtype="Int64")
    out[np.isnan(arr)] = pd.NA
    return pd.Series(out, index=values.index), problems


def detect_currency(s: Any) -> pd.Series:
    """Currency of each amount cell as an ISO 4217 code.

    ``"TT$"`` -> ``TTD``, ``"US$"``/``"USD"`` -> ``USD``, ``"€"``/``"EUR"``
    -> ``EUR``, ``"£"`` -> ``GBP``, other ISO codes as they are. A bare
    ``"$"`` (or ``"¥"``) is NA: ambiguous, the project default decides.
    Cells without a currency are NA.
    """
    s = _as_series(s)
    if len(s) and (isinstance(s.dtype, pd.StringDtype) or _all_str_or_na(s)):
        # Text without a letter or currency sign has none (see below), and a
        # cell's currency depends on that cell alone: the cells that may hold
        # one are picked on the raw text (tidying only removes white space),
        # and only they are tidied and parsed.
        maybe = _np_bool(pc.match_substring_regex(_arrow(s), _CUR_CHAR_RE))
        if not maybe.all():
            out = pd.Series(pd.NA, index=s.index, dtype="string")
            if maybe.any():
                out.iloc[np.flatnonzero(maybe)] = _detect_currency_all(s[maybe]).to_numpy()
            return out
    return _detect_currency_all(s)


def _detect_currency_all(s: Any) -> pd.Series:
    """:func:`detect_currency` of every cell."""
    cells = _Cells(s)
    is_str = cells.mask("str")
    out = pd.Series(pd.NA, index=cells.index, dtype="string")
    if is_str.any():
        # Every currency token (_CUR) holds a letter or a currency sign: text
        # without one has no currency, so only the rest is parsed (the
        # currency of a value never depends on the other values).
        text = cells.text[is_str]
        maybe = _np_bool(pc.match_substring_regex(_arrow(text), _CUR_CHAR_RE))
        if maybe.any():
            # The parser's currencies come from the amount pattern's tokens
            # alone: the numbers themselves are not needed.
            cur = pd.Series(pd.NA, index=text.index[maybe], dtype="string")
            _, parts, matched = _amount_parts(text[maybe])
            _currency_tokens(parts, matched, cur, allow_currency=True)
            out.iloc[np.flatnonzero(is_str)[maybe]] = cur.to_numpy()
    return out


# --------------------------------------------------------------------------- #
# Dates
# --------------------------------------------------------------------------- #

_DATE_MIN = pd.Timestamp("1950-01-01")
_DATE_MAX = pd.Timestamp("2100-12-31 23:59:59.999999")
_OUTSIDE = " (outside 1950–2100)"


def implausible_date(day: dt.date) -> str | None:
    """The problem of a date outside the plausible window (1950–2100), else None.

    Earlier dates are typos or placeholders (``0001-01-01``); later ones too
    (``9999-12-31``, "no end"), and past 2262 pandas cannot hold them at all.

    Examples
    --------
    >>> import datetime as dt
    >>> implausible_date(dt.date(9999, 12, 31))
    'implausible date 9999-12-31 (outside 1950–2100)'
    >>> implausible_date(dt.date(2024, 2, 29)) is None
    True
    """
    if _DATE_MIN.date() <= day <= _DATE_MAX.date():
        return None
    return f"implausible date {day.year:04d}-{day.month:02d}-{day.day:02d}{_OUTSIDE}"


def datetime_ns(values: pd.Series) -> pd.Series:
    """Dates (or text) as ``datetime64[ns]``; unreadable or outside 1950–2100: NaT.

    ``pd.to_datetime(...).astype("datetime64[ns]")`` raises on ``9999-12-31``
    (pandas 3 parses it at a coarser unit, which nanoseconds cannot hold):
    for readers whose values were checked already, one bad date must not
    stop a file.

    Examples
    --------
    >>> datetime_ns(pd.Series(["2024-01-31", "9999-12-31", "soon", None])).tolist()
    [Timestamp('2024-01-31 00:00:00'), NaT, NaT, NaT]
    """
    try:
        # "mixed": each value read on its own (a format inferred from the
        # first value would turn every other shape into NaT).
        got = pd.to_datetime(values, errors="coerce", format="mixed")
        if isinstance(got.dtype, pd.DatetimeTZDtype):
            got = got.dt.tz_localize(None)
        got = got.where((got >= _DATE_MIN) & (got <= _DATE_MAX))
        return got.astype("datetime64[ns]")
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        # Mixed time zones or types: one value at a time.
        def one(v: Any) -> Any:
            try:
                ts = pd.Timestamp(v)
            except (ValueError, TypeError, OverflowError):
                return pd.NaT
            if pd.isna(ts):
                return pd.NaT
            ts = ts.tz_localize(None) if ts.tzinfo is not None else ts
            return ts if _DATE_MIN <= ts <= _DATE_MAX else pd.NaT

        return pd.Series([one(v) for v in values], index=values.index, dtype="datetime64[ns]")


_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")  # absorbs Excel's fake 1900-02-29
_SERIAL_MIN, _SERIAL_MAX = 1, 80000

# Unambiguous formats first; then the two numeric families.
_ISO_FORMATS = ("%Y-%m-%d", "ISO8601", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
_NAMED_FORMATS = (
    "%d-%b-%Y", "%d %b %Y", "%d-%B-%Y", "%d %B %Y", "%d-%b-%y", "%d %b %y",
    "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%b. %d, %Y", "%d. %B %Y",
    "%d-%b-%Y %H:%M:%S", "%d %B %Y %H:%M",
)  # fmt: skip
_DAYFIRST_FORMATS = (
    "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%y",
    "%d.%m.%y",
)  # fmt: skip
_MONTHFIRST_FORMATS = tuple(
    f.replace("%d", "%Q").replace("%m", "%d").replace("%Q", "%m") for f in _DAYFIRST_FORMATS
)
# Month names in Spanish, French, Portuguese, Romanian -> English, so the named
# formats above read "4 de marzo de 2021" or "4 mars 2021".
_MONTHS = {
    "enero": "January", "febrero": "February", "marzo": "March", "abril": "April",
    "mayo": "May", "junio": "June", "julio": "July", "agosto": "August",
    "septiembre": "September", "setiembre": "September", "octubre": "October",
    "noviembre": "November", "diciembre": "December",
    "janvier": "January", "fevrier": "February", "mars": "March", "avril": "April",
    "mai": "May", "juin": "June", "juillet": "July", "aout": "August",
    "septembre": "September", "octobre": "October", "novembre": "November",
    "decembre": "December",
    "janeiro": "January", "fevereiro": "February", "marco": "March", "maio": "May",
    "junho": "June", "julho": "July", "setembro": "September", "outubro": "October",
    "dezembro": "December",
    "ianuarie": "January", "februarie": "February", "martie": "March",
    "aprilie": "April", "iunie": "June", "iulie": "July", "septembrie": "September",
    "octombrie": "October", "noiembrie": "November", "decembrie": "December",
}  # fmt: skip
_MONTH_RE = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b")
# A zone letter after a digit; a numeric offset only after a time ("...:MM",
# "...:SS.fff"): the "-2023" that ends "31-12-2023" is a year, not UTC-20:23.
_TZ_RE = re.compile(
    r"(?:(?<=\d)\s*(?:Z|UTC|GMT)|(?<=:\d\d)(?:\.\d+)?\s?[+-]\d{2}:?\d{2})$", re.IGNORECASE
)


def _translate_months(text: str) -> str:
    key = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch)
    )
    if not _MONTH_RE.search(key):
        return text
    key = _MONTH_RE.sub(lambda m: _MONTHS[m.group(1)], key)
    return re.sub(r"\s+de(l)?\s+", " ", key)


def _try_formats(
    u: pd.Series, formats: tuple[str, ...], problems: dict[str, str] | None = None
) -> pd.Series:
    """Dates of texts ``u`` in the first of ``formats`` that reads each. A
    date outside 1950–2100 is NaT, its problem in ``problems`` (by text):
    ``9999-12-31`` cannot even be held in nanoseconds (it stopped the file)."""
    out = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    # Every date written out has a digit: "now" and "today", which the ISO
    # parser takes for the clock's time, are words (a date that changes with
    # each run).
    todo = u[u.astype("string").str.contains(r"\d", regex=True).fillna(False).to_numpy(bool)]
    for fmt in formats:
        if todo.empty:
            break
        with np.errstate(all="ignore"):
            try:
                got = pd.to_datetime(todo, format=fmt, errors="coerce")
            except (ValueError, OverflowError, TypeError):
                continue
        if isinstance(got.dtype, pd.DatetimeTZDtype):
            got = got.dt.tz_localize(None)
        outside = got.notna() & ((got < _DATE_MIN) | (got > _DATE_MAX))
        if outside.any():
            for text, ts in zip(todo[outside], got[outside], strict=True):
                if problems is not None:
                    problems.setdefault(str(text), implausible_date(ts.date()) or "")
            todo = todo[~outside]
            got = got[~outside]
        got = got.astype("datetime64[ns]")
        ok = got.notna()
        out[ok[ok].index] = got[ok]
        todo = todo[~ok]
    return out


def _datetime_objects(obj: pd.Series) -> tuple[pd.Series, pd.Series]:
    """datetime/date objects -> (datetime64[ns] or NaT, problems) with the window applied."""

    def convert(v: Any) -> tuple[Any, str | None]:
        if isinstance(v, np.datetime64):
            v = pd.Timestamp(v).to_pydatetime()
        if isinstance(v, dt.datetime):
            if v.tzinfo is not None:
                v = v.replace(tzinfo=None)
        else:
            v = dt.datetime(v.year, v.month, v.day)
        if not (_DATE_MIN <= v <= _DATE_MAX):
            return pd.NaT, implausible_date(v.date())
        return pd.Timestamp(v), None

    try:
        conv = pd.to_datetime(obj, errors="raise")
        if isinstance(conv.dtype, pd.DatetimeTZDtype):
            raise TypeError
        conv = conv.astype("datetime64[us]")
        inside = (conv >= _DATE_MIN) & (conv <= _DATE_MAX)
        if inside.all():
            return conv.astype("datetime64[ns]"), pd.Series(pd.NA, index=obj.index, dtype="string")
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        pass
    vals, probs = _map_unique(obj, convert)
    return pd.to_datetime(vals).astype("datetime64[ns]"), probs.astype("string")


def parse_date(s: Any, dayfirst: bool = True) -> Result:
    """Parse dates to ``datetime64[ns]``.

    Accepts datetime/date objects (time part kept, time zone dropped), ISO
    text (``2021-03-04``, ``2021-03-04T10:00:00Z``), day-first text
    (``04/03/2021``, ``4.3.2021``), named months (``04-Mar-2021``,
    ``March 4, 2021``, ``4 de marzo de 2021``, ``4 mars 2021``) and Excel
    serial numbers 1-80000 (1900 date system, origin 1899-12-30 so Excel's
    phantom 1900-02-29 does not shift later dates).

    Day-first vs month-first is decided per column: ``dayfirst`` is the
    default, but if some values only make sense month-first (``01/27/2011``)
    and none only day-first, the whole column is read month-first (US
    exports). Dates outside 1950-01-01..2100-12-31 are NA with a problem.

    Parameters
    ----------
    s : Series
        Raw cells.
    dayfirst : bool, default True
        Reading of ambiguous ``03/04/2021``.

    Returns
    -------
    values : Series (datetime64[ns])
    problems : Series (string)
    """
    cells = _Cells(s)
    out = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")

    objs = cells.mask("datetime", "date")
    if objs.any():
        vals, probs = _datetime_objects(cells.obj[objs])
        out[objs] = vals.to_numpy()
        cells.problems[objs] = probs.to_numpy()
    cells.flag_kinds("time without a date", "time")
    midnight = cells.mask("time")
    if midnight.any():
        midnight[midnight] = (cells.obj[midnight] == dt.time(0)).to_numpy(dtype=bool)
    if midnight.any():
        # Excel's date 0 (shown as 00/01/1900, or 1900-01-01 by some tools)
        # reads as a bare midnight: a placeholder, not a date.
        cells.flag(midnight, "not a date: Excel's day 0 (shown as 00/01/1900), a placeholder")
    cells.flag_kinds("yes/no value where a date was expected", "bool")
    cells.flag_kinds("not a date", "other")

    serial = pd.Series(np.nan, index=cells.index)
    num = cells.mask("num")
    if num.any():
        serial[num] = cells.obj[num].to_numpy(dtype="float64")

    is_str = cells.mask("str")
    if is_str.any():
        text = cells.text[is_str]
        # Numeric text is an Excel serial (csv exports of date cells).
        as_num = pd.to_numeric(
            text.where(text.str.fullmatch(r"[0-9]+(\.[0-9]+)?").fillna(False)), errors="coerce"
        )
        is_serial_text = as_num.notna().to_numpy() & ~text.str.fullmatch(r"[0-9]{8}").fillna(
            False
        ).to_numpy(bool)
        pos = np.flatnonzero(is_str)
        serial.iloc[pos[is_serial_text]] = as_num[is_serial_text].to_numpy()  # type: ignore[call-overload]  # stubs: array values
        rest = text[~is_serial_text]
        if not rest.empty:
            u = pd.Series(pd.unique(rest.to_numpy(dtype=object)))
            parsed, why_not = _parse_date_texts(u, dayfirst)
            lookup = dict(zip(u, parsed, strict=True))
            got = rest.map(lookup).astype("datetime64[ns]")
            rpos = np.flatnonzero(is_str)[~is_serial_text]
            out.iloc[rpos] = got.to_numpy()
            failed = got.isna().to_numpy()
            if failed.any():
                why = rest.map(why_not).astype("string")
                cells.problems.iloc[rpos[failed]] = (
                    why[failed].fillna("not a date: '" + rest[failed] + "'")
                ).to_numpy()

    _serial_dates(serial, cells, out)
    # Plausibility window for everything parsed from text or serials.
    outside = out.notna() & ((out < _DATE_MIN) | (out > _DATE_MAX))
    if outside.any():
        cells.problems[outside] = (
            "implausible date " + out[outside].dt.strftime("%Y-%m-%d") + _OUTSIDE
        )
        out[outside] = pd.NaT
    return out, cells.problems


def _parse_date_texts(u: pd.Series, dayfirst: bool) -> tuple[pd.Series, dict[str, str]]:
    """Dates of distinct texts, day- or month-first decided on them all; and
    the problem of each text left unknown though it reads as a date: outside
    1950–2100, or ambiguous where the texts contradict themselves
    (``31/12/2023`` beside ``12/31/2023``: ``03/04/2023`` could be either)."""
    u_clean = u.map(lambda t: _TZ_RE.sub("", t)).map(_translate_months)
    # Route by shape so each value only meets formats that could fit.
    parsed = pd.Series(pd.NaT, index=u_clean.index, dtype="datetime64[ns]")
    problems: dict[str, str] = {}  # by text: why a text reading as a date is unknown
    iso = u_clean.str.match(r"^\d{4}").to_numpy(bool)
    named = u_clean.str.contains(r"[^\W\d_]", regex=True).to_numpy(bool)
    outside: dict[str, str] = {}  # by cleaned text
    if iso.any():
        parsed[iso] = _try_formats(u_clean[iso], _ISO_FORMATS, outside)
    if named.any():
        parsed[named & ~iso] = _try_formats(u_clean[named & ~iso], _NAMED_FORMATS, outside)
    todo = parsed.isna() & ~named
    if todo.any():
        dfirst = _try_formats(u_clean[todo], _DAYFIRST_FORMATS, outside)
        mfirst = _try_formats(u_clean[todo], _MONTHFIRST_FORMATS)
        only_m = (mfirst.notna() & dfirst.isna()).any()
        only_d = (dfirst.notna() & mfirst.isna()).any()
        use_dayfirst = dayfirst
        if dayfirst and only_m and not only_d:
            use_dayfirst = False
        elif not dayfirst and only_d and not only_m:
            use_dayfirst = True
        first, second = (dfirst, mfirst) if use_dayfirst else (mfirst, dfirst)
        got = first.fillna(second)
        if only_m and only_d:
            # Both orders are in use: a date that reads both ways is a guess
            # either way, so it is unknown, with the two witnesses named.
            both = (dfirst.notna() & mfirst.notna() & (dfirst != mfirst)).to_numpy(bool)
            if both.any():
                wm = u[todo][(mfirst.notna() & dfirst.isna()).to_numpy(bool)].iloc[0]
                wd = u[todo][(dfirst.notna() & mfirst.isna()).to_numpy(bool)].iloc[0]
                for t in u[todo][both]:
                    problems[t] = (
                        f"ambiguous date '{t}': these dates are written day-first "
                        f"('{wd}') and month-first ('{wm}')"
                    )
                got[both] = pd.NaT
        parsed[todo] = got
    for text, clean in zip(u, u_clean, strict=True):
        if clean in outside:
            problems.setdefault(text, outside[clean])
    return parsed, problems


# Dates whose first two fields are both 1-12 read both ways: they never vote.
_BOTH_WAYS = re.compile(r"^\s*(0?[1-9]|1[0-2])[/.\-](0?[1-9]|1[0-2])(?![0-9])")
# Three digits first (ISO, serials) never reads day- or month-first.
_NO_VOTE = re.compile(r"^\s*[0-9]{3}")


def date_votes(values: Any) -> list[str]:
    """The distinct texts among ``values`` that can decide day- or month-first.

    Day/month order is a property of a file, not of one column: a US export
    whose award dates hold ``01/27/2023`` writes its end dates month-first
    too, even when every end date reads both ways. The loader cleans each
    date column with the votes of the file's other date columns (appended,
    then dropped), so all of them follow one order.

    Examples
    --------
    >>> date_votes(["01/27/2023", "03/04/2025", "2024-01-31", None, "01/27/2023"])
    ['01/27/2023']
    """
    return [
        v
        for v in dict.fromkeys(values)
        if isinstance(v, str) and not (_BOTH_WAYS.match(v) or _NO_VOTE.match(v))
    ]


_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_FOLD_DIGITS = str.maketrans("0123456789", "9999999999")


def date_vote_key(text: str) -> str:
    """One key for the voting dates that vote alike: a valid ``31/12/2023``
    and ``25/03/2021`` both say "day first" in the same shape, so a big file
    keeps one of them as its witness, not thousands (each witness is parsed
    again with every chunk of every date column). A text this cannot vouch
    for (a named month, an impossible date) is its own key.

    Examples
    --------
    >>> date_vote_key("31/12/2023") == date_vote_key("25/03/2021")
    True
    >>> date_vote_key("12/31/2023") == date_vote_key("31/12/2023")
    False
    >>> date_vote_key("31/02/2023")  # no date either way: votes for nothing
    '31/02/2023'
    """
    m = _NUMERIC_DATE.match(text)
    if not m:
        return text
    a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
    y = y + (2000 if y < 69 else 1900) if y < 100 else y  # as %y reads it

    def valid(day: int, month: int) -> bool:
        try:
            dt.date(y, month, day)
        except ValueError:
            return False
        return True

    if a > 12 and valid(a, b):
        return "day-first " + text.translate(_FOLD_DIGITS)
    if b > 12 and valid(b, a):
        return "month-first " + text.translate(_FOLD_DIGITS)
    return text


def _serial_dates(serial: pd.Series, cells: _Cells, out: pd.Series) -> None:
    """Excel serial numbers (cells or numeric text) into ``out``; a serial out
    of range, or one that looks like a year, is a problem instead."""
    has_serial = serial.notna().to_numpy()
    if has_serial.any():
        x = serial[has_serial]
        in_range = ((x >= _SERIAL_MIN) & (x <= _SERIAL_MAX)).to_numpy()
        conv = pd.Series(pd.NaT, index=x.index, dtype="datetime64[ns]")
        conv[in_range] = _EXCEL_ORIGIN + pd.to_timedelta(x[in_range], unit="D")
        spos = np.flatnonzero(has_serial)
        out.iloc[spos] = conv.to_numpy()
        raw = cells.obj[has_serial]
        yearish = ((x.round() == x) & (x >= 1900) & (x <= 2100)).to_numpy()
        msgs = np.where(
            yearish,
            "looks like a year, not a full date: " + raw.map(_q).astype(str),
            "not a date (number outside the Excel serial range 1-80000): "
            + raw.map(_q).astype(str),
        )
        bad_serial = ~in_range | yearish
        if bad_serial.any():
            out.iloc[spos[bad_serial]] = pd.NaT
            cells.problems.iloc[spos[bad_serial]] = msgs[bad_serial]


# --------------------------------------------------------------------------- #
# Booleans
# --------------------------------------------------------------------------- #

_TRUE = """yes y true t 1 x ✓ ✔ ☑ ✅ si s sí oui o sim da ja wahr vrai verdadero verdadeiro
    adevarat ok""".split()
_FALSE = """no n false f 0 non não nao nu nein falso faux fals falsch ✗ ✘ ☐ ❌""".split()
_UNKNOWN = """unknown unk don't-know dont-know do-not-know not-known ? ?? tbd tbc n-a
    desconocido no-se ns-nr nsp ne-sait-pas inconnu nao-sei desconhecido nu-stiu weiss-nicht
    unbekannt""".split()
_BOOL_MAP: dict[str, bool | None] = {}
for _w in _TRUE:
    _BOOL_MAP[normalise_key(_w) or _w] = True
for _w in _FALSE:
    _BOOL_MAP[normalise_key(_w) or _w] = False
for _w in _UNKNOWN:
    _BOOL_MAP[normalise_key(_w) or _w] = None


def parse_bool(s: Any) -> Result:
    """Parse yes/no cells to ``boolean``.

    English, Spanish, French, Portuguese, Romanian and German words
    (yes/y/true/1/x/✓/si/sí/oui/o/sim/da/ja; no/n/false/0/non/não/nu/nein),
    real booleans and the numbers 1/0. "unknown", "don't know", "?" are NA
    without a problem (an honest answer); anything else ("partly", "2") is NA
    with a problem.
    """
    cells = _Cells(s)
    out = pd.Series(pd.NA, index=cells.index, dtype="boolean")
    b = cells.mask("bool")
    if b.any():
        out[b] = cells.obj[b].astype(bool).to_numpy()
    num = cells.mask("num")
    if num.any():
        x = cells.obj[num].astype("float64")
        ok = x.isin([0.0, 1.0]).to_numpy()
        pos = np.flatnonzero(num)
        out.iloc[pos[ok]] = (x[ok] == 1.0).to_numpy()
        if (~ok).any():
            cells.flag(
                np.isin(np.arange(len(out)), pos[~ok]),
                cells.obj[num][~ok].map(lambda v: f"not a yes/no value: {_q(v)}"),
            )
    is_str = cells.mask("str")
    if is_str.any():

        def one(text: str) -> tuple[Any, str | None]:
            key = normalise_key(text) or text.strip()
            if key in _BOOL_MAP:
                return _BOOL_MAP[key], None
            return None, f"not a yes/no value: {_q(text)}"

        vals, probs = _map_unique(cells.text[is_str].astype(object), one)
        out[is_str] = vals.astype("boolean").to_numpy()
        cells.problems[is_str] = probs.astype("string").to_numpy()
    cells.flag_kinds("not a yes/no value", "datetime", "date", "time", "other")
    return out, cells.problems


# --------------------------------------------------------------------------- #
# Codes
# --------------------------------------------------------------------------- #


def _syn(pairs: Mapping[str, str | tuple[str, ...]]) -> dict[str, str]:
    """Build a synonym dict from ``{code: "phrase | phrase"}`` (readable tables)."""
    out: dict[str, str] = {}
    for code, phrases in pairs.items():
        items = phrases.split("|") if isinstance(phrases, str) else phrases
        for phrase in items:
            key = normalise_key(phrase)
            if key:
                out[key] = code
    return out


_CATEGORY_SYNONYMS = _syn(
    {
        "hr": "human resources|human resource management|hrm|hrms|hris|personnel|staff management"
        "|recursos humanos|rrhh|gestion de personal|talento humano|ressources humaines|rh|grh"
        "|gestion du personnel|gestao de pessoas|resurse umane",
        "payroll": "payroll|salaries|salary|pay roll|nomina|nómina|planilla|planillas|paie"
        "|salaires|folha de pagamento|salarizare",
        "finance": "finance|financial management|accounting|budget|treasury|ifmis|fmis|gl"
        "|general ledger|finanzas|contabilidad|presupuesto|tesoreria|gestion financiera"
        "|comptabilite|budget et finances|financas|contabilitate",
        "erp": "erp|enterprise resource planning|planificacion de recursos empresariales"
        "|progiciel de gestion integre|pgi",
        "document-management": "document management|documents|edms|ecm|ged|records management"
        "|archives|archiving|dms|gestion documental|gestion de documentos|archivo"
        "|gestion electronique de documents|gestion documentaire|gestao documental",
        "procurement": "procurement|purchasing|e-procurement|eprocurement|tendering|compras"
        "|adquisiciones|contrataciones|compras publicas|contratacion publica|achats|marches publics"
        "|passation des marches|aquisicoes|achizitii",
        "identity": "identity|identity management|iam|id management|digital identity|eid"
        "|authentication|sso|single sign on|identidad|identificacion|identite|identidade",
        "help-desk": "help desk|helpdesk|service desk|servicedesk|itsm|ticketing|mesa de ayuda"
        "|mesa de servicio|soporte|assistance|support utilisateurs|centre de services",
        "crm": "crm|customer relationship management|citizen relationship management"
        "|atencion al ciudadano|gestion de clientes|relation usager|relation citoyen",
        "case-management": "case management|case tracking|workflow|expedientes"
        "|gestion de expedientes|gestion de casos|gestion des dossiers|processos",
        "civil-registration": "civil registration|civil registry|crvs|vital statistics"
        "|registro civil|etat civil|registre civil|stare civila",
        "social-protection": "social protection|social welfare|social benefits|cash transfers"
        "|social registry|proteccion social|programas sociales|protection sociale|protecao social",
        "health-information": "health|health information|his|hmis|ehr|emr|lims"
        "|hospital information system|salud|sistema de informacion en salud|sante|saude",
        "education-lms": "education|lms|learning management|e-learning|elearning|emis"
        "|school management|educacion|aprendizaje|education et formation|formation|educacao",
        "tax-revenue": "tax|taxes|revenue|tax administration|customs|impuestos|tributacion"
        "|recaudacion|aduanas|impots|fiscalite|douanes|tributos|impostos",
        "payments": "payments|payment|e-payment|payment gateway|pagos|pasarela de pagos"
        "|paiements|pagamentos",
        "data-exchange": "data exchange|interoperability|integration platform|esb|api gateway"
        "|intercambio de datos|interoperabilidad|echange de donnees|interoperabilite",
        "data-collection": "data collection|surveys|survey|forms|census|recoleccion de datos"
        "|encuestas|collecte de donnees|enquetes|coleta de dados",
        "gis": "gis|geographic information system|mapping|maps|geospatial|sig"
        "|sistema de informacion geografica|cartografia|cartographie|geomatique",
        "messaging": "messaging|email|e-mail|mail|sms|chat|correo|correo electronico"
        "|mensajeria|messagerie|courriel",
        "collaboration": "collaboration|office|office suite|intranet|file sharing"
        "|videoconferencing|productivity|colaboracion|ofimatica|bureautique|travail collaboratif",
        "website-cms": "website|web site|cms|content management|portal|web portal|sitio web"
        "|portal web|gestor de contenidos|site web|site internet|gestion de contenu",
        "analytics-bi": "analytics|bi|business intelligence|reporting|dashboards|data warehouse"
        "|statistics|analitica|inteligencia de negocios|estadisticas|informatique decisionnelle"
        "|decisionnel|statistiques",
        "infrastructure": "infrastructure|network|networking|servers|hosting|data centre"
        "|data center|backup|security|monitoring|infraestructura|redes|seguridad|reseau"
        "|securite|infra",
        "other": "other|misc|miscellaneous|otro|otros|autre|autres|outro",
    }
)

CODE_SYNONYMS: dict[str, dict[str, str]] = {
    "category": _CATEGORY_SYNONYMS,
    "hosting": _syn(
        {
            "government": "on premise|on-premise|on premises|on-prem|onprem|in house|in-house"
            "|gov data centre|gov data center|government data centre|government data center"
            "|government|gov|gov cloud|government cloud|ministry|local|internal"
            "|centro de datos del gobierno|centro de datos propio|gobierno|local propio|propio"
            "|en las instalaciones|sur site|sur site ministere|centre de donnees de l etat"
            "|gouvernement|interne",
            "third-party-in-country": "third party|third-party|local provider|local hosting"
            "|colocation|colo|outsourced local|third party in country|tercero|proveedor local"
            "|hebergeur local|prestataire local",
            "vendor-cloud-in-country": "vendor cloud|vendor cloud in country|vendor hosted"
            "|vendor data centre|vendor data center|local cloud|national cloud|nube local"
            "|nube del proveedor|cloud local|cloud national|cloud du fournisseur",
            "foreign": "saas|foreign|foreign cloud|public cloud|aws|aws us|azure|gcp"
            # A vendor cloud abroad is foreign, whatever else the cell says.
            "|saas vendor cloud us|vendor cloud us|vendor cloud abroad|vendor cloud foreign"
            "|saas vendor cloud|foreign saas"
            "|google cloud|offshore|abroad|overseas|extranjero|nube extranjera|nube publica"
            "|etranger|cloud etranger|cloud public",
        }
    ),
    "data_export": _syn(
        {
            "open-format": "open|open format|open-format|csv|json|xml|api|rest api|open api"
            "|csv api|api csv|csv json|csv xml|json api"
            "|odf|ods|sql|sql dump|standard|documented|yes|formato abierto|abierto"
            "|format ouvert|ouvert|oui|si",
            "proprietary-format": "proprietary|proprietary format|xls|xlsx|excel|binary|vendor format"
            "|closed format|formato propietario|format proprietaire|proprietaire",
            "none": "none|no|vendor only|vendor-only|no export|not possible|ninguno|ninguna"
            "|solo proveedor|aucun|aucune|non|impossible",
        }
    ),
    "source_code_access": _syn(
        {
            "public-repo": "github|gitlab|gitlab com|public|public repo|public repository|open"
            "|open source|codeberg|bitbucket|repositorio publico|publico|depot public|public git",
            "gov-repo": "gov repo|government repo|government repository|internal repo"
            "|internal gitlab|internal git|in house repo|repositorio del gobierno|repositorio interno"
            "|depot interne|forge interne",
            "escrow": "escrow|source code escrow|in escrow|deposito|deposito en garantia|sequestre"
            "|depot fiduciaire",
            "none": "none|no|no access|closed|vendor only|ninguno|no disponible|aucun|non",
        }
    ),
    "ip_owner": _syn(
        {
            "government": "government|gov|ministry|state|public|agency|crown|gobierno|estado"
            "|ministerio|publico|etat|gouvernement|ministere|administration|gov owned"
            "|government owned|owned by government",
            "vendor": "vendor|supplier|provider|contractor|proprietary|vendor owned|commercial"
            "|proveedor|propietario|fournisseur|editeur|proprietaire",
            "third-party": "third party|third-party|open source|community|oss|foss|upstream"
            "|tercero|terceros|codigo abierto|logiciel libre|libre|tiers|communaute",
            "shared": "shared|joint|co owned|co-owned|both|compartido|conjunto|partage|conjointe",
        }
    ),
    "proprietary_dependencies": _syn(
        {
            "none": "none|no|ninguna|ninguno|aucune|aucun|non",
            "replaceable": "replaceable|soft|some|partial|minor|reemplazable|sustituible"
            "|remplacable|substituable",
            "hard": "hard|strong|critical|yes|many|locked|dura|fuerte|critica|forte|si|oui",
        }
    ),
    "documentation": _syn(
        {
            "none": "none|no|missing|ninguna|aucune|non",
            "basic": "basic|partial|some|minimal|limited|basica|parcial|basique|partielle",
            "complete": "complete|full|comprehensive|good|yes|completa|buena|complete|bonne|oui|si",
        }
    ),
    "criticality": _syn(
        {
            "low": "low|minor|baja|bajo|faible|basse|l|1",
            "medium": "medium|moderate|med|normal|media|medio|moyenne|moyen|m|2",
            "high": "high|critical|mission critical|very high|essential|h|3|alta|alto|critica"
            "|critico|haute|elevee|critique",
        }
    ),
    "answer": _syn(
        {
            "yes": "yes|y|done|si|sí|oui|sim|da|ja|true|1|implemented",
            "partly": "partly|partially|partial|in progress|some|parcialmente|parcial|en curso"
            "|partiellement|en cours|em parte|partly implemented|partially implemented"
            "|partly done|partially done|implementado parcialmente|parcialmente implementado"
            "|partiellement mis en oeuvre|mis en oeuvre partiellement|en parte",
            "no": "no|n|not done|non|nao|não|nu|nein|false|0|not implemented",
            "unknown": "unknown|don't know|dont know|?|n/a|na|desconocido|no se|inconnu|ne sait pas"
            "|nao sei",
        }
    ),
}
"""Built-in value synonyms per canonical code column (keys already normalised
with :func:`normalise_key`). ``ospo.toml`` ``[values.<column>]`` wins over these."""

METHOD_SYNONYMS: dict[str, str] = _syn(
    {
        "open": "open|open tender|open procedure|open competition|open bidding|competitive"
        "|competitive bidding|full and open competition|full and open|itb|invitation to bid"
        "|invitation for bids|ifb|national competitive bidding|international competitive bidding"
        "|ncb|icb|public tender|public bidding|rfp open|request for proposals"
        "|licitacion publica|licitacion publica nacional|licitacion publica internacional"
        "|licitacion abierta|concurso|concurso publico|concurso abierto|licitacion"
        "|licitacion por concurso de ofertas|concurso de ofertas|subasta inversa"
        "|appel d offres ouvert|appel d offres|aoo|procedure ouverte"
        "|pregao eletronico|pregao presencial|pregao|concorrencia|concorrencia publica|leilao"
        "|licitatie publica|licitatie deschisa|procedura simplificata"
        "|відкриті торги|допорогові закупівлі|спрощена закупівля|abovethreshold"
        "|abovethresholdua|abovethresholdeu|belowthreshold|pricequotation|open procedure oj",
        "selective": "selective|selective tender|restricted|restricted tender|restricted procedure"
        "|prequalification|pre qualification|prequalified|shortlist|short list|framework call off"
        "|call off|mini competition|competitive dialogue|competitive procedure with negotiation"
        "|negotiated with prior publication|negotiated procedure with prior publication"
        "|invitacion a cuando menos tres personas|invitacion a cuando menos tres proveedores"
        "|invitacion restringida|seleccion abreviada|concurso de meritos|licitacion restringida"
        "|appel d offres restreint|procedure restreinte|dialogue competitif"
        "|procedure negociee avec publicite|procedure avec negociation"
        "|tomada de precos|convite|concurso limitado|licitatie restransa|dialog competitiv"
        "|конкурентний діалог|competitivedialogueua|competitivedialogueeu",
        "limited": "limited|limited tender|limited bidding|negotiated|negotiated procedure"
        "|negotiated without publication|negotiated procedure without publication"
        "|negotiated without prior publication|request for quotations|request for quotation|rfq"
        "|shopping|minima cuantia|contratacion de minima cuantia|regimen especial"
        "|procedure adaptee|mapa|procedure negociee sans publicite|procedure negociee"
        "|marche negocie|consultation restreinte"
        "|cerere a ofertelor de preturi|cererea ofertelor de preturi|negociere fara publicare"
        "|negociere fara publicarea prealabila a unui anunt de participare|achizitii de valoare mica"
        "|переговорна процедура|переговорна процедура для потреб оборони|negotiation"
        "|negotiation quick",
        "direct": "direct|direct award|direct contracting|direct purchase|direct procurement"
        "|single source|sole source|single sourcing|sole sourcing|not competed"
        "|not available for competition|non competitive|noncompetitive|no competition"
        "|contratacion directa|adjudicacion directa|compra directa|contrato directo"
        "|gre a gre|marche de gre a gre|entente directe|attribution directe"
        "|dispensa de licitacao|dispensa|inexigibilidade|inexigibilidade de licitacao"
        "|ajuste direto|ajuste directo|contratacao direta"
        "|achizitie directa|achizitii directe|atribuire directa"
        "|звіт про укладений договір|прямий договір|reporting",
    }
)
"""Built-in procurement-method names (en, es, fr, pt, ro, uk) -> OCDS codes.
Keys are normalised with :func:`normalise_key`. Mexico's "invitación a cuando
menos tres personas", Brazil's "convite"/"tomada de preços" and framework
call-offs map to ``selective``: only a pre-set group may bid. Romanian
price-quotation requests and French MAPA map to ``limited``."""

_NEGATIONS = frozenset({"no", "non", "not", "sin", "sans", "fara", "без", "nao", "nu", "without"})


def _lookup_code(key: str, table: Mapping[str, str]) -> str | None | tuple[str, ...]:
    """Exact, then longest whole-word phrase contained in ``key``.

    Returns the code, None when nothing matches, or a tuple of candidate codes
    when the longest phrases disagree.
    """
    if key in table:
        return table[key]
    words = key.split("-")
    padded = f"-{key}-"
    found = {p: c for p, c in table.items() if len(p) >= 4 and f"-{p}-" in padded}
    # A phrase inside a longer one found too says nothing of its own ("done"
    # in "not done"); two phrases side by side that name different codes
    # ("unknown / not done") leave the text doubtful, not the longer one's.
    found = {
        p: c for p, c in found.items() if not any(p != q and f"-{p}-" in f"-{q}-" for q in found)
    }
    if len(set(found.values())) > 1:
        return tuple(sorted(set(found.values())))
    best_len = max((len(p) for p in found), default=0)
    best = {c for p, c in found.items() if len(p) == best_len}
    if not best:
        return None
    # "no competitive bidding": a negation outside the phrase flips its meaning.
    if any(w in _NEGATIONS for w in words):
        for phrase in table:
            if len(phrase) == best_len and f"-{phrase}-" in padded:
                if not any(w in _NEGATIONS for w in phrase.split("-")):
                    return tuple(sorted(best)) if len(best) > 1 else ("?",)
    return best.pop() if len(best) == 1 else tuple(sorted(best))


@lru_cache(maxsize=64)
def _schema_synonyms(codes: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for table in _schema.TABLES.values():
        for col in table:
            if col.kind == "code" and tuple(col.codes) == codes and col.name in CODE_SYNONYMS:
                out.update(CODE_SYNONYMS[col.name])
    return out


def parse_code(
    s: Any,
    codes: tuple[str, ...] | list[str],
    synonyms: Mapping[str, str] | None = None,
    user_map: Mapping[str, str] | None = None,
    *,
    column: str | None = None,
) -> Result:
    """Map free text to one of a fixed set of codes.

    Text is normalised (:func:`normalise_key`), then looked up in, by
    priority: ``user_map`` (from ``ospo.toml`` ``[values.<column>]``), the
    codes themselves, ``synonyms``. If nothing matches exactly, the longest
    known phrase contained in the text wins (``"Adjudicación directa (art. 42)"``
    -> ``direct``) unless a negation outside the phrase or a tie between codes
    makes it doubtful. Unmatched text is NA with a problem.

    Parameters
    ----------
    s : Series
        Raw cells.
    codes : sequence of str
        Allowed codes.
    synonyms : mapping, optional
        Phrase -> code. Default: ``CODE_SYNONYMS[column]`` when ``column`` is
        given, else the built-ins of the canonical column(s) with exactly
        these codes.
    user_map : mapping, optional
        Phrase -> code, wins over everything else; a phrase mapped to ``""``
        means unknown (NA, no problem).
    column : str, optional
        Canonical column name, to pick the built-in synonyms.
    """
    codes = tuple(codes)
    code_set = set(codes)
    if synonyms is None:
        synonyms = CODE_SYNONYMS.get(column, {}) if column else _schema_synonyms(codes)
    table: dict[str, str] = {}
    for k, v in synonyms.items():
        table[normalise_key(k)] = v
    for c in codes:
        table[normalise_key(c)] = c
    user = {normalise_key(k): str(v) for k, v in (user_map or {}).items()}
    expected = ", ".join(codes)
    # A placeholder that is a spelling of a code is that code: "N/A" answers
    # "unknown" to a questionnaire point, it does not leave the answer empty.
    spelled = {t for t in _NA_TOKENS if normalise_key(t) and normalise_key(t) in {**table, **user}}
    cells = _Cells(s, na_tokens=_NA_TOKENS - spelled)
    out = pd.Series(pd.NA, index=cells.index, dtype="string")

    def one(text: str) -> tuple[Any, str | None]:
        key = normalise_key(text)
        if key in user:
            target = user[key]
            if not target.strip():
                return None, None  # `"U" = ""`: the user says this spelling means unknown
            if target in code_set:
                return target, None
            norm_target = table.get(normalise_key(target))
            if norm_target is not None:
                return norm_target, None
            return None, f"ospo.toml maps {_q(text)} to {_q(target)}, not one of: {expected}"
        found = _lookup_code(key, table) if key else None
        if isinstance(found, str) and found in code_set:
            return found, None
        if isinstance(found, tuple):
            return None, f"unclear code {_q(text)} (expected one of: {expected})"
        return None, f"unknown code {_q(text)} (expected one of: {expected})"

    usable = cells.mask("str", "num", "bool")
    if usable.any():
        text = cells.text.astype(object)
        non_str = cells.mask("num", "bool")
        if non_str.any():
            text[non_str] = cells.obj[non_str].map(_scalar_text)
        text = text[usable]
        vals, probs = _map_unique(text, one)
        out[usable] = vals.astype("string").to_numpy()
        cells.problems[usable] = probs.astype("string").to_numpy()
    cells.flag_kinds(
        f"unknown code (expected one of: {expected})", "datetime", "date", "time", "other"
    )
    return out, cells.problems


def parse_method(s: Any, user_map: Mapping[str, str] | None = None) -> Result:
    """Map procurement-method names to OCDS ``open/selective/limited/direct``.

    Built-ins cover English, Spanish, French, Portuguese, Romanian (cedilla
    and comma-below spellings) and Ukrainian names, see :data:`METHOD_SYNONYMS`.
    Flags such as the US IT Dashboard ``Contract Compete`` Y/N belong in
    ``user_map`` (``[values.method]``), not here.
    """
    return parse_code(s, ("open", "selective", "limited", "direct"), METHOD_SYNONYMS, user_map)


# --------------------------------------------------------------------------- #
# Classification codes (CPV / UNSPSC)
# --------------------------------------------------------------------------- #

# A code as exported: 8 digits (spaces or dots allowed inside), optionally a
# check digit ("-5") or a catalogue suffix ("-001"), optionally followed by
# its label ("72000000-5 IT services").
_CLASS_RE = re.compile(
    r"^\s*(\d[\d .]{5,10}\d)(?:\s*-\s*(\d{1,3}))?(?:\s*(?:[-–—:;,]\s*)?[^\d\s].*)?\s*$",
    re.DOTALL,
)


def classification_code(value: Any) -> tuple[str | None, str | None]:
    """One CPV / UNSPSC cell -> ``(code, problem)``.

    Valid: exactly 8 digits (``72000000``), with an optional check digit or
    catalogue suffix after a dash (``72000000-5``, ``43211508-001``) and an
    optional label after it. A number of 7 digits is an 8-digit code whose
    leading zero a spreadsheet dropped (``3111900`` -> ``03111900``). Anything
    else -- 9 or 10 digits run together, 2-6 digits, letters -- is not a code:
    ``(None, problem)``, so the IT filter says unknown instead of guessing.

    The CPV check digit is kept as published, not recomputed: the EU's own
    CPV 2008 list does not follow its documented check-digit rule (the
    Publications Office says so), so recomputing would reject real codes.
    """
    if value is None or isinstance(value, bool):
        return None, None if value is None else f"not a classification code: {_q(value)}"
    if isinstance(value, float):
        if not np.isfinite(value):
            return None, None if np.isnan(value) else f"not a classification code: {_q(value)}"
        if not value.is_integer():
            return None, f"not a classification code: {_q(value)}"
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if len(text) == 7:
            text = "0" + text
        if len(text) != 8:
            return None, f"not a CPV/UNSPSC code (expected 8 digits): {_q(value)}"
        return text, None
    text = str(value).strip()
    if not text:
        return None, None
    m = _CLASS_RE.match(text)
    digits = re.sub(r"[ .]", "", m.group(1)) if m else ""
    if len(digits) == 7 and m and not m.group(1).startswith("0"):
        digits = "0" + digits
    if not m or len(digits) != 8:
        return None, (
            f"not a CPV/UNSPSC code (expected 8 digits, optionally -check digit): {_q(text)}"
        )
    return digits + (f"-{m.group(2)}" if m.group(2) else ""), None


def parse_classification(s: Any) -> Result:
    """Normalise classification cells (see :func:`classification_code`)."""
    s = _as_series(s)
    vals, probs = _map_unique(s.astype(object), classification_code)
    return vals.astype("string"), probs.astype("string")


# --------------------------------------------------------------------------- #
# Vendor names
# --------------------------------------------------------------------------- #


# Legal-form suffixes (normalised tokens), removed only at the end of a name.
def _build_suffixes() -> tuple[tuple[str, ...], ...]:
    singles = """inc incorporated corp corporation co company cos ltd limited llc llp lp plc gmbh ag
    sa sas sarl srl bv nv pty pvt pte spa sl sau slu ab asa oy kg kgaa ltda eirl sac saa sae
    ooo oao zao tov pjsc jsc ojsc cjsc kft zrt sro doo ead ulc pllc se group holdings
    holding""".split()
    phrases = """limited liability company|limited partnership|limited liability partnership|sa de cv
    |s de rl de cv|s de rl|sapi de cv|sp z oo|s en c|private limited|public limited company
    |gmbh and co kg|and co kg|and co|and company|co kg""".split("|")
    out = [tuple(p.split()) for p in phrases if p.strip()] + [(w,) for w in singles]
    return tuple(sorted(out, key=len, reverse=True))


_SUFFIXES = _build_suffixes()
# The suffixes by their last token, longest first as in _SUFFIXES: a name is
# compared only with the suffixes that can end it.
_SUFFIXES_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _suf in _SUFFIXES:
    _SUFFIXES_BY_LAST.setdefault(_suf[-1], []).append(_suf)
_BRACKETS_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_INNER_DOT_RE = re.compile(r"(?<=\w)[.'’](?=\w)")
_DOTS_RE = re.compile(r"[.'’]")
_NON_WORD_RE = re.compile(r"[\W_]+")


def _normalise_vendor_one(name: str) -> str | None:
    return _normalise_folded(name.casefold())


def _normalise_folded(folded: str) -> str | None:
    """:func:`_normalise_vendor_one` of a name from its casefolded text (all
    it depends on: spellings differing only in case share the work)."""
    text = unicodedata.normalize("NFKD", folded)
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ").replace("+", " and ")
    # Reference numbers and notes in brackets: "A T AND T CORPORATION (0000)".
    text = _BRACKETS_RE.sub(" ", text)
    text = _INNER_DOT_RE.sub("", text)  # S.A. -> sa, O'Neil -> oneil
    text = _DOTS_RE.sub("", text)
    words = _NON_WORD_RE.sub(" ", text).split()
    # Letter-by-letter acronyms: "a t and t" -> "at and t", "c r i" -> "cri".
    merged: list[str] = []
    run: list[str] = []
    for tok in [*words, ""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            merged.append("".join(run) if len(run) >= 2 else run[0])
            run = []
        if tok:
            merged.append(tok)
    tokens = merged
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        if tokens[-1] == "the":
            tokens = tokens[:-1]
            changed = True
            continue
        for suf in _SUFFIXES_BY_LAST.get(tokens[-1], ()):
            n = len(suf)
            if len(tokens) > n and tuple(tokens[-n:]) == suf:
                tokens = tokens[:-n]
                changed = True
                break
    return " ".join(tokens) or None


def normalise_vendor(s: Any) -> pd.Series:
    """Normalise supplier names for matching (not for display).

    Casefold, strip accents and punctuation, ``&`` -> ``and``, join spelled-out
    acronyms (``A T & T`` -> ``at and t``), drop bracketed notes (``(0000)``),
    a leading ``the`` and trailing legal forms (Inc, Corp, Ltd, LLC, GmbH,
    S.A. de C.V., SRL, Group, Holdings...). Suffixes are removed only at the
    end and never down to nothing, so "The Company" stays "company".

    Examples
    --------
    ``"Oracle Corp."`` and ``"ORACLE CORPORATION"`` both give ``"oracle"``.

    Returns
    -------
    Series (string)
    """
    text, _ = clean_text(s)
    out = pd.Series(pd.NA, index=text.index, dtype="string")
    present = text.notna().to_numpy()
    if present.any():
        # Once per distinct casefolded text: "ACME LTD" and "Acme Ltd" share it.
        codes, uniques = pd.factorize(text[present].to_numpy(dtype=object))
        folded = np.array([u.casefold() for u in uniques.tolist()], dtype=object)
        fcodes, funiques = pd.factorize(folded)
        keys = np.array([_normalise_folded(f) for f in funiques.tolist()], dtype=object)
        vals = pd.Series(keys[fcodes][codes], dtype=object)
        out[present] = vals.astype("string").to_numpy()
    return out
