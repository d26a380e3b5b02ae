"""The national-scale demo, reduced: validate, score and report end to end.

The full national country (600 buyers, 5,000 systems, 300,000 contracts) runs
in ``make bench`` (benchmarks/bench_national.py) with its time and memory;
here the ``"test"`` scale (60 buyers, 500 systems, 20,000 contracts) goes
through the same code paths.
"""

from __future__ import annotations

import hashlib
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics._clean.ministries import ministry_key
from ospo_analytics._config import load_config
from ospo_analytics._demo import NATIONAL_SCALES, write_national
from ospo_analytics._load import load_inputs, read_tables, write_processed
from ospo_analytics._read.spreadsheet import decode_text
from ospo_analytics._report.runner import run_reports
from ospo_analytics._score.systems import score


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    root = tmp_path_factory.mktemp("national")
    info = write_national(root, seed=11, scale="test")
    config = load_config(info.config)
    inputs = load_inputs(config, progress=False)
    write_processed(inputs, config.processed_dir)
    return info, config, inputs


def test_sizes_are_the_ones_asked(national) -> None:
    info, _, _ = national
    sizes = NATIONAL_SCALES["test"]
    assert len(info.ministries) == sizes["ministries"]
    assert len(info.buyer_ministry) == sizes["buyers"]
    assert info.n_systems == sizes["systems"] and info.n_contracts == sizes["contracts"]
    assert set(info.buyer_ministry.values()) == set(info.ministries)
    assert info.unmatched_buyers and set(info.unmatched_buyers) <= set(info.buyer_ministry)


def test_same_seed_same_files(tmp_path: Path) -> None:
    small = {"ministries": 3, "buyers": 8, "systems": 20, "contracts": 300}
    a = write_national(tmp_path / "a", seed=3, scale=small)
    b = write_national(tmp_path / "b", seed=3, scale=small)

    def digest(info):
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in info.files
            if p.suffix in {".csv", ".toml"}  # workbooks carry a zip timestamp per run
        }

    assert digest(a) == digest(b)


def test_every_row_accounted_for(national) -> None:
    info, _, inputs = national
    files = inputs.files
    proc = files[files["table"] == "procurement"]
    assert int(proc["rows_read"].sum()) == info.n_contracts
    assert int(proc["loaded"].sum()) + int(proc["rejected"].sum()) == info.n_contracts
    by_file = proc.assign(name=proc["file"].map(lambda f: Path(str(f)).name))
    rejected = by_file.groupby("name")["rejected"].sum()
    assert {k: int(v) for k, v in rejected[rejected > 0].items()} == info.planted_invalid
    inv = files[files["table"] == "inventory"]
    assert int(inv["loaded"].sum()) == info.n_systems
    assert not inputs.unusable


def test_buyers_roll_up_to_their_ministry(national) -> None:
    info, _, inputs = national
    truth = {ministry_key(b): m for b, m in info.buyer_ministry.items()}
    orphans = {ministry_key(b) for b in info.unmatched_buyers}
    for table in (inputs.procurement.table, inputs.inventory.table):
        pairs = table[["buyer", "ministry"]].dropna().drop_duplicates()
        assert len(pairs) > len(info.ministries)  # spellings, units and ministries
        for b, m in pairs.itertuples(index=False):
            k = ministry_key(b)
            # Every spelling lands where the truth says; an unmapped unit
            # stays its own ministry (one display name for all its spellings).
            assert (ministry_key(m) == k) if k in orphans else (m == truth[k]), (b, m)
    quest = inputs.questionnaire.table
    assert set(quest["ministry"]) <= set(info.ministries)


def test_review_files(national) -> None:
    info, config, _ = national
    out = config.processed_dir
    review = pd.read_csv(out / "buyer_review.csv", encoding="utf-8-sig")
    assert set(review["buyer"]) == set(info.unmatched_buyers)
    merges = pd.read_csv(out / "ministry_merges.csv", encoding="utf-8-sig")
    for m in info.ministries:
        written = set(info.ministry_spellings[m])
        listed = set(merges.loc[merges["ministry"] == m, "spelling"])
        # Every spelling that made it into the data is listed under its ministry.
        assert listed and listed <= written, m
    mb = pd.read_parquet(out / "ministry_buyers.parquet")
    assert set(mb["ministry"]) == set(info.ministries) | set(info.unmatched_buyers)
    proc = pd.read_parquet(out / "procurement.parquet")
    assert int(mb["contracts"].sum()) == len(proc)
    assert mb["spend"].sum() == pytest.approx(proc["amount"].sum())


def test_cp1252_exports_are_not_read_as_macroman(national) -> None:
    info, _, _ = national
    for p in info.files:
        if p.name.startswith("procurement_") and p.suffix == ".csv":
            assert decode_text(p.read_bytes())[1] == "cp1252", p.name


def test_score_and_report_a_few_ministries(national, tmp_path: Path) -> None:
    info, config, _ = national
    inv, proc, quest = read_tables(config.processed_dir)
    result = score(inv, proc, quest, as_of=config.as_of)
    got = (
        set(result.ministries["ministry"])
        if "ministry" in result.ministries
        else set(result.ministries.index)
    )
    assert got == set(info.ministries) | set(info.unmatched_buyers)
    assert len(result.systems) == info.n_systems
    result.to_parquet(config.processed_dir)
    picked = ["Ministry of Health", "Ministère de la Sécurité publique"]
    summary = run_reports(
        config.processed_dir,
        tmp_path / "reports",
        ministries=picked,
        jobs=2,
        formats=("html",),
        progress=False,
        as_of=str(config.as_of),
    )
    by = {s.name: s.status for s in summary.status}
    assert summary.exit_code == 0, summary.status
    assert by == {"National overview": "ok", **dict.fromkeys(picked, "ok")}
    # Each ministry report lists the buyers rolled up into it, with how.
    mb = pd.read_parquet(config.processed_dir / "ministry_buyers.parquet")
    slugs = {s.name: s.slug for s in summary.status}
    for m in picked:
        html = unescape((summary.run_dir / slugs[m] / "report.html").read_text("utf-8"))
        buyers = mb.loc[mb["ministry"] == m, "buyer"].tolist()
        assert len(buyers) > 1, m
        assert "Buyers behind this ministry" in html
        assert all(b in html for b in buyers), m


@pytest.mark.parametrize("n", [1, 2, 130])
def test_tiny_and_wide_countries_load(tmp_path: Path, n: int) -> None:
    """1 ministry with 1 buyer, and 130 ministries (beyond int8 category codes)."""
    sizes = {"ministries": n, "buyers": n + n // 2, "systems": n * 2, "contracts": n * 10}
    info = write_national(tmp_path, seed=5, scale=sizes)
    config = load_config(info.config)
    inputs = load_inputs(config, progress=False)
    assert not inputs.unusable
    got = set(inputs.procurement.table["ministry"].dropna())
    assert got <= set(info.ministries) | set(info.unmatched_buyers)
    assert len(inputs.inventory.table) == info.n_systems
    result = score(inputs.inventory.table, inputs.procurement.table, inputs.questionnaire.table)
    assert len(result.systems) == info.n_systems


def test_ministry_charts_stay_drawable_with_10000_ministries() -> None:
    """One bar per ministry would be 3,400 inches tall (over matplotlib's pixel
    limit); the charts show the ministries with the most systems and say so."""
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from ospo_analytics._report import charts

    n = 10_000
    rng = np.random.default_rng(0)
    m = pd.DataFrame(
        {
            "ministry": [f"Buyer {i:05d}" for i in range(n)],
            "n_systems": rng.integers(0, 50, n),
            "readiness_stage": rng.integers(0, 5, n).astype(float),
            "readiness_score": rng.random(n),
            "ind_open_share": rng.random(n),
        }
    )
    top = set(m.sort_values(["n_systems", "ministry"], ascending=[False, True])["ministry"][:60])
    for draw in (charts.readiness_bars, charts.readiness_heatmap):
        fig = draw(m)
        ax = fig.axes[0]
        assert fig.get_size_inches()[1] < 40
        assert "60 of 10,000" in ax.get_title()
        assert {t.get_text() for t in ax.get_yticklabels()} == top
        matplotlib.pyplot.close(fig)


def test_demo_command_scales(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ospo_analytics._cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["demo", "--scale", "galactic", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "--scale must be one of" in bad.output
    assert not (tmp_path / "x").exists()
    small = runner.invoke(app, ["demo", "--scale", "test", "--out", str(tmp_path / "nat")])
    assert small.exit_code == 0, small.output
    assert "60 buyers under 25 ministries" in " ".join(small.output.split())  # rich wraps
    config = load_config(tmp_path / "nat" / "ospo.toml")
    assert len(config.buyer_rules()) > 25  # the CSV rows and the patterns
    assert config.input_paths("procurement") and config.input_paths("inventory")
