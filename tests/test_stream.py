"""Streaming validation of big CSV/TSV files gives exactly the in-memory result.

Each case loads the same files twice: in memory, and through ``_stream`` with
the size threshold at 0 and a tiny chunk size (so every file is cut into many
chunks, and evidence for dates and numbers sits in other chunks than the
values it decides). Canonical rows, rejects and the load report must be equal.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ospo_analytics import _stream
from ospo_analytics._config import load_config
from ospo_analytics._load import read_inventory, read_procurement

REALDATA = Path(
    os.environ.get("OSPO_REALDATA", Path(__file__).parents[1] / ".." / "shared" / "realdata")
)

PROC_HEADER = "Ministry,Supplier,Amount,Award date,Procurement method,Number of tenderers\n"


@pytest.fixture(autouse=True)
def _two_lanes(monkeypatch):
    """Chunks are cleaned two at a time wherever a second core exists: force
    the second lane, so a one-core runner tests the same path."""
    from ospo_analytics import _lanes as lanes

    monkeypatch.setattr(lanes, "_spare_core", lambda: True)


def _both(reader, paths, config, monkeypatch, chunk_rows: int) -> tuple:
    """(in-memory result, streamed result, number of files streamed)."""
    monkeypatch.setattr(_stream, "csv_stream_threshold_bytes", lambda c: float("inf"))
    a = reader(paths, config)
    calls = []
    real = _stream.stream_file

    def spy(*args, **kw):
        ok = real(*args, **{**kw, "chunk_rows": chunk_rows})
        calls.append(ok)
        return ok

    monkeypatch.setattr(_stream, "csv_stream_threshold_bytes", lambda c: 0.0)
    monkeypatch.setattr(_stream, "stream_file", spy)
    b = reader(paths, config)
    return a, b, sum(calls)


def _assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(
        a.rejects.reset_index(drop=True), b.rejects.reset_index(drop=True), check_dtype=False
    )
    pd.testing.assert_frame_equal(a.files, b.files)
    pd.testing.assert_frame_equal(a.vendor_merges, b.vendor_merges)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_real_us_it_dashboard_csv_streamed_equals_in_memory(tmp_path, monkeypatch):
    src = REALDATA / "procurement" / "us_itdashboard" / "itdashboard_contracts_2012.csv"
    if not src.exists():
        pytest.skip(f"real data not found at {src} (set OSPO_REALDATA)")
    from tests.test_load import US_CONFIG

    cfg_path = tmp_path / "ospo.toml"
    cfg_path.write_text(textwrap.dedent(US_CONFIG))
    config = load_config(cfg_path)
    a, b, streamed = _both(read_procurement, [src], config, monkeypatch, chunk_rows=250)
    assert streamed == 1
    assert len(a.table) > 2000 and len(a.rejects) > 0  # a real mix of loaded and rejected
    _assert_same(a, b)


def test_messy_procurement_csv_across_chunk_boundaries(tmp_path, monkeypatch):
    rows = ["Republic of Tamarind: contracts\r\n", "\r\n", PROC_HEADER.replace("\n", "\r\n")]
    for i in range(60):
        amount = ["1.234", "TT$ 5,000.00", "approx 5", "", "-7", "12"][i % 6]
        date = ["05/06/2021", "2021-03-04", "not a date", "07/08/2020"][i % 4]
        rows.append(
            f'Ministry {i % 3},"Supplier {i % 4}, Ltd",{amount},{date},Open tender,{i % 5}\r\n'
        )
        if i % 17 == 0:
            rows.append(",,,,,\r\n")  # blank row: not data, not counted
        if i % 23 == 0:
            rows.append("Ministry 9,Short row\r\n")  # ragged: padded, then rejected
    # Evidence at the very end: a comma decimal (so "1.234" is 1234 ... unless
    # a dot decimal also shows) and a month-first-only date.
    rows.append('Ministry 1,Supplier 1,"12,50",12/31/2021,Direct award,"1\nline two"\r\n')
    path = _write(tmp_path / "contracts.csv", "".join(rows))
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=7)
    assert streamed == 1
    assert (a.rejects["action"] == "row rejected").any()
    assert (a.rejects["action"] != "row rejected").any()
    _assert_same(a, b)


def test_header_repeats_and_totals_lines_stream_as_they_load_in_memory(tmp_path, monkeypatch):
    rows = [PROC_HEADER]
    for i in range(30):
        rows.append(f"Ministry {i % 3},Supplier {i},{i + 1},2021-03-04,Open tender,2\n")
        if i % 11 == 10:
            rows.append(PROC_HEADER)  # a paginated export repeats its header
    rows.append("Grand Total,,465,,,\n")
    path = _write(tmp_path / "paged.csv", "".join(rows))
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=5)
    assert streamed == 1
    _assert_same(a, b)
    assert len(a.table) == 30 and a.table["amount"].sum() == 465
    assert a.files["filtered"].tolist() == [3] and a.files["rejected"].tolist() == [0]


def test_day_month_order_is_the_files_not_each_columns(tmp_path, monkeypatch):
    # A US export proves month-first in its award dates (01/27/2023) only; its
    # end dates all read both ways and were read day-first (03/04 -> 3 April).
    # A second file writes both orders: its ambiguous dates are unknown.
    head = "Ministry,Supplier,Amount,Award date,End date\n"
    us = head + "".join(
        f"M,S{i},1,{a},{e}\n"
        for i, (a, e) in enumerate(
            [("03/02/2023", "03/04/2025"), ("05/06/2023", "06/01/2026")] * 6
            + [("01/27/2023", "11/10/2026")]
        )
    )
    mixed = head + "M,S,1,12/31/2023,\nM,S,1,31/12/2023,\nM,S,1,03/04/2023,\n"
    paths = [_write(tmp_path / "us.csv", us), _write(tmp_path / "mixed.csv", mixed)]
    a, b, streamed = _both(read_procurement, paths, load_config(), monkeypatch, chunk_rows=4)
    assert streamed == 2
    _assert_same(a, b)
    t = a.table.assign(f=a.table["source_file"].str.rsplit("/", n=1).str[-1])
    us_ends = t.loc[t["f"] == "us.csv", "end_date"].dt.strftime("%Y-%m-%d")
    assert us_ends.iloc[:2].tolist() == ["2025-03-04", "2026-06-01"]
    assert t.loc[t["f"] == "mixed.csv", "award_date"].isna().tolist() == [False, False, True]
    why = a.rejects.loc[a.rejects["value"] == "03/04/2023", "problem"].tolist()
    assert len(why) == 1 and why[0].startswith("ambiguous date '03/04/2023'")


@pytest.mark.parametrize(
    ("name", "text", "encoding"),
    [
        ("semicolon_bom.csv", "\ufeffMinistère;Fournisseur;Montant\nA;B;1.234,5\nC;D;7\n", "utf-8"),
        ("tabs.tsv", "Ministry\tSupplier\tAmount\nA\tB\t1,234\nC\tD\t1,5\n", "utf-8"),
        ("nul.csv", "Ministry,Supplier,Amount\nA,B\x00,1\nC,D,2\n", "utf-8"),
        ("cr_only.csv", "Ministry,Supplier,Amount\rA,B,1\r\rC,D,2\r", "utf-8"),
        ("latin1.csv", "Ministry,Supplier,Amount\nSanté,Bé,1\nC,D,2\n", "cp1252"),
        ("utf16.csv", "Ministry,Supplier,Amount\nA,B,1\nC,D,2\n", "utf-16"),
        ("no_header.csv", "".join(f"x{i},y{i},{i}\n" for i in range(40)), "utf-8"),
        (
            "no_amount.csv",
            "Ministry,Supplier\n" + "".join(f"M{i},S{i}\n" for i in range(9)),
            "utf-8",
        ),
        ("header_only.csv", PROC_HEADER, "utf-8"),
        ("empty.csv", "", "utf-8"),
        ("blank.csv", "\n \n,,\n", "utf-8"),
        ("bad_quotes.csv", 'Ministry,Supplier,Amount\nA,"B "x" y,1\nC,D,2\n', "utf-8"),
    ],
)
def test_messy_text_files_stream_or_fall_back_identically(
    tmp_path, monkeypatch, name, text, encoding
):
    path = _write(tmp_path / name, text, encoding)
    a, b, _ = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=2)
    _assert_same(a, b)


def _rows_text(n: int = 40, sep: str = ",", eol: str = "\n") -> str:
    """A procurement export with accented names in many rows (and one in the header)."""
    head = sep.join(["Ministère", "Supplier", "Amount", "Award date"]) + eol
    names = ["Santé publique", "Éducation", "Finances", "Agriculture", "Défense"]
    body = "".join(
        sep.join([names[i % 5], f"Société {i % 7}", f"{1000 + i}", f"0{1 + i % 9}/02/2021"]) + eol
        for i in range(n)
    )
    return head + body


def _bytes_case(name: str) -> bytes:
    text = _rows_text()
    return {
        "cp1252": text.replace("Finances", "Finances €").encode("cp1252"),
        # A byte cp1252 leaves undefined (0x81): read as U+FFFD in both paths.
        "cp1252_undefined": text.encode("cp1252").replace(b"Finances", b"Fin\x81nces"),
        "latin1_nul": text.replace("Agriculture", "Agri\x00culture").encode("latin-1"),
        "mac_roman_lf": text.encode("mac_roman"),
        "crlf_cp1252": _rows_text(eol="\r\n").encode("cp1252"),
        "semicolon_cp1252": _rows_text(sep=";").encode("cp1252"),
        "utf16_bom": text.encode("utf-16"),
        "utf16le_no_bom": text.encode("utf-16-le"),
        "utf16be_no_bom": text.encode("utf-16-be"),
        # A legacy file one line of which is valid UTF-8 is a mix, decoded
        # per line (as a UTF-8 file with a stray cp1252 line).
        "mixed": text.encode("cp1252") + "Santé,X,5,01/02/2021\n".encode(),
        # "Ã©" in cp1252 is the UTF-8 of "é": that line reads as UTF-8.
        # ... and so is one whose "Ã©" in cp1252 is the UTF-8 of "é".
        "cp1252_looks_utf8": (text + "DÃ©fense,X,5,01/02/2021\n").encode("cp1252"),
        # A line readable in neither (control bytes): rejected in memory.
        "mixed_unreadable": text.encode() + b"\xa4\xa6\xa8\xb1,X,5,01/02/2021\n",
        "cr_only_cp1252": _rows_text(eol="\r").encode("cp1252"),
        "utf8_bom_and_cp1252": b"\xef\xbb\xbf" + text.encode("cp1252"),
    }[name]


@pytest.mark.parametrize(
    ("name", "streams"),
    [
        ("cp1252", True),
        ("cp1252_undefined", True),
        ("latin1_nul", True),
        ("mac_roman_lf", True),
        ("crlf_cp1252", True),
        ("semicolon_cp1252", True),
        ("utf16_bom", True),
        ("utf16le_no_bom", True),
        ("utf16be_no_bom", True),
        ("mixed", True),
        ("mixed_unreadable", False),
        ("cp1252_looks_utf8", True),
        ("cr_only_cp1252", False),
        ("utf8_bom_and_cp1252", True),
    ],
)
def test_legacy_and_utf16_exports_stream_as_they_load_in_memory(
    tmp_path, monkeypatch, name, streams
):
    # A national feed in cp1252 or UTF-16 (Excel's "Unicode text") is as big
    # as a UTF-8 one: it streams, with the encoding the whole file shows, the
    # same notes and the same rows; a mix of UTF-8 and cp1252 lines too, but
    # a line readable in neither (rejected in memory) leaves it to memory.
    path = tmp_path / f"{name}.csv"
    path.write_bytes(_bytes_case(name))
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=3)
    assert streamed == int(streams)
    assert len(a.table) >= 40
    _assert_same(a, b)
    assert a.files["notes"].iloc[0].startswith("encoding ")


def test_a_forced_encoding_is_streamed_as_it_is_read_in_memory(tmp_path, monkeypatch):
    # [reading.encoding] wins over what the bytes look like, in both paths:
    # a UTF-8 file forced to cp1252 reads as mojibake in both, and the bytes
    # ASCII cannot read are counted in the note.
    path = tmp_path / "forced.csv"
    path.write_bytes(_rows_text().replace("Ministère", "Ministry").encode())
    (tmp_path / "ospo.toml").write_text('[reading.encoding]\n"*.csv" = "cp1252"\n')
    config = load_config(tmp_path / "ospo.toml")
    a, b, streamed = _both(read_procurement, [path], config, monkeypatch, chunk_rows=3)
    assert streamed == 1
    _assert_same(a, b)
    assert "SantÃ© publique" in set(b.table["ministry"])
    (tmp_path / "ospo.toml").write_text('[reading.encoding]\n"*.csv" = "ascii"\n')
    config = load_config(tmp_path / "ospo.toml")
    a, b, streamed = _both(read_procurement, [path], config, monkeypatch, chunk_rows=3)
    assert streamed == 1
    _assert_same(a, b)
    assert "byte(s) not valid in ascii" in a.files["notes"].iloc[0]


def test_inventory_duplicates_and_template_rows_streamed(tmp_path, monkeypatch):
    lines = ["System ID,System name,Ministry,Go-live year,Number of users\n"]
    lines.append("e.g. SYS-001,e.g. Payroll,e.g. Ministry of Finance,e.g. 2015,e.g. 250\n")
    for i in range(30):
        lines.append(f"SYS-{i % 20:03d},System {i},Ministry {i % 4},{2000 + i},{i * 1000}\n")
    path = _write(tmp_path / "inventory.csv", "".join(lines))
    a, b, streamed = _both(read_inventory, [path], load_config(), monkeypatch, chunk_rows=4)
    assert streamed == 1
    assert a.rejects["problem"].str.contains("duplicate system_id").sum() == 10
    _assert_same(a, b)


def test_unparseable_text_is_unusable_in_both_paths(tmp_path, monkeypatch):
    path = _write(tmp_path / "x.csv", 'Ministry,Supplier,Amount\nA,"B\n' + "C,D,1\n" * 5)
    a, b, _ = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=2)
    _assert_same(a, b)


def test_files_read_whole_and_streamed_keep_the_reading_order(tmp_path, monkeypatch):
    # A workbook (always read whole) between two CSVs that stream: the rows
    # come in the order the files are read and the rejects as for one
    # table, exactly as when every file is read whole. (Streamed rows used
    # to come after every file read whole, and their rejects before.)
    import xlsxwriter

    rows = [
        ["Ministry A", "Acme", "abc", "2021-01-05", "open", "2"],
        ["Ministry A", "Acme", "10", "2021-13-45", "open", "x"],
        ["Ministry B", "Bolt", "20", "2021-02-05", "direct", "1"],
    ]
    text = PROC_HEADER + "".join(",".join(r) + "\n" for r in rows)
    first = _write(tmp_path / "first.csv", text)
    last = _write(tmp_path / "last.csv", text.replace("Acme", "Corp"))
    book = tmp_path / "middle.xlsx"
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet("Awards")
    for i, row in enumerate([PROC_HEADER.strip().split(","), *rows]):
        for j, v in enumerate(row):
            ws.write_string(i, j, v.replace("Acme", "Dyn"))
    wb.close()
    a, b, streamed = _both(
        read_procurement, [first, book, last], load_config(), monkeypatch, chunk_rows=2
    )
    assert streamed == 2
    _assert_same(a, b)
    assert b.table["supplier"].tolist() == ["Acme", "Bolt", "Dyn", "Bolt", "Corp", "Bolt"]
    assert (
        b.rejects["action"].tolist() == ["row rejected"] * 3 + ["row kept, cell set to unknown"] * 6
    )


def test_default_threshold_streams_only_big_files(tmp_path):
    config = load_config()
    small = _write(tmp_path / "s.csv", PROC_HEADER)
    assert not _stream.should_stream("procurement", small, config)
    assert _stream.stream_threshold_bytes(config) == 100e6  # OCDS JSON
    assert _stream.csv_stream_threshold_bytes(config) == 10e6
    cfg_path = tmp_path / "ospo.toml"
    cfg_path.write_text("[reading]\nstream_min_mb = 0\n")
    assert _stream.should_stream("procurement", small, load_config(cfg_path))
    releases = _write(tmp_path / "releases.csv", "ocid,id\n")
    assert not _stream.should_stream("procurement", releases, load_config(cfg_path))


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("amount", ["1.234", "TT$ 5,000.00", "approx 5", "", "-7", "12", "29.535882", None]),
        ("amount", ["1.234", "1,234", "1.234,5", "1,234.5", "(3)", "USD 7", "€ 9"]),
        ("tenderers", ["3", "3.0", "3.5", "-2", "1,234", "x", " 4 ", ""]),
        ("award_date", ["05/06/2021", "2021-03-04", "not a date", "07/08/2020", "44000"]),
        ("award_date", ["05/06/2021", "01/27/2011", "4 de marzo de 2021", "", None]),
    ],
)
def test_number_and_date_cleaners_once_per_distinct_value_equal_the_full_column(name, values):
    """Big all-text columns are cleaned once per distinct value: same result."""
    from ospo_analytics._clean.schema import columns
    from ospo_analytics._load import _clean_column, _clean_column_all

    col = next(c for c in columns("procurement") if c.name == name)
    s = pd.Series((values * 1000)[:6007], dtype=object)
    config = load_config(None)
    a = _clean_column_all(col, s, config)
    b = _clean_column(col, s, config)
    pd.testing.assert_series_equal(a[0], b[0])
    pd.testing.assert_series_equal(a[1], b[1])


def test_records_after_the_first_thousand_split_as_the_csv_module_does():
    """Past the width sample, quote-free lines are split directly: same records."""
    import csv
    import io

    body = [f"M{i},S {i},{i}.5\n" for i in range(1100)]
    body += [
        '"M, quoted","S ""x""",1\n',
        "\n",
        " \n",
        ",,\n",
        "short\n",
        'M,"two\nlines",3\n',
        "a,b,c,d,e\n",
        "tab\there,x,1\n",
        "last,row,9",
    ]
    text = "".join(body)
    expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
    got = list(_stream._checked_records(iter(io.StringIO(text, newline="")), ","))
    assert got == expected
    # A quote that never closes: its record is split again at its line ends,
    # the broken line flagged, as the in-memory reader does.
    from ospo_analytics._read.spreadsheet import _split_records

    stray = "".join(body[:1100]) + 'A,"B\nC,D,2\nE,F,3\n'  # never closes
    rows, _numbers, bad, note = _split_records(stray, ",")
    at = _stream._Cursor()
    got = list(_stream._checked_records(iter(io.StringIO(stray, newline="")), ",", at))
    assert got == rows and bad
    assert [i for i, r in enumerate(got) if isinstance(r, _stream._BadRow)] == sorted(bad)
    assert f"{at.swallowed} following line(s)" in note


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_quote_free_blocks_parsed_by_arrow_give_the_same_rows(tmp_path, monkeypatch, newline):
    """Past the first chunk, quote-free blocks go through Arrow's CSV reader:
    blank, white-space, ragged, NUL-free unicode and quoted lines mixed in
    give exactly the in-memory rows, rejects and row numbers."""
    specials = [
        "",  # empty line: a record, not a data row
        " ",  # white space only: one cell, ragged for Arrow
        ",,,,,",  # every cell empty: blank
        "\u00a0,\u2003, ,\t,,",  # unicode white space in every cell: blank
        "-,–,/,.,,",  # no letter or digit, but not blank
        "Ministry 9,Short row",  # ragged: padded, then rejected
        "Ministry 9,S,1,2021-01-01,Open,1,extra,cells",  # longer than the header
        'Ministry 8,"Quoted, Ltd",5,2021-02-03,Open,2',  # a quote: read by csv
        "Ministère 7,Société Générale,\u20ac 12,31/12/2021,Ouvert,3",  # day-first vote
        '"Ministry 6","Doubled ""quotes"", Ltd","1,5",2021-04-05,"",4',  # well-formed quotes
        'Ministry 6,Stray "quote,7,2021-04-05,Open,4',  # a quote inside a plain cell
        'Ministry 6,"Closed" then text,7,2021-04-05,Open,4',  # text after a closing quote
        '"Ministry 6","Two\nlines",8,2021-04-05,Open,4',  # a cell across a line break
    ]
    lines = [PROC_HEADER.rstrip("\n")]
    for i in range(6000):
        row = f"Ministry {i % 5},Supplier {i % 13} Ltd,{i}.5,2021-03-{1 + i % 28:02d},Open,1"
        if 3000 < i < 4500:  # every cell quoted, as many exports do
            row = ",".join(f'"{c}"' for c in row.split(","))
        lines.append(row)
        if i > 1200 and i % 331 == 0:
            lines.append(specials[(i // 331) % len(specials)].replace("\n", newline))
    path = _write(tmp_path / "runs.csv", newline.join(lines) + newline)
    from ospo_analytics import _stream as st

    used = []
    real = st._Source.run_table

    def spy(self, run, rec):
        out = real(self, run, rec)
        used.append(out is not None)
        return out

    monkeypatch.setattr(st._Source, "run_table", spy)
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=100)
    assert streamed == 1
    assert sum(used) > 3 and not all(used)  # some runs by Arrow, some line by line
    assert (a.rejects["action"] == "row rejected").any()
    _assert_same(a, b)


@pytest.mark.parametrize("two_lanes", [True, False])
def test_chunks_clean_each_distinct_text_once_with_the_files_evidence(
    tmp_path, monkeypatch, two_lanes
):
    """Big chunks clean repeated texts once for the file (a memo across
    chunks): still the in-memory result, with the day-first and decimal-comma
    evidence only at the end of the file and bad values in every chunk."""
    from ospo_analytics import _stream as st

    lines = [PROC_HEADER.rstrip("\n")]
    for i in range(24_000):
        date = ["05/06/2021", "2021-03-04", "not a date", "07/08/2020", "1.2.2019"][i % 5]
        amount = ['"1,234"', "12", "", "-7", "n/a", "TT$ 5"][i % 6]
        method = ["Open tender", "Direct award", "Licitación pública", "??"][i % 4]
        lines.append(f"Ministry {i % 7},Supplier {i % 11},{amount},{date},{method},{i % 4}")
    # The evidence, last: a decimal comma and a date that reads only month-first.
    lines.append('Ministry 1,Supplier 1,"12,50",12/31/2021,Direct award,1')
    path = _write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    cleaned = []
    real = st._Memo.add

    def spy(self, texts, values, problems):
        cleaned.extend(texts)
        return real(self, texts, values, problems)

    monkeypatch.setattr(st._Memo, "add", spy)
    from ospo_analytics import _lanes as lanes

    monkeypatch.setattr(lanes, "ENABLED", two_lanes)
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=6000)
    assert streamed == 1
    # Once, not per chunk, even with two chunks cleaned at a time.
    assert "05/06/2021" in cleaned and cleaned.count("05/06/2021") == 1
    assert len(cleaned) == len(set(cleaned))
    assert (b.table["award_date"] == pd.Timestamp("2021-05-06")).any()  # month-first
    assert b.table["amount"].eq(1.234).any()  # "1,234" with a decimal comma
    _assert_same(a, b)


@pytest.mark.parametrize(
    "text", ["", "a\n", "a", "a\nb", "a,b\nc\n", "a\n\nb\n", "\n\n", 'x,"y, z"\n\n"w"']
)
def test_first_lines_of_a_run_read_alone_as_from_the_whole_run(text):
    """The first chunk takes only the lines it needs from a run: the same
    records and the same rest (lines and line numbers) as splitting it all."""
    run = _stream._Run(text, quoted=True)
    run.first_line = 7
    for n in range(6):
        assert run.head_records(",", n) == run.records(",")[:n]
        rest = run.after(n)
        assert rest.lines() == run.lines()[n:]
        assert rest.first_line == 7 + n


def test_digits_folded_in_the_bytes_as_by_text_replaces():
    """A number's shape folded in the UTF-8 bytes is the shape that replacing
    each digit gives: non-ASCII digits and characters stay, slices and nulls
    keep their place."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def by_replaces(text):
        for d in "12345678":
            text = pc.replace_substring(text, d, "9")
        return text

    values = ["1.234,5", None, "", "TT$ 5 678", "€12", "٣٤", "１２", "x0-9", None, "987654321"]
    cases = [
        pa.array(values),
        pa.array(values, pa.large_string()),
        pa.array(values)[3:8],
        pa.chunked_array([pa.array(values[:4]), pa.array(values[4:])]),
        pa.array(["", ""]),
    ]
    for arr in cases:
        assert _stream._fold_digits(arr).equals(by_replaces(arr))


@pytest.mark.parametrize(
    "text",
    [
        "a\n",
        "a",
        "a,b\nc\n",
        "a\n\nb\n",
        "\n\n",
        'x,"y, z"\n\n"w"',
        'x,"y"\n',
        'x,"y"z\n',  # text after a closing quote
        'x,"y\n',  # a quote left open
        'é,"ü ""q"""\n\n\n',
        'x,y"\n',  # a quote inside a plain cell
    ],
)
def test_lines_checked_in_arrow_as_the_text_split_in_python(text):
    """A run's lines built from its bytes are the text's lines, and a run is
    well-formed exactly when every line of the text is."""
    import re

    run = _stream._Run(text, quoted=True)
    assert [s.removesuffix("\n") for s in run.line_array().to_pylist()] == run.lines()
    cell = '(?:[^",]*|"(?:[^"]|"")*")'
    every = all(re.fullmatch(f"{cell}(?:,{cell})*", s) for s in text.split("\n"))
    assert (_stream._run_of(text, ",") is not None) == every


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # A two-byte character cut by the 16 MB block boundary, ASCII after it.
        (b"a" * ((1 << 24) - 1) + "é".encode() + b"b" * 10, ("utf-8", 0)),
        # The same character's first byte alone, then ASCII: not UTF-8.
        (b"a" * ((1 << 24) - 1) + b"\xc3" + b"b" * 10 + b"\n", None),
        # A first byte ending a block, an ASCII block, then a byte that would
        # complete it: skipping the ASCII block must not join the two.
        (b"a" * ((1 << 24) - 1) + b"\xc3" + b"b" * (1 << 24) + b"\xa9\n", None),
        # A Latin-1 byte in a late, otherwise ASCII block.
        (b"a" * (2 << 24) + b"\xe9x\n", None),
        # A character cut by the end of the file.
        (b"a\n" + b"a" * ((1 << 24) - 2) + b"\xc3", None),
        (b"a,b\n\x00\x00" + b"c" * (1 << 24), ("utf-8", 2)),
    ],
)
def test_whole_file_encoding_check_skips_only_ascii_blocks(tmp_path, data, expected):
    # ASCII blocks are not decoded; a character across blocks still is.
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    enc = _stream._encoding(path)
    if expected is None:  # not UTF-8: a legacy code page, as in memory
        assert enc.name in ("cp1252", "latin-1", "mac_roman"), enc
    else:
        assert (enc.name, enc.n_nul) == expected


@settings(
    max_examples=int(os.environ.get("OSPO_FUZZ_EXAMPLES", "0") or 0) or 200,
    deadline=None,
    derandomize=not os.environ.get("OSPO_FUZZ_EXAMPLES"),
)
@given(
    pieces=st.lists(
        st.one_of(
            st.text(max_size=6).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.sampled_from(
                # Overlong, surrogate, past U+10FFFF, cut, stray continuation, bad lead.
                [b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80"]
                + [b"\xf8\x88\x80\x80\x80", b"\xe0\x80\xaf", b"\xff", "€😀".encode()]
            ),
        ),
        max_size=12,
    ),
    cuts=st.lists(st.integers(0, 80), max_size=6),
)
def test_utf8_check_in_blocks_agrees_with_pythons_decoder(pieces, cuts):
    data = b"".join(pieces)
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    check = _stream._Utf8Check()
    ok = all([check.feed(data[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)])
    assert (ok and check.finish()) == expected


@settings(
    max_examples=int(os.environ.get("OSPO_FUZZ_EXAMPLES", "0") or 0) or 15,
    deadline=None,
    derandomize=not os.environ.get("OSPO_FUZZ_EXAMPLES"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.text(
        alphabet=st.sampled_from(list('ab,;"\n\r 1.-') + ["é", "Ã", "©", "€", "\x00", "\x81"]),
        max_size=300,
    ),
    encoding=st.sampled_from(
        ["utf-8", "cp1252", "latin-1", "mac_roman", "utf-16", "utf-16-le", "utf-16-be"]
    ),
    tail=st.sampled_from([b"", "Santé,X,5\n".encode(), "Santé,X,5\n".encode("cp1252")]),
)
def test_any_encoding_streams_or_falls_back_to_the_same_rows(
    tmp_path_factory, monkeypatch, body, encoding, tail
):
    # Whatever the bytes, the streamed load equals the in-memory one (the
    # encodings it cannot decide as the in-memory reader does fall back).
    tmp = tmp_path_factory.mktemp("enc")
    path = tmp / "export.csv"
    text = "Ministry,Supplier,Amount\n" + body + "\nMinistère,Société,12\n"
    path.write_bytes(text.encode(encoding, errors="replace") + tail)
    a, b, _ = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=2)
    _assert_same(a, b)


def test_unclosed_quotes_stream_with_the_broken_rows_rejected(tmp_path, monkeypatch):
    # One stray quote in a national export used to send the whole file to the
    # in-memory reader (about 2 GB per million rows). It streams now: the
    # record the quote made is split again at its line ends, the broken lines
    # rejected with the reader's reason, and the note names them.
    rows = [PROC_HEADER]
    for i in range(120):
        rows.append(f"Ministry {i % 3},Supplier {i % 4},{100 + i},01/02/2021,Open tender,{i % 5}\n")
        if i == 1:  # a real two-line cell: kept
            rows.append('Ministry 2,"Two\nlines",7,01/02/2021,Open tender,2\n')
        if i in (2, 40, 41, 90):  # in the first chunk, later, twice in a row
            rows.append(f'Ministry 1,"Supplier {i} broken,5,01/02/2021,Open tender,1\n')
    text = "".join(rows)
    path = _write(tmp_path / "stray.csv", text)
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=7)
    assert streamed == 1
    _assert_same(a, b)
    broken = b.rejects[b.rejects["problem"].str.startswith("unclosed quote")]
    # The four lines with one quote each, and no other.
    odd = [n for n, line in enumerate(text.split("\n"), 1) if line.count('"') == 1]
    assert sorted(broken["row"]) == odd[2:] and len(odd[2:]) == 4
    assert "unclosed quote on line(s)" in b.files["notes"].iloc[0]
    f = b.files.iloc[0]
    assert f["rows_read"] == f["loaded"] + f["filtered"] + f["rejected"]
    assert (b.table["supplier"] == "Two lines").any()  # white space tidied


@pytest.mark.parametrize(
    ("end", "cell", "raw"),
    [
        ("\n", "plain", True),
        ("\r\n", "plain", True),
        ("\r\n", '"two\r\nlines"', True),  # a CRLF inside a quoted cell
        ("\r\n", '"lone\rCR"', True),  # a lone CR in a cell: made LF, as text reading does
        ("\n", '"two\nlines"', True),
        ("\r", "plain", False),  # CR-only line ends: no LF to end a block, read as text
        ("\ufeff\r\n", "plain", True),  # a BOM, skipped as text reading does
    ],
)
def test_plain_utf8_blocks_are_read_as_bytes_with_the_text_results(
    tmp_path, monkeypatch, end, cell, raw
):
    """Plain UTF-8 files whose lines end in LF are read as bytes (CRLF and
    lone CRs made LF per block, never decoded and encoded again); a CR-only
    file keeps the text reader. Rows, rejects and notes are the same."""
    lines = [PROC_HEADER.rstrip("\n")]
    for i in range(400):
        amount = ["12", '"1,5"', "n/a", "7"][i % 4]
        supplier = cell if i % 37 == 5 else f"Société {i % 9}"
        lines.append(f"Ministry {i % 3},{supplier},{amount},01/02/2021,Open tender,{i % 4}")
    path = tmp_path / "export.csv"
    bom, end = ("\ufeff", end[1:]) if end.startswith("\ufeff") else ("", end)
    path.write_bytes((bom + end.join(lines)).encode("utf-8") + end.encode())
    modes = []
    real = _stream._Lines.__init__

    def spy(self, *args):
        real(self, *args)
        modes.append(self.raw)

    monkeypatch.setattr(_stream._Lines, "__init__", spy)
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=5)
    _assert_same(a, b)
    if end != "\r":  # a CR-only file is left to the in-memory reader
        assert streamed == 1 and modes == [raw]
        assert len(b.table) == 300  # every fourth amount ("n/a") rejects its row


def test_bytes_are_read_only_where_every_block_has_a_line_end(tmp_path):
    # The whole-file check reads 16 MB blocks: a block without an LF (a
    # CR-only stretch) would make a block read to the next LF unbounded.
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\r\n" + b"x" * (1 << 24) + b"\r\n")
    enc = _stream._encoding(path)
    assert enc.lf_everywhere and enc.has_cr
    path.write_bytes(b"a,b\n" + b"x\r" * (1 << 24) + b"\n")
    assert not _stream._encoding(path).lf_everywhere
    path.write_bytes(b"a,b\n" + b"c,d\n")
    enc = _stream._encoding(path)
    assert enc.lf_everywhere and not enc.has_cr


def test_a_streamed_file_shows_rows_read_then_chunks_cleaned(tmp_path, monkeypatch):
    """On a terminal the CLI shows progress: a big file read chunk by chunk
    shows its rows as they are read, then each chunk as it is cleaned."""
    from ospo_analytics import _load

    events: list[tuple] = []

    class Bar(_load._Progress):
        def __init__(self) -> None:
            super().__init__(enabled=True)

        def start(self, description, total=None):
            events.append(("start", description, total))
            return len(events)

        def advance(self, task, n=1):
            events.append(("advance", task, n))

        def finish(self, task, description=None):
            events.append(("finish", task, description))

    lines = [PROC_HEADER.rstrip("\n")]
    lines += [f"Ministry {i % 3},Supplier {i % 5},{i},01/02/2021,Open tender,2" for i in range(95)]
    path = _write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    config = load_config()
    acc = _load._Accumulator()
    monkeypatch.setattr(_stream, "csv_stream_threshold_bytes", lambda c: 0.0)
    assert _stream.stream_file("procurement", path, config, acc, chunk_rows=10, bar=Bar())
    starts = [e for e in events if e[0] == "start"]
    assert [s[1].split(" ")[0] for s in starts] == ["reading", "cleaning"]
    reading, cleaning = (events.index(s) + 1 for s in starts)
    read = sum(e[2] for e in events if e[0] == "advance" and e[1] == reading)
    assert read == acc.files[0]["rows_read"] == 95
    chunks = [e for e in events if e[0] == "advance" and e[1] == cleaning]
    assert len(chunks) == starts[1][2] > 1  # every chunk, out of the known total
    assert [e[1] for e in events if e[0] == "finish"] == [reading, cleaning]


def test_date_witnesses_are_few_and_decide_as_the_whole_file(tmp_path, monkeypatch):
    # Every date column shares one witness store: it held every distinct
    # day-first date of the file, each parsed again with every chunk of
    # every date column (validation 20 % slower). One per shape that votes.
    import datetime as dt

    from ospo_analytics._clean.schema import columns

    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(0, 600)]
    rows = "".join(
        f"M,S{i},1,{d:%d/%m/%Y},{(d + dt.timedelta(days=400)):%Y-%m-%d}\n"
        for i, d in enumerate(days)
    )
    text = "Ministry,Supplier,Amount,Award date,End date\n" + rows + "M,S,1,31/02/2021,\n"
    path = _write(tmp_path / "dates.csv", text)
    a, b, streamed = _both(read_procurement, [path], load_config(), monkeypatch, chunk_rows=97)
    assert streamed == 1
    _assert_same(a, b)
    store: dict[str, str] = {}
    award = next(c for c in columns("procurement") if c.name == "award_date")
    _stream._witnesses_of(award, pd.Series(text.splitlines()[1:]).str.split(",").str[3], store)
    assert 1 <= len(store) <= 3  # one day-first shape, plus the impossible 31/02
