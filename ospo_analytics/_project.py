"""One call for analysts: load a project's tables and scores, then explore.

>>> import ospo_analytics as oa
>>> project = oa.load_project()            # reads ospo.toml in the current folder
>>> project.explain("MOF-003")             # why is this system 82?
>>> moved = project.rescore(L6=3.0)        # change a weight...
>>> project.rank_changes(moved).head()     # ...and see ranks move
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ._config import Config, load_config
from ._load import load_inputs, read_tables, write_processed
from ._score.profile import (
    LOCKIN_FACTORS,
    REUSE_FACTORS,
    Profile,
    load_profile,
    profile_from_data,
    validate_profile,
)
from ._score.result import ScoreResult


@dataclass
class Project:
    """A project's canonical tables and their scores.

    Attributes
    ----------
    config : Config
    inventory, procurement, questionnaire : DataFrame
        The canonical tables (see the README's data dictionary).
    result : ScoreResult
        Scores under ``result.profile``.
    """

    config: Config
    inventory: pd.DataFrame
    procurement: pd.DataFrame
    questionnaire: pd.DataFrame
    result: ScoreResult

    @property
    def systems(self) -> pd.DataFrame:
        return self.result.systems

    @property
    def ministries(self) -> pd.DataFrame:
        return self.result.ministries

    @property
    def factors(self) -> pd.DataFrame:
        return self.result.factors

    @property
    def opportunities(self) -> pd.DataFrame:
        return self.result.opportunities

    def explain(self, system_id: str):
        """Factor-by-factor explanation of one system's scores."""
        return self.result.explain(system_id)

    def rescore(self, profile: Profile | str | Path | None = None, **weights: float) -> ScoreResult:
        """Score again with another profile and/or changed factor weights.

        Parameters
        ----------
        profile : Profile or path, optional
            Start from this profile instead of the current one.
        **weights : float
            Factor weights to change, by id: ``L1``–``L13`` (lock-in) and
            ``R1``–``R12`` (reuse), e.g. ``rescore(L6=3, L1=0.5)``.
        """
        from ._score.systems import score

        base = (
            profile
            if isinstance(profile, Profile)
            else load_profile(profile)
            if profile is not None
            else self.result.profile
        )
        prof = with_weights(base, weights) if weights else base
        return score(
            self.inventory,
            self.procurement,
            self.questionnaire,
            profile=prof,
            as_of=self.result.as_of,
        )

    def rank_changes(self, other: ScoreResult, top: int | None = None) -> pd.DataFrame:
        """Lock-in rank of each system here vs. in ``other`` (1 = most locked in)."""

        def ranks(res: ScoreResult) -> pd.Series:
            s = res.systems.set_index("system_id")["lockin_score"].astype("Float64")
            return s.rank(ascending=False, method="min").astype("Int64")

        a, b = ranks(self.result), ranks(other)
        out = pd.DataFrame({"rank_before": a, "rank_after": b.reindex(a.index)})
        out["moved"] = out["rank_before"] - out["rank_after"]
        names = self.result.systems.set_index("system_id")[["system_name", "ministry"]]
        out = names.join(out).sort_values("rank_after")
        return out.head(top) if top else out


def with_weights(profile: Profile, weights: dict[str, float]) -> Profile:
    """Return a copy of ``profile`` with some factor weights changed."""
    data = copy.deepcopy(profile.data)
    for key, value in weights.items():
        if key in LOCKIN_FACTORS:
            data["lockin"]["weights"][key] = float(value)
        elif key in REUSE_FACTORS:
            data["reuse"]["weights"][key] = float(value)
        else:
            known = ", ".join([*LOCKIN_FACTORS, *REUSE_FACTORS])
            raise ValueError(f"unknown factor {key!r}; known factors: {known}")
    validate_profile(data, "changed weights")
    return profile_from_data(data, None, f"{profile.label()}, weights changed: {weights}")


def load_project(
    path: str | Path = ".",
    *,
    profile: str | Path | None = None,
    refresh: bool = False,
) -> Project:
    """Load a project in one call: its canonical tables and scores.

    Parameters
    ----------
    path : path-like
        The project folder (holding ``ospo.toml``) or the config file itself.
    profile : path-like, optional
        Scoring profile; default: the packaged one.
    refresh : bool
        Re-read the raw inputs even when processed tables exist.

    Notes
    -----
    Processed tables are read from ``data/processed/`` when present (what
    ``ospo-analytics validate`` wrote); otherwise the inputs are loaded and
    written there first. Scores are always recomputed (seconds), so they
    match the profile asked for.
    """
    from ._score.systems import score

    p = Path(path)
    config = load_config(p) if p.is_file() else load_config(root=p)
    processed = config.processed_dir
    if refresh or not (processed / "inventory.parquet").exists():
        write_processed(load_inputs(config), processed)
    inventory, procurement, questionnaire = read_tables(processed)
    result = score(inventory, procurement, questionnaire, profile=profile, as_of=config.as_of)
    return Project(config, inventory, procurement, questionnaire, result)
