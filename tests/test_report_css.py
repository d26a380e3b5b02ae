"""The report's CSS on a narrow screen: tables keep whole words and scroll in their box.

Below about 900 px a wide table squeezed into the page's width (fixed layout,
``overflow-wrap: anywhere``) broke every name mid-word ("Corporati|on"). The
rules are read with tinycss2 (nbconvert's sanitiser dependency), so a rule
that is dropped, or moved out of the narrow-screen block, fails here.
"""

from __future__ import annotations

import tinycss2

from ospo_analytics._report.html import REPORT_CSS


def _rules(rules: list) -> list[tuple[str, dict[str, str]]]:
    out = []
    for r in rules:
        if r.type != "qualified-rule":
            continue
        decls = tinycss2.parse_declaration_list(r.content, skip_whitespace=True, skip_comments=True)
        props = {
            d.lower_name: tinycss2.serialize(d.value).strip()
            for d in decls
            if d.type == "declaration"
        }
        out.append((tinycss2.serialize(r.prelude).strip(), props))
    return out


def _media(query_part: str) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    """The first ``@media`` block whose query holds ``query_part``: query, rules."""
    sheet = tinycss2.parse_stylesheet(REPORT_CSS, skip_whitespace=True, skip_comments=True)
    for r in sheet:
        query = tinycss2.serialize(r.prelude) if r.type == "at-rule" else ""
        if r.type == "at-rule" and r.lower_at_keyword == "media" and query_part in query:
            return query, _rules(tinycss2.parse_blocks_contents(r.content, skip_whitespace=True))
    raise AssertionError(f"no @media block with {query_part!r}")


def test_narrow_screen_tables_size_by_content_and_scroll() -> None:
    query, narrow = _media("max-width")
    # Paper keeps the fixed layout that fits A4: the narrow rules are for screens.
    assert "screen" in query
    wide = [p for sel, p in narrow if "nth-child(7)" in sel and "table-layout" in p]
    assert wide and all(p["table-layout"].startswith("auto") for p in wide)
    assert any(p.get("width", "").startswith("max-content") for _, p in narrow)
    # The output box scrolls sideways, not the page.
    assert any(p.get("overflow-x") == "auto" for _, p in narrow)
    # Cells break a word only when it is longer than the column by itself.
    cells = [p for sel, p in narrow if "td" in sel and "overflow-wrap" in p]
    assert cells and all(p["overflow-wrap"] == "break-word" for p in cells)
    assert not any("anywhere" in v or "break-all" in v for _, p in narrow for v in p.values())


def test_print_keeps_tables_on_the_page() -> None:
    # Paper cannot scroll: on A4 a table still fits the page width.
    _, printed = _media("print")
    assert any("table" in sel and p.get("width", "").startswith("100%") for sel, p in printed)
