"""Project configuration (``ospo.toml``): inputs, outputs, mappings.

Every setting has a default, so a project with no ``ospo.toml`` at all runs
on the demo country.
"""

from __future__ import annotations

import copy
import datetime as dt
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
    },
    # User column aliases: [columns.procurement] amount = ["Obligation ($ M)"]
    "columns": {"inventory": {}, "procurement": {}, "questionnaire": {}},
    # Multiply a column after cleaning: [scale.procurement] amount = 1e6
    "scale": {"inventory": {}, "procurement": {}},
    # Value mappings: [values.method] "Licitación pública" = "open"
    "values": {},
    "vendors": {"fuzzy_threshold": 92, "aliases": {}},
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

    def column_aliases(self, table: str) -> dict[str, list[str]]:
        raw = self.data["columns"].get(table, {}) or {}
        return {k: [v] if isinstance(v, str) else list(v) for k, v in raw.items()}

    def value_map(self, column: str) -> dict[str, str]:
        return dict(self.data["values"].get(column, {}) or {})


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
    return Config(
        root=Path(root).resolve() if root else path.parent.resolve(),
        data=_merge(DEFAULTS, data),
        path=path,
    )
