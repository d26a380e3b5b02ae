"""Read raw spreadsheet files into grids of cells, and find their header rows.

This is the "read" step only: no cleaning. Every reader returns
:class:`RawSheet` objects holding the cells exactly as the file gives them
(str, float, int, bool, datetime, date, time or None), with the 1-based row
number of each data row in the file, so rejects can name the row a user sees.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import itertools
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import python_calamine as pc

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}


class FileUnusable(Exception):
    """A file that cannot be read at all (message is meant for the user)."""


@dataclass
class RawSheet:
    """Cells of one sheet (or csv file) before any header detection."""

    file: str
    sheet: str
    rows: list[list[object]]
    hidden: bool = False
    notes: list[str] = field(default_factory=list)
    #: 1-based line/row number of each row in the file (None: position + 1).
    row_numbers: Sequence[int] | None = None
    #: Rows the reader could not split or decode, by index: the problem.
    bad_rows: dict[int, str] = field(default_factory=dict)


def norm_header(text: object) -> str:
    """Normalise a header cell for alias matching.

    Case, accents, punctuation and repeated spaces are ignored so that
    "Fecha de adjudicación", "FECHA_DE_ADJUDICACION" and "fecha de
    adjudicacion" are one name.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = re.sub(r"[^0-9a-z]+", " ", s)
    return s.strip()


# ---------------------------------------------------------------- limits


@dataclass(frozen=True)
class ReadLimits:
    """Size limits checked before a workbook is handed to calamine.

    calamine builds the whole bounding box of a sheet in memory (A1 to the
    last cell used), so one stray cell at XFD1048576 in a 5 KB file asks for
    17 billion cells; a zip member can also inflate a thousandfold. Both are
    measured cheaply from the zip directory and the sheet XML first.

    Attributes
    ----------
    max_sheet_cells : int
        Largest bounding box (rows x columns) of one sheet.
    max_decompressed_bytes : int
        Largest total uncompressed size of a workbook's parts.
    max_compression_ratio : float
        Largest uncompressed/compressed ratio of a workbook whose parts
        exceed :data:`RATIO_FLOOR_BYTES` (zip bombs reach 1000:1; real
        workbooks 5-20:1).
    """

    max_sheet_cells: int = 30_000_000
    max_decompressed_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: float = 100.0

    @classmethod
    def from_config(cls, limits: dict) -> ReadLimits:
        """Build from the ``[limits]`` section of ``ospo.toml`` (validated there)."""
        return cls(
            max_sheet_cells=int(limits.get("max_sheet_cells", cls.max_sheet_cells)),
            max_decompressed_bytes=int(
                limits.get("max_decompressed_mb", cls.max_decompressed_bytes >> 20)
            )
            << 20,
            max_compression_ratio=float(
                limits.get("max_compression_ratio", cls.max_compression_ratio)
            ),
        )


RATIO_FLOOR_BYTES = 64 * 1024 * 1024
# A tag (or a small cell element) longer than this is not something a
# spreadsheet program writes; carrying it between chunks would make the scan
# quadratic, so the sheet is refused instead.
_MAX_TAG_BYTES = 1 << 20
_MAX_CELL_CARRY = 1 << 16
_CHUNK = 1 << 22


def _limit_message(path: Path, what: str, setting: str) -> str:
    # The load report and the CLI put the file's path in front.
    return (
        f"{what}; the file was not read (limit [limits] {setting} in "
        "ospo.toml). If the file is genuine, raise the limit; otherwise delete the stray "
        "cells or save a clean copy from the spreadsheet program"
    )


def _col_letters(n: int) -> str:
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _check_zip(path: Path, zf, limits: ReadLimits) -> None:
    """Refuse a package whose declared uncompressed size is implausible."""
    total = sum(max(i.file_size, 0) for i in zf.infolist())
    if total > limits.max_decompressed_bytes:
        raise FileUnusable(
            _limit_message(
                path,
                f"its parts unpack to {total:,} bytes, over the limit of "
                f"{limits.max_decompressed_bytes:,}",
                "max_decompressed_mb",
            )
        )
    size = max(path.stat().st_size, 1)
    if total > RATIO_FLOOR_BYTES and total / size > limits.max_compression_ratio:
        raise FileUnusable(
            _limit_message(
                path,
                f"its {size:,} bytes unpack to {total:,} ({total / size:,.0f} times larger, "
                f"over the limit of {limits.max_compression_ratio:,.0f}): a zip bomb or "
                "padding, not spreadsheet data",
                "max_compression_ratio",
            )
        )


class _Budget:
    """Bytes actually inflated from one workbook, checked as they come."""

    def __init__(self, path: Path, limits: ReadLimits):
        self.path, self.limits, self.used = path, limits, 0

    def take(self, n: int, sheet: str) -> None:
        self.used += n
        if self.used > self.limits.max_decompressed_bytes:
            raise FileUnusable(
                _limit_message(
                    self.path,
                    f"sheet {sheet!r} unpacks to more than "
                    f"{self.limits.max_decompressed_bytes:,} bytes",
                    "max_decompressed_mb",
                )
            )


def _chunks(zf, member: str, sheet: str, budget: _Budget):
    """Yield ``(part, final)`` pieces of a zip member, each ending at a tag
    boundary, copying every byte a bounded number of times (linear time)."""
    tail = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            budget.take(len(chunk), sheet)
            if not chunk:
                yield tail, True
                return
            data = tail + chunk if tail else chunk
            lt = data.rfind(b"<")
            cut = len(data) if lt == -1 or data.rfind(b">") > lt else lt
            if len(data) - cut > _MAX_TAG_BYTES:
                raise FileUnusable(
                    f"sheet {sheet!r} holds an XML tag longer than "
                    f"{_MAX_TAG_BYTES:,} bytes; a spreadsheet program does not write that, "
                    "so the file was not read"
                )
            # Keep a small open <c> element whole so that error cells and
            # formulas without a value are matched in one piece.
            c_open = max(data.rfind(b"<c ", 0, cut), data.rfind(b"<c>", 0, cut))
            if c_open > data.rfind(b"</c>", 0, cut) and cut - c_open <= _MAX_CELL_CARRY:
                gt = data.find(b">", c_open, cut)
                if gt == -1 or data[gt - 1 : gt] != b"/":
                    cut = c_open
            yield data[:cut], False
            tail = data[cut:]


# Cell references only: a row tag's r= holds digits alone.
_CELL_COL_RE = re.compile(rb' r="([A-Z]{1,3})\d')
_CELL_ROW_RE = re.compile(rb' r="[A-Z]{1,3}(\d{1,7})"')
_ROW_REF_RE = re.compile(rb'<row\b[^>]*?\br="(\d{1,7})"')
_LONGER_CELL_ROW = [re.compile(rb' r="[A-Z]{1,3}\d{%d}' % (k + 1)) for k in range(9)]


def _ref_key(b: bytes) -> tuple[int, bytes]:
    return (len(b), b)


@dataclass
class _SheetScan:
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    uncalculated: int = 0
    max_row: int = 0  # 1-based, 0 = no cell
    max_col: int = 0  # 1-based
    last_cell: str = ""


def _scan_sheet_xml(
    zf, member: str, sheet: str, budget: _Budget, limit: int | None = None
) -> _SheetScan:
    """One streaming pass over a sheet's XML: bounding box of the cells used
    and error cells / formulas without a saved result.

    The box's height comes from the row tags, which are few; a cell whose
    row number has more digits than every row tag so far (a stray cell far
    below) is caught by one search and measured exactly. When the remaining
    uncertainty (cells below the last row tag with as many digits) could
    cross ``limit``, a second, exact pass decides.
    """
    scan = _SheetScan()
    best_col = b""
    row_bound = 0  # cells' rows are known to be at most this
    exact = limit is None
    for part, _final in _chunks(zf, member, sheet, budget):
        if not part:
            continue
        cols = _CELL_COL_RE.findall(part)
        rows = _ROW_REF_RE.findall(part)
        if rows:
            scan.max_row = max(scan.max_row, int(max(set(rows), key=_ref_key)))
        if cols:
            best_col = max(best_col, max(set(cols), key=_ref_key), key=_ref_key)
            digits = len(str(scan.max_row)) if scan.max_row else 0
            if exact or _LONGER_CELL_ROW[min(digits, 8)].search(part):
                top = max(set(_CELL_ROW_RE.findall(part)), key=_ref_key, default=b"0")
                scan.max_row = max(scan.max_row, int(top))
            row_bound = max(row_bound, scan.max_row, 10**digits - 1)
        if part.count(b"<c") > len(cols) and (
            part.count(b"<c ") + part.count(b"<c>") + part.count(b"<c/>") > len(cols)
        ):
            # Cells without a reference follow the previous one: bound the
            # width by the longest row of this part.
            for seg in part.split(b"</row>"):
                scan.max_col = max(scan.max_col, seg.count(b"<c ") + seg.count(b"<c>"))
        if b't="e"' in part:
            for m in _ERROR_CELL_RE.finditer(part):
                v = _VALUE_RE.search(m.group(3))
                text = v.group(1).decode("utf-8", "replace") if v else "#ERROR"
                scan.errors.append((int(m.group(2)) - 1, _col_index(m.group(1)), text))
        if b"<f" in part and (b"</f></c>" in part or b"/></c>" in part or b"<v></v>" in part):
            scan.uncalculated += sum(1 for _ in _NO_VALUE_RE.finditer(part))
    if best_col:
        scan.max_col = max(scan.max_col, _col_index(best_col) + 1)
    if limit is not None and row_bound * scan.max_col > limit >= scan.max_row * scan.max_col:
        again = _Budget(budget.path, budget.limits)
        scan.max_row = _scan_sheet_xml(zf, member, sheet, again, None).max_row
    if scan.max_row and scan.max_col:
        scan.last_cell = f"{_col_letters(scan.max_col - 1)}{scan.max_row}"
    return scan


_ODS_TAG_RE = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*?)(/?)>"
)
_ODS_NAME_RE = re.compile(rb'\btable:name="([^"]*)"')
_ODS_ROWS_RE = re.compile(rb'number-rows-repeated="(\d{1,12})"')
_ODS_COLS_RE = re.compile(rb'number-columns-repeated="(\d{1,12})"')


def _scan_ods(path: Path, zf, budget: _Budget) -> dict[str, tuple[int, int]]:
    """Bounding box ``(rows, columns)`` of the non-empty cells of each ODS
    table, counting repeated rows and cells as the reader expands them."""
    import html

    boxes: dict[str, tuple[int, int]] = {}
    name = ""
    row = width = col = max_row = max_col = 0
    row_rep = 1
    for part, _final in _chunks(zf, "content.xml", "content.xml", budget):
        for m in _ODS_TAG_RE.finditer(part):
            closing, kind, attrs, empty = m.groups()
            if kind == b"table":
                if closing:
                    boxes[name] = (max_row, max_col)
                    continue
                found = _ODS_NAME_RE.search(attrs)
                name = html.unescape(found.group(1).decode("utf-8", "replace")) if found else ""
                row = max_row = max_col = 0
            elif kind == b"table-row":
                if closing:
                    if width:
                        max_row, max_col = row + row_rep, max(max_col, width)
                    row += row_rep
                    continue
                rep = _ODS_ROWS_RE.search(attrs)
                row_rep = int(rep.group(1)) if rep else 1
                width = col = 0
                if empty:
                    row += row_rep
            elif not closing:
                rep = _ODS_COLS_RE.search(attrs)
                n = int(rep.group(1)) if rep else 1
                if not empty or b"value-type" in attrs:
                    width = col + n
                col += n
    return boxes


# ---------------------------------------------------------------- excel


def _read_excel(path: Path, limits: ReadLimits) -> list[RawSheet]:
    # Sizes first: calamine allocates a sheet's whole bounding box, so a
    # hostile file must be refused before it is handed over (see ReadLimits).
    scans = _prescan_workbook(path, limits)
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise FileUnusable(
            "the workbook is password-protected; save an unprotected copy and try again"
        ) from None
    except (pc.CalamineError, pc.ZipError, pc.XmlError, OSError, ValueError) as exc:
        raise FileUnusable(_excel_error(path, exc)) from None
    except Exception as exc:  # calamine raises a few untyped errors on garbage
        raise FileUnusable(_excel_error(path, exc)) from None
    sheets: list[RawSheet] = []
    try:
        metadata = wb.sheets_metadata
    except Exception as exc:
        raise FileUnusable(_excel_error(path, exc)) from None
    if not metadata:
        raise FileUnusable("the workbook has no sheets")
    for meta in metadata:
        hidden = str(meta.visible).lower().rsplit(".", 1)[-1] != "visible"
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise FileUnusable(f"sheet {meta.name!r} cannot be read: {exc}") from None
        if rows and not isinstance(rows[0], list):
            rows = [list(r) for r in rows]
        # calamine's typed cells are held as plain objects from here on.
        raw = RawSheet(str(path), meta.name, cast("list[list[object]]", rows), hidden=hidden)
        if hidden:
            raw.notes.append("hidden sheet (read like the others)")
        # calamine reads error cells (#REF!, #N/A) as empty: found in the XML.
        scan = scans.get(meta.name) or _SheetScan()
        for r, c, text in scan.errors:
            # Positions are from A1 (skip_empty_area=False); only fill cells
            # calamine left empty, never overwrite a value it did read.
            if r < len(rows) and c < len(rows[r]) and rows[r][c] in ("", None):
                rows[r][c] = text
        if scan.uncalculated:
            raw.notes.append(
                f"{scan.uncalculated} formula cell(s) have no saved result (the file was "
                "written by a program that does not calculate); they read as empty: open "
                "and save the file in Excel or LibreOffice to fill them"
            )
        sheets.append(raw)
    return sheets


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ERROR_CELL_RE = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"[^>]*?\bt="e"[^>]*>(.*?)</c>', re.S)
_NO_VALUE_RE = re.compile(
    rb'<c r="[A-Z]{1,3}\d{1,7}"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>'
)
_VALUE_RE = re.compile(rb"<v>([^<]*)</v>")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _prescan_workbook(path: Path, limits: ReadLimits) -> dict[str, _SheetScan]:
    """Check a zipped workbook against ``limits`` and scan its sheets.

    Returns ``{sheet name: _SheetScan}`` for xlsx/xlsm (error cells and
    formulas without a saved result, which calamine reads as empty). The
    sheet XML is streamed in chunks, so a million-row sheet costs one
    decompression pass and little memory. The small workbook parts are read
    with regular expressions, not an XML parser, so no entity expansion can
    be triggered by a hostile file.

    Raises
    ------
    FileUnusable
        When a limit is exceeded (the message names the file, sheet and
        setting). Any other oddity is left for calamine to report.
    """
    import html
    import zipfile

    suffix = path.suffix.lower()
    if suffix not in {".xlsx", ".xlsm", ".xlsb", ".ods"}:
        return {}
    try:
        zf = zipfile.ZipFile(path)
    except Exception:  # noqa: BLE001 - not a zip: calamine says what it is
        return {}
    out: dict[str, _SheetScan] = {}
    with zf:
        _check_zip(path, zf, limits)
        budget = _Budget(path, limits)
        try:
            if suffix == ".ods":
                if "content.xml" in zf.namelist():
                    for ods_sheet, (rows, cols) in _scan_ods(path, zf, budget).items():
                        _check_box(path, ods_sheet, rows, cols, "", limits)
                return {}
            if suffix == ".xlsb":
                return {}
            book = _small_member(zf, "xl/workbook.xml")
            rels = _small_member(zf, "xl/_rels/workbook.xml.rels")
            targets = {}
            for m in re.finditer(rb"<Relationship\b[^>]*>", rels):
                rid = re.search(rb'\bId="([^"]*)"', m.group(0))
                tgt = re.search(rb'\bTarget="([^"]*)"', m.group(0))
                if rid and tgt:
                    targets[rid.group(1)] = tgt.group(1).decode("utf-8", "replace")
            names = set(zf.namelist())
            for m in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*>", book):
                name = re.search(rb'\bname="([^"]*)"', m.group(0))
                rid = re.search(rb'\br:id="([^"]*)"', m.group(0))
                if not (name and rid):
                    continue
                target = targets.get(rid.group(1), "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if member not in names:
                    continue
                sheet = html.unescape(name.group(1).decode("utf-8", "replace"))
                scan = _scan_sheet_xml(zf, member, sheet, budget, limits.max_sheet_cells)
                _check_box(path, sheet, scan.max_row, scan.max_col, scan.last_cell, limits)
                out[sheet] = scan
        except FileUnusable:
            raise
        except Exception:  # noqa: BLE001 - best effort on top of calamine
            return out
    return out


def _check_box(path: Path, sheet: str, rows: int, cols: int, last: str, limits) -> None:
    cells = rows * cols
    if cells > limits.max_sheet_cells:
        where = f", last cell {last}" if last else ""
        raise FileUnusable(
            _limit_message(
                path,
                f"sheet {sheet!r} spans {rows:,} rows x {cols:,} columns "
                f"({cells:,} cells{where}), over the limit of {limits.max_sheet_cells:,} cells",
                "max_sheet_cells",
            )
        )


def _small_member(zf, name: str, limit: int = 50_000_000) -> bytes:
    if zf.getinfo(name).file_size > limit:
        raise ValueError(f"{name} is implausibly large")
    return zf.read(name)


def _excel_error(path: Path, exc: Exception) -> str:
    head = path.read_bytes()[:8] if path.exists() else b""
    if not head:
        return "the file is empty (0 bytes)"
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() in {".xlsx", ".xlsm"}:
        return "the file is an encrypted or old-format workbook (password-protected?)"
    if not head.startswith(b"PK") and path.suffix.lower() in {".xlsx", ".xlsm", ".ods"}:
        return f"not a valid {path.suffix} workbook (it is not a zip archive)"
    return f"cannot read the workbook: {exc}"


# ---------------------------------------------------------------- text


_LEGACY = ("cp1252", "latin-1", "mac_roman")  # order = preference when even
# Typographic punctuation that real exports carry (apostrophes, dashes, euro,
# guillemets, degree, Spanish ¡¿): neither evidence for nor against.
_PUNCT_OK = frozenset("‘’‚“”„–—…€«»°•·¡¿ªº×±£¥©®§ ")
# MacRoman must beat cp1252 by this much: cp1252 is what most government
# desktop exports are, so it wins when the evidence is even.
_MAC_MARGIN = 1.0
_TOKEN_RE = re.compile(rb"[^\s,;|\"'()\[\]]*[\x80-\xff][^\s,;|\"'()\[\]]*")
_MAX_TOKENS = 50_000


@dataclass
class _Evidence:
    encoding: str
    score: float = 0.0
    letters: int = 0  # non-ASCII letters inside words of consistent case
    odd: int = 0  # symbols, control characters, case breaks inside a word
    decodable: bool = True


def _char_score(text: str, i: int) -> tuple[float, bool]:
    """Score of the non-ASCII character ``text[i]`` and whether it reads as
    a letter of a word (True) or as something a name would not contain."""
    ch = text[i]
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if ch.isalpha():
        if not (prev.isalpha() or nxt.isalpha()):
            return 0.5, True  # "à", "é" standing alone
        if ch.isupper() and prev.islower():
            return -2.0, False  # "SystËmes": capital inside a lower-case word
        if ch.islower() and prev.isupper() and (nxt.isupper() or not nxt):
            return -2.0, False  # "CARAœBES": small letter inside a capital word
        if ch.isupper() and prev.isupper() and nxt.islower():
            return -2.0, False  # "AÁores": a second capital before small letters
        return 2.0, True
    if ch in _PUNCT_OK:
        if prev.isalpha() and nxt.isalpha() and ch not in "’‘·":
            return -1.0, False  # "SYST»MES", "AÁ„o": punctuation inside a word
        return 0.0, True
    if unicodedata.category(ch) == "Cc":
        return -3.0, False
    return -2.0, False


def _weigh(tokens: dict[bytes, int], encoding: str) -> _Evidence:
    ev = _Evidence(encoding)
    for tok, n in tokens.items():
        try:
            text = tok.decode(encoding)
        except UnicodeDecodeError:
            return _Evidence(encoding, decodable=False)
        for i, ch in enumerate(text):
            if ord(ch) < 128:
                continue
            s, good = _char_score(text, i)
            ev.score += s * n
            if good and s > 0:
                ev.letters += n
            elif not good:
                ev.odd += n
    return ev


def _tokens(data: bytes) -> dict[bytes, int]:
    counts: dict[bytes, int] = {}
    for m in itertools.islice(_TOKEN_RE.finditer(data), _MAX_TOKENS):
        tok = m.group(0)
        counts[tok] = counts.get(tok, 0) + 1
    return counts


def guess_legacy_encoding(data: bytes, cr_only: bool | None = None) -> tuple[str, str]:
    """Choose cp1252, Latin-1 or MacRoman for bytes that are not UTF-8.

    Every word holding a byte above 127 is decoded in each candidate and
    scored: a letter inside a word of consistent case counts for it; a
    symbol, a control character or a capital inside a lower-case word
    ("SystËmes", the MacRoman reading of cp1252 "Systèmes") counts against
    it. CR-only line ends (classic Mac OS) count for MacRoman. cp1252 wins
    when the evidence is even.

    Returns
    -------
    (encoding, reason)
        The Python codec name and a one-line reason for the load report.
    """
    tokens = _tokens(data)
    if cr_only is None:
        cr_only = b"\r" in data and b"\n" not in data
    evidence = {enc: _weigh(tokens, enc) for enc in _LEGACY}
    if cr_only:
        # The old-Mac line end is evidence too, worth a few words' letters.
        evidence["mac_roman"].score += 3.0 + 0.1 * sum(tokens.values())
    ranked = [evidence[e] for e in _LEGACY if evidence[e].decodable]
    best = ranked[0]
    for ev in ranked[1:]:
        margin = _MAC_MARGIN if ev.encoding == "mac_roman" else 0.0
        if ev.score > best.score + margin:
            best = ev
    others = ", ".join(
        f"{e.encoding} {e.letters} letter(s) / {e.odd} odd"
        if e.decodable
        else f"{e.encoding} cannot decode it"
        for e in evidence.values()
        if e is not best
    )
    reason = f"{best.letters} accented letter(s) read as words, {best.odd} odd character(s)"
    if cr_only:
        reason += ", CR-only line ends"
    reason += f"; {others}"
    if best.encoding == "cp1252" and best.score == max(
        (e.score for e in ranked if e is not best), default=None
    ):
        reason += "; even evidence: cp1252 preferred"
    return best.encoding, reason


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes of a text export, returning ``(text, encoding)``.

    A forced ``encoding`` (from ``ospo.toml``) decodes with replacement
    characters. Otherwise BOMs decide first (UTF-8/UTF-16); then strict
    UTF-8; then :func:`guess_legacy_encoding` (Latin-1 never fails, so
    nothing is ever undecodable). For per-line decoding of files that mix
    UTF-8 and a legacy code page, see :func:`decode_lines`.
    """
    if encoding:
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"
        return data.decode(encoding, errors="replace"), encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    # UTF-16 without BOM: every other byte is NUL in mostly-ASCII text.
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    enc, _ = guess_legacy_encoding(data)
    return data.decode(enc, errors="replace"), enc


@dataclass
class _Decoded:
    text: str
    note: str
    bad_lines: dict[int, str] = field(default_factory=dict)  # 1-based line -> problem


def decode_lines(data: bytes, forced: str | None = None) -> _Decoded:
    """Decode a text export, line by line where UTF-8 and a legacy code page mix.

    A UTF-8 file with one stray cp1252 byte keeps its good lines as UTF-8:
    only the lines that are not UTF-8 are decoded with the legacy encoding
    the evidence of those lines points to (or flagged as unreadable when no
    candidate reads them as text), so one ministry never becomes two.
    """
    if forced:
        text, enc = decode_text(data, forced)
        return _Decoded(text, forced_encoding_note(enc, text.count("\ufffd")))
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(data) >= 4
        and (data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4)
    ):
        text, enc = decode_text(data)
        return _Decoded(text, f"encoding {enc}")
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    name = "utf-8-sig" if bom else "utf-8"
    try:
        return _Decoded(body.decode("utf-8"), f"encoding {name}")
    except UnicodeDecodeError:
        pass
    lines = body.splitlines(keepends=True)
    good_utf8 = bad_count = 0
    bad_idx: list[int] = []
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good_utf8 += 1
        except UnicodeDecodeError:
            bad_idx.append(i)
            bad_count += 1
    cr_only = b"\r" in body and b"\n" not in body
    if not good_utf8 and not bom:
        enc, reason = guess_legacy_encoding(body, cr_only)
        return _Decoded(body.decode(enc, errors="replace"), f"encoding {enc} ({reason})")
    # Mixed: UTF-8 is proven by its valid multi-byte lines; only the odd
    # lines are legacy text.
    odd = b"".join(lines[i] for i in bad_idx)
    enc, _reason = guess_legacy_encoding(odd, cr_only)
    out: list[str] = []
    bad_lines: dict[int, str] = {}
    for i, line in enumerate(lines):
        try:
            out.append(line.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        text = line.decode(enc, errors="replace")
        if unreadable_in(line, enc):
            bad_lines[i + 1] = (
                f"line {i + 1} is not UTF-8 like the rest of the file and does not read as "
                f"{enc} text either (bytes such as 0x{_first_high(line):02x}); row not loaded, "
                "save the file as UTF-8"
            )
        out.append(text)
    note = mixed_encoding_note(name, [i + 1 for i in bad_idx[:10]], bad_count, enc)
    return _Decoded("".join(out), note, bad_lines)


def first_ten(numbers: list[int], total: int) -> str:
    """Line numbers for a note: the first ten, then "…" when there are more."""
    return ", ".join(map(str, numbers[:10])) + (" …" if total > 10 else "")


def forced_encoding_note(enc: str, n_replaced: int) -> str:
    """The load report's note for an encoding set in ``[reading.encoding]``."""
    note = f"encoding {enc} (set in ospo.toml [reading.encoding])"
    if n_replaced:
        note += f"; {n_replaced} byte(s) not valid in {enc} read as \ufffd"
    return note


def mixed_encoding_note(name: str, first: list[int], n_lines: int, enc: str) -> str:
    """The note for a UTF-8 file whose lines ``first`` (of ``n_lines``) are in ``enc``."""
    shown = first_ten(first, n_lines)
    return f"encoding {name} with {n_lines} line(s) in {enc} (line {shown}): decoded per line"


def unreadable_in(line: bytes, enc: str) -> bool:
    """Whether a line that is not UTF-8 does not read as ``enc`` text either
    (more odd characters than letters): its row is rejected."""
    ev = _weigh(_tokens(line), enc)
    return ev.odd > ev.letters


def _first_high(line: bytes) -> int:
    return next((b for b in line if b > 127), 0)


UNCLOSED_QUOTE = (
    'unclosed quote: a cell starts with " and never closes, so the cells of this row '
    "cannot be told apart; row not loaded, fix the quote in the file"
)


def _read_text(path: Path, encoding: str | None = None) -> list[RawSheet]:
    data = path.read_bytes()
    if not data.strip():
        raise FileUnusable("the file is empty (0 bytes)" if not data else "the file is blank")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileUnusable("this is a workbook saved with a text extension; rename it to .xlsx")
    decoded = decode_lines(data, encoding)
    text = decoded.text
    notes = [decoded.note]
    if "\x00" in text:
        notes.append(f"{text.count(chr(0))} NUL character(s) removed")
        text = text.replace("\x00", "")
    # CR-only line ends (old Mac exports) and mixed ends: csv copes with \r,
    # but normalise so that quoted multi-line cells keep consistent newlines
    # and line numbers are those an editor shows.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sample = "\n".join(text.split("\n", 50)[:50])
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(sample)
    notes[0] += f", delimiter {delimiter!r}"
    rows, numbers, bad, recovered = _split_records(text, delimiter)
    for line, problem in decoded.bad_lines.items():
        i = max(bisect.bisect_right(numbers, line) - 1, 0)
        if numbers:
            bad.setdefault(i, problem)
    if recovered:
        notes.append(recovered)
    # The text cells are held as plain objects from here on, like a workbook's.
    raw = RawSheet(
        str(path), "", cast("list[list[object]]", rows), row_numbers=numbers, bad_rows=bad
    )
    raw.notes.extend(notes)
    return [raw]


def stray_quote(rec: list[str], span: list[str], width: int, delimiter: str) -> bool:
    """Whether a csv record (``rec``, read from the lines ``span``) was made
    by a quote that never closes, and must be split again at its line ends.

    ``width`` is the file's usual number of cells. A record on one line is
    suspect only with an odd number of quotes and the wrong width; one that
    spans lines with the right width is a real multi-line cell unless a
    continuation line is itself a well-formed row.
    """
    if len(span) == 1 and (len(rec) == width or span[0].count('"') % 2 == 0):
        return False  # the common case: one line, nothing to look at
    lines = [ln.rstrip("\n") for ln in span]
    odd = [ln.count('"') % 2 == 1 for ln in lines]
    if len(rec) == width:
        return any(
            not o and len(_parse_line(ln, delimiter)) == width
            for ln, o in zip(lines[1:], odd[1:], strict=True)
        )
    return any(odd)


def _split_records(text: str, delimiter: str) -> tuple[list[list[str]], array, dict[int, str], str]:
    """Parse delimited text into rows with the line number each starts on.

    A cell that opens a quote and never closes it makes the csv module read
    every following line into that cell until the next quote; such a record
    is split again at its line ends: well-formed lines become rows again and
    the line with the stray quote is flagged (``bad`` maps the row index to
    the problem). Quoted cells that legitimately span lines are kept.
    One pass; the lines of the current record are the only ones kept.
    """
    csv.field_size_limit(1 << 30)
    box: list[list[str]] = [[]]

    def lines():
        for line in io.StringIO(text, newline=""):
            box[0].append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers = array("q")
    bad: dict[int, str] = {}
    broken: list[int] = []
    swallowed = 0
    width = -1
    head: list[tuple[int, list[str], list[str]]] = []

    def take(start: int, rec: list[str], span: list[str]) -> None:
        nonlocal swallowed
        if not stray_quote(rec, span, width, delimiter):
            rows.append(rec)
            numbers.append(start)
            return
        for k, (row, is_broken) in enumerate(split_again(span, delimiter)):
            if is_broken:
                bad[len(rows)] = UNCLOSED_QUOTE
                broken.append(start + k)
            rows.append(row)
            numbers.append(start + k)
        swallowed += len(span) - 1

    def settle() -> None:
        nonlocal width
        width = _usual_width(head, delimiter)
        for item in head:
            take(*item)
        head.clear()

    line_no = 0
    try:
        for rec in reader:
            span, box[0] = box[0], []
            start, line_no = line_no + 1, line_no + len(span)
            if width < 0:
                head.append((start, rec, span))
                if len(head) >= 1000:
                    settle()
            else:
                take(start, rec, span)
    except csv.Error as exc:
        raise FileUnusable(f"cannot parse as delimited text: {exc}") from None
    if width < 0:
        settle()
    return rows, numbers, bad, unclosed_quote_note(broken, swallowed)


def split_again(span: list[str], delimiter: str) -> list[tuple[list[str], bool]]:
    """The lines of a record an unclosed quote made, each read as its own row:
    ``(cells, broken)``, a line with an odd number of quotes read literally
    and marked broken (its row is rejected)."""
    out = []
    for ln in span:
        ln = ln.rstrip("\n")
        if ln.count('"') % 2 == 1:
            out.append((_parse_line(ln, delimiter, literal=True), True))
        else:
            out.append((_parse_line(ln, delimiter), False))
    return out


def unclosed_quote_note(broken: list[int], swallowed: int) -> str:
    """The load report's note on records split again ("" when there are none)."""
    if not broken:
        return ""
    return (
        f"unclosed quote on line(s) {first_ten(broken, len(broken))}: those rows rejected, "
        f"{swallowed} following line(s) read as their own rows again"
    )


def _usual_width(head: list[tuple[int, list[str], list[str]]], delimiter: str) -> int:
    """The most common number of cells of one-line records (else of lines
    read alone, when a stray quote swallowed the whole sample)."""
    widths = Counter(len(rec) for _s, rec, span in head if len(span) == 1 and len(rec) > 1)
    if not widths:
        widths = Counter(
            len(_parse_line(ln.rstrip("\n"), delimiter))
            for _s, _r, span in head
            for ln in span[:1000]
            if ln.count('"') % 2 == 0 and delimiter in ln
        )
    return widths.most_common(1)[0][0] if widths else 0


def _parse_line(line: str, delimiter: str, literal: bool = False) -> list[str]:
    if not line:
        return []
    quoting: Literal[0, 3] = csv.QUOTE_NONE if literal else csv.QUOTE_MINIMAL
    return list(next(csv.reader([line], delimiter=delimiter, quoting=quoting), []))


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (",", ";", "\t", "|")}
        return max(counts, key=counts.__getitem__) if any(counts.values()) else ","


def read_raw(
    path: str | Path, encoding: str | None = None, limits: ReadLimits | None = None
) -> list[RawSheet]:
    """Read every sheet of a spreadsheet or delimited-text file.

    Parameters
    ----------
    path : path-like
        The file.
    encoding : str, optional
        Codec forced for a text file (``[reading.encoding]`` in ospo.toml);
        default: decided from the bytes (see :func:`decode_lines`).
    limits : ReadLimits, optional
        Workbook size limits (``[limits]``); default :class:`ReadLimits()`.

    Raises
    ------
    FileUnusable
        With a message for the user when the file cannot be read at all.
    """
    path = Path(path)
    if not path.exists():
        raise FileUnusable("file not found")
    if path.is_dir():
        raise FileUnusable("is a folder, not a file")
    if path.stat().st_size == 0:
        raise FileUnusable("the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, limits or ReadLimits())
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, encoding)
    raise FileUnusable(
        f"unsupported file type {suffix or '(none)'}; expected one of "
        f"{', '.join(sorted(EXCEL_SUFFIXES | TEXT_SUFFIXES))}"
    )


# ---------------------------------------------------------------- header


def find_header(
    rows: list[list[object]],
    alias_index: dict[str, str],
    scan_rows: int = 30,
    min_matches: int = 2,
) -> tuple[int, dict[int, str]] | None:
    """Locate the header row: the row among the first ``scan_rows`` whose cells
    match the most known column names.

    Returns ``(row_position, {column_position: canonical_name})`` or ``None``.
    Merged header cells (None after the first) are simply not matched.
    """
    best: tuple[int, dict[int, str]] | None = None
    for i, row in enumerate(rows[:scan_rows]):
        mapping = match_columns(row, alias_index)
        if len(mapping) >= min_matches and (best is None or len(mapping) > len(best[1])):
            best = (i, mapping)
    return best


def match_columns(header: Iterable[object], alias_index: dict[str, str]) -> dict[int, str]:
    """Map header positions to canonical names (first match of a name wins)."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for j, cell in enumerate(header):
        key = norm_header(cell)
        name = alias_index.get(key)
        if name and name not in taken:
            mapping[j] = name
            taken.add(name)
    return mapping
