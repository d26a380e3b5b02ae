"""ospo-analytics: vendor lock-in, reuse and OSPO readiness for government software.

The public API is the names in ``__all__``; everything else lives in private
modules and may change. Names are imported on first use (PEP 562) so that the
command line starts fast and an unchanged scheduled run costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # configuration and schema
    "Config": "_config",
    "ConfigError": "_config",
    "load_config": "_config",
    "CATEGORIES": "_schema",
    "columns": "_schema",
    "empty_frame": "_schema",
    "pandera_schema": "_schema",
    # read, clean & validate
    "LoadResult": "_load",
    "Inputs": "_load",
    "load_inputs": "_load",
    "read_inventory": "_load",
    "read_procurement": "_load",
    "read_questionnaire": "_load",
    "read_tables": "_load",
    "write_processed": "_load",
    "read_ocds": "_ocds",
    "read_publiccode": "_catalogues",
    "read_codejson": "_catalogues",
    # score
    "Profile": "_profile",
    "load_profile": "_profile",
    "score": "_score",
    "sensitivity": "_score",
    "ScoreResult": "_result",
    "read_scores": "_result",
    "load_alternatives": "_alternatives",
    "load_project": "_project",
    "Project": "_project",
    # report
    "run_reports": "_report",
    "write_templates": "_templates",
    "write_demo": "_demo",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ospo_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and IDEs
    from ._alternatives import load_alternatives
    from ._catalogues import read_codejson, read_publiccode
    from ._config import Config, ConfigError, load_config
    from ._demo import write_demo
    from ._load import (
        Inputs,
        LoadResult,
        load_inputs,
        read_inventory,
        read_procurement,
        read_questionnaire,
        read_tables,
        write_processed,
    )
    from ._ocds import read_ocds
    from ._profile import Profile, load_profile
    from ._project import Project, load_project
    from ._report import run_reports
    from ._result import ScoreResult, read_scores
    from ._schema import CATEGORIES, columns, empty_frame, pandera_schema
    from ._score import score, sensitivity
    from ._templates import write_templates
