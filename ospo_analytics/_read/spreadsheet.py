"""Read raw spreadsheet files into grids of cells, and find their header rows.

This is the "read" step only: no cleaning. Every reader returns
:class:`RawSheet` objects holding the cells exactly as the file gives them
(str, float, int, bool, datetime, date, time or None), with the 1-based row
number of each data row in the file, so rejects can name the row a user sees.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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


# ---------------------------------------------------------------- excel


def _read_excel(path: Path) -> list[RawSheet]:
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
    # calamine reads error cells (#REF!, #N/A) as empty: find them in the XML.
    formulas = _xlsx_formula_cells(path) if path.suffix.lower() in {".xlsx", ".xlsm"} else {}
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
        raw = RawSheet(str(path), meta.name, rows, hidden=hidden)
        if hidden:
            raw.notes.append("hidden sheet (read like the others)")
        errors, uncalculated = formulas.get(meta.name, ([], 0))
        for r, c, text in errors:
            # Positions are from A1 (skip_empty_area=False); only fill cells
            # calamine left empty, never overwrite a value it did read.
            if r < len(rows) and c < len(rows[r]) and rows[r][c] in ("", None):
                rows[r][c] = text
        if uncalculated:
            raw.notes.append(
                f"{uncalculated} formula cell(s) have no saved result (the file was written "
                "by a program that does not calculate); they read as empty: open and save "
                "the file in Excel or LibreOffice to fill them"
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


def _xlsx_formula_cells(path: Path) -> dict[str, tuple[list[tuple[int, int, str]], int]]:
    """Error cells and formulas without a saved result, per sheet name.

    Returns ``{sheet: ([(row0, col0, "#REF!"), ...], n_uncalculated)}``.
    The sheet XML is streamed in chunks, so a million-row sheet costs one
    decompression pass and little memory. The small workbook parts are read
    with regular expressions, not an XML parser, so no entity expansion can
    be triggered by a hostile file. Never raises: if the package is unusual,
    calamine's reading stands as it is.
    """
    import html
    import zipfile

    out: dict[str, tuple[list[tuple[int, int, str]], int]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
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
                found = _scan_sheet_xml(zf, member)
                if found[0] or found[1]:
                    out[html.unescape(name.group(1).decode("utf-8", "replace"))] = found
    except Exception:  # noqa: BLE001 - best effort on top of calamine
        return {}
    return out


def _small_member(zf, name: str, limit: int = 50_000_000) -> bytes:
    if zf.getinfo(name).file_size > limit:
        raise ValueError(f"{name} is implausibly large")
    return zf.read(name)


def _scan_sheet_xml(zf, member: str) -> tuple[list[tuple[int, int, str]], int]:
    errors: list[tuple[int, int, str]] = []
    uncalculated = 0
    tail = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1 << 22)
            data = tail + chunk
            if not chunk:
                cut = len(data)
            else:
                # Only scan up to the last complete cell; carry the rest over.
                cut = data.rfind(b"</c>") + 4 if b"</c>" in data else 0
            part, tail = data[:cut], data[cut:]
            if b't="e"' in part:
                for m in _ERROR_CELL_RE.finditer(part):
                    v = _VALUE_RE.search(m.group(3))
                    text = v.group(1).decode("utf-8", "replace") if v else "#ERROR"
                    errors.append((int(m.group(2)) - 1, _col_index(m.group(1)), text))
            if b"<f" in part and (b"</f></c>" in part or b"/></c>" in part or b"<v></v>" in part):
                uncalculated += sum(1 for _ in _NO_VALUE_RE.finditer(part))
            if not chunk:
                break
    return errors, uncalculated


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


_ENCODINGS = ("utf-8", "cp1252", "mac_roman", "latin-1")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of a text export, returning ``(text, encoding)``.

    BOMs decide first (UTF-8/UTF-16); then strict UTF-8; then
    charset-normalizer's guess among single-byte code pages; latin-1 never
    fails, so nothing is ever undecodable.
    """
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
    enc = _guess_single_byte(data)
    return data.decode(enc, errors="replace"), enc


_MIXED_CASE = re.compile(r"(?<=[a-z])[^\x00-\x7f](?=[a-z])")
_ALONE = re.compile(r"(?<=\s)[^\x00-\x7f](?=\s)")
_ONE_LETTER_WORDS = frozenset("àÀáéèóòúùíìôÔ")


def _guess_single_byte(data: bytes) -> str:
    # cp1252 and MacRoman both decode almost anything; pick the one whose
    # decoding yields more letters common in European languages and fewer
    # symbols that rarely appear in spreadsheets.
    def plausibility(text: str) -> int:
        good = sum(ch.isalpha() for ch in text if ord(ch) > 127)
        bad = sum(ch in "√∫≈Ωπ∂∑∆ƒ◊‡°·‚„‰¶§†•¨ˇ˘˙˚¸˝˛" for ch in text)
        # The wrong code page puts capitals inside lower-case words
        # ("MinistËre" for cp1252 "Ministère" read as MacRoman, "cafŽ" the
        # other way round): real text almost never does.
        bad += sum(ch.isupper() for ch in _MIXED_CASE.findall(text))
        # ...and letters standing alone where a dash was (" – " read as " ñ ").
        bad += sum(ch.isalpha() and ch not in _ONE_LETTER_WORDS for ch in _ALONE.findall(text))
        return good - 3 * bad

    best, best_score = "latin-1", None
    for enc in ("cp1252", "mac_roman"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = plausibility(text)
        if best_score is None or score > best_score:
            best, best_score = enc, score
    return best


def _read_text(path: Path) -> list[RawSheet]:
    data = path.read_bytes()
    if not data.strip():
        raise FileUnusable("the file is empty (0 bytes)" if not data else "the file is blank")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileUnusable("this is a workbook saved with a text extension; rename it to .xlsx")
    text, encoding = decode_text(data)
    if "\x00" in text:
        text = text.replace("\x00", "")
    # CR-only line ends (old Mac exports) and mixed ends: csv copes with \r,
    # but normalise so that quoted multi-line cells keep consistent newlines.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sample = "\n".join(text.split("\n", 50)[:50])
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(sample)
    csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows: list[list[object]] = [list(r) for r in reader]
    except csv.Error as exc:
        raise FileUnusable(f"cannot parse as delimited text: {exc}") from None
    raw = RawSheet(str(path), "", rows)
    raw.notes.append(f"encoding {encoding}, delimiter {delimiter!r}")
    return [raw]


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (",", ";", "\t", "|")}
        return max(counts, key=counts.__getitem__) if any(counts.values()) else ","


def read_raw(path: str | Path) -> list[RawSheet]:
    """Read every sheet of a spreadsheet or delimited-text file.

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
        return _read_excel(path)
    if suffix in TEXT_SUFFIXES:
        return _read_text(path)
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
