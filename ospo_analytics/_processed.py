"""The processed folder: the one place that reads and writes it.

Every stage hands its tables to the next one through ``data/processed``:
validation writes the canonical tables and the accounting CSVs, scoring
writes the scored tables and ``run.json``, reporting reads them all. File
names, the atomic write and the metadata live here, so no stage re-derives
what an earlier one decided (the analysis date, the profile hash).

``run.json`` (written by scoring) holds ``as_of``, ``profile_sha256``, the
sha256 of each canonical table scored and the package version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:  # pandas is imported where tables are read: the
    import pandas as pd  # unchanged-run check only hashes files and stays fast

__all__ = [
    "CANONICAL",
    "META_FILE",
    "ProcessedError",
    "Staged",
    "atomic_write",
    "atomic_writes",
    "read_csv",
    "read_meta",
    "read_table",
    "sha256_file",
    "staged",
    "table_writer",
    "write_meta",
    "write_tables",
]

CANONICAL: tuple[str, ...] = ("inventory", "procurement", "questionnaire")
"""Canonical tables written by validation (``<name>.parquet``)."""

META_FILE = "run.json"
_OLD_META = "score_meta.json"  # folders scored before run.json existed


class ProcessedError(ValueError):
    """A processed file is missing or unreadable (the message names it)."""


def atomic_write(target: Path, write: Callable[[str], Any]) -> Path:
    """Write ``target`` through a temporary file in its folder, then rename.

    A crash never leaves a half-written file where the next stage reads.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = atomic_write(d / "x.txt", lambda tmp: pathlib.Path(tmp).write_text("ok"))
    >>> p.read_text(), sorted(x.name for x in d.iterdir())
    ('ok', ['x.txt'])
    """
    return atomic_writes([(Path(target), write)])[0]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import: setting the umask to read it is process-wide.
_FILE_MODE = 0o666 & ~_umask()


def atomic_writes(writes: Iterable[tuple[Path, Callable[[str], Any]]]) -> list[Path]:
    """Write each ``(target, write)`` through a temporary file in its folder; rename
    them all only when every write succeeded.

    ``writes`` is consumed as the files are written, so a ``write`` may wait
    for its content (made on a second core) until its turn. A failure removes
    the temporary files and replaces no target. Each file is on disk
    (``fsync``) before it replaces the old one, and has the permissions any
    new file of the process gets (the umask's; a temporary file's own are
    owner-only), so a team reads the tables and reports a scheduled run
    wrote.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> def fails(tmp):
    ...     raise OSError("disk full")
    >>> atomic_writes([(d / "a.txt", lambda tmp: pathlib.Path(tmp).write_text("a")),
    ...                (d / "b.txt", fails)])
    Traceback (most recent call last):
    OSError: disk full
    >>> sorted(x.name for x in d.iterdir())
    []
    """
    with staged() as files:
        for target, write in writes:
            files.write(target, write)
    return files.targets


class Staged:
    """Files written to temporary names, to replace their targets all at once.

    Made by :func:`staged`; :meth:`write` may be called from several threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: list[tuple[str, Path]] = []

    @property
    def targets(self) -> list[Path]:
        """The files written so far, in the order their writes began."""
        return [target for _, target in self._files]

    def write(self, target: str | Path, write: Callable[[str], Any]) -> Path:
        """``write(tmp)`` a temporary file beside ``target``; returns ``target``."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        with self._lock:
            self._files.append((tmp, target))
        write(tmp)
        os.chmod(tmp, _FILE_MODE)
        with open(tmp, "rb+") as fh:  # Windows syncs only a writable handle
            os.fsync(fh.fileno())
        return target


@contextlib.contextmanager
def staged() -> Iterator[Staged]:
    """Files written in the block replace their targets when it ends, all of
    them, or (on an error) none: their temporary files are removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with staged() as files:
    ...     _ = files.write(d / "a.txt", lambda tmp: pathlib.Path(tmp).write_text("a"))
    ...     sorted(x.name for x in d.iterdir()) == ["a.txt"]  # not yet: a temp name
    False
    >>> sorted(x.name for x in d.iterdir())
    ['a.txt']
    """
    files = Staged()
    try:
        yield files
        for tmp, target in files._files:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in files._files:
            Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks (the one file hasher)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def write_tables(
    folder: str | Path, tables: Iterable[tuple[str, Callable[[], pd.DataFrame]]]
) -> list[Path]:
    """Write ``<folder>/<name>.parquet`` for each ``(name, make)``; no old file is
    replaced unless every table was made and written. Returns the files.

    ``make`` is called when its table is written, so a table still being made
    (on a second core) is waited for only then. A failure leaves the folder as
    it was: the scores of one run never sit beside another run's tables.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in write_tables(d, [("a", lambda: pd.DataFrame({"x": [1]}))])]
    ['a.parquet']
    >>> def broken():
    ...     raise ValueError("no table")
    >>> write_tables(d, [("a", lambda: pd.DataFrame({"x": [2]})), ("b", broken)])
    Traceback (most recent call last):
    ValueError: no table
    >>> sorted(p.name for p in d.iterdir()), pd.read_parquet(d / "a.parquet")["x"].tolist()
    (['a.parquet'], [1])
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)  # an empty list still makes it
    return atomic_writes(
        (folder / f"{name}.parquet", partial(_write_parquet, make)) for name, make in tables
    )


def _write_parquet(make: Callable[[], pd.DataFrame], path: str) -> None:
    make().to_parquet(path, index=False)


def table_writer(df: pd.DataFrame) -> Callable[[str], None]:
    """The writer of ``df`` as a parquet table (no index), for :meth:`Staged.write`."""
    return partial(_write_parquet, lambda: df)


@overload
def read_table(folder: str | Path, name: str) -> pd.DataFrame: ...
@overload
def read_table(folder: str | Path, name: str, *, required: Literal[True]) -> pd.DataFrame: ...
@overload
def read_table(folder: str | Path, name: str, *, required: bool) -> pd.DataFrame | None: ...
def read_table(folder: str | Path, name: str, *, required: bool = True) -> pd.DataFrame | None:
    """Read ``<folder>/<name>.parquet``.

    Returns ``None`` for a missing optional table.

    Raises
    ------
    ProcessedError
        When a required table is missing, or any table cannot be read.
    """
    path = Path(folder) / f"{name}.parquet"
    if not path.is_file():
        if required:
            raise ProcessedError(
                f"{path}: not found; run `ospo-analytics run` (or validate and score) first"
            )
        return None
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except Exception as exc:  # a corrupt file is a message, not a traceback
        raise ProcessedError(f"{path}: cannot read ({exc})") from None


def read_csv(folder: str | Path, name: str) -> pd.DataFrame | None:
    """Read an accounting CSV (``rejects.csv``...) as text; ``None`` if missing."""
    import pandas as pd

    path = Path(folder) / name
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])


def write_meta(folder: str | Path, **values: Any) -> Path:
    """Write ``run.json``: the scoring run's analysis date, profile and inputs.

    Dates are written as ISO text.
    """
    data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
    text = json.dumps(data, indent=2, sort_keys=True)
    return atomic_write(Path(folder) / META_FILE, lambda p: Path(p).write_text(text, "utf-8"))


def read_meta(folder: str | Path) -> dict[str, Any]:
    """Read ``run.json`` (``{}`` when the folder was never scored).

    ``as_of`` comes back as a :class:`datetime.date`.
    """
    for name in (META_FILE, _OLD_META):
        path = Path(folder) / name
        if path.is_file():
            try:
                meta = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise ProcessedError(f"{path}: cannot read ({exc})") from None
            if meta.get("as_of"):
                meta["as_of"] = dt.date.fromisoformat(str(meta["as_of"]))
            return meta
    return {}
