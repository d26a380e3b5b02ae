"""Reports in the country team's language: catalogues, locale formatting, demo in es and fr.

The demo is rendered once per language (one ministry and the national
overview, HTML and XLSX for es, HTML for fr) and shared by the tests.
"""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from html import unescape
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po

from conftest import AS_OF
from ospo_analytics._i18n import (
    DEFAULT,
    DOMAIN,
    LANGUAGES,
    LOCALE_DIR,
    extract_messages,
    language,
)
from ospo_analytics._report import fmt, scorer_text
from ospo_analytics._report import runner as r

MINISTRY = "Ministry of Health"
TRANSLATED = [lang for lang in LANGUAGES if lang != DEFAULT]


def _catalogue(lang: str) -> dict:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        return {
            (m.id[0] if isinstance(m.id, tuple | list) else m.id): m for m in read_po(fh) if m.id
        }


def _fields(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}


# ------------------------------------------------------------------- catalogues
@pytest.fixture(scope="module")
def messages() -> dict[str, tuple[str, ...]]:
    found = extract_messages()
    assert len(found) > 300  # the extractor saw the package and the notebooks
    return found


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_report_string_is_translated(messages, lang: str) -> None:
    cat = _catalogue(lang)
    missing = [m for m in messages if m not in cat]
    empty = [
        m
        for m in messages
        if m in cat
        and (not all(cat[m].string) if isinstance(cat[m].string, tuple) else not cat[m].string)
    ]
    fuzzy = [m for m in messages if m in cat and cat[m].fuzzy]
    hint = "run tools/update_catalogues.py and translate"
    assert not missing, f"{lang}: not in the catalogue ({hint}): {missing[:10]}"
    assert not empty, f"{lang}: no translation: {empty[:10]}"
    assert not fuzzy, f"{lang}: fuzzy: {fuzzy[:10]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_their_placeholders(messages, lang: str) -> None:
    cat = _catalogue(lang)
    wrong = []
    for msgid in messages:
        strings = cat[msgid].string
        for text in strings if isinstance(strings, tuple) else (strings,):
            if _fields(text) != _fields(msgid):
                wrong.append((msgid, text))
    assert not wrong, wrong[:5]


def test_notebook_prose_is_catalogued(messages) -> None:
    # The report notebooks hold no Markdown: every sentence goes through the catalogue.
    for name in (r.MINISTRY_NOTEBOOK, r.NATIONAL_NOTEBOOK):
        nb = json.loads((r.NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
        assert not [c for c in nb["cells"] if c["cell_type"] == "markdown"], name
    assert "Executive summary" in messages and "Methodology" in messages


# ------------------------------------------------------------------- formatting
def test_money_in_each_locale() -> None:
    assert fmt.money(1234.5, "TTD", 2, "en") == "TTD 1,234.50"
    assert fmt.money(1234.5, "TTD", 2, "es") == "1.234,50\xa0TTD"
    assert fmt.money(1234.5, "TTD", 2, "fr") == "1\u202f234,50\xa0TTD"
    assert fmt.money(1234.5, "TTD", 2, "pt") == "TTD\xa01.234,50"
    with language("es"):
        assert fmt.money(None, "TTD") == "desconocido"
        assert fmt.number(1234567) == "1.234.567"


def test_percent_date_month_in_each_locale() -> None:
    import datetime as dt

    d = dt.date(2026, 3, 5)
    assert fmt.pct(0.784, "en") == "78%" and fmt.pct(0.784, "es") == "78\xa0%"
    assert fmt.date(d, "en") == "Mar 5, 2026"
    assert fmt.date(d, "es") == "5 mar 2026"
    assert fmt.date(d, "fr") == "5 mars 2026"
    assert "mar" in fmt.month(d, "pt") and "2026" in fmt.month(d, "pt")
    with language("fr"):
        assert fmt.end_status(dt.date(2027, 1, 1), dt.date(2026, 6, 30)) == "prend fin dans 6 mois"
        assert fmt.xlsx_formats("TTD")["money"] == '#,##0 "TTD"'


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="en, es, fr, pt"):
        r.use_language("de")
    with pytest.raises(r.ReportError, match="unknown report language"):
        r.run_reports(Path("."), Path("."), lang="xx")


def test_scorer_sentence_translated_with_locale_values() -> None:
    text = (
        "Explore one shared document-management system with Ministry of A, Ministry of B "
        "and 9 more (spend at stake across the 11 ministries: 11,767,571)"
    )
    with language("es"):
        out = scorer_text.translate(text, "TTD")
    assert out == (
        "Estudiar un sistema compartido de Gestión documental con Ministry of A, Ministry of B "
        "y 9 más (gasto en juego en los 11 ministerios: 11.767.571\xa0TTD)"
    )
    # One action holding "; " stays whole when a cell of actions is split.
    cell = "Check what other ministries already use before buying; share own code; Build in-house skills to maintain core systems"
    assert scorer_text.split_actions(cell) == [
        "Check what other ministries already use before buying; share own code",
        "Build in-house skills to maintain core systems",
    ]


def test_translated_text_stays_escaped() -> None:
    with language("fr"):
        title = r._("OSPO readiness assessment: {ministry}").format(ministry="<script>x</script>")
        html = r.heading(title, 1).data + r.section(r._("Methodology"), "*a* <b>").data
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "<em>a</em>" in html


# ------------------------------------------------------------------- demo in es and fr
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo country reported in es (``[project] language``) then fr (``--lang``)."""
    root = tmp_path_factory.mktemp("demo-i18n")
    (root / "ospo.toml").write_text(
        f'[project]\nname = "Republic of Tamarind (demo)"\nas_of = "{AS_OF}"\n'
        'currency = "TTD"\nlanguage = "es"\n',
        encoding="utf-8",
    )
    base = [sys.executable, "-m", "ospo_analytics"]
    sel = ["--ministry", MINISTRY, "--jobs", "2", "--quiet"]
    runs = {
        "es": [*base, "run", "--formats", "html,xlsx", *sel],
        "fr": [*base, "report", "--lang", "fr", "--formats", "html", *sel],
    }
    out: dict[str, Path] = {"root": root}
    for lang, cmd in runs.items():
        res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=900)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        # The fr run is a new run, not "nothing changed" after es.
        assert "nothing changed" not in res.stdout + res.stderr
        out[lang] = (root / "reports" / "latest").resolve()
    return out


def _text(html: str) -> str:
    """What a reader sees: text and image descriptions, without markup."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    alts = " ".join(re.findall(r'alt="([^"]*)"', html))
    text = unescape(re.sub(r"<[^>]+>", " ", html) + " " + alts)
    # ASCII whitespace only: the no-break spaces of numbers (1 234 TTD) stay.
    return re.sub(r"[ \t\r\n]+", " ", text)


def _pages(run: Path) -> dict[str, str]:
    pages = {p.parent.name: _text(p.read_text(encoding="utf-8")) for p in run.glob("*/report.html")}
    pages["index"] = _text((run / "index.html").read_text(encoding="utf-8"))
    return pages


def _english_chunks(messages) -> set[str]:
    """Literal runs of four words or more of the English catalogue strings."""
    chunks = set()
    for msgid in messages:
        for part in re.split(r"\{\w+\}", msgid):
            part = part.strip(" .;:,()")
            if len(part.split()) >= 4:
                chunks.add(part)
    return chunks


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_no_english_sentence_in_demo_reports(demo, messages, lang: str) -> None:
    pages = _pages(demo[lang])
    assert set(pages) >= {"national", "index"} and len(pages) == 3, list(pages)
    chunks = _english_chunks(messages)
    for name, text in pages.items():
        left = sorted(c for c in chunks if c in text)
        assert not left, f"{lang} {name}: English left: {left[:5]}"
    # The translations are there (not just an empty page).
    with language(lang):
        assert r._("Executive summary") in " ".join(pages.values())
        assert r._("Methodology") in " ".join(pages.values())
    manifest = json.loads((demo[lang] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["language"] == lang


@pytest.mark.slow
def test_demo_numbers_and_dates_in_the_locale(demo) -> None:
    es = _pages(demo["es"])
    fr = _pages(demo["fr"])
    ministry_es = next(t for n, t in es.items() if n.startswith("ministry-of-health"))
    ministry_fr = next(t for n, t in fr.items() if n.startswith("ministry-of-health"))
    # Money: "27.095.114 TTD" (es), "27 095 114 TTD" (fr); never "TTD 27,095,114".
    assert re.search(r"\d{1,3}(\.\d{3})+\xa0?\s?TTD", ministry_es)
    assert re.search(r"\d{1,3}(\u202f\d{3})+\xa0?\s?TTD", ministry_fr)
    assert not re.search(r"TTD \d{1,3},\d{3}", ministry_es + ministry_fr)
    # Percentages with the locale's space, dates with month names.
    assert re.search(r"\d+\xa0%", ministry_es) and re.search(r"\d+\xa0%", ministry_fr)
    months_es = "ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic"
    assert re.search(rf"Datos a fecha de \d{{1,2}} ({months_es}) \d{{4}}", ministry_es)
    assert re.search(r"Données au \d{1,2} \w+\.? \d{4}", ministry_fr)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", ministry_es + ministry_fr)  # no ISO dates left


@pytest.mark.slow
def test_demo_workbook_in_spanish(demo) -> None:
    path = next(demo["es"].glob("ministry-of-health*/scores.xlsx"))
    wb = openpyxl.load_workbook(path)
    assert {"Resumen", "Sistemas", "Ventanas de salida", "Columnas"} <= set(wb.sheetnames)
    systems = wb["Sistemas"]
    heads = [c.value for c in systems[1]]
    assert "Sistema" in heads and "Dependencia (0–100)" in heads and "System" not in heads
    gasto = heads.index("Gasto") + 1
    assert systems.cell(2, gasto).number_format == '#,##0 "TTD"'
    cols = wb["Columnas"]
    assert [c.value for c in cols[1]] == ["Hoja", "Columna", "Significado"]
    meanings = [row[2].value for row in cols.iter_rows(min_row=2) if row[2].value]
    assert "Media ponderada de los factores de dependencia conocidos." in meanings


@pytest.mark.slow
def test_demo_scorer_sentences_all_have_templates(demo) -> None:
    """Every action, red flag and opportunity text of the demo has a template,
    so none reaches a translated report in English (a changed scorer text fails here)."""
    import pandas as pd

    processed = demo["root"] / "data" / "processed"
    m = pd.read_parquet(processed / "ministries.parquet")
    s = pd.read_parquet(processed / "systems.parquet")
    o = pd.read_parquet(processed / "opportunities.parquet")
    sentences = [a for cell in m["actions"].dropna() for a in scorer_text.split_actions(cell)]
    sentences += [f for cell in s["red_flags"].dropna() for f in scorer_text.split_actions(cell)]
    sentences += list(o["description"].dropna())
    assert len(sentences) > 50
    unmatched = [t for t in sentences if not scorer_text.matches(t)]
    assert not unmatched, unmatched[:5]


def test_no_message_hides_where_the_extractor_cannot_see_it(messages) -> None:
    # Babel does not look inside f-strings: "Readiness reports" and "No rows."
    # were written there, never catalogued, and stayed English in every report.
    import re

    root = Path(__file__).resolve().parents[1] / "ospo_analytics"
    called = {
        (p.name, m)
        for p in root.rglob("*.py")
        for m in re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)+)"\s*\)', p.read_text(encoding="utf-8"))
    }
    assert not [c for c in called if c[1] not in messages]
