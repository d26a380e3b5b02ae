"""HTML for the reports: nbconvert export with no code and no network, the run index.

The exported report is a single self-contained file: no code cells or prompts,
images inline as ``data:`` URIs, no ``<script src>`` or ``<link href>`` to any
CDN (require.js, MathJax, Mermaid and widget loaders are removed from the lab
template), and print CSS so "Print → PDF" and headless Chromium give A4 pages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from .._i18n import N_, _, get_language
from .._safe import esc
from . import fmt

REPORT_CSS = """
body.jp-Notebook { max-width: 68rem; margin: 0 auto; padding: 1rem 1.5rem; }
.jp-RenderedHTMLCommon table { font-size: 0.82rem; border-collapse: collapse; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 0.2rem 0.45rem; }
/* Long names (user text) wrap instead of pushing the table off the page. */
.jp-RenderedHTMLCommon td { max-width: 22rem; overflow-wrap: anywhere; white-space: normal; }
.jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3 {
  overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: #f5f7fa; }
.jp-RenderedHTMLCommon th { background: #dde3ea; position: sticky; top: 0; }
.ospo-cards { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 0.6rem 0; }
/* At least 9rem, and never narrower than its longest word: a long amount
   wraps between words, never inside a number (the row wraps instead). */
.ospo-card { border: 1px solid #c9d1db; border-radius: 6px; padding: 0.5rem 0.8rem;
             flex: 1 1 9rem; min-width: min-content; background: #fbfcfd; }
.ospo-card .v { font-size: 1.5rem; font-weight: 700; overflow-wrap: break-word; }
.ospo-card .l { font-size: 0.78rem; color: #444; }
.ospo-note { color: #555; font-size: 0.85rem; }
.ospo-flag { color: #8a3b00; font-weight: 600; }
img { max-width: 100%; height: auto; }
/* Wide tables (7+ columns) fit the page on screen and on paper, ending with
   their explanation column (drivers, alternatives), which gets the room. */
.jp-RenderedHTMLCommon table:has(th:nth-child(7)) { table-layout: fixed; width: 100%; }
.jp-RenderedHTMLCommon table:has(th:nth-child(7)) th:last-child { width: 26%; }
/* Headers of narrow columns wrap, never clip: translated words are longer
   ("Reutilización", "Dépendance"); hyphenated where the browser can. Their
   size follows the table's (the column widths the report sets assume 0.9em). */
.jp-RenderedHTMLCommon table:has(th:nth-child(7)) th {
  font-size: 0.9em; overflow-wrap: anywhere; hyphens: auto; }
.jp-RenderedHTMLCommon table:has(th:nth-child(7)) th:first-child { width: 14%; }
.jp-RenderedHTMLCommon table:has(th:nth-child(7)) td {
  min-width: 0 !important; overflow-wrap: break-word; }
/* A narrow screen (a phone, half a laptop screen) cannot fit a wide table:
   squeezed into the page's width its words broke mid-word ("Corporati|on").
   There a table sizes by content, keeps words whole and scrolls sideways in
   its own box; the page itself does not scroll sideways. */
@media screen and (max-width: 60rem) {
  body.jp-Notebook { padding: 0.5rem 0.6rem; }
  .jp-OutputArea-output:has(> table), .jp-RenderedHTMLCommon:has(> table) {
    overflow-x: auto; max-width: 100%; }
  .jp-RenderedHTMLCommon table, .jp-RenderedHTMLCommon table:has(th:nth-child(7)) {
    table-layout: auto !important; width: max-content !important; max-width: none; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th,
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) td,
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) th {
    overflow-wrap: break-word; word-break: normal; hyphens: manual; max-width: 16rem; }
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) th:first-child,
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) th:last-child { width: auto; }
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) td:first-child { min-width: 9rem !important; }
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) td:last-child { min-width: 16rem !important; }
}
@page { size: A4; margin: 12mm 10mm; }
.ospo-page-break { height: 0; }
@media print {
  /* The executive summary is page 1 of the PDF. */
  .ospo-page-break { break-after: page; }
  body.jp-Notebook { max-width: none; padding: 0; }
  /* Tables fit the A4 width: no horizontal scroll on paper. */
  .jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible !important; }
  .jp-RenderedHTMLCommon table { font-size: 8pt !important; width: 100% !important; }
  /* Narrower tables size their columns by content (a file path gets the
     room, a count column does not), not in equal slices. */
  .jp-RenderedHTMLCommon table:not(:has(th:nth-child(7))) { table-layout: auto !important; }
  /* Wide tables (7+ columns, e.g. systems with their drivers) get a smaller type. */
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) { font-size: 6.5pt !important; }
  .jp-RenderedHTMLCommon table:has(th:nth-child(7)) th { font-size: 1em; }
  /* A word longer than its column (a file path) breaks instead of running
     into the next cell; the others keep whole (break-word does not narrow
     the columns, unlike anywhere). */
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th {
    min-width: 0 !important; max-width: none !important; padding: 1px 3px !important;
    overflow-wrap: break-word !important; white-space: normal !important; }
  .jp-Cell { break-inside: avoid-page; }
  .jp-RenderedHTMLCommon h2 { break-before: auto; break-after: avoid-page; }
  img { break-inside: avoid-page; }
  .jp-RenderedHTMLCommon th { position: static; }
}
"""

_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_javascript -%}{%- endblock data_javascript -%}
{%- block data_widget_view -%}{%- endblock data_widget_view -%}
{%- block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ ((output | get_metadata('alt', 'image/png'))
        or 'Chart (no description recorded)') | escape_html }}">
</div>
{%- endblock data_png -%}
{% block extra_css %}<style type="text/css">"""
    + REPORT_CSS
    + """</style>{% endblock extra_css %}
"""
)


def html_exporter() -> Any:
    """Return an ``HTMLExporter`` configured for offline, code-free reports."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"ospo_report.html.j2": _TEMPLATE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        theme="light",
    )
    exporter.template_file = "ospo_report.html.j2"
    return exporter


def export_html(nb: Any, title: str, lang: str | None = None) -> str:
    """Render an executed notebook to a self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Executed notebook.
    title : str
        Page title (escaped by the template).
    lang : str, optional
        Language of the page (``<html lang>``, read by screen readers and
        hyphenation); default the current report language.
    """
    body, _res = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    code = esc(lang or get_language())
    return re.sub(r"<html(\s+lang=\"[^\"]*\")?", f'<html lang="{code}"', body, count=1)


_STATUS_WORDS = {"ok": N_("ok"), "failed": N_("failed"), "not run": N_("not run")}


def _link_label(file: str, row: dict) -> str:
    if file == "error.html":
        return _("error log")
    label = file.rsplit(".", 1)[-1].upper()
    if row.get("carried_over_from") and file != "report.ipynb":
        return _("{label} (last good, run {run})").format(label=label, run=row["carried_over_from"])
    return label


def index_page(
    run_id: str,
    rows: Iterable[dict[str, Any]],
    *,
    created: dt.datetime,
    skipped_pdf_reason: str = "",
) -> str:
    """HTML index linking every report of a run with its status (all text escaped).

    Parameters
    ----------
    run_id : str
        Run identifier.
    rows : iterable of dict
        One per report: ``name``, ``slug``, ``status``, ``error``, ``duration``,
        ``files`` (list of file names inside the report folder).
    created : datetime
        When the run started.
    skipped_pdf_reason : str
        Shown once when PDFs were not produced.
    """
    lines = []
    for r in rows:
        links = " · ".join(
            f'<a href="{esc(r["slug"])}/{esc(f)}">{esc(_link_label(f, r))}</a>'
            for f in r.get("files", [])
        )
        ok = r["status"] != "failed"  # "not run": a partial run kept its last good report
        word = esc(fmt.word(r["status"], _STATUS_WORDS))
        status = word if ok else f'<span class="bad">{word}</span>'
        err = f'<div class="err">{esc(r["error"])}</div>' if r.get("error") else ""
        lines.append(
            f"<tr><td>{esc(r['name'])}</td><td>{status}{err}</td>"
            f"<td>{links}</td><td>{esc(fmt.number(r.get('duration') or 0, 1))} s</td></tr>"
        )
    pdf = f'<p class="note">{esc(skipped_pdf_reason)}</p>' if skipped_pdf_reason else ""
    title = esc(_("Readiness reports: run {run}").format(run=run_id))
    heading = _("Readiness reports")  # not inside the f-string: Babel would not see it
    started = esc(
        _("Run {run}, started {when}.").format(
            run="\x00", when=f"{fmt.date(created)} {created:%H:%M} UTC"
        )
    ).replace("\x00", f"<code>{esc(run_id)}</code>")
    details = esc(_("Details:"))
    heads = "".join(
        f"<th>{esc(_(h))}</th>" for h in (N_("Report"), N_("Status"), N_("Files"), N_("Time"))
    )
    return f"""<!DOCTYPE html>
<html lang="{esc(get_language())}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }}
th {{ background: #dde3ea; }}
.bad {{ color: #8a3b00; font-weight: 700; }}
.err {{ font-size: .8rem; color: #555; white-space: pre-wrap; }}
.note {{ color: #555; }}
@media print {{ a {{ color: inherit; }} }}
</style></head>
<body>
<h1>{esc(heading)}</h1>
<p>{started}
{details} <a href="manifest.json">manifest.json</a>.</p>
{pdf}
<table><thead><tr>{heads}</tr></thead>
<tbody>
{chr(10).join(lines)}
</tbody></table>
</body></html>
"""
