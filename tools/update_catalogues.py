"""Update the message catalogues after report strings changed.

Extracts every catalogued string (``_``, ``N_``, ``ngettext`` in the package,
``tr`` in the report notebooks) with Babel and rewrites
``ospo_analytics/locale/<lang>/LC_MESSAGES/ospo_analytics.po`` for each
language: translations of unchanged strings are kept, new strings get an
empty ``msgstr`` (``tests/test_i18n.py`` fails until they are translated),
strings no longer used are dropped. Run::

    .venv/bin/python tools/update_catalogues.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from ospo_analytics._i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR, extract_messages  # noqa: E402


def update(lang: str, messages: dict[str, tuple[str, ...]], extra: dict[str, object] | None = None) -> int:
    """Rewrite one catalogue; returns how many strings lack a translation."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    old: dict[str, object] = {}
    if path.is_file():
        with path.open("rb") as fh:
            for m in read_po(fh, locale=lang, domain=DOMAIN):
                if m.id:
                    old[m.id[0] if isinstance(m.id, tuple | list) else m.id] = m.string
    old.update(extra or {})
    cat = Catalog(locale=lang, domain=DOMAIN, project="ospo-analytics", charset="utf-8")
    missing = 0
    for msgid, plural in messages.items():
        got = old.get(msgid)
        if plural:
            strings = tuple(got) if isinstance(got, tuple | list) else ("", "")
            missing += not all(strings)
            cat.add((msgid, plural[0]), strings)
        else:
            text = got if isinstance(got, str) else ""
            missing += not text
            cat.add(msgid, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, cat, width=100, omit_header=False, sort_output=False)
    return missing


def main() -> None:
    messages = extract_messages(ROOT)
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        missing = update(lang, messages)
        print(f"{lang}: {len(messages)} strings, {missing} to translate")


if __name__ == "__main__":
    main()
