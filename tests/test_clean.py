"""Tests for the cell cleaners (ospo_analytics._clean.cells)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ospo_analytics._clean import cells as C
from ospo_analytics._clean.schema import CATEGORIES, INVENTORY_COLUMNS

REALDATA = Path(
    os.environ.get(
        "OSPO_REALDATA", Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
    )
)


def _s(*values):
    return pd.Series(list(values), dtype=object)


# --------------------------------------------------------------------------- text


def test_clean_text_tidies_and_blanks():
    vals, probs = C.clean_text(
        _s(
            "  Ministry\tof\n Health ",
            "n/a",
            "-",
            "",
            None,
            "a\x00b\u200b",
            "#REF!",
            "#N/A",
            1001.0,
            True,
        )
    )
    assert vals.dtype == "string"
    assert vals[0] == "Ministry of Health"
    assert vals[1:5].isna().all()
    assert probs[1:5].isna().all()  # blanks are not problems
    assert vals[5] == "ab"
    assert vals[6] is pd.NA and probs[6] == "Excel error value '#REF!'"
    assert vals[7] is pd.NA and "#N/A" in probs[7]
    assert vals[8] == "1001"  # calamine float of an id, no ".0"
    assert vals[9] == "TRUE"


def test_clean_text_keeps_index():
    s = pd.Series(["a", "b"], index=[10, 42])
    vals, probs = C.clean_text(s)
    assert list(vals.index) == [10, 42] and list(probs.index) == [10, 42]


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("TT$1,234.50", 1234.5),
        ("$ 1,234", 1234.0),
        ("USD 1 234,50", 1234.5),
        ("1.234,50", 1234.5),
        ("1,234.50", 1234.5),
        ("1.234.567", 1234567.0),
        ("1,234,567", 1234567.0),
        ("(1,234.00)", -1234.0),
        ("-5", -5.0),
        ("1e15", 1e15),
        ("12,5", 12.5),
        ("0.123", 0.123),  # leading zero: never a thousands group
        ("1,2345", 1.2345),  # four digits after: decimal
        ("€5", 5.0),
        ("5 EUR", 5.0),
        ("1'234.50", 1234.5),
        ("1\u00a0234,50", 1234.5),  # no-break space thousands
        (".5", 0.5),
        (1234.5, 1234.5),
        (7, 7.0),
    ],
)
def test_parse_amount_single(cell, expected):
    vals, probs = C.parse_amount(_s(cell))
    assert vals.dtype == "Float64"
    assert vals[0] == pytest.approx(expected)
    assert probs[0] is pd.NA


@pytest.mark.parametrize("cell", ["approx 5", "abc 5", "5 million", "1.2.3", "1,23,4", "12.5k"])
def test_parse_amount_rejects_text(cell):
    vals, probs = C.parse_amount(_s(cell))
    assert vals[0] is pd.NA
    assert probs[0].startswith("not a number") and cell in probs[0]


def test_parse_amount_ambiguous_single_separator_defaults_to_thousands():
    vals, probs = C.parse_amount(_s("1.234", "1,234"))
    assert vals.tolist() == [1234.0, 1234.0]
    assert probs.isna().all()


def test_parse_amount_column_evidence_decides_ambiguous():
    # US IT Dashboard: amounts in $ million with six decimals.
    vals, _ = C.parse_amount(_s("29.535882", "1.438"))
    assert vals[1] == pytest.approx(1.438)
    # A European column: "1.234,50" proves "." is for thousands.
    vals, _ = C.parse_amount(_s("1.234,50", "2,345"))
    assert vals[1] == pytest.approx(2.345)


def test_parse_amount_contradicting_evidence_is_flagged():
    vals, probs = C.parse_amount(_s("1,234.50", "1.234,50", "5.678"))
    assert vals[2] == 5678.0
    assert "ambiguous" in probs[2] and "5.678" in probs[2]


def test_parse_amount_forced_decimal():
    vals, _ = C.parse_amount(_s("1.234", "1,234"), decimal=".")
    assert vals.tolist() == [pytest.approx(1.234), 1234.0]


def test_parse_amount_non_numbers_flagged():
    vals, probs = C.parse_amount(_s(True, dt.datetime(2021, 1, 1), float("inf"), None, "  "))
    assert vals.isna().all()
    assert "yes/no" in probs[0] and "date" in probs[1] and "finite" in probs[2]
    assert probs[3:].isna().all()


def test_parse_amount_fast_path_numeric_dtype():
    vals, probs = C.parse_amount(pd.Series([1.5, np.nan, 3.0]))
    assert vals.dtype == "Float64"
    assert vals[0] == 1.5 and vals[1] is pd.NA and probs.isna().all()


def test_detect_currency():
    cur = C.detect_currency(
        _s("TT$5", "$5", "USD 5", "US$ 5", "€5", "EUR 5", "£5", "5 jmd", "5", None, 5.0)
    )
    assert cur.dtype == "string"
    assert cur.tolist()[:8] == ["TTD", pd.NA, "USD", "USD", "EUR", "EUR", "GBP", "JMD"]
    assert cur[8:].isna().all()


def _fmt(x: float, style: str) -> str:
    text = f"{x:,.2f}"
    if style == "eu":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


@settings(max_examples=40, deadline=None)
@given(
    xs=st.lists(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), min_size=1, max_size=10
    ),
    style=st.sampled_from(["us", "eu"]),
)
def test_parse_amount_round_trips_formatted_numbers(xs, style):
    vals, probs = C.parse_amount(_s(*[_fmt(x, style) for x in xs]))
    assert probs.isna().all()
    for got, x in zip(vals, xs, strict=True):
        assert abs(got - round(x, 2)) <= 0.005


# --------------------------------------------------------------------------- int / float


def test_parse_int():
    vals, probs = C.parse_int(_s("3", 3.0, "3.0", " 12 ", "3.5", "1,234", 1e30, "x", None))
    assert vals.dtype == "Int64"
    assert vals[:4].tolist() == [3, 3, 3, 12]
    assert vals[4] is pd.NA and probs[4] == "not a whole number: '3.5'"
    assert vals[5] == 1234
    assert vals[6] is pd.NA and "too large" in probs[6]
    assert vals[7] is pd.NA and probs[7] is not pd.NA
    assert vals[8] is pd.NA and probs[8] is pd.NA


def test_parse_float_rejects_currency():
    vals, probs = C.parse_float(_s("1,234.5", "$5", "2.5"))
    assert vals[0] == 1234.5 and vals[2] == 2.5
    assert vals[1] is pd.NA and "$5" in probs[1]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "cell",
    [
        dt.datetime(2021, 3, 4),
        dt.date(2021, 3, 4),
        pd.Timestamp("2021-03-04"),
        "2021-03-04",
        "2021-03-04T00:00:00Z",
        "04/03/2021",
        "4.3.2021",
        "04-Mar-2021",
        "March 4, 2021",
        "4 de marzo de 2021",
        "4 mars 2021",
        44259.0,  # Excel serial
        "44259",
        "20210304",
    ],
)
def test_parse_date_formats(cell):
    vals, probs = C.parse_date(_s(cell))
    assert vals.dtype == "datetime64[ns]"
    assert vals[0] == pd.Timestamp("2021-03-04"), cell
    assert probs[0] is pd.NA


def test_parse_date_excel_serial_leap_bug():
    # Serial 61 is 1900-03-01 in Excel (60 is the phantom 1900-02-29); serial
    # 1 is 1900-01-01 only in Excel's own broken count. Dates after March 1900
    # are right with origin 1899-12-30: check a known modern one.
    vals, _ = C.parse_date(_s(36526.0))  # Excel shows 2000-01-01
    assert vals[0] == pd.Timestamp("2000-01-01")


def test_parse_date_keeps_time_drops_tz():
    vals, _ = C.parse_date(_s("2021-03-04T10:30:00Z", "2021-03-04 10:30:00+02:00"))
    assert (vals == pd.Timestamp("2021-03-04 10:30")).all()


def test_parse_date_plausibility_window():
    vals, probs = C.parse_date(_s("2200-01-01", dt.datetime(1, 1, 1), "1949-12-31", 100.0))
    assert vals.isna().all()
    assert probs[0] == "implausible date 2200-01-01 (outside 1950–2100)"
    assert probs[1] == "implausible date 0001-01-01 (outside 1950–2100)"
    assert "1949-12-31" in probs[2]
    assert "1900-04-09" in probs[3]  # serial 100, outside the window


def test_parse_date_problems():
    vals, probs = C.parse_date(_s("garbage", dt.time(10, 0), 2021, True, None, ""))
    assert vals.isna().all()
    assert probs[0] == "not a date: 'garbage'"
    assert "time" in probs[1]
    assert "year" in probs[2]
    assert "yes/no" in probs[3]
    assert probs[4:].isna().all()


def test_words_the_iso_parser_takes_for_the_clock_are_not_dates():
    # pandas' ISO parser reads "now" and "today" as the current time: a
    # contract dated by the run, different each run.
    vals, probs = C.parse_date(_s("now", "today", "2021-03-04"))
    assert vals.isna().tolist() == [True, True, False]
    assert probs[:2].tolist() == ["not a date: 'now'", "not a date: 'today'"]


def test_day_first_dates_with_dashes_keep_their_year():
    # "-2023" at the end of "31-12-2023" was taken for a UTC offset and cut.
    texts = ["31-12-2023", "05-01-2024", "15-06-2023 10:00", "2021-03-04T10:00:00.5-05:00"]
    vals, probs = C.parse_date(_s(*texts))
    assert probs.isna().all()
    assert vals.dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2023-12-31 00:00", "2024-01-05 00:00", "2023-06-15 10:00", "2021-03-04 10:00",
    ]  # fmt: skip


def test_far_dates_written_as_text_are_unknown_not_a_crash():
    # "9999-12-31" (no end) as text made the whole file unusable: pandas
    # cannot hold it in nanoseconds.
    vals, probs = C.parse_date(_s("9999-12-31", "31/12/9999", "3000-01-01", "2024-01-02"))
    assert vals.isna().tolist() == [True, True, True, False]
    assert probs[:3].tolist() == [
        "implausible date 9999-12-31 (outside 1950–2100)",
        "implausible date 9999-12-31 (outside 1950–2100)",
        "implausible date 3000-01-01 (outside 1950–2100)",
    ]


def test_datetime_ns_keeps_a_bad_date_from_stopping_a_reader():
    got = C.datetime_ns(pd.Series(["9999-12-31", "2021-03-04T10:00:00+02:00", "x", None]))
    assert str(got.dtype) == "datetime64[ns]"
    assert got.isna().tolist() == [True, False, True, True]
    mixed = C.datetime_ns(
        pd.Series([dt.date(2020, 1, 2), "2021-03-04T10:00:00+02:00", "1800-01-01"])
    )
    assert mixed.tolist() == [pd.Timestamp("2020-01-02"), pd.Timestamp("2021-03-04 10:00"), pd.NaT]


def test_parse_date_dayfirst_and_column_convention():
    vals, _ = C.parse_date(_s("03/04/2021"))
    assert vals[0] == pd.Timestamp("2021-04-03")
    vals, _ = C.parse_date(_s("03/04/2021"), dayfirst=False)
    assert vals[0] == pd.Timestamp("2021-03-04")
    # 01/27/2011 only makes sense month-first: the whole column follows.
    vals, probs = C.parse_date(_s("01/27/2011", "01/02/2011"))
    assert vals.tolist() == [pd.Timestamp("2011-01-27"), pd.Timestamp("2011-01-02")]
    assert probs.isna().all()


# --------------------------------------------------------------------------- booleans


def test_parse_bool_languages():
    yes = ["yes", "Y", "true", "1", "x", "✓", "si", "Sí", "OUI", "o", "sim", "da", "ja", 1.0, True]
    no = ["no", "N", "false", "0", "non", "não", "nao", "nu", "nein", 0, False]
    vals, probs = C.parse_bool(_s(*yes, *no))
    assert vals.dtype == "boolean"
    assert vals.tolist() == [True] * len(yes) + [False] * len(no)
    assert probs.isna().all()


def test_parse_bool_unknown_and_bad():
    vals, probs = C.parse_bool(_s("unknown", "don't know", "?", "partly", 2, None))
    assert vals.isna().all()
    assert probs[:3].isna().all()
    assert probs[3] == "not a yes/no value: 'partly'"
    assert "'2'" in probs[4]
    assert probs[5] is pd.NA


# --------------------------------------------------------------------------- codes


def test_parse_code_categories_multilingual():
    cells = [
        "Human Resources", "recursos humanos", "Ressources Humaines", "Nómina", "paie", "Payroll",
        "gestión documental", "GED", "EDMS", "Document management",
    ]  # fmt: skip
    expected = ["hr"] * 3 + ["payroll"] * 3 + ["document-management"] * 4
    vals, probs = C.parse_code(_s(*cells), CATEGORIES, column="category")
    assert vals.tolist() == expected
    assert probs.isna().all()


def test_every_category_has_synonyms_and_maps_to_itself():
    syn = C.CODE_SYNONYMS["category"]
    assert set(syn.values()) <= set(CATEGORIES)
    assert set(CATEGORIES) <= set(syn.values())
    vals, _ = C.parse_code(_s(*[c.replace("-", " ").upper() for c in CATEGORIES]), CATEGORIES)
    assert vals.tolist() == list(CATEGORIES)


def test_code_synonyms_target_valid_codes():
    codes = {c.name: set(c.codes) for c in INVENTORY_COLUMNS if c.kind == "code"}
    for column, table in C.CODE_SYNONYMS.items():
        if column in codes:
            assert set(table.values()) <= codes[column], column


def test_parse_code_hosting_export_access_criticality():
    hosting = ("government", "third-party-in-country", "vendor-cloud-in-country", "foreign")
    vals, _ = C.parse_code(
        _s("On-Premise", "on premises", "gov data centre", "SaaS", "AWS US", "foreign cloud"),
        hosting,
    )
    assert vals.tolist() == ["government"] * 3 + ["foreign"] * 3
    vals, _ = C.parse_code(
        _s("CSV", "api", "vendor only", "No"), ("open-format", "proprietary-format", "none")
    )
    assert vals.tolist() == ["open-format", "open-format", "none", "none"]
    vals, _ = C.parse_code(_s("GitHub", "public"), ("public-repo", "gov-repo", "escrow", "none"))
    assert vals.tolist() == ["public-repo", "public-repo"]
    vals, _ = C.parse_code(_s("Critical"), ("low", "medium", "high"))
    assert vals[0] == "high"


def test_parse_code_unknown_and_user_map():
    codes = ("open", "selective", "limited", "direct")
    vals, probs = C.parse_code(_s("blah", "Y", "N"), codes, user_map={"y": "open", "N": "direct"})
    assert vals.tolist() == [pd.NA, "open", "direct"]
    assert probs[0] == "unknown code 'blah' (expected one of: open, selective, limited, direct)"
    # The user's map wins over built-ins.
    vals, _ = C.parse_code(
        _s("critical"), ("low", "medium", "high"), user_map={"Critical": "medium"}
    )
    assert vals[0] == "medium"
    vals, probs = C.parse_code(_s("x"), codes, user_map={"x": "nonsense"})
    assert vals[0] is pd.NA and "ospo.toml" in probs[0]


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("Open tender", "open"), ("competitive", "open"), ("ITB", "open"), ("restricted", "selective"),
        ("negotiated", "limited"), ("single source", "direct"), ("Sole Source", "direct"),
        ("direct award", "direct"), ("framework call-off", "selective"),
        ("Licitación pública", "open"), ("Contratación directa", "direct"),
        ("Adjudicación Directa (art. 42)", "direct"), ("Invitación a cuando menos tres personas", "selective"),
        ("Selección abreviada", "selective"), ("Mínima cuantía", "limited"),
        ("Licitación por concurso de ofertas", "open"),
        ("Licitaţie publică", "open"), ("Licitație publică", "open"),  # cedilla and comma-below
        ("Cerere a ofertelor de preţuri", "limited"), ("Negociere fără publicare", "limited"),
        ("Achiziție directă", "direct"),
        ("Відкриті торги", "open"), ("Переговорна процедура", "limited"),
        ("Звіт про укладений договір", "direct"), ("Допорогові закупівлі", "open"),
        ("pregão eletrônico", "open"), ("concorrência", "open"), ("dispensa de licitação", "direct"),
        ("inexigibilidade", "direct"), ("tomada de preços", "selective"), ("convite", "selective"),
        ("appel d'offres ouvert", "open"), ("procédure adaptée", "limited"),
        ("procédure négociée sans publicité", "limited"), ("gré à gré", "direct"),
        ("OPEN", "open"), ("limited", "limited"),
    ],
)  # fmt: skip
def test_parse_method(cell, code):
    vals, probs = C.parse_method(_s(cell))
    assert vals[0] == code, cell
    assert probs[0] is pd.NA


def test_parse_method_negation_is_not_guessed():
    vals, probs = C.parse_method(_s("not an open tender"))
    assert vals[0] is pd.NA and probs[0] is not pd.NA


# --------------------------------------------------------------------------- licences


@pytest.mark.parametrize(
    ("cell", "spdx"),
    [
        ("GPL v3", "GPL-3.0-only"), ("GPLv3", "GPL-3.0-only"), ("GNU GPL 3.0", "GPL-3.0-only"),
        ("Apache 2", "Apache-2.0"), ("MIT License", "MIT"), ("EUPL 1.2", "EUPL-1.2"),
        ("AGPL-3.0+", "AGPL-3.0-or-later"), ("BSD", "LicenseRef-BSD-unversioned"),
        ("Apache-2.0", "Apache-2.0"),
        ("mit or apache-2.0", "MIT OR Apache-2.0"), ("MPL 2.0 et EPL 1.0", "MPL-2.0 AND EPL-1.0"),
        ("proprietary", C.PROPRIETARY), ("Commercial", C.PROPRIETARY), ("EULA", C.PROPRIETARY),
        ("closed", C.PROPRIETARY), ("Propietaria", C.PROPRIETARY), ("propriétaire", C.PROPRIETARY),
        ("SaaS subscription", C.PROPRIETARY),
    ],
)  # fmt: skip
def test_parse_licence(cell, spdx):
    vals, probs = C.parse_licence(_s(cell))
    assert vals[0] == spdx
    assert probs[0] is pd.NA


def test_parse_licence_unversioned_family_gets_no_invented_version():
    vals, probs = C.parse_licence(_s("LGPL", "GPL"))
    assert list(vals) == ["LicenseRef-LGPL-unversioned", "LicenseRef-GPL-unversioned"]
    assert probs.isna().all()
    assert C.is_open_licence(vals).tolist() == [True, True]


def test_parse_licence_unknown_stays_unknown():
    vals, probs = C.parse_licence(_s("our own special terms", None))
    assert vals.isna().all()
    assert "unknown licence" in probs[0] and probs[1] is pd.NA


def test_is_open_licence():
    s = pd.Series(
        ["MIT", "GPL-3.0-or-later", C.PROPRIETARY, "BUSL-1.1", "MIT OR LicenseRef-proprietary",
         "MIT AND LicenseRef-proprietary", None, "LicenseRef-whatever"],
        dtype="string",
    )  # fmt: skip
    out = C.is_open_licence(s)
    assert out.dtype == "boolean"
    assert out.tolist() == [True, True, False, False, True, False, pd.NA, pd.NA]


def test_parse_licence_real_sill_column():
    path = REALDATA / "inventory" / "fr_sill" / "sill-2020.csv"
    if not path.exists():
        pytest.skip(f"real data not available at {path} (set OSPO_REALDATA)")
    with path.open(encoding="utf-8") as fh:
        licences = pd.Series([row["licence"] for row in csv.DictReader(fh)], dtype=object)
    vals, probs = C.parse_licence(licences)
    present = C.clean_text(licences)[0].notna()
    # France's catalogue of *free* software: whatever we read must be open.
    read = vals.notna()
    assert read.sum() >= 0.95 * present.sum()
    assert C.is_open_licence(vals[read]).fillna(False).mean() > 0.95
    assert (probs.notna() == (present & ~read)).all()


# --------------------------------------------------------------------------- vendors


def test_normalise_vendor():
    out = C.normalise_vendor(
        _s("Oracle Corp.", "ORACLE CORPORATION", "A T & T CORP", "AT&T Corp", "BOEING COMPANY, THE",
           "Grupo Bimbo S.A. de C.V.", "Société Générale SA", "3H TECHNOLOGY, L.L.C.",
           "3H TECHNOLOGY LIMITED LIABILITY COMPANY", "BOOZ ALLEN HAMILTON INCORPORATED (3626)",
           "The Company", "Inc", None)
    )  # fmt: skip
    assert out.dtype == "string"
    assert out[0] == out[1] == "oracle"
    assert out[2] == out[3] == "at and t"
    assert out[4] == "boeing"
    assert out[5] == "grupo bimbo"
    assert out[6] == "societe generale"
    assert out[7] == out[8] == "3h technology"
    assert out[9] == "booz allen hamilton"
    assert out[10] == "company"  # suffixes never strip a name to nothing
    assert out[11] == "inc"
    assert out[12] is pd.NA


def test_normalise_vendor_suffix_only_at_end():
    out = C.normalise_vendor(_s("CACI INC FEDERAL", "Limited Brands Corp"))
    assert out.tolist() == ["caci inc federal", "limited brands"]


# --------------------------------------------------------------------------- properties

_CELLS = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.sampled_from(["#REF!", "n/a", "1.234,5", "$ 12", "04/03/2021", "44259", "yes", "GPL v3"]),
)
_CLEANERS = {
    "clean_text": (C.clean_text, "string"),
    "parse_amount": (C.parse_amount, "Float64"),
    "parse_float": (C.parse_float, "Float64"),
    "parse_int": (C.parse_int, "Int64"),
    "parse_date": (C.parse_date, "datetime64[ns]"),
    "parse_bool": (C.parse_bool, "boolean"),
    "parse_code": (lambda s: C.parse_code(s, CATEGORIES), "string"),
    "parse_method": (C.parse_method, "string"),
    "parse_licence": (C.parse_licence, "string"),
}


@pytest.mark.parametrize("name", sorted(_CLEANERS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_CELLS, max_size=12), offset=st.integers(0, 100))
def test_cleaners_never_raise(name, cells, offset):
    func, dtype = _CLEANERS[name]
    s = pd.Series(cells, dtype=object, index=pd.RangeIndex(offset, offset + len(cells)))
    vals, probs = func(s)
    assert vals.index.equals(s.index) and probs.index.equals(s.index)
    assert str(vals.dtype) == dtype
    assert probs.dtype == "string"
    # Blank in, blank out, no problem; and a problem always means no value
    # (except the flagged-but-read ambiguous amounts).
    blank = s.map(lambda v: v is None or (isinstance(v, str) and not v.strip()))
    assert vals[blank].isna().all() and probs[blank].isna().all()
    if name not in ("parse_amount", "parse_float", "parse_int"):
        assert vals[probs.notna()].isna().all()


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=12))
def test_normalise_vendor_never_raises(cells):
    out = C.normalise_vendor(pd.Series(cells, dtype=object))
    assert out.dtype == "string" and len(out) == len(cells)


def test_user_map_to_empty_means_unknown_without_a_problem():
    s = pd.Series(["Y", "U", "N", "u"], dtype=object)
    values, problems = C.parse_method(s, user_map={"Y": "open", "N": "limited", "U": ""})
    assert values.tolist()[0] == "open" and values.tolist()[2] == "limited"
    assert values.iloc[[1, 3]].isna().all() and problems.iloc[[1, 3]].isna().all()


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("72000000-5", "72000000-5"), ("72000000", "72000000"), ("7200 0000", "72000000"),
        ("72.00.00.00-5", "72000000-5"), ("43211508-001", "43211508-001"),
        ("72000000-5 Services informatiques", "72000000-5"), (3111900, "03111900"),
        (72000000.0, "72000000"), ("3111900", "03111900"),
    ],
)  # fmt: skip
def test_classification_codes_kept(cell, code):
    assert C.classification_code(cell) == (code, None)


@pytest.mark.parametrize(
    "cell", ["720000005", "4524727031", "72", "7200", "abc", True, 72000000.5, "1234567890123"]
)
def test_malformed_classification_is_unknown_with_a_problem(cell):
    value, problem = C.classification_code(cell)
    assert value is None and (
        "not a CPV/UNSPSC code" in problem or "not a classification" in problem
    )


def test_invalid_cpv_makes_is_it_unknown_in_the_loader(tmp_path):
    from ospo_analytics._config import Config
    from ospo_analytics._load import read_procurement

    path = tmp_path / "contracts.csv"
    path.write_text(
        "ministry,supplier,amount,classification\n"
        "Health,Acme,100,72000000-5\n"
        "Health,Dam Builders,900,7224727031\n"  # 10 digits: not a code, not IT
        "Health,Acme,50,45247270-3\n"
        "Health,Acme,70,\n",
        encoding="utf-8",
    )
    res = read_procurement(path, Config(root=tmp_path))
    assert res.table["is_it"].tolist() == [True, pd.NA, False, pd.NA]
    bad = res.rejects[res.rejects["column"] == "classification"]
    assert bad[["row", "value"]].values.tolist() == [[3, "7224727031"]]
    assert bad["action"].iloc[0] == "row kept, cell set to unknown"


def test_every_currency_token_holds_a_currency_character():
    """detect_currency parses only text with a letter or currency sign."""
    import re

    from ospo_analytics._clean import cells

    tokens = [*cells._CURRENCY_SYMBOLS, "USD", "eur", "U$S", "TT$", "ab$"]
    for tok in tokens:
        if re.fullmatch(cells._CUR, tok):
            assert re.search(cells._CUR_CHAR_RE, tok), tok
    # The signs spelled in _CUR itself.
    for sign in re.findall(r"\|([^\w\\|(?:)\[\]{}]+)", cells._CUR):
        assert re.search(cells._CUR_CHAR_RE, sign), sign
    s = pd.Series(["TT$ 5", "5", "(7)", "1.234,5 €", "EUR 3", "abc 5", None, "-1 £"])
    assert cells.detect_currency(s).tolist() == [
        "TTD",
        pd.NA,
        pd.NA,
        "EUR",
        "EUR",
        pd.NA,
        pd.NA,
        "GBP",
    ]


@pytest.mark.parametrize(
    "dtype", [object, "string", pd.StringDtype("python"), pd.ArrowDtype(pa.string())]
)
def test_currency_of_the_cells_picked_on_raw_text_equals_every_cell_parsed(dtype):
    """Only cells whose raw text holds a letter or currency sign are tidied and
    parsed: the same currencies as tidying and parsing every cell, with
    white space, placeholders, Excel errors and missing cells around them."""
    values = [
        "TT$ 5", " US$1,234.50 ", "\u200bTT$5\u00a0", "5", "(7)", "(US$ 1,234)", "1.234,5 €",
        "EUR 3", "eur 3", "abc 5", "5 XYZ", "n/a", "N/A", "#REF!", "#n/a", "null", "nan", "",
        "  ", None, "-1 £", "$5", "¥5", "5$", "€", "R$ 1.234,56", "\t5 USD\n", "1e5", "5-",
    ]  # fmt: skip
    if dtype is object:
        s = pd.Series([*values, np.nan], dtype=object, index=range(10, 10 + len(values) + 1))
    else:
        s = pd.Series(values, dtype=dtype, index=range(10, 10 + len(values)))
    got = C.detect_currency(s)
    want = C._detect_currency_all(s)
    pd.testing.assert_series_equal(got, want)
    assert got.notna().sum() >= 8  # currencies were found
    assert C.detect_currency(s.iloc[:0]).empty


@pytest.mark.parametrize("seed", range(24))
def test_plain_numbers_fast_path_equals_the_general_parser(seed):
    """Plain numbers and the other shapes that fix their decimal mark skip
    the general parser; values, problems and currencies stay those of the
    general parser, whatever else the column holds (the marks they fix still
    decide the ambiguous "1.234" and "1,234")."""
    import numpy as np

    from ospo_analytics._clean.cells import _parse_number_text, _parse_number_text_all

    rng = np.random.default_rng(seed)

    def digits(k):
        return "".join(rng.choice(list("0123456789"), k))

    tokens = ["TT$", "$", "US$", "€", "£", "EUR", "usd", "ABC", "R$", "¥", "XYZ", "U$S", "-$"]
    numbers = [
        lambda: digits(rng.integers(1, 26)),  # integers up to 25 digits
        lambda: f"{digits(rng.integers(1, 18))}.{digits(rng.integers(1, 12))}",
        lambda: f"-{digits(rng.integers(1, 10))}.{digits(2)}",
        lambda: f"{rng.integers(1, 999)}.{digits(3)}",  # ambiguous: 1234 or 1.234
        lambda: f"{rng.integers(1, 999)},{digits(2)}",  # decimal comma
        lambda: f"{rng.integers(1, 999)},{digits(3)},{digits(3)}.{digits(2)}",
        # Shapes that fix their own mark: decimal comma, grouped in threes.
        lambda: (
            f"{rng.choice(['', '-'])}{digits(rng.integers(1, 20))},{digits(rng.integers(1, 8))}"
        ),
        lambda: f"{rng.integers(1, 999)}.{digits(3)}.{digits(3)},{digits(rng.integers(1, 4))}",
        lambda: f"-{rng.integers(1, 999)}.{digits(3)},{digits(2)}",
        lambda: (
            f"{rng.integers(1, 999)}{rng.choice(['.', ','])}{digits(3)}"
            f"{rng.choice(['.', ','])}{digits(3)}"
        ),
        lambda: f"{rng.integers(1, 999)},{digits(3)}.{digits(rng.integers(1, 6))}",
        lambda: f"{rng.integers(1, 999)},{digits(3)}",  # ambiguous with a comma
        lambda: f"0{rng.integers(0, 99)},{digits(3)}",  # a leading zero decides
        lambda: str(rng.choice(["1.234,", "1,234.", "1.23.456", "12,34,567", ",5", "-0,000"])),
    ]
    shapes = [
        *numbers,
        # A currency before or after any of the numbers above.
        lambda: (
            f"{rng.choice(tokens)}{rng.choice(['', ' ', '  '])}{numbers[rng.integers(0, len(numbers))]()}"
        ),
        lambda: (
            f"{numbers[rng.integers(0, len(numbers))]()}{rng.choice(['', ' ', '  '])}{rng.choice(tokens)}"
        ),
        lambda: f"USD {rng.integers(1, 99999)}",
        lambda: f"({rng.integers(1, 999)},{digits(3)}.00)",
        lambda: str(rng.choice(["-0", "0.0", "007", "abc", "1.2.3", "12.", ".5", "-", "1e5"])),
    ]
    # Each column mixes a random subset of shapes, so the column-level
    # decision (dot, comma or none) varies from seed to seed.
    chosen = rng.choice(len(shapes), size=rng.integers(2, len(shapes) + 1), replace=False)
    text = pd.Series(
        [shapes[int(rng.choice(chosen))]() for _ in range(3000)], dtype="string"
    ).set_axis(pd.RangeIndex(5, 3005))
    for allow_currency, decimal in [(True, None), (False, None), (True, ",")]:
        fast = _parse_number_text(text, decimal, allow_currency)
        full = _parse_number_text_all(text, decimal, allow_currency)
        for a, b in zip(fast, full, strict=True):
            pd.testing.assert_series_equal(a, b)
        assert (np.signbit(fast[0].to_numpy()) == np.signbit(full[0].to_numpy())).all()


def test_a_column_mixing_both_number_styles_flags_the_ambiguous_ones():
    """With 1,234.50 and 1.234,50 in one column, "1.234" cannot be decided:
    read as a thousand-separated 1234, with a problem that says why."""
    from ospo_analytics._clean.cells import parse_amount

    values, problems = parse_amount(pd.Series(["1,234.50", "1.234,50", "1.234", "12"]))
    assert values.tolist()[2:] == [1234.0, 12.0]
    assert problems.iloc[2] == (
        "ambiguous number '1.234' (read as 1234; the column mixes 1,234.5 and 1.234,5 styles)"
    )
    assert problems.iloc[[0, 1, 3]].isna().all()


def _clean_text_per_kind(s):
    """clean_text as first written: pandas steps on the text cells only."""
    import pyarrow.compute as pc

    cells = C._Cells(s)
    out = cells.text.copy()
    is_str = cells.kind == "str"
    if is_str.any():
        arr = pc.replace_substring_regex(
            C._arrow(out[is_str]), f"[{C._CONTROL}{C._ZERO_WIDTH}]", ""
        )
        arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, f"[{C._WS}]+", " "))
        out[is_str] = C._str_series(arr, out.index[is_str])
    other = cells.mask("num", "bool", "datetime", "date", "time", "other")
    if other.any():
        out[other] = cells.obj[other].map(C._scalar_text).astype("string")
    out = out.mask(out.str.lower().isin(list(C._NA_TOKENS)).fillna(False))
    return out.astype("string"), cells.problems


# Every white space and invisible character the cleaners know, some others.
_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2007\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\x00\x07\x7f\x9f\u180e"
_TEXT_CELLS = st.one_of(
    st.text(
        alphabet=st.sampled_from([*_SPACES, "a", "B", "-", "/", "?", "é", "İ", "K"]), max_size=12
    ),
    st.sampled_from(
        [*C._NA_TOKENS, "N/A", "NULL", "NaN", " n/a ", "#REF!", "#n/a", "\u200b-\u200b"]
    ),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.one_of(_TEXT_CELLS, _CELLS), max_size=15), offset=st.integers(0, 9))
def test_clean_text_in_arrow_equals_the_per_kind_steps(cells, offset):
    """Tidying the whole column in Arrow (collapsing only the text with white
    space to collapse) gives what the per-kind pandas steps gave."""
    s = pd.Series(cells, dtype=object, index=pd.RangeIndex(offset, offset + len(cells)))
    got, got_problems = C.clean_text(s)
    want, want_problems = _clean_text_per_kind(s)
    pd.testing.assert_series_equal(got, want)
    pd.testing.assert_series_equal(got_problems, want_problems)


def test_clean_text_in_arrow_on_every_space_run():
    """Each pair of white-space characters, inside, around and alone."""
    values = [f"{a}{b}" for a in _SPACES for b in _SPACES]
    values += [f"x{a}{b}y" for a in _SPACES for b in _SPACES] + [
        f"{a}x {b}" for a in _SPACES for b in _SPACES
    ]
    for s in (pd.Series(values, dtype=object), pd.Series(values, dtype="string")):
        got, _ = C.clean_text(s)
        want, _ = _clean_text_per_kind(s)
        pd.testing.assert_series_equal(got, want)
    assert got.notna().any() and got.isna().any()


@pytest.mark.parametrize("name", sorted(_CLEANERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.lists(
        st.one_of(
            st.none(),
            _TEXT_CELLS,
            st.sampled_from(["1.234,5", "$ 12", "04/03/2021", "44259", "yes", "GPL v3", "1e5"]),
        ),
        max_size=12,
    )
)
def test_cleaners_read_text_in_arrow_as_text_in_objects(name, cells):
    """The streaming loader hands text columns over in Arrow (``string``):
    every cleaner gives what it gives for the same text as Python objects."""
    func, _ = _CLEANERS[name]
    objects = pd.Series(cells, dtype=object, index=pd.RangeIndex(3, 3 + len(cells)))
    arrow = objects.astype("string")
    assert isinstance(arrow.array, pd.arrays.ArrowStringArray)
    for got, want in zip(func(arrow), func(objects), strict=True):
        pd.testing.assert_series_equal(got, want)


def test_arrow_factorize_equals_pandas_factorize():
    """Codes by first occurrence, -1 for missing, the same uniques."""
    import pyarrow as pa

    from ospo_analytics._load import _arrow_factorize

    values = ["b", "a", None, "b", "", "c", "a", None, "é", "", " a"]
    chunked = pa.chunked_array([pa.array(values[:4]), pa.array(values[4:])])
    for arr in (
        pd.array(values, dtype="string"),
        pd.arrays.ArrowStringArray(chunked),
        pd.array([], dtype="string"),
    ):
        codes, uniques = _arrow_factorize(arr)
        want_codes, want_uniques = pd.factorize(
            np.asarray(arr.to_numpy(dtype=object)), use_na_sentinel=True
        )
        np.testing.assert_array_equal(codes, want_codes)
        assert uniques.dtype == object and uniques.tolist() == want_uniques.tolist()


def test_plain_numbers_read_by_arrow_as_by_to_numeric():
    """Plain numbers are read by Arrow: the floats pandas' to_numeric gives
    (the sign applied after), on long, tiny, huge and halfway digits."""
    import random

    rng = random.Random(5)
    digits = "0123456789"
    values = ["0", "-0", "00012", "-7.50", "0.1", "9007199254740993", "9007199254740995"]
    values += ["1" * 400, "1" * 309, "0." + "0" * 400 + "1", "0." + "0" * 310 + "17"]
    values += ["2." + "2250738585072011", "0." + "0" * 307 + "22250738585072011"]
    values += ["1.00000000000000011102230246251565404236316680908203125"]  # a tie
    values += ["1.00000000000000011102230246251565404236316680908203126"]
    for _ in range(20_000):
        v = "".join(rng.choice(digits) for _ in range(rng.randint(1, 25)))
        if rng.random() < 0.7:
            v += "." + "".join(rng.choice(digits) for _ in range(rng.randint(1, 25)))
        values.append(("-" if rng.random() < 0.3 else "") + v)
    text = pd.Series(values, dtype="string")
    got = C._parse_number_text(text, None, allow_currency=True)[0].to_numpy()
    neg = np.array([v.startswith("-") for v in values])
    want = pd.to_numeric(
        pd.Series([v.removeprefix("-") for v in values], dtype=object), errors="coerce"
    ).to_numpy(dtype="float64", copy=True)
    want[neg] = -want[neg]
    ambiguous = text.str.fullmatch(C._AMBIGUOUS_PLAIN_RE).to_numpy(dtype=bool)
    np.testing.assert_array_equal(got[~ambiguous], want[~ambiguous])
    assert np.signbit(got[1]) and np.isinf(got[7]) and got[9] == 0.0


_AMOUNT_TEXT = st.one_of(
    st.sampled_from(
        [
            "TT$ 5",
            "US$1,234.50",
            "(US$ 1,234)",
            "1.234,5 €",
            "EUR 3",
            "eur 3",
            "abc 5",
            "5 XYZ",
            "$5",
            "¥5",
            "5$",
            "€",
            "R$ 1.234,56",
            "5 USD",
            "1e5",
            "5-",
            "USD",
            "USD 1.2.3",
            "usd -5",
            "− 5 EUR",
            "EUR5EUR",
            "12 ab$",
            "TT$ (5)",
            "(TT$ 5)",
            "5 5 USD",
            "U$S 7",
            "BDS$ 1 000",
            "-£5",
            "£-5",
            "5 £ -",
            "1,234.5e3 EUR",
        ]
    ),  # fmt: skip
    st.text(alphabet="0123456789.,' ()-−+eEUSDRTabc$€£¥₹", min_size=1, max_size=14),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_AMOUNT_TEXT, min_size=1, max_size=12))
def test_currencies_from_the_amount_pattern_equal_the_parsers(values):
    """detect_currency reads the tokens without parsing the numbers: the
    currencies the whole number parser gives with them."""
    text = pd.Series(values, dtype="string").str.strip()
    text = text[text.str.len() > 0]
    if text.empty or text.str.lower().isin(list(C._NA_TOKENS)).any():
        return
    _, _, want = C._parse_number_text(text, None, allow_currency=True)
    pd.testing.assert_series_equal(C.detect_currency(text), want, check_names=False)
