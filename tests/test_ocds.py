"""Tests for the OCDS reader (``ospo_analytics._read.ocds``).

Expected counts are derived here from the raw JSON with plain ``json``, not
copied from the reader's output.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics._config import Config
from ospo_analytics._read.ocds import read_ocds

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("OSPO_REALDATA", REPO.parent / "shared" / "realdata"))
EXAMPLES = REALDATA / "procurement" / "ocds_real_examples"
FLAT = REALDATA / "procurement" / "ocds_flattened"
PUBLISHERS = ["uk-contracts-finder", "moldova", "paraguay", "colombia", "mexico"]
IT_PREFIXES = ("48", "72", "30", "43", "81")


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"shared real data not found at {path} (set OSPO_REALDATA)")


def _cfg(tmp_path: Path, it_filter: bool = False) -> Config:
    cfg = Config(root=tmp_path)
    cfg.data["it_filter"]["enabled"] = it_filter
    return cfg


def _items(folder: Path) -> list[dict]:
    """Accounting items of a folder, each as a list of its releases."""
    out = []
    for f in sorted(folder.rglob("*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        if "records" in doc:
            out += [[r["compiledRelease"]] for r in doc["records"]]
        elif "compiledRelease" in doc:
            out.append([doc["compiledRelease"]])
        elif "releases" in doc:
            out += [[r] for r in doc["releases"]]
        else:
            out.append([doc])
    return out


def _expected(folder: Path) -> dict:
    """Independent expectations: processes, awards and supplier rows."""
    releases = [r for item in _items(folder) for r in item]
    by_ocid: dict[str, list[dict]] = defaultdict(list)
    for r in releases:
        by_ocid[r["ocid"]].append(r)
    awards = rows = 0
    no_award_ocids = set()
    contract_only: set[str] = set()
    for rels in by_ocid.values():
        latest: dict[str, dict] = {}
        contracts: dict[str, dict] = {}
        for r in sorted(rels, key=lambda r: r.get("date") or ""):
            for a in r.get("awards") or []:
                latest[str(a.get("id"))] = a
            for c in r.get("contracts") or []:
                contracts[str(c.get("id"))] = c
        if not latest:
            # Contract-only processes keep their spend: one row per live contract.
            live = [c for c in contracts.values() if c.get("status") != "cancelled"]
            rows += len(live)
            if live:
                contract_only.add(rels[0]["ocid"])
            else:
                no_award_ocids.add(rels[0]["ocid"])
        awards += len(latest)
        for a in latest.values():
            if a.get("status") in ("cancelled", "unsuccessful"):
                continue
            rows += sum(1 for s in a.get("suppliers") or [] if s.get("name"))
    return {
        "read": len(_items(folder)),
        "processes": len(by_ocid),
        "awards": awards,
        "rows": rows,
        "contract_only": contract_only,
        "no_award_items": sum(1 for item in _items(folder) if item[0]["ocid"] in no_award_ocids),
    }


@pytest.mark.parametrize("publisher", PUBLISHERS)
def test_real_publisher_counts(publisher, tmp_path):
    folder = EXAMPLES / publisher
    _need(folder)
    exp = _expected(folder)
    res = read_ocds(folder, _cfg(tmp_path))
    tot = res.totals
    assert tot["read"] == exp["read"]
    assert tot["read"] == tot["loaded"] + tot["filtered"] + tot["rejected"]
    assert tot["rejected"] == 0  # every real item is an object with an ocid
    assert tot["processes"] == exp["processes"]
    assert tot["awards"] == exp["awards"]
    assert len(res.table) == exp["rows"] == tot["rows"]
    no_award = res.filtered["reason"].str.startswith("no award").sum()
    assert no_award == exp["no_award_items"]
    assert len(res.filtered) == tot["filtered"]
    if len(res.table):
        assert res.table["ministry"].notna().all()
        # Only contract-only processes (no award to name one) lack a supplier.
        no_sup = res.table["supplier"].isna()
        assert set(res.table.loc[no_sup, "process_id"]) <= exp["contract_only"]
        assert res.table.loc[no_sup, "amount"].notna().all()
        assert res.table["source_file"].notna().all()
        assert (res.table["source_row"] >= 1).all()


def test_it_filter_moldova(tmp_path):
    folder = EXAMPLES / "moldova" / "sample" / "releases"
    _need(folder)
    expected_it, expected_not = set(), set()
    for item in _items(folder):
        rel = item[0]
        if not rel.get("awards"):
            continue
        codes = [
            i["classification"]["id"]
            for block in [rel.get("tender") or {}, *rel["awards"], *(rel.get("contracts") or [])]
            for i in block.get("items") or []
            if (i.get("classification") or {}).get("id")
        ]
        (expected_it if any(c.startswith(IT_PREFIXES) for c in codes) else expected_not).add(
            rel["ocid"]
        )
    res = read_ocds(folder, _cfg(tmp_path, it_filter=True))
    assert set(res.table["contract_id"].str.split("/").str[0]) == expected_it
    not_it = res.filtered[res.filtered["reason"].str.startswith("not IT")]
    assert len(not_it) == len(expected_not)
    assert res.table["is_it"].all()


def _no_prov(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in df.columns if not c.startswith("source_")]
    return df[cols].sort_values(["contract_id", "supplier"]).reset_index(drop=True)


def test_flattened_moldova_equals_json(tmp_path):
    xlsx = FLAT / "moldova_releases_flattened.xlsx"
    folder = EXAMPLES / "moldova" / "sample" / "releases"
    _need(xlsx)
    cfg = _cfg(tmp_path)
    a, b = read_ocds(folder, cfg), read_ocds(xlsx, cfg)
    assert len(a.table) > 0
    pd.testing.assert_frame_equal(_no_prov(a.table), _no_prov(b.table))
    for key in ("read", "loaded", "filtered", "rejected", "processes", "awards"):
        assert a.totals[key] == b.totals[key], key
    assert set(b.table["source_sheet"]) == {"releases"}


@pytest.mark.parametrize(
    "flat", ["uk_contracts_finder_flattened.xlsx", "uk_contracts_finder_flattened_csv"]
)
def test_flattened_uk_equals_json(flat, tmp_path):
    folder = EXAMPLES / "uk-contracts-finder" / "sample" / "releases"
    _need(FLAT / flat)
    cfg = _cfg(tmp_path)
    a, b = read_ocds(folder, cfg), read_ocds(FLAT / flat, cfg)
    pd.testing.assert_frame_equal(_no_prov(a.table), _no_prov(b.table))
    for key in ("read", "loaded", "filtered", "rejected", "processes", "awards"):
        assert a.totals[key] == b.totals[key], key
    assert sorted(a.filtered["reason"]) == sorted(b.filtered["reason"])


def test_jsonl_and_lists(tmp_path):
    folder = EXAMPLES / "moldova" / "sample" / "releases"
    _need(folder)
    rels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    lines = [json.dumps(r) for r in rels[:20]] + [json.dumps({"releases": rels[20:]})]
    (tmp_path / "all.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = _cfg(tmp_path)
    a = read_ocds(folder, cfg)
    b = read_ocds(tmp_path / "all.jsonl", cfg)
    pd.testing.assert_frame_equal(_no_prov(a.table), _no_prov(b.table))
    assert set(b.table["source_sheet"]) == {"line"}
    assert b.table["source_row"].between(1, 21).all()
    # a bare JSON list of releases
    (tmp_path / "list.json").write_text(json.dumps(rels), encoding="utf-8")
    c = read_ocds(tmp_path / "list.json", cfg)
    pd.testing.assert_frame_equal(_no_prov(a.table), _no_prov(c.table))


def _release(ocid, rid, date, **kw):
    return {"ocid": ocid, "id": rid, "date": date, "tag": ["award"], **kw}


def test_bad_inputs_are_rejected_not_raised(tmp_path):
    good = _release(
        "ocds-x-1",
        "r1",
        "2020-01-01T00:00:00Z",
        buyer="Ministry of Finance",  # a string where an object is expected
        tender={"procurementMethod": "open", "numberOfTenderers": "3"},
        awards=[
            "not an award",
            {
                "id": "a1",
                "value": {"amount": "1,234.50", "currency": "usd"},
                "suppliers": ["Acme Ltd", {"id": "p9"}],
            },
        ],
        parties=[{"id": "p9", "name": "Beta SA", "roles": ["supplier"]}],
    )
    pkg = {"version": "1.1", "releases": [good, "a string, not a release", {"id": "no-ocid"}]}
    (tmp_path / "pkg.json").write_text(json.dumps(pkg), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{ this is not json", encoding="utf-8")
    res = read_ocds(tmp_path, _cfg(tmp_path))
    tot = res.totals
    assert tot["read"] == 4 and tot["loaded"] == 1 and tot["rejected"] == 3
    assert sorted(res.table["supplier"]) == ["Acme Ltd", "Beta SA"]
    assert res.table["amount"].tolist() == [617.25, 617.25]
    assert res.table["split_award"].all()
    assert (res.table["currency"] == "USD").all()
    assert (res.table["tenderers"] == 3).all()
    assert (res.table["ministry"] == "Ministry of Finance").all()
    problems = " | ".join(res.rejects["problem"])
    assert "not valid JSON" in problems
    assert "no ocid" in problems
    assert "str, not an object" in problems
    assert "broken.json" in " ".join(res.rejects["file"])
    # a missing path is a reject too
    missing = read_ocds(tmp_path / "nope", _cfg(tmp_path))
    assert missing.table.empty and len(missing.rejects) == 1


def test_mixed_versions_compile_to_one_process(tmp_path):
    # OCDS 1.0: organisations inline, contract ``amendment`` object.
    r10 = _release(
        "ocds-m-1",
        "t1",
        "2019-01-01T00:00:00Z",
        tender={
            "procuringEntity": {"name": "Ministry of Health", "contactPoint": {"email": "x@y.gov"}},
            "procurementMethod": "limited",
            "tenderers": [{"name": "Gamma"}, {"name": "Delta"}],
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "48000000-8"}}],
        },
        awards=[
            {
                "id": "aw",
                "date": "2019-02-01",
                "value": {"amount": 100, "currency": "EUR"},
                "suppliers": [{"name": "Gamma", "contactPoint": {"name": "Jane Official"}}],
            }
        ],
    )
    r11 = _release(
        "ocds-m-1",
        "c1",
        "2019-03-01T00:00:00Z",
        version="1.1",
        parties=[],
        contracts=[
            {
                "id": "c",
                "awardID": "aw",
                "period": {"startDate": "2019-03-01", "endDate": "2021-02-28"},
                "amendments": [
                    {
                        "date": "2020-01-01",
                        "changes": [{"property": "value", "former_value": {"amount": 80}}],
                    }
                ],
            }
        ],
    )
    (tmp_path / "a.json").write_text(json.dumps(r10), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"version": "1.1", "releases": [r11]}))
    res = read_ocds(tmp_path, _cfg(tmp_path, it_filter=True))
    assert res.totals["upgraded_1_0"] == 1
    assert res.totals["processes"] == 1 and res.totals["loaded"] == 2
    row = res.table.iloc[0]
    assert len(res.table) == 1
    assert row["ministry"] == "Ministry of Health"
    assert row["method"] == "limited" and row["tenderers"] == 2
    assert row["amendments"] == 1 and row["original_amount"] == 80
    assert row["start_date"] == pd.Timestamp("2019-03-01")
    assert bool(row["is_it"]) and row["classification"] == "48000000-8"
    text = res.table.astype(str).to_string()
    assert "Jane Official" not in text and "x@y.gov" not in text


def test_unknown_classification_kept_and_malformed_counted(tmp_path):
    base = {"tender": {"title": "t"}, "buyer": {"name": "M"}}
    aw = [{"id": "1", "value": {"amount": 5}, "suppliers": [{"name": "S"}]}]
    rels = [
        _release("ocds-u-1", "1", "2020-01-01", awards=aw, **base),
        _release(
            "ocds-u-2",
            "1",
            "2020-01-01",
            awards=[
                {**aw[0], "items": [{"id": "i", "classification": {"scheme": "CPV", "id": "4X8"}}]}
            ],
            **base,
        ),
        _release(
            "ocds-u-3",
            "1",
            "2020-01-01",
            awards=[
                {
                    **aw[0],
                    "items": [{"id": "i", "classification": {"scheme": "CPV", "id": "45000000-7"}}],
                }
            ],
            **base,
        ),
    ]
    (tmp_path / "p.json").write_text(json.dumps({"releases": rels}), encoding="utf-8")
    res = read_ocds(tmp_path / "p.json", _cfg(tmp_path, it_filter=True))
    assert sorted(res.table["contract_id"]) == ["ocds-u-1/1", "ocds-u-2/1"]
    assert res.table["is_it"].isna().all()
    assert res.totals["malformed_codes"] == 1
    assert res.filtered["reason"].str.startswith("not IT").sum() == 1


def test_personal_data_never_copied(tmp_path):
    folder = EXAMPLES / "paraguay"
    _need(folder)
    contacts = set()
    for item in _items(folder):
        for rel in item:
            for org in [
                (rel.get("tender") or {}).get("procuringEntity") or {},
                *(rel.get("parties") or []),
            ]:
                cp = org.get("contactPoint") or {}
                contacts |= {str(cp[k]) for k in ("name", "email", "telephone") if cp.get(k)}
    res = read_ocds(folder, _cfg(tmp_path))
    assert contacts and len(res.table)
    cells = set(res.table.astype("string").stack().dropna())
    assert not cells & contacts


def test_inconsistent_shapes_across_releases(tmp_path):
    # Release 1 has a text tender and one award object instead of a list;
    # release 2 a list with a plain-name supplier and a bare-number value.
    a = _release(
        "o-1",
        "1",
        "2020-01-01",
        tender="free text",
        awards={"id": "x", "suppliers": [{"name": "S"}], "value": {"amount": "12"}},
    )
    b = _release(
        "o-1",
        "2",
        "2020-02-01",
        tender={"items": {"id": "1", "classification": {"id": "48"}}},
        awards=[{"id": "x", "suppliers": "Acme", "value": 5}],
    )
    c = _release("o-2", "1", None, buyer=None, awards=[{"id": None, "suppliers": [{"name": None}]}])
    rec = {"records": [{"ocid": "o-3", "releases": [{"url": "http://x", "date": "2020"}]}]}
    (tmp_path / "a.json").write_text(json.dumps({"releases": [a, b, c]}), encoding="utf-8")
    (tmp_path / "r.json").write_text(json.dumps(rec), encoding="utf-8")
    (tmp_path / "x.xlsx").write_text("not a workbook", encoding="utf-8")
    res = read_ocds(tmp_path, _cfg(tmp_path))
    tot = res.totals
    assert tot["read"] == tot["loaded"] + tot["filtered"] + tot["rejected"] == 5
    assert res.table[["supplier", "amount"]].values.tolist() == [["Acme", 5.0]]
    assert tot["merge_fallbacks"] == 1
    problems = " | ".join(res.rejects["problem"])
    assert "no award has a supplier with a name" in problems
    assert "no compiledRelease" in problems and "not a valid .xlsx" in problems


# ------------------------------------------------------------ fidelity (issue 10)


def _award_release(i, **kw):
    """A small valid 1.1 release with one IT award, overridable per key."""
    rel = {
        "ocid": f"ocds-t-{i}",
        "id": f"r{i}",
        "date": "2020-01-01T00:00:00Z",
        "tag": ["award"],
        "buyer": {"name": "Ministry A"},
        "tender": {
            "procurementMethod": "open",
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "72000000"}}],
        },
        "awards": [
            {"id": "a1", "date": "2020-02-01", "value": {"amount": 100, "currency": "EUR"},
             "suppliers": [{"name": f"Supplier {i}"}]},
        ],
    }  # fmt: skip
    rel.update(kw)
    return rel


def _write(tmp_path, releases, name="pkg.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"version": "1.1", "releases": releases}), encoding="utf-8")
    return path


def _check_accounting(res):
    tot = res.totals
    assert tot["read"] == tot["loaded"] + tot["filtered"] + tot["rejected"]
    assert len(res.rejects) == tot["rejected"]  # one rejects row per rejected item
    rows = list(zip(res.rejects["file"], res.rejects["row"], strict=True))
    assert len(rows) == len(set(rows))


def test_publisher_calendar_date_is_kept_not_shifted_to_utc(tmp_path):
    rels = [
        _award_release(1, awards=[{**_award_release(1)["awards"][0], "date": "2017-01-01T03:00+04:00"}]),
        _award_release(2, awards=[{**_award_release(2)["awards"][0], "date": "2016-12-31T22:00:00-05:00"}]),
        _award_release(3, awards=[{**_award_release(3)["awards"][0], "date": "2018-06-30T23:59:59Z"}]),
    ]  # fmt: skip
    res = read_ocds(_write(tmp_path, rels), _cfg(tmp_path))
    got = res.table.set_index("process_id")["award_date"].dt.strftime("%Y-%m-%d").to_dict()
    assert got == {"ocds-t-1": "2017-01-01", "ocds-t-2": "2016-12-31", "ocds-t-3": "2018-06-30"}


@pytest.mark.parametrize(
    "bad", ["2017-02-30", "2019-13-01T00:00:00Z", "2020-01-01T25:00:00Z", "soon"]
)
def test_impossible_dates_are_unknown_and_listed(tmp_path, bad):
    award = {**_award_release(1)["awards"][0], "date": bad}
    rels = [_award_release(1, awards=[award]), _award_release(2)]
    res = read_ocds(_write(tmp_path, rels), _cfg(tmp_path))
    _check_accounting(res)
    assert res.totals["loaded"] == 2
    assert res.table["award_date"].isna().tolist() == [True, False]
    w = res.warnings
    assert w[["row", "column"]].values.tolist() == [[1, "awards/0/date"]]
    assert bad in w["value"].iloc[0] and w["action"].iloc[0].startswith("row kept")


@pytest.mark.parametrize("end", ["9999-12-31", "0001-01-01", "2263-01-01", "1677-01-01"])
def test_placeholder_dates_are_unknown_not_a_crash(tmp_path, end):
    # "9999-12-31" (no end date) cannot be held by pandas at all: it once
    # stopped the whole file. The spreadsheet window (1950-2100) applies.
    award = {**_award_release(1)["awards"][0], "contractPeriod": {"endDate": end}}
    rels = [_award_release(1, awards=[award]), _award_release(2)]
    res = read_ocds(_write(tmp_path, rels), _cfg(tmp_path))
    _check_accounting(res)
    assert res.totals["loaded"] == 2 and res.table["end_date"].isna().all()
    w = res.warnings
    assert w["column"].tolist() == ["awards/0/contractPeriod/endDate"]
    assert "outside 1950" in w["problem"].iloc[0] and end in w["problem"].iloc[0]


@pytest.mark.parametrize(
    ("dayfirst", "expected"),
    [
        (True, ["2023-04-03", "2023-04-13", "2023-03-12", None]),
        (False, ["2023-03-04", "2023-04-13", "2023-12-03", None]),
    ],
)
def test_dates_not_in_iso_follow_the_reading_setting(tmp_path, dayfirst, expected):
    # OCDS asks for ISO 8601; a publisher writing 03/04/2023 is read as a
    # spreadsheet cell is (dayfirst), and "now" is no date (it was the clock).
    texts = ["03/04/2023", "13/04/2023", "12.03.2023", "now"]
    rels = [
        _award_release(i, awards=[{**_award_release(i)["awards"][0], "date": t}])
        for i, t in enumerate(texts)
    ]
    cfg = _cfg(tmp_path)
    cfg.data["reading"]["dayfirst"] = dayfirst
    res = read_ocds(_write(tmp_path, rels), cfg)
    got = res.table["award_date"].dt.strftime("%Y-%m-%d").astype(object)
    assert got.where(got.notna(), None).tolist() == expected
    assert res.warnings["value"].tolist() == ["now"]


def test_cancelled_contracts_spent_nothing(tmp_path):
    # An award without its own value takes its contracts': a cancelled one
    # (replaced by c2) was summed in, 220 instead of 120.
    award = {"id": "a1", "date": "2023-05-01", "suppliers": [{"name": "Acme"}]}
    contracts = [
        {"id": "c1", "awardID": "a1", "status": "cancelled", "value": {"amount": 100, "currency": "EUR"},
         "period": {"endDate": "2030-01-01"}},
        {"id": "c2", "awardID": "a1", "status": "active", "value": {"amount": 120, "currency": "EUR"},
         "period": {"endDate": "2025-01-01"}},
    ]  # fmt: skip
    res = read_ocds(_write(tmp_path, [_award_release(1, awards=[award], contracts=contracts)]))
    row = res.table.iloc[0]
    assert row["amount"] == 120 and row["currency"] == "EUR"
    assert row["end_date"] == pd.Timestamp("2025-01-01")  # not the cancelled contract's


def test_an_award_amount_without_currency_takes_the_one_the_feed_states(tmp_path):
    bare = {"id": "a1", "suppliers": [{"name": "Acme"}], "value": {"amount": 5000}}
    by_contract = _award_release(
        1, awards=[bare], contracts=[{"id": "c", "awardID": "a1", "value": {"currency": "eur"}}]
    )
    by_tender = _award_release(2, awards=[bare])
    by_tender["tender"] = {**by_tender["tender"], "value": {"amount": 6000, "currency": "PYG"}}
    unstated = _award_release(3, awards=[bare])
    res = read_ocds(_write(tmp_path, [by_contract, by_tender, unstated]), _cfg(tmp_path))
    cur = res.table.set_index("process_id")["currency"]
    assert cur["ocds-t-1"] == "EUR" and cur["ocds-t-2"] == "PYG" and pd.isna(cur["ocds-t-3"])


def test_a_contract_naming_no_award_is_listed_not_lost(tmp_path):
    rel = _award_release(
        1, contracts=[{"id": "c2", "awardID": "a2", "value": {"amount": 500, "currency": "USD"}}]
    )
    res = read_ocds(_write(tmp_path, [rel]), _cfg(tmp_path))
    _check_accounting(res)
    assert res.table["amount"].tolist() == [100]
    w = res.warnings
    assert w["column"].tolist() == ["contracts/0/awardID"]
    assert "500 USD" in w["problem"].iloc[0] and w["action"].iloc[0] == "row kept, part not loaded"


def test_tenderers_given_as_party_ids_are_counted(tmp_path):
    parties = [
        {"id": "p1", "name": "Bidder One", "roles": ["tenderer"]},
        {"id": "p2", "name": "Bidder Two", "roles": ["tenderer", "supplier"]},
    ]
    by_id = _award_release(1, parties=parties[:1])
    by_id["tender"] = {**by_id["tender"], "tenderers": [{"id": "p1"}]}
    by_role = _award_release(2, parties=parties)  # no tenderers list: parties say who bid
    unresolved = _award_release(3)
    unresolved["tender"] = {**unresolved["tender"], "tenderers": [{"id": "nobody"}]}
    res = read_ocds(_write(tmp_path, [by_id, by_role, unresolved]), _cfg(tmp_path))
    got = res.table.set_index("process_id")["tenderers"]
    assert got["ocds-t-1"] == 1 and got["ocds-t-2"] == 2 and pd.isna(got["ocds-t-3"])


def test_contract_only_process_keeps_its_spend(tmp_path):
    contract = {"id": "c1", "value": {"amount": 250.0, "currency": "CAD"},
                "dateSigned": "2019-05-05T10:00:00-04:00", "period": {"endDate": "2020-05-04"}}  # fmt: skip
    alone = _award_release(1, awards=[], contracts=[contract])
    with_party = _award_release(
        2, awards=[], contracts=[contract],
        parties=[{"id": "s", "name": "Solo Supplier", "roles": ["supplier"]}],
    )  # fmt: skip
    cancelled = _award_release(3, awards=[], contracts=[{**contract, "status": "cancelled"}])
    res = read_ocds(_write(tmp_path, [alone, with_party, cancelled]), _cfg(tmp_path))
    _check_accounting(res)
    t = res.table.set_index("process_id")
    assert t["amount"].to_dict() == {"ocds-t-1": 250.0, "ocds-t-2": 250.0}
    assert (
        pd.isna(t.loc["ocds-t-1", "supplier"]) and t.loc["ocds-t-2", "supplier"] == "Solo Supplier"
    )
    assert t.loc["ocds-t-1", "award_date"] == pd.Timestamp("2019-05-05")
    assert res.totals["filtered"] == 1 and res.totals["contract_only"] == 2


def test_non_conformant_shapes_are_repaired_or_rejected_saying_what_was_found(tmp_path):
    award = _award_release(1)["awards"][0]
    as_object = _award_release(1, awards=award)
    keyed = _award_release(2, awards={"x1": {**award, "id": "x1"}, "x2": {**award, "id": "x2"}})
    as_text = _award_release(3, awards="see attached PDF")
    res = read_ocds(_write(tmp_path, [as_object, keyed, as_text]), _cfg(tmp_path))
    _check_accounting(res)
    assert res.totals["loaded"] == 2 and res.totals["rejected"] == 1
    assert sorted(res.table["process_id"]) == ["ocds-t-1", "ocds-t-2", "ocds-t-2"]
    repaired = res.warnings[res.warnings["action"] == "row kept, shape repaired"]
    assert repaired["row"].tolist() == [1, 2]
    assert "read as one object" in repaired["problem"].iloc[0]
    assert "map of 2 objects" in repaired["problem"].iloc[1]
    rej = res.rejects.iloc[0]
    assert (
        rej["row"] == 3 and "awards is str" in rej["problem"] and "not an array" in rej["problem"]
    )


def test_huge_numbers_and_deep_nesting_reject_one_release_not_the_file(tmp_path):
    good = [_award_release(i) for i in range(1, 6)]
    text = json.dumps({"version": "1.1", "releases": good})
    # release 2: a 5,000-digit amount; release 4: nested 950 deep; a third
    # file nests 5,000 deep (beyond json's recursion limit).
    text = text.replace('"amount": 100', '"amount": ' + "9" * 5000, 2).replace(
        '"amount": ' + "9" * 5000, '"amount": 100', 1
    )
    deep = '{"d":' * 950 + "0" + "}" * 950
    text = text.replace('"ocid": "ocds-t-4"', f'"ext": {deep}, "ocid": "ocds-t-4"')
    (tmp_path / "a.json").write_text(text, encoding="utf-8")
    deeper = '{"d":' * 5000 + "0" + "}" * 5000
    more = json.dumps({"version": "1.1", "releases": [_award_release(9), "X"]})
    (tmp_path / "b.json").write_text(more.replace('"X"', deeper), encoding="utf-8")
    res = read_ocds(tmp_path, _cfg(tmp_path))
    _check_accounting(res)
    st = {Path(k).name: v for k, v in res.stats.items()}
    assert (st["a.json"]["read"], st["a.json"]["loaded"], st["a.json"]["rejected"]) == (5, 3, 2)
    assert (st["b.json"]["read"], st["b.json"]["loaded"], st["b.json"]["rejected"]) == (2, 1, 1)
    files = [Path(f).name for f in res.rejects["file"]]
    why = dict(zip(zip(files, res.rejects["row"]), res.rejects["problem"], strict=True))
    assert "5000 digits" in why[("a.json", 2)]
    assert "nested more than" in why[("a.json", 4)] and "nested more than" in why[("b.json", 2)]


def test_one_rejects_row_per_rejected_release(tmp_path):
    two_bad = _award_release(
        1, awards=[{"id": "a", "suppliers": []}, {"id": "b", "suppliers": [{"name": None}]}]
    )
    res = read_ocds(_write(tmp_path, [two_bad, _award_release(2)]), _cfg(tmp_path))
    _check_accounting(res)
    assert res.rejects["row"].tolist() == [1]
    assert "no award has a supplier with a name" in res.rejects["problem"].iloc[0]


def test_load_report_agrees_with_rejects_after_cleaning(tmp_path):
    """Releases whose every row the common cleaning rejects count as rejected."""
    from ospo_analytics._load import read_procurement

    rels = [_award_release(i) for i in range(1, 11)]
    for i in (2, 5, 8):  # no buyer anywhere: the required ministry is empty
        rels[i].pop("buyer")
    # Two awards in one release, one of them without an amount: the release stays loaded.
    rels[0]["awards"].append({"id": "a2", "suppliers": [{"name": "Other"}], "value": {}})
    path = _write(tmp_path, rels)
    res = read_procurement(path, _cfg(tmp_path))
    f = res.files
    assert (f["rows_read"] == f["loaded"] + f["filtered"] + f["rejected"]).all()
    assert int(f["loaded"].sum()) == 7 and int(f["rejected"].sum()) == 3
    rejected = res.rejects[res.rejects["action"] == "row rejected"]
    assert len(rejected) == 3 and sorted(rejected["row"].astype(int)) == [3, 6, 9]
    assert set(res.table["process_id"]) == {f"ocds-t-{i}" for i in (1, 2, 4, 5, 7, 8, 10)}


def test_process_level_single_bid_rate_beside_award_level(tmp_path):
    """Cardinal R018 counts each process once; the award-level rate counts rows."""
    from ospo_analytics._score.ministries import score_ministries
    from ospo_analytics._score.profile import load_profile

    def awards(n):
        return [
            {"id": f"a{k}", "value": {"amount": 10}, "suppliers": [{"name": f"S{k}"}]}
            for k in range(n)
        ]

    one_bid_many_lots = _award_release(1, awards=awards(3))
    one_bid_many_lots["tender"] = {**one_bid_many_lots["tender"], "numberOfTenderers": 1}
    two_bids = _award_release(2)
    two_bids["tender"] = {**two_bids["tender"], "numberOfTenderers": 2}
    res = read_ocds(_write(tmp_path, [one_bid_many_lots, two_bids]), _cfg(tmp_path))
    assert res.table["process_id"].tolist().count("ocds-t-1") == 3
    m, _, _ = score_ministries(
        None, res.table, None, None, None, load_profile(),
        pd.Timestamp("2021-01-01"),
    )  # fmt: skip
    row = m.set_index("ministry").loc["Ministry A"]
    assert row["single_bid_rate"] == pytest.approx(3 / 4)  # 3 of 4 awarded rows
    assert row["single_bid_rate_process"] == pytest.approx(1 / 2)  # 1 of 2 processes


def test_ocds_code_validation_respects_the_stated_scheme(tmp_path):
    from ospo_analytics._load import read_procurement

    local = _award_release(1)
    local["tender"] = {
        "items": [{"id": "1", "classification": {"scheme": "Partida", "id": "38301"}}]
    }
    bad_cpv = _award_release(2)
    bad_cpv["tender"] = {
        "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "7224727031"}}]
    }
    res = read_procurement(_write(tmp_path, [local, bad_cpv]), _cfg(tmp_path, it_filter=True))
    t = res.table.set_index("process_id")
    assert t.loc["ocds-t-1", "classification"] == "38301"  # a local catalogue, not flagged
    assert t["is_it"].isna().all()  # neither says IT or not: unknown, kept
    cls = res.rejects[res.rejects["column"] == "classification"]
    assert cls["row"].tolist() == [2] and "7224727031" in cls["value"].iloc[0]
    assert "not a valid CPV code" in cls["problem"].iloc[0]


def test_spreadsheet_rows_keep_their_it_filter_beside_an_ocds_feed(tmp_path):
    # An OCDS feed and a spreadsheet export in one load: the spreadsheet's
    # rows are IT or not by their own CPV codes and are not split awards.
    # Cleaned as one table with the OCDS rows, they had is_it and
    # split_award unknown (the OCDS reader's columns, empty for them), so a
    # non-IT contract counted in IT spend.
    from ospo_analytics._load import read_procurement

    feed = _write(tmp_path, [_award_release(1)])
    sheet = tmp_path / "contracts.csv"
    sheet.write_text(
        "ministry,supplier,amount,classification\n"
        "Ministry A,Acme,10,72000000-5\n"
        "Ministry A,Builders,20,45000000-7\n",
        encoding="utf-8",
    )
    res = read_procurement([feed, sheet])
    rows = res.table.set_index("supplier")
    assert rows.loc["Acme", "is_it"] == True  # noqa: E712 - a nullable boolean
    assert rows.loc["Builders", "is_it"] == False  # noqa: E712
    assert rows.loc[["Acme", "Builders"], "split_award"].tolist() == [False, False]
    assert rows.loc["Supplier 1", "is_it"] == True  # noqa: E712


_KEYS = ["id", "date", "tag", "ocid", "awards", "suppliers", "tender", "tenderers", "items",
         "value", "amount", "name", "documents", "x"]  # fmt: skip


def _json_like(depth: int = 0):
    from hypothesis import strategies as st

    leaf = st.one_of(
        st.none(),
        st.sampled_from(["1", "a", "None", ""]),
        st.integers(0, 2),
        st.sampled_from([1.0, True, False]),
    )
    if depth >= 3:
        return leaf
    inner = _json_like(depth + 1)
    obj = st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)
    return st.one_of(leaf, obj, st.lists(obj, max_size=3), st.lists(leaf, max_size=2))


def _release_like():
    from hypothesis import strategies as st

    return st.dictionaries(st.sampled_from(_KEYS), _json_like(), max_size=6).map(
        lambda r: {"ocid": "ocds-1", "date": "2024-01-01", **r}
    )


def _same_as_ocdsmerge(release: dict) -> None:
    """The one-pass compile gives ocdsmerge's answer, or steps aside (None)."""
    import warnings

    from ospo_analytics._read import ocds

    merger = ocds._merger()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = merger.create_compiled_release([release])
        except Exception:  # noqa: BLE001 - then the fast path must not answer
            want = None
    got = ocds._compile_one(release, merger.merge_rules)
    assert got is None or got == want, release


def test_real_releases_compile_in_one_pass_as_ocdsmerge_compiles_them():
    n = 0
    for path in sorted(EXAMPLES.rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for rel in doc.get("releases", []) if isinstance(doc, dict) else []:
            if isinstance(rel, dict) and "ocid" in rel:
                _same_as_ocdsmerge(rel)
                n += 1
    if not n:
        pytest.skip(f"shared real data not found at {EXAMPLES} (set OSPO_REALDATA)")


def test_a_single_release_compiles_as_ocdsmerge_compiles_it():
    # Where only ocdsmerge's own merge has the answer (repeated ids, ids it
    # cannot key), the one pass steps aside. Ids equal as values but not as
    # text (1, 1.0, True) are one object to ocdsmerge; equal as text but not
    # as values ("1", 1) are two.
    from hypothesis import given, settings

    for a, b in ((1, 1.0), (True, 1), (0, False), ("1", 1), (None, "None"), ("x", "x")):
        _same_as_ocdsmerge(
            {"ocid": "o", "awards": [{"id": a, "x": 1}, {"id": b, "y": {"z": None}}]}
        )
    runs = int(os.environ.get("OSPO_FUZZ_EXAMPLES", "0") or 0) or 300
    given(_release_like())(settings(max_examples=runs, deadline=None)(_same_as_ocdsmerge))()


@pytest.mark.parametrize("stream", [False, True])
def test_releases_beside_records_are_said_to_be_left(tmp_path, stream):
    # A package with both records and releases read the records only, silently.
    rec = {"ocid": "ocds-t-1", "compiledRelease": _award_release(1)}
    doc = {"version": "1.1", "records": [rec], "releases": [_award_release(2), _award_release(3)]}
    path = tmp_path / "both.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    cfg = _cfg(tmp_path)
    if stream:
        cfg.data["reading"]["stream_min_mb"] = 0
    res = read_ocds(path, cfg)
    assert res.table["process_id"].tolist() == ["ocds-t-1"]
    w = res.warnings
    assert w["column"].tolist() == ["releases"] and w["value"].tolist() == ["2 release(s)"]
    assert "records and releases" in w["problem"].iloc[0]


def test_releases_that_are_not_a_list_are_named(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"version": "1.1", "releases": {"0": _award_release(1)}}))
    res = read_ocds(path, _cfg(tmp_path))
    assert "'releases' is an object, not a list" in res.rejects["problem"].iloc[0]
