"""Streaming validation of big delimited-text files (CSV/TSV).

The in-memory loader (:mod:`._load`) reads a whole file into Python lists of
cells before cleaning it: about 2 GB per million rows. Here a big file is read
in bounded chunks of rows and each chunk goes through the *same* steps as the
in-memory path -- the same CSV parser (:mod:`csv`, so quoting, ragged rows and
blank rows behave alike), the same header detection (``_sheet_frame`` on the
first chunk), the same alias mapping and the same cell cleaners
(``_clean_frame``) -- so rows, rejects and the load report are identical; only
the peak memory differs (set by the chunk size and the cleaned table).

Two cleaners decide something for the whole column:

* numbers (amounts, floats, counts): a lone separator before three digits
  (``1.234``) is read from the other values' convention;
* dates: day-first or month-first from the values that only read one way.

Both decisions are ``any()`` over the column's values, so a first pass
gathers *witnesses* -- every distinct value shape that can vote (numbers:
digits 1-9 folded to ``9``; dates: values whose first two fields are not both
1-12) -- and each chunk is cleaned together with them, then they are dropped.
The chunk then sees exactly the evidence the whole file holds. The file is
parsed once: the first pass keeps its chunks of cells in a temporary Arrow
file (text cells round-trip exactly) that the cleaning pass reads back.

The encoding is decided on the whole file as the in-memory reader decides
it (:func:`_encoding`): UTF-8, UTF-16, one legacy code page (cp1252,
Latin-1, MacRoman, on the same evidence), UTF-8 with some lines in such a
code page (decoded per line), or the one forced in ``ospo.toml``. A record
made by a quote that never closes is split again at its line ends and its
broken lines rejected, as in memory (:func:`_resplit`).
Files that this path does not handle exactly (a line readable in neither
UTF-8 nor the code page, CR-only line ends, NULs in UTF-16, a workbook saved
as .csv, flattened OCDS ``releases.csv``, no data rows in the first chunk)
are left to the in-memory loader.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import re
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ._clean.cells import date_vote_key, date_votes
from ._clean.schema import Column, columns
from ._config import Config
from ._lanes import in_order, prefetched
from ._read.ocds import is_flattened_csv_name
from ._read.spreadsheet import (
    UNCLOSED_QUOTE,
    RawSheet,
    _sniff_delimiter,
    _usual_width,
    find_header,
    forced_encoding_note,
    mixed_encoding_note,
    split_again,
    stray_quote,
    unclosed_quote_note,
    unreadable_in,
)

if TYPE_CHECKING:
    from ._load import _Progress

#: Rows per chunk: about 150-250 MB of Python cells at a dozen columns.
CHUNK_ROWS = 200_000
#: Rows in the first chunk, where the header is looked for (line by line).
FIRST_CHUNK_ROWS = 10_000
#: Default size from which files are streamed (``[reading] stream_min_mb``).
STREAM_MIN_MB = 100.0
#: CSV/TSV files stream from this size whatever the setting: from about 5 MB
#: the chunked path is also the faster one (a 73 MB file: 3.4 s against 6.1 s
#: read whole). OCDS JSON streamed is slower below 100 MB, so it keeps the
#: setting alone.
CSV_STREAM_MIN_MB = 10.0

_NUMERIC_KINDS = {"float", "int"}
_AMOUNT_COLUMNS = {"amount", "original_amount", "annual_cost"}
_DIGITS_1_9 = str.maketrans("123456789", "999999999")


def stream_threshold_bytes(config: Config) -> float:
    """Size in bytes from which inputs are streamed (``[reading] stream_min_mb``)."""
    mb = (config["reading"] or {}).get("stream_min_mb", STREAM_MIN_MB)
    return float(mb) * 1e6


def csv_stream_threshold_bytes(config: Config) -> float:
    """Size in bytes from which CSV/TSV inputs take the streaming path."""
    return min(stream_threshold_bytes(config), CSV_STREAM_MIN_MB * 1e6)


def should_stream(table: str, path: Path, config: Config) -> bool:
    """Whether ``path`` is a big delimited-text file for the streaming path."""
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".tsv", ".txt"} or not path.is_file():
        return False
    if table == "procurement" and is_flattened_csv_name(path):
        return False  # flattened OCDS: its own reader
    return path.stat().st_size >= csv_stream_threshold_bytes(config)


class _NotStreamable(Exception):
    """The file needs the in-memory loader for exact behaviour."""


class _Encoding(NamedTuple):
    """How the in-memory reader would decode a file, found without holding it."""

    name: str  # the codec the lines are read with
    n_nul: int  # NUL characters in the decoded text
    note: str  # the in-memory reader's note, before ", delimiter ..."
    errors: str = "strict"  # "replace" wherever the in-memory reader replaces
    # UTF-8 with some lines in this legacy code page, decoded line by line.
    legacy: str | None = None
    bom: bool = False  # a UTF-8 BOM to skip (``legacy`` files)
    # An LF in every 16 MB block of the file (only strict UTF-8 files look):
    # a line is then never longer than two blocks.
    lf_everywhere: bool = False
    has_cr: bool = True  # a CR byte somewhere (only strict UTF-8 files look)


_BLOCK = 1 << 24


def _blocks(fh: Any) -> Iterator[bytes]:
    while block := fh.read(_BLOCK):
        yield block


class _Utf8Check:
    """Whether blocks fed in turn are strict UTF-8, as Python decodes it.

    Arrow validates in C++ at several times the speed of decoding into a
    Python string (which a check throws away), and rejects what Python's
    strict decoder does: overlong forms, surrogates, code points past
    U+10FFFF. A character cut by a block end is carried into the next block.
    """

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, block: bytes) -> bool:
        """False once the text so far cannot be UTF-8."""
        if not self._carry and block.isascii():  # ASCII is UTF-8
            return True
        data = self._carry + block if self._carry else block
        cut = len(data)
        # The last lead byte within reach: if its character needs more bytes
        # than the block holds, it waits for the next block.
        for back in range(1, min(4, len(data)) + 1):
            b = data[-back]
            if b & 0xC0 != 0x80:  # not a continuation byte
                need = 2 if b >= 0xC0 else 1
                need = 3 if b >= 0xE0 else need
                need = 4 if b >= 0xF0 else need
                if need > back:
                    cut = len(data) - back
                break
        self._carry = data[cut:]
        if not cut:
            return True
        try:
            view = pa.array([data[:cut]], pa.large_binary()).view(pa.large_string())
            view.validate(full=True)
        except pa.ArrowInvalid:
            return False
        return True

    def finish(self) -> bool:
        """False when the text ends inside a character."""
        return not self._carry


def _encoding(path: Path, forced: str | None = None) -> _Encoding:
    """The encoding the in-memory reader (``decode_lines``) would choose,
    decided on the whole file as it does, in blocks (bounded memory).

    Handled here: a forced encoding (``[reading.encoding]``), UTF-16 (BOM,
    or every other byte NUL), strict UTF-8, a file in one legacy code page
    (cp1252, Latin-1, MacRoman; no line of it valid UTF-8) and UTF-8 with
    some lines in one (``legacy``), chosen on the same evidence. A line
    readable in neither, CR-only line ends or a workbook saved as text leave
    the file to the in-memory reader.
    """
    from ._read.spreadsheet import guess_legacy_encoding

    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise _NotStreamable("workbook saved as text")
        if forced:
            name = "utf-8-sig" if codecs.lookup(forced).name == "utf-8" else forced
            n_nul, n_bad = _decoded_counts(path, name)
            return _Encoding(name, n_nul, forced_encoding_note(name, n_bad), "replace")
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _utf16(path, "utf-16")
        bom = head.startswith(b"\xef\xbb\xbf")
        fh.seek(3 if bom else 0)
        check = _Utf8Check()
        n_nul = size = 0
        utf8 = True
        lf_everywhere, has_cr = True, False
        for block in _blocks(fh):
            size += len(block)
            # Searches in C that stop at the first hit.
            lf_everywhere = lf_everywhere and b"\n" in block
            has_cr = has_cr or b"\r" in block
            if 0 in block:  # a search in C; counting is slower
                n_nul += block.count(0)
            utf8 = utf8 and check.feed(block)
        utf8 = utf8 and check.finish()
    size += 3 if bom else 0
    if size >= 4 and n_nul > size // 4:
        # Perhaps UTF-16 without a BOM: decided on the whole file, as in memory.
        odd, even = _nul_parity(path)
        if bom and (odd > size // 4 or even > size // 4):
            raise _NotStreamable("UTF-8 BOM on UTF-16 text")
        if odd > size // 4:
            return _utf16(path, "utf-16-le")
        if even > size // 4:
            return _utf16(path, "utf-16-be")
    name = "utf-8-sig" if bom else "utf-8"
    if utf8:
        return _Encoding(
            name, n_nul, f"encoding {name}", lf_everywhere=lf_everywhere and size > 0, has_cr=has_cr
        )
    scan = _scan_lines(path, 3 if bom else 0)
    if not scan.has_lf:
        raise _NotStreamable("CR-only line ends")
    if not scan.good_utf8 and not bom:
        enc, reason = guess_legacy_encoding(scan.words, cr_only=False)
        # Single-byte code pages: a NUL byte is a NUL character.
        return _Encoding(enc, n_nul, f"encoding {enc} ({reason})", "replace")
    # UTF-8 (proven by its valid multi-byte lines, or its BOM) with some lines
    # in a legacy code page: those lines alone are decoded in it.
    enc, _reason = guess_legacy_encoding(scan.words, cr_only=False)
    if _unreadable_line(path, 3 if bom else 0, enc):
        # The in-memory reader rejects such a line: left to it.
        raise _NotStreamable("a line readable in neither UTF-8 nor the code page")
    note = mixed_encoding_note(name, scan.bad_lines, scan.n_bad, enc)
    return _Encoding("utf-8", n_nul, note, "strict", legacy=enc, bom=bom)


def _utf16(path: Path, name: str) -> _Encoding:
    """UTF-16 as the in-memory reader decodes it (replacing what is not)."""
    return _Encoding(name, _decoded_counts(path, name)[0], f"encoding {name}", "replace")


def _decoded_counts(path: Path, encoding: str) -> tuple[int, int]:
    """NUL and U+FFFD characters of the file decoded as the in-memory reader does."""
    dec = codecs.getincrementaldecoder(encoding)("replace")
    n_nul = n_bad = 0
    with path.open("rb") as fh:
        for block in itertools.chain(_blocks(fh), [b""]):
            text = dec.decode(block, final=not block)
            n_nul += text.count("\x00")
            n_bad += text.count("\ufffd")
    return n_nul, n_bad


def _nul_parity(path: Path) -> tuple[int, int]:
    """NUL bytes at odd and at even offsets of the whole file."""
    odd = even = 0
    with path.open("rb") as fh:
        for block in _blocks(fh):  # blocks of even length: parities line up
            odd += block[1::2].count(0)
            even += block[0::2].count(0)
    return odd, even


class _LineScan(NamedTuple):
    """What ``decode_lines`` learns from the lines of a file that is not UTF-8."""

    good_utf8: bool  # a line with a byte above 127 is valid UTF-8
    n_bad: int  # lines that are not UTF-8
    bad_lines: list[int]  # the first ten of them (1-based)
    words: bytes  # the words guess_legacy_encoding weighs, as bytes it reads alike
    has_lf: bool


def _lines_of(path: Path, skip: int) -> Generator[bytes, None, None]:
    """The file from ``skip`` in blocks of whole lines (cut after a line feed:
    ``bytes.splitlines`` splits a block as it splits the whole file)."""
    rest = b""
    with path.open("rb") as fh:
        fh.seek(skip)
        for block in _blocks(fh):
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut:
                yield data[:cut]
            rest = data[cut:]
    if rest:
        yield rest


def _scan_lines(path: Path, skip: int) -> _LineScan:
    """The lines that are not UTF-8, and the words of the first
    ``_MAX_TOKENS`` of theirs (every word holding a byte above 127 is in such
    a line when no line is valid UTF-8, as ``guess_legacy_encoding`` reads
    the whole file then; in a mix it reads those lines)."""
    from ._read.spreadsheet import _MAX_TOKENS, _TOKEN_RE

    words: list[bytes] = []
    good = has_lf = False
    n_bad = at = 0
    first: list[int] = []
    for data in _lines_of(path, skip):
        has_lf = has_lf or b"\n" in data
        if data.isascii():
            at += data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
            at += not data.endswith((b"\n", b"\r"))
            continue
        for line in data.splitlines(keepends=True):
            at += 1
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good = True
                continue
            except UnicodeDecodeError:
                pass
            n_bad += 1
            if len(first) < 10:
                first.append(at)
            if len(words) < _MAX_TOKENS:
                for m in _TOKEN_RE.finditer(line):
                    words.append(m.group(0))
                    if len(words) >= _MAX_TOKENS:
                        break
    return _LineScan(good, n_bad, first, b"\n".join(words), has_lf)


def _unreadable_line(path: Path, skip: int, enc: str) -> bool:
    """Whether a line that is not UTF-8 does not read as ``enc`` text either
    (more odd characters than letters: the in-memory reader rejects it)."""
    for data in _lines_of(path, skip):
        if data.isascii():
            continue
        try:
            data.decode("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        for line in data.splitlines(keepends=True):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                if unreadable_in(line, enc):
                    return True
    return False


class _PerLine(io.RawIOBase):
    """A UTF-8 file some of whose lines are in a legacy code page, as UTF-8
    bytes: each line decoded as ``decode_lines`` does (UTF-8, else ``enc``
    with replacement characters)."""

    def __init__(self, path: Path, skip: int, enc: str) -> None:
        self.blocks, self.enc, self.pending = _lines_of(path, skip), enc, b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.pending:
            data = next(self.blocks, None)
            if data is None:
                return 0
            try:
                data.decode("utf-8")
                self.pending = data
            except UnicodeDecodeError:
                self.pending = b"".join(self._line(x) for x in data.splitlines(keepends=True))
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def _line(self, line: bytes) -> bytes:
        try:
            line.decode("utf-8")
            return line
        except UnicodeDecodeError:
            return line.decode(self.enc, errors="replace").encode("utf-8")

    def close(self) -> None:
        self.blocks.close()
        super().close()


class _Run:
    """A block of whole lines, each one a well-formed record, as one text.

    Every line's cells are unquoted text without a quote character, or fully
    quoted text (doubled quotes inside, no line break), so the csv module and
    Arrow's CSV reader give the same cells and each line is one record: a run
    is parsed by Arrow instead of line by line in Python.
    """

    __slots__ = ("_data", "_text", "first_line", "quoted")

    def __init__(self, text: str | bytes, quoted: bool) -> None:
        # Text, or its UTF-8 bytes as read from a plain UTF-8 file (then
        # decoded only if the csv module must read the lines).
        self._text: str | None = None if isinstance(text, bytes) else text
        self._data: bytes | None = text if isinstance(text, bytes) else None
        self.quoted = quoted
        self.first_line = 1  # the file's line number of the run's first line

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._data is not None
            self._text = self._data.decode("utf-8")
        return self._text

    @property
    def data(self) -> bytes:
        """The run's text in UTF-8 (encoded once: the line checks and Arrow
        both read it)."""
        if self._data is None:
            self._data = self.text.encode("utf-8")
        return self._data

    def n_lines(self) -> int:
        """Lines in the run (the last one may lack its line end)."""
        if self._data is not None:
            return self._data.count(b"\n") + (self._data[-1:] != b"\n")
        return self.text.count("\n") + (self.text[-1:] != "\n")

    def bounds(self) -> np.ndarray:
        """Byte offsets of the lines in :attr:`data`: line ``k`` with its line
        end is ``data[b[k]:b[k + 1]]`` (the lines of :meth:`lines`)."""
        ends = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) == 10)
        bounds = np.empty(len(ends) + 1, dtype=np.int64)
        bounds[0] = 0
        bounds[1:] = ends + 1
        if bounds[-1] != len(self.data):
            bounds = np.append(bounds, len(self.data))  # no line end at the end
        return bounds

    def line_array(self) -> pa.LargeStringArray:
        """The lines as an Arrow array, each with its line end (if any), built
        on the bytes without copying them (several times cheaper than
        splitting the text with an Arrow kernel)."""
        bounds = self.bounds()
        return pa.LargeStringArray.from_buffers(
            len(bounds) - 1, pa.py_buffer(bounds), pa.py_buffer(self.data)
        )

    def lines(self) -> list[str]:
        """The run's lines without their line ends."""
        parts = self.text.split("\n")
        if parts[-1] == "":
            parts.pop()  # the text ends with a line end
        return parts

    def after(self, k: int) -> _Run:
        """The run without its first ``k`` lines."""
        at = 0
        for _ in range(k):  # the k-th line end, found in C
            at = self.text.find("\n", at) + 1
            if not at:
                at = len(self.text)
                break
        rest = _Run(self.text[at:], self.quoted)
        rest.first_line = self.first_line + k
        return rest

    def records(self, delimiter: str) -> list[list[str]]:
        """The csv module's records of the run (a blank line is ``[]``)."""
        return list(csv.reader(self.lines(), delimiter=delimiter))

    def head_records(self, delimiter: str, n: int) -> list[list[str]]:
        """The csv module's records of the run's first ``n`` lines."""
        head = self.text.split("\n", n)
        if len(head) > n:
            head.pop()  # the unsplit rest
        elif head[-1] == "":
            head.pop()  # the text ends with a line end
        return list(csv.reader(head, delimiter=delimiter))


def _well_formed(delimiter: str) -> str:
    """RE2 pattern of a line (with or without its line end) whose every cell
    is plain or fully quoted."""
    d = re.escape(delimiter)
    cell = f'(?:[^"{d}]*|"(?:[^"]|"")*")'
    # A quoted cell ends with a quote, so a line end can only be the end.
    return f"^{cell}(?:{d}{cell})*\\n?$"


def _run_of(text: str | bytes, delimiter: str) -> _Run | None:
    """``text`` (or its UTF-8 bytes) as a run when every line in it is a
    well-formed record."""
    quoted = '"' in text if isinstance(text, str) else b'"' in text
    if not quoted:
        return _Run(text, quoted=False)
    run = _Run(text, quoted=True)
    if pc.all(pc.match_substring_regex(run.line_array(), _well_formed(delimiter))).as_py():
        return run
    return None


class _Lines:
    """The file's lines (newlines translated, NULs removed), read in blocks.

    Iterating gives lines one at a time (the csv module pulls them); at a
    block boundary, :meth:`next_block` hands over the next block's text whole,
    so blocks of well-formed lines never become Python lines.
    """

    def __init__(self, path: Path, enc: _Encoding, block_chars: int) -> None:
        # Plain UTF-8 without NULs whose lines end in LF here and there (not a
        # CR-only file, whose blocks would never end): blocks are its bytes,
        # line ends translated as text reading does, never decoded and encoded
        # again for Arrow.
        self.raw = (
            codecs.lookup(enc.name).name in ("utf-8", "utf-8-sig")
            and enc.errors == "strict"
            and enc.legacy is None
            and not enc.n_nul
            and enc.lf_everywhere
        )
        self.has_cr = enc.has_cr
        if self.raw:
            self.fh = open(path, "rb")  # noqa: SIM115 - closed by close()
            if self.fh.read(3) != codecs.BOM_UTF8:
                self.fh.seek(0)
        else:
            self.fh = _open_text(path, enc)
        self.block_chars = block_chars
        self.pending: list[str] = []
        self.i = 0

    def close(self) -> None:
        self.fh.close()

    def next_block(self) -> str | bytes | None:
        """The next block of whole lines (its UTF-8 bytes for a plain UTF-8
        file), or None at the end of the file."""
        text = self.fh.read(self.block_chars)
        if not text:
            return None
        if text[-1:] != (b"\n" if self.raw else "\n"):
            text += self.fh.readline()
        if self.raw and self.has_cr and b"\r" in text:
            # Universal newlines, as text reading: CRLF, then a lone CR, is
            # LF. A block ends after an LF, so no CRLF is split between two.
            text = text.replace(b"\r\n", b"\n")
            if b"\r" in text:
                text = text.replace(b"\r", b"\n")
        return text

    def at_block_end(self) -> bool:
        return self.i >= len(self.pending)

    def take_rest(self) -> str:
        """The current block's lines not yet served, as one text."""
        text = "".join(self.pending[self.i :])
        self.pending, self.i = [], 0
        return text

    def load(self, text: str | bytes) -> None:
        """Serve ``text``'s lines one by one."""
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        parts = text.split("\n")
        last = parts.pop()
        self.pending = [p + "\n" for p in parts]
        if last:
            self.pending.append(last)
        self.i = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while self.i >= len(self.pending):
            text = self.next_block()
            if text is None:
                raise StopIteration
            self.load(text)
        line = self.pending[self.i]
        self.i += 1
        return line


class _Cursor:
    """Where the record reader is: lines consumed, and the line number on
    which the last record it gave starts (what the in-memory reader reports
    as a row's number: a cell with line breaks makes the two differ)."""

    __slots__ = ("broken", "line", "start", "swallowed")

    def __init__(self) -> None:
        self.line = 0
        self.start = 0
        # Lines with an unclosed quote, and the lines their records swallowed.
        self.broken: list[int] = []
        self.swallowed = 0


class _BadRow(list):
    """A line of a record an unclosed quote made, read alone: a rejected row."""

    __slots__ = ()


def _resplit(
    rec: list[str], span: list[str], width: int, delimiter: str, start: int, at: _Cursor
) -> list[tuple[int, list[str]]]:
    """``[(line, record)]``: the record, or, when an unclosed quote made it
    (``stray_quote``), each of its lines as its own row, the lines with an
    odd number of quotes as :class:`_BadRow` -- as the in-memory reader
    splits it again (``_split_records``)."""
    if not stray_quote(rec, span, width, delimiter):
        return [(start, rec)]
    out: list[tuple[int, list[str]]] = []
    for k, (row, broken) in enumerate(split_again(span, delimiter)):
        if broken:
            at.broken.append(start + k)
        out.append((start + k, _BadRow(row) if broken else row))
    at.swallowed += len(span) - 1
    return out


def _rows(
    path: Path,
    enc: _Encoding,
    delimiter: str,
    block_chars: int = 1 << 24,
    cursor: _Cursor | None = None,
) -> Iterator[list[str] | _Run]:
    """Records of the file, with blocks of well-formed lines as :class:`_Run`."""
    src = _Lines(path, enc, block_chars)
    try:
        yield from _checked_records(src, delimiter, cursor)
    finally:
        src.close()


def _checked_records(
    lines: Iterator[str], delimiter: str, cursor: _Cursor | None = None
) -> Iterator[list[str] | _Run]:
    """csv records of ``lines``; a record a quote that never closes made is
    split again at its line ends, as in memory (:func:`_resplit`).

    When ``lines`` is a :class:`_Lines`, whole blocks of well-formed lines
    after the first thousand records come out as :class:`_Run` (same records).
    ``cursor`` follows the line numbers.
    """
    csv.field_size_limit(1 << 30)
    at = cursor if cursor is not None else _Cursor()
    span: list[str] = []

    def tracked() -> Iterator[str]:
        for line in lines:
            span.append(line)
            at.line += 1
            yield line

    # The usual width is decided on the first 1000 records, as in memory.
    head: list[tuple[int, list[str], list[str]]] = []
    width = -1
    for rec in csv.reader(tracked(), delimiter=delimiter):
        lines_of_rec = span[:]
        span.clear()
        head.append((at.line - len(lines_of_rec) + 1, rec, lines_of_rec))
        if len(head) >= 1000:
            width = _usual_width(head, delimiter)
            break
    if width < 0 and head:
        width = _usual_width(head, delimiter)
    for start, rec, lines_of_rec in head:
        for line_no, row in _resplit(rec, lines_of_rec, width, delimiter, start, at):
            at.start = line_no
            yield row
    head.clear()
    if width < 0:
        return
    # The rest: blocks of well-formed lines as runs (Arrow parses them), the
    # other blocks line by line. A line without a quote character is one record
    # whose cells the csv module would split exactly at the delimiter (no
    # quoting, and no line break inside: newlines are translated), and it is
    # never a stray quote; a line with a quote starts a record that the csv
    # module reads, pulling the lines it needs (it never reads ahead).
    src = iter(lines)
    blocks = lines if isinstance(lines, _Lines) else None
    # The rest of the block the head came from may be a run too.
    rest_of_head = blocks.take_rest() if blocks is not None else ""
    while True:
        if blocks is not None and blocks.at_block_end():
            text, rest_of_head = (rest_of_head or blocks.next_block()), ""
            if text is None:
                return
            run = _run_of(text, delimiter)
            if run is not None:
                run.first_line = at.line + 1
                at.line += run.n_lines()
                yield run
                continue
            blocks.load(text)
        line = next(src, None)
        if line is None:
            return
        at.line += 1
        at.start = at.line
        if '"' not in line:
            if line == "\n":
                yield []
            else:
                yield (line[:-1] if line[-1] == "\n" else line).split(delimiter)
            continue
        span.clear()
        span.append(line)

        def rest(first: str = line) -> Iterator[str]:
            yield first
            for more in src:
                span.append(more)
                at.line += 1
                yield more

        start = at.start
        for rec in csv.reader(rest(), delimiter=delimiter):
            for line_no, row in _resplit(rec, span[:], width, delimiter, start, at):
                at.start = line_no
                yield row
            break


def _chunks(
    items: Iterator[list[str] | _Run], size: int, delimiter: str, cursor: _Cursor
) -> Iterator[tuple[list[list[Any]], list[int]] | _Run]:
    """Records grouped in chunks of ``size``, each with the line number on
    which each record starts; runs pass through whole, except into the first
    chunk (header detection works on records)."""
    chunk: list[list[Any]] = []
    starts: list[int] = []
    first = True
    # Header detection needs only the top of the file: a short first chunk
    # leaves the rest to Arrow.
    limit = min(size, FIRST_CHUNK_ROWS)
    for r in items:
        if isinstance(r, _Run):
            if not first:
                if chunk:
                    yield chunk, starts
                    chunk, starts = [], []
                yield r
                continue
            # Only the lines the first chunk takes go through the csv module.
            records = r.head_records(delimiter, limit - len(chunk))
            for k, rec in enumerate(records):
                chunk.append(rec)
                starts.append(r.first_line + k)
                if len(chunk) >= limit:
                    yield chunk, starts
                    chunk, starts, first, limit = [], [], False, size
                    rest = r.after(k + 1)
                    if rest.text:  # the rest of the run stays a run
                        yield rest
                    break
            continue
        chunk.append(r)
        starts.append(cursor.start)
        if len(chunk) >= limit:
            yield chunk, starts
            chunk, starts, first, limit = [], [], False, size
    if chunk:
        yield chunk, starts


class _NulFree(io.RawIOBase):
    """A binary file without its NUL bytes."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while data := self.fh.read(len(b)):
            data = data.replace(b"\x00", b"")
            if data:
                b[: len(data)] = data
                return len(data)
        return 0

    def close(self) -> None:
        self.fh.close()
        super().close()


# Codecs in which a NUL byte is always a NUL character, alone: removing the
# bytes before decoding removes the characters the in-memory reader removes
# after decoding, and before it translates line ends ("\r\x00\n" is one).
_NUL_BYTE_CODECS = {"utf-8", "utf-8-sig", "cp1252", "iso8859-1", "mac-roman"}


def _open_text(path: Path, enc: _Encoding) -> Any:
    """The file as text with line ends translated (newline=None: \r\n and \r
    become \n, as the in-memory reader does before parsing, so csv sees the
    same lines), after its lines are decoded and then its NULs removed."""
    if not enc.n_nul and enc.legacy is None:
        return open(path, encoding=enc.name, errors=enc.errors, newline=None)  # noqa: SIM115
    raw: Any = (
        _PerLine(path, 3 if enc.bom else 0, enc.legacy)
        if enc.legacy is not None
        else open(path, "rb")  # noqa: SIM115 - closed with the wrapper
    )
    if enc.n_nul:
        raw = _NulFree(raw)
    return io.TextIOWrapper(
        io.BufferedReader(raw), encoding=enc.name, errors=enc.errors, newline=None
    )


def _delimiter(path: Path, enc: _Encoding) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    # Same sample as the in-memory reader: the first 50 lines.
    with _open_text(path, enc) as fh:
        lines = []
        for line in fh:
            lines.append(line)
            if len(lines) >= 50:
                break
    sample = "\n".join("".join(lines).split("\n", 50)[:50])
    return _sniff_delimiter(sample)


class _Source:
    """One big CSV read as frames of data rows, chunk by chunk (object
    columns, or Arrow text columns for the chunks Arrow parsed)."""

    def __init__(self, table: str, path: Path, config: Config, chunk_rows: int) -> None:
        from . import _load

        self.table, self.path, self.config, self.chunk_rows = table, path, config, chunk_rows
        self.enc = enc = _encoding(path, config.encoding_for(path))
        if enc.n_nul and codecs.lookup(enc.name).name not in _NUL_BYTE_CODECS:
            raise _NotStreamable("NUL characters in a multi-byte encoding")
        self.delimiter = _delimiter(path, enc)
        # The same notes as the in-memory reader.
        self.note = f"{enc.note}, delimiter {self.delimiter!r}"
        if enc.n_nul:
            self.note += f"; {enc.n_nul} NUL character(s) removed"
        self._load = _load
        self.mapping: dict[int, str] | None = None
        # Text is read in blocks of about a chunk of lines.
        self.block_chars = max(64, chunk_rows * 160)

    def frame(self, data: dict[str, np.ndarray], rows: list[int] | np.ndarray) -> pd.DataFrame:
        """A data frame of cells (object columns) with its provenance."""
        return self._with_provenance(pd.DataFrame(data, dtype=object), rows)

    def _with_provenance(self, frame: pd.DataFrame, rows: list[int] | np.ndarray) -> pd.DataFrame:
        """``frame`` with the file, sheet and line of each row."""
        frame["source_file"] = str(self.path)
        frame["source_sheet"] = ""
        frame["source_row"] = rows
        return frame

    def table_frame(self, table: pa.Table | pa.RecordBatch) -> pd.DataFrame:
        """The frame of an Arrow table of text cells and ``source_row``.

        Columns of text only stay in Arrow (``string`` columns, no Python
        string per cell): the cleaners read them in Arrow, and a text cell is
        the same text in either column type. A column with missing cells
        (padded short rows) is an object column, where they are None as in
        memory (a ``string`` column would hold NA, written differently).
        """
        names = table.schema.names[:-1]
        frame = pd.DataFrame(
            {
                n: (
                    pd.Series(table.column(k).to_numpy(zero_copy_only=False), dtype=object)
                    if table.column(k).null_count
                    else pd.Series(pd.arrays.ArrowStringArray(table.column(k)), copy=False)
                )
                for k, n in enumerate(names)
            }
        )
        return self._with_provenance(frame, table.column(len(names)).to_numpy())

    def frames(self, acc) -> Iterator[pd.DataFrame | pa.Table]:
        """Data rows as ``_sheet_frame`` builds them: object frames, or Arrow
        tables of text for runs. The first chunk goes through
        ``_sheet_frame`` itself (header, helper rows, notes, errors)."""
        _load = self._load
        rec: dict | None = None
        error_reject: pd.DataFrame | None = None
        cursor = _Cursor()
        items = _rows(
            self.path, self.enc, self.delimiter, block_chars=self.block_chars, cursor=cursor
        )
        for item in _chunks(items, self.chunk_rows, self.delimiter, cursor):
            if rec is None:
                assert not isinstance(item, _Run)  # the first chunk is records
                chunk, starts = item
                bad = {i: UNCLOSED_QUOTE for i, r in enumerate(chunk) if isinstance(r, _BadRow)}
                raw = RawSheet(
                    str(self.path), "", chunk, notes=[self.note], row_numbers=starts, bad_rows=bad
                )
                n_files, n_rej = len(acc.files), len(acc.rejects)
                frame = _load._sheet_frame(raw, self.table, self.config, acc)
                rec = acc.files[n_files]
                if (frame is None or not len(frame)) and not rec["error"]:
                    # The load report would say "header row only" of a file
                    # whose data start after the first chunk.
                    raise _NotStreamable("no data in the first chunk")
                if rec["error"]:
                    # Unusable sheet: every later data row is rejected the same way.
                    new = acc.rejects[n_rej:]
                    error_reject = new[0].iloc[:1] if new and len(new[0]) else None
                else:
                    alias_index = _load._alias_index(self.table, self.config)
                    scan = int(self.config["reading"]["header_scan_rows"])
                    found = find_header(chunk, alias_index, scan_rows=scan)
                    assert found is not None  # _sheet_frame found it too
                    self.mapping = found[1]
                if frame is not None and len(frame):
                    yield frame
                continue
            if isinstance(item, _Run):
                table = self.run_table(item, rec)
                if table is not None:
                    if table.num_rows:
                        yield table
                    continue
                # Arrow cannot: line by line.
                chunk = item.records(self.delimiter)
                starts = list(range(item.first_line, item.first_line + len(chunk)))
            else:
                chunk, starts = item
            blank = np.fromiter(map(_load._row_blank, chunk), dtype=bool, count=len(chunk))
            keep = np.flatnonzero(~blank)
            positions = [starts[i] for i in keep.tolist()]
            if not len(keep):
                continue
            rec["rows_read"] += len(keep)
            broken = [i for i in keep.tolist() if isinstance(chunk[i], _BadRow)]
            if broken:
                if self.mapping is None:
                    # In memory these come before the sheet's error rows.
                    raise _NotStreamable("unclosed quote in an unusable sheet")
                acc.reject_rows(
                    str(self.path),
                    "",
                    [starts[i] for i in broken],
                    "",
                    [_load._joined(chunk[i]) for i in broken],
                    UNCLOSED_QUOTE,
                )
                keep = np.array(
                    [i for i in keep.tolist() if not isinstance(chunk[i], _BadRow)], dtype=np.int64
                )
                positions = [starts[i] for i in keep.tolist()]
                if not len(keep):
                    continue
            if self.mapping is None:
                rec["rejected"] += len(keep)
                if error_reject is not None:
                    acc.rejects.append(
                        pd.DataFrame(
                            {
                                c: (
                                    positions
                                    if c == "row"
                                    else [error_reject[c].iloc[0]] * len(positions)
                                )
                                for c in error_reject.columns
                            }
                        )
                    )
                continue
            body = [chunk[i] for i in keep.tolist()]
            data = dict(
                zip(
                    self.mapping.values(),
                    _load._columns_of(body, list(self.mapping)),
                    strict=True,
                )
            )
            yield self.frame(data, positions)
        if rec is None:
            raise _NotStreamable("no rows at all")  # empty: the in-memory reader says so
        if cursor.broken:
            # The reader's note, known at the end: after its other notes.
            recovered = unclosed_quote_note(cursor.broken, cursor.swallowed)
            assert rec["notes"].startswith(self.note)
            rec["notes"] = f"{self.note}; {recovered}" + rec["notes"][len(self.note) :]

    def run_table(self, run: _Run, rec: dict) -> pa.Table | None:
        """The run's data rows: a table of text cells and ``source_row``.

        Arrow's CSV reader gives the csv module's cells for a run's lines
        (each is a well-formed record on one line). None when it cannot (a
        ragged line, fewer columns than the header maps) or the sheet is
        unusable: the run is then read line by line.
        """
        if self.mapping is None or len(self.delimiter) != 1:
            return None
        bounds, raw = run.bounds(), run.data
        # A line holding only its line end is empty: Arrow skips it, csv gives [].
        lengths = np.diff(bounds)
        lengths[np.frombuffer(raw, dtype=np.uint8)[bounds[1:] - 1] == 10] -= 1
        filled = np.flatnonzero(lengths > 0)
        if not len(filled):
            return pa.table({})
        i = int(filled[0])
        line = raw[bounds[i] : bounds[i] + lengths[i]].decode("utf-8")
        width = len(next(csv.reader([line], delimiter=self.delimiter)))
        if width <= max(self.mapping):
            return None
        names = [f"c{i}" for i in range(width)]
        try:
            table = pcsv.read_csv(
                pa.py_buffer(raw),
                read_options=pcsv.ReadOptions(column_names=names),
                parse_options=pcsv.ParseOptions(
                    delimiter=self.delimiter,
                    quote_char='"' if run.quoted else False,
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=False,
                    ignore_empty_lines=True,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        if table.num_rows != len(filled):
            return None
        # Blank rows (every cell empty or white space) are not data rows: the
        # rows with no ASCII letter or digit anywhere are checked exactly. A
        # column is searched only on the rows no earlier column ruled out.
        maybe = np.arange(table.num_rows)
        for col in table.columns:
            if not len(maybe):
                break
            cells = col.take(maybe) if len(maybe) < table.num_rows else col
            has = pc.match_substring_regex(cells, "[0-9A-Za-z]")
            maybe = maybe[~has.to_numpy(zero_copy_only=False)]
        keep = np.ones(table.num_rows, dtype=bool)
        for i in maybe.tolist():
            cells = [table.column(k)[i].as_py() for k in range(width)]
            keep[i] = not self._load._row_blank(cells)
        rows = filled[keep] + run.first_line
        rec["rows_read"] += len(rows)
        if not keep.all():
            table = table.filter(pa.array(keep))
        data = {name: table.column(pos) for pos, name in self.mapping.items()}
        data["source_row"] = pa.array(rows, type=pa.int64())
        return pa.table(data)


def _voting_columns(table: str) -> list[Column]:
    return [c for c in columns(table) if c.kind in _NUMERIC_KINDS or c.kind == "date"]


class _Spill:
    """The first pass's frames, kept for the second so the file is parsed once.

    The first frame (built by ``_sheet_frame``) stays in memory; the others
    hold only text or empty cells, which an Arrow string column keeps exactly,
    and go to a temporary Arrow file, read back one at a time with plain reads
    (a memory map would count the whole file in the resident memory).
    """

    def __init__(self, source: _Source, folder: Path) -> None:
        self.source, self.file = source, folder / "frames.arrow"
        self.items: list[pd.DataFrame | int] = []
        self.writer: pa.ipc.RecordBatchFileWriter | None = None
        self.schema: pa.Schema | None = None
        self.n_batches = 0

    def add(self, frame: pd.DataFrame | pa.Table) -> None:
        batch = None
        if isinstance(frame, pa.Table):
            batches = frame.combine_chunks().to_batches()
            if len(batches) == 1:
                batch = batches[0]
            else:  # not one contiguous batch: keep it as a frame
                frame = self.source.table_frame(frame)
        elif self.items:
            data = [c for c in frame.columns if c not in _PROVENANCE]
            try:
                arrays = [pa.array(frame[c].to_numpy(), type=pa.string()) for c in data]
                arrays.append(pa.array(frame["source_row"].to_numpy(), type=pa.int64()))
                batch = pa.RecordBatch.from_arrays(arrays, names=[*data, "source_row"])
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                batch = None  # not all text: keep it as it is
        if batch is None or (self.writer is not None and batch.schema != self.schema):
            if isinstance(frame, pa.Table):
                frame = self.source.table_frame(frame)
            self.items.append(frame)
            return
        if self.writer is None:
            self.schema = batch.schema
            self.writer = pa.ipc.new_file(str(self.file), batch.schema)
        self.writer.write_batch(batch)
        self.items.append(self.n_batches)
        self.n_batches += 1

    def frames(self) -> Iterator[pd.DataFrame]:
        handle = reader = None
        if self.writer is not None:
            self.writer.close()
            handle = pa.OSFile(str(self.file))
            reader = pa.ipc.open_file(handle)
        try:
            for i, item in enumerate(self.items):
                self.items[i] = -1  # each frame is read once: let it go
                if isinstance(item, pd.DataFrame):
                    yield item
                    continue
                assert reader is not None
                yield self.source.table_frame(reader.get_batch(item))
        finally:
            if handle is not None:
                handle.close()


_PROVENANCE = ("source_file", "source_sheet", "source_row")


def _first_pass(
    source: _Source, acc, spill: _Spill, on_rows: Callable[[int], None] | None = None
) -> dict[str, pd.Series]:
    """Read the file once: frames into ``spill`` and, per number/date column,
    the distinct values that can vote (the witnesses). ``on_rows`` is told
    the rows of each frame."""
    cols = _voting_columns(source.table)
    # Every date column votes in one store: day/month order is the file's.
    dates: dict[str, str] = {}
    seen: dict[str, dict[str, str]] = {c.name: dates if c.kind == "date" else {} for c in cols}
    # Parsing the next block overlaps spilling this one and finding its witnesses.
    for frame in prefetched(source.frames(acc)):
        if on_rows is not None:
            on_rows(frame.num_rows if isinstance(frame, pa.Table) else len(frame))
        spill.add(frame)
        names = frame.column_names if isinstance(frame, pa.Table) else frame.columns
        for c in cols:
            if c.name in names:
                _witnesses_of(c, frame[c.name], seen[c.name])
    return {k: pd.Series(list(v.values()), dtype=object) for k, v in seen.items() if v}


def _witnesses_of(c: Column, cells: pd.Series | pa.ChunkedArray, store: dict[str, str]) -> None:
    """Add the column's new voting values to ``store`` (shape -> first value)."""
    if isinstance(cells, pa.ChunkedArray):
        text, values = cells, None
    else:
        values = cells.to_numpy(dtype=object)
        text = None
        if c.kind != "date" and pd.api.types.infer_dtype(values, skipna=True) == "string":
            text = pa.array(values, pa.string())
    if c.kind != "date" and text is not None:
        # Amounts are nearly all distinct: fold in arrow, then visit only the
        # first value of each new shape, in file order.
        codes, uniq = pd.factorize(_fold_digits(text).to_numpy(zero_copy_only=False))
        # factorize numbers shapes by first occurrence; -1 is empty.
        found, first = np.unique(codes, return_index=True)
        for code, i in zip(found.tolist(), first.tolist(), strict=True):
            if code >= 0 and uniq[code] not in store:
                store[uniq[code]] = text[i].as_py() if values is None else values[i]
        return
    distinct = pc.unique(cells).to_pylist() if values is None else pd.unique(values).tolist()
    if c.kind == "date":
        for v in date_votes(distinct):
            store.setdefault(date_vote_key(v), v)
    else:
        for v in distinct:
            if isinstance(v, str):
                store.setdefault(v.translate(_DIGITS_1_9), v)


def _fold_digits(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Digits 1-9 as ``9`` (a number's shape).

    In UTF-8 an ASCII byte is always that character (bytes of other
    characters are all >= 0x80), so the digits are folded in the character
    bytes at once, keeping the offsets and nulls.
    """
    if isinstance(text, pa.ChunkedArray):
        return pa.chunked_array([_fold_digits(c) for c in text.chunks], type=text.type)
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        for d in "12345678":  # other layouts: literal replaces beat one regex
            text = pc.replace_substring(text, d, "9")
        return text
    validity, offsets, chars = text.buffers()
    if chars is None or not chars.size:
        return text
    b = np.frombuffer(chars, dtype=np.uint8)
    folded = np.where((b >= 0x31) & (b <= 0x38), np.uint8(0x39), b)
    return pa.Array.from_buffers(
        text.type,
        len(text),
        [validity, offsets, pa.py_buffer(folded)],
        null_count=text.null_count,
        offset=text.offset,
    )


class _Memo:
    """One column's clean values of the distinct texts seen in earlier chunks."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held while texts are looked up or added
        self.index: dict[object, int] = {}
        self.values: Any = None  # an ExtensionArray (or ndarray) of clean values
        self.problems: Any = None

    def add(self, texts: list[object], values: pd.Series, problems: pd.Series) -> None:
        start = len(self.index)
        self.index.update((t, start + i) for i, t in enumerate(texts))
        v, p = values.array, problems.array
        if self.values is None:
            self.values, self.problems = v, p
        else:
            self.values = type(v)._concat_same_type([self.values, v])
            self.problems = type(p)._concat_same_type([self.problems, p])


def _with_witnesses(
    witnesses: dict[str, pd.Series],
) -> Callable[[Column, pd.Series, Config], tuple[pd.Series, pd.Series]]:
    """A column cleaner that cleans a chunk together with the file's witnesses.

    With the witnesses every chunk sees the whole file's evidence, so a
    distinct text cleans the same in every chunk: repeated columns (dates,
    ministries, methods...) are cleaned once per distinct text in the file,
    not once per chunk.
    """
    from . import _load

    memos: dict[str, _Memo] = {}
    memos_lock = threading.Lock()

    def with_witnesses(
        col: Column, s: pd.Series, config: Config, whole: bool = False
    ) -> tuple[pd.Series, pd.Series]:
        # ``whole``: the chunk is known to be mostly distinct texts, so
        # looking for repeats again (with the witnesses) is wasted.
        clean = _load._clean_column_all if whole else _load._clean_column
        extra = witnesses.get(col.name)
        if extra is None or not len(extra):
            return clean(col, s, config)
        both = pd.concat([s, extra], ignore_index=True)
        values, problems = clean(col, both, config)
        n = len(s)
        return (
            values.iloc[:n].set_axis(s.index),
            problems.iloc[:n].set_axis(s.index),
        )

    def clean_column(col: Column, s: pd.Series, config: Config) -> tuple[pd.Series, pd.Series]:
        distinct = _load._distinct_texts(col, s)
        if distinct is None:
            if not len(witnesses.get(col.name, ())):
                # What _clean_column does with it (mostly distinct texts:
                # supplier names, contract ids), without factorising it again.
                return _load._clean_column_all(col, s, config)
            return with_witnesses(col, s, config, whole=True)
        codes, uniques = distinct
        with memos_lock:
            memo = memos.setdefault(col.name, _Memo())
        # Two chunks may be cleaned at once (``stream_file``): each new text is
        # still cleaned once, by whichever chunk meets it first.
        with memo.lock:
            texts = uniques.tolist()
            new = [u for u in texts if u not in memo.index]
            if new:
                memo.add(new, *with_witnesses(col, pd.Series(new, dtype=object), config))
            at = np.fromiter((memo.index[u] for u in texts), np.int64, len(uniques))
            values, problems = memo.values, memo.problems
        take = np.where(codes >= 0, at[np.maximum(codes, 0)], -1)
        return (
            pd.Series(values.take(take, allow_fill=True), index=s.index),
            pd.Series(problems.take(take, allow_fill=True), index=s.index),
        )

    return clean_column


def stream_file(
    table: str,
    path: Path,
    config: Config,
    acc,
    *,
    chunk_rows: int | None = None,
    bar: _Progress | None = None,
) -> bool:
    """Validate one big CSV/TSV chunk by chunk into ``acc``.

    ``bar`` (the loader's ``_Progress``) shows the rows read, then the chunks
    cleaned, when it is enabled (the CLI on a terminal).

    On success the per-file record and rejects are in ``acc.files`` and
    ``acc.rejects`` (cleaning rejects in ``acc.clean_rejects``) and the
    cleaned rows in ``acc.cleaned``; returns True.
    Returns False (``acc`` untouched) when the file needs the in-memory path.

    Raises
    ------
    FileUnusable
        When the text cannot be parsed (as the in-memory reader would).
    """
    from ._read.spreadsheet import FileUnusable

    path = Path(path)
    try:
        source = _Source(table, path, config, chunk_rows or CHUNK_ROWS)
    except _NotStreamable:
        return False
    n_files, n_rej = len(acc.files), len(acc.rejects)
    cleaned: list[pd.DataFrame] = []
    # Cleaning rejects per chunk, gathered so they come out in the in-memory
    # order: rejected rows in file order, then cells set to unknown by column.
    chunk_acc = source._load._Accumulator()
    try:
        with tempfile.TemporaryDirectory(prefix="ospo_stream_", dir=config.temp_dir) as tmp:
            spill = _Spill(source, Path(tmp))
            shown = bar if bar is not None and bar.enabled else None
            on_rows = None
            if shown is not None:
                size = f"{path.stat().st_size / 1e6:,.0f} MB"
                reading = shown.start(f"reading {path.name} ({size})")
                on_rows = functools.partial(shown.advance, reading)
            witnesses = _first_pass(source, acc, spill, on_rows)
            if shown is not None:
                shown.finish(reading, f"read {path.name}")
                cleaning = shown.start(f"cleaning {path.name}", total=len(spill.items))
            # Chunks are cleaned two at a time, on two lanes: most of the
            # cleaning is Arrow and NumPy kernels that release the GIL. Each
            # chunk has its own rejects, taken in chunk order.
            cleaner = _with_witnesses(witnesses)

            def clean(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
                part = source._load._Accumulator()
                out = source._load._clean_frame(table, frame, config, part, clean_column=cleaner)
                return out, part.rejects

            for out, rejects in in_order(clean, spill.frames()):
                cleaned.append(out)
                chunk_acc.rejects.extend(rejects)
                if shown is not None:
                    shown.advance(cleaning)
            if shown is not None:
                shown.finish(cleaning, f"cleaned {path.name}")
    except _NotStreamable:
        del acc.files[n_files:], acc.rejects[n_rej:]
        return False
    except csv.Error as exc:
        del acc.files[n_files:], acc.rejects[n_rej:]
        raise FileUnusable(f"cannot parse as delimited text: {exc}") from None
    except OSError as exc:
        from ._read.archives import is_no_space, no_space

        if not is_no_space(exc):
            raise
        del acc.files[n_files:], acc.rejects[n_rej:]
        raise no_space(config.temp_dir or tempfile.gettempdir()) from None
    acc.clean_rejects.extend(chunk_acc.rejects)  # ordered with the other files'
    if cleaned:
        acc.cleaned.append(
            pd.concat(cleaned, ignore_index=True) if len(cleaned) > 1 else cleaned[0]
        )
    return True


__all__ = ["CHUNK_ROWS", "CSV_STREAM_MIN_MB", "STREAM_MIN_MB", "should_stream", "stream_file"]
