"""Hostile input sweep (issue 6, "Bad input"): every bad file or cell gets a
clear message naming file, sheet, row and column; no traceback (also through
the CLI); the other files still load; row accounting stays exact; the same
inputs give byte-identical processed tables.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ospo_analytics import _load as load_mod
from ospo_analytics._clean import cells as _clean
from ospo_analytics._config import load_config
from ospo_analytics._load import (
    load_inputs,
    read_inventory,
    read_procurement,
    validate_table,
    write_processed,
)

INV_HEADER = ["System ID", "System name", "Ministry", "Annual cost", "Contract end"]
PROC_HEADER = ["Ministry", "Supplier", "Amount", "Award date"]


# ------------------------------------------------------------------ helpers


def _xlsx(path: Path, sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> Path:
    """Write cells with their Python types (dates get a date format)."""
    wb = xlsxwriter.Workbook(path)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(i, j, v)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(i, j, v, date_fmt)
                else:
                    ws.write(i, j, v)
        if name in hidden:
            ws.hide()
    wb.close()
    return path


def _accounting_holds(res) -> None:
    f = res.files
    assert (f["rows_read"] == f["loaded"] + f["filtered"] + f["rejected"]).all(), f
    assert int(f["loaded"].sum()) == len(res.table)
    rejected = res.rejects[res.rejects["action"] == "row rejected"]
    assert len(rejected) == int(f["rejected"].sum())
    # Every rejected row is named once, by file, sheet and row.
    assert not rejected.duplicated(["file", "sheet", "row"]).any()


def _one_reject(res, row: int, column: str) -> dict:
    r = res.rejects[(res.rejects["row"] == row) & (res.rejects["column"] == column)]
    assert len(r) == 1, res.rejects
    return r.iloc[0].to_dict()


def _error_of(res, path: Path) -> str:
    rec = res.files[res.files["file"] == str(path)]
    assert len(rec) == 1, res.files
    return str(rec["error"].iloc[0])


@pytest.fixture
def good_inventory(tmp_path) -> Path:
    return _xlsx(tmp_path / "good.xlsx", {"S": [INV_HEADER, ["A1", "Payroll", "Finance", 10]]})


# ------------------------------------------------------- unusable files


def _encrypted_copy(src: Path, dst: Path) -> Path:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml", reason="msoffcrypto-tool not installed")
    with src.open("rb") as fh, dst.open("wb") as out:
        ooxml.OOXMLFile(fh).encrypt("secret", out)
    return dst


def test_unusable_files_are_named_and_the_good_file_still_loads(tmp_path, good_inventory):
    zero_x = tmp_path / "zero.xlsx"
    zero_x.write_bytes(b"")
    zero_c = tmp_path / "zero.csv"
    zero_c.write_bytes(b"")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(bytes(range(256)) * 40)
    locked = _encrypted_copy(good_inventory, tmp_path / "locked.xlsx")
    bad = [zero_x, zero_c, garbage, locked]
    res = read_inventory([*bad, good_inventory])
    assert res.unusable_files == sorted(str(p) for p in bad)
    assert "empty (0 bytes)" in _error_of(res, zero_x)
    assert "empty (0 bytes)" in _error_of(res, zero_c)
    assert "not a valid .xlsx workbook" in _error_of(res, garbage)
    assert "password-protected" in _error_of(res, locked)
    assert res.table["system_id"].tolist() == ["A1"]
    _accounting_holds(res)


def test_an_unexpected_failure_in_one_file_is_reported_not_raised(
    tmp_path, good_inventory, monkeypatch
):
    boom = _xlsx(tmp_path / "boom.xlsx", {"S": [INV_HEADER, ["B", "X", "M"]]})
    real = load_mod.read_raw

    def flaky(path, **kwargs):
        if Path(path).name == "boom.xlsx":
            raise RuntimeError("simulated reader bug")
        return real(path, **kwargs)

    monkeypatch.setattr(load_mod, "read_raw", flaky)
    res = read_inventory([boom, good_inventory])
    err = _error_of(res, boom)
    assert "unexpected error" in err and "simulated reader bug" in err
    assert res.table["system_id"].tolist() == ["A1"]
    _accounting_holds(res)


@pytest.fixture(scope="module")
def old_xls(tmp_path_factory) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice not installed: cannot make an old .xls")
    d = tmp_path_factory.mktemp("xls")
    src = _xlsx(
        d / "legacy.xlsx",
        {"Sistemas": [["Código sistema", "Nombre", "Ministerio", "Costo anual"],
                      ["S-1", "Nómina", "Hacienda", 1500.5], ["S-2", "Catastro", "Hacienda", None]]},
    )  # fmt: skip
    try:
        subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{d / 'profile'}",
             "--convert-to", "xls", "--outdir", str(d), str(src)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"LibreOffice could not convert to .xls: {exc}")
    out = d / "legacy.xls"
    if not out.exists():
        pytest.skip("LibreOffice produced no .xls")
    return out


def test_old_xls_workbook_loads(old_xls):
    assert old_xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # really BIFF in OLE
    res = read_inventory([old_xls])
    _accounting_holds(res)
    t = res.table
    assert t["system_id"].tolist() == ["S-1", "S-2"]
    assert t["system_name"].iloc[0] == "Nómina"
    assert t["annual_cost"].iloc[0] == 1500.5 and pd.isna(t["annual_cost"].iloc[1])


# ------------------------------------------------------- text encodings


TEXT_ROWS = [
    ["System ID", "System name", "Ministry"],
    ["S-1", "Gestión de nóminas", "Ministère de l'Économie"],
    ["S-2", "Société Générale façade", "Ministerio de Educación"],
]


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman", "utf-16"])
@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_csv_in_legacy_encodings_and_cr_line_ends_load_exactly(tmp_path, encoding, newline):
    path = tmp_path / f"inv_{encoding}.csv"
    text = newline.join(";".join(r) for r in TEXT_ROWS) + newline
    path.write_bytes(text.encode(encoding))
    res = read_inventory([path])
    _accounting_holds(res)
    assert res.table["system_name"].tolist() == [TEXT_ROWS[1][1], TEXT_ROWS[2][1]]
    assert res.table["ministry"].tolist() == [TEXT_ROWS[1][2], TEXT_ROWS[2][2]]
    assert res.table["source_row"].tolist() == [2, 3]


# ------------------------------------------------------- sheets


def test_header_only_empty_and_hidden_sheets(tmp_path):
    header_only = _xlsx(tmp_path / "header_only.xlsx", {"S": [INV_HEADER]})
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    hidden = _xlsx(
        tmp_path / "hidden.xlsx",
        {"Visible": [INV_HEADER, ["V1", "X", "M"]], "Secret": [INV_HEADER, ["H1", "Y", "M"]]},
        hidden=("Secret",),
    )
    res = read_inventory([header_only, empty, hidden])
    _accounting_holds(res)
    notes = dict(zip(res.files["file"].map(lambda f: Path(f).name) + ":" + res.files["sheet"], res.files["notes"], strict=True))  # fmt: skip
    assert "header row only" in notes["header_only.xlsx:S"]
    assert "empty sheet" in notes["empty.xlsx:Sheet"]
    assert "hidden sheet" in notes["hidden.xlsx:Secret"]
    # Hidden rows are data too: loaded, and the note says where they came from.
    assert sorted(res.table["system_id"]) == ["H1", "V1"]
    assert not res.unusable_files


def test_merged_title_and_merged_header_cells(tmp_path):
    path = tmp_path / "merged.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Inventario")
    ws.merge_range(0, 0, 0, 4, "Inventory of systems, Ministry of Finance")
    ws.merge_range(2, 0, 2, 1, "System ID")  # header cell merged over A:B
    ws.write_row(2, 2, ["System name", "Ministry"])
    ws.write_row(3, 0, ["S-1", None, "Payroll", "Finance"])
    ws.write_row(4, 0, ["S-2", None, "Budget", "Finance"])
    wb.close()
    res = read_inventory([path])
    _accounting_holds(res)
    assert res.table["system_id"].tolist() == ["S-1", "S-2"]
    assert res.table["source_row"].tolist() == [4, 5]


# ------------------------------------------------------- cells


def test_error_cells_are_named_never_loaded_as_text(tmp_path):
    path = tmp_path / "errors.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Systems")
    ws.write_row(0, 0, INV_HEADER)
    ws.write_row(1, 0, ["A", "Payroll", "Finance"])
    ws.write_formula(1, 3, "=1/0", None, "#DIV/0!")
    ws.write_row(2, 1, ["HR", "Finance"])
    ws.write_formula(2, 0, "=VLOOKUP(B3,Z:Z,2,0)", None, "#N/A")
    ws.write_row(3, 0, ["C", "Budget", "Finance"])
    ws.write_formula(3, 4, "=#REF!+1", None, "#REF!")
    ws.write_formula(3, 3, "=2*3", None, 6)  # a formula: its saved result is read
    wb.close()
    res = read_inventory([path])
    _accounting_holds(res)
    t = res.table.set_index("system_id")
    assert list(t.index) == ["A", "C"]
    assert pd.isna(t.loc["A", "annual_cost"]) and t.loc["C", "annual_cost"] == 6
    assert pd.isna(t.loc["C", "contract_end"])
    div = _one_reject(res, 2, "annual_cost")
    assert "#DIV/0!" in div["problem"] and div["action"] == "row kept, cell set to unknown"
    na = _one_reject(res, 3, "system_id")
    assert "#N/A" in na["problem"] and na["action"] == "row rejected"
    assert na["file"] == str(path) and na["sheet"] == "Systems"
    ref = _one_reject(res, 4, "contract_end")
    assert "#REF!" in ref["problem"]


def test_formulas_without_a_saved_result_are_flagged(tmp_path):
    path = tmp_path / "uncalculated.xlsx"
    wb = openpyxl.Workbook()  # openpyxl writes formulas but never computes them
    ws = wb.active
    ws.title = "S"
    ws.append(INV_HEADER)
    ws.append(["A", "Payroll", "Finance", "=2*3"])
    ws.append(["B", "HR", "Finance", 7])
    wb.save(path)
    res = read_inventory([path])
    _accounting_holds(res)
    assert "1 formula cell(s) have no saved result" in res.files["notes"].iloc[0]
    assert pd.isna(res.table["annual_cost"].iloc[0]) and res.table["annual_cost"].iloc[1] == 7


def test_mixed_types_in_one_column(tmp_path):
    rows = [
        INV_HEADER,
        [101, "Numeric id", "M", "1,500.50"],
        [102.0, "Float id", "M", 2500],
        ["S-3", True, "M", "twelve"],
        ["S-4", dt.datetime(2021, 5, 4), "M", False],
    ]
    res = read_inventory([_xlsx(tmp_path / "mixed.xlsx", {"S": rows})])
    _accounting_holds(res)
    t = res.table
    assert t["system_id"].tolist() == ["101", "102", "S-3", "S-4"]  # no spurious ".0"
    assert t["annual_cost"].iloc[:2].tolist() == [1500.5, 2500.0]
    assert t["annual_cost"].iloc[2:].isna().all()  # unknown, never 0
    assert "twelve" in _one_reject(res, 4, "annual_cost")["value"]
    assert _one_reject(res, 5, "annual_cost")["action"] == "row kept, cell set to unknown"


def test_duplicate_system_ids_across_files(tmp_path):
    a = _xlsx(tmp_path / "a.xlsx", {"S": [INV_HEADER, ["X-1", "Payroll", "M"]]})
    b = _xlsx(tmp_path / "b.xlsx", {"T": [INV_HEADER, ["B-1", "HR", "M"], [" x-1", "Copy", "M"]]})
    res = read_inventory([a, b])
    _accounting_holds(res)
    assert res.table["system_id"].tolist() == ["X-1", "B-1"]
    dup = _one_reject(res, 3, "system_id")
    assert dup["file"] == str(b) and dup["sheet"] == "T"
    assert "a.xlsx:S row 2" in dup["problem"]


def test_extreme_amounts_and_dates(tmp_path):
    rows = [
        PROC_HEADER,
        ["M", "Credit note Ltd", -500, dt.datetime(2021, 1, 1)],
        ["M", "Zero Ltd", 0, dt.datetime(1900, 1, 2)],
        ["M", "Huge Ltd", 1e15, dt.datetime(2200, 1, 1)],
        ["M", "Text Ltd", "a lot", "1900-01-01"],
        ["M", "Late Ltd", "1e15", "31/12/2200"],
    ]
    res = read_procurement([_xlsx(tmp_path / "p.xlsx", {"P": rows})])
    _accounting_holds(res)
    t = res.table.set_index("supplier_raw")
    # Negative (credit notes), zero and huge amounts are data, kept as given.
    assert t.loc["Credit note Ltd", "amount"] == -500
    assert t.loc["Zero Ltd", "amount"] == 0
    assert t.loc["Huge Ltd", "amount"] == 1e15 and t.loc["Late Ltd", "amount"] == 1e15
    text = _one_reject(res, 5, "amount")
    assert text["action"] == "row rejected" and "a lot" in text["problem"]
    # Dates in 1900 and 2200 are placeholders or typos: unknown, with a reason.
    for row in (3, 4, 6):
        r = _one_reject(res, row, "award_date")
        assert r["action"] == "row kept, cell set to unknown"
        assert "1900" in r["problem"] or "2200" in r["problem"]
    assert t[["award_date"]].iloc[1:].isna().all().all()
    assert t.loc["Credit note Ltd", "award_date"] == pd.Timestamp("2021-01-01")
    validate_table("procurement", res.table)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_100000_character_cell_is_kept_whole(tmp_path, fmt):
    huge = "Long description " + "x" * 100_000
    rows = [["System ID", "System name", "Ministry", "Description", "Hosting"],
            ["S-1", "Payroll", "M", huge, "on the moon " + "y" * 100_000]]  # fmt: skip
    path = tmp_path / f"huge.{fmt}"
    if fmt == "csv":
        pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
    else:
        # Excel and openpyxl stop at 32,767 characters; other tools do not:
        # write placeholders, then put the long texts into the sheet XML.
        wb = openpyxl.Workbook()
        wb.active.append(rows[0])
        wb.active.append([*rows[1][:3], "@@DESC@@", "@@HOST@@"])
        wb.save(tmp_path / "short.xlsx")
        with zipfile.ZipFile(tmp_path / "short.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"@@DESC@@", rows[1][3].encode())
                    data = data.replace(b"@@HOST@@", rows[1][4].encode())
                dst.writestr(item, data)
    res = read_inventory([path])
    _accounting_holds(res)
    assert res.table["description"].iloc[0] == huge
    bad = _one_reject(res, 2, "hosting")
    assert len(bad["value"]) < 300 and "100012 characters" in bad["value"]


# ------------------------------------------------------- CLI


def test_cli_validate_reports_bad_files_without_traceback(tmp_path, monkeypatch, good_inventory):
    from typer.testing import CliRunner

    from ospo_analytics._cli import app

    zero = tmp_path / "zero.xlsx"
    zero.write_bytes(b"")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(os.urandom(2048))
    monkeypatch.chdir(tmp_path)  # no ospo.toml here: defaults
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(
        app,
        ["validate", "--inventory", str(zero), "--inventory", str(garbage),
         "--inventory", str(good_inventory), "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "empty (0 bytes)" in result.output and "not a valid .xlsx" in result.output
    # The good file was still processed and written.
    inv = pd.read_parquet(tmp_path / "out" / "inventory.parquet")
    assert inv["system_id"].tolist() == ["A1"]


def test_cli_subprocess_exit_1_and_a_message_for_a_locked_workbook(tmp_path, good_inventory):
    exe = Path(sys.executable).with_name("ospo-analytics")
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    locked = _encrypted_copy(good_inventory, tmp_path / "locked.xlsx")
    env = {**os.environ, "COLUMNS": "250"}
    proc = subprocess.run(
        [str(exe), "validate", "--inventory", str(locked), "--out", str(tmp_path / "out")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "password-protected" in proc.stderr  # problems go to stderr, in full


# ------------------------------------------------------- progress


def test_progress_is_shown_for_big_inputs_only_when_asked(
    tmp_path, good_inventory, monkeypatch, capsys
):
    monkeypatch.setattr(load_mod, "PROGRESS_MIN_BYTES", 1)
    monkeypatch.setattr(load_mod, "PROGRESS_MIN_ROWS", 1)
    read_inventory([good_inventory], progress=False)
    assert capsys.readouterr().err == ""
    res = read_inventory([good_inventory], progress=True)
    err = capsys.readouterr().err
    assert "good.xlsx" in err and "cleaning 1 inventory rows" in err
    assert len(res.table) == 1


# ------------------------------------------------------- determinism


def test_processed_tables_are_byte_identical_across_runs(tmp_path):
    inv = _xlsx(tmp_path / "inv.xlsx", {"S": [INV_HEADER, ["A", "Payroll", "M", 10, dt.datetime(2024, 1, 1)],
                                              ["B", "HR", "M", "n/a", "soon"]]})  # fmt: skip
    proc = _xlsx(tmp_path / "proc.xlsx", {"P": [PROC_HEADER, ["M", "ACME Ltd", 5, dt.datetime(2021, 1, 1)],
                                                ["M", "ACME LTD.", "x", None], ["M", "Other", 7, None]]})  # fmt: skip
    cfg = load_config(root=tmp_path)
    outs = []
    for run in ("one", "two"):
        inputs = load_inputs(cfg, inventory=[inv], procurement=[proc], questionnaire=[])
        written = write_processed(inputs, tmp_path / run)
        outs.append({p.name: p.read_bytes() for p in written})
    assert outs[0].keys() == outs[1].keys()
    assert {"inventory.parquet", "procurement.parquet", "rejects.csv"} <= outs[0].keys()
    for name in outs[0]:
        assert outs[0][name] == outs[1][name], name


# ------------------------------------------------------- hypothesis

_messy_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "n/a", "#REF!", "#N/A", "=1+1", "+33 1", "-", "TRUE", "1.234,50",
                     "(500)", "TT$1,000", "31/02/2021", "2021-13-45", "1e308", "NaN", "\x00\x07",
                     "\u200b", "Ｏｒａｃｌｅ", "GPL-3.0 OR MIT", "x" * 5000]),
)  # fmt: skip
_messy_cell = st.one_of(
    st.none(),
    _messy_text,
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(),
    st.times(),
)
_CLEANERS = [
    ("clean_text", lambda s: _clean.clean_text(s)),
    ("parse_amount", lambda s: _clean.parse_amount(s)),
    ("parse_float", lambda s: _clean.parse_float(s)),
    ("parse_int", lambda s: _clean.parse_int(s)),
    ("parse_bool", lambda s: _clean.parse_bool(s)),
    ("parse_date", lambda s: _clean.parse_date(s)),
    ("parse_date_mdy", lambda s: _clean.parse_date(s, dayfirst=False)),
    ("parse_code", lambda s: _clean.parse_code(s, ("low", "medium", "high"))),
    ("parse_method", lambda s: _clean.parse_method(s)),
    ("parse_licence", lambda s: _clean.parse_licence(s)),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_messy_cell, max_size=12))
def test_cleaners_never_raise_and_unknown_stays_unknown(cells):
    s = pd.Series(cells, dtype=object, index=pd.RangeIndex(5, 5 + len(cells)))
    for name, fn in _CLEANERS:
        values, problems = fn(s)
        assert len(values) == len(s) and values.index.equals(s.index), name
        assert problems.index.equals(s.index), name
        blank = s.isna().to_numpy()
        # An empty cell is unknown, never a value and never a complaint.
        assert values[blank].isna().all(), name
        assert problems[blank].isna().all(), name
    _clean.detect_currency(s)
    _clean.normalise_vendor(s.map(lambda v: v if isinstance(v, str) else None))


_FUZZ_HEADERS = {
    "procurement": [*PROC_HEADER, "Number of tenderers", "Procurement method"],
    "inventory": ["System ID", "System name", "Ministry", "Licence", "Users", "Exit clause"],
}
_sheet_cell = st.one_of(
    st.none(),
    _messy_text.filter(lambda t: len(t) < 2000),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(st.lists(_sheet_cell, min_size=0, max_size=6), max_size=8),
       formula_at=st.integers(min_value=0, max_value=40),
       table=st.sampled_from(["procurement", "inventory"]))  # fmt: skip
# A row that looks like a template helper ("#...") is read and filtered, not lost.
@example(rows=[["#"]], formula_at=1, table="procurement")
def test_a_messy_sheet_never_breaks_the_loader_and_accounting_is_exact(
    tmp_path, rows, formula_at, table
):
    path = tmp_path / "messy.xlsx"
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Contracts")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, _FUZZ_HEADERS[table])
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            elif isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, date_fmt)
            else:
                ws.write(i, j, v)
    r, c = divmod(formula_at, 6)
    if r < len(rows):
        ws.write_formula(r + 1, c, "=1/0", None, "#DIV/0!")
    wb.close()
    res = (read_procurement if table == "procurement" else read_inventory)([path])
    assert not res.unusable_files, res.files
    _accounting_holds(res)
    nonblank = sum(
        any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row)
        or (formula_at // 6 == i)
        for i, row in enumerate(rows)
    )
    assert int(res.files["rows_read"].sum()) == nonblank
    assert res.rejects["row"].between(2, len(rows) + 1).all()
    validate_table(table, res.table)
