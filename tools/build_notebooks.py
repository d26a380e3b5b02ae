"""Generate the report notebooks in ``notebooks/`` (committed without outputs).

The notebooks are thin: every cell calls ``ospo_analytics`` (``_report`` for
tables and escaped HTML, ``_charts`` for figures). Edit this script, not the
``.ipynb`` files, then run::

    .venv/bin/python tools/build_notebooks.py

Ministry names are user text: cells show them through ``r.heading`` /
``r.html_table`` (HTML-escaped), never through Markdown.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks"

KERNEL = {
    "kernelspec": {
        "name": "python3",
        "display_name": "Python 3 (ospo-analytics)",
        "language": "python",
    },
    "language_info": {"name": "python"},
}

SETUP = """\
from IPython.display import display

from ospo_analytics._report import charts as ch
from ospo_analytics._report import runner as r

ch.setup_style()
data = r.load_report_data(processed_dir)"""


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip())


def code(text: str, *tags: str) -> nbformat.NotebookNode:
    cell = new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def ministry() -> nbformat.NotebookNode:
    cells = [
        code(
            """\
# Parameters (papermill replaces these; values are plain strings)
ministry = "Ministry of Health"
processed_dir = "../data/processed"
as_of = ""  # YYYY-MM-DD; empty = today
profile = ""  # optional path of a scoring profile to show under Methodology""",
            "parameters",
        ),
        code(SETUP + "\nv = r.ministry_view(data, ministry, as_of or None)"),
        code(
            'display(r.heading(f"OSPO readiness assessment: {ministry}", 1, '
            "note=f\"Data as of {v['as_of']:%Y-%m-%d}. Scores run 0–100; "
            '\\"unknown\\" means the inputs did not say."))'
        ),
        md(
            """
## Summary

The readiness stage (0 ad hoc … 4 strategic, after the TODO Group OSPO maturity
model), the five numbers that matter, and the three actions to take first."""
        ),
        code(
            """\
display(r.cards(v["numbers"]))
display(r.heading("Three actions to take", 3))
display(r.bullets(v["actions"], empty="No actions recorded by the scoring."))"""
        ),
        md(
            """
## Systems by lock-in

Each bar is a system's lock-in risk; the whisker shows how far the score could move
once unknown inputs are known (best to worst case). *Confidence* is the share of the
score that rests on data. Red flags are conditions no average may hide. Every
column of the systems table, one value per cell, is in `scores.xlsx`."""
        ),
        code(
            """\
r.show(ch.lockin_bars(v["systems_all"]), "Lock-in risk by system")
display(r.html_table(v["systems_table"], labels=r.SYSTEM_LABELS, wrap=["details"]))"""
        ),
        md(
            """
## Lock-in vs reuse

Top right: locked-in systems in functions other ministries also run: candidates to
replace or complement with a shared or open-source solution. Bubble area is spend."""
        ),
        code('r.show(ch.lockin_reuse_matrix(v["systems_all"]), "Lock-in vs reuse matrix")'),
        md(
            """
## Supplier concentration

Share of the ministry's IT procurement spend per supplier. The Herfindahl–Hirschman
index (HHI) sums squared shares: below 0.15 unconcentrated, 0.15–0.25 moderate,
above 0.25 highly concentrated."""
        ),
        code(
            """\
row = v["row"]
display(r.cards({
    "IT supplier HHI": r._fmt(row.get("hhi_it"), "{:.2f}") + " · " + r._fmt(row.get("hhi_band")),
    "Top supplier": r._fmt(row.get("top_supplier")),
    "Repeat awards to the same supplier (pairs)": r._fmt(row.get("repeat_award_pairs"), "{:.0f}"),
}))
r.show(ch.supplier_concentration(v["procurement"]), "Supplier concentration")
display(r.html_table(v["suppliers"], max_rows=15))"""
        ),
        md(
            """
## Competition in procurement

Spend by procurement method (OCDS: open, selective, limited, direct) per award year.
Limited and direct awards are non-competitive; *single-bid awards* are competitive
procedures that received one bid (OCP red flag R018). Unknown methods stay grey."""
        ),
        code(
            """\
display(r.cards({
    "Non-competitive share of spend": r._fmt(row.get("noncompetitive_share"), "{:.0%}"),
    "Single-bid rate (competitive awards)": r._fmt(row.get("single_bid_rate"), "{:.0%}"),
    "Repeated direct awards (pairs)": r._fmt(row.get("repeat_direct_pairs"), "{:.0f}"),
}))
r.show(ch.competition(v["procurement"]), "Spend by procurement method")
display(r.html_table(v["competition"]))"""
        ),
        md(
            """
## Exit windows

When contracts end. Re-procurement is the cheapest moment to leave a locked-in
product: start evaluating alternatives 12–24 months before the end date."""
        ),
        code(
            """\
r.show(ch.exit_timeline(v["exit_windows"], v["as_of"]), "Contract end dates")
display(r.html_table(v["exit_windows"].drop(columns=["system_id"]), max_rows=25))"""
        ),
        md(
            """
## Reuse and consolidation opportunities

Duplicated systems across ministries, exit windows and replacement candidates, with
open-source / Digital Public Good alternatives for the category."""
        ),
        code(
            """\
cols = ["kind", "category", "system_name", "vendor", "end_date", "description", "value",
        "alternatives"]
opp = v["opportunities"]
display(r.html_table(opp[[c for c in cols if c in opp]] if len(opp) else opp))"""
        ),
        md(
            """
## Data quality

How much of this report rests on data. Unknown inputs are never counted as good:
they widen the best/worst-case range above. Rejected rows are listed with the file,
sheet, row and column they came from, so they can be fixed at the source."""
        ),
        code(
            """\
display(r.heading("Unknown inputs by lock-in factor", 3))
display(r.html_table(v["unknowns"]))
display(r.heading("Files loaded", 3))
display(r.html_table(v["load_report"]))
display(r.heading("Rejected rows (all files)", 3))
display(r.html_table(v["rejects"], max_rows=30))
if data.missing:
    display(r.heading("Missing from the processed folder", 3))
    display(r.bullets(data.missing))"""
        ),
        md(
            """
## Methodology

Lock-in factors L1–L13 (European Commission "Against lock-in", AgID reuse scale,
OCDS / OCP Cardinal red flags, HHI, DPG Standard) are combined with the weights of
the scoring profile below; sub-scores are commercial, technical and sovereignty.
The weights are choices, not facts: change them in the profile and re-run."""
        ),
        code(
            """\
from pathlib import Path
from ospo_analytics._safe import esc
from IPython.display import HTML
text = Path(profile).read_text(encoding="utf-8") if profile else data.profile_text
display(HTML("<pre>" + esc(text or "profile not recorded") + "</pre>"))"""
        ),
    ]
    return new_notebook(cells=cells, metadata=KERNEL)


def national() -> nbformat.NotebookNode:
    cells = [
        code(
            """\
# Parameters (papermill replaces these; values are plain strings)
processed_dir = "../data/processed"
as_of = ""
country = ""  # [project] name of ospo.toml
currency = ""  # [project] currency of ospo.toml""",
            "parameters",
        ),
        code(SETUP + "\nv = r.national_view(data, country=country, currency=currency)"),
        code(
            """\
display(r.heading(v["title"], 1, note=v["note"]))
display(r.cards(v["numbers"]))
display(r.heading("What the numbers cover", 3, note=v["totals_note"]))"""
        ),
        md(
            """
## The suppliers the state depends on most

Each supplier's share of government IT procurement spend, the ministries it
serves and the systems at high lock-in it supplies (by contract or as vendor)."""
        ),
        code(
            """\
display(r.brief_table(v["suppliers"], note=v["suppliers_note"]))"""
        ),
        md(
            """
## Readiness profile

Readiness 0–100 and the maturity stage (0 ad hoc … 4 strategic, after the TODO
Group OSPO maturity model) of every ministry, alphabetical: a profile of where each
starts from, not a league table."""
        ),
        # Chart and table in separate cells: each may start a new printed page.
        code('r.show(ch.readiness_bars(v["ministries_all"]), "Readiness by ministry")'),
        code(
            'display(r.brief_table(v["ministries"], wide=["Ministry", "Stage"], note=v["stage_note"]))'
        ),
        md(
            """
## Cross-ministry duplication

Functions that several ministries each buy separately: the fastest savings come
from sharing one solution (ideally open source) across them."""
        ),
        code(
            """\
r.show(
    ch.spend_by_category(v["systems"], currency=currency, labels=r.FUNCTION_LABELS),
    "Spend by function",
)"""
        ),
        code(
            'display(r.brief_table(v["duplication"], wide=["Open alternatives"], '
            'note=v["duplication_note"]))'
        ),
        md(
            """
## The largest opportunities

Locked-in systems to replace or complement, and contracts of locked-in systems
that end soon (the cheapest moment to leave), largest spend first. Each
ministry's report lists all of its own."""
        ),
        code(
            'display(r.brief_table(v["top_opportunities"], '
            'wide=["Ministry", "System", "Open alternatives"]))'
        ),
        md(
            """
## Readiness indicators

The indicators behind each ministry's readiness (0 weak, 1 strong); blank cells are
unknown. Every column is in `scores.xlsx`."""
        ),
        code('r.show(ch.readiness_heatmap(v["ministries_all"]), "Readiness indicators")'),
    ]
    return new_notebook(cells=cells, metadata=KERNEL)


def explore() -> nbformat.NotebookNode:
    cells = [
        md(
            """
# Explore the scores

Where an analyst starts (`make lab`). Run the cells top to bottom; change the
system id or the weights and re-run. Everything here is the public API of
`ospo_analytics` (see the README's *Python API*)."""
        ),
        code(
            """\
import ospo_analytics as oa

project = oa.load_project("..")  # ospo.toml one folder up: tables + scores, one call
project.systems.sort_values("lockin_score", ascending=False).head(10)"""
        ),
        md(
            """
## Why is this system scored like this?

Each factor's value, weight, contribution and the rows or fields behind it.
Unknown factors are listed last: they widen the best/worst range."""
        ),
        code(
            """\
system_id = project.systems.sort_values("lockin_score", ascending=False)["system_id"].iloc[0]
project.explain(system_id)"""
        ),
        md(
            """
## Change a weight and see ranks move

`rescore` scores again with changed factor weights (ids `L1`-`L13`, `R1`-`R12`);
`rank_changes` compares the lock-in ranks."""
        ),
        code(
            """\
moved = project.rescore(L6=3.0, L1=0.5)  # licence matters more, concentration less
project.rank_changes(moved, top=15)"""
        ),
        md(
            """
## How stable is the top 10?

Every weight moved at random within +/-20 % (seeded): the rank range of each
system, and how often it stays in the top 10."""
        ),
        code(
            """\
oa.sensitivity(project.result).sort_values("rank").head(15)"""
        ),
        md("## Ministries: readiness profile"),
        code(
            """\
project.ministries[["ministry", "readiness_stage", "readiness_stage_name", "readiness_score",
                    "readiness_confidence", "hhi_it", "noncompetitive_share", "actions"]]"""
        ),
    ]
    return new_notebook(cells=cells, metadata=KERNEL)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, nb in (
        ("ministry_readiness.ipynb", ministry()),
        ("national_overview.ipynb", national()),
        ("explore.ipynb", explore()),
    ):
        # Stable cell ids keep diffs small when the generator is re-run.
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name.split('.')[0][:20]}-{i:02d}"
        nbformat.validate(nb)
        (OUT / name).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
