"""Safe outputs: slugs, formula-proof spreadsheets, escaping, atomic writes."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ospo_analytics._safe import (
    atomic_symlink,
    atomic_write_text,
    csv_safe,
    esc,
    sheet_name,
    slugify,
    write_csv_safe,
    write_xlsx,
)

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_slug_is_a_safe_segment(name: str) -> None:
    slug = slugify(name)
    assert SLUG.match(slug), slug
    assert len(slug) <= 60 + 9
    assert slug not in (".", "..")


@pytest.mark.parametrize(
    "name",
    [
        "..",
        "../../etc/passwd",
        "a/b\\c",
        "CON",
        "nul",
        "x\x00y",
        "Ministère de l'Éducation",
        "é" * 300,
        "",
        " ",
        "مستشفى",
        "Santé/../..",
    ],
)
def test_slug_stays_inside_out_dir(name: str, tmp_path: Path) -> None:
    target = (tmp_path / slugify(name)).resolve()
    assert target.parent == tmp_path.resolve()
    target.mkdir()  # a real, creatable folder


def test_slug_unique_and_readable() -> None:
    assert slugify("Health") != slugify("health") != slugify("../health")
    assert slugify("Ministère de la Santé").startswith("ministere-de-la-sante-")
    assert slugify("x") == slugify("x")  # deterministic across runs


def test_csv_safe_prefixes_formula_cells(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"name": ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "ok", None], "n": range(7)}
    )
    out = csv_safe(df)
    assert out["name"].tolist()[:6] == ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", "ok"]
    assert pd.isna(out["name"].iloc[6])
    assert df["name"].iloc[0] == "=1+1"  # input untouched
    write_csv_safe(df, tmp_path / "x.csv")
    back = pd.read_csv(tmp_path / "x.csv", encoding="utf-8-sig")
    assert back["name"].iloc[0] == "'=1+1"


def test_xlsx_formula_text_is_a_string(tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://x","click")'
    df = pd.DataFrame(
        {
            "system_name": [hostile, "+1", "plain"],
            "lockin_score": [80.5, None, 10.0],
            "spend_total": [1e6, 2.5e5, None],
            "known": pd.array([True, None, False], dtype="boolean"),
            "end": pd.to_datetime(["2026-01-31", None, "2027-05-01"]),
        }
    )
    path = tmp_path / "s.xlsx"
    write_xlsx({"Systems": df, "Systems/with:bad*chars?": df.head(1)}, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Systems" and len(wb.sheetnames) == 2
    ws = wb["Systems"]
    cell = ws["A2"]
    assert cell.data_type == "s" and cell.value == hostile
    assert ws["A3"].data_type == "s" and ws["A3"].value == "+1"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None
    assert ws["B3"].value is None  # unknown stays blank, not 0
    assert ws.conditional_formatting  # colour scale on the score column
    for row in ws.iter_rows():
        for c in row:
            assert not (isinstance(c.value, str) and c.data_type == "f")


def test_sheet_names_unique_and_valid() -> None:
    used = ["Systems"]
    name = sheet_name("Systems", used)
    assert name != "Systems" and len(name) <= 31
    assert len(sheet_name("x" * 50)) == 31
    assert not set("[]:*?/\\") & set(sheet_name("a[b]:c*d?e/f\\g"))


def test_esc() -> None:
    assert esc('<b>"x"&\'') == "&lt;b&gt;&quot;x&quot;&amp;&#x27;"
    assert esc(None) == "unknown"
    assert esc(float("nan")) == "unknown"


def test_atomic_symlink_replaces(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = tmp_path / "latest"
    atomic_symlink("a", link)
    atomic_symlink("b", link)
    assert link.resolve() == (tmp_path / "b").resolve()
    atomic_write_text(tmp_path / "f.txt", "x")
    assert (tmp_path / "f.txt").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
