"""Scoring profile: the weights, thresholds and bands behind every score.

The default profile ships as ``data/profile.toml``. A user profile is merged
over it, so it only needs the keys it changes. Values are validated here, so a
typo reaches the user as a :class:`~ospo_analytics._config.ConfigError` naming
the file and key rather than as a traceback deep inside the scoring.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._config import (
    ConfigError,
    _merge,  # one deep-merge for config and profile
    _near,  # one "did you mean" for config and profile
)
from .._i18n import N_

# Factor ids -> readable name (marked for the catalogues: reports translate it;
# the ids stay the same in every language). Groups of lock-in factors come from the
# profile ([lockin.groups]); these are the defaults shown when a factor is
# missing from every group.
LOCKIN_FACTORS: dict[str, str] = {
    "L1": N_("supplier concentration"),
    "L2": N_("tenure with one supplier"),
    "L3": N_("non-competitive awards"),
    "L4": N_("single-bid awards"),
    "L5": N_("brand-name specification"),
    "L6": N_("licence & IP ownership"),
    "L7": N_("data portability"),
    "L8": N_("closed interfaces"),
    "L9": N_("proprietary dependencies"),
    "L10": N_("hosting & jurisdiction"),
    "L11": N_("knowledge held by vendor"),
    "L12": N_("integration entanglement"),
    "L13": N_("exit terms"),
}
REUSE_FACTORS: dict[str, str] = {
    "R1": N_("used by several ministries"),
    "R2": N_("cross-cutting function"),
    "R3": N_("right to reuse"),
    "R4": N_("code availability"),
    "R5": N_("documentation"),
    "R6": N_("configurable / modular"),
    "R7": N_("interoperability"),
    "R8": N_("platform independence"),
    "R9": N_("localised"),
    "R10": N_("maintained"),
    "R11": N_("alternative exists"),
    "R12": N_("implementer ecosystem"),
}
LOCKIN_GROUPS = ("commercial", "technical", "sovereignty")

_DEFAULT = "profile.toml"


@dataclass
class Profile:
    """A loaded, validated scoring profile.

    Attributes
    ----------
    data : dict
        The effective settings (user file merged over the default).
    path : Path or None
        The user file, or None for the packaged default.
    text : str
        The effective profile as TOML text (what ``profile_used.toml`` holds).
    sha256 : str
        Hash of ``text``: identifies the profile in reports.

    Examples
    --------
    A profile file needs only the settings it changes; the others keep
    their defaults:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_profile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "sovereignty.toml"
    >>> _ = path.write_text('''[lockin.weights]
    ... L10 = 3  # hosting and jurisdiction count triple
    ... ''', encoding="utf-8")
    >>> profile = load_profile(path)
    >>> profile.lockin_weights["L10"], profile.lockin_weights["L6"]
    (3.0, 1.5)
    >>> profile.lockin_group_of["L10"], profile["lockin"]["bands"]["high"]
    ('sovereignty', 60)
    >>> profile.label()  # doctest: +ELLIPSIS
    'sovereignty.toml (sha256 ...)'
    >>> profile.sha256 == load_profile().sha256
    False
    >>> tmp.cleanup()
    """

    data: dict[str, Any]
    path: Path | None
    text: str
    sha256: str

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def lockin_weights(self) -> dict[str, float]:
        """Weight per lock-in factor id, in ``LOCKIN_FACTORS`` order."""
        w = self.data["lockin"]["weights"]
        return {f: float(w.get(f, 0.0)) for f in LOCKIN_FACTORS}

    @property
    def reuse_weights(self) -> dict[str, float]:
        """Weight per reuse factor id, in ``REUSE_FACTORS`` order."""
        w = self.data["reuse"]["weights"]
        return {f: float(w.get(f, 0.0)) for f in REUSE_FACTORS}

    @property
    def lockin_group_of(self) -> dict[str, str]:
        """Factor id -> sub-score group (commercial/technical/sovereignty)."""
        out: dict[str, str] = {}
        for group, ids in self.data["lockin"]["groups"].items():
            for f in ids:
                out[f] = group
        return out

    def label(self) -> str:
        """Short identification for reports: file name and hash prefix."""
        name = self.path.name if self.path else "default profile"
        return f"{name} (sha256 {self.sha256[:12]})"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_key(k: str) -> str:
    bare = k.replace("_", "").replace("-", "").isalnum() and k.isascii()
    return k if bare else _toml_value(k)


def dump_toml(data: dict[str, Any], _prefix: str = "") -> str:
    """Write a dict of scalars, lists and nested tables as TOML text.

    Enough for profiles (no arrays of tables); keeps key order.
    """
    lines: list[str] = []
    tables: list[tuple[str, dict]] = []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in tables:
        name = f"{_prefix}.{_toml_key(k)}" if _prefix else _toml_key(k)
        body = dump_toml(v, name)
        has_scalars = any(not isinstance(x, dict) for x in v.values())
        if lines or has_scalars or not v:
            lines.append("")
        if has_scalars or not v:
            lines.append(f"[{name}]")
        lines.append(body.rstrip("\n"))
    return "\n".join(x for x in lines if x is not None).strip("\n") + "\n"


def _default_text() -> str:
    return (Path(__file__).resolve().parents[1] / "data" / _DEFAULT).read_text("utf-8")


READINESS_INDICATORS: tuple[str, ...] = (
    "inventory_completeness",
    "open_share_systems",
    "open_share_spend",
    "lockin_exposure",
    "supplier_hhi",
    "competitive_share",
    "portability",
    "questionnaire",
)
"""Readiness indicators; column ``ind_<name>`` and weight ``readiness.weights.<name>``."""


def complete_profile(data: dict[str, Any], where: str = "profile") -> dict[str, Any]:
    """``data`` merged over the packaged default profile and validated.

    For callers holding settings rather than a :class:`Profile` (tests, a
    notebook's dict): the packaged ``profile.toml`` is the one source of
    defaults.
    """
    merged = _merge(tomllib.loads(_default_text()), data or {})
    try:
        validate_profile(merged, where)
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{where}: missing or malformed setting {exc}") from None
    return merged


def _num(where: str, key: str, v: Any, lo: float | None = 0.0, hi: float | None = None) -> None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ConfigError(f"{where}: {key} must be a number, got {v!r}")
    if lo is not None and v < lo:
        raise ConfigError(f"{where}: {key} must be >= {lo}, got {v!r}")
    if hi is not None and v > hi:
        raise ConfigError(f"{where}: {key} must be <= {hi}, got {v!r}")


def _check_weights(data: dict[str, Any], where: str) -> None:
    """``[lockin.weights]`` and ``[reuse.weights]``: known ids, numbers, some weight above 0."""
    for section, known in (("lockin", LOCKIN_FACTORS), ("reuse", REUSE_FACTORS)):
        weights = data.get(section, {}).get("weights", {})
        if not isinstance(weights, dict):
            raise ConfigError(f"{where}: [{section}.weights] must be a table")
        unknown = sorted(set(weights) - set(known))
        if unknown:
            raise ConfigError(
                f"{where}: unknown factor id(s) {unknown} in [{section}.weights]; "
                f"known: {list(known)}"
            )
        for f, w in weights.items():
            _num(where, f"{section}.weights.{f}", w)
        if sum(float(w) for w in weights.values()) <= 0:
            raise ConfigError(f"{where}: [{section}.weights] must have a weight above 0")


def _check_groups(data: dict[str, Any], where: str) -> None:
    """``[lockin.groups]``: known groups, lists of known factor ids, each in one group."""
    groups = data["lockin"].get("groups", {})
    bad_groups = sorted(set(groups) - set(LOCKIN_GROUPS))
    if bad_groups:
        raise ConfigError(
            f"{where}: unknown group(s) {bad_groups} in [lockin.groups]; known: {LOCKIN_GROUPS}"
        )
    seen: dict[str, str] = {}
    for g, ids in groups.items():
        if not isinstance(ids, list):
            raise ConfigError(f"{where}: lockin.groups.{g} must be a list of factor ids")
        for f in ids:
            if f not in LOCKIN_FACTORS:
                raise ConfigError(
                    f"{where}: unknown factor id {f!r} in lockin.groups.{g}; "
                    f"known: {list(LOCKIN_FACTORS)}"
                )
            if f in seen:
                raise ConfigError(f"{where}: factor {f} is in both groups {seen[f]!r} and {g!r}")
            seen[f] = g


def _check_numbers(data: dict[str, Any], where: str) -> None:
    """Bands, scales, red flags, linking and sensitivity settings: numbers in range."""
    bands = data["lockin"]["bands"]
    _num(where, "lockin.bands.low", bands["low"], 0, 100)
    _num(where, "lockin.bands.high", bands["high"], 0, 100)
    if bands["low"] > bands["high"]:
        raise ConfigError(f"{where}: lockin.bands.low must not exceed lockin.bands.high")
    _num(where, "lockin.bands.min_confidence", bands["min_confidence"], 0, 1)
    for k, v in data["lockin"]["scales"].items():
        _num(where, f"lockin.scales.{k}", v, 1)
    for k, v in data["reuse"]["scales"].items():
        _num(where, f"reuse.scales.{k}", v, 1)
    rf = data["red_flags"]
    _num(where, "red_flags.tenure_years", rf["tenure_years"], 1)
    _num(where, "red_flags.direct_awards", rf["direct_awards"], 1)
    lk = data["linking"]
    for k in ("name_threshold", "vendor_threshold"):
        _num(where, f"linking.{k}", lk[k], 0, 100)
    for k in ("name_confidence", "vendor_confidence"):
        _num(where, f"linking.{k}", lk[k], 0, 1)
    se = data["sensitivity"]
    _num(where, "sensitivity.n", se["n"], 1)
    _num(where, "sensitivity.spread", se["spread"], 0, 1)
    _num(where, "sensitivity.top", se["top"], 1)
    _num(where, "sensitivity.max_cells", se["max_cells"], 1)


def _check_procurement(pr: dict[str, Any], where: str) -> None:
    """``[procurement]``: repeat window, HHI bands, exit windows."""
    if "high_lockin" in pr:  # one threshold for "high": the band's
        raise ConfigError(
            f"{where}: procurement.high_lockin is no longer used; a system is high "
            "lock-in when its band is high: set lockin.bands.high instead"
        )
    _num(where, "procurement.repeat_window_days", pr["repeat_window_days"], 1)
    hb = pr["hhi_bands"]
    if (
        not isinstance(hb, list)
        or len(hb) != 2
        or any(isinstance(b, bool) or not isinstance(b, int | float) for b in hb)
        or not 0 <= hb[0] <= hb[1] <= 1
    ):
        raise ConfigError(
            f"{where}: procurement.hhi_bands must be two ascending numbers in 0-1, got {hb!r}"
        )
    ew = pr["exit_windows_months"]
    if (
        not isinstance(ew, list)
        or not ew
        or any(isinstance(w, bool) or not isinstance(w, int) or w <= 0 for w in ew)
    ):
        raise ConfigError(
            f"{where}: procurement.exit_windows_months must be positive whole months, got {ew!r}"
        )


def _check_readiness(rd: dict[str, Any], where: str) -> None:
    """``[readiness]``: stage cut-offs and names, confidence floor, indicator weights."""
    cut = rd["stage_cutoffs"]
    if not isinstance(cut, list) or any(not isinstance(c, int | float) for c in cut):
        raise ConfigError(f"{where}: readiness.stage_cutoffs must be a list of numbers")
    if list(cut) != sorted(cut):
        raise ConfigError(f"{where}: readiness.stage_cutoffs must be increasing, got {cut}")
    if len(rd["stage_names"]) != len(cut) + 1:
        raise ConfigError(
            f"{where}: readiness.stage_names needs {len(cut) + 1} names "
            f"(one more than stage_cutoffs), got {len(rd['stage_names'])}"
        )
    _num(where, "readiness.min_confidence", rd.get("min_confidence", 0.5), 0, 1)
    for k, v in rd.get("weights", {}).items():
        if k not in READINESS_INDICATORS:
            raise ConfigError(
                f"{where}: readiness.weights.{k}: unknown indicator; "
                f"known: {list(READINESS_INDICATORS)}"
            )
        _num(where, f"readiness.weights.{k}", v)


def validate_profile(data: dict[str, Any], where: str = "profile") -> None:
    """Check a merged profile; raise :class:`ConfigError` naming the bad key.

    Parameters
    ----------
    data : dict
        Effective profile settings.
    where : str
        File name used in messages.
    """
    _check_weights(data, where)
    _check_groups(data, where)
    _check_numbers(data, where)
    _check_procurement(data["procurement"], where)
    _check_readiness(data["readiness"], where)


# Tables whose keys the checks below know one by one (factor ids, groups,
# indicators), with messages of their own.
_OWN_CHECKS = {"lockin.weights", "reuse.weights", "lockin.groups", "readiness.weights"}


def _unknown_keys(user: dict[str, Any], default: dict[str, Any], where: str, at: str = "") -> None:
    """A key the packaged profile does not have is a typo, never ignored:
    ``[lockin.weight] L6 = 0`` left L6 at its default weight, silently."""
    for key, value in user.items():
        name = f"{at}.{key}" if at else key
        if key not in default:
            raise ConfigError(f"{where}: unknown setting {name!r}{_near(key, default)}")
        if isinstance(value, dict) and isinstance(default[key], dict) and name not in _OWN_CHECKS:
            _unknown_keys(value, default[key], where, name)


def load_profile(path: str | Path | None = None) -> Profile:
    """Load the scoring profile.

    Parameters
    ----------
    path : path-like, optional
        A TOML file whose keys override the packaged default profile.
        None: the default alone.

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        If the file is missing, not TOML, or holds invalid values.

    Examples
    --------
    >>> from ospo_analytics import load_profile
    >>> profile = load_profile()
    >>> profile["lockin"]["bands"]["high"], len(profile.sha256)
    (60, 64)
    >>> sorted(profile.lockin_weights)[:3]
    ['L1', 'L10', 'L11']
    """
    default = tomllib.loads(_default_text())
    user: dict[str, Any] = {}
    if path is None:
        data, where, p = default, "default profile", None
    else:
        p = Path(path)
        where = str(p)
        if not p.is_file():
            raise ConfigError(f"profile file not found: {p}")
        try:
            user = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        unknown = sorted(set(user) - set(default))
        if unknown:
            raise ConfigError(f"{p}: unknown section(s) {unknown}; known: {sorted(default)}")
        data = _merge(default, user)
        # A user's [lockin.groups] replaces the default grouping as a whole.
        if "groups" in user.get("lockin", {}):
            data["lockin"]["groups"] = copy.deepcopy(user["lockin"]["groups"])
    try:
        validate_profile(data, where)
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{where}: missing or malformed setting {exc}") from None
    _unknown_keys(user, default, where)  # after the checks that name a moved setting
    return profile_from_data(data, p, str(p) if p else "packaged default")


def profile_from_data(data: dict[str, Any], path: Path | None, origin: str) -> Profile:
    """Build a :class:`Profile` from validated settings (text and hash derived).

    The hash covers the settings only, so the same profile has the same hash
    wherever its file lives or however it was made.
    """
    body = dump_toml(data)
    digest = hashlib.sha256(body.encode()).hexdigest()
    header = f"# Scoring profile used ({origin}), sha256 {digest}\n"
    return Profile(data=data, path=path, text=header + body, sha256=digest)
