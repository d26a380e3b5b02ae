"""Buyers roll up to ministries; ministry spellings cluster into one ministry."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics._clean.ministries import (
    load_buyer_rules,
    ministry_key,
    resolve_ministries,
)
from ospo_analytics._config import ConfigError, load_config
from ospo_analytics._load import load_inputs, write_processed

# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Department for Work And Pensions", "Department for Work and Pensions"),
        ("Sécurité", "sécurité"),
        ("Ministry of Health", "Ministry of health"),
        ("Ministry of Labour & Social Protection", "Ministry of Labour and Social Protection"),
        ("Ministère de l'Intérieur", "MINISTERE DE L INTERIEUR"),
        ("Ministère de la Culture et de la Communication", "Ministere de la Culture & de la Communication"),
        ("Ministerio de Ciencia y Tecnología", "Ministerio de Ciencia & Tecnologia"),
        ("  Ministry   of  Health ", "Ministry of Health"),
        ("Ministry of Health.", "Ministry of Health"),
    ],
)  # fmt: skip
def test_spellings_share_a_key(a, b) -> None:
    assert ministry_key(a) == ministry_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ministry of Finance", "Ministry of Defence"),
        ("Ministry of Health", "Ministry of Wealth"),
        ("Department for Education", "Department of Education"),
        ("Region 4 Health Authority", "Region 5 Health Authority"),
    ],
)
def test_different_ministries_keep_different_keys(a, b) -> None:
    assert ministry_key(a) != ministry_key(b)


def _counts(**kw) -> pd.Series:
    return pd.Series(kw.get("d") or {}, dtype="int64")


def test_clustering_merges_spellings_and_lists_them() -> None:
    counts = pd.Series(
        {
            "Department for Work And Pensions": 3,
            "Department for Work and Pensions": 5,
            "MINISTRY OF HEALTH": 10,
            "Ministry of health": 2,
            "Ministry of Health": 4,
            "Ministère de la Sécurité": 2,
            "Ministère de la sécurité": 1,
            "Ministere de la Securite": 9,
            "Ministry of Finance": 3,
            "Ministry of Defence": 2,
        }
    )
    res = resolve_ministries(counts)
    look = res.lookup()
    # Most frequent clean spelling: mixed case beats ALL CAPS however often.
    assert {look[k] for k in counts.index if "Work" in k} == {"Department for Work and Pensions"}
    assert {look[k] for k in counts.index if "ealth" in k or "EALTH" in k} == {"Ministry of Health"}
    # Among equally clean spellings the most frequent wins, even unaccented.
    assert {look[k] for k in counts.index if "curit" in k} == {"Ministere de la Securite"}
    assert look["Ministry of Finance"] != look["Ministry of Defence"]
    assert res.table["ministry"].nunique() == 5
    merges = res.merges
    assert set(merges["spelling"]) == set(counts.index) - {
        "Ministry of Finance",
        "Ministry of Defence",
    }
    assert set(merges["method"]) == {"exact-normalised"}
    assert not res.mapped and res.unmatched == []


def test_aliases_force_a_merge_and_keep_apart_keeps_one_out() -> None:
    counts = pd.Series(
        {"MoH": 2, "Ministry of Health": 5, "Ministry of health": 1, "MINISTRY OF HEALTH": 1}
    )
    res = resolve_ministries(
        counts, aliases={"MoH": "Ministry of Health"}, keep_apart=["MINISTRY OF HEALTH"]
    )
    look = res.lookup()
    assert look["MoH"] == look["Ministry of health"] == "Ministry of Health"
    assert look["MINISTRY OF HEALTH"] == "MINISTRY OF HEALTH"
    m = res.merges.set_index("spelling")
    assert m.loc["MoH", "method"] == "alias" and m.loc["MoH", "match_score"] < 100
    assert "MINISTRY OF HEALTH" not in m.index


def test_fuzzy_merging_is_off_by_default_and_optional() -> None:
    counts = pd.Series({"Ministry of Agriculture": 9, "Minstry of Agriculture": 1})
    assert resolve_ministries(counts).table["ministry"].nunique() == 2
    res = resolve_ministries(counts, fuzzy_threshold=90)
    assert set(res.table["ministry"]) == {"Ministry of Agriculture"}
    assert res.merges.set_index("spelling").loc["Minstry of Agriculture", "method"] == "fuzzy"


# ---------------------------------------------------------------- roll-up rules


def test_rules_names_globs_regexes_and_unmatched(tmp_path: Path) -> None:
    csv_file = tmp_path / "buyers.csv"
    csv_file.write_text(
        "buyer;ministry\nNational Roads Agency;Ministry of Transport\n"
        "Hospital Central;Ministry of Finance\n",
        encoding="utf-8",
    )
    rules = load_buyer_rules(
        {
            "Hospital *": "Ministry of Health",
            "re:^school district\\b": "Ministry of Education",
            "NHS Digital": "Department of Health",
        },
        csv_file,
    )
    counts = pd.Series(
        {
            "Hospital San José": 4,
            "HOSPITAL SAN JOSE": 1,
            "Hospital Central": 3,  # an exact name wins over the glob
            "School District 4": 3,
            "School Districts Union": 1,  # \b: not a school district
            "nhs  digital": 1,
            "NATIONAL ROADS AGENCY": 2,
            "Ministry of Education": 2,  # a ministry buying itself
            "Random Agency": 5,
        }
    )
    res = resolve_ministries(counts, rules)
    look = res.lookup()
    assert look["Hospital San José"] == look["HOSPITAL SAN JOSE"] == "Ministry of Health"
    assert look["Hospital Central"] == "Ministry of Finance"
    assert look["School District 4"] == "Ministry of Education"
    assert look["nhs  digital"] == "Department of Health"
    assert look["NATIONAL ROADS AGENCY"] == "Ministry of Transport"
    assert look["Ministry of Education"] == "Ministry of Education"
    assert sorted(res.unmatched) == ["Random Agency", "School Districts Union"]
    assert look["Random Agency"] == "Random Agency"  # kept, not lost
    by = res.table.set_index("buyer")["matched_by"]
    assert "buyers.csv row 3" in by["Hospital Central"]
    assert by["Ministry of Education"] == "is a ministry"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[ministries.buyers]\n"re:([" = "Ministry of Health"\n', "invalid regular expression"),
        ('[ministries]\nbuyers_file = "nope.csv"\n', "nope.csv not found"),
        ('[ministries.buyers]\n"Hospital *" = ""\n', "empty ministry"),
        ("[ministries]\nfuzzy_threshold = 300\n", "fuzzy_threshold"),
        ('[ministries]\nkeep_apart = [1, 2]\n', "keep_apart"),
    ],
)  # fmt: skip
def test_bad_mapping_is_a_config_error(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "ospo.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_config(tmp_path / "ospo.toml")


def test_csv_without_columns_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "map.csv").write_text("agency,dept\nA,B\n", encoding="utf-8")
    (tmp_path / "ospo.toml").write_text('[ministries]\nbuyers_file = "map.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'buyer' and 'ministry'"):
        load_config(tmp_path / "ospo.toml")


def test_cli_bad_mapping_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "ospo.toml").write_text(
        '[ministries.buyers]\n"re:(unclosed" = "Ministry of Health"\n', encoding="utf-8"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "ospo_analytics", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "invalid regular expression" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


# ---------------------------------------------------------------- through the loader


def _project(tmp_path: Path, buyers: list[str], mapping: str = "") -> Path:
    """A CSV procurement file and a CSV inventory naming these buyers."""
    proc = [["Buyer", "Supplier", "Amount", "Currency", "Award date", "Contract ID", "CPV"]]
    for i, b in enumerate(buyers):
        proc.append(
            [b, "Acme Ltd", 100 + i, "USD", f"2024-01-{1 + i % 28:02d}", f"C-{i}", "48000000-8"]
        )
    inv = [["System ID", "System name", "Ministry"]]
    inv += [[f"S-{i}", f"System {i}", b] for i, b in enumerate(buyers[:50])]
    for name, rows in (("proc.csv", proc), ("inv.csv", inv)):
        with open(tmp_path / name, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    (tmp_path / "ospo.toml").write_text(
        '[inputs]\ninventory = ["inv.csv"]\nprocurement = ["proc.csv"]\nquestionnaire = []\n'
        "demo_if_missing = false\n" + mapping,
        encoding="utf-8",
    )
    return tmp_path / "ospo.toml"


def test_loader_keeps_buyer_and_rolls_up_ministry(tmp_path: Path) -> None:
    buyers = [
        "Hospital North",
        "HOSPITAL NORTH",
        "Ministry of Health",
        "Ministry of health",
        "School District 9",
        '=HYPERLINK("http://x","Unknown Agency")',
        "Orphan Agency",
    ]
    cfg = _project(
        tmp_path,
        buyers,
        '[ministries.buyers]\n"Hospital *" = "Ministry of Health"\n'
        '"re:^school district" = "Ministry of Education"\n',
    )
    config = load_config(cfg)
    inputs = load_inputs(config, progress=False)
    proc = inputs.procurement.table
    assert proc["buyer"].tolist() == buyers  # as written, per row
    assert proc["ministry"].tolist()[:5] == ["Ministry of Health"] * 4 + ["Ministry of Education"]
    inv = inputs.inventory.table
    assert (inv.set_index("buyer")["ministry"]["HOSPITAL NORTH"]) == "Ministry of Health"
    out = tmp_path / "processed"
    write_processed(inputs, out)
    review = pd.read_csv(out / "buyer_review.csv", encoding="utf-8-sig")
    assert set(review["buyer"]) == {"'" + buyers[5], "Orphan Agency"}  # formula-safe
    assert review["contracts"].tolist() == [1, 1]
    mb = pd.read_parquet(out / "ministry_buyers.parquet")
    health = mb[mb["ministry"] == "Ministry of Health"].set_index("buyer")
    # One buyer per spelling group, with the spend behind it.
    assert set(health.index) == {"Hospital North", "Ministry of Health"}
    assert health.loc["Hospital North", "spellings"] == 2
    assert health.loc["Hospital North", "contracts"] == 2
    assert health.loc["Hospital North", "spend"] == 100 + 101
    assert health.loc["Hospital North", "systems"] == 2
    merges = pd.read_csv(out / "ministry_merges.csv", encoding="utf-8-sig")
    assert set(merges["spelling"]) >= {"Ministry of Health", "Ministry of health"}
    assert "Hospital North" not in set(merges["spelling"])  # rolled up, not a spelling
    # The tables on disk carry both columns.
    on_disk = pd.read_parquet(out / "procurement.parquet")
    assert {"buyer", "ministry"} <= set(on_disk.columns)


def test_without_mapping_buyer_is_ministry_and_nothing_to_review(tmp_path: Path) -> None:
    buyers = ["Ministry of Health", "MINISTRY OF HEALTH", "Agency X"]
    inputs = load_inputs(load_config(_project(tmp_path, buyers)), progress=False)
    proc = inputs.procurement.table
    assert proc["buyer"].tolist() == buyers
    assert proc["ministry"].tolist() == ["Ministry of Health", "Ministry of Health", "Agency X"]
    out = tmp_path / "processed"
    write_processed(inputs, out)
    assert len(pd.read_csv(out / "buyer_review.csv", encoding="utf-8-sig")) == 0


@pytest.mark.parametrize("n", [1, 2, 127, 128, 300, 10_000])
def test_any_number_of_buyers_and_ministries(tmp_path: Path, n: int) -> None:
    """1 to 10,000 buyers under n // 3 (at least 1) ministries, via the CSV mapping."""
    buyers = [f"Agency {i:05d}" for i in range(n)]
    n_min = max(1, n // 3)
    mapping = ["buyer,ministry"] + [f"{b},Ministry {i % n_min:05d}" for i, b in enumerate(buyers)]
    (tmp_path / "map.csv").write_text("\n".join(mapping) + "\n", encoding="utf-8")
    cfg = _project(tmp_path, buyers, '[ministries]\nbuyers_file = "map.csv"\n')
    inputs = load_inputs(load_config(cfg), progress=False)
    proc = inputs.procurement.table
    assert len(proc) == n
    expected = [f"Ministry {i % n_min:05d}" for i in range(n)]
    assert proc["ministry"].tolist() == expected
    assert inputs.ministries.unmatched == []
    out = tmp_path / "processed"
    write_processed(inputs, out)
    mb = pd.read_parquet(out / "ministry_buyers.parquet")
    assert len(mb) == n and mb["ministry"].nunique() == n_min
    assert int(mb["contracts"].sum()) == n
