"""One owner for every number: what the demo's reports show equals what the scorer wrote.

The whole demo country is validated, scored and reported once; then, for every
ministry, the headline cards, the supplier shares and the contract end dates
in its HTML and XLSX are compared with the processed tables. A report that
computed its own version of any of them would disagree here.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ospo_analytics._processed import read_meta
from ospo_analytics._report import fmt
from ospo_analytics._safe import slugify

pytestmark = pytest.mark.slow
AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo-project")
    (root / "ospo.toml").write_text(
        f'[project]\nname = "Republic of Tamarind (demo)"\nas_of = "{AS_OF}"\ncurrency = "TTD"\n',
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "ospo_analytics", "run", "--formats", "html,xlsx", "--jobs", "2"]
    res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return root


def _processed(root: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(root / "data" / "processed" / f"{name}.parquet")


def _report_dir(root: Path, ministry: str) -> Path:
    return root / "reports" / "latest" / slugify(ministry)


def _cards(html: str) -> dict[str, str]:
    pairs = re.findall(r'<div class="v">(.*?)</div><div class="l">(.*?)</div>', html)
    return {unescape(label): unescape(value) for value, label in pairs}


def _sheet(path: Path, title: str) -> pd.DataFrame:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[title].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_analysis_date_is_the_scored_one(demo_run: Path) -> None:
    assert read_meta(demo_run / "data" / "processed")["as_of"].isoformat() == AS_OF


def test_headline_numbers_equal_the_ministries_table(demo_run: Path) -> None:
    m = _processed(demo_run, "ministries")
    assert len(m) >= 10
    for row in m.itertuples():
        html = (_report_dir(demo_run, row.ministry) / "report.html").read_text("utf-8")
        cards = _cards(html)
        assert cards, row.ministry
        score = cards["Readiness score"].split("/")[0].strip()
        assert score == str(math.floor(row.readiness_score * 100 + 1e-9)), row.ministry
        assert cards["Top supplier share of IT spend"] == f"{row.top_supplier_share:.0%}"
        assert cards["Systems at high lock-in"] == f"{row.n_high_lockin} of {row.n_systems}"


def test_supplier_shares_equal_the_scored_table(demo_run: Path) -> None:
    sup = _processed(demo_run, "suppliers")
    m = _processed(demo_run, "ministries").set_index("ministry")
    for ministry, want in sup.groupby("ministry"):
        got = _sheet(_report_dir(demo_run, ministry) / "scores.xlsx", "Suppliers")
        got_share = dict(zip(got["Supplier"], got["Share"], strict=True))
        for r in want.itertuples():
            if pd.isna(r.supplier):
                continue
            assert got_share[r.supplier] == pytest.approx(r.share), (ministry, r.supplier)
        # The top supplier's share in the table is the headline figure.
        top = want.dropna(subset=["share"]).iloc[0]
        assert top["supplier"] == m.loc[ministry, "top_supplier"]
        assert top["share"] == pytest.approx(m.loc[ministry, "top_supplier_share"])


def test_one_contract_end_date_per_system(demo_run: Path) -> None:
    ends = _processed(demo_run, "system_ends")
    opp = _processed(demo_run, "opportunities")
    exits = opp[opp["kind"] == "exit_window"]
    assert len(exits), "the demo plants contracts ending inside the exit windows"
    for r in exits.itertuples():
        e = ends[(ends["system_id"] == r.system_id) & (ends["buyer"] == r.ministry)]
        assert len(e) == 1
        assert e["end_date"].iloc[0] == r.end_date
        # The exit-window table of the report shows the same date as the action.
        got = _sheet(_report_dir(demo_run, r.ministry) / "scores.xlsx", "Exit windows")
        shown = got.loc[got["System id"] == r.system_id, "Contract ends"]
        assert len(shown) == 1 and pd.Timestamp(shown.iloc[0]) == r.end_date
        html = (_report_dir(demo_run, r.ministry) / "report.html").read_text("utf-8")
        # Months are written in words for the report locale ("Sep 2026" in English).
        assert f"contract ends {fmt.month(r.end_date, 'en')}" in unescape(html)


def test_every_demo_table_is_readable_and_nothing_from_the_machine(demo_run: Path) -> None:
    """Issue 13's bar on every demo report: HTML tables of at most 10 columns,
    no nan / None / <NA> cells, no warnings, tracebacks or absolute paths."""
    reports = sorted((demo_run / "reports" / "latest").glob("*/report.html"))
    assert len(reports) >= 11  # the national overview and every ministry
    root = str(demo_run.resolve())
    for path in reports:
        html = path.read_text("utf-8")
        body = html[html.index("<body") :]
        for table in re.findall(r"<table.*?</table>", body, flags=re.S):
            header = re.search(r"<tr.*?</tr>", table, flags=re.S)
            assert header, path
            n_cols = len(re.findall(r"<t[hd][\s>]", header.group(0)))
            assert n_cols <= 10, (path.parent.name, n_cols)
            cells = [unescape(re.sub(r"<.*?>", "", c)).strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", table, flags=re.S)]  # fmt: skip
            assert not {"nan", "NaN", "None", "<NA>", "NaT"} & set(cells), path.parent.name
        assert "application/vnd.jupyter.stderr" not in body, path.parent.name
        assert "Traceback" not in body and "Warning:" not in body, path.parent.name
        assert root not in body and "site-packages" not in body, path.parent.name
