"""The README is the user's manual: keep its generated parts and promises true."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_generated_sections_are_up_to_date():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from sync_readme import render
    finally:
        sys.path.pop(0)
    assert render(README) == README, "run: .venv/bin/python tools/sync_readme.py"


def test_quick_start_is_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    assert [line.strip() for line in block.strip().splitlines()] == ["make run", "make test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_cli_command_is_documented():
    from typer.main import get_command

    from ospo_analytics._cli import app

    for name in get_command(app).commands:
        assert f"ospo-analytics {name}" in README, name


def test_every_config_section_is_documented():
    from ospo_analytics._config import DEFAULTS

    for section in DEFAULTS:
        assert f"[{section}" in README, section


def _public_callables():
    """(name, object) of every public function and class (constants such as
    ``CATEGORIES`` are not callable and carry no docstring of their own)."""
    import importlib

    from ospo_analytics import _EXPORTS

    for name, module in sorted(_EXPORTS.items()):
        obj = getattr(importlib.import_module(f"ospo_analytics.{module}"), name)
        if callable(obj):
            yield name, obj


def _doctest_modules() -> list[str]:
    from ospo_analytics import _EXPORTS

    return sorted({*_EXPORTS.values(), "notebook"})


def test_every_public_callable_has_runnable_examples():
    import doctest
    import inspect

    finder = doctest.DocTestFinder()
    missing, not_collected = [], []
    for name, obj in _public_callables():
        doc = inspect.cleandoc(obj.__doc__ or "")  # its own docstring, not a base class's
        _, header, examples = doc.partition("\nExamples\n--------\n")
        if not header or ">>>" not in examples:
            missing.append(name)
            continue
        # The doctests run below, per module, must include them.
        module = inspect.getmodule(obj)
        collected = {t.name for t in finder.find(module) if t.examples}
        if f"{module.__name__}.{name}" not in collected:
            not_collected.append(name)
    assert not missing, f"public names without a runnable Examples section: {missing}"
    assert not not_collected, f"Examples not collected as doctests: {not_collected}"


@pytest.mark.parametrize("module", _doctest_modules())
def test_public_examples_run_as_doctests(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"ospo_analytics.{module}")
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(mod, optionflags=flags, verbose=False)
    assert result.failed == 0, f"{module}: {result.failed} doctest(s) failed"
    assert result.attempted > 0, f"{module}: no doctest found"
