"""Demo country generator: the fictional Republic of Tamarind.

:func:`write_demo` writes a deterministic, realistic country as *messy*
spreadsheet exports (title rows, varying header languages, vendor spellings,
mixed date and amount formats, missing cells and a few invalid rows), with
planted structure that the scoring should find. Everything planted is
returned in :class:`DemoInfo` so tests can check the loader and the scorer
against known answers.

The same seed gives byte-identical files: all randomness comes from one
``numpy.random.default_rng(seed)`` drawn in a fixed order, workbooks carry a
fixed creation date, and the CSV uses fixed ``\\r\\n`` line ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import xlsxwriter

COUNTRY = "Republic of Tamarind"
CURRENCY = "TTD"
YEARS = tuple(range(2020, 2026))
EXPORT_DATE = "2026-01-15"
# Fixed workbook metadata so the same seed gives the same bytes.
_CREATED = dt.datetime(2026, 1, 15, 9, 0, 0)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


# ---------------------------------------------------------------- result


@dataclass
class DemoInfo:
    """What :func:`write_demo` wrote and planted.

    Attributes
    ----------
    files : list of Path
        Every file written, sorted.
    ministries : list of str
        Canonical ministry names.
    n_systems : int
        Valid inventory rows (all required fields present).
    n_procurement_rows : int
        Procurement data rows written across all files (invalid ones included).
    planted_invalid : dict
        File name -> rows the loader must reject (a required field missing or
        unusable: no ministry, no supplier, amount "TBD", duplicate system id).
    planted_invalid_detail : dict
        File name -> {kind: count} for ``planted_invalid``.
    planted_bad_cells : dict
        File name -> rows kept but with one unusable optional cell (e.g. the
        impossible date "31/02/2021"): a warning, not a rejection.
    dominant_vendors : dict
        Ministry -> canonical vendor taking > 70 % of its IT spend.
    direct_award_chains : list of str
        System ids renewed by direct award to the same vendor every year
        2020-2025.
    open_source_systems : list of str
        System ids under an open-source licence (government-owned code or
        third-party OSS).
    saas_no_export : list of str
        Proprietary SaaS hosted abroad with no data export (the red flag).
    single_bid_contracts : list of str
        Contract ids of competitive awards that received a single bid.
    shared_categories : dict
        Category code -> system ids, for cross-cutting functions bought
        separately by many ministries from different vendors.
    hostile_text_systems : list of str
        System ids whose description looks like a formula or HTML.
    questionnaire_missing : list of str
        Ministries with no questionnaire sheet (readiness unknown).
    raw_codes : dict
        Column -> set of distinct raw strings written for that coded column.
    raw_code_map : dict
        Column -> {raw string: expected code} (SPDX id for ``licence``).
    vendor_spellings : dict
        Canonical vendor -> spellings used in the files.
    headers : dict
        File name -> {raw header: canonical column} as written.
    """

    files: list[Path]
    ministries: list[str]
    n_systems: int
    n_procurement_rows: int
    planted_invalid: dict[str, int]
    dominant_vendors: dict[str, str]
    direct_award_chains: list[str]
    open_source_systems: list[str]
    raw_codes: dict[str, set[str]]
    planted_invalid_detail: dict[str, dict[str, int]] = field(default_factory=dict)
    planted_bad_cells: dict[str, int] = field(default_factory=dict)
    saas_no_export: list[str] = field(default_factory=list)
    single_bid_contracts: list[str] = field(default_factory=list)
    shared_categories: dict[str, list[str]] = field(default_factory=dict)
    hostile_text_systems: list[str] = field(default_factory=list)
    questionnaire_missing: list[str] = field(default_factory=list)
    raw_code_map: dict[str, dict[str, str]] = field(default_factory=dict)
    vendor_spellings: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


# ---------------------------------------------------------------- ministries


@dataclass(frozen=True)
class _Ministry:
    name: str
    code: str
    slug: str
    lang: str  # header language of its own exports: en / es / fr
    maturity: float  # 0..1: drives open-source share and questionnaire answers
    missing: float  # share of unknown optional cells in its inventory
    domain: tuple[tuple[str, str, str], ...]  # (system name, category, product key)


# Data tables below are laid out by hand for reading.
# fmt: off
MINISTRIES: tuple[_Ministry, ...] = (
    _Ministry("Ministry of Finance", "FIN", "finance", "en", 0.35, 0.06, (
        ("Integrated Financial Management Information System", "finance", "oracle-ebs-fin"),
        ("Budget preparation", "finance", "oracle-hyperion"),
        ("Treasury single account", "payments", "oracle-treasury"),
        ("Public debt register", "finance", "prop-local"),
        ("Financial reporting dashboards", "analytics-bi", "oracle-analytics"),
    )),
    _Ministry("Ministry of Health", "HEA", "health", "en", 0.5, 0.10, (
        ("National health information system", "health-information", "dhis2"),
        ("Hospital information system", "health-information", "medicore-his"),
        ("Laboratory information system", "health-information", "medicore-lis"),
        ("Pharmacy supply chain", "erp", "medicore-pharm"),
        ("Immunisation registry", "health-information", "medicore-imm"),
    )),
    _Ministry("Ministry of Education", "EDU", "education", "en", 0.6, 0.10, (
        ("Virtual learning platform", "education-lms", "moodle"),
        ("Education management information system", "analytics-bi", "prop-local"),
        ("School census", "data-collection", "kobo"),
        ("Examination results portal", "website-cms", "custom"),
    )),
    _Ministry("Ministry of Interior", "INT", "interior", "en", 0.3, 0.12, (
        ("National identity register", "identity", "mosip"),
        ("Civil registration and vital statistics", "civil-registration", "opencrvs"),
        ("Passport issuance", "identity", "saas-foreign"),
        ("Police case management", "case-management", "caseflow"),
        ("Firearms licensing", "case-management", "custom"),
    )),
    _Ministry("Ministry of Justice", "JUS", "justice", "en", 0.4, 0.10, (
        ("Court case management", "case-management", "caseflow"),
        ("Electronic filing portal", "case-management", "prop-local"),
        ("Prison management", "case-management", "custom"),
        ("Legal aid registry", "crm", "suitecrm"),
    )),
    _Ministry("Ministry of Agriculture", "AGR", "agriculture", "es", 0.45, 0.14, (
        ("Farmer registry", "data-collection", "kobo"),
        ("Crop monitoring GIS", "gis", "qgis"),
        ("Input subsidy payments", "payments", "prop-local"),
        ("Veterinary surveillance", "data-collection", "odk"),
        ("Fisheries licensing", "case-management", "custom"),
    )),
    _Ministry("Ministry of Labour & Social Protection", "LAB", "labour", "en", 0.5, 0.10, (
        ("Social protection management information system", "social-protection", "openg2p"),
        ("Pension payments", "payments", "prop-local"),
        ("Employment services portal", "crm", "salesforce"),
        ("Labour inspection cases", "case-management", "custom"),
        ("Beneficiary registry", "social-protection", "openimis"),
    )),
    _Ministry("Ministry of Transport", "TPT", "transport", "en", 0.3, 0.12, (
        ("Vehicle registration", "other", "prop-local"),
        ("Driver licensing", "identity", "prop-local"),
        ("Road asset GIS", "gis", "qgis"),
        ("Port community system", "data-exchange", "saas-foreign"),
        ("Traffic fines payments", "payments", "custom"),
    )),
    _Ministry("Ministry of Foreign Affairs", "MFA", "foreign-affairs", "fr", 0.35, 0.15, (
        ("Consular case management", "case-management", "caseflow"),
        ("e-Visa", "case-management", "saas-foreign"),
        ("Diplomatic cable messaging", "messaging", "prop-local"),
        ("Treaty archive", "document-management", "custom"),
    )),
    _Ministry("Ministry of Environment", "ENV", "environment", "en", 0.55, 0.12, (
        ("Environmental permits", "case-management", "custom"),
        ("Air quality monitoring", "data-collection", "odk"),
        ("Protected areas GIS", "gis", "geonode"),
        ("Climate data portal", "analytics-bi", "ckan"),
    )),
    _Ministry("Ministry of Tourism & Culture", "TOU", "tourism", "en", 0.25, 0.35, (
        ("Tourism statistics", "analytics-bi", "saas-foreign"),
        ("Hotel licensing", "case-management", "prop-local"),
        ("National museum collections", "other", "custom"),
        ("Visit Tamarind website", "website-cms", "wordpress"),
    )),
    _Ministry("Ministry of Digital Transformation", "DIG", "digital", "en", 0.9, 0.03, (
        ("Government data exchange", "data-exchange", "xroad"),
        ("Government single sign-on", "identity", "keycloak"),
        ("Government services portal", "website-cms", "drupal"),
        ("Government file sharing", "collaboration", "nextcloud"),
        ("Government payments gateway", "payments", "gov-oss"),
        ("Open data portal", "analytics-bi", "ckan"),
    )),
    _Ministry("Tamarind Revenue Authority", "TRA", "revenue", "en", 0.4, 0.08, (
        ("Integrated tax administration system", "tax-revenue", "sap-tax"),
        ("Customs management system", "tax-revenue", "sap-customs"),
        ("Taxpayer e-filing portal", "tax-revenue", "sap-efiling"),
        ("Taxpayer registry", "identity", "sap-mdg"),
        ("Revenue analytics", "analytics-bi", "sap-bo"),
    )),
)

# Planted: one vendor takes most of these ministries' IT spend.
DOMINANT = {
    "Ministry of Finance": "Oracle Corporation",
    "Ministry of Health": "MediCore Health Systems Inc.",
    "Tamarind Revenue Authority": "SAP SE",
}
# This ministry publishes through its own legacy e-procurement system (CSV).
CSV_MINISTRY = "Ministry of Transport"
# No questionnaire sheet came back from these.
QUESTIONNAIRE_MISSING = ("Ministry of Tourism & Culture", "Ministry of Transport")

# ---------------------------------------------------------------- vendors

VENDOR_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Oracle Corporation": ("Oracle Corporation", "Oracle Corp.", "ORACLE CORPORATION",
                           "Oracle Corporation Ltd"),
    "SAP SE": ("SAP SE", "SAP S.E.", "SAP"),
    "Microsoft Corporation": ("Microsoft Corporation", "Microsoft Corp.", "MICROSOFT CORPORATION"),
    "IBM Corporation": ("IBM Corporation", "IBM Corp.", "I.B.M. Corporation"),
    "Huawei Technologies Co., Ltd.": ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES",
                                      "Huawei Technologies Co Ltd"),
    "Cisco Systems, Inc.": ("Cisco Systems, Inc.", "CISCO SYSTEMS", "Cisco Systems Inc"),
    "Dell Technologies": ("Dell Technologies", "DELL TECHNOLOGIES", "Dell Technologies Inc."),
    "HP Inc.": ("HP Inc.", "HP INC", "HP Inc"),
    "Tata Consultancy Services": ("Tata Consultancy Services", "TATA CONSULTANCY SERVICES LTD",
                                  "Tata Consultancy Services Ltd."),
    "Salesforce, Inc.": ("Salesforce, Inc.", "SALESFORCE INC", "Salesforce Inc."),
    "ServiceNow, Inc.": ("ServiceNow, Inc.", "SERVICENOW INC", "ServiceNow Inc"),
    "OpenText Corporation": ("OpenText Corporation", "OPENTEXT CORPORATION", "OpenText Corp."),
    "MediCore Health Systems Inc.": ("MediCore Health Systems Inc.", "MEDICORE HEALTH SYSTEMS INC",
                                     "Medicore Health Systems Inc"),
    "PayWave Global Ltd": ("PayWave Global Ltd", "PAYWAVE GLOBAL LTD", "PayWave Global Limited"),
    "DocuVault Cloud LLC": ("DocuVault Cloud LLC", "DOCUVAULT CLOUD LLC", "DocuVault Cloud, LLC"),
    "CaseFlow Software Inc.": ("CaseFlow Software Inc.", "CASEFLOW SOFTWARE INC",
                               "CaseFlow Software Inc"),
    "Coral Bay IT Services": ("Coral Bay IT Services", "CORAL BAY IT SERVICES",
                              "Coral Bay IT Services Ltd"),
    "Pelican Digital Ltd": ("Pelican Digital Ltd", "PELICAN DIGITAL LTD", "Pelican Digital Limited"),
    "Mango Grove Consulting": ("Mango Grove Consulting", "MANGO GROVE CONSULTING",
                               "Mango Grove Consulting Ltd"),
    "Island Networks Ltd": ("Island Networks Ltd", "ISLAND NETWORKS LTD", "Island Networks Limited"),
    "Kingfisher Software Ltd": ("Kingfisher Software Ltd", "KINGFISHER SOFTWARE LTD",
                                "Kingfisher Software Limited"),
    "Tamarind Data Systems Ltd": ("Tamarind Data Systems Ltd", "TAMARIND DATA SYSTEMS LTD",
                                  "Tamarind Data Systems Limited"),
    "Savannah Systems Ltd": ("Savannah Systems Ltd", "SAVANNAH SYSTEMS LTD",
                             "Savannah Systems Limited"),
    "Systèmes Caraïbes SARL": ("Systèmes Caraïbes SARL", "SYSTÈMES CARAÏBES SARL",
                               "Systèmes Caraïbes S.A.R.L."),
    "Island Builders Ltd": ("Island Builders Ltd", "ISLAND BUILDERS LTD"),
    "Harbour Office Furniture Ltd": ("Harbour Office Furniture Ltd",
                                     "HARBOUR OFFICE FURNITURE LTD"),
}
_LOCAL = ("Coral Bay IT Services", "Pelican Digital Ltd", "Mango Grove Consulting",
          "Island Networks Ltd", "Kingfisher Software Ltd", "Tamarind Data Systems Ltd",
          "Savannah Systems Ltd", "Systèmes Caraïbes SARL")
_HARDWARE = ("Dell Technologies", "HP Inc.", "Cisco Systems, Inc.",
             "Huawei Technologies Co., Ltd.")
_CONSULTING = ("Tata Consultancy Services", "IBM Corporation", "Coral Bay IT Services",
               "Mango Grove Consulting", "Island Networks Ltd", "Pelican Digital Ltd")
_NON_IT = ("Island Builders Ltd", "Harbour Office Furniture Ltd")

# ---------------------------------------------------------------- products

# key -> (product label, vendor canonical or "" for a local implementer, archetype, licence)
# Archetypes: gov-oss (government-owned open code), oss (third-party open source),
# custom (government-owned closed), onprem (proprietary, government hosted),
# local-cloud (vendor cloud in country), saas (proprietary SaaS hosted abroad).
PRODUCTS: dict[str, tuple[str, str, str, str]] = {
    "oracle-ebs-fin": ("Oracle E-Business Suite Financials", "Oracle Corporation", "onprem",
                       "Proprietary"),
    "oracle-hyperion": ("Oracle Hyperion Planning", "Oracle Corporation", "onprem", "Proprietary"),
    "oracle-treasury": ("Oracle Treasury", "Oracle Corporation", "onprem", "Commercial"),
    "oracle-analytics": ("Oracle Analytics Cloud", "Oracle Corporation", "saas", "Proprietary"),
    "oracle-hcm": ("Oracle PeopleSoft HCM", "Oracle Corporation", "onprem", "Proprietary"),
    "oracle-payroll": ("Oracle E-Business Suite Payroll", "Oracle Corporation", "onprem",
                       "Proprietary"),
    "oracle-proc": ("Oracle iProcurement", "Oracle Corporation", "onprem", "Proprietary"),
    "sap-tax": ("SAP Tax and Revenue Management", "SAP SE", "onprem", "Proprietary"),
    "sap-customs": ("SAP Global Trade Services", "SAP SE", "onprem", "Proprietary"),
    "sap-efiling": ("SAP e-Filing portal", "SAP SE", "local-cloud", "Proprietary"),
    "sap-mdg": ("SAP Master Data Governance", "SAP SE", "onprem", "Commercial"),
    "sap-bo": ("SAP BusinessObjects", "SAP SE", "onprem", "Proprietary"),
    "sap-hr": ("SAP SuccessFactors", "SAP SE", "saas", "Proprietary"),
    "sap-payroll": ("SAP Payroll", "SAP SE", "onprem", "Proprietary"),
    "sap-fin": ("SAP S/4HANA Finance", "SAP SE", "onprem", "Proprietary"),
    "medicore-his": ("MediCore HIS", "MediCore Health Systems Inc.", "saas", "Proprietary"),
    "medicore-lis": ("MediCore LIS", "MediCore Health Systems Inc.", "saas", "Proprietary"),
    "medicore-pharm": ("MediCore Pharmacy", "MediCore Health Systems Inc.", "saas",
                       "Proprietary"),
    "medicore-imm": ("MediCore Immunize", "MediCore Health Systems Inc.", "saas", "Proprietary"),
    "medicore-hr": ("MediCore Workforce", "MediCore Health Systems Inc.", "saas", "Proprietary"),
    "caseflow": ("CaseFlow", "CaseFlow Software Inc.", "saas", "Proprietary"),
    "salesforce": ("Salesforce Public Sector", "Salesforce, Inc.", "saas", "Proprietary"),
    "saas-foreign": ("GovCloud Suite", "IBM Corporation", "saas", "Proprietary"),
    "prop-local": ("", "", "onprem", "Proprietary"),
    "custom": ("", "", "custom", "Proprietary"),
    "gov-oss": ("", "", "gov-oss", ""),
    "dhis2": ("DHIS2", "", "oss", "BSD-3-Clause"),
    "moodle": ("Moodle", "", "oss", "GPL v3"),
    "kobo": ("KoBoToolbox", "", "oss", "AGPL v3"),
    "odk": ("ODK Central", "", "oss", "Apache 2.0"),
    "mosip": ("MOSIP", "", "oss", "MPL 2.0"),
    "opencrvs": ("OpenCRVS", "", "oss", "MPL 2.0"),
    "openg2p": ("OpenG2P", "", "oss", "MPL 2.0"),
    "openimis": ("openIMIS", "", "oss", "AGPL-3.0"),
    "suitecrm": ("SuiteCRM", "", "oss", "AGPL-3.0"),
    "qgis": ("QGIS Server", "", "oss", "GPL v2"),
    "geonode": ("GeoNode", "", "oss", "GPL v3"),
    "ckan": ("CKAN", "", "oss", "AGPL-3.0"),
    "wordpress": ("WordPress", "", "oss", "GPL v2"),
    "drupal": ("Drupal", "", "oss", "GPL v2"),
    "xroad": ("X-Road", "", "oss", "MIT License"),
    "keycloak": ("Keycloak", "", "oss", "Apache 2.0"),
    "nextcloud": ("Nextcloud", "", "oss", "AGPL-3.0"),
    "odoo": ("Odoo", "", "oss", "LGPL-3.0"),
    "erpnext": ("ERPNext", "", "oss", "GPL v3"),
    "ihris": ("iHRIS", "", "oss", "GPL v3"),
    "alfresco": ("Alfresco Community", "", "oss", "LGPL-3.0"),
    "zammad": ("Zammad", "", "oss", "AGPL-3.0"),
    "glpi": ("GLPI", "", "oss", "GPL v3"),
    "metabase": ("Metabase", "", "oss", "AGPL-3.0"),
    "superset": ("Apache Superset", "", "oss", "Apache 2.0"),
    "zabbix": ("Zabbix", "", "oss", "AGPL-3.0"),
    "ms365": ("Microsoft 365", "Microsoft Corporation", "saas", "Proprietary"),
    "sharepoint": ("SharePoint Online", "Microsoft Corporation", "saas", "Proprietary"),
    "powerbi": ("Power BI", "Microsoft Corporation", "saas", "Proprietary"),
    "dynamics": ("Dynamics 365", "Microsoft Corporation", "saas", "Proprietary"),
    "servicenow": ("ServiceNow", "ServiceNow, Inc.", "saas", "Proprietary"),
    "opentext": ("OpenText Content Server", "OpenText Corporation", "onprem", "Proprietary"),
    "docuvault": ("DocuVault", "DocuVault Cloud LLC", "saas", "Proprietary"),
    "paywave": ("PayWave Cloud Payroll", "PayWave Global Ltd", "saas", "Proprietary"),
    "hrpro": ("HRPro", "Kingfisher Software Ltd", "onprem", "Commercial"),
    "workforce": ("Workforce 360", "Tamarind Data Systems Ltd", "local-cloud", "Commercial"),
    "paymaster": ("PayMaster", "Savannah Systems Ltd", "onprem", "Commercial"),
    "finsuite": ("FinSuite", "Savannah Systems Ltd", "local-cloud", "Commercial"),
    "records": ("Records Manager", "Kingfisher Software Ltd", "onprem", "Commercial"),
    "etender": ("e-Tender", "Tamarind Data Systems Ltd", "local-cloud", "Commercial"),
    "helppoint": ("HelpPoint", "Kingfisher Software Ltd", "onprem", "Commercial"),
    "sitebuilder": ("SiteBuilder Pro", "Tamarind Data Systems Ltd", "local-cloud", "Commercial"),
    "cisco-dna": ("Cisco DNA Center", "Cisco Systems, Inc.", "onprem", "Proprietary"),
    "dell-backup": ("Dell PowerProtect", "Dell Technologies", "onprem", "Proprietary"),
    "huawei-esight": ("Huawei eSight", "Huawei Technologies Co., Ltd.", "onprem", "Proprietary"),
    "gov-payroll": ("GovPay", "", "gov-oss", "EUPL 1.2"),
    "gov-hr": ("GovHR", "", "gov-oss", "EUPL 1.2"),
}

# Cross-cutting functions each ministry buys on its own: (label, category, products, p).
CROSS_CUTTING_SLOTS: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("Human resources management", "hr",
     ("sap-hr", "hrpro", "workforce", "ihris", "odoo", "gov-hr", "oracle-hcm"), 0.95),
    ("Payroll", "payroll",
     ("paywave", "paymaster", "sap-payroll", "odoo", "gov-payroll", "oracle-payroll"), 0.95),
    ("Document management", "document-management",
     ("docuvault", "opentext", "sharepoint", "records", "alfresco", "nextcloud"), 0.95),
    ("Accounting", "finance", ("finsuite", "odoo", "erpnext", "sap-fin"), 0.55),
    ("Email and collaboration", "collaboration", ("ms365", "nextcloud"), 0.8),
    ("IT service desk", "help-desk", ("servicenow", "zammad", "glpi", "helppoint"), 0.6),
    ("Ministry website", "website-cms", ("wordpress", "drupal", "sitebuilder"), 0.8),
    ("Procurement planning", "procurement", ("etender", "odoo", "oracle-proc"), 0.35),
    ("Stakeholder CRM", "crm", ("dynamics", "suitecrm", "salesforce"), 0.35),
    ("Management dashboards", "analytics-bi", ("powerbi", "metabase", "superset"), 0.45),
    ("Network monitoring", "infrastructure", ("cisco-dna", "zabbix", "huawei-esight"), 0.5),
    ("Backup and storage", "infrastructure", ("dell-backup",), 0.4),
)
# What a dominated ministry's slots are forced to.
_DOMINANT_PRODUCTS = {
    "Oracle Corporation": {"hr": "oracle-hcm", "payroll": "oracle-payroll",
                           "procurement": "oracle-proc", "analytics-bi": "oracle-analytics"},
    "SAP SE": {"hr": "sap-hr", "payroll": "sap-payroll", "finance": "sap-fin"},
    "MediCore Health Systems Inc.": {"hr": "medicore-hr"},
}
FILLERS: tuple[tuple[str, str], ...] = (
    ("Fleet management", "other"), ("Fixed asset register", "finance"),
    ("Staff intranet", "website-cms"), ("Library catalogue", "other"),
    ("Visitor management", "other"), ("Time and attendance", "hr"),
    ("Video conferencing", "collaboration"), ("Records digitisation", "document-management"),
    ("Complaints portal", "crm"), ("Stores inventory", "erp"), ("Project tracking", "other"),
    ("Training records", "hr"), ("Internal audit tracking", "case-management"),
    ("Budget monitoring", "finance"), ("Endpoint security", "infrastructure"),
    ("Legal register", "document-management"), ("Mobile field app", "data-collection"),
    ("Correspondence tracking", "document-management"), ("SMS notifications", "messaging"),
)

# ---------------------------------------------------------------- raw spellings

# code -> spellings a ministry would write (first is the most common).
RAW_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "category": {
        "hr": ("Human resources", "HR"), "payroll": ("Payroll",),
        "finance": ("Finance / accounting", "Accounting"), "erp": ("ERP",),
        "document-management": ("Document management", "Records management"),
        "procurement": ("Procurement",), "identity": ("Identity", "Identity management"),
        "help-desk": ("Help desk", "Service desk"), "crm": ("CRM",),
        "case-management": ("Case management",), "civil-registration": ("Civil registration",),
        "social-protection": ("Social protection",),
        "health-information": ("Health information",),
        "education-lms": ("Learning management", "LMS"), "tax-revenue": ("Tax & revenue",),
        "payments": ("Payments",), "data-exchange": ("Data exchange",),
        "data-collection": ("Data collection",), "gis": ("GIS", "GIS / mapping"),
        "messaging": ("Messaging",), "collaboration": ("Collaboration",),
        "website-cms": ("Website / CMS",), "analytics-bi": ("Analytics / BI",
                                                            "Business intelligence"),
        "infrastructure": ("Infrastructure",), "other": ("Other",),
    },
    "ip_owner": {"government": ("Government", "Gov"), "vendor": ("Vendor",),
                 "third-party": ("Third party",), "shared": ("Shared",)},
    "source_code_access": {"public-repo": ("Public repository", "Public repo"),
                           "gov-repo": ("Government repository", "Gov repo"),
                           "escrow": ("Escrow",), "none": ("None",)},
    "hosting": {"government": ("On-premise (Gov DC)", "Government data centre", "On-premise"),
                "third-party-in-country": ("Third-party hosting (in country)",),
                "vendor-cloud-in-country": ("Vendor cloud (in country)",),
                "foreign": ("SaaS – vendor cloud (US)", "Foreign SaaS")},
    "data_export": {"open-format": ("CSV/API", "Open format"),
                    "proprietary-format": ("Proprietary format",), "none": ("None",)},
    "proprietary_dependencies": {"none": ("None",), "replaceable": ("Replaceable",),
                                 "hard": ("Hard",)},
    "documentation": {"none": ("None",), "basic": ("Basic",), "complete": ("Complete",)},
    "criticality": {"low": ("Low",), "medium": ("Medium",), "high": ("High", "HIGH")},
    "method": {"open": ("Open tender",), "selective": ("Restricted tender",),
               "limited": ("Negotiated without publication",),
               "direct": ("Direct award", "Direct contracting")},
    "answer": {"yes": ("Yes",), "partly": ("Partly",), "no": ("No",),
               "unknown": ("Don't know",)},
    "bool": {"yes": ("Yes", "Y"), "no": ("No", "N")},
}
# Licence spelling -> the SPDX id the cleaner should produce.
LICENCE_SPDX = {
    "GPL v3": "GPL-3.0-only", "GPL v2": "GPL-2.0-only", "AGPL v3": "AGPL-3.0-only",
    "AGPL-3.0": "AGPL-3.0-only", "LGPL-3.0": "LGPL-3.0-only", "MIT License": "MIT",
    "Apache 2.0": "Apache-2.0", "BSD-3-Clause": "BSD-3-Clause", "EUPL 1.2": "EUPL-1.2",
    "MPL 2.0": "MPL-2.0", "Proprietary": "LicenseRef-proprietary",
    "Commercial": "LicenseRef-proprietary",
}
# ---------------------------------------------------------------- headers

# Inventory headers per language: canonical column -> spellings (all are
# aliases from _schema, compared after case/accent/punctuation folding).
_INV_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "system_id": ("System ID", "Asset ID", "System code"),
        "system_name": ("System name", "Application", "Application name"),
        "ministry": ("Ministry", "Agency", "Organisation"),
        "category": ("Category", "Function", "Functional category"),
        "description": ("Description", "Purpose", "Details"),
        "vendor": ("Vendor", "Supplier", "Main vendor"),
        "licence": ("Licence", "License", "Licence type"),
        "ip_owner": ("IP owner", "IP ownership", "Intellectual property"),
        "source_code_access": ("Source code access", "Source code", "Code access"),
        "hosting": ("Hosting", "Hosting model", "Deployment"),
        "data_location": ("Data location", "Data residency"),
        "data_export": ("Data export", "Data portability"),
        "interfaces_total": ("Interfaces", "Number of interfaces"),
        "interfaces_open": ("Open interfaces", "Interfaces (open standards)"),
        "proprietary_dependencies": ("Proprietary dependencies", "Dependencies"),
        "integrations": ("Integrations", "Number of integrations"),
        "documentation": ("Documentation", "Documentation level"),
        "in_house_capability": ("In-house capability", "In-house skills"),
        "qualified_suppliers": ("Qualified suppliers", "Number of suppliers"),
        "exit_clause": ("Exit clause",),
        "data_return_clause": ("Data return clause", "Data return"),
        "contract_end": ("Contract end", "Contract end date", "Expiry"),
        "annual_cost": ("Annual cost", "Yearly cost", "Cost per year"),
        "currency": ("Currency",),
        "users": ("Users", "Number of users"),
        "criticality": ("Criticality", "Business criticality"),
        "go_live_year": ("Go-live year", "Year deployed"),
        "configurable": ("Configurable", "Configurable / modular"),
        "localised": ("Localised", "Localized"),
        "maintained": ("Maintained", "Actively maintained"),
    },
    "es": {
        "system_id": ("ID sistema",), "system_name": ("Nombre del sistema",),
        "ministry": ("Ministerio",), "category": ("Categoría",),
        "description": ("Descripción",), "vendor": ("Proveedor",),
        "licence": ("Tipo de licencia",), "ip_owner": ("Propiedad intelectual",),
        "source_code_access": ("Código fuente",), "hosting": ("Alojamiento",),
        "data_location": ("Ubicación de datos",), "data_export": ("Exportación de datos",),
        "interfaces_total": ("Interfaces totales",), "interfaces_open": ("Interfaces abiertas",),
        "proprietary_dependencies": ("Dependencias propietarias",),
        "integrations": ("Integraciones",), "documentation": ("Documentación",),
        "in_house_capability": ("Capacidad interna",),
        "qualified_suppliers": ("Proveedores calificados",),
        "exit_clause": ("Cláusula de salida",), "data_return_clause": ("Devolución de datos",),
        "contract_end": ("Fin de contrato",), "annual_cost": ("Costo anual",),
        "currency": ("Moneda",), "users": ("Usuarios",), "criticality": ("Criticidad",),
        "go_live_year": ("Año de implementación",), "configurable": ("Configurable",),
        "localised": ("Localizado",), "maintained": ("Mantenido",),
    },
    "fr": {
        "system_id": ("Identifiant",), "system_name": ("Nom du système",),
        "ministry": ("Ministère",), "category": ("Catégorie",),
        "description": ("Description",), "vendor": ("Fournisseur",),
        "licence": ("Type de licence",), "ip_owner": ("Propriété intellectuelle",),
        "source_code_access": ("Accès au code",), "hosting": ("Hébergement",),
        "data_location": ("Localisation des données",), "data_export": ("Export des données",),
        "interfaces_total": ("Interfaces",), "interfaces_open": ("Interfaces ouvertes",),
        "proprietary_dependencies": ("Dépendances propriétaires",),
        "integrations": ("Intégrations",), "documentation": ("Documentation",),
        "in_house_capability": ("Compétences internes",),
        "qualified_suppliers": ("Fournisseurs qualifiés",),
        "exit_clause": ("Clause de sortie",), "data_return_clause": ("Restitution des données",),
        "contract_end": ("Fin du contrat",), "annual_cost": ("Coût annuel",),
        "currency": ("Devise",), "users": ("Utilisateurs",), "criticality": ("Criticité",),
        "go_live_year": ("Année de mise en service",), "configurable": ("Configurable",),
        "localised": ("Localisé",), "maintained": ("Maintenu",),
    },
}
_INV_ORDER = tuple(_INV_HEADERS["en"])
# A poorly kept register leaves out the technical columns entirely (unknown).
_INV_DROPPED = {"Ministry of Tourism & Culture": ("interfaces_total", "interfaces_open",
                                                  "proprietary_dependencies", "integrations",
                                                  "qualified_suppliers")}

_PROC_ORDER = ("ministry", "supplier", "amount", "currency", "award_date", "start_date",
               "end_date", "method", "tenderers", "system_id", "system_name", "contract_id",
               "description", "classification", "amendments", "original_amount",
               "brand_name_spec")
# Procurement header sets (the national portal changed its export twice).
_PROC_HEADERS: dict[str, tuple[str, ...]] = {
    "v1": ("Buyer", "Supplier", "Contract value", "Currency", "Award date", "Start date",
           "End date", "Procurement method", "Number of tenderers", "System ID", "System name",
           "Contract number", "Title", "CPV code", "Number of amendments", "Original value",
           "Brand name specification"),
    "v2": ("Procuring entity", "Vendor name", "Amount", "Curr", "Date signed", "Start", "End",
           "Procedure type", "Bids", "Asset ID", "Application", "Reference", "Subject", "CPV",
           "Amendments", "Initial value", "Brand name"),
    "v3": ("Contracting authority", "Awardee", "Award value", "Currency", "Contract date",
           "Start date", "End date", "Tender type", "Number of bids", "System code", "System",
           "Contract ID", "Description", "Classification code", "Number of amendments",
           "Original value", "Brand name"),
    "fr": ("Acheteur", "Fournisseur", "Montant", "Devise", "Date d'attribution",
           "Date de début", "Date de fin", "Mode de passation", "Soumissionnaires",
           "Identifiant système", "Système", "Référence du marché", "Objet", "Code CPV",
           "Avenants", "Montant initial", "Marque"),
}
_YEAR_HEADERS = {2020: "v1", 2021: "v1", 2022: "v2", 2023: "v2", 2024: "v3", 2025: "v3"}

# CPV codes: (code, description, sheet kind)
_CPV_LICENCE = (("48000000-8", "Software licences"), ("48400000-2", "Business software licences"),
                ("48600000-4", "Database software licences"))
_CPV_SERVICES = (("72267000-4", "Software maintenance and support"),
                 ("72260000-5", "Software-related services"),
                 ("72250000-2", "System and support services"),
                 ("72200000-7", "Software development and configuration"))
_CPV_GENERAL = (
    ("30213100-6", "Laptops", "Goods", _HARDWARE[:2]),
    ("30213000-5", "Desktop computers", "Goods", _HARDWARE[:2]),
    ("30232000-4", "Printers and peripherals", "Goods", _HARDWARE[:2]),
    ("30230000-0", "Network and computer equipment", "Goods", _HARDWARE[2:]),
    ("48760000-3", "Antivirus licences", "Goods", ("Microsoft Corporation", "Island Networks Ltd")),
    ("72700000-7", "Network services", "Services", ("Island Networks Ltd",) + _HARDWARE[2:]),
    ("72400000-4", "Internet connectivity", "Services", ("Island Networks Ltd",)),
    ("72600000-6", "IT consultancy", "Services", _CONSULTING),
    ("72500000-0", "Computer-related services", "Services", _CONSULTING[2:]),
)
_CPV_NON_IT = (("45000000-7", "Construction works", "Works", _NON_IT[:1]),
               ("45310000-3", "Electrical installation works", "Works", _NON_IT[:1]),
               ("39130000-2", "Office furniture", "Goods", _NON_IT[1:]))

# fmt: on

# Descriptions that must stay text in every output (formula / HTML injection).
_HOSTILE = (
    '=HYPERLINK("http://tamarind.example/x","update")',
    "<script>alert('tamarind')</script> legacy module",
    "+1 upgrade pending; @vendor to confirm",
)


# ---------------------------------------------------------------- helpers


class _Raw:
    """Records every raw spelling written for a coded column."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.used: dict[str, dict[str, str]] = {}

    def code(self, column: str, code: str | None, table: str | None = None) -> str | None:
        """Pick a spelling for ``code`` of ``column`` and record it."""
        if code is None:
            return None
        options = RAW_SPELLINGS[table or column][code]
        raw = (
            options[0]
            if len(options) == 1 or self.rng.random() < 0.7
            else options[int(self.rng.integers(1, len(options)))]
        )
        self.used.setdefault(column, {})[raw] = code
        return raw

    def bool(self, column: str, value: bool | None) -> str | None:
        if value is None:
            return None
        return self.code(column, "yes" if value else "no", table="bool")

    def licence(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        self.used.setdefault("licence", {})[raw] = LICENCE_SPDX[raw]
        return raw


def _spell(rng: np.random.Generator, vendor: str, used: dict[str, list[str]]) -> str:
    options = VENDOR_SPELLINGS[vendor]
    s = options[0] if rng.random() < 0.55 else options[int(rng.integers(1, len(options)))]
    seen = used.setdefault(vendor, [])
    if s not in seen:
        seen.append(s)
    return s


_T = TypeVar("_T")


def _na(v: _T) -> _T | None:
    """None for any missing marker (pandas turns None into NaN in text columns)."""
    # pandas-stubs: isna() of a scalar lists the scalar types (pandas takes any object).
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v  # type: ignore[call-overload]


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(0, len(seq)))]


def _date_cell(rng: np.random.Generator, d: dt.date) -> object:
    """A date as an export would hold it: date cell, d/m/Y text, ISO text or serial."""
    u = rng.random()
    if u < 0.4:
        return dt.datetime(d.year, d.month, d.day)
    if u < 0.65:
        return d.strftime("%d/%m/%Y")
    if u < 0.85:
        return d.isoformat()
    return (d - _EXCEL_EPOCH).days


def _money_cell(rng: np.random.Generator, x: float) -> object:
    return float(round(x, 2)) if rng.random() < 0.55 else f"TT${x:,.2f}"


def _euro_decimal(x: float, grouped: bool) -> str:
    s = f"{x:,.2f}" if grouped else f"{x:.2f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class _Book:
    """An xlsxwriter workbook with fixed metadata and typed cell writing."""

    def __init__(self, path: Path):
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "in_memory": True,
            },
        )
        self.wb.set_properties(
            {"created": _CREATED, "author": "Republic of Tamarind", "title": path.stem}
        )
        self.f_title = self.wb.add_format({"bold": True, "font_size": 13})
        self.f_head = self.wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.f_date = self.wb.add_format({"num_format": "dd/mm/yyyy"})
        self.f_money = self.wb.add_format({"num_format": "#,##0.00"})

    def sheet(self, name: str, title: str, header: list[str], rows: list[list[object]]) -> None:
        """Title row, blank row, header, data (cells typed by Python type)."""
        ws = self.wb.add_worksheet(name)
        ws.write_string(0, 0, title, self.f_title)
        for j, h in enumerate(header):
            ws.write_string(2, j, h, self.f_head)
            ws.set_column(j, j, max(10, min(40, len(h) + 4)))
        for i, row in enumerate(rows, start=3):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    # Always text: hostile strings must never become formulas.
                    ws.write_string(i, j, v)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(i, j, v, self.f_date)
                elif isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, float):
                    ws.write_number(i, j, v, self.f_money)
                else:
                    ws.write_number(i, j, v)
        ws.freeze_panes(3, 0)

    def close(self) -> None:
        self.wb.close()


# ---------------------------------------------------------------- systems


def _system_attrs(rng: np.random.Generator, arch: str, maturity: float) -> dict:
    """Canonical inventory attributes for an archetype (codes, not raw text)."""
    r = rng.random
    a: dict = {}
    if arch == "gov-oss":
        a.update(
            ip_owner="government",
            source_code_access="gov-repo" if r() < 0.7 else "public-repo",
            hosting="government",
            data_export="open-format",
            proprietary_dependencies="none" if r() < 0.7 else "replaceable",
            documentation="complete" if r() < 0.6 else "basic",
            in_house_capability=True,
            qualified_suppliers=int(rng.integers(2, 7)),
            data_location="Tamarind",
        )
    elif arch == "oss":
        a.update(
            ip_owner="third-party",
            source_code_access="public-repo",
            hosting="government" if r() < 0.7 else "third-party-in-country",
            data_export="open-format",
            proprietary_dependencies="none" if r() < 0.6 else "replaceable",
            documentation="complete" if r() < 0.7 else "basic",
            in_house_capability=bool(r() < 0.3 + 0.5 * maturity),
            qualified_suppliers=int(rng.integers(2, 9)),
            data_location="Tamarind",
        )
    elif arch == "custom":
        a.update(
            ip_owner="government" if r() < 0.6 else "shared",
            source_code_access="escrow" if r() < 0.5 else "none",
            hosting="government" if r() < 0.6 else "third-party-in-country",
            data_export="open-format" if r() < 0.4 else "proprietary-format",
            proprietary_dependencies=_pick(rng, ("none", "replaceable", "hard")),
            documentation=_pick(rng, ("none", "basic", "basic")),
            in_house_capability=bool(r() < 0.4),
            qualified_suppliers=1,
            data_location="Tamarind",
        )
    elif arch == "onprem":
        a.update(
            ip_owner="vendor",
            source_code_access="escrow" if r() < 0.25 else "none",
            hosting="government",
            data_export="proprietary-format" if r() < 0.6 else "open-format",
            proprietary_dependencies="hard" if r() < 0.6 else "replaceable",
            documentation=_pick(rng, ("none", "basic", "basic", "complete")),
            in_house_capability=bool(r() < 0.2),
            qualified_suppliers=int(rng.integers(1, 3)),
            data_location="Tamarind",
        )
    elif arch == "local-cloud":
        a.update(
            ip_owner="vendor",
            source_code_access="escrow" if r() < 0.3 else "none",
            hosting="vendor-cloud-in-country",
            data_export="proprietary-format" if r() < 0.5 else "open-format",
            proprietary_dependencies="hard" if r() < 0.5 else "replaceable",
            documentation=_pick(rng, ("basic", "basic", "complete")),
            in_house_capability=bool(r() < 0.15),
            qualified_suppliers=1,
            data_location="Tamarind",
        )
    else:  # saas abroad
        a.update(
            ip_owner="vendor",
            source_code_access="none",
            hosting="foreign",
            data_export="none" if r() < 0.6 else "proprietary-format",
            proprietary_dependencies="hard",
            documentation=_pick(rng, ("none", "basic")),
            in_house_capability=False,
            qualified_suppliers=1,
            data_location=_pick(rng, ("United States", "Ireland", "Singapore", "Germany")),
        )
    closed = arch in ("onprem", "local-cloud", "saas", "custom")
    itot = int(rng.integers(0, 13))
    a.update(
        interfaces_total=itot,
        interfaces_open=int(rng.integers(0, itot + 1))
        if closed
        else int(rng.integers(itot // 2, itot + 1)),
        integrations=int(rng.integers(0, 16)),
        exit_clause=bool(r() < (0.2 if closed else 0.6)),
        data_return_clause=bool(r() < (0.25 if closed else 0.7)),
        users=int(rng.lognormal(5.0, 1.3)) + 5,
        criticality=_pick(rng, ("low", "medium", "medium", "high")),
        go_live_year=int(rng.integers(2004, 2025)),
        configurable=bool(r() < (0.5 if closed else 0.8)),
        localised=bool(r() < 0.6),
        maintained=bool(r() < (0.7 if closed else 0.85)),
    )
    return a


def _build_systems(rng: np.random.Generator) -> list[dict]:
    """All inventory systems with canonical attributes (no raw spellings yet)."""
    systems: list[dict] = []
    for m in MINISTRIES:
        dominant = DOMINANT.get(m.name)
        entries: list[tuple[str, str, str]] = list(m.domain)
        for label, cat, products, p in CROSS_CUTTING_SLOTS:
            forced = _DOMINANT_PRODUCTS.get(dominant or "", {}).get(cat)
            if forced is None and rng.random() > p and cat not in ("hr", "payroll"):
                continue
            if forced:
                key = forced
            else:
                # Mature ministries lean towards open source.
                w = np.array(
                    [
                        0.25 + 2 * m.maturity
                        if PRODUCTS[k][2] in ("oss", "gov-oss")
                        else 1.4 - m.maturity
                        for k in products
                    ]
                )
                if dominant:  # a dominated ministry does not buy its rivals' suites
                    w = np.where([PRODUCTS[k][1] in DOMINANT.values() for k in products], 0, w)
                key = products[int(rng.choice(len(products), p=w / w.sum()))]
            entries.append((f"{label} ({PRODUCTS[key][0]})", cat, key))
        target = int(rng.integers(16, 20))
        fill = rng.permutation(len(FILLERS))
        k = 0
        while len(entries) < target:
            name, cat = FILLERS[int(fill[k])]
            k += 1
            key = _pick(rng, ("custom", "prop-local", "prop-local", "gov-oss", "local-cloud"))
            entries.append((name, cat, key))
        for i, (name, cat, key) in enumerate(entries, start=1):
            label, vendor, arch, lic = PRODUCTS.get(key, ("", "", key, "Commercial"))
            if key == "local-cloud":
                arch, lic = "local-cloud", "Commercial"
            if not vendor:
                vendor = _pick(rng, _LOCAL[:7] if m.name != CSV_MINISTRY else _LOCAL[5:])
            if dominant and arch in ("onprem", "local-cloud", "custom") and not label:
                vendor = dominant  # in-house-looking systems are the big vendor's too
            if arch == "gov-oss" and not lic:
                lic = _pick(rng, ("EUPL 1.2", "MIT License", "GPL v3"))
            attrs = _system_attrs(rng, arch, m.maturity)
            desc = f"{name} for the {m.name}"
            if label and label not in name:
                desc += f", based on {label}"
            systems.append(
                {
                    "system_id": f"{m.code}-{i:03d}",
                    "system_name": name,
                    "ministry": m.name,
                    "category": cat,
                    "description": desc,
                    "vendor": vendor,
                    "arch": arch,
                    "licence": lic,
                    "annual_cost": float(
                        np.round(
                            rng.lognormal(11.3, 0.9) * (0.4 if arch in ("oss", "gov-oss") else 1), 2
                        )
                    ),
                    "contract_end": dt.date(
                        int(rng.integers(2025, 2030)),
                        int(rng.integers(1, 13)),
                        int(rng.integers(1, 29)),
                    ),
                    **attrs,
                }
            )
    return systems


# ---------------------------------------------------------------- procurement


def _build_procurement(rng, systems, chains) -> pd.DataFrame:
    """Canonical procurement rows (numbers and dates, before messy formatting)."""
    rows: list[dict] = []
    seq: dict[tuple[str, int], int] = {}

    def contract_id(m: _Ministry, year: int) -> str:
        n = seq.get((m.code, year), 0) + 1
        seq[(m.code, year)] = n
        return f"TAM-{m.code}-{year}-{n:04d}"

    def method_tenderers(arch: str) -> tuple[str, int | None]:
        p = (
            np.array([0.5, 0.2, 0.12, 0.18])
            if arch in ("oss", "gov-oss", "general")
            else np.array([0.3, 0.15, 0.2, 0.35])
        )
        method = ("open", "selective", "limited", "direct")[int(rng.choice(4, p=p))]
        if method == "open":
            t = 1 if rng.random() < 0.15 else int(rng.integers(2, 10))
        elif method == "selective":
            t = 1 if rng.random() < 0.15 else int(rng.integers(2, 6))
        elif method == "limited":
            t = int(rng.integers(1, 3))
        else:
            t = 1
        return method, (None if rng.random() < 0.1 else t)

    def add(
        m,
        year,
        supplier,
        amount,
        method,
        tenderers,
        cpv,
        desc,
        sheet_kind,
        system=None,
        link="id",
        month=None,
    ):
        month = month or int(rng.integers(1, 13))
        award = dt.date(year, month, int(rng.integers(1, 29)))
        start = award + dt.timedelta(days=int(rng.integers(0, 45)))
        end = start + dt.timedelta(days=365 * int(_pick(rng, (1, 1, 1, 2, 3))) - 1)
        amend = int(rng.integers(1, 4)) if rng.random() < 0.1 else None
        if method != "direct" and rng.random() < 0.03:
            method = None  # unknown method (never on the planted renewal chains)
        rows.append(
            {
                "ministry": m.name,
                "supplier_canon": supplier,
                "amount": float(amount),
                "award_date": award,
                "start_date": start,
                "end_date": end,
                "method": method,
                "tenderers": tenderers,
                "system_id": system["system_id"] if system is not None and link != "name" else None,
                "system_name": system["system_name"]
                if system is not None and link != "id"
                else None,
                "contract_id": contract_id(m, year),
                "description": desc,
                "classification": cpv,
                "amendments": amend,
                "uplift": float(rng.uniform(0.05, 0.4)) if amend else 0.0,
                "brand_name_spec": (True if rng.random() < 0.08 else False)
                if rng.random() < 0.5
                else None,
                "year": year,
                "sheet_kind": sheet_kind,
                "chain": False,
            }
        )

    by_ministry: dict[str, list[dict]] = {}
    for s in systems:
        by_ministry.setdefault(s["ministry"], []).append(s)
    for m in MINISTRIES:
        dominant = DOMINANT.get(m.name)
        for s in by_ministry[m.name]:
            base = s["annual_cost"]
            if s["system_id"] in chains:
                growth = float(rng.uniform(0.04, 0.1))
                month = int(rng.integers(1, 13))
                cpv = _pick(rng, _CPV_LICENCE + _CPV_SERVICES[:1])
                for year in YEARS:
                    add(
                        m,
                        year,
                        s["vendor"],
                        base * (1 + growth) ** (year - YEARS[0]),
                        "direct",
                        None if rng.random() < 0.3 else 1,
                        cpv[0],
                        f"Annual renewal: {s['system_name']} – {cpv[1].lower()}",
                        "Goods" if cpv[0].startswith("48") else "Services",
                        system=s,
                        link="id" if rng.random() < 0.6 else "both",
                        month=month,
                    )
                    rows[-1]["chain"] = True
                continue
            # Never more than 4 years: only planted chains reach 6 years.
            n_years = int(rng.integers(2, 5))
            years = sorted(int(y) for y in rng.choice(YEARS, size=n_years, replace=False))
            for year in years:
                for _ in range(int(rng.integers(1, 4))):
                    if rng.random() < 0.5:
                        cpv, kind = _pick(rng, _CPV_LICENCE), "Goods"
                    else:
                        cpv, kind = _pick(rng, _CPV_SERVICES), "Services"
                    supplier = s["vendor"]
                    if rng.random() < 0.2 and not dominant:
                        supplier = _pick(rng, _CONSULTING)
                    method, t = method_tenderers(s["arch"])
                    u = rng.random()
                    link = "name" if u < 0.15 else ("both" if u < 0.5 else "id")
                    add(
                        m,
                        year,
                        supplier,
                        base * rng.uniform(0.2, 1.1),
                        method,
                        t,
                        cpv[0],
                        f"{s['system_name']}: {cpv[1].lower()}",
                        kind,
                        system=s,
                        link=link,
                    )
        for year in YEARS:
            for _ in range(int(rng.integers(16, 24))):
                code, desc, kind, suppliers = _pick(rng, _CPV_GENERAL)
                method, t = method_tenderers("general")
                add(
                    m,
                    year,
                    _pick(rng, suppliers),
                    rng.lognormal(10.0, 0.9),
                    method,
                    t,
                    code,
                    desc,
                    kind,
                )
            for _ in range(int(rng.integers(2, 5))):
                code, desc, kind, suppliers = _pick(rng, _CPV_NON_IT)
                method, t = method_tenderers("general")
                add(
                    m,
                    year,
                    _pick(rng, suppliers),
                    rng.lognormal(11.5, 1.0),
                    method,
                    t,
                    code,
                    desc,
                    kind,
                )
    df = pd.DataFrame(rows)
    df["file"] = np.where(
        df["ministry"] == CSV_MINISTRY,
        "procurement_legacy.csv",
        "procurement_" + df["year"].astype(str) + ".xlsx",
    )
    # Sort within each file by award date, like a portal export.
    df = df.sort_values(["file", "award_date", "contract_id"], kind="stable").reset_index(drop=True)
    return df


def _plant_invalid(rng, df: pd.DataFrame) -> None:
    """Mark a few rows per file invalid (one defect each) in column ``defect``."""
    df["defect"] = None
    for fname, rows in df.groupby("file", sort=True).groups.items():
        idx = [i for i in rows if not df.at[i, "chain"]]
        kinds = ["amount", "date"]
        if str(fname).endswith(".xlsx") and rng.random() < 0.6:
            kinds.append("ministry")
        if rng.random() < 0.3:
            kinds.append("supplier")
        if rng.random() < 0.4:
            kinds.append("amount")
        picks = rng.choice(len(idx), size=len(kinds), replace=False)
        for kind, p in zip(kinds, picks, strict=True):
            df.at[idx[int(p)], "defect"] = kind


def _it_mask(df: pd.DataFrame) -> pd.Series:
    return df["classification"].str[:2].isin(["48", "72", "30"])


def _rebalance(df: pd.DataFrame) -> None:
    """Scale amounts so planted vendors dominate (> 70 %) and others do not (< 45 %)."""
    usable = _it_mask(df) & ~df["defect"].isin(["amount", "ministry", "supplier"])
    for name in [m.name for m in MINISTRIES]:
        sel = usable & (df["ministry"] == name)
        dom = DOMINANT.get(name)
        for _ in range(8):
            spend = df.loc[sel].groupby("supplier_canon")["amount"].sum()
            share = spend / spend.sum()
            if dom is not None:
                d, target, vendor = float(share.get(dom, 0.0)), 0.78, dom
                if d >= target:
                    break
            else:
                vendor, d, target = str(share.idxmax()), float(share.max()), 0.4
                if d <= 0.45 or d >= 0.999:
                    break
            factor = target * (1 - d) / (d * (1 - target))
            df.loc[sel & (df["supplier_canon"] == vendor), "amount"] *= factor
    df["amount"] = df["amount"].round(2)


# ---------------------------------------------------------------- writers


def _inventory_rows(
    rng,
    raw: _Raw,
    m: _Ministry,
    systems: list[dict],
    cols: list[str],
    protected: dict[str, set[str]],
    vendor_used,
    invalid: list[str],
    bad_cells: int,
) -> list[list[object]]:
    out: list[list[object]] = []
    optional = [c for c in cols if c not in ("system_id", "system_name", "ministry")]
    bad_rows = set(rng.choice(len(systems), size=bad_cells, replace=False).tolist())
    for k, s in enumerate(systems):
        keep = protected.get(s["system_id"], set())
        cells: dict[str, object] = {
            "system_id": s["system_id"],
            "system_name": s["system_name"],
            "ministry": s["ministry"],
            "category": raw.code("category", s["category"]),
            "description": s["description"],
            "vendor": (
                "In-house (ICT unit)"
                if s["arch"] == "gov-oss" and rng.random() < 0.5
                else _spell(rng, s["vendor"], vendor_used)
            ),
            "licence": raw.licence(s["licence"]),
            "ip_owner": raw.code("ip_owner", s["ip_owner"]),
            "source_code_access": raw.code("source_code_access", s["source_code_access"]),
            "hosting": raw.code("hosting", s["hosting"]),
            "data_location": s["data_location"],
            "data_export": raw.code("data_export", s["data_export"]),
            "interfaces_total": s["interfaces_total"],
            "interfaces_open": s["interfaces_open"],
            "proprietary_dependencies": raw.code(
                "proprietary_dependencies", s["proprietary_dependencies"]
            ),
            "integrations": s["integrations"],
            "documentation": raw.code("documentation", s["documentation"]),
            "in_house_capability": raw.bool("in_house_capability", s["in_house_capability"]),
            "qualified_suppliers": s["qualified_suppliers"],
            "exit_clause": raw.bool("exit_clause", s["exit_clause"]),
            "data_return_clause": raw.bool("data_return_clause", s["data_return_clause"]),
            "contract_end": "31/02/2027"
            if k in bad_rows
            else (
                None
                if s["arch"] in ("gov-oss", "oss") and rng.random() < 0.7
                else _date_cell(rng, s["contract_end"])
            ),
            "annual_cost": _money_cell(rng, s["annual_cost"]),
            "currency": CURRENCY if rng.random() < 0.8 else None,
            "users": s["users"],
            "criticality": raw.code("criticality", s["criticality"]),
            "go_live_year": s["go_live_year"],
            "configurable": raw.bool("configurable", s["configurable"]),
            "localised": raw.bool("localised", s["localised"]),
            "maintained": raw.bool("maintained", s["maintained"]),
        }
        blank = rng.random(len(optional)) < m.missing
        for c, b in zip(optional, blank, strict=True):
            if b and c not in keep and not (c == "contract_end" and k in bad_rows):
                cells[c] = None
        out.append([cells[c] for c in cols])
    # Planted invalid rows, each missing one required value.
    ci = {c: j for j, c in enumerate(cols)}
    for n, kind in enumerate(invalid):
        if kind == "duplicate":
            row = list(out[int(rng.integers(0, len(out)))])
            row[ci["system_name"]] = f"{row[ci['system_name']]} (copy)"
        else:
            row = list(out[int(rng.integers(0, len(out)))])
            row[ci["system_id"]] = f"{m.code}-9{n:02d}"
            row[ci["system_name"]] = f"Unregistered tool {n + 1}"
            if kind == "ministry":
                row[ci["ministry"]] = None
            else:  # no system id
                row[ci["system_id"]] = None
        out.insert(int(rng.integers(1, len(out))), row)
    return out


def _procurement_cells(rng, raw: _Raw, r, vendor_used, csv_style: bool) -> list[object]:
    """One procurement row as messy cells, in ``_PROC_ORDER``."""
    amount = r.amount
    defect = _na(r.defect)

    def date(d):
        if csv_style:
            return d.strftime("%d/%m/%Y") if rng.random() < 0.8 else d.isoformat()
        return _date_cell(rng, d)

    def money(x):
        if csv_style:
            return _euro_decimal(x, grouped=rng.random() < 0.7)
        return _money_cell(rng, x)

    award = date(r.award_date)
    if defect == "date":
        award = f"31/02/{r.year}"
    cpv = r.classification if rng.random() < 0.88 else r.classification[:8]
    orig = amount / (1 + r.uplift) if r.uplift > 0 else None
    ministry = r.ministry if rng.random() < 0.93 else f"{r.ministry} "
    return [
        None if defect == "ministry" else ministry,
        None if defect == "supplier" else _spell(rng, r.supplier_canon, vendor_used),
        "TBD" if defect == "amount" else money(amount),
        CURRENCY if rng.random() < 0.85 else None,
        award,
        date(r.start_date),
        date(r.end_date) if rng.random() < 0.9 else None,
        raw.code("method", _na(r.method)),
        None if pd.isna(r.tenderers) else int(r.tenderers),
        _na(r.system_id),
        _na(r.system_name),
        r.contract_id,
        r.description,
        cpv,
        _amendments_cell(r.amendments, r.contract_id),
        None if orig is None else money(orig),
        None
        if r.brand_name_spec is None or pd.isna(r.brand_name_spec)
        else raw.bool("brand_name_spec", bool(r.brand_name_spec)),
    ]


def _amendments_cell(amendments: Any, contract_id: object) -> int | None:
    """Exports say 0 for unamended contracts, but some leave the cell blank
    (unknown). Chosen by a checksum, not the RNG, so the other planted
    structure stays what it was."""
    if amendments is not None and not pd.isna(amendments) and amendments:
        return int(amendments)
    return None if zlib.crc32(str(contract_id).encode()) % 6 == 0 else 0


def _title(lang: str, who: str, what: str) -> str:
    if lang == "es":
        return f"República de Tamarind — {who} — {what}, exportado {EXPORT_DATE}"
    if lang == "fr":
        return f"République de Tamarind — {who} — {what}, exporté le {EXPORT_DATE}"
    return f"{COUNTRY} — {who} — {what}, exported {EXPORT_DATE}"


def _readiness_points() -> list[tuple[str, str]]:
    from ._clean.schema import readiness_points

    return [(p["id"], p["question"]) for p in readiness_points()]


# ---------------------------------------------------------------- entry point


def write_demo(out_dir: Path, seed: int = 7) -> DemoInfo:
    """Write the Republic of Tamarind demo country as messy spreadsheet exports.

    Parameters
    ----------
    out_dir : Path
        Folder to write to (created if needed; files of the same names are
        overwritten, other files are left alone).
    seed : int, default 7
        Random seed; the same seed gives byte-identical files.

    Returns
    -------
    DemoInfo
        Files written and the structure planted in them.

    Examples
    --------
    >>> import tempfile
    >>> from ospo_analytics import write_demo
    >>> info = write_demo(tempfile.mkdtemp())
    >>> len(info.ministries), info.n_systems
    (13, 230)
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    raw = _Raw(rng)
    vendor_used: dict[str, list[str]] = {}
    files: list[Path] = []
    planted: dict[str, dict[str, int]] = {}
    bad_cells: dict[str, int] = {}
    headers: dict[str, dict[str, str]] = {}

    systems = _build_systems(rng)
    by_id = {s["system_id"]: s for s in systems}

    # Planted structure -------------------------------------------------
    closed = [s["system_id"] for s in systems if s["arch"] in ("onprem", "saas", "local-cloud")]
    chains = sorted(str(x) for x in rng.choice(closed, size=14, replace=False))
    for dom_ministry, vendor in DOMINANT.items():
        # Each dominant vendor also holds one renewal chain in its ministry.
        own = [
            s["system_id"]
            for s in systems
            if s["ministry"] == dom_ministry
            and s["vendor"] == vendor
            and s["arch"] != "saas"
            and s["system_id"] not in chains
        ]
        if own:
            chains.append(own[0])
    chains = sorted(chains)
    open_source = [s["system_id"] for s in systems if s["arch"] in ("oss", "gov-oss")]
    saas_red = [
        s["system_id"] for s in systems if s["arch"] == "saas" and s["data_export"] == "none"
    ]
    hostile = [str(x) for x in rng.choice([s["system_id"] for s in systems], size=3, replace=False)]
    for sid, text in zip(hostile, _HOSTILE, strict=True):
        by_id[sid]["description"] = text
    protected: dict[str, set[str]] = {}
    for sid in open_source:
        protected.setdefault(sid, set()).update({"licence", "ip_owner", "source_code_access"})
    for sid in saas_red:
        protected.setdefault(sid, set()).update({"licence", "ip_owner", "hosting", "data_export"})
    for sid in hostile:
        protected.setdefault(sid, set()).add("description")
    shared = {
        cat: [
            s["system_id"]
            for s in systems
            if s["category"] == cat and s["system_name"].startswith(label)
        ]
        for label, cat in (
            ("Human resources", "hr"),
            ("Payroll", "payroll"),
            ("Document management", "document-management"),
        )
    }

    # Inventory: one workbook per ministry --------------------------------
    n_invalid_inv = {
        "Ministry of Justice": ["ministry"],
        "Ministry of Agriculture": ["ministry"],
        "Ministry of Environment": ["system_id"],
        "Ministry of Tourism & Culture": ["ministry", "duplicate"],
    }
    n_bad_dates = {"Ministry of Interior": 1, "Ministry of Foreign Affairs": 1}
    n_valid = 0
    for m in MINISTRIES:
        fname = f"inventory_{m.slug}.xlsx"
        cols = [c for c in _INV_ORDER if c not in _INV_DROPPED.get(m.name, ())]
        head = [_pick(rng, _INV_HEADERS[m.lang][c]) for c in cols]
        mine = [s for s in systems if s["ministry"] == m.name]
        invalid = n_invalid_inv.get(m.name, [])
        rows = _inventory_rows(
            rng, raw, m, mine, cols, protected, vendor_used, invalid, n_bad_dates.get(m.name, 0)
        )
        n_valid += len(mine)
        what = {
            "en": "ICT asset register",
            "es": "Registro de activos TIC",
            "fr": "Registre des actifs TIC",
        }[m.lang]
        book = _Book(out_dir / fname)
        book.sheet(
            {"en": "Systems", "es": "Sistemas", "fr": "Systèmes"}[m.lang],
            _title(m.lang, m.name, what),
            head,
            rows,
        )
        book.close()
        files.append(out_dir / fname)
        headers[fname] = dict(zip(head, cols, strict=True))
        if invalid:
            planted[fname] = {k: invalid.count(k) for k in dict.fromkeys(invalid)}
        if m.name in n_bad_dates:
            bad_cells[fname] = n_bad_dates[m.name]

    # Procurement ---------------------------------------------------------
    proc = _build_procurement(rng, systems, set(chains))
    _plant_invalid(rng, proc)
    _rebalance(proc)
    competitive = proc["method"].isin(["open", "selective"]) & (proc["tenderers"] == 1)
    single_bid = sorted(proc.loc[competitive & proc["defect"].isna(), "contract_id"])
    for key, part in proc.groupby("file", sort=True):
        fname = str(key)
        defects = part["defect"].dropna()
        counts = defects[defects != "date"].value_counts().sort_index()
        if len(counts):
            planted[fname] = {str(k): int(v) for k, v in counts.items()}
        if (defects == "date").any():
            bad_cells[fname] = int((defects == "date").sum())
        if fname.endswith(".csv"):
            head = list(_PROC_HEADERS["fr"])
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
            w.writerow(head)
            for r in part.itertuples(index=False):
                w.writerow(
                    [
                        "" if v is None else v
                        for v in _procurement_cells(rng, raw, r, vendor_used, True)
                    ]
                )
            (out_dir / fname).write_bytes(buf.getvalue().encode("cp1252"))
        else:
            year = int(part["year"].iloc[0])
            head = list(_PROC_HEADERS[_YEAR_HEADERS[year]])
            sheets = ("Goods", "Services", "Works") if year <= 2022 else ("Goods", "Services")
            book = _Book(out_dir / fname)
            for sheet in sheets:
                kind = part["sheet_kind"]
                sel = (
                    part[kind == sheet]
                    if sheet != "Services" or "Works" in sheets
                    else part[kind.isin(["Services", "Works"])]
                )
                rows = [
                    _procurement_cells(rng, raw, r, vendor_used, False)
                    for r in sel.itertuples(index=False)
                ]
                title = _title(
                    "en", "Central Tender Board", f"Contract awards {year} ({sheet.lower()})"
                )
                book.sheet(sheet, title, head, rows)
            book.close()
        files.append(out_dir / fname)
        headers[fname] = dict(zip(head, _PROC_ORDER, strict=True))

    # Questionnaire: one sheet per ministry that answered --------------------
    points = _readiness_points()
    book = _Book(out_dir / "questionnaire.xlsx")
    q_head = {
        "en": ["Ministry", "Point ID", "Question", "Answer"],
        "es": ["Ministerio", "Punto", "Pregunta", "Respuesta"],
        "fr": ["Ministère", "Indicateur", "Question", "Réponse"],
    }
    n_blank = 0
    for m in MINISTRIES:
        if m.name in QUESTIONNAIRE_MISSING:
            continue
        rows = []
        for pid, question in points:
            v = m.maturity + rng.normal(0, 0.2)
            ans = "yes" if v > 0.6 else ("partly" if v > 0.4 else "no")
            u = rng.random()
            if u < 0.08:
                ans = "unknown"
            blank = u > 0.96  # required answer left empty: the loader rejects the row
            n_blank += blank
            rows.append([m.name, pid, question, None if blank else raw.code("answer", ans)])
        sheet = m.name.replace("Ministry of ", "")[:31]
        book.sheet(
            sheet, _title(m.lang, m.name, "OSPO readiness questionnaire"), q_head[m.lang], rows
        )
    book.close()
    files.append(out_dir / "questionnaire.xlsx")
    if n_blank:
        planted["questionnaire.xlsx"] = {"answer": n_blank}

    raw_map = {col: dict(sorted(v.items())) for col, v in sorted(raw.used.items())}
    return DemoInfo(
        files=sorted(files),
        ministries=[m.name for m in MINISTRIES],
        n_systems=n_valid,
        n_procurement_rows=len(proc),
        planted_invalid={f: sum(d.values()) for f, d in sorted(planted.items())},
        planted_invalid_detail=dict(sorted(planted.items())),
        planted_bad_cells=dict(sorted(bad_cells.items())),
        dominant_vendors=dict(DOMINANT),
        direct_award_chains=chains,
        open_source_systems=open_source,
        saas_no_export=saas_red,
        single_bid_contracts=single_bid,
        shared_categories=shared,
        hostile_text_systems=sorted(hostile),
        questionnaire_missing=list(QUESTIONNAIRE_MISSING),
        raw_codes={col: set(v) for col, v in raw_map.items()},
        raw_code_map=raw_map,
        vendor_spellings={k: list(v) for k, v in sorted(vendor_used.items())},
        headers=headers,
    )


# ================================================================ national scale
#
# A country as national feeds show it: hundreds of buyers (agencies,
# hospitals, school districts, municipalities) under a few dozen ministries,
# thousands of systems and hundreds of thousands of contracts, with the same
# mess as the demo (title rows, several header sets, vendor spellings, mixed
# dates and amounts, buyer-name variants, a few invalid rows). Written with an
# ``ospo.toml`` whose ``[ministries]`` section rolls the buyers up, so the
# folder runs as it is: ``ospo-analytics run -c <out>/ospo.toml``.

# fmt: off
_NATIONAL_EXTRA: tuple[tuple[str, str, str], ...] = (
    # (name, code, topic) beyond the demo's 13 ministries
    ("Ministry of Defence", "DEF", "Defence"),
    ("Ministry of Energy & Mines", "ENE", "Energy"),
    ("Ministry of Water and Sanitation", "WAT", "Water"),
    ("Ministry of Housing & Urban Development", "HOU", "Housing"),
    ("Ministry of Trade and Industry", "TRD", "Trade"),
    ("Ministry of Youth & Sports", "YTH", "Youth"),
    ("Ministère de la Sécurité publique", "SEC", "Sécurité"),
    ("Ministère de la Culture et de la Communication", "CUL", "Culture"),
    ("Ministry of Public Works", "PWK", "Public Works"),
    ("Ministry of Fisheries & Marine Resources", "FSH", "Fisheries"),
    ("Ministry of Local Government", "LOC", "Local Government"),
    ("Ministerio de Ciencia y Tecnología", "CYT", "Ciencia"),
)
_PLACES: tuple[str, ...] = (
    "Port Tamar", "Bayside", "Coral Point", "Mango Valley", "Pelican Bay", "Savannah Heights",
    "Kingfisher Creek", "Sandy Cove", "Palm Ridge", "Blue Lagoon", "Hibiscus Hill",
    "Turtle Beach", "Cedar Falls", "Frangipani", "Lighthouse Point", "Banyan Grove",
    "Saint-Étienne-des-Îles", "Vieux-Fort", "Anse-à-Galets", "Trois-Rivières-du-Sud",
    "San José del Mar", "Santa Lucía", "Río Dulce", "Ciénaga", "Northport", "Southgate",
    "Eastwick", "Westfield", "Highlands", "Lowlands", "Riverside", "Hillcrest",
)
_UNIT_KINDS: tuple[str, ...] = (
    "National {t} Agency", "{t} Directorate, {p}", "{t} Regional Office {p}",
    "{t} Service of {p}", "{t} Training Institute {p}", "{t} Inspectorate {p}",
)
# fmt: on
# Buyers these ministries have that a pattern in ospo.toml rolls up.
_PATTERN_BUYERS = {
    "Ministry of Health": ("Hospital {p}", '"Hospital *"'),
    "Ministry of Education": ("School District {p}", '"re:^school district\\\\b"'),
    "Ministry of Local Government": ("Municipality of {p}", '"Municipality of *"'),
}

NATIONAL_SCALES: dict[str, dict[str, int]] = {
    "national": {"ministries": 25, "buyers": 600, "systems": 5000, "contracts": 300_000},
    "test": {"ministries": 25, "buyers": 60, "systems": 500, "contracts": 20_000},
}


@dataclass
class NationalInfo:
    """What :func:`write_national` wrote.

    Attributes
    ----------
    config : Path
        The ``ospo.toml`` of the national project (inputs under ``raw/``).
    files : list of Path
        Every input file written (config and buyers CSV included), sorted.
    ministries : list of str
        Canonical ministry names (the names the mapping rolls buyers up to).
    buyer_ministry : dict
        Canonical buyer name -> its ministry (the truth, unmatched buyers
        included).
    unmatched_buyers : list of str
        Buyers deliberately left out of the mapping (they stay their own
        ministry and must be listed in ``buyer_review.csv``).
    ministry_spellings : dict
        Ministry -> spellings written (case, accents, spacing, ``&``/``and``).
    n_systems : int
        Valid inventory rows.
    n_contracts : int
        Procurement data rows written (invalid ones included).
    planted_invalid : dict
        File name -> procurement rows the loader must reject.
    """

    config: Path
    files: list[Path]
    ministries: list[str]
    buyer_ministry: dict[str, str]
    unmatched_buyers: list[str]
    ministry_spellings: dict[str, list[str]]
    n_systems: int
    n_contracts: int
    planted_invalid: dict[str, int] = field(default_factory=dict)


def _national_ministries(n: int) -> list[tuple[str, str, str, str]]:
    """(name, code, topic, header language) for ``n`` ministries."""
    out = []
    for m in MINISTRIES:
        topic = m.name.replace("Ministry of ", "").split(" &")[0]
        out.append((m.name, m.code, topic, m.lang))
    out += [(name, code, topic, "fr" if name.startswith("Min") and "è" in name else "en")
            for name, code, topic in _NATIONAL_EXTRA]  # fmt: skip
    for k in range(len(out), n):  # beyond the named ones: synthetic, still unique
        out.append((f"State Department No. {k + 1}", f"S{k + 1:04d}", f"State {k + 1}", "en"))
    return out[:n]


def _variants(name: str) -> list[str]:
    """Spellings of one ministry that clustering must merge (first = canonical)."""
    v = [name, name.upper()]
    words = name.split(" ")
    if len(words) > 2:  # "Ministry of health"
        v.append(" ".join(words[:2] + [w.lower() for w in words[2:]]))
    if " & " in name:
        v.append(name.replace(" & ", " and "))
    elif " and " in name:
        v.append(name.replace(" and ", " And "))
        v.append(name.replace(" and ", " & "))
    folded = unicodedata_fold(name)
    if folded != name:
        v.append(folded)
    v.append(name.replace(" of ", "  of "))  # double space from a pasted cell
    return list(dict.fromkeys(v))


def unicodedata_fold(text: str) -> str:
    """``text`` without accents (a keyboard without them)."""
    import unicodedata

    d = unicodedata.normalize("NFKD", text)
    return "".join(c for c in d if not unicodedata.combining(c))


def _national_buyers(
    rng: np.random.Generator, mins: list[tuple[str, str, str, str]], n_buyers: int
) -> list[tuple[str, str]]:
    """(buyer, ministry): every ministry's own HQ first, then its units."""
    buyers = [(m[0], m[0]) for m in mins]
    seen = {b.casefold() for b, _ in buyers}
    k = 0
    while len(buyers) < n_buyers:
        name, _, topic, _ = mins[k % len(mins)]
        k += 1
        pat = _PATTERN_BUYERS.get(name)
        for _ in range(50):
            p = _pick(rng, _PLACES)
            tmpl = pat[0] if pat and rng.random() < 0.6 else _pick(rng, _UNIT_KINDS)
            b = tmpl.format(t=topic, p=p)
            if b.casefold() not in seen:
                break
        else:  # places exhausted for this ministry: number the unit
            b = f"{topic} Unit {k}"
        seen.add(b.casefold())
        buyers.append((b, name))
    return buyers[: max(n_buyers, len(mins))]


def _buyer_variant(rng: np.random.Generator, b: str) -> str:
    """A buyer name as a clerk typed it (case, accents, spacing)."""
    u = rng.random()
    if u < 0.8:
        return b
    if u < 0.88:
        return b.upper()
    if u < 0.94:
        return unicodedata_fold(b)
    return f" {b.replace(' ', '  ', 1)} "


def write_national(
    out_dir: Path,
    seed: int = 7,
    scale: str | dict[str, int] = "national",
) -> NationalInfo:
    """Write a national-scale country with its ``ospo.toml``.

    Parameters
    ----------
    out_dir : Path
        Project folder to create: ``ospo.toml`` and ``raw/`` (inputs,
        ``buyers.csv``); ``processed/`` and ``reports/`` are where the
        pipeline will write.
    seed : int, default 7
        Random seed; the same seed and scale give the same files.
    scale : str or dict
        ``"national"`` (25 ministries, 600 buyers, 5,000 systems, 300,000
        contracts), ``"test"`` (25, 60, 500, 20,000) or a dict with keys
        ``ministries``, ``buyers``, ``systems``, ``contracts``.

    Returns
    -------
    NationalInfo
    """
    sizes = dict(NATIONAL_SCALES[scale]) if isinstance(scale, str) else dict(scale)
    n_min = max(1, int(sizes["ministries"]))
    n_buy = max(n_min, int(sizes["buyers"]))
    n_sys = max(n_min, int(sizes["systems"]))
    n_con = max(n_min, int(sizes["contracts"]))
    out_dir = Path(out_dir)
    raw_dir = out_dir / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    raw = _Raw(rng)
    vendor_used: dict[str, list[str]] = {}
    mins = _national_ministries(n_min)
    spellings = {m[0]: _variants(m[0]) for m in mins}
    buyers = _national_buyers(rng, mins, n_buy)
    buyer_min = dict(buyers)
    # A few units nobody put in the mapping: listed for review, not lost.
    units = [b for b, m in buyers if b != m and not any(
        b.startswith(p[0].split(" {")[0]) for p in _PATTERN_BUYERS.values())]  # fmt: skip
    n_unmatched = min(len(units), max(1, n_buy // 100)) if units else 0
    unmatched = sorted(str(x) for x in rng.choice(units, size=n_unmatched, replace=False))
    files: list[Path] = []

    # Systems: each belongs to a buyer, every ministry has at least one.
    owner = np.concatenate([np.arange(n_min), rng.integers(0, len(buyers), size=n_sys - n_min)])
    keys = [k for k in PRODUCTS if k not in ("gov-oss",)]
    cats = list(RAW_SPELLINGS["category"])
    systems: list[dict] = []
    per_min: dict[str, int] = {}
    code_of = {m[0]: m[1] for m in mins}
    for bi in owner.tolist():
        buyer, ministry = buyers[bi]
        key = _pick(rng, keys)
        label, vendor, arch, lic = PRODUCTS[key]
        if not vendor:
            vendor = _pick(rng, _LOCAL)
        if not lic:
            lic = "Commercial"
        cat = _pick(rng, cats)
        n = per_min.get(ministry, 0) + 1
        per_min[ministry] = n
        name = f"{label or cat.replace('-', ' ').capitalize()} – {buyer} #{n}"
        systems.append(
            {
                "system_id": f"{code_of[ministry]}-{n:04d}",
                "system_name": name,
                "ministry": buyer,
                "category": cat,
                "description": f"{name}, run by {buyer}",
                "vendor": vendor,
                "arch": arch,
                "licence": lic,
                "annual_cost": float(np.round(rng.lognormal(11.0, 0.9), 2)),
                "contract_end": dt.date(
                    int(rng.integers(2025, 2030)),
                    int(rng.integers(1, 13)),
                    int(rng.integers(1, 29)),
                ),
                **_system_attrs(rng, arch, 0.5),
            }
        )

    # Inventory: one workbook per ministry; units write their own name.
    by_min: dict[str, list[dict]] = {}
    for s in systems:
        by_min.setdefault(buyer_min[s["ministry"]], []).append(s)
    # Named ministries keep a register each; the synthetic ones beyond them
    # (wide-country tests) share one national register, as small states do.
    groups: dict[str, list[tuple[str, str, str, str]]] = {}
    for mm in mins:
        synthetic = mm[1][0] == "S" and mm[1][1:].isdigit()
        groups.setdefault("states" if synthetic else mm[1], []).append(mm)
    for gkey, members in groups.items():
        name, code, _, lang = members[0]
        if gkey == "states":
            name, code = "State departments", "states"
        mine = [s for mm in members for s in by_min.get(mm[0], [])]
        m = _Ministry(name, code, code.lower(), lang, 0.5, 0.1, ())
        cols = list(_INV_ORDER)
        head = [_pick(rng, _INV_HEADERS[lang][c]) for c in cols]
        rows = _inventory_rows(rng, raw, m, mine, cols, {}, vendor_used, [], 0)
        ci = cols.index("ministry")
        for r in rows:
            b = r[ci]
            assert isinstance(b, str)  # a buyer name: no planted defects in these rows
            r[ci] = _pick(rng, spellings[b]) if b in spellings else _buyer_variant(rng, b)
        fname = f"inventory_{code.lower()}.xlsx"
        book = _Book(raw_dir / fname)
        book.sheet("Systems", _title(lang, name, "ICT asset register"), head, rows)
        book.close()
        files.append(raw_dir / fname)

    # Contracts ------------------------------------------------------------
    linked = rng.random(n_con) < 0.55
    sys_idx = rng.integers(0, len(systems), size=n_con)
    # Bigger ministries (more buyers) buy more: unlinked rows pick a buyer.
    buy_idx = rng.integers(0, len(buyers), size=n_con)
    years = rng.choice(np.array(YEARS), size=n_con)
    months = rng.integers(1, 13, size=n_con)
    days = rng.integers(1, 29, size=n_con)
    u_method = rng.random(n_con)
    tenderers = rng.integers(1, 8, size=n_con)
    general = rng.integers(0, len(_CPV_GENERAL) + len(_CPV_NON_IT), size=n_con)
    svc = rng.integers(0, len(_CPV_LICENCE) + len(_CPV_SERVICES), size=n_con)
    amounts = rng.lognormal(10.2, 1.1, size=n_con)
    defect = rng.random(n_con)
    cpv_all = _CPV_LICENCE + _CPV_SERVICES
    gen_all = _CPV_GENERAL + _CPV_NON_IT
    seq: dict[tuple[str, int], int] = {}
    rows_by_file: dict[str, list[list[object]]] = {}
    planted: dict[str, int] = {}
    methods = ("open", "selective", "limited", "direct")
    for i in range(n_con):
        year = int(years[i])
        if linked[i]:
            s = systems[int(sys_idx[i])]
            buyer = s["ministry"]
            supplier = s["vendor"] if rng.random() < 0.85 else _pick(rng, _CONSULTING)
            code, desc = cpv_all[int(svc[i])]
            desc = f"{s['system_name']}: {desc.lower()}"
            amount = s["annual_cost"] * (0.2 + amounts[i] / 60000.0)
            u = rng.random()
            sid = s["system_id"] if u >= 0.15 else None
            sname = s["system_name"] if u < 0.5 else None
        else:
            buyer = buyers[int(buy_idx[i])][0]
            code, desc, _, sups = gen_all[int(general[i])]
            supplier = _pick(rng, sups)
            amount, sid, sname = amounts[i], None, None
        ministry = buyer_min[buyer]
        mcode = code_of[ministry]
        nseq = seq.get((mcode, year), 0) + 1
        seq[(mcode, year)] = nseq
        um = float(u_method[i])
        method = methods[0 if um < 0.45 else 1 if um < 0.6 else 2 if um < 0.75 else 3]
        t = 1 if method == "direct" else int(tenderers[i])
        award = dt.date(year, int(months[i]), int(days[i]))
        start = award + dt.timedelta(days=int(days[i]))
        end = start + dt.timedelta(days=364)
        fname = f"procurement_{year}.xlsx" if year <= 2022 else f"procurement_{year}.csv"
        csv_style = fname.endswith(".csv")
        bad = float(defect[i])
        kind = "amount" if bad < 0.0004 else "ministry" if bad < 0.0007 else None
        if kind:
            planted[fname] = planted.get(fname, 0) + 1
        b_cell = buyer if buyer not in spellings else _pick(rng, spellings[buyer])
        if buyer not in spellings:
            b_cell = _buyer_variant(rng, buyer)

        def date(d, csv_style=csv_style):
            if csv_style:
                return d.strftime("%d/%m/%Y") if rng.random() < 0.8 else d.isoformat()
            return _date_cell(rng, d)

        money = (
            _euro_decimal(float(round(amount, 2)), grouped=rng.random() < 0.7)
            if csv_style
            else _money_cell(rng, float(amount))
        )
        rows_by_file.setdefault(fname, []).append(
            [
                None if kind == "ministry" else b_cell,
                _spell(rng, supplier, vendor_used),
                "TBD" if kind == "amount" else money,
                CURRENCY if rng.random() < 0.85 else None,
                date(award),
                date(start),
                date(end) if rng.random() < 0.9 else None,
                raw.code("method", method),
                t if rng.random() < 0.9 else None,
                sid,
                sname,
                f"TAM-{mcode}-{year}-{nseq:06d}",
                desc,
                code if rng.random() < 0.88 else code[:8],
                0,
                None,
                None,
            ]
        )
    for fname in sorted(rows_by_file):
        rows = rows_by_file[fname]
        year = int(fname[12:16])
        if fname.endswith(".csv"):
            head = list(_PROC_HEADERS["fr"]) if year == 2025 else list(_PROC_HEADERS["v3"])
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
            w.writerow([_title("en", "National e-Procurement Portal", f"Contracts {year}")])
            w.writerow(head)
            w.writerows([["" if v is None else v for v in r] for r in rows])
            (raw_dir / fname).write_bytes(buf.getvalue().encode("cp1252", "replace"))
        else:
            head = list(_PROC_HEADERS[_YEAR_HEADERS[year]])
            book = _Book(raw_dir / fname)
            title = _title("en", "Central Tender Board", f"Contract awards {year}")
            book.sheet("Awards", title, head, rows)
            book.close()
        files.append(raw_dir / fname)

    # Questionnaire: one sheet per ministry, names as each ministry wrote them.
    from ._safe import sheet_name

    points = _readiness_points()
    book = _Book(raw_dir / "questionnaire.xlsx")
    used: list[str] = []
    for k, (name, _, topic, _) in enumerate(mins):
        if k % 7 == 6:
            continue  # some never answered: readiness unknown
        spelled = _pick(rng, spellings[name])
        rows = []
        for pid, question in points:
            u = rng.random()
            ans = "yes" if u < 0.4 else "partly" if u < 0.65 else "no" if u < 0.92 else "unknown"
            rows.append([spelled, pid, question, raw.code("answer", ans)])
        sheet = sheet_name(topic, used)
        used.append(sheet)
        book.sheet(sheet, _title("en", name, "OSPO readiness questionnaire"),
                   ["Ministry", "Point ID", "Question", "Answer"], rows)  # fmt: skip
    book.close()
    files.append(raw_dir / "questionnaire.xlsx")

    # The mapping: a CSV for the units, patterns in ospo.toml for the rest.
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["buyer", "ministry"])
    for ministry in [mm[0] for mm in mins]:
        w.writerow([ministry, ministry])  # a ministry buys directly too: it rolls up to itself
    for b, ministry in buyers:
        if (
            b == ministry
            or b in unmatched
            or any(b.startswith(p[0].split(" {")[0]) for p in _PATTERN_BUYERS.values())
        ):
            continue
        w.writerow([b, ministry])
    (raw_dir / "buyers.csv").write_text(buf.getvalue(), encoding="utf-8")
    files.append(raw_dir / "buyers.csv")
    patterns = "\n".join(
        f'{pat} = "{m}"' for m, (_, pat) in _PATTERN_BUYERS.items() if m in buyer_min.values()
    )
    config = out_dir / "ospo.toml"
    config.write_text(
        _NATIONAL_TOML.format(patterns=patterns or "# (none at this scale)"), encoding="utf-8"
    )
    files.append(config)
    return NationalInfo(
        config=config,
        files=sorted(files),
        ministries=[m[0] for m in mins],
        buyer_ministry=buyer_min,
        unmatched_buyers=unmatched,
        ministry_spellings=spellings,
        n_systems=len(systems),
        n_contracts=n_con,
        planted_invalid=dict(sorted(planted.items())),
    )


_NATIONAL_TOML = """\
# National-scale demo (written by `ospo-analytics demo --scale national`).
# Run it with: ospo-analytics run -c <this folder>/ospo.toml

[project]
name = "Republic of Tamarind (national scale, demo)"
as_of = "2026-01-15"
currency = "TTD"

[inputs]
inventory = ["raw/inventory_*.xlsx"]
procurement = ["raw/procurement_*.xlsx", "raw/procurement_*.csv"]
questionnaire = ["raw/questionnaire.xlsx"]
demo_if_missing = false

[outputs]
processed = "processed"
reports = "reports"

[ministries]
# Agencies, hospitals, school districts... roll up to their ministry.
buyers_file = "raw/buyers.csv"

[ministries.buyers]
{patterns}
"""
