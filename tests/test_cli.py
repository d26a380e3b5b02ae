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
