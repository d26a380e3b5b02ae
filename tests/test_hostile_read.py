"""Hostile input at the reader: files built to exhaust memory or time, to
make one bad record take its neighbours with it, or to mix encodings.

Each case asserts: no crash (a ``FileUnusable`` message or a load report
entry instead), exact row accounting (every data line loaded, filtered or
rejected with its row number), and a message naming file, sheet and limit.
Memory is measured with ``resource.getrusage`` in a subprocess, never time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from ospo_analytics._config import ConfigError, load_config
from ospo_analytics._load import read_procurement
from ospo_analytics._read.spreadsheet import (
    UNCLOSED_QUOTE,
    FileUnusable,
    ReadLimits,
    read_raw,
)

HEADER = "Ministry;Supplier;Amount;Award date"
GB = 1 << 30

# ------------------------------------------------------------------ builders

_CT = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_BOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Contracts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_BOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _cell(ref: str, v: object) -> str:
    if isinstance(v, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
    return f'<c r="{ref}"><v>{v}</v></c>'


def _sheet_xml(rows: list[list[object]], extra: str = "", padding: int = 0) -> bytes:
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{'ABCDEFGH'[j]}{i}", v) for j, v in enumerate(row))
        body.append(f'<row r="{i}">{cells}</row>')
    xml = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><dimension ref="A1:D3"/><sheetData>'
        + "".join(body)
        + extra
        + "</sheetData></worksheet>"
    )
    return xml.encode() + b" " * padding if padding else xml.encode()


def _raw_xlsx(path: Path, sheet: bytes | list[bytes | int]) -> Path:
    """A minimal workbook written byte by byte (what a hostile tool can do).

    ``sheet`` may be a list of byte strings and ints (that many spaces),
    streamed into the zip so the test itself stays small in memory.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _BOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for piece in [sheet] if isinstance(sheet, bytes) else sheet:
                if isinstance(piece, int):
                    block = b" " * (1 << 20)
                    for _ in range(piece >> 20):
                        fh.write(block)
                else:
                    fh.write(piece)
    return path


ROWS = [
    ["Ministry", "Supplier", "Amount", "Award date"],
    ["Health", "ACME Ltd", 100, "2021-03-04"],
    ["Education", "Globex", 250, "2021-05-06"],
]


def _ods(path: Path, rows_xml: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Contracts">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


def _ods_row(values: list[object], repeat: int = 1, trailing_empty: int = 0) -> str:
    cells = []
    for v in values:
        if isinstance(v, str):
            cells.append(
                f'<table:table-cell office:value-type="string"><text:p>{v}</text:p>'
                "</table:table-cell>"
            )
        else:
            cells.append(
                f'<table:table-cell office:value-type="float" office:value="{v}">'
                f"<text:p>{v}</text:p></table:table-cell>"
            )
    if trailing_empty:
        cells.append(f'<table:table-cell table:number-columns-repeated="{trailing_empty}"/>')
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{''.join(cells)}</table:table-row>"


def _csv(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def _data_lines(n: int, start: int = 0) -> list[str]:
    return [f"Health;Supplier {i:03d};{100 + i};2021-03-04" for i in range(start, start + n)]


def _report(res, path: Path) -> dict:
    rec = res.files[res.files["file"] == str(path)]
    assert len(rec) == 1, res.files
    return rec.iloc[0].to_dict()


def _accounted(res, path: Path, data_rows: int) -> dict:
    """Every data row of ``path`` is loaded, filtered or rejected, and the
    report agrees with rejects.csv; returns the report row."""
    rec = _report(res, path)
    assert rec["rows_read"] == data_rows, rec
    assert rec["rows_read"] == rec["loaded"] + rec["filtered"] + rec["rejected"], rec
    rej = res.rejects[
        (res.rejects["file"] == str(path)) & (res.rejects["action"] == "row rejected")
    ]
    assert len(rej) == rec["rejected"], rej
    assert not rej.duplicated(["file", "sheet", "row"]).any()
    assert int((res.table["source_file"] == str(path)).sum()) == rec["loaded"]
    return rec


@pytest.fixture
def good(tmp_path) -> Path:
    return _csv(tmp_path / "good.csv", [HEADER, *_data_lines(3)])


def _maxrss_of(code: str) -> tuple[int, str]:
    """Run ``code`` in a fresh interpreter; its peak memory (bytes) and stdout."""
    # Linux keeps ru_maxrss across exec, so a child would report the test
    # process's own peak: the child's VmHWM (its own high-water mark) is
    # read first, getrusage where /proc is missing.
    script = textwrap.dedent(code) + textwrap.dedent(
        """
        import re, resource
        try:
            with open("/proc/self/status") as fh:
                peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", fh.read()).group(1)) * 1024
        except (OSError, AttributeError):
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print("MAXRSS", peak)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    rss = int(out.stdout.rsplit("MAXRSS", 1)[1])
    return rss, out.stdout


# ------------------------------------------------------- workbooks: dimensions


def test_one_cell_at_xfd1048576_is_refused_before_reading(tmp_path, good):
    """The 549 GB bounding box: refused from the XML, other files still load,
    the process stays small (measured in a subprocess)."""
    bomb = _raw_xlsx(
        tmp_path / "bomb.xlsx",
        _sheet_xml(ROWS, extra='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    )
    assert bomb.stat().st_size < 5000
    with pytest.raises(FileUnusable) as err:
        read_raw(bomb)
    msg = str(err.value)
    assert "'Contracts'" in msg and "XFD1048576" in msg
    assert "max_sheet_cells" in msg and "17,179,869,184 cells" in msg
    rss, out = _maxrss_of(
        f"""
        import json
        from ospo_analytics._load import read_procurement
        res = read_procurement([{str(bomb)!r}, {str(good)!r}])
        print(json.dumps([res.files["error"].tolist(), len(res.table)]))
        """
    )
    errors, loaded = json.loads(out.splitlines()[0])
    assert loaded == 3 and "max_sheet_cells" in errors[0]
    assert rss < 2 * GB


def test_the_cli_names_the_file_sheet_and_setting_without_a_traceback(tmp_path, good):
    data = tmp_path / "data"
    data.mkdir()
    _raw_xlsx(
        data / "bomb.xlsx",
        _sheet_xml(ROWS, extra='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    )
    (data / "good.csv").write_bytes(good.read_bytes())
    (tmp_path / "ospo.toml").write_text(
        '[inputs]\nprocurement = ["data/*.xlsx", "data/*.csv"]\ninventory = []\n'
        "questionnaire = []\ndemo_if_missing = false\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "ospo_analytics", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**__import__("os").environ, "COLUMNS": "300"},
    )
    assert out.returncode == 1, out.stderr
    text = " ".join((out.stdout + out.stderr).split())
    assert "Traceback" not in text
    assert "unusable: data/bomb.xlsx: sheet 'Contracts' spans 1,048,576 rows" in text
    assert "(limit [limits] max_sheet_cells in ospo.toml)" in text


def test_box_over_a_configured_limit_names_file_sheet_and_setting(tmp_path, good):
    (tmp_path / "ospo.toml").write_text("[limits]\nmax_sheet_cells = 8\n")
    config = load_config(root=tmp_path)
    book = _raw_xlsx(tmp_path / "wide.xlsx", _sheet_xml(ROWS))  # 3 x 4 = 12 cells
    res = read_procurement([book, good], config)
    err = _report(res, book)["error"]
    assert "'Contracts'" in err and "12 cells" in err
    assert "limit of 8 cells" in err and "[limits] max_sheet_cells" in err
    assert len(res.table) == 3  # the other file is still processed
    # Under the default limit the same workbook loads.
    ok = read_procurement([book])
    assert _report(ok, book)["loaded"] == 2


def test_forged_dimension_alone_is_not_a_reason_to_refuse(tmp_path):
    """calamine sizes the sheet from the cells, not from <dimension>."""
    xml = _sheet_xml(ROWS).replace(b'ref="A1:D3"', b'ref="A1:XFD1048576"')
    book = _raw_xlsx(tmp_path / "dim.xlsx", xml)
    (sheet,) = read_raw(book)
    assert len(sheet.rows) == 3 and sheet.rows[1][:2] == ["Health", "ACME Ltd"]


def test_cells_without_references_are_bounded_too(tmp_path):
    cells = "".join("<c><v>1</v></c>" for _ in range(20))
    xml = _sheet_xml(ROWS, extra=f'<row r="4">{cells}</row>')
    book = _raw_xlsx(tmp_path / "noref.xlsx", xml)
    with pytest.raises(FileUnusable, match="4 rows x 20 columns"):
        read_raw(book, limits=ReadLimits(max_sheet_cells=50))
    assert len(read_raw(book)[0].rows) == 4


def test_ods_repeated_rows_bomb_is_refused(tmp_path):
    rows = _ods_row(["Ministry", "Supplier", "Amount"]) + _ods_row(
        ["Health", "ACME", 1], repeat=20_000_000
    )
    book = _ods(tmp_path / "bomb.ods", rows)
    assert book.stat().st_size < 5000
    with pytest.raises(FileUnusable) as err:
        read_raw(book)
    msg = str(err.value)
    assert "20,000,001 rows x 3 columns" in msg
    assert "max_sheet_cells" in msg and "'Contracts'" in msg


def test_ods_trailing_empty_repeats_as_libreoffice_writes_them_load(tmp_path):
    rows = (
        _ods_row(["Ministry", "Supplier", "Amount"], trailing_empty=16381)
        + _ods_row(["Health", "ACME", 1], trailing_empty=16381)
        + '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    book = _ods(tmp_path / "lo.ods", rows)
    rss, out = _maxrss_of(
        f"""
        from ospo_analytics._read.spreadsheet import read_raw
        (s,) = read_raw({str(book)!r})
        print([r for r in s.rows if any(c not in ("", None) for c in r)])
        """
    )
    assert "[['Ministry', 'Supplier', 'Amount'], ['Health', 'ACME', 1.0]]" in out
    assert rss < 2 * GB


# ------------------------------------------------- workbooks: decompressed size


def test_zip_bomb_sheet_is_refused_by_ratio(tmp_path, good):
    """70 MB of padding that packs into a few dozen KB."""
    book = _raw_xlsx(tmp_path / "padded.xlsx", _sheet_xml(ROWS, padding=70 << 20))
    assert book.stat().st_size < 1 << 20
    res = read_procurement([book, good])
    err = _report(res, book)["error"]
    assert "max_compression_ratio" in err and "zip bomb" in err
    assert len(res.table) == 3


def test_unpacked_size_over_the_configured_limit(tmp_path):
    book = _raw_xlsx(tmp_path / "big.xlsx", _sheet_xml(ROWS, padding=3 << 20))
    with pytest.raises(FileUnusable, match=r"over the limit of 2,097,152.*max_decompressed_mb"):
        read_raw(book, limits=ReadLimits(max_decompressed_bytes=2 << 20))


def test_sizes_declared_in_the_zip_directory_cannot_hide_the_real_size(tmp_path, monkeypatch):
    """The streaming budget counts the bytes really inflated, so a directory
    that understates them (checked here by bypassing the directory check)
    still stops at the limit."""
    from ospo_analytics._read import spreadsheet

    book = _raw_xlsx(tmp_path / "liar.xlsx", _sheet_xml(ROWS, padding=3 << 20))
    monkeypatch.setattr(spreadsheet, "_check_zip", lambda *a: None)
    with pytest.raises(FileUnusable, match="sheet 'Contracts' unpacks to more than"):
        read_raw(book, limits=ReadLimits(max_decompressed_bytes=2 << 20))


def test_padded_sheet_scan_is_bounded_in_memory(tmp_path):
    """Padding between tags (no '</c>' for hundreds of MB) used to be carried
    and re-copied on every chunk: quadratic time, memory growing with it.
    The scan now keeps at most one tag between chunks."""
    head, tail = _sheet_xml(ROWS[:2]).split(b"<sheetData>")
    body, end = tail.split(b"</sheetData>")
    pad = 256 << 20
    book = _raw_xlsx(
        tmp_path / "pad.xlsx", [head, b"<sheetData>", pad, body, pad, b"</sheetData>", end]
    )
    rss, out = _maxrss_of(
        f"""
        import zipfile
        from pathlib import Path
        from ospo_analytics._read import spreadsheet as s
        with zipfile.ZipFile({str(book)!r}) as zf:
            budget = s._Budget(Path({str(book)!r}), s.ReadLimits(max_decompressed_bytes=1 << 30))
            scan = s._scan_sheet_xml(zf, "xl/worksheets/sheet1.xml", "Contracts", budget)
        print(scan.max_row, scan.max_col, budget.used)
        """
    )
    max_row, max_col, used = map(int, out.split()[:3])
    assert (max_row, max_col) == (2, 4) and used > 512 << 20
    assert rss < 300 << 20  # a few 4 MiB chunks, not the padding


def test_a_tag_longer_than_any_program_writes_is_refused(tmp_path):
    # Longer than a read chunk plus the carry allowance, so it is always caught.
    attr = "x" * (6 << 20)
    xml = _sheet_xml(ROWS, extra=f'<row r="4" junk="{attr}"><c r="A4"><v>1</v></c></row>')
    book = _raw_xlsx(tmp_path / "tag.xlsx", xml)
    with pytest.raises(FileUnusable, match="sheet 'Contracts' holds an XML tag"):
        read_raw(book)


def test_error_cells_split_across_chunks_are_still_found(tmp_path, monkeypatch):
    """The linear scan cuts at tag boundaries but keeps a small open cell whole."""
    from ospo_analytics._read import spreadsheet

    monkeypatch.setattr(spreadsheet, "_CHUNK", 7)
    extra = '<row r="4"><c r="A4" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="B4"><f>A1</f></c></row>'
    book = _raw_xlsx(tmp_path / "err.xlsx", _sheet_xml(ROWS, extra=extra))
    (sheet,) = read_raw(book)
    assert sheet.rows[3][0] == "#DIV/0!"
    assert any("1 formula cell(s) have no saved result" in n for n in sheet.notes)


# ------------------------------------------------------------ CSV: quotes


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_one_unclosed_quote_takes_no_neighbour_with_it(tmp_path, good, where):
    lines = [HEADER, *_data_lines(50)]
    bad_at = {"start": 1, "middle": 25, "end": 50}[where]
    lines[bad_at] = lines[bad_at].replace(";Supplier", ';"Supplier')
    path = _csv(tmp_path / f"quote_{where}.csv", lines)
    res = read_procurement([path, good])
    rec = _accounted(res, path, 50)
    assert rec["loaded"] == 49 and rec["rejected"] == 1
    rej = res.rejects[res.rejects["file"] == str(path)].iloc[0]
    assert rej["row"] == bad_at + 1  # the line an editor shows
    assert rej["problem"] == UNCLOSED_QUOTE and "Supplier" in rej["value"]
    assert "unclosed quote on line(s)" in rec["notes"]
    got = sorted(res.table.loc[res.table["source_file"] == str(path), "supplier"])
    assert len(got) == 49 and f"Supplier {bad_at - 1:03d}" not in got


def test_unclosed_quote_that_resyncs_on_a_later_quote(tmp_path):
    """The swallow ends at the next quoted cell and the field count looks right."""
    lines = [HEADER, *_data_lines(10)]
    lines[3] = 'Health;"Broken Ltd;103;2021-03-04'
    lines[8] = 'Health;"Quoted; Sons";108;2021-03-04'
    path = _csv(tmp_path / "resync.csv", lines)
    res = read_procurement([path])
    rec = _accounted(res, path, 10)
    assert rec["loaded"] == 9
    sup = set(res.table["supplier"])
    assert "Quoted; Sons" in sup and "Supplier 004" in sup


def test_unclosed_quote_in_the_header_keeps_the_header(tmp_path):
    lines = ['Ministry;"Supplier;Amount;Award date', *_data_lines(20)]
    path = _csv(tmp_path / "head.csv", lines)
    res = read_procurement([path])
    rec = _accounted(res, path, 20)
    assert rec["loaded"] == 20 and not rec["error"]


def test_real_multiline_cells_are_kept_whole(tmp_path):
    lines = [
        HEADER,
        'Health;"ACME\nServices; Ltd";100;2021-03-04',
        *_data_lines(3),
    ]
    path = _csv(tmp_path / "multi.csv", lines)
    (sheet,) = read_raw(path)
    assert sheet.rows[1][1] == "ACME\nServices; Ltd" and not sheet.bad_rows
    assert list(sheet.row_numbers) == [1, 2, 4, 5, 6]
    res = read_procurement([path])
    rec = _accounted(res, path, 4)
    assert rec["loaded"] == 4
    assert res.table["source_row"].tolist() == [2, 4, 5, 6]


# --------------------------------------------------------- CSV: encodings


def test_one_cp1252_line_in_a_utf8_file_decodes_that_line_only(tmp_path):
    rows = [HEADER] + [f"Ministère de la Santé;Société {i};{i};2021-03-04" for i in range(20)]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    odd = "Ministère de la Santé;Caraïbes Café;99;2021-03-04\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(data + odd)
    res = read_procurement([path])
    rec = _accounted(res, path, 21)
    assert rec["loaded"] == 21
    assert set(res.table["ministry"]) == {"Ministère de la Santé"}  # one ministry, not two
    assert "Caraïbes Café" in set(res.table["supplier"])
    assert "line(s) in cp1252 (line 22)" in rec["notes"]


def test_bom_and_mixed_encodings(tmp_path):
    good = "Ministerio de Educación;Compañía Ñandú;1;2021-03-04\n".encode()
    odd = "Ministerio de Educación;Informática São João;2;2021-03-04\n".encode("cp1252")
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\n").encode() + good + odd + good)
    res = read_procurement([path])
    _accounted(res, path, 3)
    assert set(res.table["ministry"]) == {"Ministerio de Educación"}
    assert "Informática São João" in set(res.table["supplier"])


def test_binary_garbage_line_in_a_utf8_file_is_rejected_with_its_line(tmp_path):
    rows = [HEADER, *("Santé;" + r.split(";", 1)[1] for r in _data_lines(5))]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    path = tmp_path / "garbage.csv"
    path.write_bytes(data + b"\xa2\xa6\xac\xb6;\xb8\xbd;\xf7;\xa2\n")
    res = read_procurement([path])
    rec = _accounted(res, path, 6)
    assert rec["loaded"] == 5 and rec["rejected"] == 1
    rej = res.rejects[res.rejects["file"] == str(path)].iloc[0]
    assert rej["row"] == 7 and "line 7 is not UTF-8" in rej["problem"]


def test_nul_bytes_are_removed_and_said(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes((HEADER + "\n").encode() + b"Health;AC\x00ME;1;2021-03-04\n")
    res = read_procurement([path])
    rec = _accounted(res, path, 1)
    assert res.table["supplier"].tolist() == ["ACME"]
    assert "1 NUL character(s) removed" in rec["notes"]


def test_cr_only_macroman_export(tmp_path):
    lines = [HEADER] + [f"Éducation;Société Générale {i};{i};2021-03-04" for i in range(8)]
    path = _csv(tmp_path / "mac.csv", lines, "mac_roman", "\r")
    res = read_procurement([path])
    rec = _accounted(res, path, 8)
    assert set(res.table["ministry"]) == {"Éducation"}
    assert rec["notes"].startswith("encoding mac_roman (") and "CR-only line ends" in rec["notes"]


def test_utf16_without_bom_and_blank_lines(tmp_path):
    lines = [HEADER, "", *_data_lines(3), "", ""]
    path = tmp_path / "u16.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-16-le"))
    res = read_procurement([path])
    rec = _accounted(res, path, 3)
    assert rec["loaded"] == 3 and "utf-16-le" in rec["notes"]


def test_forced_encoding_per_glob(tmp_path):
    (tmp_path / "ospo.toml").write_text(
        '[reading.encoding]\n"legacy/*.csv" = "mac_roman"\n', encoding="utf-8"
    )
    (tmp_path / "legacy").mkdir()
    lines = [HEADER, "Health;Société;1;2021-03-04"]
    forced = _csv(tmp_path / "legacy" / "a.csv", lines, "mac_roman")
    free = _csv(tmp_path / "b.csv", lines, "cp1252")
    config = load_config(root=tmp_path)
    assert config.encoding_for(forced) == "mac_roman" and config.encoding_for(free) is None
    res = read_procurement([forced, free], config)
    assert res.table["supplier"].tolist() == ["Société", "Société"]
    assert "set in ospo.toml [reading.encoding]" in _report(res, forced)["notes"]
    assert "encoding cp1252 (" in _report(res, free)["notes"]


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[reading.encoding]\n"*.csv" = "klingon"\n', "not a text encoding"),
        ('[reading.encoding]\n"*.csv" = "base64"\n', "not a text encoding"),
        ('[reading]\nencoding = "cp1252"\n', "must be a table"),
        ("[limits]\nmax_sheet_cells = -1\n", "must be a positive number"),
        (
            '[limits]\nmax_decompressed_mb = "big"\n',
            r"max_decompressed_mb must be an integer, got a string 'big'",
        ),
        ("[limits]\nmax_rows = 10\n", "unknown setting"),
    ],
)
def test_bad_reading_settings_are_config_errors(tmp_path, toml, message):
    (tmp_path / "ospo.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_config(root=tmp_path)


def test_a_hostile_batch_accounts_for_every_line_under_2gb(tmp_path):
    """All the CSV cases at once, in a subprocess: each file's rows add up."""
    files = []
    for k in range(5):
        lines = [HEADER, *_data_lines(30)]
        lines[1 + 6 * k] = lines[1 + 6 * k].replace(";Supplier", ';"Supplier')
        files.append(_csv(tmp_path / f"q{k}.csv", lines, "cp1252", ["\n", "\r\n", "\r"][k % 3]))
    rss, out = _maxrss_of(
        f"""
        import json
        from ospo_analytics._load import read_procurement
        res = read_procurement({[str(f) for f in files]!r})
        f = res.files
        rej = res.rejects[res.rejects["action"] == "row rejected"]
        print(json.dumps([f["rows_read"].tolist(), f["loaded"].tolist(),
                          f["rejected"].tolist(), len(rej), len(res.table)]))
        """
    )
    read, loaded, rejected, n_rej, n_table = json.loads(out.splitlines()[0])
    assert read == [30] * 5 and loaded == [29] * 5 and rejected == [1] * 5
    assert n_rej == 5 and n_table == 145
    assert rss < 2 * GB


@pytest.mark.parametrize(
    "stray, rows",
    [
        ('<c r="B9"><v>1</v></c>', 9),  # same digit count as the row tags
        ('<c r="B1048576"><v>1</v></c>', 1048576),  # more digits than any row tag
    ],
)
def test_a_cell_hidden_in_an_earlier_row_tag_still_counts(tmp_path, stray, rows):
    """Row tags give the height cheaply; a cell whose reference lies below
    its row tag is what calamine places, so it is measured exactly."""
    xml = _sheet_xml(ROWS).replace(b"</row></sheetData>", stray.encode() + b"</row></sheetData>")
    book = _raw_xlsx(tmp_path / "hidden.xlsx", xml)
    with pytest.raises(FileUnusable, match=f"spans {rows:,} rows x 4 columns"):
        read_raw(book, limits=ReadLimits(max_sheet_cells=20))
