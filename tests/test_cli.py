"""The command line end to end: demo, validate, score, report/run, template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ospo_analytics._cli import app

REALDATA = Path(
    os.environ.get("OSPO_REALDATA", Path(__file__).parents[1] / ".." / "shared" / "realdata")
)
PARAGUAY = REALDATA / "procurement" / "ocds_real_examples" / "paraguay"

runner = CliRunner()


def _cli(*args, cwd: Path):
    return subprocess.run(
        [sys.executable, "-m", "ospo_analytics", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_usage_error_exit_code_2(tmp_path):
    res = _cli("report", "--formats", "html,docx", "--processed", str(tmp_path), cwd=tmp_path)
    assert res.returncode in (1, 2)
    assert "Traceback" not in res.stderr + res.stdout
    res = _cli("validate", "--no-such-option", cwd=tmp_path)
    assert res.returncode == 2


def test_bad_config_is_a_clear_error(tmp_path):
    (tmp_path / "ospo.toml").write_text("[project\nname=")
    res = _cli("validate", cwd=tmp_path)
    assert res.returncode == 2
    assert "not valid TOML" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "ospo.toml").write_text("[projekt]\nname='x'\n")
    res = _cli("validate", cwd=tmp_path)
    assert res.returncode == 2 and "unknown section" in res.stderr


def test_validate_an_ocds_folder(tmp_path):
    if not PARAGUAY.exists():
        pytest.skip(f"real OCDS data not found at {PARAGUAY} (set OSPO_REALDATA)")
    out = tmp_path / "processed"
    res = _cli("validate", "--procurement", str(PARAGUAY), "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    proc = pd.read_parquet(out / "procurement.parquet")
    assert len(proc) > 0 and proc["ministry"].notna().all()
    report = pd.read_csv(out / "load_report.csv", encoding="utf-8-sig")
    proc_rep = report[report["table"] == "procurement"]
    assert (
        proc_rep["rows_read"] == proc_rep["loaded"] + proc_rep["filtered"] + proc_rep["rejected"]
    ).all()
    # Every OCDS file of the folder is accounted for.
    n_files = sum(1 for p in PARAGUAY.rglob("*") if p.suffix in {".json", ".jsonl"})
    assert proc_rep["file"].nunique() == n_files


def test_run_on_an_ocds_source_configured_in_ospo_toml(tmp_path):
    if not PARAGUAY.exists():
        pytest.skip(f"real OCDS data not found at {PARAGUAY} (set OSPO_REALDATA)")
    (tmp_path / "ospo.toml").write_text(
        "[project]\nas_of = '2026-01-01'\n"
        "[inputs]\ninventory = []\nprocurement = []\nquestionnaire = []\n"
        f"ocds = ['{PARAGUAY.as_posix()}']\ndemo_if_missing = false\n"
    )
    res = _cli("run", "--formats", "html", "--jobs", "2", cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    latest = tmp_path / "reports" / "latest"
    manifest = json.loads((latest / "manifest.json").read_text())
    ministries = set(
        pd.read_parquet(tmp_path / "data" / "processed" / "procurement.parquet")["ministry"]
    )
    names = {r["name"] for r in manifest["reports"]}
    assert ministries <= names
    assert all(r["status"] == "ok" for r in manifest["reports"])
    for r in manifest["reports"]:
        assert (latest / r["slug"] / "report.html").is_file()
    # Nothing changed: the second run executes nothing and says so, fast.
    t0 = time.perf_counter()
    again = _cli("run", "--formats", "html", cwd=tmp_path)
    assert again.returncode == 0
    assert "nothing changed" in again.stdout
    assert time.perf_counter() - t0 < 10  # includes Python start-up; bench checks < 2 s
    assert (tmp_path / "reports" / "latest").resolve() == latest.resolve()


def test_demo_and_template_commands(tmp_path):
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "demo").glob("inventory_*.xlsx"))) >= 12
    res = runner.invoke(app, ["template", "--out", str(tmp_path / "t"), "--lang", "fr"])
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "t").iterdir()} >= {
        "inventory_template.xlsx",
        "procurement_template.xlsx",
        "questionnaire_template.xlsx",
    }
    res = runner.invoke(app, ["template", "--out", str(tmp_path / "t"), "--lang", "de"])
    assert res.exit_code == 2


def test_second_run_meanwhile_stops_with_a_clear_message(tmp_path):
    import fcntl

    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    with open(processed / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.write("4242")
        fh.flush()
        res = _cli("validate", cwd=tmp_path)
    assert res.returncode == 2
    assert "another run is in progress (pid 4242)" in res.stderr
    assert not (processed / "inventory.parquet").exists()
    # Released (as when the first run ends or is killed): the next one proceeds.
    res = _cli("validate", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (processed / "inventory.parquet").exists()


def test_truncated_code_json_is_an_unusable_file_and_others_load(tmp_path):
    codegov = REALDATA / "inventory" / "us_codegov"
    if not codegov.exists():
        pytest.skip(f"real data not found at {codegov} (set OSPO_REALDATA)")
    out = tmp_path / "out"
    res = _cli(
        "validate",
        "--inventory", str(codegov / "GSA-index.TRUNCATED-upstream.json"),
        "--inventory", str(codegov / "VA-index.json"),
        "--out", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 1
    assert "GSA-index.TRUNCATED-upstream.json" in res.stderr and "truncated" in res.stderr
    assert "Traceback" not in res.stderr
    inv = pd.read_parquet(out / "inventory.parquet")
    import json as _json

    va = _json.loads((codegov / "VA-index.json").read_text(encoding="utf-8"))
    assert len(inv) == len(va["releases"])
    assert set(inv["source_file"].map(lambda f: Path(f).name)) == {"VA-index.json"}


def test_validate_and_run_agree_when_nothing_loads(tmp_path):
    """Issue 10: `validate` exited 0 when it loaded nothing while `run` exited 1."""
    inv = tmp_path / "inventory.csv"
    inv.write_text("system_id,system_name,ministry\nS1,,Health\nS2,,Health\n", encoding="utf-8")
    (tmp_path / "ospo.toml").write_text(
        '[inputs]\ninventory = ["inventory.csv"]\nprocurement = []\n', encoding="utf-8"
    )
    val = _cli("validate", cwd=tmp_path)
    run = _cli("run", cwd=tmp_path)
    assert val.returncode == run.returncode == 1, val.stdout + val.stderr
    for res in (val, run):
        assert "nothing loaded" in res.stderr and "Traceback" not in res.stderr


# --------------------------------------------------------------------------- help, options
COMMANDS = ["demo", "validate", "score", "report", "run", "explain", "template"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_has_plain_metavars_and_no_type_names(command):
    import re

    args = [command, "--help"] if command else ["--help"]
    res = runner.invoke(app, args, terminal_width=120)
    assert res.exit_code == 0, res.output
    # Words only: the help panel's borders and line breaks removed.
    text = " ".join(res.output.replace("│", " ").split())
    assert not re.search(r"<[a-z_]+(\[[^\]]*\])?>", text), text  # <bool>, <list[Path]>, <int>
    assert "list[" not in text and "{" not in text
    if command in {"validate", "score", "report", "run"}:
        for opt in ("--config", "--processed", "--quiet", "--verbose"):
            assert opt in text, (command, opt)
        assert "PATH" in text
    if command in {"score", "report", "run"}:
        assert "--profile" in text and "--out" in text
    if command in {"report", "run"}:
        assert "--jobs" in text and "N " in text and "one per CPU core" in text
        assert "NAME" in text and "[default: html,xlsx,pdf]" in text
    if command in {"validate", "run"}:
        assert "--ocds" in text and "--procurement" in text
    if command in {"validate", "score"}:
        assert "--json" in text


def test_version():
    from ospo_analytics import __version__

    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"ospo-analytics {__version__}"


# --------------------------------------------------------------------------- on the demo
DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"


def _demo_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "ospo.toml").write_text(
        "[project]\nas_of = '2026-01-15'\n[inputs]\n"
        f"inventory = ['{(DEMO / 'inventory_*.xlsx').as_posix()}']\n"
        f"procurement = ['{(DEMO / 'procurement_*.xlsx').as_posix()}', "
        f"'{(DEMO / 'procurement_*.csv').as_posix()}']\n"
        f"questionnaire = ['{(DEMO / 'questionnaire*.xlsx').as_posix()}']\n"
    )
    return root


def _summary_fields(line: str) -> dict[str, str]:
    import shlex

    assert line.startswith("summary "), line
    return dict(part.split("=", 1) for part in shlex.split(line[len("summary ") :]))


def test_run_to_a_log_file_on_the_demo(tmp_path):
    """`run > log.txt`: one line per event, no path or ministry split, a
    parseable summary; then the same project through explain and --ministry."""
    root = _demo_project(tmp_path / "proj")
    log = tmp_path / "log.txt"
    with open(log, "w") as out:
        res = subprocess.run(
            [sys.executable, "-m", "ospo_analytics", "run", "--formats", "html", "--jobs", "1",
             "--ministry", "ministry  of HEALTH"],
            cwd=root, stdout=out, stderr=subprocess.PIPE, text=True, timeout=900,
        )  # fmt: skip
    text = log.read_text()
    assert res.returncode == 0, text[-3000:] + res.stderr[-3000:]
    processed = root / "data" / "processed"
    ministries = pd.read_parquet(processed / "ministries.parquet")["ministry"].tolist()
    load_report = pd.read_csv(processed / "load_report.csv", encoding="utf-8-sig")
    paths = [str(Path(f).resolve()) for f in load_report["file"].unique()]
    joined = text.replace("\n", "")
    for name in [*paths, *ministries, str(processed.resolve())]:
        # Found whole on one line exactly as often as in the text with the
        # line breaks removed: no occurrence is split across two lines.
        assert text.count(name) == joined.count(name), name
    for path in paths:
        assert path in text  # every input file by its full path
    assert "Ministry of Health" in text and "│" not in text and "┃" not in text
    lines = text.splitlines()
    fields = _summary_fields(lines[-1])
    assert fields["command"] == "run" and fields["exit"] == "0" and fields["status"] == "ok"
    assert fields["reports_ok"] == "2" and fields["reports_failed"] == "0"  # national + Health
    assert int(fields["rows_loaded"]) == int(load_report["loaded"].sum())
    assert int(fields["rows_rejected"]) == int(load_report["rejected"].sum())
    bands = pd.read_parquet(processed / "systems.parquet")["lockin_band"].astype("string")
    assert int(fields["high_lockin"]) == int(bands.eq("high").sum())
    # Beside it, the systems too little is known about: never read as "not high".
    assert int(fields["unknown_lockin"]) == int((bands.eq("unknown") | bands.isna()).sum()) > 0
    assert int(fields["rows_read"]) == int(load_report["rows_read"].sum())
    assert int(fields["systems"]) == len(pd.read_parquet(processed / "systems.parquet"))
    manifest = json.loads((root / "reports" / "latest" / "manifest.json").read_text())
    assert {r["name"] for r in manifest["reports"]} == {"National overview", "Ministry of Health"}

    # --ministry that matches nothing: exit 2, a suggestion, no traceback.
    bad = runner.invoke(app, ["report", "--config", str(root / "ospo.toml"), "--ministry",
                              "Ministry of Helth", "--formats", "html"])  # fmt: skip
    assert bad.exit_code == 2
    assert "did you mean 'Ministry of Health'" in bad.stderr

    # explain SYSTEM prints what Project.explain shows in a notebook.
    import ospo_analytics as oa

    project = oa.load_project(root)
    expected = project.explain("Court case management").attrs["summary"]
    res = runner.invoke(app, ["explain", "court case", "--config", str(root / "ospo.toml")])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(expected)
    factor_ids = project.explain("Court case management")["factor"].tolist()
    assert all(f in res.stdout for f in factor_ids)
    res = runner.invoke(app, ["explain", "Payroll (PayWave Cloud Payroll)",
                              "--config", str(root / "ospo.toml")])  # fmt: skip
    assert res.exit_code == 2 and "HEA-007" in res.stderr and "Ministry of Health" in res.stderr
    res = runner.invoke(app, ["explain", "Payroll (PayWave Cloud Payroll)", "-m", "health",
                              "--config", str(root / "ospo.toml")])  # fmt: skip
    assert res.exit_code == 0 and res.stdout.startswith("HEA-007 ")


def test_validate_and_score_json_and_quiet(tmp_path):
    root = _demo_project(tmp_path / "proj")
    cfg = str(root / "ospo.toml")
    res = runner.invoke(app, ["validate", "--config", cfg, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)  # the whole of stdout is one JSON document
    report = pd.read_csv(root / "data" / "processed" / "load_report.csv", encoding="utf-8-sig")
    assert data["command"] == "validate" and data["exit_code"] == 0
    assert data["rows_loaded"] == int(report["loaded"].sum())
    assert data["rows_rejected"] == int(report["rejected"].sum())
    assert len(data["files"]) == len(report)
    assert {"file", "sheet", "rows_read", "loaded", "rejected"} <= set(data["files"][0])
    res = runner.invoke(app, ["score", "--config", cfg, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    systems = pd.read_parquet(root / "data" / "processed" / "systems.parquet")
    assert data["systems"] == len(systems)
    top = systems.sort_values("lockin_score", ascending=False)["system_id"].iloc[0]
    assert data["top"][0]["system_id"] == top
    # --quiet: nothing but the summary line on stdout.
    res = runner.invoke(app, ["validate", "--config", cfg, "--quiet"])
    assert res.exit_code == 0
    assert len(res.stdout.splitlines()) == 1
    assert _summary_fields(res.stdout.strip())["rows_loaded"] == str(int(report["loaded"].sum()))
    # score --out: a complete processed folder elsewhere, readable by explain.
    other = tmp_path / "elsewhere"
    res = runner.invoke(app, ["score", "--config", cfg, "--out", str(other), "-q"])
    assert res.exit_code == 0, res.output
    assert (other / "systems.parquet").is_file() and (other / "inventory.parquet").is_file()
    res = runner.invoke(app, ["explain", top, "--config", cfg, "--processed", str(other)])
    assert res.exit_code == 0 and res.stdout.startswith(f"{top} ")


def test_a_damaged_processed_table_is_an_error_not_a_traceback(tmp_path, country):
    # A crashed run or a file edited by hand: each command names the file.
    import shutil

    processed = tmp_path / "data" / "processed"
    shutil.copytree(country, processed)
    (tmp_path / "ospo.toml").write_text(
        "[inputs]\ninventory = []\nprocurement = []\nquestionnaire = []\ndemo_if_missing = false\n",
        encoding="utf-8",
    )
    (processed / "ministries.parquet").write_bytes(b"not a parquet file")
    out = _cli("report", "--formats", "html", "--force", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "ministries.parquet: cannot read" in out.stderr
    (processed / "inventory.parquet").write_bytes(b"not a parquet file")
    out = _cli("score", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "inventory.parquet: cannot read" in out.stderr
    pd.DataFrame({"x": [1]}).to_parquet(processed / "systems.parquet")
    out = _cli("explain", "S1", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "not the systems table" in out.stderr


def test_reports_name_the_currency_amounts_were_added_in(tmp_path):
    # [project] currency = "": the loader adds amounts in the one most rows
    # state; the reports showed money without a unit ("IT spend 3,000").
    from ospo_analytics._cli import _project_meta
    from ospo_analytics._config import load_config

    processed = tmp_path / "processed"
    processed.mkdir()
    cfg = load_config(root=tmp_path)
    assert _project_meta(cfg, processed)["currency"] == ""  # nothing to go by
    pd.DataFrame({"currency": ["USD", "USD", "EUR", None]}).to_parquet(
        processed / "procurement.parquet"
    )
    assert _project_meta(cfg, processed)["currency"] == "USD"
    (tmp_path / "ospo.toml").write_text('[project]\ncurrency = "PYG"\n', encoding="utf-8")
    assert _project_meta(load_config(root=tmp_path), processed)["currency"] == "PYG"
