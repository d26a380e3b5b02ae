"""Hostile cases for what the tool writes and where (issue 12, output classes).

Grouped by failure class:

1. text rendered as something else (matplotlib mathtext in chart labels);
2. numbers that overflow (amount plausibility limit, ``[scale]``);
3. CSV formula defence in ``,`` and ``;`` locales;
4. report folder names that could collide;
5. writing and deleting outside the project;
6. tracebacks instead of messages (config types, folder states, disk full,
   permissions).

The CLI is driven in subprocesses where it is the user surface: the exit code,
the message on stderr, and what is (not) written are asserted.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ospo_analytics._config import ConfigError, load_config
from ospo_analytics._safe import csv_cell, csv_safe, slugify, unique_slugs
from ospo_analytics._score.details import _national_functions

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
MATH_NAMES = ("$\\foo$", "$x^2$", "a $b$ c $d$", "US$ 5 and $", "\\$x$", "$$")
# Two names that differ only in case and share the 8-hex slug of the old scheme
# (found by a birthday search over case variants).
COLLIDE = ("miNIStRy Of PUBLIc works and transport", "miniSTrY oF PUbLiC works and transport")
TRIGGERS = "=+-@"


def _cli(*args: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ospo_analytics", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
    )


def _no_traceback(res: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in res.stdout + res.stderr, res.stderr[-2000:]


PROC_HEADER = "ministry,supplier,amount,description,award_date,method,classification\n"


def _project(tmp_path: Path, toml: str = "", proc_rows: str = "", inv: bool = True) -> Path:
    """A tiny project: ospo.toml + one procurement CSV (+ one inventory CSV)."""
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    rows = proc_rows or (
        "Ministry of Health,Acme Corp,1200,Hosting,2024-01-10,open,72000000\n"
        "Ministry of Health,Globex,800,Licences,2024-02-11,direct,48000000\n"
    )
    (raw / "procurement.csv").write_text(PROC_HEADER + rows, encoding="utf-8")
    inputs = "procurement = ['data/raw/procurement.csv']\nquestionnaire = []\n"
    if inv:
        (raw / "inventory.csv").write_text(
            "system_id,ministry,system_name,vendor,annual_cost\n"
            "S1,Ministry of Health,Patient records,Acme Corp,5000\n",
            encoding="utf-8",
        )
        inputs += "inventory = ['data/raw/inventory.csv']\n"
    else:
        inputs += "inventory = []\n"
    base = f"[project]\nas_of = '2025-06-30'\n[inputs]\n{inputs}demo_if_missing = false\n"
    (tmp_path / "ospo.toml").write_text(base + textwrap.dedent(toml), encoding="utf-8")
    return tmp_path


# ============================================================ 1. mathtext
def _frames(name: str) -> dict[str, pd.DataFrame]:
    systems = pd.DataFrame(
        {
            "system_id": ["s1", "s2"],
            "system_name": [name, "plain " + name],
            "ministry": [name, "Other"],
            "category": [name, "hr"],
            "lockin_score": [70.0, 20.0],
            "lockin_low": [60.0, 10.0],
            "lockin_high": [80.0, 30.0],
            "lockin_band": ["high", "low"],
            "reuse_score": [60.0, 40.0],
            "spend_total": [1000.0, 500.0],
            "end_date": pd.to_datetime(["2026-01-01", "2027-01-01"]),
        }
    )
    ministries = pd.DataFrame(
        {
            "ministry": [name, "Other"],
            "ind_open_licence": [0.5, 0.2],
            "q_" + name: [1.0, 0.0],
            "readiness_stage": [2, np.nan],
            "readiness_score": [0.5, np.nan],
        }
    )
    # The scorer's detail tables of one ministry, as the charts read them.
    suppliers = pd.DataFrame(
        {"supplier": [name, "Acme"], "spend": [100.0, 50.0], "share": [2 / 3, 1 / 3]}
    )
    years = pd.DataFrame(
        {
            "year": pd.array([2024, 2025, None], dtype="Int64"),
            "method": ["open", "direct", "unknown"],
            "spend": [100.0, 50.0, 10.0],
            "share": [1.0, 1.0, 1.0],
        }
    )
    return {
        "systems": systems,
        "ministries": ministries,
        "suppliers": suppliers,
        "competition_years": years,
    }


def _all_charts(name: str):
    import datetime as dt

    from ospo_analytics._report import charts as ch

    f = _frames(name)
    return [
        ch.lockin_bars(f["systems"]),
        ch.lockin_reuse_matrix(f["systems"]),
        ch.supplier_concentration(f["suppliers"]),
        ch.competition(f["competition_years"]),
        ch.exit_timeline(f["systems"], dt.date(2025, 6, 30)),
        ch.readiness_heatmap(f["ministries"]),
        ch.readiness_bars(f["ministries"]),
        ch.spend_by_category(_national_functions(f["systems"])),
    ]


@pytest.mark.parametrize("name", MATH_NAMES)
def test_every_chart_draws_dollar_names_literally(name: str) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from ospo_analytics._report import charts as ch

    ch.setup_style()
    shown: list[str] = []
    for fig in _all_charts(name):
        fig.canvas.draw()  # a mathtext parse error would raise here
        for t in fig.findobj(Text):
            text = t.get_text()
            if not text:
                continue
            rendered, is_math = t._preprocess_math(text)
            assert is_math is False, f"{text!r} would be drawn as mathtext"
            shown.append(rendered)
        plt.close(fig)
    # The exact name (not a maths rendering of it) is on the charts.
    assert sum(name in s for s in shown) >= 6, shown


def test_short_escapes_every_dollar_and_keeps_the_visible_width() -> None:
    from matplotlib import cbook

    from ospo_analytics._report.charts import short

    for name in MATH_NAMES + ("$" * 80, "x" * 30 + "$y$" * 10):
        out = short(name, 20)
        assert not cbook.is_math_text(out)
        assert len(out.replace("\\$", "$")) <= 20
        assert out.replace("\\$", "$") == short_unescaped(name, 20)


def short_unescaped(name: str, width: int) -> str:
    import textwrap as tw

    flat = " ".join(name.split())
    if len(flat) <= width:
        return flat
    cut = tw.shorten(flat, width=width, placeholder="…")
    return cut if len(cut) > width // 2 else flat[: width - 1] + "…"


# ============================================================ 2. overflow
def _read(project: Path, kind: str = "procurement"):
    from ospo_analytics._load import load_inputs

    return load_inputs(load_config(project / "ospo.toml"))


def test_amounts_of_1e308_are_rejected_with_the_limit_named(tmp_path: Path) -> None:
    rows = (
        "Ministry of Health,Acme Corp,1e308,a,2024-01-10,open,72000000\n"
        "Ministry of Health,Acme Corp,1e308,b,2024-01-11,open,72000000\n"
        "Ministry of Health,Globex,1e400,c,2024-01-12,open,72000000\n"
        "Ministry of Health,Globex,800,d,2024-02-11,direct,48000000\n"
    )
    project = _project(tmp_path, proc_rows=rows)
    res = _cli("validate", cwd=project)
    _no_traceback(res)
    assert res.returncode == 0, res.stderr
    out = project / "data" / "processed"
    proc = pd.read_parquet(out / "procurement.parquet")
    assert proc["amount"].tolist() == [800.0]
    rejects = pd.read_csv(out / "rejects.csv", encoding="utf-8-sig")
    amount = rejects[rejects["column"] == "amount"]
    assert sorted(amount["row"].tolist()) == [2, 3, 4]
    assert amount["problem"].str.contains(r"\[limits\] max_amount", regex=True).all()
    assert (amount["action"] == "row rejected").all()
    report = pd.read_csv(out / "load_report.csv", encoding="utf-8-sig")
    p = report[report["table"] == "procurement"].iloc[0]
    assert (p["rows_read"], p["loaded"], p["rejected"]) == (4, 1, 3)


def test_a_scale_that_overflows_rejects_instead_of_inf(tmp_path: Path) -> None:
    project = _project(tmp_path, toml="[scale.procurement]\namount = 1e300\n")
    inputs = _read(project)
    assert len(inputs.procurement.table) == 0
    rej = inputs.rejects[inputs.rejects["column"] == "amount"]
    assert len(rej) == 2
    assert rej["problem"].str.contains("after [scale]", regex=False).all()


def test_configured_limit_is_honoured_and_optional_amounts_become_unknown(tmp_path: Path) -> None:
    project = _project(tmp_path, toml="[limits]\nmax_amount = 1000\n")
    inputs = _read(project)
    assert inputs.procurement.table["amount"].tolist() == [800.0]
    inv = inputs.inventory.table
    # annual_cost 5000 > 1000: the system stays, its cost is unknown, with a reason.
    assert len(inv) == 1 and pd.isna(inv["annual_cost"].iloc[0])
    cost = inputs.rejects[inputs.rejects["column"] == "annual_cost"]
    assert len(cost) == 1 and cost["action"].iloc[0] != "row rejected"


def test_sums_stay_finite_and_l1_is_never_nan_from_inf(tmp_path: Path) -> None:
    from ospo_analytics._score.systems import score

    rows = "".join(
        f"Ministry of Health,{s},{a},x{i},2024-01-1{i},open,72000000\n"
        for i, (s, a) in enumerate(
            [
                ("Acme Corp", "1e308"),
                ("Acme Corp", "1.7e308"),
                ("Globex", "500"),
                ("Acme Corp", "9e12"),
            ]
        )
    )
    inputs = _read(_project(tmp_path, proc_rows=rows))
    res = score(inputs.inventory.table, inputs.procurement.table, inputs.questionnaire.table,
                as_of=load_config(tmp_path / "ospo.toml").as_of)  # fmt: skip
    spend = pd.to_numeric(res.ministries["spend_it"], errors="coerce").astype(float)
    assert np.isfinite(spend).all() and spend.iloc[0] == pytest.approx(9e12 + 500)
    hhi = pd.to_numeric(res.ministries["hhi_it"], errors="coerce").astype(float)
    assert hhi.notna().all() and np.isfinite(hhi).all()


@pytest.mark.parametrize("value", ["1e20", "-1", "0", "'big'", "inf", "true"])
def test_implausible_limit_settings_are_config_errors(tmp_path: Path, value: str) -> None:
    (tmp_path / "ospo.toml").write_text(f"[limits]\nmax_amount = {value}\n")
    with pytest.raises(ConfigError, match=r"\[limits\] max_amount"):
        load_config(tmp_path / "ospo.toml")


# ============================================================ 3. CSV in any locale
def _fields_in_every_locale(raw: str) -> list[str]:
    """Every cell a spreadsheet could see: CSV-parsed with , ; and tab, and split naively."""
    cells: list[str] = []
    for delim in (",", ";", "\t"):
        cells += [c for row in csv.reader(io.StringIO(raw), delimiter=delim) for c in row]
        for line in raw.splitlines():
            cells += line.split(delim)
    return cells


def _live(cell: str) -> bool:
    return cell.lstrip(' "').startswith(tuple(TRIGGERS))


def test_every_csv_written_is_formula_safe_with_comma_and_semicolon(tmp_path: Path) -> None:
    rows = (
        "Ministry of Health,x;=1+2;,x;=1+2;,a,2024-01-10,open,72000000\n"
        "Ministry of Health,\"ACME;=cmd|' /C calc'!A0\",100,b,2024-01-10,open,72000000\n"
        "Ministry of Health,\"Acme;=cmd|' /C calc'!A0\",120,b2,2024-01-10,open,72000000\n"
        'Ministry of Health,Globex,"5\n=1+1",c,2024-01-10,open,72000000\n'
        'Ministry of Health,Globex,"7\t@SUM(A1)",d,2024-01-10,open,72000000\n'
    )
    project = _project(tmp_path, proc_rows=rows)
    res = _cli("validate", cwd=project)
    _no_traceback(res)
    out = project / "data" / "processed"
    csvs = sorted(out.glob("*.csv"))
    assert {p.name for p in csvs} >= {"rejects.csv", "load_report.csv", "vendor_merges.csv"}
    raw_rejects = (out / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "x;'=1+2;" in raw_rejects  # the planted value is there, defused
    for path in csvs:
        raw = path.read_text(encoding="utf-8-sig")
        live = [c for c in _fields_in_every_locale(raw) if _live(c)]
        assert not live, (path.name, live[:5])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(",;\t\r\n \"'=+-@ab1")), max_size=40))
def test_csv_cell_defuses_every_segment_and_only_adds_quotes(text: str) -> None:
    out = csv_cell(text)
    assert out.replace("'", "") == text.replace("'", "")
    for sep in ",;\t\r\n":
        live = [seg for seg in out.split(sep) if _live(seg)]
        assert not live, (text, out, sep)
    assert not _live(out) and not out.startswith(("\t", "\r"))


def test_column_names_are_defused_too() -> None:
    df = pd.DataFrame({"x;=1+2": ["a"], "=b": ["c"], "ok": ["-1;@x"]})
    out = csv_safe(df)
    assert list(out.columns) == ["x;'=1+2", "'=b", "ok"]
    assert out["ok"].iloc[0] == "'-1;'@x"


# ============================================================ 4. slug collisions
def test_engineered_names_collide_on_the_old_scheme_but_not_now() -> None:
    a, b = COLLIDE
    assert a != b and a.lower() == b.lower()
    assert slugify(a) == slugify(b)  # the old 8-hex scheme: one folder for two ministries
    slugs = unique_slugs([a, b])
    assert slugs[a] != slugs[b]
    assert unique_slugs([b, a, a]) == slugs  # deterministic: order and repeats do not matter


def test_many_case_variants_get_distinct_stable_folders() -> None:
    import itertools

    base = "health"
    names = ["".join(c) for c in itertools.product(*[(ch, ch.upper()) for ch in base])]
    names += ["national", "", "..", "CON", "a/b", "Health\x00"]
    slugs = unique_slugs(names, reserved=["national"])
    assert len(set(slugs.values())) == len(names)
    assert "national" not in slugs.values()
    assert all(s == s.lower() and "/" not in s and s not in {".", ".."} for s in slugs.values())


@pytest.fixture(scope="module")
def collide_batch(tmp_path_factory: pytest.TempPathFactory):
    """A report batch whose ministries collide on the old slug scheme and carry
    $-names, plus a user's own .tmp-* folder and a stale marked run folder."""
    from conftest import build_country
    from ospo_analytics._report import runner

    base = tmp_path_factory.mktemp("collide")
    names = (*COLLIDE, "$\\foo$ Ministry", "Ministry of $x^2$")
    country = build_country(base / "processed", ministries=names, n_systems=3, n_rows=12,
                            system_names=("$\\foo$", "$x^2$"))  # fmt: skip
    out = base / "reports"
    (out / ".tmp-mine").mkdir(parents=True)
    (out / ".tmp-mine" / "notes.txt").write_text("mine")
    stale = out / ".tmp-20200101T000000Z-dead"
    stale.mkdir()
    (stale / runner.RUN_MARKER).write_text("ospo-analytics run\n")
    summary = runner.run_reports(country, out, jobs=2, formats=("html",), progress=False)
    return summary, out, names


def test_colliding_names_each_get_their_own_report(collide_batch) -> None:
    summary, out, names = collide_batch
    assert summary.exit_code == 0, [(s.name, s.error) for s in summary.status]
    manifest = json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))
    listed = [r["name"] for r in manifest["reports"]][1:]
    assert sorted(listed) == sorted(names)  # each once, none lost
    slugs = [r["slug"] for r in manifest["reports"]]
    assert len(set(slugs)) == len(slugs)
    for r in manifest["reports"][1:]:
        page = (out / "latest" / r["slug"] / "report.html").read_text(encoding="utf-8")
        assert f"OSPO readiness assessment: {r['name']}".replace("$", "") in page.replace("$", "")
    index = (out / "latest" / "index.html").read_text(encoding="utf-8")
    for a in COLLIDE:
        assert index.count(a) >= 1


def test_dollar_names_report_without_mathtext_errors(collide_batch) -> None:
    summary, out, _ = collide_batch
    national = next(s for s in summary.status if s.slug == "national")
    assert national.status == "ok", national.error
    for nb in (out / "latest").rglob("report.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        bad = [o for c in cells for o in c.get("outputs", [])
               if o.get("output_type") == "error" or o.get("name") == "stderr"]  # fmt: skip
        assert not bad, (nb, bad[:1])


# ============================================================ 5. outside the project
def test_stale_cleanup_removes_only_marked_folders(collide_batch) -> None:
    _, out, _ = collide_batch
    assert (out / ".tmp-mine" / "notes.txt").read_text() == "mine"
    assert not (out / ".tmp-20200101T000000Z-dead").exists()
    from ospo_analytics._report.runner import RUN_MARKER

    assert not (out / "latest" / RUN_MARKER).exists()  # only while the run is built


def test_reports_in_the_parent_folder_is_a_config_error(tmp_path: Path) -> None:
    project = _project(tmp_path / "proj", toml="[outputs]\nreports = '..'\n")
    (tmp_path / ".tmp-precious").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    res = _cli("run", "--formats", "html", cwd=project)
    _no_traceback(res)
    assert res.returncode == 2
    assert "[outputs] reports" in res.stderr and "--allow-outside" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (project / "data" / "processed").exists()  # stopped before any work


def test_processed_outside_the_project_needs_the_flag(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    project = _project(tmp_path / "proj", toml=f"[outputs]\nprocessed = '{outside.as_posix()}'\n")
    res = _cli("validate", cwd=project)
    _no_traceback(res)
    assert res.returncode == 2 and "[outputs] processed" in res.stderr
    assert not outside.exists()
    res = _cli("validate", "--allow-outside", cwd=project)
    assert res.returncode == 0, res.stderr
    assert (outside / "procurement.parquet").is_file()


def test_allow_outside_setting_is_accepted(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    project = _project(
        tmp_path / "proj",
        toml=f"[outputs]\nprocessed = '{outside.as_posix()}'\nallow_outside = true\n",
    )
    res = _cli("validate", cwd=project)
    assert res.returncode == 0, res.stderr
    assert (outside / "rejects.csv").is_file()


def test_a_symlink_out_of_the_project_counts_as_outside(tmp_path: Path) -> None:
    project = _project(tmp_path / "proj", toml="[outputs]\nreports = 'out'\n")
    (tmp_path / "target").mkdir()
    (project / "out").symlink_to(tmp_path / "target")
    with pytest.raises(ConfigError, match=r"\[outputs\] reports"):
        load_config(project / "ospo.toml")
    assert load_config(project / "ospo.toml", allow_outside=True).reports_dir == project / "out"


# ============================================================ 6. messages, not tracebacks
def test_processed_and_reports_the_same_folder_stops_at_once(tmp_path: Path) -> None:
    project = _project(tmp_path, toml="[outputs]\nprocessed = 'out'\nreports = 'out'\n")
    res = _cli("run", "--formats", "html", cwd=project, timeout=60)  # used to block forever
    _no_traceback(res)
    assert res.returncode == 2
    assert "[outputs] processed" in res.stderr and "[outputs] reports" in res.stderr
    assert not (project / "out").exists()


def test_processed_inside_reports_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, toml="[outputs]\nprocessed = 'reports/data'\n")
    res = _cli("validate", cwd=project)
    assert res.returncode == 2 and "neither inside the other" in res.stderr


def test_report_and_processed_same_folder_in_the_api(tmp_path: Path) -> None:
    from conftest import build_country
    from ospo_analytics._report.runner import ReportError, run_reports

    country = build_country(tmp_path / "p", n_systems=2, n_rows=5)
    with pytest.raises(ReportError, match="same"):
        run_reports(country, country, formats=("html",), progress=False)
    assert not (country / ".lock").exists()


@pytest.mark.parametrize(
    ("toml", "setting"),
    [
        ("[inputs]\ninventory = 5\n", "[inputs] inventory"),
        ("[reading]\ndayfirst = 'yes'\n", "[reading] dayfirst"),
        ("[reading]\nheader_scan_rows = 0\n", "[reading] header_scan_rows"),
        ("[vendors]\nfuzzy_threshold = 'high'\n", "[vendors] fuzzy_threshold"),
        ("[it_filter]\nprefixes = '48'\n", "[it_filter] prefixes"),
        ("[columns.procurement]\namount = 5\n", "[columns.procurement] amount"),
        ("[values.method]\n'Licitación' = 1\n", "[values.method]"),
        ("[scale.procurement]\namount = 'million'\n", "[scale.procurement] amount"),
        ("[outputs]\nreports = 5\n", "[outputs] reports"),
        ("[outputs]\nreport = 'x'\n", "[outputs] report"),
        ("[project]\nas_of = 2024-06-30T10:00:00\n", "[project] as_of"),
        ("[project]\nas_of = '30/06/2024'\n", "[project] as_of"),
        ("[vendors.aliases]\nx = 3\n", "[vendors.aliases]"),
    ],
)
def test_wrong_setting_types_exit_2_naming_the_setting(tmp_path: Path, toml: str, setting: str):
    (tmp_path / "ospo.toml").write_text(toml, encoding="utf-8")
    res = _cli("validate", cwd=tmp_path)
    _no_traceback(res)
    assert res.returncode == 2, res.stderr
    assert setting in res.stderr, res.stderr
    assert not (tmp_path / "data").exists()


def test_as_of_as_a_toml_date_is_accepted(tmp_path: Path) -> None:
    import datetime as dt

    (tmp_path / "ospo.toml").write_text("[project]\nas_of = 2024-06-30\n")
    cfg = load_config(tmp_path / "ospo.toml")
    assert cfg.as_of == dt.date(2024, 6, 30)
    assert cfg["project"]["as_of"] == "2024-06-30"  # what reports receive


def test_a_real_folder_at_reports_latest_is_a_clear_error(tmp_path: Path) -> None:
    from conftest import build_country

    country = build_country(tmp_path / "p", n_systems=2, n_rows=5)
    out = tmp_path / "reports"
    (out / "latest").mkdir(parents=True)
    (out / "latest" / "keep.txt").write_text("user data")
    res = _cli("report", "--formats", "html", "--processed", str(country), "--out", str(out),
               cwd=tmp_path)  # fmt: skip
    _no_traceback(res)
    assert res.returncode == 2
    assert "latest" in res.stderr and "folder" in res.stderr
    assert (out / "latest" / "keep.txt").read_text() == "user data"
    assert not [p for p in out.iterdir() if p.name not in {"latest", ".lock"}]


def test_reports_setting_pointing_at_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("not a folder")
    (tmp_path / "ospo.toml").write_text("[project]\nname = 'x'\n")
    res = _cli("validate", cwd=tmp_path)
    _no_traceback(res)
    assert res.returncode == 2 and "[outputs] reports" in res.stderr and "is a file" in res.stderr


def test_config_file_that_is_a_folder_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "ospo.toml").mkdir()
    res = _cli("validate", cwd=tmp_path)
    _no_traceback(res)
    assert res.returncode == 2 and "cannot read" in res.stderr


_PATCHED_MAIN = """
import errno, sys
from ospo_analytics import _load
def boom(*a, **k):
    raise OSError(errno.{code}, "{text}", "{path}")
_load.write_processed = boom
from ospo_analytics._cli import main
sys.argv = ["ospo-analytics", "validate"]
main()
"""


@pytest.mark.parametrize(
    ("code", "text", "expect"),
    [
        ("ENOSPC", "No space left on device", "disk full"),
        ("EACCES", "Permission denied", "permission denied"),
        ("EROFS", "Read-only file system", "read-only"),
    ],
)
def test_file_system_errors_are_messages_with_exit_1(tmp_path: Path, code, text, expect) -> None:
    project = _project(tmp_path)
    target = project / "data" / "processed" / "procurement.parquet"
    src = _PATCHED_MAIN.format(code=code, text=text, path=target.as_posix())
    res = subprocess.run([sys.executable, "-c", src], cwd=project, capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    _no_traceback(res)
    assert res.returncode == 1, res.stderr
    assert expect in res.stderr and str(target) in res.stderr


def _mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return not subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                              capture_output=True, check=False).returncode  # fmt: skip


def test_a_read_only_processed_folder_says_so(tmp_path: Path) -> None:
    project = _project(tmp_path)
    processed = project / "data" / "processed"
    if not _mount_tmpfs(processed, "ro,size=1m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        res = _cli("validate", cwd=project)
        _no_traceback(res)
        assert res.returncode == 1
        assert "read-only" in res.stderr and str(processed) in res.stderr
    finally:
        subprocess.run(["umount", "-l", str(processed)], check=False)


def test_a_full_processed_folder_says_disk_full(tmp_path: Path) -> None:
    project = _project(tmp_path)
    processed = project / "data" / "processed"
    if not _mount_tmpfs(processed, "size=64k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        try:
            with open(processed / "filler", "wb") as fh:
                while True:
                    fh.write(b"\0" * 4096)
                    fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        res = _cli("validate", cwd=project)
        _no_traceback(res)
        assert res.returncode == 1
        assert "disk full" in res.stderr
        assert not (processed / "procurement.parquet").exists()
    finally:
        subprocess.run(["umount", "-l", str(processed)], check=False)


def test_charts_draw_unknown_and_negative_spend_without_failing_or_warning() -> None:
    # A country whose functions have no known spend failed its overview
    # ("Axis limits cannot be NaN"); a system with negative net spend (credit
    # notes) put a RuntimeWarning into the report and lost its bubble.
    import warnings

    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from ospo_analytics._report import charts as ch

    functions = pd.DataFrame(
        {"category": ["hr", "finance"], "n_ministries": [1, 2], "spend_total": [np.nan, np.nan]}
    )
    systems = pd.DataFrame(
        {
            "system_id": ["A", "B"], "system_name": ["Alpha", "Beta"], "ministry": ["M", "M"],
            "lockin_score": [80.0, 30.0], "reuse_score": [40.0, 70.0],
            "spend_total": [-49_900.0, 1000.0], "lockin_band": ["high", "low"],
        }
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs = [ch.spend_by_category(functions), ch.lockin_reuse_matrix(systems)]
        for fig in figs:
            fig.canvas.draw()
    texts = [t.get_text() for t in figs[0].findobj(Text)]
    assert sum("unknown" in t for t in texts) >= 2  # each function says its spend is unknown
    sizes = figs[1].axes[0].collections[0].get_sizes()
    assert len(sizes) == 2 and (sizes > 0).all()
    for fig in figs:
        plt.close(fig)
