"""One call for analysts: load a project's tables and scores, then explore.

In a project folder (needs its processed tables, so not run as a doctest)::

    import ospo_analytics as oa
    project = oa.load_project()                       # reads ospo.toml in the current folder
    project.explain("FIN-003")                        # why is this system 82? (id or name)
    health = project.ministry("health")               # one ministry, as its report shows it
    moved = project.rescore(L6=3.0, questionnaire=0)  # change any weight of the profile...
    project.rank_changes(moved).head()                # ...and see ranks move

Names (ministries, systems) match case-, accent- and space-insensitively; a
unique part of a name is enough ("health"); an unknown or ambiguous name
raises :class:`NameNotFound` with suggestions. The CLI uses the same matching.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._config import Config, load_config
from ._load import load_inputs, read_tables, write_processed
from ._score.ministries import INDICATORS
from ._score.profile import (
    LOCKIN_FACTORS,
    REUSE_FACTORS,
    Profile,
    load_profile,
    profile_from_data,
    validate_profile,
)
from ._score.result import ScoreResult

# Readiness indicator ids = the keys of [readiness.weights] in the profile.
READINESS_WEIGHTS: tuple[str, ...] = INDICATORS


# =================================================================== names
class NameNotFound(KeyError):
    """No (or more than one) ministry or system matches a name.

    A ``KeyError`` (as a failed lookup should be) whose message prints
    without the quotes ``KeyError`` adds; ``suggestions`` holds the closest
    known names, best first.
    """

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = list(suggestions)

    def __str__(self) -> str:
        return self.message


def normalize_name(text: object) -> str:
    """Key for name matching: accents removed, case folded, no whitespace.

    ``"Ministère de la  Santé"`` and ``"ministere de la sante"`` get the same key.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(plain.casefold().split())


def _suggest(query: str, choices: Sequence[str], limit: int = 3) -> list[str]:
    from rapidfuzz import fuzz, process

    keys = {c: normalize_name(c) for c in choices}
    hits = process.extract(
        normalize_name(query), keys, scorer=fuzz.WRatio, limit=limit, score_cutoff=60
    )
    return [choice for _key, _score, choice in hits]


def _quoted(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def match_name(query: str, choices: Sequence[str], what: str = "ministry") -> str:
    """The one name in ``choices`` that ``query`` designates.

    Tried in order: the exact name; the same name ignoring case, accents and
    spaces; a unique name containing the query (so ``"health"`` finds
    ``"Ministry of Health"``).

    Parameters
    ----------
    query : str
        What the user typed.
    choices : sequence of str
        Known names.
    what : str
        Noun used in messages ("ministry", "system").

    Returns
    -------
    str
        The matching name, spelled as in ``choices``.

    Raises
    ------
    NameNotFound
        When nothing matches (with "did you mean" suggestions) or several
        names match equally (listing them).
    """
    names = list(dict.fromkeys(str(c) for c in choices if c is not None and c == c))
    q = str(query)
    if q in names:
        return q
    key = normalize_name(q)
    if not key:
        raise NameNotFound(f"empty {what} name")
    same = [n for n in names if normalize_name(n) == key]
    if len(same) == 1:
        return same[0]
    part = same or [n for n in names if key in normalize_name(n)]
    if len(part) == 1:
        return part[0]
    if len(part) > 1:
        raise NameNotFound(
            f"{q!r} matches {len(part)} {what} names: {_quoted(part)}; give more of the name",
            part,
        )
    close = _suggest(q, names)
    hint = f"did you mean {_quoted(close)}?" if close else f"known: {_quoted(names)}"
    raise NameNotFound(f"no {what} matches {q!r}; {hint}", close)


def find_system(systems: pd.DataFrame, query: str, ministry: str | None = None) -> str:
    """The ``system_id`` of the one system that ``query`` names (id or name).

    Parameters
    ----------
    systems : DataFrame
        With ``system_id``, ``system_name`` and ``ministry`` columns.
    query : str
        A system id (``"FIN-003"``) or name (``"Payroll (PayWave Cloud
        Payroll)"``), matched as in :func:`match_name`.
    ministry : str, optional
        Only systems of this ministry (itself matched by name): tells apart
        systems of the same name in several ministries.

    Raises
    ------
    NameNotFound
        Unknown or ambiguous; the message lists the candidates with their
        ids and ministries, or the closest names.
    """
    s = systems
    if ministry is not None:
        m = match_name(ministry, s["ministry"].dropna().astype(str).unique().tolist())
        s = s[s["ministry"].astype("string") == m]
    ids = s["system_id"].astype("string")
    q = str(query)
    if (ids == q).any():
        return q
    key = normalize_name(q)
    by_id = s[ids.map(normalize_name, na_action="ignore") == key]
    if len(by_id) == 1:
        return str(by_id["system_id"].iloc[0])
    name_keys = s["system_name"].astype("string").fillna("").map(normalize_name)
    hit = s[name_keys == key]
    if hit.empty and key:
        hit = s[name_keys.str.contains(key, regex=False)]
    if len(hit) == 1:
        return str(hit["system_id"].iloc[0])
    if len(hit) > 1:
        listed = [f"{r.system_id} {r.system_name} ({r.ministry})" for r in hit.itertuples()]
        raise NameNotFound(
            f"{q!r} matches {len(hit)} systems: {'; '.join(listed[:10])}"
            f"{f' and {len(listed) - 10} more' if len(listed) > 10 else ''}; "
            "give the system id or the ministry",
            hit["system_id"].astype(str).tolist(),
        )
    names = [*ids.dropna().tolist(), *s["system_name"].dropna().astype(str).tolist()]
    close = _suggest(q, list(dict.fromkeys(names)))
    where = f" in {ministry!r}" if ministry is not None else ""
    hint = f"; did you mean {_quoted(close)}?" if close else ""
    raise NameNotFound(f"no system with id or name {q!r}{where}{hint}", close)


# =================================================================== display
# The report's number formats (``_report.runner.html_table``): shares as
# percentages, money with thousands separators, 0-1 indicators shown 0-100.
PERCENT_COLUMNS = frozenset(
    {"share", "top_supplier_share", "noncompetitive_share", "single_bid_rate", "confidence",
     "readiness_confidence", "reuse_confidence", "p_top10", "link_confidence"}
)  # fmt: skip
MONEY_COLUMNS = frozenset(
    {"spend_total", "spend", "spend_it", "value", "amount", "original_amount"}
)
SCALE100_COLUMNS = frozenset({"readiness_score", "lockin_exposure"})
_UNKNOWN = "unknown"


def _formatter(name: object, s: pd.Series, kinds: dict | None = None):
    """Display function for one column, or None to leave it to pandas.

    ``kinds`` (a frame's ``attrs["formats"]``) names a column's kind where its
    name does not tell: ``"percent"``, ``"money"``, ``"score"`` (0-100).
    """
    if pd.api.types.is_bool_dtype(s) or not (
        pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
    ):
        return None
    kind = (kinds or {}).get(name)
    if kind is None and isinstance(name, str) and "_" in name:
        # A suffixed copy ("readiness_score_before", "spend_it_x") formats as its column.
        for known in (*SCALE100_COLUMNS, *PERCENT_COLUMNS, *MONEY_COLUMNS):
            if name.startswith(known + "_"):
                name = known
                break
    if pd.api.types.is_datetime64_any_dtype(s):
        return lambda v: f"{v:%Y-%m-%d}"
    if kind == "percent" or (kind is None and name in PERCENT_COLUMNS):
        return lambda v: f"{v:.0%}"
    if kind == "money" or (kind is None and name in MONEY_COLUMNS):
        return lambda v: f"{v:,.0f}"
    if kind is None and name in SCALE100_COLUMNS:
        from ._report import fmt

        # Cut as the reports cut (0.598 is 59, a stage-2 score): rounding
        # showed 60 beside stage 2, and another number than the report's.
        return lambda v: fmt.score100(v, stored_01=True)
    if pd.api.types.is_integer_dtype(s):
        return lambda v: f"{v:.0f}"
    return lambda v: f"{v:.1f}"


def _display_rows(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Rows to show (head and tail of a long table) and a note on the rest."""
    limit = pd.get_option("display.max_rows") or len(df)
    if len(df) <= limit:
        return df, ""
    k = max(1, (pd.get_option("display.min_rows") or 10) // 2)
    shown = pd.concat([df.iloc[:k], df.iloc[-k:]])
    return shown, f"showing the first and last {k} of {len(df):,} rows"


def formatted_text(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` as text in the report's number formats ("unknown" for missing)."""
    kinds = df.attrs.get("formats")
    out = pd.DataFrame(df).copy()
    # By position: a frame may repeat a column name (before/after side by side).
    for i, c in enumerate(out.columns):
        col = out.iloc[:, i]
        f = _formatter(c, col, kinds)
        if f is not None:
            out.isetitem(i, [_UNKNOWN if pd.isna(v) else f(v) for v in col])
        elif col.isna().any():  # text, flags: missing reads "unknown", never blank
            out.isetitem(i, col.astype(object).where(col.notna(), _UNKNOWN).to_numpy())
    return out


class ReportFrame(pd.DataFrame):
    """A DataFrame that displays with the reports' number formats.

    Only the display changes (``repr`` and the notebook HTML): the values,
    dtypes and every pandas operation stay as in a plain DataFrame, and
    frames derived from it (``head``, ``sort_values``, column selections)
    display formatted too. Lock-in and reuse scores show with one decimal,
    shares as percentages, money with thousands separators, readiness 0-100,
    missing values as ``unknown``.
    """

    @property
    def _constructor(self):
        return ReportFrame

    def __repr__(self) -> str:
        shown, note = _display_rows(self)
        text = pd.DataFrame.__repr__(formatted_text(shown))
        return f"{text}\n[{note}]" if note else text

    def _repr_html_(self) -> str:  # pragma: no cover - exercised through the notebook
        shown, note = _display_rows(self)
        plain = pd.DataFrame(shown)
        styler = plain.style.format(escape="html", na_rep=_UNKNOWN)
        for c in plain.columns:
            f = _formatter(c, plain[c], self.attrs.get("formats"))
            if f is not None:
                styler = styler.format(f, subset=[c], na_rep=_UNKNOWN)
        if isinstance(plain.index, pd.RangeIndex):
            styler = styler.hide(axis="index")
        styler = styler.format_index(escape="html", axis=1).format_index(escape="html", axis=0)
        html = styler.to_html()
        return html + (f"<p>{note}</p>" if note else "")


def _frame(df: pd.DataFrame) -> ReportFrame:
    return df if isinstance(df, ReportFrame) else ReportFrame(df)


# =================================================================== one ministry
@dataclass
class MinistryView:
    """One ministry as its readiness report shows it.

    Built by :meth:`Project.ministry` from the same view function as the
    report notebook, so every table and number here is the report's.

    Attributes
    ----------
    name : str
        The ministry's name as in the data.
    numbers : dict
        The report's headline numbers (label -> formatted text).
    indicators : Series
        The ministry's row of ``project.ministries`` (every indicator).
    readiness : DataFrame
        One row per readiness indicator: value (0-1), weight, and whether
        it is known; the score is their weighted mean over known ones.
    actions : list of str
        The three actions the report lists first.
    systems : DataFrame
        The ministry's systems, highest lock-in first.
    drivers, unknowns : DataFrame
        Factor contributions per system; factors unknown for how many systems.
    suppliers, competition : DataFrame
        IT spend by supplier and by procurement method.
    contracts : DataFrame
        The procurement rows the report counts: this ministry's IT
        contracts (``is_it`` true or unknown). ``contracts["amount"].sum()``
        is the ministry's ``spend_it``.
    exit_windows, opportunities : DataFrame
        Contract ends ahead, reuse and exit opportunities.
    view : dict
        Everything the report's view function returned.
    """

    name: str
    numbers: dict[str, str]
    indicators: pd.Series
    readiness: pd.DataFrame
    actions: list[str]
    systems: pd.DataFrame
    drivers: pd.DataFrame
    unknowns: pd.DataFrame
    suppliers: pd.DataFrame
    competition: pd.DataFrame
    contracts: pd.DataFrame
    exit_windows: pd.DataFrame
    opportunities: pd.DataFrame
    view: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def spend_it(self) -> float:
        """IT spend as the report counts it (sum of ``contracts.amount``);
        NaN (unknown, as the report says) when no amount is known."""
        amounts = pd.to_numeric(self.contracts["amount"], errors="coerce")
        return float(amounts.sum()) if amounts.notna().any() else float("nan")

    def _lines(self) -> list[str]:
        lines = [f"{k}: {v}" for k, v in self.numbers.items()]
        lines += [f"Action {i}: {a}" for i, a in enumerate(self.actions, 1)]
        return lines

    def __repr__(self) -> str:
        tables = ", ".join(
            f"{n} ({len(getattr(self, n))} rows)"
            for n in ("systems", "readiness", "contracts", "suppliers", "opportunities")
        )
        return "\n".join([self.name, *self._lines(), f"Tables: {tables}"])

    def _repr_html_(self) -> str:
        import html

        items = "".join(f"<li>{html.escape(x)}</li>" for x in self._lines())
        return f"<h3>{html.escape(self.name)}</h3><ul>{items}</ul>"


@dataclass
class Project:
    """A project's canonical tables and their scores.

    Attributes
    ----------
    config : Config
    inventory, procurement, questionnaire : DataFrame
        The canonical tables (see the README's data dictionary).
        ``procurement`` is every loaded row, IT or not; the reports count
        only :attr:`procurement_it`.
    result : ScoreResult
        Scores under ``result.profile``.

    Notes
    -----
    Tables display with the reports' number formats (:class:`ReportFrame`);
    their values are the stored ones.

    Examples
    --------
    Made by :func:`load_project`. What if hosting and jurisdiction counted
    three times as much? The foreign-hosted portal overtakes the records system:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_project
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "ospo.toml").write_text('''[project]
    ... as_of = 2024-06-30
    ...
    ... [inputs]
    ... inventory = "inventory.csv"
    ... ''', encoding="utf-8")
    >>> csv = folder / "inventory.csv"
    >>> _ = csv.write_text('''id,name,ministry,licence,ip owner,source code,hosting,data export
    ... FIN-1,Payroll,Ministry of Finance,Proprietary,Vendor,None,Foreign SaaS,None
    ... HEA-1,Records,Ministry of Health,Proprietary,Vendor,None,On-premise,Open format
    ... EDU-1,Portal,Ministry of Education,GPL v3,Vendor,Public repo,Foreign SaaS,Open format
    ... ''', encoding="utf-8")
    >>> project = load_project(folder)
    >>> project.systems[["system_id", "ministry", "lockin_score"]]
      system_id               ministry lockin_score
    0     FIN-1    Ministry of Finance        100.0
    1     HEA-1     Ministry of Health         37.5
    2     EDU-1  Ministry of Education         32.5
    >>> sovereignty = project.rescore(L10=3)
    >>> project.rank_changes(sovereignty)[["rank_before", "rank_after", "moved"]]
              rank_before rank_after moved
    system_id
    FIN-1               1          1     0
    EDU-1               3          2     1
    HEA-1               2          3    -1
    >>> tmp.cleanup()
    """

    config: Config
    inventory: pd.DataFrame
    procurement: pd.DataFrame
    questionnaire: pd.DataFrame
    result: ScoreResult

    @property
    def systems(self) -> ReportFrame:
        """One row per system: scores, bands, red flags, drivers, alternatives."""
        return _frame(self.result.systems)

    @property
    def ministries(self) -> ReportFrame:
        """One row per ministry: indicators, readiness, actions (as in the reports)."""
        return _frame(self.result.ministries)

    @property
    def factors(self) -> ReportFrame:
        """Long table of every factor of every system."""
        return _frame(self.result.factors)

    @property
    def opportunities(self) -> ReportFrame:
        """Reuse, duplication and exit-window opportunities."""
        return _frame(self.result.opportunities)

    @property
    def procurement_it(self) -> ReportFrame:
        """The procurement rows the reports count: IT contracts of a known buyer.

        A row counts when its ``is_it`` flag (from the item classification
        and ``[it_filter]`` in ospo.toml) is true or unknown, as in the
        ministry indicators: summing ``amount`` per ministry gives the
        ``spend_it`` of :attr:`ministries` and of each ministry's report.
        ``procurement`` keeps every loaded row, non-IT included.
        """
        p = self.procurement
        keep = p["ministry"].notna()
        if "is_it" in p:
            keep &= p["is_it"].astype("boolean").fillna(True).astype(bool)
        return _frame(p[keep])

    def explain(self, system: str, ministry: str | None = None):
        """Factor-by-factor explanation of one system's scores.

        Parameters
        ----------
        system : str
            The system's id or name (case, accents and spaces ignored; a
            unique part of the name is enough).
        ministry : str, optional
            Tells apart systems of the same name in several ministries.

        Returns
        -------
        Explanation
            Factor rows, largest contribution first, with a plain-language
            summary (``.attrs["summary"]``) shown above the table.

        Raises
        ------
        NameNotFound
            Unknown or ambiguous system (a ``KeyError``), with suggestions.
        """
        return self.result.explain(find_system(self.result.systems, system, ministry))

    def ministry(self, name: str) -> MinistryView:
        """One ministry's tables and indicators, as its report shows them.

        Parameters
        ----------
        name : str
            The ministry, matched case-, accent- and space-insensitively; a
            unique part of the name is enough (``"health"``).

        Returns
        -------
        MinistryView
            ``systems``, ``indicators``, ``readiness``, ``opportunities``,
            ``contracts`` (the IT rows the report counts), ``suppliers``,
            ``competition``, ``exit_windows``, ``numbers``, ``actions``...

        Raises
        ------
        NameNotFound
            Unknown or ambiguous name, with suggestions.
        """
        from ._report.runner import ReportData, ministry_view
        from ._score.details import DETAIL_TABLES

        known = self.result.ministries["ministry"].dropna().astype(str).tolist()
        m = match_name(name, known, "ministry")
        processed = self.config.processed_dir

        def diagnostics(file: str) -> pd.DataFrame:
            path = processed / file
            if not path.is_file():
                return pd.DataFrame()
            return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])

        meta = self.config.project_meta  # country and currency
        data = ReportData(
            processed_dir=processed,
            systems=self.result.systems,
            factors=self.result.factors,
            ministries=self.result.ministries,
            opportunities=self.result.opportunities,
            inventory=self.inventory,
            procurement=self.procurement,
            rejects=diagnostics("rejects.csv"),
            load_report=diagnostics("load_report.csv"),
            **{t: getattr(self.result, t) for t in DETAIL_TABLES},
            links=self.result.links,
            profile_text=self.result.profile.text,
            as_of=self.result.as_of,
            root=str(self.config.root),
            country=meta["country"],
            currency=meta["currency"],
        )
        v = ministry_view(data, m, self.result.as_of)
        row = self.result.ministries[self.result.ministries["ministry"].astype(str) == m].iloc[0]
        weights = {
            **dict.fromkeys(READINESS_WEIGHTS, 1.0),
            **(self.result.profile.data.get("readiness", {}).get("weights") or {}),
        }
        values = [row.get(f"ind_{k}", pd.NA) for k in READINESS_WEIGHTS]
        readiness = pd.DataFrame(
            {
                "indicator": list(READINESS_WEIGHTS),
                "value": pd.array(values, dtype="Float64"),
                "weight": [float(weights[k]) for k in READINESS_WEIGHTS],
            }
        )
        readiness["known"] = readiness["value"].notna()
        readiness = _frame(readiness)
        readiness.attrs["formats"] = {"value": "percent"}  # indicators are stored 0-1
        empty = pd.DataFrame()
        return MinistryView(
            name=m,
            numbers=dict(v.get("cards", {})),  # the report's headline cards
            indicators=row,
            readiness=readiness,
            actions=list(v.get("actions", [])),
            systems=_frame(v.get("systems_all", v.get("systems", empty))),
            drivers=_frame(v.get("drivers", empty)),
            unknowns=_frame(v.get("unknowns", empty)),
            suppliers=_frame(v.get("suppliers", empty)),
            competition=_frame(v.get("competition", empty)),
            contracts=_frame(v.get("procurement", empty)),
            exit_windows=_frame(v.get("exit_windows", empty)),
            opportunities=_frame(v.get("opportunities", empty)),
            view=v,
        )

    def rescore(self, profile: Profile | str | Path | None = None, **weights: float) -> ScoreResult:
        """Score again with another profile and/or changed weights.

        Parameters
        ----------
        profile : Profile or path, optional
            Start from this profile instead of the current one.
        **weights : float
            Any weight of the profile, by name: lock-in factors ``L1``-``L13``,
            reuse factors ``R1``-``R12`` and the readiness indicators of
            ``[readiness.weights]`` (``inventory_completeness``,
            ``open_share_systems``, ``open_share_spend``, ``lockin_exposure``,
            ``supplier_hhi``, ``competitive_share``, ``portability``,
            ``questionnaire``), e.g. ``rescore(L6=3, questionnaire=0)``.

        Raises
        ------
        ValueError
            An unknown weight name (the message lists the known ones) or a
            negative weight.
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

    def rank_changes(self, other: ScoreResult, top: int | None = None) -> ReportFrame:
        """Lock-in rank of each system here vs. in ``other`` (1 = most locked in)."""
        if not hasattr(other, "systems") or not isinstance(other.systems, pd.DataFrame):
            raise TypeError(
                "rank_changes compares with another result: pass what rescore() "
                f"returns, not {type(other).__name__}"
            )

        def ranks(res: ScoreResult) -> pd.Series:
            s = res.systems.set_index("system_id")["lockin_score"].astype("Float64")
            return s.rank(ascending=False, method="min").astype("Int64")

        a, b = ranks(self.result), ranks(other)
        out = pd.DataFrame({"rank_before": a, "rank_after": b.reindex(a.index)})
        out["moved"] = out["rank_before"] - out["rank_after"]
        names = self.result.systems.set_index("system_id")[["system_name", "ministry"]]
        out = names.join(out).sort_values("rank_after")
        return _frame(out.head(top) if top else out)


def with_weights(profile: Profile, weights: dict[str, float]) -> Profile:
    """Return a copy of ``profile`` with some weights changed.

    Keys are lock-in factor ids (``L1``...), reuse factor ids (``R1``...) or
    readiness indicator names (``questionnaire``...), as in the profile file.
    """
    data = copy.deepcopy(profile.data)
    for key, value in weights.items():
        if key in LOCKIN_FACTORS:
            section = data["lockin"]
        elif key in REUSE_FACTORS:
            section = data["reuse"]
        elif key in READINESS_WEIGHTS:
            section = data.setdefault("readiness", {})
        else:
            known = ", ".join([*LOCKIN_FACTORS, *REUSE_FACTORS, *READINESS_WEIGHTS])
            raise ValueError(f"unknown weight {key!r}; known weights: {known}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"weight {key} must be a number, got {value!r}")
        section.setdefault("weights", {})[key] = float(value)
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

    Examples
    --------
    A project folder with its ``ospo.toml`` and two input files:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_project
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> _ = (folder / "ospo.toml").write_text('''[project]
    ... name = "Tamarind"
    ... as_of = 2024-06-30
    ... currency = "USD"
    ...
    ... [inputs]
    ... inventory = "inventory.csv"
    ... procurement = "procurement.csv"
    ... ''', encoding="utf-8")
    >>> inv, proc = folder / "inventory.csv", folder / "procurement.csv"
    >>> _ = inv.write_text('''id,name,ministry,licence,ip owner,source code,hosting,data export
    ... FIN-1,Payroll,Ministry of Finance,Proprietary,Vendor,None,Foreign SaaS,None
    ... FIN-2,Website,Ministry of Finance,GPL v3,Government,Public repo,On-premise,Open format
    ... HEA-1,Records,Ministry of Health,Proprietary,Vendor,Escrow,On-premise,Proprietary format
    ... ''', encoding="utf-8")
    >>> _ = proc.write_text('''ministry,supplier,amount,award_date,method,tenderers,system_id
    ... Ministry of Finance,Oracle,250000,2021-03-01,Direct award,1,FIN-1
    ... Ministry of Finance,Oracle,300000,2023-03-01,Direct award,1,FIN-1
    ... Ministry of Finance,WebCo,40000,2022-05-10,Open tender,4,FIN-2
    ... Ministry of Health,MediCore,500000,2022-01-15,Open tender,2,HEA-1
    ... ''', encoding="utf-8")
    >>> project = load_project(folder)
    >>> project.systems[["system_id", "lockin_score", "lockin_band"]]
      system_id lockin_score lockin_band
    0     FIN-1         87.1        high
    1     FIN-2         14.7         low
    2     HEA-1         38.7      medium
    >>> project.ministries[["ministry", "spend_it", "top_supplier_share"]]
                  ministry spend_it top_supplier_share
    0  Ministry of Finance  590,000                93%
    1   Ministry of Health  500,000               100%
    >>> health = project.ministry("health")  # a unique part of the name is enough
    >>> health.name, health.spend_it
    ('Ministry of Health', 500000.0)

    The inputs were validated once and written to the processed folder:

    >>> sorted(p.name for p in project.config.processed_dir.glob("*.parquet"))
    ['inventory.parquet', 'ministry_buyers.parquet', 'procurement.parquet', 'questionnaire.parquet']
    >>> tmp.cleanup()
    """
    from ._score.systems import score

    p = Path(path)
    if not p.exists():
        # A typo ("ospo.tml") made an empty project, and folders named after it.
        from ._config import ConfigError

        raise ConfigError(f"{p}: no such project folder or config file")
    config = load_config(p) if p.is_file() else load_config(root=p)
    processed = config.processed_dir
    if refresh or not (processed / "inventory.parquet").exists():
        write_processed(load_inputs(config), processed)
    inventory, procurement, questionnaire = read_tables(processed)
    result = score(inventory, procurement, questionnaire, profile=profile, as_of=config.as_of)
    return Project(config, inventory, procurement, questionnaire, result)
