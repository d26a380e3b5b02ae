"""Per-ministry indicators, readiness and opportunities on hand-made tables."""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from ospo_analytics._clean.schema import empty_frame
from ospo_analytics._score.ministries import (
    _profile_section,
    _readiness,
    score_ministries,
)
from ospo_analytics._score.profile import load_profile

AS_OF = dt.date(2025, 1, 1)
REALDATA = Path(
    os.environ.get("OSPO_REALDATA", Path(__file__).parents[1] / ".." / "shared" / "realdata")
)


def profile(**changes):
    data = copy.deepcopy(load_profile().data)
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    return SimpleNamespace(data=data)


def proc(rows: list[dict]) -> pd.DataFrame:
    """Canonical procurement table from a few dicts (unspecified columns NA)."""
    base = empty_frame("procurement")
    df = pd.DataFrame(rows)
    out = pd.DataFrame({c: pd.Series([pd.NA] * len(df), dtype=base[c].dtype) for c in base})
    for c in df.columns:
        out[c] = df[c].astype(base[c].dtype)
    return out


def inv(rows: list[dict]) -> pd.DataFrame:
    base = empty_frame("inventory")
    df = pd.DataFrame(rows)
    out = pd.DataFrame({c: pd.Series([pd.NA] * len(df), dtype=base[c].dtype) for c in base})
    for c in df.columns:
        out[c] = df[c].astype(base[c].dtype)
    return out


def systems(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c, default in {
        "system_name": None,
        "category": None,
        "vendor": None,
        "lockin_score": None,
        "spend_total": None,
        "candidate_alternatives": None,
    }.items():
        if c not in df.columns:
            df[c] = default
    return df


def run(procurement=None, inventory=None, links=None, systems_=None, questionnaire=None, **prof):
    m, o, _ = score_ministries(
        inventory, procurement, links, systems_, questionnaire, profile(**prof), AS_OF
    )
    return m.set_index("ministry"), o


def d(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


# ----------------------------------------------------------------- concentration


def test_hhi_two_equal_suppliers_is_half_and_band_high():
    m, _ = run(
        proc(
            [
                {"ministry": "A", "supplier": "X", "amount": 50.0},
                {"ministry": "A", "supplier": "Y", "amount": 50.0},
            ]
        )
    )
    assert m.loc["A", "hhi_it"] == pytest.approx(0.5)
    assert m.loc["A", "hhi_all"] == pytest.approx(0.5)
    assert m.loc["A", "hhi_band"] == "high"
    # Tie broken by name, not by row order.
    assert m.loc["A", "top_supplier"] == "X"
    assert m.loc["A", "top_supplier_share"] == pytest.approx(0.5)
    assert m.loc["A", "ind_supplier_hhi"] == pytest.approx(0.5)


def test_hhi_bands_boundaries_and_negative_amounts_ignored():
    rows = [{"ministry": "Q", "supplier": s, "amount": 25.0} for s in "ABCD"]  # 0.25
    rows += [{"ministry": "Q", "supplier": "A", "amount": -25.0}]  # credit note: ignored
    rows += [{"ministry": "T", "supplier": f"S{i}", "amount": 1.0} for i in range(10)]  # 0.1
    m, _ = run(proc(rows))
    assert m.loc["Q", "hhi_it"] == pytest.approx(0.25)
    assert m.loc["Q", "hhi_band"] == "moderate"  # 0.25 is the top of the moderate band
    assert m.loc["Q", "spend_total"] == pytest.approx(75.0)  # net spend keeps the credit
    assert m.loc["T", "hhi_it"] == pytest.approx(0.1)
    assert m.loc["T", "hhi_band"] == "low"


def test_it_scope_non_it_rows_only_in_all_spend_and_unknown_counts_as_it():
    m, _ = run(
        proc(
            [
                {"ministry": "A", "supplier": "X", "amount": 60.0, "is_it": True},
                {"ministry": "A", "supplier": "Y", "amount": 40.0, "is_it": pd.NA},
                {"ministry": "A", "supplier": "Z", "amount": 100.0, "is_it": False},
            ]
        )
    )
    assert m.loc["A", "spend_total"] == pytest.approx(200.0)
    assert m.loc["A", "spend_it"] == pytest.approx(100.0)
    assert m.loc["A", "hhi_it"] == pytest.approx(0.6**2 + 0.4**2)
    assert m.loc["A", "hhi_all"] == pytest.approx(0.3**2 + 0.2**2 + 0.5**2)
    assert m.loc["A", "n_suppliers"] == 3


def test_it_spend_is_unknown_when_the_it_contracts_amounts_are():
    # A buyer whose one award was in another currency (amount unknown) read
    # "IT spend 0"; a ministry with only non-IT contracts spends 0 on IT.
    m, _ = run(
        proc(
            [
                {"ministry": "A", "supplier": "X", "amount": pd.NA, "is_it": True},
                {"ministry": "B", "supplier": "Z", "amount": 100.0, "is_it": False},
                {"ministry": "C", "supplier": "X", "amount": pd.NA, "is_it": True},
                {"ministry": "C", "supplier": "Y", "amount": 40.0, "is_it": True},
            ]
        )
    )
    assert pd.isna(m.loc["A", "spend_it"])
    assert m.loc["B", "spend_it"] == 0
    assert m.loc["C", "spend_it"] == pytest.approx(40.0)


# ----------------------------------------------------------------- methods and bids


def test_noncompetitive_share_and_single_bid_rate():
    m, _ = run(
        proc(
            [
                {
                    "ministry": "A",
                    "supplier": "X",
                    "amount": 30.0,
                    "method": "direct",
                    "tenderers": 1,
                },
                {"ministry": "A", "supplier": "X", "amount": 20.0, "method": "limited"},
                {
                    "ministry": "A",
                    "supplier": "Y",
                    "amount": 25.0,
                    "method": "open",
                    "tenderers": 1,
                },
                {
                    "ministry": "A",
                    "supplier": "Y",
                    "amount": 15.0,
                    "method": "open",
                    "tenderers": 3,
                },
                {
                    "ministry": "A",
                    "supplier": "Z",
                    "amount": 10.0,
                    "method": "selective",
                    "tenderers": 1,
                },
                {"ministry": "A", "supplier": "Z", "amount": 7.0, "method": "open"},  # bids unknown
                {"ministry": "A", "supplier": "Z", "amount": 93.0},  # method unknown
            ]
        )
    )
    # 50 of the 107 with a known method were limited/direct.
    assert m.loc["A", "noncompetitive_share"] == pytest.approx(50 / 107)
    assert m.loc["A", "method_known_share"] == pytest.approx(107 / 200)
    assert m.loc["A", "ind_competitive_share"] == pytest.approx(57 / 107)
    # Competitive with known bids: open 1, open 3, selective 1 -> 2 of 3 single-bid.
    assert m.loc["A", "single_bid_rate"] == pytest.approx(2 / 3)


def test_method_unknown_everywhere_stays_na():
    m, _ = run(proc([{"ministry": "A", "supplier": "X", "amount": 10.0}]))
    assert pd.isna(m.loc["A", "noncompetitive_share"])
    assert pd.isna(m.loc["A", "ind_competitive_share"])
    assert pd.isna(m.loc["A", "single_bid_rate"])
    assert m.loc["A", "method_known_share"] == 0


# ----------------------------------------------------------------- repeat awards


def test_repeat_award_pairs_i077_and_direct_pairs_i180():
    rows = [
        # X: 200 days apart -> a repeat pair (competitive, so not i180).
        {
            "ministry": "A",
            "supplier": "X",
            "amount": 1.0,
            "award_date": d("2023-01-01"),
            "method": "open",
        },
        {
            "ministry": "A",
            "supplier": "X",
            "amount": 1.0,
            "award_date": d("2023-07-20"),
            "method": "open",
        },
        # Y: 400 days apart -> not a pair.
        {
            "ministry": "A",
            "supplier": "Y",
            "amount": 1.0,
            "award_date": d("2023-01-01"),
            "method": "direct",
        },
        {
            "ministry": "A",
            "supplier": "Y",
            "amount": 1.0,
            "award_date": d("2024-02-05"),
            "method": "direct",
        },
        # Z: two direct awards exactly 365 days apart -> both indicators.
        {
            "ministry": "A",
            "supplier": "Z",
            "amount": 1.0,
            "award_date": d("2023-03-01"),
            "method": "direct",
        },
        {
            "ministry": "A",
            "supplier": "Z",
            "amount": 1.0,
            "award_date": d("2024-02-29"),
            "method": "limited",
        },
        # W: a direct and an open award close together -> i077 only.
        {
            "ministry": "A",
            "supplier": "W",
            "amount": 1.0,
            "award_date": d("2023-03-01"),
            "method": "direct",
        },
        {
            "ministry": "A",
            "supplier": "W",
            "amount": 1.0,
            "award_date": d("2023-04-01"),
            "method": "open",
        },
        # Same supplier X but another buyer: a different pair, single award.
        {
            "ministry": "B",
            "supplier": "X",
            "amount": 1.0,
            "award_date": d("2023-02-01"),
            "method": "open",
        },
        # Start date stands in when the award date is missing.
        {"ministry": "C", "supplier": "V", "amount": 1.0, "start_date": d("2023-02-01")},
        {"ministry": "C", "supplier": "V", "amount": 1.0, "award_date": d("2023-03-01")},
    ]
    m, _ = run(proc(rows))
    assert m.loc["A", "repeat_award_pairs"] == 3  # X, Z, W
    assert m.loc["A", "repeat_direct_pairs"] == 1  # Z
    assert m.loc["B", "repeat_award_pairs"] == 0
    assert m.loc["B", "repeat_direct_pairs"] == 0
    assert m.loc["C", "repeat_award_pairs"] == 1


def test_repeat_window_comes_from_profile():
    rows = [
        {"ministry": "A", "supplier": "X", "amount": 1.0, "award_date": d("2023-01-01")},
        {"ministry": "A", "supplier": "X", "amount": 1.0, "award_date": d("2023-07-20")},
    ]
    m, _ = run(proc(rows), procurement__repeat_window_days=100)
    assert m.loc["A", "repeat_award_pairs"] == 0


# ----------------------------------------------------------------- amendments, links, exposure


def test_amendments_value_growth_unlinked_and_exposure():
    p = proc(
        [
            {
                "ministry": "A",
                "supplier": "X",
                "amount": 150.0,
                "original_amount": 100.0,
                "amendments": 2,
            },
            {
                "ministry": "A",
                "supplier": "X",
                "amount": 100.0,
                "original_amount": 100.0,
                "amendments": 0,
            },
            {"ministry": "A", "supplier": "Y", "amount": 200.0},
            {"ministry": "A", "supplier": "Z", "amount": 50.0},
        ]
    )
    links = pd.DataFrame(
        {
            "proc_index": [0, 1, 2, 3],
            "system_id": pd.array(["S1", "S1", "S2", pd.NA], dtype="string"),
            "link_method": "id",
            "link_confidence": 1.0,
        }
    )
    sy = systems(
        [
            {"system_id": "S1", "ministry": "A", "lockin_score": 80.0},
            {"system_id": "S2", "ministry": "A", "lockin_score": 40.0},
        ]
    )
    m, _ = run(p, links=links, systems_=sy)
    assert m.loc["A", "amended_share"] == pytest.approx(0.5)
    assert m.loc["A", "value_growth"] == pytest.approx(250 / 200 - 1)
    assert m.loc["A", "unlinked_spend_share"] == pytest.approx(50 / 500)
    # (250 * 80 + 200 * 40) / 450 / 100
    assert m.loc["A", "lockin_exposure"] == pytest.approx((250 * 80 + 200 * 40) / 450 / 100)
    assert m.loc["A", "ind_lockin_exposure"] == pytest.approx(1 - (250 * 80 + 200 * 40) / 45000)
    assert m.loc["A", "lockin_exposure_basis"] == "linked spend"
    assert m.loc["A", "n_high_lockin"] == 1


def test_exposure_unknown_when_its_scores_rest_on_too_little_data():
    # The floor of a known lock-in band (confidence 0.5) holds for the
    # spend-weighted exposure too, weighting each score's confidence by spend.
    p = proc(
        [
            {"ministry": "Thin", "supplier": "X", "amount": 100.0},
            {"ministry": "Mixed", "supplier": "X", "amount": 300.0},
            {"ministry": "Mixed", "supplier": "Y", "amount": 100.0},
        ]
    )
    links = pd.DataFrame(
        {
            "proc_index": [0, 1, 2],
            "system_id": pd.array(["T1", "M1", "M2"], dtype="string"),
            "link_method": "id",
            "link_confidence": 1.0,
        }
    )
    sy = systems(
        [
            {"system_id": "T1", "ministry": "Thin", "lockin_score": 20.0, "confidence": 0.2},
            {"system_id": "T2", "ministry": "Thin", "lockin_score": 30.0, "confidence": 0.9},
            {"system_id": "M1", "ministry": "Mixed", "lockin_score": 80.0, "confidence": 0.9},
            {"system_id": "M2", "ministry": "Mixed", "lockin_score": 20.0, "confidence": 0.1},
            # No linked spend: the systems' fallback, under the same floor.
            {
                "system_id": "N1",
                "ministry": "No links, thin",
                "lockin_score": 10.0,
                "confidence": 0.3,
            },
            {"system_id": "N2", "ministry": "No links", "lockin_score": 70.0, "confidence": 0.6},
        ]
    )
    sy["lockin_band"] = ["unknown", "low", "high", "unknown", "unknown", "high"]
    m, _ = run(p, links=links, systems_=sy)
    # Linked spend only on a 0.2-confidence score: unknown, not "low lock-in",
    # and no fallback to the ministry's other (unlinked) systems.
    for col in ("lockin_exposure", "ind_lockin_exposure", "lockin_exposure_basis"):
        assert pd.isna(m.loc["Thin", col]), col
    # (300 * 0.9 + 100 * 0.1) / 400 = 0.7 >= 0.5: known, every linked score counts.
    assert m.loc["Mixed", "lockin_exposure"] == pytest.approx((300 * 80 + 100 * 20) / 400 / 100)
    assert pd.isna(m.loc["No links, thin", "lockin_exposure"])
    assert m.loc["No links", "lockin_exposure"] == pytest.approx(0.7)
    assert m.loc["No links", "lockin_exposure_basis"] == "unweighted"


# ----------------------------------------------------------------- unknowns and coverage


def test_every_ministry_once_and_unknowns_stay_na():
    p = proc([{"ministry": "Proc only", "supplier": "X", "amount": 5.0}])
    i = inv([{"system_id": "S1", "system_name": "Pay", "ministry": "Inv only"}])
    q = pd.DataFrame({"ministry": ["Quest only"], "point": ["GOV-1"], "answer": ["yes"]})
    m, o, _ = score_ministries(i, p, None, None, q, profile(), AS_OF)
    assert sorted(m["ministry"]) == ["Inv only", "Proc only", "Quest only"]
    assert m["ministry"].is_unique
    m = m.set_index("ministry")
    # No procurement: HHI and friends unknown, not 0 (which would read "no concentration").
    for col in (
        "hhi_it",
        "hhi_all",
        "ind_supplier_hhi",
        "single_bid_rate",
        "repeat_award_pairs",
        "noncompetitive_share",
        "spend_total",
    ):
        assert pd.isna(m.loc["Inv only", col]), col
    assert pd.isna(m.loc["Inv only", "hhi_band"])
    # No systems: inventory-based indicators unknown, count of systems a known 0.
    assert m.loc["Proc only", "n_systems"] == 0
    assert pd.isna(m.loc["Proc only", "ind_inventory_completeness"])
    assert pd.isna(m.loc["Proc only", "ind_open_share_systems"])
    # Only the questionnaire is known: the score rests on 1/8 of the weight.
    assert m.loc["Quest only", "readiness_score"] == pytest.approx(1.0)
    assert m.loc["Quest only", "readiness_confidence"] == pytest.approx(1 / 8)


def test_empty_inputs_give_empty_tables_with_columns():
    m, o, _ = score_ministries(None, empty_frame("procurement"), None, None, None, profile(), AS_OF)
    assert len(m) == 0 and len(o) == 0
    assert {"ministry", "hhi_it", "readiness_stage", "actions"} <= set(m.columns)
    assert {"kind", "ministry", "category", "system_id", "description", "value", "rank"} <= set(
        o.columns
    )


def test_row_order_does_not_change_results():
    rows = [
        {
            "ministry": "A",
            "supplier": s,
            "amount": a,
            "award_date": d(t),
            "method": me,
            "tenderers": n,
        }
        for s, a, t, me, n in [
            ("X", 10.0, "2023-01-01", "direct", pd.NA),
            ("X", 30.0, "2023-05-01", "open", 1),
            ("Y", 30.0, "2022-01-01", "open", 2),
            ("Z", 5.0, "2021-01-01", "limited", pd.NA),
            ("Z", 5.0, "2021-03-01", "direct", pd.NA),
        ]
    ]
    p = proc(rows)
    a, _, _ = score_ministries(None, p, None, None, None, profile(), AS_OF)
    b, _, _ = score_ministries(
        None, p.iloc[::-1].reset_index(drop=True), None, None, None, profile(), AS_OF
    )
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "top_supplier"] in ("X", "Y")


# ----------------------------------------------------------------- inventory indicators


def test_open_share_and_portability_from_inventory():
    i = inv(
        [
            {
                "system_id": "S1",
                "system_name": "a",
                "ministry": "A",
                "licence": "MIT",
                "data_export": "open-format",
            },
            {
                "system_id": "S2",
                "system_name": "b",
                "ministry": "A",
                "licence": "LicenseRef-proprietary",
                "ip_owner": "vendor",
                "data_export": "none",
            },
            {
                "system_id": "S3",
                "system_name": "c",
                "ministry": "A",
                "licence": "LicenseRef-proprietary",
                "ip_owner": "government",
                "interfaces_total": 4,
                "interfaces_open": 1,
            },
            {"system_id": "S4", "system_name": "d", "ministry": "A", "licence": "CC-BY-NC-4.0"},
            {"system_id": "S5", "system_name": "e", "ministry": "A"},  # nothing known
        ]
    )
    sy = systems(
        [
            {"system_id": "S1", "ministry": "A", "spend_total": 10.0},
            {"system_id": "S2", "ministry": "A", "spend_total": 30.0},
            {"system_id": "S5", "ministry": "A", "spend_total": 1000.0},
        ]
    )
    m, _ = run(inventory=i, systems_=sy)
    # Open: S1 (MIT), S3 (government-owned); closed: S2, S4 (non-commercial); S5 unknown.
    assert m.loc["A", "ind_open_share_systems"] == pytest.approx(2 / 4)
    # Spend of the systems whose openness is known: 10 open of 40.
    assert m.loc["A", "ind_open_share_spend"] == pytest.approx(10 / 40)
    # Portability S1 1, S2 0, S3 0.25 (1 of 4 interfaces open); S4/S5 unknown.
    assert m.loc["A", "ind_portability"] == pytest.approx((1 + 0 + 0.25) / 3)
    assert m.loc["A", "n_systems"] == 5
    assert 0 < m.loc["A", "ind_inventory_completeness"] < 1


def test_inventory_completeness_full_and_empty():
    from ospo_analytics._score.ministries import FACTOR_FIELDS

    full = {f: "x" for f in FACTOR_FIELDS}
    full.update(
        category="hr",
        ip_owner="vendor",
        source_code_access="none",
        hosting="foreign",
        data_export="none",
        proprietary_dependencies="none",
        documentation="basic",
        interfaces_total=1,
        interfaces_open=1,
        integrations=2,
        qualified_suppliers=1,
        in_house_capability=True,
        exit_clause=False,
        data_return_clause=False,
        contract_end=d("2026-01-01"),
        configurable=True,
        localised=True,
        maintained=True,
    )
    i = inv(
        [
            {"system_id": "F", "system_name": "f", "ministry": "Full", **full},
            {"system_id": "E", "system_name": "e", "ministry": "Empty", "licence": "  "},
        ]
    )
    m, _ = run(inventory=i)
    assert m.loc["Full", "ind_inventory_completeness"] == pytest.approx(1.0)
    assert m.loc["Empty", "ind_inventory_completeness"] == pytest.approx(0.0)  # blank = unfilled


# ----------------------------------------------------------------- questionnaire, stages


def test_questionnaire_group_scores():
    q = pd.DataFrame(
        {
            "ministry": ["A"] * 7 + ["B"],
            "point": ["PRC-1", "PRC-2", "prc-3", "SKL-1", "SKL-2", "EXT-1", "NOPE-9", "GOV-1"],
            "answer": ["yes", "partly", "no", "unknown", "unknown", "Yes", "yes", "unknown"],
        }
    )
    m, _ = run(questionnaire=q)
    assert m.loc["A", "q_procurement"] == pytest.approx(0.5)  # (1 + 0.5 + 0) / 3
    assert pd.isna(m.loc["A", "q_skills"])  # only "unknown" answers
    assert m.loc["A", "q_exit"] == pytest.approx(1.0)
    assert pd.isna(m.loc["A", "q_sharing"])  # not answered
    assert m.loc["A", "ind_questionnaire"] == pytest.approx(0.75)  # mean of 0.5 and 1
    assert pd.isna(m.loc["B", "ind_questionnaire"])
    assert pd.isna(m.loc["B", "readiness_score"])
    assert pd.isna(m.loc["B", "readiness_stage"])


def test_stage_banding_and_weighted_score():
    prof = _profile_section(profile())
    frame = pd.DataFrame({"ministry": list("abcdefg")})
    for name in prof["weights"]:
        frame[f"ind_{name}"] = pd.array([pd.NA] * 7, dtype="Float64")
    frame["ind_questionnaire"] = pd.array([0.0, 0.19, 0.2, 0.5, 0.79, 0.8, 1.0], dtype="Float64")
    # One indicator of eight: unknown at the default min_confidence (next test).
    prof["min_confidence"] = 0.0
    out = _readiness(frame, prof)
    assert out["readiness_stage"].tolist() == [0, 0, 1, 2, 3, 4, 4]
    assert out.loc[2, "readiness_stage_name"] == "inventory & compliance"
    assert out.loc[6, "readiness_stage_name"] == "strategic"
    # Weighted mean of the known indicators only.
    frame2 = frame.head(1).copy()
    frame2["ind_questionnaire"] = pd.array([1.0], dtype="Float64")
    frame2["ind_portability"] = pd.array([0.0], dtype="Float64")
    prof["weights"]["questionnaire"] = 3.0
    out2 = _readiness(frame2, prof)
    assert out2.loc[0, "readiness_score"] == pytest.approx(0.75)
    assert out2.loc[0, "readiness_confidence"] == pytest.approx(4 / 10)


def test_stage_unknown_below_min_confidence():
    """Issue 10: readiness at 12 % confidence was banded "4 · strategic"."""
    prof = _profile_section(profile())
    assert prof["min_confidence"] == 0.5
    frame = pd.DataFrame({"ministry": ["one", "four", "five"]})
    names = list(prof["weights"])
    for k, name in enumerate(names):
        # ministry "one": one indicator known; "four": four; "five": five of eight.
        frame[f"ind_{name}"] = pd.array(
            [0.9 if k < 1 else None, 0.9 if k < 4 else None, 0.9 if k < 5 else None],
            dtype="Float64",
        )
    out = _readiness(frame, prof).set_index("ministry")
    assert out["readiness_confidence"].round(3).tolist() == [0.125, 0.5, 0.625]
    assert pd.isna(out.loc["one", "readiness_stage"])
    assert out.loc["one", "readiness_stage_name"] == "unknown"
    assert out.loc["one", "readiness_score"] == pytest.approx(0.9)  # the score is still shown
    assert out.loc[["four", "five"], "readiness_stage"].tolist() == [4, 4]
    prof["min_confidence"] = 0.6
    assert pd.isna(_readiness(frame, prof).set_index("ministry").loc["four", "readiness_stage"])
    bad = profile()
    bad.data["readiness"]["min_confidence"] = 1.5
    with pytest.raises(ValueError, match="min_confidence"):
        _profile_section(bad)


def test_bad_profile_named_in_message():
    with pytest.raises(ValueError, match="stage_names"):
        run(
            proc([{"ministry": "A", "supplier": "X", "amount": 1.0}]),
            readiness__stage_names=["only", "three", "names"],
        )
    bad = profile()
    bad.data["readiness"]["weights"]["typo_weight"] = 1.0
    with pytest.raises(ValueError, match="typo_weight"):
        score_ministries(None, None, None, None, None, bad, AS_OF)


# ----------------------------------------------------------------- opportunities


def _exit_case():
    sy = systems(
        [
            {
                "system_id": s,
                "system_name": f"Sys {s}",
                "ministry": "A",
                "category": "erp",
                "vendor": "V",
                "lockin_score": score,
                "spend_total": 100.0,
            }
            for s, score in [
                ("S6", 82.0),
                ("S12", 60.0),
                ("S24", 90.0),
                ("LOW", 59.9),
                ("LATE", 95.0),
                ("PAST", 95.0),
                ("INV", 70.0),
            ]
        ]
    )
    p = proc(
        [
            {"ministry": "A", "supplier": "V", "amount": 1.0, "end_date": d(e)}
            for e in [
                "2025-07-01",
                "2025-07-02",
                "2027-01-01",
                "2025-02-01",
                "2027-01-02",
                "2024-12-31",
            ]
        ]
    )
    links = pd.DataFrame(
        {"proc_index": range(6), "system_id": ["S6", "S12", "S24", "LOW", "LATE", "PAST"]}
    )
    i = inv(
        [
            {
                "system_id": "INV",
                "system_name": "Sys INV",
                "ministry": "A",
                "contract_end": d("2025-01-01"),
            }
        ]
    )
    return p, links, sy, i


def test_exit_windows_boundaries():
    p, links, sy, i = _exit_case()
    _, o = run(p, inventory=i, links=links, systems_=sy)
    ex = o[o["kind"] == "exit_window"].set_index("system_id")
    # +6 months exactly -> 6; a day later -> 12; +24 months exactly -> 24;
    # a day later, already ended, or below the high-lock-in threshold -> not listed.
    assert ex.loc["S6", "window"] == 6
    assert ex.loc["S12", "window"] == 12  # lock-in exactly at the threshold counts
    assert ex.loc["S24", "window"] == 24
    assert ex.loc["INV", "window"] == 6  # inventory contract_end, ending today
    assert ex.loc["INV", "months_to_end"] == 0
    assert set(ex.index) == {"S6", "S12", "S24", "INV"}
    assert ex.loc["S6", "description"].startswith(
        "Plan the exit from Sys S6 (contract ends 2025-07, lock-in 82)"
    )
    assert ex["rank"].is_unique and set(ex["rank"]) == {1, 2, 3, 4}
    # Shorter windows first.
    assert ex.sort_values("rank")["window"].is_monotonic_increasing


def test_actions_name_exit_and_at_most_three():
    p, links, sy, i = _exit_case()
    m, _ = run(p, inventory=i, links=links, systems_=sy)
    actions = m.loc["A", "actions"].split("; ")
    assert 1 <= len(actions) <= 3
    assert any(
        a.startswith("Plan the exit from Sys S6") or a.startswith("Plan the exit from Sys INV")
        for a in actions
    )


def test_duplication_across_ministries():
    sy = systems(
        [
            {
                "system_id": "1",
                "ministry": "A",
                "category": "payroll",
                "vendor": "V1",
                "spend_total": 100.0,
                "candidate_alternatives": "Odoo; ERPNext",
            },
            {
                "system_id": "2",
                "ministry": "B",
                "category": "payroll",
                "vendor": "V2",
                "spend_total": 50.0,
                "candidate_alternatives": "Odoo",
            },
            {"system_id": "3", "ministry": "B", "category": "payroll", "vendor": "V2"},
            {
                "system_id": "4",
                "ministry": "C",
                "category": "gis",
                "vendor": "V3",
                "spend_total": 9.0,
            },
            {"system_id": "5", "ministry": "C", "category": "other", "vendor": "V3"},
            {"system_id": "6", "ministry": "D", "category": "other", "vendor": "V4"},
        ]
    )
    _, o = run(systems_=sy)
    dup = o[o["kind"] == "duplication"]
    assert dup["category"].tolist() == ["payroll"]  # gis: one ministry; "other" is no category
    row = dup.iloc[0]
    assert row["ministries"] == "A; B" and row["n_ministries"] == 2
    assert row["vendors"] == "V1; V2" and row["n_vendors"] == 2
    assert row["spend_at_stake"] == pytest.approx(150.0) and row["value"] == pytest.approx(150.0)
    assert row["alternatives"] == "ERPNext; Odoo"
    assert pd.isna(row["ministry"])
    assert "payroll" in row["description"] and "A; B" in row["description"]


def test_replacements_ranked_by_priority():
    sy = systems(
        [
            {
                "system_id": "1",
                "ministry": "A",
                "lockin_score": 70.0,
                "replace_priority": 0.9,
                "candidate_alternatives": "Moodle",
            },
            {
                "system_id": "2",
                "ministry": "A",
                "lockin_score": 95.0,
                "replace_priority": 0.2,
                "candidate_alternatives": "Odoo",
            },
            {
                "system_id": "3",
                "ministry": "A",
                "lockin_score": 95.0,
                "replace_priority": 1.0,
                "candidate_alternatives": "",
            },  # no alternative
            {
                "system_id": "4",
                "ministry": "A",
                "lockin_score": 30.0,
                "replace_priority": 1.0,
                "candidate_alternatives": "Odoo",
            },  # low lock-in
        ]
    )
    _, o = run(systems_=sy)
    rep = o[o["kind"] == "replacement"].sort_values("rank")
    assert rep["system_id"].tolist() == ["1", "2"]


# ----------------------------------------------------------------- real data


def test_real_us_it_dashboard_contracts():
    path = REALDATA / "procurement" / "us_itdashboard" / "itdashboard_contracts_2012.csv"
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set OSPO_REALDATA)")
    raw = pd.read_csv(path, dtype=str)
    compete = raw["Contract Compete (USAspending)"].str.strip().str.upper()
    p = pd.DataFrame(
        {
            "ministry": raw["Agency Name"].astype("string"),
            "supplier": raw["Vendor Name (USAspending)"].astype("string"),
            "amount": pd.to_numeric(
                raw["Action Obligation Amount (In $ million) (USAspending)"], errors="coerce"
            ).astype("Float64"),
            "award_date": pd.to_datetime(
                raw["Contract Start Date (USAspending)"], format="%m/%d/%Y", errors="coerce"
            ),
            "end_date": pd.to_datetime(
                raw["Contract End Date (USAspending)"], format="%m/%d/%Y", errors="coerce"
            ),
            "method": compete.map({"Y": "open", "N": "direct"}).astype("string"),
        }
    )
    m, _, _ = score_ministries(None, p, None, None, None, profile(), AS_OF)
    assert m["ministry"].is_unique
    assert set(m["ministry"]) == set(raw["Agency Name"].dropna().str.strip())
    assert m["n_contracts"].sum() == raw["Agency Name"].notna().sum()  # nothing dropped
    h = m.dropna(subset=["hhi_all"])
    assert len(h) > 5
    top = h["top_supplier_share"].astype(float)
    hhi = h["hhi_it"].astype(float)
    # Σs² lies between (max s)² and max s, and is at least 1/n.
    assert ((hhi >= top**2 - 1e-9) & (hhi <= top + 1e-9)).all()
    assert (hhi >= 1 / h["n_suppliers"].astype(float) - 1e-9).all()
    share = m["noncompetitive_share"].dropna().astype(float)
    assert share.between(0, 1).all() and len(share) > 0
    assert m["readiness_confidence"].between(0, 1).all()


def test_exit_window_one_row_per_system_and_buyer_earliest_end():
    sy = systems([{"system_id": "S", "system_name": "ERP", "ministry": "A", "lockin_score": 90.0}])
    p = proc(
        [
            {"ministry": "A", "supplier": "V", "amount": 1.0, "end_date": d("2026-06-30")},
            {"ministry": "A", "supplier": "V", "amount": 1.0, "end_date": d("2025-03-31")},
            {"ministry": "B", "supplier": "V", "amount": 1.0, "end_date": d("2026-06-30")},
        ]
    )
    links = pd.DataFrame({"proc_index": [0, 1, 2], "system_id": ["S", "S", "S"]})
    i = inv(
        [{"system_id": "S", "system_name": "ERP", "ministry": "A", "contract_end": d("2025-03-31")}]
    )
    _, o = run(p, inventory=i, links=links, systems_=sy)
    ex = o[o["kind"] == "exit_window"].set_index("ministry")
    assert sorted(ex.index) == ["A", "B"]  # a buyer of another ministry's system sees it too
    assert ex.loc["A", "end_date"] == d("2025-03-31")
    assert ex.loc["A", "window"] == 6
    assert ex.loc["A", "n_ending"] == 2  # two distinct end dates
    assert ex.loc["A", "source"] == "procurement"
    assert ex.loc["B", "window"] == 24


def test_actions_mix_exit_readiness_gap_and_sharing():
    sy = systems(
        [
            {
                "system_id": "P1",
                "system_name": "PayOne",
                "ministry": "A",
                "category": "payroll",
                "vendor": "V1",
                "lockin_score": 85.0,
                "spend_total": 100.0,
            },
            {
                "system_id": "P2",
                "system_name": "PayTwo",
                "ministry": "B",
                "category": "payroll",
                "vendor": "V2",
                "lockin_score": 20.0,
                "spend_total": 50.0,
            },
        ]
    )
    p = proc(
        [
            {
                "ministry": "A",
                "supplier": "V1",
                "amount": 100.0,
                "method": "direct",
                "end_date": d("2025-04-30"),
            }
        ]
    )
    links = pd.DataFrame({"proc_index": [0], "system_id": ["P1"]})
    m, _ = run(p, links=links, systems_=sy)
    actions = m.loc["A", "actions"].split("; ")
    assert len(actions) == 3
    assert any(
        a.startswith("Plan the exit from PayOne (contract ends 2025-04, lock-in 85)")
        for a in actions
    )
    assert any(a.startswith("Explore one shared payroll system with B") for a in actions)
    # The third names a readiness gap (all IT spend direct, one supplier...).
    assert any(a.startswith(("Tender competitively", "Diversify IT suppliers")) for a in actions)
    assert "Explore one shared payroll system with A" in m.loc["B", "actions"]


@pytest.mark.parametrize("n_ministries", [1, 126, 127, 128, 255, 256, 1000, 40_000])
def test_any_number_of_ministries_scores(n_ministries):
    """Per-ministry tables hold for 1 to tens of thousands of buyers.

    127 was a crash: per-ministry group-bys gave category indexes with int8
    and int16 codes that pandas would not align. Each ministry gets its own
    known single-bid rate and amendment share so misalignment would show.
    """
    from ospo_analytics import score

    n = n_ministries
    names = [f"Buyer {i:05d}" for i in range(n)]
    rows = []
    for i, m in enumerate(names):
        # Ministry i: one open tender with 1 bid if i is even, 3 bids if odd;
        # only every third ministry reports amendments (an empty group-by for
        # most, the case that crashed).
        rows.append(
            {
                "ministry": m,
                "supplier": f"Supplier {i % 7}",
                "amount": 1000.0 + i,
                "method": "open",
                "tenderers": 1 if i % 2 == 0 else 3,
                "award_date": pd.Timestamp("2024-01-01"),
                "amendments": (i % 2) if i % 3 == 0 else None,
            }
        )
    p = proc(rows)
    res = score(inv([]), p, as_of=AS_OF)
    m = res.ministries.set_index("ministry")
    assert len(m) == n
    got = m.loc[names, "single_bid_rate"].astype(float).to_numpy()
    want = [1.0 if i % 2 == 0 else 0.0 for i in range(n)]
    assert list(got) == want
    assert m.loc[names, "spend_total"].astype(float).tolist() == [1000.0 + i for i in range(n)]
    amended = m.loc[names, "amended_share"]
    for i in range(0, n, max(1, n // 50)):
        if i % 3 == 0:
            assert amended.iloc[i] == float(i % 2)
        else:
            assert pd.isna(amended.iloc[i])


def test_high_lockin_count_is_unknown_when_no_band_is_known():
    # The real US IT Dashboard case: systems named only in procurement have
    # too little data for a band. "0 of 12" would read as "none locked in".
    s = systems(
        [
            {"system_id": "a1", "ministry": "All unknown", "lockin_score": 80.0,
             "lockin_band": "unknown"},
            {"system_id": "a2", "ministry": "All unknown", "lockin_score": 30.0,
             "lockin_band": "unknown"},
            {"system_id": "b1", "ministry": "Some known", "lockin_score": 20.0,
             "lockin_band": "low"},
            {"system_id": "b2", "ministry": "Some known", "lockin_score": 90.0,
             "lockin_band": "unknown"},
            {"system_id": "c1", "ministry": "One high", "lockin_score": 90.0,
             "lockin_band": "high"},
        ]
    )  # fmt: skip
    m, _ = run(systems_=s)
    assert pd.isna(m.loc["All unknown", "n_high_lockin"])
    assert m.loc["Some known", "n_high_lockin"] == 0  # a known zero among the known
    assert m.loc["One high", "n_high_lockin"] == 1


def test_national_high_lockin_figures_unknown_without_any_band() -> None:
    from ospo_analytics._score.details import _national

    s = pd.DataFrame(
        {
            "system_id": ["a", "b"],
            "ministry": ["M", "M"],
            "lockin_band": ["unknown", None],
            "spend_total": [100.0, 50.0],
        }
    )
    it = pd.DataFrame({"ministry": ["M"], "supplier": ["X"], "amount": [150.0]}).astype(
        {"ministry": "string", "supplier": "string"}
    )
    row = _national(it, s, 1).iloc[0]
    for c in ("systems_high_lockin", "spend_high_lockin", "high_lockin_share_spend"):
        assert pd.isna(row[c]), c
    assert row["systems_unknown_lockin"] == 1 and row["systems"] == 2
    known = _national(it, s.assign(lockin_band=["low", "unknown"]), 1).iloc[0]
    assert known["systems_high_lockin"] == 0 and known["high_lockin_share_spend"] == 0


def test_high_lockin_card_says_unknown_not_unknown_of_n() -> None:
    from ospo_analytics._report.runner import _n_of

    assert _n_of(pd.NA, 12) == "unknown"
    assert _n_of(0, 12) == "0 of 12"
    assert _n_of(3, 1200) == "3 of 1,200"
