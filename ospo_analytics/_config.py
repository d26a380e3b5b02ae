"""Project configuration (``ospo.toml``): inputs, outputs, mappings.

Every setting has a default, so a project with no ``ospo.toml`` at all runs
on the demo country.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import fnmatch
import glob
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "project": {
        "name": "",
        "as_of": "",  # empty: today
        "currency": "",  # default currency where a row has none
        "language": "en",  # language of the reports: en, es, fr, pt
    },
    "inputs": {
        "inventory": ["data/raw/demo/inventory_*.xlsx"],
        "procurement": ["data/raw/demo/procurement_*.xlsx", "data/raw/demo/procurement_*.csv"],
        "questionnaire": ["data/raw/demo/questionnaire*.xlsx"],
        # OCDS JSON / flattened OCDS sources (files or folders), see README.
        "ocds": [],
        # publiccode.yml / code.json catalogues loaded as inventory.
        "catalogues": [],
        "demo_if_missing": True,
    },
    "outputs": {
        "processed": "data/processed",
        "reports": "reports",
        # Both must be folders inside the project unless this is true (or the
        # CLI gets --allow-outside): a shared ospo.toml cannot make the tool
        # write, or clean up, elsewhere.
        "allow_outside": False,
    },
    "reading": {
        # Day-first when a date like 03/04/2021 is ambiguous.
        "dayfirst": True,
        # Rows scanned to find the header under title rows.
        "header_scan_rows": 30,
        # OCDS JSON and CSV/TSV files this big (MB) are read chunk by chunk
        # (bounded memory; same rows and rejects). CSV/TSV files also stream
        # from 10 MB, where that path is the faster one.
        "stream_min_mb": 100,
        # Folder for the temporary files of big inputs (CSV chunks, OCDS
        # releases waiting for their ocid, unpacked archives: about the size
        # of the input). "" = the system's (TMPDIR); set a folder on disk
        # where /tmp lives in memory (tmpfs). Inside the project, as outputs.
        "temp_dir": "",
        # Force the encoding of text files by path or glob (relative to the
        # project): [reading.encoding] "data/raw/legacy/*.csv" = "cp1252".
        # Default: decided per file from its bytes (see README).
        "encoding": {},
    },
    # Size limits checked before a workbook is read (see SECURITY.md).
    "limits": {
        # Largest plausible absolute amount (after [scale]); beyond it the
        # amount is a rejects entry (a required amount rejects the row).
        "max_amount": 1e15,
        "max_sheet_cells": 30_000_000,  # rows x columns of one sheet's used area
        "max_decompressed_mb": 1024,  # total unpacked size of one workbook
        "max_compression_ratio": 100,  # unpacked/packed, for workbooks over 64 MB
    },
    # User column aliases: [columns.procurement] amount = ["Obligation ($ M)"]
    "columns": {"inventory": {}, "procurement": {}, "questionnaire": {}},
    # Multiply a column after cleaning: [scale.procurement] amount = 1e6
    "scale": {"inventory": {}, "procurement": {}},
    # Value mappings: [values.method] "Licitación pública" = "open"
    "values": {},
    "vendors": {"fuzzy_threshold": 92, "aliases": {}},
    # Buyers roll up to ministries; ministry spellings cluster (see README).
    "ministries": {
        # buyer name / glob / "re:" regex -> ministry
        "buyers": {},
        # CSV with columns buyer,ministry (path relative to ospo.toml)
        "buyers_file": "",
        # spelling -> ministry: force a merge
        "aliases": {},
        # spellings that stay their own ministry
        "keep_apart": [],
        # rapidfuzz token_sort_ratio to merge near spellings; 0 = off
        "fuzzy_threshold": 0,
    },
    "it_filter": {
        "enabled": True,
        "prefixes": ["48", "72", "30", "43", "81"],
    },
    # Amounts in another currency than [project] currency are converted at
    # these rates (project currency per unit: [currencies.rates] USD = 7300);
    # without a rate they are left unknown, never added as if they were one.
    "currencies": {"rates": {}},
}


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


class ConfigError(ValueError):
    """A user mistake in ``ospo.toml`` (reported without a traceback).

    Examples
    --------
    The message names the file and the setting to fix:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import ConfigError, load_config
    >>> tmp = tempfile.TemporaryDirectory()
    >>> toml = Path(tmp.name) / "ospo.toml"
    >>> _ = toml.write_text('''[project]
    ... as_of = "30/06/2024"
    ... ''', encoding="utf-8")
    >>> try:
    ...     load_config(toml)
    ... except ConfigError as exc:
    ...     print(exc)
    /.../ospo.toml: [project] as_of must be YYYY-MM-DD, got '30/06/2024'
    >>> issubclass(ConfigError, ValueError)
    True
    >>> tmp.cleanup()
    """


MAX_AMOUNT_CEILING = 1e18
"""Upper bound of ``[limits] max_amount``: sums of millions of amounts below
it stay far from float overflow."""

# Settings whose keys are chosen by the user (table -> column -> value).
_FREE_TABLES = {"columns", "scale", "values", "vendors.aliases", "currencies.rates"}
_PATH_LISTS = {"inventory", "procurement", "questionnaire", "ocds", "catalogues"}


def _type_name(v: object) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, dt.datetime):
        return "a date-time"
    if isinstance(v, dt.date):
        return "a date"
    if isinstance(v, dt.time):
        return "a time"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _bad(where: str, name: str, want: str, got: object) -> ConfigError:
    section, _, key = name.rpartition(".")
    label = f"[{section}] {key}" if section else name
    return ConfigError(f"{where}: {label} must be {want}, got {_type_name(got)} {got!r}")


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check_value(where: str, name: str, value: Any, default: Any) -> Any:
    """Check one setting against its default's type; return it normalised."""
    section, _, key = name.rpartition(".")
    if name == "project.as_of":
        if isinstance(value, dt.datetime):
            raise ConfigError(
                f"{where}: [project] as_of must be a date (as_of = 2024-06-30 or "
                f'"2024-06-30"), not a date-time ({value!r}); drop the time part'
            )
        if isinstance(value, dt.date):
            return value.isoformat()
        if not isinstance(value, str):
            raise _bad(where, name, 'a date such as "2024-06-30"', value)
        if value.strip():
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                raise ConfigError(
                    f"{where}: [project] as_of must be YYYY-MM-DD, got {value!r}"
                ) from None
        return ""
    if name == "project.language":
        from ._i18n import LANGUAGES, check_language

        try:
            return check_language(value if isinstance(value, str) else "?")
        except ValueError:
            raise _bad(where, name, f"one of {', '.join(LANGUAGES)}", value) from None
    if section == "inputs" and key in _PATH_LISTS:
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _bad(where, name, "a path or a list of paths (strings)", value)
        return value
    if name in ("outputs.processed", "outputs.reports"):
        if not isinstance(value, str) or not value.strip():
            raise _bad(where, name, "a folder path (a non-empty string)", value)
        return value
    if name == "limits.max_amount":
        if not _is_number(value) or not (0 < value <= MAX_AMOUNT_CEILING):
            raise _bad(where, name, f"a number above 0 and at most {MAX_AMOUNT_CEILING:g}", value)
        return float(value)
    if name == "reading.header_scan_rows":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _bad(where, name, "a whole number of at least 1", value)
        return value
    if name == "vendors.fuzzy_threshold":
        if not _is_number(value) or not (0 <= value <= 100):
            raise _bad(where, name, "a number from 0 to 100", value)
        return value
    if name == "it_filter.prefixes":
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _bad(where, name, "a list of strings", value)
        return value
    # Generic rule (also for settings added later): the default's type.
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = _is_number(value) and math.isfinite(value)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, list):
        ok = isinstance(value, list)
    elif isinstance(default, dict):
        ok = isinstance(value, dict)
    else:
        ok = True
    if not ok:
        raise _bad(where, name, _type_name(default), value)
    return value


def _free_table_names(name: str) -> dict[str, list[str]]:
    """The tables a free section may hold, each with the keys it may use:
    [columns.<table>] canonical columns, [scale.<table>] numeric columns,
    [values.<column>] coded columns (any text as key)."""
    from ._clean.schema import columns

    if name == "columns":
        return {
            t: [c.name for c in columns(t)] for t in ("inventory", "procurement", "questionnaire")
        }
    if name == "scale":
        return {
            t: [c.name for c in columns(t) if c.kind in ("float", "int")]
            for t in ("inventory", "procurement")
        }
    coded = (
        c.name
        for t in ("inventory", "procurement", "questionnaire")
        for c in columns(t)
        if c.kind == "code"
    )
    return {c: [] for c in coded}


def _near(word: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'? known: ...`` for a message."""
    import difflib

    known = sorted(known)
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} known: {', '.join(known)}"


def _check_free_table(where: str, name: str, value: Any) -> None:
    """[columns.*], [scale.*], [values.*], [vendors.aliases]: user-chosen keys."""
    if not isinstance(value, dict):
        raise _bad(where, name, "a table", value)
    if name == "currencies.rates":
        for k, v in value.items():
            if not re.fullmatch(r"[A-Za-z]{3}", k):
                raise _bad(where, f"{name}.{k!r}", "a three-letter ISO 4217 code as key", k)
            if not _is_number(v) or not math.isfinite(v) or v <= 0:
                raise _bad(where, f"{name}.{k}", "a number above 0 (project currency per unit)", v)
        return
    if name == "vendors.aliases":
        for k, v in value.items():
            if not isinstance(v, str):
                raise _bad(where, f"{name}.{k!r}", "a supplier name (string)", v)
        return
    known = _free_table_names(name)
    for sub, inner in value.items():
        sname = f"{name}.{sub}"
        if not isinstance(inner, dict):
            raise _bad(where, sname, "a table", inner)
        if sub not in known:
            # A typo here left every amount unscaled, or every alias unused.
            raise ConfigError(f"{where}: unknown table [{sname}]{_near(sub, known)}")
        for k, v in inner.items():
            kname = f"{sname}.{k}"
            if name != "values" and k not in known[sub]:
                what = "numeric column" if name == "scale" else "column"
                raise ConfigError(
                    f"{where}: [{sname}] {k}: no {what} {k!r} in the {sub} table"
                    f"{_near(k, known[sub])}"
                )
            if name == "columns":
                if not (isinstance(v, str) or (isinstance(v, list) and all(
                    isinstance(x, str) for x in v))):  # fmt: skip
                    raise _bad(where, kname, "a header name or a list of header names", v)
            elif name == "scale":
                if not _is_number(v) or not math.isfinite(v) or v <= 0:
                    raise _bad(where, kname, "a number above 0 (e.g. 1000000)", v)
            elif not isinstance(v, str):
                raise _bad(where, f"{sname}.{k!r}", "a string", v)


def validate_settings(data: dict, where: str = "ospo.toml") -> dict:
    """Check every setting's name and type; return a normalised copy.

    Raises
    ------
    ConfigError
        Naming the setting (``[outputs] reports``), what it must be and what
        it is, so the CLI can stop with exit code 2 and no traceback.
    """
    out = copy.deepcopy(data)
    unknown = set(out) - set(DEFAULTS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown section(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}"
        )
    for section, values in out.items():
        if section in _FREE_TABLES:
            _check_free_table(where, section, values)
            continue
        if not isinstance(values, dict):
            raise _bad(where, section, "a table ([" + section + "])", values)
        for key, value in values.items():
            name = f"{section}.{key}"
            if name in _FREE_TABLES:
                _check_free_table(where, name, value)
                continue
            if key not in DEFAULTS[section]:
                raise ConfigError(
                    f"{where}: unknown setting [{section}] {key}; known: "
                    f"{sorted(DEFAULTS[section])}"
                )
            values[key] = _check_value(where, name, value, DEFAULTS[section][key])
    return out


def _check_folder(
    where: str, setting: str, raw: str, path: Path, root: Path, outside_ok: bool, root_ok: bool
) -> None:
    """A folder setting the tool writes to: a folder, inside the project
    (the project folder itself only when ``root_ok``) unless writing outside
    is allowed. Raises :class:`ConfigError` naming the setting."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{where}: {setting} = {raw!r} is a file ({path}), not a folder")
    inside = path.is_relative_to(root) and (root_ok or path != root)
    if not inside and not outside_ok:
        raise ConfigError(
            f"{where}: {setting} = {raw!r} resolves to {path}, which is not a folder inside "
            f"the project ({root}); use a folder inside the project, or set "
            "[outputs] allow_outside = true (or pass --allow-outside) to write there on purpose"
        )


@dataclass
class Config:
    """Loaded configuration.

    Attributes
    ----------
    root : Path
        Folder that relative paths are resolved against (the config's folder).
    data : dict
        Settings merged over :data:`DEFAULTS`.
    path : Path or None
        The file read, if any.

    Examples
    --------
    Made by :func:`load_config`; settings left out of ``ospo.toml`` keep
    their defaults and relative paths resolve against the config's folder:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from ospo_analytics import load_config
    >>> tmp = tempfile.TemporaryDirectory()
    >>> root = Path(tmp.name)
    >>> _ = (root / "ospo.toml").write_text('''[project]
    ... name = "Tamarind"
    ... as_of = 2024-06-30
    ... currency = "USD"
    ...
    ... [inputs]
    ... inventory = "raw/inventory_*.csv"
    ... ''', encoding="utf-8")
    >>> (root / "raw").mkdir()
    >>> _ = (root / "raw" / "inventory_health.csv").write_text("system_id", encoding="utf-8")
    >>> config = load_config(root=root)
    >>> config.as_of, config.project_meta
    (datetime.date(2024, 6, 30), {'country': 'Tamarind', 'currency': 'USD'})
    >>> [p.name for p in config.input_paths("inventory")]
    ['inventory_health.csv']
    >>> config.processed_dir.relative_to(config.root).as_posix(), config["reading"]["dayfirst"]
    ('data/processed', True)
    >>> tmp.cleanup()
    """

    root: Path
    data: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULTS))
    path: Path | None = None
    #: Unpacked copy of an archive member -> the name it is read as
    #: (``data/raw/x.zip/a.csv``), so path settings reach members too.
    unpacked: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def as_of(self) -> dt.date:
        """The analysis date (``project.as_of``, default today)."""
        raw = self.data["project"].get("as_of") or ""
        if isinstance(raw, dt.datetime):
            raise ConfigError(f"project.as_of must be a date, not a date-time ({raw!r})")
        if isinstance(raw, dt.date):
            return raw
        if not raw:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ConfigError(f"project.as_of must be YYYY-MM-DD, got {raw!r}") from None

    def check_outputs(self, allow_outside: bool = False) -> None:
        """Refuse output folders that would write outside the project or clash.

        ``[outputs] processed`` and ``reports`` must be two separate folders
        (neither inside the other) inside the project folder, resolved through
        symlinks, unless ``allow_outside`` (``--allow-outside``) or
        ``[outputs] allow_outside = true`` says otherwise; so must
        ``[reading] temp_dir`` when set (the project folder itself allowed).

        Raises
        ------
        ConfigError
            Naming the setting and the folder it resolves to.
        """
        where = str(self.path) if self.path else "settings"
        root = self.root.resolve()
        outside_ok = allow_outside or bool(self.data["outputs"].get("allow_outside"))
        dirs = {}
        for key in ("processed", "reports"):
            raw = self.data["outputs"][key]
            p = self.resolve(raw).resolve()
            dirs[key] = p
            # A temporary folder may be the project itself; outputs may not.
            _check_folder(where, f"[outputs] {key}", raw, p, root, outside_ok, root_ok=False)
        raw_tmp = str(self.data["reading"].get("temp_dir") or "")
        if raw_tmp.strip():
            tmp = self.resolve(raw_tmp).resolve()
            _check_folder(where, "[reading] temp_dir", raw_tmp, tmp, root, outside_ok, root_ok=True)
        proc, rep_ = dirs["processed"], dirs["reports"]
        if proc == rep_ or proc.is_relative_to(rep_) or rep_.is_relative_to(proc):
            raise ConfigError(
                f"{where}: [outputs] processed ({proc}) and [outputs] reports ({rep_}) must be "
                "two separate folders, neither inside the other"
            )

    @property
    def language(self) -> str:
        """Report language (``[project] language``: en, es, fr or pt)."""
        return str(self["project"].get("language") or "en")

    @property
    def project_meta(self) -> dict[str, str]:
        """``country`` (``[project] name``) and ``currency``, as recorded with the scores."""
        project = self["project"]
        return {
            "country": str(project.get("name") or ""),
            "currency": str(project.get("currency") or ""),
        }

    @property
    def temp_dir(self) -> str | None:
        """Folder for big inputs' temporary files (``[reading] temp_dir``,
        created when missing); None for the system's (``TMPDIR``)."""
        raw = str((self.data["reading"] or {}).get("temp_dir") or "").strip()
        if not raw:
            return None
        path = self.resolve(raw)
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    @property
    def processed_dir(self) -> Path:
        return self.resolve(self.data["outputs"]["processed"])

    @property
    def reports_dir(self) -> Path:
        return self.resolve(self.data["outputs"]["reports"])

    def resolve(self, p: str | Path) -> Path:
        p = Path(p)
        return p if p.is_absolute() else self.root / p

    def input_paths(self, kind: str) -> list[Path]:
        """Expand the globs of an input kind into existing paths (sorted, unique)."""
        patterns = self.data["inputs"].get(kind) or []
        if isinstance(patterns, str):
            patterns = [patterns]
        found: list[Path] = []
        for pat in patterns:
            full = str(self.resolve(pat))
            matches = sorted(glob.glob(full, recursive=True))
            found.extend(Path(m) for m in matches)
        return list(dict.fromkeys(found))  # first occurrence of each, in order

    def encoding_for(self, path: str | Path) -> str | None:
        """The encoding forced for ``path`` by ``[reading.encoding]``, if any.

        Patterns are globs relative to the project folder (``*`` also crosses
        folders); a pattern without ``/`` may also match the file name alone.
        The first matching pattern wins.
        """
        table = self.data["reading"].get("encoding") or {}
        if not table:
            return None
        shown = self.unpacked.get(str(path))
        if shown is not None:  # an archive member: matched by its name in the archive
            path = self.resolve(shown)
        full = Path(path).resolve().as_posix()
        name = Path(path).name
        for pattern, enc in table.items():
            target = self.resolve(pattern).resolve().as_posix()
            if fnmatch.fnmatchcase(full, target) or (
                "/" not in pattern and fnmatch.fnmatchcase(name, pattern)
            ):
                return str(enc)
        return None

    @property
    def read_limits(self):
        """Workbook size limits (``[limits]``) as a ``ReadLimits``."""
        from ._read.spreadsheet import ReadLimits

        return ReadLimits.from_config(self.data["limits"])

    def column_aliases(self, table: str) -> dict[str, list[str]]:
        raw = self.data["columns"].get(table, {}) or {}
        return {k: [v] if isinstance(v, str) else list(v) for k, v in raw.items()}

    def currency_rates(self) -> dict[str, float]:
        """``[currencies.rates]``: project currency per unit of each code."""
        return {k.upper(): float(v) for k, v in self.data["currencies"]["rates"].items()}

    def value_map(self, column: str) -> dict[str, str]:
        return dict(self.data["values"].get(column, {}) or {})

    def buyer_rules(self) -> list:
        """Buyer -> ministry rules of ``[ministries]`` (TOML table, then CSV file).

        Raises
        ------
        ConfigError
            Bad regular expression, missing CSV file or columns, empty names.
        """
        from ._clean.ministries import RuleError, load_buyer_rules

        section = self.data.get("ministries") or {}
        file = str(section.get("buyers_file") or "").strip()
        try:
            return load_buyer_rules(
                section.get("buyers") or {}, self.resolve(file) if file else None
            )
        except RuleError as exc:
            where = f"{self.path}: " if self.path else ""
            raise ConfigError(f"{where}{exc}") from None


def load_config(
    path: str | Path | None = None,
    root: str | Path | None = None,
    *,
    allow_outside: bool = False,
) -> Config:
    """Load ``ospo.toml`` (or defaults when there is none).

    Parameters
    ----------
    path : path-like, optional
        Config file. Default: ``ospo.toml`` in ``root`` if it exists.
    root : path-like, optional
        Project folder. Default: the config file's folder, else the current one.
    allow_outside : bool
        Accept ``[outputs]`` folders outside the project (the CLI's
        ``--allow-outside``); see :meth:`Config.check_outputs`.

    Raises
    ------
    ConfigError
        If the file is missing (when given explicitly), unreadable, not valid
        TOML, or a setting is unknown, of the wrong type or out of range
        (the message names the setting).

    Examples
    --------
    A folder without ``ospo.toml`` gets the defaults:

    >>> import tempfile
    >>> from ospo_analytics import load_config
    >>> config = load_config(root=tempfile.mkdtemp())
    >>> config.processed_dir.name, config.reports_dir.name
    ('processed', 'reports')
    """
    if path is None:
        base = Path(root) if root else Path.cwd()
        candidate = base / "ospo.toml"
        if not candidate.exists():
            cfg = Config(root=base.resolve())
            cfg.check_outputs(allow_outside)
            return cfg
        path = candidate
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    data = validate_settings(data, str(path))
    merged = _merge(DEFAULTS, data)
    _check_reading(path, merged)
    cfg = Config(
        root=Path(root).resolve() if root else path.parent.resolve(),
        data=merged,
        path=path,
    )
    _check_ministries(cfg)
    cfg.check_outputs(allow_outside)
    return cfg


def _check_reading(path: Path, data: dict) -> None:
    """Validate ``[reading.encoding]`` and ``[limits]`` (exit 2 on a mistake)."""
    table = data["reading"].get("encoding")
    if not isinstance(table, dict):
        raise ConfigError(
            f'{path}: [reading.encoding] must be a table of "path or glob" = "encoding", '
            f"got {table!r}"
        )
    for pattern, enc in table.items():
        try:
            ok = isinstance(enc, str) and codecs.lookup(enc)._is_text_encoding
        except LookupError:
            ok = False
        if not ok:
            raise ConfigError(
                f"{path}: [reading.encoding] {pattern!r} = {enc!r} is not a text encoding "
                'Python knows; use e.g. "cp1252", "mac_roman", "latin-1", "utf-8"'
            )
    limits = data["limits"]
    unknown = set(limits) - set(DEFAULTS["limits"])
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {sorted(unknown)} in [limits]; "
            f"known: {sorted(DEFAULTS['limits'])}"
        )
    for key, value in limits.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value < float("inf")
        ):
            raise ConfigError(f"{path}: [limits] {key} must be a positive number, got {value!r}")


def _check_ministries(config: Config) -> None:
    """Fail at load time (exit 2, no traceback) on an unusable [ministries] section."""
    section = config.data["ministries"]
    where = f"{config.path}: [ministries]"
    for key in ("buyers", "aliases"):
        if not isinstance(section.get(key), dict):
            raise ConfigError(f"{where} {key} must be a table of name = ministry")
    keep = section.get("keep_apart")
    if isinstance(keep, str):
        section["keep_apart"] = [keep]
    elif not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise ConfigError(f"{where} keep_apart must be a list of names")
    thr = section.get("fuzzy_threshold")
    if isinstance(thr, bool) or not isinstance(thr, int | float) or not 0 <= thr <= 100:
        raise ConfigError(f"{where} fuzzy_threshold must be a number from 0 (off) to 100")
    config.buyer_rules()
