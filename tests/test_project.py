"""The notebook API: weights, name matching, one ministry's view, totals, display."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics._project import (
    READINESS_WEIGHTS,
    NameNotFound,
    ReportFrame,
    match_name,
    with_weights,
)
from ospo_analytics._score.profile import load_profile


def test_with_weights_changes_only_the_named_weights_and_the_hash():
    base = load_profile()
    changed = with_weights(base, {"L6": 3.0, "R1": 0.0})
    assert changed.lockin_weights["L6"] == 3.0 and changed.reuse_weights["R1"] == 0.0
    others = {k: v for k, v in changed.lockin_weights.items() if k != "L6"}
    assert others == {k: v for k, v in base.lockin_weights.items() if k != "L6"}
    assert changed.sha256 != base.sha256
    assert f"sha256 {changed.sha256}" in changed.text and "weights changed" in changed.text
    # Same settings, same hash, however the profile was made.
    assert with_weights(base, {"L6": base.lockin_weights["L6"]}).sha256 == base.sha256


def test_with_weights_rejects_unknown_factors_and_negative_weights():
    base = load_profile()
    with pytest.raises(ValueError, match="unknown weight 'L99'"):
        with_weights(base, {"L99": 1.0})
    with pytest.raises(ValueError):
        with_weights(base, {"L1": -1.0})


# --------------------------------------------------------------------------- on the demo
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The demo country as an analyst loads it (processed tables under tmp)."""
    import ospo_analytics as oa

    demo = ROOT / "data" / "raw" / "demo"
    root = tmp_path_factory.mktemp("proj")
    (root / "ospo.toml").write_text(
        "[project]\nas_of = '2026-01-15'\n[inputs]\n"
        f"inventory = ['{(demo / 'inventory_*.xlsx').as_posix()}']\n"
        f"procurement = ['{(demo / 'procurement_*.xlsx').as_posix()}', "
        f"'{(demo / 'procurement_*.csv').as_posix()}']\n"
        f"questionnaire = ['{(demo / 'questionnaire*.xlsx').as_posix()}']\n"
    )
    return oa.load_project(root)


def test_readiness_weight_names_are_the_profiles_and_the_scorers():
    from ospo_analytics._score.ministries import INDICATORS

    assert READINESS_WEIGHTS == INDICATORS
    assert set(load_profile().data["readiness"]["weights"]) == set(READINESS_WEIGHTS)


def test_with_weights_changes_a_readiness_weight():
    base = load_profile()
    changed = with_weights(base, {"questionnaire": 0, "L6": 2})
    assert changed.data["readiness"]["weights"]["questionnaire"] == 0.0
    assert changed.data["readiness"]["weights"]["portability"] == 1.0
    assert changed.lockin_weights["L6"] == 2.0
    with pytest.raises(ValueError, match="questionnaire"):  # listed among the known names
        with_weights(base, {"questionaire": 0})
    with pytest.raises(ValueError, match="must be a number"):
        with_weights(base, {"questionnaire": "0"})


def test_match_name_ignores_case_accents_spaces_and_suggests():
    names = [
        "Ministry of Health",
        "Ministère de la Santé",
        "Ministry of Labour & Social Protection",
    ]
    assert match_name("ministry of health", names) == "Ministry of Health"
    assert match_name("  MINISTRY  of   HEALTH ", names) == "Ministry of Health"
    assert match_name("ministere de la sante", names) == "Ministère de la Santé"
    assert match_name("Ministryofhealth", names) == "Ministry of Health"
    assert match_name("labour", names) == "Ministry of Labour & Social Protection"  # unique part
    with pytest.raises(NameNotFound, match="matches 2 ministry names") as amb:
        match_name("ministry of", names)
    assert set(amb.value.suggestions) == {names[0], names[2]}
    with pytest.raises(NameNotFound, match="did you mean 'Ministry of Health'") as unk:
        match_name("Ministry of Helth", names)
    assert isinstance(unk.value, KeyError) and unk.value.suggestions[0] == "Ministry of Health"
    with pytest.raises(NameNotFound, match="empty"):
        match_name("  ", names)


def test_explain_by_id_or_name(project):
    by_id = project.explain("HEA-007")
    by_name = project.explain("payroll (paywave cloud payroll)", ministry="ministry of health")
    assert by_id.attrs["summary"] == by_name.attrs["summary"]
    assert by_name.attrs["summary"].startswith("HEA-007 ")
    assert project.explain("hea-007").attrs["summary"] == by_id.attrs["summary"]
    # The same name in four ministries: the message lists them with their ids.
    with pytest.raises(NameNotFound, match="matches 4 systems") as amb:
        project.explain("Payroll (PayWave Cloud Payroll)")
    assert "HEA-007" in str(amb.value) and "Ministry of Health" in str(amb.value)
    with pytest.raises(KeyError, match="did you mean 'Farmer registry'"):
        project.explain("Farmer registri")
    unique = project.systems.drop_duplicates("system_name", keep=False).iloc[0]
    assert (
        project.explain(unique["system_name"].upper())
        .attrs["summary"]
        .startswith(unique["system_id"] + " ")
    )


def test_ministry_view_matches_the_report_and_the_ministries_table(project):
    health = project.ministry("health")
    assert health.name == "Ministry of Health"
    assert project.ministry("MINISTRY OF HEALTH").name == health.name
    row = project.ministries.set_index("ministry").loc["Ministry of Health"]
    # IT spend: the view's contracts, the IT view of procurement, the indicator.
    assert health.spend_it == pytest.approx(float(row["spend_it"]), rel=1e-9)
    it = project.procurement_it
    mine = it[it["ministry"] == "Ministry of Health"]
    assert float(mine["amount"].sum()) == pytest.approx(float(row["spend_it"]), rel=1e-9)
    assert float(health.suppliers["spend"].sum()) == pytest.approx(health.spend_it, rel=1e-9)
    # procurement keeps non-IT rows; the reports' view drops exactly those.
    non_it = project.procurement["is_it"].eq(False).fillna(False).sum()
    assert non_it > 0 and len(project.procurement) - len(it) == non_it
    assert set(health.systems["ministry"]) == {"Ministry of Health"}
    assert len(health.systems) == int(row["n_systems"])
    assert (health.readiness["indicator"] == list(READINESS_WEIGHTS)).all()
    ind = [row[f"ind_{k}"] for k in READINESS_WEIGHTS]
    assert health.readiness["value"].tolist() == ind
    assert 1 <= len(health.actions) <= 3 and "Readiness score" in health.numbers
    with pytest.raises(NameNotFound, match="did you mean 'Ministry of Health'"):
        project.ministry("Ministry of Helth")


def test_rescore_a_readiness_weight(project):
    moved = project.rescore(questionnaire=0)
    assert moved.profile.data["readiness"]["weights"]["questionnaire"] == 0.0
    before = project.ministries.set_index("ministry")
    after = moved.ministries.set_index("ministry")
    # Readiness = weighted mean of the known indicators: recompute it here.
    w = dict(moved.profile.data["readiness"]["weights"])
    ind = after[[f"ind_{k}" for k in READINESS_WEIGHTS]].astype("float64")
    weights = pd.Series([w[k] for k in READINESS_WEIGHTS], index=ind.columns)
    known = ind.notna().astype(float) * weights
    expected = (ind.fillna(0) * weights).sum(axis=1) / known.sum(axis=1)
    pd.testing.assert_series_equal(
        after["readiness_score"].astype("float64"), expected, check_names=False
    )
    # Where the questionnaire is known and differs from the rest, the score moves.
    assert (after["readiness_score"] != before["readiness_score"]).any()
    # Lock-in is untouched by a readiness weight.
    pd.testing.assert_series_equal(
        moved.systems["lockin_score"], project.result.systems["lockin_score"]
    )


def test_tables_display_in_the_report_formats_without_changing_values(project):
    s = project.systems
    assert isinstance(s, ReportFrame) and isinstance(s.head(3), ReportFrame)
    pd.testing.assert_frame_equal(pd.DataFrame(s), project.result.systems)
    m = project.ministries.sort_values("ministry").head(3)
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        text = repr(m[["ministry", "spend_it", "readiness_score", "top_supplier_share"]])
    spend = float(m["spend_it"].iloc[0])
    assert f"{spend:,.0f}" in text  # money with thousands separators
    assert f"{100 * float(m['readiness_score'].iloc[0]):.0f}" in text  # readiness 0-100
    assert f"{float(m['top_supplier_share'].iloc[0]):.0%}" in text  # shares as %
    html = m._repr_html_()
    assert f"{spend:,.0f}" in html and "<script" not in html
    # Missing values print "unknown", and text from spreadsheets is escaped.
    odd = ReportFrame({"system_name": ["<script>x</script>"], "lockin_score": [None]})
    assert "unknown" in repr(odd) and "&lt;script&gt;" in odd._repr_html_()


def test_api_edges_an_analyst_hits(tmp_path, country):
    # A typo in the project path made an empty project (and folders named
    # after the typo); readiness showed 60 beside stage 2 (rounded where the
    # reports cut); a before/after table with a repeated column name could
    # not be printed; score(as_of="2024-06-30") failed deep inside.
    import datetime as dt

    from ospo_analytics import load_project, score
    from ospo_analytics._config import ConfigError
    from ospo_analytics._project import formatted_text
    from ospo_analytics._score.systems import ScoreInputError

    with pytest.raises(ConfigError, match="no such project folder or config file"):
        load_project(tmp_path / "ospo.tml")
    assert not (tmp_path / "ospo.tml").exists()
    shown = formatted_text(pd.DataFrame({"readiness_score": [0.598], "readiness_stage": [2]}))
    assert shown["readiness_score"].tolist() == ["59"]
    twice = pd.concat([pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [2.0]})], axis=1)
    assert formatted_text(twice).shape == (1, 2)
    inv = pd.read_parquet(country / "inventory.parquet")
    a = score(inv, None, as_of="2024-06-30")
    b = score(inv, None, as_of=dt.date(2024, 6, 30))
    pd.testing.assert_frame_equal(a.systems, b.systems)
    with pytest.raises(ScoreInputError, match="not a date"):
        score(inv, None, as_of="30/06/2024")


def test_rank_changes_says_what_it_compares_with(project):
    # None failed deep inside ("'NoneType' object has no attribute 'systems'").
    with pytest.raises(TypeError, match="pass what rescore"):
        project.rank_changes(None)
