"""Tests for the shipped open-source / DPG alternatives catalogue."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from license_expression import get_spdx_licensing

from ospo_analytics._clean.schema import CATEGORIES
from ospo_analytics._score.alternatives import CATALOGUE_AS_OF, alternatives_for, load_alternatives

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("OSPO_REALDATA", REPO.parent / "shared" / "realdata"))
DPGA = REALDATA / "inventory" / "dpga" / "dpga_nominees.redacted.jsonl"

MUST_HAVE = {
    "erp": ["ERPNext", "Odoo"],
    "hr": ["iHRIS", "OrangeHRM"],
    "education-lms": ["Moodle"],
    "identity": ["MOSIP", "Keycloak"],
    "civil-registration": ["OpenCRVS"],
    "social-protection": ["OpenG2P", "openIMIS"],
    "payments": ["Mojaloop"],
    "data-exchange": ["X-Road"],
    "health-information": ["DHIS2", "OpenMRS"],
    "data-collection": ["KoBoToolbox", "ODK"],
    "document-management": ["Nextcloud"],
    "messaging": ["RapidPro"],
    "help-desk": ["Zammad", "osTicket"],
    "crm": ["SuiteCRM", "CiviCRM"],
    "website-cms": ["Drupal", "WordPress"],
    "gis": ["QGIS"],
    "analytics-bi": ["Apache Superset", "Metabase"],
    "collaboration": ["Nextcloud", "Jitsi"],
}


@pytest.fixture(scope="module")
def cat():
    return load_alternatives()


def test_columns_and_categories(cat):
    assert list(cat.columns) == [
        "category",
        "name",
        "licence",
        "url",
        "is_dpg",
        "deployed_countries",
        "source",
        "as_of",
    ]
    assert len(cat) > 0
    assert cat["category"].notna().all() and cat["name"].notna().all()
    assert set(cat["category"]) <= set(CATEGORIES)
    assert not cat.duplicated(["category", "name"]).any()


def test_licences_are_spdx(cat):
    licensing = get_spdx_licensing()
    for lic in cat["licence"].dropna():
        info = licensing.validate(lic)
        assert not info.errors, (lic, info.errors)
    # no proprietary products sneak in
    assert not cat["licence"].dropna().str.contains("LicenseRef", regex=False).any()


def test_no_personal_data_in_file():
    text = (REPO / "ospo_analytics" / "data" / "alternatives.csv").read_text(encoding="utf-8")
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)
    # phone numbers (ISO dates excluded: they are the as_of column)
    no_dates = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "", text)
    assert not re.search(r"\+?\d[\d ()-]{8,}\d", no_dates)
    header = next(csv.reader([text.splitlines()[0]]))
    assert not {"contact", "email", "phone", "person"} & {h.lower() for h in header}


def test_as_of_and_sources(cat):
    assert cat["as_of"].notna().all()
    assert (pd.to_datetime(cat["as_of"], format="%Y-%m-%d") <= pd.Timestamp.now()).all()
    assert cat["as_of"].max() == CATALOGUE_AS_OF
    assert cat["source"].str.match(r"^(curated|DPG registry \S+\.json)$").all()
    assert (REPO / "ospo_analytics" / "data" / "ALTERNATIVES_SOURCES.md").is_file()
    # only registry rows can be DPGs
    assert not cat.loc[cat["source"] == "curated", "is_dpg"].any()


@pytest.mark.parametrize(("category", "names"), sorted(MUST_HAVE.items()))
def test_must_have_entries(cat, category, names):
    present = cat.loc[cat["category"] == category, "name"].tolist()
    for name in names:
        assert any(name.lower() in p.lower() for p in present), (category, name, present)


def test_procurement_and_tax_not_invented(cat):
    assert not (cat["category"] == "procurement").any()
    assert not (cat["category"] == "tax-revenue").any()


def test_registry_rows_match_registry(cat):
    if not DPGA.is_file():
        pytest.skip(f"DPG registry not found at {DPGA} (set OSPO_REALDATA)")
    reg = {}
    for line in DPGA.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        reg[e["_source_path"]] = e
    rows = cat[cat["source"].str.startswith("DPG registry")]
    assert len(rows) > 0
    for _, r in rows.iterrows():
        e = reg[r["source"].removeprefix("DPG registry ")]
        assert bool(r["is_dpg"]) == (e["stage"] == "DPG")
        spdx = [x["spdx"] for x in e["license"] if x.get("spdx")]
        assert set(r["licence"].split(" AND ")) == set(spdx)


def test_build_script_reproduces_shipped_file(tmp_path):
    if not DPGA.is_file():
        pytest.skip(f"DPG registry not found at {DPGA} (set OSPO_REALDATA)")
    spec = importlib.util.spec_from_file_location(
        "build_alt", REPO / "tools" / "build_alternatives.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = mod.build(REALDATA)
    shipped = list(
        csv.DictReader((REPO / "ospo_analytics/data/alternatives.csv").open(encoding="utf-8"))
    )
    assert rows == shipped
    assert mod.AS_OF == CATALOGUE_AS_OF


def test_alternatives_for():
    cats = pd.Series(["hr", None, "procurement", "not-a-code", "erp"], index=[10, 11, 12, 13, 14])
    out = alternatives_for(cats)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert "iHRIS" in out[10].split("; ")
    assert pd.isna(out[11])  # unknown category stays unknown
    assert out[12] == ""  # known category, nothing in the catalogue
    assert pd.isna(out[13])
    erp = out[14].split("; ")
    assert "ERPNext" in erp and erp == sorted(erp, key=str.casefold)


def test_load_alternatives_returns_copy_and_custom_path(tmp_path):
    a = load_alternatives()
    a.loc[:, "name"] = "changed"
    assert (load_alternatives()["name"] != "changed").all()
    f = tmp_path / "alt.csv"
    f.write_text(
        "category,name,licence,url,is_dpg,deployed_countries,source,as_of\n"
        "procurement,SomeTool,MIT,https://x.org,False,,curated,2025-01-01\n",
        encoding="utf-8",
    )
    assert alternatives_for(pd.Series(["procurement", "hr"]), path=f).tolist() == ["SomeTool", ""]
