"""Repository-level pytest set-up: find the shared real data wherever the clone lives.

Tests read real government exports in place from ``../shared/realdata`` (see its
README). A clone somewhere else still finds it by walking up the parents;
``OSPO_REALDATA`` overrides. Where none exists, the tests that need it skip.
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_realdata() -> Path | None:
    root = Path(__file__).resolve().parent
    for base in (root, *root.parents):
        for candidate in (base / "shared" / "realdata", base.parent / "shared" / "realdata"):
            if (candidate / "README.md").is_file():
                return candidate
    return None


if "OSPO_REALDATA" not in os.environ:
    found = _find_realdata()
    if found is not None:
        os.environ["OSPO_REALDATA"] = str(found)
