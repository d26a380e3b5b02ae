"""Scoring profile: defaults, overrides, validation."""

from __future__ import annotations

import tomllib

import pytest

from ospo_analytics._config import ConfigError
from ospo_analytics._score.profile import LOCKIN_FACTORS, REUSE_FACTORS, dump_toml, load_profile


def test_default_profile_has_every_factor_and_the_shared_sections():
    p = load_profile()
    assert set(p.lockin_weights) == set(LOCKIN_FACTORS)
    assert set(p.reuse_weights) == set(REUSE_FACTORS)
    assert all(w >= 0 for w in p.lockin_weights.values())
    # Sections the ministry engineer reads, with the agreed values.
    assert p["procurement"]["hhi_bands"] == [0.15, 0.25]
    assert p["procurement"]["exit_windows_months"] == [6, 12, 24]
    assert "high_lockin" not in p["procurement"]  # "high" is lockin.bands.high alone
    assert p["readiness"]["stage_cutoffs"] == [0.2, 0.4, 0.6, 0.8]
    assert len(p["readiness"]["stage_names"]) == 5
    assert set(p["readiness"]["weights"]) >= {"inventory_completeness", "questionnaire"}
    # Every lock-in factor sits in exactly one sub-score group.
    assert sorted(p.lockin_group_of) == sorted(LOCKIN_FACTORS)


def test_profile_text_is_valid_toml_of_the_effective_settings():
    p = load_profile()
    assert tomllib.loads(p.text) == p.data
    assert len(p.sha256) == 64
    assert p.sha256 in p.text


def test_override_merges_over_defaults(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text("[lockin.weights]\nL1 = 3.0\n[red_flags]\ntenure_years = 8\n")
    p = load_profile(f)
    assert p.lockin_weights["L1"] == 3.0
    assert p.lockin_weights["L2"] == load_profile().lockin_weights["L2"]
    assert p["red_flags"]["tenure_years"] == 8
    assert p.path == f
    assert p.sha256 != load_profile().sha256
    # Same settings, same hash, wherever the file lives.
    g = tmp_path / "copy.toml"
    g.write_text(f.read_text())
    assert load_profile(g).sha256 == p.sha256


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[lockin.weights]\nL1 = -1\n", "lockin.weights.L1 must be >= 0"),
        ("[lockin.weights]\nL99 = 1\n", "unknown factor id(s) ['L99']"),
        ("[reuse.weights]\nR1 = 'high'\n", "reuse.weights.R1 must be a number"),
        ("[lockin.groups]\ncommercial = ['L1', 'L42']\n", "unknown factor id 'L42'"),
        ("[lockin.groups]\ncommercial = ['L1']\ntechnical = ['L1']\n", "in both groups"),
        ("[lockin.bands]\nlow = 70\nhigh = 60\n", "must not exceed"),
        ("[readiness]\nstage_cutoffs = [0.5, 0.2]\n", "increasing"),
        ("[sensitivity]\nmax_cells = 0\n", "sensitivity.max_cells must be >= 1"),
        ("[scoring]\nx = 1\n", "unknown section(s) ['scoring']"),
        ("[lockin.weights\n", "not valid TOML"),
    ],
)
def test_bad_profiles_give_clear_messages(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_profile(f)
    assert needle in str(e.value)
    assert "bad.toml" in str(e.value)


def test_all_zero_weights_rejected(tmp_path):
    f = tmp_path / "zero.toml"
    f.write_text("[lockin.weights]\n" + "".join(f"{k} = 0\n" for k in LOCKIN_FACTORS))
    with pytest.raises(ConfigError, match="weight above 0"):
        load_profile(f)


def test_missing_profile_file(tmp_path):
    with pytest.raises(ConfigError, match="profile file not found"):
        load_profile(tmp_path / "nope.toml")


def test_dump_toml_round_trips_nested_tables_and_quotes():
    data = {"a": {"b": {"c": [1, 2.5], "s": 'say "hi"\\'}, "x": True}, "top": "v"}
    assert tomllib.loads(dump_toml(data)) == data


def test_one_threshold_for_high_lockin(tmp_path):
    """Exit windows, replacements and the ministry count use the band, so
    raising lockin.bands.high moves all three, and an unknown band is never high."""
    import pandas as pd

    from ospo_analytics._score.ministries import _is_high, _profile_section

    f = tmp_path / "p.toml"
    f.write_text("[lockin.bands]\nhigh = 80\n")
    prof = _profile_section(load_profile(f))
    assert prof["high_lockin"] == 80
    s = pd.DataFrame({"lockin_score": [90.0, 70.0, 95.0]})
    assert _is_high(s, prof).tolist() == [True, False, True]
    s["lockin_band"] = ["high", "medium", "unknown"]  # low confidence: not high
    assert _is_high(s, prof).tolist() == [True, False, False]
    old = tmp_path / "old.toml"
    old.write_text("[procurement]\nhigh_lockin = 70\n")
    with pytest.raises(ConfigError, match="lockin.bands.high"):
        load_profile(old)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        # A misspelt table or key left the default in place, silently.
        ("[lockin.weight]\nL6 = 0\n", r"unknown setting 'lockin.weight'; did you mean 'weights'"),
        ("[lockin.bands]\nlw = 90\n", r"unknown setting 'lockin.bands.lw'; did you mean 'low'"),
        ("[lockin.bands]\nmin_confidance = 0.9\n", r"did you mean 'min_confidence'"),
    ],
)
def test_typos_in_a_profile_are_errors(tmp_path, toml, message):
    f = tmp_path / "p.toml"
    f.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_profile(f)


def test_profile_errors_print_their_brackets(tmp_path):
    # The command line printed these with Rich markup on: "[lockin.weights]"
    # was taken for a style and vanished from the message.
    import subprocess
    import sys

    f = tmp_path / "p.toml"
    f.write_text("[lockin.weights]\nl6 = 2\n")
    out = subprocess.run(
        [sys.executable, "-m", "ospo_analytics", "score", "--profile", str(f)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 2
    assert "in [lockin.weights]" in out.stderr
