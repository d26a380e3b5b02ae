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
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "project": {
        "name": "",
        "as_of": "",  # empty: today
        "currency": "",  # default currency where a row has none
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
    "outputs": {"processed": "data/processed", "reports": "reports"},
    "reading": {
        # Day-first when a date like 03/04/2021 is ambiguous.
        "dayfirst": True,
        # Rows scanned to find the header under title rows.
        "header_scan_rows": 30,
        # CSV/TSV files this big (MB) are validated chunk by chunk (bounded memory).
        "stream_min_mb": 100,
        # Force the encoding of text files by path or glob (relative to the
        # project): [reading.encoding] "data/raw/legacy/*.csv" = "cp1252".
        # Default: decided per file from its bytes (see README).
        "encoding": {},
    },
    # Size limits checked before a workbook is read (see SECURITY.md).
    "limits": {
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
    """A user mistake in ``ospo.toml`` (reported without a traceback)."""


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
    """

    root: Path
    data: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULTS))
    path: Path | None = None

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def as_of(self) -> dt.date:
        """The analysis date (``project.as_of``, default today)."""
        raw = self.data["project"].get("as_of") or ""
        if isinstance(raw, dt.date):
            return raw
        if not raw:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ConfigError(f"project.as_of must be YYYY-MM-DD, got {raw!r}") from None

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
        seen: set[Path] = set()
        return [p for p in found if not (p in seen or seen.add(p))]

    def encoding_for(self, path: str | Path) -> str | None:
        """The encoding forced for ``path`` by ``[reading.encoding]``, if any.

        Patterns are globs relative to the project folder (``*`` also crosses
        folders); a pattern without ``/`` may also match the file name alone.
        The first matching pattern wins.
        """
        table = self.data["reading"].get("encoding") or {}
        if not table:
            return None
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


def load_config(path: str | Path | None = None, root: str | Path | None = None) -> Config:
    """Load ``ospo.toml`` (or defaults when there is none).

    Parameters
    ----------
    path : path-like, optional
        Config file. Default: ``ospo.toml`` in ``root`` if it exists.
    root : path-like, optional
        Project folder. Default: the config file's folder, else the current one.

    Raises
    ------
    ConfigError
        If the file is missing (when given explicitly) or not valid TOML.
    """
    if path is None:
        base = Path(root) if root else Path.cwd()
        candidate = base / "ospo.toml"
        if not candidate.exists():
            return Config(root=base.resolve())
        path = candidate
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - set(DEFAULTS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown section(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}"
        )
    merged = _merge(DEFAULTS, data)
    _check_reading(path, merged)
    config = Config(
        root=Path(root).resolve() if root else path.parent.resolve(),
        data=merged,
        path=path,
    )
    _check_ministries(config)
    return config



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
