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
    "CATEGORIES": "_clean.schema",
    "columns": "_clean.schema",
    "empty_frame": "_clean.schema",
    "pandera_schema": "_clean.schema",
    # read, clean & validate
    "LoadResult": "_load",
    "Inputs": "_load",
    "load_inputs": "_load",
    "read_inventory": "_load",
    "read_procurement": "_load",
    "read_questionnaire": "_load",
    "read_tables": "_load",
    "write_processed": "_load",
    "read_ocds": "_read.ocds",
    "read_publiccode": "_read.catalogues",
    "read_codejson": "_read.catalogues",
    # score
    "Profile": "_score.profile",
    "load_profile": "_score.profile",
    "score": "_score.systems",
    "sensitivity": "_score.systems",
    "ScoreResult": "_score.result",
    "read_scores": "_score.result",
    "load_alternatives": "_score.alternatives",
    "load_project": "_project",
    "Project": "_project",
    # report
    "run_reports": "_report.runner",
    "write_templates": "_clean.templates",
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
    from ._clean.schema import CATEGORIES, columns, empty_frame, pandera_schema
    from ._clean.templates import write_templates
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
    from ._project import Project, load_project
    from ._read.catalogues import read_codejson, read_publiccode
    from ._read.ocds import read_ocds
    from ._report.runner import run_reports
    from ._score.alternatives import load_alternatives
    from ._score.profile import Profile, load_profile
    from ._score.result import ScoreResult, read_scores
    from ._score.systems import score, sensitivity
