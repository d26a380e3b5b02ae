"""Inputs published compressed: ``.gz`` files, ``.zip`` and ``.tar(.gz)`` archives.

National portals ship big exports compressed: USAspending and TED as zips of
CSV files, the OCP Data Registry as ``.jsonl.gz`` and ``.csv.tar.gz``. Members
are unpacked to a temporary folder (so big ones stream like plain files)
under the same bomb rule as workbooks (``[limits] max_compression_ratio``),
never to a path the archive names (no "zip slip"); a tar's links and devices
are never followed or made.
"""

from __future__ import annotations

import gzip
import shutil
import tarfile
import zipfile
import zlib
from pathlib import Path

from .ocds import JSON_SUFFIXES
from .spreadsheet import EXCEL_SUFFIXES, RATIO_FLOOR_BYTES, TEXT_SUFFIXES, FileUnusable

#: Members read from an archive: what the loaders read as plain files.
MEMBER_SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES | JSON_SUFFIXES
_BLOCK = 1 << 22


_TAR_NAMES = (".tar", ".tar.gz", ".tgz")


def is_archive(path: Path) -> bool:
    """A ``.zip``, ``.gz``, ``.tar`` or ``.tgz`` file (a workbook is a zip too,
    but named ``.xlsx``)."""
    return path.suffix.lower() in {".zip", ".gz", ".tar", ".tgz"} and path.is_file()


def _is_tar(path: Path) -> bool:
    return path.name.lower().endswith(_TAR_NAMES)


def no_space(folder: Path | str, need: int | None = None) -> FileUnusable:
    """The error for a temporary folder too small for a big input."""
    free = shutil.disk_usage(folder).free
    what = (
        f"needs about {need:,} bytes of temporary space" if need else "ran out of temporary space"
    )
    return FileUnusable(
        f"{what} in {folder} ({free:,} bytes free): the file was not read; set [reading] "
        "temp_dir in ospo.toml to a folder with more space"
    )


def is_no_space(exc: OSError) -> bool:
    """A full disk or quota (Arrow's IO errors may carry only the message)."""
    import errno

    text = str(exc).lower()
    return exc.errno in (errno.ENOSPC, errno.EDQUOT) or "no space left" in text or "quota" in text


def _bomb(packed: int, size: int, max_ratio: float) -> str:
    return (
        f"its {packed:,} bytes unpack to more than {size:,} (over {max_ratio:,.0f} times "
        "larger): a zip bomb or padding, not data; the file was not read (limit [limits] "
        "max_compression_ratio in ospo.toml)"
    )


def _cut_short(kind: str) -> FileUnusable:
    return FileUnusable(
        f"the {kind} archive is cut short (an interrupted download?): the file was not read; "
        "download it again"
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
        raise _cut_short("gzip") from None
    except (OSError, zlib.error) as exc:
        dst.unlink(missing_ok=True)
        if isinstance(exc, OSError) and is_no_space(exc):
            raise no_space(dst.parent) from None
        why = getattr(exc, "strerror", None) or str(exc)
        raise FileUnusable(f"cannot unpack the gzip archive: {why}") from None


def _not_an_export(name: str) -> bool:
    """A Mac resource fork, a hidden file or an Office lock file: passed over."""
    return name.startswith("__MACOSX/") or Path(name).name.startswith((".", "~$"))


def _member_file(dst: Path, i: int, name: str) -> Path:
    """Where the ``i``-th member is unpacked: our own folder (zero-padded, so
    folders sort in archive order, and never a path the archive names), the
    member's base name kept for the readers (its suffix; "releases.csv"
    marks flattened OCDS)."""
    out = dst / f"{i:06d}" / Path(name).name
    out.parent.mkdir()
    return out


def unpack(path: Path, dst: Path, max_ratio: float) -> tuple[list[tuple[str, Path]], list[str]]:
    """Unpack an archive's readable members into the folder ``dst``.

    Returns
    -------
    members : list of (str, Path)
        ``(name shown as the source, unpacked file)``: ``archive.zip/inner.csv``
        for a zip or tar member, the archive's own path for a ``.gz``.
    skipped : list of str
        Members not read (other file types, nested archives), named.

    Raises
    ------
    FileUnusable
        The archive cannot be read, or a member is a bomb.
    """
    if _is_tar(path):
        return _untar(path, dst, max_ratio)
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
        need = sum(
            i.file_size for i in zf.infolist() if Path(i.filename).suffix.lower() in MEMBER_SUFFIXES
        )
        if need > shutil.disk_usage(dst).free:
            raise no_space(dst, need)  # before unpacking gigabytes for nothing
        for i, info in enumerate(zf.infolist()):
            name = info.filename
            if info.is_dir() or _not_an_export(name):
                continue
            if Path(name).suffix.lower() not in MEMBER_SUFFIXES:
                skipped.append(name)
                continue
            packed = max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size / packed > max_ratio:
                raise FileUnusable(f"{name}: " + _bomb(packed, info.file_size, max_ratio))
            out = _member_file(dst, i, name)
            try:
                with zf.open(info) as src, out.open("wb") as fh:
                    shutil.copyfileobj(src, fh, _BLOCK)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error) as exc:
                if isinstance(exc, OSError) and is_no_space(exc):
                    raise no_space(dst, need) from None
                raise FileUnusable(f"{name}: cannot unpack it from the archive: {exc}") from None
            members.append((f"{path}/{name}", out))
    return members, skipped


def _untar(path: Path, dst: Path, max_ratio: float) -> tuple[list[tuple[str, Path]], list[str]]:
    """:func:`unpack` of a ``.tar``, ``.tar.gz`` or ``.tgz``, read in one pass.

    Only regular files are members; directories, links and devices are not
    data and are passed over (a link is never followed, nothing is made but
    our own files). The sizes the headers declare, read or not, count
    against ``max_ratio`` before any is unpacked; a member bigger than the
    free temporary space is refused before it is written.
    """
    packed = max(path.stat().st_size, 1)
    members: list[tuple[str, Path]] = []
    skipped: list[str] = []
    declared = 0
    try:
        with tarfile.open(path, "r|*") as tf:  # a stream: members in archive order
            for i, info in enumerate(tf):
                name = info.name
                if not info.isreg() or _not_an_export(name):
                    continue
                declared += info.size
                if declared > RATIO_FLOOR_BYTES and declared / packed > max_ratio:
                    raise FileUnusable(f"{name}: " + _bomb(packed, declared, max_ratio))
                if Path(name).suffix.lower() not in MEMBER_SUFFIXES:
                    skipped.append(name)
                    continue
                # A stream cannot be sized beforehand: each member is, before
                # gigabytes are written for nothing.
                if info.size > shutil.disk_usage(dst).free:
                    raise no_space(dst, info.size)
                out = _member_file(dst, i, name)
                src = tf.extractfile(info)
                assert src is not None  # a regular file
                with out.open("wb") as fh:
                    shutil.copyfileobj(src, fh, _BLOCK)
                members.append((f"{path}/{name}", out))
    except FileUnusable:
        raise
    except EOFError:
        raise _cut_short("tar") from None
    except (tarfile.TarError, OSError, zlib.error) as exc:
        if isinstance(exc, OSError) and is_no_space(exc):
            raise no_space(dst) from None
        if "unexpected end" in str(exc).lower():
            raise _cut_short("tar") from None
        raise FileUnusable(f"cannot unpack the tar archive: {exc}") from None
    return members, skipped
