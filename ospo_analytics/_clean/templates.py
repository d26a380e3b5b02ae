"""Data-collection templates: the spreadsheets a ministry fills in.

``write_templates`` writes ``inventory_template.xlsx``,
``procurement_template.xlsx`` and ``questionnaire_template.xlsx`` with one
column per canonical field (:mod:`ospo_analytics._clean.schema`), in English,
Spanish or French. Only the explanations and instructions are translated:
row 1 always holds the canonical column names and every dropdown holds the
canonical codes, so a template filled in any language loads the same way.

Layout of the data sheet (1-based Excel rows)::

    row 1   canonical column names (required ones on a dark red fill)
    row 2   "# <explanation>"          -- helper row, ignored by the loader
    row 3   "# example: MOF-001", ...  -- helper row (inventory, procurement)
    row 4+  the ministry's data (row 3 may also be overwritten with data)

Loader contract
---------------
* Skip every sheet for which :func:`is_template_helper_sheet` is true (the
  names are in :data:`TEMPLATE_HELPER_SHEETS`).
* After finding the header row, drop the rows directly under it while
  :func:`is_template_helper_row` is true (blank rows in between may be
  passed over); stop at the first row that is neither.
  :func:`count_leading_helper_rows` does exactly that.

The rule a person filling the sheet cannot break by accident: a row whose
first non-empty cell starts with ``#`` is a template helper row. As a safety
net, the explanation row is also recognised when the ``#`` was deleted (all
its cells are template explanations), and so is the untouched example row.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

from .._processed import atomic_write
from .cells import _EXCEL_ERROR_RE
from .schema import Column, columns, readiness_points

# Path-based (not importlib.resources): works from any working directory,
# including when the editable install resolves the package as a namespace.
_DATA = Path(__file__).resolve().parents[1] / "data"

LANGUAGES: tuple[str, ...] = ("en", "es", "fr")
TABLE_NAMES: tuple[str, ...] = ("inventory", "procurement", "questionnaire")

HELPER_MARK = "#"
"""A row whose first non-empty cell starts with this is a template helper row."""

LAST_ROW = 2000
"""Last Excel row (1-based) that carries dropdowns and input messages."""

_MAX_WIDTH = 45
_MIN_WIDTH = 12

# Extra, non-canonical questionnaire columns (the loader ignores them).
_QUESTIONNAIRE_EXTRA = ("question", "why_it_matters", "comment")
_QUESTIONNAIRE_ORDER = ("ministry", "point", "question", "why_it_matters", "answer", "comment")
_QUESTIONNAIRE_WIDTHS = {
    "ministry": 28,
    "point": 16,
    "question": 60,
    "why_it_matters": 45,
    "answer": 16,
    "comment": 40,
}
# Columns with a suggestion list that still accepts other values.
_SUGGESTION_LISTS = {"licence": "licences"}


@functools.cache
def _texts() -> dict[str, Any]:
    return tomllib.loads((_DATA / "template_texts.toml").read_text(encoding="utf-8"))


TEMPLATE_HELPER_SHEETS: set[str] = {_texts()[lang]["sheets"]["instructions"] for lang in LANGUAGES}
"""Names of the template sheets that hold no data, in every language."""


def is_template_helper_sheet(name: str) -> bool:
    """Tell whether a sheet is a template instructions sheet (not data).

    Compared without case, accents and surrounding spaces, so a sheet renamed
    "INSTRUCTIONS " is still skipped.
    """
    return _norm(name) in {_norm(n) for n in TEMPLATE_HELPER_SHEETS}


# --------------------------------------------------------------------------
# Column texts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _TCol:
    """A template column: a canonical column or a questionnaire extra."""

    name: str
    kind: str
    required: bool
    codes: tuple[str, ...]
    explanation: str


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(
            f"unknown template language {lang!r}; choose one of {', '.join(LANGUAGES)}"
        )


def _explanation(col: Column, table: str, lang: str) -> str:
    """Plain-words explanation of a column in ``lang`` (row 2 of the template)."""
    t = _texts()[lang]
    if lang == "en":
        desc = col.description
    else:
        # A column added to the schema but not yet translated falls back to English.
        desc = t.get("columns", {}).get(table, {}).get(col.name, col.description)
    parts = [t["required"]] if col.required else []
    parts.append(desc)
    if col.name in _SUGGESTION_LISTS:
        parts.append(t["hint_code"])
    elif hint := t.get(f"hint_{col.kind}"):
        parts.append(hint)
    return " ".join(parts)


def template_columns(table: str, lang: str = "en") -> list[_TCol]:
    """Return the columns of a template, in sheet order, with their explanations."""
    _check_lang(lang)
    out = [
        _TCol(
            c.name,
            c.kind,
            c.required,
            YES_NO_CODES if c.kind == "bool" else c.codes,
            _explanation(c, table, lang),
        )
        for c in columns(table)
    ]
    if table == "questionnaire":
        extra = _texts()[lang]["extra_columns"]
        out += [_TCol(n, "str", False, (), extra[n]) for n in _QUESTIONNAIRE_EXTRA]
        order = {n: i for i, n in enumerate(_QUESTIONNAIRE_ORDER)}
        out.sort(key=lambda c: order.get(c.name, len(order)))
    return out


YES_NO_CODES = ("yes", "no")


def _example_row(table: str, lang: str) -> dict[str, Any]:
    base = dict(_texts()["examples"].get(table, {}))
    base.update(_texts()[lang].get("examples", {}).get(table, {}))
    return base


# --------------------------------------------------------------------------
# Helper-row recognition (called by the loader)
# --------------------------------------------------------------------------


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip().casefold()


def _cell_text(value: object) -> str:
    """Cell value as stripped text, with the spellings readers produce unified."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        text = str(value)
    except Exception:  # an unprintable cell is simply not a marker
        return ""
    return "" if text in ("<NA>", "nan", "NaT", "None") else text.strip()


def _strip_mark(text: str) -> str:
    return _norm(text.lstrip(HELPER_MARK))


@functools.cache
def _known_explanations() -> frozenset[str]:
    return frozenset(
        _strip_mark(c.explanation)
        for lang in LANGUAGES
        for table in TABLE_NAMES
        for c in template_columns(table, lang)
    )


@functools.cache
def _known_examples() -> tuple[frozenset[str], ...]:
    out = []
    for lang in LANGUAGES:
        word = _texts()[lang]["example"]
        for table in TABLE_NAMES:
            ex = _example_row(table, lang)
            if not ex:
                continue
            vals = {_norm(_cell_text(v)) for v in ex.values()}
            first = template_columns(table, lang)[0].name
            vals.add(_norm(f"{word}: {_cell_text(ex.get(first, ''))}"))
            out.append(frozenset(vals))
    return tuple(out)


def is_template_helper_row(values: Sequence[object]) -> bool:
    """Tell whether a row under the header is a template helper row, not data.

    Parameters
    ----------
    values : sequence
        The row's cell values as any reader returns them (str, numbers,
        dates, None, NaN, pandas NA).

    Returns
    -------
    bool
        True when the first non-empty cell starts with ``#`` (the template's
        explanation and example rows) and is not an Excel error value, or when every non-empty cell is one of
        the template's column explanations (any language), or when the row is
        the untouched example row with its ``#`` deleted. False for an empty
        row: the loader drops those anyway.
    """
    cells = [c for c in (_cell_text(v) for v in values) if c]
    if not cells:
        return False
    if re.fullmatch(_EXCEL_ERROR_RE, cells[0].upper()):
        return False  # "#REF!" and kin start with "#" too, but are broken data
    if cells[0].startswith(HELPER_MARK):
        return True
    normed = {_strip_mark(c) for c in cells}
    if normed <= _known_explanations():
        return True
    # Five or more cells, all the example's values: the example row itself.
    return len(normed) >= 5 and any(normed <= ex for ex in _known_examples())


def count_leading_helper_rows(rows: Iterable[Sequence[object]]) -> int:
    """Count the rows to drop directly under the header.

    Parameters
    ----------
    rows : iterable of sequences
        The rows after the header row, in sheet order.

    Returns
    -------
    int
        Number of leading rows that are template helper rows or blank; the
        first row that is neither ends the count (so helper-looking rows
        further down are left to the normal cleaners).
    """
    n = 0
    for row in rows:
        if not any(_cell_text(v) for v in row) or is_template_helper_row(row):
            n += 1
            continue
        break
    return n


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _lines(text: str, width: float, factor: float = 1.2) -> int:
    """Estimated wrapped line count of ``text`` in a column of ``width`` chars."""
    per_line = max(1.0, width * factor)
    words = text.split()
    lines, used = 1, 0.0
    for w in words:
        need = len(w) + (1 if used else 0)
        if used + need > per_line and used:
            lines += 1
            used = len(w)
        else:
            used += need
    return lines


def _display(value: Any) -> str:
    return _cell_text(value)


def _column_width(col: _TCol, example: Any, first: bool, lang: str, table: str) -> float:
    if table == "questionnaire" and col.name in _QUESTIONNAIRE_WIDTHS:
        return _QUESTIONNAIRE_WIDTHS[col.name]
    ex = _display(example)
    if first and ex:
        ex = f"{HELPER_MARK} {_texts()[lang]['example']}: {ex}"
    longest_code = max((len(c) for c in col.codes), default=0)
    want = max(
        len(col.name) + 4,  # bold header plus the dropdown arrow
        len(ex) + 2,
        longest_code + 4,
        # Explanations wrap onto about 3 lines.
        min(math.ceil(len(col.explanation) / 3.5) + 2, 30),
    )
    return float(min(max(want, _MIN_WIDTH), _MAX_WIDTH))


class _Formats:
    """Cell formats of one workbook."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Calibri", "font_size": 11, "valign": "top"}
        border = {"border": 1, "border_color": "#BFBFBF"}
        self.head_req = wb.add_format(
            {**base, **border, "bold": True, "font_color": "#FFFFFF", "bg_color": "#9C2A2A"}
        )
        self.head_opt = wb.add_format(
            {**base, **border, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78"}
        )
        self.expl = wb.add_format(
            {**base, **border, "italic": True, "font_size": 9, "font_color": "#404040",
             "bg_color": "#F2F2F2", "text_wrap": True}
        )  # fmt: skip
        ex = {**base, **border, "italic": True, "font_color": "#7F6000", "bg_color": "#FFF2CC"}
        self.example = wb.add_format(ex)
        self.example_date = wb.add_format({**ex, "num_format": "yyyy-mm-dd"})
        self.example_num = wb.add_format({**ex, "num_format": "#,##0"})
        self.text = wb.add_format({**base, "num_format": "@"})
        self.wrap_text = wb.add_format({**base, "num_format": "@", "text_wrap": True})
        self.to_fill = wb.add_format(
            {**base, **border, "num_format": "@", "bg_color": "#E2EFDA", "bold": True}
        )
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.number = wb.add_format({**base, "num_format": "#,##0.##"})
        self.integer = wb.add_format({**base, "num_format": "0"})
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E78"})
        self.heading = wb.add_format(
            {"bold": True, "font_size": 12, "font_color": "#1F4E78", "bottom": 1}
        )
        self.para = wb.add_format({**base, "text_wrap": True})
        self.table_head = wb.add_format({**base, **border, "bold": True, "bg_color": "#D9E1F2"})
        self.cell = wb.add_format({**base, **border, "text_wrap": True})
        self.code = wb.add_format({**base, **border, "font_name": "Consolas", "bold": True})
        self.block_head = wb.add_format({**base, "bold": True, "text_wrap": True})


def _list_key(col: _TCol) -> str | None:
    if col.kind == "bool":
        return "yes_no"
    if col.kind == "code":
        return col.name
    return _SUGGESTION_LISTS.get(col.name)


def _write_instructions(
    ws: Any, fmt: _Formats, table: str, lang: str, cols: list[_TCol]
) -> dict[str, str]:
    """Write the Instructions sheet; return the dropdown source range per list key."""
    t = _texts()[lang]
    sheet = t["sheets"]["instructions"]
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 90)
    span_width = 30 + 26 + 90
    row = 0
    ws.merge_range(row, 0, row, 2, t[f"title_{table}"], fmt.title)
    ws.set_row(row, 24)
    row += 1

    def para(text: str, bullet: bool = True) -> None:
        nonlocal row
        text = f"•  {text}" if bullet else text
        ws.merge_range(row, 0, row, 2, "", fmt.para)
        ws.write_string(row, 0, text, fmt.para)
        ws.set_row(row, 15 * _lines(text, span_width, 1.05) + 3)
        row += 1

    def heading(text: str) -> None:
        nonlocal row
        row += 1
        ws.merge_range(row, 0, row, 2, text, fmt.heading)
        ws.set_row(row, 20)
        row += 1

    para(t["intro"][table], bullet=False)
    heading(t["heading_fill"])
    fill = t["instructions"]["fill"]
    if table == "questionnaire":
        # No example row, no dates or amounts: its own paragraphs replace those.
        fill = [fill[0], fill[2], fill[3], fill[4]]
    for p in fill:
        para(p)
    if table == "questionnaire":
        for p in t["instructions"]["questionnaire"]:
            para(p)
    heading(t["heading_send"])
    for p in t["instructions"]["send"]:
        para(p)

    heading(t["heading_columns"])
    for i, h in enumerate((t["col_column"], t["col_required"], t["col_explanation"])):
        ws.write_string(row, i, h, fmt.table_head)
    row += 1
    for c in cols:
        ws.write_string(row, 0, c.name, fmt.code)
        ws.write_string(row, 1, t["yes"] if c.required else "", fmt.cell)
        ws.write_string(row, 2, c.explanation, fmt.cell)
        ws.set_row(row, 15 * _lines(c.explanation, 90, 1.05) + 3)
        row += 1

    # Code blocks: column B of each block is the source of the dropdowns.
    heading(t["heading_codes"])
    sources: dict[str, str] = {}
    users: dict[str, list[str]] = {}
    for c in cols:
        key = _list_key(c)
        if key:
            users.setdefault(key, []).append(c.name)
    for key, names in users.items():
        if key == "licences":
            codes = tuple(_texts()["licences"]["suggested"])
            meanings: dict[str, str] = {}
        else:
            codes = (
                YES_NO_CODES if key == "yes_no" else next(c.codes for c in cols if c.name == key)
            )
            meanings = t["codes"].get(key, {})
        label = f"{t['values_for']} {', '.join(names)}"
        ws.merge_range(row, 0, row, 2, "", fmt.block_head)
        ws.write_string(row, 0, label, fmt.block_head)
        ws.set_row(row, 15 * _lines(label, span_width, 1.05) + 3)
        row += 1
        if key == "licences":
            ws.merge_range(row, 0, row, 2, "", fmt.para)
            ws.write_string(row, 0, t["licence_note"], fmt.para)
            row += 1
        ws.write_string(row, 1, t["col_code"], fmt.table_head)
        ws.write_string(row, 2, t["col_meaning"], fmt.table_head)
        row += 1
        first = row
        for code in codes:
            ws.write_string(row, 1, code, fmt.code)
            ws.write_string(row, 2, meanings.get(code, ""), fmt.cell)
            row += 1
        sources[key] = f"='{sheet}'!$B${first + 1}:$B${row}"
        row += 1
    ws.protect()  # keeps the dropdown sources intact; no password
    ws.set_tab_color("#7F7F7F")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    return sources


def _validation(col: _TCol, lang: str, sources: dict[str, str]) -> dict[str, Any]:
    t = _texts()[lang]
    msg = col.explanation
    if col.codes and col.kind == "code" and len(", ".join(col.codes)) < 120:
        msg = f"{msg} ({', '.join(col.codes)})"
    base: dict[str, Any] = {
        "input_title": col.name[:32],
        "input_message": msg[:255],
        "ignore_blank": True,
        "error_title": t["err_title"][:32],
    }
    key = _list_key(col)
    if key:
        base |= {"validate": "list", "source": sources[key], "error_message": t["err_list"][:255]}
        if key in _SUGGESTION_LISTS.values():
            base["show_error"] = False  # suggestions only: any SPDX id is accepted
        return base
    number = {"error_type": "warning", "error_message": t["err_number"][:255]}
    if col.kind == "int":
        lo, hi = (1950, 2100) if col.name == "go_live_year" else (0, 2_000_000_000)
        return base | number | {"validate": "integer", "criteria": "between",
                                "minimum": lo, "maximum": hi}  # fmt: skip
    if col.kind == "float":
        return base | number | {"validate": "decimal", "criteria": "between",
                                "minimum": -1e15, "maximum": 1e15}  # fmt: skip
    if col.kind == "date":
        return base | {"validate": "date", "criteria": "between",
                       "minimum": dt.date(1950, 1, 1), "maximum": dt.date(2100, 12, 31),
                       "error_type": "warning", "error_message": t["err_date"][:255]}  # fmt: skip
    return base | {"validate": "any"}


def _write_value(ws: Any, row: int, col: int, value: Any, fmt: _Formats) -> None:
    # Strings always as strings: template text must never become a formula.
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt.example_date)
    elif isinstance(value, bool):
        ws.write_string(row, col, "yes" if value else "no", fmt.example)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt.example_num if value >= 1000 else fmt.example)
    else:
        ws.write_string(row, col, str(value), fmt.example)


def _write_data_sheet(
    ws: Any,
    fmt: _Formats,
    table: str,
    lang: str,
    cols: list[_TCol],
    sources: dict[str, str],
    ministry: str | None,
) -> None:
    t = _texts()[lang]
    example = _example_row(table, lang) if table != "questionnaire" else {}
    widths = [
        _column_width(c, example.get(c.name), i == 0, lang, table) for i, c in enumerate(cols)
    ]
    col_fmt = {"date": fmt.date, "float": fmt.number, "int": fmt.integer}
    for i, (c, w) in enumerate(zip(cols, widths, strict=True)):
        wrap = table == "questionnaire" and c.name in _QUESTIONNAIRE_WIDTHS
        f = col_fmt.get(c.kind, fmt.wrap_text if wrap else fmt.text)
        ws.set_column(i, i, w, f)
        ws.write_string(0, i, c.name, fmt.head_req if c.required else fmt.head_opt)
        text = f"{HELPER_MARK} {c.explanation}" if i == 0 else c.explanation
        ws.write_string(1, i, text, fmt.expl)
    ws.set_row(0, 18)
    expl_lines = max(_lines(c.explanation, w, 1.35) for c, w in zip(cols, widths, strict=True))
    ws.set_row(1, 12 * expl_lines + 4)

    first_data = 2  # 0-based row 2 = Excel row 3
    if example:
        for i, c in enumerate(cols):
            if c.name not in example:
                continue
            value = example[c.name]
            if i == 0:
                value = f"{HELPER_MARK} {t['example']}: {_display(value)}"
            _write_value(ws, 2, i, value, fmt)
        ws.set_row(2, 16)
    elif table == "questionnaire":
        by_name = {c.name: i for i, c in enumerate(cols)}
        tr = t.get("points", {})
        for r, p in enumerate(readiness_points(), start=2):
            q = tr.get(p["id"], {}).get("question", p["question"])
            why = tr.get(p["id"], {}).get("why", p["why"])
            # Cells to fill are shaded, so nobody misses a row.
            ws.write_string(r, by_name["ministry"], ministry or "", fmt.to_fill)
            ws.write_string(r, by_name["point"], p["id"], fmt.text)
            ws.write_string(r, by_name["question"], q, fmt.wrap_text)
            ws.write_string(r, by_name["why_it_matters"], why, fmt.wrap_text)
            # Unanswered stays "unknown", never silently good or bad.
            ws.write_string(r, by_name["answer"], "unknown", fmt.to_fill)
            lines = max(
                _lines(q, _QUESTIONNAIRE_WIDTHS["question"]),
                _lines(why, _QUESTIONNAIRE_WIDTHS["why_it_matters"]),
            )
            ws.set_row(r, 15 * lines + 3)

    for i, c in enumerate(cols):
        # The example's first cell carries the "#" marker, not a code.
        start = first_data + 1 if (example and i == 0) else first_data
        ws.data_validation(start, i, LAST_ROW - 1, i, _validation(c, lang, sources))

    ws.freeze_panes(2, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(0, 1)
    if table == "questionnaire":
        ws.fit_to_pages(1, 0)  # six columns: printable on paper
    else:
        ws.repeat_columns(0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_tab_color("#1F4E78")
    ws.activate()


def _write_one(path: Path, table: str, lang: str, ministry: str | None) -> None:
    t = _texts()[lang]
    cols = template_columns(table, lang)

    def write(tmp: str) -> None:
        wb = xlsxwriter.Workbook(
            tmp,
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        try:
            wb.set_properties({"title": t[f"title_{table}"], "subject": "ospo-analytics template"})
            fmt = _Formats(wb)
            data = wb.add_worksheet(t["sheets"][table])
            instructions = wb.add_worksheet(t["sheets"]["instructions"])
            sources = _write_instructions(instructions, fmt, table, lang, cols)
            _write_data_sheet(data, fmt, table, lang, cols, sources, ministry)
        finally:
            wb.close()

    # An interrupted run never leaves a half-written template.
    atomic_write(path, write)


def write_templates(
    out_dir: Path | str, lang: str = "en", *, ministry: str | None = None
) -> list[Path]:
    """Write the three data-collection templates.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into (created if missing). Existing templates there
        are replaced.
    lang : {"en", "es", "fr"}
        Language of the explanations, instructions and questions. Column
        names and codes stay canonical in every language.
    ministry : str, optional
        Pre-fills the ministry column of the questionnaire rows.

    Returns
    -------
    list of Path
        ``inventory_template.xlsx``, ``procurement_template.xlsx`` and
        ``questionnaire_template.xlsx`` inside ``out_dir``.

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGUAGES`.

    Examples
    --------
    >>> import tempfile
    >>> from ospo_analytics import write_templates
    >>> [p.name for p in write_templates(tempfile.mkdtemp(), lang="fr")]
    ['inventory_template.xlsx', 'procurement_template.xlsx', 'questionnaire_template.xlsx']
    """
    _check_lang(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in TABLE_NAMES:
        path = out / f"{table}_template.xlsx"
        _write_one(path, table, lang, ministry)
        paths.append(path)
    return paths
