"""Safe outputs: path slugs, formula-proof XLSX/CSV, HTML escaping, atomic writes.

Everything that turns user text (ministry and system names, supplier names,
reject values) into a file name, a spreadsheet cell or HTML goes through here.

Spreadsheet safety rules
------------------------
* XLSX: every text cell is written with ``write_string`` and the workbook is
  created with ``strings_to_formulas=False`` / ``strings_to_urls=False``, so
  ``=HYPERLINK(...)`` stays the literal text it was in the input.
* CSV: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is prefixed with a single quote ``'`` (the OWASP "CSV injection"
  defence), because spreadsheet programs evaluate such cells when opening a
  CSV. The quote is visible; the text after it is the original value.
  The file is written with ``,`` but a spreadsheet in a ``;`` locale (or one
  that guesses tab) splits it again, inside our quoted fields too: so every
  *segment* that could become a cell start (after ``,``, ``;``, a tab or a line
  break, past spaces and ``"``) gets the same ``'`` before its ``=+-@``.
  ``x;=1+2;`` is written ``x;'=1+2;``: text in every locale.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from ._i18n import _
from ._processed import atomic_write

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A formula trigger where any locale's CSV parser may start a cell: after a
# field or line separator (",", ";", tab, CR, LF), past spaces and quotes.
_INNER_FORMULA = re.compile(r"([,;\t\r\n][ \"]*)([=+\-@])")
_INNER_FORMULA_TEST = re.compile(r"[,;\t\r\n][ \"]*[=+\-@]")
# The cell start, also past spaces and quotes (`` =1``, ``"=1``).
_LEAD_FORMULA = re.compile(r"^[ \"]*[=+\-@\t\r]")
_XLSX_MAX_STR = 32767
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


# ---------------------------------------------------------------- slugs
def slugify(name: object, max_len: int = 60, digest_len: int = 8) -> str:
    """Turn any text into a safe path segment: readable part + hash of the exact text.

    ASCII-folds accents, keeps ``[a-z0-9-]``, cuts to ``max_len`` characters and
    appends ``digest_len`` hex characters of the sha256 of the exact original
    text, so names such as ``..``, ``CON`` or ``""`` still give a valid segment.
    An 8-character hash *can* collide (``"Health"`` and ``"HEALTH"`` may share
    it): a set of names gets its folders from :func:`unique_slugs`, which
    detects that and lengthens the hash.

    Parameters
    ----------
    name : object
        Ministry (or other) name; converted with ``str``.
    max_len : int
        Maximum length of the readable part.
    digest_len : int
        Hex characters of the hash (8 to 64).

    Returns
    -------
    str
        Matches ``^[a-z0-9]+(-[a-z0-9]+)*$``, at most ``max_len + 1 + digest_len`` long.
    """
    text = str(name)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:digest_len]
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:max_len].strip("-")
    return f"{base}-{digest}" if base else f"ministry-{digest}"


_DIGEST_STEPS = (8, 16, 32, 64)


def unique_slugs(names: Iterable[object], reserved: Iterable[str] = ()) -> dict[str, str]:
    """Give every distinct name its own folder name, deterministically.

    Each name gets :func:`slugify`; names whose slugs collide (with each other
    or with a ``reserved`` name such as ``national``) all get a longer hash
    (16, 32, then all 64 hex characters), so the result depends only on the
    set of names, never on their order. Slugs of different hash lengths can
    never be equal (the last segment is the hash, of a fixed length per step).
    Slugs are lower case, so case-insensitive file systems cannot merge them.

    Parameters
    ----------
    names : iterable
        Names (converted with ``str``; duplicates are one name).
    reserved : iterable of str
        Folder names already taken.

    Returns
    -------
    dict of str to str
        Name → slug, all slugs distinct and not in ``reserved``.

    Raises
    ------
    ValueError
        If two different names still collide with the full sha256 (not
        expected to happen; better stop than lose a report).
    """
    todo = sorted({str(n) for n in names})
    taken = {r.lower() for r in reserved}
    out: dict[str, str] = {}
    for step in _DIGEST_STEPS:
        slugs = {n: slugify(n, digest_len=step) for n in todo}
        count: dict[str, int] = {}
        for sl in slugs.values():
            count[sl] = count.get(sl, 0) + 1
        clash = [n for n in todo if count[slugs[n]] > 1 or slugs[n] in taken]
        for n in todo:
            if n not in clash:
                out[n] = slugs[n]
        taken |= {slugs[n] for n in todo if n not in clash}
        todo = clash
        if not todo:
            return out
    raise ValueError(f"cannot give distinct folders to the names {todo!r}")


# ---------------------------------------------------------------- text cells
def neutralise_formula(value: object) -> object:
    """Prefix ``'`` to a string that a spreadsheet would read as a formula.

    Only the start of the text is looked at: right for XLSX cells and for
    anything that is not split again. CSV cells use :func:`csv_cell`.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value: object) -> object:
    """Make a text cell formula-proof in a CSV, whatever separator the reader uses.

    The start of the cell gets the OWASP ``'`` prefix (:func:`neutralise_formula`);
    every place a ``,``/``;``/tab/line-break split could start a cell gets a
    ``'`` before its ``=``, ``+``, ``-`` or ``@`` (``x;=1+2`` → ``x;'=1+2``).
    Non-text values are returned unchanged.
    """
    if not isinstance(value, str):
        return value
    value = _INNER_FORMULA.sub(r"\1'\2", value)
    return "'" + value if _LEAD_FORMULA.match(value) else value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot be evaluated as formulas (see module doc).

    Every text cell and every column name goes through :func:`csv_cell`.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            text = s.astype("string")
            mask = (
                text.str.contains(_LEAD_FORMULA) | text.str.contains(_INNER_FORMULA_TEST)
            ).fillna(False)
            if mask.any():
                out[col] = s.astype("object")
                out.loc[mask.to_numpy(), col] = s[mask].map(csv_cell)
    out.columns = [str(csv_cell(str(c))) for c in out.columns]
    return out


def write_csv_safe(df: pd.DataFrame, path: Path) -> None:
    """Write a CSV (UTF-8 with BOM so Excel reads accents) atomically and formula-safe.

    This is the only CSV writer of the package: every CSV output goes through
    :func:`csv_safe` (here, or through :func:`csv_safe_bytes` where several
    files are written all or nothing).
    """
    atomic_write_bytes(path, csv_safe_bytes(df))


def csv_safe_bytes(df: pd.DataFrame) -> bytes:
    """The bytes :func:`write_csv_safe` writes: formula-safe, UTF-8 with BOM."""
    return csv_safe(df).to_csv(index=False).encode("utf-8-sig")


def sheet_name(name: str, used: Iterable[str] = ()) -> str:
    """Return a valid, unique Excel sheet name (max 31 chars, no ``[]:*?/\\``)."""
    base = _SHEET_BAD.sub("_", name).strip("'")[:31] or "Sheet"
    used_lower = {u.lower() for u in used}
    candidate, i = base, 2
    while candidate.lower() in used_lower:
        suffix = f" ({i})"
        candidate, i = base[: 31 - len(suffix)] + suffix, i + 1
    return candidate


def write_xlsx(
    tables: Mapping[str, pd.DataFrame],
    path: Path,
    *,
    high_is_bad: Iterable[str] = ("lockin_score", "lockin_high", "lockin_low", "hhi_it"),
    high_is_good: Iterable[str] = ("reuse_score", "readiness_score", "confidence"),
    percent: Iterable[str] = (),
    money: Iterable[str] = ("spend_total", "spend_it", "amount", "value", "annual_cost"),
    scores: Iterable[str] = (),
    ratios: Iterable[str] = (),
    number_formats: Mapping[str, str] | None = None,
) -> None:
    """Write one sheet per table: frozen header, filters, formats, no formulas.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet title → table (titles are made valid and unique).
    path : Path
        Destination ``.xlsx`` (written to a temporary file, then renamed).
    high_is_bad, high_is_good : iterable of str
        Score columns that get an orange (bad) or blue (good) colour scale;
        colour-blind-safe and readable when printed in grey.
    percent : iterable of str
        Columns holding shares 0–1, shown as percentages.
    money : iterable of str
        Columns shown with thousands separators and no decimals.
    scores, ratios : iterable of str
        Columns shown as whole numbers (0–100 scores) or with two decimals (0–1).
    number_formats : mapping, optional
        Excel formats replacing the defaults by kind (``money``, ``date``...):
        the report locale's (``_report.fmt.xlsx_formats``).
    """
    import xlsxwriter  # local: keep the incremental no-op path light

    bad, good, pct, mon = set(high_is_bad), set(high_is_good), set(percent), set(money)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: str) -> None:
        wb = xlsxwriter.Workbook(
            tmp,
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": False,
            },
        )
        try:
            head = wb.add_format({"bold": True, "bg_color": "#DDE3EA", "text_wrap": True})
            formats = {
                "date": "yyyy-mm-dd",
                "money": "#,##0",
                "pct": "0%",
                "num": "0.0",
                "int": "0",
                "score": "0",
                "ratio": "0.00",
                **(number_formats or {}),
            }
            fmt = {k: wb.add_format({"num_format": v}) for k, v in formats.items()}
            special = {**{c: "score" for c in scores}, **{c: "ratio" for c in ratios}}
            used: list[str] = []
            for title, df in tables.items():
                name = sheet_name(str(title), used)
                used.append(name)
                ws = wb.add_worksheet(name)
                df = df.reset_index(drop=True)
                for c, col in enumerate(df.columns):
                    ws.write_string(0, c, str(col)[:_XLSX_MAX_STR], head)
                    _write_column(ws, c, df[col], fmt, pct, mon, str(col), special.get(str(col)))
                    width = min(60, max(10, len(str(col)) + 2))
                    if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
                        lens = df[col].astype("string").str.len().dropna()
                        if len(lens):
                            width = int(min(60, max(width, float(lens.quantile(0.9)) + 2)))
                    ws.set_column(c, c, width)
                n = len(df)
                ws.freeze_panes(1, 0)
                if len(df.columns):
                    ws.autofilter(0, 0, max(n, 1), len(df.columns) - 1)
                for c, col in enumerate(df.columns):
                    if n and col in bad:
                        ws.conditional_format(
                            1, c, n, c,
                            {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#E69F00"},
                        )  # fmt: skip
                    elif n and col in good:
                        ws.conditional_format(
                            1, c, n, c,
                            {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#56B4E9"},
                        )  # fmt: skip
        finally:
            wb.close()

    atomic_write(path, write)


def _write_column(
    ws, c: int, s: pd.Series, fmt: dict, pct: set, mon: set, col: str, kind: str | None = None
) -> None:
    """Write one column below the header with the writer matching its dtype."""
    if pd.api.types.is_bool_dtype(s):
        for r, v in enumerate(s.astype("object"), start=1):
            if v is pd.NA or v is None:
                ws.write_blank(r, c, None)
            else:
                ws.write_string(r, c, _("yes") if v else _("no"))
    elif pd.api.types.is_numeric_dtype(s):
        cell = (
            fmt[kind]
            if kind
            else fmt["pct"]
            if col in pct
            else fmt["money"]
            if col in mon
            else fmt["int"]
            if pd.api.types.is_integer_dtype(s)
            else fmt["num"]
        )
        vals = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()
        for r, v in enumerate(vals, start=1):
            if v != v or v in (float("inf"), float("-inf")):  # NaN / inf: unknown
                ws.write_blank(r, c, None, cell)
            else:
                ws.write_number(r, c, float(v), cell)
    elif pd.api.types.is_datetime64_any_dtype(s):
        for r, v in enumerate(s, start=1):
            if pd.isna(v):
                ws.write_blank(r, c, None, fmt["date"])
            else:
                ws.write_datetime(r, c, v.to_pydatetime().replace(tzinfo=None), fmt["date"])
    else:
        for r, v in enumerate(s.astype("object"), start=1):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                ws.write_blank(r, c, None)
            else:
                ws.write_string(r, c, str(v)[:_XLSX_MAX_STR])


# ---------------------------------------------------------------- HTML
def esc(value: object) -> str:
    """Escape any value for HTML text or attribute context (NA → ``unknown``)."""
    try:
        # pandas-stubs: isna() of a scalar lists the scalar types (pandas takes any object).
        if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
            return "unknown"
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------- atomic writes
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`._processed.atomic_write`)."""
    atomic_write(Path(path), lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_symlink(target: str | Path, link: Path) -> None:
    """Point ``link`` at ``target``, replacing any old link in one ``os.replace``.

    Readers see either the old or the new target, never a missing link.
    """
    link = Path(link)
    tmp = link.with_name(f".{link.name}.tmp-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(str(target), tmp)
    os.replace(tmp, link)
