"""Per-system scoring: every factor on tiny hand-made tables, properties, result object."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ospo_analytics._clean.schema import empty_frame
from ospo_analytics._config import ConfigError
from ospo_analytics._score import systems as _score
from ospo_analytics._score.profile import load_profile
from ospo_analytics._score.result import ScoreResult, read_scores
from ospo_analytics._score.systems import ScoreInputError, combine, score, sensitivity

AS_OF = dt.date(2025, 1, 1)


_WITH_MINISTRIES = {"test_score_calls_the_ministry_part"}


def _no_ministries(**kw):
    return pd.DataFrame(), pd.DataFrame(), dict


@pytest.fixture(autouse=True)
def _no_ministry_scoring(request, monkeypatch):
    """The per-ministry part has its own tests; skip it here to keep these fast."""
    if request.node.name not in _WITH_MINISTRIES:
        monkeypatch.setattr(_score, "score_ministries", _no_ministries)


def make(table: str, rows: list[dict]) -> pd.DataFrame:
    """Canonical table with the schema's dtypes from a list of row dicts."""
    base = empty_frame(table)
    df = pd.DataFrame(rows)
    out = {}
    for c in base.columns:
        col = df[c] if c in df else pd.Series([None] * len(df), dtype=object)
        if str(base[c].dtype).startswith("datetime"):
            out[c] = pd.to_datetime(col).astype(base[c].dtype)
        else:
            out[c] = col.astype(object).where(col.notna(), None).astype(base[c].dtype)
    return pd.DataFrame(out)


def inv(*rows: dict) -> pd.DataFrame:
    full = []
    for i, r in enumerate(rows):
        d = {"system_id": f"S{i + 1}", "system_name": f"System {i + 1}", "ministry": "M1"}
        d.update(r)
        full.append(d)
    return make("inventory", full)


def proc(*rows: dict) -> pd.DataFrame:
    full = []
    for i, r in enumerate(rows):
        d = {"ministry": "M1", "supplier": "Acme", "amount": 100.0, "system_id": "S1"}
        d.update(r)
        d.setdefault("source_file", "p.xlsx")
        d.setdefault("source_sheet", "Awards")
        d.setdefault("source_row", i + 2)
        full.append(d)
    return make("procurement", full)


def fval(res: ScoreResult, sid: str, f: str) -> float:
    row = res.factors[(res.factors["system_id"] == sid) & (res.factors["factor"] == f)]
    assert len(row) == 1
    v = row["value"].iloc[0]
    return math.nan if pd.isna(v) else float(v)


def frow(res: ScoreResult, sid: str, f: str) -> pd.Series:
    return res.factors[(res.factors["system_id"] == sid) & (res.factors["factor"] == f)].iloc[0]


def run(i, p=None, **kw) -> ScoreResult:
    return score(i, p if p is not None else proc().iloc[:0], as_of=AS_OF, **kw)


# ------------------------------------------------------------------ procurement factors


def test_l1_top_supplier_share_with_credit_note():
    p = proc(
        {"supplier": "Acme", "amount": 300.0},
        {"supplier": "Beta", "amount": 100.0},
        {"supplier": "Acme", "amount": 200.0},
        {"supplier": "Beta", "amount": -50.0},  # credit note nets within Beta
    )
    r = run(inv({}), p)
    assert fval(r, "S1", "L1") == pytest.approx(500 / 550)
    ev = frow(r, "S1", "L1")["evidence"]
    assert "Acme" in ev and "p.xlsx:Awards:r2" in ev
    assert r.systems["spend_total"].iloc[0] == pytest.approx(550)
    assert r.systems["n_contracts"].iloc[0] == 4
    assert r.systems["top_supplier"].iloc[0] == "Acme"


def test_procurement_factors_unknown_without_linked_rows():
    r = run(inv({}), proc({"system_id": "OTHER"}))
    for f in ("L1", "L2", "L3", "L4", "L5"):
        row = frow(r, "S1", f)
        assert not row["known"] and pd.isna(row["value"])
        assert "no linked procurement" in row["evidence"]
    assert r.systems.set_index("system_id").loc["S1", "n_contracts"] == 0
    # The contract's own system id, absent from the inventory, becomes a
    # procurement-only system: scored from its contracts, band unknown.
    assert r.links["system_id"].iloc[0] == "OTHER"
    other = r.systems.set_index("system_id").loc["OTHER"]
    assert not other["in_inventory"] and other["lockin_band"] == "unknown"
    assert r.systems.set_index("system_id").loc["S1", "in_inventory"]


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        (range(2016, 2025), 0.9),  # 9 consecutive years up to the latest
        ([2015, 2016, *range(2019, 2025)], 0.6),  # a gap restarts the run
        (range(2005, 2025), 1.0),  # capped at 10 years
    ],
)
def test_l2_consecutive_years(years, expected):
    p = proc(*({"award_date": f"{y}-06-01"} for y in years))
    assert fval(run(inv({}), p), "S1", "L2") == pytest.approx(expected)


def test_l2_contract_period_counts_and_stops_at_as_of():
    p = proc({"award_date": "2015-01-01", "end_date": "2024-12-31"})
    assert fval(run(inv({}), p), "S1", "L2") == pytest.approx(1.0)
    p = proc({"award_date": "2022-01-01", "end_date": "2030-12-31"})
    assert fval(run(inv({}), p), "S1", "L2") == pytest.approx(0.4)  # 2022..2025


def test_l2_zero_when_top_supplier_no_longer_active():
    p = proc(
        *({"award_date": f"{y}-01-01", "amount": 1000.0} for y in range(2010, 2016)),
        {"supplier": "Beta", "award_date": "2024-01-01", "amount": 10.0},
    )
    r = run(inv({}), p)
    assert fval(r, "S1", "L2") == 0.0
    assert "not active" in frow(r, "S1", "L2")["evidence"]


def test_l3_share_of_value_limited_or_direct():
    p = proc(
        {"method": "open", "amount": 100.0},
        {"method": "direct", "amount": 200.0},
        {"method": "limited", "amount": 100.0},
        {"method": None, "amount": 1000.0},  # unknown method: not counted
    )
    assert fval(run(inv({}), p), "S1", "L3") == pytest.approx(0.75)
    assert math.isnan(fval(run(inv({}), proc({"method": None})), "S1", "L3"))


def test_l4_single_bid_share_of_competitive_awards():
    p = proc(
        {"method": "open", "tenderers": 1},
        {"method": "open", "tenderers": 3},
        {"method": "selective", "tenderers": 1},
        {"method": "direct", "tenderers": 1},  # not competitive
        {"method": "open", "tenderers": None},  # bids unknown
    )
    assert fval(run(inv({}), p), "S1", "L4") == pytest.approx(2 / 3)
    assert math.isnan(fval(run(inv({}), proc({"method": "direct"})), "S1", "L4"))


@pytest.mark.parametrize(
    ("flags", "expected"), [([True, False], 1.0), ([False, False], 0.0), ([None, None], math.nan)]
)
def test_l5_brand_name(flags, expected):
    p = proc(*({"brand_name_spec": b} for b in flags))
    v = fval(run(inv({}), p), "S1", "L5")
    assert (math.isnan(v) and math.isnan(expected)) or v == expected


# -------------------------------------------------------------------- inventory factors


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"licence": "EUPL-1.2", "ip_owner": "government"}, 0.0),
        ({"licence": "MIT", "ip_owner": "third-party"}, 0.2),
        ({"licence": "LicenseRef-proprietary", "ip_owner": "government"}, 0.4),
        (
            {
                "licence": "LicenseRef-proprietary",
                "ip_owner": "vendor",
                "source_code_access": "escrow",
            },
            0.7,
        ),
        (
            {
                "licence": "LicenseRef-proprietary",
                "ip_owner": "vendor",
                "source_code_access": "none",
            },
            1.0,
        ),
        ({"licence": "LicenseRef-proprietary", "ip_owner": "vendor"}, math.nan),
        ({"ip_owner": "vendor"}, math.nan),
    ],
)
def test_l6_licence_and_ip(row, expected):
    v = fval(run(inv(row)), "S1", "L6")
    assert (math.isnan(v) and math.isnan(expected)) or v == pytest.approx(expected)


@pytest.mark.parametrize(
    ("factor", "row", "expected"),
    [
        ("L7", {"data_export": "open-format"}, 0.0),
        ("L7", {"data_export": "proprietary-format"}, 0.5),
        ("L7", {"data_export": "none"}, 1.0),
        ("L8", {"interfaces_total": 4, "interfaces_open": 1}, 0.75),
        ("L8", {"interfaces_total": 0, "interfaces_open": 0}, 0.0),
        # Inconsistent (more open than all): unknown, not clamped to the best score.
        ("L8", {"interfaces_total": 2, "interfaces_open": 5}, None),
        ("L9", {"proprietary_dependencies": "replaceable"}, 0.5),
        ("L9", {"proprietary_dependencies": "hard"}, 1.0),
        ("L10", {"hosting": "government"}, 0.0),
        ("L10", {"hosting": "third-party-in-country"}, 0.33),
        ("L10", {"hosting": "vendor-cloud-in-country"}, 0.5),
        ("L10", {"hosting": "foreign"}, 1.0),
        ("L11", {"in_house_capability": False, "qualified_suppliers": 2}, 0.75),
        ("L11", {"in_house_capability": True, "qualified_suppliers": 1}, 0.5),
        ("L11", {"in_house_capability": True, "qualified_suppliers": 0}, 0.5),
        ("L12", {"integrations": 0}, 0.0),
        ("L12", {"integrations": 4}, math.log(5) / math.log(21)),
        ("L12", {"integrations": 50}, 1.0),
        ("L13", {"exit_clause": True, "data_return_clause": True}, 0.0),
        ("L13", {"exit_clause": True, "data_return_clause": False}, 0.5),
        ("L13", {"exit_clause": False, "data_return_clause": False}, 1.0),
    ],
)
def test_inventory_factor_scales(factor, row, expected):
    r = run(inv(row))
    if expected is None:
        assert pd.isna(fval(r, "S1", factor))
    else:
        assert fval(r, "S1", factor) == pytest.approx(expected)
    assert frow(r, "S1", factor)["evidence"].startswith("inventory:")


@pytest.mark.parametrize(
    "factor", ["L6", "L7", "L8", "L9", "L10", "L11", "L12", "L13", "R3", "R4", "R5", "R6"]
)
def test_inventory_factors_unknown_when_fields_empty(factor):
    row = frow(run(inv({})), "S1", factor)
    assert not row["known"] and pd.isna(row["value"])


def test_l11_counts_distinct_suppliers_when_qualified_suppliers_missing():
    p = proc({"supplier": "A"}, {"supplier": "B"}, {"supplier": "C"}, {"supplier": "D"})
    r = run(inv({"in_house_capability": True}), p)
    assert fval(r, "S1", "L11") == pytest.approx(0.5 / 4)
    assert "distinct suppliers in procurement" in frow(r, "S1", "L11")["evidence"]


def test_hosting_evidence_names_the_field():
    ev = frow(run(inv({"hosting": "foreign"})), "S1", "L10")["evidence"]
    assert "hosting='foreign'" in ev


# ------------------------------------------------------------------------ reuse factors


def test_reuse_factors_hand_made():
    i = inv(
        {
            "category": "payroll",
            "ministry": "M1",
            "licence": "MIT",
            "ip_owner": "government",
            "source_code_access": "gov-repo",
            "documentation": "basic",
            "configurable": True,
            "interfaces_total": 4,
            "interfaces_open": 3,
            "proprietary_dependencies": "none",
            "qualified_suppliers": 10,
        },
        {"category": "payroll", "ministry": "M2"},
        {"category": "payroll", "ministry": "M3"},
        {
            "category": "gis",
            "ministry": "M3",
            "licence": "LicenseRef-proprietary",
            "ip_owner": "vendor",
        },
    )
    r = run(i)
    assert fval(r, "S1", "R1") == pytest.approx(math.log(3) / math.log(6))
    assert fval(r, "S4", "R1") == 0.0
    assert fval(r, "S1", "R2") == 1.0 and fval(r, "S4", "R2") == 0.0
    assert fval(r, "S1", "R3") == 1.0 and fval(r, "S4", "R3") == 0.0
    assert fval(r, "S1", "R4") == pytest.approx(0.7)
    assert fval(r, "S1", "R5") == 0.5
    assert fval(r, "S1", "R6") == 1.0
    assert fval(r, "S1", "R7") == pytest.approx(0.75)
    assert fval(r, "S1", "R8") == 1.0
    assert fval(r, "S1", "R12") == pytest.approx(1.0)
    s = r.systems.set_index("system_id")
    assert s.loc["S1", "reuse_score"] > s.loc["S4", "reuse_score"]


def test_alternatives_feed_r11_and_replace_priority(monkeypatch):

    def fake(categories):
        table = {"payroll": "OpenPay; PayFree", "gis": ""}
        return categories.astype("string").map(table).astype("string")

    monkeypatch.setattr(_score, "alternatives_for", fake)
    i = inv(
        {"category": "payroll", "data_export": "none"},
        {"category": "gis", "data_export": "none", "ministry": "M2"},
        {"data_export": "none"},
    )
    r = run(i)
    s = r.systems.set_index("system_id")
    assert s.loc["S1", "candidate_alternatives"] == "OpenPay; PayFree"
    assert fval(r, "S1", "R11") == 1.0 and fval(r, "S2", "R11") == 0.0
    assert math.isnan(fval(r, "S3", "R11"))  # no category: unknown, not "none"
    # payroll is cross-cutting (common = 1): priority = 1 * 1 * lock-in/100.
    assert s.loc["S1", "replace_priority"] == pytest.approx(s.loc["S1", "lockin_score"] / 100)
    assert s.loc["S2", "replace_priority"] == 0.0
    assert pd.isna(s.loc["S3", "replace_priority"])


def test_no_known_alternative_means_unknown(monkeypatch):
    # A category the catalogue does not know: R11 unknown, not "no alternative".
    monkeypatch.setattr(
        _score, "alternatives_for", lambda c: pd.Series(pd.NA, index=c.index, dtype="string")
    )
    r = run(inv({"category": "payroll"}))
    assert math.isnan(fval(r, "S1", "R11"))
    assert pd.isna(r.systems["candidate_alternatives"].iloc[0])
    assert pd.isna(r.systems["replace_priority"].iloc[0])


# ------------------------------------------------------------------ aggregation & flags


@pytest.fixture
def two_weight_profile(tmp_path):
    w = {k: 0.0 for k in [f"L{i}" for i in range(1, 14)]}
    w.update({"L7": 1.0, "L9": 3.0})
    f = tmp_path / "two.toml"
    f.write_text("[lockin.weights]\n" + "".join(f"{k} = {v}\n" for k, v in w.items()))
    return load_profile(f)


def test_score_confidence_and_bounds_by_hand(two_weight_profile):
    r = run(
        inv(
            {"data_export": "proprietary-format", "proprietary_dependencies": "hard"},
            {"data_export": "proprietary-format"},
        ),
        profile=two_weight_profile,
    )
    s = r.systems.set_index("system_id")
    assert s.loc["S1", "lockin_score"] == pytest.approx((0.5 + 3) / 4 * 100)
    assert s.loc["S1", "confidence"] == pytest.approx(1.0)
    assert s.loc["S2", "lockin_score"] == pytest.approx(50.0)
    assert s.loc["S2", "confidence"] == pytest.approx(0.25)
    assert s.loc["S2", "lockin_low"] == pytest.approx(0.5 / 4 * 100)
    assert s.loc["S2", "lockin_high"] == pytest.approx(3.5 / 4 * 100)
    assert s.loc["S2", "lockin_band"] == "unknown"  # confidence below 0.5
    # Contributions add up to the score.
    f = r.factors[(r.factors.system_id == "S1") & (r.factors.group != "reuse")]
    assert f["contribution"].sum() == pytest.approx(s.loc["S1", "lockin_score"])


def test_sub_scores_use_their_groups():
    r = run(
        inv(
            {
                "hosting": "foreign",
                "in_house_capability": True,
                "qualified_suppliers": 1,
                "data_export": "open-format",
            }
        )
    )
    s = r.systems.iloc[0]
    assert s["lockin_sovereignty"] == pytest.approx((1.0 * 1 + 0.5 * 1) / 2 * 100)
    assert s["lockin_technical"] == pytest.approx(0.0)
    assert pd.isna(s["lockin_commercial"])


def test_nothing_known_gives_na_score_and_full_range():
    s = run(inv({})).systems.iloc[0]
    assert pd.isna(s["lockin_score"])
    assert s["lockin_low"] == 0 and s["lockin_high"] == 100
    assert s["confidence"] == 0
    assert s["lockin_band"] == "unknown"


def test_red_flags_and_top_drivers():
    i = inv(
        {
            "licence": "LicenseRef-proprietary",
            "ip_owner": "vendor",
            "source_code_access": "none",
            "data_export": "none",
            "hosting": "foreign",
            "data_return_clause": False,
        },
        {
            "licence": "MIT",
            "ip_owner": "government",
            "data_export": "open-format",
            "hosting": "government",
            "data_return_clause": True,
        },
    )
    p = proc(*({"method": "direct", "award_date": f"{y}-02-01"} for y in range(2013, 2025)))
    s = run(i, p).systems.set_index("system_id")
    flags = s.loc["S1", "red_flags"]
    assert "closed licence and no data export" in flags
    assert "single supplier Acme for 12 consecutive years" in flags
    assert "12 limited/direct awards to Acme" in flags
    assert "foreign hosting without data-return clause" in flags
    assert pd.isna(s.loc["S2", "red_flags"])
    assert "proprietary licence" in s.loc["S1", "top_drivers"]
    assert s.loc["S1", "lockin_band"] == "high"


def test_direct_award_flag_threshold_from_profile(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text("[red_flags]\ndirect_awards = 2\n")
    p = proc({"method": "direct"}, {"method": "direct"})
    assert (
        "2 limited/direct awards"
        in run(inv({}), p, profile=load_profile(f)).systems["red_flags"].iloc[0]
    )
    assert pd.isna(run(inv({}), p).systems["red_flags"].iloc[0])  # default is 3


def test_required_columns_and_types():
    s = run(inv({}), proc({})).systems
    for c in (
        "system_id",
        "lockin_score",
        "lockin_low",
        "lockin_high",
        "lockin_commercial",
        "lockin_technical",
        "lockin_sovereignty",
        "reuse_score",
        "replace_priority",
        "confidence",
        "red_flags",
        "top_drivers",
        "spend_total",
        "n_contracts",
        "candidate_alternatives",
        "lockin_band",
        "vendor",
        "category",
        "ministry",
    ):
        assert c in s.columns
    f = run(inv({})).factors
    assert list(f.columns) == [
        "system_id",
        "factor",
        "name",
        "group",
        "value",
        "weight",
        "contribution",
        "known",
        "evidence",
    ]
    assert set(f["group"]) == {"commercial", "technical", "sovereignty", "reuse"}


def test_input_errors_are_clear():
    with pytest.raises(ScoreInputError, match="lacks required column"):
        score(inv({}).drop(columns="ministry"), proc({}))
    dup = inv({"system_id": "X"}, {"system_id": "X"})
    with pytest.raises(ConfigError, match="'X' appears more than once"):
        score(dup, proc({}))


# ------------------------------------------------------------------- result object


def test_explain_sorted_with_summary_and_escaped_html():
    i = inv(
        {
            "system_name": "<script>x</script>",
            "data_export": "none",
            "hosting": "government",
            "integrations": 3,
        }
    )
    r = run(i)
    e = r.explain("S1")
    lock = e[e["group"] != "reuse"]
    known = lock["contribution"].dropna().to_numpy()
    assert (np.diff(known) <= 1e-12).all()  # descending
    assert lock["known"].tolist() == sorted(lock["known"].tolist(), reverse=True)
    assert e.attrs["summary"].startswith("S1 ")
    assert "Unknown:" in e.attrs["summary"]
    assert "S1" in repr(e)
    assert "<script>" not in e._repr_html_()
    with pytest.raises(KeyError, match="did you mean 'S1'"):
        r.explain("s1")


def test_score_calls_the_ministry_part():
    r = run(inv({}, {"ministry": "M2"}), proc({}, {"ministry": "M2", "system_id": None}))
    assert len(r.links) == 2 and r.links["system_id"].isna().sum() == 1
    assert isinstance(r.ministries, pd.DataFrame)
    if not r.ministries.empty:  # present once ospo_analytics._score.ministries exists
        assert "ministry" in r.ministries.columns


def test_parquet_round_trip(tmp_path):
    r = run(inv({"data_export": "none"}), proc({"method": "direct"}))
    r.to_parquet(tmp_path / "out")
    for name in ("systems", "factors", "ministries", "opportunities", "links"):
        assert (tmp_path / "out" / f"{name}.parquet").exists()
    assert (tmp_path / "out" / "profile_used.toml").read_text() == r.profile.text
    back = read_scores(tmp_path / "out")
    assert back.as_of == AS_OF
    assert back.profile.sha256 == r.profile.sha256
    pd.testing.assert_frame_equal(back.systems, r.systems, check_dtype=False)
    assert ScoreResult.read_scores(tmp_path / "out").systems.shape == r.systems.shape
    with pytest.raises(ConfigError, match="no scores here"):
        read_scores(tmp_path / "empty")


# ---------------------------------------------------------------------- sensitivity


def _ranked_inputs():
    rows = [
        {"data_export": e, "hosting": h, "proprietary_dependencies": d}
        for e in ("none", "open-format", "proprietary-format")
        for h in ("foreign", "government")
        for d in ("hard", "none")
    ]
    return inv(*rows)


def test_sensitivity_seeded_and_bounded():
    r = run(_ranked_inputs())
    a = sensitivity(r, n=50, spread=0.2, seed=1, top=3)
    b = sensitivity(r, n=50, spread=0.2, seed=1, top=3)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["system_id", "rank", "rank_min", "rank_max", "p_top10"]
    assert (a["rank_min"] <= a["rank_max"]).all()
    assert a["p_top10"].between(0, 1).all()
    # The all-worst system is first whatever the weights.
    top = a.iloc[0]
    assert r.systems.set_index("system_id").loc[top["system_id"], "lockin_score"] == 100
    assert top["rank_min"] == top["rank_max"] == 1 and top["p_top10"] == 1
    # No spread: ranks never move.
    z = sensitivity(r, n=5, spread=0.0, seed=1)
    assert (z["rank"] == z["rank_min"]).all() and (z["rank"] == z["rank_max"]).all()
    # Base rank equals the ranking of lockin_score.
    s = r.systems.set_index("system_id")["lockin_score"]
    assert s.loc[a["system_id"]].is_monotonic_decreasing


def test_sensitivity_accepts_inputs():
    out = sensitivity((_ranked_inputs(), proc({}).iloc[:0]), n=5)
    assert len(out) == 12


def _with_sensitivity(tmp_path, **settings):
    body = "[sensitivity]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())
    f = tmp_path / "sens.toml"
    f.write_text(body)
    return load_profile(f)


def test_systems_carry_rank_range_columns_seeded(tmp_path):
    prof = _with_sensitivity(tmp_path, n=40, spread=0.3, seed=3, top=3)
    a = run(_ranked_inputs(), profile=prof).systems
    b = run(_ranked_inputs(), profile=prof).systems
    cols = ["lockin_rank", "rank_min", "rank_max", "p_top10"]
    pd.testing.assert_frame_equal(a[cols], b[cols])  # same seed, same answer
    assert str(a["lockin_rank"].dtype) == "Int64" and str(a["p_top10"].dtype) == "Float64"
    assert (a["rank_min"] <= a["lockin_rank"]).all() and (a["lockin_rank"] <= a["rank_max"]).all()
    assert a["p_top10"].between(0, 1).all()
    # lockin_rank is the competition rank of lockin_score (1 = most locked in).
    expected = a["lockin_score"].rank(method="min", ascending=False).astype("Int64")
    pd.testing.assert_series_equal(a["lockin_rank"], expected, check_names=False)
    # With ±30% some ranks move: the ranges are not all degenerate.
    assert (a["rank_max"] > a["rank_min"]).any()
    # Another seed draws other weights.
    c = run(_ranked_inputs(), profile=_with_sensitivity(tmp_path, n=40, spread=0.3, seed=4, top=3))
    assert not c.systems[cols].equals(a[cols])


def test_zero_spread_pins_every_rank(tmp_path):
    s = run(_ranked_inputs(), profile=_with_sensitivity(tmp_path, spread=0.0, top=3)).systems
    assert (s["rank_min"] == s["lockin_rank"]).all() and (s["rank_max"] == s["lockin_rank"]).all()
    assert (s["p_top10"] == (s["lockin_rank"] <= 3).astype(float)).all()


def test_unknown_score_has_no_rank():
    s = run(inv({"data_export": "none"}, {})).systems.set_index("system_id")
    assert pd.isna(s.loc["S2", "lockin_score"])
    assert s.loc["S2", ["lockin_rank", "rank_min", "rank_max", "p_top10"]].isna().all()
    assert s.loc["S1", "lockin_rank"] == 1


def test_big_inventories_get_fewer_draws(tmp_path):
    prof = _with_sensitivity(tmp_path, n=200, max_cells=60, spread=0.2)
    r = run(_ranked_inputs(), profile=prof)
    assert r.systems.attrs["sensitivity"]["n_draws"] == 60 // 12
    full = run(_ranked_inputs()).systems.attrs["sensitivity"]
    assert full["n_draws"] == 200
    # The first draws are the same whatever n is: capping keeps them.
    rr = _score.rank_ranges(np.array([[0.2, 0.9], [0.5, 0.5], [0.9, 0.1]]), np.ones(2), n=5)
    capped = _score.rank_ranges(
        np.array([[0.2, 0.9], [0.5, 0.5], [0.9, 0.1]]), np.ones(2), n=50, max_cells=15
    )
    assert capped["n_draws"] == 5
    for k in ("rank", "rank_min", "rank_max", "p_top"):
        np.testing.assert_array_equal(rr[k], capped[k])


@pytest.mark.parametrize("ranker", ["_binned_ranks", "_sorted_ranks"])
def test_draw_ranks_match_competition_ranks(ranker):
    rng = np.random.default_rng(0)
    s = (np.round(rng.random((4, 300)) * 40) / 40).astype(np.float32)  # many ties
    s[1, 7] = np.nan
    s[2, :5] = 0.0
    s[3, :5] = 1.0
    got = getattr(_score, ranker)(s)
    for i in range(len(s)):
        want = pd.Series(s[i]).rank(method="min", ascending=False, na_option="bottom")
        np.testing.assert_array_equal(got[i], want.to_numpy())


# ------------------------------------------------------------------- properties

CODES = {
    "data_export": ["open-format", "proprietary-format", "none"],
    "proprietary_dependencies": ["none", "replaceable", "hard"],
    "hosting": ["government", "third-party-in-country", "vendor-cloud-in-country", "foreign"],
}
BOOLS_GOOD_TRUE = ("in_house_capability", "exit_clause", "data_return_clause")

system_rows = st.fixed_dictionaries(
    {
        **{k: st.none() | st.sampled_from(v) for k, v in CODES.items()},
        **{k: st.none() | st.booleans() for k in BOOLS_GOOD_TRUE},
        "integrations": st.none() | st.integers(0, 40),
        "qualified_suppliers": st.none() | st.integers(0, 5),
        "licence": st.none() | st.sampled_from(["MIT", "LicenseRef-proprietary"]),
        "ip_owner": st.none() | st.sampled_from(["government", "vendor"]),
        "source_code_access": st.none() | st.sampled_from(["public-repo", "escrow", "none"]),
        "category": st.none() | st.sampled_from(["payroll", "gis", "other"]),
    }
)
award_rows = st.fixed_dictionaries(
    {
        "system_id": st.sampled_from(["S1", "S2", "S3", "S9"]),
        "supplier": st.sampled_from(["Acme", "Beta", "Gamma"]),
        "amount": st.none() | st.floats(-100, 10_000, allow_nan=False),
        "method": st.none() | st.sampled_from(["open", "selective", "limited", "direct"]),
        "tenderers": st.none() | st.integers(0, 5),
        "award_date": st.none() | st.dates(dt.date(2005, 1, 1), dt.date(2024, 12, 31)).map(str),
        "brand_name_spec": st.none() | st.booleans(),
    }
)
PROPS = settings(
    max_examples=int(__import__("os").environ.get("OSPO_HYPOTHESIS_EXAMPLES", 20)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _scores(res):
    return res.systems.set_index("system_id").sort_index()


@PROPS
@given(st.lists(system_rows, min_size=3, max_size=3), st.lists(award_rows, max_size=12))
def test_property_bounds_and_interval(systems, awards):
    r = run(inv(*systems), proc(*awards) if awards else None)
    s = r.systems
    for c in (
        "lockin_score",
        "lockin_low",
        "lockin_high",
        "reuse_score",
        "lockin_commercial",
        "lockin_technical",
        "lockin_sovereignty",
    ):
        v = s[c].dropna()
        assert ((v >= 0) & (v <= 100)).all(), c
    k = s["lockin_score"].notna()
    assert (s.loc[k, "lockin_low"] <= s.loc[k, "lockin_score"] + 1e-6).all()
    assert (s.loc[k, "lockin_score"] <= s.loc[k, "lockin_high"] + 1e-6).all()
    assert s["confidence"].between(0, 1).all()
    assert s["replace_priority"].dropna().between(0, 1).all()


@PROPS
@given(
    st.lists(system_rows, min_size=3, max_size=3),
    st.lists(award_rows, max_size=12),
    st.randoms(use_true_random=False),
)
def test_property_row_order_does_not_matter(systems, awards, rnd):
    i, p = inv(*systems), proc(*awards) if awards else None
    a = _scores(run(i, p))
    i2 = i.iloc[rnd.sample(range(len(i)), len(i))]
    p2 = p.iloc[rnd.sample(range(len(p)), len(p))] if p is not None else None
    b = _scores(run(i2, p2))
    cols = [
        "lockin_score",
        "lockin_low",
        "lockin_high",
        "reuse_score",
        "confidence",
        "replace_priority",
        "spend_total",
        "red_flags",
        "top_drivers",
        "top_supplier",
    ]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=False, atol=1e-9)


RISK_UP = [(k, v) for k, v in CODES.items()] + [(k, [True, False]) for k in BOOLS_GOOD_TRUE]


@PROPS
@given(system_rows, st.sampled_from(RISK_UP), st.data())
def test_property_raising_a_risk_input_never_lowers_lockin(row, field_levels, data):
    field, levels = field_levels
    lo, hi = sorted(data.draw(st.lists(st.integers(0, len(levels) - 1), min_size=2, max_size=2)))
    a = dict(row, **{field: levels[lo]})
    b = dict(row, **{field: levels[hi]})
    sa = run(inv(a)).systems.iloc[0]
    sb = run(inv(b)).systems.iloc[0]
    # Changing a known level never changes what is known; all-unknown stays NA.
    assert pd.isna(sa["lockin_score"]) == pd.isna(sb["lockin_score"])
    if pd.notna(sa["lockin_score"]):
        assert sb["lockin_score"] >= sa["lockin_score"] - 1e-9
    assert sb["lockin_low"] >= sa["lockin_low"] - 1e-9
    assert sb["lockin_high"] >= sa["lockin_high"] - 1e-9


@PROPS
@given(st.lists(award_rows, min_size=1, max_size=10), st.data())
def test_property_more_single_bids_or_brand_names_never_lower_lockin(awards, data):
    awards = [dict(a, system_id="S1") for a in awards]
    j = data.draw(st.integers(0, len(awards) - 1))
    worse = [dict(a) for a in awards]
    worse[j]["brand_name_spec"] = True
    if worse[j]["method"] in ("open", "selective"):
        worse[j]["tenderers"] = 1
    a = run(inv({}), proc(*awards)).systems.iloc[0]["lockin_score"]
    b = run(inv({}), proc(*worse)).systems.iloc[0]["lockin_score"]
    assert pd.notna(b)  # the brand flag is now known
    if pd.notna(a):
        assert b >= a - 1e-9


BLANKABLE = [
    *CODES,
    *BOOLS_GOOD_TRUE,
    "integrations",
    "qualified_suppliers",
    "licence",
    "ip_owner",
    "source_code_access",
]


@PROPS
@given(system_rows, st.sampled_from(BLANKABLE))
def test_property_unknown_input_widens_interval(row, field):
    known = run(inv(row)).systems.iloc[0]
    blank = run(inv(dict(row, **{field: None}))).systems.iloc[0]
    assert blank["lockin_low"] <= known["lockin_low"] + 1e-9
    assert blank["lockin_high"] >= known["lockin_high"] - 1e-9
    assert blank["confidence"] <= known["confidence"] + 1e-9


def test_combine_matches_formula():
    v = np.array([[0.5, np.nan, 1.0], [np.nan, np.nan, np.nan]])
    w = np.array([1.0, 2.0, 1.0])
    out = combine(v, w)
    assert out["score"][0] == pytest.approx(75.0)
    assert out["low"][0] == pytest.approx(1.5 / 4 * 100)
    assert out["high"][0] == pytest.approx(3.5 / 4 * 100)
    assert out["confidence"][0] == pytest.approx(0.5)
    assert math.isnan(out["score"][1]) and out["high"][1] == 100


# ------------------------------------------------------------------- demo country


@pytest.fixture(scope="module")
def demo_result():
    from pathlib import Path

    from ospo_analytics._config import load_config

    root = Path(__file__).resolve().parents[1]
    if not (root / "data" / "raw" / "demo").is_dir():
        pytest.skip("demo country not generated (data/raw/demo)")
    load = pytest.importorskip("ospo_analytics._load")
    cfg = load_config(root=root)
    inp = load.load_inputs(cfg, progress=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_score, "score_ministries", _no_ministries)
        return score(inp.inventory.table, inp.procurement.table, as_of=cfg.as_of)


def test_demo_country_direct_award_chains_come_out_on_top(demo_result):
    s = demo_result.systems
    chain = s["n_direct_awards_top"] >= 3
    assert chain.any() and (~chain).any()
    # Long direct-award chains to one supplier score clearly higher...
    assert s.loc[chain, "lockin_score"].median() > s.loc[~chain, "lockin_score"].median() + 10
    # ...and dominate the top of the ranking.
    top = s.nlargest(10, "lockin_score")
    assert (top["n_direct_awards_top"] >= 3).mean() >= 0.8
    assert (top["lockin_band"] == "high").all()
    # Every system is explained by evidence rows.
    sid = top["system_id"].iloc[0]
    e = demo_result.explain(sid)
    assert e["evidence"].str.contains("procurement rows").any()


def test_non_numeric_amount_is_a_clear_error():
    p = proc({}).astype({"amount": object})
    p.loc[0, "amount"] = "twelve"
    with pytest.raises(ScoreInputError, match="'amount' cannot be read as Float64"):
        score(inv({}), p, as_of=AS_OF)


def test_contracts_without_a_supplier_do_not_make_a_single_supplier():
    """A system whose contracts name no supplier has unknown concentration and
    tenure, never "100% to one supplier"; known suppliers are shared among
    themselves."""
    import datetime as dt

    from ospo_analytics._clean.schema import empty_frame
    from ospo_analytics._score.systems import score as score_

    inv = empty_frame("inventory")
    inv = pd.concat(
        [
            inv,
            pd.DataFrame(
                {"system_id": ["A", "B"], "system_name": ["a", "b"], "ministry": ["M", "M"]}
            ),
        ],
        ignore_index=True,
    )
    proc = pd.DataFrame(
        {
            "ministry": ["M"] * 4,
            "supplier": pd.array([None, None, "X", None], dtype="string"),
            "amount": [100.0, 50.0, 30.0, 70.0],
            "system_id": ["A", "A", "B", "B"],
            "award_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2021-01-01", "2022-01-01"]),
        }
    )
    res = score_(inv, proc, as_of=dt.date(2023, 1, 1))
    f = res.factors.set_index(["system_id", "factor"])
    assert not bool(f.loc[("A", "L1"), "known"]) and pd.isna(f.loc[("A", "L1"), "value"])
    assert not bool(f.loc[("A", "L2"), "known"])
    # B: the only named supplier holds all of the named spend.
    assert f.loc[("B", "L1"), "value"] == 1.0


@pytest.mark.parametrize(
    ("licence", "expected"),
    [
        ("BUSL-1.1", 0.4),  # source-available is not open: gov-owned closed
        ("CC-BY-NC-4.0", 0.4),
        ("MIT", 0.0),  # gov-owned open
        ("NOASSERTION", math.nan),  # says nothing: unknown, never "open"
    ],
)
def test_l6_uses_the_loaders_licence_classifier(licence, expected):
    from ospo_analytics._clean.cells import is_open_licence

    v = fval(run(inv({"licence": licence, "ip_owner": "government"})), "S1", "L6")
    assert (math.isnan(v) and math.isnan(expected)) or v == pytest.approx(expected)
    # The readiness indicators read the same verdict for the same licence.
    verdict = is_open_licence(pd.Series([licence], dtype="string")).iloc[0]
    assert (pd.notna(verdict) and bool(verdict)) == (expected == 0.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": -1}, "n must be"),
        ({"spread": 3}, "spread must be"),
        ({"spread": -0.5}, "spread must be"),
        ({"top": 0}, "top must be"),
    ],
)
def test_sensitivity_refuses_settings_that_mean_nothing(kwargs, message):
    r = run(_ranked_inputs())
    with pytest.raises(ValueError, match=message):
        sensitivity(r, **kwargs)
    with pytest.raises(TypeError, match="takes a ScoreResult"):
        sensitivity("x")
