"""Regenerate the generated sections of README.md (data dictionary, collecting data).

Run ``.venv/bin/python tools/sync_readme.py``; ``tests/test_docs.py`` fails when
the README is out of date.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sections() -> dict[str, str]:
    from ospo_analytics._clean.schema import data_dictionary_markdown

    collecting = (ROOT / "docs" / "collecting-data.md").read_text(encoding="utf-8")
    return {
        "data-dictionary": data_dictionary_markdown(),
        "collecting": collecting.replace("](img/", "](docs/img/"),
    }


def render(text: str) -> str:
    for name, body in sections().items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(
            lambda m, body=body: m.group(1) + body.rstrip() + "\n" + m.group(2), text
        )
    return text


if __name__ == "__main__":
    readme = ROOT / "README.md"
    readme.write_text(render(readme.read_text(encoding="utf-8")), encoding="utf-8")
