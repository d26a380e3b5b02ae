"""The one licence normaliser: any licence text -> an SPDX expression, or unknown.

Every input goes through :func:`normalise_licence`: loader cells
(:func:`parse_licence`), publiccode.yml ``legal.license``, code.json
``permissions.licenses`` (name and URL). Openness is judged by one function,
:func:`is_open_licence`, used by L6, R3 and the readiness open share.

Sources, not hand tables: SPDX ids, deprecated SPDX ids and ScanCode keys come
from the licence index shipped with ``license-expression`` (ScanCode LicenseDB:
``spdx_license_key``, ``other_spdx_license_keys``, ``license_key``, category).
What that index lacks is the *grammar* people write licences in, so this module
adds only that:

* family words -> family ("GNU General Public License" -> GPL, "Mozilla Public
  License" -> MPL, "BSD 2-Clause", "Creative Commons Attribution Share Alike");
* version spellings ("v3.0", "V2.0", "3", ".v3", "GPLv3", "GPL2");
* "or later" spellings ("+", "or later", "or any later version",
  "ou ultérieure", "o posterior") and "only";
* lists: ``,`` ``;`` ``/`` ``|`` "or" "ou" -> ``OR``; "and" "et" "&" -> ``AND``;
* proprietary wording -> ``LicenseRef-proprietary``;
* licence URLs (spdx.org, opensource.org, gnu.org, apache.org, mozilla.org,
  creativecommons.org, eclipse.org, choosealicense.com, cecill.info).

Rules that change numbers (also in the README):

* **A version is never invented.** A stated GNU-family version without "or
  later" is ``-only`` (SPDX's own reading of the deprecated ``GPL-3.0`` id);
  with "or later" it is ``-or-later``. A family named without a version
  ("GPL", "LGPL/GPL/MPL", "Apache", "BSD") becomes
  ``LicenseRef-<family>-unversioned``: the licence is known to be that family,
  not which version. Every version of those families is open, so
  :func:`is_open_licence` counts them open; nothing else is inferred from them.
* Anything not recognised is unknown (NA) with a problem naming the text; one
  odd string never stops a file.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import pandas as pd

__all__ = [
    "PROPRIETARY",
    "UNVERSIONED_FAMILIES",
    "is_open_licence",
    "licensing",
    "normalise_licence",
    "parse_licence",
]

PROPRIETARY = "LicenseRef-proprietary"

# Families with several versions, every one of them open: named without a
# version they become LicenseRef-<family>-unversioned (open, version unknown).
UNVERSIONED_FAMILIES: dict[str, str] = {
    "gpl": "GPL", "lgpl": "LGPL", "agpl": "AGPL", "gfdl": "GFDL", "mpl": "MPL",
    "epl": "EPL", "eupl": "EUPL", "apache": "Apache", "bsd": "BSD", "cecill": "CeCILL",
    "cc-by": "CC-BY", "cc-by-sa": "CC-BY-SA", "afl": "AFL", "osl": "OSL",
    "artistic": "Artistic", "etalab": "etalab", "cddl": "CDDL", "cpl": "CPL",
    "ecl": "ECL", "lppl": "LPPL", "ofl": "OFL", "odbl": "ODbL",
}  # fmt: skip
_GNU = {"gpl", "lgpl", "agpl", "gfdl"}

# Words people write for a licence family -> the family's SPDX stem. Only the
# grammar the ScanCode index cannot know; the ids themselves come from it.
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"gnu affero general public|affero general public|gnu agpl|affero gpl|affero", "agpl"),
    (r"gnu (?:lesser|library) general public|(?:lesser|library) general public|gnu lgpl", "lgpl"),
    (r"gnu general public|general public|gnu gpl", "gpl"),
    (r"gnu free documentation|free documentation", "gfdl"),
    (r"mozilla public|mozilla", "mpl"),
    (r"eclipse public|eclipse", "epl"),
    (r"european union public", "eupl"),
    (r"academic free", "afl"),
    (r"open software", "osl"),
    (r"boost software", "bsl"),
    (r"educational community", "ecl"),
    (r"microsoft public", "ms-pl"),
    (r"microsoft reciprocal", "ms-rl"),
    (r"sil open font|open font", "ofl"),
    (r"university of illinois ncsa open source|ncsa open source", "ncsa"),
    (r"do what the f\W*ck you want to public|do what the fuck you want to public", "wtfpl"),
    (r"creative commons zero|cc zero", "cc0"),
    (r"creative commons attribution share ?alike|cc by sa", "cc-by-sa"),
    (r"creative commons attribution no ?derivatives|cc by nd", "cc-by-nd"),
    (r"creative commons attribution non ?commercial|cc by nc", "cc-by-nc"),
    (r"creative commons attribution|cc by", "cc-by"),
    (r"latex project public", "lppl"),
    (r"common development and distribution", "cddl"),
    (r"common public attribution", "cpal"),
    (r"common public", "cpl"),
    (r"mulan permissive software", "mulanpsl"),
    (r"universal permissive", "upl"),
    (r"open database", "odbl"),
    (r"bsd zero clause|zero clause bsd", "0bsd"),
    (r"licence ouverte|open licence|etalab", "etalab"),
    (r"cecill free software", "cecill"),
    (r"public domain|domaine public|dominio publico|dominio publico", "publicdomain"),
    (r"expat", "mit"),
)
_PHRASE_RES = tuple((re.compile(rf"\b(?:{p})\b"), stem) for p, stem in _PHRASES)
# Words that carry no identity once the family is known.
_NOISE = re.compile(
    r"\b(?:the|licen[cs]e[sd]?|licencia|licen[cç]a|licenza|lizenz|version|versao|versión|"
    r"agreement|international|universal|unported|generic|software|public|"
    r"gnu|under|terms|of)\b"
)
_OR_LATER = re.compile(
    r"\s*\(?\s*(?:,\s*)?(?:or|ou|o|oder|and|y)\s+(?:any\s+|toute\s+|cualquier\s+)?"
    r"(?:later|ult[eé]rieure|posterior|superior|sp[aä]tere?|newer)(?:\s+versions?|\s+version)?"
    r"\s*\)?",
    re.IGNORECASE,
)
_AT_LEAST = re.compile(r"\s*\(?\s*>=?\s*v?(\d+(?:\.\d+)*)\s*\)?")
_OR_SPLIT = re.compile(r"\s*(?:,|;|/|\||\bor\b|\bou\b|\bsau\b|\boder\b)\s*", re.IGNORECASE)
_AND_SPLIT = re.compile(
    r"\s*(?:\s\+\s|&|\band\b|\bet\b|\by\b|\bsi\b|\bși\b|\bund\b)\s*", re.IGNORECASE
)
_PROPRIETARY_WORDS = re.compile(
    r"\b(proprietary|commercial|eula|closed|closed source|licensed software|vendor licen[cs]e"
    r"|propietari[ao]|privativ[ao]|comercial|proprietaire|commerciale?|proprietario|proprietar"
    r"|saas|subscription|suscripcion|abonnement|assinatura|oem|perpetual|named user"
    r"|per seat|enterprise licen[cs]e|site licen[cs]e)\b"
)
_OPEN_FAMILY_WORDS = re.compile(r"\b(gpl|lgpl|agpl|mit|apache|bsd|mpl|eupl|epl|cecill)\b")
_LICENSEREF = re.compile(r"^(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+$")
_UNKNOWN_WORDS = frozenset({"other", "noassertion", "none", "unknown", "see license", "custom"})
_MAX_LEN = 200  # longer text is not a licence name (and bounds the work per cell)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def licensing() -> Any:
    """The SPDX ``Licensing`` of ``license-expression`` (built once per process)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """``(spdx ids, ScanCode keys, categories)``, all keyed by lower-case id.

    SPDX ids (current and deprecated/alias keys) map to the current SPDX id;
    ScanCode keys map to an SPDX id only where one exists on the SPDX list.
    """
    from license_expression import get_license_index

    ids: dict[str, str] = {}
    scancode: dict[str, str] = {}
    cats: dict[str, str] = {}
    entries = [e for e in get_license_index() if not e.get("is_exception")]
    for e in entries:  # current ids first: they win over other entries' aliases
        key = e.get("spdx_license_key")
        if key:
            ids[key.lower()] = key
            if e.get("category"):
                cats[key.lower()] = e["category"]
    for e in entries:
        key = e.get("spdx_license_key")
        if not key:
            continue
        for alias in e.get("other_spdx_license_keys") or []:
            ids.setdefault(alias.lower(), key)
            if e.get("category"):
                cats.setdefault(alias.lower(), e["category"])
        if not key.startswith("LicenseRef-"):
            scancode.setdefault(e["license_key"].lower(), key)
    return ids, scancode, cats


def _lookup(candidate: str) -> str | None:
    """An SPDX id for an id-like text (``GPL-3.0+``, ``mpl-2.0``), or None."""
    ids, _, _ = _index()
    c = candidate.strip().lower()
    if c in ids:
        return ids[c]
    if c.endswith("+") and c[:-1] in ids:
        base = ids[c[:-1]]
        alt = re.sub(r"-only$", "", base) + "-or-later"
        return ids.get(alt.lower(), base + "+")
    return None


def _version(v: str) -> list[str]:
    """Spellings of a version to try against the index: "2" -> "2.0", "2"."""
    v = v.strip(".")
    return [f"{v}.0", v] if re.fullmatch(r"\d+", v) else [v]


def _family_term(folded: str, plus: bool) -> str | None:
    """Family words + version -> SPDX id (or LicenseRef-<family>-unversioned)."""
    text = folded
    text = re.sub(r'"[^"]*"(?:\s+or\s+"[^"]*")?', " ", text)  # `"New" or "Revised"`
    text = re.sub(r"[^a-z0-9.+]+", " ", text)
    for rx, stem in _PHRASE_RES:
        text = rx.sub(f" {stem} ", text)
    text = _NOISE.sub(" ", text)
    text = re.sub(r"\b(simplified|freebsd)\b", " 2 clause ", text)
    text = re.sub(r"\b(new|revised|modified)\b", " 3 clause ", text)
    text = re.sub(r"\bonly\b", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    text = re.sub(r"\b(\w+)( \1\b)+", r"\1", text)  # "The MIT License (MIT)"
    if text == "publicdomain":
        return "LicenseRef-public-domain"
    # BSD: "bsd 2 clause", "2-clause bsd", "bsd-3", "bsd3"
    m = re.fullmatch(r"(?:bsd ?(\d)(?: ?clause)?|(\d) ?clause bsd|bsd)( clear)?", text)
    if m:
        n = m.group(1) or m.group(2)
        if not n:
            return "LicenseRef-BSD-unversioned"
        return _lookup(f"BSD-{n}-Clause" + ("-Clear" if m.group(3) else ""))
    # CeCILL-B / CeCILL-C are variants, not versions.
    m = re.fullmatch(r"cecill ?([bc])", text)
    if m:
        return _lookup(f"CECILL-{m.group(1).upper()}")
    m = re.fullmatch(
        r"([a-z0-9][a-z0-9-]*?(?: [a-z]+)*?)[ .-]?(?:v ?)?(\d+(?:\.\d+)*[a-z]?)?\+?", text
    )
    if not m:
        return None
    fam = m.group(1).strip().replace(" ", "-")
    ver = m.group(2)
    plus = plus or text.endswith("+")
    if fam.endswith("-v"):
        fam = fam[:-2]
    if not ver:
        if fam in UNVERSIONED_FAMILIES:
            return f"LicenseRef-{UNVERSIONED_FAMILIES[fam]}-unversioned"
        found = _lookup(fam)
        return found if found and not plus else (found + "+" if found else None)
    for v in _version(ver):
        if fam in _GNU:
            hit = _lookup(f"{fam}-{v}-{'or-later' if plus else 'only'}")
        else:
            hit = _lookup(f"{fam}-{v}")
            if hit and plus:
                hit = _lookup(hit + "+") or hit + "+"
        if hit:
            return hit
    return None


def _one(term: str) -> str | None:
    """One licence (no AND/OR) -> SPDX id, or None."""
    term = term.strip().strip(".").strip()
    if not term:
        return None
    if _LICENSEREF.match(term):
        return term
    plus = False
    term = _AT_LEAST.sub(r" \1+", term)  # "GPL (>= 2)" is GPL-2.0-or-later
    if _OR_LATER.search(term):
        term, plus = _OR_LATER.sub("", term).strip(), True
    folded = _fold(term)
    family = _unversioned(folded)
    if family and not plus:  # "GPL" names no version: never guess one
        return family
    hit = _lookup(term) or _lookup(re.sub(r"\s+", "-", term))
    if hit:
        return (
            _lookup(hit + "+") or hit + "+"
            if plus and not hit.endswith(("+", "-or-later"))
            else hit
        )
    hit = _family_term(folded, plus)
    if hit:
        return hit
    _, scancode, _ = _index()
    slug = re.sub(r"[^a-z0-9.+]+", "-", folded).strip("-")
    slug = re.sub(r"^the-|-licen[cs]e$", "", slug)
    return scancode.get(slug)


_UNVERSIONED_REF = re.compile(r"LicenseRef-[A-Za-z0-9.]+-unversioned")


def _unversioned(folded: str) -> str | None:
    """``LicenseRef-<family>-unversioned`` when folded text names a licence
    family and nothing else ("gpl", "gnu gpl"), else None."""
    family = UNVERSIONED_FAMILIES.get(re.sub(r"[^a-z0-9]+", "", folded))
    return f"LicenseRef-{family}-unversioned" if family else None


def _expression(text: str) -> str | None:
    """Whole text as an SPDX expression ("MIT OR Apache-2.0", "GPL-2.0+").

    An expression naming a family without its version ("GPL and MIT") is
    left to the splitting below: the SPDX parser reads a bare "GPL" as
    GPL-1.0-or-later, a version nobody wrote.
    """

    text = re.sub(
        r"(?<![\w.+-])[A-Za-z][\w.+-]*", lambda m: _unversioned(_fold(m[0])) or m[0], text
    )
    try:
        lic = licensing()
        parsed = lic.parse(text, validate=False, strict=False)
        unknown = lic.unknown_license_keys(parsed) if parsed is not None else ["?"]
        # Only the family tokens put in above may be unknown: "New BSD" parses
        # as one key "New LicenseRef-BSD-unversioned", which is no licence.
        if parsed is not None and all(_UNVERSIONED_REF.fullmatch(str(k)) for k in unknown):
            return str(parsed.render())
    except Exception:  # noqa: BLE001 - license-expression raises many types, even from its own error path
        return None
    return None


_URL_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"spdx\.org/licenses/([A-Za-z0-9.+\-]+?)(?:\.html|\.json)?/?$", re.I), "{0}"),
    (re.compile(r"opensource\.org/licen[cs]es?/([A-Za-z0-9.+\-]+?)(?:\.php|\.html)?/?$", re.I), "{0}"),
    (re.compile(r"choosealicense\.com/licenses/([a-z0-9.\-]+)/?$", re.I), "{0}"),
    (re.compile(r"gnu\.org/licenses/(?:old-licenses/)?(a?gpl|lgpl|fdl)-(\d\.\d)", re.I), "gnu"),
    (re.compile(r"apache\.org/licenses/LICENSE-(\d\.\d)", re.I), "Apache-{0}"),
    (re.compile(r"mozilla\.org/(?:[a-z\-]+/)?MPL/(\d\.\d)", re.I), "MPL-{0}"),
    (re.compile(r"creativecommons\.org/publicdomain/zero/1\.0", re.I), "CC0-1.0"),
    (re.compile(r"creativecommons\.org/licenses/([a-z\-]+)/(\d\.\d)", re.I), "CC-{0}-{1}"),
    (re.compile(r"eclipse\.org/legal/epl-v?(\d)\.?(\d)", re.I), "EPL-{0}.{1}"),
    (re.compile(r"cecill\.info/licences/Licence_CeCILL(?:-([BC]))?_V(\d(?:\.\d)?)", re.I), "cecill"),
)  # fmt: skip


def _from_url(url: str) -> str | None:
    for rx, template in _URL_RULES:
        m = rx.search(url.strip())
        if not m:
            continue
        if template == "gnu":
            fam = "GFDL" if m.group(1).lower() == "fdl" else m.group(1).upper()
            return _lookup(f"{fam}-{m.group(2)}-only")
        if template == "cecill":
            return _lookup(f"CECILL-{m.group(1).upper()}" if m.group(1) else f"CECILL-{m.group(2)}")
        hit = _one(template.format(*m.groups()))
        if hit:
            return hit
    return None


def _join(parts: list[str], op: str) -> str:
    parts = list(dict.fromkeys(parts))
    if len(parts) == 1:
        return parts[0]
    return f" {op} ".join(f"({p})" if " " in p and op == "AND" else p for p in parts)


@lru_cache(maxsize=8192)
def normalise_licence(name: str | None, url: str | None = None) -> tuple[str | None, str | None]:
    """One licence text (and optional URL) -> ``(SPDX expression, problem)``.

    Parameters
    ----------
    name : str or None
        Licence as written: an SPDX id or expression, a label ("GNU General
        Public License v3.0", `BSD 2-Clause "Simplified" License`), a short
        form ("GPL3", "AGPL3+", "MPL2"), a list ("LGPL-2.1, LGPL-3.0") or
        proprietary wording.
    url : str or None
        Licence URL (code.json ``URL``), used when the name is missing, not
        understood or names no version.

    Returns
    -------
    tuple
        ``(expression, None)`` when recognised; ``(None, problem)`` when the
        text is not a licence we recognise; ``(None, None)`` when blank.
        Never raises.
    """
    # Zero-width characters go before the strip: a cell of only spaces and
    # zero-width spaces is blank, as the cell cleaner reads it.
    text = unicodedata.normalize("NFKC", name or "").replace("\u00a0", " ")
    text = re.sub(r"[\u200b-\u200d\u2060\ufeff]", "", text).strip()
    found = None
    if text and len(text) <= _MAX_LEN:
        found = _from_name(text)
    if url and (found is None or found.endswith("-unversioned")):
        found = _from_url(url) or found
    if found:
        return found, None
    if not text:
        if url:
            return None, f"licence URL {url[:120]!r} does not identify a licence"
        return None, None
    shown = text if len(text) <= 60 else text[:57] + "..."
    return None, f"unknown licence {shown!r} (give an SPDX id or 'proprietary')"


def _from_name(text: str) -> str | None:
    folded = _fold(text)
    if folded.strip() in _UNKNOWN_WORDS:
        return None
    if _PROPRIETARY_WORDS.search(folded) and not _OPEN_FAMILY_WORDS.search(folded):
        return PROPRIETARY
    family = _unversioned(folded)
    if family:  # before the SPDX parser, which reads "GPL" as 1.0+
        return family
    whole = _expression(text)
    if whole:
        return whole
    single = _one(text)
    if single:
        return single
    # Protect "or later" wording before splitting on "or".
    text = _OR_LATER.sub("+ ", text)
    ors = []
    for alt in _OR_SPLIT.split(text):
        if not alt.strip():
            continue
        ands = [_one(t) for t in _AND_SPLIT.split(alt) if t.strip()]
        if not ands or any(a is None for a in ands):
            return None
        ors.append(_join([a for a in ands if a], "AND"))
    if not ors:
        return None
    return _join(ors, "OR")


def parse_licence(s: Any) -> tuple[pd.Series, pd.Series]:
    """Normalise licence cells to SPDX expressions (see :func:`normalise_licence`).

    Returns ``(values, problems)`` like every cell cleaner: NA values with a
    problem for text that is not a recognised licence, NA without one for
    blanks, "not a licence" for numbers, dates and booleans.
    """
    from .cells import _Cells, _map_unique

    cells = _Cells(s)
    out = pd.Series(pd.NA, index=cells.index, dtype="string")
    is_str = cells.mask("str")
    if is_str.any():
        vals, probs = _map_unique(cells.text[is_str].astype(object), normalise_licence)
        out[is_str] = vals.astype("string").to_numpy()
        cells.problems[is_str] = probs.astype("string").to_numpy()
    cells.flag_kinds("not a licence", "num", "bool", "datetime", "date", "time", "other")
    return out, cells.problems


# ScanCode LicenseDB categories (shipped with license_expression) -> open?
_OPEN_CATEGORIES = {"Permissive": True, "Copyleft": True, "Copyleft Limited": True,
                    "Public Domain": True, "Commercial": False, "Proprietary Free": False,
                    "Source-available": False, "Free Restricted": False}  # fmt: skip
_OPEN_REFS = frozenset(
    {"licenseref-public-domain"}
    | {f"licenseref-{f.lower()}-unversioned" for f in UNVERSIONED_FAMILIES.values()}
)


def _node_is_open(node: Any) -> bool | None:
    from license_expression import AND, OR

    if isinstance(node, AND | OR):
        results = [_node_is_open(arg) for arg in node.args]
        if isinstance(node, AND):  # every part applies: one closed part closes it
            if any(r is False for r in results):
                return False
            return True if all(r is True for r in results) else None
        if any(r is True for r in results):  # a choice: one open option suffices
            return True
        return False if all(r is False for r in results) else None
    symbol = getattr(node, "license_symbol", node)  # "X WITH exception" -> X
    key = str(getattr(symbol, "key", "")).lower().rstrip("+")
    if key == PROPRIETARY.lower() or "proprietary" in key:
        return False
    if key in _OPEN_REFS:
        return True
    return _OPEN_CATEGORIES.get(_index()[2].get(key, ""))


@lru_cache(maxsize=4096)
def _expression_is_open(expr: str) -> bool | None:
    try:
        parsed = licensing().parse(expr, validate=False, strict=False)
    except Exception:  # noqa: BLE001 - an unparseable expression is simply unknown
        return None
    return None if parsed is None else _node_is_open(parsed)


def is_open_licence(spdx: Any) -> pd.Series:
    """Whether each SPDX expression is an open licence.

    Uses the ScanCode LicenseDB category that ships with ``license_expression``:
    permissive, copyleft and public-domain licences are open (True);
    commercial, proprietary-free, source-available (BUSL, SSPL, CC-BY-NC) and
    ``LicenseRef-proprietary`` are not (False); ``LicenseRef-<family>-unversioned``
    is open (every version of those families is). ``A AND B`` is open only if
    both are; ``A OR B`` if either is (the user may pick). NA for NA, for
    unknown ids and for categories that say nothing about openness.
    """
    spdx = spdx if isinstance(spdx, pd.Series) else pd.Series(spdx, dtype="object")
    # Judged once per distinct expression (a few dozen licences, many systems).
    codes, uniq = pd.factorize(spdx.astype("string"))
    verdicts = pd.array([_expression_is_open(str(u)) for u in uniq], dtype="boolean")
    out = (
        verdicts.take(codes, allow_fill=True)
        if len(uniq)
        else pd.array([pd.NA] * len(spdx), dtype="boolean")
    )
    return pd.Series(out, index=spdx.index, dtype="boolean")
