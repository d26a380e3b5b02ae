"""The report notebooks' toolkit, public: views, charts and formatters.

The readiness reports are notebooks that only select and draw; everything
they call is here, so an analyst in JupyterLab can draw any report chart or
table from a processed folder, and the report notebooks import nothing
private. Numbers come from the scorer's tables (``load_report_data``);
these functions select, format and draw, they never compute a score.

Examples
--------
In a project folder that has been scored (``ospo-analytics score``)::

    from ospo_analytics import notebook as nb

    data = nb.load_report_data("data/processed")
    view = nb.ministry_view(data, "Ministry of Health")
    nb.setup_style()
    nb.lockin_bars(view["systems_all"])          # the report's lock-in chart
    nb.html_table(view["suppliers_table"])       # a report table, formatted

Formatting follows the report language (``nb.use_language("es")``):

>>> from ospo_analytics import notebook as nb
>>> nb.use_language("fr")
'fr'
>>> nb.fmt.money(1234.5, "TTD", digits=2)
'1\\u202f234,50\\xa0TTD'
>>> nb.use_language("en")
'en'
>>> nb.fmt.pct(0.257)
'26%'
"""

from __future__ import annotations

from . import _i18n
from ._report import fmt
from ._report.charts import (
    competition,
    exit_timeline,
    lockin_bars,
    lockin_reuse_matrix,
    readiness_bars,
    readiness_heatmap,
    setup_style,
    spend_by_category,
    supplier_concentration,
)
from ._report.runner import (
    FUNCTION_LABELS,
    ReportData,
    band_word,
    brief_table,
    bullets,
    cards,
    factors_table,
    heading,
    html_table,
    load_report_data,
    ministry_view,
    national_view,
    page_break,
    section,
    show,
    system_labels,
    title_note,
    unknowns_table,
    use_language,
)
from ._report.runner import _fmt as text
from ._safe import esc

tr = _i18n._
"""Translate a catalogued report string into the current report language."""

__all__ = [
    "FUNCTION_LABELS",
    "ReportData",
    "band_word",
    "brief_table",
    "bullets",
    "cards",
    "competition",
    "esc",
    "exit_timeline",
    "factors_table",
    "fmt",
    "heading",
    "html_table",
    "load_report_data",
    "lockin_bars",
    "lockin_reuse_matrix",
    "ministry_view",
    "national_view",
    "page_break",
    "readiness_bars",
    "readiness_heatmap",
    "section",
    "setup_style",
    "show",
    "spend_by_category",
    "supplier_concentration",
    "system_labels",
    "text",
    "title_note",
    "tr",
    "unknowns_table",
    "use_language",
]
