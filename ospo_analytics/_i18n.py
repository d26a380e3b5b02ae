"""The reports' language: gettext catalogues read with Babel.

One catalogue per language, ``locale/<lang>/LC_MESSAGES/ospo_analytics.po``,
read straight from the ``.po`` text with :mod:`babel.messages.pofile` the
first time a language is used (no compile step: a fresh ``pip install -e .``
has everything it needs).

The language is chosen once per process (a report kernel, a worker writing
``scores.xlsx``) with :func:`set_language`; :func:`_` and :func:`ngettext`
translate into it and :mod:`._report.fmt` formats numbers and dates for it.
Text that is not in the catalogue (names from the data, a profile's own stage
names) passes through unchanged.

Strings in module-level tables are marked with :func:`N_` (no-op) so Babel's
extractor finds them; they are translated where shown, with :func:`_`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

__all__ = ["DEFAULT", "LANGUAGES", "N_", "_", "get_language", "ngettext", "set_language"]

LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português"}
"""Report languages (ISO 639-1 code -> name in that language)."""

DEFAULT = "en"
DOMAIN = "ospo_analytics"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current = DEFAULT


def check_language(lang: str | None) -> str:
    """The language code, lower case; ``ValueError`` naming the choices if unknown."""
    code = (lang or DEFAULT).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return code


@cache
def _catalogue(lang: str) -> dict[str, str | tuple[str, ...]]:
    """msgid (or (singular, plural)) -> translation; empty for English."""
    if lang == DEFAULT:
        return {}
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang, domain=DOMAIN)
    out: dict[str, str | tuple[str, ...]] = {}
    for m in cat:
        if not m.id or m.fuzzy:
            continue
        key = m.id[0] if isinstance(m.id, tuple | list) else m.id
        if isinstance(m.string, tuple | list):
            if all(m.string):
                out[key] = tuple(m.string)
        elif m.string:
            out[key] = m.string
    return out


def set_language(lang: str | None) -> str:
    """Make ``lang`` the language of this process's reports; returns the code."""
    global _current
    _current = check_language(lang)
    _catalogue(_current)  # fail early on a broken catalogue
    return _current


def get_language() -> str:
    """The current report language code (``en`` unless set)."""
    return _current


@contextlib.contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Use ``lang`` inside the ``with`` block, then the previous language."""
    before = _current
    try:
        yield set_language(lang)
    finally:
        set_language(before)


def _(message: str) -> str:
    """``message`` in the current language (unchanged when not catalogued)."""
    got = _catalogue(_current).get(message)
    return got if isinstance(got, str) else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural form for ``n``, in the current language."""
    got = _catalogue(_current).get(singular)
    if isinstance(got, tuple):
        # gettext plural forms of the catalogues: 0 and 1 are singular in fr and pt.
        one = n in (0, 1) if _current in ("fr", "pt") else n == 1
        return got[0] if one else got[-1]
    return singular if n == 1 else plural


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction only; translate it where shown with :func:`_`."""
    return message


KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "tr": None}
"""Extraction keywords: ``tr`` is ``_`` in the notebooks (IPython keeps ``_``
for the last result)."""


def extract_messages(root: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Every catalogued string of the package and its report notebooks.

    Runs Babel's Python extractor over ``ospo_analytics/**/*.py`` and over
    the code cells of ``notebooks/*.ipynb`` (the report prose).

    Returns
    -------
    dict
        msgid -> (plural msgid,) for ``ngettext`` or () -> in source order,
        with where each is used (``path:line``) under the key's ``locations``.
    """
    import io
    import json

    from babel.messages.extract import extract

    root = root or Path(__file__).resolve().parents[1]
    out: dict[str, tuple[str, ...]] = {}
    sources: list[tuple[str, str]] = []
    for path in sorted((root / "ospo_analytics").rglob("*.py")):
        sources.append((str(path.relative_to(root)), path.read_text(encoding="utf-8")))
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        # IPython magics are not Python.
        code = "\n".join(
            "" if line.lstrip().startswith("%") else line for line in code.splitlines()
        )
        sources.append((str(path.relative_to(root)), code))
    for _name, text in sources:
        for _line, message, _comments, _context in extract(
            "python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                if message[0]:
                    out.setdefault(message[0], tuple(message[1:2]))
            elif message:
                out.setdefault(message, ())
    return out
