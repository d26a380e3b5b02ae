"""ospo-analytics: vendor lock-in, reuse and OSPO readiness for government software.

Public API (everything else lives in private modules and may change).
"""

from ._config import Config, ConfigError, load_config
from ._schema import CATEGORIES, columns, empty_frame, pandera_schema

__version__ = "0.1.0"

__all__ = [
    "CATEGORIES",
    "Config",
    "ConfigError",
    "__version__",
    "columns",
    "empty_frame",
    "load_config",
    "pandera_schema",
]
