"""The OCP Data Registry's CSV and Excel downloads (flatterer's layout).

The registry (data.open-contracting.org) flattens each publication's compiled
releases with flatterer: a ``.csv.tar.gz`` holding ``full/main.csv``,
``full/awards.csv``, ``full/awards_suppliers.csv``, ... and an ``.xlsx`` with
one sheet per table. These tests make such downloads the way the registry's
exporter does (flatterer at the version it pins, called with its options)
from the real OCDS samples, and check they load to the same rows as the JSON
they were made from.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tarfile
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics._config import Config
from ospo_analytics._load import read_procurement
from ospo_analytics._read.ocds import read_ocds, release_schema

flatterer = pytest.importorskip("flatterer")

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("OSPO_REALDATA", REPO.parent / "shared" / "realdata"))
EXAMPLES = REALDATA / "procurement" / "ocds_real_examples"


def _cfg(tmp_path: Path, it_filter: bool) -> Config:
    cfg = Config(root=tmp_path)
    cfg.data["it_filter"]["enabled"] = it_filter
    return cfg


def _compiled(country: str) -> list[dict]:
    """The country's sample releases compiled per ocid, as the registry serves them."""
    folder = EXAMPLES / country
    if not folder.exists():
        pytest.skip(f"shared real data not found at {folder} (set OSPO_REALDATA)")
    from ocdskit.combine import merge

    packages = []
    for p in sorted(folder.rglob("*.json")):  # records are left out: their releases are here
        doc = json.loads(p.read_text(encoding="utf-8"))
        # One version for all, as a collection's compiler sees it.
        if "releases" in doc:
            packages.append(dict(doc, version="1.1"))
        elif "ocid" in doc:  # a bare release
            packages.append({"version": "1.1", "releases": [doc]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(merge(packages, schema=release_schema(), return_package=False))


def _download(releases: list[dict], folder: Path) -> tuple[Path, Path, Path]:
    """``(jsonl, csv.tar.gz, xlsx)`` of ``releases``, as the registry's exporter writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    jsonl = folder / "full.jsonl"
    jsonl.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in releases), encoding="utf-8"
    )
    out = folder / "flatterer"
    flatterer.flatten(
        str(jsonl), str(out), csv=True, xlsx=True, force=True, json_stream=True, threads=1
    )
    tar = folder / "full.csv.tar.gz"
    with tarfile.open(tar, "w:gz") as t:
        t.add(out / "csv", arcname="full")  # only the csv folder, named after the file
    xlsx = folder / "full.xlsx"
    shutil.copy(out / "output.xlsx", xlsx)
    return jsonl, tar, xlsx


def _rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c for c in df.columns if not c.startswith("source_")]].reset_index(drop=True)


@pytest.mark.parametrize("country", ["moldova", "paraguay", "colombia", "mexico"])
def test_registry_csv_and_excel_read_as_the_json_they_came_from(country, tmp_path):
    jsonl, _tar, xlsx = _download(_compiled(country), tmp_path / "dl")
    csv_folder = tmp_path / "dl" / "flatterer" / "csv"
    for it_filter in (False, True):
        cfg = _cfg(tmp_path, it_filter)
        want = read_ocds(jsonl, cfg)
        assert want.totals["read"] > 0
        for got in (read_ocds(csv_folder, cfg), read_ocds(xlsx, cfg)):
            pd.testing.assert_frame_equal(_rows(got.table), _rows(want.table))
            for key in ("read", "loaded", "filtered", "rejected", "processes", "awards"):
                assert got.totals[key] == want.totals[key], key
            assert list(got.filtered["reason"]) == list(want.filtered["reason"])
            assert len(got.warnings) == len(want.warnings)
            assert set(got.table["source_sheet"]) <= {"main"}
    if country != "moldova":  # Moldova's sample has one IT award at most
        assert len(want.table) > 1


def test_registry_csv_tar_loads_as_one_input_named_by_its_folder(tmp_path):
    jsonl, tar, _xlsx = _download(_compiled("paraguay"), tmp_path / "dl")
    want, got = read_procurement([jsonl]), read_procurement([tar])
    assert len(want.table) > 0
    pd.testing.assert_frame_equal(_rows(got.table), _rows(want.table))
    shown = f"{tar}/full"
    assert list(got.files["file"]) == [shown]
    assert set(got.table["source_file"].astype(str)) == {shown}
    assert len(got.rejects) == len(want.rejects)
    assert set(got.rejects["file"].astype(str)) <= {shown}


def _release_with_long_paths() -> dict:
    """A release whose only IT code is in ``tender/items/additionalClassifications``
    (a table name past Excel's 31 characters), whose buyer is known only by its
    party roles (an array of strings, joined in one cell), and whose supplier
    name holds a comma."""
    return {
        "ocid": "ocds-test-001",
        "id": "ocds-test-001-compiled",
        "date": "2023-05-02T00:00:00Z",
        "tag": ["compiled"],
        "parties": [
            {
                "id": "B1",
                "name": "Ministry of Health, Labour",
                "roles": ["buyer", "procuringEntity"],
            },
            {"id": "S1", "name": "Byte, Bits & Co", "roles": ["supplier", "tenderer"]},
        ],
        "tender": {
            "id": "T1",
            "procurementMethod": "limited",
            "numberOfTenderers": 1,
            "items": [
                {
                    "id": "1",
                    "classification": {"scheme": "CPV", "id": "45000000"},
                    "additionalClassifications": [{"scheme": "CPV", "id": "48000000"}],
                }
            ],
        },
        "awards": [
            {
                "id": "A1",
                "date": "2023-05-01",
                "value": {"amount": 125000.5, "currency": "EUR"},
                "suppliers": [{"id": "S1", "name": "Byte, Bits & Co"}],
            }
        ],
        "contracts": [
            {
                "id": "C1",
                "awardID": "A1",
                "implementation": {
                    "transactions": [{"id": "X1", "value": {"amount": 1.0, "currency": "EUR"}}]
                },
            }
        ],
    }


def test_shortened_sheet_names_and_joined_roles_are_read_back(tmp_path):
    jsonl, tar, xlsx = _download([_release_with_long_paths()], tmp_path / "dl")
    cfg = _cfg(tmp_path, it_filter=True)
    want = read_ocds(jsonl, cfg)
    assert want.table["is_it"].tolist() == [True]  # the additional code is what makes it IT
    assert want.table["ministry"].tolist() == ["Ministry of Health, Labour"]
    for got in (read_ocds(tmp_path / "dl" / "flatterer" / "csv", cfg), read_ocds(xlsx, cfg)):
        pd.testing.assert_frame_equal(_rows(got.table), _rows(want.table))
        assert got.table["supplier"].tolist() == ["Byte, Bits & Co"]


def test_a_child_row_without_its_parent_is_listed_and_the_rest_loads(tmp_path):
    _download([_release_with_long_paths()], tmp_path / "dl")
    folder = tmp_path / "dl" / "flatterer" / "csv"
    awards = folder / "awards.csv"
    header = awards.read_text(encoding="utf-8").splitlines()[0].split(",")
    orphan = {"_link": "9.awards.0", "_link_main": "9", "id": "A9"}
    with awards.open("a", encoding="utf-8") as fh:
        fh.write(",".join(orphan.get(h, "") for h in header) + "\n")
    res = read_ocds(folder, _cfg(tmp_path, it_filter=True))
    assert len(res.table) == 1
    hit = res.warnings[res.warnings["sheet"] == "awards"]
    assert hit["row"].tolist() == [3]
    assert "no matching row in table 'main'" in hit["problem"].iloc[0]
    assert hit["action"].iloc[0] == "child row not used"


def test_a_plain_export_named_main_csv_is_read_as_a_spreadsheet(tmp_path):
    path = tmp_path / "main.csv"
    path.write_text(
        "ministry,supplier,amount,award_date\nMinistry of Health,Acme,100,2023-01-02\n",
        encoding="utf-8",
    )
    res = read_procurement([path])
    assert res.table["supplier"].tolist() == ["Acme"]
    assert res.files["loaded"].tolist() == [1]


def test_csv_tables_are_read_in_arrow_and_releases_built_in_batches(tmp_path, monkeypatch):
    # A national download must not become Python rows table by table: the
    # spreadsheet reader is not used, and batches of one main row give the
    # same releases as one batch.
    from ospo_analytics._read import ocds

    jsonl, _tar, _xlsx = _download(_compiled("paraguay"), tmp_path / "dl")
    cfg = _cfg(tmp_path, it_filter=False)
    want = read_ocds(jsonl, cfg)

    def no_rows(*_a, **_k):
        raise AssertionError("read whole")

    monkeypatch.setattr(ocds, "read_raw", no_rows)
    monkeypatch.setattr(ocds, "FLAT_BATCH", 1)
    got = read_ocds(tmp_path / "dl" / "flatterer" / "csv", cfg)
    pd.testing.assert_frame_equal(_rows(got.table), _rows(want.table))
    assert got.totals == want.totals


def test_a_table_resaved_in_another_encoding_and_delimiter_still_joins(tmp_path):
    jsonl, _tar, _xlsx = _download([_release_with_long_paths()], tmp_path / "dl")
    folder = tmp_path / "dl" / "flatterer" / "csv"
    table = folder / "awards_suppliers.csv"
    text = table.read_text(encoding="utf-8").replace("Byte, Bits & Co", "Byté; Bits & Co")
    lines = ["|".join(next(csv.reader([ln]))) for ln in text.splitlines()]
    table.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    (folder / "notes.csv").write_text("note\nmade by hand\n", encoding="utf-8")
    res = read_ocds(folder, _cfg(tmp_path, it_filter=True))
    assert res.table["supplier"].tolist() == ["Byté; Bits & Co"]
    stray = res.warnings[res.warnings["sheet"] == "notes"]
    assert stray["action"].tolist() == ["sheet not used"]


def test_a_registry_main_csv_given_alone_is_never_read_whole(tmp_path, monkeypatch):
    # Given as a file, main.csv brings its folder's tables, read in Arrow:
    # not first read whole by the spreadsheet reader to look at its header.
    from ospo_analytics import _load
    from ospo_analytics._read import ocds

    jsonl, _tar, _xlsx = _download([_release_with_long_paths()], tmp_path / "dl")
    want = read_procurement([jsonl])

    def whole(*_a, **_k):
        raise AssertionError("read whole")

    monkeypatch.setattr(_load, "read_raw", whole)
    monkeypatch.setattr(ocds, "read_raw", whole)
    got = read_procurement([tmp_path / "dl" / "flatterer" / "csv" / "main.csv"])
    pd.testing.assert_frame_equal(_rows(got.table), _rows(want.table))


def test_a_flattened_workbook_is_read_once(tmp_path, monkeypatch):
    from ospo_analytics._read import ocds, spreadsheet

    jsonl, _tar, xlsx = _download([_release_with_long_paths()], tmp_path / "dl")
    want = read_procurement([jsonl])
    calls = []
    real = spreadsheet.read_raw

    def counted(path, *a, **k):
        calls.append(Path(path).name)
        return real(path, *a, **k)

    from ospo_analytics import _load

    monkeypatch.setattr(_load, "read_raw", counted)
    monkeypatch.setattr(ocds, "read_raw", counted)
    got = read_procurement([xlsx])
    pd.testing.assert_frame_equal(_rows(got.table), _rows(want.table))
    assert calls == ["full.xlsx"]
