"""The result of a scoring run: tables, the profile used, explanations, storage."""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import pandas as pd

from .._config import ConfigError
from .._lanes import Background
from .._processed import (
    CANONICAL,
    atomic_write,
    read_meta,
    read_table,
    sha256_file,
    write_meta,
    write_tables,
)
from .details import DETAIL_TABLES
from .profile import Profile, load_profile

if TYPE_CHECKING:
    from pandas.api.typing import NAType

TABLES = ("systems", "factors", "ministries", "opportunities", "links", *DETAIL_TABLES)
# The column each table is looked up by: a file without it is another table.
_KEYS = {"systems": "system_id", "factors": "system_id", "ministries": "ministry"}


class Explanation(pd.DataFrame):
    """Factor rows of one system; shows ``attrs["summary"]`` above the table."""

    @property
    def _constructor(self):  # derived frames are plain DataFrames
        return pd.DataFrame

    def __repr__(self) -> str:
        body = pd.DataFrame(self).drop(columns=["evidence"], errors="ignore").to_string(index=False)
        # Evidence is long text: one line per factor under the table, so a
        # terminal shows what each value rests on (the rows behind it).
        evidence = "\n".join(
            f"  {f}: {e}"
            for f, e in zip(self.get("factor", []), self.get("evidence", []), strict=True)
            if isinstance(e, str) and e
        )
        tail = f"\n\nEvidence:\n{evidence}" if evidence else ""
        return f"{self.attrs.get('summary', '')}\n\n{body}{tail}"

    def _repr_html_(self) -> str:
        # Summary text comes from spreadsheets: escape it (to_html escapes cells).
        summary = html.escape(self.attrs.get("summary", "")).replace("\n", "<br>")
        return f"<p>{summary}</p>" + pd.DataFrame(self).to_html(index=False, escape=True)


class _Detail:
    """A detail table of :class:`ScoreResult`, made when first read.

    The dataclass stores what ``__init__`` is given; a table not given
    (``None``) comes from the result's ``make_details`` on the first read.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Detail: ...

    @overload
    def __get__(self, obj: ScoreResult, owner: type | None = None) -> pd.DataFrame: ...

    def __get__(self, obj: ScoreResult | None, owner: type | None = None) -> Any:
        if obj is None:
            return self  # the dataclass default: not given
        return obj._detail(self.name)

    def __set__(self, obj: ScoreResult, value: pd.DataFrame | _Detail | None) -> None:
        obj.__dict__[f"_{self.name}"] = None if isinstance(value, _Detail) else value


def _fmt(x: float | NAType | None, digits: int = 0) -> str:
    return "?" if x is None or pd.isna(x) else f"{float(x):.{digits}f}"


@dataclass
class ScoreResult:
    """Everything one scoring run produced.

    Attributes
    ----------
    systems : DataFrame
        One row per system: scores, bands, red flags, drivers, alternatives.
    factors : DataFrame
        Long table ``system_id, factor, name, group, value, weight,
        contribution, known, evidence``.
    ministries, opportunities : DataFrame
        Per-ministry indicators and reuse / exit-window opportunities.
    links : DataFrame
        ``proc_index, system_id, link_method, link_confidence`` per procurement row.
    suppliers, competition, competition_years, system_ends, factor_coverage : DataFrame
        Per-ministry detail tables the reports show (see ``_score.details``).
    national, national_suppliers, national_functions : DataFrame
        Government-wide totals, suppliers and functions (see ``_score.details``).
        The scorer makes these detail tables when one of them is first read:
        only reports and exports read them.
    profile : Profile
        The scoring profile used.
    as_of : date
        Analysis date.

    Examples
    --------
    What :func:`score` returns, and why a system scores what it does:

    >>> import datetime as dt
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, load_inputs, score
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
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
    >>> inputs = load_inputs(
    ...     load_config(root=folder),
    ...     inventory=inv,
    ...     procurement=proc,
    ...     progress=False,
    ... )
    >>> result = score(
    ...     inputs.inventory.table,
    ...     inputs.procurement.table,
    ...     inputs.questionnaire.table,
    ...     as_of=dt.date(2024, 6, 30),
    ... )
    >>> result  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    ScoreResult(as_of=2024-06-30, systems=3 (1 high lock-in), procurement rows=4 (4 linked),
    ministries=2, profile=default profile (sha256 ...))
    >>> why = result.explain("FIN-1")
    >>> why[["factor", "name", "value", "contribution"]].head(3).round(1)
      factor                    name  value  contribution
    0     L6  licence & IP ownership    1.0          21.4
    1     L7        data portability    1.0          21.4
    2     L1  supplier concentration    1.0          14.3
    >>> print(why.attrs["summary"].splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    FIN-1 Payroll (Ministry of Finance): lock-in 87/100 [high], could range 49–93
    (confidence 56%); reuse 5/100.
    >>> tmp.cleanup()
    """

    systems: pd.DataFrame
    factors: pd.DataFrame
    ministries: pd.DataFrame = field(default_factory=pd.DataFrame)
    opportunities: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    suppliers: _Detail = _Detail()
    competition: _Detail = _Detail()
    competition_years: _Detail = _Detail()
    system_ends: _Detail = _Detail()
    factor_coverage: _Detail = _Detail()
    national: _Detail = _Detail()
    national_suppliers: _Detail = _Detail()
    national_functions: _Detail = _Detail()
    profile: Profile = field(default_factory=load_profile)
    as_of: dt.date = field(default_factory=dt.date.today)
    #: Makes the detail tables not given, on the first read of one (the
    #: scorer's; only reports and exports read them).
    make_details: Callable[[], dict[str, pd.DataFrame]] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._details_lock = threading.Lock()

    def _detail(self, name: str) -> pd.DataFrame:
        """Detail table ``name``: given, made now from ``make_details``, or empty."""
        with self._details_lock:
            table = self.__dict__.get(f"_{name}")
            if table is None:
                made = self.make_details() if self.make_details is not None else {}
                self.make_details = None  # let go of the procurement it holds
                for t in DETAIL_TABLES:
                    if self.__dict__.get(f"_{t}") is None:
                        self.__dict__[f"_{t}"] = made.get(t, pd.DataFrame())
                table = self.__dict__[f"_{name}"]
            return table

    def __repr__(self) -> str:
        s = self.systems
        n_high = int((s["lockin_band"] == "high").sum()) if "lockin_band" in s else 0
        linked = int(self.links["system_id"].notna().sum()) if "system_id" in self.links else 0
        return (
            f"ScoreResult(as_of={self.as_of}, systems={len(s)} ({n_high} high lock-in), "
            f"procurement rows={len(self.links)} ({linked} linked), "
            f"ministries={len(self.ministries)}, profile={self.profile.label()})"
        )

    def explain(self, system_id: str) -> Explanation:
        """Why a system scores what it does.

        Parameters
        ----------
        system_id : str
            Inventory id of the system.

        Returns
        -------
        Explanation
            Its factor rows, largest contribution first (lock-in, then reuse;
            unknown factors last), with a readable ``.attrs["summary"]``.

        Raises
        ------
        KeyError
            If no system has this id.
        """
        sid = str(system_id)
        row = self.systems[self.systems["system_id"] == sid]
        if row.empty:
            close = self.systems["system_id"].astype("string")
            hint = close[close.str.casefold() == sid.strip().casefold()]
            extra = f"; did you mean {hint.iloc[0]!r}?" if len(hint) else ""
            raise KeyError(f"no system with system_id {sid!r}{extra}")
        r = row.iloc[0]
        f = self.factors[self.factors["system_id"] == sid].copy()
        f["_reuse"] = f["group"] == "reuse"
        f = f.sort_values(
            ["_reuse", "contribution", "factor"], ascending=[True, False, True], na_position="last"
        ).drop(columns="_reuse")
        out = Explanation(f.reset_index(drop=True))
        unknown = f.loc[~f["known"].fillna(False).astype(bool) & (f["group"] != "reuse"), "name"]
        lines = [
            f"{r['system_id']} {r['system_name']!s} ({r['ministry']!s}): lock-in "
            f"{_fmt(r['lockin_score'])}/100 [{r['lockin_band']}], could range "
            f"{_fmt(r['lockin_low'])}–{_fmt(r['lockin_high'])} "
            f"(confidence {_fmt(100 * r['confidence'] if pd.notna(r['confidence']) else None)}%); "
            f"reuse {_fmt(r['reuse_score'])}/100.",
            f"Sub-scores: commercial {_fmt(r['lockin_commercial'])}, technical "
            f"{_fmt(r['lockin_technical'])}, sovereignty {_fmt(r['lockin_sovereignty'])}.",
        ]
        if pd.notna(r.get("top_drivers")):
            lines.append(f"Main drivers: {r['top_drivers']}.")
        if pd.notna(r.get("red_flags")):
            lines.append(f"Red flags: {r['red_flags']}.")
        if len(unknown):
            lines.append("Unknown: " + ", ".join(unknown.astype(str)) + ".")
        if pd.notna(r.get("candidate_alternatives")):
            lines.append(f"Open alternatives: {r['candidate_alternatives']}.")
        if pd.notna(r.get("source_row")) and r.get("in_inventory", True):
            sheet = (
                f", sheet {r['source_sheet']}"
                if pd.notna(r.get("source_sheet")) and r.get("source_sheet")
                else ""
            )
            lines.append(f"Inventory row: {r['source_file']}{sheet}, row {r['source_row']}.")
        out.attrs["summary"] = "\n".join(lines)
        return out

    @classmethod
    def read_scores(cls, directory: str | Path) -> ScoreResult:
        """Read a result written by :meth:`to_parquet` (same as :func:`read_scores`)."""
        return read_scores(directory)

    def to_parquet(self, directory: str | Path, **meta: str) -> Path:
        """Write the tables, ``profile_used.toml`` and ``run.json`` to ``directory``.

        Each file is written to a temporary name and then renamed, so a failed
        run never leaves a half-written file in place of the last good one.
        ``run.json`` records the analysis date and profile, which later stages
        read instead of re-deriving them from a config that may have changed.

        Extra keyword arguments (``country``, ``currency``) are recorded in
        ``run.json`` for the reports.

        Returns
        -------
        Path
            The directory.
        """
        d = Path(directory)
        # The detail tables are made on a second core while the others are
        # written; if making them fails, no table of the folder is replaced.
        details = Background(self._detail, DETAIL_TABLES[0]) if self.make_details else None

        def table(name: str) -> pd.DataFrame:
            if details is not None and name in DETAIL_TABLES:
                details.result()  # its error, raised where it happened
            return getattr(self, name)

        write_tables(d, [(name, partial(table, name)) for name in TABLES])
        atomic_write(
            d / "profile_used.toml", lambda p: Path(p).write_text(self.profile.text, "utf-8")
        )
        inputs = {
            f"{t}.parquet": sha256_file(d / f"{t}.parquet")
            for t in CANONICAL
            if (d / f"{t}.parquet").is_file()
        }
        write_meta(
            d,
            as_of=self.as_of,
            profile_sha256=self.profile.sha256,
            profile=self.profile.label(),
            inputs_sha256=inputs,
            version=_version(),
            **meta,
        )
        return d


def _version() -> str:
    from .. import __version__

    return __version__


def read_scores(directory: str | Path) -> ScoreResult:
    """Read a result written by :meth:`ScoreResult.to_parquet`.

    Raises
    ------
    ConfigError
        If the folder lacks one of the files.

    Examples
    --------
    Scores written once are read back, with their analysis date and profile:

    >>> import datetime as dt
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config, read_inventory, read_scores, score
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> csv = folder / "inventory.csv"
    >>> _ = csv.write_text('''id,name,ministry,licence,ip owner,source code,hosting,data export
    ... FIN-1,Payroll,Ministry of Finance,Proprietary,Vendor,None,Foreign SaaS,None
    ... HEA-1,Records,Ministry of Health,Proprietary,Vendor,None,On-premise,Open format
    ... EDU-1,Portal,Ministry of Education,GPL v3,Vendor,Public repo,Foreign SaaS,Open format
    ... ''', encoding="utf-8")
    >>> inventory = read_inventory([csv], load_config(root=folder)).table
    >>> result = score(inventory, None, as_of=dt.date(2024, 6, 30))
    >>> _ = result.to_parquet(folder / "processed")
    >>> again = read_scores(folder / "processed")
    >>> again.as_of, again.profile.sha256 == result.profile.sha256
    (datetime.date(2024, 6, 30), True)
    >>> again.systems[["system_id", "lockin_score"]]
      system_id  lockin_score
    0     FIN-1         100.0
    1     HEA-1          37.5
    2     EDU-1          32.5
    >>> tmp.cleanup()
    """
    d = Path(directory)
    missing = [f"{t}.parquet" for t in TABLES if not (d / f"{t}.parquet").exists()]
    if missing:
        raise ConfigError(f"{d}: no scores here (missing {', '.join(missing)}); run `score` first")
    tables: dict[str, Any] = {}
    for t in TABLES:
        tables[t] = read_table(d, t)  # required: a missing table raises
        key = _KEYS.get(t)
        if key and key not in tables[t].columns and len(tables[t]):  # empty: nothing scored
            from .._processed import ProcessedError

            raise ProcessedError(
                f"{d / (t + '.parquet')}: not the {t} table (no {key!r} column); "
                "run `ospo-analytics score` again"
            )
    prof_path = d / "profile_used.toml"
    profile = load_profile(prof_path if prof_path.exists() else None)
    as_of = read_meta(d).get("as_of") or dt.date.today()
    return ScoreResult(**tables, profile=profile, as_of=as_of)
