"""Tests for the demo country generator (``ospo_analytics._demo``).

Planted structure is recomputed from the written files with plain pandas /
openpyxl reading (not with the project's loader), so these tests check what a
user would actually find in the exports.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from importlib import resources
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ospo_analytics._clean import schema as _schema
from ospo_analytics._demo import DemoInfo, write_demo

LOADER_GLOBS = (
    "inventory_*.xlsx",
    "procurement_*.xlsx",
    "procurement_*.csv",
    "questionnaire*.xlsx",
)


# ---------------------------------------------------------------- helpers


def _norm(text: object) -> str:
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", s).strip()


def _alias_index(table: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for col in _schema.columns(table):
        for a in (col.name, *col.aliases):
            index.setdefault(_norm(a), col.name)
    return index


def _canonical_frame(grid: pd.DataFrame, table: str) -> pd.DataFrame:
    """Title row, blank row, header at row 3: return data with canonical names."""
    index = _alias_index(table)
    header = [index.get(_norm(h), h) for h in grid.iloc[2]]
    body = grid.iloc[3:].copy()
    body.columns = header
    return body.reset_index(drop=True)


def _read_xlsx(path: Path, sheet_name: object = 0):
    # "None" is data here (no data export), not pandas' missing-value marker.
    return pd.read_excel(
        path,
        sheet_name=sheet_name,
        header=None,
        engine="calamine",
        keep_default_na=False,
        na_values=[""],
    )


def _amount(v: object, csv_style: bool = False) -> float:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return np.nan
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip()
    if csv_style:
        s = s.replace(".", "").replace(",", ".")
    s = s.replace("TT$", "").replace(",", "")
    try:
        return float(s)
    except ValueError:
        return np.nan


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoInfo]:
    out = tmp_path_factory.mktemp("demo") / "demo"
    return out, write_demo(out, seed=7)


@pytest.fixture(scope="module")
def procurement(demo) -> pd.DataFrame:
    """All procurement rows, canonical columns, amounts parsed, vendors canonical."""
    out, info = demo
    parts = []
    for path in sorted(out.glob("procurement_*.xlsx")):
        for sheet, grid in _read_xlsx(path, sheet_name=None).items():
            df = _canonical_frame(grid, "procurement")
            df["amount_num"] = df["amount"].map(_amount)
            df["file"], df["sheet"] = path.name, sheet
            parts.append(df)
    csv = pd.read_csv(
        out / "procurement_legacy.csv",
        sep=";",
        encoding="cp1252",
        dtype=str,
        keep_default_na=False,
        na_values=[""],
    )
    index = _alias_index("procurement")
    csv.columns = [index[_norm(c)] for c in csv.columns]
    csv["amount_num"] = csv["amount"].map(lambda v: _amount(v, csv_style=True))
    csv["file"], csv["sheet"] = "procurement_legacy.csv", ""
    parts.append(csv)
    df = pd.concat(parts, ignore_index=True)
    canon = {s: k for k, spellings in info.vendor_spellings.items() for s in spellings}
    df["vendor"] = df["supplier"].map(canon)
    df["cpv2"] = df["classification"].astype(str).str[:2]
    return df


@pytest.fixture(scope="module")
def inventory(demo) -> pd.DataFrame:
    out, _ = demo
    parts = []
    for path in sorted(out.glob("inventory_*.xlsx")):
        grid = _read_xlsx(path)
        df = _canonical_frame(grid, "inventory")
        df["file"] = path.name
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------- basics


def test_same_seed_same_bytes_other_seed_differs(demo, tmp_path):
    out, info = demo
    again = write_demo(tmp_path / "again", seed=7)
    assert [p.name for p in again.files] == [p.name for p in info.files]
    for a, b in zip(info.files, again.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = write_demo(tmp_path / "other", seed=8)
    assert any(
        a.read_bytes() != b.read_bytes() for a, b in zip(info.files, other.files, strict=True)
    )


def test_sizes_and_file_names(demo, inventory, procurement):
    out, info = demo
    assert len(info.ministries) >= 12
    assert "Ministry of Finance" in info.ministries
    assert any("Revenue Authority" in m for m in info.ministries)
    assert info.n_systems >= 200
    assert info.n_procurement_rows >= 3000
    globbed = sorted({p for g in LOADER_GLOBS for p in out.glob(g)})
    assert globbed == sorted(info.files)
    assert {f"procurement_{y}.xlsx" for y in range(2020, 2026)} <= {p.name for p in info.files}
    # Counts match what is on disk.
    inv_planted = sum(n for f, n in info.planted_invalid.items() if f.startswith("inventory_"))
    assert len(inventory) == info.n_systems + inv_planted
    assert len(procurement) == info.n_procurement_rows
    # Every schema column appears in the inventories; most files have them all.
    assert set(inventory.columns) >= {c.name for c in _schema.INVENTORY_COLUMNS}


def test_title_rows_headers_and_languages(demo):
    out, info = demo
    languages = set()
    for path in info.files:
        if path.suffix != ".xlsx":
            continue
        for sheet, grid in _read_xlsx(path, sheet_name=None).items():
            title = str(grid.iat[0, 0])
            assert "Tamarind" in title and "2026-01-15" in title, (path.name, sheet)
            assert grid.iloc[1].isna().all(), (path.name, sheet)  # blank row
            table = (
                "inventory"
                if path.name.startswith("inventory")
                else "questionnaire"
                if path.name.startswith("questionnaire")
                else "procurement"
            )
            index = _alias_index(table)
            unknown = [
                h
                for h in grid.iloc[2]
                if _norm(h) not in index and h != "Question" and h != "Pregunta"
            ]
            assert not unknown, (path.name, sheet, unknown)
            languages.add(title.split()[0])
    assert {"Republic", "República", "République"} <= languages
    # Header spellings differ between ministry files.
    ids = {
        h
        for f, m in info.headers.items()
        if f.startswith("inventory_")
        for h, c in m.items()
        if c == "system_id"
    }
    assert len(ids) >= 3


def test_csv_is_cp1252_semicolon_decimal_comma(demo):
    out, _ = demo
    data = (out / "procurement_legacy.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    header = text.split("\r\n", 1)[0]
    assert header.count(";") >= 10 and "Montant" in header
    assert re.search(r";\d{1,3}(\.\d{3})+,\d{2};", text)  # 1.234,50
    assert "è" in text  # accented supplier name survives cp1252


def test_messy_values_present(procurement, inventory, demo):
    _, info = demo
    xl = procurement[procurement["file"].str.endswith(".xlsx")]
    kinds = xl["amount"].map(
        lambda v: (
            "num"
            if isinstance(v, (int, float))
            else ("tt" if str(v).startswith("TT$") else "other")
        )
    )
    assert (kinds == "num").sum() > 500 and (kinds == "tt").sum() > 500

    def date_kind(v):
        if isinstance(v, (dt.datetime, pd.Timestamp)):
            return "cell"
        if isinstance(v, (int, float)) and not pd.isna(v):
            return "serial"
        if isinstance(v, str) and re.fullmatch(r"\d{2}/\d{2}/\d{4}", v):
            return "dmy"
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return "iso"
        return "other"

    assert {"cell", "serial", "dmy", "iso"} <= set(xl["award_date"].map(date_kind))
    serial = xl["award_date"][xl["award_date"].map(date_kind) == "serial"]
    assert serial.between(43831, 46022).all()  # 2020-01-01 .. 2025-12-31
    # Several spellings of one vendor, and missing (unknown) cells.
    oracle = set(procurement.loc[procurement["vendor"] == "Oracle Corporation", "supplier"])
    assert len(oracle) >= 3
    assert procurement["supplier"].notna().all() or procurement["supplier"].isna().sum() <= 5
    assert inventory["licence"].isna().sum() > 0 and inventory["hosting"].isna().sum() > 0
    # Rows linked by id, by name only, and not at all.
    has_id, has_name = procurement["system_id"].notna(), procurement["system_name"].notna()
    assert has_id.sum() > 1000
    assert (has_name & ~has_id).sum() > 50
    assert (~has_name & ~has_id).sum() > 1000
    assert {"48", "72", "30", "45"} <= set(procurement["cpv2"])
    assert procurement["amendments"].notna().sum() > 50


def test_planted_invalid_rows_are_in_the_files(procurement, inventory, demo):
    _, info = demo
    found: dict[str, dict[str, int]] = {}
    bad_dates: dict[str, int] = {}
    for fname, part in procurement.groupby("file"):
        counts = {
            "amount": int((part["amount"].astype(str) == "TBD").sum()),
            "ministry": int(part["ministry"].isna().sum()),
            "supplier": int(part["supplier"].isna().sum()),
        }
        found[fname] = {k: v for k, v in counts.items() if v}
        n = int(part["award_date"].astype(str).str.startswith("31/02/").sum())
        if n:
            bad_dates[fname] = n
    for fname, part in inventory.groupby("file"):
        counts = {
            "ministry": int(part["ministry"].isna().sum()),
            "system_id": int(part["system_id"].isna().sum()),
            "duplicate": int(part["system_id"].dropna().duplicated().sum()),
        }
        found[fname] = {k: v for k, v in counts.items() if v}
        n = int(part["contract_end"].astype(str).str.startswith("31/02/").sum())
        if n:
            bad_dates[fname] = n
    out, _ = demo
    blank = sum(
        int(_canonical_frame(g, "questionnaire")["answer"].isna().sum())
        for g in _read_xlsx(out / "questionnaire.xlsx", sheet_name=None).values()
    )
    found["questionnaire.xlsx"] = {"answer": blank} if blank else {}
    assert {f: d for f, d in found.items() if d} == info.planted_invalid_detail
    assert info.planted_invalid == {f: sum(d.values()) for f, d in found.items() if d}
    assert bad_dates == info.planted_bad_cells
    assert sum(info.planted_invalid.values()) >= 10


# ---------------------------------------------------------------- planted structure


def _it_shares(procurement: pd.DataFrame) -> pd.DataFrame:
    it = procurement[
        procurement["cpv2"].isin(["48", "72", "30"])
        & procurement["amount_num"].notna()
        & procurement["ministry"].notna()
    ]
    spend = it.groupby([it["ministry"].str.strip(), "vendor"])["amount_num"].sum()
    return spend / spend.groupby(level=0).transform("sum")


def test_dominant_vendors_take_most_it_spend(procurement, demo):
    _, info = demo
    assert len(info.dominant_vendors) >= 2
    shares = _it_shares(procurement)
    for ministry, vendor in info.dominant_vendors.items():
        assert shares.loc[(ministry, vendor)] > 0.7, ministry
    others = shares.drop(index=list(info.dominant_vendors), level=0)
    assert others.groupby(level=0).max().max() < 0.6


def test_direct_award_chains_span_six_years(procurement, demo):
    _, info = demo
    assert len(info.direct_award_chains) >= 5
    direct = procurement[
        procurement["method"].isin(
            [r for r, c in info.raw_code_map["method"].items() if c == "direct"]
        )
    ].copy()

    def year(v):
        if isinstance(v, (dt.datetime, pd.Timestamp)):
            return v.year
        if isinstance(v, (int, float)):
            return (dt.date(1899, 12, 30) + dt.timedelta(days=int(v))).year
        return int(re.search(r"(20\d\d)", str(v)).group(1))

    direct["year"] = direct["award_date"].map(year)
    years = direct.dropna(subset=["system_id"]).groupby(["system_id", "vendor"])["year"].nunique()
    chained = set(years[years >= 6].index.get_level_values(0))
    assert chained == set(info.direct_award_chains)


def test_open_source_and_locked_saas(inventory, demo):
    _, info = demo
    inv = inventory.dropna(subset=["system_id"]).drop_duplicates("system_id").set_index("system_id")
    lic = info.raw_code_map["licence"]
    oss = inv.loc[info.open_source_systems]
    assert len(oss) >= 20
    assert (oss["licence"].map(lic) != "LicenseRef-proprietary").all()
    text = " ".join(inv["system_name"].fillna("").astype(str))
    text += " ".join(inv["description"].fillna("").astype(str))
    for product in ("Moodle", "DHIS2", "Nextcloud", "KoBoToolbox", "Odoo"):
        assert product in text, product
    saas = inv.loc[info.saas_no_export]
    assert len(saas) >= 5
    assert (saas["hosting"].map(info.raw_code_map["hosting"]) == "foreign").all()
    assert (saas["data_export"].map(info.raw_code_map["data_export"]) == "none").all()
    assert (saas["licence"].map(lic) == "LicenseRef-proprietary").all()
    # Government-owned code in a government repository exists too.
    gov = inv["ip_owner"].map(info.raw_code_map["ip_owner"]) == "government"
    repo = inv["source_code_access"].map(info.raw_code_map["source_code_access"]) == "gov-repo"
    assert (gov & repo).sum() >= 3


def test_same_function_bought_by_many_ministries(inventory, demo):
    _, info = demo
    canon = {s: k for k, spellings in info.vendor_spellings.items() for s in spellings}
    inv = inventory.dropna(subset=["system_id"]).set_index("system_id")
    for cat in ("hr", "payroll", "document-management"):
        ids = info.shared_categories[cat]
        rows = inv.loc[ids]
        assert rows["ministry"].nunique() >= 8, cat
        assert (rows["category"].map(info.raw_code_map["category"]).dropna() == cat).all()
        vendors = rows["vendor"].map(lambda v: canon.get(v, v)).dropna()
        assert vendors.nunique() >= 3, cat


def test_single_bid_competitive_tenders(procurement, demo):
    _, info = demo
    competitive = [r for r, c in info.raw_code_map["method"].items() if c in ("open", "selective")]
    rows = procurement.set_index("contract_id").loc[info.single_bid_contracts]
    assert len(rows) >= 20
    assert (rows["tenderers"].astype(float) == 1).all()
    assert rows["method"].isin(competitive).all()


def test_questionnaire_sheets(demo):
    out, info = demo
    points = tomllib.loads(
        resources.files("ospo_analytics")
        .joinpath("data/readiness_points.toml")
        .read_text(encoding="utf-8")
    )["point"]
    ids = {p["id"] for p in points}
    sheets = _read_xlsx(out / "questionnaire.xlsx", sheet_name=None)
    assert len(sheets) == len(info.ministries) - len(info.questionnaire_missing)
    assert len(info.questionnaire_missing) >= 2
    answers = set()
    for grid in sheets.values():
        df = _canonical_frame(grid, "questionnaire")
        assert set(df["point"]) == ids
        assert df["ministry"].nunique() == 1
        assert df["ministry"].iloc[0] not in info.questionnaire_missing
        answers |= set(df["answer"].dropna())
    assert answers == info.raw_codes["answer"]
    assert len(answers) == 4


def test_hostile_descriptions_are_plain_text(demo):
    out, info = demo
    found = 0
    for path in out.glob("inventory_*.xlsx"):
        ws = openpyxl.load_workbook(path, read_only=False).worksheets[0]
        for row in ws.iter_rows(min_row=4):
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+<":
                    assert cell.data_type == "s", (path.name, cell.coordinate)
                    found += 1
    assert found >= len(info.hostile_text_systems) == 3


def test_raw_codes_map_to_schema_codes(demo):
    _, info = demo
    cols = {
        c.name: c for t in ("inventory", "procurement", "questionnaire") for c in _schema.columns(t)
    }
    for col, mapping in info.raw_code_map.items():
        assert info.raw_codes[col] == set(mapping)
        if col == "licence":
            continue
        codes = cols[col].codes if cols[col].kind == "code" else _schema.YES_NO
        assert set(mapping.values()) <= set(codes), col
    assert {"hosting", "data_export", "method", "category", "licence"} <= set(info.raw_codes)


def test_project_cleaners_map_every_raw_code(demo):
    """Contract with ``_clean``: each raw spelling the demo writes maps to its code."""
    clean = pytest.importorskip("ospo_analytics._clean.cells")
    _, info = demo
    cols = {
        c.name: c for t in ("inventory", "procurement", "questionnaire") for c in _schema.columns(t)
    }
    wrong = []
    for col, mapping in info.raw_code_map.items():
        s = pd.Series(list(mapping), dtype=object)
        if col == "licence":
            got, _ = clean.parse_licence(s)
        elif col == "method":
            got, _ = clean.parse_method(s)
        elif cols[col].kind == "bool":
            got, _ = clean.parse_bool(s)
            got = got.map({True: "yes", False: "no"})
        else:
            got, _ = clean.parse_code(
                s, cols[col].codes, synonyms=clean.CODE_SYNONYMS.get(col), column=col
            )
        for raw, value in zip(mapping, got, strict=True):
            if str(value) != mapping[raw]:
                wrong.append(f"{col}: {raw!r} -> {value} (expected {mapping[raw]})")
    assert not wrong, "\n".join(wrong)
