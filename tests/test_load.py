"""Loaders: mapping, cleaning, validation and exact row accounting."""

from __future__ import annotations

import csv
import os
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from ospo_analytics._config import load_config
from ospo_analytics._load import (
    ACTION_REJECT,
    ACTION_UNKNOWN,
    load_inputs,
    read_inventory,
    read_procurement,
    read_questionnaire,
    read_tables,
    validate_table,
    write_processed,
)

REALDATA = Path(
    os.environ.get("OSPO_REALDATA", Path(__file__).parents[1] / ".." / "shared" / "realdata")
)


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, str):
                    ws.write_string(i, j, v)  # text stays text, even "=..."
                elif v is not None:
                    ws.write(i, j, v)
    wb.close()
    return path


def _accounting_holds(res):
    f = res.files
    assert (f["rows_read"] == f["loaded"] + f["filtered"] + f["rejected"]).all(), f
    assert int(f["loaded"].sum()) == len(res.table)
    rejected_rows = res.rejects[res.rejects["action"] == "row rejected"]
    assert len(rejected_rows) == int(f["rejected"].sum())


def test_procurement_with_title_rows_spanish_headers_and_bad_rows(tmp_path):
    path = _xlsx(
        tmp_path / "compras.xlsx",
        {
            "2021": [
                ["República de Tamarindo — contratos TIC 2021"],
                [],
                ["Entidad", "Proveedor", "Monto", "Fecha", "Modalidad", "Número de oferentes"],
                [
                    "Ministerio de Salud",
                    "Oracle Corp.",
                    "TT$1,234.50",
                    "15/03/2021",
                    "Licitación pública",
                    1,
                ],
                [
                    "Ministerio de Salud",
                    "ORACLE CORPORATION",
                    "1.234,50",
                    44270,
                    "Contratación directa",
                    None,
                ],
                ["Ministerio de Salud", "ACME Ltd", "TBD", "2021-03-04", "Direct award", None],
                [None, "ACME Ltd", 100, "2021-03-04", "Direct award", None],
                [],
                ["Ministerio de Salud", "ACME Ltd", "(500)", "31/02/2021", "", None],
            ]
        },
    )
    res = read_procurement([path])
    _accounting_holds(res)
    t = res.table
    assert len(t) == 3
    assert t["amount"].tolist() == [1234.5, 1234.5, -500.0]
    assert t["method"].tolist()[:2] == ["open", "direct"]
    assert pd.isna(t["method"].iloc[2])
    # Oracle spellings are one supplier; the raw spelling is kept.
    assert t["supplier"].iloc[0] == t["supplier"].iloc[1]
    assert set(t["supplier_raw"].iloc[:2]) == {"Oracle Corp.", "ORACLE CORPORATION"}
    assert t["source_row"].tolist() == [4, 5, 9]
    assert t["currency"].iloc[0] == "TTD"
    rej = res.rejects.set_index("row")
    assert rej.loc[6, "column"] == "amount" and rej.loc[6, "action"] == "row rejected"
    assert rej.loc[7, "column"] == "ministry"
    # The impossible date does not cost the row its spend: kept, date unknown.
    assert rej.loc[9, "column"] == "award_date" and rej.loc[9, "action"].startswith("row kept")
    assert pd.isna(t["award_date"].iloc[2])
    validate_table("procurement", t)


def test_missing_required_column_names_it_and_the_aliases(tmp_path):
    # (A missing system id no longer makes a file unusable: ids are derived
    # from ministry and name. A missing ministry cannot be derived.)
    path = _xlsx(tmp_path / "inv.xlsx", {"Systems": [["System ID", "Name"], ["P1", "Payroll"]]})
    res = read_inventory([path])
    assert res.unusable_files == [str(path)]
    err = res.files["error"].iloc[0]
    assert "ministry" in err and "aliases tried" in err and "agency" in err
    _accounting_holds(res)


def test_duplicate_system_ids_are_rejected_with_the_first_location(tmp_path):
    path = _xlsx(
        tmp_path / "inv.xlsx",
        {
            "S": [
                ["System ID", "System name", "Ministry"],
                ["A1", "Payroll", "Finance"],
                ["a1 ", "Payroll copy", "Finance"],
                ["B2", "HR", "Finance"],
            ]
        },
    )
    res = read_inventory([path])
    _accounting_holds(res)
    assert res.table["system_id"].tolist() == ["A1", "B2"]
    problem = res.rejects["problem"].iloc[0]
    assert "duplicate system_id" in problem and "row 2" in problem


def test_other_files_still_load_when_one_is_unusable(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook at all" * 10)
    good = _xlsx(
        tmp_path / "ok.xlsx", {"S": [["System ID", "System name", "Ministry"], ["A", "X", "M"]]}
    )
    res = read_inventory([bad, good])
    assert res.unusable_files == [str(bad)]
    assert len(res.table) == 1


def test_each_file_read_whole_decides_its_own_number_convention(tmp_path):
    # A German export (1.234,56) and a US one (1,234.56) in one load: each
    # file's "5.000" is read by that file's own convention, as a streamed
    # file's is and as date order is; cleaned as one column, both rows were
    # rejected because "the column mixes both styles".
    de = tmp_path / "de.csv"
    de.write_text(
        'ministry,supplier,amount\nFinance,Acme,"1.234,56"\nFinance,Acme,5.000\n',
        encoding="utf-8",
    )
    us = tmp_path / "us.csv"
    us.write_text(
        'ministry,supplier,amount\nHealth,Bolt,"1,234.56"\nHealth,Bolt,5.000\n',
        encoding="utf-8",
    )
    res = read_procurement([de, us])
    assert res.rejects.empty
    assert res.table["amount"].tolist() == [1234.56, 5000.0, 1234.56, 5.0]
    # Alone, each file reads the same.
    for path, want in ((de, [1234.56, 5000.0]), (us, [1234.56, 5.0])):
        assert read_procurement([path]).table["amount"].tolist() == want


def test_files_cleaned_together_or_one_by_one_give_the_same_load(tmp_path, monkeypatch):
    # Small files read whole are cleaned together (one fixed cost), a big one
    # as soon as it is read; each decides its own number convention and date
    # order either way, so the batching changes nothing.
    from ospo_analytics import _load

    texts = {
        "de.csv": 'ministry,supplier,amount,award_date\nM,A,"1.234,56",25/12/2021\nM,A,5.000,03/04/2021\n',
        "us.csv": 'ministry,supplier,amount,award_date\nM,B,"1,234.56",12/25/2021\nM,B,5.000,03/04/2021\n',
        "plain.csv": "ministry,supplier,amount,award_date\nM,C,7.000,2021-01-02\nM,C,x,2021-01-03\n",
    }
    paths = []
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    calls = []
    clean_frame = _load._clean_frame

    def counted(*args, **kwargs):
        calls.append(len(args[1]))
        return clean_frame(*args, **kwargs)

    monkeypatch.setattr(_load, "_clean_frame", counted)
    together = read_procurement(paths)
    assert calls == [6]
    monkeypatch.setattr(_load, "CLEAN_BATCH_ROWS", 1)
    calls.clear()
    alone = read_procurement(paths)
    assert calls == [2, 2, 2]
    for a, b in ((together.table, alone.table), (together.rejects, alone.rejects)):
        pd.testing.assert_frame_equal(a, b)
    assert together.table["amount"].tolist() == [1234.56, 5000.0, 1234.56, 5.0, 7000.0]
    dates = together.table["award_date"].dt.strftime("%Y-%m-%d").tolist()
    assert dates == ["2021-12-25", "2021-04-03", "2021-12-25", "2021-03-04", "2021-01-02"]


def test_cleaning_rejects_of_several_files_come_in_one_table_order(tmp_path):
    # Files read whole are cleaned one at a time; their rejects still come as
    # for one table: rejected rows in file order, then the cells set to
    # unknown column by column (each in file order).
    rows = "ministry,supplier,amount,award_date,tenderers\n"
    a = tmp_path / "a.csv"
    a.write_text(rows + "M,S,abc,2021-01-01,x\nM,S,10,2021-13-45,2\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text(rows + "M,S,20,2021-01-01,y\nM,S,,2021-01-01,1\n", encoding="utf-8")
    rej = read_procurement([a, b]).rejects
    got = list(zip(rej["file"].map(lambda f: Path(f).name), rej["row"], rej["column"], strict=True))
    assert got == [
        ("a.csv", 2, "amount"),
        ("b.csv", 3, "amount"),
        ("a.csv", 3, "award_date"),
        ("b.csv", 2, "tenderers"),
    ]
    assert rej["action"].tolist() == [ACTION_REJECT] * 2 + [ACTION_UNKNOWN] * 2


def test_a_file_whose_cleaning_fails_is_reported_and_the_others_load(tmp_path, monkeypatch):
    from ospo_analytics import _load

    good = tmp_path / "good.csv"
    good.write_text("ministry,supplier,amount\nM,S,10\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("ministry,supplier,amount\nM,T,20\nM,T,abc\n", encoding="utf-8")
    clean_frame = _load._clean_frame

    def failing(table, frame, *args, **kwargs):
        if frame["source_file"].astype(str).str.endswith("bad.csv").any():
            raise RuntimeError("a bug in a cleaner")
        return clean_frame(table, frame, *args, **kwargs)

    monkeypatch.setattr(_load, "_clean_frame", failing)
    res = read_procurement([bad, good])
    assert res.table["supplier"].tolist() == ["S"]
    assert res.rejects.empty  # nothing of bad.csv is kept, not even its rejects
    rec = res.files.set_index(res.files["file"].map(lambda f: Path(f).name))
    assert "a bug in a cleaner" in rec.loc["bad.csv", "error"]
    assert rec.loc["good.csv", "loaded"] == 1


def test_questionnaire_one_sheet_per_ministry(tmp_path):
    path = _xlsx(
        tmp_path / "q.xlsx",
        {
            "Ministry of Health": [
                ["Point", "Question", "Answer"],
                ["PRC-1", "…", "Yes"],
                ["GOV-1", "…", "Partly"],
                ["EXT-1", "…", "banana"],
            ],
            "Ministry of Finance": [["Point ID", "Answer"], ["PRC-1", "No"]],
        },
    )
    res = read_questionnaire([path])
    _accounting_holds(res)
    t = res.table
    assert sorted(t["ministry"].unique()) == ["Ministry of Finance", "Ministry of Health"]
    assert (
        t.set_index(["ministry", "point"]).loc[("Ministry of Health", "GOV-1"), "answer"]
        == "partly"
    )
    assert len(t) == 3  # 'banana' is not an answer: rejected, naming the cell
    assert "banana" in res.rejects["value"].tolist()


def test_write_and_read_back_processed(tmp_path):
    inv = _xlsx(
        tmp_path / "inv.xlsx",
        {
            "S": [
                ["System ID", "System name", "Ministry", "Hosting"],
                ["A", '=HYPERLINK("http://x","click")', "M", "??"],
            ]
        },
    )
    cfg = load_config(root=tmp_path)
    inputs = load_inputs(cfg, inventory=[inv], procurement=[], questionnaire=[])
    written = write_processed(inputs, tmp_path / "processed")
    assert {p.name for p in written} >= {"inventory.parquet", "rejects.csv", "load_report.csv"}
    inv_t, proc_t, q_t = read_tables(tmp_path / "processed")
    assert inv_t["system_name"].iloc[0].startswith("=HYPERLINK")  # data kept as text
    assert len(proc_t) == 0 and list(proc_t.columns)[:3] == ["ministry", "supplier", "amount"]
    rejects = (tmp_path / "processed" / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "hosting" in rejects
    # Every file gets the permissions of any new file of the process (the
    # umask's), tables as the CSVs: a temporary file's owner-only mode would
    # hide a scheduled run's tables from the team reading them.
    umask = os.umask(0o022)
    os.umask(umask)
    assert {p.name: p.stat().st_mode & 0o777 for p in written} == dict.fromkeys(
        (p.name for p in written), 0o666 & ~umask
    )


US_CONFIG = """
[project]
currency = "USD"

[reading]
dayfirst = false

[columns.procurement]
ministry = ["Agency Name"]
system_id = ["Unique Investment Identifier"]
system_name = ["Investment Title"]
supplier = ["Vendor Name (USAspending)"]
amount = ["Action Obligation Amount (In $ million) (USAspending)"]
start_date = ["Contract Start Date (USAspending)"]
end_date = ["Contract End Date (USAspending)"]
method = ["Contract Compete (USAspending)"]
contract_id = ["Contract Number (PIID)"]
description = ["Contract Description (USAspending)"]

[scale.procurement]
amount = 1000000

[values.method]
Y = "open"
N = "limited"
U = ""
"""


def test_us_it_dashboard_loads_through_an_ospo_toml_mapping(tmp_path):
    src = REALDATA / "procurement" / "us_itdashboard" / "itdashboard_contracts_2012.csv"
    if not src.exists():
        pytest.skip(f"real data not found at {src} (set OSPO_REALDATA)")
    cfg_path = tmp_path / "ospo.toml"
    cfg_path.write_text(textwrap.dedent(US_CONFIG))
    res = read_procurement([src], load_config(cfg_path))
    _accounting_holds(res)
    # Independent count of data rows, and of rows with no usable amount.
    with src.open(encoding="latin-1", newline="") as fh:
        rows = list(csv.DictReader(fh))
    amount_col = "Action Obligation Amount (In $ million) (USAspending)"
    no_amount = sum(1 for r in rows if not r[amount_col].strip())
    no_agency = sum(1 for r in rows if not r["Agency Name"].strip() and r[amount_col].strip())
    assert int(res.files["rows_read"].sum()) == len(rows) == 3893
    assert len(res.table) == len(rows) - no_amount - no_agency
    t = res.table
    expected_total = sum(
        float(r[amount_col]) for r in rows if r[amount_col].strip() and r["Agency Name"].strip()
    )
    assert t["amount"].sum() == pytest.approx(expected_total * 1e6, rel=1e-9)
    compete = {r["Contract Compete (USAspending)"] for r in rows}
    assert "Y" in compete
    assert set(t["method"].dropna()) <= {"open", "limited"}
    assert (t["currency"] == "USD").all()
    # Month-first dates were recognised (01/27/2011 is January 27).
    first = t.iloc[0]
    assert first["start_date"] == pd.Timestamp("2011-01-27")
    # Vendor spellings clustered: fewer suppliers than raw spellings.
    assert t["supplier"].nunique() < t["supplier_raw"].nunique()
    validate_table("procurement", t)


def test_read_tables_reads_only_the_columns_asked_for(tmp_path):
    """A step that needs a few procurement columns does not pay for the rest."""
    from ospo_analytics import load_config, load_inputs, read_tables, write_demo, write_processed

    write_demo(tmp_path)
    config = load_config(root=tmp_path)
    write_processed(load_inputs(config, progress=False), config.processed_dir)
    inv, full, _ = read_tables(config.processed_dir)
    _, some, _ = read_tables(
        config.processed_dir, columns={"procurement": ["supplier", "amount", "ministry"]}
    )
    assert list(some.columns) == ["ministry", "supplier", "amount"]  # canonical order
    pd.testing.assert_frame_equal(some, full[["ministry", "supplier", "amount"]])
    assert len(inv.columns) > 20  # other tables whole
    with pytest.raises(ValueError, match="amount_usd"):
        read_tables(config.processed_dir, columns={"procurement": ["amount_usd"]})


@pytest.mark.parametrize(
    "it_filter", ["", "[it_filter]\nprefixes = []\n", "[it_filter]\nenabled = false\n"]
)
def test_is_it_once_per_distinct_code_equals_every_row(tmp_path, it_filter):
    """The IT flag decided per distinct code is the flag of every row decided
    alone: missing, empty and non-numeric codes stay unknown."""
    from ospo_analytics._load import _is_it

    cfg = tmp_path / "ospo.toml"
    cfg.write_text(it_filter)
    config = load_config(cfg)
    codes = ["48000000-8", None, "72000000", "x", "", "45000000-7", pd.NA, "48000000-8", "302"]
    s = pd.Series(codes * 3, dtype="string", index=range(5, 5 + 3 * len(codes)))
    flt = config["it_filter"]
    digits = s.str.replace(r"[^0-9]", "", regex=True)
    prefixes = tuple(str(p) for p in flt.get("prefixes", []))
    every = (digits.str.startswith(prefixes) if prefixes else digits.notna()).astype("boolean")
    every = every.mask(digits.isna() | (digits == ""), pd.NA)
    if not flt.get("enabled", True):
        every = pd.Series(pd.NA, index=s.index, dtype="boolean")
    pd.testing.assert_series_equal(_is_it(s, config), every)
    assert len(_is_it(s.iloc[:0], config)) == 0


@pytest.mark.parametrize("distinct", [1, 4_999, 5_000, 5_001, 9_999, 10_001, 20_000])
@pytest.mark.parametrize("layout", ["repeats_first", "distinct_first", "missing_first"])
def test_distinct_texts_of_arrow_text_equal_those_of_objects(distinct, layout):
    """Arrow text (the streaming loader's) decides per distinct text exactly
    as the same text in objects: the early look at the first rows only ends
    columns that are mostly distinct, at the limit (a quarter) and past it."""
    import numpy as np

    from ospo_analytics._clean.schema import columns as table_columns
    from ospo_analytics._load import _distinct_texts

    col = next(c for c in table_columns("procurement") if c.name == "contract_id")
    n = 20_000
    texts = [f"C-{i:05d}" for i in range(distinct)]
    fill = ["C-00000"] * (n - distinct) if layout == "repeats_first" else [None] * (n - distinct)
    values = texts + fill if layout == "distinct_first" else fill + texts
    objects = pd.Series(values, dtype=object)
    got = _distinct_texts(col, objects.astype("string"))
    want = _distinct_texts(col, objects)
    assert (got is None) == (want is None) == (distinct > n // 4)
    if want is not None:
        assert got is not None
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1].tolist() == want[1].tolist()


def test_currency_stated_then_read_from_the_amount_then_the_project_default(tmp_path):
    """A stated currency wins; a blank one takes the amount's own ("TT$ 5",
    "5 EUR"); an amount without one takes ``[project] currency``."""
    path = tmp_path / "contracts.csv"
    path.write_text(
        "ministry,supplier,amount,currency\n"
        "Health,A,TT$ 5,USD\n"  # stated: kept, whatever the amount says
        "Health,B,TT$ 6,\n"
        "Health,C,7 EUR,\n"
        "Health,D,8,\n"
        "Health,E,$ 9,\n",  # a bare $ is ambiguous: the default decides
        encoding="utf-8",
    )
    cfg = tmp_path / "ospo.toml"
    cfg.write_text('[project]\ncurrency = "jmd"\n', encoding="utf-8")
    t = read_procurement([path], load_config(cfg)).table
    assert t["currency"].tolist() == ["USD", "TTD", "EUR", "JMD", "JMD"]


def test_header_repeats_and_totals_lines_are_filtered_with_the_reason(tmp_path):
    # A bilingual second header line and a page header repeated mid-sheet
    # loaded as systems of ministries "Ministry" and "Ministerio"; a "Grand
    # Total" line loaded as a contract and doubled the spend.
    inv = _xlsx(
        tmp_path / "inv.xlsx",
        {
            "Inventario": [
                ["Identificador", "Nombre del sistema", "Ministerio", "Proveedor"],
                ["System ID", "System name", "Ministry", "Vendor"],
                ["S1", "Payroll", "Ministry of Health", "Acme"],
                ["Identificador", "Nombre del sistema", "Ministerio", "Proveedor"],
                ["S2", "Mail", "Ministry of Health", "Acme"],
            ]
        },
    )
    res = read_inventory([inv])
    assert res.table["system_id"].tolist() == ["S1", "S2"]
    f = res.files.iloc[0]
    assert (f["rows_read"], f["loaded"], f["filtered"], f["rejected"]) == (4, 2, 2, 0)
    rej = res.rejects
    assert rej["row"].tolist() == [2, 4] and (rej["action"] == "filtered out").all()
    assert rej["problem"].str.startswith("a header row repeated").all()

    proc = tmp_path / "proc.csv"
    proc.write_text(
        "Ministry,Supplier,Amount\n"
        "Ministry of Energy,TOTAL,500\n"  # the oil company: data
        "Ministry of Energy,Total Solutions Ltd,200\n"
        "Sous-total Ministère,,700\n"
        "Grand Total,,700\n"
        "TOTAL:,,700\n",
        encoding="utf-8",
    )
    res = read_procurement([proc])
    assert res.table["amount"].tolist() == [500, 200]
    assert res.table["supplier"].tolist() == ["TOTAL", "Total Solutions Ltd"]
    f = res.files.iloc[0]
    assert (f["loaded"], f["filtered"], f["rejected"]) == (2, 3, 0)
    assert res.rejects["value"].tolist() == ["Sous-total Ministère", "Grand Total", "TOTAL:"]
    assert res.rejects["problem"].str.startswith("a totals line").all()


def _mixed_currencies(tmp_path: Path, toml: str):
    (tmp_path / "ospo.toml").write_text(toml, encoding="utf-8")
    proc = tmp_path / "proc.csv"
    proc.write_text(
        "Ministry,Supplier,Amount,Currency,Original amount\n"
        'Ministry of Finance,Local SA,"5,000,000",,\n'  # the project's (default)
        'Ministry of Finance,Global Inc,"10,000",USD,8000\n'
        "Ministry of Finance,Euro AG,€1000,,\n"  # the cell says EUR
        "Ministry of Finance,Local SA,7000,TTD,\n",
        encoding="utf-8",
    )
    return read_procurement([proc], load_config(root=tmp_path))


def test_amounts_in_another_currency_are_never_added_as_if_they_were_one(tmp_path):
    res = _mixed_currencies(tmp_path, '[project]\ncurrency = "TTD"\n')
    t = res.table
    assert t["amount"].tolist()[::3] == [5_000_000, 7000]
    assert t["amount"].iloc[1:3].isna().all() and t["original_amount"].isna().all()
    assert t["currency"].tolist() == ["TTD", "USD", "EUR", "TTD"]  # as stated
    w = res.rejects[res.rejects["column"] == "amount"]
    assert w["row"].tolist() == [3, 4] and (w["action"] == ACTION_UNKNOWN).all()
    assert w["problem"].iloc[0].startswith("amount in USD, not TTD: not added")
    assert "[currencies.rates] USD" in w["problem"].iloc[0]
    assert res.files["loaded"].tolist() == [4]  # the contracts stay
    assert "1 amount(s) in USD left unknown" in res.files["notes"].iloc[0]


def test_amounts_are_converted_at_the_configured_rates(tmp_path):
    res = _mixed_currencies(
        tmp_path, '[project]\ncurrency = "TTD"\n[currencies.rates]\nusd = 6.8\nEUR = 7.4\n'
    )
    t = res.table
    assert t["amount"].tolist() == [5_000_000, 68_000, 7400, 7000]
    assert t["original_amount"].iloc[1] == 8000 * 6.8
    assert t["currency"].tolist() == ["TTD"] * 4
    assert not (res.rejects["column"] == "amount").any()
    assert "1 amount(s) in USD converted at 6.8 TTD" in res.files["notes"].iloc[0]


def test_without_a_project_currency_the_one_most_rows_state_is_the_reference(tmp_path):
    (tmp_path / "ospo.toml").write_text("", encoding="utf-8")
    proc = tmp_path / "proc.csv"
    proc.write_text(
        "Ministry,Supplier,Amount,Currency\nM,A,1,PYG\nM,B,2,PYG\nM,C,3,USD\n", encoding="utf-8"
    )
    res = read_procurement([proc], load_config(root=tmp_path))
    assert res.table["amount"].isna().tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[currencies.rates]\nUSD = 0\n", "above 0"),
        ('[currencies.rates]\nUSD = "7"\n', "above 0"),
        ("[currencies.rates]\nDOLLAR = 7\n", "three-letter ISO 4217"),
    ],
)
def test_bad_rates_are_config_errors(tmp_path, toml, message):
    from ospo_analytics._config import ConfigError

    (tmp_path / "ospo.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(root=tmp_path)


def test_questionnaire_answers_read_as_written_and_one_per_point(tmp_path):
    # "Partially implemented" read "yes" (the longer word won), "Unknown /
    # not done" read "no", "N/A" left the answer empty (row rejected), and a
    # point answered "Yes" then "No" averaged to 0.5, read as "partly".
    q = tmp_path / "q.csv"
    q.write_text(
        "ministry,point,answer\n"
        "Ministry of Finance,PRC-1,Partially implemented\n"
        "Ministry of Finance,PRC-2,Not implemented\n"
        "Ministry of Finance,PRC-3,Unknown / not done\n"
        "Ministry of Finance,SKL-1,Yes\n"
        "Ministry of Finance,SKL-1,No\n"
        "Ministry of Finance,SKL-2,N/A\n"
        "Ministry of Finance,GOV-1,yes\n"
        "ministry of finance,GOV-1,Yes\n",
        encoding="utf-8",
    )
    res = read_questionnaire([q], load_config(root=tmp_path))
    got = dict(zip(res.table["point"], res.table["answer"], strict=True))
    assert got == {"PRC-1": "partly", "PRC-2": "no", "SKL-2": "unknown", "GOV-1": "yes"}
    why = res.rejects.set_index("row")["problem"]
    assert why[4].startswith("unclear code 'Unknown / not done'")
    assert (
        why[5] == why[6] == "point answered differently: yes (row 5), no (row 6); left unanswered"
    )
    assert why[9].startswith("point answered again")
    f = res.files.iloc[0]
    assert (f["rows_read"], f["loaded"], f["rejected"]) == (8, 4, 4)


def test_more_open_interfaces_than_interfaces_is_unknown_not_the_best_score(tmp_path):
    # open=30 of total=3 was clamped to 3 of 3: L8 = 0, the lowest risk.
    import datetime as dt

    from ospo_analytics._score.systems import score

    inv = tmp_path / "inv.csv"
    inv.write_text(
        "system_id,system_name,ministry,interfaces_total,interfaces_open\n"
        "I1,One,Ministry of Finance,3,30\nI2,Two,Ministry of Finance,3,3\n",
        encoding="utf-8",
    )
    res = read_inventory([inv], load_config(root=tmp_path))
    assert res.table["interfaces_open"].isna().tolist() == [True, False]
    assert res.rejects["problem"].iloc[0].startswith("more open interfaces (30) than")
    # Given straight to the scorer (no loader), the pair is unknown too.
    raw = res.table.assign(interfaces_open=pd.array([30, 3], dtype="Int64"))
    got = score(raw, None, as_of=dt.date(2024, 6, 30)).factors
    l8 = got[got["factor"] == "L8"].set_index("system_id")["value"]
    assert pd.isna(l8["I1"]) and l8["I2"] == 0


def test_a_contract_ending_before_it_starts_has_its_end_unknown(tmp_path):
    proc = tmp_path / "p.csv"
    proc.write_text(
        "Ministry,Supplier,Amount,Start date,End date\n"
        "M,Acme,1,2021-05-01,2020-05-01\nM,Beta,1,2015-01-01,2016-01-01\n",
        encoding="utf-8",
    )
    res = read_procurement([proc], load_config(root=tmp_path))
    assert res.table["end_date"].isna().tolist() == [True, False]
    w = res.rejects
    assert w["column"].tolist() == ["end_date"] and w["action"].tolist() == [ACTION_UNKNOWN]
    assert w["problem"].iloc[0] == (
        "ends (2020-05-01) before it starts (2021-05-01): the end date is left unknown"
    )
