"""Inputs published compressed: ``.gz`` files and ``.zip`` archives.

National portals ship big exports compressed: USAspending and TED as zips of
CSV files, the OCP Data Registry as ``.jsonl.gz``. Members are unpacked to a
temporary folder (so big ones stream like plain files) under the same bomb
rule as workbooks (``[limits] max_compression_ratio``), never to a path the
archive names (no "zip slip").
"""

from __future__ import annotations

import gzip
import shutil
import zipfile
import zlib
from pathlib import Path

from .spreadsheet import EXCEL_SUFFIXES, RATIO_FLOOR_BYTES, TEXT_SUFFIXES, FileUnusable

#: Members read from an archive: what the loaders read as plain files.
MEMBER_SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES | {".json", ".jsonl", ".ndjson"}
_BLOCK = 1 << 22


def is_archive(path: Path) -> bool:
    """A ``.zip`` or ``.gz`` file (a workbook is a zip too, but named ``.xlsx``)."""
    return path.suffix.lower() in {".zip", ".gz"} and path.is_file()


def _bomb(packed: int, size: int, max_ratio: float) -> str:
    return (
        f"its {packed:,} bytes unpack to more than {size:,} (over {max_ratio:,.0f} times "
        "larger): a zip bomb or padding, not data; the file was not read (limit [limits] "
        "max_compression_ratio in ospo.toml)"
    )


def gunzip(path: Path, dst: Path, max_ratio: float) -> None:
    """Unpack ``path`` (gzip) to ``dst``, refusing a bomb or a broken archive.

    Raises
    ------
    FileUnusable
        Cut short (an interrupted download), not gzip, or inflating past
        ``max_ratio`` once past 64 MB; ``dst`` is then removed.
    """
    packed = max(path.stat().st_size, 1)
    try:
        with gzip.open(path, "rb") as src, dst.open("wb") as out:
            size = 0
            while block := src.read(_BLOCK):
                size += len(block)
                if size > RATIO_FLOOR_BYTES and size / packed > max_ratio:
                    raise FileUnusable(_bomb(packed, size, max_ratio))
                out.write(block)
    except FileUnusable:
        dst.unlink(missing_ok=True)
        raise
    except EOFError:
        dst.unlink(missing_ok=True)
        raise FileUnusable(
            "the gzip archive is cut short (an interrupted download?): the file was not read; "
            "download it again"
        ) from None
    except (OSError, zlib.error) as exc:
        dst.unlink(missing_ok=True)
        why = getattr(exc, "strerror", None) or str(exc)
        raise FileUnusable(f"cannot unpack the gzip archive: {why}") from None


def unpack(path: Path, dst: Path, max_ratio: float) -> tuple[list[tuple[str, Path]], list[str]]:
    """Unpack an archive's readable members into the folder ``dst``.

    Returns
    -------
    members : list of (str, Path)
        ``(name shown as the source, unpacked file)``: ``archive.zip/inner.csv``
        for a zip member, the archive's own path for a ``.gz``.
    skipped : list of str
        Members not read (other file types, nested archives), named.

    Raises
    ------
    FileUnusable
        The archive cannot be read, or a member is a bomb.
    """
    if path.suffix.lower() == ".gz":
        inner = dst / path.name[: -len(".gz")]
        gunzip(path, inner, max_ratio)
        return [(str(path), inner)], []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileUnusable(f"cannot open the zip archive: {exc}") from None
    members: list[tuple[str, Path]] = []
    skipped: list[str] = []
    with zf:
        for i, info in enumerate(zf.infolist()):
            name = info.filename
            base = Path(name).name
            if info.is_dir() or name.startswith("__MACOSX/") or base.startswith((".", "~$")):
                continue
            if Path(base).suffix.lower() not in MEMBER_SUFFIXES:
                skipped.append(name)
                continue
            packed = max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size / packed > max_ratio:
                raise FileUnusable(f"{name}: " + _bomb(packed, info.file_size, max_ratio))
            # Our own folder per member, the archive's base name kept for the
            # readers (its suffix; "releases.csv" marks flattened OCDS).
            out = dst / f"{i:06d}" / base  # zero-padded: folders sort in archive order
            out.parent.mkdir()
            try:
                with zf.open(info) as src, out.open("wb") as fh:
                    shutil.copyfileobj(src, fh, _BLOCK)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error) as exc:
                raise FileUnusable(f"{name}: cannot unpack it from the archive: {exc}") from None
            members.append((f"{path}/{name}", out))
    return members, skipped
