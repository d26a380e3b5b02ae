"""Read Open Contracting Data Standard (OCDS) procurement data.

:func:`read_ocds` accepts what governments publish, detected automatically:
release packages, record packages, single records, bare releases, lists of
releases, JSON Lines (one package, record or release a line), folders of such
files (searched recursively), OCDS 1.0 data (upgraded to 1.1 with
``ocdskit.upgrade``), and flattened OCDS in two layouts, each as a workbook
or a CSV folder:

* flattentool's: a main sheet ``releases`` plus child sheets such as
  ``awards``, ``awa_suppliers``, ``contracts`` joined on ``ocid``/``id``,
  headers like ``awards/0/suppliers/0/name``;
* flatterer's, the OCP Data Registry's CSV and Excel downloads: a table
  ``main`` plus tables such as ``awards``, ``awards_suppliers``,
  ``tender_items``, joined on their ``_link`` columns, headers like
  ``tender_value_amount`` (see :func:`_unflatter`).

Releases are compiled into one compiled release per ``ocid`` with
``ocdsmerge`` (the merge engine of ocdskit), using the OCDS 1.1.5 release
schema shipped in ``ospo_analytics/data/ocds`` so nothing is fetched from the
network. Each compiled process is then mapped to canonical procurement rows:
one row per (award, supplier).

Mapping choices (documented here because they change numbers):

* **Split awards.** An award to several suppliers (a consortium, a framework)
  gives one row per supplier with the award value divided *evenly* between
  them and ``split_award = True``. OCDS does not publish the shares, so the
  even split is an assumption, flagged on every row it touches.
* **Cancelled or unsuccessful awards** are not spending: skipped (counted).
* **Contract-only processes** (contracts published without awards, as
  Canada's buyandsell does): one row per contract that is not cancelled, with
  its value; the supplier is the one party with role ``supplier`` when there
  is exactly one, else unknown (the spend still counts).
* **Tenderers.** ``tender.numberOfTenderers``, else the publisher's
  misspelled ``numberOfTenders``, else the number of distinct
  ``tender.tenderers`` that carry a name or identifier, or whose ``id``
  resolves to a party (placeholder entries with neither, as Moldova
  publishes, are not bidders), else the number of parties with role
  ``tenderer``, else the number of ``bids.details``. Otherwise NA.
* **Dates** are the publisher's calendar date: ``2017-01-01T03:00+04:00`` is
  2017-01-01 (no shift to UTC, which would move award years and 365-day
  windows). A date that does not exist (``2017-02-30``) is unknown and listed
  as a warning with its release and field.
* **Non-conformant shapes.** An object where an array of objects is expected
  (``awards``, ``contracts``, ``parties``, ``suppliers``, ``tenderers``) is
  read as one element (or as its values when it is a map keyed by id) and
  listed as repaired; ``awards`` that is text or a number rejects the process
  with what was found.
* **Hostile values.** A number of more than :data:`MAX_DIGITS` digits (or
  NaN/Infinity), or nesting deeper than :data:`MAX_DEPTH`, rejects that one
  item with the reason; the rest of the file loads.
* **Amendments.** Only amendments that say something (a date, rationale,
  description, id or changes) are counted; an absent list counts 0.
* **IT filter.** A process is IT when any item classification (tender, award
  or contract items, additional classifications included) of a CPV or
  UNSPSC-based scheme, or of no stated scheme, starts with one of
  ``config["it_filter"]["prefixes"]``. A process with no usable
  classification keeps ``is_it = NA`` and is loaded, never dropped silently.
  Codes that are not digits (after removing ``-``, ``.`` and spaces) are
  counted as malformed.
* **Personal data.** Contact points are never read into any output column.

Accounting: every item read (release, record, JSON line or flattened row) ends
up exactly once as loaded (its process gave at least one row), filtered
(``filtered`` with a reason) or rejected (exactly one ``rejects`` row with the
reason). Problems inside loaded or filtered items (a supplier with no name, a
non-numeric amount, an impossible date, a repaired shape) are ``warnings``
with their action; they do not change the item counts in ``stats``. When the
common cleaning later rejects every row of a process,
:func:`settle_cleaning` moves its items from loaded to rejected.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import logging
import math
import re
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ospo_analytics._clean.cells import (
    classification_code,
    datetime_ns,
    implausible_date,
    parse_date,
    parse_method,
)
from ospo_analytics._clean.schema import empty_frame
from ospo_analytics._config import Config
from ospo_analytics._read.bulk import MoreThanOneValue, OcidGroups, Slices, Spans, layout
from ospo_analytics._read.spreadsheet import FileUnusable, RawSheet, decode_text, read_raw

__all__ = ["OcdsResult", "is_flattened_csv_name", "is_flattened_ocds", "read_ocds"]

METHOD_CODES = ("open", "selective", "limited", "direct")
REJECT_COLUMNS = ("file", "sheet", "row", "column", "value", "problem")
WARNING_COLUMNS = (*REJECT_COLUMNS, "action")
# Actions of warnings (the words of the loader's rejects table).
ACTION_UNKNOWN = "row kept, cell set to unknown"
ACTION_PART_DROPPED = "row kept, part not loaded"
ACTION_REPAIRED = "row kept, shape repaired"
FILTER_COLUMNS = ("file", "sheet", "row", "reason")
STAT_KEYS = (
    "read",
    "loaded",
    "filtered",
    "rejected",
    "releases",
    "records",
    "upgraded_1_0",
    "processes",
    "awards",
    "rows",
    "split_awards",
    "awards_skipped_status",
    "malformed_codes",
    "merge_fallbacks",
    "duplicate_ids",
    "contract_only",
)
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
_LINES_SUFFIXES = {".jsonl", ".ndjson"}  # JSON Lines by name
SHEET_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".xls"}
_SKIP_AWARD_STATUS = {"cancelled", "unsuccessful"}
_SKIP_CONTRACT = {"cancelled"}  # a terminated contract was still spent
# Schemes whose codes are CPV or UNSPSC (or built on UNSPSC, like Paraguay's
# DNCP catalogue "43211508-001"), so the IT prefixes apply.
_PREFIX_SCHEMES = ("cpv", "unspsc", "contrataciones publicas del paraguay", "dncp")
# flattentool joins arrays of strings with ";" in one cell; flatterer with ","
# (an item holding a comma or quote is quoted, as in a CSV line).
_STRING_ARRAYS = {"tag", "roles", "submissionMethod", "additionalProcurementCategories"}


@dataclass
class OcdsResult:
    """What :func:`read_ocds` returns.

    Attributes
    ----------
    table : DataFrame
        Canonical procurement rows (see ``_schema.PROCUREMENT_COLUMNS``) plus
        ``supplier_raw``, ``method_raw``, ``is_it``, ``split_award``,
        ``classification_scheme`` and provenance.
    rejects : DataFrame
        ``file, sheet, row, column, value, problem``.
    filtered : DataFrame
        ``file, sheet, row, reason``.
    stats : dict
        Per input file: counts named in :data:`STAT_KEYS`.
    warnings : DataFrame
        ``file, sheet, row, column, value, problem, action``: problems inside
        loaded or filtered items (a date that does not exist, an award without
        supplier, a repaired shape). They do not change the item counts.
    """

    table: pd.DataFrame
    rejects: pd.DataFrame
    filtered: pd.DataFrame
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(WARNING_COLUMNS))
    )
    #: ocid -> locations ``(file, sheet, row)`` of the items loaded through it.
    process_items: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        """Stats summed over all files."""
        out = dict.fromkeys(STAT_KEYS, 0)
        for s in self.stats.values():
            for k, v in s.items():
                out[k] = out.get(k, 0) + v
        return out


# ----------------------------------------------------------------- helpers


@dataclass(slots=True)  # one per release of a bulk file: no __dict__ each
class _Item:
    """One accounting unit: a release, record, JSON line or flattened row."""

    file: str
    sheet: str
    row: int
    status: str = ""  # "", "loaded", "filtered", "rejected"


@dataclass(slots=True)
class _Release:
    data: dict
    item: _Item
    order: int


class _Log:
    """Accounting: one verdict per item, one rejects row per rejected item.

    Problems found while mapping a process are kept per item until the verdict
    is known: a rejected item gets exactly one rejects row (its reason, with
    the first problem found inside it); a loaded or filtered item keeps its
    problems as warnings (the row was kept, a value or an award was not).
    """

    def __init__(self, dayfirst: bool = True) -> None:
        # How this read takes a date that is not ISO 8601 ([reading] dayfirst):
        # carried here because every mapping step already has the log.
        self.dayfirst = dayfirst
        self.rejects: list[tuple] = []
        self.warnings: list[tuple] = []
        self.filtered: list[tuple] = []
        self.stats: dict[str, dict[str, int]] = {}
        self._reason: dict[int, tuple] = {}
        self.process_items: dict[str, list[tuple[str, str, int]]] = {}
        self._notes: dict[int, list[tuple]] = defaultdict(list)

    def stat(self, file: str, key: str, n: int = 1) -> None:
        self.stats.setdefault(file, dict.fromkeys(STAT_KEYS, 0))[key] += n

    def reject(self, item: _Item, column: str, value: Any, problem: str) -> None:
        """Reject a whole item (it counts as rejected); the first reason wins."""
        item.status = "rejected"
        self._reason.setdefault(
            id(item), (item.file, item.sheet, item.row, column, _show(value), problem)
        )

    def bad(self, item: _Item, column: str, value: Any, problem: str) -> None:
        """Reject an item that never became a release (a bad file, a bad line)."""
        self.stat(item.file, "read")
        self.stat(item.file, "rejected")
        self.rejects.append((item.file, item.sheet, item.row, column, _show(value), problem))

    def problem(
        self, item: _Item, column: str, value: Any, problem: str, action: str = ACTION_UNKNOWN
    ) -> None:
        """A problem inside an item: a warning if the item is kept."""
        self._notes[id(item)].append(
            (item.file, item.sheet, item.row, column, _show(value), problem, action)
        )

    def warn(self, item: _Item, column: str, value: Any, problem: str, action: str) -> None:
        """A warning about a part of the input that is not an accounting item."""
        self.warnings.append(
            (item.file, item.sheet, item.row, column, _show(value), problem, action)
        )

    def settle(self, items: list[_Item]) -> None:
        """Write the rejects and warnings of every item, once its verdict is known."""
        for it in items:
            notes = self._notes.pop(id(it), [])
            if it.status == "rejected":
                f, sh, r, col, val, why = self._reason.get(
                    id(it), (it.file, it.sheet, it.row, "", "", "rejected")
                )
                if notes and notes[0][5] not in why:
                    why = f"{why} ({notes[0][3] or 'release'}: {notes[0][5]})"
                self.rejects.append((f, sh, r, col, val, why))
            else:
                self.warnings.extend(notes)


def _show(value: Any) -> str:
    """Short text of an offending value for the rejects table."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _text(value: Any) -> str | None:
    """Text of a scalar cell/field, or None when empty (ids as typed by Excel too)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    """Float of a number or numeric string ("1,234.5" too); None if not numeric."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = _text(value)
    if text is None:
        return None
    text = text.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    try:
        out = float(text)
    except ValueError:
        return None
    return None if math.isnan(out) or math.isinf(out) else out


def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[dict]:
    """Objects of an array field; a lone object is accepted as a list of one."""
    if isinstance(value, dict):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _rel(path: Path, base: Path) -> str:
    """Path as given by the user, relative to the current folder if possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------- reference data


@lru_cache(maxsize=1)
def release_schema() -> dict:
    """The shipped OCDS 1.1.5 release schema (parsed JSON)."""
    ref = resources.files("ospo_analytics") / "data" / "ocds" / "release-schema.json"
    return json.loads(ref.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _merger() -> Any:
    from ocdsmerge import Merger
    from ocdsmerge.rules import get_merge_rules

    # Merge rules from the shipped schema: no network access.
    rules = get_merge_rules(copy.deepcopy(release_schema()))
    # Organisation lists are replaced by the latest release, not merged by
    # id: a 1.0 copy upgraded by ocdskit gets new (hashed) party ids, and
    # merging by id would list every supplier or tenderer twice.
    rules[("awards", "suppliers")] = "wholeListMerge"
    rules[("tender", "tenderers")] = "wholeListMerge"
    return Merger(merge_rules=rules)


# ------------------------------------------------------------- discovery


def _discover(root: Path) -> list[tuple[str, Path]]:
    """List ``(kind, path)`` sources under ``root``: json, sheet or csvdir."""
    if root.is_file():
        suffix = root.suffix.lower()
        if suffix in SHEET_SUFFIXES:
            return [("sheet", root)]
        if suffix == ".csv":
            return [("csvdir", root.parent)]
        return [("json", root)]
    found: list[tuple[str, Path]] = []
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.name.startswith((".", "~$")):
            continue
        suffix = p.suffix.lower()
        if json_suffix(p):
            found.append(("json", p))
        elif suffix in SHEET_SUFFIXES:
            found.append(("sheet", p))
        elif suffix == ".csv" and is_flattened_csv_name(p):
            found.append(("csvdir", p.parent))
    return found


def unread_files(root: Path) -> list[Path]:
    """Files under the folder ``root`` that :func:`read_ocds` does not read
    (archives, notes, other types), so that the loader names each one.

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> for name in ("a.json", "feed.zip", "notes.txt", "x/releases.csv", "x/awards.csv"):
    ...     (tmp / name).parent.mkdir(exist_ok=True)
    ...     _ = (tmp / name).write_text("")
    >>> [p.relative_to(tmp).as_posix() for p in unread_files(tmp)]
    ['feed.zip', 'notes.txt']
    """
    if not root.is_dir():
        return []
    taken = _discover(root)
    dirs = {p for kind, p in taken if kind == "csvdir"}
    files = {p for kind, p in taken if kind != "csvdir"}
    return [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.name.startswith((".", "~$"))
        and p not in files
        and not (p.suffix.lower() == ".csv" and p.parent in dirs)
    ]


def is_flattened_csv_name(path: Path) -> bool:
    """Whether a CSV file is the main table of a flattened OCDS folder.

    flattentool's is ``releases.csv``; flatterer's (the OCP Data Registry's
    CSV downloads) is ``main.csv``, whose header starts with ``_link`` and
    names ``ocid``: only its first line is read.
    """
    stem = path.stem.lower()
    if stem == "releases":
        return True
    if stem != "main":
        return False
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 16).decode("utf-8-sig", "replace")
    except OSError:
        return False
    head = [h.strip() for h in next(csv.reader([first]), [])]
    return bool(head) and head[0] == "_link" and "ocid" in head


def json_suffix(path: Path) -> str | None:
    """``.json``, ``.jsonl`` or ``.ndjson`` for an OCDS JSON file, gzipped
    too (``feed.jsonl.gz``, as the OCP Data Registry publishes); else None."""
    name = path.name.lower().removesuffix(".gz")
    return next((s for s in JSON_SUFFIXES if name.endswith(s)), None)


# ----------------------------------------------------------- JSON input


def _gzip_items(
    path: Path, name: str, log: _Log, stream_at: float, max_ratio: float, temp_dir: str | None
) -> Iterator[tuple[_Item, Any, str | None]]:
    """Items of a gzipped JSON file: unpacked to a temporary file (so a big
    feed streams like any other), refused whole when it is truncated or
    inflates like a bomb."""
    import tempfile

    from .archives import unpack

    with tempfile.TemporaryDirectory(prefix="ospo-ocds-", dir=temp_dir) as tmp:
        try:
            [(_, plain)], _skipped = unpack(path, Path(tmp), max_ratio)
        except FileUnusable as exc:
            log.bad(_Item(name, "", 0), "", "", str(exc))
            return
        yield from _json_items(plain, name, log, stream_at, max_ratio, temp_dir)


def _json_items(
    path: Path,
    name: str,
    log: _Log,
    stream_at: float = math.inf,
    max_ratio: float = 100.0,
    temp_dir: str | None = None,
) -> Iterator[tuple[_Item, Any, str | None]]:
    """Yield ``(item, object, package_version)`` from a JSON or JSON Lines
    file, gzipped or not.

    A file of ``stream_at`` bytes or more is read one element (or line) at a
    time when it is plain UTF-8 and well formed (:func:`_streamed_items`);
    anything else is read whole, which gives the same items.
    """
    if path.name.lower().endswith(".gz"):
        yield from _gzip_items(path, name, log, stream_at, max_ratio, temp_dir)
        return
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size >= stream_at:
        streamed = _streamed_items(path, name, log)
        if streamed is not None:
            yield from streamed
            return
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.bad(_Item(name, "", 0), "", "", f"cannot read the file: {exc.strerror}")
        return
    text, _ = decode_text(data)
    del data
    text = text.lstrip("\ufeff")
    if not text.strip():
        log.bad(_Item(name, "", 0), "", "", "the file is empty")
        return
    try:
        doc = _loads(text)
    except (json.JSONDecodeError, ValueError) as exc:
        if not isinstance(exc, json.JSONDecodeError):  # ijson's error on a deep, broken file
            log.bad(_Item(name, "", 0), "", "", f"not valid JSON ({exc})")
            return
        lines = _lines(text)
        if path.suffix.lower() in _LINES_SUFFIXES or (
            len([ln for ln in lines if ln.strip()]) > 1 and _parses(lines[0])
        ):
            yield from _jsonl_items(lines, name, log)
            return
        log.bad(
            _Item(name, "", 0),
            "",
            "",
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
        )
        return
    yield from _unpack(doc, name, "", 0, log)


def _lines(text: str) -> list[str]:
    """Lines of JSON Lines text. Only CR/LF end a line: U+2028, U+0085 and
    the like are valid inside a JSON string (``str.splitlines`` would cut a
    record there)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


_BOM = b"\xef\xbb\xbf"


def _streamed_items(
    path: Path, name: str, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]] | None:
    """Items of a big JSON file, parsed one element or line at a time; None
    when the file must be read whole to give the same items (not UTF-8,
    NUL bytes, not well formed, nested too deep, or neither one value nor
    JSON Lines). Decided before the first item is yielded."""
    from .._stream import _encoding, _NotStreamable

    try:
        enc = _encoding(path)
    except (_NotStreamable, OSError):
        return None
    if enc.name not in ("utf-8", "utf-8-sig") or enc.legacy or enc.n_nul:
        return None
    start = 0
    with path.open("rb") as fh:
        while fh.read(3) == _BOM:  # the BOM, and any the reader strips after it
            start += 3
    try:
        lay = layout(path, start, ("releases", "records"))
    except MoreThanOneValue:
        return _jsonl_stream(path, start, name, log)
    if lay is None:
        return None
    try:
        doc = _strict_loads(lay.skeleton)
        with path.open("rb") as fh:
            cut = Slices(fh)
            for spans in lay.arrays.values():
                for a, b in spans:
                    _strict_loads(cut.get(a, b))
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None  # read whole: the same message as before
    return _layout_items(path, lay, doc, name, log)


def _strict_loads(data: bytes) -> Any:
    """The whole-file decoder on a part of a file, without the deep-nesting
    fallback (such a file is left to the whole-file reader)."""
    return _decode(data.decode("utf-8"))


def _layout_items(
    path: Path, lay: Any, doc: Any, name: str, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]]:
    """:func:`_unpack` of a file laid out by :func:`bulk.layout`, parsing the
    elements of its big arrays one at a time."""
    with path.open("rb") as fh:
        cut = Slices(fh)

        def parsed(key: str) -> Iterator[Any]:
            for a, b in lay.arrays[key]:
                yield _loads(cut.get(a, b).decode("utf-8"))

        if isinstance(doc, list):
            for i, rel in enumerate(parsed(""), start=1):
                yield _Item(name, "releases", i), ("release", rel), None
            return
        version = _text(doc.get("version")) if isinstance(doc, dict) else None
        if isinstance(doc, dict) and "records" in lay.arrays:
            if "releases" in lay.arrays:
                _releases_beside_records(lay.arrays["releases"], _Item(name, "", 0), log)
            for i, rec in enumerate(parsed("records"), start=1):
                yield _Item(name, "records", i), ("record", rec), version
        elif isinstance(doc, dict) and "releases" in lay.arrays and not _is_record(doc):
            for i, rel in enumerate(parsed("releases"), start=1):
                yield _Item(name, "releases", i), ("release", rel), version
        else:  # one record (or stranger): its arrays are needed whole
            for key in lay.arrays:
                doc[key] = list(parsed(key))
            yield from _unpack(doc, name, "", 0, log)


def _jsonl_stream(
    path: Path, start: int, name: str, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]] | None:
    """JSON Lines read line by line, when the whole-file reader would take
    the file as JSON Lines too (by its suffix, or a first line that parses
    and a second line with text); else None."""
    if path.suffix.lower() not in _LINES_SUFFIXES:
        lines = _byte_lines(path, start)
        first = next(lines, b"").decode("utf-8")
        if not _parses(first) or not any(ln.strip() for ln in lines):
            return None
    return _jsonl_items((ln.decode("utf-8") for ln in _byte_lines(path, start)), name, log)


def _byte_lines(path: Path, start: int) -> Iterator[bytes]:
    """Lines as :func:`_lines` cuts them, read from the bytes (CR LF, CR or LF)."""
    with path.open("rb") as fh:
        fh.seek(start)
        for raw in fh:
            piece = raw[:-1] if raw.endswith(b"\n") else raw
            if piece.endswith(b"\r"):
                piece = piece[:-1]
            yield from piece.split(b"\r") if b"\r" in piece else (piece,)


MAX_DEPTH = 64  # OCDS releases nest about 8 deep; far more is not a release
MAX_DIGITS = 100  # an integer longer than this is no amount, count or date


class _Huge(str):
    """A number too large to be data (kept as its text, rejected per item)."""


def _parse_int(text: str) -> Any:
    return _Huge(text) if len(text.lstrip("-")) > MAX_DIGITS else int(text)


def _parse_float(text: str) -> Any:
    value = float(text)
    return _Huge(text) if math.isinf(value) else value


def _parse_constant(text: str) -> Any:
    return _Huge(text)  # NaN, Infinity: not JSON, not data


_HUGE_MARK = "\ufdd0huge number: "  # a Unicode noncharacter: never in real data
_LONG_NUMBER = re.compile(
    r'"(?:[^"\\]|\\.)*"|(-?\d{' + str(MAX_DIGITS + 1) + r",}(?:\.\d+)?(?:[eE][+-]?\d+)?)"
)


def _decode(text: str) -> Any:
    """``json.loads`` with the hooks that keep implausible numbers as :class:`_Huge`."""
    return json.loads(
        text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
    )


def _loads(text: str) -> Any:
    """``json.loads`` that never fails on one value: 5,000-digit numbers and
    NaN/Infinity become :class:`_Huge` (rejected with their item), and a
    document nested deeper than Python's recursion allows is parsed by
    ijson's iterative builder instead."""
    try:
        return _decode(text)
    except RecursionError:
        import io

        import ijson

        # yajl refuses huge integers: mark them as strings first (strings skipped).
        marked = _LONG_NUMBER.sub(
            lambda m: (
                m.group(0)
                if m.group(1) is None
                else f'"{_HUGE_MARK}{sum(c.isdigit() for c in m.group(1))}:{m.group(1)[:40]}"'
            ),
            text,
        )
        return next(ijson.items(io.BytesIO(marked.encode("utf-8")), "", use_float=True))


def _plausible(obj: Any) -> bool:
    """True when :func:`_implausible` finds nothing: the same test without
    building a path per value (about 5 times faster on real releases)."""
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            values: Any = node.values()
        elif type(node) is list:
            values = node
        else:
            return _implausible(node) is None
        if depth >= MAX_DEPTH and node:
            return False  # its values sit deeper than the limit
        for v in values:
            t = type(v)
            if t is dict or t is list:
                stack.append((v, depth + 1))
            elif t is _Huge or (t is float and not math.isfinite(v)):
                return False
            elif t is str and v.startswith(_HUGE_MARK):
                return False
    return True


def _implausible(obj: Any) -> tuple[str, str, str] | None:
    """``(path, value, reason)`` when an item holds a huge number or is nested
    deeper than :data:`MAX_DEPTH`; None when it is fine. Iterative: no
    recursion on hostile depth."""
    if type(obj) in (dict, list) and _plausible(obj):
        return None
    stack: list[tuple[Any, str, int]] = [(obj, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return (
                path.split("/", 1)[0],
                "",
                f"nested more than {MAX_DEPTH} levels deep (at {path[:80]}...): not an OCDS release",
            )
        digits = 0
        if isinstance(node, str) and node.startswith(_HUGE_MARK):
            count, _, head = node.removeprefix(_HUGE_MARK).partition(":")
            node, digits = _Huge(head), int(count)
        if isinstance(node, float) and not math.isfinite(node):
            node = _Huge(str(node))
        if isinstance(node, _Huge):
            digits = digits or sum(ch.isdigit() for ch in node)
            what = f"a number with {digits} digits" if digits else f"{node[:20]}"
            return path, node[:40], f"{what} is not a plausible value"
        if isinstance(node, dict):
            stack.extend((v, f"{path}/{k}" if path else str(k), depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(
                (v, f"{path}/{i}" if path else str(i), depth + 1) for i, v in enumerate(node)
            )
    return None


def _parses(line: str) -> bool:
    try:
        _loads(line)
    except (json.JSONDecodeError, ValueError):
        return False
    return True


def _jsonl_items(
    lines: Iterable[str], name: str, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = _loads(line)
        except (json.JSONDecodeError, ValueError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            log.bad(_Item(name, "line", n), "", line, f"line is not valid JSON ({msg})")
            continue
        yield from _unpack(doc, name, "line", n, log)


def _unpack(
    doc: Any, name: str, sheet: str, row: int, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]]:
    """Split a parsed JSON document into accounting items.

    ``sheet``/``row`` are set for JSON Lines (every item of a line shares the
    line number); otherwise the sheet names the container and the row is the
    1-based position in it.
    """
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        version = _text(doc.get("version"))
        _releases_beside_records(doc.get("releases"), _Item(name, sheet, row), log)
        for i, rec in enumerate(doc["records"], start=1):
            yield _Item(name, sheet or "records", row or i), ("record", rec), version
    elif isinstance(doc, dict) and _is_record(doc):
        yield _Item(name, sheet or "record", row or 1), ("record", doc), None
    elif isinstance(doc, dict) and isinstance(doc.get("releases"), list):
        version = _text(doc.get("version"))
        for i, rel in enumerate(doc["releases"], start=1):
            yield _Item(name, sheet or "releases", row or i), ("release", rel), version
    elif isinstance(doc, dict) and ("ocid" in doc or "tender" in doc or "awards" in doc):
        yield _Item(name, sheet or "release", row or 1), ("release", doc), None
    elif isinstance(doc, list):
        for i, rel in enumerate(doc, start=1):
            yield _Item(name, sheet or "releases", row or i), ("release", rel), None
    else:
        what = (
            "an object without releases, records or ocid"
            if isinstance(doc, dict)
            else type(doc).__name__
        )
        for key in ("releases", "records"):
            if isinstance(doc, dict) and key in doc:  # there, but not a list
                what = f"a package whose '{key}' is {_kind(doc[key])}, not a list"
                break
        log.bad(_Item(name, sheet, row), "", "", f"not OCDS data: the JSON is {what}")


def _kind(value: Any) -> str:
    return {dict: "an object", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _releases_beside_records(releases: Any, item: _Item, log: _Log) -> None:
    """A package with records and releases: the records are read (they hold
    their releases); the releases beside them are said to be left, not lost."""
    n = len(releases) if isinstance(releases, list | Spans) else 0
    if n:
        log.warn(
            item,
            "releases",
            f"{n} release(s)",
            "a package holding both records and releases: the records are read, the "
            "releases beside them are not (a record holds its own releases)",
            ACTION_PART_DROPPED,
        )


def _is_record(doc: dict) -> bool:
    return (
        "compiledRelease" in doc
        or "versionedRelease" in doc
        or ("ocid" in doc and isinstance(doc.get("releases"), list))
    )


# ------------------------------------------------------ flattened input


def _split_path(header: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in header.strip().split("/") if p != ""]


def _set_path(obj: dict, parts: list[str | int], value: Any) -> None:
    cur: Any = obj
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt: Any = None if last else ([] if isinstance(parts[i + 1], int) else {})
        if isinstance(part, int):
            if not isinstance(cur, list):
                return
            while len(cur) <= part:
                cur.append({} if not last and isinstance(nxt, dict) else ([] if not last else None))
            if last:
                cur[part] = value
            else:
                if not isinstance(cur[part], type(nxt)):
                    cur[part] = nxt
                cur = cur[part]
        else:
            if not isinstance(cur, dict):
                return
            if last:
                cur[part] = value
            else:
                if not isinstance(cur.get(part), type(nxt)):
                    cur[part] = nxt
                cur = cur[part]


def _merge_partial(target: dict, partial: dict) -> None:
    """Merge a child-sheet row into a release: arrays of objects join on ``id``."""
    for key, value in partial.items():
        if isinstance(value, dict):
            sub = target.get(key)
            if not isinstance(sub, dict):
                sub = target[key] = {}
            _merge_partial(sub, value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arr = target.get(key)
            if not isinstance(arr, list):
                arr = target[key] = []
            for elem in value:
                eid = _text(elem.get("id"))
                match = next(
                    (
                        a
                        for a in arr
                        if isinstance(a, dict) and eid is not None and _text(a.get("id")) == eid
                    ),
                    None,
                )
                # A row that only names its parent (all other cells empty)
                # must not create an empty element.
                if match is not None:
                    _merge_partial(match, elem)
                elif len(elem) > 1 or eid is None and elem:
                    arr.append(elem)
                elif eid is not None and not any(
                    _text(a.get("id")) == eid for a in arr if isinstance(a, dict)
                ):
                    arr.append(elem)
        else:
            target[key] = value


def _cell(value: Any, key: str) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        if key in _STRING_ARRAYS:
            return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return value


def _unflatten(
    sheets: list[tuple[str, list[list[Any]]]], name: str, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]]:
    """Rebuild releases from flattentool sheets ``[(sheet_name, rows)]``."""
    headers = {
        s: [str(h).strip() if h is not None else "" for h in rows[0]] for s, rows in sheets if rows
    }
    main = next((s for s in headers if s.lower() in ("releases", "release", "main")), None)
    if main is None:
        main = next((s for s, h in headers.items() if "ocid" in h and "id" in h), None)
    if main is None:
        log.bad(
            _Item(name, "", 0),
            "",
            "",
            "not a flattened OCDS workbook: no 'releases' sheet with an 'ocid' column",
        )
        return
    if "_link" in headers[main]:
        tables = [_FlatTable.of_rows(t, rows) for t, rows in sheets if rows]
        yield from _unflatter(tables, main, name, log)
        return
    releases: dict[tuple[str | None, str | None], list[tuple[_Item, dict]]] = defaultdict(list)
    main_rows = dict(sheets)[main]
    h = headers[main]
    for r, values in enumerate(main_rows[1:], start=2):
        rel = _row_object(h, values)
        if not rel:
            continue
        key2 = (_text(rel.get("ocid")), _text(rel.get("id")))
        if key2 in releases:
            # Same ocid+id twice (e.g. a 1.0 and a 1.1 copy of one release):
            # child rows cannot tell them apart, so they go to both; merging
            # array elements by id keeps them from doubling.
            log.stat(name, "duplicate_ids")
        releases[key2].append((_Item(name, main, r), rel))
    for sheet, rows in sheets:
        if sheet == main or not rows:
            continue
        if "ocid" not in headers[sheet]:
            # Not a table of the releases (notes, a stray export): said, not skipped silently.
            log.warn(
                _Item(name, sheet, 1),
                "ocid",
                None,
                "not a flattened OCDS sheet: no ocid column to join it on",
                "sheet not used",
            )
            continue
        for r, values in enumerate(rows[1:], start=2):
            partial = _row_object(headers[sheet], values)
            if not partial:
                continue
            key2 = (_text(partial.get("ocid")), _text(partial.get("id")))
            targets = releases.get(key2, [])
            if not targets and key2[1] is None:
                # Child sheets without a release id column join on ocid only.
                targets = [t for k, ts in releases.items() if k[0] == key2[0] for t in ts]
            if not targets:
                log.warn(
                    _Item(name, sheet, r),
                    "ocid",
                    key2[0],
                    "child row has no matching release in the main sheet",
                    "child row not used",
                )
                continue
            partial.pop("ocid", None)
            partial.pop("id", None)
            for _, rel in targets:
                _merge_partial(rel, copy.deepcopy(partial))
    found = sorted((item.row, item, rel) for ts in releases.values() for item, rel in ts)
    for _, item, rel in found:
        yield item, ("release", rel), None


class _FlatTable(NamedTuple):
    """One flatterer table: its header, its key columns, and its rows on demand.

    A CSV table stays in Arrow (a national download does not fit in memory
    as Python objects); a workbook sheet is the row lists already read.
    """

    name: str
    header: list[str]
    keys: dict[str, pa.Array]  # "_link" and each "_link_<table>", as text
    take: Callable[[np.ndarray], list[list[Any]]]  # rows at positions

    @classmethod
    def of_rows(cls, name: str, rows: list[list[Any]]) -> _FlatTable:
        header = _flatterer_header(rows[0])
        body = rows[1:]
        keys = {
            h: pa.array([_text(r[i]) if i < len(r) else None for r in body], pa.string())
            for i, h in enumerate(header)
            if h.startswith("_link")
        }
        return cls(name, header, keys, lambda pos: [body[p] for p in pos])

    @classmethod
    def of_arrow(cls, name: str, table: pa.Table) -> _FlatTable:
        header = _flatterer_header(table.column_names)
        keys = {
            h: pc.utf8_trim_whitespace(table.column(i).combine_chunks())
            for i, h in enumerate(header)
            if h.startswith("_link")
        }
        keys = {h: pc.if_else(pc.equal(k, ""), None, k) for h, k in keys.items()}

        def take(pos: np.ndarray) -> list[list[Any]]:
            part = table.take(pa.array(pos, pa.int64()))
            return [list(r) for r in zip(*(c.to_pylist() for c in part.columns), strict=True)]

        return cls(name, header, keys, take)


#: Main rows whose releases are built at once from a flatterer download.
FLAT_BATCH = 2_000


def _unflatter(
    tables: list[_FlatTable], main: str, name: str, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]]:
    """Rebuild releases from flatterer tables.

    flatterer (the OCP Data Registry's CSV and Excel downloads) writes one
    table per array of objects, named by its path (``awards_suppliers``), its
    fields by their path under it joined with ``_`` (``value_amount``). Each
    row has a ``_link`` key, and keys to the rows it sits in: ``_link_main``
    and one ``_link_<table>`` per enclosing table (``_link_awards``). A child
    row joins its nearest enclosing row by that key, in file order, so array
    order is kept. Workbook sheet names longer than Excel's 31 characters are
    shortened part by part (``contract_implemen_transactions``): each part
    is read back as the schema field it starts (:func:`_flatterer_path`).

    The keys are matched in Arrow for the whole download; the releases are
    then built :data:`FLAT_BATCH` main rows at a time, so only a batch of
    them is ever held as Python objects.
    """
    by_name = {t.name: t for t in tables}
    top = by_name[main]
    n_main = len(top.keys["_link"])
    # Per child table (parents first: a table has one more key than its
    # parent): its path, and its rows grouped by parent row, in file order.
    plans = []
    full_of = {main: "main"}  # sheet name -> table name the keys use
    children = sorted(
        (t for t in tables if t.name != main and "_link" in t.keys and len(t.keys) > 1),
        key=lambda t: len(t.keys),
    )
    for t in tables:
        if t.name != main and t not in children:
            log.warn(
                _Item(name, t.name, 1),
                "_link",
                None,
                "not a flatterer table: no _link and _link_main columns",
                "sheet not used",
            )
    for t in children:
        keys = [h for h in t.header if h.startswith("_link_")]
        inner = [k for k in keys if k != "_link_main"]
        parent = inner[-1][len("_link_") :] if inner else "main"
        parent_sheet = next((s for s, f in full_of.items() if f == parent), None)
        path = _flatterer_path(t.name, parent)
        full_of[t.name] = "_".join(([] if parent == "main" else [parent]) + path)
        if parent_sheet is None:
            pos = pa.nulls(len(t.keys["_link"]), pa.int64())
        else:
            pos = pc.index_in(
                t.keys[f"_link_{parent}"], value_set=by_name[parent_sheet].keys["_link"]
            )
        at = pos.to_numpy(zero_copy_only=False)
        at = np.where(np.isnan(at), -1, at).astype(np.int64) if at.dtype.kind == "f" else at
        for r in np.flatnonzero(at < 0):
            log.warn(
                _Item(name, t.name, int(r) + 2),
                f"_link_{parent}",
                t.keys[f"_link_{parent}"][int(r)].as_py(),
                f"row has no matching row in table '{parent}'",
                "child row not used",
            )
        order = np.argsort(at, kind="stable")
        n_parent = len(by_name[parent_sheet].keys["_link"]) if parent_sheet else 0
        bounds = np.searchsorted(at[order], np.arange(n_parent + 1))
        plans.append((t, _flat_fields(t.header), parent_sheet, path, order, bounds))
    top_fields = _flat_fields(top.header)
    for start in range(0, n_main, FLAT_BATCH):
        rows_at = {main: np.arange(start, min(start + FLAT_BATCH, n_main))}
        objs = {main: [_flatterer_object(top_fields, v) for v in top.take(rows_at[main])]}
        for t, fields, parent_sheet, path, order, bounds in plans:
            if parent_sheet not in rows_at:
                continue
            parents = rows_at[parent_sheet]
            lo, count = bounds[parents], bounds[parents + 1] - bounds[parents]
            if not count.any():
                continue
            # The children of each parent row in turn: order[lo:hi] per parent.
            owner = np.repeat(np.arange(len(parents)), count)
            first = np.cumsum(count) - count
            mine = order[np.repeat(lo, count) + np.arange(int(count.sum())) - first[owner]]
            rows_at[t.name] = mine
            objs[t.name] = elems = [_flatterer_object(fields, v) for v in t.take(mine)]
            owners = objs[parent_sheet]
            for o, elem in zip(owner, elems, strict=True):
                _add_element(owners[o], path, elem)
        for i, rel in zip(rows_at[main], objs[main], strict=True):
            if rel:
                yield _Item(name, main, int(i) + 2), ("release", rel), None


def _flatterer_header(row: list[Any]) -> list[str]:
    return [str(h).strip() if h is not None else "" for h in row]


def _flat_fields(header: list[str]) -> list[tuple[int, list[str], bool]]:
    """Per field column of a flatterer table: its position, its path, and
    whether it is an array of strings (one comma-joined cell)."""
    out = []
    for i, key in enumerate(header):
        parts = [p for p in key.split("_") if p]
        if parts and not key.startswith("_link"):
            out.append((i, parts, parts[-1] in _STRING_ARRAYS))
    return out


def _flatterer_object(fields: list[tuple[int, list[str], bool]], values: list[Any]) -> dict:
    """Nested object of one flatterer row (keys and empty cells left out)."""
    obj: dict = {}
    n = len(values)
    for i, parts, listed in fields:
        value = values[i] if i < n else None
        if value is None or value == "":
            continue
        if listed and isinstance(value, str):
            v: Any = [x.strip() for x in next(csv.reader([value])) if x.strip()] or None
        else:
            v = _cell(value, "")
        if v is not None:
            _parent_of(obj, parts)[parts[-1]] = v
    return obj


def _parent_of(obj: dict, path: list[str]) -> dict:
    """The object holding ``path``'s last key under ``obj``, made on the way
    (a value where an object belongs gives way to the object)."""
    cur = obj
    for part in path[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = cur[part] = {}
        cur = nxt
    return cur


def _add_element(owner: dict, path: list[str], elem: dict) -> None:
    """Append ``elem`` to the array at ``path`` under ``owner`` (objects made on the way)."""
    cur = _parent_of(owner, path)
    arr = cur.get(path[-1])
    if not isinstance(arr, list):
        arr = cur[path[-1]] = []
    arr.append(elem)


def _flatterer_path(table: str, parent: str) -> list[str]:
    """Path of flatterer table ``table`` under its enclosing table ``parent``.

    ``awards_suppliers`` under ``awards`` is ``["suppliers"]``,
    ``tender_items`` under ``main`` is ``["tender", "items"]``. A workbook
    sheet name shortened to 31 characters has every part shortened
    (``contract_implemen_transactions`` under ``contracts``): each part is
    then the schema field it starts, when exactly one does.

    >>> _flatterer_path("awards_suppliers", "awards")
    ['suppliers']
    >>> _flatterer_path("contract_implemen_transactions", "contracts")
    ['implementation', 'transactions']
    >>> _flatterer_path("te_it_additionalClassifications", "tender_items")
    ['additionalClassifications']
    >>> _flatterer_path("tender_items", "main")
    ['tender', 'items']
    """
    if parent != "main" and table.startswith(parent + "_"):
        return table[len(parent) + 1 :].split("_")
    parts = table.split("_")
    if parent != "main":
        parts = parts[len(parent.split("_")) :]  # the parent's own (shortened) parts
    node = _schema_node(parent)
    out = []
    for part in parts:
        props = _properties(node)
        if part not in props:
            found = [p for p in props if p.startswith(part)]
            part = found[0] if len(found) == 1 else part
        out.append(part)
        node = props.get(part, {})
    return out


def _properties(node: dict) -> dict:
    """Properties of a schema node, through ``$ref`` and array ``items``."""
    schema = release_schema()
    for _ in range(5):
        if "$ref" in node:
            node = schema["definitions"].get(node["$ref"].rsplit("/", 1)[-1], {})
        elif "items" in node:
            node = node["items"]
        else:
            break
    return node.get("properties", {})


def _schema_node(table: str) -> dict:
    """The release schema node of a flatterer table (``main``: the release)."""
    node: dict = release_schema()
    if table == "main":
        return node
    for part in table.split("_"):
        node = _properties(node).get(part, {})
    return node


def _row_object(header: list[str], values: list[Any]) -> dict:
    """Nested object of one flattened row (empty cells left out)."""
    obj: dict = {}
    for key, value in zip(header, values, strict=False):
        parts = _split_path(key) if key else []
        if not parts:
            continue
        v = _cell(value, str(parts[-1]))
        if v is not None:
            _set_path(obj, parts, v)
    return obj


def _sheet_items(
    path: Path, name: str, log: _Log, raw: list[RawSheet] | None = None
) -> Iterator[tuple[_Item, Any, str | None]]:
    if raw is None:
        try:
            raw = read_raw(path)
        except FileUnusable as exc:
            log.bad(_Item(name, "", 0), "", "", str(exc))
            return
    yield from _unflatten([(s.sheet, s.rows) for s in raw], name, log)


def _csvdir_items(folder: Path, name: str, log: _Log) -> Iterator[tuple[_Item, Any, str | None]]:
    main = folder / "main.csv"
    if not (folder / "releases.csv").exists() and is_flattened_csv_name(main):
        yield from _flatterer_csv_items(folder, name, log)
        return
    sheets: list[tuple[str, list[list[Any]]]] = []
    for p in sorted(folder.glob("*.csv")):
        try:
            raw = read_raw(p)
        except FileUnusable as exc:
            log.warn(_Item(name, p.stem, 0), "", "", f"{p.name}: {exc}", "sheet not used")
            continue
        sheets.append((p.stem, raw[0].rows))
    # main sheet first, so its name is the one reported
    sheets.sort(key=lambda s: s[0].lower() not in ("releases", "main"))
    yield from _unflatten(sheets, name, log)


def _flatterer_csv_items(
    folder: Path, name: str, log: _Log
) -> Iterator[tuple[_Item, Any, str | None]]:
    """Releases of a flatterer CSV folder (an OCP Data Registry CSV download).

    Tables are read into Arrow as text (flatterer writes UTF-8 CSV), so a
    national download is held at about its size on disk, not as Python
    objects; a table Arrow cannot parse (re-saved in another encoding or
    delimiter) is read by the spreadsheet reader instead.
    """
    tables: list[_FlatTable] = []
    for p in sorted(folder.glob("*.csv"), key=lambda p: (p.stem != "main", p.name)):
        try:
            tables.append(_FlatTable.of_arrow(p.stem, _arrow_csv(p)))
            continue
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
            pass
        try:
            rows = read_raw(p)[0].rows
        except FileUnusable as exc:
            log.warn(_Item(name, p.stem, 0), "", "", f"{p.name}: {exc}", "sheet not used")
            continue
        if rows:
            tables.append(_FlatTable.of_rows(p.stem, rows))
    if not tables or tables[0].name != "main" or "_link" not in tables[0].keys:
        log.bad(_Item(name, "main", 0), "", "", "not a flattened OCDS folder: main.csv unreadable")
        return
    yield from _unflatter(tables, "main", name, log)


def _arrow_csv(path: Path) -> pa.Table:
    """A UTF-8 CSV as a table of text columns (empty cells empty text;
    64-bit offsets, so a column may pass 2 GB)."""
    with path.open("rb") as fh:
        first = fh.readline(1 << 20).decode("utf-8-sig")
    header = next(csv.reader([first]), [])
    if "_link" not in header or len(set(header)) != len(header):
        # Not flatterer's own CSV (re-saved with another delimiter, say):
        # the spreadsheet reader finds its layout.
        raise pa.ArrowInvalid("no _link column, or repeated column names")
    table = pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(column_names=header, skip_rows=1),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types={h: pa.large_string() for h in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    # One chunk per column: a take from many chunks joins them first, a copy
    # of the whole table for every batch of releases. Joined a column at a
    # time, each chunked column let go once joined: never two copies of it.
    cols = table.columns
    del table
    for i in range(len(cols)):
        cols[i] = cols[i].combine_chunks()
    return pa.Table.from_arrays(cols, names=header)


def is_flattened_ocds(path: str | Path) -> bool:
    """Whether a workbook or CSV file looks like flattened OCDS.

    True for a workbook with a ``releases`` or ``main`` sheet (or any sheet)
    whose header has ``ocid`` and ``id``, and for a ``releases.csv`` or a
    flatterer ``main.csv`` (or a folder holding one) with such a header.
    Never raises.
    """
    p = Path(path)
    try:
        if p.is_dir():
            p = next((c for c in p.glob("*.csv") if is_flattened_csv_name(c)), p)
            if p.is_dir():
                return False
        if p.suffix.lower() == ".csv" and not is_flattened_csv_name(p):
            return False
        sheets = read_raw(p)
    except (FileUnusable, OSError):
        return False
    for s in sheets:
        head = {str(h).strip() for h in (s.rows[0] if s.rows else []) if h is not None}
        if {"ocid", "id"} <= head:
            return True
    return False


# ------------------------------------------------------ item -> releases


@contextmanager
def _quiet_ocdskit() -> Iterator[None]:
    """Silence ocdskit's upgrade warnings: they print whole parties, contact
    points (names, emails, telephones of officials) included."""
    logger = logging.getLogger("ocdskit")
    before = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.disabled = before


def _is_1_0(release: dict, package_version: str | None) -> bool:
    version = _text(release.get("version")) or package_version
    if version:
        return version.startswith("1.0")
    return "parties" not in release


def _releases_of(
    item: _Item, obj: tuple[str, Any], package_version: str | None, log: _Log
) -> list[dict]:
    """Turn one item into full releases (possibly upgraded), or reject it."""
    kind, data = obj
    if not isinstance(data, dict):
        log.reject(item, "", data, f"{kind} is {type(data).__name__}, not an object")
        return []
    if kind == "record":
        log.stat(item.file, "records")
        found: list[dict] = []
        compiled = data.get("compiledRelease")
        if isinstance(compiled, dict) and compiled:
            found = [compiled]
        else:
            # Linked releases carry only url/date/tag: no data to compile.
            found = [
                r
                for r in data.get("releases") or []
                if isinstance(r, dict) and set(r) - {"url", "date", "tag"}
            ]
        if not found:
            log.reject(
                item,
                "compiledRelease",
                None,
                "record has no compiledRelease and no embedded releases",
            )
            return []
        ocid = _text(data.get("ocid"))
        out = []
        for rel in found:
            if ocid and not _text(rel.get("ocid")):
                rel = {**rel, "ocid": ocid}
            out.extend(_checked(item, rel, package_version, log))
        return out
    return _checked(item, data, package_version, log)


def _checked(item: _Item, release: dict, package_version: str | None, log: _Log) -> list[dict]:
    ocid = release.get("ocid")
    if _text(ocid) is None:
        log.reject(item, "ocid", ocid, "release has no ocid")
        return []
    log.stat(item.file, "releases")
    # Nothing below or downstream changes a nested value (merging and mapping
    # read only), so a shallow copy keeps the parsed item intact; the 1.0
    # upgrade rewrites in place and gets its own deep copy.
    release = dict(release)
    release["ocid"] = _text(ocid)
    if _is_1_0(release, package_version):
        from ocdskit.upgrade import upgrade_release_10_11

        upgraded: dict | None = copy.deepcopy(release)
        try:
            with _quiet_ocdskit():
                upgrade_release_10_11(upgraded, reorder=False)
        except Exception:  # noqa: BLE001 - malformed 1.0 data: the mapper reads 1.0 shapes too
            upgraded = None
        if upgraded is not None:
            release = upgraded
            log.stat(item.file, "upgraded_1_0")
    if not isinstance(release.get("date"), str):
        release["date"] = _text(release.get("date")) or ""
    return [release]


# --------------------------------------------------------------- compile


def _compile(rels: list[_Release], log: _Log) -> dict:
    """One compiled release for the releases of an ocid."""
    ordered = sorted(rels, key=lambda r: (r.data.get("date") or "", r.order))
    for r in ordered:
        ids = [_text(a.get("id")) for a in _objs(r.data.get("awards"))]
        ids = [i for i in ids if i is not None]
        # Repeated award ids in one release (Colombia repeats each award up
        # to 4 times): merging collapses them, so spend is not multiplied.
        log.stat(r.item.file, "duplicate_ids", len(ids) - len(set(ids)))
    # Merge even a single release: that is what collapses repeated ids.
    try:
        if len(ordered) == 1:
            # A compiled release (as the registry serves it, or a record's)
            # is compiled again; without repeated ids, in one pass.
            one = _compile_one(ordered[0].data, _merger().merge_rules)
            if one is not None:
                return one
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _merger().create_compiled_release([r.data for r in ordered])
    except Exception:  # noqa: BLE001 - inconsistent types across releases: merge naively
        log.stat(ordered[-1].item.file, "merge_fallbacks")
        return _naive_compile([r.data for r in ordered])


class _Repeated(Exception):
    """An array holds two objects with one ``id``: ocdsmerge must merge them."""


def _compile_one(release: dict, rules: dict) -> dict | None:
    """ocdsmerge's compiled release of a single release, or None if it has
    repeated ids (then only ocdsmerge's own merge gives its answer).

    What ocdsmerge does to one release, without its round trip through a
    flattened copy (a path tuple per value, a UUID per object without an
    ``id``), which is most of the time spent reading a compiled feed:
    ``tag`` becomes ``["compiled"]`` and ``id`` ``"<ocid>-<date>"``; fields
    the rules omit are left out; empty objects and arrays are dropped; a
    null is dropped, the objects on its way kept; arrays of objects
    (``wholeListMerge`` ones aside) keep each object in turn with its
    ``id`` first. Checked against ocdsmerge on every real sample and on
    generated releases (``test_ocds``).
    """
    if isinstance(release.get("ocid"), (dict, list)):
        return None  # set whole, then walked into: ocdsmerge's own answer
    out: dict = {"tag": ["compiled"], "id": f"{release.get('ocid')}-{release.get('date')}"}
    for key in ("date", "ocid"):
        if release.get(key) is not None:
            out[key] = release[key]
    try:
        _compile_into(out, release, rules, ())
    except _Repeated:
        return None
    return out


def _compile_into(node: dict, obj: dict, rules: dict, path: tuple[str, ...]) -> bool:
    """Copy ``obj`` into ``node`` as ocdsmerge compiles it; whether any value
    (a null included) was met: an object or array holding none is dropped."""
    met = False
    for key, value in obj.items():
        here = (*path, key)
        rule = rules.get(here)
        if rule == "omitWhenMerged" or (not path and key == "tag"):
            continue
        if (
            rule == "wholeListMerge"
            or not isinstance(value, (dict, list))
            or (type(value) is list and any(not isinstance(v, dict) for v in value))
        ):
            met = True
            if value is not None and not (key == "id" and "id" in node):
                node[key] = value
        elif type(value) is list:
            # ocdsmerge keys objects by the id's text and by the id itself:
            # "1" and "1", or 1, 1.0 and True, are one object to it.
            seen: set[Any] = set()
            items = []
            for elem in value:
                if "id" in elem:
                    ident = elem["id"]
                    if ident is not None and not isinstance(ident, (str, int, float)):
                        raise _Repeated  # an id ocdsmerge cannot key
                    if ("text", str(ident)) in seen or ("value", ident) in seen:
                        raise _Repeated
                    seen.update({("text", str(ident)), ("value", ident)})
                child: dict = {} if elem.get("id") is None else {"id": elem["id"]}
                if _compile_into(child, elem, rules, here):
                    items.append(child)
            if items:
                node[key] = items
                met = True
        elif isinstance(value, dict):
            child = {}
            if _compile_into(child, value, rules, here):
                node[key] = child
                met = True
    return met


def _naive_compile(releases: list[dict]) -> dict:
    """Latest-wins merge when ocdsmerge refuses (objects/arrays mixed up)."""
    out: dict = {}
    for rel in releases:
        for key, value in rel.items():
            if key in ("awards", "contracts", "parties") and isinstance(value, list):
                arr = out.setdefault(key, [])
                if not isinstance(arr, list):
                    arr = out[key] = []
                for elem in value:
                    eid = _text(elem.get("id")) if isinstance(elem, dict) else None
                    idx = next(
                        (
                            i
                            for i, a in enumerate(arr)
                            if isinstance(a, dict) and eid and _text(a.get("id")) == eid
                        ),
                        None,
                    )
                    if idx is None:
                        arr.append(elem)
                    else:
                        arr[idx] = elem
            elif isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
    return out


# ---------------------------------------------------------------- mapping


def _org_name(ref: Any, parties: dict[str, dict]) -> str | None:
    """Name of an organisation reference (or the string given instead of one)."""
    if isinstance(ref, str):
        return _text(ref)
    ref = _obj(ref)
    name = _text(ref.get("name"))
    if name:
        return name
    party = parties.get(_text(ref.get("id")) or "")
    if party:
        return _text(party.get("name")) or _text(_obj(party.get("identifier")).get("legalName"))
    return _text(_obj(ref.get("identifier")).get("legalName"))


def _roles(party: dict) -> list[str]:
    roles = party.get("roles")
    if isinstance(roles, str):
        roles = roles.split(";")
    return [str(r).strip() for r in roles or [] if isinstance(r, str)]


def _ministry(rel: dict, parties: dict[str, dict]) -> str | None:
    name = _org_name(rel.get("buyer"), parties) or _org_name(
        _obj(rel.get("tender")).get("procuringEntity"), parties
    )
    if name:
        return name
    for role in ("buyer", "procuringEntity"):
        for party in parties.values():
            if role in _roles(party) and _text(party.get("name")):
                return _text(party.get("name"))
    return None


def _amend_count(block: dict) -> tuple[int, float | None]:
    """Meaningful amendments of an award/contract, and the value before them."""
    amends = _objs(block.get("amendments")) + _objs(block.get("amendment"))
    count = 0
    original: float | None = None
    for a in amends:
        changes = a.get("changes")
        if any(
            _text(a.get(k))
            for k in ("date", "rationale", "description", "id", "amendsReleaseID", "releaseID")
        ) or (isinstance(changes, list) and changes):
            count += 1
        for key in ("unamendedValue", "oldValue", "originalValue"):
            v = _number(_obj(a.get(key)).get("amount"))
            if v is not None and original is None:
                original = v
        for ch in _objs(changes):
            if str(ch.get("property", "")).split("/")[0].split(".")[0] == "value":
                former = ch.get("former_value")
                v = (
                    _number(_obj(former).get("amount"))
                    if isinstance(former, dict)
                    else _number(former)
                )
                if v is not None and original is None:
                    original = v
    return count, original


def _classifications(blocks: list[dict]) -> list[tuple[str | None, str]]:
    out = []
    for b in blocks:
        for item in _objs(b.get("items")):
            for cl in [item.get("classification"), *(_objs(item.get("additionalClassifications")))]:
                cl = _obj(cl)
                code = _text(cl.get("id"))
                if code:
                    out.append((_text(cl.get("scheme")), code))
    return out


@lru_cache(maxsize=4096)  # a feed uses a handful of schemes: normalise each once
def _scheme_ok(scheme: str | None) -> bool:
    if scheme is None:
        return True
    import unicodedata

    s = "".join(
        c for c in unicodedata.normalize("NFKD", scheme.casefold()) if not unicodedata.combining(c)
    )
    return any(p in s for p in _PREFIX_SCHEMES)


@lru_cache(maxsize=65536)  # codes repeat across thousands of items
def _digits(code: str) -> str | None:
    """Digits of a CPV/UNSPSC code (8, plus any check digit or suffix), or
    None when malformed (see :func:`classification_code`)."""
    valid, _ = classification_code(code)
    return re.sub(r"\D", "", valid) if valid else None


def _it_status(
    codes: list[tuple[str | None, str]], prefixes: tuple[str, ...]
) -> tuple[bool | None, int, str | None, str | None]:
    """``(is_it, malformed count, primary code, its scheme)``."""
    usable = [(s, c) for s, c in codes if _scheme_ok(s)]
    malformed = 0
    good: list[tuple[str | None, str, str]] = []
    for s, c in usable:
        d = _digits(c)
        if d is None:
            malformed += 1
        else:
            good.append((s, c, d))
    if not good:
        first = codes[0] if codes else (None, None)
        return None, malformed, first[1], first[0]
    hit = next((g for g in good if g[2].startswith(prefixes)), None)
    if hit:
        return True, malformed, hit[1], hit[0]
    return False, malformed, good[0][1], good[0][0]


def _tenderers(rel: dict, parties: dict[str, dict]) -> int | None:
    """Number of bidders of a process (see the module notes), or None."""
    tender = _obj(rel.get("tender"))
    for key in ("numberOfTenderers", "numberOfTenders"):
        n = _number(tender.get(key))
        if n is not None and n >= 0 and float(n).is_integer():
            return int(n)
    seen: set[str] = set()
    raw = tender.get("tenderers")
    for t in raw if isinstance(raw, list) else [raw] if isinstance(raw, dict | str) else []:
        if isinstance(t, str) and t.strip():
            seen.add("name:" + t.strip())
        elif isinstance(t, dict):
            pid = _text(t.get("id"))
            name = _text(t.get("name")) or _text(_obj(t.get("identifier")).get("id"))
            # A reference given only as an id counts when it resolves to a party.
            if pid and (name or pid in parties):
                seen.add("id:" + pid)
            elif name:
                seen.add("name:" + name)
    if seen:
        return len(seen)
    as_party = [pid for pid, p in parties.items() if "tenderer" in _roles(p)]
    if as_party:
        return len(as_party)
    bids = _objs(_obj(rel.get("bids")).get("details"))
    return len(bids) or None


def _method(tender: dict) -> tuple[str | None, str | None]:
    """``(code or None, raw text)`` of the procurement method."""
    pm = _text(tender.get("procurementMethod"))
    details = _text(tender.get("procurementMethodDetails"))
    code = pm.lower() if pm and pm.lower() in METHOD_CODES else None
    raw = details or pm
    return code, raw


_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)


def _calendar(value: Any, dayfirst: bool = True) -> tuple[str | None, str | None]:
    """``(YYYY-MM-DD, problem)`` of an OCDS date-time: the publisher's own
    calendar date. ``2017-01-01T03:00+04:00`` is 2017-01-01: the offset says
    where the date was written, not that it should move to UTC.

    Text that is not ISO 8601 (OCDS requires it, some publishers write
    ``03/04/2023``) is read as a spreadsheet cell is, with ``[reading]
    dayfirst``; words such as ``now`` are not dates. Dates outside 1950–2100
    (``9999-12-31`` for "no end") are unknown, with the problem, as in
    spreadsheets.
    """
    text = _text(value)
    if text is None:
        return None, None
    m = _ISO_DATE.match(text)
    if m:
        y, mo, d = (int(m.group(i)) for i in (1, 2, 3))
        hh, mm, ss = (int(m.group(i) or 0) for i in (4, 5, 6))
        try:
            day = dt.date(y, mo, d)
        except ValueError:
            return None, f"date {text[:40]!r} does not exist"
        if hh > 24 or mm > 59 or ss > 60:
            return None, f"time in {text[:40]!r} does not exist"
    else:
        got = _other_date(text[:100], dayfirst)
        if got is None:
            return None, f"not a date: {text[:40]!r}"
        day = got
    bad = implausible_date(day)
    return (None, bad) if bad else (day.isoformat(), None)


@lru_cache(maxsize=4096)
def _other_date(text: str, dayfirst: bool) -> dt.date | None:
    """A date not written as ISO 8601: other ISO-like forms led by the year
    (``20230402``, ``2023/04/02``) as pandas reads them, the rest as the
    spreadsheet cleaner does. Repeated texts are parsed once."""
    if re.match(r"\d{4}\D?\d", text):
        try:
            led = pd.Timestamp(text)
        except (ValueError, TypeError, OverflowError):
            led = None
        if led is not None and not pd.isna(led):
            return dt.date(led.year, led.month, led.day)
    vals, _ = parse_date(pd.Series([text], dtype=object), dayfirst=dayfirst)
    ts = vals.iloc[0]
    return None if pd.isna(ts) else dt.date(ts.year, ts.month, ts.day)


def _date(value: Any, item: _Item, column: str, log: _Log) -> str | None:
    """Calendar date of a field; an impossible one is listed (kept unknown)."""
    day, problem = _calendar(value, log.dayfirst)
    if problem:
        log.problem(item, column, value, problem)
    return day


def _as_list(
    parent: dict, key: str, path: str, item: _Item, log: _Log
) -> tuple[list[dict], str | None]:
    """Objects of an array field, repairing what publishers do instead.

    Returns the objects and, when the field cannot be read as objects at all
    (a string, a number), the reason to reject. An object where an array is
    expected is read as one element, or as its values when it is a map of
    objects keyed by id; the repair is listed.
    """
    value = parent.get(key)
    if value is None or value == [] or value == {}:
        return [], None
    if isinstance(value, list):
        objs = [v for v in value if isinstance(v, dict)]
        for i, v in enumerate(value):
            if not isinstance(v, dict) and v not in (None, ""):
                log.problem(
                    item,
                    f"{path}/{i}",
                    v,
                    f"{key} element is {type(v).__name__}, not an object: not read",
                    ACTION_PART_DROPPED,
                )
        return objs, None
    if isinstance(value, dict):
        vals = list(value.values())
        keyed = (
            bool(vals)
            and all(isinstance(v, dict) for v in vals)
            and not (set(value) & _OBJECT_KEYS)
        )
        objs = vals if keyed else [value]
        how = f"a map of {len(vals)} objects keyed by id" if keyed else "one object"
        log.problem(
            item,
            path,
            None,
            f"{key} is an object, not an array (non-conformant OCDS): read as {how}",
            ACTION_REPAIRED,
        )
        return objs, None
    return [], f"{key} is {type(value).__name__} ({_show(value)[:40]}), not an array of objects"


# Keys that make an object an award/contract/party/organisation itself (not a map of them).
_OBJECT_KEYS = frozenset(
    {"id", "title", "status", "value", "suppliers", "date", "items", "name", "awardID",
     "roles", "identifier", "period", "documents", "description", "contractPeriod"}
)  # fmt: skip


def _supplier_party(parties: dict[str, dict]) -> str | None:
    """The one party with role supplier, if there is exactly one."""
    names = {
        _text(p.get("name")) or _text(_obj(p.get("identifier")).get("legalName"))
        for p in parties.values()
        if "supplier" in _roles(p)
    }
    names.discard(None)
    return next(iter(names)) if len(names) == 1 else None


def _contract_only_rows(
    ocid: str,
    live_contracts: list[dict],
    base: dict,
    tender: dict,
    parties: dict[str, dict],
    proc_code: str | None,
    proc_scheme: str | None,
    default: _Item,
    log: _Log,
) -> list[dict]:
    """Rows of a process published as contracts without awards."""
    rows: list[dict] = []
    supplier = _supplier_party(parties)
    for ci, c in enumerate(live_contracts):
        value = c.get("value")
        value = value if isinstance(value, dict) else {"amount": value}
        amount = _number(value.get("amount"))
        if amount is None and _text(value.get("amount")):
            log.problem(
                default,
                f"contracts/{ci}/value/amount",
                value.get("amount"),
                "amount is not a number",
            )
        currency = _text(value.get("currency"))
        n_amend, original = _amend_count(c)
        period = _obj(c.get("period"))
        rows.append(
            {
                **base,
                "supplier": supplier,
                "supplier_raw": supplier,
                "amount": amount,
                "currency": currency.upper() if currency else None,
                "award_date": _date(
                    c.get("dateSigned"), default, f"contracts/{ci}/dateSigned", log
                ),
                "start_date": _date(
                    period.get("startDate"), default, f"contracts/{ci}/period/startDate", log
                ),
                "end_date": _date(
                    period.get("endDate"), default, f"contracts/{ci}/period/endDate", log
                ),
                "contract_id": f"{ocid}/{_text(c.get('id')) or f'contract-{ci + 1}'}",
                "description": _text(tender.get("title"))
                or _text(c.get("title"))
                or _text(tender.get("description"))
                or _text(c.get("description")),
                "classification": proc_code,
                "classification_scheme": proc_scheme,
                "amendments": n_amend,
                "original_amount": original,
                "split_award": False,
                "source_file": default.file,
                "source_sheet": default.sheet,
                "source_row": default.row,
            }
        )
    return rows


def _award_rows(
    ocid: str,
    ai: int,
    award: dict,
    n_live: int,
    contracts: list[dict],
    base: dict,
    tender: dict,
    parties: dict[str, dict],
    prefixes: tuple[str, ...],
    process_code: tuple[str | None, str | None],
    item: _Item,
    log: _Log,
) -> list[dict]:
    """Rows of one live award: one per named supplier (the amount split
    between them), with dates, amendments and codes from its contracts."""
    proc_code, proc_scheme = process_code
    aid = _text(award.get("id"))
    linked = [c for c in contracts if aid is not None and _text(c.get("awardID")) == aid]
    if not linked and n_live == 1:
        linked = [c for c in contracts if _text(c.get("awardID")) is None] or (
            contracts if len(contracts) == 1 and aid is None else []
        )
    # A cancelled contract (replaced, or never signed) spent nothing: its
    # value, dates and amendments do not count; its codes still describe
    # what was bought.
    live_linked = [c for c in linked if not _cancelled(c)]
    amount, currency = _award_value(award, ai, live_linked, tender, item, log)
    award_date, start, end = _award_dates(award, ai, live_linked, item, log)
    n_amend, original = _amend_count(award)
    for c in live_linked:
        n, o = _amend_count(c)
        n_amend += n
        original = original if original is not None else o
    a_codes = _classifications([award, *linked])
    _, _, a_code, a_scheme = _it_status(a_codes, prefixes) if a_codes else (None, 0, None, None)
    description = (
        _text(tender.get("title"))
        or _text(award.get("title"))
        or _text(tender.get("description"))
        or _text(award.get("description"))
        or next((_text(c.get("title")) for c in linked if _text(c.get("title"))), None)
    )
    names = _award_suppliers(award, ai, parties, item, log)
    if not names:
        return []
    share = amount / len(names) if amount is not None else None
    rows: list[dict] = []
    for name in names:
        rows.append(
            {
                **base,
                "supplier": name,
                "supplier_raw": name,
                "amount": share,
                "currency": currency,
                "award_date": award_date,
                "start_date": start,
                "end_date": end,
                "contract_id": f"{ocid}/{aid or f'award-{ai + 1}'}",
                "description": description,
                "classification": a_code or proc_code,
                "classification_scheme": a_scheme if a_code else proc_scheme,
                "amendments": n_amend,
                "original_amount": (original / len(names)) if original is not None else None,
                "split_award": len(names) > 1,
                "source_file": item.file,
                "source_sheet": item.sheet,
                "source_row": item.row,
            }
        )
    if len(names) > 1:
        log.stat(item.file, "split_awards")
    return rows


def _award_value(
    award: dict, ai: int, linked: list[dict], tender: dict, item: _Item, log: _Log
) -> tuple[float | None, str | None]:
    """An award's amount and upper-case currency; without an amount, the sum
    of its (live) linked contracts' amounts when they share one currency.

    An amount with no currency of its own takes the one its contracts state
    (all the same), else the tender's; only then the project's default."""
    value = award.get("value")
    # A bare number (or numeric text) where a Value object is expected.
    value = value if isinstance(value, dict) else {"amount": value}
    amount = _number(value.get("amount"))
    currency = _text(value.get("currency"))
    if amount is None and _text(value.get("amount")):
        log.problem(
            item, f"awards/{ai}/value/amount", value.get("amount"), "amount is not a number"
        )
    vals = [_obj(c.get("value")) for c in linked]
    if amount is None:
        nums = [_number(v.get("amount")) for v in vals]
        curs = {_text(v.get("currency")) for v, n in zip(vals, nums, strict=True) if n is not None}
        if any(n is not None for n in nums) and len(curs) <= 1:
            amount = sum(n for n in nums if n is not None)
            currency = currency or next(iter(curs), None)
    if amount is not None and not currency:
        stated = {_text(v.get("currency")) for v in vals} - {None}
        currency = (
            next(iter(stated))
            if len(stated) == 1
            else _text(_obj(tender.get("value")).get("currency"))
        )
    return amount, currency.upper() if currency else None


def _cancelled(contract: dict) -> bool:
    return str(contract.get("status") or "").strip().lower() in _SKIP_CONTRACT


def _award_dates(
    award: dict, ai: int, linked: list[dict], item: _Item, log: _Log
) -> tuple[str | None, str | None, str | None]:
    """Award, start and end dates: the award's own, else its contracts'
    (earliest signature and start, latest end)."""
    award_date = _date(award.get("date"), item, f"awards/{ai}/date", log) or min(
        (
            d
            for d in (_date(c.get("dateSigned"), item, "contracts/dateSigned", log) for c in linked)
            if d
        ),
        default=None,
    )
    starts = [
        _date(_obj(c.get("period")).get("startDate"), item, "contracts/period/startDate", log)
        for c in linked
    ]
    ends = [
        _date(_obj(c.get("period")).get("endDate"), item, "contracts/period/endDate", log)
        for c in linked
    ]
    period = _obj(award.get("contractPeriod"))
    start = min((s for s in starts if s), default=None) or _date(
        period.get("startDate"), item, f"awards/{ai}/contractPeriod/startDate", log
    )
    end = max((e for e in ends if e), default=None) or _date(
        period.get("endDate"), item, f"awards/{ai}/contractPeriod/endDate", log
    )
    return award_date, start, end


def _award_suppliers(
    award: dict, ai: int, parties: dict[str, dict], item: _Item, log: _Log
) -> list[str]:
    """The names of an award's suppliers; each nameless one is logged, and an
    award with no supplier at all is logged as not loaded."""
    names: list[str] = []
    sups = award.get("suppliers")
    if isinstance(sups, str):  # a plain name where a list of objects is expected
        sups = [sups]
    elif not isinstance(sups, list):
        sups, _ = _as_list(award, "suppliers", f"awards/{ai}/suppliers", item, log)
    for si, sup in enumerate(sups):
        name = _org_name(sup, parties)
        if name:
            names.append(name)
        else:
            log.problem(
                item,
                f"awards/{ai}/suppliers/{si}",
                sup,
                "supplier has no name (nor a party with its id)",
            )
    if not names and not sups:
        log.problem(
            item,
            f"awards/{ai}/suppliers",
            None,
            "award has no supplier: not loaded",
            ACTION_PART_DROPPED,
        )
    return names


def _dangling_contracts(contracts: list[dict], awards: list[dict], item: _Item, log: _Log) -> None:
    """List each live contract whose ``awardID`` names no award: with no
    award there is no supplier, so its value is not loaded (said, not lost)."""
    ids = {_text(a.get("id")) for a in awards} - {None}
    for ci, c in enumerate(contracts):
        ref = _text(c.get("awardID"))
        if ref is None or ref in ids or _cancelled(c):
            continue
        value = _obj(c.get("value"))
        worth = " ".join(x for x in (_text(value.get("amount")), _text(value.get("currency"))) if x)
        log.problem(
            item,
            f"contracts/{ci}/awardID",
            ref,
            f"contract {_text(c.get('id')) or ci + 1} names award {ref!r}, which this process "
            f"does not have: its value{f' ({worth})' if worth else ''} is not loaded",
            ACTION_PART_DROPPED,
        )


def _map_process(
    ocid: str, rel: dict, prov: dict[str, _Item], default: _Item, cfg: Config, log: _Log
) -> tuple[list[dict], str | None, bool | None]:
    """Rows of one compiled release, the process-level filter reason, and is_it.

    Returns rows (may be empty) and a reason when the process is filtered or
    rejected (reason starting with "rejected:").
    """
    party_list, _ = _as_list(rel, "parties", "parties", default, log)
    parties = {_text(p.get("id")) or f"#{i}": p for i, p in enumerate(party_list)}
    tender = _obj(rel.get("tender"))
    awards, bad_awards = _as_list(rel, "awards", "awards", default, log)
    if bad_awards:
        return [], f"rejected: {bad_awards}", None
    contracts, _ = _as_list(rel, "contracts", "contracts", default, log)
    log.stat(default.file, "processes")
    log.stat(default.file, "awards", len(awards))

    codes = _classifications([tender, *awards, *contracts])
    prefixes = tuple(str(p) for p in cfg["it_filter"].get("prefixes", []))
    is_it, malformed, proc_code, proc_scheme = _it_status(codes, prefixes)
    log.stat(default.file, "malformed_codes", malformed)
    for scheme, bad in [(sc, c) for sc, c in codes if _scheme_ok(sc) and _digits(c) is None][:3]:
        log.problem(
            default,
            "classification",
            bad,
            f"not a valid {scheme or 'CPV/UNSPSC'} code (expected 8 digits, optionally "
            "-check digit): not used by the IT filter",
        )

    live_contracts = [c for c in contracts if not _cancelled(c)]
    if not awards and not live_contracts:
        return [], "no award or contract (tender or planning data only)", is_it
    live = [
        a for a in awards if str(a.get("status") or "").strip().lower() not in _SKIP_AWARD_STATUS
    ]
    log.stat(default.file, "awards_skipped_status", len(awards) - len(live))
    if awards and not live:
        return [], "no active award (all cancelled or unsuccessful)", is_it
    if cfg["it_filter"].get("enabled", True) and is_it is False:
        return (
            [],
            f"not IT: classification {proc_scheme or ''} {proc_code} has none of the IT prefixes".replace(
                "  ", " "
            ),
            is_it,
        )

    ministry = _ministry(rel, parties)
    code, method_raw = _method(tender)
    tenderers = _tenderers(rel, parties)
    base = {
        "ministry": ministry,
        "method": code,
        "method_raw": method_raw,
        "tenderers": tenderers,
        "system_id": None,
        "system_name": None,
        "brand_name_spec": None,
        "is_it": is_it,
        "process_id": ocid,
    }
    rows: list[dict] = []
    if not awards:
        # Published as contracts without awards (e.g. Canada's buyandsell): the
        # spend counts; the supplier is the one supplier party, else unknown.
        log.stat(default.file, "contract_only")
        rows += _contract_only_rows(
            ocid, live_contracts, base, tender, parties, proc_code, proc_scheme, default, log
        )
    for ai, award in enumerate(live):
        rows += _award_rows(
            ocid, ai, award, len(live), contracts, base, tender, parties, prefixes,
            (proc_code, proc_scheme), prov.get(_text(award.get("id")) or "", default), log,
        )  # fmt: skip
    if awards:
        _dangling_contracts(contracts, awards, default, log)
    if not rows:
        return [], "rejected: no award has a supplier with a name", is_it
    if ministry is None:
        log.problem(
            default,
            "buyer",
            None,
            "no buyer, procuringEntity or buyer party name: ministry unknown",
        )
    return rows, None, is_it


# ------------------------------------------------------------------- main


def read_ocds(
    path: str | Path, config: Config | None = None, *, sheets: list[RawSheet] | None = None
) -> OcdsResult:
    """Read OCDS data (file or folder) into canonical procurement rows.

    Parameters
    ----------
    path : path-like
        A JSON / JSON Lines file, a flattened workbook, a CSV folder of a
        flattened release (flattentool's ``releases.csv`` or flatterer's
        ``main.csv``, with their child tables), or a folder holding any of
        these (searched recursively).
    config : Config, optional
        Project configuration; uses ``it_filter`` and ``values.method``.
    sheets : list of RawSheet, optional
        The sheets of ``path``, a flattened workbook, when already read
        (they are not read a second time).

    Returns
    -------
    OcdsResult
        Table, rejects, filtered items and per-file stats. Never raises for
        bad input data: problems become rejects.

    Raises
    ------
    FileUnusable
        When the temporary folder (``[reading] temp_dir``) fills up while the
        releases of a big input wait there for their ``ocid``.

    Examples
    --------
    A release package with two awards: software (CPV 48) and construction
    (CPV 45), which the IT filter sets aside with the reason:

    >>> import json
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import read_ocds
    >>> def release(ocid, supplier, amount, cpv, method, tenderers):
    ...     return {
    ...         "ocid": ocid, "id": ocid + "-1", "date": "2023-04-02T10:00:00Z",
    ...         "tag": ["award"], "buyer": {"name": "Ministry of Health"},
    ...         "tender": {
    ...             "procurementMethod": method, "numberOfTenderers": tenderers,
    ...             "items": [{"id": "1", "classification": {"scheme": "CPV", "id": cpv}}],
    ...         },
    ...         "awards": [{
    ...             "id": "1", "date": "2023-04-02", "suppliers": [{"name": supplier}],
    ...             "value": {"amount": amount, "currency": "USD"},
    ...         }],
    ...     }
    >>> package = {"version": "1.1", "releases": [
    ...     release("ocds-x-001", "MediCore Ltd", 120000, "48000000", "limited", 1),
    ...     release("ocds-x-002", "BuildCo", 900000, "45000000", "open", 3),
    ... ]}
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "releases.json"
    >>> _ = path.write_text(json.dumps(package), encoding="utf-8")
    >>> result = read_ocds(path)
    >>> result.table[["ministry", "supplier", "amount", "method", "tenderers", "is_it"]]
                 ministry      supplier    amount   method  tenderers  is_it
    0  Ministry of Health  MediCore Ltd  120000.0  limited          1   True
    >>> {k: result.totals[k] for k in ("read", "loaded", "filtered", "rejected")}
    {'read': 2, 'loaded': 1, 'filtered': 1, 'rejected': 0}
    >>> result.filtered["reason"].iloc[0]
    'not IT: classification CPV 45000000 has none of the IT prefixes'
    >>> tmp.cleanup()
    """
    cfg = config or Config(root=Path.cwd())
    root = Path(path)
    log = _Log(dayfirst=bool(cfg["reading"].get("dayfirst", True)))
    if not root.exists():
        log.bad(_Item(str(path), "", 0), "", "", "file or folder not found")
        return _result(_to_frame([], cfg), log, cfg)

    sources = _discover(root)
    from .._stream import stream_threshold_bytes

    stream_at = stream_threshold_bytes(cfg)
    ratio = cfg.read_limits.max_compression_ratio
    # A gzipped feed unpacks to about ten times its size (OCDS JSON: 8-15).
    big = sum(
        p.stat().st_size * (10 if p.name.lower().endswith(".gz") else 1)
        for kind, p in sources
        if kind == "json"
    ) + sum(c.stat().st_size for kind, p in sources if kind == "csvdir" for c in p.glob("*.csv"))
    # Past the streaming size, releases wait for their ocid on disk, not in memory.
    buckets = min(256, max(16, int(big // SPILL_BUCKET_BYTES))) if big >= stream_at else 0
    groups = OcidGroups(buckets, cfg.temp_dir)
    items: list[_Item] = []
    order = 0
    try:
        for kind, p in sources:
            name = _rel(p, root)
            log.stats.setdefault(name, dict.fromkeys(STAT_KEYS, 0))
            if kind == "json":
                source = _json_items(p, name, log, stream_at, ratio, cfg.temp_dir)
            elif kind == "sheet":
                source = _sheet_items(p, name, log, sheets if p == root else None)
            else:
                source = _csvdir_items(p, name, log)
            for item, obj, version in source:
                items.append(item)
                log.stat(item.file, "read")
                unfit = _implausible(obj[1])
                if unfit:
                    log.reject(item, unfit[0], unfit[1], unfit[2])
                    continue
                for rel in _releases_of(item, obj, version, log):
                    groups.add(rel["ocid"], (rel, len(items) - 1, order))
                    order += 1
        # Items rejected before becoming releases (bad files, lines) were
        # counted by _Log.bad and are not in ``items``.
        table = _processes(groups, items, cfg, log)
    finally:
        groups.close()
    for it in items:
        if not it.status:
            log.reject(it, "", "", "no release could be read from this item")
        log.stat(it.file, it.status)
    log.settle(items)
    return _result(table, log, cfg)


#: Spilled releases per bucket file (about 6 times that in memory when read back;
#: one bucket at a time is in memory, so smaller buckets lower the peak).
SPILL_BUCKET_BYTES = 8e6


def _processes(groups: OcidGroups, items: list[_Item], cfg: Config, log: _Log) -> pd.DataFrame:
    """Compile and map every ocid, group by group. What each ocid adds to the
    rows, ``filtered``, direct warnings and ``process_items`` is put back in
    the order the ocids were first read, whatever the group."""
    frames: list[pd.DataFrame] = []
    keys: list[np.ndarray] = []
    filtered: list[tuple[int, list[tuple]]] = []
    warned: list[tuple[int, list[tuple]]] = []
    loaded: list[tuple[int, str, list[tuple[str, str, int]]]] = []
    for group in groups.groups():
        rows: list[dict] = []
        row_keys: list[int] = []
        # Each ocid's releases are let go once mapped, and the group before
        # the next is read: one bucket of releases in memory at a time.
        for ocid in list(group):
            rels = [_Release(data, items[i], order) for data, i, order in group.pop(ocid)]
            key = groups.first[ocid]
            nf, nw = len(log.filtered), len(log.warnings)
            got = _process(ocid, rels, cfg, log)
            rows.extend(got)
            row_keys.extend([key] * len(got))
            if len(log.filtered) > nf:
                filtered.append((key, log.filtered[nf:]))
                del log.filtered[nf:]
            if len(log.warnings) > nw:
                warned.append((key, log.warnings[nw:]))
                del log.warnings[nw:]
            if ocid in log.process_items:
                loaded.append((key, ocid, log.process_items.pop(ocid)))
        del group
        if rows:
            frames.append(_to_frame(rows, cfg))
            keys.append(np.asarray(row_keys, dtype=np.int64))
    for key_lists, target in ((filtered, log.filtered), (warned, log.warnings)):
        for _, entries in sorted(key_lists, key=lambda kv: kv[0]):
            target.extend(entries)
    for _, ocid, where in sorted(loaded, key=lambda kv: kv[0]):
        log.process_items[ocid] = where
    if not frames:
        return _to_frame([], cfg)
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    first_seen = np.concatenate(keys)
    if (np.diff(first_seen) >= 0).all():
        return table  # read in memory: already in order, no copy
    return table.take(np.argsort(first_seen, kind="stable")).reset_index(drop=True)


def _process(ocid: str, rels: list[_Release], cfg: Config, log: _Log) -> list[dict]:
    """Rows of one ocid; its items' verdicts and reasons go to ``log``."""
    compiled = _compile(rels, log)
    # Provenance of an award: the latest release that carries it.
    prov: dict[str, _Item] = {}
    for r in sorted(rels, key=lambda r: (r.data.get("date") or "", r.order)):
        for a in _objs(r.data.get("awards")):
            aid = _text(a.get("id"))
            if aid:
                prov[aid] = r.item
    default = max(rels, key=lambda r: (r.data.get("date") or "", r.order)).item
    try:
        got, reason, _ = _map_process(ocid, compiled, prov, default, cfg, log)
    except Exception as exc:  # noqa: BLE001 - never a traceback for odd data
        got, reason = [], f"rejected: cannot map this process ({type(exc).__name__}: {exc})"
    members = {id(r.item): r.item for r in rels if r.item.status != "rejected"}
    if reason is None:
        for it in members.values():
            it.status = "loaded"
        log.process_items[ocid] = [(it.file, it.sheet, it.row) for it in members.values()]
        return got
    if reason.startswith("rejected: "):
        for it in members.values():
            log.reject(it, "awards", ocid, reason.removeprefix("rejected: "))
    else:
        for it in members.values():
            if it.status != "filtered":
                it.status = "filtered"
                log.filtered.append((it.file, it.sheet, it.row, reason))
    return []


def _result(table: pd.DataFrame, log: _Log, cfg: Config) -> OcdsResult:
    for f, s in log.stats.items():
        s["rows"] = int((table["source_file"] == f).sum()) if len(table) else 0
    rejects = pd.DataFrame(log.rejects, columns=list(REJECT_COLUMNS)).astype(
        {
            "file": "string",
            "sheet": "string",
            "row": "Int64",
            "column": "string",
            "value": "string",
            "problem": "string",
        }
    )
    filtered = pd.DataFrame(log.filtered, columns=list(FILTER_COLUMNS)).astype(
        {"file": "string", "sheet": "string", "row": "Int64", "reason": "string"}
    )
    warns = pd.DataFrame(log.warnings, columns=list(WARNING_COLUMNS)).astype(
        {c: ("Int64" if c == "row" else "string") for c in WARNING_COLUMNS}
    )
    return OcdsResult(
        table=table,
        rejects=rejects,
        filtered=filtered,
        stats=log.stats,
        warnings=warns,
        process_items=log.process_items,
    )


def settle_cleaning(
    res: OcdsResult, frame: pd.DataFrame, kept: pd.Index, cleaning: list[pd.DataFrame]
) -> list[pd.DataFrame]:
    """Keep item accounting exact after the common cleaning rejected rows.

    ``frame`` is ``res.table`` as cleaned (same index), ``kept`` the index of
    rows that survived and ``cleaning`` the cleaning stage's rejects frames
    (with ``action``). A process that lost every row makes each of its items
    rejected (``res.stats`` updated) with exactly one rejects row; a row lost
    from a process that keeps others is an award not loaded, not a rejected
    item. Returns the new cleaning rejects frames.
    """
    from .._load import ACTION_REJECT

    dropped = frame.index.difference(kept)
    if not len(dropped) or "process_id" not in frame.columns:
        return cleaning
    pid = frame["process_id"].astype("string")
    survivors = set(pid.loc[kept].dropna())
    loc = {
        (str(f), str(sh), int(r)): p
        for p, f, sh, r in zip(
            pid.loc[dropped], frame.loc[dropped, "source_file"],
            frame.loc[dropped, "source_sheet"], frame.loc[dropped, "source_row"], strict=True
        )
        if pd.notna(p) and pd.notna(r)
    }  # fmt: skip
    out: list[pd.DataFrame] = []
    first: dict[str, pd.Series] = {}
    for part in cleaning:
        if not len(part):
            continue
        part = part.copy()
        keys = zip(part["file"].astype(str), part["sheet"].astype(str), part["row"], strict=True)
        procs = [loc.get((f, sh, int(r))) if pd.notna(r) else None for f, sh, r in keys]
        is_rej = part["action"] == ACTION_REJECT
        for i, p in enumerate(procs):
            if p is not None and is_rej.iloc[i] and p not in survivors:
                first.setdefault(p, part.iloc[i])
        dead = pd.Series([p is not None and p not in survivors for p in procs], index=part.index)
        part.loc[is_rej & ~dead, "problem"] = "award row not loaded: " + part.loc[
            is_rej & ~dead, "problem"
        ].astype(str)
        part.loc[is_rej & ~dead, "action"] = ACTION_PART_DROPPED
        out.append(part[~(is_rej & dead)])
    rows = []
    for p, reason in first.items():
        for f, sh, r in res.process_items.get(p, []):
            st = res.stats.get(f)
            if st is not None:
                st["loaded"] -= 1
                st["rejected"] += 1
            rows.append({**reason.to_dict(), "file": f, "sheet": sh, "row": r})
    if rows:
        out.append(pd.DataFrame(rows, columns=out[0].columns if out else None))
    return out


def _to_frame(rows: list[dict], cfg: Config) -> pd.DataFrame:
    base = empty_frame("procurement")
    base["classification_scheme"] = pd.Series(dtype="string")
    if "process_id" not in base.columns:
        base["process_id"] = pd.Series(dtype="string")
    if not rows:
        return base
    df = pd.DataFrame(rows)
    for col in base.columns:
        dtype = base[col].dtype
        if str(dtype).startswith("datetime"):
            # Calendar dates (YYYY-MM-DD) as the publisher wrote them: no UTC shift.
            df[col] = datetime_ns(df[col])
        else:
            df[col] = df[col].astype(dtype)
    missing = df["method"].isna() & df["method_raw"].notna()
    if missing.any():
        # parse_method returns (values, problems); unmapped names stay NA
        # and keep their text in method_raw.
        mapped, _ = parse_method(df.loc[missing, "method_raw"], user_map=cfg.value_map("method"))
        df.loc[missing, "method"] = pd.Series(mapped, index=df.index[missing]).astype("string")
    return df[list(base.columns)].reset_index(drop=True)
