"""Tests for supplier-name clustering (ospo_analytics._clean.vendors)."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from rapidfuzz import fuzz

from ospo_analytics._clean.vendors import _fuzzy_edges, cluster_vendors, vendor_merges

REALDATA = Path(
    os.environ.get(
        "OSPO_REALDATA", Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
    )
)

NAMES = [
    "ORACLE CORPORATION", "Oracle Corp.", "ORACLE CORPORATION", "oracle corporation inc",
    "IBM", "HBM", "IBM Corp",
    "EARTH RESOURCES TECHNOLOGY, IN", "EARTH RESOURCES TECHNOLOGY, INC.",
    "Windows 7 Ltd", "Windows 8 Ltd",
    "HP Enterprise", "Hewlett Packard Enterprise",
    None, "  ",
]  # fmt: skip


def _cluster_of(table: pd.DataFrame, raw: str) -> int:
    return int(table.loc[table["supplier_raw"] == raw, "cluster_id"].iloc[0])


def test_columns_and_one_row_per_distinct_name():
    t = cluster_vendors(pd.Series(NAMES))
    assert list(t.columns[:6]) == [
        "supplier_raw",
        "normalised",
        "supplier",
        "cluster_id",
        "match_score",
        "method",
    ]
    assert t["supplier_raw"].is_unique
    assert len(t) == len({n.strip() for n in NAMES if n and n.strip()})
    assert t["cluster_id"].dtype == "Int64"


def test_oracle_spellings_merge_with_most_frequent_display_name():
    t = cluster_vendors(pd.Series(NAMES))
    oracle = t[t["normalised"] == "oracle"]
    assert len(oracle) == 3
    assert oracle["cluster_id"].nunique() == 1
    assert (oracle["supplier"] == "ORACLE CORPORATION").all()  # 2 rows vs 1
    assert (oracle["method"] == "exact-normalised").all()


def test_short_names_do_not_merge_fuzzily():
    t = cluster_vendors(pd.Series(NAMES), threshold=50)
    assert _cluster_of(t, "IBM") != _cluster_of(t, "HBM")
    assert _cluster_of(t, "IBM") == _cluster_of(t, "IBM Corp")  # equal keys still merge


def test_fuzzy_merge_of_truncated_name_and_numbers_guard():
    t = cluster_vendors(pd.Series(NAMES))
    a, b = "EARTH RESOURCES TECHNOLOGY, IN", "EARTH RESOURCES TECHNOLOGY, INC."
    assert _cluster_of(t, a) == _cluster_of(t, b)
    row = t[t["supplier_raw"] != t["supplier"]]
    row = row[row["supplier_raw"].isin([a, b])].iloc[0]
    assert row["method"] == "fuzzy" and 92 <= row["match_score"] < 100
    assert _cluster_of(t, "Windows 7 Ltd") != _cluster_of(t, "Windows 8 Ltd")


def test_threshold_controls_fuzzy_merges():
    t = cluster_vendors(pd.Series(NAMES), threshold=99)
    assert _cluster_of(t, "EARTH RESOURCES TECHNOLOGY, IN") != _cluster_of(
        t, "EARTH RESOURCES TECHNOLOGY, INC."
    )


def test_aliases_force_merge_and_name_the_cluster():
    t = cluster_vendors(pd.Series(NAMES), aliases={"HP Enterprise": "Hewlett Packard Enterprise"})
    assert _cluster_of(t, "HP Enterprise") == _cluster_of(t, "Hewlett Packard Enterprise")
    hp = t[t["supplier_raw"] == "HP Enterprise"].iloc[0]
    assert hp["method"] == "alias" and hp["supplier"] == "Hewlett Packard Enterprise"
    without = cluster_vendors(pd.Series(NAMES))
    assert _cluster_of(without, "HP Enterprise") != _cluster_of(
        without, "Hewlett Packard Enterprise"
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_order_independent(seed):
    base = cluster_vendors(pd.Series(NAMES))
    shuffled = pd.Series(NAMES).sample(frac=1, random_state=seed).reset_index(drop=True)
    other = cluster_vendors(shuffled)
    pd.testing.assert_frame_equal(base, other)


def test_vendor_merges_lists_only_multi_spelling_clusters():
    t = cluster_vendors(pd.Series(NAMES))
    m = vendor_merges(t)
    assert set(m["supplier_raw"]) == {
        "ORACLE CORPORATION", "Oracle Corp.", "oracle corporation inc", "IBM", "IBM Corp",
        "EARTH RESOURCES TECHNOLOGY, IN", "EARTH RESOURCES TECHNOLOGY, INC.",
    }  # fmt: skip
    assert "HBM" not in set(m["supplier_raw"])


def test_empty_input():
    t = cluster_vendors(pd.Series([None, ""], dtype=object))
    assert t.empty and "supplier" in t.columns
    assert vendor_merges(t).empty


def test_real_it_dashboard_vendors():
    path = REALDATA / "procurement" / "us_itdashboard" / "itdashboard_contracts_2012.csv"
    if not path.exists():
        pytest.skip(f"real data not available at {path} (set OSPO_REALDATA)")
    with path.open(encoding="utf-8", errors="replace") as fh:
        names = pd.Series(
            [r["Vendor Name (USAspending)"] for r in csv.DictReader(fh)], dtype=object
        )
    t = cluster_vendors(names)
    assert _cluster_of(t, "AT&T CORP") == _cluster_of(t, "A T AND T CORPORATION (0000)")
    assert _cluster_of(t, "BOOZ ALLEN HAMILTON INC") == _cluster_of(
        t, "BOOZ ALLEN HAMILTON INCORPORATED (3626)"
    )
    assert _cluster_of(t, "DELOITTE CONSULTING L.L.P.") == _cluster_of(t, "DELOITTE CONSULTING LLP")
    # Distinct CACI companies and Accenture entities stay apart.
    assert _cluster_of(t, "ACCENTURE LLP") != _cluster_of(t, "ACCENTURE FEDERAL SERVICES LLC")
    assert t["cluster_id"].nunique() < len(t)


def _all_pairs_edges(keys: list[str], threshold: float) -> set[tuple[int, int]]:
    """The fuzzy rule applied to every pair, without blocking (slow, plain)."""
    digits = [tuple(re.findall(r"\d+", k)) for k in keys]
    return {
        (i, j)
        for i in range(len(keys))
        for j in range(i + 1, len(keys))
        if min(len(keys[i]), len(keys[j])) >= 5
        and keys[i][0] == keys[j][0]
        and digits[i] == digits[j]
        and fuzz.token_sort_ratio(keys[i], keys[j]) >= threshold
    }


@pytest.mark.parametrize("threshold", [80, 92])
def test_blocked_fuzzy_edges_equal_every_pair_compared(threshold):
    """Blocking by first letter and numbers finds exactly the pairs that
    comparing every pair finds (numbers in several places, none, repeated)."""
    keys = sorted(
        {
            "supplier 03062", "supplier 03062 a", "supplier 3062", "supplier 03063",
            "supplier 03062 2", "supplier 2 03062", "windows 7", "windows 8", "windows",
            "windows 7 7", "region 4 services", "region 4 service", "region 5 services",
            "acme", "acme corp", "acme corporation", "acmee", "oracle", "oracel", "orcale",
            "earth resources technology in", "earth resources technology",
            "a1b2 systems", "a1b2 system", "a12 systems", "systemes caraibes", "systems caraibes",
            "ibm", "hbm", "0800 flowers", "0800 flower", "1 800 flowers",
        }
    )  # fmt: skip
    path = REALDATA / "procurement" / "us_itdashboard" / "itdashboard_contracts_2012.csv"
    if path.exists():  # the real vendor keys too: numbers in brackets, initials...
        with path.open(encoding="utf-8", errors="replace") as fh:
            names = [r["Vendor Name (USAspending)"] for r in csv.DictReader(fh)]
        keys = sorted(set(keys) | set(cluster_vendors(pd.Series(names))["normalised"]))
    got = _fuzzy_edges(keys, float(threshold))
    assert len(got) == len(set(got))
    assert set(got) == _all_pairs_edges(keys, float(threshold))
    assert got  # the rule is exercised


# ------------------------------------------------------------ mojibake


@pytest.mark.parametrize(
    "garbled, clean",
    [
        ("SystËmes CaraÔbes SARL", "Systèmes Caraïbes SARL"),  # cp1252 read as MacRoman
        ("SYST»MES CARAœBES SARL", "SYSTÈMES CARAÏBES SARL"),
        ("SociÃ©tÃ© GÃ©nÃ©rale", "Société Générale"),  # UTF-8 read as cp1252
        ("Compa\ufffdia Telef\ufffdnica", "Compañía Telefónica"),
    ],
)
def test_a_mojibake_spelling_never_names_a_cluster(garbled, clean):
    from ospo_analytics._clean.vendors import looks_mojibake

    assert looks_mojibake(garbled) and not looks_mojibake(clean)
    # The garbled spelling is the most frequent: it still loses to the clean
    # one (a low threshold makes sure the two are one cluster).
    names = pd.Series([garbled] * 5 + [clean])
    t = cluster_vendors(names, threshold=40)
    assert t["cluster_id"].nunique() == 1
    assert set(t["supplier"]) == {clean}
    # A cluster with only a garbled spelling keeps it (nothing better to show).
    alone = cluster_vendors(pd.Series([garbled]))
    assert alone["supplier"].tolist() == [garbled]


@pytest.mark.parametrize(
    "name",
    ["SÃO PAULO TECNOLOGIA", "Ação Digital", "McDONALD'S", "Île-de-France", "L’Oréal", "ÉCOLE"],
)
def test_clean_accented_spellings_are_not_mojibake(name):
    from ospo_analytics._clean.vendors import looks_mojibake

    assert not looks_mojibake(name)


def test_demo_names_keep_their_source_spelling(tmp_path):
    """`ospo-analytics demo` + `validate`: the cp1252 legacy CSV reads as cp1252,
    'Systèmes Caraïbes SARL' names its cluster, and every accented word in the
    processed tables is spelled as in the demo generator's source."""
    import re
    import subprocess
    import sys

    import ospo_analytics._demo as demo_mod
    from ospo_analytics._clean.vendors import looks_mojibake

    for cmd in (["demo"], ["validate"]):
        out = subprocess.run(
            [sys.executable, "-m", "ospo_analytics", *cmd],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert out.returncode == 0, out.stderr[-2000:]
    processed = tmp_path / "data" / "processed"
    report = pd.read_csv(processed / "load_report.csv")
    legacy = report[report["file"].str.endswith("procurement_legacy.csv")]
    assert legacy["notes"].iloc[0].startswith("encoding cp1252 (")
    proc = pd.read_parquet(processed / "procurement.parquet")
    assert "Systèmes Caraïbes SARL" in set(proc["supplier"])
    merges = pd.read_csv(processed / "vendor_merges.csv")
    source = Path(demo_mod.__file__).read_text(encoding="utf-8")
    word = re.compile(r"\w*[^\x00-\x7f]\w*")
    source_words = {w.casefold() for w in word.findall(source)}
    seen = 0
    tables = [merges] + [pd.read_parquet(p) for p in sorted(processed.glob("*.parquet"))]
    for table in tables:
        for col in table.columns:
            values = table[col].dropna()
            values = values[values.map(lambda v: isinstance(v, str))].unique()
            for v in values:
                assert not looks_mojibake(v), (col, v)
                for w in word.findall(v):
                    seen += 1
                    assert w.casefold() in source_words, (col, v, w)
    assert seen > 20  # the check did look at accented names


def test_normalised_once_per_casefolded_spelling_equals_each_name_alone():
    """Supplier keys made once per casefolded spelling are each name's own."""
    from ospo_analytics._clean.cells import _normalise_vendor_one, clean_text, normalise_vendor

    names = [
        "ACME LTD", "Acme Ltd", "acme ltd", "ＡＣＭＥ Ltd", "Straße GmbH", "STRASSE GMBH",
        "İstanbul Yazılım A.Ş.", "ISTANBUL YAZILIM AS", "ﬁnance Co", "ΣΟΦΟΣ Ltd", "σοφος ltd",
        "The Company", "A T & T CORP", "at&t corp", None, "  ", "n/a", "ǅemal d.o.o.", "Ǆemal DOO",
    ]  # fmt: skip
    s = pd.Series(names * 2, dtype=object)
    text, _ = clean_text(s)
    want = [None if pd.isna(t) else _normalise_vendor_one(t) for t in text]
    got = normalise_vendor(s)
    assert [None if pd.isna(v) else v for v in got] == want
    assert got.dtype == "string" and got.notna().sum() > 20


@pytest.mark.parametrize("dtype", ["string", object])
def test_counted_spellings_cluster_as_the_rows_they_stand_for(dtype):
    """A caller that counted the rows of each spelling (the loader, from its
    codes) gets the table the rows themselves give: display names follow the
    counts, and ``n_rows`` adds up spellings that tidy to one."""
    rows = (
        ["Oracle Corp."] * 3
        + ["ORACLE CORPORATION"] * 2
        + ["oracle corporation inc", "IBM", " IBM ", "IBM Corp", None, "  "]
    )
    names = pd.Series(rows, dtype=dtype)
    codes, uniques = pd.factorize(names)
    counts = pd.Series(codes[codes >= 0]).value_counts().sort_index().to_numpy()
    by_rows = cluster_vendors(names)
    by_counts = cluster_vendors(pd.Series(uniques, dtype=dtype), n_rows=counts)
    pd.testing.assert_frame_equal(by_rows, by_counts)
    assert by_rows.loc[by_rows["supplier_raw"] == "IBM", "n_rows"].item() == 2  # "IBM", " IBM "
    assert by_rows.loc[by_rows["supplier_raw"] == "Oracle Corp.", "supplier"].item() == (
        "Oracle Corp."
    )


def test_a_cluster_holding_two_alias_targets_is_named_by_the_first_in_order():
    """Two alias targets that merge fuzzily make one cluster, named by the
    target whose key sorts first, whatever the row counts or input order."""
    aliases = {"HP Ent": "Hewlett Packard Enterprises", "HPE": "Hewlett Packard Enterprise"}
    names = ["HP Ent", "HPE", "HP Ent", "Acme Corp"]
    for order in (names, names[::-1]):
        t = cluster_vendors(pd.Series(order), aliases=aliases)
        hp = t[t["supplier_raw"].isin(["HP Ent", "HPE"])]
        assert hp["cluster_id"].nunique() == 1
        assert set(hp["supplier"]) == {"Hewlett Packard Enterprise"}
        assert set(hp["method"]) == {"alias"}
        assert t.loc[t["supplier_raw"] == "Acme Corp", "supplier"].item() == "Acme Corp"
