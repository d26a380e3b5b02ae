"""Canonical tables: one place that defines every column the library knows.

The column specs below are the single source of truth for
the pandera schemas, the column aliases used by the loaders, the data
dictionary in the README and the data-collection templates.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

# Provenance columns every loaded row keeps, so any number traces to a cell.
PROVENANCE = ("source_file", "source_sheet", "source_row")


@dataclass(frozen=True)
class Column:
    """Specification of one canonical column.

    Parameters
    ----------
    name : str
        Canonical column name (snake_case, English).
    kind : str
        One of ``"str"``, ``"code"``, ``"float"``, ``"int"``, ``"bool"``,
        ``"date"``.
    description : str
        Plain-words meaning, shown in the data dictionary and templates.
    required : bool
        Whether the column must be present (and non-empty) in every row.
    codes : tuple of str
        Allowed values for ``kind == "code"``.
    nullable : bool
        For a required column: the column must be present but a row may leave
        it empty (a contract whose supplier was not recorded still counts).
    aliases : tuple of str
        Header spellings (English, Spanish, French) recognised by the loaders,
        compared after normalisation (case, accents, punctuation).
    """

    name: str
    kind: str
    description: str
    required: bool = False
    codes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default_factory=tuple)
    nullable: bool = False


YES_NO = ("yes", "no")

CATEGORIES = (
    "hr",
    "payroll",
    "finance",
    "erp",
    "document-management",
    "procurement",
    "identity",
    "help-desk",
    "crm",
    "case-management",
    "civil-registration",
    "social-protection",
    "health-information",
    "education-lms",
    "tax-revenue",
    "payments",
    "data-exchange",
    "data-collection",
    "gis",
    "messaging",
    "collaboration",
    "website-cms",
    "analytics-bi",
    "infrastructure",
    "other",
)
"""Functional categories (after publiccode.yml ``categories``): join key between
systems, ministries and open-source alternatives."""

CROSS_CUTTING = frozenset(
    {
        "hr",
        "payroll",
        "finance",
        "erp",
        "document-management",
        "procurement",
        "identity",
        "help-desk",
        "crm",
        "collaboration",
        "messaging",
        "website-cms",
    }
)

INVENTORY_COLUMNS: tuple[Column, ...] = (
    Column(
        "system_id",
        "str",
        "Unique identifier of the system within the inventory.",
        True,
        aliases=(
            "id",
            "system id",
            "system code",
            "asset id",
            "id sistema",
            "codigo sistema",
            "identificador",
            "id systeme",
            "identifiant",
            "code systeme",
        ),
    ),
    Column(
        "system_name",
        "str",
        "Name of the system or application.",
        True,
        aliases=(
            "name",
            "system",
            "application",
            "application name",
            "system name",
            "nombre",
            "sistema",
            "nombre del sistema",
            "aplicacion",
            "nom",
            "systeme",
            "nom du systeme",
            "application",
        ),
    ),
    Column(
        "ministry",
        "str",
        "Ministry or agency that owns the system.",
        True,
        aliases=(
            "agency",
            "department",
            "owner",
            "organisation",
            "organization",
            "entity",
            "ministerio",
            "entidad",
            "institucion",
            "ministere",
            "organisme",
            "administration",
        ),
    ),
    Column(
        "category",
        "code",
        "Functional category (publiccode.yml style).",
        codes=CATEGORIES,
        aliases=(
            "function",
            "functional category",
            "domain",
            "categoria",
            "funcion",
            "categorie",
            "fonction",
        ),
    ),
    Column(
        "description", "str", "What the system does.", aliases=("descripcion", "details", "purpose")
    ),
    Column(
        "vendor",
        "str",
        "Main vendor or implementer of the system.",
        aliases=(
            "supplier",
            "provider",
            "contractor",
            "proveedor",
            "fournisseur",
            "prestataire",
            "main vendor",
        ),
    ),
    Column(
        "licence",
        "str",
        "Licence as an SPDX id, or LicenseRef-proprietary.",
        aliases=(
            "license",
            "licence",
            "licencia",
            "licence type",
            "license type",
            "tipo de licencia",
            "type de licence",
        ),
    ),
    Column(
        "ip_owner",
        "code",
        "Who owns the intellectual property of the code.",
        codes=("government", "vendor", "third-party", "shared"),
        aliases=(
            "ip owner",
            "ip ownership",
            "intellectual property",
            "code owner",
            "propiedad intelectual",
            "titular",
            "propriete intellectuelle",
        ),
    ),
    Column(
        "source_code_access",
        "code",
        "Where the source code can be obtained.",
        codes=("public-repo", "gov-repo", "escrow", "none"),
        aliases=(
            "source code",
            "source code access",
            "code access",
            "codigo fuente",
            "acceso al codigo",
            "code source",
            "acces au code",
        ),
    ),
    Column(
        "hosting",
        "code",
        "Where the system runs.",
        codes=("government", "third-party-in-country", "vendor-cloud-in-country", "foreign"),
        aliases=("hosting model", "hosted", "deployment", "alojamiento", "hebergement"),
    ),
    Column(
        "data_location",
        "str",
        "Country where the data is stored.",
        aliases=(
            "data location",
            "data residency",
            "ubicacion de datos",
            "localisation des donnees",
        ),
    ),
    Column(
        "data_export",
        "code",
        "Can the data be exported, and in what format.",
        codes=("open-format", "proprietary-format", "none"),
        aliases=(
            "data export",
            "export",
            "data portability",
            "exportacion de datos",
            "export des donnees",
        ),
    ),
    Column(
        "interfaces_total",
        "int",
        "Number of interfaces (APIs, file exchanges).",
        aliases=("interfaces", "number of interfaces", "interfaces total", "interfaces totales"),
    ),
    Column(
        "interfaces_open",
        "int",
        "Of those, how many follow open standards.",
        aliases=(
            "open interfaces",
            "interfaces open standards",
            "interfaces abiertas",
            "interfaces ouvertes",
        ),
    ),
    Column(
        "proprietary_dependencies",
        "code",
        "Dependence on proprietary components.",
        codes=("none", "replaceable", "hard"),
        aliases=(
            "proprietary dependencies",
            "dependencies",
            "dependencias propietarias",
            "dependances proprietaires",
        ),
    ),
    Column(
        "integrations",
        "int",
        "Number of other systems it is integrated with.",
        aliases=("integrations", "number of integrations", "integraciones"),
    ),
    Column(
        "documentation",
        "code",
        "Level of technical documentation available.",
        codes=("none", "basic", "complete"),
        aliases=("documentation level", "docs", "documentacion"),
    ),
    Column(
        "in_house_capability",
        "bool",
        "Staff in the ministry can maintain it.",
        aliases=(
            "in house capability",
            "in house skills",
            "internal capability",
            "capacidad interna",
            "competences internes",
        ),
    ),
    Column(
        "qualified_suppliers",
        "int",
        "Number of suppliers able to maintain it.",
        aliases=(
            "qualified suppliers",
            "number of suppliers",
            "proveedores calificados",
            "fournisseurs qualifies",
        ),
    ),
    Column(
        "exit_clause",
        "bool",
        "Contract has an exit / transition clause.",
        aliases=("exit clause", "clausula de salida", "clause de sortie"),
    ),
    Column(
        "data_return_clause",
        "bool",
        "Contract obliges the vendor to return the data.",
        aliases=(
            "data return clause",
            "data return",
            "devolucion de datos",
            "restitution des donnees",
        ),
    ),
    Column(
        "contract_end",
        "date",
        "End date of the current contract.",
        aliases=(
            "contract end",
            "contract end date",
            "end date",
            "fin de contrato",
            "fin du contrat",
            "expiry",
        ),
    ),
    Column(
        "annual_cost",
        "float",
        "Annual cost (licences, support, hosting).",
        aliases=("annual cost", "yearly cost", "cost per year", "costo anual", "cout annuel"),
    ),
    Column(
        "currency", "str", "ISO 4217 currency of the amounts.", aliases=("moneda", "devise", "curr")
    ),
    Column(
        "users",
        "int",
        "Number of users.",
        aliases=("number of users", "user count", "usuarios", "utilisateurs"),
    ),
    Column(
        "criticality",
        "code",
        "Business criticality.",
        codes=("low", "medium", "high"),
        aliases=("business criticality", "criticidad", "criticite"),
    ),
    Column(
        "go_live_year",
        "int",
        "Year the system went live.",
        aliases=(
            "go live",
            "go live year",
            "year deployed",
            "ano de implementacion",
            "annee de mise en service",
        ),
    ),
    Column(
        "configurable",
        "bool",
        "Modular / configurable without code changes.",
        aliases=("modular", "configurable modular", "configurable"),
    ),
    Column(
        "localised",
        "bool",
        "Available in the local language(s).",
        aliases=("localized", "localisation", "localization", "localizado", "localise"),
    ),
    Column(
        "maintained",
        "bool",
        "Actively maintained (release in the last 2 years).",
        aliases=("actively maintained", "mantenido", "maintenu"),
    ),
)

PROCUREMENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "ministry",
        "str",
        "Buying ministry or agency.",
        True,
        aliases=(
            "buyer",
            "agency",
            "department",
            "entity",
            "procuring entity",
            "contracting authority",
            "ministerio",
            "entidad",
            "comprador",
            "entidad contratante",
            "ministere",
            "acheteur",
            "pouvoir adjudicateur",
        ),
    ),
    Column(
        "supplier",
        "str",
        "Supplier (vendor) awarded the contract (may be empty).",
        True,
        nullable=True,
        aliases=(
            "vendor",
            "vendor name",
            "contractor",
            "awardee",
            "supplier name",
            "proveedor",
            "contratista",
            "adjudicatario",
            "fournisseur",
            "titulaire",
            "attributaire",
        ),
    ),
    Column(
        "amount",
        "float",
        "Contract or award value.",
        True,
        aliases=(
            "value",
            "amount",
            "contract value",
            "award value",
            "total",
            "price",
            "monto",
            "importe",
            "valor",
            "valor del contrato",
            "montant",
            "montant du marche",
            "obligation",
        ),
    ),
    Column("currency", "str", "ISO 4217 currency.", aliases=("moneda", "devise", "curr")),
    Column(
        "award_date",
        "date",
        "Date of award or signature.",
        aliases=(
            "date",
            "award date",
            "signature date",
            "contract date",
            "date signed",
            "fecha",
            "fecha de adjudicacion",
            "fecha de firma",
            "date d attribution",
            "date de signature",
        ),
    ),
    Column(
        "start_date",
        "date",
        "Contract start.",
        aliases=("start", "start date", "fecha de inicio", "inicio", "date de debut"),
    ),
    Column(
        "end_date",
        "date",
        "Contract end.",
        aliases=("end", "end date", "fecha de fin", "fecha fin", "fin", "date de fin"),
    ),
    Column(
        "method",
        "code",
        "Procurement method (OCDS codes).",
        codes=("open", "selective", "limited", "direct"),
        aliases=(
            "procurement method",
            "method",
            "tender type",
            "procedure",
            "procedure type",
            "modalidad",
            "metodo",
            "tipo de procedimiento",
            "procedimiento",
            "procedure",
            "type de procedure",
            "mode de passation",
        ),
    ),
    Column(
        "tenderers",
        "int",
        "Number of tenderers (bids received).",
        aliases=(
            "number of tenderers",
            "bids",
            "number of bids",
            "bidders",
            "numero de oferentes",
            "ofertas",
            "nombre d offres",
            "soumissionnaires",
        ),
    ),
    Column(
        "system_id",
        "str",
        "Inventory id of the system the contract is for.",
        aliases=("system id", "system code", "asset id", "id sistema", "identifiant systeme"),
    ),
    Column(
        "system_name",
        "str",
        "Name of the system the contract is for.",
        aliases=("system", "system name", "application", "investment", "sistema", "systeme"),
    ),
    Column(
        "contract_id",
        "str",
        "Contract or award reference.",
        aliases=(
            "contract",
            "contract id",
            "contract number",
            "reference",
            "ocid",
            "numero de contrato",
            "contrato",
            "reference du marche",
        ),
    ),
    Column(
        "description",
        "str",
        "What was bought.",
        aliases=("title", "subject", "object", "objeto", "descripcion", "objet"),
    ),
    Column(
        "classification",
        "str",
        "Item classification code (CPV or UNSPSC).",
        aliases=("cpv", "unspsc", "classification code", "cpv code", "codigo cpv", "code cpv"),
    ),
    Column(
        "amendments",
        "int",
        "Number of amendments to the contract.",
        aliases=("number of amendments", "modificaciones", "avenants"),
    ),
    Column(
        "original_amount",
        "float",
        "Value at signature, before amendments.",
        aliases=("original value", "initial value", "valor original", "montant initial"),
    ),
    Column(
        "brand_name_spec",
        "bool",
        "Specification names a brand without 'or equivalent'.",
        aliases=("brand name", "brand name specification", "marca", "marque"),
    ),
)

QUESTIONNAIRE_COLUMNS: tuple[Column, ...] = (
    Column(
        "ministry",
        "str",
        "Ministry answering.",
        True,
        aliases=("agency", "ministerio", "ministere", "entity"),
    ),
    Column(
        "point",
        "str",
        "Readiness point id (see the questionnaire template).",
        True,
        aliases=("id", "question id", "point id", "punto", "indicateur"),
    ),
    Column(
        "answer",
        "code",
        "Answer.",
        True,
        codes=("yes", "partly", "no", "unknown"),
        aliases=("response", "respuesta", "reponse", "status"),
    ),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "inventory": INVENTORY_COLUMNS,
    "procurement": PROCUREMENT_COLUMNS,
    "questionnaire": QUESTIONNAIRE_COLUMNS,
}

# Columns the loaders add to procurement (not read from input).
PROCUREMENT_DERIVED = ("supplier_raw", "method_raw", "is_it", "split_award", "process_id")

_PANDAS_DTYPES = {
    "str": "string",
    "code": "string",
    "float": "Float64",
    "int": "Int64",
    "bool": "boolean",
    "date": "datetime64[ns]",
}


def pandas_dtype(kind: str) -> str:
    """Return the pandas dtype used for a column kind."""
    return _PANDAS_DTYPES[kind]


def columns(table: str) -> tuple[Column, ...]:
    """Return the column specs of a canonical table.

    Examples
    --------
    >>> from ospo_analytics import columns
    >>> [c.name for c in columns("procurement")][:4]
    ['ministry', 'supplier', 'amount', 'currency']
    >>> columns("contracts")
    Traceback (most recent call last):
    ...
    ValueError: unknown table 'contracts'; expected one of ['inventory', 'procurement', 'questionnaire']
    """
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(f"unknown table {table!r}; expected one of {sorted(TABLES)}") from None


def empty_frame(table: str) -> pd.DataFrame:
    """Return an empty canonical table with the right dtypes (incl. provenance).

    Examples
    --------
    >>> from ospo_analytics import empty_frame
    >>> inv = empty_frame("inventory")
    >>> len(inv), str(inv["system_id"].dtype), "source_row" in inv
    (0, 'string', True)
    """
    data = {c.name: pd.Series(dtype=pandas_dtype(c.kind)) for c in columns(table)}
    if table == "procurement":
        data["supplier_raw"] = pd.Series(dtype="string")
        data["method_raw"] = pd.Series(dtype="string")
        data["is_it"] = pd.Series(dtype="boolean")
        data["split_award"] = pd.Series(dtype="boolean")
        data["process_id"] = pd.Series(dtype="string")
    data["source_file"] = pd.Series(dtype="string")
    data["source_sheet"] = pd.Series(dtype="string")
    data["source_row"] = pd.Series(dtype="Int64")
    return pd.DataFrame(data)


def pandera_schema(table: str) -> pa.DataFrameSchema:
    """Build the pandera schema that validates a canonical table.

    Optional columns may be absent or null; required columns must be present
    and non-null; coded columns must hold one of their codes.

    Examples
    --------
    >>> from ospo_analytics import empty_frame, pandera_schema
    >>> len(pandera_schema("inventory").validate(empty_frame("inventory")))
    0
    """
    cols: dict[str, pa.Column] = {}
    for c in columns(table):
        checks = []
        if c.kind == "code":
            checks.append(pa.Check.isin(list(c.codes)))
        if c.name in ("amount",):
            pass  # negative amounts (credit notes) are legitimate
        if c.kind == "int" and c.name not in ("go_live_year",):
            checks.append(pa.Check.ge(0))
        cols[c.name] = pa.Column(
            pandas_dtype(c.kind),
            checks=checks,
            nullable=not c.required or c.nullable,
            required=c.required,
            coerce=False,
        )
    for p in PROVENANCE:
        cols[p] = pa.Column(
            "Int64" if p == "source_row" else "string", nullable=True, required=False
        )
    unique = ["system_id"] if table == "inventory" else None
    return pa.DataFrameSchema(cols, strict=False, unique=unique)


def data_dictionary_markdown() -> str:
    """Render the data dictionary of the canonical tables as Markdown.

    The README embeds this text; a test keeps the two in sync.
    """
    kinds = {
        "str": "text",
        "code": "code",
        "float": "number",
        "int": "integer",
        "bool": "yes/no",
        "date": "date",
    }
    out: list[str] = []
    for table, cols in TABLES.items():
        out.append(f"#### `{table}`\n")
        out.append("| column | required | type | meaning | codes |")
        out.append("|---|---|---|---|---|")
        for c in cols:
            codes = (
                ", ".join(f"`{x}`" for x in c.codes)
                if c.name != "category"
                else ("see *Functional categories*")
            )
            req = "**yes**" if c.required else "no"
            out.append(f"| `{c.name}` | {req} | {kinds[c.kind]} | {c.description} | {codes} |")
        out.append("")
    out.append(
        "Every loaded row also keeps `source_file`, `source_sheet`, `source_row` "
        "(1-based row as a spreadsheet shows it). Procurement and inventory add `buyer` "
        "(the buyer or agency as written; `ministry` is the ministry it rolls up to, "
        "see *Buyers and ministries*). Procurement adds `supplier_raw` "
        "(the spelling in the file), `method_raw`, `is_it` (item classification in the "
        "IT filter; empty = no classification), `split_award` (an OCDS award to "
        "several suppliers, split evenly) and `process_id` (the OCDS `ocid`; empty for "
        "spreadsheets, where each row is its own process).\n"
    )
    out.append("**Functional categories**: " + ", ".join(f"`{c}`" for c in CATEGORIES) + ".\n")
    return "\n".join(out)


@functools.cache
def readiness_points() -> tuple[dict[str, str], ...]:
    """Return the readiness points of the questionnaire (English texts).

    The one reader of ``data/readiness_points.toml``: validation (known ids),
    scoring (the indicator each point feeds), templates and the demo use it.

    Returns
    -------
    tuple of dict
        One dict per point with keys ``id``, ``group``, ``ggi``,
        ``question`` and ``why``, in file order.
    """
    raw = (Path(__file__).resolve().parents[1] / "data" / "readiness_points.toml").read_text(
        encoding="utf-8"
    )
    return tuple(tomllib.loads(raw)["point"])
