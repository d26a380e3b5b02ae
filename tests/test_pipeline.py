"""End to end on the demo country: load -> score finds the structure planted in it."""

from __future__ import annotations

import pandas as pd
import pytest

from ospo_analytics._config import load_config
from ospo_analytics._demo import write_demo
from ospo_analytics._load import load_inputs


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    info = write_demo(root / "data" / "raw" / "demo")
    (root / "ospo.toml").write_text('[project]\nas_of = "2026-01-15"\ncurrency = "TTD"\n')
    config = load_config(root / "ospo.toml")
    inputs = load_inputs(config)
    return info, config, inputs


@pytest.fixture(scope="module")
def scored(demo):
    from ospo_analytics._score.systems import score

    _, config, inputs = demo
    return score(
        inputs.inventory.table,
        inputs.procurement.table,
        inputs.questionnaire.table,
        as_of=config.as_of,
    )


def test_every_demo_row_is_accounted_for(demo):
    info, _, inputs = demo
    files = inputs.files
    assert (files["rows_read"] == files["loaded"] + files["filtered"] + files["rejected"]).all()
    proc = files[files["table"] == "procurement"]
    assert int(proc["rows_read"].sum()) == info.n_procurement_rows
    assert int(files[files["table"] == "inventory"]["loaded"].sum()) == info.n_systems
    # Rejected rows are exactly the invalid rows planted, file by file.
    rejected = files.assign(name=files["file"].map(lambda f: f.rsplit("/", 1)[-1]))
    per_file = rejected.groupby("name")["rejected"].sum()
    for name, kinds in info.planted_invalid_detail.items():
        n_reject = sum(v for k, v in kinds.items() if k != "supplier")
        assert per_file.get(name, 0) == n_reject, (name, kinds)
    assert not inputs.unusable


def test_planted_dominant_vendors_come_out_on_top(demo, scored):
    info, _, _ = demo
    m = scored.ministries.set_index("ministry")
    for ministry, vendor in info.dominant_vendors.items():
        assert m.loc[ministry, "top_supplier"] == vendor
        assert m.loc[ministry, "hhi_band"] == "high"
    others = m.drop(index=list(info.dominant_vendors))
    assert (others["top_supplier_share"] < 0.5).all()


def test_direct_award_chains_rank_high(scored, demo):
    info, _, _ = demo
    s = scored.systems.set_index("system_id")
    chains = s.loc[info.direct_award_chains]
    rest = s.drop(index=info.direct_award_chains)
    assert chains["lockin_commercial"].mean() > rest["lockin_commercial"].mean() + 20
    # The longest commercial lock-in is a planted chain.
    top = s.sort_values("lockin_commercial", ascending=False).head(len(chains))
    assert top.index.isin(info.direct_award_chains).mean() >= 0.7


def test_open_source_systems_score_lower_lockin(scored, demo):
    info, _, _ = demo
    s = scored.systems.set_index("system_id")
    oss = s.loc[s.index.isin(info.open_source_systems), "lockin_technical"]
    closed = s.loc[~s.index.isin(info.open_source_systems), "lockin_technical"]
    assert oss.mean() < closed.mean()


def test_scores_are_traceable_to_rows(scored):
    f = scored.factors
    sid = scored.systems.sort_values("lockin_score", ascending=False)["system_id"].iloc[0]
    ex = f[(f["system_id"] == sid) & f["known"].astype(bool)]
    assert len(ex) > 0
    assert ex["evidence"].str.len().min() > 0
    # Procurement-based factors name the file and row they rest on.
    l1 = ex[ex["factor"] == "L1"]
    if len(l1):
        assert "procurement_" in l1["evidence"].iloc[0]
    assert pd.notna(scored.systems.set_index("system_id").loc[sid, "top_drivers"])


def test_inventory_vendors_and_suppliers_are_one_company(demo):
    from ospo_analytics._clean.cells import normalise_vendor

    _, _, inputs = demo
    inv, proc = inputs.inventory.table, inputs.procurement.table
    names = pd.concat([inv["vendor"].dropna(), proc["supplier"].dropna()]).drop_duplicates()
    keys = normalise_vendor(names)
    # After clustering, no two displayed names normalise to the same company.
    assert not keys.duplicated().any(), names[keys.duplicated(keep=False)].tolist()
    # The demo writes MediCore three ways in asset registers and contracts.
    assert inv["vendor"].str.contains("MediCore", case=False).sum() > 0
    assert (
        inv.loc[
            inv["vendor"].str.contains("medicore", case=False).fillna(False), "vendor"
        ].nunique()
        == 1
    )


def test_bundled_demo_data_is_what_the_generator_writes(tmp_path):
    """data/raw/demo/ is committed so `make run` needs no step; it must stay
    exactly what `ospo-analytics demo` writes (regenerate it after changes)."""
    from pathlib import Path

    bundled = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"
    info = write_demo(tmp_path)
    assert sorted(p.name for p in bundled.iterdir()) == sorted(p.name for p in info.files)
    for p in info.files:
        assert (bundled / p.name).read_bytes() == p.read_bytes(), f"regenerate {p.name}"
