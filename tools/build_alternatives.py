"""Build ``ospo_analytics/data/alternatives.csv`` from the DPG registry + a curated list.

Run from the repository root::

    .venv/bin/python tools/build_alternatives.py [--realdata ../shared/realdata]

The output is deterministic (sorted), so a re-run with unchanged inputs gives a
byte-identical file. Sources and licences of the inputs are described in
``ospo_analytics/data/ALTERNATIVES_SOURCES.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "ospo_analytics" / "data" / "alternatives.csv"
NOMINEES = "inventory/dpga/dpga_nominees.redacted.jsonl"
SCREENING = "inventory/dpga/dpga_digitalpublicgoods_screening.redacted.jsonl"

# Date the curated list and the category mapping were last reviewed.
AS_OF = "2026-11-26"

COLUMNS = ("category", "name", "licence", "url", "is_dpg", "deployed_countries", "source", "as_of")

# DPG registry product name -> our functional categories. Hand-reviewed: the
# registry's `sectors` are too coarse (e.g. "Health" covers VR therapy apps),
# so only products whose main function is one of our categories are listed.
DPG_CATEGORIES: dict[str, tuple[str, ...]] = {
    "ERPNext": ("erp", "finance"),
    "iHRIS": ("hr",),
    "Moodle LMS": ("education-lms",),
    "Kolibri": ("education-lms",),
    "Sunbird Lern": ("education-lms",),
    "Modular Open Source Identity Platform": ("identity",),
    "OpenCRVS": ("civil-registration",),
    "OpenG2P": ("social-protection",),
    "openIMIS": ("social-protection",),
    "OpenSPP": ("social-protection",),
    "Mojaloop": ("payments",),
    "X-Road": ("data-exchange",),
    "OpenFn Integration Toolkit": ("data-exchange",),
    "OpenHIM": ("data-exchange",),
    "DHIS2": ("health-information",),
    "OpenMRS": ("health-information",),
    "Bahmni": ("health-information",),
    "GNU Health": ("health-information",),
    "OpenELIS Global": ("health-information",),
    "OpenSRP": ("health-information",),
    "Community Health Toolkit": ("health-information",),
    "Surveillance Outbreak Response Management and Analysis System": ("health-information",),
    "OpenLMIS": ("health-information",),
    "KoBoToolbox": ("data-collection",),
    "ODK": ("data-collection",),
    "CommCare": ("data-collection",),
    "Open Foris Collect": ("data-collection",),
    "RapidPro": ("messaging",),
    "Glific": ("messaging",),
    "Primero": ("case-management",),
    "Aam Digital": ("case-management",),
    "TruBudget": ("finance",),
}

# Display names for registry products better known by their acronym.
DISPLAY_NAMES = {
    "Modular Open Source Identity Platform": "MOSIP (Modular Open Source Identity Platform)",
    "Surveillance Outbreak Response Management and Analysis System": "SORMAS",
}

# Curated entries not (or not under this name) in the DPG registry. Licences
# are SPDX ids checked against each project's own licence notices; left blank
# where "-only" vs "-or-later" (or the licence itself) could not be confirmed.
CURATED: tuple[tuple[str, str, str, str], ...] = (
    # (category, name, licence, url)
    ("erp", "Odoo (Community)", "LGPL-3.0-only", "https://github.com/odoo/odoo"),
    ("hr", "OrangeHRM", "GPL-3.0-or-later", "https://github.com/orangehrm/orangehrm"),
    ("hr", "Frappe HR (ERPNext HRMS)", "", "https://github.com/frappe/hrms"),
    ("payroll", "Frappe HR (ERPNext HRMS)", "", "https://github.com/frappe/hrms"),
    ("identity", "Keycloak", "Apache-2.0", "https://www.keycloak.org/"),
    ("document-management", "Nextcloud", "AGPL-3.0-or-later", "https://nextcloud.com/"),
    ("document-management", "Alfresco Community Edition", "", "https://github.com/Alfresco"),
    ("document-management", "Mayan EDMS", "", "https://www.mayan-edms.com/"),
    ("messaging", "Matrix (Synapse)", "AGPL-3.0-only", "https://github.com/element-hq/synapse"),
    ("help-desk", "Zammad", "", "https://zammad.org/"),
    ("help-desk", "osTicket", "", "https://osticket.com/"),
    ("crm", "SuiteCRM", "AGPL-3.0-only", "https://suitecrm.com/"),
    ("crm", "CiviCRM", "", "https://civicrm.org/"),
    ("website-cms", "Drupal", "GPL-2.0-or-later", "https://www.drupal.org/"),
    ("website-cms", "WordPress", "GPL-2.0-or-later", "https://wordpress.org/"),
    ("website-cms", "Decidim", "", "https://decidim.org/"),
    ("gis", "QGIS", "GPL-2.0-or-later", "https://qgis.org/"),
    ("gis", "GeoNode", "GPL-3.0-or-later", "https://geonode.org/"),
    ("analytics-bi", "Apache Superset", "Apache-2.0", "https://superset.apache.org/"),
    ("analytics-bi", "Metabase", "", "https://www.metabase.com/"),
    ("collaboration", "Nextcloud", "AGPL-3.0-or-later", "https://nextcloud.com/"),
    ("collaboration", "Jitsi Meet", "Apache-2.0", "https://jitsi.org/"),
    # procurement, tax-revenue: no credible open-source product known; left empty.
)


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _licence(entry: dict) -> str:
    # Several licences (code + content) -> one SPDX "AND" expression, order kept.
    ids = [lic.get("spdx", "").strip() for lic in entry.get("license") or []]
    return " AND ".join(dict.fromkeys(i for i in ids if i))


def build(realdata: Path) -> list[dict[str, str]]:
    """Return the catalogue rows (sorted by category, name)."""
    nominees = {e["name"]: e for e in _read_jsonl(realdata / NOMINEES)}
    screening = {Path(e["_source_path"]).name: e for e in _read_jsonl(realdata / SCREENING)}
    missing = sorted(set(DPG_CATEGORIES) - set(nominees))
    if missing:
        raise SystemExit(f"DPG registry has no product named {missing}")
    rows: list[dict[str, str]] = []
    for name, cats in DPG_CATEGORIES.items():
        entry = nominees[name]
        screen = screening.get(Path(entry["_source_path"]).name, {})
        countries = (screen.get("locations") or {}).get("deploymentCountries") or []
        for cat in cats:
            rows.append(
                {
                    "category": cat,
                    "name": DISPLAY_NAMES.get(name, name),
                    "licence": _licence(entry),
                    "url": entry.get("website", "").strip(),
                    "is_dpg": str(entry.get("stage") == "DPG"),
                    "deployed_countries": "; ".join(
                        sorted({c.strip() for c in countries if c.strip()})
                    ),
                    "source": f"DPG registry {entry['_source_path']}",
                    "as_of": AS_OF,
                }
            )
    for cat, name, licence, url in CURATED:
        rows.append(
            {
                "category": cat,
                "name": name,
                "licence": licence,
                "url": url,
                "is_dpg": "False",
                "deployed_countries": "",
                "source": "curated",
                "as_of": AS_OF,
            }
        )
    rows.sort(key=lambda r: (r["category"], r["name"].casefold()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("OSPO_REALDATA", str(ROOT.parent / "shared" / "realdata"))
    parser.add_argument("--realdata", type=Path, default=Path(default))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = build(args.realdata)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
