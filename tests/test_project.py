"""Analysts' entry point: changed weights make a real, identifiable profile."""

from __future__ import annotations

import pytest

from ospo_analytics._project import with_weights
from ospo_analytics._score.profile import load_profile


def test_with_weights_changes_only_the_named_weights_and_the_hash():
    base = load_profile()
    changed = with_weights(base, {"L6": 3.0, "R1": 0.0})
    assert changed.lockin_weights["L6"] == 3.0 and changed.reuse_weights["R1"] == 0.0
    others = {k: v for k, v in changed.lockin_weights.items() if k != "L6"}
    assert others == {k: v for k, v in base.lockin_weights.items() if k != "L6"}
    assert changed.sha256 != base.sha256
    assert f"sha256 {changed.sha256}" in changed.text and "weights changed" in changed.text
    # Same settings, same hash, however the profile was made.
    assert with_weights(base, {"L6": base.lockin_weights["L6"]}).sha256 == base.sha256


def test_with_weights_rejects_unknown_factors_and_negative_weights():
    base = load_profile()
    with pytest.raises(ValueError, match="unknown factor 'L99'"):
        with_weights(base, {"L99": 1.0})
    with pytest.raises(ValueError):
        with_weights(base, {"L1": -1.0})
