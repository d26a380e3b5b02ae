"""Big OCDS bulk files in bounded memory.

National publishers release OCDS as one JSON package of several gigabytes
(or JSON Lines of millions of releases). ``json.loads`` of such a file holds
about seven times its size in Python objects, and compiling releases per
``ocid`` holds every release until the last file is read. Two pieces keep
memory bounded, both exact to the in-memory reader:

* :func:`layout` finds, without parsing, where each element of a package's
  ``releases``/``records`` array (or of a top-level array) starts and ends,
  with a vectorised pass over the bytes (strings, escapes and nesting are
  tracked across blocks). The reader then parses one element at a time with
  the very decoder it uses for a whole file, so each value is the same.
* :class:`OcidGroups` groups releases by ``ocid``: in memory for small inputs,
  else pickled to bucket files by a hash of the ``ocid``, one bucket read
  back at a time. The order in which an ``ocid`` was first seen is kept, so
  rows and lists come out in the in-memory order.
"""

from __future__ import annotations

import gc
import pickle
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

_BLOCK = 1 << 24
_QUOTE, _BACKSLASH, _COLON, _COMMA = 34, 92, 58, 44
_STRUCT = np.zeros(256, dtype=bool)
_STRUCT[list(b"{}[],:")] = True
_DELTA = np.zeros(256, dtype=np.int64)
_DELTA[list(b"{[")] = 1
_DELTA[list(b"}]")] = -1
_SPACE = b" \t\r\n"


class Spans:
    """Byte spans ``(start, end)`` of an array's elements, from the offsets of
    its bracket and commas (8 bytes an element, not a tuple each)."""

    def __init__(self, bounds: np.ndarray) -> None:
        self._bounds = bounds

    def __len__(self) -> int:
        return max(0, len(self._bounds) - 1)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        b = self._bounds
        for k in range(len(b) - 1):
            yield int(b[k]) + 1, int(b[k + 1])


@dataclass
class Layout:
    """Where the parts of a file's single top-level JSON value lie.

    ``skeleton`` is the file with the contents of the big arrays cut out (so
    ``"releases": []``): small, parsed as a whole. ``arrays`` maps each key
    of a top-level object whose value is an array (the last one, as
    ``json.loads`` keeps, when a key repeats), or ``""`` for a top-level
    array, to its element spans ``(start, end)`` in bytes.
    """

    skeleton: bytes
    arrays: dict[str, Spans] = field(default_factory=dict)


class MoreThanOneValue(Exception):
    """The file holds more than one top-level value (JSON Lines, or broken)."""


def _escaped(a: np.ndarray, q: np.ndarray, carry: int) -> np.ndarray:
    """Which quotes at ``q`` are escaped by an odd run of backslashes
    (``carry`` backslashes ended the block before)."""
    esc = np.zeros(len(q), dtype=bool)
    prev = np.zeros(len(q), dtype=bool)
    inner = q > 0
    prev[inner] = a[q[inner] - 1] == _BACKSLASH
    if len(q) and q[0] == 0 and carry:
        prev[0] = True
    for i in np.flatnonzero(prev):  # rare: an escaped quote or a path ending in "\"
        j, run = int(q[i]) - 1, 0
        while j >= 0 and a[j] == _BACKSLASH:
            run, j = run + 1, j - 1
        if j < 0:
            run += carry
        esc[i] = run % 2 == 1
    return esc


def layout(path: Path, start: int, keys: tuple[str, ...]) -> Layout | None:
    """Find the element spans of the big arrays of the one JSON value in ``path``.

    Parameters
    ----------
    path : Path
        A UTF-8 file (checked by the caller).
    start : int
        Offset of the text (after a BOM).
    keys : tuple of str
        Keys of a top-level object whose array values are cut into elements.

    Returns
    -------
    Layout or None
        None when the bytes do not close every string and bracket they open,
        or the top-level value is not an object or array: the caller reads
        such a file whole, as before, so its messages do not change.

    Raises
    ------
    MoreThanOneValue
        As soon as a second top-level value starts.
    """
    in_str, depth, carry_bs, offset, tops = 0, 0, 0, start, 0
    last_q: list[int] = []  # the last two unescaped quotes (absolute offsets)
    ev_pos: list[np.ndarray] = []
    ev_ch: list[np.ndarray] = []
    ev_lvl: list[np.ndarray] = []
    colon_keys: dict[int, tuple[int, int]] = {}
    with path.open("rb") as fh:
        fh.seek(start)
        while block := fh.read(_BLOCK):
            a = np.frombuffer(block, dtype=np.uint8)
            q = np.flatnonzero(a == _QUOTE)
            rq = q[~_escaped(a, q, carry_bs)] if len(q) else q
            s = np.flatnonzero(_STRUCT[a])
            s = s[(np.searchsorted(rq, s) + in_str) % 2 == 0]  # outside strings
            ch = a[s]
            delta = _DELTA[ch]
            d = np.cumsum(delta) + depth
            if len(d) and d.min() < 0:
                return None
            level = np.where(delta < 0, d + 1, d)
            tops += int(np.count_nonzero((delta > 0) & (d == 1)))
            if tops > 1:
                raise MoreThanOneValue
            # Level 1: the top value's own brackets, keys and commas; level 2:
            # brackets and commas of the arrays (elements of a top-level array
            # open at level 2). Nothing deeper is kept: memory per element.
            keep = (level <= 1) | ((level == 2) & (ch != _COLON))
            pos = s[keep]
            ev_pos.append(pos + offset)
            ev_ch.append(ch[keep])
            ev_lvl.append(level[keep])
            for c in pos[(ch[keep] == _COLON) & (level[keep] == 1)]:
                k = int(np.searchsorted(rq, c))
                before = last_q + (rq[max(0, k - 2) : k] + offset).tolist()
                if len(before) >= 2:
                    colon_keys[int(c) + offset] = (before[-2], before[-1])
            in_str ^= len(rq) & 1
            if len(d):
                depth = int(d[-1])
            last_q = (last_q + (rq[-2:] + offset).tolist())[-2:]
            tail = len(block) - len(block.rstrip(b"\\"))
            carry_bs = carry_bs + tail if tail == len(block) else tail
            offset += len(block)
        if in_str or depth != 0 or tops != 1:
            return None
        pos = np.concatenate(ev_pos) if ev_pos else np.zeros(0, np.int64)
        ch = np.concatenate(ev_ch) if ev_ch else np.zeros(0, np.uint8)
        lvl = np.concatenate(ev_lvl) if ev_lvl else np.zeros(0, np.int64)
        return _spans(fh, start, offset, pos, ch, lvl, colon_keys, keys)


def _spans(
    fh: BinaryIO,
    start: int,
    end: int,
    pos: np.ndarray,
    ch: np.ndarray,
    lvl: np.ndarray,
    colon_keys: dict[int, tuple[int, int]],
    keys: tuple[str, ...],
) -> Layout | None:
    import json

    def read(a: int, b: int) -> bytes:
        fh.seek(a)
        return fh.read(b - a)

    first = int(pos[0]) if len(pos) else -1
    if first < 0 or read(start, first).strip(_SPACE):
        return None  # a scalar, or text before the value
    cut: list[tuple[int, int]] = []  # byte ranges left out of the skeleton
    arrays: dict[str, Spans] = {}

    def elements(open_at: int, level: int) -> Spans | None:
        """Spans of the array opening at ``open_at`` on ``level``."""
        i = int(np.searchsorted(pos, open_at)) + 1
        close = np.flatnonzero((lvl[i:] == level) & (ch[i:] != _COMMA))
        if not len(close) or ch[i + close[0]] != ord("]"):
            return None
        j = i + int(close[0])
        commas = pos[i:j][(lvl[i:j] == level) & (ch[i:j] == _COMMA)]
        bounds = np.concatenate([[open_at], commas, [pos[j]]]).astype(np.int64)
        if len(bounds) == 2 and not read(open_at + 1, int(pos[j])).strip(_SPACE):
            bounds = bounds[:1]  # []
        cut.append((open_at + 1, int(pos[j])))
        return Spans(bounds)

    if ch[0] == ord("["):
        spans = elements(first, 1)
        if spans is None:
            return None
        arrays[""] = spans
    else:
        for c, (q1, q2) in sorted(colon_keys.items()):
            try:
                key = json.loads(read(q1, q2 + 1))
            except (ValueError, UnicodeDecodeError):
                return None
            if key not in keys:
                continue
            k = int(np.searchsorted(pos, c)) + 1
            if (
                k >= len(pos)
                or ch[k] != ord("[")
                or lvl[k] != 2
                or read(c + 1, int(pos[k])).strip(_SPACE)
            ):
                arrays.pop(key, None)  # not an array: the skeleton keeps it
                continue
            spans = elements(int(pos[k]), 2)
            if spans is None:
                return None
            arrays[key] = spans
    parts, at = [], start
    for a, b in sorted(cut):
        parts.append(read(at, a))
        at = b
    parts.append(read(at, end))
    return Layout(b"".join(parts), arrays)


class Slices:
    """Read increasing byte spans of a file through a rolling buffer."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._buf = b""
        self._at = 0

    def get(self, a: int, b: int) -> bytes:
        if a < self._at or b > self._at + len(self._buf):
            self._fh.seek(a)
            self._buf = self._fh.read(max(b - a, _BLOCK))
            self._at = a
        return self._buf[a - self._at : b - self._at]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of
    containers that hold no reference cycles (cells, unpickled releases):
    each allocation burst would trigger full scans of everything alive
    (measured: 3-4x slower frame building, 3x slower bucket loading)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class OcidGroups:
    """Releases grouped by ``ocid``, in memory or spilled to bucket files.

    Parameters
    ----------
    buckets : int
        0 keeps everything in memory (one group, in first-seen order); else
        values are pickled to that many files by a hash of the ``ocid``.
    temp_dir : str, optional
        Where the bucket files go (default: the system's temp folder).
    """

    def __init__(self, buckets: int = 0, temp_dir: str | None = None) -> None:
        self.first: dict[str, int] = {}
        self._mem: dict[str, list[Any]] = {}
        self._dir: tempfile.TemporaryDirectory | None = None
        self._files: list[BinaryIO] = []
        if buckets:
            self._dir = tempfile.TemporaryDirectory(prefix="ospo-ocds-", dir=temp_dir)
            root = Path(self._dir.name)
            self._files = [(root / f"{i}.pickle").open("w+b") for i in range(buckets)]

    def add(self, ocid: str, value: Any) -> None:
        self.first.setdefault(ocid, len(self.first))
        if not self._files:
            self._mem.setdefault(ocid, []).append(value)
            return
        h = zlib.crc32(ocid.encode("utf-8", "surrogatepass")) % len(self._files)
        try:
            pickle.dump((ocid, value), self._files[h], protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as exc:
            self._raise_full(exc)

    def _raise_full(self, exc: OSError) -> None:
        """A full temporary folder is named, with the setting that moves it."""
        from .archives import is_no_space, no_space

        if is_no_space(exc) and self._dir is not None:
            raise no_space(self._dir.name) from None
        raise exc

    def groups(self) -> Iterator[dict[str, list[Any]]]:
        """Each group maps ``ocid`` to its values in the order added; every
        ``ocid`` is in exactly one group. Spilled groups are read one at a time."""
        if not self._files:
            yield self._mem
            return
        try:
            for fh in self._files:
                try:
                    fh.flush()  # buffered writes may only now meet a full disk
                except OSError as exc:
                    self._raise_full(exc)
                fh.seek(0)
                group: dict[str, list[Any]] = {}
                with gc_paused():
                    while True:
                        try:
                            ocid, value = pickle.load(fh)  # noqa: S301 - written above, in a 0700 temp dir
                        except EOFError:
                            break
                        group.setdefault(ocid, []).append(value)
                fh.close()
                yield group
        finally:
            self.close()

    def close(self) -> None:
        for fh in self._files:
            fh.close()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
