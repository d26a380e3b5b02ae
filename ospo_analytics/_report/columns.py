"""Plain headers, number formats and explanations of the columns in ``scores.xlsx``.

One dictionary: the workbook's headers, its *Columns* sheet and its number
formats all come from here, so a header and its explanation cannot drift
apart. Scores are shown 0–100 everywhere (readiness is stored 0–1 and
multiplied here, for display only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "for_workbook"]

# column -> (header, kind, explanation); kind: text, money, pct, score, score01,
# int, num, date, ratio.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "system_id": ("System id", "text", "Inventory id of the system."),
    "system_name": ("System", "text", "System name as recorded in the inventory."),
    "ministry": ("Ministry", "text", "Ministry (buyer) the row belongs to."),
    "category": ("Function", "text", "Functional category (publiccode.yml categories)."),
    "vendor": ("Vendor", "text", "Supplier of the system."),
    "lockin_score": ("Lock-in (0–100)", "score", "Weighted mean of the known lock-in factors."),
    "lockin_low": ("Lock-in best case", "score", "Score if every unknown factor were best."),
    "lockin_high": ("Lock-in worst case", "score", "Score if every unknown factor were worst."),
    "lockin_band": (
        "Lock-in band",
        "text",
        "low / medium / high; unknown below the confidence floor.",
    ),
    "confidence": ("Confidence", "pct", "Share of the factor weight resting on known data."),
    "lockin_rank": ("Rank", "int", "Lock-in rank across government (1 = most locked in)."),
    "rank_min": ("Best rank", "int", "Best rank when every weight moves ±20 %."),
    "rank_max": ("Worst rank", "int", "Worst rank when every weight moves ±20 %."),
    "top_drivers": ("Main drivers", "text", "Factors adding most to the lock-in score."),
    "red_flags": ("Red flags", "text", "Conditions no average may hide."),
    "reuse_score": ("Reuse (0–100)", "score", "Potential to share or reuse the system."),
    "replace_priority": (
        "Replacement priority",
        "num",
        "Lock-in × availability of an open alternative (0–1).",
    ),
    "spend_total": ("Spend", "money", "Procurement spend linked to the system."),
    "candidate_alternatives": (
        "Open alternatives",
        "text",
        "Open-source / DPG alternatives for the function.",
    ),
    "in_inventory": ("In inventory", "text", "no = known only from procurement records."),
    "factor": (
        "Factor",
        "text",
        "Factor id (L1–L13 lock-in, R1–R12 reuse): the same in every language.",
    ),
    "name": ("Factor name", "text", "What the factor measures."),
    "group": ("Group", "text", "Sub-score the factor belongs to."),
    "value": ("Value", "num", "Value of the row (see the sheet)."),
    "weight": ("Weight", "num", "Weight of the factor in the scoring profile."),
    "contribution": ("Points", "num", "Points of the score the factor adds."),
    "known": ("Known", "text", "yes when the factor rests on data."),
    "evidence": ("Evidence", "text", "The rows and fields behind the factor."),
    "supplier": ("Supplier", "text", "Awarded supplier (blank: none recorded)."),
    "spend": ("IT spend", "money", "Positive IT contract amounts (credit notes not netted)."),
    "share": ("Share", "pct", "Share of the ministry's IT spend."),
    "contracts": ("Contracts", "int", "Number of contract rows."),
    "method": ("Procedure", "text", "OCDS procurement method (open, selective, limited, direct)."),
    "awards": ("Awards", "int", "Number of awards."),
    "single_bid_awards": (
        "Single-bid awards",
        "int",
        "Competitive awards that received one bid (R018).",
    ),
    "end_date": (
        "Contract ends",
        "date",
        "One end date per system: next end on or after the analysis date, else the last.",
    ),
    "status": ("Status", "text", "active or ended at the analysis date."),
    "months_to_end": ("Months to end", "num", "Months from the analysis date (negative: ended)."),
    "n_upcoming": ("Upcoming end dates", "int", "Distinct contract end dates still ahead."),
    "source": ("Date from", "text", "procurement or inventory record."),
    "contract_vendor": ("Contract supplier", "text", "Supplier of the contract that ends."),
    "kind": ("Opportunity", "text", "duplication, exit_window or replacement."),
    "rank": ("Rank", "int", "Order within the opportunity kind (1 = first)."),
    "description": ("Description", "text", "What to do."),
    "ministries": ("Ministries", "text", "Ministries running the function."),
    "n_ministries": ("Number of ministries", "int", "How many ministries run it."),
    "vendors": ("Vendors", "text", "Vendors across those ministries."),
    "n_vendors": ("Number of vendors", "int", "How many vendors."),
    "spend_at_stake": (
        "Spend at stake (all ministries)",
        "money",
        "Spend on the function across the ministries.",
    ),
    "alternatives": ("Open alternatives", "text", "Open-source / DPG alternatives."),
    "window": ("Exit window (months)", "int", "Smallest profile window the end falls in."),
    "n_ending": ("End dates in window", "int", "Distinct end dates within the windows."),
    "systems": ("Systems", "int", "Systems of the ministry."),
    "systems_unknown": ("Systems where unknown", "int", "Systems with this factor unknown."),
    "readiness_score": (
        "Readiness (0–100)",
        "score01",
        "Weighted mean of the known readiness indicators.",
    ),
    "readiness_confidence": ("Readiness confidence", "pct", "Share of the readiness weight known."),
    "readiness_stage": ("Stage", "int", "0 ad hoc … 4 strategic."),
    "readiness_stage_name": ("Stage name", "text", "Name of the stage."),
    "n_systems": ("Systems", "int", "Systems in the inventory."),
    "n_high_lockin": ("Systems at high lock-in", "int", "Systems in the high lock-in band."),
    "lockin_exposure": (
        "Spend-weighted lock-in (0–100)",
        "score01",
        "Lock-in weighted by linked spend.",
    ),
    "spend_it": ("IT spend", "money", "IT procurement spend."),
    "hhi_it": ("Supplier HHI (IT)", "ratio", "Herfindahl–Hirschman index of IT spend (0–1)."),
    "top_supplier": ("Top supplier", "text", "Supplier with the largest IT spend."),
    "top_supplier_share": ("Top supplier share", "pct", "Its share of IT spend."),
    "noncompetitive_share": ("Non-competitive share", "pct", "IT spend awarded limited or direct."),
    "single_bid_rate": ("Single-bid rate", "pct", "Competitive awards with one bid (R018)."),
    "award_date": ("Award date", "date", "Date of the award."),
    "start_date": ("Start date", "date", "Contract start."),
    "amount": ("Amount", "money", "Contract amount as recorded."),
    "contract_id": ("Contract id", "text", "Contract or process id."),
    "linked_system": ("Linked system", "text", "System the contract was linked to."),
    "source_file": ("File", "text", "Input file of the row."),
    "source_row": ("Row", "int", "Row in the input file (as Excel shows it)."),
    "measure": ("Measure", "text", "Headline figure."),
}

# Sheet-specific meanings of shared column names.
_SHEET: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Lock-in drivers", "value"): (
        "Factor value (0–1)",
        "ratio",
        "0 = no lock-in, 1 = full lock-in.",
    ),
    ("Opportunities", "value"): ("Value", "money", "Spend concerned by the opportunity."),
}


def for_workbook(
    tables: dict[str, pd.DataFrame],
) -> tuple[dict[str, pd.DataFrame], dict[str, set[str]], pd.DataFrame]:
    """Headers in words, 0–100 scores, per-kind column sets and a Columns sheet.

    Returns
    -------
    tables : dict
        The sheets with renamed columns (readiness and exposure × 100).
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
            if kind == "score01" and pd.api.types.is_numeric_dtype(df[col]):
                df[col] = df[col].astype("Float64") * 100
                kind = "score"
            if kind in kinds:
                kinds[kind].add(header)
            names[col] = header
            expl.append({"Sheet": sheet, "Column": header, "Meaning": text})
        out[sheet] = df.rename(columns=names)
    return out, kinds, pd.DataFrame(expl, dtype="string")
