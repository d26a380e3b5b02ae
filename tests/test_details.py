"""The detail tables work on integer codes; they must equal the plain text
group-bys they replace, on inputs with every awkward case at once."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ospo_analytics._score import details as D

AS_OF = dt.date(2025, 1, 1)


def _inputs(seed: int, categorical: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 3000
    ministries = ["b", "A", "Á", "a b", "Z"]
    suppliers = ["Acme", "acme", "Zeta", "Beta", "Éclair", None]
    methods = ["open", "selective", "direct", "unknown", "Limited", None]
    ids = [f"S{i}" for i in range(40)] + [None]
    days = pd.to_datetime("2024-06-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    proc = pd.DataFrame(
        {
            "ministry": pd.array(rng.choice(ministries, n), dtype="string"),
            "supplier": pd.array(rng.choice(np.array(suppliers, dtype=object), n), dtype="string"),
            "method": pd.array(rng.choice(np.array(methods, dtype=object), n), dtype="string"),
            "system_id": pd.array(rng.choice(np.array(ids, dtype=object), n), dtype="string"),
            "tenderers": pd.array(rng.choice([1, 2, 3, None], n), dtype="Int64"),
            # Few distinct days, so ties between contracts are common.
            "end_date": pd.Series(days).where(rng.random(n) > 0.1).dt.normalize(),
            "pos_amount": pd.Series(rng.choice([0.0, 10.5, 99.0, np.nan], n), dtype="Float64"),
            # Award (else start) dates over several years, some unknown.
            "date": (
                pd.Series(
                    pd.to_datetime("2019-03-01")
                    + pd.to_timedelta(rng.integers(0, 2000, n), unit="D")
                ).where(rng.random(n) > 0.15)
            ),
            "amount": pd.Series(rng.choice([1.0, 10.5, 99.0], n), dtype="Float64"),
            "it": True,
        }
    )
    # No amount of "Éclair" is known: its spend is unknown, not 0.
    proc.loc[proc["supplier"] == "Éclair", "pos_amount"] = pd.NA
    # "Solo" supplies no linked contract: only its vendor role links it to systems.
    proc.loc[proc["system_id"].isna(), "supplier"] = "Solo"
    if categorical:
        # Unsorted categories too: the codes must still sort as the text does.
        for c in ("ministry", "supplier", "method", "system_id"):
            cats = proc[c].dropna().unique()[::-1]
            proc[c] = pd.Categorical(proc[c], categories=pd.Index(cats, dtype="string"))
    sysf = pd.DataFrame(
        {
            "system_id": pd.array(ids[:-1], dtype="string"),
            "ministry": pd.array(rng.choice(ministries + [None], 40), dtype="string"),
            "vendor": pd.array(rng.choice(np.array(["Solo", "Acme", None]), 40), dtype="string"),
            "lockin_band": pd.array(rng.choice(["high", "low", "unknown"], 40), dtype="string"),
            "spend_total": rng.random(40) * 100,
            # Inventory ends on the same days as contracts (procurement wins ties).
            "contract_end": pd.Series(
                pd.to_datetime("2024-06-01") + pd.to_timedelta(rng.integers(0, 400, 40), unit="D")
            ).where(rng.random(40) > 0.3),
        }
    )
    factors = pd.DataFrame(
        {
            "system_id": pd.array(np.repeat(ids[:-1], 3), dtype="string"),
            # Category order is not text order (L10 after L2).
            "factor": pd.Categorical(["L2", "L10", "R1"] * 40, categories=["L2", "L10", "R1"]),
            "name": pd.Categorical(["two", "ten", "reuse"] * 40),
            "known": pd.array(rng.choice([True, False, None], 120), dtype="boolean"),
        }
    )
    return proc, sysf, factors


def _known_sum(s: pd.Series) -> float:
    return s.sum(min_count=1)


def _text(s: pd.Series) -> pd.Series:
    return s.astype("string")


def _ref_suppliers(it: pd.DataFrame) -> pd.DataFrame:
    d = pd.DataFrame(
        {
            "ministry": _text(it["ministry"]),
            "supplier": _text(it["supplier"]),
            "spend": it["pos_amount"].astype("float64"),
        }
    )
    t = d.groupby(["ministry", "supplier"], dropna=False, sort=True)["spend"]
    # A supplier with no known amount has spend unknown, not 0.
    t = t.agg(spend=_known_sum, contracts="size").reset_index()
    known = t["supplier"].notna()
    base = t["spend"].where(known).groupby(t["ministry"]).transform("sum")
    t["share"] = (t["spend"] / base.where(base > 0)).where(known)
    t = t.sort_values(
        ["ministry", "spend", "supplier"], ascending=[True, False, True], na_position="last"
    )
    return D._conform(t, "suppliers")


def _ref_competition(it: pd.DataFrame) -> pd.DataFrame:
    method = _text(it["method"]).fillna("unknown")
    comp = method.isin(["open", "selective"])
    d = pd.DataFrame(
        {
            "ministry": _text(it["ministry"]),
            "method": method,
            "spend": it["pos_amount"].astype("float64"),
            "single": ((it["tenderers"] == 1).fillna(False) & comp).astype("int64"),
            "bids_known": (it["tenderers"].notna() & comp).astype("int64"),
        }
    )
    t = (
        d.groupby(["ministry", "method"], sort=True)
        .agg(
            spend=("spend", _known_sum),
            awards=("spend", "size"),
            single_bid_awards=("single", "sum"),
            bids_known=("bids_known", "sum"),
        )
        .reset_index()
    )
    total = t.groupby("ministry")["spend"].transform("sum")
    t["share"] = t["spend"] / total.where(total > 0)
    t["single_bid_awards"] = t["single_bid_awards"].where(t["bids_known"] > 0)
    t = t.sort_values(["ministry", "spend", "method"], ascending=[True, False, True])
    return D._conform(t, "competition")


def _ref_competition_years(it: pd.DataFrame) -> pd.DataFrame:
    d = pd.DataFrame(
        {
            "ministry": _text(it["ministry"]),
            "year": it["date"].dt.year.astype("Int64"),
            "method": _text(it["method"]).fillna("unknown"),
            "spend": it["pos_amount"].astype("float64"),
        }
    )
    t = d.groupby(["ministry", "year", "method"], dropna=False, sort=True)["spend"].sum(min_count=1)
    t = t.reset_index()
    total = t.groupby(["ministry", "year"], dropna=False)["spend"].transform("sum")
    t["share"] = t["spend"] / total.where(total > 0)
    return D._conform(t, "competition_years")


def _ref_system_ends(ends: pd.DataFrame) -> pd.DataFrame:
    start = pd.Timestamp(AS_OF)
    e = ends[ends["buyer"].notna()].astype({c: "string" for c in ("system_id", "buyer", "source")})
    e["_future"] = e["end_date"] >= start
    n_up = e[e["_future"]].groupby(["system_id", "buyer"])["end_date"].nunique()
    e["_key"] = np.where(
        e["_future"], e["end_date"].astype("int64"), -e["end_date"].astype("int64")
    )
    e = e.sort_values(
        ["system_id", "buyer", "_future", "_key", "source"],
        ascending=[True, True, False, True, False],
        kind="stable",
    ).drop_duplicates(["system_id", "buyer"])
    e["n_upcoming"] = e.join(n_up.rename("n"), on=["system_id", "buyer"])["n"].fillna(0)
    e["status"] = np.where(e["_future"], "active", "ended")
    e["months_to_end"] = ((e["end_date"] - start).dt.days / (365.25 / 12)).round(1)
    return D._conform(e, "system_ends")


def _ref_national_suppliers(it: pd.DataFrame, sysf: pd.DataFrame) -> pd.DataFrame:
    d = pd.DataFrame(
        {
            "supplier": _text(it["supplier"]),
            "ministry": _text(it["ministry"]),
            "system_id": _text(it["system_id"]),
            "spend": it["pos_amount"].astype("float64"),
        }
    ).dropna(subset=["supplier"])
    g = d.groupby("supplier", sort=True)
    t = pd.DataFrame(
        {
            "ministries": g["ministry"].nunique(),
            "spend": g["spend"].sum(min_count=1),
            "contracts": g.size(),
        }
    )
    total = t["spend"].sum()
    t["share"] = t["spend"] / total if total > 0 else np.nan
    # Over the systems with a known band; unknown when a supplier has none.
    known = sysf[sysf["lockin_band"].isin(["low", "medium", "high"]).fillna(False)]
    high = set(known.loc[known["lockin_band"].eq("high"), "system_id"])
    by_link = d.loc[d["system_id"].isin(set(known["system_id"])), ["supplier", "system_id"]]
    by_vendor = (
        known[["vendor", "system_id"]].rename(columns={"vendor": "supplier"}).astype("string")
    ).dropna()
    pairs = pd.concat([by_link, by_vendor]).drop_duplicates()
    pairs["high"] = pairs["system_id"].isin(high)
    t["systems_high_lockin"] = pairs.groupby("supplier")["high"].sum()  # NA: none known
    t = t.reset_index().sort_values(["spend", "supplier"], ascending=[False, True])
    return D._conform(t, "national_suppliers")


def _ref_factor_coverage(factors: pd.DataFrame, sysf: pd.DataFrame) -> pd.DataFrame:
    mins = sysf[["system_id", "ministry"]].dropna().astype("string")
    f = factors.merge(mins, on="system_id", how="inner")
    f["unknown"] = ~f["known"].fillna(False)
    t = f.groupby(["ministry", "factor", "name"], sort=True)["unknown"].agg(["size", "sum"])
    t = t.reset_index().rename(columns={"size": "systems", "sum": "systems_unknown"})
    return D._conform(t, "factor_coverage")


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detail_tables_on_codes_equal_text_groupbys(seed: int, categorical: bool) -> None:
    proc, sysf, factors = _inputs(seed, categorical)
    ends = D.contract_ends(proc, sysf)
    got = D.ministry_details(proc, sysf, ends, factors, AS_OF)
    assert len(got["system_ends"]) > 20 and got["suppliers"]["supplier"].isna().any()
    solo = got["national_suppliers"].set_index("supplier").loc["Solo", "systems_high_lockin"]
    assert solo > 0
    pd.testing.assert_frame_equal(got["suppliers"], _ref_suppliers(proc))
    sup = got["suppliers"]
    assert sup.loc[sup["supplier"] == "Éclair", "spend"].isna().all()
    assert got["national_suppliers"].set_index("supplier")["spend"].isna()["Éclair"]
    pd.testing.assert_frame_equal(got["competition"], _ref_competition(proc))
    years = got["competition_years"]
    assert years["year"].isna().any() and years["year"].nunique() >= 5
    pd.testing.assert_frame_equal(years, _ref_competition_years(proc))
    pd.testing.assert_frame_equal(got["system_ends"], _ref_system_ends(ends))
    pd.testing.assert_frame_equal(got["national_suppliers"], _ref_national_suppliers(proc, sysf))
    pd.testing.assert_frame_equal(got["factor_coverage"], _ref_factor_coverage(factors, sysf))
    # Inventory rows first: the source, not the row order, must break ties.
    shuffled = ends.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(D._system_ends(shuffled, AS_OF), _ref_system_ends(shuffled))
    # NA methods join the recorded "unknown" ones in one row per ministry.
    comp = got["competition"]
    assert not comp.duplicated(["ministry", "method"]).any()
    assert (comp["method"] == "unknown").any()


def test_contract_ends_keeps_text_as_categories() -> None:
    proc, sysf, _ = _inputs(0, categorical=True)
    ends = D.contract_ends(proc, sysf)
    assert isinstance(ends["system_id"].dtype, pd.CategoricalDtype)
    assert set(ends["source"].astype(str)) == {"procurement", "inventory"}
    # Every known procurement end and inventory end is there, once.
    n_proc = int((proc["system_id"].notna() & proc["end_date"].notna()).sum())
    assert len(ends) == n_proc + int(sysf["contract_end"].notna().sum())


def test_system_end_prefers_the_contract_to_the_inventory_date_it_repeats() -> None:
    proc = pd.DataFrame(
        {
            "ministry": ["Health", "Health", "Health"],
            "supplier": ["Acme", "Old", "Beta"],
            "system_id": ["S1", "S1", "S2"],
            "end_date": pd.to_datetime(["2025-03-01", "2024-01-01", "2024-05-01"]),
            "pos_amount": [1.0, 2.0, 3.0],
        }
    )
    sysf = pd.DataFrame(
        {
            "system_id": ["S1", "S2"],
            "ministry": ["Health", "Health"],
            "contract_end": pd.to_datetime(["2025-03-01", "2024-05-01"]),
        }
    )
    # Inventory rows first, so row order alone would pick them.
    ends = D.contract_ends(proc, sysf).iloc[::-1].reset_index(drop=True)
    got = D._system_ends(ends, AS_OF).set_index("system_id")
    assert got.loc["S1", "source"] == "procurement" and got.loc["S1", "contract_vendor"] == "Acme"
    assert got.loc["S2", "source"] == "procurement" and got.loc["S2", "status"] == "ended"
    assert got.loc["S1", "n_upcoming"] == 1


def test_national_functions_count_systems_ministries_and_spend_per_function() -> None:
    sysf = pd.DataFrame(
        {
            "system_id": pd.array(["a", "b", "c", "d", "e", "f"], dtype="string"),
            "category": pd.array(["hr", "hr", "gis", None, "hr", None], dtype="string"),
            "ministry": pd.array(["M1", "M2", "M1", "M1", "M1", None], dtype="string"),
            "spend_total": pd.array([10.0, None, 5.0, 1.0, 2.5, 4.0], dtype="Float64"),
        }
    )
    t = D._national_functions(sysf)
    # Row labels do not matter (a filtered frame keeps its own).
    shifted = D._national_functions(sysf.set_axis(range(10, 16)))
    pd.testing.assert_frame_equal(shifted, t)
    assert t.to_dict("list") == {
        "category": ["gis", "hr", None],
        "n_systems": [1, 3, 2],
        "n_ministries": [1, 2, 1],  # a system with no ministry adds none
        "spend_total": [5.0, 12.5, 5.0],  # unknown spend adds nothing
    }


def test_national_suppliers_high_lockin_unknown_without_a_known_band() -> None:
    proc = pd.DataFrame(
        {
            "ministry": pd.array(["M", "M", "M", "M"], dtype="string"),
            "supplier": pd.array(["Ghost", "Known", "Vendor", "Loose"], dtype="string"),
            "system_id": pd.array(["u1", "k1", "k1", None], dtype="string"),
            "pos_amount": pd.array([10.0, 20.0, 5.0, 1.0], dtype="Float64"),
            "amount": pd.array([10.0, 20.0, 5.0, 1.0], dtype="Float64"),
            "it": True,
        }
    )
    sysf = pd.DataFrame(
        {
            "system_id": pd.array(["u1", "k1", "h1"], dtype="string"),
            "ministry": pd.array(["M", "M", "M"], dtype="string"),
            "vendor": pd.array([None, None, "Vendor"], dtype="string"),
            "lockin_band": pd.array(["unknown", "low", "high"], dtype="string"),
        }
    )
    t = D._national_suppliers(proc, sysf).set_index("supplier")["systems_high_lockin"]
    assert pd.isna(t["Ghost"])  # its one system has no band
    assert pd.isna(t["Loose"])  # no system linked at all
    assert t["Known"] == 0  # a known low system: a known zero
    assert t["Vendor"] == 1  # the vendor of a high system, besides its low contract


def test_spend_at_high_lockin_is_unknown_when_the_high_systems_spend_is() -> None:
    # It read 0 (and a 0 % share) beside the high system's "unknown" spend.
    proc, sysf, _ = _inputs(0, False)
    sysf = sysf.assign(ministry="b", lockin_band=["high"] + ["low"] * 39)
    unknown = sysf.assign(spend_total=[np.nan] + [10.0] * 39)
    row = D._national(proc, unknown, None).iloc[0]
    assert pd.isna(row["spend_high_lockin"]) and pd.isna(row["high_lockin_share_spend"])
    known = sysf.assign(spend_total=[30.0] + [10.0] * 39)
    row = D._national(proc, known, None).iloc[0]
    assert row["spend_high_lockin"] == 30 and row["high_lockin_share_spend"] == 30 / 420
    none_high = sysf.assign(lockin_band="low", spend_total=10.0)
    assert D._national(proc, none_high, None).iloc[0]["spend_high_lockin"] == 0
