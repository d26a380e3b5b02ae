"""Readiness reports end to end: notebooks executed once per session on the fixture country."""

from __future__ import annotations

import ast
import json
import math
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from conftest import AS_OF, FIXTURE_MINISTRIES, FORMULA_NAME, SCRIPT_NAME
from ospo_analytics._report import runner as report
from ospo_analytics._safe import esc, slugify

pytestmark = pytest.mark.slow
EXTERNAL = re.compile(r"<(script|link|img|iframe)[^>]+(src|href)=[\"']?(https?:)?//", re.I)


@pytest.fixture(scope="session")
def batch(country: Path, tmp_path_factory: pytest.TempPathFactory):
    """One full batch (3 ministries + national), all formats."""
    out = tmp_path_factory.mktemp("reports")
    summary = report.run_reports(
        country, out, jobs=2, progress=False, as_of=AS_OF.isoformat(),
        input_files=[country / "inventory.parquet"], config_hash="cfg", profile_hash="prof",
    )  # fmt: skip
    return summary, out


def test_batch_ok_and_published(batch) -> None:
    summary, out = batch
    assert summary.exit_code == 0, [(s.name, s.error) for s in summary.status]
    assert not summary.skipped
    assert [s.name for s in summary.status][1:] == list(FIXTURE_MINISTRIES)
    assert (out / "latest").resolve() == summary.run_dir.resolve()
    assert (out / "LATEST").read_text().strip() == summary.run_id
    assert not list(out.glob(".tmp-*"))


def test_html_reader_view(batch, country: Path) -> None:
    summary, _ = batch
    import pandas as pd

    systems = pd.read_parquet(country / "systems.parquet")
    for ministry in FIXTURE_MINISTRIES:
        html = (summary.run_dir / slugify(ministry) / "report.html").read_text(encoding="utf-8")
        text = unescape(html)  # entity spelling varies (&quot; / &#34;)
        assert ministry in text
        for name in systems.loc[systems["ministry"] == ministry, "system_name"]:
            assert name in text, name
        assert "jp-InputPrompt" not in html.split("</style>")[-1]  # no prompts in the body
        assert "ministry_view(" not in html  # no code cells
        assert not EXTERNAL.search(html), EXTERNAL.search(html)
        assert "data:image/png;base64," in html  # charts inline
        assert "Traceback" not in html
    health = (summary.run_dir / slugify(FIXTURE_MINISTRIES[0]) / "report.html").read_text()
    assert "<script>alert" not in health and SCRIPT_NAME in unescape(health)


def test_national_and_index(batch) -> None:
    summary, _ = batch
    html = (summary.run_dir / "national" / "report.html").read_text(encoding="utf-8")
    for ministry in FIXTURE_MINISTRIES:
        assert ministry in unescape(html)
    index = (summary.run_dir / "index.html").read_text(encoding="utf-8")
    for ministry in FIXTURE_MINISTRIES:
        assert esc(ministry) in index
        assert f'href="{slugify(ministry)}/report.html"' in index
    assert not EXTERNAL.search(index)


def test_xlsx_sheets_and_formula_safety(batch) -> None:
    summary, _ = batch
    wb = openpyxl.load_workbook(summary.run_dir / slugify(FIXTURE_MINISTRIES[0]) / "scores.xlsx")
    assert {"Summary", "Systems", "Lock-in drivers", "Suppliers", "Competition",
            "Exit windows", "Opportunities", "Contracts", "Rejected rows",
            "Columns"} <= set(wb.sheetnames)  # fmt: skip
    ws = wb["Systems"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["System id", "System"]  # staff match rows to their inventory
    names = [c for c in ws["B"] if c.value == FORMULA_NAME]
    assert names and all(c.data_type == "s" for c in names)
    assert ws.freeze_panes == "A2"
    # Every header of every sheet is explained on the Columns sheet.
    explained = {(r[0], r[1]) for r in wb["Columns"].iter_rows(min_row=2, values_only=True)}
    for sheet in ("Systems", "Suppliers", "Contracts"):
        for c in wb[sheet][1]:
            assert (sheet, c.value) in explained
    nat = openpyxl.load_workbook(summary.run_dir / "national" / "scores.xlsx")
    assert "Ministries" in nat.sheetnames
    # A function's code (for joins) has its words beside it, as the report says it.
    for sheet in ("Functions", "Duplication", "Systems"):
        header = [c.value for c in nat[sheet][1]]
        at = header.index("Function")
        assert header[at + 1] == "Function in words", sheet
        pairs = {(r[at], r[at + 1]) for r in nat[sheet].iter_rows(min_row=2, values_only=True)}
        assert pairs and all(
            w == report.function_label(c) and (c is None or w != c) for c, w in pairs
        ), (sheet, pairs)
    rejects = nat["Rejected rows"]
    assert any(c.value == "=1+1" and c.data_type == "s" for c in rejects["E"])


def test_manifest_complete(batch, country: Path) -> None:
    summary, _ = batch
    m = json.loads((summary.run_dir / "manifest.json").read_text())
    assert m["run_id"] == summary.run_id and m["status"] == "ok"
    assert m["config_hash"] == "cfg" and m["profile_hash"] == "prof"
    assert re.fullmatch(r"[0-9a-f]{64}", m["notebooks_sha256"])
    assert m["package_version"]
    assert m["input_files"][0]["path"].endswith("inventory.parquet")
    assert re.fullmatch(r"[0-9a-f]{64}", m["input_files"][0]["sha256"])
    assert set(m["processed_files"]) >= {"systems.parquet", "ministries.parquet"}
    assert [r["name"] for r in m["reports"]][1:] == list(FIXTURE_MINISTRIES)
    assert all(r["status"] == "ok" and r["duration"] > 0 for r in m["reports"])


def test_pdf_or_clear_message(batch) -> None:
    summary, _ = batch
    for s in summary.status:
        if shutil.which("chromium"):
            assert s.pdf == "ok", s.pdf
            pdf = summary.run_dir / s.slug / "report.pdf"
            assert pdf.read_bytes()[:5] == b"%PDF-"
        else:
            assert "chromium" in s.pdf and s.pdf.startswith("skipped")


def test_unchanged_rerun_executes_nothing(batch, country: Path) -> None:
    summary, out = batch
    before = sorted(p.name for p in out.iterdir())
    again = report.run_reports(
        country, out, jobs=2, progress=False, as_of=AS_OF.isoformat(),
        input_files=[country / "inventory.parquet"], config_hash="cfg", profile_hash="prof",
    )  # fmt: skip
    # "Executes nothing" is checked by what happened; its speed (< 2 s) is
    # measured in benchmarks/bench_report.py, not here.
    assert again.skipped and again.exit_code == 0 and again.run_id == summary.run_id
    assert sorted(p.name for p in out.iterdir()) == before
    assert "nothing changed" in again.message
    changed = report._fingerprint(country, [], "cfg-2", "prof", None, ("html",))
    assert (
        changed["fingerprint"]
        != json.loads((summary.run_dir / "manifest.json").read_text())["fingerprint"]
    )


def test_planted_failure_keeps_others(country: Path, tmp_path: Path, monkeypatch) -> None:
    good, bad = FIXTURE_MINISTRIES[0], FIXTURE_MINISTRIES[2]
    monkeypatch.setenv(report.FAIL_ENV, bad)
    summary = report.run_reports(country, tmp_path, ministries=[good, bad], jobs=2,
                                 formats=("html", "xlsx"), progress=False)  # fmt: skip
    by = {s.name: s for s in summary.status}
    assert summary.exit_code == 1
    assert by[good].status == "ok" and by["National overview"].status == "ok"
    assert by[bad].status == "failed" and "planted failure" in by[bad].error
    failed_nb = nbformat.read(summary.run_dir / slugify(bad) / "report.ipynb", as_version=4)
    assert any(
        o.get("output_type") == "error" for c in failed_nb.cells for o in c.get("outputs", [])
    )
    assert (summary.run_dir / slugify(good) / "scores.xlsx").exists()
    m = json.loads((summary.run_dir / "manifest.json").read_text())
    assert m["status"] == "failed"
    assert next(r for r in m["reports"] if r["name"] == bad)["error"]
    console = Console(record=True, width=200)
    report.print_summary(summary, console)
    text = console.export_text()
    assert "failed" in text and bad in text
    # A failed run is never "unchanged": the next run executes again.
    monkeypatch.delenv(report.FAIL_ENV)
    key = report._fingerprint(country, [], "", "", [good, bad], ("html", "xlsx"))
    assert key["fingerprint"] == m["fingerprint"]


def test_failed_ministry_keeps_its_last_good_report(country: Path, tmp_path, monkeypatch) -> None:
    good, bad = FIXTURE_MINISTRIES[0], FIXTURE_MINISTRIES[2]
    first = report.run_reports(country, tmp_path, ministries=[good, bad], jobs=2,
                               formats=("html",), progress=False)  # fmt: skip
    assert first.exit_code == 0
    before = (first.run_dir / slugify(bad) / "report.html").read_bytes()
    monkeypatch.setenv(report.FAIL_ENV, bad)
    for _ in range(2):  # twice: a carried-over report carries over again
        second = report.run_reports(country, tmp_path, ministries=[good, bad], jobs=2,
                                    formats=("html",), force=True, progress=False)  # fmt: skip
        assert second.exit_code == 1
        # The run is published: the good ministry is current...
        assert (tmp_path / "latest").resolve() == second.run_dir.resolve()
        by = {s.name: s for s in second.status}
        assert by[good].status == "ok"
        # ...and the failed one shows its last good report, labelled as such.
        assert by[bad].status == "failed"
        assert by[bad].carried_over_from == first.run_id
        assert first.run_id in by[bad].error
        assert (second.run_dir / slugify(bad) / "report.html").read_bytes() == before
        index = (second.run_dir / "index.html").read_text(encoding="utf-8")
        assert first.run_id in index


def test_a_run_for_one_ministry_keeps_the_others_reports(country: Path, tmp_path) -> None:
    """`report --ministry X` publishes a complete set: X is rebuilt, the other
    ministries keep their last good report, labelled with the run it is from."""
    first = report.run_reports(country, tmp_path, jobs=2, formats=("html",), progress=False)
    assert first.exit_code == 0
    one, others = FIXTURE_MINISTRIES[0], FIXTURE_MINISTRIES[1:]
    second = report.run_reports(country, tmp_path, ministries=[one], jobs=2, formats=("html",),
                                force=True, progress=False)  # fmt: skip
    assert second.exit_code == 0
    assert (tmp_path / "latest").resolve() == second.run_dir.resolve()
    by = {s.name: s for s in second.status}
    assert by[one].status == "ok" and not by[one].carried_over_from
    for m in others:
        assert by[m].status == "not run" and by[m].carried_over_from == first.run_id
        assert (second.run_dir / by[m].slug / "report.html").read_bytes() == (
            first.run_dir / by[m].slug / "report.html"
        ).read_bytes()
    index = (second.run_dir / "index.html").read_text(encoding="utf-8")
    assert all(esc(m) in index for m in FIXTURE_MINISTRIES) and first.run_id in index
    assert "1 other" not in second.message and f"{len(others)} other ministries" in second.message


def test_a_run_in_another_language_carries_nothing_over(country: Path, tmp_path) -> None:
    """`run --lang es --ministry X` after an English run: the others' English
    reports were carried into the Spanish run (two languages in one set)."""
    first = report.run_reports(country, tmp_path, jobs=2, formats=("html",), progress=False)
    assert first.exit_code == 0
    one = FIXTURE_MINISTRIES[0]
    second = report.run_reports(country, tmp_path, ministries=[one], jobs=2, formats=("html",),
                                force=True, progress=False, lang="es")  # fmt: skip
    assert second.exit_code == 0
    assert not any(s.carried_over_from for s in second.status)
    assert len(second.status) == 2 and one in {s.name for s in second.status}  # + the overview


def test_workers_never_share_the_callers_kernel(country: Path, tmp_path) -> None:
    """A report run in-process leaves a kernel in the caller; forked workers
    used to inherit it, two of them drove one kernel and one's clean-up
    killed the other's notebook ("kernel died", or a hang in CI)."""
    job = {
        "name": "National overview", "ministry": "", "slug": report.NATIONAL,
        "notebook": str(report.NOTEBOOK_DIR / report.NATIONAL_NOTEBOOK),
        "processed_dir": str(country), "out_dir": str(tmp_path / "in-process"),
        "formats": ["html"], "timeout": 300, "chromium": "", "as_of": "", "inject": "",
    }  # fmt: skip
    assert report._run_job(job)["status"] == "ok"
    assert report._KERNEL is not None  # the caller now holds a kernel
    summary = report.run_reports(country, tmp_path / "out", jobs=2, formats=("html",),
                                 progress=False)  # fmt: skip
    assert [s.status for s in summary.status] == ["ok"] * (len(FIXTURE_MINISTRIES) + 1), [
        (s.name, s.error) for s in summary.status
    ]


def test_pdf_alone_is_printed_from_an_html_it_does_not_keep(country: Path, tmp_path) -> None:
    """``--formats pdf`` used to give no PDF ("skipped: no HTML") and exit 0."""
    # A stand-in browser: writes the PDF it is asked for, if the page exists.
    fake = tmp_path / "fake-chromium"
    fake.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in --print-to-pdf=*) out="${a#--print-to-pdf=}";; '
        'file://*) page="${a#file://}";; esac; done\n'
        'test -f "$page" && grep -q "<html" "$page" && printf "%%PDF-1.4" > "$out"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    job = {
        "name": "National overview", "ministry": "", "slug": report.NATIONAL,
        "notebook": str(report.NOTEBOOK_DIR / report.NATIONAL_NOTEBOOK),
        "processed_dir": str(country), "out_dir": str(tmp_path / "out"),
        "formats": ["pdf"], "timeout": 300, "chromium": str(fake), "as_of": "", "inject": "",
    }  # fmt: skip
    status = report._run_job(job)
    assert status["status"] == "ok", status["error"]
    assert status["pdf"] == "ok" and "report.pdf" in status["files"], status
    out = tmp_path / "out"
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert not (out / "report.html").exists() and "report.html" not in status["files"]


def test_parameters_cannot_run_code() -> None:
    hostile = "x\"\n__import__('os').system('touch /tmp/pwned')\n'''\\"
    job = {"notebook": str(report.NOTEBOOK_DIR / report.MINISTRY_NOTEBOOK), "ministry": hostile,
           "processed_dir": "/p'\"", "as_of": "", "fail": False}  # fmt: skip
    nb = report._prepare_notebook(job)
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.tags)
    tree = ast.parse(cell.source)
    values = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        values[node.targets[0].id] = node.value.value
    assert values["ministry"] == hostile and values["processed_dir"] == "/p'\""


def test_scores_from_an_older_version_are_refused_before_anything_runs(
    country: Path, tmp_path: Path
) -> None:
    # A folder scored before a table existed would draw its chart empty, as if
    # there were no data: the run stops first, naming the table and the fix.
    import shutil

    from ospo_analytics._score.details import DETAIL_TABLES

    old = tmp_path / "processed"
    shutil.copytree(country, old)
    (old / f"{DETAIL_TABLES[-1]}.parquet").unlink()
    (old / "factors.parquet").unlink()
    out = tmp_path / "reports"
    with pytest.raises(report.ReportError, match="ospo-analytics score") as exc:
        report.run_reports(old, out, progress=False, formats=("html",))
    assert f"{DETAIL_TABLES[-1]}.parquet" in str(exc.value)
    assert "factors.parquet" in str(exc.value)
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(report.ReportError, match=f"{DETAIL_TABLES[-1]}.parquet"):
        report.load_report_data(old)


def test_user_mistakes_are_clear(country: Path, tmp_path: Path) -> None:
    with pytest.raises(report.ReportError, match="unknown ministry"):
        report.run_reports(country, tmp_path, ministries=["Nowhere"], progress=False, force=True)
    with pytest.raises(report.ReportError, match="no systems.parquet"):
        report.run_reports(tmp_path, tmp_path / "o", progress=False)
    with pytest.raises(report.ReportError, match="unknown format"):
        report.run_reports(country, tmp_path, formats=("docx",), progress=False)
    assert not list(tmp_path.glob(".tmp-*"))


def test_lock_blocks_second_run(country: Path, tmp_path: Path) -> None:
    with report._run_lock(tmp_path):
        with pytest.raises(report.ReportError, match=r"another run is in progress \(pid \d+\)"):
            report.run_reports(country, tmp_path, progress=False)


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium not installed")
def test_chromium_renders_offline(batch, tmp_path: Path) -> None:
    summary, _ = batch
    html = summary.run_dir / slugify(FIXTURE_MINISTRIES[1]) / "report.html"
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=127.0.0.1:9",
         "--disable-background-networking", "--window-size=1000,2400",
         f"--screenshot={shot}", html.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # charts and tables drawn, not a blank page
    assert b"ERR_PROXY" not in proc.stderr and b"net::ERR" not in proc.stderr


def _column_widths(html: str) -> dict[int, str]:
    """``width`` of each ``.colN`` rule in a styled table's stylesheet."""
    return {int(n): w for n, w in re.findall(r"#T_\w+ \.col(\d+) \{\s*width: ([^;]+);", html)}


def test_wide_table_widths_follow_names_figures_and_headings() -> None:
    # The US IT Dashboard case: long vendor words, amounts in the billions.
    df = pd.DataFrame(
        {
            "system_name": ["NASA IT Infrastructure", "Nebula(TM)"],
            "vendor": ["SCIENCE APPLICATION INTL CORP", "PEROT SYSTEMS GOVERNMENT SERVICES"],
            "lockin_score": [25.8, 83.3],
            "confidence": [0.24, 0.16],
            "reuse_score": [100.0, 28.9],
            "spend_total": [4_554_140_899.0, None],
            "details": ["Drivers: L1 supplier concentration", "Drivers: L2 tenure"],
        }
    )
    html = report.html_table(df, labels=report.system_labels(), wrap=["details"]).data
    widths = _column_widths(html)
    # A name column other than the first gets a name's share, not a score's.
    assert widths[1] == "14%"
    # Figures: the longest as shown ("4,554,140,899", 13 characters, in the
    # heading's smaller type), at least the longest heading word ("Confidence").
    assert widths[5] == f"{math.ceil(13 / 0.9) + 1}ch"
    assert widths[3] == f"{len('Confidence') + 1}ch"
    # The first and the last (explanation) column keep the stylesheet's share.
    assert 0 not in widths and 6 not in widths
    # Narrow tables size their columns by content: no widths at all.
    assert _column_widths(report.html_table(df.iloc[:, :4]).data) == {}


def test_wide_table_widths_in_translated_reports() -> None:
    from ospo_analytics._i18n import language

    df = pd.DataFrame(
        {
            "system_name": ["Payroll"],
            "vendor": ["PayWave Global Ltd"],
            "lockin_score": [88.3],
            "lockin_low": [81.0],
            "confidence": [0.92],
            "reuse_score": [44.5],
            "details": ["x"],
        }
    )
    with language("fr"):
        labels = report.system_labels()
        html = report.html_table(df, labels=labels).data
    longest = max(len(w) for w in labels["reuse_score"].split())
    assert _column_widths(html)[5] == f"{longest + 1}ch"  # "Réutilisation"


def _canonical(table: str, rows: list[dict]) -> pd.DataFrame:
    from ospo_analytics._clean.schema import empty_frame

    base = empty_frame(table)
    df = pd.DataFrame(rows)
    return pd.DataFrame(
        {
            c: (df[c] if c in df else pd.Series([pd.NA] * len(df))).astype(base[c].dtype)
            for c in base.columns
        }
    )


def test_charts_draw_the_scorers_tables_credit_notes_and_start_dates() -> None:
    import datetime as dt

    from ospo_analytics._report import charts
    from ospo_analytics._score.systems import score

    m = "Ministry of Health"
    proc = _canonical(
        "procurement",
        [
            {"ministry": m, "supplier": "Acme", "amount": 300.0, "award_date": "2023-02-01",
             "method": "open", "system_id": "H1"},
            # A credit note: shares are of positive spend, not netted.
            {"ministry": m, "supplier": "Acme", "amount": -100.0, "award_date": "2023-05-01",
             "method": "open", "system_id": "H1"},
            # No award date: the contract start gives the year.
            {"ministry": m, "supplier": "Beta", "amount": 100.0, "start_date": "2021-07-01",
             "method": "direct", "system_id": "H1"},
            {"ministry": m, "supplier": None, "amount": 50.0, "method": None},
        ],
    )  # fmt: skip
    inv = _canonical("inventory", [{"system_id": "H1", "system_name": "HIS", "ministry": m}])
    res = score(inv, proc, as_of=dt.date(2025, 1, 1))
    sup = res.suppliers[res.suppliers["ministry"] == m]
    fig = charts.supplier_concentration(sup)
    bars = {t.get_text(): p.get_width() for t, p in zip(
        fig.axes[0].get_yticklabels(), fig.axes[0].patches, strict=True)}  # fmt: skip
    expected = sup.dropna(subset=["share"]).set_index("supplier")["share"] * 100
    assert bars == pytest.approx(expected.to_dict())
    assert bars["Acme"] == pytest.approx(75.0)  # 300 of 400, the credit note not netted

    years = res.competition_years[res.competition_years["ministry"] == m]
    assert years["year"].tolist()[:2] == [2021, 2023] and pd.isna(years["year"].iloc[-1])
    fig = charts.competition(years)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021", "2023", "no date"]
    # Each year's stacked bars are the table's shares and fill the year.
    heights = np.array([p.get_height() for p in ax.patches]).reshape(-1, 3)
    assert heights.sum(axis=0) == pytest.approx([100.0, 100.0, 100.0])
