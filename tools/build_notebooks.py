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

from ospo_analytics import notebook as r
from ospo_analytics.notebook import tr

r.use_language(language)
r.setup_style()
data = r.load_report_data(processed_dir)"""


def section(title: str, *lines: str) -> nbformat.NotebookNode:
    """A translated section heading and lead paragraph (``tr`` marks the catalogue strings).

    The prose lives in code cells, not Markdown, so it comes out in the report
    language; ``lines`` are joined into one catalogue entry.
    """
    body = "\n".join(f"    {line!r}" for line in lines)
    text = f"display(r.section(\n    tr({title!r}),\n    tr(\n{body}\n    ),\n))"
    return code(text)


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
profile = ""  # optional path of a scoring profile to show under Methodology
language = "en"  # report language: en, es, fr, pt""",
            "parameters",
        ),
        code(SETUP + "\nv = r.ministry_view(data, ministry, as_of or None)"),
        code(
            """\
display(r.heading(tr("OSPO readiness assessment: {ministry}").format(ministry=ministry), 1,
                  note=r.title_note(v["country"], v["currency"], v["as_of"])))"""
        ),
        section(
            "Executive summary",
            "Where the ministry stands on the road to an open-source programme office (stage 0 ",
            "ad hoc … 4 strategic, after the TODO Group OSPO maturity model), the numbers behind ",
            "it, and the three actions to take first.",
        ),
        code(
            """\
display(r.cards(v["cards"]))
display(r.heading(tr("Three actions to take"), 3))
display(r.bullets(v["actions"], empty=tr("No actions recorded by the scoring.")))
display(r.page_break())"""
        ),
        section(
            "How the readiness score is made",
            "Each indicator runs 0–100 (higher is readier). The readiness score is their ",
            "weighted mean over the indicators that are known; *unknown* indicators are left ",
            "out, not counted as zero, and lower the confidence instead.",
        ),
        code(
            """\
display(r.cards({
    tr("Stage"): v["stage_text"],
    tr("Confidence (share of the weight known)"): r.fmt.pct(v["row"].get("readiness_confidence")),
}))
cols = list(v["readiness_table"].columns)
display(r.html_table(v["readiness_table"], wrap=cols[1:2], nowrap=cols[2:]))"""
        ),
        section(
            "Systems by lock-in",
            "Each bar is a system's lock-in risk; the whisker shows how far the score could move ",
            "once unknown inputs are known (best to worst case). *Confidence* is the share of the ",
            "score that rests on data. Red flags are conditions no average may hide. Every ",
            "column of the systems table, one value per cell, is in `scores.xlsx`.",
        ),
        code(
            """\
r.show(r.lockin_bars(v["systems_all"]), tr("Lock-in risk by system"))
display(r.html_table(v["systems_table"], labels=r.system_labels(), wrap=["details"]))"""
        ),
        section(
            "Lock-in vs reuse",
            "Top right: locked-in systems in functions other ministries also run: candidates to ",
            "replace or complement with a shared or open-source solution. Bubble area is spend.",
        ),
        code('r.show(r.lockin_reuse_matrix(v["systems_all"]), tr("Lock-in vs reuse matrix"))'),
        section(
            "Supplier concentration",
            "Share of the ministry's IT procurement spend per supplier (positive amounts; credit ",
            "notes are not netted). The Herfindahl–Hirschman index (HHI) sums squared shares: ",
            "below 0.15 unconcentrated, 0.15–0.25 moderate, above 0.25 highly concentrated.",
        ),
        code(
            """\
row = v["row"]
display(r.cards({
    tr("IT supplier HHI"): r.fmt.number(row.get("hhi_it"), 2) + " · " + r.band_word(row.get("hhi_band")),
    tr("Top supplier"): r.text(row.get("top_supplier")),
    tr("Repeat awards to the same supplier (pairs)"): r.fmt.number(row.get("repeat_award_pairs")),
}))
r.show(r.supplier_concentration(v["suppliers"]), tr("Supplier concentration"))
display(r.html_table(v["suppliers_table"], max_rows=15, nowrap=list(v["suppliers_table"].columns[1:])))"""
        ),
        code(
            """\
if len(v["buyers_table"]):
    display(r.heading(tr("Buyers behind this ministry"), 2,
                      tr("The agencies and bodies whose contracts are counted as this ministry's.")))
    b = v["buyers_table"]
    display(r.html_table(b, max_rows=30, nowrap=list(b.columns[2:])))"""
        ),
        section(
            "Competition in procurement",
            "Spend by procurement procedure (OCDS: open, selective, limited, direct) per award year. ",
            "Limited and direct awards are non-competitive; *single-bid awards* are competitive ",
            "procedures that received one bid (OCP red flag R018). Unknown methods stay grey.",
        ),
        code(
            """\
display(r.cards({
    tr("Non-competitive share of IT spend"): r.fmt.pct(row.get("noncompetitive_share")),
    tr("Single-bid rate (competitive awards)"): r.fmt.pct(row.get("single_bid_rate")),
    tr("Repeated direct awards (pairs)"): r.fmt.number(row.get("repeat_direct_pairs")),
}))
r.show(r.competition(v["competition_years"]), tr("Spend by procurement method"))
display(r.html_table(v["competition_table"], nowrap=list(v["competition_table"].columns[1:])))"""
        ),
        section(
            "Exit windows",
            "When each system's contract ends (one date per system: the next end on or after ",
            "the analysis date, else the last one, marked *ended*). Re-procurement is the ",
            "cheapest moment to leave a locked-in product: start evaluating alternatives ",
            "12–24 months before the end date.",
        ),
        code(
            """\
r.show(r.exit_timeline(v["exit_windows"], v["as_of"]), tr("Contract end dates"))
display(r.html_table(v["exit_table"], max_rows=25, nowrap=list(v["exit_table"].columns[2:5])))"""
        ),
        section(
            "Reuse and consolidation opportunities",
            "Functions other ministries also run, exits to plan, and open-source / Digital Public ",
            "Good alternatives. A shared function's value is the spend across every ministry ",
            "that runs it.",
        ),
        code(
            """\
display(r.html_table(v["opportunities_table"], wrap=list(v["opportunities_table"].columns[1:4:2]),
                     empty=v["opportunities_note"]))"""
        ),
        section(
            "Data quality",
            "How much of this report rests on data. Unknown inputs are never counted as good: ",
            "they widen the best/worst-case range above. Rejected rows are listed in full, with ",
            "the file, sheet, row and column, in `scores.xlsx` and `data/processed/rejects.csv`.",
        ),
        code(
            """\
display(r.heading(tr("Unknown inputs by lock-in factor"), 3))
display(r.html_table(r.unknowns_table(v["unknowns"])))
display(r.heading(tr("This ministry's files"), 3))
display(r.html_table(v["quality_files"], empty=v["quality_files_note"]))
display(r.heading(tr("Most frequent problems in this ministry's own files"), 3))
display(r.html_table(v["quality_problems"], empty=v["quality_problems_note"]))"""
        ),
        section(
            "Methodology",
            'Lock-in factors L1–L13 (European Commission "Against lock-in", AgID reuse scale, ',
            "OCDS / OCP Cardinal red flags, HHI, DPG Standard) are combined with the weights of ",
            "the scoring profile below; sub-scores are commercial, technical and sovereignty. ",
            "The weights are choices, not facts: change them in the profile and re-run.",
        ),
        code(
            """\
display(r.html_table(r.factors_table()))
from pathlib import Path
from ospo_analytics.notebook import esc
from IPython.display import HTML
text = Path(profile).read_text(encoding="utf-8") if profile else data.profile_text
display(r.heading(tr("Scoring profile used"), 3))
display(HTML("<pre>" + esc(text or tr("profile not recorded")) + "</pre>"))"""
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
currency = ""  # [project] currency of ospo.toml
language = "en"  # report language: en, es, fr, pt""",
            "parameters",
        ),
        code(SETUP + "\nv = r.national_view(data, country=country, currency=currency)"),
        code(
            """\
display(r.heading(v["title"], 1, note=v["note"]))
display(r.cards(v["numbers"]))
display(r.heading(tr("What the numbers cover"), 3, note=v["totals_note"]))"""
        ),
        section(
            "The suppliers the state depends on most",
            "Each supplier's share of government IT procurement spend, the ministries it ",
            "serves and the systems at high lock-in it supplies (by contract or as vendor).",
        ),
        code(
            """\
display(r.brief_table(v["suppliers"], note=v["suppliers_note"]))"""
        ),
        section(
            "Readiness profile",
            "Readiness 0–100 and the maturity stage (0 ad hoc … 4 strategic, after the TODO ",
            "Group OSPO maturity model) of every ministry, alphabetical: a profile of where each ",
            "starts from, not a league table.",
        ),
        # Chart and table in separate cells: each may start a new printed page.
        code('r.show(r.readiness_bars(v["ministries_all"]), tr("Readiness by ministry"))'),
        code(
            'display(r.brief_table(v["ministries"], wide=[tr("Ministry"), tr("Stage")], '
            'note=v["stage_note"]))'
        ),
        section(
            "Cross-ministry duplication",
            "Functions that several ministries each buy separately: the fastest savings come ",
            "from sharing one solution (ideally open source) across them.",
        ),
        code(
            """\
r.show(
    r.spend_by_category(v["functions"], currency=currency, labels=r.FUNCTION_LABELS),
    tr("Spend by function"),
)"""
        ),
        code(
            'display(r.brief_table(v["duplication"], wide=[tr("Open alternatives")], '
            'note=v["duplication_note"]))'
        ),
        section(
            "The largest opportunities",
            "Locked-in systems to replace or complement, and contracts of locked-in systems ",
            "that end soon (the cheapest moment to leave), largest spend first. Each ",
            "ministry's report lists all of its own.",
        ),
        code(
            'display(r.brief_table(v["top_opportunities"], '
            'wide=[tr("Ministry"), tr("System"), tr("Open alternatives")], '
            'note=v["opportunities_note"]))'
        ),
        section(
            "Readiness indicators",
            "The indicators behind each ministry's readiness (0 weak, 1 strong); blank cells are ",
            "unknown. Every column is in `scores.xlsx`.",
        ),
        code('r.show(r.readiness_heatmap(v["ministries_all"]), tr("Readiness indicators"))'),
    ]
    return new_notebook(cells=cells, metadata=KERNEL)


def explore() -> nbformat.NotebookNode:
    cells = [
        md(
            """
# Explore the scores

Where an analyst starts (`make lab`). Run the cells top to bottom; change the
names or the weights and re-run. Everything here is the public API of
`ospo_analytics` (see the README's *Python API*). Tables show in the reports'
number formats (scores 0-100, shares as %, money with separators); the values
underneath are unchanged."""
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
Unknown factors are listed last: they widen the best/worst range. A system is
named by its id or its name (case, accents and spaces ignored; a unique part
of the name is enough). The command line prints the same:
`ospo-analytics explain "court case management"`."""
        ),
        code(
            """\
system_id = project.systems.sort_values("lockin_score", ascending=False)["system_id"].iloc[0]
project.explain(system_id)"""
        ),
        code(
            """\
project.explain("court case management")  # by name"""
        ),
        md(
            """
Several ministries run a system of the same name: the message lists them
with their ids; say which ministry you mean."""
        ),
        code(
            """\
try:
    project.explain("Payroll (PayWave Cloud Payroll)")
except KeyError as exc:
    print(exc)
project.explain("Payroll (PayWave Cloud Payroll)", ministry="health")"""
        ),
        md(
            """
## One ministry, as its report shows it

`project.ministry(name)` gives the tables and numbers of that ministry's
report: `numbers`, `actions`, `readiness` (indicator values and weights),
`systems`, `contracts`, `suppliers`, `competition`, `exit_windows`,
`opportunities`."""
        ),
        code(
            """\
health = project.ministry("health")
health"""
        ),
        code("health.readiness"),
        code(
            'health.systems[["system_id", "system_name", "lockin_score", "reuse_score", "spend_total"]]'
        ),
        md(
            """
## Which contracts do the reports count?

`project.procurement` holds every loaded row; the reports count only IT
contracts (`is_it` true or unknown, from the item classification and
`[it_filter]` in ospo.toml): that is `project.procurement_it`, and
`health.contracts` for one ministry. Totals from it match the reports."""
        ),
        code(
            """\
it = project.procurement_it
totals = it.groupby("ministry", observed=True)["amount"].sum().rename("it_spend_here")
check = project.ministries.set_index("ministry")[["spend_it"]].join(totals)
assert (check["spend_it"] - check["it_spend_here"]).abs().max() < 0.01  # as in the reports
print(f"{len(project.procurement) - len(it)} non-IT rows left out of the reports")
check"""
        ),
        md(
            """
## Change a weight and see ranks move

`rescore` scores again with any weight of the profile changed: lock-in
factors `L1`-`L13`, reuse factors `R1`-`R12`, and the readiness indicators
(`questionnaire`, `portability`, ...). `rank_changes` compares the lock-in
ranks."""
        ),
        code(
            """\
moved = project.rescore(L6=3.0, L1=0.5)  # licence matters more, concentration less
project.rank_changes(moved, top=15)"""
        ),
        code(
            """\
no_survey = project.rescore(questionnaire=0)  # readiness without the questionnaire
project.ministries[["ministry", "readiness_score"]].merge(
    no_survey.ministries[["ministry", "readiness_score"]],
    on="ministry", suffixes=("", "_without_questionnaire"),
)"""
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
