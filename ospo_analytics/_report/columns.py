"""Plain headers, number formats and explanations of the columns in ``scores.xlsx``.

One dictionary: the workbook's headers, its *Columns* sheet and its number
formats all come from here, so a header and its explanation cannot drift
apart. Scores are shown 0–100 everywhere (readiness is stored 0–1 and
multiplied here, for display only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._i18n import N_, _

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "for_workbook"]

# column -> (header, kind, explanation); kind: text, money, pct, score, score01,
# int, num, date, ratio.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "system_id": (N_("System id"), "text", N_("Inventory id of the system.")),
    "system_name": (N_("System"), "text", N_("System name as recorded in the inventory.")),
    "ministry": (N_("Ministry"), "text", N_("Ministry (buyer) the row belongs to.")),
    "category": (N_("Function"), "text", N_("Functional category (publiccode.yml categories).")),
    "category_words": (
        N_("Function in words"),
        "text",
        N_("The functional category in plain words, as the report shows it."),
    ),
    "vendor": (N_("Vendor"), "text", N_("Supplier of the system.")),
    "lockin_score": (
        N_("Lock-in (0–100)"),
        "score",
        N_("Weighted mean of the known lock-in factors."),
    ),
    "lockin_low": (
        N_("Lock-in best case"),
        "score",
        N_("Score if every unknown factor were best."),
    ),
    "lockin_high": (
        N_("Lock-in worst case"),
        "score",
        N_("Score if every unknown factor were worst."),
    ),
    "lockin_band": (
        N_("Lock-in band"),
        "text",
        N_("low / medium / high; unknown below the confidence floor."),
    ),
    "confidence": (
        N_("Confidence"),
        "pct",
        N_("Share of the factor weight resting on known data."),
    ),
    "lockin_rank": (N_("Rank"), "int", N_("Lock-in rank across government (1 = most locked in).")),
    "rank_min": (N_("Best rank"), "int", N_("Best rank when every weight moves ±20 %.")),
    "rank_max": (N_("Worst rank"), "int", N_("Worst rank when every weight moves ±20 %.")),
    "top_drivers": (N_("Main drivers"), "text", N_("Factors adding most to the lock-in score.")),
    "red_flags": (N_("Red flags"), "text", N_("Conditions no average may hide.")),
    "reuse_score": (N_("Reuse (0–100)"), "score", N_("Potential to share or reuse the system.")),
    "replace_priority": (
        N_("Replacement priority"),
        "num",
        N_("Lock-in × availability of an open alternative (0–1)."),
    ),
    "spend_total": (N_("Spend"), "money", N_("Procurement spend linked to the system.")),
    "candidate_alternatives": (
        N_("Open alternatives"),
        "text",
        N_("Open-source / DPG alternatives for the function."),
    ),
    "in_inventory": (N_("In inventory"), "text", N_("no = known only from procurement records.")),
    "factor": (
        N_("Factor"),
        "text",
        N_("Factor id (L1–L13 lock-in, R1–R12 reuse): the same in every language."),
    ),
    "name": (N_("Factor name"), "text", N_("What the factor measures.")),
    "group": (N_("Group"), "text", N_("Sub-score the factor belongs to.")),
    "value": (N_("Value"), "num", N_("Value of the row (see the sheet).")),
    "weight": (N_("Weight"), "num", N_("Weight of the factor in the scoring profile.")),
    "contribution": (N_("Points"), "num", N_("Points of the score the factor adds.")),
    "known": (N_("Known"), "text", N_("yes when the factor rests on data.")),
    "evidence": (N_("Evidence"), "text", N_("The rows and fields behind the factor.")),
    "supplier": (N_("Supplier"), "text", N_("Awarded supplier (blank: none recorded).")),
    "spend": (
        N_("IT spend"),
        "money",
        N_("Positive IT contract amounts (credit notes not netted)."),
    ),
    "share": (N_("Share"), "pct", N_("Share of the ministry's IT spend.")),
    "contracts": (N_("Contracts"), "int", N_("Number of contract rows.")),
    "method": (
        N_("Procedure"),
        "text",
        N_("OCDS procurement method (open, selective, limited, direct)."),
    ),
    "awards": (N_("Awards"), "int", N_("Number of awards.")),
    "single_bid_awards": (
        N_("Single-bid awards"),
        "int",
        N_("Competitive awards that received one bid (R018)."),
    ),
    "end_date": (
        N_("Contract ends"),
        "date",
        N_("One end date per system: next end on or after the analysis date, else the last."),
    ),
    "status": (N_("Status"), "text", N_("active or ended at the analysis date.")),
    "months_to_end": (
        N_("Months to end"),
        "num",
        N_("Months from the analysis date (negative: ended)."),
    ),
    "n_upcoming": (N_("Upcoming end dates"), "int", N_("Distinct contract end dates still ahead.")),
    "source": (N_("Date from"), "text", N_("procurement or inventory record.")),
    "contract_vendor": (N_("Contract supplier"), "text", N_("Supplier of the contract that ends.")),
    "kind": (N_("Opportunity"), "text", N_("duplication, exit_window or replacement.")),
    "rank": (N_("Rank"), "int", N_("Order within the opportunity kind (1 = first).")),
    "description": (N_("Description"), "text", N_("What to do.")),
    "ministries": (N_("Ministries"), "text", N_("Ministries running the function.")),
    "n_ministries": (N_("Number of ministries"), "int", N_("How many ministries run it.")),
    "vendors": (N_("Vendors"), "text", N_("Vendors across those ministries.")),
    "n_vendors": (N_("Number of vendors"), "int", N_("How many vendors.")),
    "spend_at_stake": (
        N_("Spend at stake (all ministries)"),
        "money",
        N_("Spend on the function across the ministries."),
    ),
    "alternatives": (N_("Open alternatives"), "text", N_("Open-source / DPG alternatives.")),
    "window": (N_("Exit window (months)"), "int", N_("Smallest profile window the end falls in.")),
    "n_ending": (N_("End dates in window"), "int", N_("Distinct end dates within the windows.")),
    "systems": (N_("Systems"), "int", N_("Systems of the ministry.")),
    "systems_unknown": (
        N_("Systems where unknown"),
        "int",
        N_("Systems with this factor unknown."),
    ),
    "readiness_score": (
        N_("Readiness (0–100)"),
        "score01",
        N_("Weighted mean of the known readiness indicators."),
    ),
    "readiness_confidence": (
        N_("Readiness confidence"),
        "pct",
        N_("Share of the readiness weight known."),
    ),
    "readiness_stage": (N_("Stage"), "int", N_("0 ad hoc … 4 strategic.")),
    "readiness_stage_name": (N_("Stage name"), "text", N_("Name of the stage.")),
    "n_systems": (N_("Systems"), "int", N_("Systems in the inventory.")),
    "n_high_lockin": (
        N_("Systems at high lock-in"),
        "int",
        N_("Systems in the high lock-in band."),
    ),
    "lockin_exposure": (
        N_("Spend-weighted lock-in (0–100)"),
        "score01",
        N_("Lock-in weighted by linked spend; unknown when the scores rest on too little data."),
    ),
    "spend_it": (N_("IT spend"), "money", N_("IT procurement spend.")),
    "hhi_it": (
        N_("Supplier HHI (IT)"),
        "ratio",
        N_("Herfindahl–Hirschman index of IT spend (0–1)."),
    ),
    "top_supplier": (N_("Top supplier"), "text", N_("Supplier with the largest IT spend.")),
    "top_supplier_share": (N_("Top supplier share"), "pct", N_("Its share of IT spend.")),
    "noncompetitive_share": (
        N_("Non-competitive share"),
        "pct",
        N_("IT spend awarded limited or direct."),
    ),
    "single_bid_rate": (
        N_("Single-bid rate"),
        "pct",
        N_("Competitive awards with one bid (R018)."),
    ),
    "award_date": (N_("Award date"), "date", N_("Date of the award.")),
    "start_date": (N_("Start date"), "date", N_("Contract start.")),
    "amount": (N_("Amount"), "money", N_("Contract amount as recorded.")),
    "contract_id": (N_("Contract id"), "text", N_("Contract or process id.")),
    "linked_system": (N_("Linked system"), "text", N_("System the contract was linked to.")),
    "source_file": (N_("File"), "text", N_("Input file of the row.")),
    "source_row": (N_("Row"), "int", N_("Row in the input file (as Excel shows it).")),
    "measure": (N_("Measure"), "text", N_("Headline figure.")),
}

# Sheet-specific meanings of shared column names.
_SHEET: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Lock-in drivers", "value"): (
        N_("Factor value (0–1)"),
        "ratio",
        N_("0 = no lock-in, 1 = full lock-in."),
    ),
    ("Opportunities", "value"): (N_("Value"), "money", N_("Spend concerned by the opportunity.")),
    ("Functions", "n_systems"): (
        N_("Systems"),
        "int",
        N_("Systems of the function, in the inventory or named in procurement."),
    ),
    ("Functions", "spend_total"): (
        N_("Spend"),
        "money",
        N_("Procurement spend linked to the function's systems."),
    ),
    ("Competition by year", "year"): (
        N_("Year"),
        "int",
        N_("Year of the award, else of the contract start; empty when neither is known."),
    ),
    ("Competition by year", "share"): (
        N_("Share"),
        "pct",
        N_("Share of the ministry's IT spend that year."),
    ),
}


SHEETS = (
    N_("Summary"),
    N_("Systems"),
    N_("Lock-in drivers"),
    N_("Suppliers"),
    N_("Competition"),
    N_("Competition by year"),
    N_("Exit windows"),
    N_("Opportunities"),
    N_("Contracts"),
    N_("Unknowns"),
    N_("Rejected rows"),
    N_("National totals"),
    N_("Ministries"),
    N_("Duplication"),
    N_("Functions"),
    N_("Top opportunities"),
    N_("Files loaded"),
    N_("Columns"),
)
"""Sheet names of the workbooks (translated when written)."""


def for_workbook(
    tables: dict[str, pd.DataFrame],
) -> tuple[dict[str, pd.DataFrame], dict[str, set[str]], pd.DataFrame]:
    """Headers in words, 0–100 scores, per-kind column sets and a Columns sheet.

    Returns
    -------
    tables : dict
        The sheets with renamed columns (readiness and exposure × 100), sheet
        names and headers in the report language.
    kinds : dict
        ``{"money": {...headers}, "pct": {...}, "score": {...}, "ratio": {...}}``.
    columns : DataFrame
        Sheet, column, explanation: the workbook's *Columns* sheet.
    """
    import pandas as pd

    out: dict[str, pd.DataFrame] = {}
    kinds: dict[str, set[str]] = {k: set() for k in ("money", "pct", "score", "ratio")}
    expl: list[dict[str, str]] = []
    for sheet, df in tables.items():
        df = df.copy()
        names = {}
        for col in df.columns:
            header, kind, text = _SHEET.get((sheet, col)) or COLUMNS.get(
                col, (str(col).replace("_", " ").capitalize(), "auto", "")
            )
            header, text = _(header), _(text) if text else text
            if kind == "score01" and pd.api.types.is_numeric_dtype(df[col]):
                df[col] = df[col].astype("Float64") * 100
                kind = "score"
            if kind in kinds:
                kinds[kind].add(header)
            names[col] = header
            expl.append({_("Sheet"): _(sheet), _("Column"): header, _("Meaning"): text})
        out[_(sheet)] = df.rename(columns=names)
    return out, kinds, pd.DataFrame(expl, dtype="string")
