"""The national overview as an executive briefing.

Fast tests read the fixture country's processed folder; the slow ones score the
demo country, render only the national overview (HTML, XLSX, PDF) and read it
as a reader would: tables, numbers, alt text, page count.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from ospo_analytics._report import runner as r

COUNTRY = "Republic of Tamarind (demo)"
AS_OF = "2026-06-30"
BAD_CELLS = {"nan", "none", "<na>", "nat", ""}
TABLES = ("suppliers", "ministries", "duplication", "top_opportunities")


def _plain_header(h: str) -> bool:
    """Words a reader uses: no snake_case, no bare lower-case code."""
    return "_" not in h and h[:1].isupper() and len(h) >= 4


@pytest.fixture(scope="module")
def view(country: Path) -> dict:
    return r.national_view(r.load_report_data(country), country="Ruritania", currency="EUR")


@pytest.mark.parametrize("name", TABLES)
def test_tables_are_designed_for_readers(view: dict, name: str) -> None:
    t = view[name]
    assert len(t), name
    assert len(t.columns) <= 10
    assert all(_plain_header(h) for h in t.columns), list(t.columns)
    cells = {str(v).strip().lower() for v in t.to_numpy().ravel()}
    assert not cells & BAD_CELLS, cells & BAD_CELLS


def test_ministry_comparison_fits_a4_portrait(view: dict, country: Path) -> None:
    t = view["ministries"]
    assert len(t.columns) <= 8
    m = pd.read_parquet(country / "ministries.parquet").sort_values("ministry")
    assert t["Ministry"].tolist() == m["ministry"].tolist()
    for (_, row), shown in zip(m.iterrows(), t.to_dict("records"), strict=True):
        # Readiness 0-100 and the stage name whole, as the scorer wrote them.
        score = row["readiness_score"]
        assert shown["Readiness (0–100)"] == (
            "unknown" if pd.isna(score) else f"{float(score) * 100:.0f}"
        )
        if pd.notna(row["readiness_stage_name"]):
            assert shown["Stage"].endswith(str(row["readiness_stage_name"]))
        share = row["top_supplier_share"]
        assert shown["Top supplier share"] == (
            "unknown" if pd.isna(share) else f"{float(share):.0%}"
        )


def test_country_and_currency_on_the_page(view: dict) -> None:
    assert "Ruritania" in view["title"]
    assert "EUR" in view["note"]
    assert any("(EUR)" in k for k in view["numbers"])
    assert "IT spend (EUR)" in view["suppliers"].columns


def test_cards_are_the_scorers_national_totals(view: dict, country: Path) -> None:
    df = pd.read_parquet(country / "national.parquet")
    nat = {c: df[c].iloc[0] for c in df.columns}  # each column keeps its dtype
    cards = view["numbers"]
    assert cards["Ministries"] == f"{nat['ministries']:,}"
    assert (
        cards["Systems at high lock-in"] == f"{nat['systems_high_lockin']:,} of {nat['systems']:,}"
    )
    assert cards["Systems open source or government-owned"] == f"{nat['open_share_systems']:.0%}"
    assert cards["Share of system spend at high lock-in"] == (
        f"{nat['high_lockin_share_spend']:.0%}"
    )


def test_top_opportunities_are_few_and_in_words(country: Path) -> None:
    data = r.load_report_data(country)
    v = r.national_view(data, top=40)
    t = v["top_opportunities"]
    assert len(t) <= 15
    assert set(t["Action"]) <= set(r.OPPORTUNITY_LABELS.values())
    assert not any("_" in a for a in t["Action"])


def _says_why(table: object, words: str) -> None:
    """An empty table in a report gives its reason, not a bare "No rows."."""
    html = table.data  # type: ignore[attr-defined]
    assert "No rows." not in html and words in html


def test_an_empty_duplication_table_says_why(country: Path) -> None:
    data = r.load_report_data(country)
    assert len(r.national_view(data)["duplication"])  # the fixture has shared functions
    none_shared = replace(data, opportunities=data.opportunities.iloc[:0])
    v = r.national_view(none_shared)
    assert v["duplication_note"] == "No function is bought by more than one ministry."
    # No category known anywhere (the US IT Dashboard feed): a different reason.
    unknown = replace(
        none_shared,
        national_functions=data.national_functions.assign(category=pd.NA).head(1),
    )
    v = r.national_view(unknown)
    _says_why(r.brief_table(v["duplication"], note=v["duplication_note"]), "No system has a")


def test_an_empty_opportunities_table_says_why(country: Path) -> None:
    data = r.load_report_data(country)
    assert len(r.national_view(data)["top_opportunities"])
    assert r.national_view(data)["opportunities_note"] == ""
    empty = data.opportunities.iloc[:0]
    v = r.national_view(replace(data, opportunities=empty))
    assert v["opportunities_note"].startswith("None to list: no high-lock-in contract")
    # Every band unknown (the scorer's national count unknown) and no
    # alternative (the US IT Dashboard feed).
    thin = data.systems.assign(lockin_band="unknown", candidate_alternatives=pd.NA)
    unknown = data.national.assign(systems_high_lockin=pd.NA)
    v = r.national_view(replace(data, opportunities=empty, systems=thin, national=unknown))
    assert "no system is known to be at high lock-in" in v["opportunities_note"]
    _says_why(r.brief_table(v["top_opportunities"], note=v["opportunities_note"]), "None to list")


def test_a_ministry_without_opportunities_says_why(country: Path) -> None:
    data = r.load_report_data(country)
    name = str(data.ministries["ministry"].iloc[0])
    assert r.ministry_view(data, name, "2025-01-01")["opportunities_note"] == ""
    none = replace(data, opportunities=data.opportunities.iloc[:0])
    v = r.ministry_view(none, name, "2025-01-01")
    assert v["opportunities_note"].startswith("None to list: no function of this ministry")
    uncategorised = replace(none, systems=data.systems.assign(category=pd.NA))
    v = r.ministry_view(uncategorised, name, "2025-01-01")
    _says_why(
        r.html_table(v["opportunities_table"], empty=v["opportunities_note"]), "has a recorded"
    )


def test_function_codes_read_as_words() -> None:
    assert r.function_label("document-management") == "Document management"
    assert r.function_label("new-thing_here") == "New thing here"
    assert r.function_label(None) == "unknown"


def test_brief_table_escapes_and_never_breaks_words() -> None:
    df = r.display_frame(
        pd.DataFrame({"supplier": ["<script>x</script>", None], "spend": [1234567.0, None]}),
        [("supplier", "Supplier", "text"), ("spend", "Spend (EUR)", "money")],
    )
    assert df.to_dict("records") == [
        {"Supplier": "<script>x</script>", "Spend (EUR)": "1,234,567"},
        {"Supplier": "unknown", "Spend (EUR)": "unknown"},
    ]
    html = r.brief_table(df).data
    assert "<script>" not in html and "&lt;script&gt;" in html
    soup = BeautifulSoup(html, "html.parser")
    for td in soup.find_all("td"):
        assert "overflow-wrap:normal" in td["style"] and "word-break:normal" in td["style"]
    wide = r.brief_table(df, wide=["Supplier"]).data
    assert '<td class="ospo-wide"' in wide and "td.ospo-wide { min-width" in wide
    spend = [td for td in soup.find_all("td") if td.text == "1,234,567"][0]
    assert "white-space:nowrap" in spend["style"]  # numbers never wrap


# ------------------------------------------------------------------ scorer totals
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo country validated and scored (no reports)."""
    root = tmp_path_factory.mktemp("demo-national")
    (root / "ospo.toml").write_text(
        f'[project]\nname = "{COUNTRY}"\nas_of = "{AS_OF}"\ncurrency = "TTD"\n', encoding="utf-8"
    )
    for step in ("validate", "score"):
        res = subprocess.run(
            [sys.executable, "-m", "ospo_analytics", step],
            cwd=root, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return root / "data" / "processed"


@pytest.mark.slow
def test_national_totals_add_up_the_ministries(demo: Path) -> None:
    nat = pd.read_parquet(demo / "national.parquet")
    assert len(nat) == 1
    n = nat.iloc[0]
    m = pd.read_parquet(demo / "ministries.parquet")
    s = pd.read_parquet(demo / "systems.parquet")
    assert n["ministries"] == len(m)
    assert n["systems"] == m["n_systems"].sum()
    assert n["systems_high_lockin"] == m["n_high_lockin"].sum()
    assert n["spend_it"] == pytest.approx(m["spend_it"].sum())
    high = s[s["lockin_band"] == "high"]
    assert n["spend_high_lockin"] == pytest.approx(high["spend_total"].clip(lower=0).sum())
    # The national open share is the per-ministry rule over all systems.
    per = (m["ind_open_share_systems"] * m["n_systems"]).sum() / m["n_systems"].sum()
    assert n["systems_open_known"] <= n["systems"]
    assert abs(float(n["open_share_systems"]) - float(per)) < 0.05


@pytest.mark.slow
def test_national_suppliers_agree_with_the_ministry_suppliers(demo: Path) -> None:
    ns = pd.read_parquet(demo / "national_suppliers.parquet")
    per = pd.read_parquet(demo / "suppliers.parquet").dropna(subset=["supplier"])
    assert ns["share"].sum() == pytest.approx(1.0)
    assert ns["spend"].is_monotonic_decreasing
    by = per.groupby("supplier").agg(
        ministries=("ministry", "nunique"), spend=("spend", "sum"), contracts=("contracts", "sum")
    )
    got = ns.set_index("supplier")
    assert sorted(got.index) == sorted(by.index)
    assert (got["ministries"] == by["ministries"].reindex(got.index)).all()
    assert (got["contracts"] == by["contracts"].reindex(got.index)).all()
    assert got["spend"].to_numpy() == pytest.approx(by["spend"].reindex(got.index).to_numpy())
    s = pd.read_parquet(demo / "systems.parquet")
    # A supplier is tied to at least the high-lock-in systems it is the vendor of.
    own = s[s["lockin_band"] == "high"].groupby("vendor")["system_id"].nunique()
    for supplier, k in own.items():
        if supplier in got.index:
            assert got.loc[supplier, "systems_high_lockin"] >= k


# ------------------------------------------------------------------ rendered page
@pytest.fixture(scope="module")
def rendered(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only the national overview, rendered as the runner does (PDF when chromium exists)."""
    out = tmp_path_factory.mktemp("national-report")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    job = {
        "name": "National overview", "ministry": "", "slug": r.NATIONAL,
        "notebook": str(r.NOTEBOOK_DIR / r.NATIONAL_NOTEBOOK), "processed_dir": str(demo),
        "out_dir": str(out), "formats": ["html", "xlsx", "pdf"], "timeout": 600,
        "chromium": chromium, "as_of": AS_OF, "inject": "",
        "project": {"country": COUNTRY, "currency": "TTD"},
    }  # fmt: skip
    status = r._run_job(job)
    assert status["status"] == "ok", status["error"]
    return out


@pytest.mark.slow
def test_rendered_tables_are_readable(rendered: Path) -> None:
    soup = BeautifulSoup((rendered / "report.html").read_text("utf-8"), "html.parser")
    tables = soup.find_all("table")
    assert len(tables) >= 4
    for t in tables:
        heads = [th.get_text(" ", strip=True) for th in t.find_all("th")]
        assert len(heads) <= 10, heads
        assert all(_plain_header(h) for h in heads), heads
        cells = {td.get_text(strip=True).lower() for td in t.find_all("td")}
        assert not cells & BAD_CELLS, cells & BAD_CELLS
        assert len(t.find_all("tr")) <= 16  # header + at most 15 rows


@pytest.mark.slow
def test_rendered_page_names_country_currency_and_describes_charts(rendered: Path) -> None:
    html = (rendered / "report.html").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert COUNTRY in soup.find("h1").get_text()
    assert "TTD" in soup.get_text()
    alts = [img.get("alt", "") for img in soup.find_all("img")]
    assert len(alts) >= 3
    for alt in alts:
        assert len(alt) > 60 and "No description" not in alt, alt
    # Nothing from the machine: no warnings, tracebacks or paths.
    text = soup.get_text()
    for leak in ("Warning", "Traceback", "site-packages", str(Path.home())):
        assert leak not in text, leak


@pytest.mark.slow
def test_national_pdf_fits_eight_a4_pages(rendered: Path) -> None:
    pdf = rendered / "report.pdf"
    if not pdf.exists():
        pytest.skip("chromium not installed: no PDF to count")
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) not installed: cannot count pages")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info.stdout, re.M)
    assert 1 <= pages <= 8, pages
    assert abs(float(size.group(1)) - 595) < 3  # A4 portrait, in points


def test_an_empty_problems_table_says_why(country: Path) -> None:
    data = r.load_report_data(country)
    name = str(data.ministries["ministry"].iloc[0])
    # The fixture's tables name no source file.
    v = r.ministry_view(data, name, "2025-01-01")
    assert v["quality_problems_note"].endswith("no input file holds rows of this ministry.")

    def own_files(t: pd.DataFrame) -> pd.DataFrame:
        return t.assign(source_file=t["ministry"].astype("string") + ".xlsx")

    clean = replace(
        data,
        inventory=own_files(data.inventory),
        procurement=own_files(data.procurement),
        rejects=data.rejects.iloc[:0],
    )
    v = r.ministry_view(clean, name, "2025-01-01")
    assert not len(v["quality_problems"])
    assert v["quality_problems_note"] == "None: no row of this ministry's own files was rejected."
    # One national file for every ministry (the US IT Dashboard feed): nothing
    # is the ministry's own, so its problems are in the national workbook.
    one = {"source_file": "national.csv"}
    shared = replace(
        data, inventory=data.inventory.assign(**one), procurement=data.procurement.assign(**one)
    )
    v = r.ministry_view(shared, name, "2025-01-01")
    assert not len(v["quality_problems"])
    assert "listed in the national workbook" in v["quality_problems_note"]
    _says_why(r.html_table(v["quality_problems"], empty=v["quality_problems_note"]), "national")


def test_a_score_without_a_stage_reads_as_provisional(country: Path) -> None:
    data = r.load_report_data(country)
    name = str(data.ministries["ministry"].iloc[0])
    v = r.ministry_view(data, name, "2025-01-01")
    score = v["cards"]["Readiness score"]  # the fixture's ministries have a stage
    # Three of eight indicators known (the US IT Dashboard feed): the scorer
    # leaves the stage unknown, and the card says what the score rests on.
    m = data.ministries.copy()
    first = m["ministry"] == name
    m["readiness_stage"] = m["readiness_stage"].mask(first)
    m["readiness_confidence"] = m["readiness_confidence"].mask(first, 0.375)
    cards = r.ministry_view(replace(data, ministries=m), name, "2025-01-01")["cards"]
    assert "Readiness score" not in cards
    assert cards["Readiness score (provisional: rests on 38% of the indicators)"] == score


def test_loader_tables_not_in_the_folder_read_as_unknown(country: Path) -> None:
    data = r.load_report_data(country)
    name = str(data.ministries["ministry"].iloc[0])
    gone = replace(
        data,
        rejects=data.rejects.iloc[:0],
        load_report=data.load_report.iloc[:0],
        missing=[*data.missing, "rejects.csv", "load_report.csv"],
    )
    v = r.ministry_view(gone, name, "2025-01-01")
    # Not "nothing was rejected": the report cannot know.
    assert v["quality_problems_note"].startswith("Unknown: rejects.csv is not in the processed")
    assert v["quality_files_note"].startswith("Unknown: load_report.csv is not in the processed")
    # A folder validation wrote: the same view says nothing of the kind.
    v = r.ministry_view(data, name, "2025-01-01")
    assert not v["quality_problems_note"].startswith("Unknown")


def test_a_feed_of_many_buyers_keeps_the_ministry_table_readable(country: Path) -> None:
    # 1,500 buyers and no [ministries] mapping listed every one in the overview
    # (2.4 MB of HTML), while the charts kept 60.
    from ospo_analytics._report.charts import MAX_MINISTRY_ROWS

    data = r.load_report_data(country)
    row = data.ministries.iloc[:1]
    many = pd.concat(
        [row.assign(ministry=f"Agency {i:04d}") for i in range(150)], ignore_index=True
    )
    v = r.national_view(replace(data, ministries=many))
    assert len(v["ministries"]) == MAX_MINISTRY_ROWS and len(v["ministries_all"]) == 150
    assert f"Showing {MAX_MINISTRY_ROWS} of 150 ministries" in v["stage_note"]
    few = r.national_view(data)
    assert len(few["ministries"]) == len(data.ministries) and "Showing" not in few["stage_note"]
