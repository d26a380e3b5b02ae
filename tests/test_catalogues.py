"""Tests for publiccode.yml and code.json inventory readers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from ospo_analytics._clean.schema import CATEGORIES, INVENTORY_COLUMNS, pandera_schema
from ospo_analytics._read.catalogues import read_codejson, read_publiccode, spdx_licence

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("OSPO_REALDATA", REPO.parent / "shared" / "realdata"))
CODEGOV = REALDATA / "inventory" / "us_codegov"
AGENCY_FILES = ("SSA-index.json", "VA-index.json", "NSF-index.json")


def _need_realdata() -> None:
    if not CODEGOV.is_dir():
        pytest.skip(f"real data not found at {CODEGOV} (set OSPO_REALDATA)")


def _canonical(table: pd.DataFrame) -> None:
    """Column names are canonical and the coded columns hold valid codes."""
    names = [c.name for c in INVENTORY_COLUMNS]
    assert names == list(table.columns[: len(names)])
    pandera_schema("inventory").validate(table)


# ----------------------------------------------------------------- code.json (real)


@pytest.mark.parametrize("fname", AGENCY_FILES)
def test_codejson_real_agency_counts(fname):
    _need_realdata()
    raw = json.loads((CODEGOV / fname).read_text(encoding="utf-8"))
    entries = raw["releases"]
    res = read_codejson(CODEGOV / fname)
    assert res.stats["read"] == len(entries)
    assert res.stats["loaded"] == len(entries)
    assert res.stats["rejected"] == 0 and res.rejects.empty
    t = res.table
    assert len(t) == len(entries)
    assert t["system_id"].is_unique
    assert (t["ministry"] == raw["agency"]).all()
    assert t["system_name"].tolist() == [e["name"].strip() for e in entries]
    assert t["source_row"].tolist() == list(range(1, len(entries) + 1))
    assert (t["source_sheet"] == "releases").all()
    # usage type passes through, entry by entry
    assert t["usage_type"].tolist() == [e["permissions"]["usageType"] for e in entries]
    _canonical(t)
    assert set(t["category"].dropna()) <= set(CATEGORIES)


def test_codejson_ssa_631_and_mappings():
    _need_realdata()
    raw = json.loads((CODEGOV / "SSA-index.json").read_text(encoding="utf-8"))["releases"]
    assert len(raw) == 631
    t = read_codejson(CODEGOV / "SSA-index.json").table
    assert len(t) == 631
    # repeated names get distinct, stable ids
    names = pd.Series([e["name"] for e in raw])
    assert names.duplicated().any()
    assert t["system_id"].is_unique
    # public GitHub repos -> public-repo; the count derived independently
    n_github = sum("github.com" in (e.get("repositoryURL") or "") for e in raw)
    assert (t["source_code_access"] == "public-repo").sum() == n_github
    # exempt entries without any URL stay unknown, never silently "good"
    exempt_no_url = [
        e["permissions"]["usageType"].startswith("exempt") and not e.get("repositoryURL")
        for e in raw
    ]
    assert t.loc[exempt_no_url, "source_code_access"].isna().all()
    assert t.loc[exempt_no_url, "ip_owner"].isna().all()
    # the Apache-licensed entries become SPDX Apache-2.0, the rest stay NA
    n_apache = sum(bool(e["permissions"]["licenses"]) for e in raw)
    assert (t["licence"] == "Apache-2.0").sum() == n_apache
    assert t["licence"].isna().sum() == len(raw) - n_apache
    # no status in SSA -> maintained unknown
    assert t["maintained"].isna().all()
    # no contact (personal data) anywhere in the table
    emails = {e["contact"].get("email") for e in raw if e.get("contact")}
    text = t.astype("string").fillna("").to_numpy().ravel()
    assert not any(em and em in cell for em in emails for cell in text[:5000])


def test_codejson_va_status_and_typo_url():
    _need_realdata()
    raw = json.loads((CODEGOV / "VA-index.json").read_text(encoding="utf-8"))["releases"]
    t = read_codejson(CODEGOV / "VA-index.json").table
    archival = [e["status"] == "Archival" for e in raw]
    assert (t.loc[archival, "maintained"] == False).all()  # noqa: E712
    assert (t.loc[[not a for a in archival], "maintained"] == True).all()  # noqa: E712
    # "hhttps://github.com/..." upstream typo is still recognised as GitHub
    assert (t["source_code_access"] == "public-repo").all()


def test_codejson_truncated_gsa_is_a_clear_reject():
    _need_realdata()
    f = CODEGOV / "GSA-index.TRUNCATED-upstream.json"
    res = read_codejson(f)
    assert res.table.empty
    assert res.stats["files_rejected"] == 1
    assert len(res.rejects) == 1
    rej = res.rejects.iloc[0]
    assert rej["file"].endswith("GSA-index.TRUNCATED-upstream.json")
    assert "line" in rej["problem"] and "column" in rej["problem"]
    assert "truncated" in rej["problem"]
    with pytest.raises(json.JSONDecodeError) as exc:
        json.loads(f.read_text(encoding="utf-8"))
    assert f"line {exc.value.lineno} column {exc.value.colno}" in rej["problem"]


def test_codejson_folder_loads_all_agencies_despite_bad_files():
    _need_realdata()
    res = read_codejson(CODEGOV)
    expected = sum(
        len(json.loads((CODEGOV / f).read_text(encoding="utf-8"))["releases"]) for f in AGENCY_FILES
    )
    assert res.stats["loaded"] == expected == len(res.table)
    # truncated GSA + the JSON Schema file: each one reject, named
    bad = set(res.rejects["file"].map(lambda p: Path(p).name))
    assert bad == {"GSA-index.TRUNCATED-upstream.json", "code-gov-schema-2.0.0.json"}
    assert res.table["system_id"].is_unique


# ----------------------------------------------------------------- code.json (hand-made)


def test_codejson_schema_1_0_and_bad_entries(tmp_path):
    doc = {
        "agency": "DOT",
        "version": "1.0.1",
        "projects": [
            {
                "name": "Payroll Tool",
                "license": "https://opensource.org/licenses/MIT",
                "openSourceProject": 1,
                "governmentWideReuseProject": 0,
                "repository": "https://gitlab.com/dot/payroll",
                "tags": ["payroll"],
                "status": "Production",
            },
            {
                "name": "Internal Thing",
                "openSourceProject": 0,
                "governmentWideReuseProject": 1,
                "tags": ["unrelated"],
            },
            "just a string",
            {"description": "no name here"},
        ],
    }
    f = tmp_path / "code.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    res = read_codejson(f)
    assert res.stats == {
        "files": 1,
        "files_rejected": 0,
        "read": 4,
        "loaded": 2,
        "rejected": 2,
        "rows": 2,
    }
    t = res.table.set_index("system_name")
    assert t.loc["Payroll Tool", "licence"] == "MIT"
    assert t.loc["Payroll Tool", "category"] == "payroll"
    assert t.loc["Payroll Tool", "source_code_access"] == "public-repo"
    assert t.loc["Payroll Tool", "maintained"] == True  # noqa: E712
    assert t.loc["Internal Thing", "source_code_access"] == "gov-repo"
    assert pd.isna(t.loc["Internal Thing", "category"])
    assert "unrelated" in t.loc["Internal Thing", "description"]
    assert (res.table["source_sheet"] == "projects").all()
    assert sorted(res.rejects["row"].tolist()) == [3, 4]
    assert set(res.rejects["sheet"]) == {"projects"}


def test_codejson_missing_path_is_reject(tmp_path):
    res = read_codejson(tmp_path / "nope.json")
    assert res.table.empty and "not found" in res.rejects.iloc[0]["problem"]


@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [
        ("Apache", "www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
        ("MIT", None, "MIT"),
        ("GPL-3.0-or-later", None, "GPL-3.0-or-later"),
        ("NSF", "https://www.nsf.gov/x.pdf", None),
        (None, "https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("LicenseRef-proprietary", None, "LicenseRef-proprietary"),
    ],
)
def test_spdx_licence(name, url, expected):
    assert spdx_licence(name, url) == expected


# ----------------------------------------------------------------- publiccode.yml

PC_FULL = """\
publiccodeYmlVersion: "0.2"
name: PayFlow
url: "https://github.com/example/payflow"
releaseDate: "2024-05-01"
softwareType: "standalone/web"
categories:
  - whistleblowing
  - payroll
  - accounting
usedBy:
  - Ministry of Finance
  - Ministry of Health
legal:
  license: AGPL-3.0-or-later
  mainCopyrightOwner: Ministry of Finance
  repoOwner: Ministry of Finance
maintenance:
  type: contract
  contractors:
    - name: Acme Srl
      until: "2026-01-01"
  contacts:
    - name: Jane Doe
      email: jane@example.org
localisation:
  localisationReady: true
  availableLanguages: [en, fr]
dependsOn:
  open:
    - name: PostgreSQL
  proprietary:
    - name: Oracle Database
      optional: true
description:
  en:
    shortDescription: Payroll for civil servants
    documentation: "https://docs.example.org"
    apiDocumentation: "https://api.example.org"
"""

PC_MIN = """\
publiccodeYmlVersion: "0.4"
name: Tiny Tool
url: "https://git.example.org/tiny"
categories: [whistleblowing]
legal:
  license: NOT-A-LICENCE
  repoOwner: Acme Corp
maintenance:
  type: none
dependsOn:
  proprietary:
    - name: Windows Server
localisation:
  localisationReady: false
  availableLanguages: [it]
description:
  it:
    shortDescription: Piccolo strumento
    documentation: "https://docs.example.org"
"""


@pytest.fixture
def pc_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "publiccode.yml").write_text(PC_FULL, encoding="utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "tiny.publiccode.yml").write_text(PC_MIN, encoding="utf-8")
    (tmp_path / "c.yml").write_text("name: [unclosed\n", encoding="utf-8")
    (tmp_path / "ci.yml").write_text("jobs: {}\n", encoding="utf-8")
    (tmp_path / "noorg.yml").write_text(
        'publiccodeYmlVersion: "0.2"\nname: Orphan\n', encoding="utf-8"
    )
    return tmp_path


def test_publiccode_folder(pc_folder):
    res = read_publiccode(pc_folder)
    assert res.stats["files"] == 5
    assert res.stats["read"] == 3  # three publiccode documents
    assert res.stats["loaded"] == 2
    assert res.stats["rejected"] == 1  # Orphan: no organisation
    assert res.stats["files_rejected"] == 2  # broken YAML, CI file
    problems = dict(zip(res.rejects["file"].map(lambda p: Path(p).name), res.rejects["problem"]))
    assert "line 2 column 1" in problems["c.yml"] and "YAML" in problems["c.yml"]
    assert "publiccodeYmlVersion" in problems["ci.yml"]
    assert "organisation" in problems["noorg.yml"]

    t = res.table
    _canonical(t)
    assert t["system_id"].is_unique
    pay = t[t["system_name"] == "PayFlow"].set_index("ministry")
    # one row per user organisation
    assert sorted(pay.index) == ["Ministry of Finance", "Ministry of Health"]
    row = pay.loc["Ministry of Health"]
    assert row["category"] == "payroll"  # first mappable, whistleblowing skipped
    assert row["categories_raw"] == "whistleblowing; payroll; accounting"
    assert row["licence"] == "AGPL-3.0-or-later"
    assert row["ip_owner"] == "government"
    assert row["source_code_access"] == "public-repo"
    assert row["proprietary_dependencies"] == "replaceable"
    assert row["maintained"] == True  # noqa: E712
    assert row["vendor"] == "Acme Srl"
    assert row["localised"] == True  # noqa: E712
    assert row["documentation"] == "complete"
    assert row["software_type"] == "standalone/web"
    assert row["description"] == "Payroll for civil servants"
    # maintenance contacts are personal data: never copied
    flat = " ".join(t.astype("string").fillna("").to_numpy().ravel())
    assert "Jane Doe" not in flat and "jane@example.org" not in flat

    tiny = t[t["system_name"] == "Tiny Tool"].iloc[0]
    assert tiny["ministry"] == "Acme Corp"  # no usedBy: owner
    assert tiny["category"] == "other"  # categories given, none ours
    assert pd.isna(tiny["licence"])  # invalid SPDX -> NA, with a warning
    assert pd.isna(tiny["ip_owner"])  # a company: not assumed
    assert tiny["proprietary_dependencies"] == "hard"
    assert tiny["maintained"] == False  # noqa: E712
    assert tiny["localised"] == False  # noqa: E712
    assert tiny["documentation"] == "basic"
    assert tiny["description"] == "Piccolo strumento"
    assert "NOT-A-LICENCE" in res.warnings["value"].tolist()


def test_publiccode_single_file_without_dependson(tmp_path):
    f = tmp_path / "publiccode.yml"
    f.write_text(PC_FULL.split("dependsOn:")[0], encoding="utf-8")
    res = read_publiccode(f)
    assert res.stats["loaded"] == 1 and len(res.table) == 2
    assert res.table["proprietary_dependencies"].isna().all()  # not declared: unknown
    assert (res.table["source_file"] == str(f)).all()
    assert (res.table["source_row"] == 1).all()


def _project(tmp_path: Path, catalogues: list[str]):
    from ospo_analytics._config import load_config

    (tmp_path / "ospo.toml").write_text(
        "[inputs]\ninventory = []\nprocurement = []\nquestionnaire = []\n"
        f"catalogues = {json.dumps(catalogues)}\ndemo_if_missing = false\n",
        encoding="utf-8",
    )
    return load_config(root=tmp_path)


def test_a_folder_of_catalogues_loads_through_the_loader(tmp_path):
    # "is a folder, not a file": the README's documented input was unusable.
    from ospo_analytics._load import read_inventory

    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "publiccode.yml").write_text(
        'publiccodeYmlVersion: "0.4"\nname: PayFlow\nusedBy: [Ministry of Finance]\n',
        encoding="utf-8",
    )
    (cat / "code.json").write_text(
        json.dumps({"agency": "SSA", "releases": [{"name": "Cat"}]}), encoding="utf-8"
    )
    cfg = _project(tmp_path, ["cat"])
    res = read_inventory(cfg.input_paths("catalogues"), cfg)
    assert sorted(res.table["system_id"]) == ["ministry-of-finance-payflow", "ssa-cat"]
    assert res.files[["rows_read", "loaded", "rejected"]].sum().tolist() == [2, 2, 0]


def test_odd_catalogue_shapes_load_or_say_why(tmp_path):
    # contractors: 5 and proprietary: true stopped the whole file with a
    # TypeError; a licence given as a list (or an object in code.json) was
    # dropped without a word.
    a = tmp_path / "a.publiccode.yml"
    a.write_text(
        'publiccodeYmlVersion: "0.4"\nname: Alpha\nusedBy: [M, m, M]\n'
        "legal: {license: [MIT]}\nmaintenance: {type: contract, contractors: 5}\n"
        "dependsOn: {proprietary: true}\n",
        encoding="utf-8",
    )
    res = read_publiccode(a)
    assert len(res.rejects) == 0 and len(res.table) == 1  # "M" used it once
    row = res.table.iloc[0]
    assert row["licence"] == "MIT" and row["proprietary_dependencies"] == "hard"
    c = tmp_path / "code.json"
    c.write_text(
        json.dumps(
            {"agency": "SSA", "releases": [
                {"name": "Cat", "permissions": {"licenses": {"name": "MIT"}}},
                {"name": "Dog", "permissions": {"licenses": [{"name": "MIT"}]}, "tags": 5},
            ]}
        ),
        encoding="utf-8",
    )  # fmt: skip
    res = read_codejson(c)
    assert res.table["licence"].tolist()[:1] == ["MIT"] and res.stats["read"] == 2


def test_catalogue_rows_rejected_later_leave_the_load_report_adding_up(tmp_path):
    from ospo_analytics._load import read_inventory

    for name in ("x.json", "y.json"):
        (tmp_path / name).write_text(
            json.dumps({"agency": "SSA", "releases": [{"name": "Alpha"}]}), encoding="utf-8"
        )
    cfg = _project(tmp_path, ["x.json", "y.json"])
    res = read_inventory(cfg.input_paths("catalogues"), cfg)
    f = res.files.set_index(res.files["file"].astype(str).str.rsplit("/", n=1).str[-1])
    assert f.loc["y.json", ["rows_read", "loaded", "rejected"]].tolist() == [1, 0, 1]
    assert (res.rejects["problem"].str.startswith("duplicate system_id")).sum() == 1


def test_a_codejson_10_licence_with_a_slash_is_names_not_a_url(tmp_path):
    # "BSD-3-Clause / MIT" was taken for a URL (it holds a "/") and left unknown.
    c = tmp_path / "code.json"
    c.write_text(
        json.dumps({"agency": "X", "projects": [
            {"name": "A", "license": "BSD-3-Clause / MIT"},
            {"name": "B", "license": "https://opensource.org/licenses/MIT"},
        ]}),
        encoding="utf-8",
    )  # fmt: skip
    assert read_codejson(c).table["licence"].tolist() == ["BSD-3-Clause OR MIT", "MIT"]
