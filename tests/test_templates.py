"""Data-collection templates: layout, translations, helper rows, round trip."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as pc
from openpyxl.utils import column_index_from_string, get_column_letter

from ospo_analytics._clean import templates as T
from ospo_analytics._clean.schema import TABLES, columns
from ospo_analytics._config import load_config

LANGS = ("en", "es", "fr")
POINTS_FILE = Path(T.__file__).resolve().parents[1] / "data" / "readiness_points.toml"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """One set of templates per language: {lang: {table: path}}."""
    out = {}
    for lang in LANGS:
        d = tmp_path_factory.mktemp(f"tpl_{lang}")
        paths = T.write_templates(d, lang=lang)
        out[lang] = {p.name.removesuffix("_template.xlsx"): p for p in paths}
    return out


def _data_sheet(path: Path):
    wb = openpyxl.load_workbook(path)
    return wb, wb.worksheets[0]


def _row(ws, r: int) -> list:
    return [c.value for c in ws[r]]


def _validation_for(ws, col_letter: str):
    """The data validation covering column ``col_letter`` on row 10, if any."""
    cell = f"{col_letter}10"
    hits = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(hits) <= 1, f"overlapping validations on {cell}"
    return hits[0] if hits else None


def _list_values(wb, formula: str) -> list[str]:
    """Resolve a list validation source like ='Instructions'!$B$40:$B$44."""
    m = re.fullmatch(r"'?([^'!]+)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", formula.lstrip("="))
    assert m, formula
    sheet, c1, r1, c2, r2 = m.groups()
    assert c1 == c2
    ws = wb[sheet]
    col = column_index_from_string(c1)
    return [ws.cell(r, col).value for r in range(int(r1), int(r2) + 1)]


# ---------------------------------------------------------------- files


def test_writes_three_files_and_rejects_unknown_language(tmp_path, written):
    for lang in LANGS:
        assert sorted(written[lang]) == ["inventory", "procurement", "questionnaire"]
        assert all(p.stat().st_size > 0 for p in written[lang].values())
    with pytest.raises(ValueError, match="en, es, fr"):
        T.write_templates(tmp_path, lang="de")
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize("lang", LANGS)
def test_row1_is_canonical_in_every_language(written, lang):
    for table, path in written[lang].items():
        _, ws = _data_sheet(path)
        header = _row(ws, 1)
        canonical = [c.name for c in columns(table)]
        # Canonical columns in schema order; the questionnaire adds helper columns.
        assert [h for h in header if h in canonical] == canonical
        if table != "questionnaire":
            assert header == canonical


@pytest.mark.parametrize("lang", LANGS)
def test_required_columns_are_visibly_marked(written, lang):
    for table, path in written[lang].items():
        _, ws = _data_sheet(path)
        req = {c.name for c in columns(table) if c.required}
        fills = {c.value: c.fill.fgColor.rgb for c in ws[1]}
        req_fill = {fills[n] for n in req}
        opt_fill = {v for k, v in fills.items() if k not in req}
        assert len(req_fill) == 1 and req_fill.isdisjoint(opt_fill), table
        word = T._texts()[lang]["required"]
        expl = dict(zip(_row(ws, 1), _row(ws, 2), strict=True))
        for name, text in expl.items():
            assert (word in text) == (name in req), (table, name, text)


def test_english_explanations_come_from_the_schema(written):
    for table, path in written["en"].items():
        _, ws = _data_sheet(path)
        expl = dict(zip(_row(ws, 1), _row(ws, 2), strict=True))
        for c in columns(table):
            assert c.description in expl[c.name]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_column_code_and_point_is_translated(lang):
    texts = T._texts()[lang]
    en = T._texts()["en"]
    for table, cols in TABLES.items():
        for c in cols:
            tr = texts["columns"][table].get(c.name)
            assert tr and tr != c.description, (lang, table, c.name)
    for key, codes in en["codes"].items():
        assert set(texts["codes"][key]) == set(codes), (lang, key)
    points = tomllib.loads(POINTS_FILE.read_text("utf-8"))["point"]
    for p in points:
        tr = texts["points"][p["id"]]
        assert tr["question"] != p["question"] and tr["why"] != p["why"], p["id"]
    # Every UI string of English exists in the other language.
    assert {k for k, v in en.items() if isinstance(v, str)} <= set(texts)


def test_every_code_has_a_meaning_in_english():
    en = T._texts()["en"]["codes"]
    for cols in TABLES.values():
        for c in cols:
            if c.kind == "code":
                assert set(en[c.name]) == set(c.codes), c.name
    assert set(en["yes_no"]) == {"yes", "no"}
    assert set(en["licences"]) == set(T._texts()["licences"]["suggested"])


@pytest.mark.parametrize("lang", LANGS)
def test_dropdowns_hold_the_canonical_codes(written, lang):
    for table, path in written[lang].items():
        wb, ws = _data_sheet(path)
        header = _row(ws, 1)
        for c in columns(table):
            letter = get_column_letter(header.index(c.name) + 1)
            dv = _validation_for(ws, letter)
            assert dv is not None, (table, c.name)
            assert dv.promptTitle and dv.prompt, (table, c.name)  # input message
            if c.kind in ("code", "bool"):
                want = list(c.codes) if c.kind == "code" else ["yes", "no"]
                assert dv.type == "list", (table, c.name)
                assert _list_values(wb, dv.formula1) == want, (table, c.name)
                assert dv.showErrorMessage and dv.errorStyle in (None, "stop")
                # A generous range: down to row 2000.
                assert f"{letter}2000" in dv.sqref and f"{letter}4" in dv.sqref


@pytest.mark.parametrize("lang", LANGS)
def test_instructions_sheet_and_frozen_header(written, lang):
    for path in written[lang].values():
        wb, ws = _data_sheet(path)
        assert ws.freeze_panes == "B3"
        others = wb.sheetnames[1:]
        assert others and all(T.is_template_helper_sheet(s) for s in others)
        assert not T.is_template_helper_sheet(wb.sheetnames[0])
        instr = wb[others[0]]
        text = " ".join(str(c.value) for row in instr.iter_rows() for c in row if c.value)
        # The instructions talk about every column in the chosen language.
        for name in _row(ws, 1):
            assert name in text
        assert T._texts()[lang]["heading_send"] in text


def _widths(ws) -> dict[int, float]:
    # Adjacent equal columns are stored as one <col min max> range.
    out = {}
    for dim in ws.column_dimensions.values():
        for i in range(dim.min, dim.max + 1):
            out[i] = dim.width
    return out


def test_columns_are_wide_enough(written):
    for path in written["en"].values():
        _, ws = _data_sheet(path)
        widths = _widths(ws)
        for i, cell in enumerate(ws[1], start=1):
            width = widths[i]
            assert width >= len(cell.value) + 2, cell.value
            example = ws.cell(3, i).value  # questionnaire texts wrap instead
            if "questionnaire" not in path.name and isinstance(example, str):
                assert width >= len(example), (cell.value, example)


@pytest.mark.parametrize("lang", LANGS)
def test_questionnaire_lists_every_point(written, lang):
    _, ws = _data_sheet(written[lang]["questionnaire"])
    header = _row(ws, 1)
    points = tomllib.loads(POINTS_FILE.read_text("utf-8"))["point"]
    rows = [dict(zip(header, _row(ws, r), strict=True)) for r in range(3, ws.max_row + 1)]
    assert [r["point"] for r in rows] == [p["id"] for p in points]
    assert {r["answer"] for r in rows} == {"unknown"}  # unanswered stays unknown
    tr = T._texts()[lang].get("points", {})
    for r, p in zip(rows, points, strict=True):
        assert r["question"] == tr.get(p["id"], p)["question"]
        assert r["why_it_matters"] == tr.get(p["id"], p)["why"]


def test_ministry_text_is_never_a_formula(tmp_path):
    hostile = '=HYPERLINK("http://x","click")'
    path = T.write_templates(tmp_path, ministry=hostile)[2]
    _, ws = _data_sheet(path)
    cell = ws.cell(3, 1)
    assert cell.value == hostile and cell.data_type == "s"


# ---------------------------------------------------------------- helper rows


def _calamine_rows(path: Path) -> list[list]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_index(0).to_python()


@pytest.mark.parametrize("lang", LANGS)
def test_helper_rows_are_recognised_as_any_reader_returns_them(written, lang):
    for table, path in written[lang].items():
        rows = _calamine_rows(path)
        n_helpers = 1 if table == "questionnaire" else 2
        for r in rows[1 : 1 + n_helpers]:
            assert T.is_template_helper_row(r), (table, r[:3])
        _, ws = _data_sheet(path)
        for r in range(2, 2 + n_helpers):
            assert T.is_template_helper_row(_row(ws, r))
        if table == "questionnaire":
            assert T.count_leading_helper_rows(rows[1:]) == 1  # stops at the first point
        else:
            body = [*rows[1:], ["DATA-1", "x"]]
            assert T.count_leading_helper_rows(body) == len(body) - 1


def test_helper_row_rule_on_real_rows():
    real = ["MOH-001", "DHIS2", "Ministry of Health", "health-information", None, 3.0]
    assert not T.is_template_helper_row(real)
    assert not T.is_template_helper_row([None, "", float("nan"), pd.NA])
    assert T.is_template_helper_row([None, "  # note from the ministry", "x"])
    # Explanation row with the "#" deleted by hand is still recognised...
    expl = [c.explanation for c in T.template_columns("inventory", "fr")]
    assert T.is_template_helper_row(expl)
    # ...but a real row that reuses one explanation word for word is not.
    assert not T.is_template_helper_row(["MOH-002", expl[1]])
    # The untouched example row without its "#", values as calamine returns them.
    ex = T._example_row("procurement", "es")
    row = [ex.get(c.name) for c in T.template_columns("procurement", "es")]
    row = [float(v) if isinstance(v, int) else v for v in row]
    assert T.is_template_helper_row(row)
    # A real contract sharing the example's supplier and method is data.
    assert not T.is_template_helper_row(
        ["Ministerio de Salud", ex["supplier"], 1000.0, "USD", None, None, None, "limited"]
    )


def test_count_stops_at_first_data_row():
    rows = [["# explanation"], [None, None], ["# example: X"], ["A-1", "name"], ["# later"]]
    assert T.count_leading_helper_rows(rows) == 3


def test_helper_sheet_names_cover_every_language():
    names = {T._texts()[lang]["sheets"]["instructions"] for lang in LANGS}
    assert names == T.TEMPLATE_HELPER_SHEETS
    assert T.is_template_helper_sheet(" INSTRUCCIONES ")
    assert not T.is_template_helper_sheet("Inventario")


# ---------------------------------------------------------------- round trip

_load = pytest.importorskip(
    "ospo_analytics._load", reason="the loader (ospo_analytics._load) is not there yet"
)


def _fill(path: Path, rows: list[dict], start: int = 4) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = _row(ws, 1)
    for r, row in enumerate(rows, start=start):
        for k, v in row.items():
            ws.cell(r, header.index(k) + 1, v)
    wb.save(path)


INVENTORY_ROWS = [
    {
        "system_id": "MOH-001",
        "system_name": "DHIS2",
        "ministry": "Ministry of Health",
        "category": "health-information",
        "licence": "BSD-3-Clause",
        "ip_owner": "third-party",
        "source_code_access": "public-repo",
        "hosting": "government",
        "data_export": "open-format",
        "interfaces_total": 4,
        "interfaces_open": 3,
        "documentation": "complete",
        "in_house_capability": "yes",
        "exit_clause": "no",
        "contract_end": dt.datetime(2026, 12, 31),
        "annual_cost": 12000.5,
        "currency": "USD",
        "criticality": "high",
        "go_live_year": 2019,
    },
    {
        "system_id": "MOH-002",
        "system_name": "HR Suite",
        "ministry": "Ministry of Health",
        "category": "hr",
        "hosting": "foreign",
        "data_export": "none",
        "proprietary_dependencies": "hard",
        "maintained": "no",
    },
]


@pytest.mark.parametrize("lang", LANGS)
def test_filled_inventory_loads_with_no_rejects(tmp_path, lang):
    path = T.write_templates(tmp_path, lang=lang)[0]
    _fill(path, INVENTORY_ROWS)
    res = _load.read_inventory([path])
    assert res.rejects.empty, res.rejects.to_dict("records")
    t = res.table.set_index("system_id")
    assert list(t.index) == ["MOH-001", "MOH-002"]  # example + explanation rows skipped
    assert t.loc["MOH-001", "category"] == "health-information"
    assert bool(t.loc["MOH-001", "in_house_capability"]) is True
    assert bool(t.loc["MOH-001", "exit_clause"]) is False
    assert t.loc["MOH-001", "annual_cost"] == pytest.approx(12000.5)
    assert pd.Timestamp(t.loc["MOH-001", "contract_end"]) == pd.Timestamp("2026-12-31")
    assert pd.isna(t.loc["MOH-002", "licence"])  # blank stays unknown
    assert list(t["source_row"]) == [4, 5]


def test_overwritten_example_row_is_data(tmp_path):
    path = T.write_templates(tmp_path)[0]
    _fill(path, INVENTORY_ROWS[:1], start=3)
    res = _load.read_inventory([path])
    assert res.rejects.empty
    assert list(res.table["system_id"]) == ["MOH-001"]
    assert list(res.table["source_row"]) == [3]


def test_filled_procurement_loads_with_no_rejects(tmp_path):
    path = T.write_templates(tmp_path, lang="fr")[1]
    _fill(
        path,
        [
            {
                "ministry": "Ministère de la Santé",
                "supplier": "Globex SARL",
                "amount": 48000,
                "currency": "XOF",
                "award_date": dt.datetime(2024, 5, 2),
                "method": "open",
                "tenderers": 3,
                "classification": "48000000",
                "brand_name_spec": "no",
            },
            {
                "ministry": "Ministère de la Santé",
                "supplier": "Initech",
                "amount": 9000,
                "method": "direct",
                "classification": "72000000",
            },
        ],
    )
    # A project of its own (no currency set): the amounts' one currency, XOF.
    res = _load.read_procurement([path], load_config(root=tmp_path))
    assert res.rejects.empty, res.rejects.to_dict("records")
    assert list(res.table["method"]) == ["open", "direct"]
    assert list(res.table["amount"]) == [48000, 9000]


def test_filled_questionnaire_loads_with_no_rejects(tmp_path):
    path = T.write_templates(tmp_path, lang="es", ministry="Ministerio de Salud")[2]
    _fill(path, [{"answer": "yes"}, {"answer": "partly"}], start=3)
    res = _load.read_questionnaire([path])
    assert res.rejects.empty, res.rejects.to_dict("records")
    n_points = len(tomllib.loads(POINTS_FILE.read_text("utf-8"))["point"])
    assert len(res.table) == n_points
    assert list(res.table["answer"][:3]) == ["yes", "partly", "unknown"]
    assert set(res.table["ministry"]) == {"Ministerio de Salud"}


def test_wrong_dropdown_value_is_reported_with_its_cell(tmp_path):
    path = T.write_templates(tmp_path)[0]
    bad = dict(INVENTORY_ROWS[1], hosting="on the moon")
    _fill(path, [INVENTORY_ROWS[0], bad])
    res = _load.read_inventory([path])
    rej = res.rejects
    hit = rej[(rej["column"] == "hosting") & (rej["row"] == 5)]
    assert len(hit) == 1, rej.to_dict("records")
    assert hit.iloc[0]["sheet"] == "Inventory"
    assert hit.iloc[0]["value"] == "on the moon"
    assert Path(hit.iloc[0]["file"]).name == "inventory_template.xlsx"
    # Never silently good: the row is either dropped or its hosting unknown.
    kept = res.table[res.table["system_id"] == "MOH-002"]
    assert kept.empty or kept["hosting"].isna().all()
