"""Inventory input from software-catalogue standards: publiccode.yml and code.json.

Both readers return a :class:`CatalogueResult` whose ``table`` uses the canonical
inventory column names (``_schema.INVENTORY_COLUMNS``) plus provenance
(``source_file``, ``source_sheet``, ``source_row``) and a few raw columns kept
for traceability (``categories_raw``, ``software_type``, ``usage_type``,
``languages``, ``available_languages``, ``labor_hours``, ``last_modified``).
Values are mapped to ``_schema`` codes where the standard says enough; anything
the file does not state stays NA (unknown is never silently "good"). The common
cleaners and pandera validation run afterwards, in the inventory loader.

Mapping choices (documented here because they change scores):

publiccode.yml
    * ``usedBy``: one inventory row per user organisation (ministry = the user),
      since each user runs the system and "used by several ministries" is a
      reuse signal. Without ``usedBy``, one row owned by ``organisation.name``,
      else ``legal.mainCopyrightOwner``, else ``legal.repoOwner``.
    * ``categories``: the first one that maps to ``CATEGORIES`` wins; a list
      with no mappable entry gives ``"other"`` (the function is known, just not
      one of ours); no list gives NA. The raw list is kept in ``categories_raw``.
    * ``dependsOn.proprietary``: a mandatory (non-``optional``) proprietary
      dependency -> ``hard``; only optional ones -> ``replaceable``; a
      ``dependsOn`` block without proprietary entries -> ``none``; no block ->
      NA. ``hardware`` dependencies are not counted as proprietary.
    * ``maintenance.type``: ``none`` -> not maintained, any other -> maintained;
      ``contract`` contractors become the ``vendor``.
    * ``url`` -> ``source_code_access = public-repo``; an owner that looks like
      a public body -> ``ip_owner = government`` (else NA).
    * ``documentation`` and ``apiDocumentation`` both given -> ``complete``;
      one -> ``basic``; neither -> NA.
    * ``localised``: true with more than one available language or
      ``localisationReady: true``; false with ``localisationReady: false`` and
      at most one language; else NA.

code.json (code.gov schema 2.0 ``releases[]`` and 1.0 ``projects[]``)
    * ``agency`` -> ministry (fallback: the entry's ``organization``).
    * ``repositoryURL`` on a public forge (GitHub, GitLab, Bitbucket, ...)
      -> ``public-repo``; any other URL -> ``gov-repo``; no URL ->
      ``gov-repo`` for ``governmentWideReuse`` (shared inside government), NA
      otherwise.
    * ``ip_owner = government`` for ``openSource`` / ``governmentWideReuse``
      (the agency can only release what it holds the rights to); NA for the
      ``exempt*`` usage types.
    * ``status`` ``Archival`` -> not maintained; Ideation..Production ->
      maintained; absent -> NA.
    * ``tags`` (and the name) -> category by keyword, best effort; no match ->
      NA. Tags are appended to the description so nothing is lost.
    * ``system_id``: slug of agency + name, with ``-2``, ``-3``... on repeats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from .._clean.cells import datetime_ns
from .._clean.licences import normalise_licence
from .._clean.schema import CATEGORIES, INVENTORY_COLUMNS, pandas_dtype

REJECT_COLUMNS = ("file", "sheet", "row", "column", "value", "problem")

# Raw columns kept next to the canonical ones (string unless listed).
EXTRA_COLUMNS = (
    "categories_raw",
    "software_type",
    "usage_type",
    "languages",
    "available_languages",
    "labor_hours",
    "last_modified",
)
_EXTRA_DTYPES: dict[str, Literal["Float64", "string"]] = {"labor_hours": "Float64"}


@dataclass
class CatalogueResult:
    """What a catalogue reader loaded.

    Attributes
    ----------
    table : pandas.DataFrame
        Inventory rows: canonical inventory columns, :data:`EXTRA_COLUMNS` and
        provenance (``source_file``, ``source_sheet``, ``source_row`` = 1-based
        entry index in the file).
    rejects : pandas.DataFrame
        Entries or files not loaded: ``file, sheet, row, column, value,
        problem``.
    stats : dict
        ``files``, ``files_rejected``, ``read`` (entries), ``loaded`` (entries),
        ``rejected`` (entries), ``rows`` (table rows; publiccode ``usedBy`` can
        give several rows per entry).
    warnings : pandas.DataFrame
        Values that were set to NA because they could not be understood (same
        columns as ``rejects``); the row itself was loaded.
    """

    table: pd.DataFrame
    rejects: pd.DataFrame
    stats: dict[str, int]
    warnings: pd.DataFrame = field(default_factory=lambda: _issues_frame([]))


# --------------------------------------------------------------------------- helpers


def _issues_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=list(REJECT_COLUMNS))
    df = df.astype({c: "string" for c in REJECT_COLUMNS if c != "row"})
    df["row"] = pd.array(df["row"].tolist(), dtype="Int64")
    return df


def _issue(
    file: Path | str, sheet: str, row: int | None, column: str, value: Any, problem: str
) -> dict[str, Any]:
    text = "" if value is None else str(value)
    return {
        "file": str(file),
        "sheet": sheet,
        "row": row,
        "column": column,
        "value": text if len(text) <= 120 else text[:117] + "...",
        "problem": problem,
    }


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise
        return str(best)


def _text(value: Any) -> str | None:
    """A clean string, or None for missing/blank/non-scalar values."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _texts(value: Any) -> list[str]:
    """A list of clean strings from a list (or a lone scalar)."""
    items = value if isinstance(value, list) else [value]
    out = [_text(v) for v in items]
    return [v for v in out if v]


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    """A list as given; one object (or name) where a list is expected, as a
    list of it; nothing for anything else (``contractors: 5``, ``true``)."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict | str):
        return [value]
    return []


def _slug(values: pd.Series) -> pd.Series:
    ascii_bytes = values.astype("string").str.normalize("NFKD").str.encode("ascii", "ignore")
    s = ascii_bytes.str.decode("ascii").astype("string").str.lower()
    return s.str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")


def _dedupe_ids(ids: pd.Series) -> pd.Series:
    """Append ``-2``, ``-3``... to repeated ids, in order of appearance."""
    ids = ids.astype("string")
    while ids.duplicated().any():
        n = ids.groupby(ids, sort=False).cumcount()
        ids = ids.where(n == 0, ids + "-" + (n + 1).astype("string"))
    return ids


def _finish(records: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Records -> a table with canonical dtypes, extras and provenance."""
    df = records if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(records)
    df = df.reset_index(drop=True).astype(object).where(df.reset_index(drop=True).notna(), None)
    out: dict[str, pd.Series] = {}
    for col in INVENTORY_COLUMNS:
        dtype = pandas_dtype(col.kind)
        if col.name not in df:
            out[col.name] = pd.Series(pd.NA, index=df.index, dtype=dtype)
        elif dtype == "datetime64[ns]":
            out[col.name] = datetime_ns(df[col.name])
        else:
            # A dtype name from the schema: the stubs take literal names only.
            values = pd.array(df[col.name].tolist(), dtype=dtype)  # type: ignore[call-overload]
            out[col.name] = pd.Series(values, index=df.index)
    for name in EXTRA_COLUMNS:
        vals = df[name].tolist() if name in df else [pd.NA] * len(df)
        out[name] = pd.Series(pd.array(vals, dtype=_EXTRA_DTYPES.get(name, "string")))
    for name in ("source_file", "source_sheet"):
        out[name] = pd.Series(
            pd.array(df.get(name, pd.Series(dtype=object)).tolist(), dtype="string")
        )
    out["source_row"] = pd.Series(
        pd.array(df.get("source_row", pd.Series(dtype=object)).tolist(), dtype="Int64")
    )
    table = pd.DataFrame(out)
    if len(table):
        table["system_id"] = _dedupe_ids(table["system_id"])
    return table


# --------------------------------------------------------------------------- licences


def spdx_licence(name: str | None, url: str | None = None) -> str | None:
    """Best SPDX expression for a licence name and/or URL, or None if unknown.

    The project's one licence normaliser
    (:func:`ospo_analytics._clean.licences.normalise_licence`); never raises.

    Parameters
    ----------
    name : str or None
        Licence name or SPDX expression as written in the catalogue.
    url : str or None
        Licence URL, used when the name is missing, not understood or names
        no version.
    """
    return normalise_licence(_text(name), _text(url))[0]


# --------------------------------------------------------------------------- categories

# publiccode.yml `categories` vocabulary -> our CATEGORIES.
PUBLICCODE_CATEGORIES: dict[str, str] = {
    "accounting": "finance",
    "billing-and-invoicing": "finance",
    "budgeting": "finance",
    "financial-reporting": "finance",
    "erp": "erp",
    "hr": "hr",
    "human-resources": "hr",
    "employee-management": "hr",
    "talent-management": "hr",
    "applicant-tracking": "hr",
    "payroll": "payroll",
    "procurement": "procurement",
    "document-management": "document-management",
    "digital-asset-management": "document-management",
    "e-signature": "document-management",
    "identity-management": "identity",
    "help-desk": "help-desk",
    "customer-service-and-support": "help-desk",
    "service-desk-management": "help-desk",
    "it-service-management": "help-desk",
    "call-center-management": "help-desk",
    "crm": "crm",
    "contact-management": "crm",
    "learning-management-system": "education-lms",
    "e-learning": "education-lms",
    "taxes-management": "tax-revenue",
    "payment-gateway": "payments",
    "mobile-payment": "payments",
    "data-collection": "data-collection",
    "survey": "data-collection",
    "geographic-information-systems": "gis",
    "instant-messaging": "messaging",
    "communications": "messaging",
    "email-management": "messaging",
    "voip": "messaging",
    "collaboration": "collaboration",
    "web-collaboration": "collaboration",
    "project-collaboration": "collaboration",
    "video-conferencing": "collaboration",
    "web-conferencing": "collaboration",
    "productivity-suite": "collaboration",
    "office": "collaboration",
    "enterprise-social-networking": "collaboration",
    "content-management": "website-cms",
    "website-builder": "website-cms",
    "blog": "website-cms",
    "business-intelligence": "analytics-bi",
    "data-analytics": "analytics-bi",
    "data-visualization": "analytics-bi",
    "predictive-analysis": "analytics-bi",
    "cloud-management": "infrastructure",
    "backup": "infrastructure",
    "it-security": "infrastructure",
    "network-security": "infrastructure",
    "it-asset-management": "infrastructure",
    "it-management": "infrastructure",
    "remote-support": "infrastructure",
}
assert set(PUBLICCODE_CATEGORIES.values()) <= set(CATEGORIES)

# Keyword rules for free-text tags (code.json), most specific first.
TAG_RULES: tuple[tuple[str, str], ...] = (
    ("payroll", r"\bpayroll\b"),
    (
        "hr",
        r"human resources?|\bhris\b|\bpersonnel\b|performance apprais|time and attendance|\brecruit",
    ),
    ("procurement", r"\bprocurement\b|\bacquisition planning\b|\bcontract management\b"),
    (
        "document-management",
        r"document management|records management|document capture|document processing|\bedms\b",
    ),
    ("help-desk", r"help ?desk|service desk|\bticketing\b|call cent(?:er|re)"),
    ("crm", r"\bcrm\b|customer relationship"),
    ("education-lms", r"learning management|\blms\b|e-?learning"),
    (
        "health-information",
        r"health ?it|medical records|\behr\b|\bemr\b|\bclinical\b|health information",
    ),
    (
        "case-management",
        r"case management|case processing|case tracking|claims processing|\badjudication\b|docket management",
    ),
    ("identity", r"\bidentity\b|\bauthentication\b|single sign|\bsso\b"),
    ("civil-registration", r"civil registration|vital records|birth registration"),
    ("tax-revenue", r"\btax(?:es)?\b|\brevenue\b|fee collection"),
    ("payments", r"\bpayments?\b|direct deposit|reimbursements?"),
    ("finance", r"\baccounting\b|\bfinancial\b|\bbudget|debt management|\bledger\b|\bfinance\b"),
    ("social-protection", r"social protection|\bwelfare\b|\bentitle?ments?\b|\bpensions?\b"),
    ("data-exchange", r"data exchanges?|\binteroperability\b|\bfhir\b"),
    ("data-collection", r"data collection|\bsurveys?\b"),
    ("gis", r"\bgis\b|geospatial|\bmaps\b|\bmapping\b"),
    ("messaging", r"\bmessaging\b|\bnotifications?\b|\bsms\b|\bchat\b"),
    ("collaboration", r"\bcollaboration\b|calendar management|conference room|video conferenc"),
    (
        "website-cms",
        r"\bwebsite\b|\bcms\b|content management|\bdrupal\b|\bwordpress\b|\bintranet\b",
    ),
    (
        "analytics-bi",
        r"\banalytics\b|business intelligence|\bdashboards?\b|data visuali[sz]ation|management information",
    ),
    ("infrastructure", r"\binfrastructure\b|\bbackups?\b|network monitoring|\bdevops\b"),
)
assert {c for c, _ in TAG_RULES} <= set(CATEGORIES)


def categorise_tags(text: pd.Series) -> pd.Series:
    """Best-effort category from free text (tags, names); NA when nothing matches."""
    low = text.astype("string").str.lower().fillna("")
    conds = [low.str.contains(rx, regex=True).to_numpy(dtype=bool) for _, rx in TAG_RULES]
    codes = np.select(conds, [c for c, _ in TAG_RULES], default="")
    return pd.Series(codes, index=text.index, dtype="string").replace("", pd.NA)


# Owner names that look like a public body (several languages); keep it simple.
_PUBLIC_BODY = re.compile(
    r"\b(minist|department|dept\b|agenc|agenz|agence|government|gouvernement|governo|gobierno|"
    r"regierung|bundes|comune|citt[aà]|city of|ville de|municipal|ayuntamiento|regione|r[ée]gion|"
    r"provinc|county|state of|republi|repubblica|council|authority|autorit|prefect|presidenza|"
    r"pubblica amministrazione|public administration|generalitat|diputaci|junta de|"
    r"federal|national|nazionale)",
    re.I,
)
_GOV_DOMAIN = re.compile(r"(\.gov\b|\.gouv\.|\.gob\.|\.gv\.|\.govt\.|\.gov\.)", re.I)


def _looks_public(owner: str | None) -> bool:
    if not owner:
        return False
    return bool(_PUBLIC_BODY.search(owner) or _GOV_DOMAIN.search(owner))


_FORGE = r"(?:github\.com|gitlab\.com|bitbucket\.org|sourceforge\.net|codeberg\.org|gitea\.com|code\.europa\.eu|developers\.italia\.it)"


# --------------------------------------------------------------------------- file discovery


def _files(path: Path, patterns: Iterable[str]) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        found = {p for pat in patterns for p in path.rglob(pat) if p.is_file()}
        return sorted(found)
    return [path]


def _result(
    records: list[dict[str, Any]] | pd.DataFrame,
    rejects: list[dict[str, Any]],
    warnings: list[dict[str, Any]],
    stats: dict[str, int],
) -> CatalogueResult:
    table = _finish(records)
    stats["rows"] = len(table)
    return CatalogueResult(table, _issues_frame(rejects), stats, _issues_frame(warnings))


def _new_stats() -> dict[str, int]:
    return {"files": 0, "files_rejected": 0, "read": 0, "loaded": 0, "rejected": 0, "rows": 0}


# --------------------------------------------------------------------------- publiccode.yml


def read_publiccode(path: Path) -> CatalogueResult:
    """Read a publiccode.yml file, or a folder of them, as inventory rows.

    Parameters
    ----------
    path : Path
        A publiccode.yml file, or a folder searched recursively for
        ``publiccode.yml``, ``*.publiccode.yml``, ``*.yml`` and ``*.yaml``.

    Returns
    -------
    CatalogueResult
        One row per user organisation (``usedBy``), see the module docstring
        for every mapping. Files that are not valid YAML, not a publiccode.yml,
        or name no software or no organisation are rejected with the reason.

    Examples
    --------
    One software used by two ministries gives two inventory rows:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import read_publiccode
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "publiccode.yml"
    >>> _ = path.write_text('''publiccodeYmlVersion: "0.4"
    ... name: PayFlow
    ... url: "https://github.com/example/payflow"
    ... categories: [payroll]
    ... usedBy:
    ...   - Ministry of Finance
    ...   - Ministry of Health
    ... legal:
    ...   license: AGPL-3.0-or-later
    ...   mainCopyrightOwner: Ministry of Finance
    ... maintenance:
    ...   type: internal
    ... ''', encoding="utf-8")
    >>> result = read_publiccode(path)
    >>> result.table[["ministry", "system_name", "licence", "source_code_access"]]
                  ministry system_name            licence source_code_access
    0  Ministry of Finance     PayFlow  AGPL-3.0-or-later        public-repo
    1   Ministry of Health     PayFlow  AGPL-3.0-or-later        public-repo
    >>> result.table["system_id"].tolist()
    ['ministry-of-finance-payflow', 'ministry-of-health-payflow']
    >>> result.stats["loaded"], result.stats["rows"], len(result.rejects)
    (1, 2, 0)
    >>> tmp.cleanup()
    """
    path = Path(path)
    stats = _new_stats()
    records: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    if not path.exists():
        rejects.append(_issue(path, "", None, "", "", "file or folder not found"))
        stats["files_rejected"] += 1
        return _result(records, rejects, warnings, stats)
    for file in _files(path, ("publiccode.yml", "*.publiccode.yml", "*.yml", "*.yaml")):
        stats["files"] += 1
        try:
            doc = yaml.safe_load(_read_text(file))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            rejects.append(
                _issue(file, "", None, "", where.strip(), f"invalid YAML{where}: {problem}")
            )
            stats["files_rejected"] += 1
            continue
        except (OSError, UnicodeDecodeError) as exc:
            rejects.append(_issue(file, "", None, "", "", f"cannot read the file: {exc}"))
            stats["files_rejected"] += 1
            continue
        if not isinstance(doc, dict) or not (
            "publiccodeYmlVersion" in doc or "publiccode-yaml-version" in doc
        ):
            rejects.append(
                _issue(
                    file,
                    "",
                    None,
                    "publiccodeYmlVersion",
                    "",
                    "not a publiccode.yml (no publiccodeYmlVersion key)",
                )
            )
            stats["files_rejected"] += 1
            continue
        stats["read"] += 1
        try:
            rows, problems, notes = _publiccode_rows(doc, file)
        except Exception as exc:  # noqa: BLE001 - an odd shape rejects this file, says why
            rows, notes = [], []
            problems = [_issue(file, "publiccode.yml", 1, "", "", _odd_shape(exc))]
        warnings.extend(notes)
        if problems:
            rejects.extend(problems)
            stats["rejected"] += 1
        else:
            records.extend(rows)
            stats["loaded"] += 1
    result = _result(records, rejects, warnings, stats)
    t = result.table
    if len(t):
        t["system_id"] = _dedupe_ids(_slug(t["ministry"] + " " + t["system_name"]))
    return result


def _publiccode_rows(
    doc: dict[str, Any], file: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for one publiccode.yml document, or the reasons it is rejected."""
    sheet = "publiccode.yml"
    notes: list[dict[str, Any]] = []
    descs = _dict(doc.get("description"))
    lang = "en" if "en" in descs else next(iter(descs), None)
    desc = _dict(descs.get(lang)) if lang else {}
    name = _text(doc.get("name")) or _text(desc.get("localisedName"))
    if not name:
        return (
            [],
            [_issue(file, sheet, 1, "name", "", "publiccode.yml has no software name")],
            notes,
        )

    legal = _dict(doc.get("legal"))
    owners = [
        _text(_get(doc, "organisation", "name")),
        _text(legal.get("mainCopyrightOwner")),
        _text(legal.get("repoOwner")),
    ]
    owner = next((o for o in owners if o), None)
    # One organisation listed twice (any case) uses the software once.
    users = list({u.casefold(): u for u in reversed(_texts(doc.get("usedBy")))}.values())[::-1]
    ministries = users or ([owner] if owner else [])
    if not ministries:
        return (
            [],
            [
                _issue(
                    file,
                    sheet,
                    1,
                    "usedBy",
                    "",
                    "no organisation: give usedBy, organisation.name, legal.mainCopyrightOwner or legal.repoOwner",
                )
            ],
            notes,
        )

    # An SPDX expression; a list of them (not the schema, seen) is any of them.
    raw_licence = " OR ".join(_texts(legal.get("license"))) or None
    licence, lic_problem = normalise_licence(raw_licence)
    if raw_licence and licence is None:
        notes.append(
            _issue(file, sheet, 1, "legal.license", raw_licence, f"{lic_problem}; left blank")
        )

    raw_cats = _texts(doc.get("categories"))
    maintained, vendor = _publiccode_maintenance(_dict(doc.get("maintenance")))
    langs, localised = _publiccode_localisation(_dict(doc.get("localisation")))
    n_docs = bool(_text(desc.get("documentation"))) + bool(_text(desc.get("apiDocumentation")))
    documentation = {0: None, 1: "basic", 2: "complete"}[n_docs]
    description = _text(desc.get("shortDescription")) or (
        (_text(desc.get("longDescription")) or "")[:300] or None
    )
    base = {
        "system_name": name,
        "category": _publiccode_category(raw_cats),
        "description": description,
        "vendor": vendor,
        "licence": licence,
        "ip_owner": "government" if any(_looks_public(o) for o in owners) else None,
        "source_code_access": "public-repo" if _text(doc.get("url")) else None,
        "proprietary_dependencies": _publiccode_dependencies(doc.get("dependsOn")),
        "documentation": documentation,
        "localised": localised,
        "maintained": maintained,
        "categories_raw": "; ".join(raw_cats) or None,
        "software_type": _text(doc.get("softwareType")),
        "available_languages": "; ".join(langs) or None,
        "last_modified": _text(doc.get("releaseDate")),
        "source_file": str(file),
        "source_sheet": sheet,
        "source_row": 1,
    }
    rows = [{**base, "ministry": m, "system_id": f"{m} {name}"} for m in ministries]
    return rows, [], notes


def _publiccode_category(raw_cats: list[str]) -> str | None:
    """The first category that maps to ours; "other" if none does; NA without a list."""
    mapped = [
        PUBLICCODE_CATEGORIES[c.lower()] for c in raw_cats if c.lower() in PUBLICCODE_CATEGORIES
    ]
    return mapped[0] if mapped else ("other" if raw_cats else None)


def _publiccode_dependencies(deps: Any) -> str | None:
    """``proprietary_dependencies`` from a ``dependsOn`` block (NA without one)."""
    if not isinstance(deps, dict):
        return None
    found = deps.get("proprietary")
    if found is True:  # "there are some", unnamed
        return "hard"
    prop = [d for d in _items(found) if d]
    if not prop:
        return "none"
    if any(not (isinstance(d, dict) and d.get("optional") is True) for d in prop):
        return "hard"
    return "replaceable"


def _publiccode_maintenance(maint: dict[str, Any]) -> tuple[bool | None, str | None]:
    """``maintained`` and ``vendor`` (the contractors) from a ``maintenance`` block."""
    mtype = (_text(maint.get("type")) or "").lower()
    maintained = None if not mtype else mtype != "none"
    vendor = None
    if mtype == "contract":
        names = [
            _text(c) if isinstance(c, str) else _text(_get(c, "name"))
            for c in _items(maint.get("contractors"))
        ]
        vendor = "; ".join(n for n in names if n) or None
    return maintained, vendor


def _publiccode_localisation(loc: dict[str, Any]) -> tuple[list[str], bool | None]:
    """Available languages and ``localised`` from a ``localisation`` block."""
    langs = _texts(loc.get("availableLanguages"))
    ready = loc.get("localisationReady")
    if len(langs) > 1 or ready is True:
        return langs, True
    if ready is False and len(langs) <= 1:
        return langs, False
    return langs, None


# --------------------------------------------------------------------------- code.json

_STATUS_MAINTAINED = {
    "ideation": True,
    "development": True,
    "alpha": True,
    "beta": True,
    "release candidate": True,
    "production": True,
    "archival": False,
    "archived": False,
    "deprecated": False,
}


def read_codejson(path: Path) -> CatalogueResult:
    """Read code.json agency inventories (code.gov schema 2.0 and 1.0).

    Parameters
    ----------
    path : Path
        A code.json file, or a folder whose ``*.json`` files are all read.

    Returns
    -------
    CatalogueResult
        One row per release (2.0 ``releases[]``) or project (1.0
        ``projects[]``); ``source_sheet`` is ``releases`` or ``projects`` and
        ``source_row`` the 1-based entry index. A file that is not valid JSON
        (e.g. truncated) or not a code.json inventory is one reject row naming
        the file and the position, so the other files still load.

    Examples
    --------
    >>> import json
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import read_codejson
    >>> inventory = {"version": "2.0.0", "agency": "SSA", "releases": [
    ...     {"name": "Claims Portal", "repositoryURL": "https://github.com/ssa/claims",
    ...      "permissions": {"usageType": "openSource", "licenses": [{"name": "Apache-2.0"}]},
    ...      "status": "Production", "tags": ["claims"]},
    ...     {"name": "Payroll Batch", "status": "Archival", "tags": ["payroll"],
    ...      "permissions": {"usageType": "exemptByLaw", "licenses": []}},
    ... ]}
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "code.json"
    >>> _ = path.write_text(json.dumps(inventory), encoding="utf-8")
    >>> result = read_codejson(path)
    >>> result.table[["system_id", "licence", "source_code_access", "maintained", "category"]]
               system_id     licence source_code_access  maintained category
    0  ssa-claims-portal  Apache-2.0        public-repo        True     <NA>
    1  ssa-payroll-batch        <NA>               <NA>       False  payroll
    >>> tmp.cleanup()
    """
    path = Path(path)
    stats = _new_stats()
    records: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    if not path.exists():
        rejects.append(_issue(path, "", None, "", "", "file or folder not found"))
        stats["files_rejected"] += 1
        return _result(records, rejects, [], stats)
    warnings: list[dict[str, Any]] = []
    for file in _files(path, ("*.json",)):
        stats["files"] += 1
        try:
            doc, sheet = _codejson_doc(file)
        except _FileRejected as exc:
            rejects.append(exc.issue)
            stats["files_rejected"] += 1
            continue
        agency = _text(doc.get("agency"))
        for i, entry in enumerate(doc[sheet], start=1):
            stats["read"] += 1
            try:
                rec, problem = _codejson_record(entry, agency, sheet)
            except Exception as exc:  # noqa: BLE001 - an odd shape rejects this entry only
                rec, problem = {}, ("", "", _odd_shape(exc))
            if problem:
                rejects.append(_issue(file, sheet, i, problem[0], problem[1], problem[2]))
                stats["rejected"] += 1
                continue
            raw_lic = rec.pop("_licence_raw")
            lic_problem = rec.pop("_licence_problem")
            if raw_lic and rec["licence"] is None:
                warnings.append(
                    _issue(
                        file,
                        sheet,
                        i,
                        "permissions.licenses",
                        raw_lic,
                        f"{lic_problem or 'licence not recognised'}; left blank",
                    )
                )
            rec.update(source_file=str(file), source_sheet=sheet, source_row=i)
            records.append(rec)
            stats["loaded"] += 1
    raw = pd.DataFrame.from_records(records)
    if len(raw):
        codes = _codejson_codes(raw)
        raw[list(codes.columns)] = codes
    result = _result(raw, rejects, warnings, stats)
    t = result.table
    if len(t):
        t["system_id"] = _dedupe_ids(_slug(t["ministry"] + " " + t["system_name"]))
    return result


def _odd_shape(exc: Exception) -> str:
    return (
        f"a value of an unexpected shape ({type(exc).__name__}: {exc}); "
        "not loaded, please report this if the file follows the schema"
    )


def read_catalogue_folder(path: Path) -> CatalogueResult:
    r"""The publiccode.yml files and code.json files of a folder, as one result.

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "publiccode.yml").write_text(
    ...     'publiccodeYmlVersion: "0.4"\nname: PayFlow\nusedBy: [Ministry of Finance]\n')
    >>> _ = (tmp / "code.json").write_text(
    ...     '{"agency": "SSA", "releases": [{"name": "Cat"}]}')
    >>> read_catalogue_folder(tmp).table["system_id"].tolist()
    ['ministry-of-finance-payflow', 'ssa-cat']
    """
    parts = [read_publiccode(path), read_codejson(path)]
    stats = {k: sum(int(p.stats.get(k, 0)) for p in parts) for k in _new_stats()}
    if not stats["files"]:
        issue = _issue(
            path, "", None, "", "", "no publiccode.yml (.yml, .yaml) or code.json (.json) here"
        )
        return CatalogueResult(_finish([]), _issues_frame([issue]), stats, _issues_frame([]))
    return CatalogueResult(
        pd.concat([p.table for p in parts], ignore_index=True),
        pd.concat([p.rejects for p in parts], ignore_index=True),
        stats,
        pd.concat([p.warnings for p in parts], ignore_index=True),
    )


class _FileRejected(Exception):
    """A whole file is not loaded; ``issue`` is its reject row."""

    def __init__(self, issue: dict[str, Any]) -> None:
        super().__init__(issue["problem"])
        self.issue = issue


def _codejson_doc(file: Path) -> tuple[dict[str, Any], str]:
    """A code.json document and the key of its entry list.

    Raises
    ------
    _FileRejected
        The file cannot be read, is not valid JSON or holds no entry list.
    """
    try:
        text = _read_text(file)
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the file ends early: it looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise _FileRejected(
            _issue(
                file,
                "",
                None,
                "",
                f"line {exc.lineno} column {exc.colno} (character {exc.pos})",
                f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}",
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _FileRejected(
            _issue(file, "", None, "", "", f"cannot read the file: {exc}")
        ) from None
    sheet = next(
        (
            k
            for k in ("releases", "projects")
            if isinstance(doc, dict) and isinstance(doc.get(k), list)
        ),
        None,
    )
    if sheet is None:
        schema = isinstance(doc, dict) and "$schema" in doc
        problem = (
            "not a code.json inventory (no 'releases' (schema 2.0) or 'projects' "
            "(schema 1.0) list)" + ("; this looks like a JSON Schema" if schema else "")
        )
        raise _FileRejected(_issue(file, "", None, "releases", "", problem))
    return doc, sheet


def _codejson_record(
    entry: Any, agency: str | None, sheet: str
) -> tuple[dict[str, Any], tuple[str, str, str] | None]:
    """Raw values of one code.json entry (mapping to codes is vectorised later)."""
    if not isinstance(entry, dict):
        return {}, ("", repr(entry), f"entry is a {type(entry).__name__}, expected an object")
    name = _text(entry.get("name"))
    if not name:
        return {}, ("name", "", "entry has no name")
    ministry = agency or _text(entry.get("organization"))
    if not ministry:
        return {}, (
            "agency",
            "",
            "no agency at the top of the file and no organization in the entry",
        )
    if sheet == "releases":
        perms = _dict(entry.get("permissions"))
        usage = _text(perms.get("usageType"))
        lic_list = [lic for lic in _items(perms.get("licenses")) if isinstance(lic, dict)]
        pairs = [(_text(lic.get("name")), _text(lic.get("URL"))) for lic in lic_list]
        repo = _text(entry.get("repositoryURL"))
        modified = _text(_get(entry, "date", "lastModified")) or _text(
            _get(entry, "date", "metadataLastUpdated")
        )
    else:  # schema 1.0
        if entry.get("openSourceProject") in (1, True, "1"):
            usage = "openSource"
        elif entry.get("governmentWideReuseProject") in (1, True, "1"):
            usage = "governmentWideReuse"
        elif _text(entry.get("exemptionText")):
            usage = "exempt"
        else:
            usage = None
        lic = _text(entry.get("license"))
        # A URL only if it looks like one: "BSD-3-Clause / MIT" is two names.
        is_url = bool(lic and re.match(r"(?i)(https?://|www\.)|[\w.-]+\.[a-z]{2,}/", lic))
        pairs = [(None, lic) if is_url else (lic, None)]
        repo = _text(entry.get("repository"))
        modified = _text(_get(entry, "updated", "lastModified")) or _text(
            _get(entry, "updated", "lastCommit")
        )
    found = [normalise_licence(n, u) for n, u in pairs if n or u]
    spdx = [f[0] for f in found]
    known = list(dict.fromkeys(s for s in spdx if s))
    lic_problem = next((f[1] for f in found if f[1]), None)
    raw_lic = "; ".join(filter(None, (n or u for n, u in pairs)))
    tags = _texts(entry.get("tags"))
    labor = entry.get("laborHours")
    labor = (
        float(labor)
        if isinstance(labor, int | float) and not isinstance(labor, bool) and labor >= 0
        else None
    )
    desc = _text(entry.get("description"))
    if tags:
        desc = f"{desc or ''} (tags: {'; '.join(tags)})".strip()
    return {
        "system_id": f"{ministry} {name}",
        "system_name": name,
        "ministry": ministry,
        "description": desc,
        # Several licences in one entry: the entry may be used under any of them.
        "licence": " OR ".join(known) if known and len(known) == len(spdx) else None,
        "_licence_raw": raw_lic,
        "_licence_problem": lic_problem,
        "usage_type": usage,
        "languages": "; ".join(_texts(entry.get("languages"))) or None,
        "labor_hours": labor,
        "last_modified": modified,
        "status": _text(entry.get("status")),
        "repo": repo,
        "tag_text": " | ".join([*tags, name]),
    }, None


def _codejson_codes(raw: pd.DataFrame) -> pd.DataFrame:
    usage = raw["usage_type"].astype("string")
    repo = raw["repo"].astype("string")
    has_url = repo.notna() & (repo.str.len() > 0)
    on_forge = repo.str.contains(_FORGE, case=False, regex=True).fillna(False).astype(bool)
    access = np.select(
        [
            on_forge.to_numpy(),
            has_url.fillna(False).to_numpy(bool),
            (usage == "governmentWideReuse").fillna(False).to_numpy(bool),
        ],
        ["public-repo", "gov-repo", "gov-repo"],
        default="",
    )
    out = pd.DataFrame(index=raw.index)
    out["source_code_access"] = pd.Series(access, index=raw.index, dtype="string").replace(
        "", pd.NA
    )
    shared = usage.isin(["openSource", "governmentWideReuse"]).fillna(False)
    out["ip_owner"] = pd.Series(pd.NA, index=raw.index, dtype="string").mask(shared, "government")
    status = raw["status"].astype("string").str.strip().str.lower()
    out["maintained"] = status.map(_STATUS_MAINTAINED).astype("boolean")
    out["category"] = categorise_tags(raw["tag_text"])
    return out
