"""Clean and validate: turn raw input files into the canonical tables.

Every data row of every input is accounted for: it is either loaded into
the canonical table or written to the rejects table with the file, sheet,
row, column, value and reason. ``rows_read == loaded + rejected`` per sheet.
Blank rows (every cell empty) are not data and are not counted.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ._clean import cells as _clean
from ._clean.schema import Column, columns, empty_frame, pandas_dtype, pandera_schema
from ._clean.templates import count_leading_helper_rows, is_template_helper_sheet
from ._config import Config, load_config
from ._read import archives as _archives
from ._read.bulk import gc_paused
from ._read.ocds import is_flattened_csv_name
from ._read.ocds import json_suffix as ocds_json_suffix
from ._read.spreadsheet import FileUnusable, RawSheet, find_header, norm_header, read_raw

if TYPE_CHECKING:
    from rich.progress import Progress

    from ._clean.ministries import MinistryResolution

REJECT_COLUMNS = ["file", "sheet", "row", "column", "value", "problem", "action"]
FILE_COLUMNS = ["file", "sheet", "rows_read", "loaded", "filtered", "rejected", "error", "notes"]

ACTION_REJECT = "row rejected"
ACTION_UNKNOWN = "row kept, cell set to unknown"
ACTION_FILTERED = "filtered out"

# Amount-like columns go through the currency-aware parser.
_AMOUNT_COLUMNS = {"amount", "original_amount", "annual_cost"}


@dataclass
class LoadResult:
    """Outcome of loading one kind of input (inventory, procurement, questionnaire).

    Attributes
    ----------
    table : DataFrame
        The canonical table (see the README's data dictionary).
    rejects : DataFrame
        ``file, sheet, row, column, value, problem, action``: rejected rows and
        cells set to unknown.
    files : DataFrame
        Per file and sheet: ``rows_read, loaded, rejected, error, notes``.
    vendor_merges : DataFrame
        Supplier spellings merged into one supplier, for review.

    Examples
    --------
    Every row read is accounted for: loaded, or rejected with the reason;
    a file that cannot be read at all is listed, and the others still load.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, read_inventory
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "inventory.csv").write_text('''system_id,system_name,ministry
    ... FIN-1,Payroll,Ministry of Finance
    ... FIN-2,Website,
    ... ''', encoding="utf-8")
    >>> result = read_inventory(
    ...     [folder / "inventory.csv", folder / "missing.csv"], load_config(root=folder)
    ... )
    >>> result.kind, result.table["system_id"].tolist(), result.n_rejected
    ('inventory', ['FIN-1'], 1)
    >>> result.rejects[["row", "column", "problem", "action"]]
       row    column                             problem        action
    0    3  ministry  required value 'ministry' is empty  row rejected
    >>> result.files[["rows_read", "loaded", "rejected"]]
       rows_read  loaded  rejected
    0          2       1         1
    1          0       0         0
    >>> [Path(f).name for f in result.unusable_files], result.files["error"].iloc[1]
    (['missing.csv'], 'file not found')
    >>> tmp.cleanup()
    """

    kind: str
    table: pd.DataFrame
    rejects: pd.DataFrame
    files: pd.DataFrame
    vendor_merges: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def unusable_files(self) -> list[str]:
        """Files (or sheets) that could not be used at all."""
        err = self.files[self.files["error"].notna() & (self.files["error"] != "")]
        return sorted(set(err["file"]))

    @property
    def n_rejected(self) -> int:
        return int(self.files["rejected"].sum()) if len(self.files) else 0


def _alias_index(table: str, config: Config) -> dict[str, str]:
    index: dict[str, str] = {}
    user = config.column_aliases(table)
    # User aliases first: they win over built-ins. A header the user names
    # for two columns maps to the first here; _shared_headers adds the others.
    for name, aliases in user.items():
        for a in aliases:
            index.setdefault(norm_header(a), name)
    for col in columns(table):
        # A user mapping for a column replaces its built-in aliases, so that a
        # file with both "Contract ID" and "Contract Number" takes the one asked.
        builtins = () if col.name in user else col.aliases
        for a in (col.name, col.name.replace("_", " "), *builtins):
            index.setdefault(norm_header(a), col.name)
    return index


def _shared_headers(table: str, config: Config) -> dict[str, list[str]]:
    """Headers the user maps to several columns (``[columns.inventory]
    system_id = ["nom"]`` and ``system_name = ["nom"]``): normalised header ->
    every column it feeds, in config order."""
    feeds: dict[str, list[str]] = {}
    for name, aliases in config.column_aliases(table).items():
        for a in aliases:
            cols = feeds.setdefault(norm_header(a), [])
            if name not in cols:
                cols.append(name)
    return {k: v for k, v in feeds.items() if len(v) > 1}


def _derived_ids(frame: pd.DataFrame) -> pd.Series:
    """Stable system ids from ministry and name, for an inventory without an
    id column: ``auto-<ministry>-<name>``, ``-2``, ``-3``... on repeats in file
    order. The same file gives the same ids on every run."""
    ministry = (
        frame["ministry"] if "ministry" in frame.columns else pd.Series("", index=frame.index)
    )
    base = [
        "auto-"
        + "-".join(p for p in (_clean.normalise_key(m or ""), _clean.normalise_key(n or "")) if p)
        for m, n in zip(
            ministry.map(lambda v: "" if _is_blank(v) else str(v)),
            frame["system_name"].map(lambda v: "" if _is_blank(v) else str(v)),
            strict=True,
        )
    ]
    seen: dict[str, int] = {}
    out = []
    for b in base:
        seen[b] = seen.get(b, 0) + 1
        out.append(b if seen[b] == 1 else f"{b}-{seen[b]}")
    # A row without a name gets no id: it is rejected for its missing name.
    return pd.Series(out, index=frame.index, dtype=object).where(
        frame["system_name"].map(lambda v: not _is_blank(v)), None
    )


def _aliases_tried(table: str, name: str, config: Config) -> list[str]:
    col = next(c for c in columns(table) if c.name == name)
    return [col.name, *config.column_aliases(table).get(name, []), *col.aliases]


def _is_blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _row_blank(row: list[object]) -> bool:
    """True when every cell is empty; returns at the first filled cell, so a
    data row usually costs one look."""
    for v in row:
        if v is None or v.__class__ is str and not v.strip():
            continue
        if v.__class__ is float and v != v:  # NaN
            continue
        return False
    return True


def _columns_of(body: list[list[object]], positions: list[int]) -> list[np.ndarray]:
    """Cells of the given column positions, as one object array per column.

    Built by numpy in blocks (no Python loop per cell, and at most one block
    of unused columns in memory); short (ragged) csv rows are padded first.
    """
    if not body:
        return [np.empty(0, dtype=object) for _ in positions]
    need = max(positions) + 1
    widths = set(map(len, body))
    if len(widths) > 1 or min(widths) < need:
        width = max(need, *widths)
        pad = [None] * width
        body = [r if len(r) == width else [*r, *pad[len(r) :]] for r in body]
    step = 65_536
    blocks = []
    for i in range(0, len(body), step):
        blocks.append(np.array(body[i : i + step], dtype=object)[:, positions])
    both = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    return [both[:, k] for k in range(len(positions))]


# Progress is shown only for inputs this big, so small files pay nothing.
PROGRESS_MIN_BYTES = 5_000_000
PROGRESS_MIN_ROWS = 100_000


class _Progress:
    """Optional rich progress display on stderr for big files and sheets.

    ``enabled=None`` means: on when stderr is an interactive terminal (so the
    CLI shows it and logs of scheduled runs stay clean). Nothing is created
    until a big file or table actually needs it.
    """

    def __init__(self, enabled: bool | None) -> None:
        if enabled is None:
            enabled = _stderr_is_terminal()
        self.enabled = bool(enabled)
        self._progress: Progress | None = None

    def _get(self):
        if self._progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._progress.start()
        return self._progress

    def start(self, description: str, total: int | None = None) -> int:
        return self._get().add_task(description, total=total)

    def advance(self, task: int, n: int = 1) -> None:
        self._get().advance(task, n)

    def finish(self, task: int, description: str | None = None) -> None:
        p = self._get()
        t = p.tasks[[t.id for t in p.tasks].index(task)]
        # A count without a known total (rows read) ends as that count.
        total = t.total if t.total is not None else max(int(t.completed), 1)
        p.update(task, total=total, completed=total, description=description)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _stderr_is_terminal() -> bool:
    import sys

    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


class _Accumulator:
    """Rejects entries and per-sheet accounting records gathered while loading."""

    def __init__(self):
        self.rejects: list[pd.DataFrame] = []
        self.files: list[dict[str, Any]] = []
        # Each file's clean rows, in reading order (_read_one; big files
        # chunk by chunk, _stream), and their cleaning rejects, put in one
        # order for all files at the end (_finish).
        self.cleaned: list[pd.DataFrame] = []
        self.clean_rejects: list[pd.DataFrame] = []
        # Raw frames of the files read whole since the last clean, one list
        # per file: small files are cleaned together (_clean_pending).
        self.pending: list[list[pd.DataFrame]] = []
        # Rejects of the standard-format readers (OCDS), listed after the others.
        self.extra_rejects: list[pd.DataFrame] = []

    def added(self) -> tuple[list, ...]:
        """The lists reading a file adds to, in one order: their lengths taken
        before it tell what it added (to drop it, or to rename an archive
        member in it)."""
        return (
            self.files,
            self.rejects,
            self.clean_rejects,
            self.extra_rejects,
            self.cleaned,
            self.pending,
        )

    def reject_rows(self, file, sheet, rows, column, values, problem, action=ACTION_REJECT):
        n = len(rows)
        if not n:
            return
        self.rejects.append(
            pd.DataFrame(
                {
                    "file": [file] * n,
                    "sheet": [sheet] * n,
                    "row": list(rows),
                    "column": [column] * n,
                    "value": [_short(v) for v in values],
                    "problem": list(problem) if not isinstance(problem, str) else [problem] * n,
                    "action": [action] * n,
                }
            )
        )


def _raw_text(s: pd.Series) -> pd.Series:
    """Cells as text, exactly as written (``str(v)``); blank cells are NA."""
    text = s.astype("string")
    return text.mask(text.str.strip() == "")


def _short(v: object, limit: int = 200) -> str:
    if _is_blank(v):
        return ""
    s = str(v)
    return s if len(s) <= limit else s[:limit] + f"… ({len(s)} characters)"


def _add_note(rec: dict[str, Any], note: str) -> None:
    """Append ``note`` to a sheet record's notes."""
    rec["notes"] = "; ".join(x for x in [rec["notes"], note] if x)


def _sheet_frame(
    raw: RawSheet, table: str, config: Config, acc: _Accumulator
) -> pd.DataFrame | None:
    """Find the header, map columns, and return an object frame of data rows
    with ``source_row`` (1-based row in the file)."""
    rows = raw.rows
    blank = np.fromiter(map(_row_blank, rows), dtype=bool, count=len(rows))
    nonblank = np.flatnonzero(~blank)
    # One accounting record per sheet: counts (int) and texts (str).
    rec: dict[str, Any] = {
        "file": raw.file,
        "sheet": raw.sheet,
        "rows_read": 0,
        "loaded": 0,
        "rejected": 0,
        "error": "",
        "notes": "; ".join(raw.notes),
    }
    if not len(nonblank):
        rec["notes"] = "; ".join([*raw.notes, "empty sheet"])
        acc.files.append(rec)
        return None
    if raw.sheet and is_template_helper_sheet(raw.sheet):
        rec["notes"] = "; ".join([*raw.notes, "template instructions sheet, not data"])
        acc.files.append(rec)
        return None
    scan = int(config["reading"]["header_scan_rows"])
    found = find_header(rows, _alias_index(table, config), scan_rows=scan)
    if found is None:
        _no_header(raw, table, scan, nonblank, rec, acc)
        return None
    header_pos, mapping = found
    keep_pos, unreadable = _drop_unreadable(raw, nonblank[nonblank > header_pos], acc)
    positions = _row_numbers(raw, keep_pos)
    body = [rows[i] for i in keep_pos.tolist()]
    # Only rows right under the header can be template helper rows.
    lead = count_leading_helper_rows(body[:3])
    if lead:
        # Template helper rows are not data, but they were read: counted as
        # filtered (read = loaded + filtered + rejected) and named in the notes.
        body, positions = body[lead:], positions[lead:]
        rec["filtered"] = int(rec.get("filtered") or 0) + lead
        rec["notes"] = "; ".join(
            [*raw.notes, f"{lead} template explanation/example row(s) skipped"]
        )
    extra, derive_ids, missing = _fed_columns(raw, table, config, rows[header_pos], mapping)
    rec["rows_read"] = len(body) + lead + unreadable
    if not body:
        _add_note(rec, "header row only, no data rows")
    if missing:
        msgs = [
            f"required column '{m}' not found (aliases tried: "
            f"{', '.join(_aliases_tried(table, m, config)[:12])}…)"
            for m in missing
        ]
        rec["error"] = "; ".join(msgs)
        rec["rejected"] = len(body) + unreadable
        acc.files.append(rec)
        acc.reject_rows(raw.file, raw.sheet, positions, missing[0], [""] * len(body), rec["error"])
        return None
    data = dict(zip(mapping.values(), _columns_of(body, list(mapping)), strict=True))
    for other, pos in extra.items():
        data[other] = data[mapping[pos]]
    frame = pd.DataFrame(data, dtype=object)
    if extra:
        _add_note(
            rec,
            "one header feeds two columns: "
            + ", ".join(f"{mapping[p]} and {o}" for o, p in extra.items()),
        )
    if derive_ids:
        frame["system_id"] = _derived_ids(frame)
        _add_note(rec, "no system id column: stable ids derived from ministry and name (auto-...)")
    if table == "questionnaire" and "ministry" not in frame.columns:
        frame["ministry"] = raw.sheet
    frame["source_file"] = raw.file
    frame["source_sheet"] = raw.sheet
    frame["source_row"] = positions
    header = rows[header_pos]
    ignored = [
        str(header[j]) for j in range(len(header)) if j not in mapping and not _is_blank(header[j])
    ]
    if ignored:
        _add_note(rec, f"columns not used: {', '.join(ignored[:20])}")
    acc.files.append(rec)
    return frame


def _no_header(
    raw: RawSheet,
    table: str,
    scan: int,
    nonblank: np.ndarray,
    rec: dict[str, Any],
    acc: _Accumulator,
) -> None:
    """No header in the first ``scan`` rows: every row is rejected, with why."""
    required = [c.name for c in columns(table) if c.required]
    rec["error"] = (
        f"no header row found in the first {scan} rows: expected a row naming columns "
        f"such as {', '.join(required)} (or their aliases)"
    )
    data_rows = _row_numbers(raw, nonblank)
    rec["rows_read"] = rec["rejected"] = len(data_rows)
    acc.files.append(rec)
    acc.reject_rows(
        raw.file,
        raw.sheet,
        data_rows,
        "",
        [""] * len(data_rows),
        "no header row found; sheet not used",
    )


def _drop_unreadable(
    raw: RawSheet, keep_pos: np.ndarray, acc: _Accumulator
) -> tuple[np.ndarray, int]:
    """Reject the rows the reader could not split or decode, with the reader's
    reason; they count as read (read = loaded + filtered + rejected).

    Returns the positions left and how many were rejected.
    """
    if not raw.bad_rows:
        return keep_pos, 0
    bad = np.fromiter((i in raw.bad_rows for i in keep_pos.tolist()), bool, len(keep_pos))
    bad_pos = keep_pos[bad].tolist()
    acc.reject_rows(
        raw.file,
        raw.sheet,
        _row_numbers(raw, bad_pos),
        "",
        [_joined(raw.rows[i]) for i in bad_pos],
        [raw.bad_rows[i] for i in bad_pos],
    )
    return keep_pos[~bad], len(bad_pos)


def _fed_columns(
    raw: RawSheet, table: str, config: Config, header: list[object], mapping: dict[int, str]
) -> tuple[dict[str, int], bool, list[str]]:
    """``(extra, derive_ids, missing)`` for a header's column mapping.

    ``extra``: columns fed by a header that the config maps to two columns
    (column -> position); ``derive_ids``: an inventory without system ids but
    with names gets derived ids; ``missing``: required columns not fed.
    """
    shared = _shared_headers(table, config)
    extra: dict[str, int] = {}
    for pos, name in mapping.items():
        for other in shared.get(norm_header(header[pos]), []):
            if other != name and other not in mapping.values() and other not in extra:
                extra[other] = pos
    fed = set(mapping.values()) | set(extra)
    derive_ids = table == "inventory" and "system_id" not in fed and "system_name" in fed
    missing = [
        c.name
        for c in columns(table)
        if c.required and c.name not in fed and not (derive_ids and c.name == "system_id")
    ]
    if table == "questionnaire" and "ministry" in missing and raw.sheet:
        missing.remove("ministry")  # one sheet per ministry: the sheet name says which
    return extra, derive_ids, missing


def _row_numbers(raw: RawSheet, positions) -> list[int]:
    """1-based row numbers in the file of row positions (line numbers for
    text files, where one record can span lines)."""
    positions = np.asarray(positions, dtype=np.int64)
    if raw.row_numbers is None:
        return (positions + 1).tolist()
    return [raw.row_numbers[i] for i in positions.tolist()]


def _joined(row: list[object]) -> str:
    return " | ".join("" if _is_blank(v) else str(v) for v in row)


def _clean_column_all(col: Column, s: pd.Series, config: Config) -> tuple[pd.Series, pd.Series]:
    kind = col.kind
    if col.name in _AMOUNT_COLUMNS:
        return _clean.parse_amount(s)
    if col.name == "licence":
        return _clean.parse_licence(s)
    if col.name == "classification":
        # Validated before the IT filter: a malformed code makes is_it unknown.
        return _clean.parse_classification(s)
    if col.name == "method":
        return _clean.parse_method(s, user_map=config.value_map("method"))
    if kind == "code":
        return _clean.parse_code(
            s,
            col.codes,
            synonyms=_clean.CODE_SYNONYMS.get(col.name),
            user_map=config.value_map(col.name),
            column=col.name,
        )
    if kind == "float":
        return _clean.parse_float(s)
    if kind == "int":
        values, problems = _clean.parse_int(s)
        if col.name != "go_live_year":
            # Counts (tenderers, interfaces, users...) cannot be negative.
            neg = (values < 0).fillna(False).to_numpy(dtype=bool)
            if neg.any():
                problems = problems.copy()
                problems[neg] = "a count cannot be negative: " + values[neg].astype(str)
                values = values.mask(neg)
        return values, problems
    if kind == "bool":
        return _clean.parse_bool(s)
    if kind == "date":
        # parse_date itself switches a column to month-first (01/27/2011)
        # or day-first (27/01/2011) when its values say so.
        return _clean.parse_date(s, dayfirst=bool(config["reading"]["dayfirst"]))
    return _clean.clean_text(s)


# Every cleaner may run once per distinct value: ministry, currency, method,
# dates, counts... repeat a lot. Cleaners of cells alone (text, codes, yes/no)
# trivially; numbers and dates decide conventions for the whole column, but
# each decision is an ``any()`` over its values (a value that reads only one
# way), which the distinct values hold just as the full column does -- the
# streaming loader's witnesses rest on the same fact.
_PER_VALUE_KINDS = {"str", "code", "bool", "float", "int", "date"}


def _distinct_texts(col: Column, s: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``(codes, uniques)`` of a column worth cleaning once per distinct text
    (big, all text, a kind whose cleaner works per value, repeated values);
    None when it is cleaned whole."""
    if (
        len(s) < 5_000
        or col.kind not in _PER_VALUE_KINDS
        # Only all-text columns: factorize would merge 1, 1.0 and True.
        or pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty")
    ):
        return None
    limit = len(s) // 4
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        # Mostly distinct columns (ids, amounts) show it in their first rows:
        # more distinct texts there than the limit means more in the column.
        head = pc.unique(pa.array(s.array[: 2 * limit]))  # faster than count_distinct
        if len(head) - head.null_count > limit:  # NA is not a text
            return None
        codes, uniques = _arrow_factorize(s.array)
    else:
        codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    if len(uniques) > limit:
        return None
    return codes, uniques


def _arrow_factorize(text: pd.arrays.ArrowStringArray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of Arrow-held text, in Arrow (no Python string per
    cell): codes by first occurrence, -1 for missing, uniques as objects."""
    arr = pa.array(text)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    encoded = arr.dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
    uniques = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return codes, uniques


def _clean_column(col: Column, s: pd.Series, config: Config) -> tuple[pd.Series, pd.Series]:
    """Clean one raw column; the cleaner runs once per distinct text."""
    distinct = _distinct_texts(col, s)
    if distinct is None:
        return _clean_column_all(col, s, config)
    codes, uniques = distinct
    values, problems = _clean_column_all(col, pd.Series(uniques, dtype=object), config)
    return (
        pd.Series(values.array.take(codes, allow_fill=True), index=s.index),
        pd.Series(problems.array.take(codes, allow_fill=True), index=s.index),
    )


def _bound_amounts(
    values: pd.Series, problems: pd.Series, name: str, scale: dict, config: Config
) -> tuple[pd.Series, pd.Series]:
    """Amounts beyond ``[limits] max_amount`` (after ``[scale]``) become problems.

    An amount of 1e308 (or a scale factor that pushes one to infinity) is not
    money: it would turn every sum into ``inf`` and the scores into NaN. Such a
    value is unknown with a rejects entry; a required amount rejects its row.
    """
    limit = float(config["limits"]["max_amount"])
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        over = ~np.isnan(arr) & ~(np.abs(arr) <= limit)  # inf is over too
    over &= problems.isna().to_numpy()
    if not over.any():
        return values, problems
    factor = f" after [scale] x{float(scale[name]):g}" if name in scale else ""
    problems = problems.copy()
    problems[over] = [
        f"amount {v:g}{factor} is beyond the plausible maximum "
        f"([limits] max_amount = {limit:g} in ospo.toml)"
        for v in arr[over]
    ]
    return values.mask(pd.Series(over, index=values.index)), problems


# A totals line of an export (pivot tables, "Grand Total" under the data).
# The whole cell must be the label: a supplier "Total Solutions" is data.
_TOTALS_LABEL = re.compile(
    r"(?:grand total|total(?: general| global| geral| generale)?|totales|totaux|sum|summe"
    r"|gesamt(?:summe)?|totaal|(?:sub|sous) ?totale?s?\b.*)"
)
# Columns that name what a row is about: a row whose only such cells are
# totals labels is a totals line, whatever its numbers.
_NAMING = ("ministry", "supplier", "system_id", "system_name", "vendor", "contract_id")


def _per_unique(col: pd.Series, *tests: Callable[[str], bool]) -> list[np.ndarray]:
    """Each of ``tests`` on each text cell (False for empty/non-text), run once
    per distinct value: one factorisation for them all."""
    codes, uniq = pd.factorize(col, use_na_sentinel=True)
    at = np.where(codes >= 0, codes, len(uniq))
    return [
        np.append(np.fromiter((isinstance(u, str) and t(u) for u in uniq), bool, len(uniq)), False)[
            at
        ]
        for t in tests
    ]


def _not_data_rows(table: str, frame: pd.DataFrame, config: Config) -> pd.Series:
    """Why each row of a sheet is no data (NA: it is data): a header repeated
    in the data (a paginated export, a second header line in another
    language) or a totals line. Such rows are read, then filtered out with
    the reason, so they neither load as a ministry called "Ministry" or
    "Grand Total" nor count twice in the spend.

    Both show in the ministry column, which every row needs (a row without
    one is rejected anyway): only rows whose ministry cell is a header name
    or a totals label are looked at further (a few distinct values among
    millions of rows).
    """
    why = pd.Series(pd.NA, index=frame.index, dtype="string")
    if table not in ("inventory", "procurement") or "ministry" not in frame.columns:
        return why
    index = _alias_index(table, config)
    names = [c.name for c in columns(table) if c.name in frame.columns]
    own = {c: {a for a, name in index.items() if name == c} for c in names}

    def alias_of(c: str) -> Callable[[str], bool]:
        if c == "system_id":  # an id derived from ministry and name stands for the header
            return lambda u: norm_header(u) in own[c] or u.startswith("auto-")
        return lambda u: norm_header(u) in own[c]

    head, total = _per_unique(frame["ministry"], alias_of("ministry"), _is_totals_label)
    if not (head.any() or total.any()):
        return why
    sub = frame[head | total]
    head, total = head[head | total], total[head | total]
    what = "contract" if table == "procurement" else "system"
    # A header row repeated: every other filled cell is a header name for
    # its own column too (derived ids aside), and there are two at least.
    named = np.ones(len(sub), np.int64)
    for c in names:
        if c == "ministry":
            continue
        blank, alias, label = _per_unique(sub[c], _is_blank, alias_of(c), _is_totals_label)
        empty = blank | sub[c].isna().to_numpy(bool)
        head &= alias | empty
        named += alias & ~empty
        if c in _NAMING:  # a totals line names nothing else
            total &= label | empty
    head &= named >= 2
    why[sub.index[head]] = f"a header row repeated in the data, not a {what}"
    total &= ~head
    why[sub.index[total]] = (
        "a totals line ('" + sub.loc[total, "ministry"].astype("string").str.slice(0, 40)
        + f"'), not a {what}"
    )  # fmt: skip
    return why


def _is_totals_label(text: str) -> bool:
    """Whether a cell is a totals label ("Grand Total", "TOTAL:", "Sous-total")."""
    return bool(_TOTALS_LABEL.fullmatch(norm_header(text)))


def _clean_frame(
    table: str,
    frame: pd.DataFrame,
    config: Config,
    acc: _Accumulator,
    on_column: Callable[[], None] | None = None,
    clean_column: Callable | None = None,
    sheet_rows: bool = True,
) -> pd.DataFrame:
    """Clean every canonical column; reject rows with unusable required values.

    ``clean_column`` replaces :func:`_clean_column` (the streaming loader
    passes one that sees the whole file's evidence for numbers and dates).
    ``sheet_rows``: rows of spreadsheets, where header repeats and totals
    lines are filtered out first (standard formats have none).
    """
    clean_column = clean_column or _clean_column
    if sheet_rows:
        not_data = _not_data_rows(table, frame, config)
        skip = not_data.notna().to_numpy(bool)
        if skip.any():
            acc.rejects.append(
                _reject_frame(
                    frame[skip],
                    "",
                    frame.loc[skip, "ministry"].map(_short).to_numpy(),
                    not_data[skip].to_numpy(),
                    ACTION_FILTERED,
                )
            )
            frame = frame[~skip]
    cleaned: dict[str, pd.Series] = {}
    reject_reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    reject_col = pd.Series(pd.NA, index=frame.index, dtype="string")
    reject_val = pd.Series("", index=frame.index, dtype="object")
    kept_problems: list[pd.DataFrame] = []
    scale = config["scale"].get(table, {}) or {}
    dates = [c.name for c in columns(table) if c.kind == "date" and c.name in frame.columns]
    for col in columns(table):
        if on_column is not None:
            on_column()
        if col.name not in frame.columns:
            cleaned[col.name] = pd.Series(pd.NA, index=frame.index, dtype=pandas_dtype(col.kind))
            continue
        raw = frame[col.name]
        values, problems = _cleaned(col, frame, config, clean_column, scale, dates)
        hard = (col.required and not col.nullable) or col.name == "amount"
        bad = problems.notna()
        if hard:
            missing = values.isna() & ~bad & (col.required and not col.nullable)
            newly = (bad | missing) & reject_reason.isna()
            reason = problems.where(bad, f"required value '{col.name}' is empty")
            reject_reason = reject_reason.mask(newly, reason)
            reject_col = reject_col.mask(newly, col.name)
            reject_val = reject_val.mask(newly, raw)
        elif bad.any():
            kept_problems.append(
                pd.DataFrame(
                    {
                        "idx": frame.index[bad],
                        "column": col.name,
                        "value": raw[bad].map(_short),
                        "problem": problems[bad],
                    }
                )
            )
        cleaned[col.name] = values
    if table == "inventory":
        _open_within_total(cleaned, frame, kept_problems)
    if table == "procurement":
        _end_after_start(cleaned, frame, kept_problems)
    result = pd.DataFrame(cleaned, index=frame.index, copy=False)  # no copy of each column
    for p in ("source_file", "source_sheet"):
        result[p] = frame[p].astype("string")
    result["source_row"] = frame["source_row"].astype("Int64")
    if table == "procurement":
        _procurement_derived(result, frame, config)
    rejected = reject_reason.notna()
    _add_rejects(acc, frame, rejected, reject_col, reject_val, reject_reason, kept_problems)
    return result[~rejected]


def _set_unknown(
    cleaned: dict[str, pd.Series],
    frame: pd.DataFrame,
    kept_problems: list[pd.DataFrame],
    column: str,
    bad: np.ndarray,
    problem: pd.Series,
) -> None:
    """Cells of ``column`` where ``bad`` become unknown, each with ``problem``
    (a cross-column check: the row is kept, the doubtful value is not)."""
    kept_problems.append(
        pd.DataFrame(
            {
                "idx": frame.index[bad],
                "column": column,
                "value": frame.loc[bad, column].map(_short),
                "problem": problem.to_numpy(),
            }
        )
    )
    cleaned[column] = cleaned[column].mask(bad)


def _end_after_start(
    cleaned: dict[str, pd.Series], frame: pd.DataFrame, kept_problems: list[pd.DataFrame]
) -> None:
    """A contract that ends before it starts has a typo in one of its dates:
    the end is unknown, with the reason (it fed tenure and exit windows as
    written: "Acme (2020-2020)" for a contract starting in 2021)."""
    if not {"start_date", "end_date"} <= set(frame.columns):
        return
    start, end = cleaned["start_date"], cleaned["end_date"]
    bad = (end < start).fillna(False).to_numpy(bool)
    if bad.any():
        problem = (
            "ends (" + end[bad].dt.strftime("%Y-%m-%d") + ") before it starts ("
            + start[bad].dt.strftime("%Y-%m-%d") + "): the end date is left unknown"
        )  # fmt: skip
        _set_unknown(cleaned, frame, kept_problems, "end_date", bad, problem)


def _open_within_total(
    cleaned: dict[str, pd.Series], frame: pd.DataFrame, kept_problems: list[pd.DataFrame]
) -> None:
    """More open interfaces than interfaces in all is a typo in one of them:
    the open count is unknown, with the reason (it was clamped to the total,
    the best lock-in score L8 has)."""
    if not {"interfaces_open", "interfaces_total"} <= set(frame.columns):
        return
    o, t = cleaned["interfaces_open"], cleaned["interfaces_total"]
    bad = (o > t).fillna(False).to_numpy(bool)
    if bad.any():
        problem = (
            "more open interfaces (" + o[bad].astype("string") + ") than interfaces in "
            "all (" + t[bad].astype("string") + "): the open count is left unknown"
        )
        _set_unknown(cleaned, frame, kept_problems, "interfaces_open", bad, problem)


def _cleaned(
    col: Column,
    frame: pd.DataFrame,
    config: Config,
    clean_column: Callable,
    scale: dict,
    dates: Sequence[str] = (),
) -> tuple[pd.Series, pd.Series]:
    """One column's clean values and problems, with the column-specific rules
    (dates and numbers per file, OCDS classifications, ``[scale]``,
    plausible amounts). ``dates``: the frame's date columns, which share
    one day/month order."""
    raw = frame[col.name]
    per_file = col.kind == "date" or (
        col.kind in ("float", "int") and _clean.may_read_two_ways(raw)
    )
    clean = clean_column
    if col.kind == "date" and clean_column is _clean_column:
        # Streaming cleans with the whole file's date votes already.
        clean = functools.partial(_with_date_votes, frame=frame, dates=dates)
    if per_file and frame["source_file"].nunique() > 1:
        # Date order and number convention (1.234) are properties of each
        # export: infer them per file, whichever files are cleaned together.
        parts = [clean(col, g, config) for _, g in raw.groupby(frame["source_file"])]
        values = pd.concat([p[0] for p in parts]).reindex(frame.index)
        problems = pd.concat([p[1] for p in parts]).reindex(frame.index)
    else:
        values, problems = clean(col, raw, config)
    values = values.astype(pandas_dtype(col.kind)) if col.kind != "date" else values
    if col.name == "classification" and "process_id" in frame.columns:
        # OCDS rows: the scheme is stated (local catalogues too) and the
        # OCDS reader validated CPV/UNSPSC codes itself; keep its codes.
        ocds = frame["process_id"].notna()
        if ocds.any():
            values = values.mask(ocds, raw.astype("string"))
            problems = problems.mask(ocds, pd.NA)
    if col.name in scale:
        values = values * float(scale[col.name])
    if col.name in _AMOUNT_COLUMNS:
        values, problems = _bound_amounts(values, problems, col.name, scale, config)
    return values, problems


def _with_date_votes(
    col: Column, s: pd.Series, config: Config, frame: pd.DataFrame, dates: Sequence[str]
) -> tuple[pd.Series, pd.Series]:
    """Clean date column ``s`` (one file's rows of ``frame``) with the day/month
    votes of the file's other date columns ``dates``, which are then dropped."""
    others = [name for name in dates if name != col.name]
    rows = frame if len(s) == len(frame) else frame.loc[s.index, others]
    votes = _clean.date_votes(
        v for name in others for v in pd.unique(rows[name].to_numpy(dtype=object))
    )
    if not votes:
        return _clean_column(col, s, config)
    both = pd.concat([s, pd.Series(votes, dtype=object)], ignore_index=True)
    values, problems = _clean_column(col, both, config)
    n = len(s)
    return values.iloc[:n].set_axis(s.index), problems.iloc[:n].set_axis(s.index)


def _procurement_derived(result: pd.DataFrame, frame: pd.DataFrame, config: Config) -> None:
    """Procurement columns derived after cleaning (currency, raw spellings,
    IT filter, OCDS values), set on ``result``."""
    currency = result["currency"]
    missing = currency.isna().to_numpy()
    if missing.any() and "amount" in frame.columns:
        # The amount's own currency ("TT$ 5") where no currency is given; a
        # cell's currency rests on that cell alone, so only those are read.
        currency = currency.fillna(_clean.detect_currency(frame["amount"][missing]))
    default = (config["project"].get("currency") or "").strip() or pd.NA
    result["currency"] = currency.fillna(default).str.upper()
    result["supplier_raw"] = result["supplier"]
    result["method_raw"] = (
        _raw_text(frame["method"])
        if "method" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    result["is_it"] = _is_it(result["classification"], config)
    result["split_award"] = pd.Series(False, index=frame.index, dtype="boolean")
    result["process_id"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    # Rows from a standard-format reader (OCDS: those with a process id)
    # bring their own derived values (is_it over every item, split awards,
    # the ocid): keep them; other rows cleaned with them keep their own.
    if "process_id" in frame.columns:
        ocds = frame["process_id"].notna()
        for derived in ("is_it", "split_award", "process_id"):
            if derived in frame.columns:
                given = frame[derived].astype(result[derived].dtype)
                result[derived] = given.where(ocds, result[derived])


def _add_rejects(
    acc: _Accumulator,
    frame: pd.DataFrame,
    rejected: pd.Series,
    reject_col: pd.Series,
    reject_val: pd.Series,
    reject_reason: pd.Series,
    kept_problems: list[pd.DataFrame],
) -> None:
    """Rejected rows, then the cells of kept rows set to unknown, into ``acc``."""
    if rejected.any():
        acc.rejects.append(
            _reject_frame(
                frame[rejected],
                reject_col[rejected].to_numpy(),
                reject_val[rejected].map(_short).to_numpy(),
                reject_reason[rejected].to_numpy(),
                ACTION_REJECT,
            )
        )
    if kept_problems:
        kp = pd.concat(kept_problems)
        kp = kp[~kp["idx"].isin(frame.index[rejected])]
        acc.rejects.append(
            _reject_frame(
                frame.loc[kp["idx"]],
                kp["column"].to_numpy(),
                kp["value"].to_numpy(),
                kp["problem"].to_numpy(),
                ACTION_UNKNOWN,
            )
        )


def _cleaning_order(table: str, parts: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Cleaning rejects of several parts (files, chunks) in the order of one
    table cleaned whole: rejected rows in order, then the cells set to
    unknown, by column."""
    parts = [p for p in parts if len(p)]
    rejected = [p for p in parts if (p["action"] == ACTION_REJECT).all()]
    unknown = [p for p in parts if not (p["action"] == ACTION_REJECT).all()]
    out = []
    if rejected:
        out.append(pd.concat(rejected, ignore_index=True))
    if unknown:
        kp = pd.concat(unknown, ignore_index=True)
        rank = {c.name: i for i, c in enumerate(columns(table))}
        order = kp["column"].map(rank).fillna(len(rank)).to_numpy()
        out.append(kp.iloc[np.argsort(order, kind="stable")].reset_index(drop=True))
    return out


def _reject_frame(rows: pd.DataFrame, column, value, problem, action: str) -> pd.DataFrame:
    """Rejects-table entries for ``rows`` (which carry the provenance columns)."""
    return pd.DataFrame(
        {
            "file": rows["source_file"].astype(str).to_numpy(),
            "sheet": rows["source_sheet"].astype(str).to_numpy(),
            "row": rows["source_row"].to_numpy(),
            "column": column,
            "value": value,
            "problem": problem,
            "action": action,
        }
    )


def _is_it(classification: pd.Series, config: Config) -> pd.Series:
    """Whether each classification code is IT (``[it_filter]``); NA without one.

    Decided once per distinct code (a few hundred among millions of rows).
    """
    flt = config["it_filter"]
    if not flt.get("enabled", True):
        return pd.Series(pd.NA, index=classification.index, dtype="boolean")
    at, uniques = pd.factorize(classification.astype("string"), use_na_sentinel=True)
    codes = pd.Series(uniques, dtype="string").str.replace(r"[^0-9]", "", regex=True)
    prefixes = tuple(str(p) for p in flt.get("prefixes", []))
    is_it = codes.str.startswith(prefixes) if prefixes else codes.notna()
    is_it = is_it.astype("boolean").mask(codes.isna() | (codes == ""), pd.NA)
    # A missing code (-1) is NA, as its empty code would be.
    return pd.Series(is_it.array.take(at, allow_fill=True), index=classification.index)


def _count_by_sheet(acc: _Accumulator, frames: list[pd.DataFrame], table: str = "") -> None:
    """Fill loaded/rejected per (file, sheet) from what was actually kept
    (and filtered: header repeats and totals lines, listed in the rejects)."""
    loaded: dict[tuple[str, str], int] = {}
    for f in frames:
        sizes = f.groupby(["source_file", "source_sheet"], dropna=False).size()
        for key, n in sizes.items():
            fi, sh = cast(tuple[object, object], key)
            loaded[(str(fi), str(sh))] = loaded.get((str(fi), str(sh)), 0) + int(n)
    filtered: dict[tuple[str, str], int] = {}
    for r in acc.rejects:
        if not len(r):
            continue
        f = r[r["action"] == ACTION_FILTERED]
        for key, n in f.groupby(["file", "sheet"]).size().items():
            fi, sh = cast(tuple[object, object], key)
            filtered[(str(fi), str(sh))] = filtered.get((str(fi), str(sh)), 0) + int(n)
    entries: dict[str, int] = {}
    if table == "inventory":
        # Catalogue entries (one or more rows each) whose every row was
        # rejected after their reader counted them (duplicate ids).
        for f in frames:
            for fi, n in f.groupby("source_file")["source_row"].nunique().items():
                entries[str(fi)] = entries.get(str(fi), 0) + int(n)
    for rec in acc.files:
        if rec.get("_fixed") and table == "inventory" and not rec["error"]:
            # A folder's record counts the entries of every file in it.
            where = str(rec["file"]).rstrip("/")
            kept = sum(n for fi, n in entries.items() if fi == where or fi.startswith(where + "/"))
            gone = int(rec["loaded"]) - kept
            if gone > 0:
                rec["loaded"] -= gone
                rec["rejected"] += gone
        if rec["error"] or rec.get("_fixed"):
            continue
        key = (str(rec["file"]), str(rec["sheet"]))
        rec["loaded"] = loaded.get(key, 0)
        if key in filtered:
            rec["filtered"] = int(rec.get("filtered") or 0) + filtered[key]
            _add_note(rec, f"{filtered[key]} header repeat(s) or totals line(s) filtered out")
        rec["rejected"] = rec["rows_read"] - rec["loaded"] - int(rec.get("filtered") or 0)


def _file_error(path: Path, message: str) -> dict:
    return {
        "file": str(path),
        "sheet": "",
        "rows_read": 0,
        "loaded": 0,
        "rejected": 0,
        "error": message,
        "notes": "",
    }


def _unexpected(exc: Exception) -> str:
    # A bug of ours must not stop the other files nor show a traceback; the
    # message says what broke so the user can report it.
    return (
        f"unexpected error while reading this file ({type(exc).__name__}: {exc}); "
        "the file was skipped, please report this"
    )


def _read_kind(
    table: str, paths: list[Path], config: Config, progress: bool | None = None
) -> LoadResult:
    acc = _Accumulator()
    bar = _Progress(progress)
    try:
        with gc_paused():
            for path in paths:
                path = Path(path)
                if _archives.is_archive(path) and not _read_whole_archive(table, path):
                    try:
                        _read_archive(table, path, config, acc, bar)
                    except Exception as exc:  # noqa: BLE001 - see _unexpected
                        acc.files.append(_file_error(path, _unexpected(exc)))
                    continue
                _read_guarded(table, path, config, acc, bar)
                if table == "procurement" and path.is_dir():
                    _ocds_folder_rest(path, config, acc, bar)
            return _finish(table, config, acc, bar)
    finally:
        bar.close()


def _ocds_folder_rest(folder: Path, config: Config, acc: _Accumulator, bar: _Progress) -> None:
    """What an OCDS folder holds besides the files its reader takes: each
    archive is read as if it were listed itself (its releases are not merged
    with the folder's loose files), anything else is named in the load report
    as not read. Nothing in the folder is skipped silently."""
    from ._read.ocds import unread_files

    for p in unread_files(folder):
        if _archives.is_archive(p) and not _read_whole_archive("procurement", p):
            try:
                _read_archive("procurement", p, config, acc, bar)
            except Exception as exc:  # noqa: BLE001 - see _unexpected
                acc.files.append(_file_error(p, _unexpected(exc)))
            continue
        rec = _file_error(p, "")
        rec["notes"] = (
            f"not read: a {p.suffix or 'file without a type'} in an OCDS folder (read there: "
            "JSON, JSON Lines, .gz, archives, flattened workbooks, and CSV folders of a "
            "flattened release named releases.csv or main.csv)"
        )
        acc.files.append(rec)


def _read_guarded(table, path, config, acc, bar, shown=None) -> None:
    """:func:`_read_one`, turning a file that cannot be read into a load
    report line (named ``shown`` when given) instead of an exception; nothing
    else of that file is kept."""
    from . import _stream

    stream = _stream.should_stream(table, path, config)
    if stream:
        _clean_pending(table, config, acc, bar)  # its rows come after theirs
    groups = acc.added()
    marks = [len(g) for g in groups]
    try:
        _read_one(table, path, config, acc, bar, stream)
    except Exception as exc:  # noqa: BLE001 - see _unexpected
        for group, mark in zip(groups, marks, strict=True):
            del group[mark:]
        message = str(exc) if isinstance(exc, FileUnusable) else _unexpected(exc)
        acc.files.append(_file_error(Path(shown or path), message))


def _read_whole_archive(table: str, path: Path) -> bool:
    """A gzipped OCDS feed goes to the OCDS reader as it is (it unpacks it)."""
    return table == "procurement" and path.suffix.lower() == ".gz" and bool(ocds_json_suffix(path))


def _read_archive(table, path, config, acc, bar) -> None:
    """Read each readable member of a ``.zip``/``.gz``/``.tar(.gz)`` as if it
    were a file of its own, named ``archive.zip/member.csv`` in every output."""
    import tempfile

    ratio = config.read_limits.max_compression_ratio
    with tempfile.TemporaryDirectory(prefix="ospo-unpack-", dir=config.temp_dir) as tmp:
        try:
            members, skipped = _archives.unpack(path, Path(tmp), ratio)
        except FileUnusable as exc:
            acc.files.append(_file_error(path, str(exc)))
            return
        for name in skipped:
            acc.files.append(
                _file_error(
                    Path(f"{path}/{name}"),
                    f"not read: a {Path(name).suffix or 'file without a type'} in the archive "
                    "(members read: csv, tsv, txt, xlsx, xlsm, xls, ods, json)",
                )
            )
        if not members and not skipped:
            acc.files.append(_file_error(path, "the archive holds no file"))
        # OCDS releases of one process may sit in several files: the archive's
        # JSON members are read together, as a folder of them would be.
        ocds = Path(tmp) / "ocds"
        units: list[tuple[Path, dict[Path, str]]] = []
        together: dict[Path, str] = {}
        # The tables of a flattened OCDS folder (the OCP Data Registry's
        # ``.csv.tar.gz``: main.csv, awards.csv, ...) are one input each.
        flat = _flattened_dirs(table, members)
        flat_units: dict[str, dict[Path, str]] = {}
        for shown, member in members:
            folder = str(Path(shown).parent)
            if folder in flat and member.suffix.lower() == ".csv":
                into = Path(tmp) / "flat" / f"{flat[folder]:06d}"
                if folder not in flat_units:
                    into.mkdir(parents=True)
                    flat_units[folder] = {into: folder}
                    units.append((into, flat_units[folder]))
                moved = into / member.name
                member.rename(moved)
                flat_units[folder][moved] = shown
            elif table == "procurement" and ocds_json_suffix(member):
                moved = ocds / member.parent.name / member.name
                moved.parent.mkdir(parents=True)
                member.rename(moved)
                if not together:
                    units.append((ocds, together))  # where its first file was
                together[moved] = shown
            else:
                units.append((member, {member: shown}))
        config.unpacked.update({str(m): shown for m, shown in _members_shown(units)})
        try:
            _read_units(table, path, config, acc, bar, units)
        finally:
            for m, _shown in _members_shown(units):
                config.unpacked.pop(str(m), None)


def _flattened_dirs(table: str, members: list[tuple[str, Path]]) -> dict[str, int]:
    """Archive folders holding a flattened OCDS main table, numbered."""
    if table != "procurement":
        return {}
    found = [
        str(Path(shown).parent)
        for shown, member in members
        if member.suffix.lower() == ".csv" and is_flattened_csv_name(member)
    ]
    return {folder: i for i, folder in enumerate(dict.fromkeys(found))}


def _read_units(table, path, config, acc, bar, units) -> None:
    """Read an archive's members (one OCDS folder counts as one), renaming each."""
    for target, shown_as in units:
        marks = [len(g) for g in acc.added()]
        shown = shown_as.get(target, str(path))
        _read_guarded(table, target, config, acc, bar, shown)
        _renamed(shown_as, acc, marks)


def _members_shown(units: list[tuple[Path, dict[Path, str]]]) -> list[tuple[Path, str]]:
    return [(m, shown) for _, shown_as in units for m, shown in shown_as.items()]


def _renamed(shown_as: dict[Path, str], acc, marks) -> None:
    """Name archive members, not their temporary copies, in what reading them added."""
    names: dict[str, str] = {}
    for member, shown in shown_as.items():
        names[str(member)] = names[str(member.resolve())] = shown
        try:
            names[str(member.resolve().relative_to(Path.cwd().resolve()))] = shown
        except ValueError:
            pass
    files, rejects, clean_rejects, extra_rejects, cleaned, pending = (
        g[m:] for g, m in zip(acc.added(), marks, strict=True)
    )
    for rec in files:
        rec["file"] = names.get(str(rec.get("file")), rec.get("file"))
    for frames, col in (
        ([*rejects, *clean_rejects, *extra_rejects], "file"),
        ([*cleaned, *(f for fs in pending for f in fs)], "source_file"),
    ):
        for frame in frames:
            if col in frame.columns and len(frame):
                values = frame[col]
                text = values.astype("string")
                hit = text.isin(list(names)).fillna(False).to_numpy(dtype=bool)
                if not hit.any():
                    continue
                new = text.map(names).where(hit, text)
                if isinstance(values.dtype, pd.CategoricalDtype):
                    cats = set(values.cat.categories)
                    values = values.cat.add_categories(sorted(set(names.values()) - cats))
                frame[col] = values.where(~hit, new)  # same dtype as before


def _read_one(table, path, config, acc, bar, stream: bool) -> None:
    """Read and clean one input path into ``acc.cleaned`` (raises FileUnusable).

    A big CSV/TSV (``stream``: :func:`._stream.should_stream`) is validated
    chunk by chunk. Any other file is read whole
    and cleaned once the files waiting reach :data:`CLEAN_BATCH_ROWS`: a big
    one at once, so only one file's raw cells are held (ten yearly workbooks
    of a million rows each would not fit in memory together). Each file
    decides its own number convention and date order, as a streamed file
    does. Either way the rows and rejects are the same, in the same order.
    """
    from . import _stream

    if stream and _stream.stream_file(table, path, config, acc, bar=bar):
        return
    special = _special_reader(table, path)
    sheets = None
    if special is None and table == "procurement" and path.suffix.lower() in {".xlsx", ".csv"}:
        # Read once, then look at the headers: flattened OCDS has its own reader.
        sheets = _read_with_progress(path, bar, config)
        if _sheets_look_flattened_ocds(path, sheets):
            # A workbook's sheets are not read a second time; a CSV brings
            # its folder's other tables, which the OCDS reader reads.
            workbook = path.suffix.lower() == ".xlsx"
            special = functools.partial(_ocds_adapter, sheets=sheets if workbook else None)
    raw_frames = []
    if special is not None:
        frame, rej, recs = special(path, config)
        raw_frames.append(frame)
        acc.extra_rejects.append(rej)
        acc.files.extend(recs)
    else:
        if sheets is None:
            sheets = _read_with_progress(path, bar, config)
        for raw in sheets:
            frame = _sheet_frame(raw, table, config, acc)
            raw.rows = []  # the frame holds the cells now: free the row lists early
            if frame is not None and len(frame):
                raw_frames.append(frame)
        del sheets
    if raw_frames:
        acc.pending.append(raw_frames)
        if sum(len(f) for fs in acc.pending for f in fs) >= CLEAN_BATCH_ROWS:
            _clean_pending(table, config, acc, bar)


#: Rows of files read whole cleaned together. Small files share the fixed cost
#: of cleaning (a thousand one-page exports); a big one is cleaned as soon as
#: it is read, so memory holds one file's raw cells, not every file's.
CLEAN_BATCH_ROWS = 200_000


def _clean_pending(table: str, config: Config, acc: _Accumulator, bar: _Progress) -> None:
    """Clean the files read whole since the last call, as one table: each
    still decides its own conventions (:func:`_cleaned`), so the result does
    not depend on which files are cleaned together. A file whose cleaning
    fails (a bug of ours) is listed with the error, and the others load."""
    files, acc.pending = acc.pending, []
    if not files:
        return
    try:
        _clean_into(table, [f for fs in files for f in fs], config, acc, bar)
    except Exception:  # noqa: BLE001 - find the file it is in
        for fs in files:
            try:
                _clean_into(table, fs, config, acc, bar)
            except Exception as exc:  # noqa: BLE001 - see _unexpected
                _drop_file(acc, str(fs[0]["source_file"].iloc[0]), _unexpected(exc))


def _clean_into(
    table: str, raw_frames: list[pd.DataFrame], config: Config, acc: _Accumulator, bar: _Progress
) -> None:
    """Clean ``raw_frames`` into ``acc.cleaned``; their cleaning rejects go to
    ``acc.clean_rejects`` (ordered with the other files' in :func:`_finish`)."""
    # Rows numbered from 0, as when every file was one table.
    if len(raw_frames) > 1:
        combined = pd.concat(raw_frames, ignore_index=True)
    else:
        combined = raw_frames[0].reset_index(drop=True)
    on_column = None
    if bar.enabled and len(combined) >= PROGRESS_MIN_ROWS:
        task = bar.start(f"cleaning {len(combined):,} {table} rows", total=len(columns(table)))
        on_column = lambda: bar.advance(task)  # noqa: E731
    part = _Accumulator()
    clean = _clean_frame(table, combined, config, part, on_column=on_column)
    acc.cleaned.append(clean)
    acc.clean_rejects.extend(part.rejects)


def _drop_file(acc: _Accumulator, file: str, message: str) -> None:
    """Keep nothing of ``file`` but a load report line with ``message``."""
    acc.files[:] = [r for r in acc.files if str(r.get("file")) != file]
    for rejects in (acc.rejects, acc.extra_rejects):
        rejects[:] = [r[r["file"].astype(str) != file] for r in rejects]
    acc.files.append(_file_error(Path(file), message))


def _read_with_progress(path: Path, bar: _Progress, config: Config) -> list[RawSheet]:
    task = None
    if bar.enabled and path.is_file() and path.stat().st_size >= PROGRESS_MIN_BYTES:
        task = bar.start(f"reading {path.name} ({path.stat().st_size / 1e6:.0f} MB)")
    sheets = read_raw(path, encoding=config.encoding_for(path), limits=config.read_limits)
    if task is not None:
        rows = sum(len(s.rows) for s in sheets)
        bar.finish(task, f"read {path.name}: {rows:,} rows")
    return sheets


def _sheets_look_flattened_ocds(path: Path, sheets: list[RawSheet]) -> bool:
    """Same rule as ``_ocds.is_flattened_ocds``, on sheets already read."""
    if path.suffix.lower() == ".csv" and not is_flattened_csv_name(path):
        return False
    for s in sheets:
        head = {str(h).strip() for h in (s.rows[0] if s.rows else []) if h is not None}
        if {"ocid", "id"} <= head:
            return True
    return False


def reference_currency(currency: pd.Series, config: Config) -> str:
    """The currency amounts are added up in: ``[project] currency``, else the
    one most rows of ``currency`` state ("" when none does). The one rule for
    the loader and for the reports that name it."""
    ref = (config["project"].get("currency") or "").strip().upper()
    if not ref and currency.notna().any():
        ref = str(currency.value_counts().index[0])
    return ref


def _one_currency(clean: pd.DataFrame, config: Config, acc: _Accumulator) -> pd.DataFrame:
    """Every amount in one currency, so that sums mean something.

    The currency is ``[project] currency``, else the one most rows state.
    An amount in another currency is converted at ``[currencies.rates]``
    (the load report says how many, at what rate); without a rate it is
    unknown, with the reason in the rejects: 5,000,000 PYG added to 10,000
    USD as 5,010,000 made one supplier "99.8 % of spend".
    """
    cur = clean["currency"].astype("string")
    ref = reference_currency(cur, config)
    foreign = (cur.notna() & (cur != ref)).to_numpy(bool) if ref else np.zeros(len(cur), bool)
    if not foreign.any():
        return clean
    rates = config.currency_rates()
    rate = cur.map(rates).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    convert = foreign & ~np.isnan(rate)
    unknown = foreign & np.isnan(rate)
    clean = clean.copy(deep=False)
    money = [c for c in ("amount", "original_amount") if c in clean.columns]
    if unknown.any():
        # Only the amounts that were there are listed (an empty one stays so).
        rows = clean[unknown & clean["amount"].notna().to_numpy(bool)]
        shown = rows["amount"].map(lambda v: f"{v:,.2f}") + " " + rows["currency"].astype(str)
        acc.rejects.append(
            _reject_frame(
                rows,
                "amount",
                shown.to_numpy(),
                (
                    "amount in " + rows["currency"].astype(str) + f", not {ref}: not added "
                    f"to {ref} amounts (set [currencies.rates] "
                    + rows["currency"].astype(str)
                    + f" = {ref} per unit to convert it)"
                ).to_numpy(),
                ACTION_UNKNOWN,
            )
        )
    for c in money:
        v = clean[c].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        v = np.where(convert, v * np.nan_to_num(rate, nan=1.0), v)
        v[unknown] = np.nan
        clean[c] = pd.array(v, dtype="Float64")  # NaN -> NA
    clean["currency"] = cur.mask(pd.Series(convert, index=cur.index), ref)
    for (file, sheet), grp in pd.DataFrame(
        {
            "file": clean["source_file"],
            "sheet": clean["source_sheet"],
            "code": cur,
            "convert": convert,
            "unknown": unknown,
        }  # fmt: skip
    )[foreign].groupby(["file", "sheet"], dropna=False):
        notes = []
        for code, g in grp.groupby("code"):
            n_conv, n_unk = int(g["convert"].sum()), int(g["unknown"].sum())
            if n_conv:
                notes.append(
                    f"{n_conv} amount(s) in {code} converted at {rates[str(code)]:g} {ref}"
                )
            if n_unk:
                notes.append(f"{n_unk} amount(s) in {code} left unknown (no rate to {ref})")
        for rec in acc.files:
            if str(rec["file"]) == str(file) and str(rec["sheet"]) == str(sheet):
                _add_note(rec, "; ".join(notes))
    return clean


def _finish(table, config, acc, bar) -> LoadResult:
    _clean_pending(table, config, acc, bar)
    # Cleaning rejects: rejected rows in file order, then the cells set to
    # unknown by column, as if every file had been cleaned as one table.
    acc.rejects.extend(_cleaning_order(table, acc.clean_rejects))
    acc.clean_rejects = []
    parts, acc.cleaned = acc.cleaned, []
    if not parts:
        clean = empty_frame(table)
    else:
        clean = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    del parts
    clean = _dedupe(table, clean, acc)
    if table == "procurement":
        clean = _one_currency(clean, config, acc)
    merges = pd.DataFrame()
    if table == "procurement" and len(clean):
        task = None
        if bar.enabled and len(clean) >= PROGRESS_MIN_ROWS:
            task = bar.start("grouping supplier spellings")
        clean, merges = _cluster_suppliers(clean, config)
        if task is not None:
            bar.finish(task)
    clean = clean.reset_index(drop=True)
    clean = _conform(table, clean)
    _count_by_sheet(acc, [clean], table)
    acc.rejects.extend(acc.extra_rejects)
    rejects = (
        pd.concat([r for r in acc.rejects if len(r)], ignore_index=True)
        if any(len(r) for r in acc.rejects)
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    files = pd.DataFrame(acc.files, columns=FILE_COLUMNS)
    files["filtered"] = files["filtered"].fillna(0).astype(int)
    return LoadResult(table, clean, rejects, files, merges)


def _special_reader(table: str, path: Path):
    """Standard formats (OCDS, publiccode.yml, code.json) have their own readers."""
    suffix = path.suffix.lower()
    if table == "procurement" and (
        path.is_dir()
        or ocds_json_suffix(path)
        # flatterer's main table: its folder is read in Arrow, never whole here.
        or (suffix == ".csv" and path.stem.lower() == "main" and is_flattened_csv_name(path))
    ):
        return _ocds_adapter
    if table == "inventory" and (suffix in {".json", ".yml", ".yaml"} or path.is_dir()):
        return _catalogue_adapter
    return None


def _ocds_adapter(path: Path, config: Config, sheets: list[RawSheet] | None = None):
    from ._read.ocds import read_ocds

    res = read_ocds(path, config, sheets=sheets)
    return _adapt(res, "procurement", config, path)


def _catalogue_adapter(path: Path, config: Config):
    from ._read import catalogues as _catalogues

    if path.is_dir():
        # A folder of catalogues: its publiccode.yml files and its code.json files.
        return _adapt(_catalogues.read_catalogue_folder(path), "inventory", config, path)
    reader = (
        _catalogues.read_codejson if path.suffix.lower() == ".json" else _catalogues.read_publiccode
    )
    return _adapt(reader(path), "inventory", config, path)


def _adapt(res, table: str, config: Config, path: Path):
    """Bring a standard-format reader's result into the common cleaning path."""
    frame = res.table.copy()
    frame["source_row"] = pd.to_numeric(frame["source_row"], errors="coerce")
    acc = _Accumulator()
    keep = [c.name for c in columns(table) if c.name in frame.columns]
    obj = frame[keep].astype(object).where(frame[keep].notna(), None)
    for p in ("source_file", "source_sheet", "source_row"):
        obj[p] = frame[p]
    if "process_id" in frame.columns:  # marks OCDS rows for _clean_frame
        obj["process_id"] = frame["process_id"]
    clean = _clean_frame(table, obj, config, acc, sheet_rows=False)
    if table == "procurement" and getattr(res, "process_items", None) is not None:
        from ._read.ocds import settle_cleaning

        acc.rejects = settle_cleaning(res, frame, clean.index, acc.rejects)
    for extra in ("is_it", "split_award", "method_raw", "process_id"):
        if extra in frame.columns:
            clean[extra] = frame.loc[clean.index, extra].astype(
                clean[extra].dtype if extra in clean else "string"
            )
    parts = []
    for attr, action in (("rejects", ACTION_REJECT), ("warnings", ACTION_UNKNOWN)):
        r = getattr(res, attr, None)
        if r is not None and len(r):
            r = r.copy()
            if "action" not in r.columns:
                r["action"] = action
            parts.append(r)
    parts.extend(r for r in acc.rejects if len(r))
    filtered = getattr(res, "filtered", None)
    if filtered is not None and len(filtered):
        f = filtered.rename(columns={"reason": "problem"})
        f["column"] = ""
        f["value"] = ""
        f["action"] = ACTION_FILTERED
        parts.append(f)
    rej = (
        pd.concat([p.reindex(columns=REJECT_COLUMNS) for p in parts], ignore_index=True)
        if parts
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    rej["action"] = rej["action"].fillna(ACTION_REJECT)
    # Standard formats count their own units (releases, records, entries):
    # read = loaded + filtered + rejected in those units. Canonical rows that
    # the common cleaning rejects afterwards are added to `rejected`.
    cleaning_rejects = sum(int((r["action"] == ACTION_REJECT).sum()) for r in acc.rejects if len(r))
    stats = getattr(res, "stats", {}) or {}
    per_file = (
        stats if stats and all(isinstance(v, dict) for v in stats.values()) else {str(path): stats}
    )
    recs: list[dict[str, Any]] = []
    for file, st in per_file.items():
        recs.append(
            {
                "file": file,
                "sheet": "",
                "rows_read": int(st.get("read", 0)),
                "loaded": int(st.get("loaded", 0)),
                "filtered": int(st.get("filtered", 0)),
                "rejected": int(st.get("rejected", 0)),
                "error": "",
                "notes": ", ".join(
                    f"{k} {v}"
                    for k, v in st.items()
                    if k not in {"read", "loaded", "filtered", "rejected"} and v
                )[:500],
                "_fixed": True,  # counted here; _count_by_sheet must not recount
            }
        )
    # A reject with no row is about the whole file (not JSON, truncated...):
    # the file is unusable, which the summary and the exit code must say.
    whole = rej[rej["row"].isna() | (rej["row"].astype(str) == "")]
    for rec in recs:
        problems = whole.loc[whole["file"].astype(str) == rec["file"], "problem"]
        if len(problems):
            rec["error"] = str(problems.iloc[0])
    if recs and not per_file and len(whole):
        recs[0]["error"] = str(whole["problem"].iloc[0])
    if recs and cleaning_rejects:
        recs[0]["notes"] += f"; {cleaning_rejects} {table} row(s) rejected by validation"
    return clean, rej, recs


def _known_points() -> dict[str, str]:
    from ._clean.schema import readiness_points

    return {p["id"].casefold(): p["id"] for p in readiness_points()}


def _check_points(clean: pd.DataFrame, acc: _Accumulator) -> pd.DataFrame:
    """Questionnaire answers must name a known readiness point."""
    known = _known_points()
    key = clean["point"].str.strip().str.casefold()
    ok = key.isin(list(known))
    clean = clean.copy()
    clean.loc[ok, "point"] = key[ok].map(known)
    bad = clean[~ok]
    if len(bad):
        problem = "unknown readiness point id (known ids: " + ", ".join(known.values()) + ")"
        acc.rejects.append(
            _reject_frame(bad, "point", bad["point"].astype(str).to_numpy(), problem, ACTION_REJECT)
        )
    return _one_answer_per_point(clean[ok], acc)


def _one_answer_per_point(clean: pd.DataFrame, acc: _Accumulator) -> pd.DataFrame:
    """One answer per ministry and point. The same answer again is a repeat
    (rejected, the first kept); different answers leave the point unanswered
    (each rejected, naming the others): "yes" and "no" averaged to 0.5 read
    as "partly", which nobody answered."""
    key = pd.DataFrame(
        {"m": clean["ministry"].astype("string").str.casefold(), "p": clean["point"]}
    )
    many = key.duplicated(keep=False).to_numpy(bool)
    if not many.any():
        return clean
    answers = clean["answer"].astype("string").fillna("?")
    n_answers = answers.groupby([key["m"], key["p"]]).transform("nunique").to_numpy()
    conflict = many & (n_answers > 1)
    repeat = many & ~conflict & key.duplicated(keep="first").to_numpy(bool)
    drop = conflict | repeat
    if not drop.any():
        return clean
    rows = clean[drop]
    listed = (
        (answers + " (row " + clean["source_row"].astype("string") + ")")
        .groupby([key["m"], key["p"]])
        .transform(lambda s: ", ".join(s))
    )
    problem = np.where(
        conflict[drop],
        "point answered differently: " + listed[drop].astype(str) + "; left unanswered",
        "point answered again with the same answer: the first answer counts",
    )
    acc.rejects.append(
        _reject_frame(rows, "answer", rows["answer"].astype(str).to_numpy(), problem, ACTION_REJECT)
    )
    return clean[~drop]


def _dedupe(table: str, clean: pd.DataFrame, acc: _Accumulator) -> pd.DataFrame:
    if table == "questionnaire" and not clean.empty:
        return _check_points(clean, acc)
    if table != "inventory" or clean.empty:
        return clean
    key = clean["system_id"].str.strip().str.casefold()
    dup = key.duplicated(keep="first")
    if dup.any():
        first = clean[~dup].assign(_k=key[~dup]).set_index("_k")
        d = clean[dup]
        where = first.loc[key[dup], ["source_file", "source_sheet", "source_row"]]  # type: ignore[index]  # stubs: no Series of labels
        problems = [
            f"duplicate system_id '{sid}' (first seen in {Path(str(f)).name}"
            f"{':' + str(s) if s else ''} row {r})"
            for sid, f, s, r in zip(
                d["system_id"],
                where["source_file"],
                where["source_sheet"],
                where["source_row"],
                strict=True,
            )
        ]
        acc.rejects.append(
            _reject_frame(
                d, "system_id", d["system_id"].astype(str).to_numpy(), problems, ACTION_REJECT
            )
        )
    return clean[~dup]


def _clustered(names: pd.Series, config: Config) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`cluster_vendors` of ``names`` (one per row, NA allowed) and the
    supplier (display name) of each row.

    Each distinct spelling is handled once (millions of rows, thousands of
    names): its rows are counted from the codes, and it is mapped once.
    """
    from ._clean.vendors import cluster_vendors

    vendors = config["vendors"]
    codes, uniques = pd.factorize(names)
    table = cluster_vendors(
        pd.Series(uniques),
        threshold=float(vendors.get("fuzzy_threshold", 92)),
        aliases=vendors.get("aliases") or None,
        n_rows=np.bincount(codes[codes >= 0], minlength=len(uniques)),
    )
    # Lists first: iterating a string Series goes element by element through pandas.
    mapping = dict(zip(table["supplier_raw"].tolist(), table["supplier"].tolist(), strict=True))
    display = pd.Series(uniques).map(mapping).astype("string").array
    return table, pd.Series(display.take(codes, allow_fill=True), index=names.index)


def _cluster_suppliers(clean: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    from ._clean.vendors import vendor_merges

    table, supplier = _clustered(clean["supplier_raw"], config)
    # Copy-on-write: setting a column on a shallow copy leaves the caller's
    # frame as it was, without copying every column of millions of rows.
    clean = clean.copy(deep=False)
    clean["supplier"] = supplier
    return clean, vendor_merges(table)


def _conform(table: str, df: pd.DataFrame, only: Sequence[str] | None = None) -> pd.DataFrame:
    """Give the frame exactly the canonical columns (or those of ``only``)
    and dtypes, in order."""
    template = empty_frame(table)
    if table in ("procurement", "inventory"):
        # The buyer as written; `ministry` is the ministry it rolls up to
        # (added after loading by _roll_up_ministries).
        template["buyer"] = pd.Series(dtype="string")
    if only is not None:
        unknown = sorted(set(only) - set(template.columns))
        if unknown:
            raise ValueError(f"not columns of the {table} table: {', '.join(unknown)}")
        template = template[[c for c in template.columns if c in set(only)]]
    out = {}
    for name, dtype in template.dtypes.items():
        if name in df.columns:
            s = df[name]
            if str(dtype).startswith("datetime"):
                if str(s.dtype) != "datetime64[ns]":  # cleaned dates are already
                    s = _clean.datetime_ns(s)
            else:
                s = s.astype(dtype)
            out[name] = s
        else:
            out[name] = pd.Series(pd.NA, index=df.index, dtype=dtype)
    # Copy-on-write: the columns are shared, not copied (millions of rows).
    return pd.DataFrame(out, index=df.index, copy=False)


# ---------------------------------------------------------------- public


def read_inventory(
    paths, config: Config | None = None, *, progress: bool | None = None
) -> LoadResult:
    """Load software-inventory files into the canonical inventory table.

    Parameters
    ----------
    paths : list of path-like
        xlsx/xlsm/xls/ods/csv/tsv files, publiccode.yml files or folders,
        code.json files.
    config : Config, optional
        Column aliases, value mappings and reading options (default: defaults).
    progress : bool, optional
        Show a progress display on stderr for big files (>= 5 MB) and big
        tables (>= 100,000 rows). Default: only when stderr is a terminal.

    Returns
    -------
    LoadResult
        The canonical inventory table with its rejects and per-file accounting.

    Examples
    --------
    Headers are recognised through their aliases and values cleaned to
    canonical codes (licences to SPDX ids):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, read_inventory
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> csv = folder / "inventory.csv"
    >>> _ = csv.write_text('''System ID,Application name,Agency,Licence,Hosting
    ... FIN-1,Payroll,Ministry of Finance,Proprietary,Foreign SaaS
    ... FIN-2,Website,Ministry of Finance,GPL v3,On-premise
    ... ''', encoding="utf-8")
    >>> inventory = read_inventory([csv], load_config(root=folder))
    >>> inventory.table[["system_id", "system_name", "licence", "hosting"]]
      system_id system_name                 licence     hosting
    0     FIN-1     Payroll  LicenseRef-proprietary     foreign
    1     FIN-2     Website            GPL-3.0-only  government
    >>> tmp.cleanup()
    """
    return _read_kind(
        "inventory", [Path(p) for p in _as_list(paths)], config or load_config(), progress
    )


def read_procurement(
    paths, config: Config | None = None, *, progress: bool | None = None
) -> LoadResult:
    """Load procurement exports (spreadsheets, OCDS JSON or flattened OCDS).

    Parameters and result as for :func:`read_inventory`, with the canonical
    procurement table; spellings of one supplier are merged (listed in
    ``vendor_merges``).

    Examples
    --------
    Amounts with thousands separators, day-first dates and method labels are
    cleaned; a row without a usable amount is rejected, with the reason:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, read_procurement
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> csv = folder / "procurement.csv"
    >>> _ = csv.write_text('''Buyer,Supplier,Contract value,Award date,Procurement method
    ... Ministry of Finance,Oracle,"1,250,000",01/03/2021,Direct award
    ... Ministry of Finance,Oracle Corp.,300000,15/03/2023,Open tender
    ... Ministry of Finance,WebCo,n/a,10/05/2022,Open tender
    ... ''', encoding="utf-8")
    >>> procurement = read_procurement([csv], load_config(root=folder))
    >>> procurement.table[["supplier", "amount", "award_date", "method"]]
           supplier     amount award_date  method
    0  Oracle Corp.  1250000.0 2021-03-01  direct
    1  Oracle Corp.   300000.0 2023-03-15    open
    >>> procurement.rejects[["row", "column", "value", "action"]]
       row  column value        action
    0    4  amount   n/a  row rejected
    >>> tmp.cleanup()
    """
    return _read_kind(
        "procurement", [Path(p) for p in _as_list(paths)], config or load_config(), progress
    )


def read_questionnaire(
    paths, config: Config | None = None, *, progress: bool | None = None
) -> LoadResult:
    """Load the readiness questionnaire (ministry, point, answer).

    Parameters and result as for :func:`read_inventory`, with the canonical
    questionnaire table.

    Examples
    --------
    Answers become ``yes``, ``partly``, ``no`` or ``unknown``; a point that is
    not a readiness point id is rejected:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, read_questionnaire
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "questionnaire.csv").write_text('''Ministry,Question ID,Answer
    ... Ministry of Finance,PRC-1,Yes
    ... Ministry of Finance,prc-2,Partly
    ... Ministry of Finance,SKL-1,Don't know
    ... Ministry of Finance,XYZ-9,No
    ... ''', encoding="utf-8")
    >>> answers = read_questionnaire([folder / "questionnaire.csv"], load_config(root=folder))
    >>> answers.table[["point", "answer"]]
       point   answer
    0  PRC-1      yes
    1  PRC-2   partly
    2  SKL-1  unknown
    >>> answers.rejects[["row", "column", "value", "action"]]
       row column  value        action
    0    5  point  XYZ-9  row rejected
    >>> tmp.cleanup()
    """
    return _read_kind(
        "questionnaire", [Path(p) for p in _as_list(paths)], config or load_config(), progress
    )


def _as_list(paths) -> list:
    if paths is None:
        return []
    if isinstance(paths, (str, Path)):
        return [paths]
    return list(paths)


def validate_table(table: str, df: pd.DataFrame) -> None:
    """Validate a canonical table with its pandera schema (raises on failure)."""
    pandera_schema(table).validate(df, lazy=True)


@dataclass
class Inputs:
    """All canonical tables of a project, with the accounting of how they loaded.

    Attributes
    ----------
    inventory, procurement, questionnaire : LoadResult
        One per kind of input.
    input_files : list of Path
        Every input file, as given or found by ``[inputs]``.
    rejects, files : DataFrame
        The three results' rejects and per-file accounting, with a ``table`` column.
    unusable : bool
        True when a file could not be used at all.

    Examples
    --------
    Made by :func:`load_inputs`; a table with no input file is empty:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, load_inputs
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "inventory.csv").write_text('''system_id,system_name,ministry
    ... FIN-1,Payroll,Ministry of Finance
    ... FIN-2,Website,
    ... ''', encoding="utf-8")
    >>> _ = (folder / "questionnaire.csv").write_text('''ministry,point,answer
    ... Ministry of Finance,PRC-1,yes
    ... Ministry of Finance,PRC-99,no
    ... ''', encoding="utf-8")
    >>> inputs = load_inputs(
    ...     load_config(root=folder),
    ...     inventory=folder / "inventory.csv",
    ...     questionnaire=folder / "questionnaire.csv",
    ...     progress=False,
    ... )
    >>> [len(r.table) for r in inputs.results], inputs.unusable
    ([1, 0, 1], False)
    >>> inputs.rejects[["table", "row", "column", "action"]]
               table  row    column        action
    0      inventory    3  ministry  row rejected
    1  questionnaire    3     point  row rejected
    >>> tmp.cleanup()
    """

    inventory: LoadResult
    procurement: LoadResult
    questionnaire: LoadResult
    input_files: list[Path] = field(default_factory=list)
    # Buyer -> ministry roll-up and ministry-name clustering (see _clean.ministries).
    ministries: MinistryResolution | None = None

    @property
    def results(self) -> list[LoadResult]:
        return [self.inventory, self.procurement, self.questionnaire]

    @property
    def rejects(self) -> pd.DataFrame:
        parts = [r.rejects.assign(table=r.kind) for r in self.results if len(r.rejects)]
        if not parts:
            return pd.DataFrame(columns=["table", *REJECT_COLUMNS])
        df = pd.concat(parts, ignore_index=True)
        return df[["table", *REJECT_COLUMNS]]

    @property
    def files(self) -> pd.DataFrame:
        parts = [r.files.assign(table=r.kind) for r in self.results if len(r.files)]
        if not parts:
            return pd.DataFrame(columns=["table", *FILE_COLUMNS])
        return pd.concat(parts, ignore_index=True)[["table", *FILE_COLUMNS]]

    @property
    def unusable(self) -> bool:
        return any(r.unusable_files for r in self.results)


def load_inputs(
    config: Config | None = None,
    *,
    inventory=None,
    procurement=None,
    questionnaire=None,
    progress: bool | None = None,
) -> Inputs:
    """Load every input of a project.

    Paths given explicitly replace the ones configured in ``ospo.toml``
    (``[inputs]``); OCDS sources (``inputs.ocds``) join procurement and
    catalogue sources (``inputs.catalogues``) join the inventory.
    ``progress`` shows a progress display on stderr for big files and tables
    (default: only when stderr is a terminal, as in the CLI).

    Examples
    --------
    The inputs named in ``ospo.toml``, read, cleaned and accounted for:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, load_inputs
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "ospo.toml").write_text('''[inputs]
    ... inventory = "raw/inventory*.csv"
    ... procurement = "raw/procurement*.csv"
    ... questionnaire = "raw/questionnaire*.csv"
    ... ''', encoding="utf-8")
    >>> (folder / "raw").mkdir()
    >>> _ = (folder / "raw" / "inventory.csv").write_text('''system_id,system_name,ministry,vendor
    ... FIN-1,Payroll,Ministry of Finance,Oracle
    ... HEA-1,Patient records,Ministry of Health,MediCore
    ... ''', encoding="utf-8")
    >>> _ = (folder / "raw" / "procurement.csv").write_text('''ministry,supplier,amount,system_id
    ... Ministry of Finance,Oracle,250000,FIN-1
    ... Ministry of Finance,Oracle Corp.,300000,FIN-1
    ... Ministry of Health,MediCore,500000,HEA-1
    ... ''', encoding="utf-8")
    >>> _ = (folder / "raw" / "questionnaire.csv").write_text('''ministry,point,answer
    ... Ministry of Health,PRC-1,yes
    ... ''', encoding="utf-8")
    >>> inputs = load_inputs(load_config(root=folder), progress=False)
    >>> inputs.files[["table", "rows_read", "loaded", "rejected"]]
               table  rows_read  loaded  rejected
    0      inventory          2       2         0
    1    procurement          3       3         0
    2  questionnaire          1       1         0

    Supplier spellings are merged, in the contracts and the inventory alike:

    >>> inputs.procurement.table["supplier"].tolist()
    ['Oracle', 'Oracle', 'MediCore']
    >>> tmp.cleanup()
    """
    config = config or load_config()
    inv = _as_list(inventory) or [
        *config.input_paths("inventory"),
        *config.input_paths("catalogues"),
    ]
    proc = _as_list(procurement) or [
        *config.input_paths("procurement"),
        *config.input_paths("ocds"),
    ]
    quest = _as_list(questionnaire) or config.input_paths("questionnaire")
    inputs = Inputs(
        inventory=read_inventory(inv, config, progress=progress),
        procurement=read_procurement(proc, config, progress=progress),
        questionnaire=read_questionnaire(quest, config, progress=progress),
        input_files=[Path(p) for p in [*inv, *proc, *quest]],
    )
    _unify_vendors(inputs, config)
    _roll_up_ministries(inputs, config)
    return inputs


def _roll_up_ministries(inputs: Inputs, config: Config) -> None:
    """Keep each row's buyer as written in ``buyer`` and put the ministry it
    rolls up to (mapping, then name clustering) in ``ministry``; the review
    tables go to ``inputs.ministries`` (see :func:`ministry_review_tables`)."""
    from ._clean.ministries import resolve_ministries

    tables = [r.table for r in inputs.results]
    parts = [t["ministry"].dropna() for t in tables if len(t)]
    names = pd.concat(parts, ignore_index=True) if parts else pd.Series(dtype="string")
    section = config["ministries"]
    res = resolve_ministries(
        names.value_counts(sort=False) if len(names) else pd.Series(dtype="int64"),
        rules=config.buyer_rules(),
        aliases=section.get("aliases") or None,
        keep_apart=section.get("keep_apart") or (),
        fuzzy_threshold=float(section.get("fuzzy_threshold") or 0),
    )
    lookup = res.lookup()
    for r in inputs.results:
        t = r.table
        # Distinct spellings only: factorize, map the uniques, take back.
        codes, uniques = pd.factorize(t["ministry"], use_na_sentinel=True)
        mapped = pd.array([lookup.get(u, u) for u in uniques], dtype="string")
        ministry = pd.Series(mapped.take(codes, allow_fill=True), index=t.index, dtype="string")
        if r.kind == "questionnaire":
            r.table = t.assign(ministry=ministry)
        else:
            r.table = t.assign(buyer=t["ministry"].astype("string"), ministry=ministry)
    inputs.ministries = res


def _pair_totals(t: pd.DataFrame, count_as: str, amount: pd.Series | None) -> pd.DataFrame:
    """Rows (and spend) per distinct (ministry, buyer spelling) of a table."""
    m_codes, m_u = pd.factorize(t["ministry"], use_na_sentinel=True)
    b_codes, b_u = pd.factorize(t["buyer"], use_na_sentinel=True)
    ok = (m_codes >= 0) & (b_codes >= 0)
    nb = max(len(b_u), 1)
    key = m_codes[ok].astype(np.int64) * nb + b_codes[ok]
    uniq, inverse = np.unique(key, return_inverse=True)
    out = {
        "ministry": pd.array(np.asarray(m_u, dtype=object)[uniq // nb], dtype="string"),
        "spelling": pd.array(np.asarray(b_u, dtype=object)[uniq % nb], dtype="string"),
        count_as: np.bincount(inverse, minlength=len(uniq)),
    }
    if amount is not None:
        a = amount.to_numpy(dtype=float, na_value=np.nan)[ok]
        has = ~np.isnan(a)
        spend = np.bincount(inverse, weights=np.where(has, a, 0.0), minlength=len(uniq))
        n_has = np.bincount(inverse, weights=has, minlength=len(uniq))
        out["spend"] = np.where(n_has > 0, spend, np.nan)  # no amount known: unknown, not 0
    return pd.DataFrame(out)


def ministry_review_tables(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """``ministry_buyers`` (ministry, buyer, matched_by, contracts, spend, systems),
    ``buyer_review`` (unmatched buyers) and ``ministry_merges`` for review."""
    from ._clean.ministries import (
        BUYER_COLUMNS,
        MERGE_COLUMNS,
        REVIEW_COLUMNS,
        display_names,
    )

    proc, inv = inputs.procurement.table, inputs.inventory.table
    res = inputs.ministries
    counts = (
        dict(zip(res.table["buyer"], res.table["n_rows"].astype(int), strict=True)) if res else {}
    )
    how = dict(zip(res.table["buyer"], res.table["matched_by"], strict=True)) if res else {}
    shown = display_names(counts)
    # Distinct (ministry, spelling) pairs first, with integer codes and
    # bincount: millions of rows cost a factorize and a sort.
    parts = []
    if len(proc) and "buyer" in proc:
        parts.append(_pair_totals(proc, "contracts", proc["amount"]))
    if len(inv) and "buyer" in inv:
        parts.append(_pair_totals(inv, "systems", None))
    pairs = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"ministry": [], "spelling": [], "contracts": [], "spend": []})
    )
    # Spellings of one buyer ("CITY X" / "City X") are listed as one buyer,
    # under its most frequent clean spelling; the tables keep each as written.
    pairs["buyer"] = pairs["spelling"].map(shown).fillna(pairs["spelling"])
    pairs["_how"] = pairs["spelling"].map(how).fillna("")
    g = pairs.groupby(["ministry", "buyer"], sort=True)
    table = pd.DataFrame(
        {
            "spellings": g["spelling"].nunique(),
            "matched_by": g["_how"].agg(lambda h: "; ".join(sorted(set(h) - {""}))),
            "contracts": g["contracts"].sum(min_count=1) if "contracts" in pairs else pd.NA,
            "spend": g["spend"].sum(min_count=1) if "spend" in pairs else pd.NA,
            "systems": g["systems"].sum(min_count=1) if "systems" in pairs else pd.NA,
        }
    ).reset_index()
    table["spellings"] = table["spellings"].astype("Int64")
    table["matched_by"] = table["matched_by"].astype("string")
    for c in ("contracts", "spend", "systems"):
        numbers = table[c] if c in table else pd.Series(pd.NA, index=table.index)
        table[c] = numbers.astype("Float64" if c == "spend" else "Int64")
    for c in ("contracts", "systems"):
        table[c] = table[c].fillna(0)
    table["ministry"] = table["ministry"].astype("string")
    table["buyer"] = table["buyer"].astype("string")
    table = table[BUYER_COLUMNS].sort_values(["ministry", "buyer"], kind="stable")
    review = table[table["matched_by"].str.contains("unmatched", regex=False)]
    review = review.drop(columns="matched_by")
    review = review.assign(
        problem="no [ministries] buyer mapping matched this buyer; kept as its own ministry"
    ).sort_values(["spend", "buyer"], ascending=[False, True], na_position="last")
    merges = res.merges if res is not None else pd.DataFrame(columns=MERGE_COLUMNS)
    return {
        "ministry_buyers": table.reset_index(drop=True),
        "buyer_review": review[REVIEW_COLUMNS].reset_index(drop=True),
        "ministry_merges": merges,
    }


def _unify_vendors(inputs: Inputs, config: Config) -> None:
    """Cluster inventory vendors and procurement suppliers together, so that
    "MEDICORE HEALTH SYSTEMS INC" in an asset register and "MediCore Health
    Systems Inc." in the contracts are one company everywhere."""
    inv, proc = inputs.inventory.table, inputs.procurement.table
    if not len(inv) or inv["vendor"].isna().all():
        return
    from ._clean.vendors import vendor_merges

    names = pd.concat(
        [proc["supplier_raw"].astype("string"), inv["vendor"].astype("string")],
        ignore_index=True,
    )
    table, display = _clustered(names, config)
    n = len(proc)
    inputs.inventory.table = inv.assign(vendor=display.iloc[n:].set_axis(inv.index))
    if n:
        inputs.procurement.table = proc.assign(supplier=display.iloc[:n].set_axis(proc.index))
    inputs.procurement.vendor_merges = vendor_merges(table)


def write_processed(inputs: Inputs, out_dir: Path) -> list[Path]:
    """Write the canonical tables and the accounting files to ``out_dir``.

    All or nothing: every file is written to a temporary name, and they
    replace the old ones only when all are written, so a crash or a full disk
    never leaves a half-written table, nor one load's tables beside another
    load's rejects and load report.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, load_inputs, write_processed
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "inventory.csv").write_text('''system_id,system_name,ministry
    ... FIN-1,Payroll,Ministry of Finance
    ... ''', encoding="utf-8")
    >>> config = load_config(root=folder)
    >>> inputs = load_inputs(config, inventory=folder / "inventory.csv", progress=False)
    >>> written = write_processed(inputs, config.processed_dir)
    >>> sorted(p.name for p in written)  # doctest: +NORMALIZE_WHITESPACE
    ['buyer_review.csv', 'inventory.parquet', 'load_report.csv', 'ministry_buyers.parquet',
     'ministry_merges.csv', 'procurement.parquet', 'questionnaire.parquet', 'rejects.csv',
     'vendor_merges.csv']
    >>> tmp.cleanup()
    """
    from ._lanes import Background
    from ._processed import staged, table_writer
    from ._safe import csv_safe_bytes

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def csv_writer(df: pd.DataFrame) -> Callable[[str], Any]:
        data = csv_safe_bytes(df)
        return lambda tmp: Path(tmp).write_bytes(data)

    # All or nothing: the tables and the accounting files of one load never
    # sit beside another load's. The canonical tables (millions of rows: the
    # parquet writer works without the GIL) are written on a second core
    # while the review tables are made and the CSV files written.
    with staged() as files:
        tables = Background(
            lambda: [
                files.write(out_dir / f"{res.kind}.parquet", table_writer(res.table))
                for res in inputs.results
            ]
        )
        others = []
        try:
            for name, df in (
                ("rejects.csv", inputs.rejects),
                ("load_report.csv", inputs.files),
                ("vendor_merges.csv", inputs.procurement.vendor_merges),
            ):
                others.append(files.write(out_dir / name, csv_writer(df)))
            review = ministry_review_tables(inputs)
            for name in ("buyer_review", "ministry_merges"):
                others.append(files.write(out_dir / f"{name}.csv", csv_writer(review[name])))
            buyers = table_writer(review["ministry_buyers"])
            others.append(files.write(out_dir / "ministry_buyers.parquet", buyers))
        finally:
            # The tables finish before the files are renamed or removed; an
            # error here is the one reported.
            with contextlib.suppress(Exception):
                tables.result()
        written = [*tables.result(), *others]  # tables.result() raises if they failed
    return written


def read_tables(
    processed: Path, *, columns: Mapping[str, Sequence[str]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read the canonical tables written by :func:`write_processed`.

    Returns ``(inventory, procurement, questionnaire)``; a missing table is
    returned empty with the canonical columns.

    Parameters
    ----------
    processed : Path
        The processed-data folder.
    columns : mapping, optional
        Only these columns of a table (``{"procurement": [...]}``), in
        canonical order: a national procurement table is read without the
        columns a step does not use, which on ten million rows is gigabytes.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, load_inputs, read_tables, write_processed
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "inventory.csv").write_text('''system_id,system_name,ministry,licence
    ... FIN-1,Payroll,Ministry of Finance,Proprietary
    ... FIN-2,Website,Ministry of Finance,MIT
    ... ''', encoding="utf-8")
    >>> config = load_config(root=folder)
    >>> inputs = load_inputs(config, inventory=folder / "inventory.csv", progress=False)
    >>> _ = write_processed(inputs, config.processed_dir)
    >>> inventory, procurement, questionnaire = read_tables(config.processed_dir)
    >>> len(inventory), len(procurement), len(questionnaire)
    (2, 0, 0)
    >>> inventory[["system_id", "licence"]]
      system_id                 licence
    0     FIN-1  LicenseRef-proprietary
    1     FIN-2                     MIT
    >>> list(procurement.columns[:4])
    ['ministry', 'supplier', 'amount', 'currency']
    >>> tmp.cleanup()
    """
    processed = Path(processed)
    out = []
    for kind in ("inventory", "procurement", "questionnaire"):
        path = processed / f"{kind}.parquet"
        wanted = None if columns is None else columns.get(kind)
        if not path.exists():
            df = _conform(kind, empty_frame(kind), only=wanted)
        else:
            try:
                if wanted is None:
                    df = pd.read_parquet(path)
                else:
                    present = set(pq.read_schema(path).names)
                    df = pd.read_parquet(path, columns=[c for c in wanted if c in present])
                df = _conform(kind, df, only=wanted)
            except Exception as exc:  # noqa: BLE001 - a damaged file is a message, not a traceback
                from ._processed import ProcessedError

                raise ProcessedError(
                    f"{path}: cannot read ({type(exc).__name__}: {str(exc)[:200]}); "
                    "run `ospo-analytics validate` again"
                ) from None
        out.append(df)
    return out[0], out[1], out[2]
