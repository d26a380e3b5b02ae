"""Accessible charts: palettes under simulated colour-vision deficiency, word-safe
labels, and chart descriptions that reach the exported HTML's ``<img alt>``.

The simulation is the Machado, Oliveira & Fernandes (2009) model at full
severity, applied in linear RGB; distances are CIE76 Delta E in CIELAB (D65).
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from matplotlib.colors import to_rgb

from ospo_analytics._report import charts as ch
from ospo_analytics._report import runner as r
from ospo_analytics._report.html import export_html
from ospo_analytics._score.details import _national_functions

# Machado et al. (2009), Table 1, severity 1.0 (linear RGB -> simulated linear RGB).
CVD = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
         [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip
_SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
_WHITE = np.array([0.95047, 1.0, 1.08883])


def _linear(colour: object) -> np.ndarray:
    c = np.asarray(to_rgb(colour))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    t = (_SRGB_TO_XYZ @ linear_rgb) / _WHITE
    d = 6 / 29
    f = np.where(t > d**3, np.cbrt(t), t / (3 * d**2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulate(colour: object, deficiency: str | None) -> np.ndarray:
    """CIELAB of ``colour`` as seen with ``deficiency`` (None: normal vision)."""
    lin = _linear(colour)
    if deficiency:
        lin = np.clip(CVD[deficiency] @ lin, 0, 1)
    return _lab(lin)


def min_delta_e(colours: dict[str, object], deficiency: str | None) -> tuple[float, str]:
    """Smallest pairwise CIE76 distance and the pair that has it."""
    best = (np.inf, "")
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        d = float(np.linalg.norm(simulate(ca, deficiency) - simulate(cb, deficiency)))
        best = min(best, (d, f"{a}/{b}"))
    return best


def test_simulation_is_sane() -> None:
    # Grey stays grey under every deficiency (rows of each matrix sum to 1)...
    for kind in CVD:
        assert np.allclose(simulate("#808080", kind), simulate("#808080", None), atol=0.5)
    # ...and pure red and green, far apart normally, nearly merge for deuteranopes.
    rg = {"red": "#ff0000", "green": "#00b000"}
    assert min_delta_e(rg, None)[0] > 80
    assert min_delta_e(rg, "deuteranopia")[0] < min_delta_e(rg, None)[0] / 2


@pytest.mark.parametrize("deficiency", [None, "protanopia", "deuteranopia", "tritanopia"])
def test_lockin_band_colours_stay_distinct(deficiency: str | None) -> None:
    d, pair = min_delta_e(ch.BAND_COLOURS, deficiency)
    assert d >= 20, f"lock-in bands {pair} only {d:.1f} Delta E apart under {deficiency}"


@pytest.mark.parametrize("deficiency", [None, "protanopia", "deuteranopia"])
def test_stage_colours_stay_distinct(deficiency: str | None) -> None:
    stages = {f"stage {i}": c for i, c in enumerate(ch.STAGE_COLOURS)}
    d, pair = min_delta_e(stages, deficiency)
    assert d >= 15, f"stages {pair} only {d:.1f} Delta E apart under {deficiency}"


def test_unknown_band_is_hatched_and_every_bar_says_its_band() -> None:
    systems = pd.DataFrame(
        {
            "system_name": ["Alpha", "Beta", "Gamma"],
            "lockin_score": pd.array([80.0, 30.0, None], dtype="Float64"),
            "lockin_low": pd.array([70.0, 20.0, None], dtype="Float64"),
            "lockin_high": pd.array([90.0, 40.0, None], dtype="Float64"),
            "lockin_band": ["high", "low", "unknown"],
        }
    )
    fig = ch.lockin_bars(systems)
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {"80 high", "30 low", "unknown"} <= texts
    hatches = [p.get_hatch() for p in ax.patches if p.get_height() > 0 and p.get_y() > -1]
    assert "///" in hatches
    plt.close(fig)


@pytest.mark.parametrize(
    "text",
    [
        "unknown",
        "Ministry of Labour & Social Protection",
        "document-management health-information",
        "Supercalifragilisticexpialidocious platform for citizens",
        "Ministère de l'Éducation nationale et de la Jeunesse",
    ],
)
def test_labels_wrap_between_words_only(text: str) -> None:
    label = ch.wrap_label(text, 12)
    words = set(text.split())
    for line in label.split("\n"):
        for word in line.rstrip("…").split():
            assert word in words or text.startswith(word) or word.rstrip("…") in text, word
            # A word is either whole or the cut end of the label (ending in …).
            assert word in words or line.endswith("…"), (label, word)
    assert len(label.split("\n")) <= 2


def test_readiness_heatmap_labels_are_words() -> None:
    m = pd.DataFrame(
        {
            "ministry": ["Ministry of Labour & Social Protection", "Health"],
            "ind_inventory_completeness": [0.5, None],
            "q_exit": [1.0, 0.0],
        }
    )
    fig = ch.readiness_heatmap(m)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "inventory complete" in labels and "q: exit plans" in labels
    assert ch.alt_text(fig).startswith("Heat map of 2 readiness indicators")
    plt.close(fig)


def test_every_chart_carries_a_description() -> None:
    systems = pd.DataFrame(
        {
            "system_name": ["A", "B"],
            "ministry": ["M1", "M2"],
            "category": ["hr", "hr"],
            "lockin_score": [70.0, 20.0],
            "lockin_band": ["high", "low"],
            "spend_total": [1e6, 2e5],
        }
    )
    functions = _national_functions(systems)
    ministries = pd.DataFrame(
        {
            "ministry": ["M1", "M2"],
            "readiness_score": [0.42, None],
            "readiness_stage": pd.array([2, None], dtype="Int64"),
            "readiness_stage_name": ["promote", None],
        }
    )
    for fig in (
        ch.lockin_bars(systems),
        ch.readiness_bars(ministries),
        ch.spend_by_category(functions, currency="TTD", labels=r.FUNCTION_LABELS),
    ):
        alt = ch.alt_text(fig)
        assert len(alt) > 40 and "nan" not in alt.lower(), alt
        plt.close(fig)
    fig = ch.spend_by_category(functions, currency="TTD", labels=r.FUNCTION_LABELS)
    assert "(TTD)" in fig.axes[0].get_xlabel()
    assert "Human resources" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    plt.close(fig)


def test_show_puts_the_description_in_the_image_metadata(monkeypatch) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig = ch.set_alt(plt.figure(), "Bars of 3 systems")
    r.show(fig, "Lock-in")
    assert shown[0].metadata == {"alt": "Lock-in. Bars of 3 systems"}


def test_alt_text_survives_the_html_export() -> None:
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    out = nbformat.v4.new_output(
        "display_data",
        data={"image/png": png, "text/plain": "<Figure>"},
        metadata={"image/png": {"alt": 'Bars: "A" <b>80</b> & B 20'}},
    )
    cell = nbformat.v4.new_code_cell("r.show(fig)", outputs=[out])
    html = export_html(nbformat.v4.new_notebook(cells=[cell]), "t")
    # The text arrives whole and escaped: an attribute value, never markup.
    assert [i.get("alt") for i in BeautifulSoup(html, "html.parser").find_all("img")] == [
        'Bars: "A" <b>80</b> & B 20'
    ]
    assert "<b>80" not in html
    assert "No description has been provided" not in html
